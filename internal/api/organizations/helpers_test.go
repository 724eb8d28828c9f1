package organizations_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/smithy-go/middleware"
	"github.com/google/go-cmp/cmp"

	"github.com/idcenter/idcenter/internal/testenv"
)

// fixture is a server with an organization.
type fixture struct {
	env    *testenv.Env
	c      *organizations.Client
	org    *types.Organization
	rootID string
}

func newFixture(t *testing.T, env *testenv.Env) *fixture {
	t.Helper()
	ctx := t.Context()
	c := env.Organizations()
	out, err := c.CreateOrganization(ctx, &organizations.CreateOrganizationInput{})
	if err != nil {
		t.Fatalf("CreateOrganization: %v", err)
	}
	roots, err := c.ListRoots(ctx, &organizations.ListRootsInput{})
	if err != nil || len(roots.Roots) != 1 {
		t.Fatalf("ListRoots = %v, %v; want one root", roots, err)
	}
	return &fixture{env: env, c: c, org: out.Organization, rootID: aws.ToString(roots.Roots[0].Id)}
}

// createAccount creates an account named name (email <name>@example.com)
// under the root and returns its id.
func (f *fixture) createAccount(t *testing.T, name string, tags ...types.Tag) string {
	t.Helper()
	out, err := f.c.CreateAccount(t.Context(), &organizations.CreateAccountInput{
		AccountName: aws.String(name), Email: aws.String(name + "@example.com"), Tags: tags,
	})
	if err != nil {
		t.Fatalf("CreateAccount(%s): %v", name, err)
	}
	if st := out.CreateAccountStatus; st.State != types.CreateAccountStateSucceeded {
		t.Fatalf("CreateAccount(%s) state = %s (%s), want SUCCEEDED", name, st.State, st.FailureReason)
	}
	return aws.ToString(out.CreateAccountStatus.AccountId)
}

// createOU creates an OU and returns its id.
func (f *fixture) createOU(t *testing.T, parentID, name string, tags ...types.Tag) string {
	t.Helper()
	out, err := f.c.CreateOrganizationalUnit(t.Context(), &organizations.CreateOrganizationalUnitInput{
		ParentId: aws.String(parentID), Name: aws.String(name), Tags: tags,
	})
	if err != nil {
		t.Fatalf("CreateOrganizationalUnit(%s): %v", name, err)
	}
	return aws.ToString(out.OrganizationalUnit.Id)
}

// move moves an account.
func (f *fixture) move(t *testing.T, accountID, from, to string) {
	t.Helper()
	if _, err := f.c.MoveAccount(t.Context(), &organizations.MoveAccountInput{
		AccountId: aws.String(accountID), SourceParentId: aws.String(from), DestinationParentId: aws.String(to),
	}); err != nil {
		t.Fatalf("MoveAccount(%s, %s -> %s): %v", accountID, from, to, err)
	}
}

func tag(k, v string) types.Tag { return types.Tag{Key: aws.String(k), Value: aws.String(v)} }

// tagsOf lists every tag of a resource as "k=v".
func tagsOf(t *testing.T, c *organizations.Client, id string) []string {
	t.Helper()
	var out []string
	p := organizations.NewListTagsForResourcePaginator(c, &organizations.ListTagsForResourceInput{ResourceId: aws.String(id)})
	for p.HasMorePages() {
		page, err := p.NextPage(t.Context())
		if err != nil {
			t.Fatalf("ListTagsForResource(%s): %v", id, err)
		}
		for _, tg := range page.Tags {
			out = append(out, aws.ToString(tg.Key)+"="+aws.ToString(tg.Value))
		}
	}
	return out
}

// snapshot renders everything the API shows about the organization, one
// line per fact, so that error cases can check that nothing changed.
func snapshot(t *testing.T, c *organizations.Client) []string {
	t.Helper()
	ctx := t.Context()
	o, err := c.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	if err != nil {
		var e *types.AWSOrganizationsNotInUseException
		if errors.As(err, &e) {
			return []string{"no organization"}
		}
		t.Fatalf("snapshot: DescribeOrganization: %v", err)
	}
	lines := []string{fmt.Sprintf("organization %s %s %s", aws.ToString(o.Organization.Id), o.Organization.FeatureSet, aws.ToString(o.Organization.MasterAccountId))}
	res := func(kind, id, desc string) {
		lines = append(lines, kind+" "+id+" "+desc+" tags="+strings.Join(tagsOf(t, c, id), ","))
	}
	var walk func(parentID string)
	walk = func(parentID string) {
		p := organizations.NewListOrganizationalUnitsForParentPaginator(c, &organizations.ListOrganizationalUnitsForParentInput{ParentId: aws.String(parentID)})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				t.Fatalf("snapshot: ListOrganizationalUnitsForParent(%s): %v", parentID, err)
			}
			for _, u := range page.OrganizationalUnits {
				res("ou", aws.ToString(u.Id), fmt.Sprintf("name=%q path=%s", aws.ToString(u.Name), aws.ToString(u.Path)))
				walk(aws.ToString(u.Id))
			}
		}
	}
	roots, err := c.ListRoots(ctx, &organizations.ListRootsInput{})
	if err != nil {
		t.Fatalf("snapshot: ListRoots: %v", err)
	}
	for _, r := range roots.Roots {
		res("root", aws.ToString(r.Id), fmt.Sprintf("name=%q", aws.ToString(r.Name)))
		walk(aws.ToString(r.Id))
	}
	ap := organizations.NewListAccountsPaginator(c, &organizations.ListAccountsInput{})
	for ap.HasMorePages() {
		page, err := ap.NextPage(ctx)
		if err != nil {
			t.Fatalf("snapshot: ListAccounts: %v", err)
		}
		for _, a := range page.Accounts {
			res("account", aws.ToString(a.Id), fmt.Sprintf("name=%q email=%s status=%s joined=%s paths=%v",
				aws.ToString(a.Name), aws.ToString(a.Email), a.Status, a.JoinedMethod, a.Paths))
		}
	}
	sp := organizations.NewListCreateAccountStatusPaginator(c, &organizations.ListCreateAccountStatusInput{})
	for sp.HasMorePages() {
		page, err := sp.NextPage(ctx)
		if err != nil {
			t.Fatalf("snapshot: ListCreateAccountStatus: %v", err)
		}
		for _, s := range page.CreateAccountStatuses {
			lines = append(lines, fmt.Sprintf("create-account-status %s %s %s %s", aws.ToString(s.Id), s.State, aws.ToString(s.AccountId), s.FailureReason))
		}
	}
	hp := organizations.NewListHandshakesForOrganizationPaginator(c, &organizations.ListHandshakesForOrganizationInput{})
	for hp.HasMorePages() {
		page, err := hp.NextPage(ctx)
		if err != nil {
			t.Fatalf("snapshot: ListHandshakesForOrganization: %v", err)
		}
		for _, h := range page.Handshakes {
			lines = append(lines, fmt.Sprintf("handshake %s %s %s", aws.ToString(h.Id), h.State, h.Action))
		}
	}
	return lines
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

func invalidInput(reason types.InvalidInputExceptionReason) matcher {
	return func(err error) string {
		var e *types.InvalidInputException
		if errors.As(err, &e) && e.Reason == reason {
			return ""
		}
		return "InvalidInputException " + string(reason)
	}
}

func constraint(reason types.ConstraintViolationExceptionReason) matcher {
	return func(err error) string {
		var e *types.ConstraintViolationException
		if errors.As(err, &e) && e.Reason == reason {
			return ""
		}
		return "ConstraintViolationException " + string(reason)
	}
}

func handshakeConstraint(reason types.HandshakeConstraintViolationExceptionReason) matcher {
	return func(err error) string {
		var e *types.HandshakeConstraintViolationException
		if errors.As(err, &e) && e.Reason == reason {
			return ""
		}
		return "HandshakeConstraintViolationException " + string(reason)
	}
}

// errCase is one request that must fail and change nothing.
type errCase struct {
	name string
	call func(ctx context.Context, c *organizations.Client) error
	want matcher
}

// checkErrors runs each case, checking the error it returns and that the
// organization looks the same before and after.
func checkErrors(t *testing.T, c *organizations.Client, cases []errCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := snapshot(t, c)
			err := tc.call(t.Context(), c)
			if want := tc.want(err); want != "" {
				t.Errorf("%s = %v, want %s", tc.name, err, want)
			}
			if d := cmp.Diff(before, snapshot(t, c)); d != "" {
				t.Errorf("%s changed the organization (-before +after):\n%s", tc.name, d)
			}
		})
	}
}

// noClientValidation removes the SDK's client-side check of required
// members, so that the server's own check can be tested.
func noClientValidation(o *organizations.Options) {
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
