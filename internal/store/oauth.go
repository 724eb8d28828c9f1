package store

import (
	"context"
	"time"
)

// Device authorization states (OAuthDeviceAuthorization.Status).
const (
	DevicePending  = "pending"
	DeviceApproved = "approved"
	DeviceDenied   = "denied"
	DeviceRedeemed = "redeemed"
)

// Grant sources (OAuthGrant.Source): the grant type that created a grant.
const (
	GrantFromDeviceCode = "device_code"
	GrantFromAuthCode   = "authorization_code"
)

// OAuthClient is a registered sso-oidc client. SecretHash is a keyed hash
// of the client secret; the secret itself is never stored.
type OAuthClient struct {
	ClientID        string
	SecretHash      string
	Name            string
	Type            string // "public"
	Scopes          []string
	GrantTypes      []string
	RedirectURIs    []string
	IssuerURL       string
	CreatedAt       time.Time
	SecretExpiresAt time.Time
}

// OAuthDeviceAuthorization is a device authorization request (RFC 8628),
// addressed by the keyed hash of its device code and of its user code.
type OAuthDeviceAuthorization struct {
	DeviceCodeHash string
	UserCodeHash   string
	ClientID       string
	StartURL       string
	// OriginIP is the address StartDeviceAuthorization came from, "" when
	// unknown (SECURITY.md DF-13).
	OriginIP string
	Status   string // DevicePending, DeviceApproved, DeviceDenied or DeviceRedeemed
	// SessionID, IdentityStoreID and UserID name who approved or denied it.
	SessionID       string
	IdentityStoreID string
	UserID          string
	// GrantID is the grant its redemption created.
	GrantID   string
	CreatedAt time.Time
	ExpiresAt time.Time
	DecidedAt time.Time // zero while pending
}

// OAuthAuthorizationCode is an authorization code (RFC 6749 §4.1) bound to
// a PKCE S256 challenge (RFC 7636), addressed by the keyed hash of the code.
type OAuthAuthorizationCode struct {
	CodeHash        string
	ClientID        string
	RedirectURI     string
	CodeChallenge   string
	Scopes          []string
	SessionID       string
	IdentityStoreID string
	UserID          string
	CreatedAt       time.Time
	ExpiresAt       time.Time
	RedeemedAt      time.Time // zero until redeemed
	GrantID         string    // the grant the redemption created
}

// OAuthGrant is one token family: what a device or authorization code
// redemption granted, with its current refresh token (if any).
type OAuthGrant struct {
	GrantID         string
	ClientID        string
	SessionID       string
	IdentityStoreID string
	UserID          string
	Scopes          []string
	Source          string // GrantFromDeviceCode or GrantFromAuthCode
	// RefreshHash is the keyed hash of the current refresh token ("" when
	// the grant issues none); RefreshGen counts rotations.
	RefreshHash string
	RefreshGen  int64
	RotatedAt   time.Time // zero until the first rotation
	CreatedAt   time.Time
	ExpiresAt   time.Time
	RevokedAt   time.Time // zero unless revoked
}

// OAuth stores sso-oidc clients, device authorizations, authorization codes
// and grants. Single use is enforced by the database: the state-changing
// methods (Decide…, Redeem…, RotateRefreshToken) are conditional updates
// that report ErrNotFound when the row is not in the expected state, so of
// several concurrent callers (on any number of replicas) exactly one wins.
//
// The database enforces: client ids, device code hashes, user code hashes,
// code hashes and grant ids unique; every authorization, code and grant
// under an existing client (deleting a client deletes them).
type OAuth interface {
	// CreateOAuthClient inserts a client (ErrDuplicate if the id exists).
	CreateOAuthClient(ctx context.Context, c *OAuthClient) error
	// GetOAuthClient returns a client (ErrNotFound).
	GetOAuthClient(ctx context.Context, clientID string) (*OAuthClient, error)

	// CreateDeviceAuthorization inserts a pending device authorization
	// (ErrDuplicate if its device or user code hash exists; ErrReferenced
	// if the client does not).
	CreateDeviceAuthorization(ctx context.Context, d *OAuthDeviceAuthorization) error
	// GetDeviceAuthorization returns one by device code hash (ErrNotFound).
	GetDeviceAuthorization(ctx context.Context, deviceCodeHash string) (*OAuthDeviceAuthorization, error)
	// GetDeviceAuthorizationByUserCode returns one by user code hash
	// (ErrNotFound).
	GetDeviceAuthorizationByUserCode(ctx context.Context, userCodeHash string) (*OAuthDeviceAuthorization, error)
	// DecideDeviceAuthorization moves a pending, unexpired (at `at`)
	// authorization to status (DeviceApproved or DeviceDenied) on behalf
	// of a session and returns it. ErrNotFound when no pending, unexpired
	// authorization has that user code hash.
	DecideDeviceAuthorization(ctx context.Context, userCodeHash, status, sessionID, identityStoreID, userID string, at time.Time) (*OAuthDeviceAuthorization, error)
	// RedeemDeviceAuthorization moves an approved, unexpired (at `at`)
	// authorization of clientID to DeviceRedeemed, recording grantID.
	// ErrNotFound when it is not in that state.
	RedeemDeviceAuthorization(ctx context.Context, deviceCodeHash, clientID, grantID string, at time.Time) error

	// CreateAuthorizationCode inserts an authorization code (ErrDuplicate;
	// ErrReferenced if the client does not exist).
	CreateAuthorizationCode(ctx context.Context, c *OAuthAuthorizationCode) error
	// GetAuthorizationCode returns one by code hash (ErrNotFound).
	GetAuthorizationCode(ctx context.Context, codeHash string) (*OAuthAuthorizationCode, error)
	// RedeemAuthorizationCode marks a code redeemed at `at` with the grant
	// it created, if it was not redeemed yet (ErrNotFound otherwise).
	RedeemAuthorizationCode(ctx context.Context, codeHash, grantID string, at time.Time) error

	// CreateOAuthGrant inserts a grant (ErrDuplicate; ErrReferenced if the
	// client does not exist).
	CreateOAuthGrant(ctx context.Context, g *OAuthGrant) error
	// GetOAuthGrant returns a grant (ErrNotFound).
	GetOAuthGrant(ctx context.Context, grantID string) (*OAuthGrant, error)
	// RotateRefreshToken replaces the refresh token of an unrevoked grant
	// whose current token has generation gen and hash oldHash with newHash
	// (generation gen+1), at `at`. ErrNotFound when the grant is revoked
	// or its current token is another one.
	RotateRefreshToken(ctx context.Context, grantID string, gen int64, oldHash, newHash string, at time.Time) error
	// RevokeOAuthGrant revokes a grant at `at` unless it is revoked
	// already (ErrNotFound if it does not exist).
	RevokeOAuthGrant(ctx context.Context, grantID string, at time.Time) error
	// RevokeOAuthGrantsForSession revokes every unrevoked grant of a
	// sign-in session and returns the ids it revoked.
	RevokeOAuthGrantsForSession(ctx context.Context, sessionID string, at time.Time) ([]string, error)

	// DeleteExpiredOAuth deletes device authorizations, authorization codes
	// and grants that expired before `before`, and clients whose secret
	// expired before it, and returns how many rows it deleted.
	DeleteExpiredOAuth(ctx context.Context, before time.Time) (int64, error)
}
