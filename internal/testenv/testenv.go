// Package testenv runs a complete idcenter in-process for tests: the same
// handler the binary serves (internal/server), on an httptest server, over a
// real store (a TempDir SQLite file, or a fresh database on the throw-away
// PostgreSQL that scripts/test.sh starts), with AWS SDK for Go v2 clients
// signed by the bootstrap administrator key.
package testenv

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"

	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/keys"
	"github.com/idcenter/idcenter/internal/server"
	"github.com/idcenter/idcenter/internal/store"
	"github.com/idcenter/idcenter/internal/store/postgres"
	"github.com/idcenter/idcenter/internal/store/sqlite"
)

// Env is a running idcenter and clients for it.
type Env struct {
	// URL is the base URL of the server.
	URL     string
	Store   store.Store
	Server  *server.Server
	Backend string
	// The bootstrap instance and its identity store.
	InstanceARN         string
	IdentityStoreID     string
	ManagementAccountID string
	// AdminKeyID and AdminSecret are the administrator key.
	AdminKeyID  string
	AdminSecret string
	// AWSConfig is signed by the administrator key, region us-east-1.
	AWSConfig aws.Config
}

// Options adjusts New.
type Options struct {
	// Store, when set, is used instead of a fresh one (for replicas sharing a
	// database). MasterKey must then match the store's.
	Store     store.Store
	MasterKey []byte
	// Logger defaults to a discarding logger.
	Logger *slog.Logger
	// Now is the server's local clock (server.Options.Now; nil: time.Now).
	Now func() time.Time
}

// Backends runs fn once per backend, as parallel subtests "sqlite" and
// "postgres", each with its own fresh server and store.
func Backends(t *testing.T, fn func(t *testing.T, env *Env)) {
	for _, b := range []string{"sqlite", "postgres"} {
		t.Run(b, func(t *testing.T) {
			t.Parallel()
			fn(t, New(t, b))
		})
	}
}

// New starts a server on a fresh store of the named backend ("sqlite" or
// "postgres"); everything is torn down when t ends.
func New(t testing.TB, backend string) *Env {
	t.Helper()
	return NewWith(t, backend, Options{})
}

// OpenStore opens a fresh store of the named backend, closed when t ends.
func OpenStore(t testing.TB, backend string) store.Store {
	t.Helper()
	ctx := context.Background()
	var st store.Store
	var err error
	switch backend {
	case "sqlite":
		st, err = sqlite.Open(ctx, filepath.Join(t.TempDir(), "idcenter.db"))
	case "postgres":
		st, err = postgres.Open(ctx, PostgresDSN(t))
	default:
		t.Fatalf("testenv: unknown backend %q", backend)
	}
	if err != nil {
		t.Fatalf("open %s store: %v", backend, err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// NewWith is New with options.
func NewWith(t testing.TB, backend string, o Options) *Env {
	t.Helper()
	st := o.Store
	if st == nil {
		st = OpenStore(t, backend)
	}
	master := o.MasterKey
	if master == nil {
		master = keys.Generate()
	}
	kr, err := keys.New(master)
	if err != nil {
		t.Fatal(err)
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	keyID, secret := idc.NewAccessKeyID(), idc.NewSecretAccessKey()
	// Listen first so the server knows its public URL.
	hs := httptest.NewUnstartedServer(nil)
	srv, err := server.New(context.Background(), server.Options{
		Store:                st,
		Keys:                 kr,
		Logger:               log,
		AdminAccessKeyID:     keyID,
		AdminSecretAccessKey: secret,
		PublicURL:            "http://" + hs.Listener.Addr().String(),
		Now:                  o.Now,
	})
	if err != nil {
		hs.Close()
		t.Fatalf("server.New: %v", err)
	}
	hs.Config.Handler = srv.Handler()
	hs.Start()
	t.Cleanup(srv.Close)
	t.Cleanup(hs.Close)
	e := &Env{
		URL:                 hs.URL,
		Store:               st,
		Server:              srv,
		Backend:             backend,
		InstanceARN:         srv.Instance().InstanceARN,
		IdentityStoreID:     srv.Instance().IdentityStoreID,
		ManagementAccountID: srv.ManagementAccountID(),
		AdminKeyID:          keyID,
		AdminSecret:         secret,
	}
	e.AWSConfig = aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider(keyID, secret, ""),
		BaseEndpoint: aws.String(hs.URL),
		HTTPClient:   hs.Client(),
		// Tests assert on the first answer; retries would hide errors
		// (only a connection broken under the client is retried).
		Retryer: Retryer,
	}
	return e
}

// IdentityStore returns an identitystore client for the server.
func (e *Env) IdentityStore() *identitystore.Client { return identitystore.NewFromConfig(e.AWSConfig) }

// Organizations returns an organizations client for the server.
func (e *Env) Organizations() *organizations.Client { return organizations.NewFromConfig(e.AWSConfig) }

// SSOAdmin returns an sso-admin client for the server.
func (e *Env) SSOAdmin() *ssoadmin.Client { return ssoadmin.NewFromConfig(e.AWSConfig) }
