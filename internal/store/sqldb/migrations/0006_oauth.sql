-- OAuth (sso-oidc): registered clients, device authorizations (RFC 8628),
-- authorization codes (RFC 6749 §4.1 + PKCE) and grants (one row per token
-- family: the access tokens it issues are sealed and self-describing, the
-- current refresh token is kept as an HMAC). No secret is stored in clear:
-- client secrets, device codes, user codes, authorization codes and refresh
-- tokens appear only as keyed hashes (hex). Times are Unix milliseconds; 0
-- means "not yet".
CREATE TABLE oauth_clients (
  client_id         TEXT PRIMARY KEY,
  secret_hash       TEXT NOT NULL,
  name              TEXT NOT NULL,
  client_type       TEXT NOT NULL CHECK (client_type = 'public'),
  -- JSON arrays of strings.
  scopes            TEXT NOT NULL,
  grant_types       TEXT NOT NULL,
  redirect_uris     TEXT NOT NULL,
  issuer_url        TEXT NOT NULL DEFAULT '',
  created_at        BIGINT NOT NULL,
  secret_expires_at BIGINT NOT NULL CHECK (secret_expires_at > created_at)
)
;
CREATE INDEX oauth_clients_expiry ON oauth_clients (secret_expires_at)
;
CREATE TABLE oauth_device_authorizations (
  device_code_hash  TEXT PRIMARY KEY,
  user_code_hash    TEXT NOT NULL UNIQUE,
  client_id         TEXT NOT NULL REFERENCES oauth_clients (client_id) ON DELETE CASCADE,
  start_url         TEXT NOT NULL,
  status            TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'redeemed')),
  session_id        TEXT NOT NULL DEFAULT '',
  identity_store_id TEXT NOT NULL DEFAULT '',
  user_id           TEXT NOT NULL DEFAULT '',
  grant_id          TEXT NOT NULL DEFAULT '',
  created_at        BIGINT NOT NULL,
  expires_at        BIGINT NOT NULL CHECK (expires_at > created_at),
  decided_at        BIGINT NOT NULL DEFAULT 0,
  -- An approved or redeemed authorization names the session that approved it.
  CHECK (status IN ('pending', 'denied') OR session_id <> ''),
  CHECK ((status = 'redeemed') = (grant_id <> ''))
)
;
CREATE INDEX oauth_device_authorizations_expiry ON oauth_device_authorizations (expires_at)
;
CREATE TABLE oauth_authorization_codes (
  code_hash         TEXT PRIMARY KEY,
  client_id         TEXT NOT NULL REFERENCES oauth_clients (client_id) ON DELETE CASCADE,
  redirect_uri      TEXT NOT NULL,
  code_challenge    TEXT NOT NULL CHECK (code_challenge <> ''),
  scopes            TEXT NOT NULL,
  session_id        TEXT NOT NULL CHECK (session_id <> ''),
  identity_store_id TEXT NOT NULL,
  user_id           TEXT NOT NULL,
  created_at        BIGINT NOT NULL,
  expires_at        BIGINT NOT NULL CHECK (expires_at > created_at),
  redeemed_at       BIGINT NOT NULL DEFAULT 0,
  -- The grant issued at the first redemption, revoked if the code is replayed.
  grant_id          TEXT NOT NULL DEFAULT ''
)
;
CREATE INDEX oauth_authorization_codes_expiry ON oauth_authorization_codes (expires_at)
;
CREATE TABLE oauth_grants (
  grant_id          TEXT PRIMARY KEY,
  client_id         TEXT NOT NULL REFERENCES oauth_clients (client_id) ON DELETE CASCADE,
  session_id        TEXT NOT NULL CHECK (session_id <> ''),
  identity_store_id TEXT NOT NULL,
  user_id           TEXT NOT NULL,
  scopes            TEXT NOT NULL,
  source            TEXT NOT NULL CHECK (source IN ('device_code', 'authorization_code')),
  -- The current refresh token's hash ('' when the grant has no refresh
  -- token) and its generation, which rotation increments.
  refresh_hash      TEXT NOT NULL DEFAULT '',
  refresh_gen       BIGINT NOT NULL DEFAULT 0,
  rotated_at        BIGINT NOT NULL DEFAULT 0,
  created_at        BIGINT NOT NULL,
  expires_at        BIGINT NOT NULL CHECK (expires_at > created_at),
  revoked_at        BIGINT NOT NULL DEFAULT 0
)
;
CREATE INDEX oauth_grants_session ON oauth_grants (session_id)
;
CREATE INDEX oauth_grants_expiry ON oauth_grants (expires_at)
