package store

import (
	"context"

	"github.com/idcenter/idcenter/internal/idc"
)

// ProvisioningFilter selects provisioned roles by whether they carry the
// permission set's latest version (sso-admin ProvisioningStatus).
type ProvisioningFilter string

// Provisioning filters; the empty filter selects every provisioned role.
const (
	ProvisionedAny    ProvisioningFilter = ""
	ProvisionedLatest ProvisioningFilter = "LATEST_PERMISSION_SET_PROVISIONED"
	ProvisionedStale  ProvisioningFilter = "LATEST_PERMISSION_SET_NOT_PROVISIONED"
)

// Access stores what sso-admin manages besides the directory: instance
// settings (names, access-control attributes, regions), permission sets
// and their policies, account assignments, provisioned roles with the
// snapshots they carry, the status of asynchronous requests and resource
// tags.
//
// The database enforces: permission set names unique per instance; every
// permission set, assignment, status, provisioned role and tag under an
// existing instance (deleting an instance deletes them); an assignment's
// permission set, account (org_accounts) and principal (a user or group of
// its identity store) exist, and deleting the account, user or group
// deletes the assignment; a permission set referenced by an assignment or
// a provisioned role cannot be deleted (ErrReferenced).
//
// Lists are keyset-paginated; each documents its sort key, which is what
// Page.After holds.
type Access interface {
	// RenameInstance sets an instance's name (ErrNotFound).
	RenameInstance(ctx context.Context, instanceARN, name string) error
	// DeleteInstance deletes an instance and everything under it: its
	// identity store, permission sets, assignments, statuses and tags
	// (ErrNotFound).
	DeleteInstance(ctx context.Context, instanceARN string) error
	// CountInstances returns how many instances exist.
	CountInstances(ctx context.Context) (int, error)

	// PutAccessControlAttributes creates or replaces an instance's
	// attribute-based access control configuration (ErrReferenced if the
	// instance does not exist).
	PutAccessControlAttributes(ctx context.Context, instanceARN string, attrs []idc.AccessControlAttribute) error
	// GetAccessControlAttributes returns the configuration (ErrNotFound if
	// the instance has none).
	GetAccessControlAttributes(ctx context.Context, instanceARN string) ([]idc.AccessControlAttribute, error)
	// DeleteAccessControlAttributes deletes the configuration (ErrNotFound).
	DeleteAccessControlAttributes(ctx context.Context, instanceARN string) error

	// PutRegion records a region of an instance (ErrDuplicate if recorded).
	PutRegion(ctx context.Context, r *idc.Region) error
	// GetRegion returns a recorded region (ErrNotFound).
	GetRegion(ctx context.Context, instanceARN, name string) (*idc.Region, error)
	// DeleteRegion removes a recorded region (ErrNotFound).
	DeleteRegion(ctx context.Context, instanceARN, name string) error
	// ListRegions returns an instance's regions ordered by name.
	ListRegions(ctx context.Context, instanceARN string, p Page) ([]*idc.Region, error)

	// CreatePermissionSet inserts a permission set with Version 1
	// (ErrDuplicate: ARN or name taken; ErrReferenced: no such instance).
	CreatePermissionSet(ctx context.Context, ps *idc.PermissionSet) error
	// GetPermissionSet returns a permission set by ARN (ErrNotFound).
	GetPermissionSet(ctx context.Context, arn string) (*idc.PermissionSet, error)
	// GetPermissionSetForUpdate is GetPermissionSet that also locks the row
	// until the transaction ends, for read-modify-write inside a Tx.
	GetPermissionSetForUpdate(ctx context.Context, arn string) (*idc.PermissionSet, error)
	// UpdatePermissionSet replaces the description, session duration, relay
	// state, inline policy and boundary of a permission set and increments
	// its Version; ps.Version is set to the new value (ErrNotFound).
	UpdatePermissionSet(ctx context.Context, ps *idc.PermissionSet) error
	// BumpPermissionSetVersion increments a permission set's Version (its
	// policies changed) and returns the new value (ErrNotFound).
	BumpPermissionSetVersion(ctx context.Context, arn string) (int64, error)
	// DeletePermissionSet deletes a permission set with its policies and
	// snapshots (ErrNotFound; ErrReferenced while assignments or provisioned
	// roles use it).
	DeletePermissionSet(ctx context.Context, arn string) error
	// ListPermissionSets returns an instance's permission set ARNs ordered
	// by ARN.
	ListPermissionSets(ctx context.Context, instanceARN string, p Page) ([]string, error)
	// CountPermissionSets returns how many permission sets an instance has.
	CountPermissionSets(ctx context.Context, instanceARN string) (int, error)

	// AttachManagedPolicy attaches an AWS managed policy (ErrDuplicate if
	// attached; ErrReferenced: no such permission set).
	AttachManagedPolicy(ctx context.Context, permissionSetARN string, mp idc.ManagedPolicy) error
	// DetachManagedPolicy detaches one (ErrNotFound if not attached).
	DetachManagedPolicy(ctx context.Context, permissionSetARN, policyARN string) error
	// ListManagedPolicies returns the attached AWS managed policies ordered
	// by ARN.
	ListManagedPolicies(ctx context.Context, permissionSetARN string, p Page) ([]idc.ManagedPolicy, error)
	// CountManagedPolicies returns how many are attached.
	CountManagedPolicies(ctx context.Context, permissionSetARN string) (int, error)

	// AttachCustomerManagedPolicy attaches a customer managed policy
	// reference (ErrDuplicate; ErrReferenced).
	AttachCustomerManagedPolicy(ctx context.Context, permissionSetARN string, ref idc.CustomerManagedPolicyRef) error
	// DetachCustomerManagedPolicy detaches one (ErrNotFound).
	DetachCustomerManagedPolicy(ctx context.Context, permissionSetARN string, ref idc.CustomerManagedPolicyRef) error
	// ListCustomerManagedPolicies returns the references ordered by path
	// followed by name (Page.After is Path+Name).
	ListCustomerManagedPolicies(ctx context.Context, permissionSetARN string, p Page) ([]idc.CustomerManagedPolicyRef, error)
	// CountCustomerManagedPolicies returns how many are attached.
	CountCustomerManagedPolicies(ctx context.Context, permissionSetARN string) (int, error)

	// CreateAssignment inserts an assignment and reports whether it was new
	// (an existing identical assignment is kept and false returned).
	// ErrReferenced: the permission set, account or principal does not
	// exist in the assignment's instance and identity store, or (on
	// PostgreSQL, whose foreign key checks the permission set through the
	// pair's role) the permission set is not provisioned in the account.
	// Callers provision first, as the access service does.
	CreateAssignment(ctx context.Context, a *idc.Assignment) (bool, error)
	// CreateAssignmentIfProvisioned does CreateAssignment and
	// CreateOperationStatus(s) if the assignment's permission set is
	// provisioned in its account, holding the provisioned role against
	// deletion meanwhile, and reports whether it did: the whole write of an
	// assignment to a provisioned pair. Called on a Store rather than in
	// Tx it is a transaction of its own, on PostgreSQL one statement
	// committed alone. ErrReferenced as CreateAssignment.
	CreateAssignmentIfProvisioned(ctx context.Context, a *idc.Assignment, s *idc.OperationStatus) (done bool, err error)
	// DeleteAssignment deletes an assignment (ErrNotFound).
	DeleteAssignment(ctx context.Context, a *idc.Assignment) error
	// HasAssignments reports whether any assignment grants the permission
	// set in the account.
	HasAssignments(ctx context.Context, permissionSetARN, accountID string) (bool, error)
	// ListAssignments returns the assignments of a permission set in an
	// account ordered by (principal type, principal id); Page.After is
	// AssignmentCursor of the last one.
	ListAssignments(ctx context.Context, accountID, permissionSetARN string, p Page) ([]*idc.Assignment, error)
	// ListAssignmentKeys is ListAssignments reading the primary key alone
	// (one index range, no table row per item): only AccountID,
	// PermissionSetARN, PrincipalType and PrincipalID are set.
	ListAssignmentKeys(ctx context.Context, accountID, permissionSetARN string, p Page) ([]*idc.Assignment, error)
	// ListAssignmentsForPrincipal returns a principal's assignments in an
	// instance, optionally only in one account (accountID ""= all),
	// ordered by (account id, permission set ARN); Page.After is
	// PrincipalAssignmentCursor of the last one.
	ListAssignmentsForPrincipal(ctx context.Context, instanceARN, principalType, principalID, accountID string, p Page) ([]*idc.Assignment, error)

	// PutProvisionedRole inserts or replaces the provisioned role of a
	// permission set in an account (ErrReferenced: no such permission set
	// or account).
	PutProvisionedRole(ctx context.Context, r *idc.ProvisionedRole) error
	// EnsureProvisionedRole inserts r unless the permission set is already
	// provisioned in the account, and reports whether it inserted. An
	// existing row is locked until the transaction ends.
	EnsureProvisionedRole(ctx context.Context, r *idc.ProvisionedRole) (bool, error)
	// GetProvisionedRole returns a provisioned role (ErrNotFound).
	GetProvisionedRole(ctx context.Context, permissionSetARN, accountID string) (*idc.ProvisionedRole, error)
	// LockProvisionedRole locks a provisioned role row until the
	// transaction ends (ErrNotFound when there is none), against other
	// writers of the row but not against creates of the pair's
	// assignments.
	LockProvisionedRole(ctx context.Context, permissionSetARN, accountID string) error
	// LockProvisionedRoleExclusive locks a provisioned role row as
	// LockProvisionedRole does and also against CreateAssignmentIfProvisioned
	// of the pair, which waits until the transaction ends and then sees
	// whether the role is still there (ErrNotFound when there is none). A
	// deprovisioning takes it before it looks for the pair's remaining
	// assignments.
	LockProvisionedRoleExclusive(ctx context.Context, permissionSetARN, accountID string) error
	// DeleteProvisionedRole removes a provisioned role (ErrNotFound).
	DeleteProvisionedRole(ctx context.Context, permissionSetARN, accountID string) error
	// ReprovisionAll sets every provisioned role of a permission set to
	// version and sessionSeconds and returns how many it updated.
	ReprovisionAll(ctx context.Context, permissionSetARN string, version, sessionSeconds int64) (int64, error)
	// ListProvisionedAccounts returns the accounts a permission set is
	// provisioned to, filtered by f, ordered by account id.
	ListProvisionedAccounts(ctx context.Context, permissionSetARN string, f ProvisioningFilter, p Page) ([]string, error)
	// ListProvisionedPermissionSets returns the permission sets of an
	// instance provisioned to an account, filtered by f, ordered by ARN.
	ListProvisionedPermissionSets(ctx context.Context, instanceARN, accountID string, f ProvisioningFilter, p Page) ([]string, error)
	// PutSnapshot stores a permission set snapshot unless one exists for
	// its (permission set, version).
	PutSnapshot(ctx context.Context, s *idc.PermissionSetSnapshot) error
	// GetSnapshot returns a snapshot (ErrNotFound).
	GetSnapshot(ctx context.Context, permissionSetARN string, version int64) (*idc.PermissionSetSnapshot, error)

	// CreateOperationStatus records an asynchronous request (ErrDuplicate:
	// the request id exists; ErrReferenced: no such instance).
	CreateOperationStatus(ctx context.Context, s *idc.OperationStatus) error
	// GetOperationStatus returns a request of a kind in an instance
	// (ErrNotFound).
	GetOperationStatus(ctx context.Context, instanceARN, kind, requestID string) (*idc.OperationStatus, error)
	// ListOperationStatuses returns an instance's requests of a kind, in
	// status (all when ""), ordered by request id.
	ListOperationStatuses(ctx context.Context, instanceARN, kind, status string, p Page) ([]*idc.OperationStatus, error)

	// PutResourceTags adds tags to an sso-admin resource (instance or
	// permission set ARN) of an instance, replacing the values of keys it
	// already has (ErrReferenced: no such instance).
	PutResourceTags(ctx context.Context, instanceARN, resourceARN string, tags []idc.Tag) error
	// DeleteResourceTags removes tag keys (absent keys are ignored).
	DeleteResourceTags(ctx context.Context, resourceARN string, keys []string) error
	// ListResourceTags returns a resource's tags ordered by key.
	ListResourceTags(ctx context.Context, resourceARN string, p Page) ([]idc.Tag, error)
	// CountResourceTags returns how many tags a resource has.
	CountResourceTags(ctx context.Context, resourceARN string) (int, error)

	// Entitlements returns what the user may use: for each permission set
	// assigned to the user directly or to a group the user belongs to, the
	// permission set (ARN, Name, SessionDuration and Version filled) and the
	// accounts of those assignments, each once. Order is unspecified. The
	// access service keeps every assigned pair provisioned, so the pairs
	// are exactly the roles the user may use.
	Entitlements(ctx context.Context, identityStoreID, userID string) ([]EntitledSet, error)
	// MayUse reports whether an assignment grants the permission set in
	// the account to the user directly or through a group membership.
	MayUse(ctx context.Context, userID, accountID, permissionSetARN string) (bool, error)
}

// EntitledSet is one permission set a user may use and the accounts
// where.
type EntitledSet struct {
	PermissionSet *idc.PermissionSet
	Accounts      []string
}

// AssignmentCursor is the sort key of an assignment in ListAssignments.
func AssignmentCursor(a *idc.Assignment) string { return a.PrincipalType + "/" + a.PrincipalID }

// PrincipalAssignmentCursor is the sort key of an assignment in
// ListAssignmentsForPrincipal.
func PrincipalAssignmentCursor(a *idc.Assignment) string {
	return a.AccountID + "/" + a.PermissionSetARN
}
