package organizations_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/google/go-cmp/cmp"

	"github.com/idcenter/idcenter/internal/testenv"
)

func TestCreateAccount(t *testing.T) {
	t.Parallel()
	testenv.Backends(t, func(t *testing.T, env *testenv.Env) {
		ctx := t.Context()
		f := newFixture(t, env)
		c := f.c

		out, err := c.CreateAccount(ctx, &organizations.CreateAccountInput{
			Email: aws.String("Dev@Example.com"), AccountName: aws.String("Development"),
			RoleName: aws.String("OrganizationAccountAccessRole"), IamUserAccessToBilling: types.IAMUserAccessToBillingAllow,
			Tags: []types.Tag{tag("team", "platform"), tag("env", "dev")},
		})
		if err != nil {
			t.Fatalf("CreateAccount: %v", err)
		}
		st := out.CreateAccountStatus
		id := aws.ToString(st.AccountId)
		if st.State != types.CreateAccountStateSucceeded || !strings.HasPrefix(aws.ToString(st.Id), "car-") || len(id) != 12 ||
			aws.ToString(st.AccountName) != "Development" || st.RequestedTimestamp == nil || st.CompletedTimestamp == nil || st.FailureReason != "" {
			t.Fatalf("CreateAccount status = %+v; want SUCCEEDED with an account id and timestamps", st)
		}
		// Polling, as clients do, answers the same final status.
		polled, err := c.DescribeCreateAccountStatus(ctx, &organizations.DescribeCreateAccountStatusInput{CreateAccountRequestId: st.Id})
		if err != nil {
			t.Fatalf("DescribeCreateAccountStatus: %v", err)
		}
		if d := cmp.Diff(statusLine(st), statusLine(polled.CreateAccountStatus)); d != "" {
			t.Errorf("DescribeCreateAccountStatus diff (-create +describe):\n%s", d)
		}
		acct, err := c.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String(id)})
		if err != nil {
			t.Fatalf("DescribeAccount: %v", err)
		}
		a := acct.Account
		if aws.ToString(a.Name) != "Development" || aws.ToString(a.Email) != "Dev@Example.com" || a.Status != types.AccountStatusActive ||
			a.State != types.AccountStateActive || a.JoinedMethod != types.AccountJoinedMethodCreated || !accountARN.MatchString(aws.ToString(a.Arn)) ||
			!cmp.Equal(a.Paths, []string{aws.ToString(f.org.Id) + "/" + f.rootID + "/" + id + "/"}) {
			t.Errorf("DescribeAccount = %+v", a)
		}
		if got, want := tagsOf(t, c, id), []string{"env=dev", "team=platform"}; !cmp.Equal(got, want) {
			t.Errorf("tags of the new account = %v, want %v", got, want)
		}

		// A taken email (compared case-insensitively): the request succeeds,
		// its status FAILED, and no account is created.
		before := snapshot(t, c)
		dup, err := c.CreateAccount(ctx, &organizations.CreateAccountInput{
			Email: aws.String("dev@example.COM"), AccountName: aws.String("Again"), Tags: []types.Tag{tag("x", "y")},
		})
		if err != nil {
			t.Fatalf("CreateAccount(duplicate email): %v", err)
		}
		if s := dup.CreateAccountStatus; s.State != types.CreateAccountStateFailed || s.FailureReason != types.CreateAccountFailureReasonEmailAlreadyExists || s.AccountId != nil {
			t.Errorf("CreateAccount(duplicate email) status = %+v; want FAILED EMAIL_ALREADY_EXISTS", s)
		}
		var rest []string
		for _, l := range snapshot(t, c) {
			if !strings.HasPrefix(l, "create-account-status "+aws.ToString(dup.CreateAccountStatus.Id)+" ") {
				rest = append(rest, l)
			}
		}
		if d := cmp.Diff(before, rest); d != "" {
			t.Errorf("a duplicate-email request changed more than adding its status (-before +after):\n%s", d)
		}

		// ListCreateAccountStatus filters by state.
		for _, tc := range []struct {
			states []types.CreateAccountState
			want   []string
		}{
			{nil, []string{aws.ToString(st.Id), aws.ToString(dup.CreateAccountStatus.Id)}},
			{[]types.CreateAccountState{types.CreateAccountStateFailed}, []string{aws.ToString(dup.CreateAccountStatus.Id)}},
			{[]types.CreateAccountState{types.CreateAccountStateSucceeded}, []string{aws.ToString(st.Id)}},
			{[]types.CreateAccountState{types.CreateAccountStateInProgress}, nil},
		} {
			l, err := c.ListCreateAccountStatus(ctx, &organizations.ListCreateAccountStatusInput{States: tc.states})
			if err != nil {
				t.Fatalf("ListCreateAccountStatus(%v): %v", tc.states, err)
			}
			var got []string
			for _, s := range l.CreateAccountStatuses {
				got = append(got, aws.ToString(s.Id))
			}
			if !cmp.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(tc.want))) {
				t.Errorf("ListCreateAccountStatus(%v) = %v, want %v", tc.states, got, tc.want)
			}
		}

		var fiftyOne []types.Tag
		for i := range 51 {
			fiftyOne = append(fiftyOne, tag(fmt.Sprint("k", i), "v"))
		}
		create := func(email, name string, tags ...types.Tag) func(ctx context.Context, c *organizations.Client) error {
			return func(ctx context.Context, c *organizations.Client) error {
				_, err := c.CreateAccount(ctx, &organizations.CreateAccountInput{Email: aws.String(email), AccountName: aws.String(name), Tags: tags})
				return err
			}
		}
		raw := organizations.NewFromConfig(env.AWSConfig, noClientValidation)
		checkErrors(t, c, []errCase{
			{"missing email", func(ctx context.Context, _ *organizations.Client) error {
				_, err := raw.CreateAccount(ctx, &organizations.CreateAccountInput{AccountName: aws.String("x")})
				return err
			}, invalidInput(types.InvalidInputExceptionReasonInputRequired)},
			{"email without a domain", create("nobody@nowhere", "x"), invalidInput(types.InvalidInputExceptionReasonInvalidPattern)},
			{"email too short", create("a@b.c", "x"), invalidInput(types.InvalidInputExceptionReasonMinLengthExceeded)},
			{"name too long", create("long@example.com", strings.Repeat("n", 51)), invalidInput(types.InvalidInputExceptionReasonMaxLengthExceeded)},
			{"name not printable ASCII", create("tab@example.com", "a\tb"), invalidInput(types.InvalidInputExceptionReasonInvalidPattern)},
			{"bad role name", func(ctx context.Context, c *organizations.Client) error {
				_, err := c.CreateAccount(ctx, &organizations.CreateAccountInput{Email: aws.String("r@example.com"), AccountName: aws.String("r"), RoleName: aws.String("no spaces")})
				return err
			}, invalidInput(types.InvalidInputExceptionReasonInvalidPattern)},
			{"reserved tag key", create("t1@example.com", "x", tag("aws:owner", "me")), invalidInput(types.InvalidInputExceptionReasonInvalidSystemTagsParameter)},
			{"duplicate tag key", create("t2@example.com", "x", tag("k", "1"), tag("k", "2")), invalidInput(types.InvalidInputExceptionReasonDuplicateTagKey)},
			{"tag value with a bad character", create("t3@example.com", "x", tag("k", "a;b")), invalidInput(types.InvalidInputExceptionReasonInvalidPattern)},
			{"51 tags", create("t4@example.com", "x", fiftyOne...), constraint(types.ConstraintViolationExceptionReasonMaxTagLimitExceeded)},
			{"unknown status", func(ctx context.Context, c *organizations.Client) error {
				_, err := c.DescribeCreateAccountStatus(ctx, &organizations.DescribeCreateAccountStatusInput{CreateAccountRequestId: aws.String("car-0123456789abcdef")})
				return err
			}, is[*types.CreateAccountStatusNotFoundException]()},
			{"malformed status id", func(ctx context.Context, c *organizations.Client) error {
				_, err := c.DescribeCreateAccountStatus(ctx, &organizations.DescribeCreateAccountStatusInput{CreateAccountRequestId: aws.String("req-1")})
				return err
			}, invalidInput(types.InvalidInputExceptionReasonInvalidPattern)},
			{"unknown state filter", func(ctx context.Context, c *organizations.Client) error {
				_, err := c.ListCreateAccountStatus(ctx, &organizations.ListCreateAccountStatusInput{States: []types.CreateAccountState{"DONE"}})
				return err
			}, invalidInput(types.InvalidInputExceptionReasonInvalidListMember)},
			{"DescribeAccount unknown", func(ctx context.Context, c *organizations.Client) error {
				_, err := c.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String("000000000000")})
				return err
			}, is[*types.AccountNotFoundException]()},
			{"DescribeAccount malformed id", func(ctx context.Context, c *organizations.Client) error {
				_, err := c.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String("12345")})
				return err
			}, invalidInput(types.InvalidInputExceptionReasonInvalidPattern)},
		})
	})
}

func statusLine(s *types.CreateAccountStatus) string {
	return fmt.Sprintf("%s %s %s %s %v %v %s", aws.ToString(s.Id), aws.ToString(s.AccountName), s.State, aws.ToString(s.AccountId),
		aws.ToTime(s.RequestedTimestamp).UnixMilli(), aws.ToTime(s.CompletedTimestamp).UnixMilli(), s.FailureReason)
}

func TestMoveAccount(t *testing.T) {
	t.Parallel()
	testenv.Backends(t, func(t *testing.T, env *testenv.Env) {
		ctx := t.Context()
		f := newFixture(t, env)
		c := f.c
		acct := f.createAccount(t, "mover")
		a := f.createOU(t, f.rootID, "a")
		b := f.createOU(t, a, "b")

		f.move(t, acct, f.rootID, b)
		parents, err := c.ListParents(ctx, &organizations.ListParentsInput{ChildId: aws.String(acct)})
		if err != nil || len(parents.Parents) != 1 || aws.ToString(parents.Parents[0].Id) != b || parents.Parents[0].Type != types.ParentTypeOrganizationalUnit {
			t.Errorf("ListParents after move = %+v, %v; want %s", parents, err, b)
		}
		got, err := c.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String(acct)})
		if want := aws.ToString(f.org.Id) + "/" + f.rootID + "/" + a + "/" + b + "/" + acct + "/"; err != nil || !cmp.Equal(got.Account.Paths, []string{want}) {
			t.Errorf("account paths after move = %v, %v; want %s", got.Account.Paths, err, want)
		}
		// The management account can move too.
		f.move(t, env.ManagementAccountID, f.rootID, a)
		f.move(t, env.ManagementAccountID, a, f.rootID)

		move := func(id, from, to string) func(ctx context.Context, c *organizations.Client) error {
			return func(ctx context.Context, c *organizations.Client) error {
				_, err := c.MoveAccount(ctx, &organizations.MoveAccountInput{AccountId: aws.String(id), SourceParentId: aws.String(from), DestinationParentId: aws.String(to)})
				return err
			}
		}
		missingOU := "ou-" + f.rootID[2:] + "-zzzzzzzz"
		checkErrors(t, c, []errCase{
			{"unknown account", move("000000000000", b, a), is[*types.AccountNotFoundException]()},
			{"source does not exist", move(acct, missingOU, a), is[*types.SourceParentNotFoundException]()},
			{"source is not the current parent", move(acct, a, f.rootID), is[*types.SourceParentNotFoundException]()},
			{"destination does not exist", move(acct, b, missingOU), is[*types.DestinationParentNotFoundException]()},
			{"already in the destination", move(acct, b, b), is[*types.DuplicateAccountException]()},
			{"malformed destination", move(acct, b, "x-1"), invalidInput(types.InvalidInputExceptionReasonInvalidPattern)},
		})
	})
}

func TestCloseAndRemoveAccount(t *testing.T) {
	t.Parallel()
	testenv.Backends(t, func(t *testing.T, env *testenv.Env) {
		ctx := t.Context()
		f := newFixture(t, env)
		c := f.c
		closing := f.createAccount(t, "closing")
		leaving := f.createAccount(t, "leaving", tag("k", "v"))
		mgmt := aws.String(env.ManagementAccountID)

		if _, err := c.CloseAccount(ctx, &organizations.CloseAccountInput{AccountId: aws.String(closing)}); err != nil {
			t.Fatalf("CloseAccount: %v", err)
		}
		got, err := c.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String(closing)})
		if err != nil || got.Account.Status != types.AccountStatusSuspended || got.Account.State != types.AccountStateSuspended {
			t.Errorf("DescribeAccount(closed) = %+v, %v; want SUSPENDED", got, err)
		}

		checkErrors(t, c, []errCase{
			{"close the management account", func(ctx context.Context, c *organizations.Client) error {
				_, err := c.CloseAccount(ctx, &organizations.CloseAccountInput{AccountId: mgmt})
				return err
			}, constraint(types.ConstraintViolationExceptionReasonCannotCloseManagementAccount)},
			{"close a closed account", func(ctx context.Context, c *organizations.Client) error {
				_, err := c.CloseAccount(ctx, &organizations.CloseAccountInput{AccountId: aws.String(closing)})
				return err
			}, is[*types.AccountAlreadyClosedException]()},
			{"close an unknown account", func(ctx context.Context, c *organizations.Client) error {
				_, err := c.CloseAccount(ctx, &organizations.CloseAccountInput{AccountId: aws.String("000000000000")})
				return err
			}, is[*types.AccountNotFoundException]()},
			{"remove the management account", func(ctx context.Context, c *organizations.Client) error {
				_, err := c.RemoveAccountFromOrganization(ctx, &organizations.RemoveAccountFromOrganizationInput{AccountId: mgmt})
				return err
			}, constraint(types.ConstraintViolationExceptionReasonAccountCannotLeaveOrganization)},
			{"remove an unknown account", func(ctx context.Context, c *organizations.Client) error {
				_, err := c.RemoveAccountFromOrganization(ctx, &organizations.RemoveAccountFromOrganizationInput{AccountId: aws.String("000000000000")})
				return err
			}, is[*types.AccountNotFoundException]()},
		})

		for _, id := range []string{leaving, closing} {
			if _, err := c.RemoveAccountFromOrganization(ctx, &organizations.RemoveAccountFromOrganizationInput{AccountId: aws.String(id)}); err != nil {
				t.Fatalf("RemoveAccountFromOrganization(%s): %v", id, err)
			}
		}
		checkErrors(t, c, []errCase{
			{"describe a removed account", func(ctx context.Context, c *organizations.Client) error {
				_, err := c.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String(leaving)})
				return err
			}, is[*types.AccountNotFoundException]()},
			{"tags of a removed account", func(ctx context.Context, c *organizations.Client) error {
				_, err := c.ListTagsForResource(ctx, &organizations.ListTagsForResourceInput{ResourceId: aws.String(leaving)})
				return err
			}, is[*types.TargetNotFoundException]()},
			{"remove it again", func(ctx context.Context, c *organizations.Client) error {
				_, err := c.RemoveAccountFromOrganization(ctx, &organizations.RemoveAccountFromOrganizationInput{AccountId: aws.String(leaving)})
				return err
			}, is[*types.AccountNotFoundException]()},
		})
		// Its email is free again.
		f.createAccount(t, "leaving")
	})
}

func TestCreateAccountRace(t *testing.T) {
	t.Parallel()
	testenv.Backends(t, func(t *testing.T, env *testenv.Env) {
		f := newFixture(t, env)
		// Concurrent requests for one email: exactly one account, the other
		// requests FAILED with EMAIL_ALREADY_EXISTS, none an error.
		const n = 6
		states := make(chan types.CreateAccountState, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				out, err := f.c.CreateAccount(context.Background(), &organizations.CreateAccountInput{
					Email: aws.String("race@example.com"), AccountName: aws.String(fmt.Sprint("racer", i)),
				})
				if err != nil {
					t.Errorf("CreateAccount: %v", err)
					return
				}
				states <- out.CreateAccountStatus.State
			}()
		}
		wg.Wait()
		close(states)
		got := map[types.CreateAccountState]int{}
		for s := range states {
			got[s]++
		}
		if want := map[types.CreateAccountState]int{types.CreateAccountStateSucceeded: 1, types.CreateAccountStateFailed: n - 1}; !cmp.Equal(got, want) {
			t.Errorf("racing CreateAccount states = %v, want %v", got, want)
		}
		accts, err := f.c.ListAccounts(t.Context(), &organizations.ListAccountsInput{})
		if err != nil || len(accts.Accounts) != 2 {
			t.Errorf("ListAccounts after the race = %d accounts, %v; want 2", len(accts.Accounts), err)
		}
	})
}
