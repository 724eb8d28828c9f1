package oauth_test

import (
	"errors"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/oauth"
)

func TestRegisterClient(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "sqlite")
	for _, tc := range []struct {
		name string
		in   oauth.Registration
		want error
	}{
		{"botocore device client", oauth.Registration{Name: "botocore-client-x", Type: "public", Scopes: []string{"sso:account:access"}}, nil},
		{"legacy client without scopes", oauth.Registration{Name: "botocore-client-1", Type: "public"}, nil},
		{"pkce client", oauth.Registration{Name: "n", Type: "public", Scopes: []string{"sso:account:access"},
			GrantTypes: []string{"authorization_code", "refresh_token"}, RedirectURIs: []string{"http://127.0.0.1/oauth/callback"}, IssuerURL: "https://example.com/start"}, nil},
		{"pkce client with a port", oauth.Registration{Name: "n", Type: "public",
			GrantTypes: []string{"authorization_code"}, RedirectURIs: []string{"http://127.0.0.1:53127/oauth/callback"}}, nil},
		{"confidential client", oauth.Registration{Name: "n", Type: "confidential"}, oauth.ErrInvalidClientMetadata},
		{"empty name", oauth.Registration{Name: "", Type: "public"}, oauth.ErrInvalidClientMetadata},
		{"control character in name", oauth.Registration{Name: "a\x00b", Type: "public"}, oauth.ErrInvalidClientMetadata},
		{"unknown scope", oauth.Registration{Name: "n", Type: "public", Scopes: []string{"sso:account:access", "admin"}}, oauth.ErrInvalidScope},
		{"password grant", oauth.Registration{Name: "n", Type: "public", GrantTypes: []string{"password"}}, oauth.ErrUnsupportedGrantType},
		{"implicit grant", oauth.Registration{Name: "n", Type: "public", GrantTypes: []string{"implicit"}}, oauth.ErrUnsupportedGrantType},
		{"code grant without redirect", oauth.Registration{Name: "n", Type: "public", GrantTypes: []string{"authorization_code"}}, oauth.ErrInvalidRedirectURI},
		{"redirect without code grant", oauth.Registration{Name: "n", Type: "public", RedirectURIs: []string{"http://127.0.0.1/oauth/callback"}}, oauth.ErrInvalidClientMetadata},
		{"bad issuer URL", oauth.Registration{Name: "n", Type: "public", IssuerURL: "ftp://x"}, oauth.ErrInvalidRequest},
		{"entitled application", oauth.Registration{Name: "n", Type: "public", EntitledApplicationARN: "arn:aws:sso::123456789012:application/x"}, oauth.ErrInvalidRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := f.svc.RegisterClient(t.Context(), &tc.in)
			if !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
				t.Fatalf("RegisterClient = %v, want %v", err, tc.want)
			}
			if err != nil {
				return
			}
			if len(c.ClientID) < 20 || len(c.ClientSecret) < 40 {
				t.Errorf("client id %q / secret of %d chars: want high-entropy values", c.ClientID, len(c.ClientSecret))
			}
			if got := c.SecretExpiresAt.Sub(c.IssuedAt); got != oauth.ClientSecretLifetime {
				t.Errorf("secret lifetime = %v, want %v", got, oauth.ClientSecretLifetime)
			}
		})
	}
}

// TestRedirectURIs pins the only redirect URI forms RegisterClient accepts
// (SECURITY.md TK-07).
func TestRedirectURIs(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "sqlite")
	for _, u := range []string{
		"http://localhost/oauth/callback", "http://127.0.0.1.evil.com/oauth/callback", "http://127.0.0.1@evil.com/oauth/callback",
		"http://127.0.0.1/oauth/callback/../x", "http://127.0.0.1/oauth/CALLBACK", "http://127.0.0.1/oauth/callback?x=1",
		"http://127.0.0.1/oauth/callback#f", "https://127.0.0.1/oauth/callback", "http://[::1]/oauth/callback",
		"http://127.0.0.1/oauth/%2e%2e/callback", "http://127.0.0.1/oauth/callback..;/", "http://127.0.0.1:0/oauth/callback",
		"http://127.0.0.1:080/oauth/callback", "http://127.0.0.1:65536/oauth/callback", "http://127.0.0.1:/oauth/callback",
		"HTTP://127.0.0.1/oauth/callback", "http://127.0.0.1:80 /oauth/callback", "",
	} {
		_, err := f.svc.RegisterClient(t.Context(), &oauth.Registration{Name: "n", Type: "public",
			GrantTypes: []string{"authorization_code"}, RedirectURIs: []string{u}})
		if !errors.Is(err, oauth.ErrInvalidRedirectURI) {
			t.Errorf("RegisterClient(redirect %q) = %v, want InvalidRedirectURI", u, err)
		}
	}
}

func TestStartDeviceAuthorization(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "sqlite")
	c := f.deviceClient(t, "sso:account:access")
	d := f.start(t, c)
	if !regexp.MustCompile(`^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$`).MatchString(d.UserCode) {
		t.Errorf("user code %q is not XXXX-XXXX over the RFC 8628 alphabet", d.UserCode)
	}
	if len(d.DeviceCode) < 43 {
		t.Errorf("device code of %d chars, want at least 256 bits", len(d.DeviceCode))
	}
	if d.VerificationURI != publicURL+"/device" || d.VerificationURIComplete != publicURL+"/device?user_code="+url.QueryEscape(d.UserCode) {
		t.Errorf("verification URIs %q, %q", d.VerificationURI, d.VerificationURIComplete)
	}
	if d.ExpiresIn != 600*time.Second || d.Interval != time.Second {
		t.Errorf("expiresIn %v interval %v, want 600s and 1s", d.ExpiresIn, d.Interval)
	}

	pkce := f.pkceClient(t)
	for _, tc := range []struct {
		name             string
		id, secret, href string
		want             error
	}{
		{"wrong secret", c.ClientID, c.ClientSecret + "x", publicURL + "/start", oauth.ErrInvalidClient},
		{"unknown client", "nope", c.ClientSecret, publicURL + "/start", oauth.ErrInvalidClient},
		{"bad start URL", c.ClientID, c.ClientSecret, "not a url", oauth.ErrInvalidRequest},
		{"client without the device grant", pkce.ClientID, pkce.ClientSecret, publicURL + "/start", oauth.ErrUnauthorizedClient},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := f.svc.StartDeviceAuthorization(t.Context(), &oauth.DeviceRequest{ClientID: tc.id, ClientSecret: tc.secret, StartURL: tc.href}); !errors.Is(err, tc.want) {
				t.Errorf("StartDeviceAuthorization = %v, want %v", err, tc.want)
			}
		})
	}

	// DF-17: a start URL that is not this instance's is refused, whatever
	// the client registered.
	t.Run("start URL must be the instance's", func(t *testing.T) {
		open, err := f.svc.RegisterClient(t.Context(), &oauth.Registration{Name: "n", Type: "public", GrantTypes: []string{oauth.GrantDeviceCode}})
		if err != nil {
			t.Fatal(err)
		}
		foreign, err := f.svc.RegisterClient(t.Context(), &oauth.Registration{Name: "n", Type: "public",
			GrantTypes: []string{oauth.GrantDeviceCode}, IssuerURL: "https://evil.example/start"})
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name string
			c    *oauth.RegisteredClient
			href string
		}{
			{"other host", open, "https://evil.example/start"},
			{"other scheme", open, "https://127.0.0.1:8080/start"},
			{"other port", open, "http://127.0.0.1:8081/start"},
			{"other path", open, publicURL + "/portal"},
			{"the root", open, publicURL},
			{"foreign issuer, its own start URL", foreign, "https://evil.example/start"},
		} {
			if _, err := f.svc.StartDeviceAuthorization(t.Context(), &oauth.DeviceRequest{ClientID: tc.c.ClientID, ClientSecret: tc.c.ClientSecret, StartURL: tc.href}); !errors.Is(err, oauth.ErrInvalidRequest) {
				t.Errorf("%s: StartDeviceAuthorization(%s) = %v, want InvalidRequest", tc.name, tc.href, err)
			}
		}
		for _, href := range []string{publicURL + "/start", publicURL + "/start/", publicURL + "/start/#", "HTTP://127.0.0.1:8080/start"} {
			if _, err := f.svc.StartDeviceAuthorization(t.Context(), &oauth.DeviceRequest{ClientID: open.ClientID, ClientSecret: open.ClientSecret, StartURL: href}); err != nil {
				t.Errorf("StartDeviceAuthorization(%s) = %v", href, err)
			}
		}
	})

	// DF-17: a start URL that is not the client's issuer URL is refused.
	t.Run("start URL must match the issuer URL", func(t *testing.T) {
		dc, err := f.svc.RegisterClient(t.Context(), &oauth.Registration{Name: "n", Type: "public",
			GrantTypes: []string{oauth.GrantDeviceCode}, IssuerURL: publicURL + "/start"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.StartDeviceAuthorization(t.Context(), &oauth.DeviceRequest{ClientID: dc.ClientID, ClientSecret: dc.ClientSecret, StartURL: "https://evil.example/start"}); !errors.Is(err, oauth.ErrInvalidRequest) {
			t.Errorf("StartDeviceAuthorization(other start URL) = %v, want InvalidRequest", err)
		}
		if _, err := f.svc.StartDeviceAuthorization(t.Context(), &oauth.DeviceRequest{ClientID: dc.ClientID, ClientSecret: dc.ClientSecret, StartURL: publicURL + "/start/"}); err != nil {
			t.Errorf("StartDeviceAuthorization(issuer URL with a slash) = %v", err)
		}
	})

	t.Run("expired client secret", func(t *testing.T) {
		g := newFixture(t, "sqlite")
		old := g.deviceClient(t)
		g.clock.Advance(oauth.ClientSecretLifetime)
		if _, err := g.svc.StartDeviceAuthorization(t.Context(), &oauth.DeviceRequest{ClientID: old.ClientID, ClientSecret: old.ClientSecret, StartURL: publicURL + "/start"}); !errors.Is(err, oauth.ErrInvalidClient) {
			t.Errorf("StartDeviceAuthorization(expired client) = %v, want InvalidClient", err)
		}
	})
}

// TestDeviceFlow walks the device grant through each state a poll can
// meet (RFC 8628 §3.5; SECURITY.md DF-01, DF-02, DF-03, DF-05, DF-06).
func TestDeviceFlow(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		c := f.deviceClient(t, "sso:account:access")

		t.Run("pending, approved, redeemed once", func(t *testing.T) {
			d := f.start(t, c)
			if _, err := f.poll(t, c, d); !errors.Is(err, oauth.ErrAuthorizationPending) {
				t.Fatalf("CreateToken(before approval) = %v, want AuthorizationPending", err)
			}
			p, err := f.svc.DeviceByUserCode(ctx, strings.ToLower(d.UserCode), "")
			if err != nil {
				t.Fatalf("DeviceByUserCode: %v", err)
			}
			if p.UserCode != d.UserCode || p.ClientID != c.ClientID || p.ClientName != "botocore-client-test" {
				t.Errorf("DeviceByUserCode = %+v", p)
			}
			s := f.sessions.add(8 * time.Hour)
			if err := f.svc.ApproveDevice(ctx, d.UserCode, s, ""); err != nil {
				t.Fatalf("ApproveDevice: %v", err)
			}
			if err := f.svc.ApproveDevice(ctx, d.UserCode, s, ""); idc.KindOf(err) != idc.KindNotFound {
				t.Errorf("ApproveDevice(again) = %v, want KindNotFound", err)
			}
			if _, err := f.svc.DeviceByUserCode(ctx, d.UserCode, ""); idc.KindOf(err) != idc.KindNotFound {
				t.Errorf("DeviceByUserCode(approved) = %v, want KindNotFound", err)
			}
			tok, err := f.poll(t, c, d)
			if err != nil {
				t.Fatalf("CreateToken(approved) = %v", err)
			}
			if !strings.HasPrefix(tok.AccessToken, "aoa") || !strings.HasPrefix(tok.RefreshToken, "aor") || tok.TokenType != "Bearer" {
				t.Errorf("token = %+v", tok)
			}
			if tok.ExpiresIn != time.Hour {
				t.Errorf("expiresIn = %v, want 1h for a client with scopes", tok.ExpiresIn)
			}
			b, err := f.svc.Authenticate(ctx, tok.AccessToken)
			if err != nil || b.UserID != s.UserID || b.SessionID != s.ID {
				t.Errorf("Authenticate = %+v, %v", b, err)
			}
			// DF-05: a second poll after the issuance never gets a second
			// token set. The sso-oidc model lists both InvalidGrantException
			// and ExpiredTokenException for CreateToken; a grant that was
			// used is an invalid grant (RFC 6749 §5.2), not an expired one.
			if _, err := f.poll(t, c, d); !errors.Is(err, oauth.ErrInvalidGrant) {
				t.Errorf("CreateToken(redeemed) = %v, want InvalidGrant", err)
			}
		})

		// DF-03: a denial is terminal: every later poll is refused, and
		// the code can no longer be approved, so tokens are never issued.
		t.Run("denied", func(t *testing.T) {
			d := f.start(t, c)
			if err := f.svc.DenyDevice(ctx, d.UserCode, f.sessions.add(time.Hour)); err != nil {
				t.Fatalf("DenyDevice: %v", err)
			}
			if err := f.svc.ApproveDevice(ctx, d.UserCode, f.sessions.add(time.Hour), ""); idc.KindOf(err) != idc.KindNotFound {
				t.Errorf("ApproveDevice(denied) = %v, want KindNotFound", err)
			}
			for range 3 {
				f.clock.Advance(2 * time.Second) // never too fast
				if _, err := f.poll(t, c, d); !errors.Is(err, oauth.ErrAccessDenied) {
					t.Fatalf("CreateToken(denied) = %v, want AccessDenied", err)
				}
			}
		})

		t.Run("unknown device code", func(t *testing.T) {
			_, err := f.svc.CreateToken(ctx, &oauth.TokenRequest{ClientID: c.ClientID, ClientSecret: c.ClientSecret,
				GrantType: oauth.GrantDeviceCode, DeviceCode: "not-a-device-code"})
			if !errors.Is(err, oauth.ErrInvalidGrant) {
				t.Errorf("CreateToken(unknown) = %v, want InvalidGrant", err)
			}
		})

		t.Run("another client's device code", func(t *testing.T) {
			d := f.start(t, c)
			other := f.deviceClient(t, "sso:account:access")
			if err := f.svc.ApproveDevice(ctx, d.UserCode, f.sessions.add(time.Hour), ""); err != nil {
				t.Fatal(err)
			}
			if _, err := f.poll(t, other, d); !errors.Is(err, oauth.ErrInvalidGrant) {
				t.Errorf("CreateToken(other client) = %v, want InvalidGrant", err)
			}
			// The owner's grant is untouched.
			if _, err := f.poll(t, c, d); err != nil {
				t.Errorf("CreateToken(owner, after the other client tried) = %v", err)
			}
		})

		t.Run("wrong client secret", func(t *testing.T) {
			d := f.start(t, c)
			_, err := f.svc.CreateToken(ctx, &oauth.TokenRequest{ClientID: c.ClientID, ClientSecret: "x" + c.ClientSecret,
				GrantType: oauth.GrantDeviceCode, DeviceCode: d.DeviceCode})
			if !errors.Is(err, oauth.ErrInvalidClient) {
				t.Errorf("CreateToken(wrong secret) = %v, want InvalidClient", err)
			}
		})

		t.Run("session ended before the poll", func(t *testing.T) {
			d := f.start(t, c)
			s := f.sessions.add(time.Hour)
			if err := f.svc.ApproveDevice(ctx, d.UserCode, s, ""); err != nil {
				t.Fatal(err)
			}
			f.sessions.EndSession(ctx, s.ID)
			if _, err := f.poll(t, c, d); !errors.Is(err, oauth.ErrInvalidGrant) {
				t.Errorf("CreateToken(session ended) = %v, want InvalidGrant", err)
			}
		})
	})
}

// TestDeviceExpiry needs its own clock (SECURITY.md DF-04; the API and the
// verification page are in internal/api/ssooidc and internal/web).
func TestDeviceExpiry(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "sqlite")
	c := f.deviceClient(t, "sso:account:access")
	d := f.start(t, c)
	f.clock.Advance(oauth.DeviceCodeLifetime)
	if _, err := f.poll(t, c, d); !errors.Is(err, oauth.ErrExpiredToken) {
		t.Errorf("CreateToken(expired) = %v, want ExpiredToken", err)
	}
	if _, err := f.svc.DeviceByUserCode(t.Context(), d.UserCode, ""); idc.KindOf(err) != idc.KindNotFound {
		t.Errorf("DeviceByUserCode(expired) = %v, want KindNotFound", err)
	}
	if err := f.svc.ApproveDevice(t.Context(), d.UserCode, f.sessions.add(time.Hour), ""); idc.KindOf(err) != idc.KindNotFound {
		t.Errorf("ApproveDevice(expired) = %v, want KindNotFound", err)
	}
}

// TestSlowDown: polls faster than the interval get SlowDown, and each one
// adds 5 s to the interval (RFC 8628 §3.5, SECURITY.md DF-02).
func TestSlowDown(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "sqlite")
	c := f.deviceClient(t, "sso:account:access")
	d := f.start(t, c)
	// botocore polls twice back to back before it starts sleeping.
	for i := range 2 {
		if _, err := f.poll(t, c, d); !errors.Is(err, oauth.ErrAuthorizationPending) {
			t.Fatalf("poll %d = %v, want AuthorizationPending", i+1, err)
		}
	}
	if _, err := f.poll(t, c, d); !errors.Is(err, oauth.ErrSlowDown) {
		t.Fatalf("third immediate poll = %v, want SlowDown", err)
	}
	// The interval is now 6 s: 1 s later is still too fast.
	f.clock.Advance(time.Second)
	if _, err := f.poll(t, c, d); !errors.Is(err, oauth.ErrSlowDown) {
		t.Fatalf("poll 1 s after slow_down = %v, want SlowDown", err)
	}
	// Now 11 s; a client that honours it gets pending, then its token.
	f.clock.Advance(11 * time.Second)
	if _, err := f.poll(t, c, d); !errors.Is(err, oauth.ErrAuthorizationPending) {
		t.Fatalf("poll after the grown interval = %v, want AuthorizationPending", err)
	}
	if err := f.svc.ApproveDevice(t.Context(), d.UserCode, f.sessions.add(time.Hour), ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.poll(t, c, d); err != nil {
		t.Fatalf("poll after approval = %v, want a token", err)
	}
}

// TestUserCodeInput: only the RFC 8628 §6.1 normalisations are accepted
// (SECURITY.md DF-09), and failed lookups are rate-limited (DF-08).
func TestUserCodeInput(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "sqlite")
	c := f.deviceClient(t)
	d := f.start(t, c)
	plain := strings.ReplaceAll(d.UserCode, "-", "")
	for _, in := range []string{d.UserCode, strings.ToLower(d.UserCode), plain, " " + d.UserCode + " ", plain[:2] + " " + plain[2:]} {
		if _, err := f.svc.DeviceByUserCode(t.Context(), in, ""); err != nil {
			t.Errorf("DeviceByUserCode(%q) = %v, want the authorization", in, err)
		}
	}
	fullwidth := strings.Map(func(r rune) rune { return r - 'A' + 'Ａ' }, plain)
	for _, in := range []string{"", plain[:7], plain + "B", d.UserCode + "\x00", fullwidth, strings.Repeat(plain, 1000), strings.Replace(plain, plain[:1], "A", 1)} {
		if _, err := f.svc.DeviceByUserCode(t.Context(), in, ""); idc.KindOf(err) != idc.KindNotFound {
			t.Errorf("DeviceByUserCode(%.20q) = %v, want KindNotFound", in, err)
		}
	}
}

func TestUserCodeGuessLimit(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "sqlite")
	c := f.deviceClient(t)
	d := f.start(t, c)
	throttled := 0
	for range oauth.GuessBurst + 10 {
		if _, err := f.svc.DeviceByUserCode(t.Context(), "BCDF-GHJK", ""); idc.KindOf(err) == idc.KindThrottled {
			throttled++
		}
	}
	if throttled < 10 {
		t.Errorf("%d of %d wrong guesses throttled, want at least 10 beyond the burst of %d", throttled, oauth.GuessBurst+10, oauth.GuessBurst)
	}
	// The right code is refused too while the budget is spent (no oracle),
	// and works again once it refills.
	if _, err := f.svc.DeviceByUserCode(t.Context(), "BCDF-GHJB", ""); idc.KindOf(err) != idc.KindThrottled {
		t.Errorf("DeviceByUserCode(while throttled) = %v, want KindThrottled", err)
	}
	f.clock.Advance(time.Minute)
	if _, err := f.svc.DeviceByUserCode(t.Context(), d.UserCode, ""); err != nil {
		t.Errorf("DeviceByUserCode(right code after a minute) = %v", err)
	}
}

// TestSingleUse: of many concurrent redemptions of one approved device code
// exactly one gets tokens, and of many concurrent approvals exactly one
// wins (SECURITY.md §4.2, MR-08), on both backends.
func TestSingleUse(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, f *fixture) {
		c := f.deviceClient(t, "sso:account:access")
		const racers = 16
		for round := range 5 {
			d := f.start(t, c)
			s := f.sessions.add(time.Hour)
			approvals := race(racers, func(int) error { return f.svc.ApproveDevice(t.Context(), d.UserCode, s, "") })
			if approvals != 1 {
				t.Fatalf("round %d: %d concurrent approvals succeeded, want 1", round, approvals)
			}
			wins := race(racers, func(int) error { _, err := f.poll(t, c, d); return err })
			if wins != 1 {
				t.Fatalf("round %d: %d concurrent redemptions got tokens, want 1", round, wins)
			}
		}
	})
}

// race runs fn(0..n-1) at once and counts nil results.
func race(n int, fn func(i int) error) int {
	var wg sync.WaitGroup
	var mu sync.Mutex
	start := make(chan struct{})
	wins := 0
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if fn(i) == nil {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		}()
	}
	close(start)
	wg.Wait()
	return wins
}
