package keys

import (
	"bytes"
	"errors"
	"testing"
)

func TestSealOpen(t *testing.T) {
	k, err := New(Generate())
	if err != nil {
		t.Fatal(err)
	}
	other, _ := New(Generate())
	ct := k.Seal("access-key", []byte("secret"))
	if bytes.Contains(ct, []byte("secret")) {
		t.Fatal("ciphertext contains the plaintext")
	}
	pt, err := k.Open("access-key", ct)
	if err != nil || string(pt) != "secret" {
		t.Fatalf("Open = %q, %v; want secret", pt, err)
	}
	flipped := append([]byte(nil), ct...)
	flipped[len(flipped)-1] ^= 1
	for name, tc := range map[string]struct {
		k       *Keyring
		purpose string
		ct      []byte
	}{
		"other purpose": {k, "token", ct},
		"other key":     {other, "access-key", ct},
		"bit flipped":   {k, "access-key", flipped},
		"truncated":     {k, "access-key", ct[:5]},
		"empty":         {k, "access-key", nil},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := tc.k.Open(tc.purpose, tc.ct); !errors.Is(err, ErrDecrypt) {
				t.Errorf("Open = %v, want ErrDecrypt", err)
			}
		})
	}
}

func TestParseAndDerive(t *testing.T) {
	m := Generate()
	got, err := Parse(Encode(m))
	if err != nil || !bytes.Equal(got, m) {
		t.Fatalf("Parse(Encode) = %x, %v", got, err)
	}
	if _, err := Parse("too short"); err == nil {
		t.Error("Parse(too short) succeeded")
	}
	a, _ := New(m)
	b, _ := New(got)
	if !bytes.Equal(a.Derive("x"), b.Derive("x")) || a.Check() != b.Check() {
		t.Error("same master key derived different subkeys")
	}
	if bytes.Equal(a.Derive("x"), a.Derive("y")) {
		t.Error("different purposes derived the same subkey")
	}
}
