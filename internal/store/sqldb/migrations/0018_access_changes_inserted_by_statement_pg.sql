-- On PostgreSQL the change-feed entry of a new assignment is written by
-- the statement that inserts the assignment (a data-modifying WITH clause
-- reading the insert's RETURNING rows), no longer by a statement-level
-- trigger. The trigger ran a PL/pgSQL function that executed its INSERT
-- through SPI over a transition table: 14 % of the server's CPU per
-- CreateAccountAssignment in a profile, where the same INSERT inside the
-- statement costs what an INSERT costs. Only two statements insert
-- assignments (internal/store/sqldb/access.go: CreateAssignment and
-- CreateAssignmentIfProvisioned), and both now write the feed; the store
-- conformance suite checks that each does. Deletions keep their trigger:
-- assignments are also deleted by cascades (of users, groups, accounts and
-- permission sets), which no statement of ours sees.
;
-- postgres
DROP TRIGGER access_changes_assignments_inserted ON access_assignments
;
-- postgres
DROP FUNCTION access_changes_assignments_inserted()
;
