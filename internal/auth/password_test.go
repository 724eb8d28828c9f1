package auth

import (
	"errors"
	"strings"
	"testing"

	"github.com/idcenter/idcenter/internal/idc"
)

func TestCheckPassword(t *testing.T) {
	for _, tc := range []struct {
		name string
		pw   string
		ok   bool
	}{
		{"eight ascii", "abcdefgh", true},
		{"seven", "abcdefg", false},
		{"eight runes of multibyte", "pässwörd", true},
		{"seven runes of multibyte", "ééééééé", false},
		{"256 bytes", strings.Repeat("a", 256), true},
		{"257 bytes", strings.Repeat("a", 257), false},
		{"invalid utf-8", "abcdefgh\xff", false},
		{"spaces allowed", "correct horse battery staple", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckPassword(tc.pw)
			if (err == nil) != tc.ok {
				t.Fatalf("CheckPassword = %v, want ok=%v", err, tc.ok)
			}
			if err != nil && !errors.Is(err, idc.ErrInvalid) {
				t.Errorf("CheckPassword error kind = %v, want invalid", idc.KindOf(err))
			}
		})
	}
}

func TestHasher(t *testing.T) {
	h := newHasher(DefaultArgon2, 1, 0)
	ctx := t.Context()
	enc, err := h.Hash(ctx, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=19456,t=2,p=1$") || strings.Contains(enc, "correct horse") {
		t.Errorf("hash %q: want an argon2id PHC string with the default parameters", enc)
	}
	for _, tc := range []struct {
		name    string
		encoded string
		pw      string
		want    bool
	}{
		{"right", enc, "correct horse", true},
		{"wrong", enc, "correct horsE", false},
		{"prefix", enc, "correct hors", false},
		{"no hash (dummy)", "", "correct horse", false},
		{"malformed", "$argon2id$v=19$m=1,t=1,p=1$$", "x", false},
		{"huge memory refused", "$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", "x", false},
		{"bcrypt is not argon2id", "$2a$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234", "x", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := h.Verify(ctx, tc.encoded, tc.pw)
			if err != nil || got != tc.want {
				t.Errorf("Verify = %v, %v; want %v", got, err, tc.want)
			}
		})
	}
	// Two hashes of one password differ (random salt).
	enc2, _ := h.Hash(ctx, "correct horse")
	if enc2 == enc {
		t.Errorf("two hashes of one password are equal: salt not random")
	}
}

// TestHasherBusy checks that a full queue refuses at once instead of
// piling up (SECURITY.md LR-04).
func TestHasherBusy(t *testing.T) {
	h := newHasher(Argon2Params{Memory: 64, Time: 1, Threads: 1}, 1, 0)
	ctx := t.Context()
	tk, err := h.acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, err = h.Hash(ctx, "password")
	if !errors.Is(err, ErrBusy) {
		t.Errorf("Hash with every slot taken and no queue = %v, want ErrBusy", err)
	}
	h.release(&tk)
	if _, err := h.Hash(ctx, "password"); err != nil {
		t.Errorf("Hash after release = %v", err)
	}
}

// BenchmarkPasswordHash measures one argon2id hash with the default
// parameters (the cost of every sign-in and password change).
func BenchmarkPasswordHash(b *testing.B) {
	h := newHasher(DefaultArgon2, 1, 0)
	ctx := b.Context()
	for b.Loop() {
		if _, err := h.Hash(ctx, "correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}
