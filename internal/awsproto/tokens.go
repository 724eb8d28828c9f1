package awsproto

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
)

// ErrBadToken is returned by Tokens.Open for a pagination token that is
// malformed, tampered with, or sealed for another scope.
var ErrBadToken = errors.New("invalid pagination token")

// tokenMACSize is the length of the truncated HMAC-SHA256 tag.
const tokenMACSize = 16

// maxCursor bounds the cursor a token may carry.
const maxCursor = 4096

// Tokens seals and opens opaque pagination tokens (NextToken): the cursor
// followed by a truncated HMAC-SHA256 over the scope and the cursor, in
// URL-safe base64 without padding. The scope binds a token to one listing
// (for example "ListUsers/d-1234567890"), so a token from another operation
// or identity store is refused. Tokens is safe for concurrent use.
//
// Cursors are authenticated, not encrypted: never put secrets in them.
type Tokens struct {
	key []byte
}

// NewTokens returns Tokens keyed with key (at least 32 random bytes).
func NewTokens(key []byte) *Tokens {
	return &Tokens{key: append([]byte(nil), key...)}
}

// Seal returns the token for cursor in scope.
func (t *Tokens) Seal(scope string, cursor []byte) string {
	b := make([]byte, 0, len(cursor)+tokenMACSize)
	b = append(b, cursor...)
	b = append(b, t.mac(scope, cursor)...)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Open returns the cursor of a token sealed for scope, or ErrBadToken.
func (t *Tokens) Open(scope, token string) ([]byte, error) {
	if len(token) == 0 || len(token) > base64.RawURLEncoding.EncodedLen(maxCursor+tokenMACSize) {
		return nil, ErrBadToken
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(token)
	if err != nil || len(b) < tokenMACSize {
		return nil, ErrBadToken
	}
	cursor, tag := b[:len(b)-tokenMACSize], b[len(b)-tokenMACSize:]
	if !hmac.Equal(tag, t.mac(scope, cursor)) {
		return nil, ErrBadToken
	}
	return cursor, nil
}

// mac is HMAC-SHA256(key, len(scope) || scope || cursor), truncated. The
// length prefix keeps (scope, cursor) pairs unambiguous.
func (t *Tokens) mac(scope string, cursor []byte) []byte {
	h := hmac.New(sha256.New, t.key)
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(scope)))
	h.Write(n[:])
	h.Write([]byte(scope))
	h.Write(cursor)
	return h.Sum(nil)[:tokenMACSize]
}
