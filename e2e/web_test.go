package e2e

import (
	"bytes"
	"context"
	"encoding/base32"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	istypes "github.com/aws/aws-sdk-go-v2/service/identitystore/types"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/chromedp/chromedp"

	"github.com/idcenter/idcenter/internal/auth"
)

// webChromium is Debian's chromium package.
const webChromium = "/usr/bin/chromium"

// webBrowser starts a headless Chromium with a fresh profile (flags from
// TESTING.md) and returns a context for its first tab, valid until the test
// ends (at most 3 minutes).
func webBrowser(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(webChromium); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s missing under CI=true (.ci/run installs chromium)", webChromium)
		}
		t.Skipf("%s not installed (apt-get install chromium)", webChromium)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(webChromium),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	t.Cleanup(cancel)
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(acancel)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(bcancel)
	return bctx
}

// webCLI runs the idcenter binary's admin subcommands against p with the
// bootstrap credentials file, and returns standard output.
func webCLI(t *testing.T, p *proc, stdin string, args ...string) string {
	t.Helper()
	out, err := webCLIErr(t, p, stdin, args...)
	if err != nil {
		t.Fatalf("idcenter %s: %v", strings.Join(args, " "), err)
	}
	return out
}

func webCLIErr(t *testing.T, p *proc, stdin string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	home := t.TempDir()
	cmd.Env = []string{
		"HOME=" + home,
		"PATH=/usr/bin:/bin",
		"AWS_ENDPOINT_URL=" + p.URL,
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(p.DataDir, "admin-credentials"),
		"AWS_CONFIG_FILE=" + filepath.Join(home, "config"),
		"AWS_PROFILE=idcenter-admin",
	}
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), &cliFailure{err: err, stderr: stderr.String()}
	}
	return stdout.String(), nil
}

type cliFailure struct {
	err    error
	stderr string
}

func (e *cliFailure) Error() string { return e.err.Error() + ": " + e.stderr }

// webTOTP computes codes from the secret in an otpauth URI, never reusing a
// time step (the server refuses a replayed code, RFC 6238 §5.2).
type webTOTP struct {
	secret []byte
	last   int64
}

func newWebTOTP(t *testing.T, uri string) *webTOTP {
	t.Helper()
	u, err := url.Parse(uri)
	if err != nil || u.Scheme != "otpauth" {
		t.Fatalf("totp-uri %q is not an otpauth URI", uri)
	}
	s, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(u.Query().Get("secret"))
	if err != nil {
		t.Fatalf("secret of %q: %v", uri, err)
	}
	return &webTOTP{secret: s}
}

// code returns the code of the first unused step the server accepts now
// (it accepts the previous, current and next 30-second steps).
func (c *webTOTP) code(t *testing.T) string {
	t.Helper()
	cur := time.Now().Unix() / 30
	step := max(c.last+1, cur-1)
	if step > cur+1 {
		t.Fatalf("no unused TOTP step left in the current window")
	}
	c.last = step
	return auth.TOTPCode(c.secret, step)
}

func webText(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

func webLocation(t *testing.T, ctx context.Context) string {
	t.Helper()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// webDo runs steps and fails the test on error, with what the page shows.
func webDo(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		body, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
		t.Fatalf("%s: %v\npage at %s: %s", what, err, webLocation(t, ctx), body)
	}
}

// webShot saves a screenshot when IDCENTER_SCREENSHOTS names a directory
// (for looking at the pages; tests do not compare pictures).
func webShot(t *testing.T, ctx context.Context, name string) {
	dir := os.Getenv("IDCENTER_SCREENSHOTS")
	if dir == "" {
		return
	}
	b, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err == nil {
		os.WriteFile(filepath.Join(dir, name+".png"), b, 0o644)
	}
}

// webSubmit clicks a submit button and waits until the next page has loaded:
// the current document is marked first, so the wait cannot be satisfied by
// the page being left.
func webSubmit(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := chromedp.Evaluate[bool](`document.documentElement.setAttribute("data-left", "1"), true`)(ctx, t)
			return err
		}),
		chromedp.Click(chromedp.CSS(sel)),
		chromedp.WaitReady(chromedp.CSS(`html:not([data-left]) main`)),
	)
}

// webSignIn fills the sign-in form.
func webSignIn(t *testing.T, ctx context.Context, user, password string) {
	t.Helper()
	webDo(t, ctx, "sign-in form",
		chromedp.WaitVisible(chromedp.CSS(`input[name="username"]`)),
		chromedp.Clear(chromedp.CSS(`input[name="username"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="username"]`), user),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), password),
		webSubmit(`form[action="/signin"] button[type="submit"]`),
	)
}

// webEnterCode fills the MFA code form.
func webEnterCode(t *testing.T, ctx context.Context, code string) {
	t.Helper()
	webDo(t, ctx, "code form",
		chromedp.WaitVisible(chromedp.CSS(`input[name="code"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="code"]`), code),
		webSubmit(`form[action="/signin/mfa"] button[type="submit"]`),
	)
}

func webCreateUser(t *testing.T, cfg aws.Config, storeID, name string) string {
	t.Helper()
	u, err := identitystore.NewFromConfig(cfg).CreateUser(t.Context(), &identitystore.CreateUserInput{
		IdentityStoreId: aws.String(storeID), UserName: aws.String(name), DisplayName: aws.String("User " + name),
		Name: &istypes.Name{GivenName: aws.String(name), FamilyName: aws.String("Test")},
	})
	if err != nil {
		t.Fatalf("CreateUser(%s): %v", name, err)
	}
	return *u.UserId
}

// TestWebSignInMFAAndInvite drives the sign-in pages in headless Chromium
// against the built binary: a password set with `idcenter users
// set-password`, first sign-in with TOTP enrolment (codes computed from the
// secret in #totp-uri), sign-out, sign-in again with a code, wrong password
// and wrong code messages, an invitation made with `idcenter users invite`,
// and the lockout after repeated wrong passwords.
func TestWebSignInMFAAndInvite(t *testing.T) {
	ctx := webBrowser(t)
	t.Parallel()
	p := start(t, t.TempDir())
	id, secret := adminCredentials(t, p.DataDir)
	cfg := sdkConfig(p.URL, id, secret)
	inst, err := ssoadmin.NewFromConfig(cfg).ListInstances(t.Context(), &ssoadmin.ListInstancesInput{})
	if err != nil || len(inst.Instances) != 1 {
		t.Fatalf("ListInstances = %+v, %v", inst, err)
	}
	storeID := *inst.Instances[0].IdentityStoreId
	webCreateUser(t, cfg, storeID, "alice")
	webCreateUser(t, cfg, storeID, "bob")
	webCreateUser(t, cfg, storeID, "carol")

	const alicePW = "alice's long passphrase"
	out := webCLI(t, p, alicePW+"\n", "users", "set-password", "--user-name", "alice", "--password-stdin")
	if !strings.Contains(out, "Password set for alice") {
		t.Errorf("set-password printed %q", out)
	}
	if _, err := webCLIErr(t, p, "short\n", "users", "set-password", "--user-name", "alice", "--password-stdin"); err == nil || !strings.Contains(err.Error(), "ValidationException") {
		t.Errorf("set-password with a short password = %v, want ValidationException", err)
	}
	if _, err := webCLIErr(t, p, "", "users", "set-password", "--user-name", "alice"); err == nil {
		t.Errorf("set-password without --password-stdin succeeded")
	}

	// First sign-in: the portal sends us to sign in, then to enrolment.
	webDo(t, ctx, "open the portal", chromedp.Navigate(p.URL+"/start"))
	if loc := webLocation(t, ctx); !strings.Contains(loc, "/signin?next=%2Fstart") {
		t.Fatalf("portal signed out landed on %s", loc)
	}
	webShot(t, ctx, "01-signin")
	webSignIn(t, ctx, "alice", "wrong password")
	if msg := webText(t, ctx, "p.error"); msg != "The username or password is incorrect." {
		t.Errorf("wrong password message = %q", msg)
	}
	webSignIn(t, ctx, "alice", alicePW)
	webDo(t, ctx, "enrolment page", chromedp.WaitVisible(chromedp.ID("totp-uri")), chromedp.WaitVisible(chromedp.CSS("svg.qr")))
	webShot(t, ctx, "02-enrol")
	totp := newWebTOTP(t, webText(t, ctx, "#totp-uri"))
	webEnterCode(t, ctx, totp.code(t))
	webDo(t, ctx, "portal", chromedp.WaitVisible(chromedp.CSS("form.search")))
	if loc := webLocation(t, ctx); loc != p.URL+"/start" {
		t.Errorf("after enrolment at %s, want /start", loc)
	}
	if who := webText(t, ctx, ".who"); !strings.Contains(who, "User alice") {
		t.Errorf("header says %q", who)
	}
	webShot(t, ctx, "03-start")

	// Sign out, then sign in again: a code this time, no enrolment.
	webDo(t, ctx, "sign out", webSubmit("form.signout button"), chromedp.WaitVisible(chromedp.CSS("p.notice")))
	if n := webText(t, ctx, "p.notice"); n != "You have signed out." {
		t.Errorf("after sign-out: %q", n)
	}
	webDo(t, ctx, "portal after sign-out", chromedp.Navigate(p.URL+"/start"), chromedp.WaitVisible(chromedp.CSS(`input[name="username"]`)))
	webSignIn(t, ctx, "alice", alicePW)
	webDo(t, ctx, "code page", chromedp.WaitVisible(chromedp.CSS(`input[name="code"]`)))
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#totp-uri").length`)); n != 0 {
		t.Errorf("enrolled user shown the enrolment again")
	}
	webShot(t, ctx, "04-mfa")
	good := totp.code(t)
	webEnterCode(t, ctx, string([]byte{good[0] ^ 1})+good[1:])
	if msg := webText(t, ctx, "p.error"); !strings.HasPrefix(msg, "That code is not correct.") {
		t.Errorf("wrong code message = %q", msg)
	}
	webEnterCode(t, ctx, good)
	webDo(t, ctx, "portal after MFA", chromedp.WaitVisible(chromedp.CSS("form.search")))
	webDo(t, ctx, "sign out", webSubmit("form.signout button"), chromedp.WaitVisible(chromedp.CSS("p.notice")))

	// Invitation: bob chooses a password and enrols.
	link := strings.TrimSpace(webCLI(t, p, "", "users", "invite", "--user-name", "bob", "--expires", "1h"))
	if !strings.HasPrefix(link, p.URL+"/invite/") {
		t.Fatalf("invite printed %q", link)
	}
	webDo(t, ctx, "invitation page", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS(`input[name="password_confirm"]`)))
	webShot(t, ctx, "05-invite")
	webDo(t, ctx, "choose a password",
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), "bob's chosen passphrase"),
		chromedp.SendKeys(chromedp.CSS(`input[name="password_confirm"]`), "bob's chosen passphrase"),
		webSubmit(`button[type="submit"]`),
		chromedp.WaitVisible(chromedp.ID("totp-uri")),
	)
	bobTOTP := newWebTOTP(t, webText(t, ctx, "#totp-uri"))
	webEnterCode(t, ctx, bobTOTP.code(t))
	webDo(t, ctx, "bob's portal", chromedp.WaitVisible(chromedp.CSS("form.search")))
	if who := webText(t, ctx, ".who"); !strings.Contains(who, "User bob") {
		t.Errorf("after the invitation the header says %q", who)
	}
	webDo(t, ctx, "used invitation", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("p.error")))
	if msg := webText(t, ctx, "p.error"); !strings.Contains(msg, "invalid, was already used or has expired") {
		t.Errorf("used invitation says %q", msg)
	}
	webDo(t, ctx, "sign out", chromedp.Navigate(p.URL+"/start"), webSubmit("form.signout button"), chromedp.WaitVisible(chromedp.CSS("p.notice")))

	// Lockout: five wrong passwords pause carol's sign-in, even with the
	// right password afterwards.
	webCLI(t, p, "carol's long passphrase\n", "users", "set-password", "--user-name", "carol", "--password-stdin")
	for range auth.MaxPasswordFailures {
		webSignIn(t, ctx, "carol", "not carol's password")
	}
	if msg := webText(t, ctx, "p.error"); !strings.HasPrefix(msg, "Too many failed attempts.") {
		t.Errorf("after %d wrong passwords: %q", auth.MaxPasswordFailures, msg)
	}
	webSignIn(t, ctx, "carol", "carol's long passphrase")
	if msg := webText(t, ctx, "p.error"); !strings.HasPrefix(msg, "Too many failed attempts.") {
		t.Errorf("right password while locked: %q", msg)
	}
	webShot(t, ctx, "06-locked")

	// Admin recovery: reset alice's MFA; her next sign-in enrols again.
	webCLI(t, p, "", "users", "reset-mfa", "--user-name", "alice")
	webDo(t, ctx, "sign-in page", chromedp.Navigate(p.URL+"/signin"))
	webSignIn(t, ctx, "alice", alicePW)
	webDo(t, ctx, "enrolment after reset", chromedp.WaitVisible(chromedp.ID("totp-uri")))

	// Settings through the CLI.
	out = webCLI(t, p, "", "settings", "update", "--mfa-mode", "CONTEXT_AWARE", "--session-duration", "1h")
	if !strings.Contains(out, "CONTEXT_AWARE") || !strings.Contains(out, "1h0m0s") {
		t.Errorf("settings update printed %q", out)
	}
	if _, err := webCLIErr(t, p, "", "settings", "update", "--session-duration", "1m"); err == nil || !strings.Contains(err.Error(), "ValidationException") {
		t.Errorf("settings update 1m = %v, want ValidationException", err)
	}
}

// TestWebDeviceAndAuthorizeConsent approves a device authorization and an
// authorization code + PKCE request in headless Chromium, the way `aws sso
// login --use-device-code` and `aws sso login` (CLI ≥ 2.22) send the user:
// the verification URI with the code, and /authorize with a loopback
// redirect URI on which this test listens.
func TestWebDeviceAndAuthorizeConsent(t *testing.T) {
	ctx := webBrowser(t)
	t.Parallel()
	p := start(t, t.TempDir())
	id, secret := adminCredentials(t, p.DataDir)
	cfg := sdkConfig(p.URL, id, secret)
	inst, err := ssoadmin.NewFromConfig(cfg).ListInstances(t.Context(), &ssoadmin.ListInstancesInput{})
	if err != nil || len(inst.Instances) != 1 {
		t.Fatalf("ListInstances = %+v, %v", inst, err)
	}
	webCreateUser(t, cfg, *inst.Instances[0].IdentityStoreId, "dora")
	webCLI(t, p, "dora's long passphrase\n", "users", "set-password", "--user-name", "dora", "--password-stdin")

	anon := cfg.Copy()
	anon.Credentials = aws.AnonymousCredentials{}
	// The device asks from another network than the browser's (127.0.1.1
	// is loopback too, in another /24): the consent page must say so
	// (SECURITY.md DF-13).
	anon.HTTPClient = &http.Client{Transport: &http.Transport{
		DialContext: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.1.1")}}).DialContext}}
	oc := ssooidc.NewFromConfig(anon)
	reg, err := oc.RegisterClient(t.Context(), &ssooidc.RegisterClientInput{ClientName: aws.String("botocore-client-dora"), ClientType: aws.String("public"),
		Scopes: []string{"sso:account:access"}})
	if err != nil {
		t.Fatalf("RegisterClient: %v", err)
	}
	dev, err := oc.StartDeviceAuthorization(t.Context(), &ssooidc.StartDeviceAuthorizationInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, StartUrl: aws.String(p.URL + "/start")})
	if err != nil {
		t.Fatalf("StartDeviceAuthorization: %v", err)
	}

	// Device flow: verification URI → sign in and enrol → consent → allow.
	webDo(t, ctx, "verification URI", chromedp.Navigate(*dev.VerificationUriComplete))
	webSignIn(t, ctx, "dora", "dora's long passphrase")
	webDo(t, ctx, "enrolment", chromedp.WaitVisible(chromedp.ID("totp-uri")))
	totp := newWebTOTP(t, webText(t, ctx, "#totp-uri"))
	webEnterCode(t, ctx, totp.code(t))
	webDo(t, ctx, "consent page", chromedp.WaitVisible(chromedp.CSS(`button[name="decision"][value="allow"]`)))
	if code := webText(t, ctx, ".usercode"); code != *dev.UserCode {
		t.Errorf("consent page shows code %q, want %q", code, *dev.UserCode)
	}
	if lead := webText(t, ctx, ".lead"); !strings.Contains(lead, "botocore-client-dora") {
		t.Errorf("consent page does not name the client: %q", lead)
	}
	if origin := webText(t, ctx, ".origin"); !strings.Contains(origin, "Requested from 127.0.1.1") {
		t.Errorf("consent page does not show where the request came from: %q", origin)
	}
	if warn := webText(t, ctx, ".warn.danger"); !strings.Contains(warn, "different network") || !strings.Contains(warn, "127.0.0.1") {
		t.Errorf("consent page does not warn of the other network: %q", warn)
	}
	webShot(t, ctx, "07-device-consent")
	webDo(t, ctx, "allow", webSubmit(`button[name="decision"][value="allow"]`))
	if body := webText(t, ctx, "main"); !strings.Contains(body, "You can close this window") {
		t.Errorf("end page: %q", body)
	}
	webShot(t, ctx, "08-device-done")
	if _, err := oc.CreateToken(t.Context(), &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
		GrantType: aws.String("urn:ietf:params:oauth:grant-type:device_code"), DeviceCode: dev.DeviceCode}); err != nil {
		t.Fatalf("CreateToken(device_code) after allow: %v", err)
	}

	// Authorization code + PKCE with a loopback redirect.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	callbacks := make(chan url.Values, 1)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case callbacks <- r.URL.Query():
		default:
		}
		io.WriteString(w, "<!DOCTYPE html><title>done</title><main>callback received</main>")
	}), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	redirect := "http://" + ln.Addr().String() + "/oauth/callback"
	reg2, err := oc.RegisterClient(t.Context(), &ssooidc.RegisterClientInput{ClientName: aws.String("botocore-client-pkce"), ClientType: aws.String("public"),
		Scopes: []string{"sso:account:access"}, GrantTypes: []string{"authorization_code", "refresh_token"},
		RedirectUris: []string{"http://127.0.0.1/oauth/callback"}, IssuerUrl: aws.String(p.URL + "/start")})
	if err != nil {
		t.Fatalf("RegisterClient(PKCE): %v", err)
	}
	verifier := "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	q := url.Values{"response_type": {"code"}, "client_id": {*reg2.ClientId}, "redirect_uri": {redirect}, "state": {"xyz"},
		"code_challenge_method": {"S256"}, "scopes": {"sso:account:access"}, "code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}}
	webDo(t, ctx, "authorize", chromedp.Navigate(p.URL+"/authorize?"+q.Encode()), chromedp.WaitVisible(chromedp.CSS(`button[name="decision"][value="allow"]`)))
	webShot(t, ctx, "09-authorize-consent")
	webDo(t, ctx, "allow", chromedp.Click(chromedp.CSS(`button[name="decision"][value="allow"]`)))
	var cb url.Values
	select {
	case cb = <-callbacks:
	case <-ctx.Done():
		t.Fatalf("no callback on %s: %v", redirect, ctx.Err())
	}
	if cb.Get("state") != "xyz" || cb.Get("code") == "" {
		t.Fatalf("callback query = %v", cb)
	}
	if _, err := oc.CreateToken(t.Context(), &ssooidc.CreateTokenInput{ClientId: reg2.ClientId, ClientSecret: reg2.ClientSecret,
		GrantType: aws.String("authorization_code"), Code: aws.String(cb.Get("code")), RedirectUri: aws.String(redirect),
		CodeVerifier: aws.String(verifier)}); err != nil {
		t.Fatalf("CreateToken(authorization_code): %v", err)
	}
}
