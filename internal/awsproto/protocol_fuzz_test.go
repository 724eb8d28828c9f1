package awsproto_test

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/idcenter/idcenter/internal/api/sso"
	"github.com/idcenter/idcenter/internal/api/ssooidc"
	"github.com/idcenter/idcenter/internal/api/sts"
	"github.com/idcenter/idcenter/internal/awsproto"
)

// decodeFailure is the message of a body the validator accepted but the
// typed decoder refused: the two must agree, so it must never appear.
const decodeFailure = "could not be deserialized"

// FuzzQueryForm feeds random forms to the sts operations: decoding must
// never panic or fail internally, every answer must be well-formed XML, and
// a form that passes validation must decode into the generated input type.
func FuzzQueryForm(f *testing.F) {
	seeds := []string{
		"", "RoleArn=arn:aws:iam::111122223333:role/Admin&RoleSessionName=bob",
		"Tags.member.1.Key=a&Tags.member.1.Value=b&Tags.member.3.Key=c&Tags.member.3.Value=",
		"TransitiveTagKeys=&PolicyArns.member.1.arn=x", "DurationSeconds=99999999999999999999",
		"DurationSeconds=-1&Tags.member.0.Key=a", "Tags.member.1=x&Tags.member.1.Key.member.1=y",
		"Audience.member.1=a&Audience.member.2=%FF", "TaskPolicyArn.arn=x&TargetPrincipal=123456789012",
		"Tags.member.01.Key=a", "Tags.member.65537.Key=a", "ProvidedContexts.member.1.ProviderArn=%00",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	svc := sts.NewQueryService(sts.UnimplementedAPI{}, nil)
	var actions []string
	for name := range svc.Model.Operations {
		actions = append(actions, name)
	}
	f.Fuzz(func(t *testing.T, form string) {
		for _, action := range actions {
			body := "Action=" + action + "&Version=2011-06-15&" + form
			req := httptest.NewRequest("POST", "/", strings.NewReader(body))
			req.Header.Set("Content-Type", awsproto.ContentTypeForm)
			rec := httptest.NewRecorder()
			svc.ServeHTTP(rec, req)
			if rec.Code >= 500 {
				t.Fatalf("%s %q = %d %s", action, form, rec.Code, rec.Body)
			}
			var e struct {
				Code    string `xml:"Error>Code"`
				Message string `xml:"Error>Message"`
			}
			if err := xml.Unmarshal(rec.Body.Bytes(), &e); err != nil {
				t.Fatalf("%s %q: response is not XML: %v: %s", action, form, err, rec.Body)
			}
			if strings.Contains(e.Message, decodeFailure) {
				t.Fatalf("%s %q: validated form fails to decode: %s", action, form, rec.Body)
			}
		}
	})
}

// FuzzRESTBind feeds random query strings, bearer headers and bodies to
// every sso-oidc and sso route: binding must never panic or fail
// internally, every answer must be JSON, and an input that passes
// validation must decode into the generated input type.
func FuzzRESTBind(f *testing.F) {
	f.Add(uint8(0), "", "", `{"clientName":"a","clientType":"public","scopes":["x"]}`)
	f.Add(uint8(2), "", "", `{"clientId":"c","clientSecret":"s","grantType":"g","scope":[null]}`)
	f.Add(uint8(4), "max_result=5&next_token=x", "tok", ``)
	f.Add(uint8(5), "account_id=1&max_result=0&max_result=x", "tok", `{"accessToken":1}`)
	f.Add(uint8(6), "role_name=r&account_id=%zz", "", `[]`)
	f.Add(uint8(7), "", "t\xff", `{"accessToken":"b","AccessToken":"c"}`)
	f.Add(uint8(3), "aws_iam=t", "", `{"clientId":"c","grantType":"g","awsAdditionalDetails":{}}`)
	oidc := ssooidc.NewRESTService(ssooidc.UnimplementedAPI{}, nil)
	portal := sso.NewRESTService(sso.UnimplementedAPI{}, nil)
	routes := []struct {
		svc          http.Handler
		method, path string
	}{
		{oidc, "POST", "/client/register"}, {oidc, "POST", "/device_authorization"}, {oidc, "POST", "/token"}, {oidc, "POST", "/token"},
		{portal, "GET", "/assignment/accounts"}, {portal, "GET", "/assignment/roles"}, {portal, "GET", "/federation/credentials"}, {portal, "POST", "/logout"},
	}
	f.Fuzz(func(t *testing.T, route uint8, query, token, body string) {
		rt := routes[int(route)%len(routes)]
		req := httptest.NewRequest(rt.method, rt.path, strings.NewReader(body))
		req.URL.RawQuery = query
		if token != "" {
			req.Header["X-Amz-Sso_bearer_token"] = []string{token}
		}
		rec := httptest.NewRecorder()
		rt.svc.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s?%s = %d %s", rt.method, rt.path, query, rec.Code, rec.Body)
		}
		var e struct {
			Message, ErrorDescription string
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil {
			t.Fatalf("%s %s?%s: response is not JSON: %v: %s", rt.method, rt.path, query, err, rec.Body)
		}
		if strings.Contains(rec.Body.String(), decodeFailure) {
			t.Fatalf("%s %s?%s: validated input fails to decode: %s", rt.method, rt.path, query, rec.Body)
		}
	})
}
