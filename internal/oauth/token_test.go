package oauth_test

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/oauth"
)

func challenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

const verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk" // RFC 7636 Appendix B

// authorizeQuery is what AWS CLI 2.22+ opens in the browser.
func authorizeQuery(c *oauth.RegisteredClient, port string) url.Values {
	return url.Values{
		"response_type": {"code"}, "client_id": {c.ClientID},
		"redirect_uri": {"http://127.0.0.1:" + port + "/oauth/callback"}, "state": {"st-123"},
		"code_challenge_method": {"S256"}, "scopes": {"sso:account:access"}, "code_challenge": {challenge(verifier)},
	}
}

func TestPKCEVector(t *testing.T) {
	if got, want := challenge(verifier), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"; got != want {
		t.Fatalf("S256(RFC 7636 App. B verifier) = %s, want %s", got, want)
	}
}

// TestParseAuthorize: every malformed request is refused with KindInvalid
// (an error page, never a redirect: SECURITY.md TK-04, TK-07, TK-08).
func TestParseAuthorize(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "sqlite")
	c := f.pkceClient(t)
	device := f.deviceClient(t, "sso:account:access")
	r, err := f.svc.ParseAuthorize(t.Context(), authorizeQuery(c, "4321"))
	if err != nil {
		t.Fatalf("ParseAuthorize(CLI request) = %v", err)
	}
	if r.ClientID != c.ClientID || r.RedirectURI != "http://127.0.0.1:4321/oauth/callback" || r.State != "st-123" ||
		r.ClientName != "botocore-client-pkce" || len(r.Scopes) != 1 || r.Raw == "" {
		t.Errorf("ParseAuthorize = %+v", r)
	}
	for _, tc := range []struct {
		name string
		edit func(q url.Values)
	}{
		{"unknown client", func(q url.Values) { q.Set("client_id", "nope") }},
		{"device-only client", func(q url.Values) { q.Set("client_id", device.ClientID) }},
		{"redirect without port", func(q url.Values) { q.Set("redirect_uri", "http://127.0.0.1/oauth/callback") }},
		{"redirect to localhost", func(q url.Values) { q.Set("redirect_uri", "http://localhost:4321/oauth/callback") }},
		{"redirect elsewhere", func(q url.Values) { q.Set("redirect_uri", "https://evil.example/oauth/callback") }},
		{"redirect with userinfo", func(q url.Values) { q.Set("redirect_uri", "http://127.0.0.1:4321@evil.example/oauth/callback") }},
		{"redirect path", func(q url.Values) { q.Set("redirect_uri", "http://127.0.0.1:4321/oauth/callback/../x") }},
		{"response_type token", func(q url.Values) { q.Set("response_type", "token") }}, // TK-16
		{"no challenge", func(q url.Values) { q.Del("code_challenge") }},
		{"no method (plain)", func(q url.Values) { q.Del("code_challenge_method") }},
		{"plain method", func(q url.Values) { q.Set("code_challenge_method", "plain") }},
		{"short challenge", func(q url.Values) { q.Set("code_challenge", "abc") }},
		{"unregistered scope", func(q url.Values) { q.Set("scopes", "sso:account:access admin") }},
		{"repeated redirect", func(q url.Values) { q.Add("redirect_uri", "http://127.0.0.1:1/oauth/callback") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := authorizeQuery(c, "4321")
			tc.edit(q)
			if _, err := f.svc.ParseAuthorize(t.Context(), q); idc.KindOf(err) != idc.KindInvalid {
				t.Errorf("ParseAuthorize = %v, want KindInvalid", err)
			}
		})
	}
}

// pkceLogin signs a new session in through /authorize and returns the code.
func (f *fixture) authorize(t *testing.T, c *oauth.RegisteredClient) (code string, sess *idc.Session) {
	t.Helper()
	r, err := f.svc.ParseAuthorize(t.Context(), authorizeQuery(c, "4321"))
	if err != nil {
		t.Fatal(err)
	}
	sess = f.sessions.add(8 * time.Hour)
	to, err := f.svc.Authorize(t.Context(), r, sess)
	if err != nil {
		t.Fatalf("Authorize: %v", err)
	}
	u, err := url.Parse(to)
	if err != nil {
		t.Fatal(err)
	}
	if got := u.Scheme + "://" + u.Host + u.Path; got != "http://127.0.0.1:4321/oauth/callback" || u.Query().Get("state") != "st-123" {
		t.Fatalf("Authorize redirect = %s", to)
	}
	return u.Query().Get("code"), sess
}

func (f *fixture) redeem(t *testing.T, c *oauth.RegisteredClient, code, redirect, v string) (*oauth.Token, error) {
	t.Helper()
	return f.svc.CreateToken(t.Context(), &oauth.TokenRequest{ClientID: c.ClientID, ClientSecret: c.ClientSecret,
		GrantType: oauth.GrantAuthorizationCode, Code: code, RedirectURI: redirect, CodeVerifier: v})
}

const redirect = "http://127.0.0.1:4321/oauth/callback"

func TestAuthorizationCode(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, f *fixture) {
		c := f.pkceClient(t)

		t.Run("redeemed once, replay revokes", func(t *testing.T) {
			code, _ := f.authorize(t, c)
			tok, err := f.redeem(t, c, code, redirect, verifier)
			if err != nil {
				t.Fatalf("CreateToken(code) = %v", err)
			}
			if tok.RefreshToken == "" || tok.ExpiresIn != time.Hour {
				t.Errorf("token = %+v, want a refresh token and 1 h", tok)
			}
			if _, err := f.svc.Authenticate(t.Context(), tok.AccessToken); err != nil {
				t.Fatalf("Authenticate = %v", err)
			}
			if _, err := f.redeem(t, c, code, redirect, verifier); !errors.Is(err, oauth.ErrInvalidGrant) {
				t.Fatalf("CreateToken(code again) = %v, want InvalidGrant", err)
			}
			if _, err := f.svc.Authenticate(t.Context(), tok.AccessToken); idc.KindOf(err) != idc.KindUnauthenticated {
				t.Errorf("Authenticate(after code replay) = %v, want KindUnauthenticated", err)
			}
			if _, err := f.refresh(t, c, tok.RefreshToken); !errors.Is(err, oauth.ErrInvalidGrant) {
				t.Errorf("refresh(after code replay) = %v, want InvalidGrant", err)
			}
		})

		for _, tc := range []struct {
			name, redirect, verifier string
		}{
			{"wrong verifier", redirect, strings.Repeat("a", 43)},
			{"short verifier", redirect, verifier[:42]},
			{"verifier with bad characters", redirect, verifier[:42] + "+"},
			{"wrong redirect URI", "http://127.0.0.1:4322/oauth/callback", verifier},
		} {
			t.Run(tc.name, func(t *testing.T) {
				code, _ := f.authorize(t, c)
				if _, err := f.redeem(t, c, code, tc.redirect, tc.verifier); !errors.Is(err, oauth.ErrInvalidGrant) {
					t.Fatalf("CreateToken = %v, want InvalidGrant", err)
				}
				// The code is spent: the right verifier no longer works.
				if _, err := f.redeem(t, c, code, redirect, verifier); !errors.Is(err, oauth.ErrInvalidGrant) {
					t.Errorf("CreateToken(right verifier after a wrong one) = %v, want InvalidGrant", err)
				}
			})
		}

		t.Run("another client", func(t *testing.T) {
			code, _ := f.authorize(t, c)
			other := f.pkceClient(t)
			if _, err := f.redeem(t, other, code, redirect, verifier); !errors.Is(err, oauth.ErrInvalidGrant) {
				t.Errorf("CreateToken(other client) = %v, want InvalidGrant", err)
			}
			if _, err := f.redeem(t, c, code, redirect, verifier); err != nil {
				t.Errorf("CreateToken(owner) = %v", err)
			}
		})

		t.Run("missing parameters", func(t *testing.T) {
			if _, err := f.redeem(t, c, "x", redirect, ""); !errors.Is(err, oauth.ErrInvalidRequest) {
				t.Errorf("CreateToken(no verifier) = %v, want InvalidRequest", err)
			}
		})

		t.Run("concurrent redemption", func(t *testing.T) {
			code, _ := f.authorize(t, c)
			if wins := race(16, func(int) error { _, err := f.redeem(t, c, code, redirect, verifier); return err }); wins != 1 {
				t.Errorf("%d concurrent redemptions got tokens, want 1", wins)
			}
		})
	})
}

// TestAuthorizationCodeExpiry (SECURITY.md TK-02): a code lives at most
// 60 s (ASVS allows 10 min; RFC 9700 recommends a short life), is good
// 1 s before its end and refused 1 s after it.
func TestAuthorizationCodeExpiry(t *testing.T) {
	t.Parallel()
	if oauth.AuthCodeLifetime > time.Minute {
		t.Errorf("AuthCodeLifetime = %v, want at most 60 s", oauth.AuthCodeLifetime)
	}
	f := newFixture(t, "sqlite")
	c := f.pkceClient(t)
	code, _ := f.authorize(t, c)
	f.clock.Advance(oauth.AuthCodeLifetime + time.Second)
	if _, err := f.redeem(t, c, code, redirect, verifier); !errors.Is(err, oauth.ErrInvalidGrant) {
		t.Errorf("CreateToken(code at TTL + 1 s) = %v, want InvalidGrant", err)
	}
	code, _ = f.authorize(t, c)
	f.clock.Advance(oauth.AuthCodeLifetime - time.Second)
	if _, err := f.redeem(t, c, code, redirect, verifier); err != nil {
		t.Errorf("CreateToken(code at TTL - 1 s) = %v, want tokens", err)
	}
}

func TestDenyAuthorize(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "sqlite")
	c := f.pkceClient(t)
	r, err := f.svc.ParseAuthorize(t.Context(), authorizeQuery(c, "4321"))
	if err != nil {
		t.Fatal(err)
	}
	to, _ := url.Parse(f.svc.DenyAuthorize(t.Context(), r))
	if to.Host != "127.0.0.1:4321" || to.Query().Get("error") != "access_denied" || to.Query().Get("state") != "st-123" || to.Query().Has("code") {
		t.Errorf("DenyAuthorize = %s", to)
	}
}

func (f *fixture) refresh(t *testing.T, c *oauth.RegisteredClient, rt string, scopes ...string) (*oauth.Token, error) {
	t.Helper()
	return f.svc.CreateToken(t.Context(), &oauth.TokenRequest{ClientID: c.ClientID, ClientSecret: c.ClientSecret,
		GrantType: oauth.GrantRefreshToken, RefreshToken: rt, Scopes: scopes})
}

// TestRefresh: rotation, reuse detection with family revocation, the retry
// grace, and the session bound (SECURITY.md TK-10 to TK-14; TK-13 is the
// retry of the old token within the grace in "rotation and reuse").
func TestRefresh(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, f *fixture) {
		c := f.deviceClient(t, "sso:account:access")

		t.Run("rotation and reuse", func(t *testing.T) {
			t1, _ := f.login(t, c)
			t2, err := f.refresh(t, c, t1.RefreshToken)
			if err != nil {
				t.Fatalf("refresh = %v", err)
			}
			if t2.RefreshToken == t1.RefreshToken || t2.AccessToken == t1.AccessToken {
				t.Fatalf("refresh did not rotate")
			}
			// TK-13: a client whose response was lost retries with the old
			// token within the grace: a clean InvalidGrant, and the family
			// stays intact (the current token still works below).
			if _, err := f.refresh(t, c, t1.RefreshToken); !errors.Is(err, oauth.ErrInvalidGrant) {
				t.Fatalf("refresh(old token, within grace) = %v, want InvalidGrant", err)
			}
			t3, err := f.refresh(t, c, t2.RefreshToken)
			if err != nil {
				t.Fatalf("refresh(current token after a retried old one) = %v", err)
			}
			// After the grace: reuse revokes the family, current tokens included.
			f.clock.Advance(oauth.RefreshRetryGrace + oauth.BearerCacheTTL)
			if _, err := f.refresh(t, c, t1.RefreshToken); !errors.Is(err, oauth.ErrInvalidGrant) {
				t.Fatalf("refresh(reused token) = %v, want InvalidGrant", err)
			}
			if _, err := f.refresh(t, c, t3.RefreshToken); !errors.Is(err, oauth.ErrInvalidGrant) {
				t.Errorf("refresh(current token after reuse) = %v, want InvalidGrant (family revoked)", err)
			}
			if _, err := f.svc.Authenticate(t.Context(), t3.AccessToken); idc.KindOf(err) != idc.KindUnauthenticated {
				t.Errorf("Authenticate(after reuse) = %v, want KindUnauthenticated", err)
			}
		})

		t.Run("forged, other client, scope", func(t *testing.T) {
			t1, _ := f.login(t, c)
			other := f.deviceClient(t, "sso:account:access")
			if _, err := f.refresh(t, other, t1.RefreshToken); !errors.Is(err, oauth.ErrInvalidGrant) {
				t.Errorf("refresh(other client) = %v, want InvalidGrant", err)
			}
			forged := t1.RefreshToken[:len(t1.RefreshToken)-2] + "AA"
			if _, err := f.refresh(t, c, forged); !errors.Is(err, oauth.ErrInvalidGrant) {
				t.Errorf("refresh(forged) = %v, want InvalidGrant", err)
			}
			if _, err := f.refresh(t, c, t1.RefreshToken, "sso:account:access", "admin"); !errors.Is(err, oauth.ErrInvalidScope) {
				t.Errorf("refresh(extra scope) = %v, want InvalidScope", err)
			}
			if _, err := f.refresh(t, c, t1.RefreshToken); err != nil {
				t.Errorf("refresh(after refused attempts) = %v", err)
			}
		})

		t.Run("logout ends the family", func(t *testing.T) {
			t1, _ := f.login(t, c)
			if err := f.svc.Logout(t.Context(), t1.AccessToken); err != nil {
				t.Fatalf("Logout = %v", err)
			}
			if _, err := f.svc.Authenticate(t.Context(), t1.AccessToken); idc.KindOf(err) != idc.KindUnauthenticated {
				t.Errorf("Authenticate(after logout) = %v", err)
			}
			if _, err := f.refresh(t, c, t1.RefreshToken); !errors.Is(err, oauth.ErrInvalidGrant) {
				t.Errorf("refresh(after logout) = %v, want InvalidGrant", err)
			}
			if err := f.svc.Logout(t.Context(), t1.AccessToken); idc.KindOf(err) != idc.KindUnauthenticated {
				t.Errorf("Logout(again) = %v, want KindUnauthenticated", err)
			}
		})
	})
}

func TestTokenLifetimes(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "sqlite")
	ctx := t.Context()

	t.Run("no scopes: one token for the session, no refresh", func(t *testing.T) {
		c := f.deviceClient(t)
		tok, s := f.login(t, c)
		if tok.RefreshToken != "" || tok.ExpiresIn != 8*time.Hour {
			t.Errorf("token = %+v, want no refresh token and the session's 8 h", tok)
		}
		if _, err := f.refresh(t, c, "aorx"); !errors.Is(err, oauth.ErrUnauthorizedClient) {
			t.Errorf("refresh for a client without scopes = %v, want UnauthorizedClient", err)
		}
		// Ending the web session ends the token (within the cache TTL).
		f.sessions.EndSession(ctx, s.ID)
		f.clock.Advance(oauth.BearerCacheTTL)
		if _, err := f.svc.Authenticate(ctx, tok.AccessToken); idc.KindOf(err) != idc.KindUnauthenticated {
			t.Errorf("Authenticate(after sign-out) = %v", err)
		}
	})

	// TK-12: a client refreshing every 50 min is not renewed past the
	// portal session: the absolute limit holds however often it refreshes.
	t.Run("refresh stops at the end of the session", func(t *testing.T) {
		c := f.deviceClient(t, "sso:account:access")
		tok, _ := f.login(t, c)
		for range 9 { // 7 h 30 min into the 8 h session
			f.clock.Advance(50 * time.Minute)
			var err error
			if tok, err = f.refresh(t, c, tok.RefreshToken); err != nil {
				t.Fatalf("refresh within the session = %v", err)
			}
		}
		if tok.ExpiresIn != 30*time.Minute {
			t.Errorf("7 h 30 min into an 8 h session the access token lasts %v, want the 30 min left", tok.ExpiresIn)
		}
		f.clock.Advance(30 * time.Minute)
		if _, err := f.svc.Authenticate(ctx, tok.AccessToken); idc.KindOf(err) != idc.KindUnauthenticated {
			t.Errorf("Authenticate(after the session) = %v", err)
		}
		if _, err := f.refresh(t, c, tok.RefreshToken); !errors.Is(err, oauth.ErrInvalidGrant) {
			t.Errorf("refresh(after the session) = %v, want InvalidGrant", err)
		}
	})

	// TK-16 (response_type=token at /authorize is in TestParseAuthorize).
	t.Run("unsupported grant types", func(t *testing.T) {
		c := f.deviceClient(t, "sso:account:access")
		for _, g := range []string{"password", "client_credentials", "implicit", "", "urn:ietf:params:oauth:grant-type:jwt-bearer", "REFRESH_TOKEN"} {
			_, err := f.svc.CreateToken(ctx, &oauth.TokenRequest{ClientID: c.ClientID, ClientSecret: c.ClientSecret, GrantType: g})
			if !errors.Is(err, oauth.ErrUnsupportedGrantType) {
				t.Errorf("CreateToken(grant %q) = %v, want UnsupportedGrantType", g, err)
			}
		}
		if _, err := f.redeem(t, c, "x", redirect, verifier); !errors.Is(err, oauth.ErrUnauthorizedClient) {
			t.Errorf("CreateToken(code grant, device client) = %v, want UnauthorizedClient", err)
		}
	})
}

func TestAuthenticateRejects(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "sqlite")
	c := f.deviceClient(t, "sso:account:access")
	tok, _ := f.login(t, c)
	other := newFixture(t, "sqlite") // another master key
	otherTok, _ := other.login(t, other.deviceClient(t, "sso:account:access"))
	flipped := []byte(tok.AccessToken)
	flipped[len(flipped)/2] ^= 1
	for _, tc := range []struct{ name, token string }{
		{"empty", ""},
		{"random", "aoa" + strings.Repeat("A", 200)},
		{"truncated", tok.AccessToken[:len(tok.AccessToken)-4]},
		{"bit flipped", string(flipped)},
		{"refresh token", tok.RefreshToken},
		{"another instance's token", otherTok.AccessToken},
		{"huge", "aoa" + strings.Repeat("A", 1<<16)},
	} {
		if _, err := f.svc.Authenticate(t.Context(), tc.token); idc.KindOf(err) != idc.KindUnauthenticated {
			t.Errorf("Authenticate(%s) = %v, want KindUnauthenticated", tc.name, err)
		}
	}
	f.clock.Advance(time.Hour)
	if _, err := f.svc.Authenticate(t.Context(), tok.AccessToken); idc.KindOf(err) != idc.KindUnauthenticated {
		t.Errorf("Authenticate(expired) = %v, want KindUnauthenticated", err)
	}
}

// TestSecretsRedacted: secret-carrying values log without their secrets.
func TestSecretsRedacted(t *testing.T) {
	var b strings.Builder
	log := slog.New(slog.NewTextHandler(&b, nil))
	log.Info("x", "client", oauth.RegisteredClient{ClientID: "cid", ClientSecret: "s3cret-client"},
		"device", oauth.DeviceAuthorization{DeviceCode: "s3cret-device", UserCode: "BCDF-GHJK"},
		"token", oauth.Token{AccessToken: "aoas3cret", RefreshToken: "aors3cret"})
	if strings.Contains(b.String(), "s3cret") {
		t.Errorf("log line leaks a secret: %s", b.String())
	}
}
