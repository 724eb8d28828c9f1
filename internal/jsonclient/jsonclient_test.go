package jsonclient

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// The signature itself is checked by the server's verifier in the tests
// that drive a real server through this client (tools/loadgen/ssoadmin);
// here, what the client sends and how it reads answers.
func TestClient(t *testing.T) {
	var got struct {
		target, ctype, auth, path string
		body                      map[string]any
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.target, got.ctype, got.auth, got.path = r.Header.Get("X-Amz-Target"), r.Header.Get("Content-Type"), r.Header.Get("Authorization"), r.URL.Path
		b, _ := io.ReadAll(r.Body)
		got.body = nil
		json.Unmarshal(b, &got.body)
		if got.body["Fail"] == true {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"__type":"ValidationException","message":"no"}`)
			return
		}
		io.WriteString(w, `{"Answer":42}`)
	}))
	defer srv.Close()
	c := New(srv.URL+"/", aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret"}, "sso", nil)
	ctx := context.Background()

	var out struct{ Answer int }
	if err := c.Call(ctx, "SWBExternalService.ListInstances", map[string]any{"MaxResults": 1}, &out); err != nil || out.Answer != 42 {
		t.Fatalf("Call = %+v, %v", out, err)
	}
	if got.target != "SWBExternalService.ListInstances" || got.ctype != "application/x-amz-json-1.1" || got.path != "/" || got.body["MaxResults"] != 1.0 {
		t.Errorf("request: %+v", got)
	}
	if !strings.HasPrefix(got.auth, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/") || !strings.Contains(got.auth, "/us-east-1/sso/aws4_request") {
		t.Errorf("Authorization = %q", got.auth)
	}

	err := c.Call(ctx, "SWBExternalService.ListInstances", map[string]any{"Fail": true}, &out)
	if err == nil || !strings.Contains(err.Error(), "400") || !strings.Contains(err.Error(), "ValidationException") {
		t.Errorf("Call on a 400 = %v; want an error with the status and body", err)
	}
	status, body, err := c.Do(ctx, "SWBExternalService.ListInstances", map[string]any{"Fail": true})
	if err != nil || status != 400 || !strings.Contains(string(body), "ValidationException") {
		t.Errorf("Do on a 400 = %d, %s, %v", status, body, err)
	}
	if err := c.Call(ctx, "X.Y", map[string]any{}, nil); err != nil {
		t.Errorf("Call with nil out = %v", err)
	}
	if err := c.Call(ctx, "X.Y", func() {}, nil); err == nil {
		t.Error("Call with an input JSON cannot encode: no error")
	}
}
