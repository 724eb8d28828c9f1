package store

import (
	"context"
	"errors"

	"github.com/idcenter/idcenter/internal/idc"
)

// ErrLimitExceeded means a create was refused because the identity store
// already holds the maximum number of users or groups it was given.
var ErrLimitExceeded = errors.New("store: limit exceeded")

// DirectoryCounts is how many users and groups an identity store holds.
type DirectoryCounts struct {
	Users  int64
	Groups int64
}

// Directory stores users, groups and group memberships of identity stores.
//
// Every identity store id must name an instance (ErrReferenced otherwise).
// User names and group display names are unique per identity store
// regardless of case, and an external id (issuer, id) names at most one
// user and at most one group per identity store: the database enforces both
// (ErrDuplicate). Deleting a user or a group deletes its memberships.
//
// Lists are keyset-paginated: each returns up to Page.Limit rows whose sort
// key is strictly after Page.After.
type Directory interface {
	// CreateUser inserts u (with its external ids) and counts it in its
	// identity store. It returns ErrDuplicate when the user id, the user name
	// (case-insensitively) or an external id is taken, ErrReferenced when the
	// identity store does not exist, and ErrLimitExceeded when the store
	// already holds maxUsers users (maxUsers <= 0: no limit). Call it in a Tx:
	// on ErrLimitExceeded the insert is undone only by the rollback.
	CreateUser(ctx context.Context, u *idc.User, maxUsers int64) error
	// GetUser returns a user by id (ErrNotFound).
	GetUser(ctx context.Context, identityStoreID, userID string) (*idc.User, error)
	// GetUserForUpdate is GetUser that also locks the row until the
	// transaction ends, for read-modify-write inside a Tx.
	GetUserForUpdate(ctx context.Context, identityStoreID, userID string) (*idc.User, error)
	// GetUserByName returns the user whose name equals userName regardless
	// of case (ErrNotFound).
	GetUserByName(ctx context.Context, identityStoreID, userName string) (*idc.User, error)
	// GetUserIDByEmail returns the id of a user whose primary email equals
	// email regardless of case; when several do, the smallest id
	// (ErrNotFound).
	GetUserIDByEmail(ctx context.Context, identityStoreID, email string) (string, error)
	// GetUserIDByExternalID returns the id of the user with that external id
	// (ErrNotFound).
	GetUserIDByExternalID(ctx context.Context, identityStoreID string, ext idc.ExternalID) (string, error)
	// UpdateUser replaces the user name, status, attributes, external ids
	// and UpdatedAt/UpdatedBy of an existing user (ErrNotFound,
	// ErrDuplicate). CreatedAt and CreatedBy are kept.
	UpdateUser(ctx context.Context, u *idc.User) error
	// DeleteUser deletes a user and its memberships (ErrNotFound).
	DeleteUser(ctx context.Context, identityStoreID, userID string) error
	// ListUsers returns users ordered by user id.
	ListUsers(ctx context.Context, identityStoreID string, p Page) ([]*idc.User, error)

	// CreateGroup inserts g; errors as for CreateUser, with maxGroups.
	CreateGroup(ctx context.Context, g *idc.Group, maxGroups int64) error
	// GetGroup returns a group by id (ErrNotFound).
	GetGroup(ctx context.Context, identityStoreID, groupID string) (*idc.Group, error)
	// GetGroupForUpdate is GetGroup that also locks the row until the
	// transaction ends.
	GetGroupForUpdate(ctx context.Context, identityStoreID, groupID string) (*idc.Group, error)
	// GetGroupByName returns the group whose display name equals
	// displayName regardless of case (ErrNotFound).
	GetGroupByName(ctx context.Context, identityStoreID, displayName string) (*idc.Group, error)
	// GetGroupIDByExternalID returns the id of the group with that external
	// id (ErrNotFound).
	GetGroupIDByExternalID(ctx context.Context, identityStoreID string, ext idc.ExternalID) (string, error)
	// UpdateGroup replaces the display name, description, external ids and
	// UpdatedAt/UpdatedBy of an existing group (ErrNotFound, ErrDuplicate).
	UpdateGroup(ctx context.Context, g *idc.Group) error
	// DeleteGroup deletes a group and its memberships (ErrNotFound).
	DeleteGroup(ctx context.Context, identityStoreID, groupID string) error
	// ListGroups returns groups ordered by group id.
	ListGroups(ctx context.Context, identityStoreID string, p Page) ([]*idc.Group, error)

	// CountDirectory returns how many users and groups an identity store
	// holds (zeros for a store without any).
	CountDirectory(ctx context.Context, identityStoreID string) (DirectoryCounts, error)

	// CreateMembership inserts m. It returns ErrDuplicate when the
	// membership id or the (group, user) pair exists, and ErrReferenced when
	// the group or the user does not exist in m's identity store.
	CreateMembership(ctx context.Context, m *idc.Membership) error
	// GetMembership returns a membership by id (ErrNotFound).
	GetMembership(ctx context.Context, identityStoreID, membershipID string) (*idc.Membership, error)
	// GetMembershipByMember returns the membership of a user in a group
	// (ErrNotFound).
	GetMembershipByMember(ctx context.Context, identityStoreID, groupID, userID string) (*idc.Membership, error)
	// DeleteMembership deletes a membership (ErrNotFound).
	DeleteMembership(ctx context.Context, identityStoreID, membershipID string) error
	// ListGroupMemberships returns the memberships of a group ordered by
	// user id (Page.After is a user id).
	ListGroupMemberships(ctx context.Context, identityStoreID, groupID string, p Page) ([]*idc.Membership, error)
	// ListUserMemberships returns the memberships of a user ordered by
	// group id (Page.After is a group id).
	ListUserMemberships(ctx context.Context, identityStoreID, userID string, p Page) ([]*idc.Membership, error)
	// MemberGroups returns which of groupIDs the user is a member of, in
	// one query; ids that name no group are simply absent.
	MemberGroups(ctx context.Context, identityStoreID, userID string, groupIDs []string) ([]string, error)
}
