package oauth

import (
	"bytes"
	"context"
	"crypto/hmac"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/store"
)

// TokenRequest is a CreateToken request (sso-oidc CreateTokenRequest).
type TokenRequest struct {
	ClientID     string
	ClientSecret string
	GrantType    string
	DeviceCode   string
	Code         string
	RedirectURI  string
	CodeVerifier string
	RefreshToken string
	Scopes       []string
}

// Token is what CreateToken issues.
type Token struct {
	AccessToken string
	TokenType   string // "Bearer"
	ExpiresIn   time.Duration
	// RefreshToken is "" for clients registered without scopes.
	RefreshToken string
}

// LogValue keeps the tokens out of logs.
func (t Token) LogValue() slog.Value {
	return slog.GroupValue(slog.String("access_token", "REDACTED"), slog.Duration("expires_in", t.ExpiresIn))
}

// Token prefixes, so that leaked tokens are easy to recognise (and to grep
// for in logs: SECURITY.md TK-18).
const (
	accessPrefix  = "aoa"
	refreshPrefix = "aor"
)

// Keyring purposes of sealed tokens.
const (
	purposeAccess  = "oauth-access-token"
	purposeRefresh = "oauth-refresh-token"
)

// CreateToken redeems a grant for tokens (sso-oidc CreateToken): the
// device_code grant (RFC 8628 §3.4), authorization_code with PKCE (RFC 6749
// §4.1.3, RFC 7636 §4.5) and refresh_token (RFC 6749 §6, rotating). Errors
// are *Error: InvalidClient (bad id or secret), UnsupportedGrantType,
// UnauthorizedClient (the client did not register the grant),
// InvalidRequest (missing parameters), InvalidScope, and per grant
// AuthorizationPending, SlowDown, AccessDenied, ExpiredToken and
// InvalidGrant.
func (s *Service) CreateToken(ctx context.Context, in *TokenRequest) (*Token, error) {
	c, err := s.authenticateClient(ctx, in.ClientID, in.ClientSecret)
	if err != nil {
		return nil, err
	}
	if !knownGrants[in.GrantType] {
		return nil, fail(CodeUnsupportedGrantType, "Unsupported grant type")
	}
	if !allows(c, in.GrantType) {
		return nil, fail(CodeUnauthorizedClient, "The client is not registered for this grant type")
	}
	switch in.GrantType {
	case GrantDeviceCode:
		return s.redeemDevice(ctx, c, in.DeviceCode, in.Scopes)
	case GrantAuthorizationCode:
		return s.redeemCode(ctx, c, in)
	default:
		return s.refresh(ctx, c, in.RefreshToken, in.Scopes)
	}
}

// activeSession returns the sign-in session behind a grant, or
// InvalidGrant if it ended.
func (s *Service) activeSession(ctx context.Context, id string, now time.Time) (*idc.Session, error) {
	sess, err := s.sessions.Session(ctx, id)
	if idc.KindOf(err) == idc.KindUnauthenticated || idc.KindOf(err) == idc.KindNotFound || (err == nil && !sess.Active(now)) {
		return nil, fail(CodeInvalidGrant, "The sign-in session has ended")
	}
	if err != nil {
		return nil, fmt.Errorf("find session: %w", err)
	}
	return sess, nil
}

// checkUser makes sure a session still belongs to the user it approved for.
func (s *Service) checkUser(sess *idc.Session, identityStoreID, userID string) error {
	if sess.UserID != userID || sess.IdentityStoreID != identityStoreID {
		return invalidGrant()
	}
	return nil
}

// newGrant builds a grant for a client and session and the tokens it
// issues first.
func (s *Service) newGrant(c *store.OAuthClient, sess *idc.Session, scopes []string, source string, now time.Time) (*store.OAuthGrant, *Token) {
	g := &store.OAuthGrant{
		GrantID:         newGrantID(now),
		ClientID:        c.ClientID,
		SessionID:       sess.ID,
		IdentityStoreID: sess.IdentityStoreID,
		UserID:          sess.UserID,
		Scopes:          scopes,
		Source:          source,
		CreatedAt:       now,
		ExpiresAt:       sess.ExpiresAt,
	}
	tok := s.accessToken(g, scopes, now, refreshable(c))
	if refreshable(c) {
		tok.RefreshToken = s.sealRefresh(g.GrantID, 0)
		g.RefreshHash = s.hash(hashRefresh, tok.RefreshToken)
	}
	return g, tok
}

// accessToken seals an access token for g. Tokens of refreshable grants
// last AccessTokenLifetime; others last until the session ends. None
// outlives the grant.
func (s *Service) accessToken(g *store.OAuthGrant, scopes []string, now time.Time, short bool) *Token {
	// Whole seconds, so that expiresIn is exact.
	now = now.Truncate(time.Second)
	exp := g.ExpiresAt.Truncate(time.Second)
	if short && now.Add(AccessTokenLifetime).Before(exp) {
		exp = now.Add(AccessTokenLifetime)
	}
	a := accessClaims{
		GrantID: g.GrantID, SessionID: g.SessionID, IdentityStoreID: g.IdentityStoreID, UserID: g.UserID,
		ClientID: g.ClientID, Scopes: scopes, IssuedAt: now, ExpiresAt: exp,
	}
	return &Token{
		AccessToken: accessPrefix + base64.RawURLEncoding.EncodeToString(s.keys.Seal(purposeAccess, a.encode())),
		TokenType:   "Bearer",
		ExpiresIn:   exp.Sub(now),
	}
}

// refresh is the refresh_token grant (RFC 6749 §6) with rotation and reuse
// detection (RFC 9700 §4.14.2): each use returns a new refresh token and
// retires the old one; presenting a retired one revokes the whole grant,
// except within RefreshRetryGrace of its rotation (a client retrying a
// lost response), which is refused without revoking.
func (s *Service) refresh(ctx context.Context, c *store.OAuthClient, token string, scopes []string) (*Token, error) {
	if token == "" {
		return nil, fail(CodeInvalidRequest, "refreshToken is required for the refresh token grant")
	}
	grantID, gen, ok := s.openRefresh(token)
	if !ok {
		return nil, invalidGrant()
	}
	now := s.now()
	g, err := s.st.GetOAuthGrant(ctx, grantID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, invalidGrant()
	}
	if err != nil {
		return nil, fmt.Errorf("find grant: %w", err)
	}
	if g.ClientID != c.ClientID || !g.RevokedAt.IsZero() || !now.Before(g.ExpiresAt) || g.RefreshHash == "" {
		return nil, invalidGrant()
	}
	hash := s.hash(hashRefresh, token)
	if gen != g.RefreshGen || !hmac.Equal([]byte(hash), []byte(g.RefreshHash)) {
		s.reusedRefresh(ctx, g, gen, now)
		return nil, invalidGrant()
	}
	if len(scopes) > 0 {
		if err := checkScopes(scopes, g.Scopes); err != nil {
			return nil, err
		}
	} else {
		scopes = g.Scopes
	}
	sess, err := s.activeSession(ctx, g.SessionID, now)
	if err != nil {
		return nil, err
	}
	if err := s.checkUser(sess, g.IdentityStoreID, g.UserID); err != nil {
		return nil, err
	}
	tok := s.accessToken(g, scopes, now, true)
	tok.RefreshToken = s.sealRefresh(g.GrantID, gen+1)
	err = s.st.Tx(ctx, func(q store.Queries) error {
		s.failpointAt(FailpointBeforeRotate)
		if err := q.RotateRefreshToken(ctx, g.GrantID, gen, hash, s.hash(hashRefresh, tok.RefreshToken), now); err != nil {
			return err
		}
		s.failpointAt(FailpointAfterRotate)
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		// A concurrent refresh with the same token won the rotation.
		if g2, err := s.st.GetOAuthGrant(ctx, grantID); err == nil {
			s.reusedRefresh(ctx, g2, gen, now)
		}
		return nil, invalidGrant()
	}
	if err != nil {
		return nil, fmt.Errorf("rotate refresh token: %w", err)
	}
	s.failpointAt(FailpointBeforeResponse)
	return tok, nil
}

// reusedRefresh handles a retired refresh token of generation gen: within
// the retry grace of the rotation that retired it, nothing happens;
// otherwise the grant is revoked.
func (s *Service) reusedRefresh(ctx context.Context, g *store.OAuthGrant, gen int64, now time.Time) {
	if !g.RevokedAt.IsZero() || gen > g.RefreshGen {
		return
	}
	if gen == g.RefreshGen-1 && now.Sub(g.RotatedAt) < RefreshRetryGrace {
		return
	}
	if err := s.st.Tx(ctx, func(q store.Queries) error { return q.RevokeOAuthGrant(ctx, g.GrantID, now) }); err == nil {
		s.bearers.revoke(g.GrantID, now)
	}
}

func (s *Service) sealRefresh(grantID string, gen int64) string {
	id, _ := hex.DecodeString(grantID)
	b := make([]byte, 0, 1+len(id)+binary.MaxVarintLen64+16)
	b = append(b, 1)
	b = append(b, id...)
	b = binary.AppendUvarint(b, uint64(gen))
	b = append(b, []byte(randomToken(12))...) // each token distinct, even for one (grant, generation)
	return refreshPrefix + base64.RawURLEncoding.EncodeToString(s.keys.Seal(purposeRefresh, b))
}

func (s *Service) openRefresh(token string) (grantID string, gen int64, ok bool) {
	body, ok := strings.CutPrefix(token, refreshPrefix)
	if !ok || len(body) > 512 {
		return "", 0, false
	}
	sealed, err := base64.RawURLEncoding.Strict().DecodeString(body)
	if err != nil {
		return "", 0, false
	}
	b, err := s.keys.Open(purposeRefresh, sealed)
	if err != nil || len(b) < 18 || b[0] != 1 {
		return "", 0, false
	}
	g, n := binary.Uvarint(b[17:])
	if n <= 0 {
		return "", 0, false
	}
	return hex.EncodeToString(b[1:17]), int64(g), true
}

// accessClaims is what an access token carries.
type accessClaims struct {
	GrantID         string
	SessionID       string
	IdentityStoreID string
	UserID          string
	ClientID        string
	Scopes          []string
	IssuedAt        time.Time
	ExpiresAt       time.Time
}

// encode writes version 1: grant id (16 bytes), issued and expiry (Unix
// seconds, varint), then length-prefixed strings.
func (a *accessClaims) encode() []byte {
	id, _ := hex.DecodeString(a.GrantID)
	b := make([]byte, 0, 160)
	b = append(b, 1)
	b = append(b, id...)
	b = binary.AppendVarint(b, a.IssuedAt.Unix())
	b = binary.AppendVarint(b, a.ExpiresAt.Unix())
	str := func(s string) { b = binary.AppendUvarint(b, uint64(len(s))); b = append(b, s...) }
	str(a.SessionID)
	str(a.IdentityStoreID)
	str(a.UserID)
	str(a.ClientID)
	b = binary.AppendUvarint(b, uint64(len(a.Scopes)))
	for _, sc := range a.Scopes {
		str(sc)
	}
	return b
}

var errClaims = errors.New("malformed token claims")

func decodeClaims(b []byte) (*accessClaims, error) {
	if len(b) < 17 || b[0] != 1 {
		return nil, errClaims
	}
	a := &accessClaims{GrantID: hex.EncodeToString(b[1:17])}
	r := bytes.NewReader(b[17:])
	iat, err1 := binary.ReadVarint(r)
	exp, err2 := binary.ReadVarint(r)
	if err1 != nil || err2 != nil {
		return nil, errClaims
	}
	a.IssuedAt, a.ExpiresAt = time.Unix(iat, 0).UTC(), time.Unix(exp, 0).UTC()
	str := func() (string, error) {
		n, err := binary.ReadUvarint(r)
		if err != nil || n > uint64(r.Len()) {
			return "", errClaims
		}
		buf := make([]byte, n)
		r.Read(buf)
		return string(buf), nil
	}
	var err error
	for _, p := range []*string{&a.SessionID, &a.IdentityStoreID, &a.UserID, &a.ClientID} {
		if *p, err = str(); err != nil {
			return nil, err
		}
	}
	n, err := binary.ReadUvarint(r)
	if err != nil || n > 64 {
		return nil, errClaims
	}
	for range n {
		sc, err := str()
		if err != nil {
			return nil, err
		}
		a.Scopes = append(a.Scopes, sc)
	}
	return a, nil
}

// Bearer is an authenticated access token: who it speaks for.
type Bearer struct {
	GrantID         string
	ClientID        string
	SessionID       string
	IdentityStoreID string
	UserID          string
	Scopes          []string
	ExpiresAt       time.Time
}

// maxAccessToken bounds the length of a presented access token.
const maxAccessToken = 2048

func unauthenticated() *idc.Error {
	return &idc.Error{Kind: idc.KindUnauthenticated, Msg: "Session token not found or invalid"}
}

// Authenticate checks an access token presented to the portal API
// (x-amz-sso_bearer_token): KindUnauthenticated if it is malformed, forged,
// expired, or its grant was revoked or its sign-in session ended (within
// BearerCacheTTL when that happened on another replica). A token of a
// client that registered scopes must carry sso:account:access.
func (s *Service) Authenticate(ctx context.Context, token string) (*Bearer, error) {
	body, ok := strings.CutPrefix(token, accessPrefix)
	if !ok || len(token) > maxAccessToken {
		return nil, unauthenticated()
	}
	sealed, err := base64.RawURLEncoding.Strict().DecodeString(body)
	if err != nil {
		return nil, unauthenticated()
	}
	plain, err := s.keys.Open(purposeAccess, sealed)
	if err != nil {
		return nil, unauthenticated()
	}
	a, err := decodeClaims(plain)
	if err != nil {
		return nil, unauthenticated()
	}
	now := s.now()
	if !now.Before(a.ExpiresAt) {
		return nil, unauthenticated()
	}
	if len(a.Scopes) > 0 && checkScopes([]string{ScopeAccountAccess}, a.Scopes) != nil {
		return nil, unauthenticated()
	}
	live, err := s.live(ctx, a, now)
	if err != nil {
		return nil, err
	}
	if !live {
		return nil, unauthenticated()
	}
	return &Bearer{
		GrantID: a.GrantID, ClientID: a.ClientID, SessionID: a.SessionID, IdentityStoreID: a.IdentityStoreID,
		UserID: a.UserID, Scopes: a.Scopes, ExpiresAt: a.ExpiresAt,
	}, nil
}

// live reports whether a token's grant is unrevoked and its session
// active, from the bearer cache when it is fresh.
func (s *Service) live(ctx context.Context, a *accessClaims, now time.Time) (bool, error) {
	if ok, found := s.bearers.get(a.GrantID, now); found {
		return ok, nil
	}
	ok := true
	g, err := s.st.GetOAuthGrant(ctx, a.GrantID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		ok = false
	case err != nil:
		return false, fmt.Errorf("find grant: %w", err)
	case !g.RevokedAt.IsZero() || !now.Before(g.ExpiresAt) || g.SessionID != a.SessionID:
		ok = false
	default:
		sess, err := s.sessions.Session(ctx, a.SessionID)
		switch k := idc.KindOf(err); {
		case err == nil:
			ok = sess.Active(now) && sess.UserID == a.UserID
		case k == idc.KindUnauthenticated || k == idc.KindNotFound:
			ok = false
		default:
			return false, fmt.Errorf("find session: %w", err)
		}
	}
	s.bearers.put(a, ok, now.Add(BearerCacheTTL))
	return ok, nil
}

// Logout ends the sign-in session behind an access token and revokes every
// grant of it (sso Logout): KindUnauthenticated if the token is not valid.
// Role credentials already issued keep working until they expire, as in
// IAM Identity Center.
func (s *Service) Logout(ctx context.Context, token string) error {
	b, err := s.Authenticate(ctx, token)
	if err != nil {
		return err
	}
	return s.EndSessionGrants(ctx, b.SessionID)
}

// EndSessionGrants ends a sign-in session and revokes its grants, so that
// none of its access or refresh tokens works any more (on other replicas
// within BearerCacheTTL).
func (s *Service) EndSessionGrants(ctx context.Context, sessionID string) error {
	if err := s.sessions.EndSession(ctx, sessionID); err != nil {
		return fmt.Errorf("end session: %w", err)
	}
	var ids []string
	err := s.st.Tx(ctx, func(q store.Queries) error {
		var err error
		ids, err = q.RevokeOAuthGrantsForSession(ctx, sessionID, s.now())
		return err
	})
	if err != nil {
		return fmt.Errorf("revoke session grants: %w", err)
	}
	now := s.now()
	for _, id := range ids {
		s.bearers.revoke(id, now)
	}
	return nil
}

// bearerCache remembers, per grant, whether its tokens are live.
type bearerCache struct {
	mu sync.RWMutex
	m  map[string]bearerEntry
}

type bearerEntry struct {
	ok    bool
	until time.Time
	// Whose tokens these are, so that sessions ended in this process
	// (SessionsEnded) drop them at once.
	sessionID, identityStoreID, userID string
}

// maxBearers bounds the cache; it is cleared beyond it.
const maxBearers = 100000

func (c *bearerCache) get(grantID string, now time.Time) (ok, found bool) {
	c.mu.RLock()
	e, found := c.m[grantID]
	c.mu.RUnlock()
	if !found || !now.Before(e.until) {
		return false, false
	}
	return e.ok, true
}

func (c *bearerCache) put(a *accessClaims, ok bool, until time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= maxBearers {
		clear(c.m)
	}
	c.m[a.GrantID] = bearerEntry{ok: ok, until: until, sessionID: a.SessionID, identityStoreID: a.IdentityStoreID, userID: a.UserID}
}

// SessionsEnded drops what this replica remembers of the tokens of ended
// sessions — one (sessionID set) or all of a user's — so that their next
// use is checked against the store. internal/auth calls it (see
// auth.Service.OnSessionsEnded); other replicas notice within
// BearerCacheTTL.
func (s *Service) SessionsEnded(sessionID, identityStoreID, userID string) {
	c := &s.bearers
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range c.m {
		if (sessionID != "" && e.sessionID == sessionID) ||
			(sessionID == "" && e.identityStoreID == identityStoreID && e.userID == userID) {
			delete(c.m, k)
		}
	}
}

// revoke marks a grant dead on this replica at once (for BearerCacheTTL;
// after that the store says so).
func (c *bearerCache) revoke(grantID string, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[grantID] = bearerEntry{ok: false, until: now.Add(BearerCacheTTL)}
}
