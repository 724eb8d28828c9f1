package awsproto_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/idcenter/idcenter/internal/awsproto"
)

var tokenKey = []byte("0123456789abcdef0123456789abcdef")

func TestTokens(t *testing.T) {
	t.Parallel()
	tk := awsproto.NewTokens(tokenKey)
	other := awsproto.NewTokens([]byte("another key, another key, 32 b."))
	good := tk.Seal("ListUsers/d-1234567890", []byte("cursor:42"))
	empty := tk.Seal("ListUsers/d-1234567890", nil)
	flipped := []byte(good)
	if flipped[0] == 'A' {
		flipped[0] = 'B'
	} else {
		flipped[0] = 'A'
	}
	tests := []struct {
		name, scope, token string
		want               []byte
		wantErr            bool
	}{
		{"round trip", "ListUsers/d-1234567890", good, []byte("cursor:42"), false},
		{"empty cursor", "ListUsers/d-1234567890", empty, []byte{}, false},
		{"other operation", "ListGroups/d-1234567890", good, nil, true},
		{"other store", "ListUsers/d-0000000000", good, nil, true},
		{"other key", "ListUsers/d-1234567890", other.Seal("ListUsers/d-1234567890", []byte("cursor:42")), nil, true},
		{"tampered", "ListUsers/d-1234567890", string(flipped), nil, true},
		{"truncated", "ListUsers/d-1234567890", good[:len(good)-2], nil, true},
		{"garbage", "ListUsers/d-1234567890", "not a token!", nil, true},
		{"padding", "ListUsers/d-1234567890", good + "=", nil, true},
		{"empty", "ListUsers/d-1234567890", "", nil, true},
		{"huge", "ListUsers/d-1234567890", strings.Repeat("A", 10000), nil, true},
		// The length prefix keeps scope and cursor apart.
		{"scope/cursor boundary", "ListUsers/d-1234567890c", tk.Seal("ListUsers/d-1234567890", []byte("cursor:42")), nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := tk.Open(tt.scope, tt.token)
			if tt.wantErr {
				if !errors.Is(err, awsproto.ErrBadToken) {
					t.Errorf("Open(%q) = %q, %v; want ErrBadToken", tt.token, got, err)
				}
				return
			}
			if err != nil || !bytes.Equal(got, tt.want) {
				t.Errorf("Open(%q) = %q, %v; want %q", tt.token, got, err, tt.want)
			}
		})
	}
	if strings.ContainsAny(good, "+/=") {
		t.Errorf("token %q is not URL-safe", good)
	}
}

func FuzzTokensOpen(f *testing.F) {
	tk := awsproto.NewTokens(tokenKey)
	f.Add("s", tk.Seal("s", []byte("c")))
	f.Add("s", "")
	f.Add("s", "AAAA")
	f.Add("", "____________________________")
	f.Fuzz(func(t *testing.T, scope, token string) {
		cursor, err := tk.Open(scope, token)
		if err != nil {
			if !errors.Is(err, awsproto.ErrBadToken) {
				t.Fatalf("Open error %v is not ErrBadToken", err)
			}
			return
		}
		// Whatever opens must be what sealing the cursor gives.
		if again := tk.Seal(scope, cursor); again != token {
			t.Fatalf("Open(%q, %q) = %q, but Seal gives %q", scope, token, cursor, again)
		}
	})
}
