using Matchmade.Core.Schema;
using Matchmade.Core.Sql;
using Npgsql;

namespace Matchmade.Core.Verification;

/// <summary>
/// The Schema check: the new tables as the catalog has them, compared with <see cref="ExpectedShape"/> (migration.sql's
/// during the transition, cleanup.prisma's after the completion). Each difference is one readable problem in the Detail.
/// </summary>
internal sealed class SchemaCheck(NpgsqlConnection connection, NpgsqlTransaction transaction, SchemaNames schemas, ExpectedShape shape)
{
    private readonly List<string> problems = [];

    private string Source => shape.Source;

    public IntegrityCheckResult Run()
    {
        ColumnProblems();
        IndexProblems();
        ForeignKeyProblems();
        var total = shape.Columns.Count + shape.Indexes.Count + shape.ForeignKeys.Count;
        return new IntegrityCheckResult(
            "Schema",
            problems.Count == 0,
            problems.Count == 0 ? CheckSeverity.Info : CheckSeverity.Error,
            problems.Count == 0 ? $"{total} columns, indexes and foreign keys as expected" : $"{problems.Count} differences",
            $"exactly {Source}",
            problems.Count == 0 ? $"{string.Join(" and ", shape.Tables)} are exactly what {Source} describes." : string.Join("; ", problems),
            []);
    }

    /// <summary>Columns missing, different (type, nullability, default, a collation: the shape declares none) or extra, in the shape's order.</summary>
    private void ColumnProblems()
    {
        var columns = SchemaStep.ReadColumns(connection, transaction, schemas.App, shape.Tables);
        foreach (var expected in shape.Columns)
        {
            if (!columns.TryGetValue((expected.Table, expected.Name), out var actual))
            {
                problems.Add($"{expected.Table}.{expected.Name} is missing");
                continue;
            }

            var precision = expected.Precision is null ? null : actual.Precision; // only a timestamp's digits are compared
            if (actual.UdtName != expected.UdtName || precision != expected.Precision || actual.NotNull != expected.NotNull || !string.Equals(actual.Default, expected.Default, StringComparison.Ordinal))
            {
                problems.Add($"{expected.Table}.{expected.Name} is {Describe(actual.UdtName, precision, actual.NotNull, actual.Default)}, {Source} makes it {Describe(expected.UdtName, expected.Precision, expected.NotNull, expected.Default)}");
            }

            if (actual.Collation is not null)
            {
                problems.Add($"{expected.Table}.{expected.Name} has COLLATE {SqlText.Quote(actual.Collation)}, {Source} has the database default");
            }
        }

        var known = shape.Columns.Select(c => (c.Table, c.Name)).ToHashSet();
        problems.AddRange(columns.Keys.Where(k => !known.Contains(k)).Select(k => $"{k.Table}.{k.Name} is not in {Source}"));

        static string Describe(string udt, int? precision, bool notNull, string? @default) =>
            $"{udt}{(precision is null ? string.Empty : $"({precision})")}{(notNull ? " NOT NULL" : string.Empty)}{(@default is null ? string.Empty : " DEFAULT " + @default)}";
    }

    /// <summary>Indexes missing, different or extra.</summary>
    private void IndexProblems()
    {
        var indexes = new Dictionary<string, (string Table, bool Unique, string[] Columns, string Unusual)>(StringComparer.Ordinal);
        using (var command = Catalog("schema-indexes.sql"))
        {
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                indexes[reader.GetString(0)] = (reader.GetString(1), reader.GetBoolean(2), reader.GetFieldValue<string[]>(3), reader.GetString(4));
            }
        }

        foreach (var index in shape.Indexes)
        {
            if (!indexes.Remove(index.Name, out var actual))
            {
                problems.Add($"index {index.Name} is missing");
            }
            else if (actual.Table != index.Table || actual.Unique != index.Unique || !actual.Columns.SequenceEqual(index.Columns) || actual.Unusual.Length > 0)
            {
                var unusual = actual.Unusual.Length > 0 ? $" ({actual.Unusual})" : string.Empty;
                problems.Add($"index {index.Name} is {(actual.Unique ? "UNIQUE " : string.Empty)}({string.Join(", ", actual.Columns)}){unusual} on {actual.Table}, {Source} makes it {(index.Unique ? "UNIQUE " : string.Empty)}({string.Join(", ", index.Columns)}) on {index.Table}");
            }
        }

        problems.AddRange(indexes.Keys.Select(i => $"index {i} is not in {Source}"));
    }

    /// <summary>Foreign keys missing, different (columns, referenced table, actions, MATCH, deferrable, enforced), NOT VALID or extra.</summary>
    private void ForeignKeyProblems()
    {
        var keys = new Dictionary<string, (string Table, string Shape, bool NotValid)>(StringComparer.Ordinal);
        using (var command = Catalog("schema-foreign-keys.sql"))
        {
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var options = reader.GetString(8).Length > 0 ? " " + reader.GetString(8) : string.Empty;
                keys[reader.GetString(0)] = (reader.GetString(1), $"{reader.GetString(1)}({string.Join(",", reader.GetFieldValue<string[]>(2))}) -> {reader.GetString(7)}.{reader.GetString(3)}({string.Join(",", reader.GetFieldValue<string[]>(4))}) ON DELETE {reader.GetString(5)} ON UPDATE {reader.GetString(6)}{options}", reader.GetBoolean(9));
            }
        }

        foreach (var key in shape.ForeignKeys)
        {
            var expected = $"{key.Table}({string.Join(",", key.Columns)}) -> {schemas.App}.{key.ReferencedTable}({string.Join(",", key.ReferencedColumns)}) ON DELETE c ON UPDATE c";
            if (!keys.Remove(key.Name, out var actual))
            {
                problems.Add($"foreign key {key.Name} is missing");
                continue;
            }

            if (actual.Shape != expected)
            {
                problems.Add($"foreign key {key.Name} is {actual.Shape}, {Source} makes it {expected}");
            }

            if (actual.NotValid)
            {
                problems.Add($"foreign key {key.Name} is NOT VALID (existing rows never checked): ALTER TABLE {schemas.AppQuoted}.{SqlText.Quote(actual.Table)} VALIDATE CONSTRAINT {SqlText.Quote(key.Name)}");
            }
        }

        problems.AddRange(keys.Keys.Select(k => $"foreign key {k} is not in {Source}"));
    }

    /// <summary>A catalog query over the shape's tables in the app's schema (both parameters).</summary>
    private NpgsqlCommand Catalog(string fileName)
    {
        var command = new NpgsqlCommand(SqlText.Raw(fileName), connection, transaction);
        command.Parameters.AddWithValue("schema", schemas.App);
        command.Parameters.AddWithValue("tables", shape.Tables.ToArray());
        return command;
    }
}
