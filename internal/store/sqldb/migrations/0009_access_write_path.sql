-- What creating an account assignment writes, made smaller.
--
-- 1. Statuses of asynchronous requests are keyed as they are read: by
-- (instance, kind, request id). The Describe…Status operations know all
-- three, the List…Status operations page through one instance's requests of
-- one kind, and deleting an instance deletes its range. That key replaces
-- the request-id primary key and the (instance, kind, request id) index, so
-- recording a request writes two B-trees instead of four; on SQLite the
-- table is stored in its key (WITHOUT ROWID), which saves the rowid table.
-- Request ids are time-ordered UUIDs (version 7), so new statuses land on
-- the right edge of both B-trees instead of on random pages.
--
-- 2. On SQLite, whose single writer writes every B-tree page an insert
-- touches, the (identity store, user) and (identity store, group) indexes
-- of assignments hold only the rows they serve: a group assignment has no
-- user and was an index entry with a NULL user, on a random page. Every
-- query that uses them (cascades from users and groups, assignments of a
-- principal, entitlements) says user_id = … or group_id = …, which implies
-- the index's condition, so the plans are unchanged.
;
-- sqlite
CREATE TABLE access_operations_keyed (
  request_id         TEXT NOT NULL,
  instance_arn       TEXT NOT NULL REFERENCES instances (instance_arn) ON DELETE CASCADE,
  kind               TEXT NOT NULL CHECK (kind IN ('CREATE_ASSIGNMENT', 'DELETE_ASSIGNMENT', 'PROVISION')),
  status             TEXT NOT NULL CHECK (status IN ('IN_PROGRESS', 'SUCCEEDED', 'FAILED')),
  failure_reason     TEXT NOT NULL DEFAULT '',
  account_id         TEXT NOT NULL DEFAULT '',
  permission_set_arn TEXT NOT NULL DEFAULT '',
  principal_type     TEXT NOT NULL DEFAULT '',
  principal_id       TEXT NOT NULL DEFAULT '',
  created_at         BIGINT NOT NULL,
  PRIMARY KEY (instance_arn, kind, request_id),
  CHECK (status <> 'FAILED' OR failure_reason <> '')
) WITHOUT ROWID
;
-- sqlite
INSERT INTO access_operations_keyed (request_id, instance_arn, kind, status, failure_reason, account_id, permission_set_arn,
  principal_type, principal_id, created_at)
SELECT request_id, instance_arn, kind, status, failure_reason, account_id, permission_set_arn, principal_type, principal_id, created_at
FROM access_operations
;
-- sqlite
DROP TABLE access_operations
;
-- sqlite
ALTER TABLE access_operations_keyed RENAME TO access_operations
;
-- sqlite
CREATE INDEX access_operations_status ON access_operations (instance_arn, kind, status, request_id)
;
-- postgres
ALTER TABLE access_operations DROP CONSTRAINT access_operations_pkey
;
-- postgres
ALTER TABLE access_operations ADD PRIMARY KEY (instance_arn, kind, request_id)
;
-- postgres
DROP INDEX access_operations_kind

;
-- sqlite
DROP INDEX access_assignments_user
;
-- sqlite
CREATE INDEX access_assignments_user ON access_assignments (identity_store_id, user_id, account_id, permission_set_arn) WHERE user_id IS NOT NULL
;
-- sqlite
DROP INDEX access_assignments_group
;
-- sqlite
CREATE INDEX access_assignments_group ON access_assignments (identity_store_id, group_id, account_id, permission_set_arn) WHERE group_id IS NOT NULL
