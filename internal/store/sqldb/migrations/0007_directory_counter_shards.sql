-- Directory counters in shards: the user and group counts of an identity
-- store are the sums of its rows here (shard 0 .. N-1), so that concurrent
-- creates in one store update different rows instead of queueing on one row
-- lock across each commit's WAL flush. A shard may go negative (a delete
-- decrements any shard); only the sum means anything. How the quota stays
-- exact is explained at bumpCounter (internal/store/sqldb/directory.go).
CREATE TABLE directory_counter_shards (
  identity_store_id TEXT NOT NULL REFERENCES instances (identity_store_id) ON DELETE CASCADE,
  shard             INTEGER NOT NULL,
  user_count        BIGINT NOT NULL DEFAULT 0,
  group_count       BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (identity_store_id, shard)
)
;
INSERT INTO directory_counter_shards (identity_store_id, shard, user_count, group_count)
  SELECT identity_store_id, 0, user_count, group_count FROM directory_counters
;
DROP TABLE directory_counters
