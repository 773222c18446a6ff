using System.Text.RegularExpressions;

namespace Matchmade.Core.Errors;

/// <summary>
/// Last line of defence against a password reaching a message: every password the process has been handed is
/// registered here, and every message built from foreign text (driver errors, user input) is scrubbed.
/// </summary>
public static partial class Secrets
{
    private static readonly object Gate = new();
    private static string[] known = [];

    /// <summary>
    /// Shorter secrets are not scrubbed by value: replacing every "b" or "dba" in every message would make
    /// messages unreadable (and mangle the user name) while protecting a password nobody can rely on anyway.
    /// The URL and keyword patterns below still mask them wherever they appear in a connection string.
    /// </summary>
    public const int MinimumScrubbedLength = 4;

    public static void Register(string? secret)
    {
        if (string.IsNullOrEmpty(secret) || secret.Length < MinimumScrubbedLength)
        {
            return;
        }

        lock (Gate)
        {
            if (Array.IndexOf(known, secret) < 0)
            {
                known = [.. known, secret, Uri.EscapeDataString(secret)];
            }
        }
    }

    public static string Scrub(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text ?? string.Empty;
        }

        var result = UrlPassword().Replace(text, "$1:***@");
        result = KeywordPassword().Replace(result, "$1=***");
        foreach (var secret in known)
        {
            if (secret.Length > 0)
            {
                result = result.Replace(secret, "***", StringComparison.Ordinal);
            }
        }

        return result;
    }

    // The password runs to the last '@' before a space: one typed with a raw '@' (not %40) masked whole; at worst more is masked.
    [GeneratedRegex(@"(postgres(?:ql)?://[^:/@\s]*):\S*@", RegexOptions.IgnoreCase)]
    private static partial Regex UrlPassword();

    [GeneratedRegex(@"\b(password|pwd|sslpassword)\s*=\s*(?:'[^']*'|""[^""]*""|[^;]*)", RegexOptions.IgnoreCase)]
    private static partial Regex KeywordPassword();
}
