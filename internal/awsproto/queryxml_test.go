package awsproto

import (
	"bytes"
	"encoding/xml"
	"math/rand/v2"
	"net/http"
	"testing"
)

// TestXMLText holds xmlText, whose common case skips encoding/xml, to
// EscapeText's output over fixed and random strings.
func TestXMLText(t *testing.T) {
	cases := []string{"", "plain", "arn:aws:sts::111122223333:assumed-role/R/alice", "a<b", "a&b", `"q"`, "it's", "tab\there",
		"line\nbreak", "cr\r", "\x00nul", "del\x7f", "é", "\xff", "\U0001F600", "]]>"}
	rng := rand.New(rand.NewPCG(3, 4))
	alphabet := []byte("aZ09 <>&'\"\t\n\r\x01\x7f\xc3\xa9\xff")
	for range 5000 {
		b := make([]byte, rng.IntN(10))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		cases = append(cases, string(b))
	}
	for _, s := range cases {
		var got, want bytes.Buffer
		xmlText(&got, s)
		xml.EscapeText(&want, []byte(s))
		if got.String() != want.String() {
			t.Fatalf("xmlText(%q) = %q, want %q", s, got.String(), want.String())
		}
	}
}

// TestIsFormRequest covers the content types the SDKs send (matched
// without parsing) and the others (parsed as media types).
func TestIsFormRequest(t *testing.T) {
	for _, tc := range []struct {
		method, ct, query string
		want              bool
	}{
		{"POST", "application/x-www-form-urlencoded", "", true},
		{"POST", "application/x-www-form-urlencoded; charset=utf-8", "", true},
		{"POST", "Application/X-WWW-Form-Urlencoded; Charset=UTF-8", "", true},
		{"POST", "application/x-www-form-urlencoded;charset=utf-8", "", true},
		{"POST", "application/x-www-form-urlencoded; charset=latin1", "", true},
		{"POST", "application/x-www-form-urlencoded; charset", "", false},
		{"POST", "application/x-www-form-urlencodedx", "", false},
		{"POST", "application/x-amz-json-1.1", "", false},
		{"POST", "", "", false},
		{"GET", "", "Action=GetCallerIdentity&Version=2011-06-15", true},
		{"GET", "", "Version=2011-06-15", false},
	} {
		r, _ := http.NewRequest(tc.method, "http://h/?"+tc.query, nil)
		if tc.ct != "" {
			r.Header.Set("Content-Type", tc.ct)
		}
		if got := IsFormRequest(r); got != tc.want {
			t.Errorf("IsFormRequest(%s %q %q) = %v, want %v", tc.method, tc.ct, tc.query, got, tc.want)
		}
	}
}
