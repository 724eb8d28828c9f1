package ssooidc_test

import (
	"encoding/base64"
	"errors"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc/types"

	"github.com/idcenter/idcenter/internal/oauth"
	"github.com/idcenter/idcenter/internal/testenv"
)

// TestClientSecretRefused (SECURITY.md DF-07): StartDeviceAuthorization and
// CreateToken refuse a client secret that is not exactly the one issued to
// that client, and one that has expired, with 401 InvalidClientException.
// Our secrets are opaque random strings checked against a stored HMAC, not
// signed JWTs as AWS's are, so the row's JWT forgeries (alg "none", an
// HS384 body with another clientType or exp) are sent as they would be
// against AWS and must fail like any other wrong string. A refused call
// spends nothing: the device code is redeemed afterwards.
func TestClientSecretRefused(t *testing.T) {
	t.Parallel()
	clockBackends(t, func(t *testing.T, env *testenv.Env, clk *clock) {
		ctx := t.Context()
		f := newFlow(t, env, deviceRegistration())
		other := newFlow(t, env, deviceRegistration())
		secret := *f.client.ClientSecret
		flip := func(i int) string {
			b := []byte(secret)
			b[i] = map[bool]byte{true: 'B', false: 'A'}[b[i] == 'A']
			return string(b)
		}
		jwt := func(header, claims, sig string) string {
			enc := base64.RawURLEncoding.EncodeToString
			return enc([]byte(header)) + "." + enc([]byte(claims)) + "." + sig
		}
		claims := `{"clientId":"` + *f.client.ClientId + `","clientType":"confidential","exp":4102444800}`
		wrong := map[string]string{
			"first byte flipped":   flip(0),
			"middle byte flipped":  flip(len(secret) / 2),
			"last byte flipped":    flip(len(secret) - 1),
			"truncated":            secret[:len(secret)-1],
			"extended":             secret + "A",
			"another client's":     *other.client.ClientSecret,
			"alg none":             jwt(`{"alg":"none"}`, claims, ""),
			"HS384 with new claim": jwt(`{"alg":"HS384","typ":"JWT"}`, claims, "c2ln"),
		}
		d := f.start(t)
		sess := signIn(t, env, "dave")
		if err := env.Server.OAuth().ApproveDevice(ctx, *d.UserCode, sess, ""); err != nil {
			t.Fatalf("ApproveDevice: %v", err)
		}
		for name, s := range wrong {
			_, err := f.c.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{
				ClientId: f.client.ClientId, ClientSecret: aws.String(s), StartUrl: aws.String(env.URL + "/start")})
			wantInvalidClient(t, "StartDeviceAuthorization("+name+" secret)", err)
			_, err = f.c.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: f.client.ClientId, ClientSecret: aws.String(s),
				GrantType: aws.String(oauth.GrantDeviceCode), DeviceCode: d.DeviceCode})
			wantInvalidClient(t, "CreateToken("+name+" secret)", err)
		}
		if _, err := f.poll(t, d); err != nil {
			t.Fatalf("CreateToken(right secret, after the refusals) = %v", err)
		}

		// Expired: the secret that worked a moment ago is refused once
		// clientSecretExpiresAt has passed.
		d2 := f.start(t)
		clk.Advance(oauth.ClientSecretLifetime)
		_, err := f.c.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{
			ClientId: f.client.ClientId, ClientSecret: f.client.ClientSecret, StartUrl: aws.String(env.URL + "/start")})
		wantInvalidClient(t, "StartDeviceAuthorization(expired secret)", err)
		_, err = f.poll(t, d2)
		wantInvalidClient(t, "CreateToken(expired secret)", err)
	})
}

func wantInvalidClient(t *testing.T, call string, err error) {
	t.Helper()
	var ic *types.InvalidClientException
	var re interface{ HTTPStatusCode() int }
	if !errors.As(err, &ic) || !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusUnauthorized {
		t.Errorf("%s = %v, want 401 InvalidClientException", call, err)
	}
}
