-- On PostgreSQL too, the (identity store, user) and (identity store, group)
-- indexes of assignments hold only the rows they serve (SQLite has had
-- this since 0009): a group assignment has no user, and was an index entry
-- with a NULL user that every create wrote and no query reads. Every query
-- that uses them (cascades from users and groups, assignments of a
-- principal, entitlements) says user_id = … or group_id = …, which implies
-- the index's condition, so the plans are unchanged.
;
-- postgres
DROP INDEX access_assignments_user
;
-- postgres
CREATE INDEX access_assignments_user ON access_assignments (identity_store_id, user_id, account_id, permission_set_arn) WHERE user_id IS NOT NULL
;
-- postgres
DROP INDEX access_assignments_group
;
-- postgres
CREATE INDEX access_assignments_group ON access_assignments (identity_store_id, group_id, account_id, permission_set_arn) WHERE group_id IS NOT NULL
;
