package creds_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/idcenter/idcenter/internal/awsproto/sigv4"
)

// BenchmarkVerifyTemporary measures the server side of GetCallerIdentity's
// authentication with role credentials: SigV4 verification whose key comes
// from opening the sealed session token (no database).
func BenchmarkVerifyTemporary(b *testing.B) {
	f := newFixture(b)
	rc, err := f.svc.Issue(b.Context(), f.user.IdentityStoreID, f.user.UserID, account, "ReadOnly")
	if err != nil {
		b.Fatal(err)
	}
	v := sigv4.NewVerifier(f.svc)
	body := []byte("Action=GetCallerIdentity&Version=2011-06-15")
	req, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:8080/", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	if err := v4.NewSigner().SignHTTP(b.Context(), aws.Credentials{AccessKeyID: rc.AccessKeyID, SecretAccessKey: rc.SecretAccessKey, SessionToken: rc.SessionToken},
		req, hash, "sts", "us-east-1", time.Now()); err != nil {
		b.Fatal(err)
	}
	if _, err := v.Verify(b.Context(), req, body); err != nil {
		b.Fatalf("Verify = %v", err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(b.Context(), req, body); err != nil {
			b.Fatal(err)
		}
	}
}
