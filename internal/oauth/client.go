package oauth

import (
	"context"
	"crypto/hmac"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/idcenter/idcenter/internal/store"
)

// Registration is a RegisterClient request (sso-oidc RegisterClientRequest).
type Registration struct {
	Name                   string
	Type                   string
	Scopes                 []string
	GrantTypes             []string
	RedirectURIs           []string
	IssuerURL              string
	EntitledApplicationARN string
}

// RegisteredClient is what RegisterClient returns. The secret is shown
// once; only its hash is stored.
type RegisteredClient struct {
	ClientID              string
	ClientSecret          string
	IssuedAt              time.Time
	SecretExpiresAt       time.Time
	AuthorizationEndpoint string
	TokenEndpoint         string
}

// LogValue keeps the secret out of logs.
func (c RegisteredClient) LogValue() slog.Value {
	return slog.GroupValue(slog.String("client_id", c.ClientID), slog.String("client_secret", "REDACTED"))
}

// Limits of a registration.
const (
	maxClientName    = 256
	maxListEntries   = 20
	maxURLLength     = 2048
	redirectPath     = "/oauth/callback"
	loopbackPrefix   = "http://127.0.0.1"
	clientTypePublic = "public"
)

// knownScopes are the scopes a client may register: the portal API's.
var knownScopes = map[string]bool{ScopeAccountAccess: true}

var knownGrants = map[string]bool{GrantAuthorizationCode: true, GrantRefreshToken: true, GrantDeviceCode: true}

// RegisterClient registers a public client (sso-oidc RegisterClient). It
// validates everything before writing: InvalidClientMetadata for a bad
// name or type, InvalidScope for an unknown scope, UnsupportedGrantType
// for an unknown grant type, InvalidRedirectURI for a redirect URI that is
// not http://127.0.0.1[:port]/oauth/callback (or none with the
// authorization_code grant), InvalidRequest for a bad issuer URL or an
// entitled application (not supported), SlowDown when registrations come
// too fast.
func (s *Service) RegisterClient(ctx context.Context, in *Registration) (*RegisteredClient, error) {
	if err := validateRegistration(in); err != nil {
		return nil, err
	}
	now := s.now()
	if !s.registerLimit.Allow("") {
		return nil, fail(CodeSlowDown, "Too many client registrations; try again later")
	}
	secret := randomToken(32)
	issued := now.Truncate(time.Second)
	c := &store.OAuthClient{
		ClientID:        randomToken(16),
		SecretHash:      s.hash(hashClientSecret, secret),
		Name:            in.Name,
		Type:            clientTypePublic,
		Scopes:          dedupe(in.Scopes),
		GrantTypes:      dedupe(in.GrantTypes),
		RedirectURIs:    dedupe(in.RedirectURIs),
		IssuerURL:       in.IssuerURL,
		CreatedAt:       issued,
		SecretExpiresAt: issued.Add(ClientSecretLifetime),
	}
	if err := s.st.Tx(ctx, func(q store.Queries) error { return q.CreateOAuthClient(ctx, c) }); err != nil {
		return nil, fmt.Errorf("register client: %w", err)
	}
	s.clients.put(c)
	out := &RegisteredClient{ClientID: c.ClientID, ClientSecret: secret, IssuedAt: issued, SecretExpiresAt: c.SecretExpiresAt}
	if slices.Contains(c.GrantTypes, GrantAuthorizationCode) && s.publicURL != "" {
		out.AuthorizationEndpoint = s.publicURL + "/authorize"
		out.TokenEndpoint = s.publicURL + "/token"
	}
	return out, nil
}

func validateRegistration(in *Registration) *Error {
	if in.Type != clientTypePublic {
		return fail(CodeInvalidClientMetadata, "Invalid client type: only public clients may register")
	}
	if in.Name == "" || len(in.Name) > maxClientName || strings.ContainsFunc(in.Name, unicode.IsControl) {
		return fail(CodeInvalidClientMetadata, fmt.Sprintf("Invalid client name: it must be 1 to %d printable characters", maxClientName))
	}
	if len(in.Scopes) > maxListEntries || len(in.GrantTypes) > maxListEntries || len(in.RedirectURIs) > maxListEntries {
		return fail(CodeInvalidClientMetadata, fmt.Sprintf("Too many scopes, grant types or redirect URIs (at most %d each)", maxListEntries))
	}
	for _, sc := range in.Scopes {
		if !knownScopes[sc] {
			return fail(CodeInvalidScope, "Invalid scope requested")
		}
	}
	for _, g := range in.GrantTypes {
		if !knownGrants[g] {
			return fail(CodeUnsupportedGrantType, "Unsupported grant type")
		}
	}
	for _, u := range in.RedirectURIs {
		if _, ok := redirectPort(u); !ok {
			return fail(CodeInvalidRedirectURI, "Invalid redirect URI: only http://127.0.0.1[:port]/oauth/callback is allowed")
		}
	}
	if slices.Contains(in.GrantTypes, GrantAuthorizationCode) && len(in.RedirectURIs) == 0 {
		return fail(CodeInvalidRedirectURI, "The authorization_code grant needs a redirect URI")
	}
	if len(in.RedirectURIs) > 0 && !slices.Contains(in.GrantTypes, GrantAuthorizationCode) {
		return fail(CodeInvalidClientMetadata, "Redirect URIs need the authorization_code grant")
	}
	if in.IssuerURL != "" && !validURL(in.IssuerURL) {
		return fail(CodeInvalidRequest, "Invalid issuer URL")
	}
	if in.EntitledApplicationARN != "" {
		return fail(CodeInvalidRequest, "Entitled applications are not supported")
	}
	return nil
}

// redirectPort parses a loopback redirect URI of the only form AWS accepts
// (SECURITY.md TK-07): "http://127.0.0.1/oauth/callback" (port 0: any port
// at use time) or "http://127.0.0.1:<port>/oauth/callback" with a port of
// 1–65535 written without leading zeros. Matching is on the exact string,
// so userinfo, other hosts, case changes, dot segments, queries and
// fragments are refused.
func redirectPort(u string) (int, bool) {
	rest, ok := strings.CutPrefix(u, loopbackPrefix)
	if !ok {
		return 0, false
	}
	if rest == redirectPath {
		return 0, true
	}
	p, ok := strings.CutPrefix(rest, ":")
	if !ok {
		return 0, false
	}
	digits, ok := strings.CutSuffix(p, redirectPath)
	if !ok || digits == "" || len(digits) > 5 || digits[0] == '0' {
		return 0, false
	}
	port, err := strconv.Atoi(digits)
	if err != nil || port < 1 || port > 65535 || strconv.Itoa(port) != digits {
		return 0, false
	}
	return port, true
}

// redirectAllowed reports whether a redirect URI used at /authorize (which
// must name a port) is one the client registered.
func redirectAllowed(c *store.OAuthClient, u string) bool {
	port, ok := redirectPort(u)
	if !ok || port == 0 {
		return false
	}
	for _, r := range c.RedirectURIs {
		if r == u || r == loopbackPrefix+redirectPath {
			return true
		}
	}
	return false
}

// validURL reports whether u is an absolute http(s) URL without userinfo
// or fragment.
func validURL(u string) bool {
	if len(u) > maxURLLength {
		return false
	}
	p, err := url.Parse(u)
	return err == nil && (p.Scheme == "https" || p.Scheme == "http") && p.Host != "" && p.User == nil && p.Fragment == ""
}

func dedupe(v []string) []string {
	var out []string
	for _, s := range v {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// allows reports whether a client may use a grant type. A client that
// registered no grant types (botocore's device flow) may use the device
// code grant and, when it registered scopes, refresh tokens.
func allows(c *store.OAuthClient, grant string) bool {
	if len(c.GrantTypes) == 0 {
		return grant == GrantDeviceCode || (grant == GrantRefreshToken && len(c.Scopes) > 0)
	}
	return slices.Contains(c.GrantTypes, grant)
}

// refreshable reports whether tokens issued to c come with a refresh token.
func refreshable(c *store.OAuthClient) bool {
	return len(c.Scopes) > 0 && allows(c, GrantRefreshToken)
}

// client returns a registered client by id, from memory when possible.
func (s *Service) client(ctx context.Context, id string) (*store.OAuthClient, error) {
	if c := s.clients.get(id); c != nil {
		return c, nil
	}
	if id == "" || len(id) > 128 {
		return nil, store.ErrNotFound
	}
	c, err := s.st.GetOAuthClient(ctx, id)
	if err != nil {
		return nil, err
	}
	s.clients.put(c)
	return c, nil
}

// authenticateClient checks a client id and secret: InvalidClient for an
// unknown client, a wrong secret or an expired one.
func (s *Service) authenticateClient(ctx context.Context, id, secret string) (*store.OAuthClient, error) {
	c, err := s.client(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		// The same work as for a known client, so timing tells nothing.
		hmac.Equal([]byte(s.hash(hashClientSecret, secret)), []byte(s.hash(hashClientSecret, id)))
		return nil, invalidClient()
	}
	if err != nil {
		return nil, fmt.Errorf("find client: %w", err)
	}
	if !hmac.Equal([]byte(s.hash(hashClientSecret, secret)), []byte(c.SecretHash)) || !s.now().Before(c.SecretExpiresAt) {
		return nil, invalidClient()
	}
	return c, nil
}
