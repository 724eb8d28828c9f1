package ssooidc_test

import (
	"database/sql"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	_ "github.com/jackc/pgx/v5/stdlib" // to count the shared poll rows

	"github.com/idcenter/idcenter/internal/keys"
	"github.com/idcenter/idcenter/internal/store/postgres"
	"github.com/idcenter/idcenter/internal/testenv"
)

// pollRows counts the rows of the replicas' shared poll timing.
func pollRows(t *testing.T, dsn string) int {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRowContext(t.Context(), `SELECT count(*) FROM oauth_device_polls`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestPollIntervalAcrossReplicas (SECURITY.md MR-01, RFC 8628 §3.5): a
// client that sends its polls round-robin to two replicas is held to one
// interval, not one per replica. Its first two polls are free; the next
// two, at once, are SlowDownException whichever replica they reach (each
// replica on its own would have seen only its second poll, and answered
// authorization_pending). A client that waits the interval between polls,
// alternating replicas, is not slowed down; the interval grown by a
// slow_down on one replica holds on the other; an approved code issues
// tokens at the next poll on the approving replica. The database's clock times the polls, so the
// test waits real seconds (PollInterval) where it must.
func TestPollIntervalAcrossReplicas(t *testing.T) {
	t.Parallel()
	a, b, dsn := twoReplicas(t, 0)
	ctx := t.Context()
	f := newFlow(t, a, deviceRegistration())
	on := map[string]*flow{"A": f, "B": f.on(b)}
	poll := func(d *pollTarget, replica, want string) {
		t.Helper()
		if _, err := on[replica].poll(t, d.out); code(err) != want {
			t.Errorf("%s poll %d on %s = %v, want %s", d.name, d.n+1, replica, err, want)
		}
		d.n++
	}
	const pending, slow = "AuthorizationPendingException", "SlowDownException"

	fast := &pollTarget{name: "round-robin", out: f.start(t)}
	for i, want := range []string{pending, pending, slow, slow} {
		poll(fast, []string{"A", "B"}[i%2], want)
	}

	paced := &pollTarget{name: "paced", out: f.start(t)}
	poll(paced, "A", pending)
	poll(paced, "B", pending)
	for _, r := range []string{"A", "B"} {
		time.Sleep(1100 * time.Millisecond) // the interval (1 s), by the database's clock
		poll(paced, r, pending)
	}
	poll(paced, "A", slow) // the interval is now 6 s, on every replica
	time.Sleep(1100 * time.Millisecond)
	poll(paced, "B", slow)

	if err := b.Server.OAuth().ApproveDevice(ctx, *paced.out.UserCode, signIn(t, b, "poller"), ""); err != nil {
		t.Fatalf("ApproveDevice: %v", err)
	}
	// On B, which forgot the code's pending state when it decided it (A
	// trusts its memory of "pending" for up to oauth.PendingCacheTTL).
	if _, err := on["B"].poll(t, paced.out); err != nil {
		t.Errorf("poll on B after approval on B = %v, want tokens", err)
	}
	if n := pollRows(t, dsn); n != 2 {
		t.Errorf("%d shared poll rows, want 2 (one per device code)", n)
	}
}

// pollTarget is a device code being polled and how often it was.
type pollTarget struct {
	name string
	out  *ssooidc.StartDeviceAuthorizationOutput
	n    int
}

// TestLonePollsWriteNothing (SECURITY.md MR-01): a replica alone on its
// PostgreSQL database times polls in memory — polls too fast still get
// SlowDownException — and writes no row per poll.
func TestLonePollsWriteNothing(t *testing.T) {
	t.Parallel()
	dsn := testenv.PostgresDSN(t)
	st, err := postgres.Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	env := testenv.NewWith(t, "postgres", testenv.Options{Store: st, MasterKey: keys.Generate()})
	f := newFlow(t, env, deviceRegistration())
	d := f.start(t)
	for i, want := range []string{"AuthorizationPendingException", "AuthorizationPendingException", "SlowDownException", "SlowDownException"} {
		if _, err := f.poll(t, d); code(err) != want {
			t.Errorf("poll %d = %v, want %s", i+1, err, want)
		}
	}
	if n := pollRows(t, dsn); n != 0 {
		t.Errorf("%d shared poll rows for a lone replica, want 0", n)
	}
}
