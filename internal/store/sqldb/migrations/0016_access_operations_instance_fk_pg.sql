-- On PostgreSQL, statuses of asynchronous requests no longer have a
-- foreign key to their instance; DeleteInstance deletes them itself. The
-- key's check locked the instance's row (KEY SHARE) in every
-- CreateAccountAssignment, so every concurrent create of an instance shared
-- one row lock — a MultiXact to create and clean up — for about 7 % of the
-- server's CPU per create. Statuses are history and name things that may be
-- gone; a status written while its instance is being deleted waits for that
-- deletion anyway (its create holds a key-share lock on its permission set,
-- whose deletion the instance's cascades to), and is deleted after it.
-- SQLite keeps the key: its check takes no lock.
;
-- postgres
ALTER TABLE access_operations DROP CONSTRAINT access_operations_instance_arn_fkey
;
