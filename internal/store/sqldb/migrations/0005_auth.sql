-- Web sign-in: settings per identity store, user credentials, sessions,
-- pending sign-ins (password proven, second factor awaited), invitations
-- and lockout counters.
--
-- No secret is stored in clear: passwords are argon2id PHC strings, TOTP
-- secrets are sealed by the keyring (base64), and session, sign-in and
-- invitation secrets are kept only as keyed hashes (hex). Booleans are
-- INTEGER 0/1 in both dialects; times are Unix milliseconds, 0 for unset.
CREATE TABLE auth_settings (
  identity_store_id  TEXT PRIMARY KEY REFERENCES instances (identity_store_id) ON DELETE CASCADE,
  mfa_mode           TEXT NOT NULL CHECK (mfa_mode IN ('ALWAYS_ON', 'CONTEXT_AWARE', 'DISABLED')),
  session_duration_s BIGINT NOT NULL CHECK (session_duration_s BETWEEN 900 AND 7776000),
  updated_at         BIGINT NOT NULL,
  updated_by         TEXT NOT NULL
)
;
CREATE TABLE auth_credentials (
  identity_store_id TEXT NOT NULL,
  user_id           TEXT NOT NULL,
  password_hash     TEXT NOT NULL DEFAULT '',
  password_set_at   BIGINT NOT NULL DEFAULT 0,
  totp_secret       TEXT NOT NULL DEFAULT '',
  totp_enrolled_at  BIGINT NOT NULL DEFAULT 0,
  totp_last_step    BIGINT NOT NULL DEFAULT 0,
  updated_at        BIGINT NOT NULL,
  PRIMARY KEY (identity_store_id, user_id),
  FOREIGN KEY (identity_store_id, user_id) REFERENCES directory_users (identity_store_id, user_id) ON DELETE CASCADE
)
;
CREATE TABLE auth_sessions (
  session_id        TEXT PRIMARY KEY,
  secret_hash       TEXT NOT NULL,
  identity_store_id TEXT NOT NULL,
  user_id           TEXT NOT NULL,
  created_at        BIGINT NOT NULL,
  authenticated_at  BIGINT NOT NULL,
  mfa               INTEGER NOT NULL CHECK (mfa IN (0, 1)),
  expires_at        BIGINT NOT NULL,
  revoked_at        BIGINT NOT NULL DEFAULT 0,
  FOREIGN KEY (identity_store_id, user_id) REFERENCES directory_users (identity_store_id, user_id) ON DELETE CASCADE
)
;
CREATE INDEX auth_sessions_user ON auth_sessions (identity_store_id, user_id)
;
CREATE INDEX auth_sessions_expires ON auth_sessions (expires_at)
;
CREATE TABLE auth_signins (
  signin_id         TEXT PRIMARY KEY,
  secret_hash       TEXT NOT NULL,
  identity_store_id TEXT NOT NULL,
  user_id           TEXT NOT NULL,
  stage             TEXT NOT NULL CHECK (stage IN ('mfa', 'enrol')),
  totp_secret       TEXT NOT NULL DEFAULT '',
  attempts          INTEGER NOT NULL DEFAULT 0,
  authenticated_at  BIGINT NOT NULL,
  created_at        BIGINT NOT NULL,
  expires_at        BIGINT NOT NULL,
  FOREIGN KEY (identity_store_id, user_id) REFERENCES directory_users (identity_store_id, user_id) ON DELETE CASCADE
)
;
CREATE INDEX auth_signins_user ON auth_signins (identity_store_id, user_id)
;
CREATE INDEX auth_signins_expires ON auth_signins (expires_at)
;
CREATE TABLE auth_invitations (
  token_hash        TEXT PRIMARY KEY,
  identity_store_id TEXT NOT NULL,
  user_id           TEXT NOT NULL,
  created_at        BIGINT NOT NULL,
  expires_at        BIGINT NOT NULL,
  used_at           BIGINT NOT NULL DEFAULT 0,
  created_by        TEXT NOT NULL,
  FOREIGN KEY (identity_store_id, user_id) REFERENCES directory_users (identity_store_id, user_id) ON DELETE CASCADE
)
;
CREATE INDEX auth_invitations_user ON auth_invitations (identity_store_id, user_id)
;
CREATE TABLE auth_lockouts (
  identity_store_id TEXT NOT NULL REFERENCES instances (identity_store_id) ON DELETE CASCADE,
  subject           TEXT NOT NULL,
  failures          INTEGER NOT NULL CHECK (failures >= 0),
  last_failure_at   BIGINT NOT NULL,
  locked_until      BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (identity_store_id, subject)
)
