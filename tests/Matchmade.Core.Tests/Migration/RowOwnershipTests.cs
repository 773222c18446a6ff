using Matchmade.Core.Migration;
using Matchmade.Fixtures;
using Matchmade.Tests.Shared;

namespace Matchmade.Core.Tests.Migration;

/// <summary>
/// The ownership test's two halves (the same for a ProfileNew row and a ContextIntent), evaluated by the server over rows made up here (a subquery's columns stand for the
/// row's "updatedAt" and xmin and the record's written_by, kept_by and migrated_at). The xmin half sees an edit that
/// leaves "updatedAt" alone; the "updatedAt" half sees an edit whose transaction id is the record's again (xmin is 32
/// bits: a busy server reuses a transaction id after about four billion transactions), which the end-to-end tests
/// cannot make happen.
/// </summary>
public sealed class RowOwnershipTests
{
    private const string Migrated = "2026-12-01 10:00:00";
    private const string Before = "2026-12-01 09:59:59.999";
    private const string After = "2026-12-01 10:00:00.001";

    [Theory]
    [InlineData(Before, 100u, true)]   // written with the record, not touched since
    [InlineData(Migrated, 100u, true)] // in the same millisecond as the record
    [InlineData(Before, 42u, true)]    // left alone by a rebuild, which recorded its xmin in kept_by
    [InlineData(Before, 101u, false)]  // a hand-written UPDATE that left "updatedAt" alone
    [InlineData(After, 101u, false)]   // the app's update
    [InlineData(After, 100u, false)]   // the app's update, in a transaction whose id is the record's again
    [InlineData(After, 42u, false)]    // a left-alone row's xmin again, but written since
    public void A_row_is_the_modules_only_as_written_or_left_alone(string updatedAt, uint xmin, bool owned) =>
        Assert.Equal(owned, Evaluate(RowOwnership.Owned("t", "t.xmin", "m.written_by", "m.kept_by", "m.migrated_at"), updatedAt, xmin));

    private static bool Evaluate(string test, string updatedAt, uint xmin)
    {
        using var connection = DbAssert.Open(TestServer.Shared.AdminConnectionString);
        return DbAssert.Scalar<bool>(
            connection,
            $$"""
            SELECT {{test}}
            FROM (SELECT @updated_at::timestamp(3) AS "updatedAt", @xmin::text::xid AS xmin) t,
                 (SELECT '100'::xid AS written_by, '{41,42}'::xid[] AS kept_by, '{{Migrated}}'::timestamp(3) AS migrated_at) m
            """,
            ("updated_at", updatedAt),
            ("xmin", xmin.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }
}
