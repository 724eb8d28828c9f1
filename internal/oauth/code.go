package oauth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/store"
)

// maxState bounds the state parameter echoed to the redirect URI.
const maxState = 1024

func invalidAuthorize(msg string) *idc.Error {
	return &idc.Error{Kind: idc.KindInvalid, Msg: msg}
}

// ParseAuthorize validates an authorization request (the query of GET
// /authorize, RFC 6749 §4.1.1 with RFC 7636 §4.3) as the AWS CLI sends it:
// response_type=code, client_id, redirect_uri, state, code_challenge,
// code_challenge_method=S256 and the scopes in the non-standard "scopes"
// parameter (or "scope"), space- or comma-separated. Every failure is
// KindInvalid and must be shown as an error page on our origin, never
// redirected (RFC 6749 §4.1.2.1, RFC 9700 §4.11): an unknown or expired
// client, a client not registered for the authorization_code grant, a
// redirect URI it did not register (a loopback URI must name its port), a
// missing challenge or a method other than S256 (an omitted method means
// "plain", which is refused: RFC 9700 §2.1.1), scopes it did not register.
func (s *Service) ParseAuthorize(ctx context.Context, query url.Values) (*idc.AuthorizeRequest, error) {
	for _, k := range []string{"response_type", "client_id", "redirect_uri", "state", "code_challenge", "code_challenge_method", "scopes", "scope"} {
		if len(query[k]) > 1 {
			return nil, invalidAuthorize("The request repeats the parameter " + k + ".")
		}
	}
	c, err := s.client(ctx, query.Get("client_id"))
	if errors.Is(err, store.ErrNotFound) || (err == nil && !s.now().Before(c.SecretExpiresAt)) {
		return nil, invalidAuthorize("The application is not registered, or its registration has expired.")
	}
	if err != nil {
		return nil, fmt.Errorf("find client: %w", err)
	}
	if !allows(c, GrantAuthorizationCode) {
		return nil, invalidAuthorize("The application is not registered for this sign-in flow.")
	}
	redirect := query.Get("redirect_uri")
	if !redirectAllowed(c, redirect) {
		return nil, invalidAuthorize("The redirect URI is not one the application registered.")
	}
	if rt := query.Get("response_type"); rt != "code" {
		return nil, invalidAuthorize("Only response_type=code is supported.")
	}
	if query.Get("code_challenge_method") != "S256" {
		return nil, invalidAuthorize("PKCE with code_challenge_method=S256 is required.")
	}
	challenge := query.Get("code_challenge")
	if !validChallenge(challenge) {
		return nil, invalidAuthorize("The code_challenge is missing or malformed.")
	}
	state := query.Get("state")
	if len(state) > maxState {
		return nil, invalidAuthorize("The state parameter is too long.")
	}
	raw := query.Get("scopes")
	if raw == "" {
		raw = query.Get("scope")
	}
	scopes := splitScopes(raw)
	if len(scopes) == 0 {
		scopes = c.Scopes
	}
	if e := checkScopes(scopes, c.Scopes); e != nil {
		return nil, invalidAuthorize("The application asked for scopes it did not register.")
	}
	return &idc.AuthorizeRequest{
		ClientID:      c.ClientID,
		ClientName:    c.Name,
		RedirectURI:   redirect,
		State:         state,
		Scopes:        scopes,
		CodeChallenge: challenge,
		Raw:           query.Encode(),
	}, nil
}

func splitScopes(raw string) []string {
	return dedupe(strings.FieldsFunc(raw, func(r rune) bool { return r == ' ' || r == ',' }))
}

// validChallenge reports whether c is an S256 challenge: the unpadded
// base64url encoding of 32 bytes.
func validChallenge(c string) bool {
	if len(c) != 43 {
		return false
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(c)
	return err == nil && len(b) == sha256.Size
}

// validVerifier reports whether v is a code verifier (RFC 7636 §4.1):
// 43–128 characters of [A-Za-z0-9-._~].
func validVerifier(v string) bool {
	if len(v) < 43 || len(v) > 128 {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~') {
			return false
		}
	}
	return true
}

// s256 is the S256 challenge of a verifier (RFC 7636 §4.2).
func s256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// checkScopes returns InvalidScope unless every requested scope is allowed.
func checkScopes(requested, allowed []string) *Error {
	for _, sc := range requested {
		if !slices.Contains(allowed, sc) {
			return fail(CodeInvalidScope, "Invalid scope requested")
		}
	}
	return nil
}

// Authorize issues a one-time authorization code for a request that
// ParseAuthorize accepted, on behalf of the signed-in session sess, and
// returns the URL to redirect the browser to: redirect_uri?code=…&state=….
// KindUnauthenticated if sess is not active; KindInvalid if the request no
// longer holds (the client's registration expired).
func (s *Service) Authorize(ctx context.Context, r *idc.AuthorizeRequest, sess *idc.Session) (string, error) {
	now := s.now()
	if sess == nil || !sess.Active(now) {
		return "", &idc.Error{Kind: idc.KindUnauthenticated, Msg: "Sign in again."}
	}
	c, err := s.client(ctx, r.ClientID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !now.Before(c.SecretExpiresAt)) {
		return "", invalidAuthorize("The application is not registered, or its registration has expired.")
	}
	if err != nil {
		return "", fmt.Errorf("find client: %w", err)
	}
	if !allows(c, GrantAuthorizationCode) || !redirectAllowed(c, r.RedirectURI) || !validChallenge(r.CodeChallenge) || checkScopes(r.Scopes, c.Scopes) != nil {
		return "", invalidAuthorize("The authorization request is not valid.")
	}
	code := randomToken(32)
	row := &store.OAuthAuthorizationCode{
		CodeHash:        s.hash(hashAuthCode, code),
		ClientID:        c.ClientID,
		RedirectURI:     r.RedirectURI,
		CodeChallenge:   r.CodeChallenge,
		Scopes:          r.Scopes,
		SessionID:       sess.ID,
		IdentityStoreID: sess.IdentityStoreID,
		UserID:          sess.UserID,
		CreatedAt:       now,
		ExpiresAt:       now.Add(AuthCodeLifetime),
	}
	if err := s.st.Tx(ctx, func(q store.Queries) error { return q.CreateAuthorizationCode(ctx, row) }); err != nil {
		return "", fmt.Errorf("issue authorization code: %w", err)
	}
	v := url.Values{"code": {code}}
	if r.State != "" {
		v.Set("state", r.State)
	}
	return r.RedirectURI + "?" + v.Encode(), nil
}

// DenyAuthorize returns the URL that tells the client the user refused a
// request ParseAuthorize accepted: redirect_uri?error=access_denied&state=…
// (RFC 6749 §4.1.2.1).
func (s *Service) DenyAuthorize(ctx context.Context, r *idc.AuthorizeRequest) string {
	v := url.Values{"error": {"access_denied"}, "error_description": {"The user denied the request."}}
	if r.State != "" {
		v.Set("state", r.State)
	}
	return r.RedirectURI + "?" + v.Encode()
}

// redeemCode is the authorization_code grant (RFC 6749 §4.1.3, RFC 7636
// §4.6). A code is single-use: a second redemption is refused and revokes
// the grant the first one created (RFC 6749 §4.1.2). A wrong verifier or
// redirect URI consumes the code too, so retrying tells nothing.
func (s *Service) redeemCode(ctx context.Context, c *store.OAuthClient, in *TokenRequest) (*Token, error) {
	if in.Code == "" || len(in.Code) > 256 || in.RedirectURI == "" || in.CodeVerifier == "" {
		return nil, fail(CodeInvalidRequest, "code, redirectUri and codeVerifier are required for the authorization code grant")
	}
	now := s.now()
	hash := s.hash(hashAuthCode, in.Code)
	row, err := s.st.GetAuthorizationCode(ctx, hash)
	if errors.Is(err, store.ErrNotFound) {
		return nil, invalidGrant()
	}
	if err != nil {
		return nil, fmt.Errorf("find authorization code: %w", err)
	}
	if row.ClientID != c.ClientID {
		return nil, invalidGrant()
	}
	if !row.RedeemedAt.IsZero() {
		s.replayedCode(ctx, hash, now)
		return nil, invalidGrant()
	}
	if !now.Before(row.ExpiresAt) {
		return nil, invalidGrant()
	}
	valid := in.RedirectURI == row.RedirectURI && validVerifier(in.CodeVerifier) &&
		subtle.ConstantTimeCompare([]byte(s256(in.CodeVerifier)), []byte(row.CodeChallenge)) == 1
	scopes := row.Scopes
	if valid && len(in.Scopes) > 0 {
		if err := checkScopes(in.Scopes, row.Scopes); err != nil {
			return nil, err
		}
		scopes = in.Scopes
	}
	var sess *idc.Session
	if valid {
		if sess, err = s.activeSession(ctx, row.SessionID, now); err != nil {
			return nil, err
		}
		if err := s.checkUser(sess, row.IdentityStoreID, row.UserID); err != nil {
			return nil, err
		}
	}
	var g *store.OAuthGrant
	var tok *Token
	grantID := ""
	if valid {
		g, tok = s.newGrant(c, sess, scopes, store.GrantFromAuthCode, now)
		grantID = g.GrantID
	}
	err = s.st.Tx(ctx, func(q store.Queries) error {
		s.failpointAt(FailpointBeforeConsume)
		if err := q.RedeemAuthorizationCode(ctx, hash, grantID, now); err != nil {
			return err
		}
		if g != nil {
			if err := q.CreateOAuthGrant(ctx, g); err != nil {
				return err
			}
			s.failpointAt(FailpointAfterGrantInsert)
		}
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		s.replayedCode(ctx, hash, now)
		return nil, invalidGrant()
	}
	if err != nil {
		return nil, fmt.Errorf("redeem authorization code: %w", err)
	}
	if !valid {
		return nil, invalidGrant()
	}
	s.failpointAt(FailpointBeforeResponse)
	return tok, nil
}

// replayedCode revokes the grant a replayed authorization code created.
// Failing to revoke is logged nowhere here: the caller answers
// InvalidGrant either way, and the grant's tokens stay bounded by their
// session.
func (s *Service) replayedCode(ctx context.Context, hash string, now time.Time) {
	row, err := s.st.GetAuthorizationCode(ctx, hash)
	if err != nil || row.GrantID == "" {
		return
	}
	if err := s.st.Tx(ctx, func(q store.Queries) error { return q.RevokeOAuthGrant(ctx, row.GrantID, now) }); err == nil {
		s.bearers.revoke(row.GrantID, now)
	}
}
