package idc

import (
	"fmt"
	"time"
)

// Organization feature sets (AWS Organizations OrganizationFeatureSet).
const (
	FeatureSetAll                 = "ALL"
	FeatureSetConsolidatedBilling = "CONSOLIDATED_BILLING"
)

// Organization is the AWS Organizations organization that groups the linked
// accounts. An idcenter installation has at most one.
type Organization struct {
	ID                  string // o-xxxxxxxxxx
	ManagementAccountID string
	FeatureSet          string // FeatureSetAll or FeatureSetConsolidatedBilling
	CreatedAt           time.Time
	// ManagementAccountEmail is the email of the management account's
	// member row; it is filled on reads and not stored with the
	// organization.
	ManagementAccountEmail string
}

// ARN returns the organization's ARN:
// arn:aws:organizations::<management account>:organization/<id>.
func (o *Organization) ARN() string {
	return fmt.Sprintf("arn:aws:organizations::%s:organization/%s", o.ManagementAccountID, o.ID)
}

// RootARN returns the ARN of a root of the organization.
func (o *Organization) RootARN(rootID string) string {
	return fmt.Sprintf("arn:aws:organizations::%s:root/%s/%s", o.ManagementAccountID, o.ID, rootID)
}

// OUARN returns the ARN of an organizational unit of the organization.
func (o *Organization) OUARN(ouID string) string {
	return fmt.Sprintf("arn:aws:organizations::%s:ou/%s/%s", o.ManagementAccountID, o.ID, ouID)
}

// AccountARN returns the ARN of a member account of the organization.
func (o *Organization) AccountARN(accountID string) string {
	return AccountARN(o.ManagementAccountID, o.ID, accountID)
}

// HandshakeARN returns the ARN of a handshake of the organization; action
// is the lowercase handshake action ("invite").
func (o *Organization) HandshakeARN(action, handshakeID string) string {
	return fmt.Sprintf("arn:aws:organizations::%s:handshake/%s/%s/%s", o.ManagementAccountID, o.ID, action, handshakeID)
}

// Parent types of the organization tree (AWS Organizations ParentType), and
// child types (ChildType).
const (
	ParentTypeRoot   = "ROOT"
	ChildTypeOU      = "ORGANIZATIONAL_UNIT" // also the ParentType of an OU
	ChildTypeAccount = "ACCOUNT"
)

// MaxOUDepth is how deep organizational units nest under the root (the
// root has depth 0, its OUs depth 1).
const MaxOUDepth = 5

// OrgUnit is a node of the organization tree that can hold accounts and
// organizational units: the root (ParentID "", Depth 0) or an
// organizational unit.
type OrgUnit struct {
	ID             string // r-xxxx for the root, ou-xxxx-xxxxxxxx for an OU
	OrganizationID string
	ParentID       string // "" for the root
	Name           string
	// Path is the AWS Organizations path of the unit:
	// "o-xxx/r-xxxx/" for the root, "<parent path><id>/" for an OU.
	Path      string
	Depth     int
	CreatedAt time.Time
}

// IsRoot reports whether u is the root.
func (u *OrgUnit) IsRoot() bool { return u.ParentID == "" }

// Type returns u's ParentType: ParentTypeRoot or ChildTypeOU.
func (u *OrgUnit) Type() string {
	if u.IsRoot() {
		return ParentTypeRoot
	}
	return ChildTypeOU
}

// Account statuses (AWS Organizations AccountStatus).
const (
	AccountActive         = "ACTIVE"
	AccountSuspended      = "SUSPENDED"
	AccountPendingClosure = "PENDING_CLOSURE"
)

// How an account joined its organization (AccountJoinedMethod).
const (
	JoinedCreated = "CREATED"
	JoinedInvited = "INVITED"
)

// Account is a member account of the organization (the AWS account the
// Identity Center assignments give access to).
type Account struct {
	ID             string // 12 digits
	OrganizationID string
	ParentID       string // the root or OU that holds it
	Email          string // unique, case-insensitively
	Name           string
	Status         string // AccountActive, AccountSuspended, AccountPendingClosure
	JoinedMethod   string // JoinedCreated or JoinedInvited
	JoinedAt       time.Time
	// Path is "<parent path><id>/"; it is filled on reads and not stored.
	Path string
}

// PlaceholderAccountEmail returns the email idcenter gives an account whose
// real email it does not know (the management account, an invited account
// without an Email tag): <id>@idcenter.invalid. The .invalid top-level
// domain is reserved (RFC 2606) and never delivers.
func PlaceholderAccountEmail(accountID string) string {
	return accountID + "@idcenter.invalid"
}

// Create-account request states (CreateAccountState) and the failure
// reason idcenter reports (CreateAccountFailureReason).
const (
	CreateAccountInProgress = "IN_PROGRESS"
	CreateAccountSucceeded  = "SUCCEEDED"
	CreateAccountFailed     = "FAILED"

	FailureEmailAlreadyExists = "EMAIL_ALREADY_EXISTS"
)

// CreateAccountStatus records one CreateAccount request and its outcome.
type CreateAccountStatus struct {
	ID             string // car-…
	OrganizationID string
	AccountName    string
	State          string // CreateAccountInProgress, CreateAccountSucceeded, CreateAccountFailed
	AccountID      string // set when State is CreateAccountSucceeded
	FailureReason  string // set when State is CreateAccountFailed
	RequestedAt    time.Time
	CompletedAt    time.Time // zero while in progress
}

// Handshake actions, party types and states (ActionType,
// HandshakePartyType, HandshakeState) that idcenter uses.
const (
	HandshakeInvite       = "INVITE"
	PartyAccount          = "ACCOUNT"
	PartyOrganization     = "ORGANIZATION"
	HandshakeAccepted     = "ACCEPTED"
	HandshakeValidityDays = 15
)

// Handshake records an invitation of an existing account into the
// organization.
type Handshake struct {
	ID             string // h-…
	OrganizationID string
	Action         string // HandshakeInvite
	State          string // HandshakeAccepted
	TargetType     string // PartyAccount
	TargetID       string // the invited account id
	Notes          string
	RequestedAt    time.Time
	ExpiresAt      time.Time
}

// Tag is a key/value pair attached to an organization resource.
type Tag struct {
	Key   string
	Value string
}

// MaxTags is how many tags one organization resource may carry.
const MaxTags = 50

// NewHandshakeID returns "h-" followed by 10 lowercase alphanumerics.
func NewHandshakeID() string { return "h-" + randFrom(lowerAlnum, 10) }
