package sts_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/idcenter/idcenter/internal/api/sts"
	"github.com/idcenter/idcenter/internal/awsproto/sigv4"
	"github.com/idcenter/idcenter/internal/creds"
	"github.com/idcenter/idcenter/internal/idc"
)

// fixedKey resolves every access key to one secret and principal, so that
// BenchmarkGetCallerIdentity measures the query protocol and STS layers;
// resolving a real session token is internal/creds' BenchmarkVerifyTemporary.
type fixedKey struct{ secret, arn string }

func (k fixedKey) ResolveKey(ctx context.Context, accessKeyID, token string) (sigv4.Key, error) {
	return sigv4.Key{Secret: []byte(k.secret), Principal: &idc.Principal{AccessKeyID: accessKeyID, ARN: k.arn}}, nil
}

// gciServer returns a function that serves one GetCallerIdentity request,
// signed as the AWS SDK signs it with role credentials, by the STS query
// service with every key resolved to the principal arn.
func gciServer(tb testing.TB, arn string) func() *httptest.ResponseRecorder {
	key := fixedKey{secret: strings.Repeat("s", 40), arn: arn}
	svc := sts.New(sigv4.NewVerifier(key))
	body := "Action=GetCallerIdentity&Version=2011-06-15"
	req, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:8080/", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256([]byte(body))
	creds := aws.Credentials{AccessKeyID: "ASIAABCDEFGHIJKLMNOP", SecretAccessKey: key.secret, SessionToken: strings.Repeat("T", 600)}
	if err := v4.NewSigner().SignHTTP(tb.Context(), creds, req, hex.EncodeToString(sum[:]), "sts", "us-east-1", time.Now()); err != nil {
		tb.Fatal(err)
	}
	return func() *httptest.ResponseRecorder {
		r := req.Clone(tb.Context())
		r.Body = readerCloser{strings.NewReader(body)}
		w := httptest.NewRecorder()
		svc.ServeHTTP(w, r)
		return w
	}
}

// TestGetCallerIdentityPrincipals checks the account and user id derived
// from the caller's ARN, for a role session, an IAM user (with a path) and
// ARNs of other forms.
func TestGetCallerIdentityPrincipals(t *testing.T) {
	t.Parallel()
	const acct = "111122223333"
	for _, tc := range []struct{ arn, account, userID string }{
		{"arn:aws:sts::" + acct + ":assumed-role/AWSReservedSSO_X_0123456789abcdef/alice", acct, creds.RoleID(acct, "AWSReservedSSO_X_0123456789abcdef") + ":alice"},
		{"arn:aws:iam::" + acct + ":user/idcenter-admin", acct, creds.UserID(acct, "idcenter-admin")},
		{"arn:aws:iam::" + acct + ":user/team/bob", acct, creds.UserID(acct, "bob")},
		{"arn:aws:sts::" + acct + ":assumed-role/R/a/b", acct, ""},
		{"arn:aws:sts::" + acct + ":federated-user/carol", acct, ""},
		{"arn:aws:iam:" + acct + ":user/x", "", ""},
	} {
		w := gciServer(t, tc.arn)()
		var out struct {
			Result struct{ Arn, Account, UserId string } `xml:"GetCallerIdentityResult"`
		}
		if err := xml.Unmarshal(w.Body.Bytes(), &out); err != nil || w.Code != 200 {
			t.Fatalf("%s: %d %s (%v)", tc.arn, w.Code, w.Body, err)
		}
		if r := out.Result; r.Arn != tc.arn || r.Account != tc.account || r.UserId != tc.userID {
			t.Errorf("%s: got %+v, want account %q, user id %q", tc.arn, r, tc.account, tc.userID)
		}
	}
}

// BenchmarkGetCallerIdentity serves GetCallerIdentity as the AWS SDK signs
// it with role credentials, without the network: form parsing, SigV4
// verification, the operation and the XML answer.
func BenchmarkGetCallerIdentity(b *testing.B) {
	serve := gciServer(b, "arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_ReadOnly_0123456789abcdef/alice")
	if w := serve(); w.Code != 200 || !strings.Contains(w.Body.String(), "<Account>111122223333</Account>") {
		b.Fatalf("GetCallerIdentity = %d %s", w.Code, w.Body)
	}
	b.ReportAllocs()
	for b.Loop() {
		serve()
	}
}

type readerCloser struct{ *strings.Reader }

func (readerCloser) Close() error { return nil }
