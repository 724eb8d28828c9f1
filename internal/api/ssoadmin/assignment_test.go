package ssoadmin_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
	"github.com/google/go-cmp/cmp"

	"github.com/idcenter/idcenter/internal/testenv"
)

func TestAccountAssignments(t *testing.T) {
	testenv.Backends(t, func(t *testing.T, env *testenv.Env) {
		f := newFixture(t, env)
		ctx := t.Context()
		inst := aws.String(f.inst)
		a1, a2 := f.account("one"), f.account("two")
		ps := f.permissionSet("Dev")
		u := f.user("alice")
		g := f.group("devs")

		f.assign(a1, ps, types.PrincipalTypeUser, u)
		f.assign(a1, ps, types.PrincipalTypeGroup, g)
		f.assign(a2, ps, types.PrincipalTypeGroup, g)
		// Creating an existing assignment succeeds and changes nothing.
		f.assign(a2, ps, types.PrincipalTypeGroup, g)

		la, err := f.c.ListAccountAssignments(ctx, &ssoadmin.ListAccountAssignmentsInput{InstanceArn: inst, AccountId: aws.String(a1), PermissionSetArn: aws.String(ps)})
		if err != nil {
			t.Fatalf("ListAccountAssignments: %v", err)
		}
		var got []string
		for _, a := range la.AccountAssignments {
			got = append(got, fmt.Sprintf("%s %v %s %s", aws.ToString(a.AccountId), aws.ToString(a.PermissionSetArn) == ps, a.PrincipalType, aws.ToString(a.PrincipalId)))
		}
		want := []string{a1 + " true GROUP " + g, a1 + " true USER " + u}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("ListAccountAssignments (-want +got):\n%s", d)
		}

		lp, err := f.c.ListAccountAssignmentsForPrincipal(ctx, &ssoadmin.ListAccountAssignmentsForPrincipalInput{InstanceArn: inst, PrincipalType: types.PrincipalTypeGroup, PrincipalId: aws.String(g)})
		if err != nil {
			t.Fatalf("ListAccountAssignmentsForPrincipal: %v", err)
		}
		got = nil
		for _, a := range lp.AccountAssignments {
			got = append(got, aws.ToString(a.AccountId))
		}
		if d := cmp.Diff([]string{min(a1, a2), max(a1, a2)}, got); d != "" {
			t.Errorf("ListAccountAssignmentsForPrincipal (-want +got):\n%s", d)
		}
		lp, err = f.c.ListAccountAssignmentsForPrincipal(ctx, &ssoadmin.ListAccountAssignmentsForPrincipalInput{InstanceArn: inst, PrincipalType: types.PrincipalTypeGroup, PrincipalId: aws.String(g),
			Filter: &types.ListAccountAssignmentsFilter{AccountId: aws.String(a2)}})
		if err != nil || len(lp.AccountAssignments) != 1 || aws.ToString(lp.AccountAssignments[0].AccountId) != a2 {
			t.Errorf("ListAccountAssignmentsForPrincipal(filter %s) = %+v, %v; want one in that account", a2, lp, err)
		}

		// Provisioned implicitly to both accounts.
		accts := func() []string {
			out, err := f.c.ListAccountsForProvisionedPermissionSet(ctx, &ssoadmin.ListAccountsForProvisionedPermissionSetInput{InstanceArn: inst, PermissionSetArn: aws.String(ps)})
			if err != nil {
				t.Fatalf("ListAccountsForProvisionedPermissionSet: %v", err)
			}
			return out.AccountIds
		}
		if got := accts(); joinSorted(got) != joinSorted([]string{a1, a2}) {
			t.Errorf("ListAccountsForProvisionedPermissionSet = %v, want %s and %s", got, a1, a2)
		}
		pp, err := f.c.ListPermissionSetsProvisionedToAccount(ctx, &ssoadmin.ListPermissionSetsProvisionedToAccountInput{InstanceArn: inst, AccountId: aws.String(a2)})
		if err != nil || cmp.Diff([]string{ps}, pp.PermissionSets) != "" {
			t.Errorf("ListPermissionSetsProvisionedToAccount = %v, %v; want [%s]", pp, err, ps)
		}

		// Deleting the last assignment in a2 deprovisions the permission set there.
		if st := f.unassign(a2, ps, types.PrincipalTypeGroup, g); st.Status != types.StatusValuesSucceeded {
			t.Fatalf("DeleteAccountAssignment status = %s (%s)", st.Status, aws.ToString(st.FailureReason))
		}
		if got := accts(); cmp.Diff([]string{a1}, got) != "" {
			t.Errorf("after deleting the last assignment in %s, provisioned accounts = %v, want [%s]", a2, got, a1)
		}
		// Deleting one of two in a1 keeps it provisioned.
		if st := f.unassign(a1, ps, types.PrincipalTypeUser, u); st.Status != types.StatusValuesSucceeded {
			t.Fatalf("DeleteAccountAssignment status = %s (%s)", st.Status, aws.ToString(st.FailureReason))
		}
		if got := accts(); cmp.Diff([]string{a1}, got) != "" {
			t.Errorf("provisioned accounts = %v, want [%s]", got, a1)
		}

		// A deleted group takes its assignments along.
		if _, err := f.ids.DeleteGroup(ctx, &identitystore.DeleteGroupInput{IdentityStoreId: aws.String(env.IdentityStoreID), GroupId: aws.String(g)}); err != nil {
			t.Fatalf("DeleteGroup: %v", err)
		}
		la, err = f.c.ListAccountAssignments(ctx, &ssoadmin.ListAccountAssignmentsInput{InstanceArn: inst, AccountId: aws.String(a1), PermissionSetArn: aws.String(ps)})
		if err != nil || len(la.AccountAssignments) != 0 {
			t.Errorf("ListAccountAssignments after DeleteGroup = %+v, %v; want none", la, err)
		}
	})
}

func TestAccountAssignmentStatuses(t *testing.T) {
	testenv.Backends(t, func(t *testing.T, env *testenv.Env) {
		f := newFixture(t, env)
		ctx := t.Context()
		inst := aws.String(f.inst)
		acct := f.account("one")
		ps := f.permissionSet("Dev")
		u := f.user("alice")

		cases := []struct {
			name    string
			account string
			typ     types.PrincipalType
			id      string
			reason  string
		}{
			{"UnknownUser", acct, types.PrincipalTypeUser, unknownPrincipal, "the USER assignee " + unknownPrincipal + " was not found in directory " + env.IdentityStoreID},
			{"UnknownGroup", acct, types.PrincipalTypeGroup, unknownPrincipal, "the GROUP assignee " + unknownPrincipal + " was not found"},
			{"UserAsGroup", acct, types.PrincipalTypeGroup, u, "the GROUP assignee"},
			{"UnknownAccount", unknownAccount, types.PrincipalTypeUser, u, unknownAccount},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				st := f.createAssignment(tc.account, ps, tc.typ, tc.id)
				if st.Status != types.StatusValuesFailed || !strings.Contains(aws.ToString(st.FailureReason), tc.reason) {
					t.Errorf("status = %s %q, want FAILED containing %q", st.Status, aws.ToString(st.FailureReason), tc.reason)
				}
				if aws.ToString(st.TargetId) != tc.account || aws.ToString(st.PrincipalId) != tc.id || st.PrincipalType != tc.typ || aws.ToString(st.PermissionSetArn) != ps || st.TargetType != types.TargetTypeAwsAccount {
					t.Errorf("status = %+v, want the request's fields", st)
				}
			})
		}
		if st := f.unassign(acct, ps, types.PrincipalTypeUser, u); st.Status != types.StatusValuesFailed {
			t.Errorf("DeleteAccountAssignment(absent) status = %s, want FAILED", st.Status)
		}
		f.assign(acct, ps, types.PrincipalTypeUser, u)
		f.unassign(acct, ps, types.PrincipalTypeUser, u)

		// Statuses list with filters and MaxResults=1 pagination.
		count := func(list func(token *string) ([]string, *string, error)) []string {
			var all []string
			var token *string
			for {
				items, next, err := list(token)
				if err != nil {
					t.Fatalf("list statuses: %v", err)
				}
				if len(items) > 1 {
					t.Fatalf("page of %d with MaxResults=1", len(items))
				}
				all = append(all, items...)
				if next == nil {
					return all
				}
				token = next
			}
		}
		creations := func(filter types.StatusValues) []string {
			return count(func(token *string) ([]string, *string, error) {
				in := &ssoadmin.ListAccountAssignmentCreationStatusInput{InstanceArn: inst, MaxResults: aws.Int32(1), NextToken: token}
				if filter != "" {
					in.Filter = &types.OperationStatusFilter{Status: filter}
				}
				out, err := f.c.ListAccountAssignmentCreationStatus(ctx, in)
				if err != nil {
					return nil, nil, err
				}
				var ids []string
				for _, s := range out.AccountAssignmentsCreationStatus {
					ids = append(ids, string(s.Status))
				}
				return ids, out.NextToken, nil
			})
		}
		if got := creations(""); len(got) != 5 {
			t.Errorf("ListAccountAssignmentCreationStatus = %v, want 5", got)
		}
		if got := creations(types.StatusValuesFailed); len(got) != 4 {
			t.Errorf("ListAccountAssignmentCreationStatus(FAILED) = %v, want 4", got)
		}
		if got := creations(types.StatusValuesSucceeded); cmp.Diff([]string{"SUCCEEDED"}, got) != "" {
			t.Errorf("ListAccountAssignmentCreationStatus(SUCCEEDED) = %v, want one", got)
		}
		dl, err := f.c.ListAccountAssignmentDeletionStatus(ctx, &ssoadmin.ListAccountAssignmentDeletionStatusInput{InstanceArn: inst, Filter: &types.OperationStatusFilter{Status: types.StatusValuesSucceeded}})
		if err != nil || len(dl.AccountAssignmentsDeletionStatus) != 1 {
			t.Errorf("ListAccountAssignmentDeletionStatus(SUCCEEDED) = %+v, %v; want one", dl, err)
		}
	})
}

// A permission set deleted after an assignment to it was created (which
// the service remembers the permission set's instance by) is not found,
// and no status is recorded.
func TestAccountAssignmentDeletedPermissionSet(t *testing.T) {
	testenv.Backends(t, func(t *testing.T, env *testenv.Env) {
		f := newFixture(t, env)
		ctx := t.Context()
		acct := f.account("one")
		ps := f.permissionSet("Dev")
		u := f.user("alice")
		f.assign(acct, ps, types.PrincipalTypeUser, u)
		f.unassign(acct, ps, types.PrincipalTypeUser, u)
		if _, err := f.c.DeletePermissionSet(ctx, &ssoadmin.DeletePermissionSetInput{InstanceArn: aws.String(f.inst), PermissionSetArn: aws.String(ps)}); err != nil {
			t.Fatalf("DeletePermissionSet: %v", err)
		}
		f.checkErrors([]errCase{{"AssignDeleted", func(ctx context.Context, c *ssoadmin.Client) error {
			_, err := c.CreateAccountAssignment(ctx, &ssoadmin.CreateAccountAssignmentInput{
				InstanceArn: aws.String(f.inst), TargetId: aws.String(acct), TargetType: types.TargetTypeAwsAccount,
				PermissionSetArn: aws.String(ps), PrincipalType: types.PrincipalTypeUser, PrincipalId: aws.String(u),
			})
			return err
		}, notFound}})
		out, err := f.c.ListAccountAssignmentCreationStatus(ctx, &ssoadmin.ListAccountAssignmentCreationStatusInput{InstanceArn: aws.String(f.inst)})
		if err != nil || len(out.AccountAssignmentsCreationStatus) != 1 {
			t.Errorf("ListAccountAssignmentCreationStatus = %+v, %v; want the one before the deletion", out, err)
		}
	})
}

// Concurrent creates and deletes of one (account, permission set) pair
// keep it provisioned exactly while it has assignments: a create holds the
// pair's role against the deprovisioning of a concurrent last delete.
func TestAccountAssignmentsConcurrent(t *testing.T) {
	testenv.Backends(t, func(t *testing.T, env *testenv.Env) {
		f := newFixture(t, env)
		ctx := t.Context()
		acct := f.account("one")
		ps := f.permissionSet("Dev")
		users := []string{f.user("u0"), f.user("u1"), f.user("u2"), f.user("u3")}
		errs := make(chan error, len(users))
		for i, u := range users {
			go func() {
				req := func(create bool) error {
					if create {
						_, err := f.c.CreateAccountAssignment(ctx, &ssoadmin.CreateAccountAssignmentInput{InstanceArn: aws.String(f.inst), TargetId: aws.String(acct),
							TargetType: types.TargetTypeAwsAccount, PermissionSetArn: aws.String(ps), PrincipalType: types.PrincipalTypeUser, PrincipalId: aws.String(u)})
						return err
					}
					_, err := f.c.DeleteAccountAssignment(ctx, &ssoadmin.DeleteAccountAssignmentInput{InstanceArn: aws.String(f.inst), TargetId: aws.String(acct),
						TargetType: types.TargetTypeAwsAccount, PermissionSetArn: aws.String(ps), PrincipalType: types.PrincipalTypeUser, PrincipalId: aws.String(u)})
					return err
				}
				// Users 0 and 1 end assigned, 2 and 3 unassigned.
				for r := range 20 {
					if err := req(r%2 == 0 || (i < 2 && r == 19)); err != nil {
						errs <- err
						return
					}
				}
				errs <- nil
			}()
		}
		for range users {
			if err := <-errs; err != nil {
				t.Fatalf("concurrent assignment: %v", err)
			}
		}
		la, err := f.c.ListAccountAssignments(ctx, &ssoadmin.ListAccountAssignmentsInput{InstanceArn: aws.String(f.inst), AccountId: aws.String(acct), PermissionSetArn: aws.String(ps)})
		if err != nil || len(la.AccountAssignments) != 2 {
			t.Fatalf("ListAccountAssignments = %+v, %v; want users 0 and 1", la, err)
		}
		pa, err := f.c.ListAccountsForProvisionedPermissionSet(ctx, &ssoadmin.ListAccountsForProvisionedPermissionSetInput{InstanceArn: aws.String(f.inst), PermissionSetArn: aws.String(ps)})
		if err != nil || cmp.Diff([]string{acct}, pa.AccountIds) != "" {
			t.Errorf("ListAccountsForProvisionedPermissionSet = %+v, %v; want [%s]", pa, err, acct)
		}
	})
}

func TestAccountAssignmentPagination(t *testing.T) {
	testenv.Backends(t, func(t *testing.T, env *testenv.Env) {
		f := newFixture(t, env)
		ctx := t.Context()
		inst := aws.String(f.inst)
		a1, a2 := f.account("one"), f.account("two")
		ps1, ps2 := f.permissionSet("A"), f.permissionSet("B")
		var principals []string
		for i := range 4 {
			u, g := f.user(fmt.Sprint("u", i)), f.group(fmt.Sprint("g", i))
			f.assign(a1, ps1, types.PrincipalTypeUser, u)
			f.assign(a1, ps1, types.PrincipalTypeGroup, g)
			principals = append(principals, "USER/"+u, "GROUP/"+g)
		}
		g := f.group("everywhere")
		for _, a := range []string{a1, a2} {
			for _, p := range []string{ps1, ps2} {
				f.assign(a, p, types.PrincipalTypeGroup, g)
			}
		}
		principals = append(principals, "GROUP/"+g)

		var got []string
		pages := 0
		p := ssoadmin.NewListAccountAssignmentsPaginator(f.c, &ssoadmin.ListAccountAssignmentsInput{InstanceArn: inst, AccountId: aws.String(a1), PermissionSetArn: aws.String(ps1), MaxResults: aws.Int32(1)})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				t.Fatalf("ListAccountAssignments: %v", err)
			}
			pages++
			for _, a := range page.AccountAssignments {
				got = append(got, string(a.PrincipalType)+"/"+aws.ToString(a.PrincipalId))
			}
		}
		if joinSorted(got) != joinSorted(principals) || len(got) != 9 {
			t.Errorf("paged ListAccountAssignments = %v, want %v", got, principals)
		}

		var pairs []string
		pp := ssoadmin.NewListAccountAssignmentsForPrincipalPaginator(f.c, &ssoadmin.ListAccountAssignmentsForPrincipalInput{InstanceArn: inst, PrincipalType: types.PrincipalTypeGroup, PrincipalId: aws.String(g), MaxResults: aws.Int32(1)})
		for pp.HasMorePages() {
			page, err := pp.NextPage(ctx)
			if err != nil {
				t.Fatalf("ListAccountAssignmentsForPrincipal: %v", err)
			}
			for _, a := range page.AccountAssignments {
				pairs = append(pairs, aws.ToString(a.AccountId)+"/"+aws.ToString(a.PermissionSetArn))
			}
		}
		if len(pairs) != 4 {
			t.Errorf("paged ListAccountAssignmentsForPrincipal = %v, want 4 pairs", pairs)
		}

		var accounts []string
		ap := ssoadmin.NewListAccountsForProvisionedPermissionSetPaginator(f.c, &ssoadmin.ListAccountsForProvisionedPermissionSetInput{InstanceArn: inst, PermissionSetArn: aws.String(ps2), MaxResults: aws.Int32(1)})
		for ap.HasMorePages() {
			page, err := ap.NextPage(ctx)
			if err != nil {
				t.Fatalf("ListAccountsForProvisionedPermissionSet: %v", err)
			}
			accounts = append(accounts, page.AccountIds...)
		}
		if joinSorted(accounts) != joinSorted([]string{a1, a2}) {
			t.Errorf("paged ListAccountsForProvisionedPermissionSet = %v", accounts)
		}
		var sets []string
		sp := ssoadmin.NewListPermissionSetsProvisionedToAccountPaginator(f.c, &ssoadmin.ListPermissionSetsProvisionedToAccountInput{InstanceArn: inst, AccountId: aws.String(a1), MaxResults: aws.Int32(1)})
		for sp.HasMorePages() {
			page, err := sp.NextPage(ctx)
			if err != nil {
				t.Fatalf("ListPermissionSetsProvisionedToAccount: %v", err)
			}
			sets = append(sets, page.PermissionSets...)
		}
		if joinSorted(sets) != joinSorted([]string{ps1, ps2}) {
			t.Errorf("paged ListPermissionSetsProvisionedToAccount = %v", sets)
		}
	})
}

func TestAccountAssignmentErrors(t *testing.T) {
	testenv.Backends(t, func(t *testing.T, env *testenv.Env) {
		f := newFixture(t, env)
		acct := f.account("one")
		ps := f.permissionSet("Dev")
		u := f.user("alice")
		f.assign(acct, ps, types.PrincipalTypeUser, u)
		inst := aws.String(f.inst)
		create := func(in ssoadmin.CreateAccountAssignmentInput) func(ctx context.Context, c *ssoadmin.Client) error {
			return func(ctx context.Context, c *ssoadmin.Client) error {
				_, err := c.CreateAccountAssignment(ctx, &in)
				return err
			}
		}
		ok := ssoadmin.CreateAccountAssignmentInput{InstanceArn: inst, TargetId: aws.String(acct), TargetType: types.TargetTypeAwsAccount, PermissionSetArn: aws.String(ps), PrincipalType: types.PrincipalTypeUser, PrincipalId: aws.String(u)}
		with := func(change func(*ssoadmin.CreateAccountAssignmentInput)) ssoadmin.CreateAccountAssignmentInput {
			in := ok
			change(&in)
			return in
		}
		f.checkErrors([]errCase{
			{"CreateUnknownPermissionSet", create(with(func(in *ssoadmin.CreateAccountAssignmentInput) {
				in.PermissionSetArn = aws.String(unknownPermissionSet)
			})), notFound},
			{"CreateUnknownInstance", create(with(func(in *ssoadmin.CreateAccountAssignmentInput) { in.InstanceArn = aws.String(unknownInstance) })), notFound},
			{"CreateBadTarget", create(with(func(in *ssoadmin.CreateAccountAssignmentInput) { in.TargetId = aws.String("12345") })), validation},
			{"CreateBadPrincipalType", create(with(func(in *ssoadmin.CreateAccountAssignmentInput) { in.PrincipalType = "ROLE" })), validation},
			{"CreateBadPrincipalID", create(with(func(in *ssoadmin.CreateAccountAssignmentInput) { in.PrincipalId = aws.String("not-an-id") })), validation},
			{"DeleteUnknownPermissionSet", func(ctx context.Context, c *ssoadmin.Client) error {
				_, err := c.DeleteAccountAssignment(ctx, &ssoadmin.DeleteAccountAssignmentInput{InstanceArn: inst, TargetId: aws.String(acct), TargetType: types.TargetTypeAwsAccount, PermissionSetArn: aws.String(unknownPermissionSet), PrincipalType: types.PrincipalTypeUser, PrincipalId: aws.String(u)})
				return err
			}, notFound},
			{"DescribeCreationUnknown", func(ctx context.Context, c *ssoadmin.Client) error {
				_, err := c.DescribeAccountAssignmentCreationStatus(ctx, &ssoadmin.DescribeAccountAssignmentCreationStatusInput{InstanceArn: inst, AccountAssignmentCreationRequestId: aws.String("00000000-0000-4000-8000-000000000000")})
				return err
			}, notFound},
			{"DescribeDeletionMalformed", func(ctx context.Context, c *ssoadmin.Client) error {
				_, err := c.DescribeAccountAssignmentDeletionStatus(ctx, &ssoadmin.DescribeAccountAssignmentDeletionStatusInput{InstanceArn: inst, AccountAssignmentDeletionRequestId: aws.String("nope")})
				return err
			}, validation},
			{"ListUnknownPermissionSet", func(ctx context.Context, c *ssoadmin.Client) error {
				_, err := c.ListAccountAssignments(ctx, &ssoadmin.ListAccountAssignmentsInput{InstanceArn: inst, AccountId: aws.String(acct), PermissionSetArn: aws.String(unknownPermissionSet)})
				return err
			}, notFound},
			{"ListBadToken", func(ctx context.Context, c *ssoadmin.Client) error {
				_, err := c.ListAccountAssignments(ctx, &ssoadmin.ListAccountAssignmentsInput{InstanceArn: inst, AccountId: aws.String(acct), PermissionSetArn: aws.String(ps), NextToken: aws.String("bm9wZQ")})
				return err
			}, validation},
			{"ListForPrincipalUnknownInstance", func(ctx context.Context, c *ssoadmin.Client) error {
				_, err := c.ListAccountAssignmentsForPrincipal(ctx, &ssoadmin.ListAccountAssignmentsForPrincipalInput{InstanceArn: aws.String(unknownInstance), PrincipalType: types.PrincipalTypeUser, PrincipalId: aws.String(u)})
				return err
			}, notFound},
			{"ListProvisionedAccountsUnknown", func(ctx context.Context, c *ssoadmin.Client) error {
				_, err := c.ListAccountsForProvisionedPermissionSet(ctx, &ssoadmin.ListAccountsForProvisionedPermissionSetInput{InstanceArn: inst, PermissionSetArn: aws.String(unknownPermissionSet)})
				return err
			}, notFound},
			{"ListProvisionedBadStatus", func(ctx context.Context, c *ssoadmin.Client) error {
				_, err := c.ListPermissionSetsProvisionedToAccount(ctx, &ssoadmin.ListPermissionSetsProvisionedToAccountInput{InstanceArn: inst, AccountId: aws.String(acct), ProvisioningStatus: "STALE"})
				return err
			}, validation},
			{"ListStatusesUnknownInstance", func(ctx context.Context, c *ssoadmin.Client) error {
				_, err := c.ListAccountAssignmentCreationStatus(ctx, &ssoadmin.ListAccountAssignmentCreationStatusInput{InstanceArn: aws.String(unknownInstance)})
				return err
			}, notFound},
			{"MaxResultsZero", func(ctx context.Context, c *ssoadmin.Client) error {
				_, err := c.ListAccountAssignments(ctx, &ssoadmin.ListAccountAssignmentsInput{InstanceArn: inst, AccountId: aws.String(acct), PermissionSetArn: aws.String(ps), MaxResults: aws.Int32(0)})
				return err
			}, validation},
		})
	})
}
