package sigv4_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/google/go-cmp/cmp"

	"github.com/idcenter/idcenter/internal/awsproto/sigv4"
)

// t0 is the signing time of most tests; verifiers built by newVerifier read
// it as their clock.
var t0 = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

const (
	akid       = "AKIDEXAMPLE"
	secret     = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	tempAKID   = "ASIATEMPEXAMPLE"
	tempSecret = "tempsecretEXAMPLEKEY/+"
	tempToken  = "session-token/with+chars=="
	staleAKID  = "ASIASTALEEXAMPLE"
	brokenAKID = "AKIDBROKEN"
	host       = "identitystore.us-east-1.amazonaws.com"
)

var (
	adminCreds = aws.Credentials{AccessKeyID: akid, SecretAccessKey: secret}
	tempCreds  = aws.Credentials{AccessKeyID: tempAKID, SecretAccessKey: tempSecret, SessionToken: tempToken}
	errStore   = errors.New("store unavailable")
)

// keyring is the Resolver of the tests: a fixed set of keys, an expired
// session and a key whose lookup fails.
type keyring struct{}

func (keyring) ResolveKey(_ context.Context, id, token string) (sigv4.Key, error) {
	switch {
	case id == akid && token == "":
		return sigv4.Key{Secret: []byte(secret), Principal: "admin"}, nil
	case id == tempAKID && token == tempToken:
		return sigv4.Key{Secret: []byte(tempSecret), Principal: "session"}, nil
	case id == staleAKID:
		return sigv4.Key{}, sigv4.ErrTokenExpired
	case id == brokenAKID:
		return sigv4.Key{}, errStore
	}
	return sigv4.Key{}, sigv4.ErrUnknownKey
}

func newVerifier(now time.Time) *sigv4.Verifier {
	v := sigv4.NewVerifier(keyring{})
	v.Now = func() time.Time { return now }
	return v
}

// clientRequest is a request as a client builds it before signing.
func clientRequest(t testing.TB, method, rawURL, body string, header http.Header) *http.Request {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r, err := http.NewRequest(method, rawURL, rd)
	if err != nil {
		t.Fatalf("NewRequest(%q): %v", rawURL, err)
	}
	for k, vs := range header {
		for _, v := range vs {
			r.Header.Add(k, v)
		}
	}
	return r
}

func payloadHash(body string) string {
	sum := sha256.Sum256([]byte(body))
	return hex.EncodeToString(sum[:])
}

// signHTTP signs r with the AWS SDK for Go v2 signer.
func signHTTP(t testing.TB, r *http.Request, body string, creds aws.Credentials, service string, at time.Time) {
	t.Helper()
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, payloadHash(body), service, "us-east-1", at); err != nil {
		t.Fatalf("SignHTTP: %v", err)
	}
}

// presign returns the request a client makes from a URL presigned with the
// AWS SDK for Go v2 signer.
func presign(t testing.TB, r *http.Request, hash string, creds aws.Credentials, at time.Time) *http.Request {
	t.Helper()
	u, hdr, err := v4.NewSigner().PresignHTTP(context.Background(), creds, r, hash, "sts", "us-east-1", at)
	if err != nil {
		t.Fatalf("PresignHTTP: %v", err)
	}
	p, err := http.NewRequest(r.Method, u, nil)
	if err != nil {
		t.Fatalf("NewRequest(%q): %v", u, err)
	}
	for k, vs := range hdr {
		if k != "Host" {
			p.Header[k] = vs
		}
	}
	return p
}

// toServer sends c with body through the HTTP/1.1 wire format and returns
// the request as net/http's server parses it.
func toServer(t testing.TB, c *http.Request, body string) *http.Request {
	t.Helper()
	c.Body = io.NopCloser(strings.NewReader(body))
	c.ContentLength = int64(len(body))
	var wire bytes.Buffer
	if err := c.Write(&wire); err != nil {
		t.Fatalf("Write: %v", err)
	}
	s, err := http.ReadRequest(bufio.NewReader(&wire))
	if err != nil {
		t.Fatalf("ReadRequest(%q): %v", wire.String(), err)
	}
	got, err := io.ReadAll(s.Body)
	if err != nil || string(got) != body {
		t.Fatalf("ReadAll(body) = %q, %v; want %q", got, err, body)
	}
	return s
}

func jsonHeader(target string) http.Header {
	return http.Header{
		"Content-Type":          {"application/x-amz-json-1.1"},
		"X-Amz-Target":          {target},
		"Amz-Sdk-Invocation-Id": {"6f0e1a0e-0b37-4bd5-9a7e-0d3e5a1c0c7a"},
		"Amz-Sdk-Request":       {"attempt=1; max=3"},
		"User-Agent":            {"aws-sdk-go-v2/1.48.0 os/linux lang/go#1.26 api/identitystore#1.49.9"},
	}
}

const describeUserBody = `{"IdentityStoreId":"d-1234567890","UserId":"906722a5-6091-70cc-b8cb-4a5e6f0a0d4b"}`

// TestVerifyAccepts: what SigV4 canonicalization says is the same request
// is accepted (SECURITY.md SV-10: runs of spaces, multi-valued headers;
// SV-11: dot segments, double slashes, encoded and double-encoded slashes,
// non-ASCII paths, duplicate and empty query keys, all canonicalized
// without S3's single encoding).
func TestVerifyAccepts(t *testing.T) {
	t.Parallel()
	form := http.Header{"Content-Type": {"application/x-www-form-urlencoded; charset=utf-8"}}
	type tc struct {
		name    string
		method  string
		url     string
		body    string
		header  http.Header
		creds   aws.Credentials
		service string
		// mutate changes the client request after signing, as a proxy or
		// the HTTP stack may.
		mutate func(r *http.Request)
		want   sigv4.Result
	}
	admin := sigv4.Result{AccessKeyID: akid, Region: "us-east-1", Service: "identitystore", SignedAt: t0, Principal: "admin"}
	sts := admin
	sts.Service = "sts"
	temp := sigv4.Result{AccessKeyID: tempAKID, Region: "us-east-1", Service: "identitystore",
		SessionToken: tempToken, SignedAt: t0, Principal: "session"}
	tests := []tc{
		{name: "json 1.1 with X-Amz-Target", method: "POST", url: "https://" + host + "/", body: describeUserBody,
			header: jsonHeader("AWSIdentityStore.DescribeUser"), want: admin},
		{name: "query protocol form body", method: "POST", url: "https://sts.amazonaws.com/",
			body: "Action=GetCallerIdentity&Version=2011-06-15", header: form, service: "sts", want: sts},
		{name: "odd query", method: "GET", want: admin,
			url: "https://" + host + "/?b=2&a=1&a=0&a=&empty=&novalue&sp=a%20b&plus=a+b&uni=%C3%BC&raw=ü&slash=a/b&enc=%2F%7E~&X-Amz-Meta=1"},
		{name: "double slash path", method: "GET", url: "https://" + host + "//a//b/", want: admin},
		{name: "dot segments", method: "GET", url: "https://" + host + "/a/./b/../c", want: admin},
		{name: "encoded slash", method: "GET", url: "https://" + host + "/users/a%2Fb", want: admin},
		{name: "double encoded", method: "GET", url: "https://" + host + "/users/a%252F", want: admin},
		{name: "non-ASCII path", method: "GET", url: "https://" + host + "/ü/日本", want: admin},
		{name: "reserved characters in path", method: "GET", url: "https://" + host + "/a:b@c!$&'()*+,;=d", want: admin},
		{name: "empty path", method: "GET", url: "https://" + host, want: admin},
		{name: "session token header", method: "POST", url: "https://" + host + "/", body: describeUserBody,
			header: jsonHeader("AWSIdentityStore.DescribeUser"), creds: tempCreds, want: temp},
		{name: "port in host", method: "POST", url: "http://127.0.0.1:8443/", body: "{}",
			header: jsonHeader("AWSIdentityStore.ListUsers"), want: admin},
		{name: "collapsed and multi-valued headers", method: "GET", url: "https://" + host + "/",
			header: http.Header{"X-Custom": {"  a   b  c "}, "X-Multi": {"1", " 2 "}}, want: admin},
		{name: "declared payload hash", method: "POST", url: "https://" + host + "/", body: describeUserBody,
			header: http.Header{"X-Amz-Content-Sha256": {payloadHash(describeUserBody)}}, want: admin},
		{name: "no spaces after commas", method: "GET", url: "https://" + host + "/", want: admin,
			mutate: func(r *http.Request) {
				r.Header.Set("Authorization", strings.ReplaceAll(r.Header.Get("Authorization"), ", ", ","))
			}},
		{name: "extra spaces around commas", method: "GET", url: "https://" + host + "/", want: admin,
			mutate: func(r *http.Request) {
				a := strings.Replace(r.Header.Get("Authorization"), " ", "   ", 1)
				r.Header.Set("Authorization", strings.ReplaceAll(a, ", ", "  ,  ")+"  ")
			}},
		{name: "uppercase signature hex", method: "GET", url: "https://" + host + "/", want: admin,
			mutate: func(r *http.Request) {
				a := r.Header.Get("Authorization")
				i := strings.LastIndex(a, "=")
				r.Header.Set("Authorization", a[:i]+strings.ToUpper(a[i:]))
			}},
		{name: "unsigned extra header", method: "GET", url: "https://" + host + "/", want: admin,
			mutate: func(r *http.Request) { r.Header.Set("X-Forwarded-For", "10.0.0.1") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			creds, service := tt.creds, tt.service
			if creds.AccessKeyID == "" {
				creds = adminCreds
			}
			if service == "" {
				service = "identitystore"
			}
			c := clientRequest(t, tt.method, tt.url, tt.body, tt.header)
			signHTTP(t, c, tt.body, creds, service, t0)
			if tt.mutate != nil {
				tt.mutate(c)
			}
			s := toServer(t, c, tt.body)
			got, err := newVerifier(t0).Verify(t.Context(), s, []byte(tt.body))
			if err != nil {
				t.Fatalf("Verify(%s %s) = %v, want success", s.Method, s.RequestURI, err)
			}
			if diff := cmp.Diff(&tt.want, got); diff != "" {
				t.Errorf("Verify(%s %s) result mismatch (-want +got):\n%s", s.Method, s.RequestURI, diff)
			}
		})
	}
}

func TestVerifyAcceptsPresigned(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		method string
		url    string
		body   string
		hash   string // payload hash given to the presigner; "" = hash of body
		creds  aws.Credentials
		header http.Header
		now    time.Time
	}{
		{name: "GET with X-Amz-Expires", method: "GET",
			url: "https://sts.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Expires=300"},
		{name: "without X-Amz-Expires is valid 15 minutes", method: "GET", now: t0.Add(15 * time.Minute),
			url: "https://sts.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15"},
		{name: "UNSIGNED-PAYLOAD", method: "GET", hash: "UNSIGNED-PAYLOAD",
			url: "https://sts.amazonaws.com/?X-Amz-Expires=60"},
		{name: "declared UNSIGNED-PAYLOAD", method: "PUT", hash: "UNSIGNED-PAYLOAD", body: "anything",
			header: http.Header{"X-Amz-Content-Sha256": {"UNSIGNED-PAYLOAD"}},
			url:    "https://sts.amazonaws.com/obj?X-Amz-Expires=60"},
		{name: "POST with body and session token", method: "POST", body: "Action=GetCallerIdentity&Version=2011-06-15",
			creds: tempCreds, url: "https://sts.amazonaws.com/?X-Amz-Expires=60",
			header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}},
		{name: "at the last second", method: "GET", now: t0.Add(60 * time.Second),
			url: "https://sts.amazonaws.com/?X-Amz-Expires=60"},
		{name: "signed slightly in the future", method: "GET", now: t0.Add(-4 * time.Minute),
			url: "https://sts.amazonaws.com/?X-Amz-Expires=60"},
		{name: "odd query and path", method: "GET",
			url: "https://sts.amazonaws.com/a//b/%2F/ü?X-Amz-Expires=60&a=2&a=1&e=&sp=a%20b&plus=a+b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			creds := tt.creds
			if creds.AccessKeyID == "" {
				creds = adminCreds
			}
			hash := tt.hash
			if hash == "" {
				hash = payloadHash(tt.body)
			}
			now := tt.now
			if now.IsZero() {
				now = t0
			}
			c := presign(t, clientRequest(t, tt.method, tt.url, tt.body, tt.header), hash, creds, t0)
			s := toServer(t, c, tt.body)
			got, err := newVerifier(now).Verify(t.Context(), s, []byte(tt.body))
			if err != nil {
				t.Fatalf("Verify(%s %s) = %v, want success", s.Method, s.RequestURI, err)
			}
			want := &sigv4.Result{AccessKeyID: creds.AccessKeyID, Region: "us-east-1", Service: "sts",
				SessionToken: creds.SessionToken, SignedAt: t0, Principal: got.Principal}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Verify(%s %s) result mismatch (-want +got):\n%s", s.Method, s.RequestURI, diff)
			}
		})
	}
}

// A mutation turns a correctly signed server-side request into one Verify
// must refuse.
type mutation func(r *http.Request)

func setAuthz(f func(a string) string) mutation {
	return func(r *http.Request) { r.Header.Set("Authorization", f(r.Header.Get("Authorization"))) }
}

func replaceAuthz(old, new string) mutation {
	return setAuthz(func(a string) string { return strings.Replace(a, old, new, 1) })
}

func setQuery(f func(q url.Values)) mutation {
	return func(r *http.Request) {
		q := r.URL.Query()
		f(q)
		r.URL.RawQuery = q.Encode()
	}
}

func TestVerifyRefuses(t *testing.T) {
	t.Parallel()
	sig := func(a string) string { return a[strings.LastIndex(a, "=")+1:] }
	validAuthz := "AWS4-HMAC-SHA256 Credential=" + akid + "/20240101/us-east-1/identitystore/aws4_request, " +
		"SignedHeaders=host;x-amz-date, Signature=" + strings.Repeat("ab", 32)
	tests := []struct {
		name    string
		creds   aws.Credentials
		presign bool   // presign (with X-Amz-Expires=60) instead of signing the header
		query   string // client URL query
		signAt  time.Time
		now     time.Time
		header  http.Header // set on the client request before signing
		body    *string     // the body Verify sees; nil = the signed body
		mutate  mutation    // applied to the server-side request
		want    sigv4.Reason
	}{
		// Signature mismatches (SECURITY.md SV-02; the comparison is
		// hmac.Equal, constant-time, pinned by TestMatchesIsHMAC rather
		// than by timing, which TESTING.md rules out on shared machines).
		{name: "bit-flipped signature", want: sigv4.ReasonBadSignature, mutate: setAuthz(func(a string) string {
			b, _ := hex.DecodeString(sig(a))
			b[31] ^= 1
			return a[:len(a)-64] + hex.EncodeToString(b)
		})},
		{name: "first signature byte flipped", want: sigv4.ReasonBadSignature, mutate: setAuthz(func(a string) string {
			b, _ := hex.DecodeString(sig(a))
			b[0] ^= 0x80
			return a[:len(a)-64] + hex.EncodeToString(b)
		})},
		{name: "wrong secret", creds: aws.Credentials{AccessKeyID: akid, SecretAccessKey: secret + "x"},
			want: sigv4.ReasonBadSignature},
		{name: "body changed after signing", body: ptr(`{"IdentityStoreId":"d-1234567890","UserId":"other"}`),
			want: sigv4.ReasonBadSignature},
		{name: "empty body instead of signed one", body: ptr(""), want: sigv4.ReasonBadSignature},
		{name: "target changed after signing", want: sigv4.ReasonBadSignature,
			mutate: func(r *http.Request) { r.Header.Set("X-Amz-Target", "AWSIdentityStore.DeleteUser") }},
		{name: "host changed", want: sigv4.ReasonBadSignature, mutate: func(r *http.Request) { r.Host = "evil.example.com" }},
		{name: "method changed", want: sigv4.ReasonBadSignature, mutate: func(r *http.Request) { r.Method = "PUT" }},
		{name: "path changed", want: sigv4.ReasonBadSignature, mutate: func(r *http.Request) { r.URL.Path = "/x" }},
		{name: "query added", want: sigv4.ReasonBadSignature, mutate: func(r *http.Request) { r.URL.RawQuery = "a=1" }},
		{name: "query value changed", query: "a=1&b=2", want: sigv4.ReasonBadSignature,
			mutate: func(r *http.Request) { r.URL.RawQuery = "a=1&b=3" }},
		{name: "signed header removed", header: http.Header{"X-Custom": {"v"}}, want: sigv4.ReasonBadSignature,
			mutate: func(r *http.Request) { r.Header.Del("X-Custom") }},
		{name: "service in scope changed", want: sigv4.ReasonBadSignature,
			mutate: replaceAuthz("/identitystore/", "/sso/")},
		{name: "scope date is not the request day", signAt: t0.Add(-time.Minute), now: t0, want: sigv4.ReasonBadSignature,
			mutate: func(r *http.Request) { r.Header.Set("X-Amz-Date", "20240101T000000Z") }},
		{name: "two X-Amz-Date headers", want: sigv4.ReasonBadSignature, // SV-10
			mutate: func(r *http.Request) { r.Header.Add("X-Amz-Date", "20240101T000000Z") }},
		{name: "wrong declared payload hash", want: sigv4.ReasonBadSignature,
			mutate: func(r *http.Request) { r.Header.Set("X-Amz-Content-Sha256", payloadHash("other")) }},
		{name: "malformed declared payload hash", want: sigv4.ReasonBadSignature,
			mutate: func(r *http.Request) { r.Header.Set("X-Amz-Content-Sha256", "xyz") }},
		{name: "UNSIGNED-PAYLOAD with header auth", want: sigv4.ReasonBadSignature,
			header: http.Header{"X-Amz-Content-Sha256": {"UNSIGNED-PAYLOAD"}}},
		{name: "undecodable query", want: sigv4.ReasonBadSignature,
			mutate: func(r *http.Request) { r.URL.RawQuery = "a=%zz" }},
		{name: "presigned signature changed", presign: true, want: sigv4.ReasonBadSignature,
			mutate: setQuery(func(q url.Values) { q.Set("X-Amz-Signature", strings.Repeat("0", 64)) })},
		{name: "presigned query changed", presign: true, query: "Action=GetCallerIdentity", want: sigv4.ReasonBadSignature,
			mutate: setQuery(func(q url.Values) { q.Set("Action", "AssumeRole") })},

		// Keys (SV-05: unknown key and known key with a wrong signature
		// differ in reason, as AWS's codes do; SV-06: a token of another
		// key pair, an expired token).
		{name: "unknown key", creds: aws.Credentials{AccessKeyID: "AKIAUNKNOWN", SecretAccessKey: secret},
			want: sigv4.ReasonUnknownKey},
		{name: "known key with unknown token", creds: aws.Credentials{AccessKeyID: tempAKID, SecretAccessKey: tempSecret, SessionToken: "forged"},
			want: sigv4.ReasonUnknownKey},
		{name: "resolver says token expired", creds: aws.Credentials{AccessKeyID: staleAKID, SecretAccessKey: "s", SessionToken: "t"},
			want: sigv4.ReasonTokenExpired},

		// Clock (SV-01: ±5 min 1 s refused, ±4 min 59 s accepted; SV-08:
		// presigned expiry and X-Amz-Expires above 7 days).
		{name: "5m1s late", now: t0.Add(5*time.Minute + time.Second), want: sigv4.ReasonSkewed},
		{name: "5m1s early", now: t0.Add(-5*time.Minute - time.Second), want: sigv4.ReasonSkewed},
		{name: "4m59s late", now: t0.Add(5*time.Minute - time.Second)},
		{name: "4m59s early", now: t0.Add(-5*time.Minute + time.Second)},
		{name: "exactly 5m late", now: t0.Add(5 * time.Minute)},
		{name: "presign expired", presign: true, now: t0.Add(61 * time.Second), want: sigv4.ReasonExpired},
		{name: "presign default expiry passed", presign: true, now: t0.Add(15*time.Minute + time.Second), want: sigv4.ReasonExpired,
			mutate: setQuery(func(q url.Values) { q.Del("X-Amz-Expires") })},
		{name: "presign in the future", presign: true, now: t0.Add(-5*time.Minute - time.Second), want: sigv4.ReasonSkewed},
		{name: "presign X-Amz-Expires 604801", presign: true, query: "X-Amz-Expires=604801", want: sigv4.ReasonExpired},
		{name: "presign X-Amz-Expires huge", presign: true, query: "X-Amz-Expires=99999999999999999999999", want: sigv4.ReasonExpired},
		{name: "presign X-Amz-Expires 604800", presign: true, query: "X-Amz-Expires=604800"},
		{name: "presign X-Amz-Expires 0", presign: true, query: "X-Amz-Expires=0", want: sigv4.ReasonIncomplete},
		{name: "presign X-Amz-Expires negative", presign: true, query: "X-Amz-Expires=-1", want: sigv4.ReasonIncomplete},
		{name: "malformed X-Amz-Date", want: sigv4.ReasonIncomplete,
			mutate: func(r *http.Request) { r.Header.Set("X-Amz-Date", "2024-01-01T00:00:00Z") }},
		{name: "out of range X-Amz-Date", want: sigv4.ReasonIncomplete,
			mutate: func(r *http.Request) { r.Header.Set("X-Amz-Date", "20241301T000000Z") }},
		{name: "no date at all", want: sigv4.ReasonIncomplete,
			mutate: func(r *http.Request) { r.Header.Del("X-Amz-Date") }},
		{name: "Date fallback not signed", want: sigv4.ReasonIncomplete, mutate: func(r *http.Request) {
			r.Header.Del("X-Amz-Date")
			r.Header.Set("Date", t0.Format(http.TimeFormat))
		}},

		// Missing or mixed authentication (SV-08: only one mechanism).
		{name: "no authentication", want: sigv4.ReasonMissing, mutate: func(r *http.Request) { r.Header.Del("Authorization") }},
		{name: "header and query", want: sigv4.ReasonIncomplete,
			mutate: func(r *http.Request) { r.URL.RawQuery = "X-Amz-Algorithm=AWS4-HMAC-SHA256" }},
		{name: "presigned plus Authorization", presign: true, want: sigv4.ReasonIncomplete,
			mutate: func(r *http.Request) { r.Header.Set("Authorization", validAuthz) }},
		{name: "two Authorization headers", want: sigv4.ReasonIncomplete,
			mutate: func(r *http.Request) { r.Header.Add("Authorization", r.Header.Get("Authorization")) }},

		// Malformed Authorization (SV-09; FuzzVerify is its fuzz target).
		{name: "missing SignedHeaders", want: sigv4.ReasonIncomplete, mutate: setAuthz(func(a string) string {
			i, j := strings.Index(a, "SignedHeaders="), strings.Index(a, "Signature=")
			return a[:i] + a[j:]
		})},
		{name: "missing Credential", want: sigv4.ReasonIncomplete, mutate: setAuthz(func(a string) string {
			return "AWS4-HMAC-SHA256 " + a[strings.Index(a, "SignedHeaders="):]
		})},
		{name: "missing Signature", want: sigv4.ReasonIncomplete, mutate: setAuthz(func(a string) string {
			return a[:strings.Index(a, ", Signature=")]
		})},
		{name: "algorithm only", want: sigv4.ReasonIncomplete, mutate: setAuthz(func(string) string { return "AWS4-HMAC-SHA256" })},
		{name: "duplicate Credential", want: sigv4.ReasonIncomplete,
			mutate: replaceAuthz("SignedHeaders=", "Credential="+akid+"/20240101/us-east-1/identitystore/aws4_request, SignedHeaders=")},
		{name: "AWS4-HMAC-SHA1", want: sigv4.ReasonIncomplete, mutate: replaceAuthz("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA1")},
		{name: "lowercase algorithm", want: sigv4.ReasonIncomplete, mutate: replaceAuthz("AWS4-HMAC-SHA256", "aws4-hmac-sha256")},
		{name: "algorithm suffix", want: sigv4.ReasonIncomplete, mutate: replaceAuthz("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA256X")},
		{name: "AWS v2", want: sigv4.ReasonIncomplete, mutate: setAuthz(func(string) string { return "AWS " + akid + ":c2lnbmF0dXJl" })},
		{name: "bearer", want: sigv4.ReasonIncomplete, mutate: setAuthz(func(string) string { return "Bearer abc" })},
		{name: "empty", want: sigv4.ReasonIncomplete, mutate: setAuthz(func(string) string { return "" })},
		{name: "garbage", want: sigv4.ReasonIncomplete, mutate: setAuthz(func(string) string { return "\x00\xff=,,;;==" })},
		{name: "invalid UTF-8", want: sigv4.ReasonIncomplete, mutate: replaceAuthz(akid, "AKID\xc3\x28")},
		{name: "64 kB", want: sigv4.ReasonIncomplete, mutate: setAuthz(func(a string) string { return a + strings.Repeat(", x=y", 13000) })},
		{name: "64 kB of commas", want: sigv4.ReasonIncomplete, mutate: setAuthz(func(a string) string { return a + strings.Repeat(",", 65536) })},
		{name: "trailing comma", want: sigv4.ReasonIncomplete, mutate: setAuthz(func(a string) string { return a + "," })},
		{name: "unknown parameter", want: sigv4.ReasonIncomplete, mutate: setAuthz(func(a string) string { return a + ", Foo=bar" })},
		{name: "part without =", want: sigv4.ReasonIncomplete, mutate: replaceAuthz("SignedHeaders=", "SignedHeaders ")},
		{name: "scope with four parts", want: sigv4.ReasonIncomplete, mutate: replaceAuthz("/us-east-1/", "/")},
		{name: "scope with six parts", want: sigv4.ReasonIncomplete, mutate: replaceAuthz("/us-east-1/", "/us-east-1/x/")},
		{name: "wrong terminator", want: sigv4.ReasonIncomplete, mutate: replaceAuthz("aws4_request", "aws5_request")},
		{name: "bad scope date", want: sigv4.ReasonIncomplete, mutate: replaceAuthz("/20240101/", "/2024011/")},
		{name: "empty access key", want: sigv4.ReasonIncomplete, mutate: replaceAuthz(akid+"/", "/")},
		{name: "empty region", want: sigv4.ReasonIncomplete, mutate: replaceAuthz("/us-east-1/", "//")},
		{name: "short signature", want: sigv4.ReasonIncomplete, mutate: setAuthz(func(a string) string { return a[:len(a)-1] })},
		{name: "long signature", want: sigv4.ReasonIncomplete, mutate: setAuthz(func(a string) string { return a + "0" })},
		{name: "non-hex signature", want: sigv4.ReasonIncomplete, mutate: setAuthz(func(a string) string { return a[:len(a)-1] + "g" })},
		{name: "uppercase SignedHeaders", want: sigv4.ReasonIncomplete, mutate: replaceAuthz("host;", "Host;")},
		{name: "unsorted SignedHeaders", want: sigv4.ReasonIncomplete, mutate: replaceAuthz("host;x-amz-date", "x-amz-date;host")},
		{name: "duplicate signed header", want: sigv4.ReasonIncomplete, mutate: replaceAuthz("host;", "host;host;")},
		{name: "empty signed header name", want: sigv4.ReasonIncomplete, mutate: replaceAuthz("host;", "host;;")},
		{name: "empty SignedHeaders", want: sigv4.ReasonIncomplete, mutate: setAuthz(func(a string) string {
			i, j := strings.Index(a, "SignedHeaders=")+len("SignedHeaders="), strings.Index(a, ", Signature=")
			return a[:i] + a[j:]
		})},

		// Headers that must be signed.
		{name: "unsigned host", want: sigv4.ReasonIncomplete, mutate: replaceAuthz("host;", "")},
		{name: "unsigned x-amz-date", want: sigv4.ReasonIncomplete, mutate: replaceAuthz(";x-amz-date", "")},
		{name: "unsigned x-amz-target", header: http.Header{"X-Amz-Target": nil}, want: sigv4.ReasonIncomplete,
			mutate: func(r *http.Request) { r.Header.Set("X-Amz-Target", "AWSIdentityStore.DeleteUser") }},
		{name: "unsigned x-amz-security-token", want: sigv4.ReasonIncomplete,
			mutate: func(r *http.Request) { r.Header.Set("X-Amz-Security-Token", tempToken) }},
		{name: "presigned unsigned x-amz-target", presign: true, want: sigv4.ReasonIncomplete,
			mutate: func(r *http.Request) { r.Header.Set("X-Amz-Target", "AWSIdentityStore.DeleteUser") }},
		{name: "presigned without host", presign: true, want: sigv4.ReasonIncomplete,
			mutate: setQuery(func(q url.Values) { q.Set("X-Amz-SignedHeaders", "x-amz-date") })},
		{name: "presigned conflicting tokens", presign: true, creds: tempCreds, want: sigv4.ReasonIncomplete,
			mutate: setQuery(func(q url.Values) { q.Add("X-Amz-Security-Token", "other") })},

		// Malformed presigned parameters.
		{name: "presign wrong algorithm", presign: true, want: sigv4.ReasonIncomplete,
			mutate: setQuery(func(q url.Values) { q.Set("X-Amz-Algorithm", "AWS4-HMAC-SHA1") })},
		{name: "presign duplicate algorithm", presign: true, want: sigv4.ReasonIncomplete,
			mutate: setQuery(func(q url.Values) { q.Add("X-Amz-Algorithm", "AWS4-HMAC-SHA256") })},
		{name: "presign duplicate credential", presign: true, want: sigv4.ReasonIncomplete,
			mutate: setQuery(func(q url.Values) { q.Add("X-Amz-Credential", q.Get("X-Amz-Credential")) })},
		{name: "presign missing credential", presign: true, want: sigv4.ReasonIncomplete,
			mutate: setQuery(func(q url.Values) { q.Del("X-Amz-Credential") })},
		{name: "presign missing signature", presign: true, want: sigv4.ReasonIncomplete,
			mutate: setQuery(func(q url.Values) { q.Del("X-Amz-Signature") })},
		{name: "presign missing date", presign: true, want: sigv4.ReasonIncomplete,
			mutate: setQuery(func(q url.Values) { q.Del("X-Amz-Date") })},
		{name: "presign malformed credential", presign: true, want: sigv4.ReasonIncomplete,
			mutate: setQuery(func(q url.Values) { q.Set("X-Amz-Credential", "AKID/20240101") })},
		{name: "presign scope date mismatch", presign: true, want: sigv4.ReasonBadSignature,
			mutate: setQuery(func(q url.Values) { q.Set("X-Amz-Date", "20231231T235959Z") })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			creds := tt.creds
			if creds.AccessKeyID == "" {
				creds = adminCreds
			}
			signAt, now := tt.signAt, tt.now
			if signAt.IsZero() {
				signAt = t0
			}
			if now.IsZero() {
				now = t0
			}
			const signedBody = describeUserBody
			u := "https://" + host + "/"
			if tt.query != "" {
				u += "?" + tt.query
			}
			var s *http.Request
			if tt.presign {
				if !strings.Contains(tt.query, "X-Amz-Expires") {
					u += "?X-Amz-Expires=60"
				}
				c := presign(t, clientRequest(t, "POST", u, signedBody, tt.header), payloadHash(signedBody), creds, signAt)
				s = toServer(t, c, signedBody)
			} else {
				header := jsonHeader("AWSIdentityStore.DescribeUser")
				for k, v := range tt.header {
					if v == nil {
						delete(header, k)
					} else {
						header[k] = v
					}
				}
				c := clientRequest(t, "POST", u, signedBody, header)
				signHTTP(t, c, signedBody, creds, "identitystore", signAt)
				s = toServer(t, c, signedBody)
			}
			if tt.mutate != nil {
				tt.mutate(s)
			}
			body := signedBody
			if tt.body != nil {
				body = *tt.body
			}
			res, err := newVerifier(now).Verify(t.Context(), s, []byte(body))
			if tt.want == 0 {
				if err != nil {
					t.Fatalf("Verify() = %v, want success", err)
				}
				return
			}
			var se *sigv4.Error
			if !errors.As(err, &se) {
				t.Fatalf("Verify() = %v, %v; want *sigv4.Error with reason %v", res, err, tt.want)
			}
			if se.Reason != tt.want || se.Message == "" {
				t.Errorf("Verify() = %v (reason %v), want reason %v", err, se.Reason, tt.want)
			}
		})
	}
}

func TestVerifyResolverError(t *testing.T) {
	t.Parallel()
	c := clientRequest(t, "POST", "https://"+host+"/", "{}", jsonHeader("AWSIdentityStore.ListUsers"))
	signHTTP(t, c, "{}", aws.Credentials{AccessKeyID: brokenAKID, SecretAccessKey: "s"}, "identitystore", t0)
	_, err := newVerifier(t0).Verify(t.Context(), toServer(t, c, "{}"), []byte("{}"))
	var se *sigv4.Error
	if !errors.Is(err, errStore) || errors.As(err, &se) {
		t.Errorf("Verify() = %v, want the resolver's error unchanged", err)
	}
}

// TestVerifySkewMessage pins AWS's skew messages, which SDKs parse to
// correct their clock (SECURITY.md SV-01).
func TestVerifySkewMessage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		signAt  time.Time
		now     time.Time
		maxSkew time.Duration
		want    string
	}{
		{name: "expired", signAt: t0, now: t0.Add(10 * time.Minute),
			want: "Signature expired: 20240101T000000Z is now earlier than 20240101T000500Z (20240101T001000Z - 5 min.)"},
		{name: "not yet current", signAt: t0.Add(10 * time.Minute), now: t0,
			want: "Signature not yet current: 20240101T001000Z is still later than 20240101T000500Z (20240101T000000Z + 5 min.)"},
		{name: "sub-second clock", signAt: t0, now: t0.Add(5*time.Minute + 1500*time.Millisecond),
			want: "Signature expired: 20240101T000000Z is now earlier than 20240101T000001Z (20240101T000501Z - 5 min.)"},
		{name: "custom skew", signAt: t0, now: t0.Add(time.Hour), maxSkew: 15 * time.Minute,
			want: "Signature expired: 20240101T000000Z is now earlier than 20240101T004500Z (20240101T010000Z - 15 min.)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := clientRequest(t, "POST", "https://"+host+"/", "{}", jsonHeader("AWSIdentityStore.ListUsers"))
			signHTTP(t, c, "{}", adminCreds, "identitystore", tt.signAt)
			v := newVerifier(tt.now)
			v.MaxSkew = tt.maxSkew
			_, err := v.Verify(t.Context(), toServer(t, c, "{}"), []byte("{}"))
			var se *sigv4.Error
			if !errors.As(err, &se) || se.Reason != sigv4.ReasonSkewed {
				t.Fatalf("Verify() = %v, want ReasonSkewed", err)
			}
			if se.Message != tt.want {
				t.Errorf("Verify() message = %q, want %q", se.Message, tt.want)
			}
		})
	}
}

// TestVerifyRotatedSecret checks that the signing-key cache never serves the
// key of a previous secret of the same access key.
func TestVerifyRotatedSecret(t *testing.T) {
	t.Parallel()
	var current string
	v := sigv4.NewVerifier(resolverFunc(func(context.Context, string, string) (sigv4.Key, error) {
		return sigv4.Key{Secret: []byte(current)}, nil
	}))
	v.Now = func() time.Time { return t0 }
	verify := func(signWith string) error {
		c := clientRequest(t, "POST", "https://"+host+"/", "{}", jsonHeader("AWSIdentityStore.ListUsers"))
		signHTTP(t, c, "{}", aws.Credentials{AccessKeyID: akid, SecretAccessKey: signWith}, "identitystore", t0)
		_, err := v.Verify(t.Context(), toServer(t, c, "{}"), []byte("{}"))
		return err
	}
	current = "old-secret"
	if err := verify("old-secret"); err != nil {
		t.Fatalf("Verify(old secret) = %v, want success", err)
	}
	current = "new-secret"
	if err := verify("old-secret"); err == nil {
		t.Errorf("Verify(old secret after rotation) = nil, want ReasonBadSignature")
	}
	if err := verify("new-secret"); err != nil {
		t.Errorf("Verify(new secret) = %v, want success", err)
	}
}

func ptr[T any](v T) *T { return &v }

type resolverFunc func(ctx context.Context, id, token string) (sigv4.Key, error)

func (f resolverFunc) ResolveKey(ctx context.Context, id, token string) (sigv4.Key, error) {
	return f(ctx, id, token)
}

func TestErrorString(t *testing.T) {
	t.Parallel()
	err := error(&sigv4.Error{Reason: sigv4.ReasonBadSignature, Message: "m"})
	if got, want := err.Error(), "sigv4: BadSignature: m"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if got, want := sigv4.Reason(99).String(), "Reason(99)"; got != want {
		t.Errorf("Reason(99).String() = %q, want %q", got, want)
	}
}
