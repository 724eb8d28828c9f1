package sso_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/sso/types"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	oidctypes "github.com/aws/aws-sdk-go-v2/service/ssooidc/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/idcenter/idcenter/internal/api/idcadmin"
	"github.com/idcenter/idcenter/internal/testenv"
)

// adminCall signs one idcenter admin API operation with the admin key, the
// way `idcenter users` sends it, and fails the test unless it succeeds.
func adminCall(t *testing.T, env *testenv.Env, clk *clock, op string, in, out any) {
	t.Helper()
	status, data, err := env.IDCAdmin(t.Context(), idcadmin.SigningName, clk.Now(), op, in)
	if err != nil {
		t.Fatal(err)
	}
	if status != http.StatusOK {
		t.Fatalf("%s: %d %s", op, status, data)
	}
	if err := json.Unmarshal(data, out); err != nil {
		t.Fatalf("%s: decode %s: %v", op, data, err)
	}
}

// propagation is the bound within which a revocation reaches every cache
// of every replica (SECURITY.md MR-03).
const propagation = 5 * time.Second

// refresh redeems a refresh token with the client that holds it.
func refresh(t *testing.T, env *testenv.Env, reg *ssooidc.RegisterClientOutput, rt *string) (*ssooidc.CreateTokenOutput, error) {
	t.Helper()
	return ssooidc.NewFromConfig(anonymous(env)).CreateToken(t.Context(), &ssooidc.CreateTokenInput{ClientId: reg.ClientId,
		ClientSecret: reg.ClientSecret, GrantType: aws.String("refresh_token"), RefreshToken: rt})
}

// TestAdminRevocationReachesTokens (SECURITY.md TK-11, WL-10): when an
// administrator revokes a user's sessions (idcenter admin API
// RevokeUserSessions), and separately when the user is deleted
// (identitystore DeleteUser), the user's sso-oidc refresh token gets
// InvalidGrantException and the access token 401 UnauthorizedException
// from the portal API, within the propagation bound of MR-03 — at once on
// the replica that revoked the sessions, whose caches of sessions and
// tokens it clears. Another user's tokens keep working.
func TestAdminRevocationReachesTokens(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, env *testenv.Env, clk *clock) {
		ctx := t.Context()
		p := portal(env)
		bystander := setup(t, env, "bea")
		bysTok, bysReg := loginClient(t, env, bystander)

		for _, tc := range []struct {
			name string
			user string
			// local: the revocation reaches this replica's caches at
			// once, so the refresh is refused without waiting.
			local  bool
			revoke func(w *world)
		}{
			{"RevokeUserSessions", "ronny", true, func(w *world) {
				var out idcadmin.RevokeUserSessionsResponse
				adminCall(t, env, clk, "RevokeUserSessions", idcadmin.UserRequest{UserId: w.userID}, &out)
				if out.RevokedSessions != 1 {
					t.Errorf("RevokeUserSessions revoked %d sessions, want 1", out.RevokedSessions)
				}
			}},
			{"DeleteUser", "dora", false, func(w *world) {
				if _, err := env.IdentityStore().DeleteUser(ctx, &identitystore.DeleteUserInput{IdentityStoreId: aws.String(env.IdentityStoreID),
					UserId: aws.String(w.userID)}); err != nil {
					t.Fatalf("DeleteUser: %v", err)
				}
			}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				w := setup(t, env, tc.user)
				tok, reg := loginClient(t, env, w)
				// The token is in use (and so in the replica's caches)
				// before the revocation.
				if _, err := p.ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: tok.AccessToken}); err != nil {
					t.Fatalf("ListAccounts before: %v", err)
				}
				tc.revoke(w)

				var ig *oidctypes.InvalidGrantException
				var ue *ssotypes.UnauthorizedException
				if tc.local {
					if _, err := p.ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: tok.AccessToken}); !errors.As(err, &ue) {
						t.Errorf("ListAccounts at once after %s = %v, want UnauthorizedException", tc.name, err)
					}
					if _, err := refresh(t, env, reg, tok.RefreshToken); !errors.As(err, &ig) {
						t.Errorf("CreateToken(refresh_token) at once after %s = %v, want InvalidGrantException", tc.name, err)
					}
				}
				// Replicas trust their memory of a session or grant for
				// a bounded time (SECURITY.md MR-03: at most 5 s).
				clk.Advance(propagation)
				if _, err := refresh(t, env, reg, tok.RefreshToken); !errors.As(err, &ig) {
					t.Errorf("CreateToken(refresh_token) after %s = %v, want InvalidGrantException", tc.name, err)
				}
				if _, err := p.ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: tok.AccessToken}); !errors.As(err, &ue) {
					t.Errorf("ListAccounts after %s = %v, want UnauthorizedException", tc.name, err)
				}
				if _, err := p.GetRoleCredentials(ctx, &sso.GetRoleCredentialsInput{AccessToken: tok.AccessToken,
					AccountId: aws.String(w.devAccount), RoleName: aws.String(w.readOnly())}); !errors.As(err, &ue) {
					t.Errorf("GetRoleCredentials after %s = %v, want UnauthorizedException", tc.name, err)
				}
			})
		}

		// The other user was not touched.
		if _, err := p.ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: bysTok.AccessToken}); err != nil {
			t.Errorf("ListAccounts(another user) = %v", err)
		}
		if _, err := refresh(t, env, bysReg, bysTok.RefreshToken); err != nil {
			t.Errorf("CreateToken(refresh_token, another user) = %v", err)
		}
	})
}

// TestRoleCredentialsOutliveLogout (SECURITY.md PA-05, AWS parity): role
// credentials issued by GetRoleCredentials are stateless and keep working
// (sts GetCallerIdentity) after sso Logout, while the access token that
// obtained them gets 401 UnauthorizedException and its refresh token
// InvalidGrantException.
func TestRoleCredentialsOutliveLogout(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, env *testenv.Env, _ *clock) {
		ctx := t.Context()
		w := setup(t, env, "lou")
		tok, reg := loginClient(t, env, w)
		p := portal(env)
		rc, err := p.GetRoleCredentials(ctx, &sso.GetRoleCredentialsInput{AccessToken: tok.AccessToken, AccountId: aws.String(w.devAccount),
			RoleName: aws.String(w.readOnly())})
		if err != nil {
			t.Fatalf("GetRoleCredentials: %v", err)
		}
		c := rc.RoleCredentials
		stsCfg := env.AWSConfig.Copy()
		stsCfg.Credentials = credentials.NewStaticCredentialsProvider(*c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken)
		caller := sts.NewFromConfig(stsCfg)
		before, err := caller.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			t.Fatalf("GetCallerIdentity before Logout: %v", err)
		}

		if _, err := p.Logout(ctx, &sso.LogoutInput{AccessToken: tok.AccessToken}); err != nil {
			t.Fatalf("Logout: %v", err)
		}

		after, err := caller.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			t.Fatalf("GetCallerIdentity after Logout = %v, want the credentials to keep working until they expire", err)
		}
		if aws.ToString(after.Arn) != aws.ToString(before.Arn) || aws.ToString(after.Account) != w.devAccount {
			t.Errorf("GetCallerIdentity after Logout = %s in %s, want %s", aws.ToString(after.Arn), aws.ToString(after.Account), aws.ToString(before.Arn))
		}
		var ue *ssotypes.UnauthorizedException
		if _, err := p.ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: tok.AccessToken}); !errors.As(err, &ue) {
			t.Errorf("ListAccounts after Logout = %v, want UnauthorizedException", err)
		}
		var re interface{ HTTPStatusCode() int }
		if _, err := p.GetRoleCredentials(ctx, &sso.GetRoleCredentialsInput{AccessToken: tok.AccessToken, AccountId: aws.String(w.devAccount),
			RoleName: aws.String(w.readOnly())}); !errors.As(err, &ue) || !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusUnauthorized {
			t.Errorf("GetRoleCredentials after Logout = %v, want 401 UnauthorizedException", err)
		}
		var ig *oidctypes.InvalidGrantException
		if _, err := refresh(t, env, reg, tok.RefreshToken); !errors.As(err, &ig) {
			t.Errorf("CreateToken(refresh_token) after Logout = %v, want InvalidGrantException", err)
		}
	})
}
