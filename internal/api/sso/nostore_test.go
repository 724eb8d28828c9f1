package sso_test

import (
	"net/http"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"

	"github.com/idcenter/idcenter/internal/testenv"
)

// headerRecorder is an SDK HTTP client that remembers the response headers
// of each successful (200) exchange, keyed by request path.
type headerRecorder struct {
	base aws.HTTPClient
	mu   sync.Mutex
	got  map[string][]http.Header
}

func (c *headerRecorder) Do(r *http.Request) (*http.Response, error) {
	resp, err := c.base.Do(r)
	if err == nil && resp.StatusCode == http.StatusOK {
		c.mu.Lock()
		c.got[r.URL.Path] = append(c.got[r.URL.Path], resp.Header.Clone())
		c.mu.Unlock()
	}
	return resp, err
}

// TestNoStoreOnSuccess (SECURITY.md TK-18): the successful answers that
// carry tokens or credentials — sso-oidc CreateToken (device code and
// refresh grants) and the portal API's ListAccounts, ListAccountRoles and
// GetRoleCredentials — say Cache-Control: no-store (RFC 6749 §5.1), as read
// off the wire under the AWS SDK for Go v2.
func TestNoStoreOnSuccess(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, env *testenv.Env, _ *clock) {
		ctx := t.Context()
		rec := &headerRecorder{base: env.AWSConfig.HTTPClient, got: map[string][]http.Header{}}
		cfg := anonymous(env)
		cfg.HTTPClient = rec
		w := setup(t, env, "nora")
		tok, reg := loginWith(t, env, w, cfg)
		if _, err := ssooidc.NewFromConfig(cfg).CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
			GrantType: aws.String("refresh_token"), RefreshToken: tok.RefreshToken}); err != nil {
			t.Fatalf("CreateToken(refresh_token): %v", err)
		}
		if n := len(rec.got["/token"]); n != 2 {
			t.Fatalf("%d successful CreateToken answers recorded, want 2 (device code, refresh)", n)
		}
		p := sso.NewFromConfig(cfg)
		if _, err := p.ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: tok.AccessToken}); err != nil {
			t.Fatalf("ListAccounts: %v", err)
		}
		if _, err := p.ListAccountRoles(ctx, &sso.ListAccountRolesInput{AccessToken: tok.AccessToken, AccountId: aws.String(w.devAccount)}); err != nil {
			t.Fatalf("ListAccountRoles: %v", err)
		}
		if _, err := p.GetRoleCredentials(ctx, &sso.GetRoleCredentialsInput{AccessToken: tok.AccessToken, AccountId: aws.String(w.devAccount),
			RoleName: aws.String(w.readOnly())}); err != nil {
			t.Fatalf("GetRoleCredentials: %v", err)
		}
		for _, path := range []string{"/token", "/assignment/accounts", "/assignment/roles", "/federation/credentials"} {
			hs := rec.got[path]
			if len(hs) == 0 {
				t.Errorf("no successful exchange recorded on %s", path)
			}
			for i, h := range hs {
				if got := h.Values("Cache-Control"); len(got) != 1 || got[0] != "no-store" {
					t.Errorf("%s answer %d: Cache-Control %q, want no-store", path, i+1, got)
				}
			}
		}
	})
}
