-- On PostgreSQL the change feed of assignments and memberships is written
-- once per statement instead of once per row: a statement-level trigger
-- reads the rows the statement inserted or deleted from its transition
-- table and appends them to access_changes with one INSERT. A row-level
-- PL/pgSQL trigger ran, for every row, an INSERT of its own through SPI —
-- its own executor start and its own re-preparation of access_changes'
-- CHECK constraints — which was about an eighth of the server's CPU for a
-- CreateAccountAssignment and as much per row for any statement writing
-- many (multi-row inserts, cascades from a deleted group, user or account;
-- cascades fire statement-level triggers too). The feed's contents are
-- unchanged: one row per inserted or deleted row, in the same transaction.
-- A statement that writes no row (ON CONFLICT DO NOTHING) appends nothing.
;
-- postgres
DROP TRIGGER access_changes_assignment ON access_assignments
;
-- postgres
DROP FUNCTION access_changes_assignment()
;
-- postgres
CREATE FUNCTION access_changes_assignments_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO access_changes (kind, deleted, identity_store_id, account_id, permission_set_arn, principal_type, principal_id)
  SELECT 'A', 0, identity_store_id, account_id, permission_set_arn, principal_type, principal_id FROM inserted;
  RETURN NULL;
END
$$
;
-- postgres
CREATE FUNCTION access_changes_assignments_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO access_changes (kind, deleted, identity_store_id, account_id, permission_set_arn, principal_type, principal_id)
  SELECT 'A', 1, identity_store_id, account_id, permission_set_arn, principal_type, principal_id FROM deleted;
  RETURN NULL;
END
$$
;
-- postgres
CREATE TRIGGER access_changes_assignments_inserted AFTER INSERT ON access_assignments
REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION access_changes_assignments_inserted()
;
-- postgres
CREATE TRIGGER access_changes_assignments_deleted AFTER DELETE ON access_assignments
REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION access_changes_assignments_deleted()
;
-- postgres
DROP TRIGGER access_changes_membership ON directory_memberships
;
-- postgres
DROP FUNCTION access_changes_membership()
;
-- postgres
CREATE FUNCTION access_changes_memberships_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO access_changes (kind, deleted, identity_store_id, group_id, user_id)
  SELECT 'M', 0, identity_store_id, group_id, user_id FROM inserted;
  RETURN NULL;
END
$$
;
-- postgres
CREATE FUNCTION access_changes_memberships_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO access_changes (kind, deleted, identity_store_id, group_id, user_id)
  SELECT 'M', 1, identity_store_id, group_id, user_id FROM deleted;
  RETURN NULL;
END
$$
;
-- postgres
CREATE TRIGGER access_changes_memberships_inserted AFTER INSERT ON directory_memberships
REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION access_changes_memberships_inserted()
;
-- postgres
CREATE TRIGGER access_changes_memberships_deleted AFTER DELETE ON directory_memberships
REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION access_changes_memberships_deleted()
;
