-- On PostgreSQL an assignment's permission set is checked through the
-- pair's provisioned role: a foreign key (permission_set_arn, account_id)
-- to access_provisioned replaces the one to access_permission_sets, and
-- CreateAccountAssignment's statement no longer reads and locks the role
-- itself before inserting.
--
-- Until now a create began with SELECT … FROM access_provisioned … FOR
-- SHARE, so that a pair whose role is gone wrote nothing and a concurrent
-- deprovisioning waited; then the insert's foreign keys checked the
-- account, the permission set and the principal again. The role row implies
-- the permission set (access_provisioned has its own foreign key to it), so
-- one key check on the role does both jobs: it takes KEY SHARE on the row,
-- which a deprovisioning (DeleteAssignment locks the row FOR UPDATE before
-- it may delete it) waits for and which makes a create wait for a
-- deprovisioning in progress; a create of a pair with no role fails on this
-- constraint, by name, and takes the slow path that provisions it. KEY
-- SHARE does not conflict with re-provisioning, which only updates the
-- role's version, so creates stop queuing behind ProvisionPermissionSet.
-- The permission_set index goes too: it served only the old foreign key's
-- check when a permission set was deleted; the new one's check looks up
-- (permission_set_arn, account_id), a prefix of the primary key.
--
-- Measured with pgbench on the benchmark's 10,000-assignment store, 4
-- clients, 8 alternated rounds: PostgreSQL CPU per create 394 µs → 343 µs
-- (medians), lower in 7 of the 8 rounds.
--
-- Deletes keep their meaning. The new key is NO ACTION, as the old one
-- was: deleting a permission set cascades to its roles, and a role that
-- still has assignments refuses the delete, which DeletePermissionSet
-- reports as in use. Deleting an account cascades to its roles and to its
-- assignments (the account key stays); NO ACTION is checked at the end of
-- the statement, when both are gone.
--
-- The constraint is NOT VALID: it holds for every row written from now on,
-- and is not run over the rows already there (idcenter has always
-- provisioned a pair before assigning it, but a failed validation over a
-- row typed by hand would stop the server from starting). Such a row, an
-- assignment whose pair has no role, no longer keeps its permission set
-- from being deleted; find them with
--   SELECT * FROM access_assignments a WHERE NOT EXISTS (SELECT 1 FROM
--   access_provisioned p WHERE p.permission_set_arn = a.permission_set_arn
--   AND p.account_id = a.account_id)
--
-- The three tables are locked first, in one statement. No one order
-- matches every writer of the previous version (its create took the role
-- first and the permission set last; DeleteAccountAssignment, provisioning
-- and DeletePermissionSet take the permission set first), so a replica of
-- that version still writing during a rolling upgrade can deadlock with
-- the migration. PostgreSQL then rolls one of the two back; if it is the
-- migration, it runs again (applyRetrying in migrate.go).
--
-- During such an upgrade a DeleteAccountAssignment served by a replica of
-- the previous version locks the role FOR NO KEY UPDATE, which does not
-- keep out a create served by this version: if that create commits between
-- the delete's count of the pair's assignments and its deletion of the
-- role, the deletion fails on the new key and the request gets an internal
-- error, with nothing changed (the SDKs retry it). Before, the same race
-- left an assignment without its role.
--
-- SQLite keeps its schema. Its create checks the role in the status insert
-- (createStatusIfProvisionedSQLite), and its one writer needs no row lock.
-- A trigger enforcing the same rule there (SQLite cannot add a foreign key
-- without rebuilding the table) cost 3–8 % of its create throughput in
-- alternated benchmark runs, for a rule only the server's own code could
-- break on a file only it writes.
;
-- postgres
LOCK TABLE access_provisioned, access_assignments, access_permission_sets IN ACCESS EXCLUSIVE MODE
;
-- postgres
ALTER TABLE access_assignments
  ADD CONSTRAINT access_assignments_provisioned FOREIGN KEY (permission_set_arn, account_id)
    REFERENCES access_provisioned (permission_set_arn, account_id) NOT VALID,
  DROP CONSTRAINT IF EXISTS access_assignments_permission_set_arn_fkey
;
-- postgres
DROP INDEX IF EXISTS access_assignments_permission_set
