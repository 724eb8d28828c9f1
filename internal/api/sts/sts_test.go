package sts_test

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/idcenter/idcenter/internal/creds"
	"github.com/idcenter/idcenter/internal/testenv"
)

func code(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// TestGetCallerIdentity covers the administrator key and refused
// credentials on the query wire (SECURITY.md SV-02, SV-05, SV-06:
// InvalidClientTokenId 403, SignatureDoesNotMatch); role credentials are
// covered with the portal API (internal/api/sso), which issues them.
func TestGetCallerIdentity(t *testing.T) {
	t.Parallel()
	testenv.Backends(t, func(t *testing.T, env *testenv.Env) {
		ctx := t.Context()
		out, err := sts.NewFromConfig(env.AWSConfig).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			t.Fatalf("GetCallerIdentity(admin) = %v", err)
		}
		arn := "arn:aws:iam::" + env.ManagementAccountID + ":user/idcenter-admin"
		if aws.ToString(out.Arn) != arn || aws.ToString(out.Account) != env.ManagementAccountID ||
			aws.ToString(out.UserId) != creds.UserID(env.ManagementAccountID, "idcenter-admin") {
			t.Errorf("GetCallerIdentity(admin) = %s %s %s, want %s", aws.ToString(out.Arn), aws.ToString(out.Account), aws.ToString(out.UserId), arn)
		}
		for _, tc := range []struct {
			name, key, secret, token, want string
		}{
			{"unknown long-term key", "AKIAAAAAAAAAAAAAAAAA", env.AdminSecret, "", "InvalidClientTokenId"},
			{"temporary key without a token", "ASIAAAAAAAAAAAAAAAAA", env.AdminSecret, "", "InvalidClientTokenId"},
			{"temporary key with a forged token", "ASIAAAAAAAAAAAAAAAAA", env.AdminSecret, strings.Repeat("QUFB", 100), "InvalidClientTokenId"},
			{"admin key with a token", env.AdminKeyID, env.AdminSecret, "token", "InvalidClientTokenId"},
			{"wrong secret", env.AdminKeyID, "wrong-secret-wrong-secret-wrong-secret00", "", "SignatureDoesNotMatch"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				cfg := env.AWSConfig.Copy()
				cfg.Credentials = credentials.NewStaticCredentialsProvider(tc.key, tc.secret, tc.token)
				_, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
				var re interface{ HTTPStatusCode() int }
				if code(err) != tc.want || !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusForbidden {
					t.Errorf("GetCallerIdentity = %v, want 403 %s", err, tc.want)
				}
			})
		}
	})
}

// TestWire pins the query protocol answer: XML, and an unsigned request's
// error.
func TestWire(t *testing.T) {
	t.Parallel()
	env := testenv.New(t, "sqlite")
	form := url.Values{"Action": {"GetCallerIdentity"}, "Version": {"2011-06-15"}}
	resp, err := http.Post(env.URL+"/", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 403 || !strings.Contains(string(body), "<Code>MissingAuthenticationToken</Code>") {
		t.Errorf("unsigned GetCallerIdentity: %d %s", resp.StatusCode, body)
	}
}
