package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"net/url"
	"strings"
	"time"
)

// TOTP parameters (RFC 6238 §4 defaults, which every authenticator app
// supports): HMAC-SHA1, 6 digits, 30-second steps, a 160-bit secret
// (RFC 4226 §4 recommends 160 bits).
const (
	TOTPDigits    = 6
	TOTPPeriod    = 30 * time.Second
	totpSecretLen = 20
	// totpSkew is how many steps before and after the current one are
	// accepted (RFC 6238 §5.2 recommends at most one for network delay).
	totpSkew = 1
)

// totpEncoding is RFC 4648 base32 without padding, as otpauth URIs carry
// secrets.
var totpEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// newTOTPSecret returns a fresh random secret.
func newTOTPSecret() []byte {
	b := make([]byte, totpSecretLen)
	rand.Read(b)
	return b
}

// totpStep returns the RFC 6238 time step of t.
func totpStep(t time.Time) int64 { return t.Unix() / int64(TOTPPeriod/time.Second) }

// TOTPCode returns the code of secret for time step step (RFC 4226 §5.3
// dynamic truncation over HMAC-SHA1 of the big-endian step).
func TOTPCode(secret []byte, step int64) string {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(step))
	m := hmac.New(sha1.New, secret)
	m.Write(msg[:])
	sum := m.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	v := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	var out [TOTPDigits]byte
	for i := TOTPDigits - 1; i >= 0; i-- {
		out[i] = byte('0' + v%10)
		v /= 10
	}
	return string(out[:])
}

// normalizeCode strips the spaces and dashes people type inside codes and
// reports whether what is left is TOTPDigits ASCII digits.
func normalizeCode(code string) (string, bool) {
	code = strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\t' {
			return -1
		}
		return r
	}, code)
	if len(code) != TOTPDigits {
		return "", false
	}
	for i := 0; i < len(code); i++ {
		if code[i] < '0' || code[i] > '9' {
			return "", false
		}
	}
	return code, true
}

// matchTOTP returns the step within ±totpSkew of now whose code equals
// code, comparing every candidate in constant time, and false when none
// does. The caller must still reject a step already used (RFC 6238 §5.2).
func matchTOTP(secret []byte, code string, now time.Time) (int64, bool) {
	code, ok := normalizeCode(code)
	if !ok {
		return 0, false
	}
	cur := totpStep(now)
	var found int64
	match := 0
	for d := int64(-totpSkew); d <= totpSkew; d++ {
		if subtle.ConstantTimeCompare([]byte(TOTPCode(secret, cur+d)), []byte(code)) == 1 {
			// The latest matching step wins, so a code cannot be reused
			// within the window by matching an earlier step.
			found, match = cur+d, 1
		}
	}
	return found, match == 1
}

// TOTPURI returns the otpauth:// URI (the Key Uri Format of Google
// Authenticator, which authenticator apps read from a QR code) of secret for
// account under issuer.
func TOTPURI(issuer, account string, secret []byte) string {
	v := url.Values{}
	v.Set("secret", totpEncoding.EncodeToString(secret))
	v.Set("issuer", issuer)
	v.Set("algorithm", "SHA1")
	v.Set("digits", "6")
	v.Set("period", "30")
	label := url.PathEscape(issuer) + ":" + url.PathEscape(account)
	return "otpauth://totp/" + label + "?" + v.Encode()
}

// TOTPSecretText returns secret in the base32 form people type into an
// authenticator app, in groups of four.
func TOTPSecretText(secret []byte) string {
	s := totpEncoding.EncodeToString(secret)
	var b strings.Builder
	for i := 0; i < len(s); i += 4 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s[i:min(i+4, len(s))])
	}
	return b.String()
}
