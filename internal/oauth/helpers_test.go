package oauth_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/keys"
	"github.com/idcenter/idcenter/internal/oauth"
	"github.com/idcenter/idcenter/internal/store"
	"github.com/idcenter/idcenter/internal/testenv"
)

// memSessions is a test stand-in for internal/auth's sessions: the sign-in
// sessions themselves are not this package's business, and the tests need
// to end them at will. It implements oauth.Sessions with the contract's
// error kinds.
type memSessions struct {
	mu sync.Mutex
	m  map[string]*idc.Session
	// now is the test clock, for Active.
	now func() time.Time
}

func (m *memSessions) Session(ctx context.Context, id string) (*idc.Session, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.m[id]
	if s == nil || !s.Active(m.now()) {
		return nil, &idc.Error{Kind: idc.KindUnauthenticated, Msg: "no session"}
	}
	c := *s
	return &c, nil
}

func (m *memSessions) EndSession(ctx context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if s := m.m[id]; s != nil && s.RevokedAt.IsZero() {
		s.RevokedAt = m.now()
	}
	return nil
}

// add creates an active MFA session of a new user lasting d.
func (m *memSessions) add(d time.Duration) *idc.Session {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	s := &idc.Session{
		ID: "sess-" + idc.UUID(), IdentityStoreID: "d-1234567890", UserID: "1234567890-" + idc.UUID(),
		CreatedAt: now, AuthenticatedAt: now, MFA: true, ExpiresAt: now.Add(d),
	}
	m.m[s.ID] = s
	c := *s
	return &c
}

// clock is a manual test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fixture is a Service on a real store with a test clock and sessions.
type fixture struct {
	svc      *oauth.Service
	st       store.Store
	clock    *clock
	sessions *memSessions
}

const publicURL = "http://127.0.0.1:8080"

func newFixture(t *testing.T, backend string) *fixture {
	t.Helper()
	st := testenv.OpenStore(t, backend)
	kr, err := keys.New(keys.Generate())
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: time.Now().Truncate(time.Second)}
	sess := &memSessions{m: map[string]*idc.Session{}, now: clk.Now}
	svc := oauth.New(st, kr, sess, oauth.Config{PublicURL: publicURL, Now: clk.Now})
	return &fixture{svc: svc, st: st, clock: clk, sessions: sess}
}

// backends runs fn as parallel subtests on SQLite and PostgreSQL.
func backends(t *testing.T, fn func(t *testing.T, f *fixture)) {
	t.Helper()
	for _, b := range []string{"sqlite", "postgres"} {
		t.Run(b, func(t *testing.T) {
			t.Parallel()
			fn(t, newFixture(t, b))
		})
	}
}

// deviceClient registers a client the way botocore does for an sso-session
// profile: scopes, no grant types.
func (f *fixture) deviceClient(t *testing.T, scopes ...string) *oauth.RegisteredClient {
	t.Helper()
	c, err := f.svc.RegisterClient(t.Context(), &oauth.Registration{Name: "botocore-client-test", Type: "public", Scopes: scopes})
	if err != nil {
		t.Fatalf("RegisterClient: %v", err)
	}
	return c
}

// pkceClient registers a client the way AWS CLI 2.22+ does.
func (f *fixture) pkceClient(t *testing.T) *oauth.RegisteredClient {
	t.Helper()
	c, err := f.svc.RegisterClient(t.Context(), &oauth.Registration{
		Name: "botocore-client-pkce", Type: "public", Scopes: []string{oauth.ScopeAccountAccess},
		GrantTypes:   []string{oauth.GrantAuthorizationCode, oauth.GrantRefreshToken},
		RedirectURIs: []string{"http://127.0.0.1/oauth/callback"}, IssuerURL: publicURL + "/start",
	})
	if err != nil {
		t.Fatalf("RegisterClient: %v", err)
	}
	return c
}

func (f *fixture) start(t *testing.T, c *oauth.RegisteredClient) *oauth.DeviceAuthorization {
	t.Helper()
	d, err := f.svc.StartDeviceAuthorization(t.Context(), &oauth.DeviceRequest{ClientID: c.ClientID, ClientSecret: c.ClientSecret, StartURL: publicURL + "/start"})
	if err != nil {
		t.Fatalf("StartDeviceAuthorization: %v", err)
	}
	return d
}

func (f *fixture) poll(t *testing.T, c *oauth.RegisteredClient, d *oauth.DeviceAuthorization) (*oauth.Token, error) {
	t.Helper()
	return f.svc.CreateToken(t.Context(), &oauth.TokenRequest{
		ClientID: c.ClientID, ClientSecret: c.ClientSecret, GrantType: oauth.GrantDeviceCode, DeviceCode: d.DeviceCode,
	})
}

// login runs a whole device flow for a new session and returns the tokens.
func (f *fixture) login(t *testing.T, c *oauth.RegisteredClient) (*oauth.Token, *idc.Session) {
	t.Helper()
	d := f.start(t, c)
	s := f.sessions.add(8 * time.Hour)
	if err := f.svc.ApproveDevice(t.Context(), d.UserCode, s, ""); err != nil {
		t.Fatalf("ApproveDevice: %v", err)
	}
	tok, err := f.poll(t, c, d)
	if err != nil {
		t.Fatalf("CreateToken(approved device code): %v", err)
	}
	return tok, s
}
