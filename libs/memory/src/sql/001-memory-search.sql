-- Memory search ranks a user's facts by full-text and trigram similarity. btree_gin lets the
-- user's key sit in the same GIN index as the text, so one index scan finds only that user's
-- matching facts, however many facts other users have.
create extension if not exists pg_trgm;
create extension if not exists btree_gin;
