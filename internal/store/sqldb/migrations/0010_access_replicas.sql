-- The registry of replicas keeping their entitlement indexes coherent over
-- LISTEN/NOTIFY (internal/store/sqldb/replicas.go): each live replica holds
-- a row whose lease it renews. A replica joining waits for every replica
-- with a live lease to acknowledge it; a writer stops waiting for a peer's
-- acknowledgement once the peer's lease has run out. Only PostgreSQL uses
-- it; the SQLite store is its file's only writer.
;
CREATE TABLE access_replicas (
  id      TEXT PRIMARY KEY,
  expires TIMESTAMP WITH TIME ZONE NOT NULL
)
