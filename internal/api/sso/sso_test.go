package sso_test

import (
	"errors"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/sso/types"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	satypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/idcenter/idcenter/internal/testenv"
)

// TestPortal walks the portal API with the AWS SDK for Go v2 the way
// `aws sso` commands do, and STS with the credentials it issues.
func TestPortal(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, env *testenv.Env, clk *clock) {
		ctx := t.Context()
		w := setup(t, env, "alice")
		tok := login(t, env, w)
		p := portal(env)

		accts, err := p.ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: tok.AccessToken})
		if err != nil {
			t.Fatalf("ListAccounts = %v", err)
		}
		want := []ssotypes.AccountInfo{{AccountId: aws.String(w.devAccount), AccountName: aws.String("dev-alice"), EmailAddress: aws.String("dev-alice@example.com")}}
		if d := cmp.Diff(want, accts.AccountList, cmp.AllowUnexported(ssotypes.AccountInfo{}), cmp.Comparer(func(a, b *string) bool { return aws.ToString(a) == aws.ToString(b) })); d != "" {
			t.Errorf("ListAccounts (-want +got):\n%s", d)
		}
		roles, err := p.ListAccountRoles(ctx, &sso.ListAccountRolesInput{AccessToken: tok.AccessToken, AccountId: aws.String(w.devAccount)})
		if err != nil {
			t.Fatalf("ListAccountRoles = %v", err)
		}
		var names []string
		for _, r := range roles.RoleList {
			names = append(names, aws.ToString(r.RoleName))
			if aws.ToString(r.AccountId) != w.devAccount {
				t.Errorf("role %s in account %s", aws.ToString(r.RoleName), aws.ToString(r.AccountId))
			}
		}
		if d := cmp.Diff([]string{w.admin(), w.readOnly()}, names); d != "" {
			t.Errorf("ListAccountRoles (-want +got):\n%s", d)
		}
		// Paginated one by one with the SDK's paginator.
		var paged []string
		pg := sso.NewListAccountRolesPaginator(p, &sso.ListAccountRolesInput{AccessToken: tok.AccessToken, AccountId: aws.String(w.devAccount), MaxResults: aws.Int32(1)})
		for pg.HasMorePages() {
			out, err := pg.NextPage(ctx)
			if err != nil {
				t.Fatalf("ListAccountRoles page: %v", err)
			}
			for _, r := range out.RoleList {
				paged = append(paged, aws.ToString(r.RoleName))
			}
		}
		if d := cmp.Diff(names, paged); d != "" {
			t.Errorf("ListAccountRoles paginated (-want +got):\n%s", d)
		}

		start := clk.Now()
		rc, err := p.GetRoleCredentials(ctx, &sso.GetRoleCredentialsInput{AccessToken: tok.AccessToken, AccountId: aws.String(w.devAccount), RoleName: aws.String(w.readOnly())})
		if err != nil {
			t.Fatalf("GetRoleCredentials = %v", err)
		}
		c := rc.RoleCredentials
		if !regexp.MustCompile(`^ASIA[A-Z2-7]{16}$`).MatchString(aws.ToString(c.AccessKeyId)) || aws.ToString(c.SessionToken) == "" {
			t.Errorf("GetRoleCredentials = %s, token %d chars", aws.ToString(c.AccessKeyId), len(aws.ToString(c.SessionToken)))
		}
		if got := time.UnixMilli(c.Expiration).Sub(start).Round(time.Minute); got != 2*time.Hour {
			t.Errorf("credentials last %v, want the permission set's PT2H", got)
		}

		// STS with the issued credentials.
		stsCfg := env.AWSConfig.Copy()
		stsCfg.Credentials = credentials.NewStaticCredentialsProvider(*c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken)
		id, err := sts.NewFromConfig(stsCfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			t.Fatalf("GetCallerIdentity = %v", err)
		}
		arnRE := regexp.MustCompile(`^arn:aws:sts::` + w.devAccount + `:assumed-role/AWSReservedSSO_ReadOnly-alice_[0-9a-f]{16}/alice$`)
		if !arnRE.MatchString(aws.ToString(id.Arn)) || aws.ToString(id.Account) != w.devAccount ||
			!regexp.MustCompile(`^AROA[A-Z2-7]{17}:alice$`).MatchString(aws.ToString(id.UserId)) {
			t.Errorf("GetCallerIdentity = %s %s %s", aws.ToString(id.Arn), aws.ToString(id.Account), aws.ToString(id.UserId))
		}
		// The role credentials are not admin keys.
		if _, err := ssoadmin.NewFromConfig(stsCfg).ListInstances(ctx, &ssoadmin.ListInstancesInput{}); code(err) != "AccessDeniedException" {
			t.Errorf("sso-admin with role credentials = %v, want AccessDeniedException", err)
		}
		// The admin key works on STS too.
		admin, err := sts.NewFromConfig(env.AWSConfig).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil || aws.ToString(admin.Account) != env.ManagementAccountID || !strings.HasPrefix(aws.ToString(admin.Arn), "arn:aws:iam::"+env.ManagementAccountID+":user/") {
			t.Errorf("GetCallerIdentity(admin key) = %+v, %v", admin, err)
		}

		// Tampered and expired session tokens get STS's errors.
		raw := []byte(*c.SessionToken)
		raw[len(raw)/2] ^= 'A' ^ 'B'
		bad := env.AWSConfig.Copy()
		bad.Credentials = credentials.NewStaticCredentialsProvider(*c.AccessKeyId, *c.SecretAccessKey, string(raw))
		if _, err := sts.NewFromConfig(bad).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); code(err) != "InvalidClientTokenId" {
			t.Errorf("GetCallerIdentity(tampered session token) = %v, want InvalidClientTokenId", err)
		}
		// Change the first character to one it is certainly not (a fixed
		// "x" would leave one secret in 64 unchanged).
		secret := []byte(*c.SecretAccessKey)
		secret[0] = map[bool]byte{true: 'y', false: 'x'}[secret[0] == 'x']
		wrongSecret := env.AWSConfig.Copy()
		wrongSecret.Credentials = credentials.NewStaticCredentialsProvider(*c.AccessKeyId, string(secret), *c.SessionToken)
		if _, err := sts.NewFromConfig(wrongSecret).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); code(err) != "SignatureDoesNotMatch" {
			t.Errorf("GetCallerIdentity(wrong secret) = %v, want SignatureDoesNotMatch", err)
		}

		// PA-02: not entitled — a role not assigned, an account with
		// nothing, an account that does not exist — get one answer (403
		// ForbiddenException "No access"), message included, so the
		// answer does not tell which accounts or roles exist.
		var messages []string
		for _, tc := range []struct{ account, role string }{
			{w.otherAccount, w.readOnly()}, {w.devAccount, "Nope"}, {"000011112222", w.readOnly()}, {w.otherAccount, "Nope"},
		} {
			_, err := p.GetRoleCredentials(ctx, &sso.GetRoleCredentialsInput{AccessToken: tok.AccessToken, AccountId: aws.String(tc.account), RoleName: aws.String(tc.role)})
			var re interface{ HTTPStatusCode() int }
			var fe smithy.APIError // ForbiddenException is not in the sso model
			if !errors.As(err, &fe) || fe.ErrorCode() != "ForbiddenException" || !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusForbidden {
				t.Errorf("GetRoleCredentials(%s, %s) = %v, want 403 ForbiddenException", tc.account, tc.role, err)
				continue
			}
			messages = append(messages, fe.ErrorMessage())
		}
		for _, m := range messages {
			if m != "No access" {
				t.Errorf("GetRoleCredentials(not entitled) messages = %q, want all \"No access\"", messages)
				break
			}
		}
		// Entitlements are read at call time (SECURITY.md PA-03).
		if _, err := env.SSOAdmin().DeleteAccountAssignment(ctx, &ssoadmin.DeleteAccountAssignmentInput{InstanceArn: aws.String(env.InstanceARN),
			PermissionSetArn: aws.String(w.readOnlyARN), TargetId: aws.String(w.devAccount), TargetType: satypes.TargetTypeAwsAccount,
			PrincipalType: satypes.PrincipalTypeUser, PrincipalId: aws.String(w.userID)}); err != nil {
			t.Fatalf("DeleteAccountAssignment: %v", err)
		}
		if _, err := p.GetRoleCredentials(ctx, &sso.GetRoleCredentialsInput{AccessToken: tok.AccessToken, AccountId: aws.String(w.devAccount), RoleName: aws.String(w.readOnly())}); code(err) != "ForbiddenException" {
			t.Errorf("GetRoleCredentials after the assignment was deleted = %v, want ForbiddenException", err)
		}

		// PA-04: the credentials expire with the permission set's session
		// duration (PT2H, checked above): ExpiredToken.
		clk.Advance(2 * time.Hour)
		if _, err := sts.NewFromConfig(stsCfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); code(err) != "ExpiredToken" {
			t.Errorf("GetCallerIdentity(expired credentials) = %v, want ExpiredToken", err)
		}
		// ... and so has the 1-hour access token.
		if _, err := p.ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: tok.AccessToken}); code(err) != "UnauthorizedException" {
			t.Errorf("ListAccounts(expired access token) = %v, want UnauthorizedException", err)
		}
	})
}

// TestBearerErrors: every bad bearer token gets the same 401
// UnauthorizedException (SECURITY.md PA-01), and Logout ends the session
// and its tokens (PA-05).
func TestBearerErrors(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, env *testenv.Env, _ *clock) {
		ctx := t.Context()
		w := setup(t, env, "bob")
		tok := login(t, env, w)
		p := portal(env)
		at := *tok.AccessToken
		flip := "B" // a character that differs from the one it replaces
		if at[40] == 'B' {
			flip = "C"
		}
		for _, bad := range []string{"", "x", "aoa" + strings.Repeat("A", 200), at[:len(at)-3], at[:40] + flip + at[41:], *tok.RefreshToken} {
			_, err := p.ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: aws.String(bad)})
			var ue *ssotypes.UnauthorizedException
			if !errors.As(err, &ue) {
				t.Errorf("ListAccounts(bad token %.12q) = %v, want UnauthorizedException", bad, err)
			}
		}
		// No header at all (the SDK refuses to send that; a raw request).
		resp, err := http.Get(env.URL + "/assignment/accounts")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 401 || resp.Header.Get("X-Amzn-Errortype") != "UnauthorizedException" {
			t.Errorf("no bearer header: %d %s, want 401 UnauthorizedException", resp.StatusCode, resp.Header.Get("X-Amzn-Errortype"))
		}

		// PA-06: a next token of another user, a tampered one, or a
		// forged one is refused and shows nothing of the other user's.
		other := setup(t, env, "carol")
		otherTok := login(t, env, other)
		page, err := p.ListAccountRoles(ctx, &sso.ListAccountRolesInput{AccessToken: otherTok.AccessToken, AccountId: aws.String(other.devAccount), MaxResults: aws.Int32(1)})
		if err != nil || page.NextToken == nil {
			t.Fatalf("ListAccountRoles(carol, 1) = %+v, %v", page, err)
		}
		var ire *ssotypes.InvalidRequestException
		if _, err := p.ListAccountRoles(ctx, &sso.ListAccountRolesInput{AccessToken: tok.AccessToken, AccountId: aws.String(other.devAccount), NextToken: page.NextToken}); !errors.As(err, &ire) {
			t.Errorf("ListAccountRoles with another user's nextToken = %v, want InvalidRequestException", err)
		}
		if _, err := p.ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: tok.AccessToken, NextToken: page.NextToken}); !errors.As(err, &ire) {
			t.Errorf("ListAccounts with another user's nextToken = %v, want InvalidRequestException", err)
		}
		nt := []byte(*page.NextToken)
		nt[len(nt)/2] = map[bool]byte{true: 'B', false: 'A'}[nt[len(nt)/2] == 'A']
		if _, err := p.ListAccountRoles(ctx, &sso.ListAccountRolesInput{AccessToken: otherTok.AccessToken, AccountId: aws.String(other.devAccount), NextToken: aws.String(string(nt))}); !errors.As(err, &ire) {
			t.Errorf("ListAccountRoles with its own nextToken tampered = %v, want InvalidRequestException", err)
		}
		for _, forged := range []string{"forged", strings.Repeat("A", 64)} {
			if _, err := p.ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: tok.AccessToken, NextToken: aws.String(forged)}); !errors.As(err, &ire) {
				t.Errorf("ListAccounts with a forged nextToken %q = %v, want InvalidRequestException", forged, err)
			}
		}
		if _, err := p.ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: tok.AccessToken, MaxResults: aws.Int32(101)}); err == nil {
			t.Errorf("ListAccounts(maxResults 101) succeeded")
		}

		// Logout: the token and its refresh token stop working.
		if _, err := p.Logout(ctx, &sso.LogoutInput{AccessToken: tok.AccessToken}); err != nil {
			t.Fatalf("Logout = %v", err)
		}
		var ue *ssotypes.UnauthorizedException
		if _, err := p.ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: tok.AccessToken}); !errors.As(err, &ue) {
			t.Errorf("ListAccounts after Logout = %v, want UnauthorizedException", err)
		}
		if _, err := p.Logout(ctx, &sso.LogoutInput{AccessToken: tok.AccessToken}); !errors.As(err, &ue) {
			t.Errorf("Logout again = %v, want UnauthorizedException", err)
		}
		if _, err := env.Server.OAuth().Authenticate(ctx, *otherTok.AccessToken); err != nil {
			t.Errorf("another user's token after a logout: %v", err)
		}
	})
}

// TestTokenOfAnotherInstance (SECURITY.md PA-08): an access token that
// instance A issued is refused by instance B with the 401
// UnauthorizedException of any bad token, even where B has a user, an
// account and a role of the same names. The row's OIDC half,
// InvalidRequestRegionException, is for a token used in another AWS region;
// idcenter has no regions, so it does not apply.
func TestTokenOfAnotherInstance(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, a *testenv.Env, _ *clock) {
		b, _ := newEnv(t, a.Backend)
		wa, wb := setup(t, a, "uma"), setup(t, b, "uma")
		tokA, tokB := login(t, a, wa), login(t, b, wb)
		pb := portal(b)
		var ue *ssotypes.UnauthorizedException
		if _, err := pb.ListAccounts(t.Context(), &sso.ListAccountsInput{AccessToken: tokA.AccessToken}); !errors.As(err, &ue) {
			t.Errorf("ListAccounts at B with A's token = %v, want UnauthorizedException", err)
		}
		if _, err := pb.GetRoleCredentials(t.Context(), &sso.GetRoleCredentialsInput{AccessToken: tokA.AccessToken,
			AccountId: aws.String(wb.devAccount), RoleName: aws.String(wb.readOnly())}); !errors.As(err, &ue) {
			t.Errorf("GetRoleCredentials at B with A's token = %v, want UnauthorizedException", err)
		}
		if _, err := pb.GetRoleCredentials(t.Context(), &sso.GetRoleCredentialsInput{AccessToken: tokB.AccessToken,
			AccountId: aws.String(wb.devAccount), RoleName: aws.String(wb.readOnly())}); err != nil {
			t.Errorf("GetRoleCredentials at B with B's token = %v", err)
		}
	})
}
