package sqldb

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/idcenter/idcenter/internal/idc"
)

var attrsSeeds = []string{
	`{}`,
	`{"Name":{"FamilyName":"Doe","GivenName":"Jane"},"DisplayName":"Jane Doe","Emails":[{"Value":"jane@example.com","Type":"work","Primary":true}]}`,
	`{"Name":{"Formatted":"a","FamilyName":"b","GivenName":"c","MiddleName":"d","HonorificPrefix":"e","HonorificSuffix":"f"},"DisplayName":"x","NickName":"n","ProfileUrl":"u","Emails":[],"Addresses":[{"StreetAddress":"1","Locality":"2","Region":"3","PostalCode":"4","Country":"5","Formatted":"6","Type":"7","Primary":false}],"PhoneNumbers":[{"Value":"+1","Type":"t"}],"UserType":"ut","Title":"ti","PreferredLanguage":"pl","Locale":"lo","Timezone":"tz","Photos":[{"Value":"v","Type":"t","Display":"d","Primary":true}],"Website":"w","Birthdate":"b","Roles":[{"Value":"r","Type":"t","Primary":false}]}`,
	`{"DisplayName":"\u003cb\u003e \u0026 \"q\" \\ \/ \b\f\n\r\t \u00e9 \ud83d\ude00 é 😀"}`,
	`{"DisplayName":"lone \ud83d surrogate"}`,
	`{"DisplayName":"bad \xff utf8"}`,
	`{"displayname":"case"}`,
	`{"DisplayName":"a","DisplayName":"b"}`,
	`{"Name":{"GivenName":"a"},"Name":{"FamilyName":"b"}}`,
	`{"Name":null,"Emails":null}`,
	`{"Extensions":{"aws:identitystore:enterprise":{"employeeNumber":"1"}}}`,
	` { "Emails" : [ { "Primary" : true } , { } ] } `,
	`{"Emails":[{"Primary":"true"}]}`,
	`{"Unknown":1}`,
	`{"DisplayName":"x"} trailing`,
	`{"DisplayName":"ctl` + "\x01" + `"}`,
	`[]`,
	`null`,
	``,
}

// FuzzDecodeUserAttrs checks that decodeUserAttrs gives exactly what
// json.Unmarshal gives (value and whether it fails) for any input.
func FuzzDecodeUserAttrs(f *testing.F) {
	for _, s := range attrsSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var want, got idc.UserAttrs
		wantErr := json.Unmarshal(b, &want)
		gotErr := decodeUserAttrs(b, &got)
		if (wantErr == nil) != (gotErr == nil) {
			t.Fatalf("decodeUserAttrs(%q) error = %v, json.Unmarshal error = %v", b, gotErr, wantErr)
		}
		if wantErr != nil {
			return
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("decodeUserAttrs(%q) diff (-json.Unmarshal +got):\n%s", b, d)
		}
		// Empty and nil slices differ on the wire (omitempty aside), so
		// compare nil-ness as well.
		for _, p := range []struct{ w, g bool }{
			{want.Emails == nil, got.Emails == nil}, {want.Addresses == nil, got.Addresses == nil},
			{want.PhoneNumbers == nil, got.PhoneNumbers == nil}, {want.Photos == nil, got.Photos == nil},
			{want.Roles == nil, got.Roles == nil},
		} {
			if p.w != p.g {
				t.Errorf("decodeUserAttrs(%q): nil slice mismatch", b)
			}
		}
	})
}

// TestDecodeUserAttrsRoundTrip decodes what json.Marshal writes for
// attributes with every member set.
func TestDecodeUserAttrsRoundTrip(t *testing.T) {
	tr, fa := true, false
	for _, tc := range []struct {
		name string
		in   idc.UserAttrs
	}{
		{"empty", idc.UserAttrs{}},
		{"full", idc.UserAttrs{
			Name:        &idc.Name{Formatted: "F <&>", FamilyName: "Doe", GivenName: "Jane", MiddleName: "M", HonorificPrefix: "Dr", HonorificSuffix: "III"},
			DisplayName: "Jane \"JD\" Doe\u2028\u2029\x00\x1f\\", NickName: "jd", ProfileURL: "https://x/?a=1&b=<2>",
			Emails:       []idc.Email{{Value: "j@example.com", Type: "work", Primary: &tr}, {Value: "k@example.com"}},
			Addresses:    []idc.Address{{StreetAddress: "1 Main", Locality: "L", Region: "R", PostalCode: "P", Country: "C", Formatted: "F", Type: "home", Primary: &fa}},
			PhoneNumbers: []idc.PhoneNumber{{Value: "+1 555", Type: "mobile", Primary: &tr}},
			UserType:     "Employee", Title: "T", PreferredLanguage: "en", Locale: "en-US", Timezone: "UTC",
			Photos:  []idc.Photo{{Value: "https://p", Type: "photo", Display: "d", Primary: &fa}},
			Website: "w", Birthdate: "2000-01-01", Roles: []idc.Role{{Value: "admin", Type: "t", Primary: &tr}},
		}},
		{"unicode", idc.UserAttrs{DisplayName: "é 😀 日本 \U0010ffff"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := json.Marshal(&tc.in)
			if err != nil {
				t.Fatal(err)
			}
			var got idc.UserAttrs
			p := attrsParser{s: b}
			if !p.userAttrs(&got) {
				t.Errorf("fast path refused %s", b)
			}
			if d := cmp.Diff(tc.in, got); d != "" {
				t.Errorf("round trip diff (-want +got):\n%s", d)
			}
		})
	}
}

func BenchmarkDecodeUserAttrs(b *testing.B) {
	src := []byte(attrsSeeds[1])
	b.Run("fast", func(b *testing.B) {
		for b.Loop() {
			var a idc.UserAttrs
			if err := decodeUserAttrs(src, &a); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding_json", func(b *testing.B) {
		for b.Loop() {
			var a idc.UserAttrs
			if err := json.Unmarshal(src, &a); err != nil {
				b.Fatal(err)
			}
		}
	})
}
