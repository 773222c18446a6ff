-- An earlier version's single trigger function and its TRUNCATE helper, once no trigger (of any app schema) calls it.
DROP FUNCTION IF EXISTS {state}.record_change();
DROP FUNCTION IF EXISTS {state}.record_truncate(text, text);
