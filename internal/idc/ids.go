package idc

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"math/big"
	"regexp"
)

// Identifier formats follow AWS IAM Identity Center and AWS Organizations
// (see PRODUCT.md, "ids"). Every identifier comes from crypto/rand.

func randHex(n int) string {
	b := make([]byte, (n+1)/2)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return hex.EncodeToString(b)[:n]
}

const lowerAlnum = "abcdefghijklmnopqrstuvwxyz0123456789"

func randFrom(alphabet string, n int) string {
	b := make([]byte, n)
	max := big.NewInt(int64(len(alphabet)))
	for i := range b {
		v, err := rand.Int(rand.Reader, max)
		if err != nil {
			panic(err)
		}
		b[i] = alphabet[v.Int64()]
	}
	return string(b)
}

// UUID returns a random (version 4) UUID in its canonical lowercase form.
func UUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// NewIdentityStoreID returns "d-" followed by 10 hex digits.
func NewIdentityStoreID() string { return "d-" + randHex(10) }

// NewInstanceARN returns an sso instance ARN: arn:aws:sso:::instance/ssoins-<16 hex>.
func NewInstanceARN() string { return "arn:aws:sso:::instance/ssoins-" + randHex(16) }

// NewResourceID returns a user, group or membership id in AWS's
// "<10 hex of the identity store>-<uuid>" form.
func NewResourceID(identityStoreID string) string {
	p := identityStoreID
	if len(p) == 12 && p[:2] == "d-" {
		p = p[2:]
	} else {
		p = randHex(10)
	}
	return p + "-" + UUID()
}

// NewAccountID returns a random 12-digit account id that does not start with 0.
func NewAccountID() string {
	return randFrom("123456789", 1) + randFrom("0123456789", 11)
}

// NewOrganizationID returns "o-" followed by 10 lowercase alphanumerics.
func NewOrganizationID() string { return "o-" + randFrom(lowerAlnum, 10) }

// NewRootID returns "r-" followed by 4 lowercase alphanumerics.
func NewRootID() string { return "r-" + randFrom(lowerAlnum, 4) }

// NewOUID returns an OU id for a root: "ou-<root suffix>-<8 lowercase alphanumerics>".
func NewOUID(rootID string) string {
	return "ou-" + rootID[2:] + "-" + randFrom(lowerAlnum, 8)
}

// NewCreateAccountRequestID returns "car-" followed by 32 lowercase alphanumerics.
func NewCreateAccountRequestID() string { return "car-" + randFrom(lowerAlnum, 32) }

// NewAccessKeyID returns a long-term access key id: "AKIA" + 16 uppercase
// alphanumerics (20 characters).
func NewAccessKeyID() string {
	return "AKIA" + randFrom("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)
}

// NewSecretAccessKey returns a 40-character secret access key.
func NewSecretAccessKey() string {
	return randFrom("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", 40)
}

var accountIDPattern = regexp.MustCompile(`^\d{12}$`)

// ValidAccountID reports whether s is a 12-digit account id.
func ValidAccountID(s string) bool { return accountIDPattern.MatchString(s) }

// AccountARN returns the organizations ARN of an account.
func AccountARN(masterAccountID, orgID, accountID string) string {
	return fmt.Sprintf("arn:aws:organizations::%s:account/%s/%s", masterAccountID, orgID, accountID)
}
