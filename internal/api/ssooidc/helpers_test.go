package ssooidc_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	istypes "github.com/aws/aws-sdk-go-v2/service/identitystore/types"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"

	"github.com/idcenter/idcenter/internal/auth"
	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/store"
	"github.com/idcenter/idcenter/internal/testenv"
)

// oidcClient returns an unsigned sso-oidc client for env, as botocore
// builds it (signature_version UNSIGNED).
func oidcClient(env *testenv.Env) *ssooidc.Client {
	cfg := env.AWSConfig.Copy()
	cfg.Credentials = aws.AnonymousCredentials{}
	return ssooidc.NewFromConfig(cfg)
}

const password = "correct horse battery staple"

// signIn creates a user with a password and signs them in through the
// real sign-in service (MFA off for the instance, so no TOTP step; the
// browser tests cover MFA) and returns the web session.
func signIn(t *testing.T, env *testenv.Env, userName string) *idc.Session {
	t.Helper()
	ctx := t.Context()
	u, err := env.IdentityStore().CreateUser(ctx, &identitystore.CreateUserInput{
		IdentityStoreId: aws.String(env.IdentityStoreID), UserName: aws.String(userName), DisplayName: aws.String(userName),
		Name: &istypes.Name{GivenName: aws.String(userName), FamilyName: aws.String("Test")},
	})
	if err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	a := env.Server.Auth()
	if _, err := a.UpdateSettings(ctx, env.IdentityStoreID, auth.SettingsUpdate{MFAMode: store.MFADisabled}); err != nil {
		t.Fatalf("UpdateSettings: %v", err)
	}
	if err := a.SetPassword(ctx, env.IdentityStoreID, *u.UserId, password); err != nil {
		t.Fatalf("SetPassword: %v", err)
	}
	res, err := a.SignIn(ctx, auth.SignInInput{IdentityStoreID: env.IdentityStoreID, UserName: userName, Password: password, UserAgent: "test"})
	if err != nil || res.Session == nil {
		t.Fatalf("SignIn = %+v, %v", res, err)
	}
	return res.Session.Session
}
