using Matchmade.Core.Migration;
using Matchmade.Core.Rollback;
using Matchmade.Core.Sync;
using Matchmade.Core.Tests.Migration;
using Matchmade.Core.Tracking;
using Npgsql;
using static Matchmade.Tests.Shared.DbAssert;

namespace Matchmade.Core.Tests.Sync;

/// <summary>
/// Tracking installed by an earlier version (one trigger function record_change() for the three tables, with its
/// TRUNCATE helper record_truncate(text, text), a primary key on the change table, a sequence caching 1 number): a live re-run must leave this
/// version's objects only, keeping the pending records, and Undo must remove either version's.
/// </summary>
public sealed partial class SyncTests
{
    private static readonly string[] TriggerFunctions = ["ContextProfile:record_context_profile_change", "ContextProfile:record_truncate", "Profile:record_profile_change", "Profile:record_truncate", "User:record_truncate", "User:record_user_change"];

    [Fact]
    public void A_migrated_user_table_from_before_kept_by_gets_the_column_and_its_users_sync_and_undo_as_the_modules()
    {
        var cs = NewDatabase(30);
        Assert.Equal(RunStatus.Completed, Migrate(cs, new MigrationOptions()).Status);
        using (var c = Open(cs))
        {
            Exec(c, """
                ALTER TABLE matchmade.migrated_user DROP COLUMN kept_by;
                UPDATE "Profile" SET data = data || '{"location": "Elsewhere"}' WHERE jsonb_typeof(data) = 'object';
                """);
        }

        var sync = Sync(cs, new SyncOptions());
        Assert.True(sync.UsersResynced > 0);
        using (var c = Open(cs))
        {
            Assert.Equal(1L, Scalar<long>(c, "SELECT count(*) FROM pg_attribute WHERE attrelid = 'matchmade.migrated_user'::regclass AND attname = 'kept_by' AND NOT attisdropped"));
            Assert.True(Scalar<long>(c, "SELECT count(*) FROM matchmade.migrated_user WHERE cardinality(kept_by) > 0") > 0);
        }

        AssertSyncedExactly(cs);
        AssertUndoNeedsNoForce(cs);
    }

    [Fact]
    public void An_earlier_versions_single_trigger_function_and_primary_key_are_replaced_keeping_the_pending_records()
    {
        var cs = NewDatabase(30);
        Assert.Equal(RunStatus.Completed, Migrate(cs, new MigrationOptions()).Status);
        using (var c = Open(cs))
        {
            InstallEarlierVersion(c);
            Exec(c, """UPDATE "Profile" SET data = data || '{"name": "Before"}' WHERE "contextProfileId" IN (SELECT id FROM "ContextProfile" WHERE "userId" IN (SELECT DISTINCT "userId" FROM "ContextProfile" WHERE id IN (SELECT "contextProfileId" FROM "Profile") ORDER BY 1 LIMIT 3))""");
            Assert.Equal(0L, Scalar<long>(c, "SELECT count(*) FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid WHERE p.proname <> 'record_change' AND t.tgname LIKE 'matchmade%'"));
        }

        Assert.Equal(RunStatus.Completed, Migrate(cs, new MigrationOptions()).Status);
        using (var c = Open(cs))
        {
            Assert.Equal(TriggerFunctions, TriggerFunctionsCalled(c));
            Assert.Equal(0L, Scalar<long>(c, "SELECT count(*) FROM pg_proc WHERE proname = 'record_change' OR (proname = 'record_truncate' AND pronargs = 2)"));
            Assert.Equal(0L, Scalar<long>(c, "SELECT count(*) FROM pg_index WHERE indrelid = 'matchmade.changed_user'::regclass"));
            Assert.Equal(32L, Scalar<long>(c, "SELECT seqcache FROM pg_sequence WHERE seqrelid = 'matchmade.changed_user_seq_seq'::regclass"));
            Exec(c, """UPDATE "Profile" SET data = data || '{"name": "After"}' WHERE "contextProfileId" IN (SELECT id FROM "ContextProfile" WHERE "userId" IN (SELECT DISTINCT "userId" FROM "ContextProfile" WHERE id IN (SELECT "contextProfileId" FROM "Profile") ORDER BY 1 DESC LIMIT 2))""");
        }

        using (var target = Target(cs))
        using (var c = Open(cs))
        {
            Assert.Equal(5, ChangeTracking.Read(c, null, target.Schemas).PendingUsers); // recorded by the earlier function, and by the new ones
        }

        var sync = Sync(cs, new SyncOptions { BatchSize = 2 });
        Assert.Equal(5, sync.UsersResynced);
        Assert.Equal(0, sync.PendingUsers);
        AssertSyncedExactly(cs);
    }

    [Fact]
    public void Undo_removes_an_earlier_versions_tracking()
    {
        var cs = NewDatabase(10);
        Assert.Equal(RunStatus.Completed, Migrate(cs, new MigrationOptions()).Status);
        using (var c = Open(cs))
        {
            InstallEarlierVersion(c);
        }

        using (var target = Target(cs))
        {
            Assert.True(UndoRunner.Run(target, new UndoOptions { Force = true }, new RecordingLog(), CancellationToken.None).Dropped);
        }

        using (var c = Open(cs))
        {
            Assert.Equal(0L, Triggers(c));
            Assert.Equal(0L, Scalar<long>(c, "SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'matchmade' AND p.proname LIKE 'record%'"));
            Assert.Null(Scalar<string?>(c, "SELECT to_regclass('matchmade.changed_user')::text"));
        }
    }

    /// <summary>The triggers as an earlier version made them (a recording function of the same shape; this version's functions dropped).</summary>
    private static void InstallEarlierVersion(NpgsqlConnection c) => Exec(c, """
        CREATE FUNCTION matchmade.record_truncate(app_schema text, app_table text) RETURNS void LANGUAGE plpgsql AS $$ BEGIN END $$;
        CREATE FUNCTION matchmade.record_change() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
        BEGIN
            IF TG_LEVEL = 'STATEMENT' THEN
                PERFORM matchmade.record_truncate(TG_TABLE_SCHEMA, TG_TABLE_NAME);
            ELSIF TG_TABLE_NAME = 'Profile' THEN
                INSERT INTO matchmade.changed_user (app_schema, context_profile_id) VALUES (TG_TABLE_SCHEMA, coalesce(NEW."contextProfileId", OLD."contextProfileId"));
            ELSIF TG_TABLE_NAME = 'ContextProfile' THEN
                INSERT INTO matchmade.changed_user (app_schema, user_id) VALUES (TG_TABLE_SCHEMA, coalesce(NEW."userId", OLD."userId"));
            ELSE
                INSERT INTO matchmade.changed_user (app_schema, user_id) VALUES (TG_TABLE_SCHEMA, coalesce(NEW.id, OLD.id));
            END IF;
            RETURN NULL;
        END $$;
        DO $$
        DECLARE t text;
        BEGIN
            FOREACH t IN ARRAY ARRAY['User', 'ContextProfile', 'Profile'] LOOP
                EXECUTE format('DROP TRIGGER matchmade_record_change ON public.%I; DROP TRIGGER matchmade_record_truncate ON public.%I', t, t);
                EXECUTE format('CREATE TRIGGER matchmade_record_change AFTER INSERT OR UPDATE OR DELETE ON public.%I FOR EACH ROW EXECUTE FUNCTION matchmade.record_change()', t);
                EXECUTE format('CREATE TRIGGER matchmade_record_truncate BEFORE TRUNCATE ON public.%I FOR EACH STATEMENT EXECUTE FUNCTION matchmade.record_change()', t);
            END LOOP;
        END $$;
        DROP FUNCTION matchmade.record_profile_change(), matchmade.record_context_profile_change(), matchmade.record_user_change(), matchmade.record_truncate();
        ALTER TABLE matchmade.changed_user ADD PRIMARY KEY (seq);
        ALTER SEQUENCE matchmade.changed_user_seq_seq CACHE 1;
        """);

    /// <summary>Which function each of tracking's triggers calls ("table:function", sorted).</summary>
    private static string[] TriggerFunctionsCalled(NpgsqlConnection c) => Scalar<string[]>(c, """
        SELECT array_agg(c.relname || ':' || p.proname ORDER BY c.relname || ':' || p.proname COLLATE "C") FROM pg_trigger t
        JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid
        WHERE t.tgname LIKE 'matchmade%' AND NOT t.tgisinternal
        """);
}
