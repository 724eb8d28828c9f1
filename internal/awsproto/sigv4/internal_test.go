package sigv4

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestNormalizePath: paths are normalized as botocore does for every
// service but S3 (SECURITY.md SV-11).
func TestNormalizePath(t *testing.T) {
	t.Parallel()
	// Expected values are what botocore's normalize_url_path returns.
	tests := []struct{ in, want string }{
		{"/", "/"},
		{"/a/b", "/a/b"},
		{"//", "/"},
		{"/a//b/", "/a/b/"},
		{"/a/./b/../c", "/a/c"},
		{"/a/b/..", "/a"},
		{"/..", "/"},
		{"/../a/", "/a/"},
		{"/a/.", "/a"},
		{"/%2E%2E/a", "/%2E%2E/a"},
		{"/a%2F%2F/b", "/a%2F%2F/b"},
		{"//a//", "/a/"},
	}
	for _, tt := range tests {
		if got := normalizePath(tt.in); got != tt.want {
			t.Errorf("normalizePath(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestKeyCacheBounded(t *testing.T) {
	t.Parallel()
	var c keyCache
	first := c.signingKey([]byte("secret-0"), "20240101", "us-east-1", "sts")
	for i := range keyCacheSize + 10 {
		c.signingKey([]byte("secret-"+strconv.Itoa(i)), "20240101", "us-east-1", "sts")
	}
	if n := len(c.m); n != keyCacheSize {
		t.Errorf("len(cache) = %d, want %d", n, keyCacheSize)
	}
	// Whether or not the entry was evicted, the key is the same.
	if got := c.signingKey([]byte("secret-0"), "20240101", "us-east-1", "sts"); got != first {
		t.Errorf("signingKey(secret-0) changed after eviction")
	}
	if a, b := cacheID([]byte("ab"), "20240101", "c", "d"), cacheID([]byte("a"), "20240101", "bc", "d"); a == b {
		t.Errorf("cacheID collides for different inputs")
	}
}

// TestUnknownKeyDoesTheWork checks that a request with an unknown key still
// derives a signing key (with the dummy secret), so it costs what a known
// key costs (SECURITY.md SV-05: no key enumeration by latency).
func TestUnknownKeyDoesTheWork(t *testing.T) {
	t.Parallel()
	v := NewVerifier(resolverFunc(func(context.Context, string, string) (Key, error) { return Key{}, ErrUnknownKey }))
	v.Now = func() time.Time { return time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC) }
	r, err := http.NewRequest("GET", "https://example.com/", nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("X-Amz-Date", "20240101T000000Z")
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAUNKNOWN/20240101/us-east-1/sts/aws4_request, "+
		"SignedHeaders=host;x-amz-date, Signature=0000000000000000000000000000000000000000000000000000000000000000")
	_, err = v.Verify(t.Context(), r, nil)
	if e, ok := err.(*Error); !ok || e.Reason != ReasonUnknownKey {
		t.Fatalf("Verify() = %v, want ReasonUnknownKey", err)
	}
	if _, ok := v.keys.m[cacheID([]byte(dummySecret), "20240101", "us-east-1", "sts")]; !ok {
		t.Errorf("Verify(unknown key) did not derive a signing key with the dummy secret")
	}
}

type resolverFunc func(ctx context.Context, id, token string) (Key, error)

func (f resolverFunc) ResolveKey(ctx context.Context, id, token string) (Key, error) {
	return f(ctx, id, token)
}

func TestHeaderValues(t *testing.T) {
	t.Parallel()
	h := http.Header{
		"X-Amz-Target": {"a"},
		"x_odd name":   {"b"}, // not canonicalizable: stored as sent
		"Content-Type": {"c", "d"},
	}
	tests := []struct {
		name string
		want []string
	}{
		{"x-amz-target", []string{"a"}},
		{"content-type", []string{"c", "d"}},
		{"x_odd name", []string{"b"}},
		{"missing", nil},
	}
	for _, tt := range tests {
		got := headerValues(h, tt.name)
		if len(got) != len(tt.want) || (len(got) > 0 && got[0] != tt.want[0]) {
			t.Errorf("headerValues(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestMatchesIsHMAC checks the in-place HMAC of scratch.matches against
// crypto/hmac (SECURITY.md SV-02: the final comparison is hmac.Equal).
func TestMatchesIsHMAC(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 1, 55, 56, 63, 64, 65, 119, 120, 200, 1000} {
		msg := bytes.Repeat([]byte{byte(n)}, n)
		key := sha256.Sum256(msg)
		m := hmac.New(sha256.New, key[:])
		m.Write(msg)
		var want [32]byte
		m.Sum(want[:0])
		c := &scratch{buf: append(make([]byte, blockSize), msg...)}
		if !c.matches(&key, &want) {
			t.Errorf("matches(%d-byte message) = false, want true", n)
		}
		want[31] ^= 1
		c.buf = append(make([]byte, blockSize), msg...)
		if c.matches(&key, &want) {
			t.Errorf("matches(%d-byte message, wrong MAC) = true, want false", n)
		}
	}
}

// TestVerifyConcurrent shares one Verifier (key cache and scratch pool)
// between goroutines; run with -race.
func TestVerifyConcurrent(t *testing.T) {
	t.Parallel()
	const secret = "concurrent-secret"
	v := NewVerifier(resolverFunc(func(context.Context, string, string) (Key, error) {
		return Key{Secret: []byte(secret)}, nil
	}))
	v.Now = func() time.Time { return time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC) }
	newRequest := func(i int) *http.Request {
		r, err := http.NewRequest("GET", "https://example.com/p"+strconv.Itoa(i)+"?i="+strconv.Itoa(i), nil)
		if err != nil {
			t.Fatal(err)
		}
		r.Header.Set("X-Amz-Date", "20240101T000000Z")
		region := "r" + strconv.Itoa(i%3)
		const emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
		canonical := "GET\n/p" + strconv.Itoa(i) + "\ni=" + strconv.Itoa(i) +
			"\nhost:example.com\nx-amz-date:20240101T000000Z\n\nhost;x-amz-date\n" + emptyHash
		sum := sha256.Sum256([]byte(canonical))
		scope := "20240101/" + region + "/svc/aws4_request"
		k := hmacSHA256([]byte("AWS4"+secret), "20240101")
		k = hmacSHA256(k[:], region)
		k = hmacSHA256(k[:], "svc")
		k = hmacSHA256(k[:], "aws4_request")
		sig := hmacSHA256(k[:], "AWS4-HMAC-SHA256\n20240101T000000Z\n"+scope+"\n"+hex.EncodeToString(sum[:]))
		r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/"+scope+", SignedHeaders=host;x-amz-date, Signature="+
			hex.EncodeToString(sig[:]))
		return r
	}
	ctx := t.Context()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		r := newRequest(g)
		wg.Go(func() {
			for range 50 {
				if _, err := v.Verify(ctx, r, nil); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("Verify() = %v, want success", err)
	}
}

// TestAppendHeaderValue checks the Trimall of header values against its
// definition (trim, then each run of spaces and tabs becomes one space),
// written byte by byte, over fixed and random values.
func TestAppendHeaderValue(t *testing.T) {
	trimall := func(v string) string {
		var b []byte
		space := false
		for i := 0; i < len(v); i++ {
			switch c := v[i]; {
			case c == ' ' || c == '\t':
				space = len(b) > 0
			default:
				if space {
					b = append(b, ' ')
				}
				space = false
				b = append(b, c)
			}
		}
		return string(b)
	}
	cases := []string{"", " ", "\t \t", "token", "  a  ", "a b", "a  b\t\tc", "a \t b", "\ta\tb\t", "x \t", strings.Repeat("AbC/+=", 200)}
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := "ab \t"
	for range 2000 {
		b := make([]byte, rng.IntN(12))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		cases = append(cases, string(b))
	}
	for _, v := range cases {
		if got, want := string(appendHeaderValue([]byte("k:"), v)), "k:"+trimall(v); got != want {
			t.Fatalf("appendHeaderValue(%q) = %q, want %q", v, got, want)
		}
	}
}
