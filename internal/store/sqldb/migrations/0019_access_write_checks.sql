-- The write path of CreateAccountAssignment sheds work PostgreSQL redoes in
-- every statement, and an assignment's principal check stops accepting
-- NULLs.
--
-- PostgreSQL prepares a table's CHECK constraints afresh for each
-- statement that writes it: it reads each one's stored expression tree
-- back from text, token by token (a constant array one token per byte),
-- and compiles it. A profile of PostgreSQL's backends during the
-- CreateAccountAssignment benchmark put 13 % of their CPU there, for the
-- seven CHECKs of the three tables a create writes. Dropping the five on
-- the change feed and the request statuses took that to 7 %. Those two
-- tables are logs only the server writes, from Go constants (idc.Op*,
-- idc.Status*, the feed's kinds); their checks guarded nothing a user can
-- reach. SQLite compiles CHECKs into its prepared statements once, so it
-- keeps them.
--
-- access_assignments keeps its integrity check, in a form that also
-- refuses NULLs. The old one, (type = 'USER' AND user_id = principal_id AND
-- group_id IS NULL) OR (type = 'GROUP' AND …), is NULL — and so passes —
-- for a USER row whose user_id is NULL: an assignment that no user's
-- deletion would cascade to. IS NOT DISTINCT FROM is never NULL. The
-- separate principal_type IN ('USER', 'GROUP') check is implied by it
-- (any other type makes both arms false) and goes. The new check is NOT
-- VALID: it holds for every row written from now on, as SQLite's triggers
-- do, and is not run over the rows already there. idcenter never wrote a
-- row it refuses, but SQL typed by hand may have, and a failed validation
-- would stop the server from starting over a row it can still serve.
--
-- The migration runs in one transaction, so it locks its three tables
-- first, in the order idcenter's own writes take them (an assignment, then
-- its feed entry), rather than one by one in the order of its statements:
-- a replica of the previous version, still writing during a rolling
-- upgrade, then mostly waits for it instead of deadlocking with it. (Not
-- always: other transactions take these tables in other orders. Since
-- migration 0020 a migration that loses a deadlock runs again.)
--
-- The feed's created_at index goes too, as it did on SQLite (migration
-- 0015): only the hourly prune read it, and every change paid one more
-- B-tree insert for it. The prune now deletes the prefix, in seq order, of
-- the rows older than its cut-off (PruneAccessChanges).
;
-- postgres
LOCK TABLE access_assignments, access_changes, access_operations IN ACCESS EXCLUSIVE MODE
;
-- postgres
ALTER TABLE access_changes
  DROP CONSTRAINT access_changes_deleted_check,
  DROP CONSTRAINT access_changes_kind_check
;
-- postgres
ALTER TABLE access_operations
  DROP CONSTRAINT access_operations_check,
  DROP CONSTRAINT access_operations_kind_check,
  DROP CONSTRAINT access_operations_status_check
;
-- postgres
ALTER TABLE access_assignments
  DROP CONSTRAINT access_assignments_principal_type_check,
  DROP CONSTRAINT access_assignments_check,
  ADD CONSTRAINT access_assignments_principal CHECK (
       (principal_type = 'USER' AND user_id IS NOT DISTINCT FROM principal_id AND group_id IS NULL)
    OR (principal_type = 'GROUP' AND group_id IS NOT DISTINCT FROM principal_id AND user_id IS NULL)) NOT VALID
;
-- postgres
DROP INDEX access_changes_created
;
-- sqlite
CREATE TRIGGER access_assignments_principal_insert BEFORE INSERT ON access_assignments
WHEN NOT ((NEW.principal_type = 'USER' AND NEW.user_id IS NEW.principal_id AND NEW.group_id IS NULL)
       OR (NEW.principal_type = 'GROUP' AND NEW.group_id IS NEW.principal_id AND NEW.user_id IS NULL))
BEGIN
  SELECT RAISE(ABORT, 'CHECK constraint failed: access_assignments principal');
END
;
-- sqlite
CREATE TRIGGER access_assignments_principal_update BEFORE UPDATE OF principal_type, principal_id, user_id, group_id ON access_assignments
WHEN NOT ((NEW.principal_type = 'USER' AND NEW.user_id IS NEW.principal_id AND NEW.group_id IS NULL)
       OR (NEW.principal_type = 'GROUP' AND NEW.group_id IS NEW.principal_id AND NEW.user_id IS NULL))
BEGIN
  SELECT RAISE(ABORT, 'CHECK constraint failed: access_assignments principal');
END
;
