using Matchmade.Core.Connection;
using Matchmade.Core.Json;
using Matchmade.Core.Merge;
using Matchmade.Core.Migration;
using Matchmade.Fixtures;
using Matchmade.Tests.Shared;
using Npgsql;

namespace Matchmade.Core.Tests.Migration;

/// <summary>
/// End to end: what the database holds after a live run is, column by column, what the merge rules compute from
/// the old rows (synthetic users with every RULES.md edge case), plus ids and timestamps as RULES.md says; with one
/// worker and with several over disjoint ranges of users.
/// </summary>
public sealed class StoredRowsTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Every_stored_row_equals_the_merge_of_its_old_rows(int workers)
    {
        using var db = DatabaseFixture.CreateFresh("rows");
        using (var c = db.Open())
        {
            SampleData.LoadQaUsers(c);
            SampleData.LoadSynthetic(c, 400, seed: 11);
        }

        var reports = Directory.CreateTempSubdirectory("mm-rows-").FullName;
        try
        {
            using var target = DatabaseTarget.Create(new ConnectionRequest { ConnectionString = db.ConnectionString });
            var outcome = new MigrationRunner(target, new MigrationOptions { BatchSize = 64, ThrottleLimit = workers, ReportPath = reports }, new RecordingLog()).Run(CancellationToken.None);
            Assert.Equal(RunStatus.Completed, outcome.Status);
            Assert.Equal(403, outcome.UsersMigrated);
        }
        finally
        {
            Directory.Delete(reports, recursive: true);
        }

        using var connection = db.Open();
        var reader = new BatchReader(new Sql.SchemaNames("public", "matchmade"), targetExists: false, null, force: false);
        var expected = reader.Read(connection, null, string.Empty, null, 10_000).Users.ToDictionary(u => u.Source.UserId, u => ProfileMerger.Merge(u.Source));
        Assert.Equal(403, expected.Count);

        var profiles = 0;
        using (var command = new NpgsqlCommand("""SELECT "userId", "coreValues"::text, constraints::text, beliefs::text, "interactionStyle"::text, lifestyle::text, location, "ageRange", name, completeness, missing, id, "createdAt", "updatedAt" FROM "ProfileNew" """, connection))
        using (var rows = command.ExecuteReader())
        {
            while (rows.Read())
            {
                profiles++;
                var p = expected[rows.GetString(0)].Profile;
                Json(p.CoreValues, rows.GetString(1));
                Json(p.Constraints, rows.GetString(2));
                Json(p.Beliefs, rows.GetString(3));
                Json(p.InteractionStyle, rows.GetString(4));
                Json(p.Lifestyle, rows.GetString(5));
                Assert.Equal(p.Location, rows.IsDBNull(6) ? null : rows.GetString(6));
                Assert.Equal(p.AgeRange, rows.IsDBNull(7) ? null : rows.GetString(7));
                Assert.Equal(p.Name, rows.IsDBNull(8) ? null : rows.GetString(8));
                Assert.Equal(p.Completeness, rows.GetInt32(9));
                Assert.Equal(p.Missing, rows.GetFieldValue<string[]>(10));
                Assert.True(Cuid.IsValid(rows.GetString(11)));
                Assert.Equal(rows.GetDateTime(12), rows.GetDateTime(13));
            }
        }

        Assert.Equal(403, profiles);
        var columns = string.Join(", ", FieldCatalog.IntentColumns.Select(c => FieldCatalog.IsJsonIntentColumn(c) ? $"\"{c}\"::text" : $"\"{c}\""));
        var intents = 0;
        var byContext = expected.Values.SelectMany(r => r.Intents).ToDictionary(i => (i.ContextProfileId, i.ContextType));
        var contextIds = new Dictionary<(string, string), string>();
        using (var command = new NpgsqlCommand("""SELECT "userId", "contextType"::text, id FROM "ContextProfile" """, connection))
        using (var rows = command.ExecuteReader())
        {
            while (rows.Read())
            {
                contextIds[(rows.GetString(0), rows.GetString(1))] = rows.GetString(2);
            }
        }

        using (var command = new NpgsqlCommand($"""SELECT "userId", "contextType"::text, completeness, missing, id, {columns} FROM "ContextIntent" """, connection))
        using (var rows = command.ExecuteReader())
        {
            while (rows.Read())
            {
                intents++;
                var type = ContextTypes.Parse(rows.GetString(1));
                var intent = byContext[(contextIds[(rows.GetString(0), rows.GetString(1))], type)];
                Assert.Equal(intent.Completeness, rows.GetInt32(2));
                Assert.Equal(intent.Missing, rows.GetFieldValue<string[]>(3));
                Assert.True(Cuid.IsValid(rows.GetString(4)));
                for (var i = 0; i < FieldCatalog.IntentColumns.Count; i++)
                {
                    var stored = rows.IsDBNull(5 + i) ? null : rows.GetString(5 + i);
                    if (FieldCatalog.IsJsonIntentColumn(FieldCatalog.IntentColumns[i]) && stored is not null)
                    {
                        Json(intent.Values[i]!, stored);
                    }
                    else
                    {
                        Assert.Equal(intent.Values[i], stored);
                    }
                }
            }
        }

        Assert.Equal(byContext.Count, intents);
        Assert.True(intents > 900);
    }

    private static void Json(string expected, string actual) => Assert.True(JsonValues.Equal(expected, actual), $"expected {expected}, stored {actual}");
}
