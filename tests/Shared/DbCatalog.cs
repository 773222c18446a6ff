using Npgsql;
using static Matchmade.Tests.Shared.DbAssert;

namespace Matchmade.Tests.Shared;

/// <summary>What "nothing changed" compares: the app schema's catalog, and every table's rows with it.</summary>
public static class DbCatalog
{
    /// <summary>The app schema's catalog: relations, columns, constraints, indexes, triggers (what Prisma and the app see).</summary>
    public static string Catalog(NpgsqlConnection c, string schema = "public") => Scalar<string>(c, """
        SELECT string_agg(x, E'\n' ORDER BY x) FROM (
            SELECT 'rel ' || c.relname || ' ' || c.relkind::text FROM pg_class c WHERE c.relnamespace = to_regnamespace(@s)
            UNION ALL
            SELECT 'col ' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull || ' ' || coalesce(pg_get_expr(d.adbin, d.adrelid), '') || ' ' || a.attnum
            FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
            WHERE c.relnamespace = to_regnamespace(@s) AND a.attnum > 0 AND NOT a.attisdropped
            UNION ALL
            SELECT 'con ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = to_regnamespace(@s)
            UNION ALL
            SELECT 'idx ' || indexname || ' ' || replace(indexdef, quote_ident(@s), 'S') FROM pg_indexes WHERE schemaname = @s
            UNION ALL
            SELECT 'trg ' || c.relname || ' ' || t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relnamespace = to_regnamespace(@s) AND NOT t.tgisinternal
        ) t(x)
        """, ("s", schema));

    /// <summary>Every table's rows and the app schema's catalog; without the run history when a failed command may add its own row there.</summary>
    public static string Everything(NpgsqlConnection c, bool history = true)
    {
        var tables = Scalar<string>(c, """
            SELECT string_agg(format('%I.%I', n.nspname, c.relname), ',' ORDER BY 1) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
            """).Split(',').Where(t => history || t != "matchmade.run");
        return string.Join(";", tables.Select(t => t + " " + Scalar<string>(c, $"SELECT md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) FROM {t} t"))) + Catalog(c);
    }
}
