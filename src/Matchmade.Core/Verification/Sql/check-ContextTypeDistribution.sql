-- The seed's context distribution: ContextIntents per context type equal ContextProfiles per context type.
SELECT coalesce((SELECT string_agg(t || ': ' || n, ', ' ORDER BY t) FROM (SELECT "contextType" t, count(*) n FROM {app}."ContextIntent" GROUP BY 1) a), ''),
       coalesce((SELECT string_agg(t || ': ' || n, ', ' ORDER BY t) FROM (SELECT "contextType" t, count(*) n FROM {app}."ContextProfile" GROUP BY 1) b), ''),
       ARRAY[]::text[];
