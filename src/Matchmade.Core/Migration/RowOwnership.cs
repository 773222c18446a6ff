namespace Matchmade.Core.Migration;

/// <summary>
/// The one statement of which new rows are the module's own: what Undo-ProfileMigration tests before it drops the new
/// tables without -Force (undo-foreign-rows.sql), and what the rebuild in place tests before it leaves a row alone
/// (upsert-intents.sql, upsert-profile.sql, upsert-settled.sql). The module writes a user's ProfileNew row,
/// ContextIntents and migrated_user record in one (sub)transaction, so they share an xmin (the record's: written_by)
/// until someone updates a row; a row (ProfileNew or ContextIntent) that a later rebuild left alone because it came out
/// the same keeps its earlier xmin, which that rebuild recorded in the record's kept_by (upsert-profile.sql). A row
/// whose updatedAt is later than the record's migrated_at was written since, by someone else, even when its xmin is the
/// record's again (xmin is 32 bits: a busy server reuses a transaction id after about four billion transactions); the
/// xmin test sees the edits that leave updatedAt alone (RowOwnershipTests). The SQL files take the test as the
/// fragments {profile_owned} and {intent_owned}, each over its own aliases; the fragments hold nothing but those
/// aliases.
/// </summary>
internal static class RowOwnership
{
    /// <summary>
    /// "The row (alias <paramref name="row"/>, xmin <paramref name="rowXmin"/>) was written or left alone by the
    /// record's rebuild, not updated since" (NULL where the record's columns are).
    /// </summary>
    public static string Owned(string row, string rowXmin, string writtenBy, string keptBy, string migratedAt) =>
        $"({row}.\"updatedAt\" <= {migratedAt} AND ({rowXmin} = {writtenBy} OR {rowXmin} = ANY({keptBy})))";
}
