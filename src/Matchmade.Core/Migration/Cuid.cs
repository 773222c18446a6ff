using System.Security.Cryptography;

namespace Matchmade.Core.Migration;

/// <summary>
/// Prisma-style cuid ids: 'c' + 24 lowercase base-36 characters (25 in all). Time first so ids of one run sort
/// roughly by creation; a process counter and 10 random characters keep them unique across processes and workers.
/// </summary>
public static class Cuid
{
    private const string Alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";
    private static long counter = RandomNumberGenerator.GetInt32(int.MaxValue);

    public static string Next()
    {
        Span<char> id = stackalloc char[25];
        id[0] = 'c';
        WriteBase36((ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), id.Slice(1, 9));
        WriteBase36((ulong)Interlocked.Increment(ref counter) % 1_679_616UL /* 36^4 */, id.Slice(10, 4));
        Span<byte> random = stackalloc byte[32];
        var written = 14;
        while (written < 25)
        {
            RandomNumberGenerator.Fill(random);
            foreach (var b in random)
            {
                // 252 = 7 * 36: dropping the rest keeps every character equally likely.
                if (b < 252 && written < 25)
                {
                    id[written++] = Alphabet[b % 36];
                }
            }
        }

        return new string(id);
    }

    public static bool IsValid(string? id)
    {
        if (id is null || id.Length != 25 || id[0] != 'c')
        {
            return false;
        }

        foreach (var c in id)
        {
            if (!(c is >= '0' and <= '9' or >= 'a' and <= 'z'))
            {
                return false;
            }
        }

        return true;
    }

    private static void WriteBase36(ulong value, Span<char> target)
    {
        for (var i = target.Length - 1; i >= 0; i--)
        {
            target[i] = Alphabet[(int)(value % 36)];
            value /= 36;
        }
    }
}
