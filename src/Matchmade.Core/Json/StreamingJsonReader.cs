using System.Text.Json;

namespace Matchmade.Core.Json;

/// <summary>
/// A forward-only JSON tokenizer over a file of any size: Utf8JsonReader over a buffer refilled from the stream (grown
/// for a single value larger than it), giving tokens, property names, strings and numbers, or whole values as
/// documents, one at a time. The report reader streams its findings with it.
/// </summary>
internal sealed class StreamingJsonReader : IDisposable
{
    private readonly FileStream file;
    private readonly Func<string, Exception> corrupt;
    private byte[] buffer = new byte[1 << 16];
    private int start, end;
    private bool finalBlock;
    private JsonReaderState state;
    private JsonTokenType token;

    /// <summary>Reads <paramref name="file"/> from its start; <paramref name="corrupt"/> makes the exception for text that is not JSON or ends early.</summary>
    public StreamingJsonReader(FileStream file, int maxDepth, Func<string, Exception> corrupt)
    {
        this.file = file;
        this.corrupt = corrupt;
        state = new(new JsonReaderOptions { MaxDepth = maxDepth });
    }

    /// <summary>Goes back to the first byte after a byte order mark.</summary>
    public void Rewind() => file.Position = HasBom() ? 3 : 0;

    public string? PropertyName { get; private set; }

    public string? StringValue { get; private set; }

    public long? NumberValue { get; private set; }

    public JsonTokenType Next()
    {
        while (true)
        {
            var reader = new Utf8JsonReader(buffer.AsSpan(start, end - start), finalBlock, state);
            bool read;
            try
            {
                read = reader.Read();
                if (read)
                {
                    token = reader.TokenType;
                    PropertyName = token == JsonTokenType.PropertyName ? reader.GetString() : null;
                    StringValue = token == JsonTokenType.String ? reader.GetString() : null;
                    NumberValue = token == JsonTokenType.Number && reader.TryGetInt64(out var n) ? n : null;
                }
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException)
            {
                throw Corrupt(e.Message);
            }

            if (read)
            {
                start += (int)reader.BytesConsumed;
                state = reader.CurrentState;
                return token;
            }

            if (finalBlock)
            {
                throw Corrupt("the file ends in the middle of the report");
            }

            Refill();
        }
    }

    /// <summary>The next value (an array element or a property's value) as a document, or null at the container's end.</summary>
    public JsonDocument? NextValue()
    {
        JsonDocument? document = null;
        return Value(parse: true, ref document) ? document : null;
    }

    /// <summary>Skips the next value without building it; false at the container's end.</summary>
    public bool SkipNextValue()
    {
        JsonDocument? none = null;
        return Value(parse: false, ref none);
    }

    public void SkipValue()
    {
        if (token is JsonTokenType.StartObject or JsonTokenType.StartArray)
        {
            var depth = 1;
            while (depth > 0)
            {
                var t = Next();
                depth += t is JsonTokenType.StartObject or JsonTokenType.StartArray ? 1 : t is JsonTokenType.EndObject or JsonTokenType.EndArray ? -1 : 0;
            }
        }
    }

    /// <summary>Nothing but white space may follow the root object.</summary>
    public void ExpectEnd()
    {
        while (true)
        {
            if (buffer.AsSpan(start, end - start).Trim(" \t\r\n"u8).Length > 0)
            {
                throw Corrupt("there is text after the report");
            }

            if (finalBlock)
            {
                return;
            }

            start = end = 0;
            Refill();
        }
    }

    /// <summary>The exception for this file's text being damaged, for the caller to throw.</summary>
    public Exception Corrupt(string why) => corrupt(why);

    public void Dispose() => file.Dispose();

    private bool Value(bool parse, ref JsonDocument? document)
    {
        while (true)
        {
            var reader = new Utf8JsonReader(buffer.AsSpan(start, end - start), finalBlock, state);
            try
            {
                if (reader.Read())
                {
                    if (reader.TokenType is JsonTokenType.EndArray or JsonTokenType.EndObject)
                    {
                        Commit(ref reader);
                        return false;
                    }

                    var probe = reader;
                    if (probe.TrySkip())
                    {
                        if (parse)
                        {
                            document = JsonDocument.ParseValue(ref reader);
                            Commit(ref reader);
                        }
                        else
                        {
                            Commit(ref probe);
                        }

                        return true;
                    }
                }
            }
            catch (JsonException e)
            {
                throw Corrupt(e.Message);
            }

            if (finalBlock)
            {
                throw Corrupt("the file ends in the middle of a finding");
            }

            Refill();
        }
    }

    private void Commit(ref Utf8JsonReader reader)
    {
        token = reader.TokenType;
        start += (int)reader.BytesConsumed;
        state = reader.CurrentState;
    }

    private bool HasBom()
    {
        Span<byte> head = stackalloc byte[3];
        file.Position = 0;
        return file.Read(head) == 3 && head.SequenceEqual("\uFEFF"u8);
    }

    /// <summary>The first byte after a byte order mark and white space, or null if there is none.</summary>
    public byte? FirstByte()
    {
        file.Position = HasBom() ? 3 : 0;
        Span<byte> head = stackalloc byte[256];
        int read;
        while ((read = file.Read(head)) > 0)
        {
            foreach (var b in head[..read])
            {
                if (b is not ((byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t'))
                {
                    return b;
                }
            }
        }

        return null;
    }

    public bool EndsWithBrace()
    {
        var tail = new byte[Math.Min(64, (int)Math.Min(file.Length, int.MaxValue))];
        file.Position = file.Length - tail.Length;
        file.ReadExactly(tail);
        for (var i = tail.Length - 1; i >= 0; i--)
        {
            if (tail[i] is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t')
            {
                continue;
            }

            return tail[i] == (byte)'}';
        }

        return false;
    }

    private void Refill()
    {
        var remaining = end - start;
        if (start == 0 && end == buffer.Length)
        {
            // One value larger than the buffer (a 10 MB string): grow (the larger buffer is dropped with the stream).
            Array.Resize(ref buffer, buffer.Length * 2);
        }
        else if (start > 0)
        {
            Buffer.BlockCopy(buffer, start, buffer, 0, remaining);
            start = 0;
            end = remaining;
        }

        var read = file.Read(buffer, end, buffer.Length - end);
        end += read;
        finalBlock = read == 0;
    }
}
