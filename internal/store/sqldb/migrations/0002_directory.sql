-- Directory: users, groups and group memberships of identity stores.
--
-- Unique keys that AWS compares without regard to case (user names, group
-- display names) are stored twice: as given, and lower-cased by Go in a
-- *_key column that carries the UNIQUE index. The profile attributes of a
-- user are one JSON document (the identitystore member names) because
-- nothing looks them up, except the primary email, which has its own column.
--
-- directory_counters keeps how many users and groups each store holds, so
-- the quota check on create reads one row instead of counting.
CREATE TABLE directory_counters (
  identity_store_id TEXT PRIMARY KEY REFERENCES instances (identity_store_id) ON DELETE CASCADE,
  user_count        BIGINT NOT NULL DEFAULT 0 CHECK (user_count >= 0),
  group_count       BIGINT NOT NULL DEFAULT 0 CHECK (group_count >= 0)
)
;
CREATE TABLE directory_users (
  identity_store_id TEXT NOT NULL REFERENCES instances (identity_store_id) ON DELETE CASCADE,
  user_id           TEXT NOT NULL,
  user_name         TEXT NOT NULL,
  user_name_key     TEXT NOT NULL,
  email_key         TEXT,
  status            TEXT NOT NULL CHECK (status IN ('ENABLED', 'DISABLED')),
  attrs             TEXT NOT NULL,
  external_ids      TEXT NOT NULL DEFAULT '[]',
  created_at        BIGINT NOT NULL,
  updated_at        BIGINT NOT NULL,
  created_by        TEXT NOT NULL,
  updated_by        TEXT NOT NULL,
  PRIMARY KEY (identity_store_id, user_id),
  CONSTRAINT directory_users_name_key UNIQUE (identity_store_id, user_name_key)
)
;
CREATE INDEX directory_users_email ON directory_users (identity_store_id, email_key, user_id)
;
CREATE TABLE directory_user_external_ids (
  identity_store_id TEXT NOT NULL,
  issuer            TEXT NOT NULL,
  external_id       TEXT NOT NULL,
  user_id           TEXT NOT NULL,
  PRIMARY KEY (identity_store_id, issuer, external_id),
  FOREIGN KEY (identity_store_id, user_id) REFERENCES directory_users (identity_store_id, user_id) ON DELETE CASCADE
)
;
CREATE INDEX directory_user_external_ids_user ON directory_user_external_ids (identity_store_id, user_id)
;
CREATE TABLE directory_groups (
  identity_store_id TEXT NOT NULL REFERENCES instances (identity_store_id) ON DELETE CASCADE,
  group_id          TEXT NOT NULL,
  display_name      TEXT NOT NULL,
  display_name_key  TEXT NOT NULL,
  description       TEXT NOT NULL DEFAULT '',
  external_ids      TEXT NOT NULL DEFAULT '[]',
  created_at        BIGINT NOT NULL,
  updated_at        BIGINT NOT NULL,
  created_by        TEXT NOT NULL,
  updated_by        TEXT NOT NULL,
  PRIMARY KEY (identity_store_id, group_id),
  CONSTRAINT directory_groups_name_key UNIQUE (identity_store_id, display_name_key)
)
;
CREATE TABLE directory_group_external_ids (
  identity_store_id TEXT NOT NULL,
  issuer            TEXT NOT NULL,
  external_id       TEXT NOT NULL,
  group_id          TEXT NOT NULL,
  PRIMARY KEY (identity_store_id, issuer, external_id),
  FOREIGN KEY (identity_store_id, group_id) REFERENCES directory_groups (identity_store_id, group_id) ON DELETE CASCADE
)
;
CREATE INDEX directory_group_external_ids_group ON directory_group_external_ids (identity_store_id, group_id)
;
-- A membership's group and user must live in its identity store; the
-- UNIQUE (store, group, user) index also serves ListGroupMemberships and the
-- cascade from groups, the (store, user, group) index ListGroupMembershipsForMember,
-- IsMemberInGroups and the cascade from users.
CREATE TABLE directory_memberships (
  identity_store_id TEXT NOT NULL,
  membership_id     TEXT NOT NULL,
  group_id          TEXT NOT NULL,
  user_id           TEXT NOT NULL,
  created_at        BIGINT NOT NULL,
  updated_at        BIGINT NOT NULL,
  created_by        TEXT NOT NULL,
  updated_by        TEXT NOT NULL,
  PRIMARY KEY (identity_store_id, membership_id),
  CONSTRAINT directory_memberships_pair UNIQUE (identity_store_id, group_id, user_id),
  FOREIGN KEY (identity_store_id, group_id) REFERENCES directory_groups (identity_store_id, group_id) ON DELETE CASCADE,
  FOREIGN KEY (identity_store_id, user_id) REFERENCES directory_users (identity_store_id, user_id) ON DELETE CASCADE
)
;
CREATE INDEX directory_memberships_user ON directory_memberships (identity_store_id, user_id, group_id)
