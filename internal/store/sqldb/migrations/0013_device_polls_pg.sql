-- Poll timing of device codes shared by the replicas of one PostgreSQL
-- database (SECURITY.md MR-01; sqldb DB.PollDevice). UNLOGGED: a poll
-- writes no WAL, so its commit waits for no flush, and a crash empties the
-- table, which only forgives polls. SQLite has one process and keeps poll
-- timing in memory.
;
-- postgres
CREATE UNLOGGED TABLE oauth_device_polls (
    device_code_hash TEXT PRIMARY KEY,
    last_ms BIGINT NOT NULL,
    interval_ms BIGINT NOT NULL,
    polls INTEGER NOT NULL,
    slowed BOOLEAN NOT NULL,
    expires_at BIGINT NOT NULL
)
;
-- postgres
CREATE INDEX oauth_device_polls_expires ON oauth_device_polls (expires_at)
;
