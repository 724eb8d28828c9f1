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

// TestWrongVerifierSpendsCode (SECURITY.md TK-03): a wrong code verifier,
// or the verifier of another flow of the same client, gets
// InvalidGrantException, and the code is spent: retrying with the right
// verifier is refused too, so the code answers no second guess (RFC 7636
// §4.6).
func TestWrongVerifierSpendsCode(t *testing.T) {
	t.Parallel()
	testenv.Backends(t, func(t *testing.T, env *testenv.Env) {
		f := newFlow(t, env, pkceRegistration(env))
		sess := signIn(t, env, "wendy")
		const redirect = "http://127.0.0.1:43121/oauth/callback"
		mine := strings.Repeat("m", 43)
		theirs := strings.Repeat("t", 43)
		for _, tc := range []struct{ name, sent string }{
			{"wrong verifier", strings.Repeat("x", 43)},
			{"another flow's verifier", theirs},
		} {
			t.Run(tc.name, func(t *testing.T) {
				code := f.authorizeCode(t, sess, redirect, mine)
				other := f.authorizeCode(t, sess, redirect, theirs) // the other flow, still open
				var grant *types.InvalidGrantException
				if _, err := f.redeemCode(t, code, redirect, tc.sent); !errors.As(err, &grant) {
					t.Fatalf("CreateToken(%s) = %v, want InvalidGrantException", tc.name, err)
				}
				if _, err := f.redeemCode(t, code, redirect, mine); !errors.As(err, &grant) {
					t.Errorf("CreateToken(right verifier, after the %s) = %v, want InvalidGrantException (code spent)", tc.name, err)
				}
				// The other flow is not affected by the misuse of its verifier.
				if _, err := f.redeemCode(t, other, redirect, theirs); err != nil {
					t.Errorf("CreateToken(the other flow, own verifier) = %v, want tokens", err)
				}
			})
		}
	})
}
