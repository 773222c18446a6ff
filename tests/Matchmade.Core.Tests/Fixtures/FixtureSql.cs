using Npgsql;

namespace Matchmade.Core.Tests.Fixtures;

/// <summary>Catalog queries and paths the fixture tests share.</summary>
internal static class FixtureSql
{
    /// <summary>
    /// Every table (columns, types, NOT NULL, defaults), constraint, index and enum in <paramref name="schema"/>, one per
    /// line, sorted: two databases with the same text have the same schema.
    /// </summary>
    public static string SchemaShape(NpgsqlConnection connection, string schema)
    {
        using var command = new NpgsqlCommand("""
            SELECT coalesce(string_agg(line, E'\n' ORDER BY line), '') FROM (
              SELECT format('table %s: %s', c.relname, string_agg(format('%s %s%s%s', a.attname, format_type(a.atttypid, a.atttypmod),
                       CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END, coalesce(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), '')), ', ' ORDER BY a.attnum)) AS line
              FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
              LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
              WHERE n.nspname = @s AND c.relkind IN ('r', 'p', 'v', 'm', 'f') GROUP BY c.relname
              UNION ALL
              SELECT format('constraint %s on %s: %s', co.conname, c.relname, pg_get_constraintdef(co.oid))
              FROM pg_constraint co JOIN pg_class c ON c.oid = co.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = @s
              UNION ALL
              SELECT format('index %s on %s: unique=%s columns=%s', ic.relname, c.relname, CASE WHEN i.indisunique THEN 'true' ELSE 'false' END,
                       (SELECT string_agg(a.attname, ',' ORDER BY k.ord) FROM unnest(i.indkey) WITH ORDINALITY k(attnum, ord)
                        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum))
              FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class c ON c.oid = i.indrelid
              JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = @s
              UNION ALL
              SELECT format('type %s: %s', t.typname, coalesce(string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder), t.typtype::text))
              FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace LEFT JOIN pg_enum e ON e.enumtypid = t.oid
              WHERE n.nspname = @s AND t.typtype IN ('e', 'd', 'c') AND NOT EXISTS (SELECT 1 FROM pg_class r WHERE r.reltype = t.oid)
              GROUP BY t.typname, t.typtype
            ) x
            """, connection);
        command.Parameters.AddWithValue("s", schema);
        return (string)command.ExecuteScalar()!;
    }

    /// <summary>The repository's root (where Directory.Build.props is).</summary>
    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Directory.Build.props")) && Directory.Exists(Path.Combine(dir.FullName, "tools")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Repository root not found above " + AppContext.BaseDirectory);
    }

    public static string Quote(string identifier) => new NpgsqlCommandBuilder().QuoteIdentifier(identifier);
}
