package organizations_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/google/go-cmp/cmp"

	"github.com/idcenter/idcenter/internal/testenv"
)

// pageOne walks a listing with MaxResults 1 and returns the ids in order
// and the first NextToken.
func pageOne(t *testing.T, name string, list func(token *string) ([]string, *string, error)) ([]string, string) {
	t.Helper()
	var all []string
	var first string
	var token *string
	for range 1000 {
		ids, next, err := list(token)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(ids) > 1 {
			t.Fatalf("%s returned %d items with MaxResults 1", name, len(ids))
		}
		all = append(all, ids...)
		if next == nil {
			return all, first
		}
		if first == "" {
			first = *next
		}
		token = next
	}
	t.Fatalf("%s: pagination does not end", name)
	return nil, ""
}

func TestPagination(t *testing.T) {
	t.Parallel()
	testenv.Backends(t, func(t *testing.T, env *testenv.Env) {
		ctx := t.Context()
		f := newFixture(t, env)
		c := f.c
		one := aws.Int32(1)

		// 12 accounts in an OU, 12 more OUs beside it, 3 invited accounts.
		parent := f.createOU(t, f.rootID, "parent")
		var inParent, allAccounts, ous, statuses, handshakes []string
		allAccounts = append(allAccounts, env.ManagementAccountID)
		for i := range 12 {
			out, err := c.CreateAccount(ctx, &organizations.CreateAccountInput{Email: aws.String(fmt.Sprintf("p%d@example.com", i)), AccountName: aws.String(fmt.Sprint("p", i))})
			if err != nil {
				t.Fatalf("CreateAccount: %v", err)
			}
			id := aws.ToString(out.CreateAccountStatus.AccountId)
			f.move(t, id, f.rootID, parent)
			inParent = append(inParent, id)
			allAccounts = append(allAccounts, id)
			statuses = append(statuses, aws.ToString(out.CreateAccountStatus.Id))
			ous = append(ous, f.createOU(t, parent, fmt.Sprint("child", i)))
		}
		for i := range 3 {
			id := fmt.Sprintf("1111222233%02d", i)
			out, err := c.InviteAccountToOrganization(ctx, &organizations.InviteAccountToOrganizationInput{
				Target: &types.HandshakeParty{Id: aws.String(id), Type: types.HandshakePartyTypeAccount},
			})
			if err != nil {
				t.Fatalf("InviteAccountToOrganization: %v", err)
			}
			allAccounts = append(allAccounts, id)
			handshakes = append(handshakes, aws.ToString(out.Handshake.Id))
		}

		tokens := map[string]string{}
		for _, tc := range []struct {
			name string
			want []string
			list func(token *string) ([]string, *string, error)
		}{
			{"ListAccounts", allAccounts, func(tok *string) ([]string, *string, error) {
				out, err := c.ListAccounts(ctx, &organizations.ListAccountsInput{MaxResults: one, NextToken: tok})
				if err != nil {
					return nil, nil, err
				}
				return accountIDs(out.Accounts), out.NextToken, nil
			}},
			{"ListAccountsForParent", inParent, func(tok *string) ([]string, *string, error) {
				out, err := c.ListAccountsForParent(ctx, &organizations.ListAccountsForParentInput{ParentId: aws.String(parent), MaxResults: one, NextToken: tok})
				if err != nil {
					return nil, nil, err
				}
				return accountIDs(out.Accounts), out.NextToken, nil
			}},
			{"ListChildren ACCOUNT", inParent, func(tok *string) ([]string, *string, error) {
				out, err := c.ListChildren(ctx, &organizations.ListChildrenInput{ParentId: aws.String(parent), ChildType: types.ChildTypeAccount, MaxResults: one, NextToken: tok})
				if err != nil {
					return nil, nil, err
				}
				return childIDs(out.Children, types.ChildTypeAccount), out.NextToken, nil
			}},
			{"ListChildren ORGANIZATIONAL_UNIT", ous, func(tok *string) ([]string, *string, error) {
				out, err := c.ListChildren(ctx, &organizations.ListChildrenInput{ParentId: aws.String(parent), ChildType: types.ChildTypeOrganizationalUnit, MaxResults: one, NextToken: tok})
				if err != nil {
					return nil, nil, err
				}
				return childIDs(out.Children, types.ChildTypeOrganizationalUnit), out.NextToken, nil
			}},
			{"ListOrganizationalUnitsForParent", ous, func(tok *string) ([]string, *string, error) {
				out, err := c.ListOrganizationalUnitsForParent(ctx, &organizations.ListOrganizationalUnitsForParentInput{ParentId: aws.String(parent), MaxResults: one, NextToken: tok})
				if err != nil {
					return nil, nil, err
				}
				var ids []string
				for _, u := range out.OrganizationalUnits {
					ids = append(ids, aws.ToString(u.Id))
				}
				return ids, out.NextToken, nil
			}},
			{"ListCreateAccountStatus", statuses, func(tok *string) ([]string, *string, error) {
				out, err := c.ListCreateAccountStatus(ctx, &organizations.ListCreateAccountStatusInput{MaxResults: one, NextToken: tok})
				if err != nil {
					return nil, nil, err
				}
				var ids []string
				for _, s := range out.CreateAccountStatuses {
					ids = append(ids, aws.ToString(s.Id))
				}
				return ids, out.NextToken, nil
			}},
			{"ListHandshakesForOrganization", handshakes, func(tok *string) ([]string, *string, error) {
				out, err := c.ListHandshakesForOrganization(ctx, &organizations.ListHandshakesForOrganizationInput{MaxResults: one, NextToken: tok})
				if err != nil {
					return nil, nil, err
				}
				var ids []string
				for _, h := range out.Handshakes {
					ids = append(ids, aws.ToString(h.Id))
				}
				return ids, out.NextToken, nil
			}},
			{"ListRoots", []string{f.rootID}, func(tok *string) ([]string, *string, error) {
				out, err := c.ListRoots(ctx, &organizations.ListRootsInput{MaxResults: one, NextToken: tok})
				if err != nil {
					return nil, nil, err
				}
				var ids []string
				for _, r := range out.Roots {
					ids = append(ids, aws.ToString(r.Id))
				}
				return ids, out.NextToken, nil
			}},
		} {
			got, first := pageOne(t, tc.name, tc.list)
			if d := cmp.Diff(slices.Sorted(slices.Values(tc.want)), got); d != "" {
				t.Errorf("%s with MaxResults 1 (-want +got):\n%s", tc.name, d)
			}
			tokens[tc.name] = first
		}
		// The SDK paginators (MaxResults 20 by default here) agree.
		p := organizations.NewListAccountsPaginator(c, &organizations.ListAccountsInput{})
		var viaPaginator []string
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				t.Fatalf("ListAccounts paginator: %v", err)
			}
			if len(page.Accounts) > 20 {
				t.Errorf("ListAccounts page of %d accounts, want at most 20", len(page.Accounts))
			}
			viaPaginator = append(viaPaginator, accountIDs(page.Accounts)...)
		}
		if d := cmp.Diff(slices.Sorted(slices.Values(allAccounts)), viaPaginator); d != "" {
			t.Errorf("ListAccounts paginator (-want +got):\n%s", d)
		}

		other := f.createOU(t, f.rootID, "other")
		accounts := func(token string) func(ctx context.Context, c *organizations.Client) error {
			return func(ctx context.Context, c *organizations.Client) error {
				_, err := c.ListAccounts(ctx, &organizations.ListAccountsInput{NextToken: aws.String(token)})
				return err
			}
		}
		forParent := func(parentID, token string) func(ctx context.Context, c *organizations.Client) error {
			return func(ctx context.Context, c *organizations.Client) error {
				_, err := c.ListAccountsForParent(ctx, &organizations.ListAccountsForParentInput{ParentId: aws.String(parentID), NextToken: aws.String(token)})
				return err
			}
		}
		children := func(childType types.ChildType, token string) func(ctx context.Context, c *organizations.Client) error {
			return func(ctx context.Context, c *organizations.Client) error {
				_, err := c.ListChildren(ctx, &organizations.ListChildrenInput{ParentId: aws.String(parent), ChildType: childType, NextToken: aws.String(token)})
				return err
			}
		}
		statusesWith := func(states []types.CreateAccountState, token string) func(ctx context.Context, c *organizations.Client) error {
			return func(ctx context.Context, c *organizations.Client) error {
				_, err := c.ListCreateAccountStatus(ctx, &organizations.ListCreateAccountStatusInput{States: states, NextToken: aws.String(token)})
				return err
			}
		}
		maxResults := func(n int32) func(ctx context.Context, c *organizations.Client) error {
			return func(ctx context.Context, c *organizations.Client) error {
				_, err := c.ListAccounts(ctx, &organizations.ListAccountsInput{MaxResults: aws.Int32(n)})
				return err
			}
		}
		badToken := invalidInput(types.InvalidInputExceptionReasonInvalidPaginationToken)
		checkErrors(t, c, []errCase{
			{"tampered token", accounts(tamper(tokens["ListAccounts"])), badToken},
			{"garbage token", accounts("not a token"), badToken},
			{"truncated token", accounts(tokens["ListAccounts"][:10]), badToken},
			{"token of another operation", accounts(tokens["ListAccountsForParent"]), badToken},
			{"token of another parent", forParent(other, tokens["ListAccountsForParent"]), badToken},
			{"token of another child type", children(types.ChildTypeOrganizationalUnit, tokens["ListChildren ACCOUNT"]), badToken},
			{"token of another state filter", statusesWith([]types.CreateAccountState{types.CreateAccountStateFailed}, tokens["ListCreateAccountStatus"]), badToken},
			{"token for ListParents", func(ctx context.Context, c *organizations.Client) error {
				_, err := c.ListParents(ctx, &organizations.ListParentsInput{ChildId: aws.String(parent), NextToken: aws.String(tokens["ListAccounts"])})
				return err
			}, badToken},
			{"MaxResults 0", maxResults(0), invalidInput(types.InvalidInputExceptionReasonMinValueExceeded)},
			{"MaxResults 21", maxResults(21), invalidInput(types.InvalidInputExceptionReasonMaxValueExceeded)},
		})
	})
}

func accountIDs(as []types.Account) []string {
	var ids []string
	for _, a := range as {
		ids = append(ids, aws.ToString(a.Id))
	}
	return ids
}

func childIDs(cs []types.Child, want types.ChildType) []string {
	var ids []string
	for _, c := range cs {
		if c.Type != want {
			ids = append(ids, "wrong type "+string(c.Type))
			continue
		}
		ids = append(ids, aws.ToString(c.Id))
	}
	return ids
}
