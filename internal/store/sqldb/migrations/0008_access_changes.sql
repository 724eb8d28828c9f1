-- The change feed of what entitlements are made of: every insert or delete
-- of a group membership or an account assignment, and every permission set
-- created, renamed, given a new session duration or deleted, appends one
-- row here in the same transaction. Triggers write it, so no write path
-- (foreign-key cascades from deleted users, groups, accounts and instances
-- included) can forget to. internal/access keeps an in-process index of
-- entitlements and, before answering, applies the rows committed since it
-- last looked (see AccessChangesSince in internal/store/sqldb/accesschanges.go).
--
-- kind is 'M' (membership: group_id, user_id), 'A' (assignment: account_id,
-- permission_set_arn, principal_type, principal_id) or 'P' (permission set:
-- permission_set_arn, name, session_duration). deleted is 0 or 1.
--
-- On SQLite seq order is commit order (one writer). On PostgreSQL it is not,
-- so each row also records its transaction id (xid): a reader holding the
-- snapshot it last read at asks for the rows whose transaction that
-- snapshot did not see, which is exact however commits interleave.
;
-- sqlite
CREATE TABLE access_changes (
  seq                INTEGER PRIMARY KEY AUTOINCREMENT,
  created_at         BIGINT NOT NULL DEFAULT (CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)),
  kind               TEXT NOT NULL CHECK (kind IN ('M', 'A', 'P')),
  deleted            INTEGER NOT NULL CHECK (deleted IN (0, 1)),
  identity_store_id  TEXT NOT NULL DEFAULT '',
  group_id           TEXT NOT NULL DEFAULT '',
  user_id            TEXT NOT NULL DEFAULT '',
  account_id         TEXT NOT NULL DEFAULT '',
  permission_set_arn TEXT NOT NULL DEFAULT '',
  principal_type     TEXT NOT NULL DEFAULT '',
  principal_id       TEXT NOT NULL DEFAULT '',
  name               TEXT NOT NULL DEFAULT '',
  session_duration   TEXT NOT NULL DEFAULT ''
)
;
-- postgres
CREATE TABLE access_changes (
  seq                BIGSERIAL PRIMARY KEY,
  xid                xid8 NOT NULL DEFAULT pg_current_xact_id(),
  created_at         BIGINT NOT NULL DEFAULT (extract(epoch FROM clock_timestamp()) * 1000)::BIGINT,
  kind               TEXT NOT NULL CHECK (kind IN ('M', 'A', 'P')),
  deleted            INTEGER NOT NULL CHECK (deleted IN (0, 1)),
  identity_store_id  TEXT NOT NULL DEFAULT '',
  group_id           TEXT NOT NULL DEFAULT '',
  user_id            TEXT NOT NULL DEFAULT '',
  account_id         TEXT NOT NULL DEFAULT '',
  permission_set_arn TEXT NOT NULL DEFAULT '',
  principal_type     TEXT NOT NULL DEFAULT '',
  principal_id       TEXT NOT NULL DEFAULT '',
  name               TEXT NOT NULL DEFAULT '',
  session_duration   TEXT NOT NULL DEFAULT ''
)
;
-- postgres
CREATE INDEX access_changes_xid ON access_changes (xid)
;
CREATE INDEX access_changes_created ON access_changes (created_at)
;
-- sqlite
CREATE TRIGGER access_changes_membership_insert AFTER INSERT ON directory_memberships BEGIN
  INSERT INTO access_changes (kind, deleted, identity_store_id, group_id, user_id)
  VALUES ('M', 0, NEW.identity_store_id, NEW.group_id, NEW.user_id);
END
;
-- sqlite
CREATE TRIGGER access_changes_membership_delete AFTER DELETE ON directory_memberships BEGIN
  INSERT INTO access_changes (kind, deleted, identity_store_id, group_id, user_id)
  VALUES ('M', 1, OLD.identity_store_id, OLD.group_id, OLD.user_id);
END
;
-- sqlite
CREATE TRIGGER access_changes_assignment_insert AFTER INSERT ON access_assignments BEGIN
  INSERT INTO access_changes (kind, deleted, identity_store_id, account_id, permission_set_arn, principal_type, principal_id)
  VALUES ('A', 0, NEW.identity_store_id, NEW.account_id, NEW.permission_set_arn, NEW.principal_type, NEW.principal_id);
END
;
-- sqlite
CREATE TRIGGER access_changes_assignment_delete AFTER DELETE ON access_assignments BEGIN
  INSERT INTO access_changes (kind, deleted, identity_store_id, account_id, permission_set_arn, principal_type, principal_id)
  VALUES ('A', 1, OLD.identity_store_id, OLD.account_id, OLD.permission_set_arn, OLD.principal_type, OLD.principal_id);
END
;
-- sqlite
CREATE TRIGGER access_changes_permission_set_insert AFTER INSERT ON access_permission_sets BEGIN
  INSERT INTO access_changes (kind, deleted, permission_set_arn, name, session_duration)
  VALUES ('P', 0, NEW.permission_set_arn, NEW.name, NEW.session_duration);
END
;
-- sqlite
CREATE TRIGGER access_changes_permission_set_update AFTER UPDATE OF name, session_duration ON access_permission_sets
WHEN OLD.name IS NOT NEW.name OR OLD.session_duration IS NOT NEW.session_duration BEGIN
  INSERT INTO access_changes (kind, deleted, permission_set_arn, name, session_duration)
  VALUES ('P', 0, NEW.permission_set_arn, NEW.name, NEW.session_duration);
END
;
-- sqlite
CREATE TRIGGER access_changes_permission_set_delete AFTER DELETE ON access_permission_sets BEGIN
  INSERT INTO access_changes (kind, deleted, permission_set_arn, name, session_duration)
  VALUES ('P', 1, OLD.permission_set_arn, OLD.name, OLD.session_duration);
END
;
-- postgres
CREATE FUNCTION access_changes_membership() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    INSERT INTO access_changes (kind, deleted, identity_store_id, group_id, user_id)
    VALUES ('M', 1, OLD.identity_store_id, OLD.group_id, OLD.user_id);
    RETURN OLD;
  END IF;
  INSERT INTO access_changes (kind, deleted, identity_store_id, group_id, user_id)
  VALUES ('M', 0, NEW.identity_store_id, NEW.group_id, NEW.user_id);
  RETURN NEW;
END
$$
;
-- postgres
CREATE TRIGGER access_changes_membership AFTER INSERT OR DELETE ON directory_memberships
FOR EACH ROW EXECUTE FUNCTION access_changes_membership()
;
-- postgres
CREATE FUNCTION access_changes_assignment() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    INSERT INTO access_changes (kind, deleted, identity_store_id, account_id, permission_set_arn, principal_type, principal_id)
    VALUES ('A', 1, OLD.identity_store_id, OLD.account_id, OLD.permission_set_arn, OLD.principal_type, OLD.principal_id);
    RETURN OLD;
  END IF;
  INSERT INTO access_changes (kind, deleted, identity_store_id, account_id, permission_set_arn, principal_type, principal_id)
  VALUES ('A', 0, NEW.identity_store_id, NEW.account_id, NEW.permission_set_arn, NEW.principal_type, NEW.principal_id);
  RETURN NEW;
END
$$
;
-- postgres
CREATE TRIGGER access_changes_assignment AFTER INSERT OR DELETE ON access_assignments
FOR EACH ROW EXECUTE FUNCTION access_changes_assignment()
;
-- postgres
CREATE FUNCTION access_changes_permission_set() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    INSERT INTO access_changes (kind, deleted, permission_set_arn, name, session_duration)
    VALUES ('P', 1, OLD.permission_set_arn, OLD.name, OLD.session_duration);
    RETURN OLD;
  END IF;
  IF TG_OP = 'UPDATE' AND OLD.name IS NOT DISTINCT FROM NEW.name
     AND OLD.session_duration IS NOT DISTINCT FROM NEW.session_duration THEN
    RETURN NEW;
  END IF;
  INSERT INTO access_changes (kind, deleted, permission_set_arn, name, session_duration)
  VALUES ('P', 0, NEW.permission_set_arn, NEW.name, NEW.session_duration);
  RETURN NEW;
END
$$
;
-- postgres
CREATE TRIGGER access_changes_permission_set AFTER INSERT OR UPDATE OR DELETE ON access_permission_sets
FOR EACH ROW EXECUTE FUNCTION access_changes_permission_set()
