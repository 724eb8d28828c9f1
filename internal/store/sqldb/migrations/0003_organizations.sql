-- Organizations: the organization (at most one), its tree of roots and
-- organizational units, member accounts, create-account requests,
-- handshakes and tags. Deleting the organization deletes everything here.
CREATE TABLE organizations (
  organization_id       TEXT PRIMARY KEY,
  -- At most one organization per installation.
  singleton             INTEGER NOT NULL DEFAULT 1 UNIQUE CHECK (singleton = 1),
  management_account_id TEXT NOT NULL CHECK (length(management_account_id) = 12),
  feature_set           TEXT NOT NULL CHECK (feature_set IN ('ALL', 'CONSOLIDATED_BILLING')),
  created_at            BIGINT NOT NULL
)
;
-- Roots (parent_id NULL, depth 0) and organizational units. OUs cannot
-- move, so depth and path never change. The composite foreign key ties an
-- OU's depth to its parent's, and the CHECK caps it at 5 (AWS's OU
-- nesting limit).
CREATE TABLE org_units (
  unit_id         TEXT PRIMARY KEY,
  organization_id TEXT NOT NULL REFERENCES organizations (organization_id) ON DELETE CASCADE,
  parent_id       TEXT,
  parent_depth    INTEGER,
  depth           INTEGER NOT NULL CHECK (depth BETWEEN 0 AND 5),
  name            TEXT NOT NULL,
  path            TEXT NOT NULL,
  created_at      BIGINT NOT NULL,
  UNIQUE (unit_id, depth),
  UNIQUE (parent_id, name),
  FOREIGN KEY (parent_id, parent_depth) REFERENCES org_units (unit_id, depth),
  CHECK ((parent_id IS NULL) = (parent_depth IS NULL)),
  CHECK ((parent_id IS NULL AND depth = 0) OR (parent_id IS NOT NULL AND depth = parent_depth + 1))
)
;
CREATE UNIQUE INDEX org_units_one_root ON org_units (organization_id) WHERE parent_id IS NULL
;
CREATE INDEX org_units_parent ON org_units (parent_id, unit_id)
;
CREATE TABLE org_accounts (
  account_id      TEXT PRIMARY KEY CHECK (length(account_id) = 12),
  organization_id TEXT NOT NULL REFERENCES organizations (organization_id) ON DELETE CASCADE,
  -- NO ACTION: a unit that holds accounts cannot be deleted.
  parent_id       TEXT NOT NULL REFERENCES org_units (unit_id),
  email           TEXT NOT NULL,
  -- lower-cased email: emails are unique case-insensitively.
  email_key       TEXT NOT NULL UNIQUE,
  name            TEXT NOT NULL,
  status          TEXT NOT NULL CHECK (status IN ('ACTIVE', 'SUSPENDED', 'PENDING_CLOSURE')),
  joined_method   TEXT NOT NULL CHECK (joined_method IN ('CREATED', 'INVITED')),
  joined_at       BIGINT NOT NULL
)
;
CREATE INDEX org_accounts_parent ON org_accounts (parent_id, account_id)
;
-- CreateAccount requests. account_id is history (the account may have left
-- since), so it has no foreign key.
CREATE TABLE org_create_account_statuses (
  request_id      TEXT PRIMARY KEY,
  organization_id TEXT NOT NULL REFERENCES organizations (organization_id) ON DELETE CASCADE,
  account_name    TEXT NOT NULL,
  state           TEXT NOT NULL CHECK (state IN ('IN_PROGRESS', 'SUCCEEDED', 'FAILED')),
  account_id      TEXT NOT NULL DEFAULT '',
  failure_reason  TEXT NOT NULL DEFAULT '',
  requested_at    BIGINT NOT NULL,
  completed_at    BIGINT,
  CHECK ((state = 'IN_PROGRESS') = (completed_at IS NULL)),
  CHECK (state <> 'SUCCEEDED' OR length(account_id) = 12),
  CHECK (state <> 'FAILED' OR failure_reason <> '')
)
;
CREATE INDEX org_create_account_statuses_state ON org_create_account_statuses (state, request_id)
;
CREATE TABLE org_handshakes (
  handshake_id    TEXT PRIMARY KEY,
  organization_id TEXT NOT NULL REFERENCES organizations (organization_id) ON DELETE CASCADE,
  action          TEXT NOT NULL,
  state           TEXT NOT NULL,
  target_type     TEXT NOT NULL,
  target_id       TEXT NOT NULL,
  notes           TEXT NOT NULL DEFAULT '',
  requested_at    BIGINT NOT NULL,
  expires_at      BIGINT NOT NULL
)
;
CREATE INDEX org_handshakes_action ON org_handshakes (action, handshake_id)
;
CREATE TABLE org_account_tags (
  account_id TEXT NOT NULL REFERENCES org_accounts (account_id) ON DELETE CASCADE,
  tag_key    TEXT NOT NULL,
  tag_value  TEXT NOT NULL,
  PRIMARY KEY (account_id, tag_key)
)
;
CREATE TABLE org_unit_tags (
  unit_id   TEXT NOT NULL REFERENCES org_units (unit_id) ON DELETE CASCADE,
  tag_key   TEXT NOT NULL,
  tag_value TEXT NOT NULL,
  PRIMARY KEY (unit_id, tag_key)
)
