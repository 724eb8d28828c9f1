package ssooidc_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc/types"

	"github.com/idcenter/idcenter/internal/testenv"
)

// TestPKCEVerifierLength (SECURITY.md TK-06): RFC 7636 §4.1 code verifiers
// are 43 to 128 characters. Each verifier here is sent with its own S256
// challenge, so only its length can make it fail: 43 and 128 characters
// are redeemed; 42 and 129 get InvalidGrantException and spend the code.
func TestPKCEVerifierLength(t *testing.T) {
	t.Parallel()
	testenv.Backends(t, func(t *testing.T, env *testenv.Env) {
		f := newFlow(t, env, pkceRegistration(env))
		sess := signIn(t, env, "vera")
		const redirect = "http://127.0.0.1:43121/oauth/callback"
		authorize := func(verifier string) string { return f.authorizeCode(t, sess, redirect, verifier) }
		redeem := func(code, verifier string) (*ssooidc.CreateTokenOutput, error) {
			return f.redeemCode(t, code, redirect, verifier)
		}
		// Every unreserved character class: ALPHA DIGIT "-" "." "_" "~".
		verifier := func(n int) string { return strings.Repeat("aZ9-._~", n/7+1)[:n] }

		for _, n := range []int{43, 128} {
			if tok, err := redeem(authorize(verifier(n)), verifier(n)); err != nil || tok.AccessToken == nil {
				t.Errorf("CreateToken with a %d-character verifier = %v, want tokens", n, err)
			}
		}
		for _, n := range []int{42, 129} {
			code := authorize(verifier(n))
			var grant *types.InvalidGrantException
			if tok, err := redeem(code, verifier(n)); !errors.As(err, &grant) {
				t.Errorf("CreateToken with a %d-character verifier = %v (token %v), want InvalidGrantException", n, err, tok != nil)
			}
			if _, err := redeem(code, verifier(n)); !errors.As(err, &grant) {
				t.Errorf("CreateToken again with the %d-character verifier's code = %v, want InvalidGrantException", n, err)
			}
		}
	})
}
