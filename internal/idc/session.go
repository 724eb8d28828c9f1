package idc

import "time"

// Session is a web sign-in session of a user of the portal. The browser
// holds an opaque secret in a cookie; the store keeps only a hash of it and
// the session's facts, so sessions can be listed and revoked.
type Session struct {
	// ID identifies the session (not the cookie secret).
	ID              string
	IdentityStoreID string
	UserID          string
	CreatedAt       time.Time
	// AuthenticatedAt is when the user last proved their password.
	AuthenticatedAt time.Time
	// MFA is true when the session passed a second factor.
	MFA bool
	// ExpiresAt is the absolute end of the session (the portal session
	// duration, 8 hours by default).
	ExpiresAt time.Time
	// RevokedAt is set when the user signed out, an admin revoked the
	// session or the sso Logout API ended it.
	RevokedAt time.Time
}

// Active reports whether the session may still be used at now.
func (s *Session) Active(now time.Time) bool {
	return s.RevokedAt.IsZero() && now.Before(s.ExpiresAt)
}

// RoleCredentials are temporary AWS credentials for a role session.
type RoleCredentials struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	Expiration      time.Time
}

// DevicePrompt describes a pending device authorization (RFC 8628) to the
// user who typed its code, so the consent page can name the client and
// say where and when the request was started (RFC 8628 §5.4 remote
// phishing; SECURITY.md DF-13).
type DevicePrompt struct {
	UserCode   string
	ClientID   string
	ClientName string
	Scopes     []string
	// OriginIP is the address StartDeviceAuthorization came from, "" when
	// unknown.
	OriginIP string
	// OtherNetwork is true when OriginIP is known to be on another network
	// than the address the prompt was asked for from.
	OtherNetwork bool
	CreatedAt    time.Time
	ExpiresAt    time.Time
}

// ErrDeviceOtherNetwork matches (errors.Is) the error of a device approval
// that was recorded as a denial because it came from another network than
// the device authorization, while the administrator requires the same one
// (SECURITY.md DF-13).
var ErrDeviceOtherNetwork = &Error{Kind: KindDenied, Reason: "DeviceOtherNetwork"}

// AuthorizeRequest is a validated OAuth 2.0 authorization request
// (authorization code + PKCE, RFC 7636) waiting for the user's consent.
type AuthorizeRequest struct {
	ClientID      string
	ClientName    string
	RedirectURI   string
	State         string
	Scopes        []string
	CodeChallenge string
	// Raw is the original query, so the sign-in page can resume the request.
	Raw string
}
