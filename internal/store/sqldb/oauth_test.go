package sqldb

import (
	"encoding/json"
	"slices"
	"testing"
)

// TestListColumns holds the list columns' fast paths to encoding/json:
// jsonList writes what json.Marshal writes, and parseList reads back what
// json.Unmarshal reads, for plain lists and for ones that need escaping.
func TestListColumns(t *testing.T) {
	lists := [][]string{
		nil, {}, {""}, {"sso:account:access"}, {"a", "b,c", "d e"}, {"a\"b"}, {`back\slash`}, {"<html>&"},
		{"é"}, {"\u2028"}, {"tab\there"}, {"bad \xff utf8"}, {"x", "", "y"},
	}
	for _, v := range lists {
		want, _ := json.Marshal(v)
		if len(v) == 0 {
			want = []byte("[]")
		}
		got := jsonList(v)
		if got != string(want) {
			t.Errorf("jsonList(%q) = %s, want %s", v, got, want)
		}
		checkParseList(t, got)
	}
	for _, s := range []string{`[]`, `[ ]`, `["a"]`, `["a","b"]`, `["a", "b"]`, `["\u0041"]`, `["a,b"]`, `[""]`,
		`["a"`, `["a",]`, `["a""b"]`, `["a"x]`, `[1]`, `null`, `["é"]`, "[\"\x01\"]", `["<"]`} {
		checkParseList(t, s)
	}
}

// checkParseList compares parseList with json.Unmarshal on column text s.
func checkParseList(t *testing.T, s string) {
	t.Helper()
	var want []string
	wantErr := json.Unmarshal([]byte(s), &want)
	if len(want) == 0 {
		want = nil
	}
	got, err := parseList(s)
	if (err != nil) != (wantErr != nil) || err == nil && (!slices.Equal(got, want) || (got == nil) != (want == nil)) {
		t.Errorf("parseList(%s) = %q, %v; encoding/json: %q, %v", s, got, err, want, wantErr)
	}
}
