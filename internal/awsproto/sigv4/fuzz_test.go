package sigv4_test

import (
	"errors"
	"net/http"
	"net/url"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/idcenter/idcenter/internal/awsproto/sigv4"
)

// FuzzVerify feeds arbitrary Authorization headers, query strings and paths
// to Verify (SECURITY.md SV-09). It must never panic, and every refusal must be an *Error with a
// known reason and a message.
func FuzzVerify(f *testing.F) {
	body := describeUserBody
	c := clientRequest(f, "POST", "https://"+host+"/", body, jsonHeader("AWSIdentityStore.DescribeUser"))
	signHTTP(f, c, body, adminCreds, "identitystore", t0)
	f.Add(c.Header.Get("Authorization"), "", "/")
	p := presign(f, clientRequest(f, "GET", "https://sts.amazonaws.com/a?X-Amz-Expires=60&b=%20", "", nil),
		payloadHash(""), aws.Credentials{AccessKeyID: tempAKID, SecretAccessKey: tempSecret, SessionToken: tempToken}, t0)
	f.Add("", p.URL.RawQuery, p.URL.EscapedPath())
	f.Add("AWS4-HMAC-SHA256 Credential=a/b/c/d/e,SignedHeaders=;;,Signature=zz", "a=%zz&&=&X-Amz-Algorithm", "//./..")
	f.Add("AWS4-HMAC-SHA256 ,,,", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=99999999999", "/%")

	v := newVerifier(t0)
	f.Fuzz(func(t *testing.T, authz, rawQuery, path string) {
		r := &http.Request{
			Method: "POST",
			URL:    &url.URL{Path: path, RawQuery: rawQuery},
			Host:   host,
			Header: c.Header.Clone(),
		}
		if authz == "" {
			r.Header.Del("Authorization")
		} else {
			r.Header.Set("Authorization", authz)
		}
		_, err := v.Verify(t.Context(), r, []byte(body))
		if err == nil {
			return
		}
		var se *sigv4.Error
		if !errors.As(err, &se) {
			t.Fatalf("Verify() = %v, want *sigv4.Error", err)
		}
		if se.Reason < sigv4.ReasonMissing || se.Reason > sigv4.ReasonTokenExpired || se.Message == "" {
			t.Fatalf("Verify() = %#v: unknown reason or empty message", se)
		}
	})
}
