package awsproto_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/idcenter/idcenter/internal/api/sso"
	"github.com/idcenter/idcenter/internal/api/ssooidc"
)

// BenchmarkRESTService measures the framework's part of a rest-json
// request (routing, parsing, validation, typed decoding, encoding) with
// handlers that do no work: a CreateToken that issues tokens, one answered
// AuthorizationPending, and a ListAccounts page.
//
//	go test -run '^$' -bench RESTService -benchmem ./internal/awsproto/
func BenchmarkRESTService(b *testing.B) {
	oidc := ssooidc.NewRESTService(oidcAPI{}, nil)
	portal := sso.NewRESTService(portalAPI{}, nil)
	const token = `{"clientId":"c-0123456789abcdef","clientSecret":"s3cr3t-0123456789abcdef0123456789abcdef","grantType":"urn:ietf:params:oauth:grant-type:device_code","deviceCode":"%s"}`
	run := func(b *testing.B, serve func(*httptest.ResponseRecorder), status int) {
		b.ReportAllocs()
		for b.Loop() {
			rec := httptest.NewRecorder()
			serve(rec)
			if rec.Code != status {
				b.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
		}
	}
	b.Run("CreateToken", func(b *testing.B) {
		body := strings.Replace(token, "%s", "dc-0123456789abcdef0123456789abcdef0123456789", 1)
		run(b, func(rec *httptest.ResponseRecorder) {
			oidc.ServeHTTP(rec, httptest.NewRequest("POST", "/token", strings.NewReader(body)))
		}, 200)
	})
	b.Run("CreateTokenPending", func(b *testing.B) {
		body := strings.Replace(token, "%s", "pending", 1)
		run(b, func(rec *httptest.ResponseRecorder) {
			oidc.ServeHTTP(rec, httptest.NewRequest("POST", "/token", strings.NewReader(body)))
		}, 400)
	})
	b.Run("ListAccounts", func(b *testing.B) {
		run(b, func(rec *httptest.ResponseRecorder) {
			req := httptest.NewRequest("GET", "/assignment/accounts?max_result=2", nil)
			req.Header.Set("x-amz-sso_bearer_token", "t")
			portal.ServeHTTP(rec, req)
		}, 200)
	})
}
