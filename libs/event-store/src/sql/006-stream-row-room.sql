-- A stream's row is rewritten by every append to it (version, last hash): room left on each page
-- lets that happen on the page (a HOT update) instead of adding to the table's indexes.
alter table genaug_streams set (fillfactor = 85);
