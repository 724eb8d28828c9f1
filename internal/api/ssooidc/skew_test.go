package ssooidc_test

import (
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc/types"

	"github.com/idcenter/idcenter/internal/keys"
	"github.com/idcenter/idcenter/internal/store/postgres"
	"github.com/idcenter/idcenter/internal/store/sqldb"
	"github.com/idcenter/idcenter/internal/testenv"
)

// skew is how far replica B's clock runs ahead of replica A's (and of
// the machine's, which the database shares) in TestSkewedReplicas.
const skew = 3 * time.Minute

// twoReplicas starts two servers on one fresh PostgreSQL database (named
// by the returned DSN), B's local clock bAhead of A's (and of the
// machine's, which the database shares), and waits until each knows the
// other as a peer.
func twoReplicas(t *testing.T, bAhead time.Duration) (a, b *testenv.Env, dsn string) {
	t.Helper()
	dsn = testenv.PostgresDSN(t)
	open := func() *sqldb.DB {
		st, err := postgres.Open(t.Context(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	stA, stB := open(), open()
	key := keys.Generate()
	a = testenv.NewWith(t, "postgres", testenv.Options{Store: stA, MasterKey: key})
	b = testenv.NewWith(t, "postgres", testenv.Options{Store: stB, MasterKey: key, Now: func() time.Time { return time.Now().Add(bAhead) }})
	deadline := time.Now().Add(20 * time.Second)
	for !stA.HasPeers() || !stB.HasPeers() {
		if time.Now().After(deadline) {
			t.Fatalf("replicas did not see each other: A %v, B %v", stA.HasPeers(), stB.HasPeers())
		}
		time.Sleep(5 * time.Millisecond) // replica discovery has no event to wait on
	}
	return a, b, dsn
}

// on returns f's client talking to env (another replica of the same
// database) instead.
func (f *flow) on(env *testenv.Env) *flow {
	return &flow{env: env, c: oidcClient(env), client: f.client}
}

// TestSkewedReplicas (SECURITY.md MR-07): two replicas on one PostgreSQL
// database whose local clocks are 3 minutes apart agree on expiry, because
// both follow the database's clock (internal/server/clock.go). With each
// deciding by its own clock, B (ahead) would take an authorization code
// issued on A a moment ago for expired (AuthCodeLifetime is 60 s), would
// take a refresh token that A rotated a moment ago for one retired 3
// minutes ago and revoke the grant when a client retries it there (the
// retry grace is 5 s), and A would hold a token B rotated within the grace
// for 3 minutes. Checked in both directions, each step through the SDK:
//   - registration times come from the one clock;
//   - an authorization code issued on one replica is redeemed on the other;
//   - a refresh token rotated on one and retried at once on the other gets
//     the clean InvalidGrantException of the retry grace, and the grant
//     lives on (its new refresh token and access token work on both);
//   - a device code started on one, approved there and polled on the other
//     issues tokens.
func TestSkewedReplicas(t *testing.T) {
	t.Parallel()
	a, b, _ := twoReplicas(t, skew)
	ctx := t.Context()

	fa := newFlow(t, a, pkceRegistration(a))
	fb := newFlow(t, b, pkceRegistration(b))
	for name, f := range map[string]*flow{"A": fa, "B": fb} {
		if d := time.Since(time.Unix(f.client.ClientIdIssuedAt, 0)); d < -10*time.Second || d > 10*time.Second {
			t.Errorf("RegisterClient on %s: clientIdIssuedAt is %v from the database's clock, want within 10 s", name, -d)
		}
	}

	const redirect = "http://127.0.0.1:43121/oauth/callback"
	for _, dir := range []struct {
		name         string
		issue, other *testenv.Env
		f            *flow
	}{{"A to B", a, b, fa}, {"B to A", b, a, fb}} {
		t.Run(dir.name, func(t *testing.T) {
			sess := signIn(t, dir.issue, "user-"+dir.issue.URL[len(dir.issue.URL)-5:])
			const verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
			code := dir.f.authorizeCode(t, sess, redirect, verifier)
			if _, err := dir.f.on(dir.other).redeemCode(t, code, redirect, verifier); err != nil {
				t.Errorf("authorization code issued on one replica, redeemed on the other: %v", err)
			}
			tok, err := dir.f.redeemCode(t, dir.f.authorizeCode(t, sess, redirect, verifier), redirect, verifier)
			if err != nil {
				t.Fatalf("authorization code redeemed where it was issued: %v", err)
			}
			refresh := func(env *testenv.Env, rt *string) (*ssooidc.CreateTokenOutput, error) {
				return oidcClient(env).CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: dir.f.client.ClientId,
					ClientSecret: dir.f.client.ClientSecret, GrantType: aws.String("refresh_token"), RefreshToken: rt})
			}
			rotated, err := refresh(dir.issue, tok.RefreshToken)
			if err != nil {
				t.Fatalf("refresh: %v", err)
			}
			var grant *types.InvalidGrantException
			if _, err := refresh(dir.other, tok.RefreshToken); !errors.As(err, &grant) {
				t.Fatalf("retry of the rotated refresh token on the other replica = %v, want InvalidGrantException", err)
			}
			// The retry fell within the grace: the grant was not revoked.
			for _, env := range []*testenv.Env{dir.other, dir.issue} {
				if _, err := sso.NewFromConfig(anonymousConfig(env)).ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: rotated.AccessToken}); err != nil {
					t.Errorf("ListAccounts with the rotated access token on %s = %v, want success", env.URL, err)
				}
			}
			if _, err := refresh(dir.other, rotated.RefreshToken); err != nil {
				t.Errorf("refresh with the rotated refresh token after the retry = %v, want success (family not revoked)", err)
			}
		})
	}

	t.Run("device code", func(t *testing.T) {
		f := newFlow(t, b, deviceRegistration())
		d := f.start(t)
		if err := b.Server.OAuth().ApproveDevice(ctx, *d.UserCode, signIn(t, b, "device-user"), ""); err != nil {
			t.Fatalf("ApproveDevice on B: %v", err)
		}
		if _, err := f.on(a).poll(t, d); err != nil {
			t.Fatalf("CreateToken on A for a device code started and approved on B: %v", err)
		}
	})
}

// anonymousConfig is env's SDK configuration without credentials (the sso
// portal API authenticates by bearer token).
func anonymousConfig(env *testenv.Env) aws.Config {
	cfg := env.AWSConfig.Copy()
	cfg.Credentials = aws.AnonymousCredentials{}
	return cfg
}
