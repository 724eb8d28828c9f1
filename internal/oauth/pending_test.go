package oauth_test

import (
	"errors"
	"testing"
	"time"

	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/keys"
	"github.com/idcenter/idcenter/internal/oauth"
	"github.com/idcenter/idcenter/internal/testenv"
)

// TestPendingTrust: how long a replica answers polls of a pending code from
// memory. A second Service on the same store stands for another replica
// that approves the code. On PostgreSQL (replicas are normal) the poller
// sees the approval once PendingCacheTTL has passed. The embedded SQLite
// store is its file's only writer, so a Service on it trusts a pending code
// until it decides the code itself or the code expires: it never reads the
// store for a poll it has answered before (the approval through a second
// Service in one process, which a server never does, shows it).
func TestPendingTrust(t *testing.T) {
	for _, c := range []struct {
		backend    string
		seesRemote bool
	}{{"sqlite", false}, {"postgres", true}} {
		t.Run(c.backend, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			st := testenv.OpenStore(t, c.backend)
			kr, err := keys.New(keys.Generate())
			if err != nil {
				t.Fatal(err)
			}
			clk := &clock{t: time.Now().Truncate(time.Second)}
			sess := &memSessions{m: map[string]*idc.Session{}, now: clk.Now}
			poller := &fixture{svc: oauth.New(st, kr, sess, oauth.Config{PublicURL: publicURL, Now: clk.Now}), st: st, clock: clk, sessions: sess}
			other := oauth.New(st, kr, sess, oauth.Config{PublicURL: publicURL, Now: clk.Now})

			cl := poller.deviceClient(t, oauth.ScopeAccountAccess)
			d := poller.start(t, cl)
			if _, err := poller.poll(t, cl, d); !errors.Is(err, oauth.ErrAuthorizationPending) {
				t.Fatalf("first poll = %v, want authorization_pending", err)
			}
			if err := other.ApproveDevice(ctx, d.UserCode, sess.add(8*time.Hour), ""); err != nil {
				t.Fatalf("ApproveDevice on the other Service: %v", err)
			}
			clk.Advance(oauth.PendingCacheTTL + 2*time.Second)
			tok, err := poller.poll(t, cl, d)
			if c.seesRemote && (err != nil || tok.AccessToken == "") {
				t.Errorf("poll after PendingCacheTTL = %v, want the tokens of the approval made elsewhere", err)
			}
			if !c.seesRemote && !errors.Is(err, oauth.ErrAuthorizationPending) {
				t.Errorf("poll after PendingCacheTTL = %v, %v; want authorization_pending from memory", tok, err)
			}
		})
	}
}
