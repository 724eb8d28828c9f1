package ssooidc_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc/types"
	"github.com/aws/smithy-go"

	"github.com/idcenter/idcenter/internal/auth"
	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/keys"
	"github.com/idcenter/idcenter/internal/oauth"
	"github.com/idcenter/idcenter/internal/server"
	"github.com/idcenter/idcenter/internal/testenv"
)

// clock is a manual clock for the OAuth service of a test server.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// newClockEnv is testenv.New with a manual clock, for expiry paths.
func newClockEnv(t *testing.T, backend string) (*testenv.Env, *clock) {
	t.Helper()
	st := testenv.OpenStore(t, backend)
	kr, err := keys.New(keys.Generate())
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: time.Now()}
	keyID, secret := idc.NewAccessKeyID(), idc.NewSecretAccessKey()
	hs := httptest.NewUnstartedServer(nil)
	srv, err := server.New(t.Context(), server.Options{Store: st, Keys: kr, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		AdminAccessKeyID: keyID, AdminSecretAccessKey: secret, PublicURL: "http://" + hs.Listener.Addr().String(), Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	hs.Config.Handler = srv.Handler()
	hs.Start()
	t.Cleanup(hs.Close)
	env := &testenv.Env{URL: hs.URL, Store: st, Server: srv, Backend: backend, InstanceARN: srv.Instance().InstanceARN,
		IdentityStoreID: srv.Instance().IdentityStoreID, ManagementAccountID: srv.ManagementAccountID(), AdminKeyID: keyID, AdminSecret: secret}
	env.AWSConfig = aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(keyID, secret, ""),
		BaseEndpoint: aws.String(hs.URL), HTTPClient: hs.Client(), Retryer: testenv.Retryer}
	return env, clk
}

// code returns the AWS error code of err, or "".
func code(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

type flow struct {
	env    *testenv.Env
	c      *ssooidc.Client
	client *ssooidc.RegisterClientOutput
}

func newFlow(t *testing.T, env *testenv.Env, in *ssooidc.RegisterClientInput) *flow {
	t.Helper()
	c := oidcClient(env)
	out, err := c.RegisterClient(t.Context(), in)
	if err != nil {
		t.Fatalf("RegisterClient: %v", err)
	}
	return &flow{env: env, c: c, client: out}
}

// pkceRegistration registers a client as the AWS CLI 2.22+ does for the
// authorization-code login.
func pkceRegistration(env *testenv.Env) *ssooidc.RegisterClientInput {
	return &ssooidc.RegisterClientInput{ClientName: aws.String("botocore-client-pkce"), ClientType: aws.String("public"),
		Scopes: []string{"sso:account:access"}, GrantTypes: []string{"authorization_code", "refresh_token"},
		RedirectUris: []string{"http://127.0.0.1/oauth/callback"}, IssuerUrl: aws.String(env.URL + "/start")}
}

// authorizeCode runs /authorize for the signed-in session sess with the
// S256 challenge of verifier and returns the code of the redirect.
func (f *flow) authorizeCode(t *testing.T, sess *idc.Session, redirect, verifier string) string {
	t.Helper()
	ctx := t.Context()
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{"response_type": {"code"}, "client_id": {*f.client.ClientId}, "redirect_uri": {redirect},
		"state": {"s1"}, "code_challenge_method": {"S256"}, "scopes": {"sso:account:access"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}}
	r, err := f.env.Server.OAuth().ParseAuthorize(ctx, q)
	if err != nil {
		t.Fatalf("ParseAuthorize: %v", err)
	}
	to, err := f.env.Server.OAuth().Authorize(ctx, r, sess)
	if err != nil {
		t.Fatalf("Authorize: %v", err)
	}
	u, _ := url.Parse(to)
	return u.Query().Get("code")
}

// redeemCode redeems an authorization code with CreateToken.
func (f *flow) redeemCode(t *testing.T, code, redirect, verifier string) (*ssooidc.CreateTokenOutput, error) {
	return f.c.CreateToken(t.Context(), &ssooidc.CreateTokenInput{ClientId: f.client.ClientId, ClientSecret: f.client.ClientSecret,
		GrantType: aws.String("authorization_code"), Code: aws.String(code), RedirectUri: aws.String(redirect), CodeVerifier: aws.String(verifier)})
}

func deviceRegistration() *ssooidc.RegisterClientInput {
	return &ssooidc.RegisterClientInput{ClientName: aws.String("botocore-client-idc"), ClientType: aws.String("public"), Scopes: []string{"sso:account:access"}}
}

func (f *flow) start(t *testing.T) *ssooidc.StartDeviceAuthorizationOutput {
	t.Helper()
	d, err := f.c.StartDeviceAuthorization(t.Context(), &ssooidc.StartDeviceAuthorizationInput{
		ClientId: f.client.ClientId, ClientSecret: f.client.ClientSecret, StartUrl: aws.String(f.env.URL + "/start"),
	})
	if err != nil {
		t.Fatalf("StartDeviceAuthorization: %v", err)
	}
	return d
}

func (f *flow) poll(t *testing.T, d *ssooidc.StartDeviceAuthorizationOutput) (*ssooidc.CreateTokenOutput, error) {
	t.Helper()
	return f.c.CreateToken(t.Context(), &ssooidc.CreateTokenInput{ClientId: f.client.ClientId, ClientSecret: f.client.ClientSecret,
		GrantType: aws.String(oauth.GrantDeviceCode), DeviceCode: d.DeviceCode})
}

// TestDeviceFlow drives the device grant with the AWS SDK for Go v2 through
// every error path the issue lists: before approval, polling too fast,
// after deny (SECURITY.md DF-03), reused (DF-05) or unknown device code,
// wrong client, wrong secret, unsupported grants (TK-16).
func TestDeviceFlow(t *testing.T) {
	t.Parallel()
	testenv.Backends(t, func(t *testing.T, env *testenv.Env) {
		ctx := t.Context()
		f := newFlow(t, env, deviceRegistration())
		if f.client.ClientSecretExpiresAt-f.client.ClientIdIssuedAt != int64(oauth.ClientSecretLifetime/time.Second) {
			t.Errorf("client secret lifetime = %d s", f.client.ClientSecretExpiresAt-f.client.ClientIdIssuedAt)
		}
		sess := signIn(t, env, "alice")
		d := f.start(t)
		if *d.VerificationUri != env.URL+"/device" || *d.VerificationUriComplete != env.URL+"/device?user_code="+url.QueryEscape(*d.UserCode) ||
			d.ExpiresIn != 600 || d.Interval != 1 {
			t.Errorf("StartDeviceAuthorization = uri %s complete %s expiresIn %d interval %d", *d.VerificationUri, *d.VerificationUriComplete, d.ExpiresIn, d.Interval)
		}

		var pending *types.AuthorizationPendingException
		for i := range 2 {
			if _, err := f.poll(t, d); !errors.As(err, &pending) {
				t.Fatalf("CreateToken poll %d before approval = %v, want AuthorizationPendingException", i+1, err)
			}
		}
		var slow *types.SlowDownException
		if _, err := f.poll(t, d); !errors.As(err, &slow) {
			t.Fatalf("CreateToken polled too fast = %v, want SlowDownException", err)
		}

		other := newFlow(t, env, deviceRegistration())
		if err := env.Server.OAuth().ApproveDevice(ctx, *d.UserCode, sess, ""); err != nil {
			t.Fatalf("ApproveDevice: %v", err)
		}
		var grant *types.InvalidGrantException
		if _, err := other.poll(t, d); !errors.As(err, &grant) {
			t.Errorf("CreateToken with another client's device code = %v, want InvalidGrantException", err)
		}
		var badClient *types.InvalidClientException
		if _, err := f.c.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: f.client.ClientId, ClientSecret: aws.String("wrong"),
			GrantType: aws.String(oauth.GrantDeviceCode), DeviceCode: d.DeviceCode}); !errors.As(err, &badClient) {
			t.Errorf("CreateToken with a wrong secret = %v, want InvalidClientException", err)
		}
		tok, err := f.poll(t, d)
		if err != nil {
			t.Fatalf("CreateToken after approval (and refused attempts) = %v", err)
		}
		if *tok.TokenType != "Bearer" || tok.ExpiresIn != 3600 || !strings.HasPrefix(*tok.AccessToken, "aoa") || tok.RefreshToken == nil {
			t.Errorf("CreateToken = %+v", tok)
		}
		// DF-05: never a second token set. The model allows
		// InvalidGrantException or ExpiredTokenException here; we answer
		// InvalidGrantException, as for any used grant (RFC 6749 §5.2).
		if _, err := f.poll(t, d); !errors.As(err, &grant) {
			t.Errorf("CreateToken with a redeemed device code = %v, want InvalidGrantException", err)
		}
		if _, err := f.c.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: f.client.ClientId, ClientSecret: f.client.ClientSecret,
			GrantType: aws.String(oauth.GrantDeviceCode), DeviceCode: aws.String("unknown")}); !errors.As(err, &grant) {
			t.Errorf("CreateToken with an unknown device code = %v, want InvalidGrantException", err)
		}

		// Deny.
		d2 := f.start(t)
		if err := env.Server.OAuth().DenyDevice(ctx, *d2.UserCode, sess); err != nil {
			t.Fatalf("DenyDevice: %v", err)
		}
		// DF-03: the denial is terminal; later polls fail too.
		var denied *types.AccessDeniedException
		for range 2 {
			if _, err := f.poll(t, d2); !errors.As(err, &denied) || aws.ToString(denied.Error_) != "access_denied" {
				t.Errorf("CreateToken after deny = %v, want AccessDeniedException (access_denied)", err)
			}
		}

		// Refresh (rotation) and a reused refresh token inside the retry grace.
		r1, err := f.c.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: f.client.ClientId, ClientSecret: f.client.ClientSecret,
			GrantType: aws.String("refresh_token"), RefreshToken: tok.RefreshToken})
		if err != nil || *r1.RefreshToken == *tok.RefreshToken {
			t.Fatalf("CreateToken(refresh_token) = %+v, %v", r1, err)
		}
		if _, err := f.c.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: f.client.ClientId, ClientSecret: f.client.ClientSecret,
			GrantType: aws.String("refresh_token"), RefreshToken: tok.RefreshToken}); !errors.As(err, &grant) {
			t.Errorf("CreateToken with a rotated refresh token = %v, want InvalidGrantException", err)
		}
		// TK-16: grants the service does not offer.
		var unsupported *types.UnsupportedGrantTypeException
		for _, g := range []string{"password", "client_credentials", "implicit", "urn:example:unknown"} {
			if _, err := f.c.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: f.client.ClientId, ClientSecret: f.client.ClientSecret,
				GrantType: aws.String(g)}); !errors.As(err, &unsupported) {
				t.Errorf("CreateToken(%s grant) = %v, want UnsupportedGrantTypeException", g, err)
			}
		}
		var unauthorized *types.UnauthorizedClientException
		if _, err := f.c.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: f.client.ClientId, ClientSecret: f.client.ClientSecret,
			GrantType: aws.String("authorization_code"), Code: aws.String("x"), RedirectUri: aws.String("http://127.0.0.1:1/oauth/callback"),
			CodeVerifier: aws.String(strings.Repeat("v", 43))}); !errors.As(err, &unauthorized) {
			t.Errorf("CreateToken(authorization_code) for a device client = %v, want UnauthorizedClientException", err)
		}
	})
}

// TestExpiry: an expired device code, polled at expiresIn + 1 s
// (SECURITY.md DF-04; the verification page is in internal/web), and an
// expired client registration (DF-07).
func TestExpiry(t *testing.T) {
	t.Parallel()
	for _, b := range []string{"sqlite", "postgres"} {
		t.Run(b, func(t *testing.T) {
			t.Parallel()
			testExpiry(t, b)
		})
	}
}

func testExpiry(t *testing.T, backend string) {
	env, clk := newClockEnv(t, backend)
	f := newFlow(t, env, deviceRegistration())
	d := f.start(t)
	clk.Advance(10*time.Minute + time.Second)
	var expired *types.ExpiredTokenException
	if _, err := f.poll(t, d); !errors.As(err, &expired) {
		t.Errorf("CreateToken after expiresIn = %v, want ExpiredTokenException", err)
	}
	clk.Advance(oauth.ClientSecretLifetime)
	var badClient *types.InvalidClientException
	if _, err := f.c.StartDeviceAuthorization(t.Context(), &ssooidc.StartDeviceAuthorizationInput{
		ClientId: f.client.ClientId, ClientSecret: f.client.ClientSecret, StartUrl: aws.String(env.URL + "/start"),
	}); !errors.As(err, &badClient) {
		t.Errorf("StartDeviceAuthorization with an expired registration = %v, want InvalidClientException", err)
	}
}

func TestRegisterClientErrors(t *testing.T) {
	t.Parallel()
	env := testenv.New(t, "sqlite")
	c := oidcClient(env)
	for _, tc := range []struct {
		name string
		in   ssooidc.RegisterClientInput
		want string
	}{
		{"confidential", ssooidc.RegisterClientInput{ClientName: aws.String("n"), ClientType: aws.String("confidential")}, "InvalidClientMetadataException"},
		{"unknown scope", ssooidc.RegisterClientInput{ClientName: aws.String("n"), ClientType: aws.String("public"), Scopes: []string{"root"}}, "InvalidScopeException"},
		{"implicit grant", ssooidc.RegisterClientInput{ClientName: aws.String("n"), ClientType: aws.String("public"), GrantTypes: []string{"implicit"}}, "UnsupportedGrantTypeException"},
		{"redirect to localhost", ssooidc.RegisterClientInput{ClientName: aws.String("n"), ClientType: aws.String("public"),
			GrantTypes: []string{"authorization_code"}, RedirectUris: []string{"http://localhost:8400/oauth/callback"}}, "InvalidRedirectUriException"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := c.RegisterClient(t.Context(), &tc.in); code(err) != tc.want {
				t.Errorf("RegisterClient = %v, want %s", err, tc.want)
			}
		})
	}
}

// TestStartDeviceAuthorizationForeignStartURL: a start URL that is not
// this instance's is InvalidRequestException whose description names the
// right one (SECURITY.md DF-17).
func TestStartDeviceAuthorizationForeignStartURL(t *testing.T) {
	testenv.Backends(t, func(t *testing.T, env *testenv.Env) {
		f := newFlow(t, env, deviceRegistration())
		for _, href := range []string{"https://d-1234567890.awsapps.com/start", strings.Replace(env.URL, "127.0.0.1", "localhost", 1) + "/start", env.URL + "/start/other"} {
			var bad *types.InvalidRequestException
			out, err := f.c.StartDeviceAuthorization(t.Context(), &ssooidc.StartDeviceAuthorizationInput{
				ClientId: f.client.ClientId, ClientSecret: f.client.ClientSecret, StartUrl: aws.String(href)})
			if !errors.As(err, &bad) || !strings.Contains(aws.ToString(bad.Error_description), env.URL+"/start") {
				t.Errorf("StartDeviceAuthorization(%s) = %+v, %v; want InvalidRequestException naming %s/start", href, out, err, env.URL)
			}
		}
		f.start(t) // the instance's own start URL still works
	})
}

// TestWireErrors pins the error body sso-oidc sends: the OAuth code in
// "error", a description, the exception in X-Amzn-ErrorType, no caching.
func TestWireErrors(t *testing.T) {
	t.Parallel()
	env := testenv.New(t, "sqlite")
	f := newFlow(t, env, deviceRegistration())
	d := f.start(t)
	body, _ := json.Marshal(map[string]string{"clientId": *f.client.ClientId, "clientSecret": *f.client.ClientSecret,
		"grantType": oauth.GrantDeviceCode, "deviceCode": *d.DeviceCode})
	resp, err := http.Post(env.URL+"/token", "application/json", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got map[string]string
	json.NewDecoder(resp.Body).Decode(&got)
	if resp.StatusCode != 400 || resp.Header.Get("X-Amzn-Errortype") != "AuthorizationPendingException" ||
		got["error"] != "authorization_pending" || got["error_description"] == "" || resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("pending poll: %d %v %v", resp.StatusCode, resp.Header, got)
	}
	resp2, err := http.Post(env.URL+"/token", "application/json", strings.NewReader(`{"clientId":"x","clientSecret":"y","grantType":"refresh_token","refreshToken":"z"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp2.Body.Close()
	if resp2.StatusCode != 401 || resp2.Header.Get("X-Amzn-Errortype") != "InvalidClientException" {
		t.Errorf("unknown client: %d %s, want 401 InvalidClientException", resp2.StatusCode, resp2.Header.Get("X-Amzn-Errortype"))
	}
	// A missing required member is InvalidRequestException, as sso-oidc has
	// no ValidationException.
	resp3, err := http.Post(env.URL+"/client/register", "application/json", strings.NewReader(`{"clientType":"public"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp3.Body.Close()
	if resp3.StatusCode != 400 || resp3.Header.Get("X-Amzn-Errortype") != "InvalidRequestException" {
		t.Errorf("no clientName: %d %s, want 400 InvalidRequestException", resp3.StatusCode, resp3.Header.Get("X-Amzn-Errortype"))
	}
}

// TestAuthorizationCodePKCE plays the AWS CLI 2.22+ login: registration
// with the authorization_code grant and a loopback redirect URI, the
// browser half (/authorize, approved here through the service the web page
// calls), then CreateToken with the code verifier; and its error paths:
// wrong verifier, wrong redirect URI, reused code.
func TestAuthorizationCodePKCE(t *testing.T) {
	t.Parallel()
	testenv.Backends(t, func(t *testing.T, env *testenv.Env) {
		ctx := t.Context()
		f := newFlow(t, env, pkceRegistration(env))
		if f.client.AuthorizationEndpoint == nil || *f.client.AuthorizationEndpoint != env.URL+"/authorize" {
			t.Errorf("authorizationEndpoint = %v", f.client.AuthorizationEndpoint)
		}
		sess := signIn(t, env, "bob")
		const verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
		const redirect = "http://127.0.0.1:43121/oauth/callback"
		authorize := func() string { return f.authorizeCode(t, sess, redirect, verifier) }
		redeem := func(code, redirect, verifier string) (*ssooidc.CreateTokenOutput, error) {
			return f.redeemCode(t, code, redirect, verifier)
		}
		code := authorize()
		tok, err := redeem(code, redirect, verifier)
		if err != nil || tok.RefreshToken == nil || tok.ExpiresIn != 3600 {
			t.Fatalf("CreateToken(authorization_code) = %+v, %v", tok, err)
		}
		var grant *types.InvalidGrantException
		if _, err := redeem(code, redirect, verifier); !errors.As(err, &grant) {
			t.Errorf("CreateToken with a used code = %v, want InvalidGrantException", err)
		}
		if _, err := env.Server.OAuth().Authenticate(ctx, *tok.AccessToken); idc.KindOf(err) != idc.KindUnauthenticated {
			t.Errorf("tokens of a replayed code still work: %v", err)
		}
		if _, err := redeem(authorize(), redirect, strings.Repeat("x", 43)); !errors.As(err, &grant) {
			t.Errorf("CreateToken with a wrong verifier = %v, want InvalidGrantException", err)
		}
		if _, err := redeem(authorize(), "http://127.0.0.1:43122/oauth/callback", verifier); !errors.As(err, &grant) {
			t.Errorf("CreateToken with a wrong redirect URI = %v, want InvalidGrantException", err)
		}
	})
}

// TestConcurrentRedemption: through the HTTP API too, a device code is
// redeemed once however many clients race for it.
func TestConcurrentRedemption(t *testing.T) {
	t.Parallel()
	testenv.Backends(t, func(t *testing.T, env *testenv.Env) {
		f := newFlow(t, env, deviceRegistration())
		sess := signIn(t, env, "carol")
		d := f.start(t)
		if err := env.Server.OAuth().ApproveDevice(t.Context(), *d.UserCode, sess, ""); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins, other := 0, 0
		start := make(chan struct{})
		for range 12 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, err := f.c.CreateToken(context.Background(), &ssooidc.CreateTokenInput{ClientId: f.client.ClientId,
					ClientSecret: f.client.ClientSecret, GrantType: aws.String(oauth.GrantDeviceCode), DeviceCode: d.DeviceCode})
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					wins++
				case code(err) != "InvalidGrantException":
					other++
				}
			}()
		}
		close(start)
		wg.Wait()
		if wins != 1 || other != 0 {
			t.Errorf("%d of 12 concurrent redemptions won and %d failed otherwise, want 1 and 0", wins, other)
		}
	})
}

// TestDeviceGrantTurnedOff (SECURITY.md DF-14): an administrator turns the
// device grant off (idcenter's admin API, as `idcenter settings update
// --device-grant off` does): StartDeviceAuthorization is refused with
// UnauthorizedClientException, codes started before can be neither
// approved nor redeemed — pending or already approved; turned back on,
// everything works again (so the refusals consumed nothing).
func TestDeviceGrantTurnedOff(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			env, clk := newClockEnv(t, backend)
			ctx := t.Context()
			a := env.Server.Auth()
			setGrant := func(v string) {
				t.Helper()
				if _, err := a.UpdateSettings(ctx, env.IdentityStoreID, auth.SettingsUpdate{DeviceGrant: v}); err != nil {
					t.Fatalf("UpdateSettings(DeviceGrant %s): %v", v, err)
				}
				clk.Advance(oauth.DeviceGrantPolicyTTL) // every replica has read it by now
			}
			f := newFlow(t, env, deviceRegistration())
			sess := signIn(t, env, "dora")
			pending, approved := f.start(t), f.start(t)
			if err := env.Server.OAuth().ApproveDevice(ctx, *approved.UserCode, sess, ""); err != nil {
				t.Fatalf("ApproveDevice: %v", err)
			}

			setGrant(auth.DeviceGrantDisabled)
			_, err := f.c.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{
				ClientId: f.client.ClientId, ClientSecret: f.client.ClientSecret, StartUrl: aws.String(env.URL + "/start")})
			if code(err) != "UnauthorizedClientException" {
				t.Errorf("StartDeviceAuthorization while off = %v, want UnauthorizedClientException", err)
			}
			for name, d := range map[string]*ssooidc.StartDeviceAuthorizationOutput{"pending": pending, "approved": approved} {
				clk.Advance(2 * time.Second) // never too fast
				if _, err := f.poll(t, d); code(err) != "UnauthorizedClientException" {
					t.Errorf("CreateToken with the %s code while off = %v, want UnauthorizedClientException", name, err)
				}
			}
			if err := env.Server.OAuth().ApproveDevice(ctx, *pending.UserCode, sess, ""); idc.KindOf(err) != idc.KindDenied {
				t.Errorf("ApproveDevice while off = %v, want denied", err)
			}

			// Back on: the approved code redeems, the pending one can be
			// approved and redeemed, and new ones start.
			setGrant(auth.DeviceGrantEnabled)
			clk.Advance(2 * time.Second)
			if _, err := f.poll(t, approved); err != nil {
				t.Errorf("CreateToken with the approved code, back on: %v", err)
			}
			if err := env.Server.OAuth().ApproveDevice(ctx, *pending.UserCode, sess, ""); err != nil {
				t.Errorf("ApproveDevice, back on: %v", err)
			}
			if _, err := f.poll(t, pending); err != nil {
				t.Errorf("CreateToken with the pending code, back on: %v", err)
			}
			f.start(t)
		})
	}
}
