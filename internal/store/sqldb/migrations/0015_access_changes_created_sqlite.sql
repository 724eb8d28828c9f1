-- On SQLite the change feed loses its created_at index: every entitlement
-- change wrote one more B-tree page for it, in the one writer, and only the
-- hourly prune read it. SQLite's feed is in commit order by seq (one
-- writer, AUTOINCREMENT), so the prune deletes the prefix of rows before
-- the first one young enough to keep (see PruneAccessChanges), which
-- reads only the rows it deletes. PostgreSQL keeps the index: its seq
-- order is not commit order.
;
-- sqlite
DROP INDEX access_changes_created
;
