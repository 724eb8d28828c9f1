package ssooidc_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc/types"

	"github.com/idcenter/idcenter/internal/testenv"
)

// member is one "key": value pair of a request body, the value as raw JSON.
type member struct{ key, raw string }

// malformedBodies returns bodies that no SDK sends, built from the valid
// members of a request: key (one of them) repeated with another value
// (dupRaw), respelt in other cases, the body followed by garbage, key's
// value nested 1000 arrays deep, and key's value a 10 MB string.
func malformedBodies(members []member, key, dupRaw string) map[string]string {
	build := func(ms []member) string {
		parts := make([]string, len(ms))
		for i, m := range ms {
			parts[i] = `"` + m.key + `":` + m.raw
		}
		return "{" + strings.Join(parts, ",") + "}"
	}
	with := func(f func(m member) member) string {
		ms := make([]member, len(members))
		for i, m := range members {
			ms[i] = m
			if m.key == key {
				ms[i] = f(m)
			}
		}
		return build(ms)
	}
	return map[string]string{
		"duplicate key":  build(append(append([]member{}, members...), member{key, dupRaw})),
		"upper case key": with(func(m member) member { return member{strings.ToUpper(m.key[:1]) + m.key[1:], m.raw} }),
		"lower case key": with(func(m member) member { return member{strings.ToLower(m.key), m.raw} }),
		"trailing data":  build(members) + `{"x":1}garbage`,
		"depth 1000":     with(func(m member) member { return member{m.key, strings.Repeat("[", 1000) + strings.Repeat("]", 1000)} }),
		"10 MB body":     with(func(m member) member { return member{m.key, `"` + strings.Repeat("a", 10<<20) + `"`} }),
	}
}

// isInvalidRequest reports whether err is sso-oidc's InvalidRequestException
// as the SDK parses it: the modelled type, error "invalid_request", 400.
func isInvalidRequest(err error) bool {
	var ir *types.InvalidRequestException
	var re interface{ HTTPStatusCode() int }
	return errors.As(err, &ir) && aws.ToString(ir.Error_) == "invalid_request" && errors.As(err, &re) && re.HTTPStatusCode() == http.StatusBadRequest
}

// TestMalformedBodies (SECURITY.md TK-17): RegisterClient,
// StartDeviceAuthorization and CreateToken bodies with a duplicate key, a
// key in other cases, trailing data, nesting 1000 deep or 10 MB are each
// refused with 400 InvalidRequestException (the exception the model lists
// for the three operations), parsed by the SDK from the wire, and change
// nothing: no client or device authorization is stored, and the refused
// CreateToken polls do not count against the device code's interval (the
// next well-formed poll is authorization_pending, not slow_down). A
// duplicate "grantType" is refused rather than read last-wins, which would
// turn a device-code poll into a refresh-token grant.
func TestMalformedBodies(t *testing.T) {
	t.Parallel()
	testenv.Backends(t, func(t *testing.T, env *testenv.Env) {
		ctx := t.Context()
		f := newFlow(t, env, deviceRegistration())
		d := f.start(t)
		id, secret := `"`+*f.client.ClientId+`"`, `"`+*f.client.ClientSecret+`"`
		ops := []struct {
			name    string
			members []member
			key     string
			dupRaw  string
			call    func(opt func(*ssooidc.Options)) error
		}{
			{"RegisterClient", []member{{"clientName", `"c"`}, {"clientType", `"public"`}, {"scopes", `["sso:account:access"]`}}, "clientType", `"confidential"`,
				func(opt func(*ssooidc.Options)) error {
					_, err := f.c.RegisterClient(ctx, deviceRegistration(), opt)
					return err
				}},
			{"StartDeviceAuthorization", []member{{"clientId", id}, {"clientSecret", secret}, {"startUrl", `"` + env.URL + `/start"`}}, "startUrl", `"https://example.com/start"`,
				func(opt func(*ssooidc.Options)) error {
					_, err := f.c.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{
						ClientId: f.client.ClientId, ClientSecret: f.client.ClientSecret, StartUrl: aws.String(env.URL + "/start")}, opt)
					return err
				}},
			{"CreateToken", []member{{"clientId", id}, {"clientSecret", secret}, {"grantType", `"urn:ietf:params:oauth:grant-type:device_code"`}, {"deviceCode", `"` + *d.DeviceCode + `"`}}, "grantType", `"refresh_token"`,
				func(opt func(*ssooidc.Options)) error {
					_, err := f.c.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: f.client.ClientId, ClientSecret: f.client.ClientSecret,
						GrantType: aws.String("urn:ietf:params:oauth:grant-type:device_code"), DeviceCode: d.DeviceCode}, opt)
					return err
				}},
		}
		for _, op := range ops {
			for name, body := range malformedBodies(op.members, op.key, op.dupRaw) {
				err := op.call(func(o *ssooidc.Options) { o.APIOptions = append(o.APIOptions, testenv.ReplaceBody([]byte(body))) })
				if !isInvalidRequest(err) {
					t.Errorf("%s(%s) = %v, want 400 InvalidRequestException (invalid_request)", op.name, name, err)
				}
			}
		}
		// A well-formed poll right after: the refused ones were not polls.
		if _, err := f.c.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: f.client.ClientId, ClientSecret: f.client.ClientSecret,
			GrantType: aws.String("urn:ietf:params:oauth:grant-type:device_code"), DeviceCode: d.DeviceCode}); code(err) != "AuthorizationPendingException" {
			t.Errorf("CreateToken after the refused bodies = %v, want AuthorizationPendingException", err)
		}
		if got := oauthRows(t, env); got != 2 {
			t.Errorf("%d OAuth rows stored, want 2 (the test's client and device authorization)", got)
		}
	})
}
