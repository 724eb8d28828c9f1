package organizations_test

import (
	"context"
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/google/go-cmp/cmp"

	"github.com/idcenter/idcenter/internal/testenv"
)

// Patterns of the model's ARN and id shapes.
var (
	orgARN     = regexp.MustCompile(`^arn:aws:organizations::\d{12}:organization/o-[a-z0-9]{10,32}$`)
	rootARN    = regexp.MustCompile(`^arn:aws:organizations::\d{12}:root/o-[a-z0-9]{10,32}/r-[0-9a-z]{4,32}$`)
	accountARN = regexp.MustCompile(`^arn:aws:organizations::\d{12}:account/o-[a-z0-9]{10,32}/\d{12}$`)
	ouARN      = regexp.MustCompile(`^arn:aws:organizations::\d{12}:ou/o-[a-z0-9]{10,32}/ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}$`)
	hsARN      = regexp.MustCompile(`^arn:aws:organizations::\d{12}:handshake/o-[a-z0-9]{10,32}/invite/h-[0-9a-z]{8,32}$`)
)

func TestNotInUse(t *testing.T) {
	t.Parallel()
	testenv.Backends(t, func(t *testing.T, env *testenv.Env) {
		c := env.Organizations()
		notInUse := is[*types.AWSOrganizationsNotInUseException]()
		id := aws.String(env.ManagementAccountID)
		cases := []errCase{
			{"DescribeOrganization", func(ctx context.Context, c *organizations.Client) error {
				_, err := c.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
				return err
			}, notInUse},
			{"DeleteOrganization", func(ctx context.Context, c *organizations.Client) error {
				_, err := c.DeleteOrganization(ctx, &organizations.DeleteOrganizationInput{})
				return err
			}, notInUse},
			{"ListRoots", func(ctx context.Context, c *organizations.Client) error {
				_, err := c.ListRoots(ctx, &organizations.ListRootsInput{})
				return err
			}, notInUse},
			{"CreateAccount", func(ctx context.Context, c *organizations.Client) error {
				_, err := c.CreateAccount(ctx, &organizations.CreateAccountInput{Email: aws.String("a@example.com"), AccountName: aws.String("a")})
				return err
			}, notInUse},
			{"DescribeCreateAccountStatus", func(ctx context.Context, c *organizations.Client) error {
				_, err := c.DescribeCreateAccountStatus(ctx, &organizations.DescribeCreateAccountStatusInput{CreateAccountRequestId: aws.String("car-12345678")})
				return err
			}, notInUse},
			{"ListCreateAccountStatus", func(ctx context.Context, c *organizations.Client) error {
				_, err := c.ListCreateAccountStatus(ctx, &organizations.ListCreateAccountStatusInput{})
				return err
			}, notInUse},
			{"DescribeAccount", func(ctx context.Context, c *organizations.Client) error {
				_, err := c.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: id})
				return err
			}, notInUse},
			{"ListAccounts", func(ctx context.Context, c *organizations.Client) error {
				_, err := c.ListAccounts(ctx, &organizations.ListAccountsInput{})
				return err
			}, notInUse},
			{"ListAccountsForParent", func(ctx context.Context, c *organizations.Client) error {
				_, err := c.ListAccountsForParent(ctx, &organizations.ListAccountsForParentInput{ParentId: aws.String("r-abcd")})
				return err
			}, notInUse},
			{"CreateOrganizationalUnit", func(ctx context.Context, c *organizations.Client) error {
				_, err := c.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: aws.String("r-abcd"), Name: aws.String("x")})
				return err
			}, notInUse},
			{"DescribeOrganizationalUnit", func(ctx context.Context, c *organizations.Client) error {
				_, err := c.DescribeOrganizationalUnit(ctx, &organizations.DescribeOrganizationalUnitInput{OrganizationalUnitId: aws.String("ou-abcd-12345678")})
				return err
			}, notInUse},
			{"UpdateOrganizationalUnit", func(ctx context.Context, c *organizations.Client) error {
				_, err := c.UpdateOrganizationalUnit(ctx, &organizations.UpdateOrganizationalUnitInput{OrganizationalUnitId: aws.String("ou-abcd-12345678"), Name: aws.String("y")})
				return err
			}, notInUse},
			{"DeleteOrganizationalUnit", func(ctx context.Context, c *organizations.Client) error {
				_, err := c.DeleteOrganizationalUnit(ctx, &organizations.DeleteOrganizationalUnitInput{OrganizationalUnitId: aws.String("ou-abcd-12345678")})
				return err
			}, notInUse},
			{"ListOrganizationalUnitsForParent", func(ctx context.Context, c *organizations.Client) error {
				_, err := c.ListOrganizationalUnitsForParent(ctx, &organizations.ListOrganizationalUnitsForParentInput{ParentId: aws.String("r-abcd")})
				return err
			}, notInUse},
			{"ListParents", func(ctx context.Context, c *organizations.Client) error {
				_, err := c.ListParents(ctx, &organizations.ListParentsInput{ChildId: id})
				return err
			}, notInUse},
			{"ListChildren", func(ctx context.Context, c *organizations.Client) error {
				_, err := c.ListChildren(ctx, &organizations.ListChildrenInput{ParentId: aws.String("r-abcd"), ChildType: types.ChildTypeAccount})
				return err
			}, notInUse},
			{"MoveAccount", func(ctx context.Context, c *organizations.Client) error {
				_, err := c.MoveAccount(ctx, &organizations.MoveAccountInput{AccountId: id, SourceParentId: aws.String("r-abcd"), DestinationParentId: aws.String("ou-abcd-12345678")})
				return err
			}, notInUse},
			{"RemoveAccountFromOrganization", func(ctx context.Context, c *organizations.Client) error {
				_, err := c.RemoveAccountFromOrganization(ctx, &organizations.RemoveAccountFromOrganizationInput{AccountId: id})
				return err
			}, notInUse},
			{"CloseAccount", func(ctx context.Context, c *organizations.Client) error {
				_, err := c.CloseAccount(ctx, &organizations.CloseAccountInput{AccountId: id})
				return err
			}, notInUse},
			{"TagResource", func(ctx context.Context, c *organizations.Client) error {
				_, err := c.TagResource(ctx, &organizations.TagResourceInput{ResourceId: id, Tags: []types.Tag{tag("k", "v")}})
				return err
			}, notInUse},
			{"UntagResource", func(ctx context.Context, c *organizations.Client) error {
				_, err := c.UntagResource(ctx, &organizations.UntagResourceInput{ResourceId: id, TagKeys: []string{"k"}})
				return err
			}, notInUse},
			{"ListTagsForResource", func(ctx context.Context, c *organizations.Client) error {
				_, err := c.ListTagsForResource(ctx, &organizations.ListTagsForResourceInput{ResourceId: id})
				return err
			}, notInUse},
			{"InviteAccountToOrganization", func(ctx context.Context, c *organizations.Client) error {
				_, err := c.InviteAccountToOrganization(ctx, &organizations.InviteAccountToOrganizationInput{
					Target: &types.HandshakeParty{Id: aws.String("111122223333"), Type: types.HandshakePartyTypeAccount}})
				return err
			}, notInUse},
			{"ListHandshakesForOrganization", func(ctx context.Context, c *organizations.Client) error {
				_, err := c.ListHandshakesForOrganization(ctx, &organizations.ListHandshakesForOrganizationInput{})
				return err
			}, notInUse},
			// AWS does not model AWSOrganizationsNotInUseException here.
			{"DescribeHandshake", func(ctx context.Context, c *organizations.Client) error {
				_, err := c.DescribeHandshake(ctx, &organizations.DescribeHandshakeInput{HandshakeId: aws.String("h-1234567890")})
				return err
			}, is[*types.HandshakeNotFoundException]()},
		}
		checkErrors(t, c, cases)
	})
}

func TestOrganizationLifecycle(t *testing.T) {
	t.Parallel()
	testenv.Backends(t, func(t *testing.T, env *testenv.Env) {
		ctx := t.Context()
		c := env.Organizations()
		mgmt := env.ManagementAccountID

		out, err := c.CreateOrganization(ctx, &organizations.CreateOrganizationInput{})
		if err != nil {
			t.Fatalf("CreateOrganization: %v", err)
		}
		o := out.Organization
		if o.FeatureSet != types.OrganizationFeatureSetAll || aws.ToString(o.MasterAccountId) != mgmt ||
			!orgARN.MatchString(aws.ToString(o.Arn)) || !accountARN.MatchString(aws.ToString(o.MasterAccountArn)) ||
			aws.ToString(o.MasterAccountEmail) != mgmt+"@idcenter.invalid" {
			t.Errorf("CreateOrganization = %+v; want feature set ALL, management account %s, AWS ARNs", o, mgmt)
		}
		desc, err := c.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
		if err != nil {
			t.Fatalf("DescribeOrganization: %v", err)
		}
		if aws.ToString(desc.Organization.Id) != aws.ToString(o.Id) || aws.ToString(desc.Organization.Arn) != aws.ToString(o.Arn) {
			t.Errorf("DescribeOrganization = %+v, want %+v", desc.Organization, o)
		}

		roots, err := c.ListRoots(ctx, &organizations.ListRootsInput{})
		if err != nil || len(roots.Roots) != 1 || roots.NextToken != nil {
			t.Fatalf("ListRoots = %+v, %v; want one root", roots, err)
		}
		root := roots.Roots[0]
		if aws.ToString(root.Name) != "Root" || !rootARN.MatchString(aws.ToString(root.Arn)) {
			t.Errorf("root = %+v", root)
		}
		rootID := aws.ToString(root.Id)

		// The management account is a member, in the root.
		acct, err := c.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String(mgmt)})
		if err != nil {
			t.Fatalf("DescribeAccount(management): %v", err)
		}
		a := acct.Account
		wantPath := aws.ToString(o.Id) + "/" + rootID + "/" + mgmt + "/"
		if a.JoinedMethod != types.AccountJoinedMethodCreated || a.Status != types.AccountStatusActive || a.State != types.AccountStateActive ||
			aws.ToString(a.Arn) != aws.ToString(o.MasterAccountArn) || a.JoinedTimestamp == nil || !cmp.Equal(a.Paths, []string{wantPath}) {
			t.Errorf("management account = %+v; want CREATED, ACTIVE, path %s", a, wantPath)
		}
		list, err := c.ListAccounts(ctx, &organizations.ListAccountsInput{})
		if err != nil || len(list.Accounts) != 1 || aws.ToString(list.Accounts[0].Id) != mgmt {
			t.Errorf("ListAccounts = %+v, %v; want the management account", list, err)
		}
		children, err := c.ListChildren(ctx, &organizations.ListChildrenInput{ParentId: aws.String(rootID), ChildType: types.ChildTypeAccount})
		if err != nil || len(children.Children) != 1 || aws.ToString(children.Children[0].Id) != mgmt {
			t.Errorf("ListChildren(root, ACCOUNT) = %+v, %v; want the management account", children, err)
		}

		// Errors that change nothing.
		f := &fixture{env: env, c: c, org: o, rootID: rootID}
		member := f.createAccount(t, "member")
		checkErrors(t, c, []errCase{
			{"CreateOrganization again", func(ctx context.Context, c *organizations.Client) error {
				_, err := c.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: types.OrganizationFeatureSetConsolidatedBilling})
				return err
			}, is[*types.AlreadyInOrganizationException]()},
			{"DeleteOrganization with a member", func(ctx context.Context, c *organizations.Client) error {
				_, err := c.DeleteOrganization(ctx, &organizations.DeleteOrganizationInput{})
				return err
			}, is[*types.OrganizationNotEmptyException]()},
			{"CreateOrganization with a bad feature set", func(ctx context.Context, c *organizations.Client) error {
				_, err := c.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: "NONE"})
				return err
			}, invalidInput(types.InvalidInputExceptionReasonInvalidEnum)},
		})

		// Once the member has gone, the organization (with its OUs and
		// the root's tags) can be deleted, and a new one created.
		ou := f.createOU(t, rootID, "ou", tag("k", "v"))
		if _, err := c.RemoveAccountFromOrganization(ctx, &organizations.RemoveAccountFromOrganizationInput{AccountId: aws.String(member)}); err != nil {
			t.Fatalf("RemoveAccountFromOrganization: %v", err)
		}
		if _, err := c.DeleteOrganization(ctx, &organizations.DeleteOrganizationInput{}); err != nil {
			t.Fatalf("DeleteOrganization: %v", err)
		}
		if got := snapshot(t, c); !cmp.Equal(got, []string{"no organization"}) {
			t.Errorf("after DeleteOrganization: %v", got)
		}
		again, err := c.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: types.OrganizationFeatureSetConsolidatedBilling})
		if err != nil {
			t.Fatalf("CreateOrganization after delete: %v", err)
		}
		if aws.ToString(again.Organization.Id) == aws.ToString(o.Id) || again.Organization.FeatureSet != types.OrganizationFeatureSetConsolidatedBilling {
			t.Errorf("new organization = %+v; want a new id and CONSOLIDATED_BILLING", again.Organization)
		}
		if _, err := c.DescribeOrganizationalUnit(ctx, &organizations.DescribeOrganizationalUnitInput{OrganizationalUnitId: aws.String(ou)}); err == nil {
			t.Errorf("OU %s survived DeleteOrganization", ou)
		}
	})
}
