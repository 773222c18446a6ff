using Matchmade.Core.Migration;
using Matchmade.Core.Sync;
using Matchmade.Core.Tests.Migration;
using Matchmade.Core.Tracking;
using Matchmade.Fixtures;
using Npgsql;
using static Matchmade.Tests.Shared.DbAssert;

namespace Matchmade.Core.Tests.Sync;

/// <summary>
/// The sync under kills (its backends terminated, once between batches and at random moments) and the trigger under a
/// hostile app role; the rest of the transition's tests and the helpers are in SyncTests.cs. (Kills of the sync's
/// client process: tests/Matchmade.Pester.Tests/Sync.)
/// </summary>
public sealed partial class SyncTests
{
    /// <summary>The app moves every user: each Profile blob (a non-object one becomes an object) gets a new location.</summary>
    private const string EveryoneMoved = """UPDATE "Profile" SET data = CASE WHEN jsonb_typeof(data) = 'object' THEN data ELSE '{}' END || '{"location": "Moved"}'""";

    [Fact]
    public void A_killed_sync_leaves_whole_users_and_the_next_sync_finishes()
    {
        var cs = NewDatabase(200);
        Assert.Equal(RunStatus.Completed, Migrate(cs, new MigrationOptions()).Status);
        using (var c = Open(cs))
        {
            Exec(c, EveryoneMoved);
            Exec(c, """UPDATE "ContextProfile" SET "createdAt" = "createdAt" + interval '1 hour' WHERE "contextType" = 'romantic'""");
        }

        var log = new RecordingLog();
        var killed = false;
        log.OnProgress = p =>
        {
            if (!killed && p.Status.Contains(" of ", StringComparison.Ordinal) && p.Status.Contains("synced", StringComparison.Ordinal) && !p.Status.StartsWith("Pass 1: 0 ", StringComparison.Ordinal))
            {
                killed = true;
                using var admin = Open(cs);
                Exec(admin, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'Matchmade%' AND pid <> pg_backend_pid()");
            }
        };
        SyncOutcome interrupted;
        using (var target = Target(cs))
        {
            interrupted = new SyncRunner(target, new SyncOptions { BatchSize = 10, ReportPath = reports }, log).Run(CancellationToken.None);
        }

        Assert.True(killed);
        Assert.Equal(RunStatus.Failed, interrupted.Status);
        Assert.Equal("ConnectionLost", interrupted.Failure!.ErrorId);
        using (var c = Open(cs))
        {
            Assert.Equal(0L, HalfMigratedRows(c));
            using var target = Target(cs);
            Assert.True(ChangeTracking.Read(c, null, target.Schemas).PendingUsers > 0);
        }

        var next = Sync(cs, new SyncOptions { BatchSize = 50 });
        Assert.Equal(RunStatus.Completed, next.Status);
        Assert.Equal(0, next.PendingUsers);
        AssertSyncedExactly(cs);
    }

    [Theory]
    [InlineData(11, 1)]
    [InlineData(12, 1)]
    [InlineData(13, 3)]
    public void Syncs_killed_at_random_moments_leave_whole_users_and_the_next_sync_finishes(int seed, int workers)
    {
        // Many changed users (every kind of write, and every blob edited), then syncs whose backends are terminated
        // at a random moment after the first batch began (in a batch's statements or between batches), three times.
        var cs = NewDatabase(300);
        Assert.Equal(RunStatus.Completed, Migrate(cs, new MigrationOptions()).Status);
        var random = new Random(seed);
        var writer = new AppWriter(cs);
        var failed = 0;
        for (var round = 0; round < 3; round++)
        {
            writer.Write(2 * writer.Kinds);
            using (var c = Open(cs))
            {
                Exec(c, """UPDATE "Profile" SET data = CASE WHEN jsonb_typeof(data) = 'object' THEN data ELSE '{}' END || jsonb_build_object('round', random())""");
            }

            using var started = new ManualResetEventSlim();
            var log = new RecordingLog { OnProgress = p => started.Set() };
            var delay = random.Next(0, 600 / (workers * workers)); // several workers end the sync sooner: the kills stay within it
            var killer = new Thread(() =>
            {
                started.Wait(TimeSpan.FromSeconds(60));
                Thread.Sleep(delay);
                using var admin = Open(cs);
                Exec(admin, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'Matchmade%' AND pid <> pg_backend_pid()");
            });
            killer.Start();
            SyncOutcome outcome;
            using (var target = Target(cs))
            {
                outcome = new SyncRunner(target, new SyncOptions { BatchSize = 7, ThrottleLimit = workers, ReportPath = reports }, log).Run(CancellationToken.None);
            }

            killer.Join();
            if (outcome.Status == RunStatus.Failed)
            {
                failed++;
                Assert.Equal("ConnectionLost", outcome.Failure!.ErrorId);
            }
            else
            {
                Assert.Equal(RunStatus.Completed, outcome.Status); // finished before the kill
            }

            AssertSettledUsersReconcile(cs, minimum: 0); // a kill before the first commit leaves every changed user pending
        }

        Assert.True(failed > 0, "no kill hit a running sync");
        var next = Sync(cs, new SyncOptions { BatchSize = 50 });
        Assert.Equal(RunStatus.Completed, next.Status);
        Assert.Equal(0, next.PendingUsers);
        AssertSyncedExactly(cs);
    }

    [Fact]
    public void The_trigger_records_the_app_roles_writes_without_rights_on_the_state_schema_and_ignores_its_search_path()
    {
        // The trigger function runs as the module's role (here a superuser) and has no SET search_path: an app role
        // that owns the tables, has no right on the module's schema, and puts its own "=" operators first in its
        // search_path must still have every write recorded, and none of its operators may run as the module's role.
        var cs = NewDatabase(40);
        Assert.Equal(RunStatus.Completed, Migrate(cs, new MigrationOptions()).Status);
        var role = "mm_app_" + Guid.NewGuid().ToString("N")[..8];
        var database = new NpgsqlConnectionStringBuilder(cs).Database!;
        using (var c = Open(cs))
        {
            Exec(c, $"""
                CREATE ROLE {role} LOGIN PASSWORD 'pw-{role}';
                GRANT CONNECT, CREATE ON DATABASE "{database}" TO {role};
                GRANT USAGE ON SCHEMA public TO {role};
                ALTER TABLE "User" OWNER TO {role}; ALTER TABLE "ContextProfile" OWNER TO {role}; ALTER TABLE "Profile" OWNER TO {role};
                GRANT ALL ON "ChatMessage", "ProfileNew", "ContextIntent" TO {role};
                """);
            Assert.False(Scalar<bool>(c, $"SELECT has_schema_privilege('{role}', 'matchmade', 'USAGE')"));
        }

        string profileUser, contextUser, deletedUser;
        using (var c = Open(cs))
        {
            profileUser = Scalar<string>(c, """SELECT cp."userId" FROM "Profile" p JOIN "ContextProfile" cp ON cp.id = p."contextProfileId" ORDER BY p.id LIMIT 1""");
            contextUser = Scalar<string>(c, """SELECT "userId" FROM "ContextProfile" ORDER BY id LIMIT 1""");
            deletedUser = Scalar<string>(c, """SELECT max(id) FROM "User" """);
        }

        var app = new NpgsqlConnectionStringBuilder(cs) { Username = role, Password = "pw-" + role, Pooling = false }.ConnectionString;
        try
        {
            using var c = Open(app);
            Exec(c, """
                CREATE SCHEMA evil;
                CREATE TABLE evil.calls (who text);
                CREATE FUNCTION evil.eq(a text, b text) RETURNS boolean LANGUAGE plpgsql AS $$
                BEGIN INSERT INTO evil.calls VALUES (current_user); RETURN a OPERATOR(pg_catalog.=) b; END $$;
                CREATE FUNCTION evil.eq(a name, b name) RETURNS boolean LANGUAGE sql AS 'SELECT evil.eq(a::text, b::text)';
                CREATE FUNCTION evil.eq(a "RelationshipContextType", b "RelationshipContextType") RETURNS boolean LANGUAGE sql AS 'SELECT evil.eq(a::text, b::text)';
                CREATE FUNCTION evil.ne(a text, b text) RETURNS boolean LANGUAGE sql AS 'SELECT NOT evil.eq(a, b)';
                CREATE OPERATOR evil.= (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.eq);
                CREATE OPERATOR evil.<> (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.ne);
                CREATE OPERATOR evil.= (LEFTARG = name, RIGHTARG = name, FUNCTION = evil.eq);
                CREATE OPERATOR evil.= (LEFTARG = "RelationshipContextType", RIGHTARG = "RelationshipContextType", FUNCTION = evil.eq);
                SET search_path = evil, pg_catalog, public;
                UPDATE public."Profile" SET data = '{"location": "Evil"}' WHERE id OPERATOR(pg_catalog.=) (SELECT min(id) FROM public."Profile");
                UPDATE public."ContextProfile" SET "createdAt" = "createdAt" - interval '1 day' WHERE id OPERATOR(pg_catalog.=) (SELECT min(id) FROM public."ContextProfile");
                INSERT INTO public."User" (id, email, "updatedAt") VALUES ('evil-user', 'evil@example.com', now());
                DELETE FROM public."User" WHERE id OPERATOR(pg_catalog.=) (SELECT max(id) FROM public."User" WHERE id OPERATOR(pg_catalog.<>) 'evil-user');
                """);
            Assert.Equal(0L, Scalar<long>(c, "SELECT count(*) FROM evil.calls")); // the trigger used none of them, as nobody
            Assert.Equal(1L, Scalar<long>(c, "SELECT count(*) FROM (SELECT 'a'::text = 'a'::text) t")); // while the caller's "=" is the trap
            Assert.Equal(1L, Scalar<long>(c, "SELECT count(*) FROM evil.calls"));
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            using var c = Open(cs);
            Exec(c, $"""
                DROP SCHEMA IF EXISTS evil CASCADE;
                ALTER TABLE "User" OWNER TO CURRENT_USER; ALTER TABLE "ContextProfile" OWNER TO CURRENT_USER; ALTER TABLE "Profile" OWNER TO CURRENT_USER;
                REVOKE ALL ON DATABASE "{database}" FROM {role}; REVOKE ALL ON SCHEMA public FROM {role};
                REVOKE ALL ON "ChatMessage", "ProfileNew", "ContextIntent" FROM {role};
                DROP ROLE {role};
                """);
        }

        using (var c = Open(cs))
        {
            var recorded = Scalar<string[]>(c, """
                SELECT array_agg(DISTINCT coalesce(ch.user_id, cp."userId")) FROM matchmade.changed_user ch
                LEFT JOIN "ContextProfile" cp ON ch.user_id IS NULL AND cp.id = ch.context_profile_id
                """);
            Assert.Subset(recorded.ToHashSet(), new[] { profileUser, contextUser, deletedUser, "evil-user" }.ToHashSet());
        }

        Assert.Equal(RunStatus.Completed, Sync(cs, new SyncOptions()).Status);
        AssertSyncedExactly(cs);
    }

    [Fact]
    public void A_sync_whose_read_waits_on_an_app_lock_fails_with_LockTimeout_instead_of_hanging()
    {
        var cs = NewDatabase(20);
        Assert.Equal(RunStatus.Completed, Migrate(cs, new MigrationOptions()).Status);
        using (var c = Open(cs))
        {
            Exec(c, EveryoneMoved);
        }

        // What an ALTER TABLE of the app's takes: the sync's claim (the change record, "ContextProfile") goes through,
        // its read of the blobs must wait; -LockTimeout bounds that wait as it bounds every other of the sync's.
        var watch = System.Diagnostics.Stopwatch.StartNew();
        SyncOutcome outcome;
        using (var app = Open(cs))
        using (var appTransaction = app.BeginTransaction())
        {
            using (var lockTable = new NpgsqlCommand("""LOCK TABLE "Profile" IN ACCESS EXCLUSIVE MODE""", app, appTransaction))
            {
                lockTable.ExecuteNonQuery();
            }

            watch.Restart();
            outcome = Sync(cs, new SyncOptions { LockTimeout = TimeSpan.FromMilliseconds(300), MaxRetries = 1 });
            watch.Stop();
        }

        Assert.Equal(RunStatus.Failed, outcome.Status);
        Assert.Equal("LockTimeout", outcome.Failure?.ErrorId);
        Assert.Contains("raise -LockTimeoutSeconds", outcome.Failure?.Message, StringComparison.Ordinal); // the parameter's name, as the cmdlets spell it
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"took {watch.Elapsed}");
        Assert.Equal(0, Sync(cs, new SyncOptions()).PendingUsers);
        AssertSyncedExactly(cs);
    }
}
