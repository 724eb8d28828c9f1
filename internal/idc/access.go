package idc

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
)

// Principal types of account assignments (sso-admin PrincipalType).
const (
	PrincipalUser  = "USER"
	PrincipalGroup = "GROUP"
)

// Target types (sso-admin TargetType, ProvisionTargetType).
const (
	TargetAWSAccount             = "AWS_ACCOUNT"
	TargetAllProvisionedAccounts = "ALL_PROVISIONED_ACCOUNTS"
)

// States of asynchronous sso-admin operations (sso-admin StatusValues).
const (
	StatusInProgress = "IN_PROGRESS"
	StatusSucceeded  = "SUCCEEDED"
	StatusFailed     = "FAILED"
)

// Kinds of asynchronous sso-admin operations whose status is recorded.
const (
	OpCreateAssignment = "CREATE_ASSIGNMENT"
	OpDeleteAssignment = "DELETE_ASSIGNMENT"
	OpProvision        = "PROVISION"
)

// InstanceID returns the "ssoins-…" part of an instance ARN
// (arn:aws:sso:::instance/ssoins-<16>), or "" if arn has no "instance/".
func InstanceID(instanceARN string) string {
	_, id, ok := strings.Cut(instanceARN, ":instance/")
	if !ok {
		return ""
	}
	return id
}

// NewPermissionSetARN returns a new permission set ARN under an instance:
// arn:aws:sso:::permissionSet/<instance id>/ps-<16 hex>.
func NewPermissionSetARN(instanceARN string) string {
	partition := "aws"
	if p := strings.SplitN(instanceARN, ":", 3); len(p) == 3 {
		partition = p[1]
	}
	return "arn:" + partition + ":sso:::permissionSet/" + InstanceID(instanceARN) + "/ps-" + randHex(16)
}

// PermissionSetInstanceID returns the instance id ("ssoins-…") embedded in a
// permission set ARN, or "".
func PermissionSetInstanceID(permissionSetARN string) string {
	_, rest, ok := strings.Cut(permissionSetARN, ":permissionSet/")
	if !ok {
		return ""
	}
	id, _, ok := strings.Cut(rest, "/")
	if !ok {
		return ""
	}
	return id
}

// RoleName returns the name of the IAM role that provisioning a permission
// set creates in an account, as AWS names it:
// AWSReservedSSO_<permission set name>_<16 hex>. The suffix is derived from
// the permission set ARN and the account id, so it is stable for the pair
// and differs between permission sets that share a name over time.
func RoleName(permissionSetName, permissionSetARN, accountID string) string {
	sum := sha256.Sum256([]byte(permissionSetARN + "\x00" + accountID))
	return "AWSReservedSSO_" + permissionSetName + "_" + hex.EncodeToString(sum[:8])
}

// PermissionSet is a template of IAM permissions (policies and a session
// duration) that account assignments grant in AWS accounts.
type PermissionSet struct {
	ARN         string
	InstanceARN string
	Name        string
	Description string
	// SessionDuration is the ISO 8601 duration as given (default "PT1H").
	SessionDuration string
	RelayState      string
	// InlinePolicy is the inline IAM policy document ("" for none).
	InlinePolicy string
	// Boundary is the permissions boundary (nil for none).
	Boundary *PermissionsBoundary
	// Version counts the changes that need re-provisioning: every change
	// to what a provisioned role carries increments it.
	Version   int64
	CreatedAt time.Time
}

// ManagedPolicy is an AWS managed policy attached to a permission set.
type ManagedPolicy struct {
	ARN  string
	Name string
}

// CustomerManagedPolicyRef names an IAM policy that must exist in each
// account a permission set is provisioned to.
type CustomerManagedPolicyRef struct {
	Name string
	Path string // "/" when not given
}

// PermissionsBoundary is a permission set's boundary: an AWS managed policy
// or a customer managed policy reference (exactly one is set).
type PermissionsBoundary struct {
	ManagedPolicyARN      string
	CustomerManagedPolicy *CustomerManagedPolicyRef
}

// Assignment grants a principal (user or group of the instance's identity
// store) a permission set in an account.
type Assignment struct {
	InstanceARN      string
	IdentityStoreID  string
	AccountID        string
	PermissionSetARN string
	PrincipalType    string // PrincipalUser or PrincipalGroup
	PrincipalID      string
	CreatedAt        time.Time
}

// OperationStatus is the recorded outcome of an asynchronous sso-admin
// request: an account assignment creation or deletion, or a permission set
// provisioning.
type OperationStatus struct {
	RequestID        string
	InstanceARN      string
	Kind             string // OpCreateAssignment, OpDeleteAssignment or OpProvision
	Status           string // StatusInProgress, StatusSucceeded or StatusFailed
	FailureReason    string
	AccountID        string // the target account ("" when provisioning to all accounts)
	PermissionSetARN string
	PrincipalType    string
	PrincipalID      string
	CreatedAt        time.Time
}

// ProvisionedRole is a permission set materialised in an account: the role
// credentials are issued for, with the permission set version it carries.
type ProvisionedRole struct {
	InstanceARN      string
	PermissionSetARN string
	AccountID        string
	RoleName         string
	// Version is the permission set version provisioned; the role is up to
	// date while it equals the permission set's Version.
	Version int64
	// SessionSeconds is the maximum session of the role, from the permission
	// set's session duration when provisioned.
	SessionSeconds int64
	ProvisionedAt  time.Time
}

// PermissionSetSnapshot is what a provisioning materialised: the permission
// set's content at one Version, as a JSON document (see access.Snapshot).
type PermissionSetSnapshot struct {
	PermissionSetARN string
	Version          int64
	Document         string
	CreatedAt        time.Time
}

// Entitlement is one role a user may use right now: a permission set
// provisioned in an account and assigned to the user directly or through a
// group.
type Entitlement struct {
	AccountID         string
	PermissionSetARN  string
	PermissionSetName string
	RoleName          string
	SessionDuration   time.Duration
}

// AccessControlAttribute maps a session tag key to an identity store
// attribute path (for example "${path:enterprise.costCenter}").
type AccessControlAttribute struct {
	Key    string
	Source string
}

// Region is an AWS region recorded as metadata of an instance.
type Region struct {
	InstanceARN string
	Name        string
	Status      string // ACTIVE
	Primary     bool
	AddedAt     time.Time
}
