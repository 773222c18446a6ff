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

    /// <summary>
    /// The seed's QA users against rows written out by hand from RULES.md (not computed by the module's reader or
    /// merger): every column of every row, ids and timestamps aside (checked for shape above). jsonb orders object
    /// keys by length, then bytes; to_jsonb lists columns in that order too.
    /// </summary>
    [Fact]
    public void The_QA_users_rows_are_exactly_the_ones_written_out_by_hand()
    {
        using var db = DatabaseFixture.CreateFresh("qarows");
        using (var c = db.Open())
        {
            SampleData.LoadQaUsers(c);
        }

        var reports = Directory.CreateTempSubdirectory("mm-qarows-").FullName;
        try
        {
            using var target = DatabaseTarget.Create(new ConnectionRequest { ConnectionString = db.ConnectionString });
            var outcome = new MigrationRunner(target, new MigrationOptions { ReportPath = reports }, new RecordingLog()).Run(CancellationToken.None);
            Assert.Equal(RunStatus.Completed, outcome.Status);
        }
        finally
        {
            Directory.Delete(reports, recursive: true);
        }

        using var connection = db.Open();
        var stored = DbAssert.NewTablesContent(connection).Replace("#ContextIntent ", "\nContextIntent ", StringComparison.Ordinal).Split('\n');
        Assert.Equal(QaRows.ReplaceLineEndings("\n").Split('\n'), stored);
    }

    private const string QaRows = """
        ProfileNew {"name": "Alex", "userId": "user_qa1", "beliefs": {"religion": "agnostic"}, "missing": [], "ageRange": "28-32", "location": "San Francisco, CA", "lifestyle": {"diet": "vegetarian", "exercise": "weekly hikes"}, "coreValues": ["honesty", "curiosity", "loyalty"], "constraints": ["remote only"], "completeness": 100, "interactionStyle": {"energy": "introvert", "communication": "direct"}}
        ProfileNew {"name": "Sam", "userId": "cmjfwhbqb0000qe2g6xd8iww9", "beliefs": {}, "missing": ["constraints", "beliefs", "interactionStyle", "lifestyle"], "ageRange": "35-40", "location": "Austin, TX", "lifestyle": {}, "coreValues": ["kindness", "family"], "constraints": [], "completeness": 50, "interactionStyle": {}}
        ProfileNew {"name": null, "userId": "user_qa3", "beliefs": {}, "missing": ["coreValues", "constraints", "beliefs", "interactionStyle", "lifestyle", "location", "ageRange", "name"], "ageRange": null, "location": null, "lifestyle": {}, "coreValues": [], "constraints": [], "completeness": 0, "interactionStyle": {}}
        ContextIntent {"userId": "cmjfwhbqb0000qe2g6xd8iww9", "missing": ["commitmentHorizon", "complementarySkills"], "egoBalance": null, "roleNeeded": null, "budgetRange": null, "contextType": "professional", "serviceType": null, "completeness": 50, "creativeType": null, "processStyle": null, "timelineNeeded": null, "friendshipDepth": null, "partnershipType": "advisor", "equityOrRevShare": "equity", "familyIntentions": null, "commitmentHorizon": null, "complementarySkills": null, "credentialsRequired": null, "attractionImportance": null, "relationshipTimeline": null, "exclusivityExpectation": null, "compensationExpectation": null, "groupActivityPreference": null, "emotionalSupportExpectation": null}
        ContextIntent {"userId": "cmjfwhbqb0000qe2g6xd8iww9", "missing": ["relationshipTimeline", "exclusivityExpectation", "familyIntentions"], "egoBalance": null, "roleNeeded": null, "budgetRange": null, "contextType": "romantic", "serviceType": null, "completeness": 25, "creativeType": null, "processStyle": null, "timelineNeeded": null, "friendshipDepth": null, "partnershipType": null, "equityOrRevShare": null, "familyIntentions": null, "commitmentHorizon": null, "complementarySkills": null, "credentialsRequired": null, "attractionImportance": "moderate", "relationshipTimeline": null, "exclusivityExpectation": null, "compensationExpectation": null, "groupActivityPreference": null, "emotionalSupportExpectation": null}
        ContextIntent {"userId": "user_qa1", "missing": ["attractionImportance"], "egoBalance": null, "roleNeeded": null, "budgetRange": null, "contextType": "romantic", "serviceType": null, "completeness": 75, "creativeType": null, "processStyle": null, "timelineNeeded": null, "friendshipDepth": null, "partnershipType": null, "equityOrRevShare": null, "familyIntentions": "wants kids someday", "commitmentHorizon": null, "complementarySkills": null, "credentialsRequired": null, "attractionImportance": null, "relationshipTimeline": "within 1-2 years", "exclusivityExpectation": "monogamous", "compensationExpectation": null, "groupActivityPreference": null, "emotionalSupportExpectation": null}
        ContextIntent {"userId": "user_qa1", "missing": ["emotionalSupportExpectation"], "egoBalance": null, "roleNeeded": null, "budgetRange": null, "contextType": "friendship", "serviceType": null, "completeness": 66, "creativeType": null, "processStyle": null, "timelineNeeded": null, "friendshipDepth": "a few close friends", "partnershipType": null, "equityOrRevShare": null, "familyIntentions": null, "commitmentHorizon": null, "complementarySkills": null, "credentialsRequired": null, "attractionImportance": null, "relationshipTimeline": null, "exclusivityExpectation": null, "compensationExpectation": null, "groupActivityPreference": "small groups", "emotionalSupportExpectation": null}
        ContextIntent {"userId": "user_qa1", "missing": ["equityOrRevShare"], "egoBalance": null, "roleNeeded": null, "budgetRange": null, "contextType": "professional", "serviceType": null, "completeness": 75, "creativeType": null, "processStyle": null, "timelineNeeded": null, "friendshipDepth": null, "partnershipType": "co-founder", "equityOrRevShare": null, "familyIntentions": null, "commitmentHorizon": "3+ years", "complementarySkills": ["sales", "fundraising"], "credentialsRequired": null, "attractionImportance": null, "relationshipTimeline": null, "exclusivityExpectation": null, "compensationExpectation": null, "groupActivityPreference": null, "emotionalSupportExpectation": null}
        ContextIntent {"userId": "user_qa3", "missing": ["friendshipDepth", "groupActivityPreference", "emotionalSupportExpectation"], "egoBalance": null, "roleNeeded": null, "budgetRange": null, "contextType": "friendship", "serviceType": null, "completeness": 0, "creativeType": null, "processStyle": null, "timelineNeeded": null, "friendshipDepth": null, "partnershipType": null, "equityOrRevShare": null, "familyIntentions": null, "commitmentHorizon": null, "complementarySkills": null, "credentialsRequired": null, "attractionImportance": null, "relationshipTimeline": null, "exclusivityExpectation": null, "compensationExpectation": null, "groupActivityPreference": null, "emotionalSupportExpectation": null}
        ContextIntent {"userId": "user_qa3", "missing": ["relationshipTimeline", "exclusivityExpectation", "familyIntentions", "attractionImportance"], "egoBalance": null, "roleNeeded": null, "budgetRange": null, "contextType": "romantic", "serviceType": null, "completeness": 0, "creativeType": null, "processStyle": null, "timelineNeeded": null, "friendshipDepth": null, "partnershipType": null, "equityOrRevShare": null, "familyIntentions": null, "commitmentHorizon": null, "complementarySkills": null, "credentialsRequired": null, "attractionImportance": null, "relationshipTimeline": null, "exclusivityExpectation": null, "compensationExpectation": null, "groupActivityPreference": null, "emotionalSupportExpectation": null}
        """;

    private static void Json(string expected, string actual) => Assert.True(JsonValues.Equal(expected, actual), $"expected {expected}, stored {actual}");
}
