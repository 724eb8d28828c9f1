// Package keys holds idcenter's master key and what is derived from it:
// authenticated encryption of secrets at rest (AES-256-GCM, the purpose
// bound in as additional data) and purpose-specific subkeys (HKDF-SHA256)
// for MACs such as pagination tokens.
//
// The master key comes from IDCENTER_MASTER_KEY or <data-dir>/master.key (see
// cmd/idcenter); replicas sharing one PostgreSQL must share it. keys imports
// only the standard library.
package keys

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// Size is the master key length in bytes.
const Size = 32

// ErrDecrypt means a ciphertext was tampered with, truncated, or sealed
// under another key or purpose.
var ErrDecrypt = errors.New("keys: cannot decrypt")

// Keyring seals and opens secrets with keys derived from the master key.
// It is safe for concurrent use.
type Keyring struct {
	master []byte
	aead   cipher.AEAD
}

// New returns a Keyring for a 32-byte master key.
func New(master []byte) (*Keyring, error) {
	if len(master) != Size {
		return nil, fmt.Errorf("master key must be %d bytes, got %d", Size, len(master))
	}
	k := &Keyring{master: append([]byte(nil), master...)}
	block, err := aes.NewCipher(k.Derive("seal"))
	if err != nil {
		return nil, err
	}
	if k.aead, err = cipher.NewGCM(block); err != nil {
		return nil, err
	}
	return k, nil
}

// Generate returns a new random master key.
func Generate() []byte {
	b := make([]byte, Size)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return b
}

// Parse decodes a master key written as base64 (standard or URL alphabet,
// padded or not) or as 64 hex digits.
func Parse(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == Size {
			return b, nil
		}
	}
	if len(s) == 2*Size {
		b := make([]byte, Size)
		if _, err := fmt.Sscanf(s, "%x", &b); err == nil && len(b) == Size {
			return b, nil
		}
	}
	return nil, fmt.Errorf("master key must be %d bytes as base64 or hex", Size)
}

// Encode returns the base64 form of a master key, as Parse reads it.
func Encode(master []byte) string { return base64.StdEncoding.EncodeToString(master) }

// Derive returns a 32-byte subkey for purpose. The same master key and
// purpose always give the same subkey, on every replica.
func (k *Keyring) Derive(purpose string) []byte {
	b, err := hkdf.Key(sha256.New, k.master, nil, "idcenter/"+purpose, 32)
	if err != nil {
		panic(err) // only for lengths hkdf cannot produce
	}
	return b
}

// Check returns a value that identifies the master key without revealing
// it, so a process can tell that a database was set up under another key.
func (k *Keyring) Check() string {
	m := hmac.New(sha256.New, k.Derive("check"))
	m.Write([]byte("idcenter master key check"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// Seal encrypts plaintext for purpose (for example "access-key"); Open with
// another purpose fails.
func (k *Keyring) Seal(purpose string, plaintext []byte) []byte {
	nonce := make([]byte, k.aead.NonceSize(), k.aead.NonceSize()+len(plaintext)+k.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		panic(err)
	}
	return k.aead.Seal(nonce, nonce, plaintext, []byte(purpose))
}

// Open decrypts a Seal result; it returns ErrDecrypt if the ciphertext was
// altered or sealed for another purpose or key.
func (k *Keyring) Open(purpose string, ciphertext []byte) ([]byte, error) {
	n := k.aead.NonceSize()
	if len(ciphertext) < n+k.aead.Overhead() {
		return nil, ErrDecrypt
	}
	pt, err := k.aead.Open(nil, ciphertext[:n], ciphertext[n:], []byte(purpose))
	if err != nil {
		return nil, ErrDecrypt
	}
	return pt, nil
}
