using Matchmade.Core.Connection;
using Matchmade.Core.Errors;
using Npgsql;

namespace Matchmade.Core.Migration;

/// <summary>Retries a step that hit a transient failure (a lock the app holds, a serialization failure, a deadlock).</summary>
internal static class Retry
{
    public static T Run<T>(string activity, Func<T> work, int maxRetries, IOperationLog log, CancellationToken stop)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return work();
            }
            catch (Exception e) when (DbErrors.IsTransient(e) && attempt <= maxRetries)
            {
                // Exponential backoff with full jitter, so retries of concurrent sessions do not line up.
                var delay = TimeSpan.FromMilliseconds(Random.Shared.Next(0, (int)Math.Min(10_000, 200 * Math.Pow(2, attempt))));
                log.Warning($"{activity} hit {Secrets.Scrub((e as PostgresException)?.MessageText ?? e.Message)}; retry {attempt} of {maxRetries} in {delay.TotalMilliseconds:N0} ms.");
                stop.WaitHandle.WaitOne(delay);
                stop.ThrowIfCancellationRequested();
            }
        }
    }
}
