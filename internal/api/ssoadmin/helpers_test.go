package ssoadmin_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	istypes "github.com/aws/aws-sdk-go-v2/service/identitystore/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	"github.com/google/go-cmp/cmp"

	"github.com/idcenter/idcenter/internal/testenv"
)

// Well-formed ARNs that name nothing.
const (
	unknownInstance      = "arn:aws:sso:::instance/ssoins-0000000000000000"
	unknownPermissionSet = "arn:aws:sso:::permissionSet/ssoins-0000000000000000/ps-0000000000000000"
	unknownPrincipal     = "0000000000-00000000-0000-4000-8000-000000000000"
	unknownAccount       = "999999999999"
	adminPolicy          = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
	adminAccessARN       = "arn:aws:iam::aws:policy/AdministratorAccess"
	readOnlyAccessARN    = "arn:aws:iam::aws:policy/ReadOnlyAccess"
)

// fixture is a server with an organization, and clients for it.
type fixture struct {
	t    *testing.T
	env  *testenv.Env
	c    *ssoadmin.Client
	ids  *identitystore.Client
	org  *organizations.Client
	inst string // instance ARN
}

func newFixture(t *testing.T, env *testenv.Env) *fixture {
	t.Helper()
	f := &fixture{t: t, env: env, c: env.SSOAdmin(), ids: env.IdentityStore(), org: env.Organizations(), inst: env.InstanceARN}
	if _, err := f.org.CreateOrganization(t.Context(), &organizations.CreateOrganizationInput{}); err != nil {
		t.Fatalf("CreateOrganization: %v", err)
	}
	return f
}

// account creates an organization account and returns its id.
func (f *fixture) account(name string) string {
	f.t.Helper()
	out, err := f.org.CreateAccount(f.t.Context(), &organizations.CreateAccountInput{AccountName: aws.String(name), Email: aws.String(name + "@example.com")})
	if err != nil {
		f.t.Fatalf("CreateAccount(%s): %v", name, err)
	}
	return aws.ToString(out.CreateAccountStatus.AccountId)
}

func (f *fixture) user(name string) string {
	f.t.Helper()
	out, err := f.ids.CreateUser(f.t.Context(), &identitystore.CreateUserInput{
		IdentityStoreId: aws.String(f.env.IdentityStoreID), UserName: aws.String(name), DisplayName: aws.String(name),
		Name: &istypes.Name{GivenName: aws.String("G"), FamilyName: aws.String("F")},
	})
	if err != nil {
		f.t.Fatalf("CreateUser(%s): %v", name, err)
	}
	return aws.ToString(out.UserId)
}

func (f *fixture) group(name string) string {
	f.t.Helper()
	out, err := f.ids.CreateGroup(f.t.Context(), &identitystore.CreateGroupInput{IdentityStoreId: aws.String(f.env.IdentityStoreID), DisplayName: aws.String(name)})
	if err != nil {
		f.t.Fatalf("CreateGroup(%s): %v", name, err)
	}
	return aws.ToString(out.GroupId)
}

// member adds a user to a group and returns the membership id.
func (f *fixture) member(groupID, userID string) string {
	f.t.Helper()
	out, err := f.ids.CreateGroupMembership(f.t.Context(), &identitystore.CreateGroupMembershipInput{
		IdentityStoreId: aws.String(f.env.IdentityStoreID), GroupId: aws.String(groupID), MemberId: &istypes.MemberIdMemberUserId{Value: userID},
	})
	if err != nil {
		f.t.Fatalf("CreateGroupMembership: %v", err)
	}
	return aws.ToString(out.MembershipId)
}

// permissionSet creates a permission set and returns its ARN.
func (f *fixture) permissionSet(name string) string {
	f.t.Helper()
	out, err := f.c.CreatePermissionSet(f.t.Context(), &ssoadmin.CreatePermissionSetInput{InstanceArn: aws.String(f.inst), Name: aws.String(name)})
	if err != nil {
		f.t.Fatalf("CreatePermissionSet(%s): %v", name, err)
	}
	return aws.ToString(out.PermissionSet.PermissionSetArn)
}

// assign creates an assignment and checks that its status succeeded.
func (f *fixture) assign(account, ps string, typ types.PrincipalType, principal string) {
	f.t.Helper()
	st := f.createAssignment(account, ps, typ, principal)
	if st.Status != types.StatusValuesSucceeded {
		f.t.Fatalf("CreateAccountAssignment(%s, %s, %s) status = %s (%s), want SUCCEEDED", account, typ, principal, st.Status, aws.ToString(st.FailureReason))
	}
}

// createAssignment creates an assignment and returns its recorded status.
func (f *fixture) createAssignment(account, ps string, typ types.PrincipalType, principal string) *types.AccountAssignmentOperationStatus {
	f.t.Helper()
	ctx := f.t.Context()
	out, err := f.c.CreateAccountAssignment(ctx, &ssoadmin.CreateAccountAssignmentInput{
		InstanceArn: aws.String(f.inst), TargetId: aws.String(account), TargetType: types.TargetTypeAwsAccount,
		PermissionSetArn: aws.String(ps), PrincipalType: typ, PrincipalId: aws.String(principal),
	})
	if err != nil {
		f.t.Fatalf("CreateAccountAssignment: %v", err)
	}
	if s := out.AccountAssignmentCreationStatus.Status; s != types.StatusValuesInProgress {
		f.t.Errorf("CreateAccountAssignment status = %s, want IN_PROGRESS", s)
	}
	d, err := f.c.DescribeAccountAssignmentCreationStatus(ctx, &ssoadmin.DescribeAccountAssignmentCreationStatusInput{
		InstanceArn: aws.String(f.inst), AccountAssignmentCreationRequestId: out.AccountAssignmentCreationStatus.RequestId,
	})
	if err != nil {
		f.t.Fatalf("DescribeAccountAssignmentCreationStatus: %v", err)
	}
	return d.AccountAssignmentCreationStatus
}

// unassign deletes an assignment and returns its recorded status.
func (f *fixture) unassign(account, ps string, typ types.PrincipalType, principal string) *types.AccountAssignmentOperationStatus {
	f.t.Helper()
	ctx := f.t.Context()
	out, err := f.c.DeleteAccountAssignment(ctx, &ssoadmin.DeleteAccountAssignmentInput{
		InstanceArn: aws.String(f.inst), TargetId: aws.String(account), TargetType: types.TargetTypeAwsAccount,
		PermissionSetArn: aws.String(ps), PrincipalType: typ, PrincipalId: aws.String(principal),
	})
	if err != nil {
		f.t.Fatalf("DeleteAccountAssignment: %v", err)
	}
	d, err := f.c.DescribeAccountAssignmentDeletionStatus(ctx, &ssoadmin.DescribeAccountAssignmentDeletionStatusInput{
		InstanceArn: aws.String(f.inst), AccountAssignmentDeletionRequestId: out.AccountAssignmentDeletionStatus.RequestId,
	})
	if err != nil {
		f.t.Fatalf("DescribeAccountAssignmentDeletionStatus: %v", err)
	}
	return d.AccountAssignmentDeletionStatus
}

// snapshot renders everything sso-admin shows about the bootstrap
// instance, one line per fact, so that error cases can check that nothing
// changed.
func (f *fixture) snapshot() []string {
	t := f.t
	t.Helper()
	ctx := t.Context()
	inst := aws.String(f.inst)
	var lines []string
	add := func(format string, args ...any) { lines = append(lines, fmt.Sprintf(format, args...)) }
	d, err := f.c.DescribeInstance(ctx, &ssoadmin.DescribeInstanceInput{InstanceArn: inst})
	if err != nil {
		t.Fatalf("snapshot: DescribeInstance: %v", err)
	}
	add("instance name=%q", aws.ToString(d.Name))
	is, err := f.c.ListInstances(ctx, &ssoadmin.ListInstancesInput{})
	if err != nil {
		t.Fatalf("snapshot: ListInstances: %v", err)
	}
	add("instances=%d", len(is.Instances))
	if a, err := f.c.DescribeInstanceAccessControlAttributeConfiguration(ctx, &ssoadmin.DescribeInstanceAccessControlAttributeConfigurationInput{InstanceArn: inst}); err == nil {
		for _, x := range a.InstanceAccessControlAttributeConfiguration.AccessControlAttributes {
			add("abac %s=%v", aws.ToString(x.Key), x.Value.Source)
		}
	}
	add("tags %v", f.tags(f.inst))
	pss := f.allPermissionSets()
	for _, ps := range pss {
		p := aws.String(ps)
		dp, err := f.c.DescribePermissionSet(ctx, &ssoadmin.DescribePermissionSetInput{InstanceArn: inst, PermissionSetArn: p})
		if err != nil {
			t.Fatalf("snapshot: DescribePermissionSet: %v", err)
		}
		x := dp.PermissionSet
		add("ps %s name=%s desc=%q dur=%s relay=%q", ps, aws.ToString(x.Name), aws.ToString(x.Description), aws.ToString(x.SessionDuration), aws.ToString(x.RelayState))
		ip, err := f.c.GetInlinePolicyForPermissionSet(ctx, &ssoadmin.GetInlinePolicyForPermissionSetInput{InstanceArn: inst, PermissionSetArn: p})
		if err != nil {
			t.Fatalf("snapshot: GetInlinePolicyForPermissionSet: %v", err)
		}
		add("  inline %q", aws.ToString(ip.InlinePolicy))
		mp, err := f.c.ListManagedPoliciesInPermissionSet(ctx, &ssoadmin.ListManagedPoliciesInPermissionSetInput{InstanceArn: inst, PermissionSetArn: p})
		if err != nil {
			t.Fatalf("snapshot: ListManagedPoliciesInPermissionSet: %v", err)
		}
		for _, m := range mp.AttachedManagedPolicies {
			add("  managed %s", aws.ToString(m.Arn))
		}
		cm, err := f.c.ListCustomerManagedPolicyReferencesInPermissionSet(ctx, &ssoadmin.ListCustomerManagedPolicyReferencesInPermissionSetInput{InstanceArn: inst, PermissionSetArn: p})
		if err != nil {
			t.Fatalf("snapshot: ListCustomerManagedPolicyReferencesInPermissionSet: %v", err)
		}
		for _, r := range cm.CustomerManagedPolicyReferences {
			add("  customer %s%s", aws.ToString(r.Path), aws.ToString(r.Name))
		}
		if b, err := f.c.GetPermissionsBoundaryForPermissionSet(ctx, &ssoadmin.GetPermissionsBoundaryForPermissionSetInput{InstanceArn: inst, PermissionSetArn: p}); err == nil {
			add("  boundary %s %v", aws.ToString(b.PermissionsBoundary.ManagedPolicyArn), b.PermissionsBoundary.CustomerManagedPolicyReference != nil)
		}
		add("  tags %v", f.tags(ps))
		for _, st := range []types.ProvisioningStatus{types.ProvisioningStatusLatestPermissionSetProvisioned, types.ProvisioningStatusLatestPermissionSetNotProvisioned} {
			pa, err := f.c.ListAccountsForProvisionedPermissionSet(ctx, &ssoadmin.ListAccountsForProvisionedPermissionSetInput{InstanceArn: inst, PermissionSetArn: p, ProvisioningStatus: st})
			if err != nil {
				t.Fatalf("snapshot: ListAccountsForProvisionedPermissionSet: %v", err)
			}
			add("  provisioned %s %v", st, pa.AccountIds)
			for _, acct := range pa.AccountIds {
				la, err := f.c.ListAccountAssignments(ctx, &ssoadmin.ListAccountAssignmentsInput{InstanceArn: inst, AccountId: aws.String(acct), PermissionSetArn: p})
				if err != nil {
					t.Fatalf("snapshot: ListAccountAssignments: %v", err)
				}
				for _, a := range la.AccountAssignments {
					add("  assignment %s %s %s", acct, a.PrincipalType, aws.ToString(a.PrincipalId))
				}
			}
		}
	}
	cs, err := f.c.ListAccountAssignmentCreationStatus(ctx, &ssoadmin.ListAccountAssignmentCreationStatusInput{InstanceArn: inst})
	if err != nil {
		t.Fatalf("snapshot: ListAccountAssignmentCreationStatus: %v", err)
	}
	ds, err := f.c.ListAccountAssignmentDeletionStatus(ctx, &ssoadmin.ListAccountAssignmentDeletionStatusInput{InstanceArn: inst})
	if err != nil {
		t.Fatalf("snapshot: ListAccountAssignmentDeletionStatus: %v", err)
	}
	ps, err := f.c.ListPermissionSetProvisioningStatus(ctx, &ssoadmin.ListPermissionSetProvisioningStatusInput{InstanceArn: inst})
	if err != nil {
		t.Fatalf("snapshot: ListPermissionSetProvisioningStatus: %v", err)
	}
	add("statuses create=%d delete=%d provision=%d", len(cs.AccountAssignmentsCreationStatus), len(ds.AccountAssignmentsDeletionStatus), len(ps.PermissionSetsProvisioningStatus))
	rs, err := f.c.ListRegions(ctx, &ssoadmin.ListRegionsInput{InstanceArn: inst})
	if err != nil {
		t.Fatalf("snapshot: ListRegions: %v", err)
	}
	for _, r := range rs.Regions {
		add("region %s", aws.ToString(r.RegionName))
	}
	return lines
}

func (f *fixture) tags(arn string) []string {
	f.t.Helper()
	out, err := f.c.ListTagsForResource(f.t.Context(), &ssoadmin.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
	if err != nil {
		f.t.Fatalf("ListTagsForResource(%s): %v", arn, err)
	}
	var tags []string
	for _, tg := range out.Tags {
		tags = append(tags, aws.ToString(tg.Key)+"="+aws.ToString(tg.Value))
	}
	return tags
}

func (f *fixture) allPermissionSets() []string {
	f.t.Helper()
	var out []string
	p := ssoadmin.NewListPermissionSetsPaginator(f.c, &ssoadmin.ListPermissionSetsInput{InstanceArn: aws.String(f.inst)})
	for p.HasMorePages() {
		page, err := p.NextPage(f.t.Context())
		if err != nil {
			f.t.Fatalf("ListPermissionSets: %v", err)
		}
		out = append(out, page.PermissionSets...)
	}
	slices.Sort(out)
	return out
}

// matcher reports "" when err is the wanted error, else what was wanted.
type matcher func(err error) string

// is matches the SDK exception type E (a pointer type).
func is[E error]() matcher {
	return func(err error) string {
		var e E
		if errors.As(err, &e) {
			return ""
		}
		return fmt.Sprintf("%T", e)
	}
}

// code matches an API error by its code (for exceptions the SDK does not
// model, such as UnknownOperationException).
func code(c string) matcher {
	return func(err error) string {
		var e smithy.APIError
		if errors.As(err, &e) && e.ErrorCode() == c {
			return ""
		}
		return c
	}
}

var (
	notFound   = is[*types.ResourceNotFoundException]()
	validation = is[*types.ValidationException]()
	conflict   = is[*types.ConflictException]()
	quota      = is[*types.ServiceQuotaExceededException]()
)

// errCase is one request that must fail and change nothing.
type errCase struct {
	name string
	call func(ctx context.Context, c *ssoadmin.Client) error
	want matcher
}

// checkErrors runs each case, checking the error and that the instance
// looks the same before and after.
func (f *fixture) checkErrors(cases []errCase) {
	f.t.Helper()
	for _, tc := range cases {
		f.t.Run(tc.name, func(t *testing.T) {
			g := *f
			g.t = t
			before := g.snapshot()
			err := tc.call(t.Context(), f.c)
			if want := tc.want(err); want != "" {
				t.Errorf("%s = %v, want %s", tc.name, err, want)
			}
			if d := cmp.Diff(before, g.snapshot()); d != "" {
				t.Errorf("%s changed the instance (-before +after):\n%s", tc.name, d)
			}
		})
	}
}

// noClientValidation removes the SDK's client-side check of required
// members, so that the server's own check can be tested.
func noClientValidation(o *ssoadmin.Options) {
	o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
		_, err := s.Initialize.Remove("OperationInputValidation")
		return err
	})
}

// tamper flips one character of a token.
func tamper(tok string) string {
	b := []byte(tok)
	i := len(b) / 2
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}

func joinSorted(s []string) string {
	s = slices.Clone(s)
	slices.Sort(s)
	return strings.Join(s, ",")
}
