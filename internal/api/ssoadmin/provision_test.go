package ssoadmin_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
	"github.com/google/go-cmp/cmp"

	"github.com/idcenter/idcenter/internal/testenv"
)

func TestProvisioning(t *testing.T) {
	testenv.Backends(t, func(t *testing.T, env *testenv.Env) {
		f := newFixture(t, env)
		ctx := t.Context()
		inst := aws.String(f.inst)
		a1, a2, a3 := f.account("one"), f.account("two"), f.account("three")
		ps := f.permissionSet("Ops")
		psArn := aws.String(ps)
		g := f.group("ops")
		f.assign(a1, ps, types.PrincipalTypeGroup, g)
		f.assign(a2, ps, types.PrincipalTypeGroup, g)

		provision := func(target types.ProvisionTargetType, account string) *types.PermissionSetProvisioningStatus {
			t.Helper()
			in := &ssoadmin.ProvisionPermissionSetInput{InstanceArn: inst, PermissionSetArn: psArn, TargetType: target}
			if account != "" {
				in.TargetId = aws.String(account)
			}
			out, err := f.c.ProvisionPermissionSet(ctx, in)
			if err != nil {
				t.Fatalf("ProvisionPermissionSet: %v", err)
			}
			if out.PermissionSetProvisioningStatus.Status != types.StatusValuesInProgress {
				t.Errorf("ProvisionPermissionSet status = %s, want IN_PROGRESS", out.PermissionSetProvisioningStatus.Status)
			}
			d, err := f.c.DescribePermissionSetProvisioningStatus(ctx, &ssoadmin.DescribePermissionSetProvisioningStatusInput{InstanceArn: inst, ProvisionPermissionSetRequestId: out.PermissionSetProvisioningStatus.RequestId})
			if err != nil {
				t.Fatalf("DescribePermissionSetProvisioningStatus: %v", err)
			}
			return d.PermissionSetProvisioningStatus
		}
		accounts := func(st types.ProvisioningStatus) []string {
			t.Helper()
			out, err := f.c.ListAccountsForProvisionedPermissionSet(ctx, &ssoadmin.ListAccountsForProvisionedPermissionSetInput{InstanceArn: inst, PermissionSetArn: psArn, ProvisioningStatus: st})
			if err != nil {
				t.Fatalf("ListAccountsForProvisionedPermissionSet: %v", err)
			}
			return out.AccountIds
		}
		latest, stale := types.ProvisioningStatusLatestPermissionSetProvisioned, types.ProvisioningStatusLatestPermissionSetNotProvisioned
		two := []string{min(a1, a2), max(a1, a2)}
		if d := cmp.Diff(two, accounts(latest)); d != "" {
			t.Errorf("latest after assigning (-want +got):\n%s", d)
		}

		// Any change to the permission set makes its accounts stale.
		changes := []struct {
			name string
			do   func() error
		}{
			{"inline policy", func() error {
				_, err := f.c.PutInlinePolicyToPermissionSet(ctx, &ssoadmin.PutInlinePolicyToPermissionSetInput{InstanceArn: inst, PermissionSetArn: psArn, InlinePolicy: aws.String(adminPolicy)})
				return err
			}},
			{"managed policy", func() error {
				_, err := f.c.AttachManagedPolicyToPermissionSet(ctx, &ssoadmin.AttachManagedPolicyToPermissionSetInput{InstanceArn: inst, PermissionSetArn: psArn, ManagedPolicyArn: aws.String(adminAccessARN)})
				return err
			}},
			{"session duration", func() error {
				_, err := f.c.UpdatePermissionSet(ctx, &ssoadmin.UpdatePermissionSetInput{InstanceArn: inst, PermissionSetArn: psArn, SessionDuration: aws.String("PT8H")})
				return err
			}},
			{"boundary", func() error {
				_, err := f.c.PutPermissionsBoundaryToPermissionSet(ctx, &ssoadmin.PutPermissionsBoundaryToPermissionSetInput{InstanceArn: inst, PermissionSetArn: psArn, PermissionsBoundary: &types.PermissionsBoundary{ManagedPolicyArn: aws.String(readOnlyAccessARN)}})
				return err
			}},
		}
		for _, c := range changes {
			if err := c.do(); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if d := cmp.Diff(two, accounts(stale)); d != "" {
				t.Errorf("stale after changing the %s (-want +got):\n%s", c.name, d)
			}
			if got := accounts(latest); len(got) != 0 {
				t.Errorf("latest after changing the %s = %v, want none", c.name, got)
			}
			// Re-provision one account, then all.
			st := provision(types.ProvisionTargetTypeAwsAccount, a1)
			if st.Status != types.StatusValuesSucceeded || aws.ToString(st.AccountId) != a1 || aws.ToString(st.PermissionSetArn) != ps {
				t.Errorf("provision to %s = %+v", a1, st)
			}
			if d := cmp.Diff([]string{a2}, accounts(stale)); d != "" {
				t.Errorf("stale after provisioning %s (-want +got):\n%s", a1, d)
			}
			if st := provision(types.ProvisionTargetTypeAllProvisionedAccounts, ""); st.Status != types.StatusValuesSucceeded {
				t.Errorf("provision to all = %+v", st)
			}
			if d := cmp.Diff(two, accounts(latest)); d != "" {
				t.Errorf("latest after provisioning all (-want +got):\n%s", d)
			}
		}

		// Provisioning to an unassigned account materialises the role there.
		provision(types.ProvisionTargetTypeAwsAccount, a3)
		pp, err := f.c.ListPermissionSetsProvisionedToAccount(ctx, &ssoadmin.ListPermissionSetsProvisionedToAccountInput{InstanceArn: inst, AccountId: aws.String(a3), ProvisioningStatus: latest})
		if err != nil || cmp.Diff([]string{ps}, pp.PermissionSets) != "" {
			t.Errorf("ListPermissionSetsProvisionedToAccount(%s) = %v, %v", a3, pp, err)
		}
		if st := provision(types.ProvisionTargetTypeAwsAccount, unknownAccount); st.Status != types.StatusValuesFailed || aws.ToString(st.FailureReason) == "" {
			t.Errorf("provision to an unknown account = %+v, want FAILED with a reason", st)
		}
		var ids []string
		lp := ssoadmin.NewListPermissionSetProvisioningStatusPaginator(f.c, &ssoadmin.ListPermissionSetProvisioningStatusInput{InstanceArn: inst, MaxResults: aws.Int32(1)})
		for lp.HasMorePages() {
			page, err := lp.NextPage(ctx)
			if err != nil {
				t.Fatalf("ListPermissionSetProvisioningStatus: %v", err)
			}
			for _, s := range page.PermissionSetsProvisioningStatus {
				ids = append(ids, aws.ToString(s.RequestId))
			}
		}
		if len(ids) != 2*len(changes)+2 {
			t.Errorf("ListPermissionSetProvisioningStatus = %d statuses, want %d", len(ids), 2*len(changes)+2)
		}
		failed, err := f.c.ListPermissionSetProvisioningStatus(ctx, &ssoadmin.ListPermissionSetProvisioningStatusInput{InstanceArn: inst, Filter: &types.OperationStatusFilter{Status: types.StatusValuesFailed}})
		if err != nil || len(failed.PermissionSetsProvisioningStatus) != 1 {
			t.Errorf("ListPermissionSetProvisioningStatus(FAILED) = %+v, %v; want one", failed, err)
		}

		// A provisioned but unassigned permission set can be deleted; an
		// assigned one cannot.
		if _, err := f.c.DeletePermissionSet(ctx, &ssoadmin.DeletePermissionSetInput{InstanceArn: inst, PermissionSetArn: psArn}); conflict(err) != "" {
			t.Errorf("DeletePermissionSet(assigned) = %v, want ConflictException", err)
		}
		for _, a := range []string{a1, a2} {
			f.unassign(a, ps, types.PrincipalTypeGroup, g)
		}
		if _, err := f.c.DeletePermissionSet(ctx, &ssoadmin.DeletePermissionSetInput{InstanceArn: inst, PermissionSetArn: psArn}); err != nil {
			t.Errorf("DeletePermissionSet(provisioned, unassigned) = %v", err)
		}

		other := f.permissionSet("Other")
		f.checkErrors([]errCase{
			{"UnknownPermissionSet", func(ctx context.Context, c *ssoadmin.Client) error {
				_, err := c.ProvisionPermissionSet(ctx, &ssoadmin.ProvisionPermissionSetInput{InstanceArn: inst, PermissionSetArn: aws.String(unknownPermissionSet), TargetType: types.ProvisionTargetTypeAllProvisionedAccounts})
				return err
			}, notFound},
			{"AccountWithoutTarget", func(ctx context.Context, c *ssoadmin.Client) error {
				_, err := c.ProvisionPermissionSet(ctx, &ssoadmin.ProvisionPermissionSetInput{InstanceArn: inst, PermissionSetArn: aws.String(other), TargetType: types.ProvisionTargetTypeAwsAccount})
				return err
			}, validation},
			{"BadTargetType", func(ctx context.Context, c *ssoadmin.Client) error {
				_, err := c.ProvisionPermissionSet(ctx, &ssoadmin.ProvisionPermissionSetInput{InstanceArn: inst, PermissionSetArn: aws.String(other), TargetType: "OU"})
				return err
			}, validation},
			{"DescribeUnknownRequest", func(ctx context.Context, c *ssoadmin.Client) error {
				_, err := c.DescribePermissionSetProvisioningStatus(ctx, &ssoadmin.DescribePermissionSetProvisioningStatusInput{InstanceArn: inst, ProvisionPermissionSetRequestId: aws.String("00000000-0000-4000-8000-000000000000")})
				return err
			}, notFound},
			{"DescribeOtherKind", func(ctx context.Context, c *ssoadmin.Client) error {
				_, err := c.DescribeAccountAssignmentCreationStatus(ctx, &ssoadmin.DescribeAccountAssignmentCreationStatusInput{InstanceArn: inst, AccountAssignmentCreationRequestId: aws.String(ids[0])})
				return err
			}, notFound},
			{"ListUnknownInstance", func(ctx context.Context, c *ssoadmin.Client) error {
				_, err := c.ListPermissionSetProvisioningStatus(ctx, &ssoadmin.ListPermissionSetProvisioningStatusInput{InstanceArn: aws.String(unknownInstance)})
				return err
			}, notFound},
		})
	})
}
