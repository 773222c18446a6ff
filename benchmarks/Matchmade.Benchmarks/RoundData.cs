/// <summary>
/// Keeps every latency's runs on the same data: the transition phase's app writes and edits change the blobs of the
/// changed users, so their Profile rows are kept before (in a schema of the benchmark's own) and put back before the
/// next latency's runs. Untimed, straight to the server.
/// </summary>
internal static class RoundData
{
    public static void Keep(string cs, int users) => Bench.Exec(cs, $"""
        CREATE SCHEMA IF NOT EXISTS bench_state;
        DROP TABLE IF EXISTS bench_state.kept;
        CREATE TABLE bench_state.kept AS SELECT p.id, p.data, p."updatedAt" FROM "Profile" p JOIN "ContextProfile" cp ON cp.id = p."contextProfileId"
        WHERE cp."userId" IN ({TransitionBenchmark.ChangedUsersSql(users)})
        """);

    /// <summary>After Undo-ProfileMigration (no tracking trigger left to record these writes).</summary>
    public static void Restore(string cs)
    {
        Bench.Exec(cs, """
            UPDATE "Profile" p SET data = k.data, "updatedAt" = k."updatedAt" FROM bench_state.kept k WHERE p.id = k.id;
            DROP SCHEMA bench_state CASCADE;
            """);
        Bench.Exec(cs, "VACUUM ANALYZE \"Profile\"");
    }
}
