package sso_test

import (
	"context"
	"errors"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"

	"github.com/idcenter/idcenter/internal/oauth"
	"github.com/idcenter/idcenter/internal/store/postgres"
	"github.com/idcenter/idcenter/internal/testenv"
)

// TestPostgresDown (SECURITY.md ST-05): the server's PostgreSQL stops (an
// immediate shutdown of a private cluster, so every connection is cut)
// for a few seconds while clients keep calling sso-oidc CreateToken
// (refresh_token and device_code), the portal API's GetRoleCredentials,
// the web sign-in and /readyz; then it comes back, and the same server
// process — no restart — serves again.
//
// What "fail closed" means here, per call:
//   - CreateToken and sign-in decide nothing without the store: every one
//     fails, with sso-oidc's InternalServerException (500) or a 5xx page,
//     and no token or session comes out of the outage. Afterwards the
//     refresh token and the device code presented during it still work,
//     so the failed calls consumed nothing.
//   - GetRoleCredentials checks the bearer token against this replica's
//     cache of grant and session liveness, which lasts
//     oauth.BearerCacheTTL (the bound in which a revocation made on
//     another replica is honoured anyway, MR-03); the entitlement index
//     answers from memory too. So a token checked just before the outage
//     may still get role credentials for up to BearerCacheTTL after the
//     database went away — no revocation can be made meanwhile, since
//     revoking needs the store. After that, every call fails with a 5xx.
//     (In fact the entitlement index stops trusting its memory as soon as
//     its replica-coherence session with PostgreSQL drops, so on this
//     backend GetRoleCredentials fails from the start of the outage; the
//     test asserts only the bound.)
//   - /readyz reports 503 during the outage and 200 after it.
//
// The error messages name nothing of the database (no address, no driver
// text).
func TestPostgresDown(t *testing.T) {
	t.Parallel()
	pg := testenv.PrivatePostgres(t)
	ctx := t.Context()
	st, err := postgres.Open(ctx, pg.DSN)
	if err != nil {
		t.Fatalf("postgres.Open: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	env := testenv.NewWith(t, "postgres", testenv.Options{Store: st})
	w := setup(t, env, "ida")
	oc := ssooidc.NewFromConfig(anonymous(env))
	sess := signInUser(t, env, w)
	reg, dev1 := approvedDevice(t, env, sess, oc)
	tok, err := oc.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
		GrantType: aws.String(oauth.GrantDeviceCode), DeviceCode: dev1.DeviceCode})
	if err != nil {
		t.Fatalf("CreateToken: %v", err)
	}
	reg2, dev := approvedDevice(t, env, sess, oc)
	pc := portal(env)
	getCreds := func() error {
		_, err := pc.GetRoleCredentials(context.Background(), &sso.GetRoleCredentialsInput{AccessToken: tok.AccessToken,
			AccountId: aws.String(w.devAccount), RoleName: aws.String(w.readOnly())})
		return err
	}
	refreshIn := &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
		GrantType: aws.String(oauth.GrantRefreshToken), RefreshToken: tok.RefreshToken}
	deviceIn := &ssooidc.CreateTokenInput{ClientId: reg2.ClientId, ClientSecret: reg2.ClientSecret,
		GrantType: aws.String(oauth.GrantDeviceCode), DeviceCode: dev.DeviceCode}
	// Up: everything works (and the bearer token's liveness is cached).
	if status, ok := webSignIn(env.URL, w.userName); !ok {
		t.Fatalf("sign-in before the outage = %d, want 303 to /start", status)
	}
	if err := getCreds(); err != nil {
		t.Fatalf("GetRoleCredentials before the outage: %v", err)
	}

	stopping := time.Now()
	pg.Stop(t)
	down := time.Now()
	t.Logf("the database stopped in %v", down.Sub(stopping).Round(time.Millisecond))
	port := mustPort(t, pg.DSN)
	// checkFailure checks that err is a 5xx naming nothing of the database.
	seen := map[string]bool{}
	checkFailure := func(what string, err error, wantCode string) {
		t.Helper()
		if err != nil && !seen[what] {
			seen[what] = true
			t.Logf("%s while the database is down: %v", what, err)
		}
		var re interface{ HTTPStatusCode() int }
		switch {
		case err == nil:
			t.Errorf("%s succeeded while the database was down", what)
		case !errors.As(err, &re) || re.HTTPStatusCode() < 500:
			t.Errorf("%s while the database was down = %v, want a 5xx", what, err)
		case wantCode != "" && code(err) != wantCode:
			t.Errorf("%s while the database was down = %v, want %s", what, err, wantCode)
		}
		if err != nil && leaks(err.Error(), port) {
			t.Errorf("%s: the error names the database: %v", what, err)
		}
	}

	// The outage outlasts the bearer cache by a second.
	const outage = oauth.BearerCacheTTL + time.Second
	var credsOK, credsFailed, calls int
	var lastCredsOK time.Duration
	sawUnready := false
	tick := time.NewTicker(100 * time.Millisecond)
	for time.Since(down) < outage {
		<-tick.C
		calls++
		sent := time.Since(down)
		if err := getCreds(); err == nil {
			credsOK++
			lastCredsOK = sent
			if sent >= oauth.BearerCacheTTL {
				t.Errorf("GetRoleCredentials succeeded %v after the database went down, beyond BearerCacheTTL (%v)", sent, oauth.BearerCacheTTL)
			}
		} else {
			credsFailed++
			checkFailure("GetRoleCredentials", err, "")
		}
		_, err := oc.CreateToken(context.Background(), refreshIn)
		checkFailure("CreateToken(refresh_token)", err, "InternalServerException")
		_, err = oc.CreateToken(context.Background(), deviceIn)
		checkFailure("CreateToken(device_code)", err, "InternalServerException")
		// Every fifth round only: the sign-in form allows a client IP 30
		// attempts at once (web.DefaultLimits), and a 429 would hide what
		// the store's absence does.
		if calls%5 == 1 {
			if status, ok := webSignIn(env.URL, w.userName); ok || status < 500 {
				t.Errorf("sign-in while the database was down = %d (signed in: %v), want a 5xx", status, ok)
			}
		}
		if status := readyz(env.URL); status == http.StatusServiceUnavailable {
			sawUnready = true
		} else {
			t.Errorf("/readyz while the database was down = %d, want 503", status)
		}
	}
	tick.Stop()
	if !sawUnready {
		t.Error("/readyz never reported the outage")
	}
	if credsFailed == 0 {
		t.Error("GetRoleCredentials never failed during the outage")
	}
	t.Logf("outage of %v: %d rounds; GetRoleCredentials succeeded %d times (last %v after the stop, from the bearer cache) and failed %d times",
		outage, calls, credsOK, lastCredsOK.Round(time.Millisecond), credsFailed)

	pg.Resume(t)
	back := time.Now()
	for readyz(env.URL) != http.StatusOK {
		if time.Since(back) > 30*time.Second {
			t.Fatal("/readyz not ready 30 s after the database came back")
		}
		time.Sleep(50 * time.Millisecond) // polling a separate process (the database) for readiness
	}
	t.Logf("ready again %v after the database came back", time.Since(back).Round(time.Millisecond))

	// The same process serves again, and nothing was consumed.
	tok2, err := oc.CreateToken(ctx, refreshIn)
	if err != nil {
		t.Fatalf("refresh after the outage with the refresh token presented during it: %v", err)
	}
	if _, err := oc.CreateToken(ctx, deviceIn); err != nil {
		t.Errorf("device code after the outage (presented during it): %v", err)
	}
	if _, err := pc.GetRoleCredentials(ctx, &sso.GetRoleCredentialsInput{AccessToken: tok2.AccessToken,
		AccountId: aws.String(w.devAccount), RoleName: aws.String(w.readOnly())}); err != nil {
		t.Errorf("GetRoleCredentials after the outage: %v", err)
	}
	if status, ok := webSignIn(env.URL, w.userName); !ok {
		t.Errorf("sign-in after the outage = %d, want 303 to /start", status)
	}
}

// mustPort returns the port of a DSN.
func mustPort(t *testing.T, dsn string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil || u.Port() == "" {
		t.Fatalf("DSN %q has no port", dsn)
	}
	return u.Port()
}

// leaks reports whether an error message shows the database's address or
// driver text.
func leaks(msg, port string) bool {
	m := strings.ToLower(msg)
	for _, s := range []string{":" + port, "127.0.0.1", "dial", "pgx", "pgconn", "sqlstate", "connection refused", "postgres"} {
		if strings.Contains(m, s) {
			return true
		}
	}
	return false
}

func readyz(base string) int {
	resp, err := http.Get(base + "/readyz")
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

var csrfRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// webSignIn signs in through the browser pages (GET /signin for the form's
// CSRF token, POST /signin; MFA is off in these tests, see loginWith) and
// reports the status of the last answer and whether it signed in (303 to
// /start).
func webSignIn(base, userName string) (status int, ok bool) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(base + "/signin")
	if err != nil {
		return 0, false
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfRE.FindSubmatch(body)
	if resp.StatusCode != http.StatusOK || m == nil {
		return resp.StatusCode, false
	}
	form := url.Values{"csrf_token": {html.UnescapeString(string(m[1]))}, "username": {userName}, "password": {password}}
	req, _ := http.NewRequest(http.MethodPost, base+"/signin", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	resp, err = c.Do(req)
	if err != nil {
		return 0, false
	}
	resp.Body.Close()
	return resp.StatusCode, resp.StatusCode == http.StatusSeeOther && resp.Header.Get("Location") == "/start"
}
