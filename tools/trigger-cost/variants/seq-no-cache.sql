-- The record's sequence caching one value (until 2026-12-02's third session): every nextval locks and updates the
-- sequence's page.
ALTER SEQUENCE matchmade.changed_user_seq_seq CACHE 1;
