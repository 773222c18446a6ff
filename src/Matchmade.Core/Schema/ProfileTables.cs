using Matchmade.Core.Completion;
using Matchmade.Core.Sql;

namespace Matchmade.Core.Schema;

/// <summary>
/// Where the old per-context Profile rows and the new per-user profile rows are, for the code that reads both (the
/// batch reader, the reconciliation, the seed checks): during the transition the app's Profile and ProfileNew; after
/// the completion the archive in the module's schema and the renamed Profile. Their SQL names the two tables
/// <c>{old_profile}</c> and <c>{new_profile}</c>.
/// </summary>
public sealed record ProfileTables(string OldProfile, string NewProfile, string NewName, string OldSource, IReadOnlyList<string> Required)
{
    public static ProfileTables Transition { get; } = new(
        "{app}.\"Profile\"", "{app}.\"ProfileNew\"", PrismaSchema.ProfileNew, "the old tables", [.. PrismaSchema.OldTables, .. PrismaSchema.NewTables]);

    public static ProfileTables AfterCompletion { get; } = new(
        $"{{state}}.\"{CompletionState.ArchiveTable}\"", "{app}.\"Profile\"", PrismaSchema.Profile, $"the archive ({CompletionState.ArchiveTable}) and ContextProfile",
        [PrismaSchema.User, PrismaSchema.ContextProfile, PrismaSchema.ChatMessage, PrismaSchema.Profile, PrismaSchema.ContextIntent]);

    public bool Completed => ReferenceEquals(this, AfterCompletion);

    /// <summary>The embedded file with both tables and the schemas filled in.</summary>
    public string Sql(string fileName, SchemaNames schemas) => SqlText.For(fileName, schemas, [("{old_profile}", OldProfile), ("{new_profile}", NewProfile)]);
}
