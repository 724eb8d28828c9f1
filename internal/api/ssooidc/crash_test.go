package ssooidc_test

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"

	"github.com/idcenter/idcenter/internal/keys"
	"github.com/idcenter/idcenter/internal/oauth"
	"github.com/idcenter/idcenter/internal/server"
	"github.com/idcenter/idcenter/internal/store"
	"github.com/idcenter/idcenter/internal/store/postgres"
	"github.com/idcenter/idcenter/internal/store/sqlite"
	"github.com/idcenter/idcenter/internal/testenv"
)

// Crash consistency of CreateToken (SECURITY.md ST-01, ST-02, §4.1): the
// test binary re-executes itself as a child idcenter server on the test's
// store, with an oauth failpoint that makes the child SIGKILL itself at
// one point of CreateToken. The parent drives the child with the AWS SDK,
// sees it die, and then checks the store and, through a server restarted
// on the same store, what a client can still do.
//
// Where the failpoints sit on our code path (internal/oauth): redeeming a
// device code or an authorization code is ONE transaction that first
// consumes the code (a conditional UPDATE) and then inserts the grant;
// an access or refresh token is only valid while its grant row is. So
// SECURITY.md's "after token insert" is FailpointAfterGrantInsert (inside
// the transaction, before COMMIT), "before device-code consume" is
// FailpointBeforeConsume (inside the transaction, before anything), and
// "before response write" is FailpointBeforeResponse (after COMMIT, with
// only the encoding of the response left). Refreshing is one transaction
// that rotates the grant's refresh token: FailpointBeforeRotate and
// FailpointAfterRotate are inside it, FailpointBeforeResponse after it.
// The case "acked" has no failpoint: the parent SIGKILLs the child as soon
// as the client has its 200, which is when an acknowledged write must
// already be durable.

// crashChildEnv makes the test binary a child server (see TestMain); its
// value is a crashChild in JSON.
const crashChildEnv = "IDCENTER_TEST_CRASH_CHILD"

// crashChild tells a child server what to serve and where to die.
type crashChild struct {
	Backend     string // "sqlite" or "postgres"
	DB          string // SQLite file or PostgreSQL DSN
	MasterKey   string // keys.Encode
	AdminKeyID  string
	AdminSecret string
	Failpoint   string // "" for none
	// DiskFull makes the child refuse every file write after SIGUSR2,
	// until SIGUSR1 (see diskfull_test.go).
	DiskFull bool
}

func TestMain(m *testing.M) {
	if v := os.Getenv(crashChildEnv); v != "" {
		os.Exit(runCrashChild(v))
	}
	os.Exit(m.Run())
}

// runCrashChild serves idcenter on a loopback port until it is killed or
// its stdin closes (so that a child never outlives its parent), printing
// "listening <url>" once it serves.
func runCrashChild(spec string) int {
	var c crashChild
	if err := json.Unmarshal([]byte(spec), &c); err != nil {
		fmt.Fprintln(os.Stderr, "crash child:", err)
		return 2
	}
	ctx := context.Background()
	var st store.Store
	var err error
	if c.Backend == "sqlite" {
		st, err = sqlite.Open(ctx, c.DB)
	} else {
		st, err = postgres.Open(ctx, c.DB)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "crash child: open store:", err)
		return 1
	}
	master, err := keys.Parse(c.MasterKey)
	if err != nil {
		fmt.Fprintln(os.Stderr, "crash child:", err)
		return 2
	}
	kr, err := keys.New(master)
	if err != nil {
		fmt.Fprintln(os.Stderr, "crash child:", err)
		return 2
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "crash child:", err)
		return 1
	}
	url := "http://" + l.Addr().String()
	srv, err := server.New(ctx, server.Options{
		Store: st, Keys: kr, Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		AdminAccessKeyID: c.AdminKeyID, AdminSecretAccessKey: c.AdminSecret, PublicURL: url,
		Failpoint: func(name string) {
			if name == c.Failpoint {
				// A real crash: no deferred function, no rollback, no
				// flush runs after this.
				syscall.Kill(os.Getpid(), syscall.SIGKILL)
				select {}
			}
		},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "crash child: server.New:", err)
		return 1
	}
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		os.Exit(3)
	}()
	if c.DiskFull {
		if err := diskFullSignals(); err != nil {
			fmt.Fprintln(os.Stderr, "crash child:", err)
			return 1
		}
	}
	fmt.Printf("listening %s\n", url)
	err = http.Serve(l, srv.Handler())
	fmt.Fprintln(os.Stderr, "crash child: serve:", err)
	return 1
}

// crashStore is a store location shared by the parent and its children,
// and the master key that goes with it.
type crashStore struct {
	backend string
	db      string
	master  []byte
}

func newCrashStore(t *testing.T, backend string) *crashStore {
	t.Helper()
	cs := &crashStore{backend: backend, master: keys.Generate()}
	if backend == "sqlite" {
		cs.db = filepath.Join(t.TempDir(), "idcenter.db")
	} else {
		cs.db = testenv.PostgresDSN(t)
	}
	return cs
}

// open opens the store in this process; the caller closes it.
func (cs *crashStore) open(t *testing.T) store.Store {
	t.Helper()
	var st store.Store
	var err error
	if cs.backend == "sqlite" {
		st, err = sqlite.Open(t.Context(), cs.db)
	} else {
		st, err = postgres.Open(t.Context(), cs.db)
	}
	if err != nil {
		t.Fatalf("open %s store: %v", cs.backend, err)
	}
	return st
}

// serve runs an in-process server on the store (the set-up before a
// crash, or the restart after it). stop stops it and closes its store, so
// that a child may open it (SQLite allows one process per file); it runs
// when t ends at the latest.
func (cs *crashStore) serve(t *testing.T) (env *testenv.Env, stop func()) {
	t.Helper()
	st := cs.open(t)
	var once sync.Once
	stop = func() {
		once.Do(func() {
			env.Server.Close()
			st.Close()
		})
	}
	t.Cleanup(stop)
	env = testenv.NewWith(t, cs.backend, testenv.Options{Store: st, MasterKey: cs.master})
	return env, stop
}

// query runs a read-only query straight on the database, for what no
// client can see: the grant of a token the server issued but died before
// sending is found only by its client id.
func (cs *crashStore) query(t *testing.T, q string, args ...any) *sql.Row {
	t.Helper()
	driver, dsn := "pgx", cs.db
	if cs.backend == "sqlite" {
		driver, dsn = "sqlite", "file:"+cs.db+"?_pragma=busy_timeout(10000)"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatalf("open %s: %v", cs.backend, err)
	}
	t.Cleanup(func() { db.Close() })
	return db.QueryRowContext(t.Context(), q, args...)
}

// liveGrants counts the unrevoked grants of an OAuth client.
func (cs *crashStore) liveGrants(t *testing.T, clientID string) int {
	t.Helper()
	var n int
	if err := cs.query(t, `SELECT count(*) FROM oauth_grants WHERE client_id = $1 AND revoked_at = 0`, clientID).Scan(&n); err != nil {
		t.Fatalf("count grants: %v", err)
	}
	return n
}

// child is a running child server.
type child struct {
	URL   string
	cmd   *exec.Cmd
	lines chan string // what it prints after "listening"
	done  chan struct{}
	err   error // from Wait, once done is closed
}

// startChild starts a child server on cs with the given failpoint and the
// administrator key of env (the set-up server's).
func (cs *crashStore) startChild(t *testing.T, env *testenv.Env, failpoint string) *child {
	t.Helper()
	return cs.startChildSpec(t, crashChild{Backend: cs.backend, DB: cs.db, MasterKey: keys.Encode(cs.master),
		AdminKeyID: env.AdminKeyID, AdminSecret: env.AdminSecret, Failpoint: failpoint})
}

func (cs *crashStore) startChildSpec(t *testing.T, c crashChild) *child {
	t.Helper()
	spec, _ := json.Marshal(c)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+string(spec))
	// The child's log (its expected internal errors included) is shown
	// only if the test fails.
	logs := &testenv.LockedBuffer{}
	cmd.Stderr = logs
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("child server log:\n%s", logs.String())
		}
	})
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ch := &child{cmd: cmd, lines: make(chan string, 16), done: make(chan struct{})}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			select {
			case ch.lines <- sc.Text():
			default: // nobody is waiting for it
			}
		}
		ch.err = cmd.Wait()
		close(ch.done)
	}()
	t.Cleanup(func() {
		stdin.Close()
		ch.kill()
	})
	line := ch.next(t)
	u, ok := strings.CutPrefix(line, "listening ")
	if !ok {
		t.Fatalf("child server printed %q before serving", line)
	}
	ch.URL = u
	return ch
}

// next returns the next line the child prints.
func (c *child) next(t *testing.T) string {
	t.Helper()
	select {
	case l := <-c.lines:
		return l
	case <-c.done:
		t.Fatalf("child server exited: %v", c.err)
	case <-time.After(30 * time.Second):
		t.Fatal("child server silent for 30 s")
	}
	return ""
}

// kill SIGKILLs the child (by its PID) and waits for it.
func (c *child) kill() {
	_ = c.cmd.Process.Kill()
	<-c.done
}

// diedOfSIGKILL waits for the child to end and reports whether a SIGKILL
// ended it.
func (c *child) diedOfSIGKILL(t *testing.T) bool {
	t.Helper()
	select {
	case <-c.done:
	case <-time.After(30 * time.Second):
		t.Fatal("child server still running 30 s after its failpoint")
	}
	ws, ok := c.cmd.ProcessState.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL
}

// crashConfig is env's SDK configuration aimed at a child: anonymous (as
// botocore calls sso-oidc and the portal API) and with no retry at all,
// so that the one request that meets the crash is not sent again.
func crashConfig(env *testenv.Env, url string) aws.Config {
	cfg := env.AWSConfig.Copy()
	cfg.Credentials = aws.AnonymousCredentials{}
	cfg.BaseEndpoint = aws.String(url)
	cfg.HTTPClient = &http.Client{}
	cfg.Retryer = func() aws.Retryer { return aws.NopRetryer{} }
	return cfg
}

// acked stands among the failpoints for "no failpoint: SIGKILL the child
// as soon as the client has its 200".
const acked = "acked"

// crash runs one CreateToken call against a child that dies at failpoint
// (or is killed right after answering, for acked) and reports whether the
// client saw the 200, with its answer.
func crash(t *testing.T, cs *crashStore, env *testenv.Env, failpoint string,
	call func(ctx context.Context, c *ssooidc.Client) (*ssooidc.CreateTokenOutput, error)) (*ssooidc.CreateTokenOutput, bool) {
	t.Helper()
	fp := failpoint
	if fp == acked {
		fp = ""
	}
	ch := cs.startChild(t, env, fp)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	out, err := call(ctx, ssooidc.NewFromConfig(crashConfig(env, ch.URL)))
	if failpoint == acked {
		if err != nil {
			t.Fatalf("CreateToken without a failpoint: %v", err)
		}
		ch.kill()
		return out, true
	}
	if !ch.diedOfSIGKILL(t) {
		t.Fatalf("the child did not die of SIGKILL at %s (CreateToken = %v, %v; exit %v)", failpoint, out, err, ch.err)
	}
	if err == nil {
		// The failpoint ran after the response was sent: not a case this
		// test means to test.
		t.Fatalf("CreateToken succeeded although the server died at %s", failpoint)
	}
	return nil, false
}

// tokenWorks reports whether the portal API (sso ListAccounts) of the
// server cfg points at accepts an access token.
func tokenWorks(t *testing.T, cfg aws.Config, accessToken string) bool {
	t.Helper()
	cfg = cfg.Copy()
	cfg.Credentials = aws.AnonymousCredentials{}
	_, err := sso.NewFromConfig(cfg).ListAccounts(t.Context(), &sso.ListAccountsInput{AccessToken: aws.String(accessToken)})
	if err != nil && code(err) != "UnauthorizedException" {
		t.Fatalf("ListAccounts: %v", err)
	}
	return err == nil
}

var redeemFailpoints = []string{oauth.FailpointBeforeConsume, oauth.FailpointAfterGrantInsert, oauth.FailpointBeforeResponse, acked}

// committed says whether a failpoint comes after the transaction's COMMIT.
func committed(failpoint string) bool {
	return failpoint == oauth.FailpointBeforeResponse || failpoint == acked
}

// checkRedeemed checks ST-01's invariant after a crash: the code was
// consumed and its grant issued, or neither; a client that saw 200 holds a
// working token; and which one of the two it is follows from where the
// crash was (before or after COMMIT). redeem re-presents the code to the
// restarted server.
func checkRedeemed(t *testing.T, cs *crashStore, failpoint string, clientID string, got *ssooidc.CreateTokenOutput,
	redeem func(env *testenv.Env) error) {
	t.Helper()
	grants := cs.liveGrants(t, clientID)
	env, _ := cs.serve(t)
	if got != nil && !tokenWorks(t, env.AWSConfig, aws.ToString(got.AccessToken)) {
		t.Errorf("%s: the access token the client got with its 200 does not work after the restart", failpoint)
	}
	err := redeem(env)
	redeemable := err == nil
	if err != nil && code(err) != "InvalidGrantException" {
		t.Fatalf("%s: presenting the code again after the restart: %v", failpoint, err)
	}
	switch {
	case grants > 0 && redeemable:
		t.Errorf("%s: after the restart the code is still redeemable AND %d token grant(s) are live", failpoint, grants)
	case grants == 0 && !redeemable:
		t.Errorf("%s: after the restart the code is consumed but no token grant exists", failpoint)
	case grants > 1:
		t.Errorf("%s: %d grants for one code", failpoint, grants)
	case committed(failpoint) && redeemable:
		t.Errorf("%s: a crash after COMMIT left the code unconsumed", failpoint)
	case !committed(failpoint) && !redeemable:
		t.Errorf("%s: a crash before COMMIT consumed the code", failpoint)
	}
	t.Logf("%s: live grants %d, code redeemable after restart %v", failpoint, grants, redeemable)
}

// TestCrashDeviceCodeRedemption (SECURITY.md ST-01, device_code grant):
// SIGKILL at each failpoint of redeeming an approved device code.
func TestCrashDeviceCodeRedemption(t *testing.T) {
	t.Parallel()
	eachCrash(t, redeemFailpoints, func(t *testing.T, backend, fp string) {
		cs := newCrashStore(t, backend)
		env, stop := cs.serve(t)
		f := newFlow(t, env, deviceRegistration())
		sess := signIn(t, env, "dana")
		d := f.start(t)
		if err := env.Server.OAuth().ApproveDevice(t.Context(), *d.UserCode, sess, ""); err != nil {
			t.Fatalf("ApproveDevice: %v", err)
		}
		stop()
		in := &ssooidc.CreateTokenInput{ClientId: f.client.ClientId, ClientSecret: f.client.ClientSecret,
			GrantType: aws.String(oauth.GrantDeviceCode), DeviceCode: d.DeviceCode}
		got, _ := crash(t, cs, env, fp, func(ctx context.Context, c *ssooidc.Client) (*ssooidc.CreateTokenOutput, error) {
			return c.CreateToken(ctx, in)
		})
		checkRedeemed(t, cs, fp, *f.client.ClientId, got, func(env *testenv.Env) error {
			_, err := oidcClient(env).CreateToken(t.Context(), in)
			return err
		})
	})
}

// eachCrash runs body, in parallel subtests, for each backend and each
// failpoint.
func eachCrash(t *testing.T, failpoints []string, body func(t *testing.T, backend, fp string)) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			for _, fp := range failpoints {
				t.Run(strings.ReplaceAll(fp, "/", "-"), func(t *testing.T) { body(t, backend, fp) })
			}
		})
	}
}

// TestCrashAuthorizationCodeRedemption (SECURITY.md ST-01,
// authorization_code grant with PKCE): SIGKILL at each failpoint of
// redeeming an authorization code.
func TestCrashAuthorizationCodeRedemption(t *testing.T) {
	t.Parallel()
	const redirect, verifier = "http://127.0.0.1:43121/oauth/callback", "crash-test-verifier-0123456789-0123456789-0123456789"
	eachCrash(t, redeemFailpoints, func(t *testing.T, backend, fp string) {
		cs := newCrashStore(t, backend)
		env, stop := cs.serve(t)
		f := newFlow(t, env, pkceRegistration(env))
		sess := signIn(t, env, "erin")
		authCode := f.authorizeCode(t, sess, redirect, verifier)
		stop()
		in := &ssooidc.CreateTokenInput{ClientId: f.client.ClientId, ClientSecret: f.client.ClientSecret,
			GrantType: aws.String(oauth.GrantAuthorizationCode), Code: aws.String(authCode),
			RedirectUri: aws.String(redirect), CodeVerifier: aws.String(verifier)}
		got, _ := crash(t, cs, env, fp, func(ctx context.Context, c *ssooidc.Client) (*ssooidc.CreateTokenOutput, error) {
			return c.CreateToken(ctx, in)
		})
		// A code presented twice revokes the grant it issued
		// (RFC 6749 §4.1.2), so the grants are counted (in
		// checkRedeemed) before it is presented again.
		checkRedeemed(t, cs, fp, *f.client.ClientId, got, func(env *testenv.Env) error {
			_, err := oidcClient(env).CreateToken(t.Context(), in)
			return err
		})
	})
}

// TestCrashRefreshRotation (SECURITY.md ST-02): SIGKILL at each failpoint
// of a refresh-token rotation. Afterwards exactly one of the old refresh
// token (RT1) and the new one (RT2) is valid — never both, and, since the
// rotation is one transaction, never neither — and it is RT2 when the
// client saw 200. RT1's validity is tested by presenting it to the
// restarted server; RT2's, when the client never saw it, by the grant's
// generation in the store (a refresh token is valid only for the grant's
// current generation and hash).
func TestCrashRefreshRotation(t *testing.T) {
	t.Parallel()
	eachCrash(t, []string{oauth.FailpointBeforeRotate, oauth.FailpointAfterRotate, oauth.FailpointBeforeResponse, acked}, func(t *testing.T, backend, fp string) {
		cs := newCrashStore(t, backend)
		env, stop := cs.serve(t)
		f := newFlow(t, env, deviceRegistration())
		sess := signIn(t, env, "frank")
		d := f.start(t)
		if err := env.Server.OAuth().ApproveDevice(t.Context(), *d.UserCode, sess, ""); err != nil {
			t.Fatalf("ApproveDevice: %v", err)
		}
		tok1, err := f.poll(t, d)
		if err != nil || tok1.RefreshToken == nil {
			t.Fatalf("CreateToken(device_code) = %+v, %v", tok1, err)
		}
		stop()
		refresh := func(rt *string) *ssooidc.CreateTokenInput {
			return &ssooidc.CreateTokenInput{ClientId: f.client.ClientId, ClientSecret: f.client.ClientSecret,
				GrantType: aws.String(oauth.GrantRefreshToken), RefreshToken: rt}
		}
		tok2, saw200 := crash(t, cs, env, fp, func(ctx context.Context, c *ssooidc.Client) (*ssooidc.CreateTokenOutput, error) {
			return c.CreateToken(ctx, refresh(tok1.RefreshToken))
		})

		var gen, revoked int64
		if err := cs.query(t, `SELECT refresh_gen, revoked_at FROM oauth_grants WHERE client_id = $1`, *f.client.ClientId).Scan(&gen, &revoked); err != nil {
			t.Fatalf("read grant: %v", err)
		}
		if revoked != 0 {
			t.Fatalf("%s: the grant was revoked by the crash", fp)
		}
		rt2Valid := gen == 1
		env2, _ := cs.serve(t)
		c := oidcClient(env2)
		if saw200 {
			// RT2 first: RT1 presented after the rotation's
			// retry grace would revoke the family.
			tok3, err := c.CreateToken(t.Context(), refresh(tok2.RefreshToken))
			if err != nil {
				t.Errorf("%s: the refresh token the client got with its 200 does not work after the restart: %v", fp, err)
			} else if !tokenWorks(t, env2.AWSConfig, aws.ToString(tok3.AccessToken)) {
				t.Errorf("%s: the access token refreshed with it does not work", fp)
			}
			if !tokenWorks(t, env2.AWSConfig, aws.ToString(tok2.AccessToken)) {
				t.Errorf("%s: the access token the client got with its 200 does not work after the restart", fp)
			}
			rt2Valid = err == nil
		}
		_, err = c.CreateToken(t.Context(), refresh(tok1.RefreshToken))
		if err != nil && code(err) != "InvalidGrantException" {
			t.Fatalf("%s: presenting RT1 after the restart: %v", fp, err)
		}
		rt1Valid := err == nil
		switch {
		case rt1Valid && rt2Valid:
			t.Errorf("%s: both RT1 and RT2 are valid after the restart", fp)
		case !rt1Valid && !rt2Valid:
			t.Errorf("%s: neither RT1 nor RT2 is valid after the restart (generation %d)", fp, gen)
		case committed(fp) && !rt2Valid:
			t.Errorf("%s: a crash after COMMIT lost the rotation", fp)
		case !committed(fp) && rt2Valid:
			t.Errorf("%s: a crash before COMMIT kept the rotation", fp)
		}
		t.Logf("%s: generation %d after the crash; RT1 valid %v, RT2 valid %v", fp, gen, rt1Valid, rt2Valid)
	})
}
