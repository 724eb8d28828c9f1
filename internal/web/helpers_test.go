package web_test

import (
	"encoding/base32"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	istypes "github.com/aws/aws-sdk-go-v2/service/identitystore/types"

	"github.com/idcenter/idcenter/internal/auth"
	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/keys"
	"github.com/idcenter/idcenter/internal/server"
	"github.com/idcenter/idcenter/internal/testenv"
)

// clock is a manual clock for the server (TOTP steps, expiry).
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// newEnv starts the whole server (the same handler the binary serves) with
// a manual clock and its public URL set to the test server's.
func newEnv(t *testing.T, backend string) (*testenv.Env, *clock) {
	t.Helper()
	return newEnvLog(t, backend, io.Discard)
}

// newEnvLog is newEnv with the server's log written to w as JSON lines.
func newEnvLog(t *testing.T, backend string, w io.Writer) (*testenv.Env, *clock) {
	t.Helper()
	st := testenv.OpenStore(t, backend)
	kr, err := keys.New(keys.Generate())
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: time.Now()}
	keyID, secret := idc.NewAccessKeyID(), idc.NewSecretAccessKey()
	hs := httptest.NewUnstartedServer(nil)
	srv, err := server.New(t.Context(), server.Options{Store: st, Keys: kr, Logger: slog.New(slog.NewJSONHandler(w, nil)),
		AdminAccessKeyID: keyID, AdminSecretAccessKey: secret, PublicURL: "http://" + hs.Listener.Addr().String(), Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	hs.Config.Handler = srv.Handler()
	hs.Start()
	t.Cleanup(hs.Close)
	env := &testenv.Env{URL: hs.URL, Store: st, Server: srv, Backend: backend, InstanceARN: srv.Instance().InstanceARN,
		IdentityStoreID: srv.Instance().IdentityStoreID, ManagementAccountID: srv.ManagementAccountID(), AdminKeyID: keyID, AdminSecret: secret}
	env.AWSConfig = aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(keyID, secret, ""),
		BaseEndpoint: aws.String(hs.URL), HTTPClient: hs.Client(), Retryer: testenv.Retryer}
	return env, clk
}

func backends(t *testing.T, fn func(t *testing.T, env *testenv.Env, clk *clock)) {
	for _, b := range []string{"sqlite", "postgres"} {
		t.Run(b, func(t *testing.T) {
			t.Parallel()
			env, clk := newEnv(t, b)
			fn(t, env, clk)
		})
	}
}

// createUser creates a directory user through the identitystore API and
// sets its password through the auth service.
func createUser(t *testing.T, env *testenv.Env, name, password string) string {
	t.Helper()
	ctx := t.Context()
	u, err := env.IdentityStore().CreateUser(ctx, &identitystore.CreateUserInput{
		IdentityStoreId: aws.String(env.IdentityStoreID), UserName: aws.String(name), DisplayName: aws.String("User " + name),
		Name: &istypes.Name{GivenName: aws.String(name), FamilyName: aws.String("Test")},
	})
	if err != nil {
		t.Fatalf("CreateUser(%s): %v", name, err)
	}
	if password != "" {
		if err := env.Server.Auth().SetPassword(ctx, env.IdentityStoreID, *u.UserId, password); err != nil {
			t.Fatalf("SetPassword(%s): %v", name, err)
		}
	}
	return *u.UserId
}

// browser is an HTTP client with a cookie jar that does not follow
// redirects, so tests see every step.
type browser struct {
	t    *testing.T
	c    *http.Client
	base string
	clk  *clock
	// secret and last are the enrolled TOTP secret and the last step used.
	secret []byte
	last   int64
	// header is added to every request.
	header http.Header
}

func newBrowser(t *testing.T, env *testenv.Env, clk *clock) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: env.URL, clk: clk, header: http.Header{}, c: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// page is a response.
type page struct {
	status   int
	header   http.Header
	body     string
	location string
}

func (b *browser) do(method, path string, form url.Values) *page {
	b.t.Helper()
	u := path
	if !strings.HasPrefix(u, "http") {
		u = b.base + path
	}
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(b.t.Context(), method, u, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("User-Agent", "web-test")
	for k, v := range b.header {
		req.Header[k] = v
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return &page{status: resp.StatusCode, header: resp.Header, body: string(data), location: resp.Header.Get("Location")}
}

func (b *browser) get(path string) *page { return b.do(http.MethodGet, path, nil) }

func (b *browser) post(path string, form url.Values) *page { return b.do(http.MethodPost, path, form) }

var (
	csrfRE    = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)
	totpURIRE = regexp.MustCompile(`id="totp-uri">([^<]+)<`)
)

// csrf returns the first CSRF token of a page.
func (p *page) csrf(t *testing.T) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no csrf_token on the page (status %d):\n%.2000s", p.status, p.body)
	}
	return html.UnescapeString(m[1])
}

// csrfTokens returns every CSRF token of a page, in order.
func (p *page) csrfTokens() []string {
	var out []string
	for _, m := range csrfRE.FindAllStringSubmatch(p.body, -1) {
		out = append(out, html.UnescapeString(m[1]))
	}
	return out
}

func (b *browser) cookie(name string) string {
	u, _ := url.Parse(b.base)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

func (b *browser) setCookie(name, value string) {
	u, _ := url.Parse(b.base)
	b.c.Jar.SetCookies(u, []*http.Cookie{{Name: name, Value: value, Path: "/"}})
}

// code returns a TOTP code for the enrolled secret that has not been used
// yet, advancing the clock a step when the window is used up.
func (b *browser) code() string {
	cur := b.clk.Now().Unix() / 30
	step := max(b.last+1, cur-1)
	if step > cur+1 {
		b.clk.Advance(30 * time.Second)
		return b.code()
	}
	b.last = step
	return auth.TOTPCode(b.secret, step)
}

// signIn runs the whole sign-in: password, then enrolment (first time) or
// code. It fails the test unless it ends on next (or /start).
func (b *browser) signIn(user, password, next string) {
	b.t.Helper()
	path := "/signin"
	if next != "" {
		path += "?next=" + url.QueryEscape(next)
	}
	p := b.get(path)
	if p.status != http.StatusOK {
		b.t.Fatalf("GET %s = %d", path, p.status)
	}
	p = b.post("/signin", url.Values{"csrf_token": {p.csrf(b.t)}, "username": {user}, "password": {password}, "next": {next}})
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/signin/mfa") {
		b.t.Fatalf("POST /signin = %d → %q, want 303 to /signin/mfa\n%.2000s", p.status, p.location, p.body)
	}
	p = b.get(p.location)
	if m := totpURIRE.FindStringSubmatch(p.body); m != nil {
		u, err := url.Parse(html.UnescapeString(m[1]))
		if err != nil {
			b.t.Fatal(err)
		}
		b.secret, err = decodeBase32(u.Query().Get("secret"))
		if err != nil {
			b.t.Fatalf("totp-uri secret: %v", err)
		}
		b.last = 0
	}
	p = b.post("/signin/mfa", url.Values{"csrf_token": {p.csrf(b.t)}, "code": {b.code()}, "next": {next}})
	want := next
	if want == "" {
		want = "/start"
	}
	if p.status != http.StatusSeeOther || p.location != want {
		b.t.Fatalf("POST /signin/mfa = %d → %q, want 303 to %q\n%.2000s", p.status, p.location, want, p.body)
	}
}

func decodeBase32(s string) ([]byte, error) {
	return base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(s)
}

var hiddenRequestRE = regexp.MustCompile(`name="request" value="([^"]*)"`)

func htmlUnescape(s string) string { return html.UnescapeString(s) }
