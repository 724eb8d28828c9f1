-- Access: what sso-admin manages besides the directory. Instance settings
-- (attribute-based access control, regions), permission sets and their
-- policies, account assignments, provisioned roles and the snapshots they
-- carry, the status of asynchronous requests, and resource tags.
--
-- Deleting an instance deletes all of it: permission sets cascade from the
-- instance, assignments from the identity store's users and groups,
-- provisioned roles and snapshots from the permission sets.
CREATE TABLE access_abac_configs (
  instance_arn TEXT PRIMARY KEY REFERENCES instances (instance_arn) ON DELETE CASCADE,
  attrs        TEXT NOT NULL
)
;
CREATE TABLE access_regions (
  instance_arn TEXT NOT NULL REFERENCES instances (instance_arn) ON DELETE CASCADE,
  region_name  TEXT NOT NULL,
  status       TEXT NOT NULL,
  is_primary   INTEGER NOT NULL DEFAULT 0 CHECK (is_primary IN (0, 1)),
  added_at     BIGINT NOT NULL,
  PRIMARY KEY (instance_arn, region_name)
)
;
-- version counts the changes that need re-provisioning; a provisioned role
-- is current while its version equals this one.
CREATE TABLE access_permission_sets (
  permission_set_arn   TEXT PRIMARY KEY,
  instance_arn         TEXT NOT NULL REFERENCES instances (instance_arn) ON DELETE CASCADE,
  name                 TEXT NOT NULL,
  description          TEXT NOT NULL DEFAULT '',
  session_duration     TEXT NOT NULL,
  relay_state          TEXT NOT NULL DEFAULT '',
  inline_policy        TEXT NOT NULL DEFAULT '',
  boundary_managed_arn TEXT NOT NULL DEFAULT '',
  boundary_cm_name     TEXT NOT NULL DEFAULT '',
  boundary_cm_path     TEXT NOT NULL DEFAULT '',
  version              BIGINT NOT NULL DEFAULT 1 CHECK (version >= 1),
  created_at           BIGINT NOT NULL,
  CONSTRAINT access_permission_sets_name UNIQUE (instance_arn, name)
)
;
CREATE INDEX access_permission_sets_instance ON access_permission_sets (instance_arn, permission_set_arn)
;
CREATE TABLE access_managed_policies (
  permission_set_arn TEXT NOT NULL REFERENCES access_permission_sets (permission_set_arn) ON DELETE CASCADE,
  policy_arn         TEXT NOT NULL,
  name               TEXT NOT NULL,
  PRIMARY KEY (permission_set_arn, policy_arn)
)
;
-- ref_key is path || name: names hold no "/", so it is unique and sorts by
-- path, then name.
CREATE TABLE access_customer_policies (
  permission_set_arn TEXT NOT NULL REFERENCES access_permission_sets (permission_set_arn) ON DELETE CASCADE,
  ref_key            TEXT NOT NULL,
  name               TEXT NOT NULL,
  path               TEXT NOT NULL,
  PRIMARY KEY (permission_set_arn, ref_key)
)
;
-- An assignment names its principal twice: as (principal_type,
-- principal_id), the API's terms, and as exactly one of user_id / group_id,
-- whose foreign keys delete the assignment with the user or group. The
-- indexes on (identity_store_id, user_id|group_id, …) serve those cascades,
-- ListAccountAssignmentsForPrincipal and entitlement resolution; the
-- primary key serves ListAccountAssignments and single decisions; the
-- permission set index keeps a permission set in use from being deleted
-- (NO ACTION) without a scan.
CREATE TABLE access_assignments (
  account_id         TEXT NOT NULL REFERENCES org_accounts (account_id) ON DELETE CASCADE,
  permission_set_arn TEXT NOT NULL REFERENCES access_permission_sets (permission_set_arn),
  principal_type     TEXT NOT NULL CHECK (principal_type IN ('USER', 'GROUP')),
  principal_id       TEXT NOT NULL,
  instance_arn       TEXT NOT NULL,
  identity_store_id  TEXT NOT NULL,
  user_id            TEXT,
  group_id           TEXT,
  created_at         BIGINT NOT NULL,
  PRIMARY KEY (account_id, permission_set_arn, principal_type, principal_id),
  FOREIGN KEY (identity_store_id, user_id) REFERENCES directory_users (identity_store_id, user_id) ON DELETE CASCADE,
  FOREIGN KEY (identity_store_id, group_id) REFERENCES directory_groups (identity_store_id, group_id) ON DELETE CASCADE,
  CHECK ((principal_type = 'USER' AND user_id = principal_id AND group_id IS NULL)
      OR (principal_type = 'GROUP' AND group_id = principal_id AND user_id IS NULL))
)
;
CREATE INDEX access_assignments_user ON access_assignments (identity_store_id, user_id, account_id, permission_set_arn)
;
CREATE INDEX access_assignments_group ON access_assignments (identity_store_id, group_id, account_id, permission_set_arn)
;
CREATE INDEX access_assignments_permission_set ON access_assignments (permission_set_arn, account_id)
;
-- What a provisioning materialised: one document per (permission set,
-- version), shared by every account provisioned with that version.
CREATE TABLE access_snapshots (
  permission_set_arn TEXT NOT NULL REFERENCES access_permission_sets (permission_set_arn) ON DELETE CASCADE,
  version            BIGINT NOT NULL,
  document           TEXT NOT NULL,
  created_at         BIGINT NOT NULL,
  PRIMARY KEY (permission_set_arn, version)
)
;
CREATE TABLE access_provisioned (
  permission_set_arn TEXT NOT NULL REFERENCES access_permission_sets (permission_set_arn) ON DELETE CASCADE,
  account_id         TEXT NOT NULL REFERENCES org_accounts (account_id) ON DELETE CASCADE,
  instance_arn       TEXT NOT NULL,
  role_name          TEXT NOT NULL,
  version            BIGINT NOT NULL,
  session_seconds    BIGINT NOT NULL CHECK (session_seconds > 0),
  provisioned_at     BIGINT NOT NULL,
  PRIMARY KEY (permission_set_arn, account_id),
  FOREIGN KEY (permission_set_arn, version) REFERENCES access_snapshots (permission_set_arn, version)
)
;
CREATE INDEX access_provisioned_account ON access_provisioned (account_id, instance_arn, permission_set_arn)
;
CREATE INDEX access_provisioned_version ON access_provisioned (permission_set_arn, version)
;
-- Statuses of asynchronous requests are history: they name permission sets,
-- accounts and principals that may be gone since, so they have no foreign
-- keys but the instance.
CREATE TABLE access_operations (
  request_id         TEXT PRIMARY KEY,
  instance_arn       TEXT NOT NULL REFERENCES instances (instance_arn) ON DELETE CASCADE,
  kind               TEXT NOT NULL CHECK (kind IN ('CREATE_ASSIGNMENT', 'DELETE_ASSIGNMENT', 'PROVISION')),
  status             TEXT NOT NULL CHECK (status IN ('IN_PROGRESS', 'SUCCEEDED', 'FAILED')),
  failure_reason     TEXT NOT NULL DEFAULT '',
  account_id         TEXT NOT NULL DEFAULT '',
  permission_set_arn TEXT NOT NULL DEFAULT '',
  principal_type     TEXT NOT NULL DEFAULT '',
  principal_id       TEXT NOT NULL DEFAULT '',
  created_at         BIGINT NOT NULL,
  CHECK (status <> 'FAILED' OR failure_reason <> '')
)
;
CREATE INDEX access_operations_kind ON access_operations (instance_arn, kind, request_id)
;
CREATE INDEX access_operations_status ON access_operations (instance_arn, kind, status, request_id)
;
CREATE TABLE access_tags (
  resource_arn TEXT NOT NULL,
  instance_arn TEXT NOT NULL REFERENCES instances (instance_arn) ON DELETE CASCADE,
  tag_key      TEXT NOT NULL,
  tag_value    TEXT NOT NULL,
  PRIMARY KEY (resource_arn, tag_key)
)
;
CREATE INDEX access_tags_instance ON access_tags (instance_arn)
