-- The record's sequence caching 32 values per session (nextval then skips the sequence's page 31 times in 32).
ALTER SEQUENCE matchmade.changed_user_seq_seq CACHE 32;
