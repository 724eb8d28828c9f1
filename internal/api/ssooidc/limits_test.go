package ssooidc_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc/types"

	"github.com/idcenter/idcenter/internal/oauth"
	"github.com/idcenter/idcenter/internal/store"
	"github.com/idcenter/idcenter/internal/testenv"
)

// clockBackends runs fn as parallel subtests on SQLite and PostgreSQL
// servers with manual clocks.
func clockBackends(t *testing.T, fn func(t *testing.T, env *testenv.Env, clk *clock)) {
	for _, b := range []string{"sqlite", "postgres"} {
		t.Run(b, func(t *testing.T) {
			t.Parallel()
			env, clk := newClockEnv(t, b)
			fn(t, env, clk)
		})
	}
}

// oauthRows deletes every OAuth row of the store (clients, device
// authorizations, authorization codes, grants), through the store's own
// expiry query with a cut-off a century away, and returns how many there
// were. It ends the test's use of the OAuth rows.
func oauthRows(t *testing.T, env *testenv.Env) int64 {
	t.Helper()
	ctx := t.Context()
	var n int64
	if err := env.Store.Tx(ctx, func(q store.Queries) (err error) {
		n, err = q.DeleteExpiredOAuth(ctx, time.Now().AddDate(100, 0, 0))
		return err
	}); err != nil {
		t.Fatalf("DeleteExpiredOAuth: %v", err)
	}
	return n
}

// isSlowDown reports whether err is sso-oidc's SlowDownException as the
// SDK parses it: 400, error "slow_down".
func isSlowDown(err error) bool {
	var sd *types.SlowDownException
	var re interface{ HTTPStatusCode() int }
	return errors.As(err, &sd) && aws.ToString(sd.Error_) == "slow_down" && errors.As(err, &re) && re.HTTPStatusCode() == http.StatusBadRequest
}

// TestRegisterClientLimit (SECURITY.md LR-02): an unauthenticated
// RegisterClient flood is rate-limited. With the clock standing still,
// oauth.RegisterBurst registrations succeed and the next ones get
// SlowDownException (which the sso-oidc model lists for RegisterClient)
// and store nothing; a second later oauth.RegisterPerSecond more succeed.
func TestRegisterClientLimit(t *testing.T) {
	t.Parallel()
	clockBackends(t, func(t *testing.T, env *testenv.Env, clk *clock) {
		ctx := t.Context()
		c := oidcClient(env)
		register := func() (*ssooidc.RegisterClientOutput, error) {
			return c.RegisterClient(ctx, deviceRegistration())
		}
		for i := range oauth.RegisterBurst {
			if _, err := register(); err != nil {
				t.Fatalf("RegisterClient %d within the burst: %v", i+1, err)
			}
		}
		for i := range 3 {
			if _, err := register(); !isSlowDown(err) {
				t.Fatalf("RegisterClient %d past the burst = %v, want SlowDownException", oauth.RegisterBurst+i+1, err)
			}
		}
		clk.Advance(time.Second)
		for i := range oauth.RegisterPerSecond {
			if _, err := register(); err != nil {
				t.Fatalf("RegisterClient %d a second later: %v", i+1, err)
			}
		}
		if _, err := register(); !isSlowDown(err) {
			t.Fatalf("RegisterClient past the refill = %v, want SlowDownException", err)
		}
		if got, want := oauthRows(t, env), int64(oauth.RegisterBurst+oauth.RegisterPerSecond); got != want {
			t.Errorf("%d OAuth rows stored, want %d (one per accepted registration, none for refused ones)", got, want)
		}
	})
}

// TestDeviceAuthorizationLimit (SECURITY.md LR-01): one client starting
// device authorizations faster than its limit gets SlowDownException
// (listed by the model for StartDeviceAuthorization) and no device code is
// stored for it; the limit is per client, so another client is not
// affected; a second later oauth.DevicePerSecond more are allowed.
func TestDeviceAuthorizationLimit(t *testing.T) {
	t.Parallel()
	clockBackends(t, func(t *testing.T, env *testenv.Env, clk *clock) {
		ctx := t.Context()
		a, b := newFlow(t, env, deviceRegistration()), newFlow(t, env, deviceRegistration())
		start := func(f *flow) (*ssooidc.StartDeviceAuthorizationOutput, error) {
			return f.c.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{
				ClientId: f.client.ClientId, ClientSecret: f.client.ClientSecret, StartUrl: aws.String(env.URL + "/start")})
		}
		for i := range oauth.DeviceBurst {
			if _, err := start(a); err != nil {
				t.Fatalf("StartDeviceAuthorization %d within the burst: %v", i+1, err)
			}
		}
		for i := range 3 {
			if _, err := start(a); !isSlowDown(err) {
				t.Fatalf("StartDeviceAuthorization %d past the burst = %v, want SlowDownException", oauth.DeviceBurst+i+1, err)
			}
		}
		if _, err := start(b); err != nil {
			t.Fatalf("StartDeviceAuthorization of another client: %v", err)
		}
		clk.Advance(time.Second)
		for i := range oauth.DevicePerSecond {
			if _, err := start(a); err != nil {
				t.Fatalf("StartDeviceAuthorization %d a second later: %v", i+1, err)
			}
		}
		if _, err := start(a); !isSlowDown(err) {
			t.Fatalf("StartDeviceAuthorization past the refill = %v, want SlowDownException", err)
		}
		// Two clients and the accepted device authorizations, nothing else.
		if got, want := oauthRows(t, env), int64(2+oauth.DeviceBurst+1+oauth.DevicePerSecond); got != want {
			t.Errorf("%d OAuth rows stored, want %d (none for refused requests)", got, want)
		}
	})
}
