package sso_test

import (
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	istypes "github.com/aws/aws-sdk-go-v2/service/identitystore/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	satypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/aws/smithy-go"

	"github.com/idcenter/idcenter/internal/auth"
	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/keys"
	"github.com/idcenter/idcenter/internal/server"
	"github.com/idcenter/idcenter/internal/store"
	"github.com/idcenter/idcenter/internal/testenv"
)

// clock is a manual clock for the server's OAuth and credential services.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// newEnv is testenv.New with a manual clock (for the expiry paths).
func newEnv(t *testing.T, backend string) (*testenv.Env, *clock) {
	t.Helper()
	st := testenv.OpenStore(t, backend)
	kr, err := keys.New(keys.Generate())
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: time.Now()}
	keyID, secret := idc.NewAccessKeyID(), idc.NewSecretAccessKey()
	hs := httptest.NewUnstartedServer(nil)
	srv, err := server.New(t.Context(), server.Options{Store: st, Keys: kr, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		AdminAccessKeyID: keyID, AdminSecretAccessKey: secret, PublicURL: "http://" + hs.Listener.Addr().String(), Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	hs.Config.Handler = srv.Handler()
	hs.Start()
	t.Cleanup(hs.Close)
	env := &testenv.Env{URL: hs.URL, Store: st, Server: srv, Backend: backend, InstanceARN: srv.Instance().InstanceARN,
		IdentityStoreID: srv.Instance().IdentityStoreID, ManagementAccountID: srv.ManagementAccountID(), AdminKeyID: keyID, AdminSecret: secret}
	env.AWSConfig = aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(keyID, secret, ""),
		BaseEndpoint: aws.String(hs.URL), HTTPClient: hs.Client(), Retryer: testenv.Retryer}
	return env, clk
}

// backends runs fn on SQLite and PostgreSQL servers with manual clocks.
func backends(t *testing.T, fn func(t *testing.T, env *testenv.Env, clk *clock)) {
	for _, b := range []string{"sqlite", "postgres"} {
		t.Run(b, func(t *testing.T) {
			t.Parallel()
			env, clk := newEnv(t, b)
			fn(t, env, clk)
		})
	}
}

func anonymous(env *testenv.Env) aws.Config {
	cfg := env.AWSConfig.Copy()
	cfg.Credentials = aws.AnonymousCredentials{}
	return cfg
}

func portal(env *testenv.Env) *sso.Client { return sso.NewFromConfig(anonymous(env)) }

// code returns the AWS error code of err, or "".
func code(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// world is a directory, an organization and assignments made through the
// admin APIs, as an administrator would.
type world struct {
	userID, userName string
	devAccount       string // ReadOnly (to the user) and Admin (to a group the user is in)
	otherAccount     string // nothing assigned to the user
	readOnlyARN      string
	adminARN         string
}

const password = "correct horse battery staple"

func setup(t *testing.T, env *testenv.Env, userName string) *world {
	t.Helper()
	ctx := t.Context()
	w := &world{userName: userName}
	is := env.IdentityStore()
	u, err := is.CreateUser(ctx, &identitystore.CreateUserInput{IdentityStoreId: aws.String(env.IdentityStoreID), UserName: aws.String(userName),
		DisplayName: aws.String(userName), Name: &istypes.Name{GivenName: aws.String(userName), FamilyName: aws.String("Test")}})
	if err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	w.userID = *u.UserId
	g, err := is.CreateGroup(ctx, &identitystore.CreateGroupInput{IdentityStoreId: aws.String(env.IdentityStoreID), DisplayName: aws.String("admins-" + userName)})
	if err != nil {
		t.Fatalf("CreateGroup: %v", err)
	}
	if _, err := is.CreateGroupMembership(ctx, &identitystore.CreateGroupMembershipInput{IdentityStoreId: aws.String(env.IdentityStoreID),
		GroupId: g.GroupId, MemberId: &istypes.MemberIdMemberUserId{Value: w.userID}}); err != nil {
		t.Fatalf("CreateGroupMembership: %v", err)
	}

	orgs := env.Organizations()
	if _, err := orgs.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll}); err != nil && code(err) != "AlreadyInOrganizationException" {
		t.Fatalf("CreateOrganization: %v", err)
	}
	account := func(name string) string {
		st, err := orgs.CreateAccount(ctx, &organizations.CreateAccountInput{AccountName: aws.String(name), Email: aws.String(name + "@example.com")})
		if err != nil {
			t.Fatalf("CreateAccount: %v", err)
		}
		d, err := orgs.DescribeCreateAccountStatus(ctx, &organizations.DescribeCreateAccountStatusInput{CreateAccountRequestId: st.CreateAccountStatus.Id})
		if err != nil || d.CreateAccountStatus.AccountId == nil {
			t.Fatalf("DescribeCreateAccountStatus = %+v, %v", d, err)
		}
		return *d.CreateAccountStatus.AccountId
	}
	w.devAccount, w.otherAccount = account("dev-"+userName), account("other-"+userName)

	sa := env.SSOAdmin()
	ps := func(name, duration string) string {
		out, err := sa.CreatePermissionSet(ctx, &ssoadmin.CreatePermissionSetInput{InstanceArn: aws.String(env.InstanceARN),
			Name: aws.String(name + "-" + userName), SessionDuration: aws.String(duration)})
		if err != nil {
			t.Fatalf("CreatePermissionSet: %v", err)
		}
		return *out.PermissionSet.PermissionSetArn
	}
	w.readOnlyARN, w.adminARN = ps("ReadOnly", "PT2H"), ps("Admin", "PT1H")
	assign := func(psARN, account string, pt satypes.PrincipalType, id string) {
		if _, err := sa.CreateAccountAssignment(ctx, &ssoadmin.CreateAccountAssignmentInput{InstanceArn: aws.String(env.InstanceARN),
			PermissionSetArn: aws.String(psARN), TargetId: aws.String(account), TargetType: satypes.TargetTypeAwsAccount,
			PrincipalType: pt, PrincipalId: aws.String(id)}); err != nil {
			t.Fatalf("CreateAccountAssignment: %v", err)
		}
	}
	assign(w.readOnlyARN, w.devAccount, satypes.PrincipalTypeUser, w.userID)
	assign(w.adminARN, w.devAccount, satypes.PrincipalTypeGroup, *g.GroupId)
	return w
}

func (w *world) readOnly() string { return "ReadOnly-" + w.userName }
func (w *world) admin() string    { return "Admin-" + w.userName }

// login signs the user in (MFA off for the instance; the browser tests
// cover MFA) and runs the device flow the way botocore does, returning the
// sso-oidc tokens.
func login(t *testing.T, env *testenv.Env, w *world) *ssooidc.CreateTokenOutput {
	t.Helper()
	tok, _ := loginClient(t, env, w)
	return tok
}

// loginClient is login that also returns the registered client, for
// refreshing the tokens.
func loginClient(t *testing.T, env *testenv.Env, w *world) (*ssooidc.CreateTokenOutput, *ssooidc.RegisterClientOutput) {
	t.Helper()
	return loginWith(t, env, w, anonymous(env))
}

// loginWith is loginClient with the sso-oidc client built from cfg.
func loginWith(t *testing.T, env *testenv.Env, w *world, cfg aws.Config) (*ssooidc.CreateTokenOutput, *ssooidc.RegisterClientOutput) {
	t.Helper()
	oc := ssooidc.NewFromConfig(cfg)
	reg, d := approvedDevice(t, env, signInUser(t, env, w), oc)
	tok, err := oc.CreateToken(t.Context(), &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
		GrantType: aws.String("urn:ietf:params:oauth:grant-type:device_code"), DeviceCode: d.DeviceCode})
	if err != nil {
		t.Fatalf("CreateToken: %v", err)
	}
	return tok, reg
}

// signInUser gives the user a password and signs them in (MFA off for
// the instance; the browser tests cover MFA). Setting the password ends
// the user's other sessions.
func signInUser(t *testing.T, env *testenv.Env, w *world) *idc.Session {
	t.Helper()
	ctx := t.Context()
	a := env.Server.Auth()
	if _, err := a.UpdateSettings(ctx, env.IdentityStoreID, auth.SettingsUpdate{MFAMode: store.MFADisabled}); err != nil {
		t.Fatalf("UpdateSettings: %v", err)
	}
	if err := a.SetPassword(ctx, env.IdentityStoreID, w.userID, password); err != nil {
		t.Fatalf("SetPassword: %v", err)
	}
	res, err := a.SignIn(ctx, auth.SignInInput{IdentityStoreID: env.IdentityStoreID, UserName: w.userName, Password: password, UserAgent: "test"})
	if err != nil || res.Session == nil {
		t.Fatalf("SignIn = %+v, %v", res, err)
	}
	return res.Session.Session
}

// approvedDevice registers a client with oc and starts a device
// authorization that the signed-in session sess approves, ready to redeem.
func approvedDevice(t *testing.T, env *testenv.Env, sess *idc.Session, oc *ssooidc.Client) (*ssooidc.RegisterClientOutput, *ssooidc.StartDeviceAuthorizationOutput) {
	t.Helper()
	ctx := t.Context()
	reg, err := oc.RegisterClient(ctx, &ssooidc.RegisterClientInput{ClientName: aws.String("botocore-client-test"), ClientType: aws.String("public"),
		Scopes: []string{"sso:account:access"}})
	if err != nil {
		t.Fatalf("RegisterClient: %v", err)
	}
	d, err := oc.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
		StartUrl: aws.String(env.URL + "/start")})
	if err != nil {
		t.Fatalf("StartDeviceAuthorization: %v", err)
	}
	if err := env.Server.OAuth().ApproveDevice(ctx, *d.UserCode, sess, ""); err != nil {
		t.Fatalf("ApproveDevice: %v", err)
	}
	return reg, d
}
