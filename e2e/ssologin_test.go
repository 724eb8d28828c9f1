package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	istypes "github.com/aws/aws-sdk-go-v2/service/identitystore/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	satypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/chromedp/chromedp"

	"github.com/idcenter/idcenter/internal/auth"
)

// chromium is Debian's headless browser.
const chromium = "/usr/bin/chromium"

func requireChromium(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(chromium); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s missing under CI=true (apt-get install chromium)", chromium)
		}
		t.Skipf("%s not installed (apt-get install chromium)", chromium)
	}
}

// browser starts a headless Chromium with a fresh profile.
func browser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.UserDataDir(t.TempDir()))
	actx, cancel := chromedp.NewExecAllocator(t.Context(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	ctx, cancel3 := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(cancel3)
	return ctx
}

// portalUser is what the administrator set up for a user.
type portalUser struct {
	name, password string
	account        string
	role           string // permission set name, as the portal lists it
}

// setupPortalUser creates, through the admin APIs, a user with a password
// (set with `idcenter users set-password --password-stdin`), an account and
// a permission set assigned to the user there.
func setupPortalUser(t *testing.T, p *proc, name string) *portalUser {
	t.Helper()
	ctx := t.Context()
	id, secret := adminCredentials(t, p.DataDir)
	cfg := sdkConfig(p.URL, id, secret)
	sa := ssoadmin.NewFromConfig(cfg)
	inst, err := sa.ListInstances(ctx, &ssoadmin.ListInstancesInput{})
	if err != nil || len(inst.Instances) != 1 {
		t.Fatalf("ListInstances = %+v, %v", inst, err)
	}
	instanceARN, storeID := *inst.Instances[0].InstanceArn, *inst.Instances[0].IdentityStoreId
	u, err := identitystore.NewFromConfig(cfg).CreateUser(ctx, &identitystore.CreateUserInput{IdentityStoreId: aws.String(storeID),
		UserName: aws.String(name), DisplayName: aws.String(name), Name: &istypes.Name{GivenName: aws.String(name), FamilyName: aws.String("Tester")}})
	if err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	orgs := organizations.NewFromConfig(cfg)
	if _, err := orgs.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll}); err != nil &&
		!strings.Contains(err.Error(), "AlreadyInOrganization") {
		t.Fatalf("CreateOrganization: %v", err)
	}
	st, err := orgs.CreateAccount(ctx, &organizations.CreateAccountInput{AccountName: aws.String("dev-" + name), Email: aws.String(name + "-dev@example.com")})
	if err != nil {
		t.Fatalf("CreateAccount: %v", err)
	}
	d, err := orgs.DescribeCreateAccountStatus(ctx, &organizations.DescribeCreateAccountStatusInput{CreateAccountRequestId: st.CreateAccountStatus.Id})
	if err != nil || d.CreateAccountStatus.AccountId == nil {
		t.Fatalf("DescribeCreateAccountStatus = %+v, %v", d, err)
	}
	pu := &portalUser{name: name, password: "e2e " + rand.Text(), account: *d.CreateAccountStatus.AccountId, role: "ReadOnly-" + name}
	ps, err := sa.CreatePermissionSet(ctx, &ssoadmin.CreatePermissionSetInput{InstanceArn: aws.String(instanceARN), Name: aws.String(pu.role), SessionDuration: aws.String("PT2H")})
	if err != nil {
		t.Fatalf("CreatePermissionSet: %v", err)
	}
	if _, err := sa.CreateAccountAssignment(ctx, &ssoadmin.CreateAccountAssignmentInput{InstanceArn: aws.String(instanceARN),
		PermissionSetArn: ps.PermissionSet.PermissionSetArn, TargetId: aws.String(pu.account), TargetType: satypes.TargetTypeAwsAccount,
		PrincipalType: satypes.PrincipalTypeUser, PrincipalId: u.UserId}); err != nil {
		t.Fatalf("CreateAccountAssignment: %v", err)
	}
	cmd := exec.CommandContext(ctx, binary, "users", "set-password", "--user-name", name, "--password-stdin")
	cmd.Env = append(os.Environ(), "AWS_ENDPOINT_URL="+p.URL, "AWS_ACCESS_KEY_ID="+id, "AWS_SECRET_ACCESS_KEY="+secret, "AWS_REGION=us-east-1")
	cmd.Stdin = strings.NewReader(pu.password + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("idcenter users set-password: %v: %s", err, out)
	}
	return pu
}

// signInAndConsent drives the browser through whatever the pages ask, in
// any order, using only the PRODUCT.md contract: a form with a user_code
// (confirm it), fields username and password (sign in), #totp-uri (enrol
// TOTP and answer with a code), a field code (answer with a code), the
// consent button decision=allow. It stops when done() says so or the page
// asks nothing more.
func signInAndConsent(t *testing.T, ctx context.Context, start string, u *portalUser, done func() bool) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(start)); err != nil {
		t.Fatalf("navigate %s: %v", start, err)
	}
	var secret []byte
	// The probe sees a page once it is loaded and is not the one the last
	// action was taken on (marked with window.__idcActed before acting).
	const probe = `(() => {
		if (document.readyState !== 'complete' || window.__idcActed) return 'loading';
		const q = s => document.querySelector(s);
		if (q('button[name="decision"][value="allow"]')) return 'consent';
		if (q('#totp-uri')) return 'enrol';
		if (q('input[name="username"]') && q('input[name="password"]')) return 'signin';
		if (q('input[name="code"]')) return 'mfa';
		if (q('input[name="user_code"]')) return 'device';
		return 'other';
	})()`
	for step := 0; step < 12 && !done(); step++ {
		// Wait for the next page after the previous action (a separate
		// process: polling, bounded).
		var state, loc string
		for range 150 {
			var err error
			if state, err = chromedp.Run(ctx, chromedp.Evaluate[string](probe)); err != nil {
				state = "loading"
			}
			if state != "loading" || done() {
				break
			}
			time.Sleep(100 * time.Millisecond) // waiting for another process (the browser)
		}
		if done() {
			return
		}
		loc, _ = chromedp.Run(ctx, chromedp.Location())
		if state == "loading" {
			t.Fatalf("browser: no new page after step %d (at %s)", step, loc)
		}
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__idcActed = true`)); err != nil {
			t.Fatalf("mark page: %v", err)
		}
		t.Logf("browser step %d: %s at %s", step, state, loc)
		var err error
		switch state {
		case "device":
			err = chromedp.Do(ctx, chromedp.Submit(`input[name="user_code"]`))
		case "signin":
			err = chromedp.Do(ctx, chromedp.SendKeys(`input[name="username"]`, u.name),
				chromedp.SendKeys(`input[name="password"]`, u.password), chromedp.Submit(`input[name="password"]`))
		case "enrol":
			uri, e := chromedp.Run(ctx, chromedp.TextContent(`#totp-uri`))
			if e != nil {
				t.Fatalf("read #totp-uri: %v", e)
			}
			secret = totpSecret(t, strings.TrimSpace(uri))
			err = chromedp.Do(ctx, chromedp.SendKeys(`input[name="code"]`, totpNow(secret)), chromedp.Submit(`input[name="code"]`))
		case "mfa":
			if secret == nil {
				t.Fatalf("the page asks for an MFA code before enrolment")
			}
			err = chromedp.Do(ctx, chromedp.SendKeys(`input[name="code"]`, totpNow(secret)), chromedp.Submit(`input[name="code"]`))
		case "consent":
			err = chromedp.Do(ctx, chromedp.Click(`button[name="decision"][value="allow"]`))
		default:
			html, _ := chromedp.Run(ctx, chromedp.OuterHTML("body"))
			if strings.Contains(strings.ToLower(html), "close this window") || done() {
				return
			}
			t.Fatalf("browser stuck at %s: %.2000s", loc, html)
		}
		if err != nil {
			t.Fatalf("browser step %s: %v", state, err)
		}
	}
}

var otpauthSecret = regexp.MustCompile(`[?&]secret=([A-Za-z2-7=]+)`)

func totpSecret(t *testing.T, uri string) []byte {
	t.Helper()
	m := otpauthSecret.FindStringSubmatch(uri)
	if !strings.HasPrefix(uri, "otpauth://totp/") || m == nil {
		t.Fatalf("#totp-uri = %q, want an otpauth://totp/ URI with a secret", uri)
	}
	s, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(strings.TrimRight(m[1], "=")))
	if err != nil {
		t.Fatalf("TOTP secret %q: %v", m[1], err)
	}
	return s
}

func totpNow(secret []byte) string { return auth.TOTPCode(secret, time.Now().Unix()/30) }

// awsDataPath writes the CLI's own sso-oidc and sso models with endpoint
// rule sets that send every request to url (TESTING.md: CLI 2.9 predates
// AWS_ENDPOINT_URL, and `aws sso login` calls sso-oidc internally).
func awsDataPath(t *testing.T, url string) string {
	t.Helper()
	dir := t.TempDir()
	const cliData = "/usr/lib/python3/dist-packages/awscli/botocore/data"
	for _, svc := range []string{"sso-oidc", "sso"} {
		d := filepath.Join(dir, svc, "2019-06-10")
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		model, err := os.ReadFile(filepath.Join(cliData, svc, "2019-06-10", "service-2.json"))
		if err != nil {
			t.Fatalf("the CLI's %s model: %v", svc, err)
		}
		os.WriteFile(filepath.Join(d, "service-2.json"), model, 0o644)
		rules := map[string]any{
			"version": "1.0",
			"parameters": map[string]any{
				"Region":       map[string]any{"builtIn": "AWS::Region", "required": false, "documentation": "region", "type": "String"},
				"UseDualStack": map[string]any{"builtIn": "AWS::UseDualStack", "required": true, "default": false, "documentation": "dual stack", "type": "Boolean"},
				"UseFIPS":      map[string]any{"builtIn": "AWS::UseFIPS", "required": true, "default": false, "documentation": "fips", "type": "Boolean"},
				"Endpoint":     map[string]any{"builtIn": "SDK::Endpoint", "required": false, "documentation": "endpoint", "type": "String"},
			},
			"rules": []any{map[string]any{"conditions": []any{}, "type": "endpoint",
				"endpoint": map[string]any{"url": url, "properties": map[string]any{}, "headers": map[string]any{}}}},
		}
		b, _ := json.Marshal(rules)
		os.WriteFile(filepath.Join(d, "endpoint-rule-set-1.json"), b, 0o644)
	}
	return dir
}

// ssoHome is an isolated HOME with an sso-session profile for u.
type ssoHome struct {
	home, config, dataPath string
}

func newSSOHome(t *testing.T, p *proc, u *portalUser) *ssoHome {
	t.Helper()
	h := &ssoHome{home: t.TempDir(), dataPath: awsDataPath(t, p.URL)}
	h.config = filepath.Join(h.home, ".aws", "config")
	os.MkdirAll(filepath.Dir(h.config), 0o700)
	cfg := fmt.Sprintf(`[profile sso]
sso_session = idc
sso_account_id = %s
sso_role_name = %s
region = us-east-1
output = json

[sso-session idc]
sso_start_url = %s/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access
`, u.account, u.role, p.URL)
	if err := os.WriteFile(h.config, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return h
}

func (h *ssoHome) env(extra ...string) []string {
	return append([]string{"HOME=" + h.home, "PATH=/usr/bin:/bin", "AWS_CONFIG_FILE=" + h.config,
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(h.home, ".aws", "credentials"), "AWS_DATA_PATH=" + h.dataPath,
		"AWS_PAGER=", "AWS_MAX_ATTEMPTS=1"}, extra...)
}

// aws runs the stock CLI in h and decodes its JSON output into out.
func (h *ssoHome) aws(t *testing.T, out any, env []string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, awsCLI, args...)
	cmd.Env = h.env(env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("aws %s: %v: %s", strings.Join(args, " "), err, stderr.String())
	}
	if out != nil {
		if err := json.Unmarshal(stdout.Bytes(), out); err != nil {
			t.Fatalf("aws %s output %q: %v", strings.Join(args, " "), stdout.String(), err)
		}
	}
}

// cachedToken reads the CLI's token cache for the sso-session "idc".
func (h *ssoHome) cachedToken(t *testing.T) (map[string]any, string) {
	t.Helper()
	sum := sha1.Sum([]byte("idc"))
	path := filepath.Join(h.home, ".aws", "sso", "cache", hex.EncodeToString(sum[:])+".json")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("token cache: %v", err)
	}
	var tok map[string]any
	if err := json.Unmarshal(b, &tok); err != nil {
		t.Fatal(err)
	}
	return tok, path
}

// syncBuf collects a process's output for a concurrent reader.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

var completeURL = regexp.MustCompile(`(http://\S+/device\?user_code=\S+)`)

// TestAWSSSOLogin is the end-to-end test: the stock AWS CLI v2
// `aws sso login --no-browser` with an sso-session profile against a live
// idcenter, sign-in, TOTP enrolment and consent in headless Chromium; then
// `aws sso list-accounts`, `list-account-roles`, `get-role-credentials` and
// `aws sts get-caller-identity` (with the issued credentials, and through
// the profile's SSO credential provider); then boto3 with the same profile,
// made to refresh its token with the refresh_token grant.
func TestAWSSSOLogin(t *testing.T) {
	requireCLI(t)
	requireChromium(t)
	t.Parallel()
	p := start(t, t.TempDir())
	u := setupPortalUser(t, p, "alice")
	h := newSSOHome(t, p, u)

	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	login := exec.CommandContext(ctx, awsCLI, "sso", "login", "--profile", "sso", "--no-browser")
	login.Env = h.env()
	out := &syncBuf{}
	login.Stdout, login.Stderr = out, out
	if err := login.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- login.Wait() }()
	var verify string
	for range 300 {
		if m := completeURL.FindStringSubmatch(out.String()); m != nil {
			verify = m[1]
			break
		}
		select {
		case err := <-exited:
			t.Fatalf("aws sso login exited early (%v): %s", err, out.String())
		case <-time.After(100 * time.Millisecond): // waiting for the CLI (another process) to print
		}
	}
	if verify == "" {
		t.Fatalf("aws sso login printed no verification URL: %s", out.String())
	}
	if !strings.HasPrefix(verify, p.URL+"/device?user_code=") {
		t.Errorf("verificationUriComplete = %s, want %s/device?user_code=…", verify, p.URL)
	}
	var loginErr error
	finished := false
	signInAndConsent(t, browser(t), verify, u, func() bool {
		if finished {
			return true
		}
		select {
		case loginErr = <-exited:
			finished = true
		default:
		}
		return finished
	})
	if !finished {
		select {
		case loginErr = <-exited:
		case <-ctx.Done():
			t.Fatalf("aws sso login did not finish: %s", out.String())
		}
	}
	if loginErr != nil || !strings.Contains(out.String(), "Successfully logged into Start URL") {
		t.Fatalf("aws sso login: %v: %s", loginErr, out.String())
	}

	tok, cachePath := h.cachedToken(t)
	access, _ := tok["accessToken"].(string)
	if access == "" || tok["refreshToken"] == nil {
		t.Fatalf("token cache %s lacks an access or refresh token: %v", cachePath, tok)
	}
	ep := []string{"--endpoint-url", p.URL, "--region", "us-east-1"}
	var accounts struct {
		AccountList []struct{ AccountId, AccountName string }
	}
	h.aws(t, &accounts, nil, append([]string{"sso", "list-accounts", "--access-token", access}, ep...)...)
	if len(accounts.AccountList) != 1 || accounts.AccountList[0].AccountId != u.account {
		t.Errorf("aws sso list-accounts = %+v, want %s", accounts, u.account)
	}
	var roles struct {
		RoleList []struct{ RoleName, AccountId string }
	}
	h.aws(t, &roles, nil, append([]string{"sso", "list-account-roles", "--access-token", access, "--account-id", u.account}, ep...)...)
	if len(roles.RoleList) != 1 || roles.RoleList[0].RoleName != u.role {
		t.Errorf("aws sso list-account-roles = %+v, want %s", roles, u.role)
	}
	var rc struct {
		RoleCredentials struct {
			AccessKeyId, SecretAccessKey, SessionToken string
			Expiration                                 int64
		}
	}
	h.aws(t, &rc, nil, append([]string{"sso", "get-role-credentials", "--access-token", access, "--account-id", u.account, "--role-name", u.role}, ep...)...)
	if !strings.HasPrefix(rc.RoleCredentials.AccessKeyId, "ASIA") {
		t.Fatalf("aws sso get-role-credentials = %+v", rc)
	}
	wantARN := regexp.MustCompile(`^arn:aws:sts::` + u.account + `:assumed-role/AWSReservedSSO_` + regexp.QuoteMeta(u.role) + `_[0-9a-f]{16}/alice$`)
	var id struct{ Arn, Account, UserId string }
	h.aws(t, &id, []string{"AWS_ACCESS_KEY_ID=" + rc.RoleCredentials.AccessKeyId, "AWS_SECRET_ACCESS_KEY=" + rc.RoleCredentials.SecretAccessKey,
		"AWS_SESSION_TOKEN=" + rc.RoleCredentials.SessionToken}, append([]string{"sts", "get-caller-identity"}, ep...)...)
	if !wantARN.MatchString(id.Arn) || id.Account != u.account || !strings.HasSuffix(id.UserId, ":alice") {
		t.Errorf("aws sts get-caller-identity (issued credentials) = %+v", id)
	}
	// Through the profile: the CLI's SSO credential provider calls
	// GetRoleCredentials itself.
	h.aws(t, &id, nil, append([]string{"sts", "get-caller-identity", "--profile", "sso"}, ep...)...)
	if !wantARN.MatchString(id.Arn) {
		t.Errorf("aws sts get-caller-identity --profile sso = %+v", id)
	}

	// boto3 with the same profile. Moving the cached token's expiry into
	// botocore's 15-minute refresh window makes it use the refresh_token
	// grant before asking for role credentials.
	python := requireBoto3(t)
	tok["expiresAt"] = time.Now().Add(5 * time.Minute).UTC().Format(time.RFC3339)
	b, _ := json.Marshal(tok)
	if err := os.WriteFile(cachePath, b, 0o600); err != nil {
		t.Fatal(err)
	}
	script := `import boto3, json
s = boto3.Session(profile_name="sso")
print(json.dumps(s.client("sts").get_caller_identity()))`
	cmd := exec.CommandContext(ctx, python, "-c", script)
	cmd.Env = []string{"HOME=" + h.home, "AWS_CONFIG_FILE=" + h.config, "AWS_ENDPOINT_URL_SSO_OIDC=" + p.URL,
		"AWS_ENDPOINT_URL_SSO=" + p.URL, "AWS_ENDPOINT_URL_STS=" + p.URL, "AWS_MAX_ATTEMPTS=1", "PATH=" + os.Getenv("PATH")}
	var pyOut, pyErr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &pyOut, &pyErr
	if err := cmd.Run(); err != nil {
		t.Fatalf("boto3: %v: %s", err, pyErr.String())
	}
	var bid struct{ Arn, Account string }
	if err := json.Unmarshal(pyOut.Bytes(), &bid); err != nil || !wantARN.MatchString(bid.Arn) {
		t.Errorf("boto3 get_caller_identity = %s (%v)", pyOut.String(), err)
	}
	after, _ := h.cachedToken(t)
	if after["refreshToken"] == tok["refreshToken"] || after["accessToken"] == tok["accessToken"] {
		t.Errorf("boto3 did not refresh the token (the cache still holds the old refresh token)")
	}
}

func requireBoto3(t *testing.T) string {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err == nil {
		err = exec.Command(py, "-c", "import boto3").Run()
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("python3 with boto3 missing under CI=true: %v", err)
		}
		t.Skipf("python3 with boto3 not available: %v", err)
	}
	return py
}

// TestPKCELogin plays AWS CLI 2.22+'s login: RegisterClient with the
// authorization_code grant and the loopback redirect URI, /authorize in
// Chromium (sign-in, TOTP enrolment, consent), the redirect caught on a
// loopback listener, CreateToken with the code verifier; then the portal
// API with the token.
func TestPKCELogin(t *testing.T) {
	requireChromium(t)
	t.Parallel()
	ctx := t.Context()
	p := start(t, t.TempDir())
	u := setupPortalUser(t, p, "bob")
	cfg := sdkConfig(p.URL, "", "")
	cfg.Credentials = aws.AnonymousCredentials{}
	oc := ssooidc.NewFromConfig(cfg)
	reg, err := oc.RegisterClient(ctx, &ssooidc.RegisterClientInput{ClientName: aws.String("botocore-client-idc"), ClientType: aws.String("public"),
		Scopes: []string{"sso:account:access"}, GrantTypes: []string{"authorization_code", "refresh_token"},
		RedirectUris: []string{"http://127.0.0.1/oauth/callback"}, IssuerUrl: aws.String(p.URL + "/start")})
	if err != nil {
		t.Fatalf("RegisterClient: %v", err)
	}

	// The CLI's loopback listener.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var got url.Values
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/oauth/callback" {
			http.NotFound(w, r)
			return
		}
		mu.Lock()
		got = r.URL.Query()
		mu.Unlock()
		fmt.Fprintln(w, "Request approved. You can close this window.")
	})}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	redirect := fmt.Sprintf("http://%s/oauth/callback", l.Addr())

	verifier := base64.RawURLEncoding.EncodeToString([]byte(rand.Text() + rand.Text()))[:64]
	sum := sha256.Sum256([]byte(verifier))
	state := rand.Text()
	q := url.Values{"response_type": {"code"}, "client_id": {*reg.ClientId}, "redirect_uri": {redirect}, "state": {state},
		"code_challenge_method": {"S256"}, "scopes": {"sso:account:access"}, "code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}}
	signInAndConsent(t, browser(t), p.URL+"/authorize?"+q.Encode(), u, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return got != nil
	})
	mu.Lock()
	cb := got
	mu.Unlock()
	if cb == nil || cb.Get("state") != state || cb.Get("code") == "" {
		t.Fatalf("loopback callback = %v, want a code and state %s", cb, state)
	}
	tok, err := oc.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
		GrantType: aws.String("authorization_code"), Code: aws.String(cb.Get("code")), RedirectUri: aws.String(redirect), CodeVerifier: aws.String(verifier)})
	if err != nil {
		t.Fatalf("CreateToken(authorization_code) = %v", err)
	}
	accts, err := sso.NewFromConfig(cfg).ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: tok.AccessToken})
	if err != nil || len(accts.AccountList) != 1 || aws.ToString(accts.AccountList[0].AccountId) != u.account {
		t.Errorf("ListAccounts with the PKCE token = %+v, %v", accts, err)
	}
	// The code was single-use.
	if _, err := oc.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
		GrantType: aws.String("authorization_code"), Code: aws.String(cb.Get("code")), RedirectUri: aws.String(redirect), CodeVerifier: aws.String(verifier)}); err == nil {
		t.Errorf("a second CreateToken with the same code succeeded")
	}
}
