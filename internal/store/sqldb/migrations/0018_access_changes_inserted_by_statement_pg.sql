-- On PostgreSQL the change-feed entry of a new assignment is written by
-- the statement that inserts the assignment (a data-modifying WITH clause
-- reading the insert's RETURNING rows), and the statement-level trigger
-- that wrote it before now runs only for rows no statement fed. The
-- trigger ran a PL/pgSQL function that executed its INSERT through SPI
-- over a transition table: 14 % of the server's CPU per
-- CreateAccountAssignment in a profile, where the same INSERT inside the
-- statement costs what an INSERT costs.
--
-- Which rows were fed is recorded in the row: feed_written is true when
-- the inserting statement wrote the entry itself (idcenter's two inserting
-- statements, internal/store/sqldb/access.go, do), and false by default.
-- Any other insert — SQL typed by hand, a binary older than this migration
-- during a rolling upgrade or after a rollback — leaves it false, and the
-- row-level trigger below writes the entry as before. A trigger whose WHEN
-- condition is false is not queued at all, so idcenter's own inserts pay
-- only the condition. Deletions keep their statement-level trigger:
-- cascades (of users, groups, accounts, permission sets) delete
-- assignments too, and no statement of ours sees those rows.
;
-- postgres
ALTER TABLE access_assignments ADD COLUMN feed_written BOOLEAN NOT NULL DEFAULT false
;
-- postgres
DROP TRIGGER access_changes_assignments_inserted ON access_assignments
;
-- postgres
DROP FUNCTION access_changes_assignments_inserted()
;
-- postgres
CREATE FUNCTION access_changes_assignment_unfed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO access_changes (kind, deleted, identity_store_id, account_id, permission_set_arn, principal_type, principal_id)
  VALUES ('A', 0, NEW.identity_store_id, NEW.account_id, NEW.permission_set_arn, NEW.principal_type, NEW.principal_id);
  RETURN NULL;
END
$$
;
-- postgres
CREATE TRIGGER access_changes_assignment_unfed AFTER INSERT ON access_assignments
FOR EACH ROW WHEN (NOT NEW.feed_written) EXECUTE FUNCTION access_changes_assignment_unfed()
;
