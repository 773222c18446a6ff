using Matchmade.Core.Connection;
using Matchmade.Core.Errors;
using Npgsql;

namespace Matchmade.Core.Migration;

/// <summary>The one retry policy of the runs (migration and sync): transient server errors retry the work.</summary>
internal static class Retries
{
    /// <summary>
    /// Runs <paramref name="work"/>; lock timeouts, serialization failures, deadlocks and lost connections retry it up to
    /// <paramref name="maxRetries"/> times with exponential backoff and full jitter (at most 10 s), so retries of
    /// concurrent sessions do not line up.
    /// </summary>
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
                var delay = TimeSpan.FromMilliseconds(Random.Shared.Next(0, (int)Math.Min(10_000, 200 * Math.Pow(2, attempt))));
                log.Warning($"{activity} hit {Secrets.Scrub((e as PostgresException)?.MessageText ?? e.Message)}; retry {attempt} of {maxRetries} in {delay.TotalMilliseconds:N0} ms.");
                stop.WaitHandle.WaitOne(delay);
                stop.ThrowIfCancellationRequested();
            }
        }
    }
}
