package oauth

import (
	"strings"
	"testing"
)

// TestSameStartURL: start URLs that name the same page match however they
// are written (SECURITY.md DF-17 compares them), and others do not.
func TestSameStartURL(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		same bool
	}{
		{"https://idc.example/start", "https://idc.example/start", true},
		{"https://idc.example/start", "https://idc.example/start/", true},
		{"https://idc.example/start", "https://idc.example/start/#/", true},
		{"https://idc.example/start", "https://idc.example/start#/", true},
		{"https://idc.example/start", "https://idc.example/start?x=1", true},
		{"https://idc.example/start", "HTTPS://IDC.Example/start", true},
		{"https://idc.example/start", "https://idc.example:443/start", true},
		{"https://idc.example/start", "https://idc.example./start", true},
		{"http://idc.example/start", "http://idc.example:80/start", true},
		{"http://[::1]:8080/start", "http://[::1]:8080/start/", true},
		{"https://idc.example/start", "http://idc.example/start", false},
		{"https://idc.example/start", "https://idc.example:80/start", false},
		{"http://idc.example/start", "http://idc.example:443/start", false},
		{"https://idc.example/start", "https://idc.example:8443/start", false},
		{"https://idc.example/start", "https://evil.example/start", false},
		{"https://idc.example/start", "https://idc.example.evil.example/start", false},
		{"https://idc.example/start", "https://idc.example/Start", false},
		{"https://idc.example/start", "https://idc.example/start/x", false},
		{"https://idc.example/start", "https://idc.example/", false},
		{"http://[::1]:8080/start", "http://[::2]:8080/start", false},
		{"https://idc.example/start", "%zz", false},
	} {
		if got := sameStartURL(tc.a, tc.b); got != tc.same {
			t.Errorf("sameStartURL(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.same)
		}
		if got := sameStartURL(tc.b, tc.a); got != tc.same {
			t.Errorf("sameStartURL(%q, %q) = %v, want %v", tc.b, tc.a, got, tc.same)
		}
	}
}

// TestValidStartURL: a start URL may carry the portal's fragment, never
// userinfo, and must be absolute http(s).
func TestValidStartURL(t *testing.T) {
	for u, want := range map[string]bool{
		"https://idc.example/start":                        true,
		"https://idc.example/start/#/":                     true,
		"http://127.0.0.1:8080/start":                      true,
		"https://user@idc.example/start":                   false,
		"ftp://idc.example/start":                          false,
		"/start":                                           false,
		"https:///start":                                   false,
		"not a url":                                        false,
		"https://idc.example/" + strings.Repeat("a", 2100): false,
	} {
		if got := validStartURL(u); got != want {
			t.Errorf("validStartURL(%.60q) = %v, want %v", u, got, want)
		}
	}
}
