package server_test

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"

	"github.com/idcenter/idcenter/internal/testenv"
)

// rawRequest is an HTTP/1.1 request written byte by byte, so a test can
// send what no client library would: repeated Host headers, obs-fold,
// header names in any case.
type rawRequest struct {
	path    string
	headers []string // "Name: value" lines, as sent
	body    string
}

// send writes r to the server of env and returns the status and body.
func (r rawRequest) send(t *testing.T, env *testenv.Env) (int, string) {
	t.Helper()
	u, _ := url.Parse(env.URL)
	c, err := net.DialTimeout("tcp", u.Host, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var b strings.Builder
	b.WriteString("POST " + r.path + " HTTP/1.1\r\n")
	for _, h := range r.headers {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("Content-Length: " + strconv.Itoa(len(r.body)) + "\r\nConnection: close\r\n\r\n" + r.body)
	if _, err := io.WriteString(c, b.String()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("ReadResponse: %v", err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType") + " " + string(data)
}

// signedCreateGroup returns an identitystore CreateGroup request for a group
// named name, signed by the AWS SDK for Go v2 signer for path signPath,
// with extra signed headers, as raw header lines in canonical order.
func signedCreateGroup(t *testing.T, env *testenv.Env, name, signPath string, extra map[string]string) rawRequest {
	t.Helper()
	body := `{"IdentityStoreId":"` + env.IdentityStoreID + `","DisplayName":"` + name + `"}`
	req, err := http.NewRequest("POST", env.URL+signPath, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AWSIdentityStore.CreateGroup")
	for k, v := range extra {
		req.Header.Set(k, v)
	}
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: env.AdminKeyID, SecretAccessKey: env.AdminSecret},
		req, hex.EncodeToString(sum[:]), "identitystore", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	lines := []string{"Host: " + req.Host}
	for k, vs := range req.Header {
		for _, v := range vs {
			lines = append(lines, k+": "+v)
		}
	}
	sort.Strings(lines[1:])
	return rawRequest{path: signPath, headers: lines, body: body}
}

// edit returns a copy of r with f applied to every header line.
func (r rawRequest) edit(f func(line string) []string) rawRequest {
	out := r
	out.headers = nil
	for _, h := range r.headers {
		out.headers = append(out.headers, f(h)...)
	}
	return out
}

// TestAmbiguousRequests sends signed requests whose bytes can be read in
// more than one way (SECURITY.md SV-10: repeated Host or X-Amz-Date,
// obs-fold, runs of spaces, header-name case; SV-11: paths that normalize
// to the signed one or are encoded differently, repeated query keys). Those
// that SigV4 canonicalization and the router read the same way are
// accepted: header names in other cases, runs of spaces in a signed value,
// obs-fold (net/http replaces it with a space before anyone reads the
// value, as RFC 9112 §5.2 allows, so the signature covers the served
// value), and reordered values of a repeated query key on the JSON
// protocol, which routes by X-Amz-Target and never reads the query. Every
// other one is refused with a 4xx (or redirected to the clean path
// without being served), never a 5xx, and creates nothing: the request
// that is checked is the request that is served.
func TestAmbiguousRequests(t *testing.T) {
	testenv.Backends(t, func(t *testing.T, env *testenv.Env) {
		ctx := t.Context()
		accepted := map[string]bool{}
		for _, tc := range []struct {
			name   string
			req    func(name string) rawRequest
			accept bool
		}{
			{"header names in other cases", func(n string) rawRequest {
				return signedCreateGroup(t, env, n, "/", nil).edit(func(h string) []string {
					k, v, _ := strings.Cut(h, ": ")
					if strings.HasPrefix(k, "X-") {
						return []string{strings.ToLower(k) + ": " + v}
					}
					return []string{strings.ToUpper(k) + ": " + v}
				})
			}, true},
			{"runs of spaces in a signed value", func(n string) rawRequest {
				return signedCreateGroup(t, env, n, "/", map[string]string{"X-Amz-Meta-Note": "a    b  c"})
			}, true},
			{"two Host headers", func(n string) rawRequest {
				r := signedCreateGroup(t, env, n, "/", nil)
				r.headers = append(r.headers, "Host: evil.example")
				return r
			}, false},
			{"two X-Amz-Date headers", func(n string) rawRequest {
				r := signedCreateGroup(t, env, n, "/", nil)
				r.headers = append(r.headers, "X-Amz-Date: "+time.Now().Add(-time.Minute).UTC().Format("20060102T150405Z"))
				return r
			}, false},
			{"obs-fold in a signed header", func(n string) rawRequest {
				r := signedCreateGroup(t, env, n, "/", map[string]string{"X-Amz-Meta-Note": "a b"})
				return r.edit(func(h string) []string {
					if strings.HasPrefix(h, "X-Amz-Meta-Note: ") {
						return []string{"X-Amz-Meta-Note: a", " b"}
					}
					return []string{h}
				})
			}, true},
			{"signed for / sent to /a/../", func(n string) rawRequest {
				r := signedCreateGroup(t, env, n, "/", nil)
				r.path = "/a/../"
				return r
			}, false},
			{"signed for / sent to //", func(n string) rawRequest {
				r := signedCreateGroup(t, env, n, "/", nil)
				r.path = "//"
				return r
			}, false},
			{"signed for / sent to /%2e%2e/", func(n string) rawRequest {
				r := signedCreateGroup(t, env, n, "/", nil)
				r.path = "/%2e%2e/"
				return r
			}, false},
			{"signed for /a/%2e%2e/", func(n string) rawRequest { return signedCreateGroup(t, env, n, "/a/%2e%2e/", nil) }, false},
			{"signed for /%252F", func(n string) rawRequest { return signedCreateGroup(t, env, n, "/%252F", nil) }, false},
			{"signed for /ü", func(n string) rawRequest { return signedCreateGroup(t, env, n, "/%C3%BC", nil) }, false},
			{"duplicate and empty query keys", func(n string) rawRequest {
				r := signedCreateGroup(t, env, n, "/?a=1&a=2&b=", nil)
				r.path = "/?a=2&a=1&b="
				return r
			}, true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				name := "g-" + strings.NewReplacer(" ", "-", "/", "_", "%", "_").Replace(tc.name)
				r := tc.req(name)
				status, body := r.send(t, env)
				switch {
				case tc.accept && status != http.StatusOK:
					t.Errorf("%s: %d %s, want 200", tc.name, status, body)
				case !tc.accept && (status < 300 || status >= 500):
					t.Errorf("%s: %d %s, want a 4xx refusal or a redirect", tc.name, status, body)
				}
				accepted[name] = tc.accept
			})
		}
		out, err := env.IdentityStore().ListGroups(ctx, &identitystore.ListGroupsInput{IdentityStoreId: aws.String(env.IdentityStoreID)})
		if err != nil {
			t.Fatalf("ListGroups: %v", err)
		}
		created := map[string]bool{}
		for _, g := range out.Groups {
			created[aws.ToString(g.DisplayName)] = true
		}
		for name, ok := range accepted {
			if created[name] != ok {
				t.Errorf("group %s created = %v, want %v", name, created[name], ok)
			}
		}
	})
}
