// Package store is idcenter's storage contract: one interface per aggregate,
// implemented by both backends (embedded SQLite and PostgreSQL, see
// internal/store/sqldb) and proven by one conformance suite
// (internal/store/storetest) on both databases.
//
// Every method that writes must run inside Store.Tx so that a request's writes
// commit together or not at all. Reads may run on the Store directly.
//
// store imports only idc and the standard library; it never imports a driver.
package store

import (
	"context"
	"errors"
)

// Queries is every aggregate's methods. Store runs them on the database
// directly (one statement at a time); Tx runs them inside a transaction.
type Queries interface {
	Instances
	Directory
	Organizations
	Auth
	Access
	OAuth
}

// Store is an open database.
type Store interface {
	Queries
	AccessFeed
	// Tx runs fn in one read-write transaction and commits when fn returns
	// nil; any error rolls everything back. A transaction that fails with a
	// serialization conflict is retried (fn must be safe to run again).
	// Tx returns only after the commit is durable.
	Tx(ctx context.Context, fn func(q Queries) error) error
	// Ping checks that the database answers.
	Ping(ctx context.Context) error
	// Backend names the backend: "sqlite" or "postgres".
	Backend() string
	// Close releases the database.
	Close() error
}

// Errors that backends return (wrapped) from Queries methods.
var (
	// ErrNotFound means the row addressed does not exist.
	ErrNotFound = errors.New("store: not found")
	// ErrDuplicate means a uniqueness constraint rejected the write.
	ErrDuplicate = errors.New("store: duplicate")
	// ErrReferenced means a foreign key rejected the write (the referenced
	// row is missing, or the row is still referenced).
	ErrReferenced = errors.New("store: reference violation")
)

// Page asks for one page of a keyset-paginated list: up to Limit rows whose
// sort key is strictly after After ("" = from the start).
type Page struct {
	After string
	Limit int
}
