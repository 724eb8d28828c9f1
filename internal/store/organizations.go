package store

import (
	"context"

	"github.com/idcenter/idcenter/internal/idc"
)

// Organizations stores the organization, its roots, organizational units,
// accounts, create-account requests, handshakes and tags.
//
// There is at most one organization. Deleting it deletes everything it
// holds. The database enforces: one organization; one root per
// organization; OU names unique among siblings; OU depth at most
// idc.MaxOUDepth and consistent with the parent's; account ids and emails
// (case-insensitively) unique; every account and OU under an existing
// parent; a unit holding accounts or OUs cannot be deleted.
//
// Lists are keyset-paginated by id (tags by key), ascending.
type Organizations interface {
	// CreateOrganization inserts the organization (ErrDuplicate if one
	// exists).
	CreateOrganization(ctx context.Context, o *idc.Organization) error
	// GetOrganization returns the organization (ErrNotFound if there is
	// none), with ManagementAccountEmail filled from the management
	// account's row when it exists.
	GetOrganization(ctx context.Context) (*idc.Organization, error)
	// DeleteOrganization deletes the organization and, by cascade, its
	// units, accounts, create-account statuses, handshakes and tags
	// (ErrNotFound).
	DeleteOrganization(ctx context.Context, id string) error

	// CreateOrgUnit inserts a root (ParentID "") or an organizational unit.
	// ErrDuplicate: the id exists, a sibling has the name, or the
	// organization already has a root. ErrReferenced: the parent does not
	// exist or u.Depth is not the parent's depth + 1. A depth beyond
	// idc.MaxOUDepth violates a CHECK constraint (an error that is neither).
	CreateOrgUnit(ctx context.Context, u *idc.OrgUnit) error
	// GetOrgUnit returns a root or OU by id (ErrNotFound).
	GetOrgUnit(ctx context.Context, id string) (*idc.OrgUnit, error)
	// ListRoots returns the roots after p.After.
	ListRoots(ctx context.Context, p Page) ([]*idc.OrgUnit, error)
	// ListOrgUnits returns the OUs directly under parentID after p.After.
	ListOrgUnits(ctx context.Context, parentID string, p Page) ([]*idc.OrgUnit, error)
	// RenameOrgUnit sets an OU's name (ErrNotFound; ErrDuplicate when a
	// sibling has the name). Roots cannot be renamed (ErrNotFound).
	RenameOrgUnit(ctx context.Context, id, name string) error
	// DeleteOrgUnit deletes an OU and its tags (ErrNotFound; ErrReferenced
	// while it holds accounts or OUs). Roots cannot be deleted
	// (ErrNotFound).
	DeleteOrgUnit(ctx context.Context, id string) error

	// CreateAccount inserts a member account. ErrDuplicate: the id or the
	// email (case-insensitively) exists. ErrReferenced: the parent or the
	// organization does not exist.
	CreateAccount(ctx context.Context, a *idc.Account) error
	// GetAccount returns an account by id (ErrNotFound).
	GetAccount(ctx context.Context, id string) (*idc.Account, error)
	// GetAccountByEmail returns the account with an email, compared
	// case-insensitively (ErrNotFound).
	GetAccountByEmail(ctx context.Context, email string) (*idc.Account, error)
	// ListAccounts returns all accounts after p.After.
	ListAccounts(ctx context.Context, p Page) ([]*idc.Account, error)
	// ListAccountsForParent returns the accounts directly under parentID
	// after p.After.
	ListAccountsForParent(ctx context.Context, parentID string, p Page) ([]*idc.Account, error)
	// MoveAccount moves an account from one parent to another. ErrNotFound:
	// the account is not directly under fromParentID. ErrReferenced:
	// toParentID does not exist.
	MoveAccount(ctx context.Context, id, fromParentID, toParentID string) error
	// SetAccountStatus sets an account's status (ErrNotFound).
	SetAccountStatus(ctx context.Context, id, status string) error
	// DeleteAccount deletes an account and its tags (ErrNotFound).
	DeleteAccount(ctx context.Context, id string) error

	// CreateCreateAccountStatus inserts a create-account request
	// (ErrDuplicate; ErrReferenced if the organization does not exist).
	CreateCreateAccountStatus(ctx context.Context, s *idc.CreateAccountStatus) error
	// GetCreateAccountStatus returns a create-account request (ErrNotFound).
	GetCreateAccountStatus(ctx context.Context, id string) (*idc.CreateAccountStatus, error)
	// ListCreateAccountStatuses returns the requests in any of states (all
	// requests when states is empty) after p.After.
	ListCreateAccountStatuses(ctx context.Context, states []string, p Page) ([]*idc.CreateAccountStatus, error)

	// CreateHandshake inserts a handshake (ErrDuplicate; ErrReferenced if
	// the organization does not exist).
	CreateHandshake(ctx context.Context, h *idc.Handshake) error
	// GetHandshake returns a handshake (ErrNotFound).
	GetHandshake(ctx context.Context, id string) (*idc.Handshake, error)
	// ListHandshakes returns the handshakes with an action (all when
	// action is "") after p.After.
	ListHandshakes(ctx context.Context, action string, p Page) ([]*idc.Handshake, error)

	// PutTags adds tags to an account (12-digit id) or unit (any other id),
	// replacing the values of keys it already has. It first locks the
	// resource's row, so concurrent tag writers of one resource run one
	// after the other and a CountTags that follows in the same transaction
	// is exact. ErrNotFound: no such resource.
	PutTags(ctx context.Context, resourceID string, tags []idc.Tag) error
	// DeleteTags removes tag keys (absent keys are ignored) from a
	// resource, locking its row like PutTags (ErrNotFound).
	DeleteTags(ctx context.Context, resourceID string, keys []string) error
	// ListTags returns a resource's tags ordered by key after p.After (an
	// unknown resource has none).
	ListTags(ctx context.Context, resourceID string, p Page) ([]idc.Tag, error)
	// CountTags returns how many tags a resource has.
	CountTags(ctx context.Context, resourceID string) (int, error)
}
