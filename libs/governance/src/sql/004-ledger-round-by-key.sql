-- The ledger round keeps its statements' plans for as long as its connection lives (it asks for
-- generic plans). Reservations are inserted and deleted by every turn, so their table is mostly
-- dead rows between vacuums, and ledger rows and buckets grow with every new user and day: a plan
-- made when a table was small reads all of it on every round once it is not. Every row the round
-- touches is found by its key, so its plans are made with sequential scans off.
alter function genaug_ledger_round(jsonb, jsonb, jsonb, double precision, timestamptz) set enable_seqscan = off;
