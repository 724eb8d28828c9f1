package store

import (
	"context"
	"time"

	"github.com/idcenter/idcenter/internal/idc"
)

// MFA modes of an identity store's web sign-in, as IAM Identity Center's
// console names them: every sign-in (always-on, the default), only when the
// sign-in context changes (context-aware), or never.
const (
	MFAAlwaysOn     = "ALWAYS_ON"
	MFAContextAware = "CONTEXT_AWARE"
	MFADisabled     = "DISABLED"
)

// Stages of a pending sign-in.
const (
	// SignInMFA waits for a code from the enrolled authenticator.
	SignInMFA = "mfa"
	// SignInEnrol waits for the first code of a new authenticator.
	SignInEnrol = "enrol"
)

// AuthSettings are an identity store's sign-in settings.
type AuthSettings struct {
	IdentityStoreID string
	// MFAMode is one of the MFA* constants.
	MFAMode string
	// SessionDuration is the portal session length (15 min .. 90 days).
	SessionDuration time.Duration
	// DeviceGrantDisabled turns the device authorization grant off.
	DeviceGrantDisabled bool
	// DeviceSameNetwork requires a device authorization to be approved
	// from the network it was started from (SECURITY.md DF-13).
	DeviceSameNetwork bool
	UpdatedAt         time.Time
	UpdatedBy         string
}

// UserCredential is what a user signs in with. Secrets are never in clear:
// PasswordHash is an argon2id PHC string and TOTPSecret is sealed by the
// keyring.
type UserCredential struct {
	IdentityStoreID string
	UserID          string
	// PasswordHash is "" when the user has no password.
	PasswordHash  string
	PasswordSetAt time.Time
	// TOTPSecret is nil when no authenticator is enrolled.
	TOTPSecret     []byte
	TOTPEnrolledAt time.Time
	// TOTPLastStep is the RFC 6238 time step of the last accepted code; a
	// code of this step or an earlier one is a replay.
	TOTPLastStep int64
	UpdatedAt    time.Time
}

// SessionRecord is a web sign-in session with the hash of its cookie
// secret.
type SessionRecord struct {
	idc.Session
	// SecretHash is a keyed hash of the cookie secret, never the secret.
	SecretHash string
}

// SignIn is a sign-in that proved the password and waits for a second
// factor. Like a session it is addressed by an id and proven by a secret
// whose hash only is stored.
type SignIn struct {
	ID              string
	SecretHash      string
	IdentityStoreID string
	UserID          string
	// Stage is SignInMFA or SignInEnrol.
	Stage string
	// TOTPSecret is the sealed candidate secret while enrolling.
	TOTPSecret []byte
	// Attempts counts the wrong codes entered so far.
	Attempts        int
	AuthenticatedAt time.Time
	CreatedAt       time.Time
	ExpiresAt       time.Time
}

// Invitation is a one-time sign-up link: its holder chooses a password
// (and enrols MFA). TokenHash is a keyed hash of the token in the link.
type Invitation struct {
	TokenHash       string
	IdentityStoreID string
	UserID          string
	CreatedAt       time.Time
	ExpiresAt       time.Time
	// UsedAt is zero until the invitation is used or superseded.
	UsedAt    time.Time
	CreatedBy string
}

// AuthLockout counts the recent failed attempts on one subject (a user
// name, or a user's second factor) of an identity store.
type AuthLockout struct {
	IdentityStoreID string
	Subject         string
	Failures        int
	LastFailureAt   time.Time
	// LockedUntil is zero when the subject is not locked.
	LockedUntil time.Time
}

// Auth stores what web sign-in needs: settings per identity store, user
// credentials, sessions, pending sign-ins, invitations and lockout counters.
//
// Credentials, sessions, sign-ins and invitations belong to a directory user:
// they reference it (ErrReferenced when it does not exist) and are deleted
// with it. Writes must run in Store.Tx.
type Auth interface {
	// GetAuthSettings returns an identity store's settings (ErrNotFound
	// when none were saved: the caller applies the defaults).
	GetAuthSettings(ctx context.Context, identityStoreID string) (*AuthSettings, error)
	// PutAuthSettings inserts or replaces an identity store's settings
	// (ErrReferenced if the identity store does not exist).
	PutAuthSettings(ctx context.Context, s *AuthSettings) error

	// GetUserCredential returns a user's credential (ErrNotFound if the
	// user has none).
	GetUserCredential(ctx context.Context, identityStoreID, userID string) (*UserCredential, error)
	// SetUserPassword sets a user's password hash, creating the credential
	// if needed and keeping any enrolled authenticator.
	SetUserPassword(ctx context.Context, identityStoreID, userID, hash string, at time.Time) error
	// EnrolUserTOTP stores the sealed secret of a user's first
	// authenticator and the step of the code that proved it. It reports
	// false, changing nothing, when the user already has one (or has no
	// credential).
	EnrolUserTOTP(ctx context.Context, identityStoreID, userID string, sealed []byte, step int64, at time.Time) (bool, error)
	// ClearUserTOTP removes a user's authenticator (ErrNotFound if the
	// user has no credential).
	ClearUserTOTP(ctx context.Context, identityStoreID, userID string, at time.Time) error
	// AdvanceUserTOTPStep records step as the last accepted TOTP step if it
	// is later than the recorded one, and reports whether it was: false
	// means the code was already used (RFC 6238 §5.2). Concurrent callers
	// with one step see exactly one true.
	AdvanceUserTOTPStep(ctx context.Context, identityStoreID, userID string, step int64) (bool, error)

	// CreateSession inserts a session (ErrDuplicate if the id exists).
	CreateSession(ctx context.Context, s *SessionRecord) error
	// GetSession returns a session by id, revoked or expired ones included
	// (ErrNotFound).
	GetSession(ctx context.Context, id string) (*SessionRecord, error)
	// RevokeSession sets a session's RevokedAt to at unless it is already
	// revoked (ErrNotFound if it does not exist).
	RevokeSession(ctx context.Context, id string, at time.Time) error
	// RevokeUserSessions revokes every active session of a user and returns
	// how many it revoked.
	RevokeUserSessions(ctx context.Context, identityStoreID, userID string, at time.Time) (int64, error)

	// CreateSignIn inserts a pending sign-in (ErrDuplicate, ErrReferenced).
	CreateSignIn(ctx context.Context, s *SignIn) error
	// GetSignIn returns a pending sign-in by id (ErrNotFound).
	GetSignIn(ctx context.Context, id string) (*SignIn, error)
	// AddSignInAttempt counts one wrong code on a pending sign-in and
	// returns the new count (ErrNotFound).
	AddSignInAttempt(ctx context.Context, id string) (int, error)
	// DeleteSignIn deletes a pending sign-in and reports whether it
	// existed; of concurrent callers exactly one sees true, which makes
	// finishing a sign-in single-use.
	DeleteSignIn(ctx context.Context, id string) (bool, error)

	// CreateInvitation inserts an invitation (ErrDuplicate, ErrReferenced).
	CreateInvitation(ctx context.Context, inv *Invitation) error
	// GetInvitation returns an invitation by token hash (ErrNotFound).
	GetInvitation(ctx context.Context, tokenHash string) (*Invitation, error)
	// UseInvitation marks an unused invitation used at at and reports
	// whether it did; of concurrent callers exactly one sees true.
	UseInvitation(ctx context.Context, tokenHash string, at time.Time) (bool, error)
	// SupersedeUserInvitations marks every unused invitation of a user used
	// at at (a newer invitation or a password change replaces them).
	SupersedeUserInvitations(ctx context.Context, identityStoreID, userID string, at time.Time) error

	// GetAuthLockout returns a subject's counter (ErrNotFound if it has
	// none).
	GetAuthLockout(ctx context.Context, identityStoreID, subject string) (*AuthLockout, error)
	// AddAuthFailure counts one failure on a subject at at and returns the
	// new count; failures whose last one is before resetBefore are
	// forgotten first. The identity store must exist (ErrReferenced).
	AddAuthFailure(ctx context.Context, identityStoreID, subject string, at, resetBefore time.Time) (int, error)
	// LockAuthSubject locks a subject until until and resets its failure
	// count (ErrNotFound if it has no counter).
	LockAuthSubject(ctx context.Context, identityStoreID, subject string, until time.Time) error
	// ClearAuthFailures forgets a subject's counter (no error if absent).
	ClearAuthFailures(ctx context.Context, identityStoreID, subject string) error

	// DeleteExpiredAuth deletes sessions and sign-ins that expired before
	// before, invitations that expired or were used before it, and lockout
	// counters whose lock and last failure are both before it. It returns
	// how many rows it deleted.
	DeleteExpiredAuth(ctx context.Context, before time.Time) (int64, error)
}
