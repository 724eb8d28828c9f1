package server_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	"github.com/aws/aws-sdk-go-v2/service/identitystore/types"
	"github.com/aws/smithy-go"

	"github.com/idcenter/idcenter/internal/testenv"
)

// TestAuthRefusals sends requests that must be refused before they reach a
// service — wrong signature, unknown key, skewed clock, missing or broken
// signature, malformed body — and checks the AWS error each gets and that
// nothing changed (SECURITY.md SV-01, SV-02, SV-05, SV-09 on the JSON
// wire; the query wire is in internal/api/sts and internal/api/sso).
func TestAuthRefusals(t *testing.T) {
	testenv.Backends(t, func(t *testing.T, env *testenv.Env) {
		ctx := t.Context()
		body := `{"IdentityStoreId":"` + env.IdentityStoreID + `","UserName":"mallory","DisplayName":"M","Name":{"GivenName":"M","FamilyName":"X"}}`
		signed := func(keyID, secret string, at time.Time, payload string, mutate func(*http.Request)) *http.Request {
			req, _ := http.NewRequest("POST", env.URL+"/", strings.NewReader(payload))
			req.Header.Set("Content-Type", "application/x-amz-json-1.1")
			req.Header.Set("X-Amz-Target", "AWSIdentityStore.CreateUser")
			sum := sha256.Sum256([]byte(payload))
			err := v4.NewSigner().SignHTTP(ctx, aws.Credentials{AccessKeyID: keyID, SecretAccessKey: secret}, req, hex.EncodeToString(sum[:]), "identitystore", "us-east-1", at)
			if err != nil {
				t.Fatal(err)
			}
			if mutate != nil {
				mutate(req)
			}
			return req
		}
		now := time.Now()
		cases := []struct {
			name     string
			req      *http.Request
			wantCode string
			wantMsg  string
		}{
			{"wrong secret", signed(env.AdminKeyID, "wrong-secret-wrong-secret", now, body, nil), "InvalidSignatureException", "does not match"},
			{"unknown key", signed("AKIAUNKNOWNUNKNOWN00", env.AdminSecret, now, body, nil), "UnrecognizedClientException", "security token included in the request is invalid"},
			{"clock 6 min behind", signed(env.AdminKeyID, env.AdminSecret, now.Add(-6*time.Minute), body, nil), "InvalidSignatureException", "Signature expired"},
			{"clock 5 min 2 s behind", signed(env.AdminKeyID, env.AdminSecret, now.Add(-5*time.Minute-2*time.Second), body, nil), "InvalidSignatureException", "Signature expired"},
			{"clock 6 min ahead", signed(env.AdminKeyID, env.AdminSecret, now.Add(6*time.Minute), body, nil), "InvalidSignatureException", "Signature not yet current"},
			{"body changed after signing", signed(env.AdminKeyID, env.AdminSecret, now, body, func(r *http.Request) {
				r.Body = io.NopCloser(strings.NewReader(strings.Replace(body, "mallory", "mallorz", 1)))
				r.ContentLength = int64(len(body))
			}), "InvalidSignatureException", ""},
			{"target changed after signing", signed(env.AdminKeyID, env.AdminSecret, now, body, func(r *http.Request) {
				r.Header.Set("X-Amz-Target", "AWSIdentityStore.CreateGroup")
			}), "InvalidSignatureException", ""},
			{"no signature", func() *http.Request {
				r := signed(env.AdminKeyID, env.AdminSecret, now, body, nil)
				r.Header.Del("Authorization")
				return r
			}(), "MissingAuthenticationTokenException", ""},
			{"garbled Authorization", signed(env.AdminKeyID, env.AdminSecret, now, body, func(r *http.Request) {
				r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=garbage")
			}), "IncompleteSignatureException", ""},
			{"malformed JSON body", signed(env.AdminKeyID, env.AdminSecret, now, `{"IdentityStoreId": `, nil), "SerializationException", ""},
			{"wrong JSON type", signed(env.AdminKeyID, env.AdminSecret, now, `{"IdentityStoreId": 5}`, nil), "SerializationException", ""},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				resp, err := http.DefaultClient.Do(tc.req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				var e struct {
					Type    string `json:"__type"`
					Message string `json:"Message"`
				}
				raw, _ := io.ReadAll(resp.Body)
				if err := json.Unmarshal(raw, &e); err != nil {
					t.Fatalf("error body %q: %v", raw, err)
				}
				if resp.StatusCode != 400 || e.Type != tc.wantCode || resp.Header.Get("X-Amzn-ErrorType") != tc.wantCode {
					t.Errorf("status %d, __type %q, X-Amzn-ErrorType %q; want 400 %s (body %s)", resp.StatusCode, e.Type, resp.Header.Get("X-Amzn-ErrorType"), tc.wantCode, raw)
				}
				if !strings.Contains(e.Message, tc.wantMsg) {
					t.Errorf("message %q lacks %q", e.Message, tc.wantMsg)
				}
				if resp.Header.Get("x-amzn-RequestId") == "" {
					t.Errorf("no x-amzn-RequestId header")
				}
			})
		}

		// The SDK sees the same refusals as typed errors.
		for _, tc := range []struct {
			name, id, secret, want string
		}{
			{"sdk wrong secret", env.AdminKeyID, "not-the-secret-not-the-secret", "InvalidSignatureException"},
			{"sdk unknown key", "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "UnrecognizedClientException"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				cfg := env.AWSConfig.Copy()
				cfg.Credentials = credentials.NewStaticCredentialsProvider(tc.id, tc.secret, "")
				_, err := identitystore.NewFromConfig(cfg).CreateUser(ctx, &identitystore.CreateUserInput{
					IdentityStoreId: aws.String(env.IdentityStoreID),
					UserName:        aws.String("mallory"),
					DisplayName:     aws.String("M"),
					Name:            &types.Name{GivenName: aws.String("M"), FamilyName: aws.String("X")},
				})
				var ae smithy.APIError
				if !errors.As(err, &ae) || ae.ErrorCode() != tc.want {
					t.Errorf("CreateUser = %v, want %s", err, tc.want)
				}
			})
		}

		// Nothing was created by any refused request.
		out, err := env.IdentityStore().ListUsers(ctx, &identitystore.ListUsersInput{IdentityStoreId: aws.String(env.IdentityStoreID)})
		if err != nil {
			t.Fatalf("ListUsers: %v", err)
		}
		if len(out.Users) != 0 {
			t.Errorf("refused requests created %d users", len(out.Users))
		}
	})
}

// TestHealth checks the liveness and readiness endpoints.
func TestHealth(t *testing.T) {
	t.Parallel()
	env := testenv.New(t, "sqlite")
	for _, p := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get(env.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || len(bytes.TrimSpace(b)) == 0 {
			t.Errorf("GET %s = %d %q", p, resp.StatusCode, b)
		}
	}
	env.Store.Close()
	resp, err := http.Get(env.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("GET /readyz with a closed store = %d, want 503", resp.StatusCode)
	}
}
