using System.Buffers.Binary;
using System.Text;
using Npgsql;

namespace Matchmade.Core.Migration;

/// <summary>
/// Rows of one table as PostgreSQL's binary COPY tuples (UTF-8 text, jsonb's version byte, big-endian numbers), encoded
/// as soon as a user is merged: a merged batch waiting for its write holds these bytes instead of the merge's UTF-16
/// strings and their objects (issue 17: half the size or less, and no object per value to promote). The write time
/// (createdAt, updatedAt) is not known yet: its places are filled in when the rows are written.
/// </summary>
public sealed class CopyRows
{
    private static readonly byte[] Header = [(byte)'P', (byte)'G', (byte)'C', (byte)'O', (byte)'P', (byte)'Y', (byte)'\n', 0xFF, (byte)'\r', (byte)'\n', 0, 0, 0, 0, 0, 0, 0, 0, 0];
    private static readonly byte[] Trailer = [0xFF, 0xFF];
    private static readonly long PostgresEpochTicks = new DateTime(2000, 1, 1).Ticks;

    private readonly byte[] bytes;
    private readonly int[] stamps;

    private CopyRows(byte[] bytes, int[] stamps)
    {
        this.bytes = bytes;
        this.stamps = stamps;
    }

    /// <summary>COPYs the rows with <paramref name="copy"/> (FORMAT BINARY), createdAt and updatedAt set to <paramref name="now"/>.</summary>
    public static void Write(NpgsqlConnection connection, string copy, IEnumerable<CopyRows> rows, DateTime now, CancellationToken cancellationToken)
    {
        var micros = (now.Ticks - PostgresEpochTicks) / (TimeSpan.TicksPerMillisecond / 1000);
        using var stream = connection.BeginRawBinaryCopy(copy);
        try
        {
            stream.Write(Header);
            foreach (var row in rows)
            {
                foreach (var stamp in row.stamps)
                {
                    BinaryPrimitives.WriteInt64BigEndian(row.bytes.AsSpan(stamp), micros);
                }

                stream.Write(row.bytes);
            }

            cancellationToken.ThrowIfCancellationRequested();
            stream.Write(Trailer);
        }
        catch (Exception e) when (e is not PostgresException and not NpgsqlException)
        {
            stream.Cancel();
            throw;
        }
    }

    /// <summary>
    /// Encodes tuples for <see cref="CopyRows"/>, one encoder per thread (its buffer is reused; each
    /// <see cref="Take"/> copies out only what was written). Text that is not valid UTF-16 (a lone surrogate) throws
    /// here, failing that user, instead of being replaced.
    /// </summary>
    public sealed class Encoder
    {
        private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
        private const int TextOid = 25;

        [ThreadStatic]
        private static Encoder? current;

        private readonly List<int> stamps = new(8);
        private byte[] buffer = new byte[4096];
        private int length;

        public static Encoder Current => current ??= new Encoder();

        public void StartRow(int fields) => BinaryPrimitives.WriteInt16BigEndian(Room(2), (short)fields);

        public void Null() => BinaryPrimitives.WriteInt32BigEndian(Room(4), -1);

        public void Int(int value)
        {
            BinaryPrimitives.WriteInt32BigEndian(Room(4), 4);
            BinaryPrimitives.WriteInt32BigEndian(Room(4), value);
        }

        /// <summary>A timestamp filled in at write time.</summary>
        public void Stamp()
        {
            BinaryPrimitives.WriteInt32BigEndian(Room(4), 8);
            stamps.Add(length);
            Room(8).Clear();
        }

        public void Text(string? value) => Utf8Field(value, jsonb: false);

        /// <summary>jsonb's binary form: version 1, then the JSON text.</summary>
        public void Jsonb(string? value) => Utf8Field(value, jsonb: true);

        /// <summary>A one-dimensional text[] without NULLs (an empty one has no dimension, as PostgreSQL stores it).</summary>
        public void TextArray(IReadOnlyList<string> values)
        {
            var lengthAt = length;
            Room(4);
            var start = length;
            BinaryPrimitives.WriteInt32BigEndian(Room(4), values.Count > 0 ? 1 : 0);
            BinaryPrimitives.WriteInt32BigEndian(Room(4), 0);
            BinaryPrimitives.WriteInt32BigEndian(Room(4), TextOid);
            if (values.Count > 0)
            {
                BinaryPrimitives.WriteInt32BigEndian(Room(4), values.Count);
                BinaryPrimitives.WriteInt32BigEndian(Room(4), 1);
                foreach (var value in values)
                {
                    Text(value);
                }
            }

            BinaryPrimitives.WriteInt32BigEndian(buffer.AsSpan(lengthAt), length - start);
        }

        /// <summary>The tuples written since the last take, as rows of their own; the encoder starts empty again.</summary>
        public CopyRows Take()
        {
            var rows = new CopyRows(buffer.AsSpan(0, length).ToArray(), [.. stamps]);
            Clear();
            return rows;
        }

        /// <summary>Drops what was written since the last take (a user whose encoding failed half way).</summary>
        public void Clear()
        {
            length = 0;
            stamps.Clear();
        }

        private void Utf8Field(string? value, bool jsonb)
        {
            if (value is null)
            {
                Null();
                return;
            }

            var lengthAt = length;
            Room(4);
            if (jsonb)
            {
                Room(1)[0] = 1;
            }

            Utf8.GetBytes(value, Room(Utf8.GetByteCount(value)));
            BinaryPrimitives.WriteInt32BigEndian(buffer.AsSpan(lengthAt), length - lengthAt - 4);
        }

        private Span<byte> Room(int count)
        {
            if (length + count > buffer.Length)
            {
                Array.Resize(ref buffer, Math.Max(buffer.Length * 2, length + count));
            }

            var room = buffer.AsSpan(length, count);
            length += count;
            return room;
        }
    }
}
