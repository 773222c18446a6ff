-- A batch's journal row is megabytes of JSON: lz4 compresses it several times faster than pglz (the default), for
-- about as small a row. Only new values are compressed so; rows already written stay readable as they are.
ALTER TABLE {state}.run_finding ALTER COLUMN findings SET COMPRESSION lz4;
