package web_test

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/aws/smithy-go"

	"github.com/idcenter/idcenter/internal/auth"
	"github.com/idcenter/idcenter/internal/keys"
	"github.com/idcenter/idcenter/internal/oauth"
	"github.com/idcenter/idcenter/internal/testenv"
	"github.com/idcenter/idcenter/internal/web"
)

const password = "correct horse battery staple"

func TestSignInSignOut(t *testing.T) {
	backends(t, func(t *testing.T, env *testenv.Env, clk *clock) {
		createUser(t, env, "alice", password)
		b := newBrowser(t, env, clk)

		p := b.get("/start")
		if p.status != http.StatusSeeOther || p.location != "/signin?next=%2Fstart" {
			t.Fatalf("GET /start signed out = %d → %q, want 303 to the sign-in page", p.status, p.location)
		}
		// Session fixation (WL-01): a planted cookie is never adopted.
		planted := strings.Repeat("a", 32) + "." + strings.Repeat("b", 43)
		b.setCookie("idc_session", planted)

		p = b.get("/signin")
		for _, want := range []string{`name="username"`, `name="password"`, `<html lang="en">`, `<label for="username">`} {
			if !strings.Contains(p.body, want) {
				t.Errorf("sign-in page lacks %s", want)
			}
		}
		p = b.post("/signin", url.Values{"csrf_token": {p.csrf(t)}, "username": {"alice"}, "password": {"wrong password"}})
		if p.status != http.StatusUnauthorized || !strings.Contains(p.body, "The username or password is incorrect.") {
			t.Errorf("wrong password = %d, want 401 with the generic message", p.status)
		}
		if b.cookie("idc_session") != planted {
			t.Errorf("a failed sign-in changed the session cookie")
		}

		b.signIn("alice", password, "")
		if c := b.cookie("idc_session"); c == "" || c == planted {
			t.Fatalf("session cookie after sign-in = %q, want a new one", c)
		}
		if b.cookie("idc_signin") != "" {
			t.Errorf("pending sign-in cookie left after sign-in")
		}
		p = b.get("/start")
		if p.status != http.StatusOK || !strings.Contains(p.body, "Signed in as <strong>User alice</strong>") {
			t.Fatalf("GET /start signed in = %d\n%.1500s", p.status, p.body)
		}
		first := b.cookie("idc_session")

		// Sign out ends the session; the old cookie replayed gets nothing
		// (WL-10).
		p = b.post("/signout", url.Values{"csrf_token": {p.csrf(t)}})
		if p.status != http.StatusSeeOther || p.location != "/signin?signed_out=1" {
			t.Fatalf("POST /signout = %d → %q", p.status, p.location)
		}
		if b.cookie("idc_session") != "" {
			t.Errorf("session cookie kept after sign-out")
		}
		b.setCookie("idc_session", first)
		if p := b.get("/start"); p.status != http.StatusSeeOther {
			t.Errorf("GET /start with the signed-out cookie = %d, want a redirect to sign in", p.status)
		}

		// Second sign-in: a code, no enrolment; a new session id again.
		b.signIn("alice", password, "/start")
		if c := b.cookie("idc_session"); c == first {
			t.Errorf("second sign-in reused the session cookie")
		}
		// Signed in, the sign-in page sends the browser on.
		if p := b.get("/signin?next=%2Fstart%3Fq%3Dx"); p.status != http.StatusSeeOther || p.location != "/start?q=x" {
			t.Errorf("GET /signin signed in = %d → %q", p.status, p.location)
		}
	})
}

func TestWrongCodesAndLockout(t *testing.T) {
	env, clk := newEnv(t, "sqlite")
	createUser(t, env, "bob", password)
	b := newBrowser(t, env, clk)
	b.signIn("bob", password, "")

	// A wrong code shows the code page again with a message.
	b2 := newBrowser(t, env, clk)
	b2.secret = b.secret
	b2.last = b.last
	p := b2.get("/signin")
	p = b2.post("/signin", url.Values{"csrf_token": {p.csrf(t)}, "username": {"bob"}, "password": {password}})
	p = b2.get(p.location)
	if strings.Contains(p.body, "totp-uri") {
		t.Fatalf("enrolled user shown an enrolment")
	}
	noFraming(t, "MFA page", p)
	good := b2.code()
	bad := string([]byte{good[0] ^ 1}) + good[1:]
	p = b2.post("/signin/mfa", url.Values{"csrf_token": {p.csrf(t)}, "code": {bad}})
	if p.status != http.StatusUnauthorized || !strings.Contains(p.body, "That code is not correct.") || !strings.Contains(p.body, `name="code"`) {
		t.Fatalf("wrong code = %d\n%.1500s", p.status, p.body)
	}
	p = b2.post("/signin/mfa", url.Values{"csrf_token": {p.csrf(t)}, "code": {good}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("right code after a wrong one = %d", p.status)
	}

	// Five wrong passwords lock the name; the right one is refused then.
	b3 := newBrowser(t, env, clk)
	for i := 1; i <= auth.MaxPasswordFailures; i++ {
		p = b3.get("/signin")
		p = b3.post("/signin", url.Values{"csrf_token": {p.csrf(t)}, "username": {"bob"}, "password": {"nope nope nope"}})
	}
	if p.status != http.StatusTooManyRequests || !strings.Contains(p.body, "Too many failed attempts.") {
		t.Errorf("5th wrong password = %d, want 429 locked", p.status)
	}
	p = b3.get("/signin")
	p = b3.post("/signin", url.Values{"csrf_token": {p.csrf(t)}, "username": {"bob"}, "password": {password}})
	if p.status != http.StatusTooManyRequests {
		t.Errorf("right password while locked = %d, want 429", p.status)
	}
	clk.Advance(auth.LockDuration)
	b3.secret, b3.last = b2.secret, b2.last
	b3.signIn("bob", password, "")
}

// TestNoUserEnumeration: an unknown user and a wrong password get the same
// status and page (ASVS 6.3.8, WL-04).
func TestNoUserEnumeration(t *testing.T) {
	env, clk := newEnv(t, "sqlite")
	createUser(t, env, "carol", password)
	b := newBrowser(t, env, clk)
	try := func(user string) *page {
		p := b.get("/signin")
		p = b.post("/signin", url.Values{"csrf_token": {p.csrf(t)}, "username": {user}, "password": {"wrong password"}})
		p.body = strings.ReplaceAll(p.body, user, "USER")
		return p
	}
	known, unknown := try("carol"), try("nobody-here")
	if known.status != unknown.status || known.body != unknown.body {
		t.Errorf("known user: %d, unknown: %d; bodies equal: %v", known.status, unknown.status, known.body == unknown.body)
	}
}

func TestSignInRateLimitPerIP(t *testing.T) {
	env, clk := newEnv(t, "sqlite")
	b := newBrowser(t, env, clk)
	var p *page
	for i := range web.DefaultLimits.SignInBurst + 1 {
		p = b.get("/signin")
		p = b.post("/signin", url.Values{"csrf_token": {p.csrf(t)}, "username": {"stuffing" + string(rune('a'+i%26)) + string(rune('a'+i/26))}, "password": {"x"}})
	}
	if p.status != http.StatusTooManyRequests || !strings.Contains(p.body, "Too many attempts from your network.") {
		t.Errorf("sign-in #%d from one IP = %d, want 429", web.DefaultLimits.SignInBurst+1, p.status)
	}
}

// TestSecurityHeadersAndCookies: every page refuses framing (SECURITY.md
// WL-03; the signed-in consent and MFA pages are checked where the tests
// reach them, with noFraming) and sniffing, and is not cached.
func TestSecurityHeadersAndCookies(t *testing.T) {
	env, clk := newEnv(t, "sqlite")
	createUser(t, env, "dan", password)
	b := newBrowser(t, env, clk)
	for _, path := range []string{"/signin", "/start", "/device", "/authorize?client_id=x", "/invite/x"} {
		p := b.get(path)
		for h, want := range map[string]string{
			"X-Frame-Options":        "DENY",
			"X-Content-Type-Options": "nosniff",
			"Cache-Control":          "no-store",
			"Referrer-Policy":        "no-referrer",
		} {
			if got := p.header.Get(h); got != want {
				t.Errorf("GET %s: %s = %q, want %q", path, h, got, want)
			}
		}
		csp := p.header.Get("Content-Security-Policy")
		for _, want := range []string{"frame-ancestors 'none'", "default-src 'none'", "form-action 'self'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("GET %s: CSP %q lacks %s", path, csp, want)
			}
		}
	}

	// Cookie attributes over HTTP (WL-11).
	p := b.get("/signin")
	p = b.post("/signin", url.Values{"csrf_token": {p.csrf(t)}, "username": {"dan"}, "password": {password}})
	cookies := (&http.Response{Header: p.header}).Cookies()
	if len(cookies) != 1 || cookies[0].Name != "idc_signin" || !cookies[0].HttpOnly || cookies[0].SameSite != http.SameSiteLaxMode ||
		cookies[0].Path != "/" || cookies[0].Domain != "" || cookies[0].MaxAge <= 0 || cookies[0].MaxAge > 600 {
		t.Errorf("pending sign-in cookie = %+v", cookies)
	}

	// Over HTTPS the cookies are Secure and __Host- prefixed.
	kr, _ := keys.New(keys.Generate())
	h, err := web.New(web.Options{Auth: env.Server.Auth(), Keys: kr, IdentityStoreID: env.IdentityStoreID,
		PublicURL: &url.URL{Scheme: "https", Host: "id.example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	h.Mount(mux)
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", "https://id.example.com/signin", nil))
	cookies = rec.Result().Cookies()
	if len(cookies) != 1 || cookies[0].Name != "__Host-idc_csrf" || !cookies[0].Secure || !cookies[0].HttpOnly || cookies[0].Path != "/" || cookies[0].Domain != "" {
		t.Errorf("HTTPS csrf cookie = %+v", cookies)
	}
	if got := rec.Header().Get("Strict-Transport-Security"); got == "" {
		t.Errorf("HTTPS page without Strict-Transport-Security")
	}
}

// TestOpenRedirect: next never leaves the site (WL-12).
func TestOpenRedirect(t *testing.T) {
	env, clk := newEnv(t, "sqlite")
	createUser(t, env, "erin", password)
	b := newBrowser(t, env, clk)
	b.signIn("erin", password, "")
	for _, next := range []string{"//evil.example", `/\evil.example`, "https:evil.example", "https://evil.example/x", "javascript:alert(1)",
		"%2F%2Fevil.example", "evil", "/\t/evil.example", "/%0d%0aSet-Cookie:x"} {
		p := b.get("/signin?next=" + url.QueryEscape(next))
		if p.status != http.StatusSeeOther || (p.location != "/start" && !strings.HasPrefix(p.location, "/%0d")) {
			t.Errorf("next=%q redirects to %q", next, p.location)
		}
	}
}

// TestCSRF checks that every form refuses a missing, wrong or
// cross-origin submission and that nothing changes (WL-02).
func TestCSRF(t *testing.T) {
	env, clk := newEnv(t, "sqlite")
	ctx := t.Context()
	createUser(t, env, "frank", password)
	userID := createUser(t, env, "gina", "")
	inv, err := env.Server.Auth().CreateInvitation(ctx, env.IdentityStoreID, userID, 0)
	if err != nil {
		t.Fatal(err)
	}
	oc := ssooidc.NewFromConfig(anonymousConfig(env))
	reg, err := oc.RegisterClient(ctx, &ssooidc.RegisterClientInput{ClientName: aws.String("csrf-test"), ClientType: aws.String("public")})
	if err != nil {
		t.Fatal(err)
	}
	dev, err := oc.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, StartUrl: aws.String(env.URL + "/start")})
	if err != nil {
		t.Fatal(err)
	}

	b := newBrowser(t, env, clk)
	b.signIn("frank", password, "")
	signOutToken := b.get("/start").csrf(t)
	// A pending sign-in in another browser for the MFA form.
	pend := newBrowser(t, env, clk)
	pend.secret, pend.last = b.secret, b.last
	pp := pend.get("/signin")
	pp = pend.post("/signin", url.Values{"csrf_token": {pp.csrf(t)}, "username": {"frank"}, "password": {password}})
	mfaToken := pend.get(pp.location).csrf(t)
	anon := newBrowser(t, env, clk)
	signInToken := anon.get("/signin").csrf(t)

	for _, tc := range []struct {
		name  string
		b     *browser
		path  string
		form  url.Values
		token string // the right token, used for the cross-origin case
	}{
		{"signin", anon, "/signin", url.Values{"username": {"frank"}, "password": {password}}, signInToken},
		{"mfa", pend, "/signin/mfa", url.Values{"code": {pend.code()}}, mfaToken},
		{"signout", b, "/signout", url.Values{}, signOutToken},
		{"invite", anon, "/invite/" + inv.Token, url.Values{"password": {"gina's new password"}, "password_confirm": {"gina's new password"}}, ""},
		{"device", b, "/device", url.Values{"user_code": {*dev.UserCode}}, ""},
		{"device consent", b, "/device/consent", url.Values{"user_code": {*dev.UserCode}, "decision": {"allow"}}, ""},
		{"authorize", b, "/authorize", url.Values{"request": {"client_id=x"}, "decision": {"allow"}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, variant := range []struct {
				name  string
				token string
				cross bool
			}{{"missing", "", false}, {"wrong", signOutToken[:20] + "AAAA" + signOutToken[24:], false}, {"other form's", mfaToken, false}, {"cross-origin", tc.token, true}} {
				if variant.cross && variant.token == "" {
					continue
				}
				form := url.Values{}
				for k, v := range tc.form {
					form[k] = v
				}
				if variant.token != "" {
					form.Set("csrf_token", variant.token)
				}
				if tc.name == "mfa" && variant.name == "other form's" {
					form.Set("csrf_token", signOutToken)
				}
				if variant.cross {
					tc.b.header.Set("Sec-Fetch-Site", "cross-site")
					tc.b.header.Set("Origin", "https://evil.example")
				}
				p := tc.b.post(tc.path, form)
				tc.b.header = http.Header{}
				if p.status != http.StatusForbidden {
					t.Errorf("POST %s with a %s token = %d, want 403", tc.path, variant.name, p.status)
				}
				if p.location != "" || len((&http.Response{Header: p.header}).Cookies()) > 0 {
					t.Errorf("POST %s with a %s token redirected to %q or set cookies", tc.path, variant.name, p.location)
				}
			}
		})
	}

	// Nothing changed: frank is still signed in, gina's invitation is
	// unused, the device authorization is still pending, the anonymous
	// browser has no session, and the pending sign-in still finishes.
	if p := b.get("/start"); p.status != http.StatusOK {
		t.Errorf("session gone after refused sign-outs: %d", p.status)
	}
	if _, err := env.Server.Auth().Invitation(ctx, inv.Token); err != nil {
		t.Errorf("invitation used by refused posts: %v", err)
	}
	_, err = oc.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
		GrantType: aws.String("urn:ietf:params:oauth:grant-type:device_code"), DeviceCode: dev.DeviceCode})
	if apiCode(err) != "AuthorizationPendingException" {
		t.Errorf("CreateToken after refused consents = %v, want AuthorizationPendingException", err)
	}
	if anon.cookie("idc_session") != "" {
		t.Errorf("refused sign-in set a session")
	}
	p := pend.post("/signin/mfa", url.Values{"csrf_token": {mfaToken}, "code": {auth.TOTPCode(pend.secret, pend.last)}})
	if p.status != http.StatusSeeOther {
		t.Errorf("MFA with its token after refused posts = %d", p.status)
	}
}

func anonymousConfig(env *testenv.Env) aws.Config {
	cfg := env.AWSConfig.Copy()
	cfg.Credentials = aws.AnonymousCredentials{}
	return cfg
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func TestInvitationPages(t *testing.T) {
	env, clk := newEnv(t, "sqlite")
	ctx := t.Context()
	userID := createUser(t, env, "hana", "")
	inv, err := env.Server.Auth().CreateInvitation(ctx, env.IdentityStoreID, userID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, env, clk)
	p := b.get("/invite/" + inv.Token)
	if p.status != http.StatusOK || !strings.Contains(p.body, "<strong>hana</strong>") {
		t.Fatalf("GET invite = %d\n%.1500s", p.status, p.body)
	}
	tok := p.csrf(t)
	for _, tc := range []struct{ pw, confirm, msg string }{
		{"short", "short", "at least 8 characters"},
		{"long enough one", "long enough two", "do not match"},
	} {
		p = b.post("/invite/"+inv.Token, url.Values{"csrf_token": {tok}, "password": {tc.pw}, "password_confirm": {tc.confirm}})
		if p.status != http.StatusBadRequest || !strings.Contains(p.body, tc.msg) {
			t.Errorf("invite with %q/%q = %d, want 400 %q", tc.pw, tc.confirm, p.status, tc.msg)
		}
	}
	p = b.post("/invite/"+inv.Token, url.Values{"csrf_token": {tok}, "password": {password}, "password_confirm": {password}})
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/signin/mfa") {
		t.Fatalf("accept invite = %d → %q", p.status, p.location)
	}
	p = b.get(p.location)
	if !strings.Contains(p.body, `id="totp-uri"`) || !strings.Contains(p.body, "<svg") {
		t.Fatalf("after the invitation: no enrolment page\n%.1500s", p.body)
	}
	// Used: the link now explains itself.
	if p := newBrowser(t, env, clk).get("/invite/" + inv.Token); p.status != http.StatusNotFound || !strings.Contains(p.body, "invalid, was already used or has expired") {
		t.Errorf("GET used invite = %d", p.status)
	}
}

func TestDevicePages(t *testing.T) {
	backends(t, func(t *testing.T, env *testenv.Env, clk *clock) {
		ctx := t.Context()
		createUser(t, env, "ivan", password)
		oc := ssooidc.NewFromConfig(anonymousConfig(env))
		reg, err := oc.RegisterClient(ctx, &ssooidc.RegisterClientInput{ClientName: aws.String("botocore-client-ivan"), ClientType: aws.String("public"),
			Scopes: []string{"sso:account:access"}})
		if err != nil {
			t.Fatal(err)
		}
		start := func() *ssooidc.StartDeviceAuthorizationOutput {
			d, err := oc.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, StartUrl: aws.String(env.URL + "/start")})
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
		token := func(d *ssooidc.StartDeviceAuthorizationOutput) error {
			_, err := oc.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
				GrantType: aws.String("urn:ietf:params:oauth:grant-type:device_code"), DeviceCode: d.DeviceCode})
			return err
		}
		d := start()
		complete, err := url.Parse(*d.VerificationUriComplete)
		if err != nil || *d.VerificationUri != env.URL+"/device" {
			t.Fatalf("verification URIs = %q, %q", *d.VerificationUri, *d.VerificationUriComplete)
		}
		b := newBrowser(t, env, clk)
		p := b.get(complete.RequestURI())
		if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/signin?next=") {
			t.Fatalf("verification URI signed out = %d → %q", p.status, p.location)
		}
		b.signIn("ivan", password, complete.RequestURI())
		// DF-16: the verification_uri_complete GET, with a session, renders
		// a confirmation and changes nothing, also when a cross-site page
		// loads it as an <img>; only the CSRF-protected POST below approves
		// (TestCSRF refuses it without the token or cross-origin).
		b.header.Set("Sec-Fetch-Site", "cross-site")
		b.header.Set("Sec-Fetch-Dest", "image")
		b.get(complete.RequestURI())
		b.header = http.Header{}
		p = b.get(complete.RequestURI())
		for _, want := range []string{"botocore-client-ivan", *d.UserCode, `name="decision" value="allow"`, `name="decision" value="deny"`, "device you control"} {
			if !strings.Contains(p.body, want) {
				t.Errorf("consent page lacks %q", want)
			}
		}
		noFraming(t, "device consent page", p)
		if err := token(d); apiCode(err) != "AuthorizationPendingException" {
			t.Errorf("CreateToken after viewing the consent page = %v, want pending (GET changes nothing)", err)
		}
		p = b.post("/device/consent", url.Values{"csrf_token": {p.csrfTokens()[1]}, "user_code": {*d.UserCode}, "decision": {"allow"}})
		if p.status != http.StatusOK || !strings.Contains(p.body, "You can close this window") {
			t.Fatalf("allow = %d\n%.1500s", p.status, p.body)
		}
		if err := token(d); err != nil {
			t.Errorf("CreateToken after allow = %v", err)
		}

		// The code form, with the code typed in lower case without a dash;
		// then deny.
		d2 := start()
		p = b.get("/device")
		typed := strings.ToLower(strings.ReplaceAll(*d2.UserCode, "-", ""))
		p = b.post("/device", url.Values{"csrf_token": {p.csrfTokens()[1]}, "user_code": {typed}})
		if p.status != http.StatusOK || !strings.Contains(p.body, *d2.UserCode) {
			t.Fatalf("typed code = %d\n%.1500s", p.status, p.body)
		}
		consentTok := p.csrfTokens()[1]
		p = b.post("/device/consent", url.Values{"csrf_token": {consentTok}, "user_code": {*d2.UserCode}, "decision": {"deny"}})
		if p.status != http.StatusOK || !strings.Contains(p.body, "Request denied") {
			t.Errorf("deny = %d", p.status)
		}
		if err := token(d2); apiCode(err) != "AccessDeniedException" {
			t.Errorf("CreateToken after deny = %v, want AccessDeniedException", err)
		}
		// Answering again is refused.
		p = b.post("/device/consent", url.Values{"csrf_token": {consentTok}, "user_code": {*d2.UserCode}, "decision": {"allow"}})
		if p.status != http.StatusConflict || !strings.Contains(p.body, "already answered") {
			t.Errorf("second answer to a denied code = %d, want 409", p.status)
		}

		// An administrator turns the device grant off (SECURITY.md DF-14):
		// the pages say so instead of asking, and the consent form that
		// was already open cannot approve.
		d3 := start()
		complete3, _ := url.Parse(*d3.VerificationUriComplete)
		p = b.get(complete3.RequestURI())
		consentTok = p.csrfTokens()[1]
		if _, err := env.Server.Auth().UpdateSettings(ctx, env.IdentityStoreID, auth.SettingsUpdate{DeviceGrant: auth.DeviceGrantDisabled}); err != nil {
			t.Fatal(err)
		}
		clk.Advance(oauth.DeviceGrantPolicyTTL)
		if p = b.get(complete3.RequestURI()); p.status != http.StatusForbidden || !strings.Contains(p.body, "turned off") {
			t.Errorf("verification URI while the device grant is off = %d\n%.800s", p.status, p.body)
		}
		p = b.post("/device/consent", url.Values{"csrf_token": {consentTok}, "user_code": {*d3.UserCode}, "decision": {"allow"}})
		if p.status != http.StatusForbidden || !strings.Contains(p.body, "turned off") {
			t.Errorf("allow while the device grant is off = %d\n%.800s", p.status, p.body)
		}
		if err := token(d3); apiCode(err) != "UnauthorizedClientException" {
			t.Errorf("CreateToken while the device grant is off = %v, want UnauthorizedClientException", err)
		}
	})
}

// TestDeviceCodeGuessing: wrong codes are rate limited per session (RFC
// 8628 §5.1), with one message for unknown, malformed and look-alike codes.
func TestDeviceCodeGuessing(t *testing.T) {
	env, clk := newEnv(t, "sqlite")
	createUser(t, env, "judy", password)
	b := newBrowser(t, env, clk)
	b.signIn("judy", password, "")
	guesses := []string{"BCDF-GHJK", "bcdfghjk", "ＢＣＤＦ-ＧＨＪＫ", "BCDF-GHJ\x00", strings.Repeat("B", 10_000)}
	for i := range web.DefaultLimits.DeviceSessionBurst {
		p := b.get("/device?user_code=" + url.QueryEscape(guesses[i%len(guesses)]))
		if p.status != http.StatusBadRequest || !strings.Contains(p.body, "That code is not valid or has expired.") {
			t.Errorf("guess %d = %d", i, p.status)
		}
	}
	// The next attempt is refused even before a lookup, valid or not.
	oc := ssooidc.NewFromConfig(anonymousConfig(env))
	reg, _ := oc.RegisterClient(t.Context(), &ssooidc.RegisterClientInput{ClientName: aws.String("c"), ClientType: aws.String("public")})
	d, err := oc.StartDeviceAuthorization(t.Context(), &ssooidc.StartDeviceAuthorizationInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, StartUrl: aws.String(env.URL + "/start")})
	if err != nil {
		t.Fatal(err)
	}
	p := b.get("/device?user_code=" + *d.UserCode)
	if p.status != http.StatusTooManyRequests || !strings.Contains(p.body, "Too many codes were tried.") {
		t.Errorf("code after %d wrong ones = %d, want 429", web.DefaultLimits.DeviceSessionBurst, p.status)
	}
}

func TestAuthorizePages(t *testing.T) {
	backends(t, func(t *testing.T, env *testenv.Env, clk *clock) {
		ctx := t.Context()
		createUser(t, env, "kim", password)
		oc := ssooidc.NewFromConfig(anonymousConfig(env))
		reg, err := oc.RegisterClient(ctx, &ssooidc.RegisterClientInput{ClientName: aws.String("botocore-client-kim"), ClientType: aws.String("public"),
			Scopes: []string{"sso:account:access"}, GrantTypes: []string{"authorization_code", "refresh_token"},
			RedirectUris: []string{"http://127.0.0.1/oauth/callback"}, IssuerUrl: aws.String(env.URL + "/start")})
		if err != nil {
			t.Fatalf("RegisterClient: %v", err)
		}
		verifier := strings.Repeat("v", 43) + "erifier"
		sum := sha256.Sum256([]byte(verifier))
		q := url.Values{
			"response_type": {"code"}, "client_id": {*reg.ClientId}, "redirect_uri": {"http://127.0.0.1:54321/oauth/callback"},
			"state": {"st4te"}, "code_challenge_method": {"S256"}, "scopes": {"sso:account:access"},
			"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])},
		}
		authz := "/authorize?" + q.Encode()
		b := newBrowser(t, env, clk)
		p := b.get(authz)
		if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/signin?next=") {
			t.Fatalf("GET /authorize signed out = %d → %q", p.status, p.location)
		}
		b.signIn("kim", password, authz)
		p = b.get(authz)
		if p.status != http.StatusOK || !strings.Contains(p.body, "botocore-client-kim") || !strings.Contains(p.body, "127.0.0.1:54321") {
			t.Fatalf("consent = %d\n%.1500s", p.status, p.body)
		}
		noFraming(t, "authorize consent page", p)
		if csp := p.header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self' http://127.0.0.1:54321;") {
			t.Errorf("consent CSP = %q, want the redirect origin in form-action", csp)
		}
		tokens := p.csrfTokens()
		raw := ""
		if m := hiddenRequestRE.FindStringSubmatch(p.body); m != nil {
			raw = htmlUnescape(m[1])
		}
		p = b.post("/authorize", url.Values{"csrf_token": {tokens[1]}, "request": {raw}, "decision": {"allow"}})
		if p.status != http.StatusSeeOther {
			t.Fatalf("allow = %d\n%.1500s", p.status, p.body)
		}
		to, err := url.Parse(p.location)
		if err != nil || to.Scheme+"://"+to.Host+to.Path != "http://127.0.0.1:54321/oauth/callback" || to.Query().Get("state") != "st4te" || to.Query().Get("code") == "" {
			t.Fatalf("redirect = %q", p.location)
		}
		tok, err := oc.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
			GrantType: aws.String("authorization_code"), Code: aws.String(to.Query().Get("code")),
			RedirectUri: aws.String("http://127.0.0.1:54321/oauth/callback"), CodeVerifier: aws.String(verifier)})
		if err != nil || tok.AccessToken == nil {
			t.Fatalf("CreateToken(authorization_code) = %v", err)
		}

		// Deny redirects with access_denied.
		p = b.post("/authorize", url.Values{"csrf_token": {tokens[1]}, "request": {raw}, "decision": {"deny"}})
		if to, _ := url.Parse(p.location); p.status != http.StatusSeeOther || to.Query().Get("error") != "access_denied" || to.Query().Get("state") != "st4te" {
			t.Errorf("deny = %d → %q", p.status, p.location)
		}

		// An invalid request is an error page, never a redirect.
		for name, mutate := range map[string]func(url.Values){
			"foreign redirect":  func(v url.Values) { v.Set("redirect_uri", "https://evil.example/oauth/callback") },
			"unknown client":    func(v url.Values) { v.Set("client_id", "nope") },
			"plain PKCE method": func(v url.Values) { v.Set("code_challenge_method", "plain") },
		} {
			v := url.Values{}
			for k, x := range q {
				v[k] = x
			}
			mutate(v)
			p := b.get("/authorize?" + v.Encode())
			if p.status != http.StatusBadRequest || p.location != "" {
				t.Errorf("GET /authorize (%s) = %d → %q, want a 400 page", name, p.status, p.location)
			}
		}
	})
}

// noFraming checks that page p cannot be framed by any site, in both the
// CSP and the legacy header (SECURITY.md WL-03, RFC 9700 §4.16).
func noFraming(t *testing.T, what string, p *page) {
	t.Helper()
	if got := p.header.Get("X-Frame-Options"); got != "DENY" {
		t.Errorf("%s: X-Frame-Options = %q, want DENY", what, got)
	}
	if csp := p.header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("%s: CSP %q lacks frame-ancestors 'none'", what, csp)
	}
}

// TestExpiredDeviceCodePage (SECURITY.md DF-04): once a device code has
// expired, the verification page answers exactly as for a code that never
// existed (no oracle), typed or from verification_uri_complete, and the
// client's poll gets ExpiredTokenException.
func TestExpiredDeviceCodePage(t *testing.T) {
	backends(t, func(t *testing.T, env *testenv.Env, clk *clock) {
		ctx := t.Context()
		createUser(t, env, "liam", password)
		oc := ssooidc.NewFromConfig(anonymousConfig(env))
		reg, err := oc.RegisterClient(ctx, &ssooidc.RegisterClientInput{ClientName: aws.String("botocore-client-liam"), ClientType: aws.String("public"),
			Scopes: []string{"sso:account:access"}})
		if err != nil {
			t.Fatal(err)
		}
		d, err := oc.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, StartUrl: aws.String(env.URL + "/start")})
		if err != nil {
			t.Fatal(err)
		}
		b := newBrowser(t, env, clk)
		b.signIn("liam", password, "")
		clk.Advance(time.Duration(d.ExpiresIn)*time.Second + time.Second)

		// A well-formed code that was never issued (the alphabet has no
		// vowels, so this one cannot collide with a real one).
		const never = "BCDF-GHJK"
		if *d.UserCode == never {
			t.Skip("the issued code is the never-issued one")
		}
		// normalize hides what legitimately differs: the code as typed and
		// the per-page CSRF token.
		normalize := func(p *page, code string) string {
			return csrfRE.ReplaceAllString(strings.ReplaceAll(p.body, code, "CODE"), "CSRF")
		}
		expiredGet := b.get("/device?user_code=" + url.QueryEscape(*d.UserCode))
		neverGet := b.get("/device?user_code=" + never)
		if expiredGet.status != http.StatusBadRequest || !strings.Contains(expiredGet.body, "That code is not valid or has expired.") {
			t.Errorf("GET verification_uri_complete with an expired code = %d\n%.800s", expiredGet.status, expiredGet.body)
		}
		if expiredGet.status != neverGet.status || normalize(expiredGet, *d.UserCode) != normalize(neverGet, never) {
			t.Errorf("GET /device: expired code %d, never-issued code %d; the pages differ:\n%s\n---\n%s",
				expiredGet.status, neverGet.status, normalize(expiredGet, *d.UserCode), normalize(neverGet, never))
		}
		form := b.get("/device")
		expiredPost := b.post("/device", url.Values{"csrf_token": {form.csrfTokens()[1]}, "user_code": {*d.UserCode}})
		form = b.get("/device")
		neverPost := b.post("/device", url.Values{"csrf_token": {form.csrfTokens()[1]}, "user_code": {never}})
		if expiredPost.status != http.StatusBadRequest || expiredPost.status != neverPost.status ||
			normalize(expiredPost, *d.UserCode) != normalize(neverPost, never) {
			t.Errorf("POST /device: expired code %d, never-issued code %d; want the same 400 page", expiredPost.status, neverPost.status)
		}
		_, err = oc.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
			GrantType: aws.String("urn:ietf:params:oauth:grant-type:device_code"), DeviceCode: d.DeviceCode})
		if apiCode(err) != "ExpiredTokenException" {
			t.Errorf("CreateToken at expiresIn + 1 s = %v, want ExpiredTokenException", err)
		}
	})
}
