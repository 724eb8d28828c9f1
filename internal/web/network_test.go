package web_test

import (
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/google/go-cmp/cmp"

	"github.com/idcenter/idcenter/internal/auth"
	"github.com/idcenter/idcenter/internal/testenv"
)

// ssooidcFrom returns an sso-oidc client whose connections leave from
// localIP: on Linux all of 127/8 is loopback, so a client bound to
// 127.0.1.1 reaches the test server on 127.0.0.1 from another /24.
func ssooidcFrom(t *testing.T, env *testenv.Env, localIP string) *ssooidc.Client {
	t.Helper()
	tr := &http.Transport{DialContext: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(localIP)}}).DialContext}
	t.Cleanup(tr.CloseIdleConnections)
	cfg := anonymousConfig(env)
	cfg.HTTPClient = &http.Client{Transport: tr}
	return ssooidc.NewFromConfig(cfg)
}

// auditLines returns the "audit" records of a JSON log.
func auditLines(t *testing.T, log string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for line := range strings.Lines(log) {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if rec["msg"] == "audit" {
			delete(rec, "time")
			out = append(out, rec)
		}
	}
	return out
}

// TestDeviceApprovalFromOtherNetwork (SECURITY.md DF-13; RFC 8628 §5.4
// remote phishing): StartDeviceAuthorization from one network (127.0.1.1)
// and approval from another (127.0.0.1). The consent page shows where and
// when the request was started and warns; the approval writes the audit
// event device_approval_network_mismatch; with the same network required
// the approval becomes a denial, the page says why and CreateToken gets
// AccessDeniedException. From the same network nothing warns or refuses.
func TestDeviceApprovalFromOtherNetwork(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			var log testenv.LockedBuffer
			env, clk := newEnvLog(t, backend, &log)
			ctx := t.Context()
			userID := createUser(t, env, "nora", password)
			local := ssooidc.NewFromConfig(anonymousConfig(env))
			remote := ssooidcFrom(t, env, "127.0.1.1")
			reg, err := local.RegisterClient(ctx, &ssooidc.RegisterClientInput{ClientName: aws.String("botocore-client-nora"), ClientType: aws.String("public"),
				Scopes: []string{"sso:account:access"}})
			if err != nil {
				t.Fatal(err)
			}
			start := func(c *ssooidc.Client) (*ssooidc.StartDeviceAuthorizationOutput, string) {
				t.Helper()
				d, err := c.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, StartUrl: aws.String(env.URL + "/start")})
				if err != nil {
					t.Fatalf("StartDeviceAuthorization: %v", err)
				}
				u, err := url.Parse(*d.VerificationUriComplete)
				if err != nil {
					t.Fatal(err)
				}
				return d, u.RequestURI()
			}
			token := func(c *ssooidc.Client, d *ssooidc.StartDeviceAuthorizationOutput) error {
				_, err := c.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
					GrantType: aws.String("urn:ietf:params:oauth:grant-type:device_code"), DeviceCode: d.DeviceCode})
				return err
			}
			const warning = "This request came from a different network."
			audit := func(outcome string) map[string]any {
				return map[string]any{"level": "WARN", "msg": "audit", "event": "device_approval_network_mismatch",
					"client_id": *reg.ClientId, "user_id": userID, "origin_ip": "127.0.1.1", "approver_ip": "127.0.0.1", "outcome": outcome}
			}

			b := newBrowser(t, env, clk)
			b.signIn("nora", password, "")

			// Started on another network 90 s ago: the page says so and
			// warns, the approval goes through and is audited.
			d, consent := start(remote)
			clk.Advance(90 * time.Second)
			p := b.get(consent)
			for _, want := range []string{"botocore-client-nora", "Requested from <code>127.0.1.1</code>, 1 minute ago.", warning,
				"not from the network you are on now (<code>127.0.0.1</code>)", "Allow access only if you started it yourself, on that device."} {
				if !strings.Contains(p.body, want) {
					t.Errorf("consent page for a request from another network lacks %q\n%.3000s", want, p.body)
				}
			}
			if got := auditLines(t, log.String()); len(got) != 0 {
				t.Errorf("audit events after only viewing the page = %v, want none", got)
			}
			p = b.post("/device/consent", url.Values{"csrf_token": {p.csrfTokens()[1]}, "user_code": {*d.UserCode}, "decision": {"allow"}})
			if p.status != http.StatusOK || !strings.Contains(p.body, "Request approved") {
				t.Fatalf("allow from another network = %d\n%.1500s", p.status, p.body)
			}
			if err := token(remote, d); err != nil {
				t.Errorf("CreateToken after an approval from another network = %v, want tokens (the setting is off)", err)
			}
			if diff := cmp.Diff([]map[string]any{audit("approved")}, auditLines(t, log.String())); diff != "" {
				t.Errorf("audit events after the approval (-want +got):\n%s", diff)
			}

			// The administrator requires the same network: the approval is
			// recorded as a denial, and the device is refused.
			if _, err := env.Server.Auth().UpdateSettings(ctx, env.IdentityStoreID, auth.SettingsUpdate{DeviceSameNetwork: auth.DeviceSameNetworkEnabled}); err != nil {
				t.Fatal(err)
			}
			d2, consent2 := start(remote)
			p = b.get(consent2)
			if !strings.Contains(p.body, warning) {
				t.Errorf("consent page with the same network required lacks the warning")
			}
			form := p.csrfTokens()[1]
			p = b.post("/device/consent", url.Values{"csrf_token": {form}, "user_code": {*d2.UserCode}, "decision": {"allow"}})
			for _, want := range []string{"Request refused", "different network (<code>127.0.1.1</code>)", "the one you are on (<code>127.0.0.1</code>)"} {
				if p.status != http.StatusForbidden || !strings.Contains(p.body, want) {
					t.Errorf("allow from another network, same network required = %d, want 403 with %q\n%.1500s", p.status, want, p.body)
				}
			}
			if err := token(remote, d2); apiCode(err) != "AccessDeniedException" {
				t.Errorf("CreateToken after a refused approval = %v, want AccessDeniedException", err)
			}
			if err := token(remote, d2); apiCode(err) != "AccessDeniedException" {
				t.Errorf("CreateToken polled again after a refused approval = %v, want AccessDeniedException", err)
			}
			// Decided: allowing again is no way around it.
			p = b.post("/device/consent", url.Values{"csrf_token": {form}, "user_code": {*d2.UserCode}, "decision": {"allow"}})
			if p.status != http.StatusConflict {
				t.Errorf("allow again after the refusal = %d, want 409", p.status)
			}
			if diff := cmp.Diff([]map[string]any{audit("approved"), audit("refused")}, auditLines(t, log.String())); diff != "" {
				t.Errorf("audit events after the refusal (-want +got):\n%s", diff)
			}

			// Started and approved on one network: no warning, no refusal,
			// no audit event, with the setting still on.
			d3, consent3 := start(local)
			p = b.get(consent3)
			if !strings.Contains(p.body, "Requested from <code>127.0.0.1</code>, just now.") || strings.Contains(p.body, "different network") {
				t.Errorf("consent page for a request from the same network: want its origin and no warning\n%.3000s", p.body)
			}
			p = b.post("/device/consent", url.Values{"csrf_token": {p.csrfTokens()[1]}, "user_code": {*d3.UserCode}, "decision": {"allow"}})
			if p.status != http.StatusOK || !strings.Contains(p.body, "Request approved") {
				t.Fatalf("allow from the same network = %d\n%.1500s", p.status, p.body)
			}
			if err := token(local, d3); err != nil {
				t.Errorf("CreateToken after an approval from the same network = %v", err)
			}
			if got := auditLines(t, log.String()); len(got) != 2 {
				t.Errorf("audit events after a same-network approval = %d, want still 2", len(got))
			}
		})
	}
}
