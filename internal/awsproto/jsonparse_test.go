package awsproto

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// jsonParseSeeds are bodies at the edges of the grammar: every error class,
// the nesting limit from both sides, escapes, surrogates and invalid UTF-8.
var jsonParseSeeds = []string{
	``, ` `, "\v", "\u00a0", "\u00a0{}", "\ufeff{}", `{}`, `[]`, `null`, `true`, `false`, `0`, `-0`, `1.5e+10`, `""`,
	`{"a":1}`, `{"a":1,"b":[1,2,{"c":null}],"d":"x"}`, `{"a":1,"a":2}`, `{"a":1,"a"`, `{"a":1,"a":`, `{"a" 1}`,
	`{"a":1,}`, `{,}`, `{]`, `[}`, `[1}`, `{"a":1]`, `[1,]`, `[,1]`, `[1 2]`, `[1:2]`, `{1:2}`, `{"a"::1}`,
	`{"a":}`, `{"a",}`, `{} {}`, `{}x`, `{} `, "{}\n\t\r ", `1x`, `[1x]`, `01`, `[01]`, `-`, `-x`, `[-]`, `1.`,
	`1.x`, `1e`, `1e+`, `1E-5`, `1.5.`, `[1.5.]`, `tru`, `trux`, `truex`, `[truex]`, `nul`, `[nul`, `nulll`, `f`,
	`"abc`, `"\x"`, `"\u12`, `"\u12G"`, `"\u00e9\n\t\"\\\/\b\f\r"`, `"\ud800"`, `"\ud800\udc00"`, `"\udc00\ud800"`,
	`"\ud800\ud800\udc00"`, `"\ud800\u0041"`, `"\ud800\u00"`, `"\ud800\u00G1"`, `"\ud800\`, `"\ud800x"`,
	"\"a\x01b\"", "\"\xff\xfe\"", "\"\xed\xa0\x80\"", "\"ok\xc3\"", "\"é\\n\xff\"", `"\u0000"`, "{\"\xff\":1}",
	`{"a":{"b":{"c":[[[]]]}}}`, `[`, `{`, `{"a"`, `{"a":`, `{"a":1`, `[1`, `[1,`, `"`, `{"`, `{"a\`,
	`{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10,"k":11,"l":12,"m":13,"n":14,"o":15,"p":16,"q":17,"a":18}`,
	`{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10,"k":11,"l":12,"m":13,"n":14,"o":15,"p":16,"q":17,"q":18}`,
	`{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10,"k":11,"l":12,"m":13,"n":14,"o":15,"p":16,"q":17}`,
	`{"a":"\u0041","A":1,"\u0061":2}`,
}

// nested returns body wrapped in n arrays (or objects under key "k").
func nested(n int, obj bool, body string) string {
	open, close := "[", "]"
	if obj {
		open, close = `{"k":`, "}"
	}
	return strings.Repeat(open, n) + body + strings.Repeat(close, n)
}

func depthSeeds() []string {
	var out []string
	for _, n := range []int{63, 64, 65, 66} {
		for _, obj := range []bool{false, true} {
			for _, inner := range []string{"", "1", "[]", "{}", "[1]", `{"x":1}`, "x", "}", "]", `"a"`} {
				b := nested(n, obj, inner)
				out = append(out, b, b[:len(b)-n/2], strings.Repeat("[", n)+inner, strings.Repeat(`{"k":`, n)+inner)
			}
		}
	}
	return out
}

// sameValue reports whether the two parses are identical, object member
// order included.
func sameValue(a, b *jvalue) bool {
	if a.kind != b.kind || a.text != b.text || a.b != b.b || len(a.obj) != len(b.obj) || len(a.arr) != len(b.arr) {
		return false
	}
	for i := range a.obj {
		if a.obj[i].key != b.obj[i].key || !sameValue(a.obj[i].val, b.obj[i].val) {
			return false
		}
	}
	for i := range a.arr {
		if !sameValue(a.arr[i], b.arr[i]) {
			return false
		}
	}
	return true
}

// checkSameParse holds parseJSON to the reference parser on body.
func checkSameParse(t *testing.T, body string) {
	t.Helper()
	got, gotErr := parseJSON([]byte(body))
	want, wantErr := parseJSONReference([]byte(body))
	switch {
	case (gotErr == nil) != (wantErr == nil):
		t.Fatalf("parse %q: error %v, reference %v", body, gotErr, wantErr)
	case gotErr != nil:
		if gotErr.Error() != wantErr.Error() {
			t.Fatalf("parse %q: error %q, reference %q", body, gotErr, wantErr)
		}
	case !sameValue(got, want):
		t.Fatalf("parse %q: value %s, reference %s", body, got.appendJSON(nil), want.appendJSON(nil))
	}
}

// TestParseJSONMatchesReference: on the seeds, the nesting limit and every
// prefix of each (a body cut anywhere), parseJSON gives the reference
// parser's value or error.
func TestParseJSONMatchesReference(t *testing.T) {
	seeds := append(append([]string{}, jsonParseSeeds...), depthSeeds()...)
	for _, s := range seeds {
		for i := range len(s) + 1 {
			checkSameParse(t, s[:i])
		}
	}
}

// TestParseJSONMatchesReferenceMutations: random byte-level mutations
// (insert, delete, replace with a grammar byte) of the seeds, from a fixed
// seed so that a failure reproduces.
func TestParseJSONMatchesReferenceMutations(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 2))
	const alphabet = "{}[],:\" \\/u0123456789abcdefABCDEFtrunlsex.-+E\n\t\x00\x1f\x7f\xc3\xa9\xff\xed\xa0\xdc"
	seeds := append(append([]string{}, jsonParseSeeds...), depthSeeds()...)
	for range 200000 {
		b := []byte(seeds[rng.IntN(len(seeds))])
		for range 1 + rng.IntN(4) {
			pos := rng.IntN(len(b) + 1)
			c := alphabet[rng.IntN(len(alphabet))]
			switch op := rng.IntN(3); {
			case op == 0 || len(b) == 0 || pos == len(b):
				b = append(b[:pos], append([]byte{c}, b[pos:]...)...)
			case op == 1:
				b = append(b[:pos], b[pos+1:]...)
			default:
				b[pos] = c
			}
		}
		checkSameParse(t, string(b))
	}
}

// FuzzParseJSON compares parseJSON with the reference parser on arbitrary
// bodies.
func FuzzParseJSON(f *testing.F) {
	for _, s := range jsonParseSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		checkSameParse(t, body)
	})
}

// BenchmarkParseJSON measures parsing a CreateToken poll body.
func BenchmarkParseJSON(b *testing.B) {
	body := []byte(`{"clientId":"c-0123456789abcdef","clientSecret":"s3cr3t-0123456789abcdef0123456789abcdef","grantType":"urn:ietf:params:oauth:grant-type:device_code","deviceCode":"dc-0123456789abcdef0123456789abcdef0123456789"}`)
	b.Run("new", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := parseJSON(body); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("reference", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := parseJSONReference(body); err != nil {
				b.Fatal(err)
			}
		}
	})
}
