package web_test

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"

	"github.com/idcenter/idcenter/internal/testenv"
)

// TestHalfSignedInCannotApprove (SECURITY.md WL-07): a browser whose
// password was accepted but whose MFA step is not done — holding only the
// pending sign-in cookie, for a user who enrolled an authenticator before
// and for one who has yet to enrol — cannot approve a device code (GET and
// POST /device, POST /device/consent) nor obtain an authorization code
// (GET and POST /authorize): every page sends it to sign in, every post
// with any CSRF token it could collect is refused, and replaying the
// pending cookie as a session cookie changes nothing. The device code stays
// pending (sso-oidc CreateToken says so) and no redirect carries a code.
// Once the MFA step is done, the same browser approves both, so the
// refusals come from the missing MFA and nothing else.
func TestHalfSignedInCannotApprove(t *testing.T) {
	backends(t, func(t *testing.T, env *testenv.Env, clk *clock) {
		ctx := t.Context()
		createUser(t, env, "hal", password)
		createUser(t, env, "nell", password)
		// hal has an authenticator (a full sign-in elsewhere enrolled it).
		enrolled := newBrowser(t, env, clk)
		enrolled.signIn("hal", password, "")

		oc := ssooidc.NewFromConfig(anonymousConfig(env))
		devReg, err := oc.RegisterClient(ctx, &ssooidc.RegisterClientInput{ClientName: aws.String("botocore-client-hal"), ClientType: aws.String("public"),
			Scopes: []string{"sso:account:access"}})
		if err != nil {
			t.Fatalf("RegisterClient(device): %v", err)
		}
		pkceReg, err := oc.RegisterClient(ctx, &ssooidc.RegisterClientInput{ClientName: aws.String("botocore-client-pkce"), ClientType: aws.String("public"),
			Scopes: []string{"sso:account:access"}, GrantTypes: []string{"authorization_code", "refresh_token"},
			RedirectUris: []string{"http://127.0.0.1/oauth/callback"}, IssuerUrl: aws.String(env.URL + "/start")})
		if err != nil {
			t.Fatalf("RegisterClient(pkce): %v", err)
		}
		sum := sha256.Sum256([]byte(strings.Repeat("v", 50)))
		authz := "/authorize?" + url.Values{
			"response_type": {"code"}, "client_id": {*pkceReg.ClientId}, "redirect_uri": {"http://127.0.0.1:54321/oauth/callback"},
			"state": {"st4te"}, "code_challenge_method": {"S256"}, "scopes": {"sso:account:access"},
			"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])},
		}.Encode()
		rawAuthz := strings.TrimPrefix(authz, "/authorize?")
		token := func(d *ssooidc.StartDeviceAuthorizationOutput) error {
			_, err := oc.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: devReg.ClientId, ClientSecret: devReg.ClientSecret,
				GrantType: aws.String("urn:ietf:params:oauth:grant-type:device_code"), DeviceCode: d.DeviceCode})
			return err
		}

		for _, user := range []string{"hal", "nell"} {
			t.Run(user, func(t *testing.T) {
				d, err := oc.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{ClientId: devReg.ClientId,
					ClientSecret: devReg.ClientSecret, StartUrl: aws.String(env.URL + "/start")})
				if err != nil {
					t.Fatalf("StartDeviceAuthorization: %v", err)
				}
				complete, _ := url.Parse(*d.VerificationUriComplete)

				// Password accepted; the MFA page is shown and left.
				b := newBrowser(t, env, clk)
				p := b.get("/signin")
				p = b.post("/signin", url.Values{"csrf_token": {p.csrf(t)}, "username": {user}, "password": {password}})
				if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/signin/mfa") {
					t.Fatalf("POST /signin = %d → %q, want the MFA step", p.status, p.location)
				}
				mfa := b.get(p.location)
				pending := b.cookie("idc_signin")
				if mfa.status != http.StatusOK || pending == "" || b.cookie("idc_session") != "" {
					t.Fatalf("MFA page = %d, pending cookie %t, session cookie %t", mfa.status, pending != "", b.cookie("idc_session") != "")
				}
				// Every CSRF token this browser can get hold of.
				tokens := append([]string{""}, mfa.csrfTokens()...)

				attempt := func(how string) {
					t.Helper()
					for _, path := range []string{"/device", "/device?user_code=" + url.QueryEscape(*d.UserCode), complete.RequestURI(), authz} {
						p := b.get(path)
						tokens = append(tokens, p.csrfTokens()...)
						if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/signin?next=") {
							t.Errorf("%s: GET %s = %d → %q, want 303 to sign in", how, path, p.status, p.location)
						}
					}
					for _, tok := range tokens {
						if p := b.post("/device", url.Values{"csrf_token": {tok}, "user_code": {*d.UserCode}}); p.status == http.StatusOK || strings.Contains(p.body, `name="decision" value="allow"`) {
							t.Errorf("%s: POST /device = %d, showing the consent page", how, p.status)
						}
						if p := b.post("/device/consent", url.Values{"csrf_token": {tok}, "user_code": {*d.UserCode}, "decision": {"allow"}}); p.status == http.StatusOK || strings.Contains(p.body, "Request approved") {
							t.Errorf("%s: POST /device/consent = %d, approved", how, p.status)
						}
						if p := b.post("/authorize", url.Values{"csrf_token": {tok}, "request": {rawAuthz}, "decision": {"allow"}}); strings.HasPrefix(p.location, "http://127.0.0.1:54321") {
							t.Errorf("%s: POST /authorize = %d → %q, a code for the client", how, p.status, p.location)
						}
					}
				}
				attempt("pending cookie")
				// The pending cookie replayed as a session cookie.
				b.setCookie("idc_session", pending)
				attempt("pending cookie as the session cookie")

				if err := token(d); apiCode(err) != "AuthorizationPendingException" {
					t.Fatalf("CreateToken after the half-signed-in attempts = %v, want AuthorizationPendingException", err)
				}

				// Control: with the MFA step done, the same browser
				// approves both.
				b.setCookie("idc_session", "")
				if user == "hal" {
					b.secret, b.last = enrolled.secret, enrolled.last // hal's authenticator app
				}
				b.signIn(user, password, complete.RequestURI())
				p = b.get(complete.RequestURI())
				p = b.post("/device/consent", url.Values{"csrf_token": {p.csrfTokens()[1]}, "user_code": {*d.UserCode}, "decision": {"allow"}})
				if p.status != http.StatusOK || !strings.Contains(p.body, "Request approved") {
					t.Fatalf("signed in: POST /device/consent = %d", p.status)
				}
				if err := token(d); err != nil {
					t.Errorf("CreateToken after the signed-in approval = %v", err)
				}
				p = b.get(authz)
				p = b.post("/authorize", url.Values{"csrf_token": {p.csrfTokens()[1]}, "request": {rawAuthz}, "decision": {"allow"}})
				if to, _ := url.Parse(p.location); p.status != http.StatusSeeOther || to == nil || to.Query().Get("code") == "" {
					t.Errorf("signed in: POST /authorize = %d → %q, want a code", p.status, p.location)
				}
			})
		}
	})
}
