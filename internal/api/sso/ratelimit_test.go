package sso_test

import (
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sso"

	portalapi "github.com/idcenter/idcenter/internal/api/sso"
	"github.com/idcenter/idcenter/internal/testenv"
)

// countingClient counts the HTTP exchanges an SDK client completes.
type countingClient struct {
	base aws.HTTPClient
	n    atomic.Int64
}

func (c *countingClient) Do(r *http.Request) (*http.Response, error) {
	defer c.n.Add(1)
	return c.base.Do(r)
}

// TestTokenRateLimit (SECURITY.md PA-07): one token sending faster than
// its limit gets 429 TooManyRequestsException with Retry-After, and
// changes nothing; the SDK's standard retryer gets through once the bucket
// refills; another user's token is not affected.
func TestTokenRateLimit(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, env *testenv.Env, clk *clock) {
		ctx := t.Context()
		w := setup(t, env, "rita")
		tok := login(t, env, w)
		other := login(t, env, setup(t, env, "otto"))
		p := portal(env) // no retries of answers: every 429 shows
		list := func(token *string) error {
			_, err := p.ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: token})
			return err
		}
		// The clock stands still, so the burst is all there is.
		for i := range portalapi.TokenBurst {
			if err := list(tok.AccessToken); err != nil {
				t.Fatalf("request %d within the burst: %v", i+1, err)
			}
		}
		for i := range 3 {
			if err := list(tok.AccessToken); code(err) != "TooManyRequestsException" {
				t.Fatalf("request %d past the burst = %v, want TooManyRequestsException", portalapi.TokenBurst+i+1, err)
			}
		}
		// Every operation of the API is limited, GetRoleCredentials and
		// Logout included (a throttled Logout must not log out).
		if _, err := p.GetRoleCredentials(ctx, &sso.GetRoleCredentialsInput{AccessToken: tok.AccessToken, AccountId: aws.String(w.devAccount), RoleName: aws.String(w.readOnly())}); code(err) != "TooManyRequestsException" {
			t.Errorf("GetRoleCredentials past the burst = %v", err)
		}
		if _, err := p.Logout(ctx, &sso.LogoutInput{AccessToken: tok.AccessToken}); code(err) != "TooManyRequestsException" {
			t.Errorf("Logout past the burst = %v", err)
		}

		// On the wire: 429, the code, and when to come back.
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, env.URL+"/assignment/accounts", nil)
		req.Header.Set("x-amz-sso_bearer_token", *tok.AccessToken)
		resp, err := env.AWSConfig.HTTPClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		ra, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
		if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("X-Amzn-ErrorType") != "TooManyRequestsException" || ra < 1 {
			t.Errorf("throttled response: %d, type %q, Retry-After %q; want 429 TooManyRequestsException with Retry-After ≥ 1",
				resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"), resp.Header.Get("Retry-After"))
		}

		// Another user's token has its own bucket.
		if err := list(other.AccessToken); err != nil {
			t.Errorf("another token: %v", err)
		}

		// Time refills the bucket at TokenPerSecond: one request's worth
		// after 1/TokenPerSecond s, and the SDK's standard retryer (which
		// treats TooManyRequestsException as throttling) gets through,
		// after at least one throttled attempt.
		if err := list(tok.AccessToken); code(err) != "TooManyRequestsException" {
			t.Fatalf("before the refill: %v", err)
		}
		cc := &countingClient{base: env.AWSConfig.HTTPClient}
		cfg := anonymous(env)
		cfg.HTTPClient = cc
		cfg.Retryer = nil // the SDK's standard retryer
		cfg.RetryMaxAttempts = 3
		retrying := sso.NewFromConfig(cfg)
		go func() {
			// Let the first attempt fail, then refill while the retryer
			// backs off.
			for cc.n.Load() < 1 {
				time.Sleep(time.Millisecond)
			}
			clk.Advance(time.Second / portalapi.TokenPerSecond)
		}()
		if _, err := retrying.ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: tok.AccessToken}); err != nil {
			t.Fatalf("with the SDK's retries: %v", err)
		}
		if n := cc.n.Load(); n < 2 {
			t.Errorf("the SDK sent %d request(s); want a throttled attempt and a retry", n)
		}
		// The throttled Logout changed nothing: the token still works
		// (after another refill).
		clk.Advance(time.Second)
		if err := list(tok.AccessToken); err != nil {
			t.Errorf("after the throttled Logout: %v", err)
		}
	})
}
