-- The change table's primary key on seq (until 2026-12-02's third session): an index insert per recorded write.
ALTER TABLE matchmade.changed_user ADD PRIMARY KEY (seq);
