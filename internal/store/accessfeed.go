package store

import (
	"context"
	"time"
)

// AccessFeed lets a process keep its own index of entitlements (see
// internal/access) exactly current: it reads the whole entitlement state
// once, as of one snapshot, and from then on only the changes committed
// since the snapshot it last read at.
//
// A cursor is opaque and belongs to the backend: on SQLite the last change
// sequence number applied, on PostgreSQL the transaction snapshot the
// state was last read at (see internal/store/sqldb/accesschanges.go).
type AccessFeed interface {
	// LoadAccessState calls fn once for every permission set, then every
	// group membership, then every account assignment, all as of one
	// snapshot, and returns the cursor of that snapshot. The changes fn
	// receives have Deleted false.
	LoadAccessState(ctx context.Context, fn func(*AccessChange) error) (cursor string, err error)
	// AccessChangesSince returns the changes committed after the snapshot
	// of cursor, in an order in which applying them one by one gives the
	// state now, and the cursor of now. It reads from the database every
	// call, so a change committed before the call began, by any process,
	// is in the answer.
	AccessChangesSince(ctx context.Context, cursor string) ([]AccessChange, string, error)
	// PruneAccessChanges deletes the changes recorded before t; readers
	// whose last read is older than that must load the state afresh.
	PruneAccessChanges(ctx context.Context, before time.Time) (int64, error)
	// LocalCommits returns how many transactions have committed through
	// this Store, and whether this Store is its database's only writer.
	// When it is, a reader that noted n before its last read of the feed
	// and finds it unchanged knows the feed has nothing new for it,
	// without asking the database.
	LocalCommits() (n uint64, only bool)
	// AccessVersion returns a number that changes whenever a change may
	// have entered the feed that a reader holding the previous number has
	// not read, and whether the number is exact now. While it is, a reader
	// that noted n before its last read of the feed and finds it unchanged
	// may skip the next read. (SQLite: the local commit count, exact
	// because the store is the file's only writer. PostgreSQL: the local
	// commits plus the changes other replicas announced, exact while the
	// replica's coherence lease holds; see internal/store/sqldb/replicas.go.)
	AccessVersion() (n uint64, exact bool)
}

// AccessChangeKind says what an AccessChange is about.
type AccessChangeKind byte

// The kinds of AccessChange.
const (
	// ChangeMembership: IdentityStoreID, GroupID, UserID.
	ChangeMembership AccessChangeKind = 'M'
	// ChangeAssignment: IdentityStoreID, AccountID, PermissionSetARN,
	// PrincipalType ("USER" or "GROUP"), PrincipalID.
	ChangeAssignment AccessChangeKind = 'A'
	// ChangePermissionSet: PermissionSetARN, Name, SessionDuration (an
	// ISO 8601 duration). A non-deleted change creates or updates.
	ChangePermissionSet AccessChangeKind = 'P'
)

// AccessChange is one row created or deleted in what entitlements are
// made of.
type AccessChange struct {
	Kind    AccessChangeKind
	Deleted bool

	IdentityStoreID  string
	GroupID          string
	UserID           string
	AccountID        string
	PermissionSetARN string
	PrincipalType    string
	PrincipalID      string
	Name             string
	SessionDuration  string
}
