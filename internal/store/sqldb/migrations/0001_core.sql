-- Core: instances, administrator access keys, named settings.
CREATE TABLE instances (
  instance_arn      TEXT PRIMARY KEY,
  identity_store_id TEXT NOT NULL UNIQUE,
  name              TEXT NOT NULL DEFAULT '',
  owner_account_id  TEXT NOT NULL DEFAULT '',
  status            TEXT NOT NULL,
  created_at        BIGINT NOT NULL
)
;
CREATE TABLE access_keys (
  access_key_id     TEXT PRIMARY KEY,
  secret_ciphertext TEXT NOT NULL,
  user_name         TEXT NOT NULL,
  status            TEXT NOT NULL CHECK (status IN ('Active', 'Inactive')),
  created_at        BIGINT NOT NULL
)
;
CREATE TABLE settings (
  name  TEXT PRIMARY KEY,
  value TEXT NOT NULL
)
