// Command oauth measures the hot paths of `aws sso login` and the portal
// API (issue #4) and prints one Markdown table row per scenario: full
// device-flow cycles, StartDeviceAuthorization, polls of pending device
// codes, CreateToken (device code and refresh token), ListAccounts,
// ListAccountRoles, GetRoleCredentials and GetCallerIdentity (SigV4
// verification of temporary credentials), and the token and portal p99
// while a storm of password sign-ins runs.
//
//	go run ./tools/loadgen/oauth -db sqlite
//	go run ./tools/loadgen/oauth -db "$IDCENTER_TEST_POSTGRES"
//
// It runs the real server (internal/server, the handler the binary serves)
// in this process on a loopback listener, over a fresh SQLite file or a
// fresh database on the given PostgreSQL server, and drives it over HTTP
// with -clients concurrent keep-alive clients. Setup uses the admin APIs
// (identitystore, organizations, sso-admin) and, for the browser's part of
// the device flow (sign-in and approval), the sign-in and OAuth services
// directly; only the sso-oidc, sso and STS requests are measured. Every
// loop is bounded by -n requests and by -max-duration.
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	istypes "github.com/aws/aws-sdk-go-v2/service/identitystore/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	satypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
	_ "github.com/jackc/pgx/v5/stdlib" // to create the fresh PostgreSQL database

	"github.com/idcenter/idcenter/internal/auth"
	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/keys"
	"github.com/idcenter/idcenter/internal/server"
	"github.com/idcenter/idcenter/internal/store"
	"github.com/idcenter/idcenter/internal/store/postgres"
	"github.com/idcenter/idcenter/internal/store/sqlite"
)

const password = "correct horse battery staple"

func main() {
	var (
		dbFlag   = flag.String("db", "sqlite", `"sqlite" (a fresh file in a temp dir) or a postgres:// DSN of a server on which a fresh database is created`)
		clients  = flag.Int("clients", 8, "concurrent clients")
		n        = flag.Int("n", 20000, "requests per scenario")
		users    = flag.Int("users", 8, "signed-in users")
		accounts = flag.Int("accounts", 20, "accounts every user is entitled to (two roles each)")
		maxDur   = flag.Duration("max-duration", 30*time.Second, "upper bound of each scenario")
		storm    = flag.Int("storm", 4, "concurrent password sign-ins in the storm scenario (0: skip)")
		rate     = flag.Int("storm-rate", 400, "offered load (req/s) of the idle and storm latency comparison")
		window   = flag.Int("poll-window", 14000, "device codes polled round-robin (about the number of concurrent logins, each polling once a second)")
		label    = flag.String("label", "", "label of the rows (default: the backend)")
		profile  = flag.String("cpuprofile", "", "write a CPU profile of the measured part to this file")
		only     = flag.String("only", "", `"storm": run only the sign-in storm comparison (and the unprinted setup it needs: min(-n, 2000) device tokens)`)
	)
	flag.IntVar(&stormRounds, "storm-rounds", stormRounds, "idle and storm phases alternated in the storm comparison (2 s per operation and phase)")
	flag.StringVar(&traceFile, "trace", "", "write an execution trace of the storm comparison's last round to this file (go tool trace)")
	flag.StringVar(&profileDir, "cpuprofile-dir", "", "write one CPU profile per throughput scenario to this directory (not with -cpuprofile)")
	flag.Parse()
	ctx := context.Background()
	st, backend, cleanup, err := openStore(ctx, *dbFlag)
	if err != nil {
		fail(err)
	}
	defer cleanup()
	if *label == "" {
		*label = backend
	}
	server.TuneGC() // as cmd/idcenter serve does
	h, err := start(ctx, st)
	if err != nil {
		fail(err)
	}
	defer h.close()
	if err := h.setup(ctx, *users, *accounts); err != nil {
		fail(err)
	}
	fmt.Printf("| %s (GOMAXPROCS %d): scenario | clients | requests | req/s | p50 ms | p99 ms | CPU µs/req | 5xx | unexpected |\n|---|---|---|---|---|---|---|---|---|\n", *label, runtime.GOMAXPROCS(0))
	b := &bench{h: h, clients: *clients, n: *n, maxDur: *maxDur, rate: *rate, window: *window}
	switch *only {
	case "":
	case "storm":
		if *storm <= 0 {
			fail(fmt.Errorf("-only storm needs -storm > 0"))
		}
		b.stormOnly = true
		b.n = min(b.n, 2000)
	default:
		fail(fmt.Errorf("-only %q: want \"storm\" or nothing", *only))
	}
	if *profile != "" {
		f, err := os.Create(*profile)
		if err != nil {
			fail(err)
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	b.all(ctx, *storm)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "oauth loadgen:", err)
	os.Exit(1)
}

func openStore(ctx context.Context, spec string) (store.Store, string, func(), error) {
	if spec == "sqlite" {
		dir, err := os.MkdirTemp("", "idcenter-oauth-bench")
		if err != nil {
			return nil, "", nil, err
		}
		st, err := sqlite.Open(ctx, filepath.Join(dir, "idcenter.db"))
		if err != nil {
			return nil, "", nil, err
		}
		return st, "sqlite", func() { st.Close(); os.RemoveAll(dir) }, nil
	}
	admin, err := sql.Open("pgx", spec)
	if err != nil {
		return nil, "", nil, err
	}
	name := "idcbench_" + strings.ReplaceAll(idc.UUID(), "-", "")[:16]
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE `+name); err != nil {
		return nil, "", nil, err
	}
	u, err := url.Parse(spec)
	if err != nil {
		return nil, "", nil, err
	}
	u.Path = "/" + name
	st, err := postgres.Open(ctx, u.String())
	if err != nil {
		return nil, "", nil, err
	}
	return st, "postgres", func() {
		st.Close()
		admin.ExecContext(context.Background(), `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`)
		admin.Close()
	}, nil
}

// harness is the server under test and what setup made.
type harness struct {
	srv      *server.Server
	hs       *http.Server
	url      string
	http     *http.Client
	cfg      aws.Config
	storeID  string
	instance string
	sessions []*idc.Session
	names    []string
	accts    []string
	roles    []string
	clients  []oidcClient
}

type oidcClient struct{ id, secret string }

// hashCPU is the server's --password-hash-cpu (0: its default).
var hashCPU = flag.Float64("password-hash-cpu", 0, "CPUs' worth of time password hashing may use (the server's --password-hash-cpu; 0: its default, GOMAXPROCS/8)")

func start(ctx context.Context, st store.Store) (*harness, error) {
	kr, err := keys.New(keys.Generate())
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	base := "http://" + l.Addr().String()
	keyID, secret := idc.NewAccessKeyID(), idc.NewSecretAccessKey()
	srv, err := server.New(ctx, server.Options{Store: st, Keys: kr, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		AdminAccessKeyID: keyID, AdminSecretAccessKey: secret, PublicURL: base, PasswordHashCPU: *hashCPU})
	if err != nil {
		return nil, err
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(l)
	tr := &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, DialContext: (&net.Dialer{Timeout: 5 * time.Second}).DialContext}
	h := &harness{srv: srv, hs: hs, url: base, http: &http.Client{Transport: tr, Timeout: 30 * time.Second},
		storeID: srv.Instance().IdentityStoreID, instance: srv.Instance().InstanceARN}
	h.cfg = aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(keyID, secret, ""),
		BaseEndpoint: aws.String(base), HTTPClient: h.http}
	return h, nil
}

func (h *harness) close() { h.hs.Close() }

// setup creates users (signed in once each), a group holding them, accounts
// with two permission sets assigned to the group, and 64 sso-oidc clients.
func (h *harness) setup(ctx context.Context, users, accounts int) error {
	is := identitystore.NewFromConfig(h.cfg)
	g, err := is.CreateGroup(ctx, &identitystore.CreateGroupInput{IdentityStoreId: aws.String(h.storeID), DisplayName: aws.String("engineers")})
	if err != nil {
		return fmt.Errorf("create group: %w", err)
	}
	a := h.srv.Auth()
	if _, err := a.UpdateSettings(ctx, h.storeID, auth.SettingsUpdate{MFAMode: store.MFADisabled}); err != nil {
		return err
	}
	for i := range users {
		name := fmt.Sprintf("user%02d", i)
		u, err := is.CreateUser(ctx, &identitystore.CreateUserInput{IdentityStoreId: aws.String(h.storeID), UserName: aws.String(name),
			DisplayName: aws.String(name), Name: &istypes.Name{GivenName: aws.String("U"), FamilyName: aws.String(name)}})
		if err != nil {
			return fmt.Errorf("create user: %w", err)
		}
		if _, err := is.CreateGroupMembership(ctx, &identitystore.CreateGroupMembershipInput{IdentityStoreId: aws.String(h.storeID),
			GroupId: g.GroupId, MemberId: &istypes.MemberIdMemberUserId{Value: *u.UserId}}); err != nil {
			return fmt.Errorf("membership: %w", err)
		}
		if err := a.SetPassword(ctx, h.storeID, *u.UserId, password); err != nil {
			return err
		}
		res, err := a.SignIn(ctx, auth.SignInInput{IdentityStoreID: h.storeID, UserName: name, Password: password, UserAgent: "loadgen"})
		if err != nil || res.Session == nil {
			return fmt.Errorf("sign in: %v", err)
		}
		h.sessions = append(h.sessions, res.Session.Session)
		h.names = append(h.names, name)
	}
	orgs := organizations.NewFromConfig(h.cfg)
	if _, err := orgs.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll}); err != nil {
		return fmt.Errorf("create organization: %w", err)
	}
	sa := ssoadmin.NewFromConfig(h.cfg)
	var psARNs []string
	for _, name := range []string{"ReadOnly", "PowerUser"} {
		ps, err := sa.CreatePermissionSet(ctx, &ssoadmin.CreatePermissionSetInput{InstanceArn: aws.String(h.instance), Name: aws.String(name)})
		if err != nil {
			return fmt.Errorf("create permission set: %w", err)
		}
		psARNs = append(psARNs, *ps.PermissionSet.PermissionSetArn)
		h.roles = append(h.roles, name)
	}
	for i := range accounts {
		name := fmt.Sprintf("acct-%03d", i)
		s, err := orgs.CreateAccount(ctx, &organizations.CreateAccountInput{AccountName: aws.String(name), Email: aws.String(name + "@example.com")})
		if err != nil {
			return fmt.Errorf("create account: %w", err)
		}
		d, err := orgs.DescribeCreateAccountStatus(ctx, &organizations.DescribeCreateAccountStatusInput{CreateAccountRequestId: s.CreateAccountStatus.Id})
		if err != nil || d.CreateAccountStatus.AccountId == nil {
			return fmt.Errorf("account status: %v", err)
		}
		id := *d.CreateAccountStatus.AccountId
		h.accts = append(h.accts, id)
		for _, ps := range psARNs {
			if _, err := sa.CreateAccountAssignment(ctx, &ssoadmin.CreateAccountAssignmentInput{InstanceArn: aws.String(h.instance),
				PermissionSetArn: aws.String(ps), TargetId: aws.String(id), TargetType: satypes.TargetTypeAwsAccount,
				PrincipalType: satypes.PrincipalTypeGroup, PrincipalId: g.GroupId}); err != nil {
				return fmt.Errorf("assign: %w", err)
			}
		}
	}
	for i := range 64 {
		var out struct{ ClientId, ClientSecret string }
		if st, err := h.post(ctx, "/client/register", map[string]any{"clientName": fmt.Sprintf("botocore-client-bench-%d", i),
			"clientType": "public", "scopes": []string{"sso:account:access"}}, &out); err != nil || st != 200 {
			return fmt.Errorf("register client: %d %v", st, err)
		}
		h.clients = append(h.clients, oidcClient{out.ClientId, out.ClientSecret})
	}
	return nil
}

// post sends a JSON request and decodes a 200 answer into out (if non-nil).
func (h *harness) post(ctx context.Context, path string, in any, out any) (int, error) {
	b, _ := json.Marshal(in)
	return h.postRaw(ctx, path, b, out)
}

// postRaw is post with the body already encoded.
func (h *harness) postRaw(ctx context.Context, path string, b []byte, out any) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.url+path, bytes.NewReader(b))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	return h.do(req, out)
}

func (h *harness) get(ctx context.Context, path string, q url.Values, token string, out any) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.url+path+"?"+q.Encode(), nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("x-amz-sso_bearer_token", token)
	return h.do(req, out)
}

func (h *harness) do(req *http.Request, out any) (int, error) {
	resp, err := h.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, err
	}
	if out != nil && resp.StatusCode == 200 {
		if err := json.Unmarshal(body, out); err != nil {
			return resp.StatusCode, err
		}
	}
	if resp.StatusCode >= 400 {
		return resp.StatusCode, fmt.Errorf("%s", resp.Header.Get("X-Amzn-Errortype"))
	}
	return resp.StatusCode, nil
}

// stats is one measured run.
type stats struct {
	name       string
	clients    int
	errs, five int
	elapsed    time.Duration
	cpu        time.Duration // CPU time of this process (server and load clients)
	lat        []time.Duration
}

// cpuTime returns the user+system CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func (s *stats) pct(p float64) time.Duration {
	if len(s.lat) == 0 {
		return 0
	}
	return s.lat[min(len(s.lat)-1, int(p*float64(len(s.lat))))]
}

func (s *stats) String() string {
	perReq := 0.0
	if len(s.lat) > 0 {
		perReq = float64(s.cpu.Microseconds()) / float64(len(s.lat))
	}
	return fmt.Sprintf("| %s | %d | %d | %.0f | %.2f | %.2f | %.0f | %d | %d |", s.name, s.clients, len(s.lat),
		float64(len(s.lat))/s.elapsed.Seconds(), ms(s.pct(0.50)), ms(s.pct(0.99)), perReq, s.five, s.errs)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// run sends up to n requests from `clients` workers for at most maxDur;
// do(i) performs request i and reports its status and whether it was the
// expected outcome.
func run(name string, clients, n int, maxDur time.Duration, do func(ctx context.Context, i int) (status int, ok bool)) *stats {
	ctx, cancel := context.WithTimeout(context.Background(), maxDur)
	defer cancel()
	defer profileScenario(name)()
	var next atomic.Int64
	var mu sync.Mutex
	st := &stats{name: name, clients: clients}
	var wg sync.WaitGroup
	t0, c0 := time.Now(), cpuTime()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lat []time.Duration
			errs, five := 0, 0
			for {
				i := int(next.Add(1)) - 1
				if i >= n || ctx.Err() != nil {
					break
				}
				s := time.Now()
				status, ok := do(ctx, i)
				lat = append(lat, time.Since(s))
				if status >= 500 {
					five++
				}
				if !ok {
					errs++
				}
			}
			mu.Lock()
			st.lat = append(st.lat, lat...)
			st.errs += errs
			st.five += five
			mu.Unlock()
		}()
	}
	wg.Wait()
	st.elapsed, st.cpu = time.Since(t0), cpuTime()-c0
	sort.Slice(st.lat, func(i, j int) bool { return st.lat[i] < st.lat[j] })
	return st
}

// profileDir, when set, receives one CPU profile per scenario run by run.
var profileDir string

// profileScenario starts a CPU profile of scenario name in profileDir and
// returns the function that stops it; without profileDir it does nothing.
func profileScenario(name string) (stop func()) {
	if profileDir == "" {
		return func() {}
	}
	slug := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '-'
	}, name)
	f, err := os.Create(filepath.Join(profileDir, slug+".prof"))
	if err != nil {
		fail(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		fail(err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

type bench struct {
	h       *harness
	clients int
	n       int
	maxDur  time.Duration
	rate    int
	window  int
	// stormOnly runs only the storm comparison: the scenarios before it
	// run (they make its tokens) but print nothing.
	stormOnly bool
}

// print prints a scenario's row unless only the storm is wanted.
func (b *bench) print(st *stats) {
	if !b.stormOnly {
		fmt.Println(st)
	}
}

type device struct {
	client           oidcClient
	deviceCode, user string
	poll             []byte // the CreateToken body of a poll
	access, refresh  string
	session          *idc.Session
	mu               sync.Mutex
}

const deviceGrant = "urn:ietf:params:oauth:grant-type:device_code"

func (b *bench) all(ctx context.Context, storm int) {
	h := b.h
	// StartDeviceAuthorization.
	devs := make([]*device, b.n)
	b.print(run("StartDeviceAuthorization", b.clients, b.n, b.maxDur, func(ctx context.Context, i int) (int, bool) {
		c := h.clients[i%len(h.clients)]
		var out struct{ DeviceCode, UserCode string }
		st, err := h.post(ctx, "/device_authorization", map[string]string{"clientId": c.id, "clientSecret": c.secret, "startUrl": h.url + "/start"}, &out)
		if err == nil {
			body, _ := json.Marshal(map[string]string{"clientId": c.id, "clientSecret": c.secret, "grantType": deviceGrant, "deviceCode": out.DeviceCode})
			devs[i] = &device{client: c, deviceCode: out.DeviceCode, user: out.UserCode, poll: body, session: h.sessions[i%len(h.sessions)]}
		}
		return st, err == nil && st == 200
	}))
	var live []*device
	for _, d := range devs {
		if d != nil {
			live = append(live, d)
		}
	}
	if len(live) == 0 {
		fail(fmt.Errorf("no device authorization started"))
	}
	// Polls of pending codes, round-robin over a window of codes, each
	// polled three times: at the target rate each code is polled about once
	// a second, as botocore does (a faster poll is answered SlowDown).
	slow := atomic.Int64{}
	win := live[:min(b.window, len(live))]
	if !b.stormOnly {
		fmt.Println(run(fmt.Sprintf("CreateToken poll, pending device code (%d codes)", len(win)), b.clients, 3*len(win), b.maxDur, func(ctx context.Context, i int) (int, bool) {
			d := win[i%len(win)]
			st, err := h.postRaw(ctx, "/token", d.poll, nil)
			if err != nil && err.Error() == "SlowDownException" {
				slow.Add(1)
			}
			return st, st == 400 && err != nil && (err.Error() == "AuthorizationPendingException" || err.Error() == "SlowDownException")
		}))
		if s := slow.Load(); s > 0 {
			fmt.Printf("| (of which SlowDownException) | | %d | | | | | | |\n", s)
		}
	}
	// Approve every code (the browser's part; not measured), then redeem.
	t0 := time.Now()
	var wg sync.WaitGroup
	sem := make(chan struct{}, b.clients)
	for _, d := range live {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := h.srv.OAuth().ApproveDevice(ctx, d.user, d.session, ""); err != nil {
				fail(fmt.Errorf("approve: %w", err))
			}
		}()
	}
	wg.Wait()
	fmt.Fprintf(os.Stderr, "approved %d device codes in %v (setup)\n", len(live), time.Since(t0).Round(time.Millisecond))
	b.print(run("CreateToken device_code (issues + persists tokens)", b.clients, len(live), b.maxDur, func(ctx context.Context, i int) (int, bool) {
		d := live[i]
		var out struct{ AccessToken, RefreshToken string }
		st, err := h.postRaw(ctx, "/token", d.poll, &out)
		d.access, d.refresh = out.AccessToken, out.RefreshToken
		return st, err == nil && st == 200 && out.RefreshToken != ""
	}))
	var tok []*device
	for _, d := range live {
		if d.refresh != "" {
			tok = append(tok, d)
		}
	}
	if len(tok) == 0 {
		fail(fmt.Errorf("no tokens issued"))
	}
	refreshOne := func(ctx context.Context, i int) (int, bool) {
		d := tok[i%len(tok)]
		d.mu.Lock()
		defer d.mu.Unlock()
		var out struct{ AccessToken, RefreshToken string }
		st, err := h.post(ctx, "/token", map[string]string{"clientId": d.client.id, "clientSecret": d.client.secret, "grantType": "refresh_token", "refreshToken": d.refresh}, &out)
		if err == nil && out.RefreshToken != "" {
			d.access, d.refresh = out.AccessToken, out.RefreshToken
		}
		return st, err == nil && st == 200
	}

	// A tool lists with one token many times (ListAccountRoles once per
	// account); the portal scenarios use up to 1,024 tokens, round-robin,
	// so that at 20k req/s no token passes the portal's per-token limit
	// (internal/api/sso: TokenBurst, then TokenPerSecond).
	users := tok[:min(1024, len(tok))]
	listAccounts := func(name string, n int) *stats {
		return run(name, b.clients, n, b.maxDur, func(ctx context.Context, i int) (int, bool) {
			d := users[i%len(users)]
			var out struct{ AccountList []struct{ AccountId string } }
			st, err := h.get(ctx, "/assignment/accounts", url.Values{"max_result": {"100"}}, d.access, &out)
			return st, err == nil && len(out.AccountList) == len(h.accts)
		})
	}
	rolesOne := func(ctx context.Context, i int) (int, bool) {
		d := users[i%len(users)]
		var out struct{ RoleList []struct{ RoleName string } }
		st, err := h.get(ctx, "/assignment/roles", url.Values{"account_id": {h.accts[i%len(h.accts)]}}, d.access, &out)
		return st, err == nil && len(out.RoleList) == len(h.roles)
	}
	if b.stormOnly {
		b.storm(storm, refreshOne, rolesOne)
		return
	}
	fmt.Println(run("CreateToken refresh_token (rotates + persists)", b.clients, b.n, b.maxDur, refreshOne))
	fmt.Println(listAccounts(fmt.Sprintf("ListAccounts (%d accounts)", len(h.accts)), b.n))
	fmt.Println(run("ListAccountRoles", b.clients, b.n, b.maxDur, rolesOne))
	var credMu sync.Mutex
	var creds []aws.Credentials
	fmt.Println(run("GetRoleCredentials", b.clients, b.n, b.maxDur, func(ctx context.Context, i int) (int, bool) {
		d := users[i%len(users)]
		var out struct {
			RoleCredentials struct{ AccessKeyId, SecretAccessKey, SessionToken string }
		}
		st, err := h.get(ctx, "/federation/credentials", url.Values{"account_id": {h.accts[i%len(h.accts)]}, "role_name": {h.roles[i%len(h.roles)]}}, d.access, &out)
		if err == nil && i < 64 {
			credMu.Lock()
			creds = append(creds, aws.Credentials{AccessKeyID: out.RoleCredentials.AccessKeyId, SecretAccessKey: out.RoleCredentials.SecretAccessKey, SessionToken: out.RoleCredentials.SessionToken})
			credMu.Unlock()
		}
		return st, err == nil && st == 200
	}))
	if len(creds) > 0 {
		signer := v4.NewSigner()
		body := []byte("Action=GetCallerIdentity&Version=2011-06-15")
		sum := sha256.Sum256(body)
		hash := hex.EncodeToString(sum[:])
		fmt.Println(run("GetCallerIdentity (SigV4, temporary credentials)", b.clients, b.n, b.maxDur, func(ctx context.Context, i int) (int, bool) {
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, h.url+"/", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
			if err := signer.SignHTTP(ctx, creds[i%len(creds)], req, hash, "sts", "us-east-1", time.Now()); err != nil {
				return 0, false
			}
			resp, err := h.http.Do(req)
			if err != nil {
				return 0, false
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			return resp.StatusCode, resp.StatusCode == 200
		}))
	}

	// Full device-flow cycles: start, one pending poll, approval (the
	// browser's part, in process), redemption.
	cycles := min(b.n/4, 5000)
	fmt.Println(run("full device-flow cycle (start, poll, approve, token)", b.clients, cycles, b.maxDur, func(ctx context.Context, i int) (int, bool) {
		c := h.clients[i%len(h.clients)]
		var d struct{ DeviceCode, UserCode string }
		st, err := h.post(ctx, "/device_authorization", map[string]string{"clientId": c.id, "clientSecret": c.secret, "startUrl": h.url + "/start"}, &d)
		if err != nil {
			return st, false
		}
		in := map[string]string{"clientId": c.id, "clientSecret": c.secret, "grantType": deviceGrant, "deviceCode": d.DeviceCode}
		if st, err := h.post(ctx, "/token", in, nil); st != 400 || err == nil || err.Error() != "AuthorizationPendingException" {
			return st, false
		}
		if err := h.srv.OAuth().ApproveDevice(ctx, d.UserCode, h.sessions[i%len(h.sessions)], ""); err != nil {
			return 500, false
		}
		st, err = h.post(ctx, "/token", in, nil)
		return st, err == nil && st == 200
	}))

	if storm <= 0 {
		return
	}
	// A storm of password sign-ins while the token endpoint and the portal
	// API are measured at a fixed offered load (storm.go).
	b.storm(storm, refreshOne, rolesOne)
}
