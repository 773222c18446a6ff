using System.Diagnostics;
using Matchmade.Fixtures;
using Npgsql;

/// <summary>
/// What the live run is compared with: the floor (moving the same bytes with no transform) and the seed's design (one
/// transaction per user, one INSERT per row, the same merge).
/// </summary>
internal static class Baselines
{
    /// <summary>
    /// The floor (issue 6): stream the old rows the migration reads out of the server, and binary-COPY the very rows
    /// the live run wrote into empty tables shaped like the new ones (same indexes, no foreign keys). Timed on
    /// <paramref name="cs"/>, the link the live run used.
    /// </summary>
    public static TimeSpan Floor(string cs)
    {
        var dumps = Directory.CreateTempSubdirectory("matchmade-floor-").FullName;
        try
        {
            using var c = new NpgsqlConnection(cs);
            c.Open();
            foreach (var table in new[] { "ProfileNew", "ContextIntent" })
            {
                using (var export = c.BeginRawBinaryCopy($"COPY \"{table}\" TO STDOUT (FORMAT BINARY)"))
                using (var file = File.Create(Path.Combine(dumps, table)))
                {
                    export.CopyTo(file);
                }

                Bench.Exec(c, $"CREATE TABLE \"floor_{table}\" (LIKE \"{table}\" INCLUDING ALL)");
            }

            var watch = Stopwatch.StartNew();
            using (var read = c.BeginRawBinaryCopy("COPY (SELECT u.id, cp.id, cp.\"contextType\", cp.\"createdAt\", p.data FROM \"User\" u LEFT JOIN \"ContextProfile\" cp ON cp.\"userId\" = u.id LEFT JOIN \"Profile\" p ON p.\"contextProfileId\" = cp.id) TO STDOUT (FORMAT BINARY)"))
            {
                read.CopyTo(Stream.Null);
            }

            foreach (var table in new[] { "ProfileNew", "ContextIntent" })
            {
                using var import = c.BeginRawBinaryCopy($"COPY \"floor_{table}\" FROM STDIN (FORMAT BINARY)");
                using var file = File.OpenRead(Path.Combine(dumps, table));
                file.CopyTo(import);
            }

            watch.Stop();
            Bench.Exec(c, "DROP TABLE \"floor_ProfileNew\", \"floor_ContextIntent\"");
            return watch.Elapsed;
        }
        finally
        {
            Directory.Delete(dumps, recursive: true);
        }
    }

    /// <summary>
    /// The seed's design on <paramref name="sample"/> users of the shape, loaded (directly) into <paramref name="database"/>,
    /// migrated through <paramref name="link"/> (the latency proxy, or none); the database is dropped afterwards.
    /// </summary>
    public static (TimeSpan Elapsed, long Statements) SeedStyle(LocalCluster cluster, string database, int sample, DataShape shape, Func<string, string> link)
    {
        Bench.Exec(cluster.ConnectionString(), $"CREATE DATABASE {database}");
        using (var load = new NpgsqlConnection(cluster.ConnectionString(database)))
        {
            load.Open();
            SourceSchema.Apply(load);
            SampleData.LoadSynthetic(load, sample, seed: 42, options: new SyntheticOptions { Shape = shape });
            Bench.Exec(load, System.Text.Encoding.UTF8.GetString(Matchmade.Core.Schema.PrismaSchema.MigrationBytes));
            Bench.Exec(load, "VACUUM ANALYZE");
        }

        try
        {
            return SeedStyle(link(cluster.ConnectionString(database)));
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            Bench.Exec(cluster.ConnectionString(), $"DROP DATABASE {database} WITH (FORCE)");
        }
    }

    private static (TimeSpan Elapsed, long Statements) SeedStyle(string cs)
    {
        using var c = new NpgsqlConnection(cs);
        c.Open();
        var ids = new List<string>();
        using (var list = new NpgsqlCommand("SELECT id FROM \"User\" ORDER BY id", c))
        using (var reader = list.ExecuteReader())
        {
            while (reader.Read())
            {
                ids.Add(reader.GetString(0));
            }
        }

        var columns = Matchmade.Core.Merge.FieldCatalog.IntentColumns;
        var intentSql = $"INSERT INTO \"ContextIntent\" (id, \"userId\", \"contextType\", {string.Join(", ", columns.Select(x => $"\"{x}\""))}, completeness, missing, \"updatedAt\") VALUES (@id, @user, @type::\"RelationshipContextType\", {string.Join(", ", columns.Select((x, i) => Matchmade.Core.Merge.FieldCatalog.IsJsonIntentColumn(x) ? $"@c{i}::jsonb" : $"@c{i}"))}, @completeness, @missing, now())";
        long statements = 0;
        var watch = Stopwatch.StartNew();
        foreach (var id in ids)
        {
            using var transaction = c.BeginTransaction();
            var contexts = new List<Matchmade.Core.Merge.SourceContext>();
            using (var read = new NpgsqlCommand("SELECT cp.id, cp.\"contextType\"::text, cp.\"createdAt\", p.data::text FROM \"ContextProfile\" cp LEFT JOIN \"Profile\" p ON p.\"contextProfileId\" = cp.id WHERE cp.\"userId\" = @user", c, transaction))
            {
                read.Parameters.AddWithValue("user", id);
                using var reader = read.ExecuteReader();
                while (reader.Read())
                {
                    contexts.Add(new(reader.GetString(0), Matchmade.Core.Merge.ContextTypes.Parse(reader.GetString(1)), reader.GetDateTime(2), reader.IsDBNull(3) ? null : reader.GetString(3)));
                }
            }

            var merged = Matchmade.Core.Merge.ProfileMerger.Merge(new(id, contexts));
            var p = merged.Profile;
            using (var insert = new NpgsqlCommand("INSERT INTO \"ProfileNew\" (id, \"userId\", \"coreValues\", constraints, beliefs, \"interactionStyle\", lifestyle, location, \"ageRange\", name, completeness, missing, \"updatedAt\") VALUES (@id, @user, @a::jsonb, @b::jsonb, @c::jsonb, @d::jsonb, @e::jsonb, @f, @g, @h, @i, @j, now())", c, transaction))
            {
                insert.Parameters.AddWithValue("id", Matchmade.Core.Migration.Cuid.Next());
                insert.Parameters.AddWithValue("user", id);
                insert.Parameters.AddWithValue("a", p.CoreValues);
                insert.Parameters.AddWithValue("b", p.Constraints);
                insert.Parameters.AddWithValue("c", p.Beliefs);
                insert.Parameters.AddWithValue("d", p.InteractionStyle);
                insert.Parameters.AddWithValue("e", p.Lifestyle);
                insert.Parameters.AddWithValue("f", (object?)p.Location ?? DBNull.Value);
                insert.Parameters.AddWithValue("g", (object?)p.AgeRange ?? DBNull.Value);
                insert.Parameters.AddWithValue("h", (object?)p.Name ?? DBNull.Value);
                insert.Parameters.AddWithValue("i", p.Completeness);
                insert.Parameters.AddWithValue("j", p.Missing.ToArray());
                insert.ExecuteNonQuery();
            }

            foreach (var intent in merged.Intents)
            {
                using var insert = new NpgsqlCommand(intentSql, c, transaction);
                insert.Parameters.AddWithValue("id", Matchmade.Core.Migration.Cuid.Next());
                insert.Parameters.AddWithValue("user", id);
                insert.Parameters.AddWithValue("type", Matchmade.Core.Merge.ContextTypes.ToDbName(intent.ContextType));
                for (var i = 0; i < columns.Count; i++)
                {
                    insert.Parameters.AddWithValue($"c{i}", (object?)intent.Values[i] ?? DBNull.Value);
                }

                insert.Parameters.AddWithValue("completeness", intent.Completeness);
                insert.Parameters.AddWithValue("missing", intent.Missing.ToArray());
                insert.ExecuteNonQuery();
                statements++;
            }

            transaction.Commit();
            statements += 4; // BEGIN, the read, the ProfileNew INSERT, COMMIT
        }

        return (watch.Elapsed, statements);
    }
}
