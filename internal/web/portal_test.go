package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	satypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"

	"github.com/idcenter/idcenter/internal/access"
	"github.com/idcenter/idcenter/internal/keys"
	"github.com/idcenter/idcenter/internal/org"
	"github.com/idcenter/idcenter/internal/server"
	"github.com/idcenter/idcenter/internal/testenv"
	"github.com/idcenter/idcenter/internal/web"
)

func TestPortal(t *testing.T) {
	env, clk := newEnv(t, "sqlite")
	ctx := t.Context()
	userID := createUser(t, env, "lena", password)

	// An organization with two accounts; two permission sets assigned to
	// lena in one of them, nothing in the other.
	orgs := env.Organizations()
	if _, err := orgs.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll}); err != nil {
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
	dev, other := account("Development"), account("Production")
	sa := env.SSOAdmin()
	for _, name := range []string{"ReadOnly", "PowerUser"} {
		ps, err := sa.CreatePermissionSet(ctx, &ssoadmin.CreatePermissionSetInput{InstanceArn: aws.String(env.InstanceARN), Name: aws.String(name), SessionDuration: aws.String("PT2H")})
		if err != nil {
			t.Fatalf("CreatePermissionSet: %v", err)
		}
		if _, err := sa.CreateAccountAssignment(ctx, &ssoadmin.CreateAccountAssignmentInput{InstanceArn: aws.String(env.InstanceARN),
			PermissionSetArn: ps.PermissionSet.PermissionSetArn, TargetId: aws.String(dev), TargetType: satypes.TargetTypeAwsAccount,
			PrincipalType: satypes.PrincipalTypeUser, PrincipalId: aws.String(userID)}); err != nil {
			t.Fatalf("CreateAccountAssignment: %v", err)
		}
	}

	kr, _ := keys.New(keys.Generate())
	h, err := web.New(web.Options{
		Auth: env.Server.Auth(), Keys: kr, IdentityStoreID: env.IdentityStoreID, InstanceName: "Acme Corp",
		PublicURL: &url.URL{Scheme: "http", Host: "localhost"}, Now: clk.Now,
		Credentials:  env.Server.Creds(),
		Entitlements: server.PortalAccounts(access.New(env.Store), org.New(env.Store, env.ManagementAccountID)),
	})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	h.Mount(mux)
	hs := httptest.NewServer(mux)
	t.Cleanup(hs.Close)
	b := newBrowser(t, &testenv.Env{URL: hs.URL}, clk)
	b.signIn("lena", password, "")

	p := b.get("/start")
	for _, want := range []string{"<title>AWS access portal · Acme Corp</title>", "Development", dev, "Development@example.com", "ReadOnly", "PowerUser",
		"/start/credentials?account_id=" + dev + "&amp;role_name=ReadOnly", "1 of 1 accounts"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("/start lacks %q", want)
		}
	}
	if strings.Contains(p.body, other) {
		t.Errorf("/start lists an account with nothing assigned")
	}
	for q, want := range map[string]string{"develop": "Development", dev[:6]: "Development", "poweruser": "PowerUser", "nothing-like-this": "No account matches"} {
		if p := b.get("/start?q=" + url.QueryEscape(q)); !strings.Contains(p.body, want) {
			t.Errorf("/start?q=%s lacks %q", q, want)
		}
	}

	p = b.get("/start/credentials?account_id=" + dev + "&role_name=ReadOnly")
	for _, want := range []string{`export AWS_ACCESS_KEY_ID="ASIA`, "export AWS_SECRET_ACCESS_KEY=", "export AWS_SESSION_TOKEN=",
		"[" + dev + "_ReadOnly]", "aws_access_key_id = ASIA", "Development (" + dev + ")"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("credentials page lacks %q", want)
		}
	}
	if p.status != http.StatusOK || p.header.Get("Cache-Control") != "no-store" {
		t.Errorf("credentials page = %d, Cache-Control %q", p.status, p.header.Get("Cache-Control"))
	}
	for _, tc := range []struct {
		query  string
		status int
	}{
		{"account_id=" + other + "&role_name=ReadOnly", http.StatusForbidden},
		{"account_id=" + dev + "&role_name=Admin", http.StatusForbidden},
		{"account_id=12&role_name=ReadOnly", http.StatusBadRequest},
		{"account_id=" + dev + "&role_name=" + url.QueryEscape("<script>"), http.StatusBadRequest},
	} {
		if p := b.get("/start/credentials?" + tc.query); p.status != tc.status {
			t.Errorf("credentials?%s = %d, want %d", tc.query, p.status, tc.status)
		}
	}
}
