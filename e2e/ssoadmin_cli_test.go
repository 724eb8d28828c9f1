package e2e

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestCLIPermissionSetsAndAssignments drives the stock AWS CLI v2 through
// sso-admin: a permission set with an inline and an AWS managed policy,
// assigned to a group in two accounts and provisioned; then the
// assignments that reach a member of the group. (CLI 2.9 predates
// list-account-assignments-for-principal, so the user's assignments are
// found through the user's groups.)
func TestCLIPermissionSetsAndAssignments(t *testing.T) {
	requireCLI(t)
	t.Parallel()
	p := start(t, t.TempDir())

	var inst struct {
		Instances []struct{ InstanceArn, IdentityStoreId string }
	}
	cli(t, p, &inst, "sso-admin", "list-instances")
	if len(inst.Instances) != 1 {
		t.Fatalf("list-instances = %+v, want the bootstrap instance", inst)
	}
	arn, storeID := inst.Instances[0].InstanceArn, inst.Instances[0].IdentityStoreId

	cli(t, p, nil, "organizations", "create-organization", "--feature-set", "ALL")
	var accounts []string
	for i := range 2 {
		var st struct {
			CreateAccountStatus struct{ AccountId, State string }
		}
		cli(t, p, &st, "organizations", "create-account", "--email", fmt.Sprintf("team%d@example.com", i), "--account-name", fmt.Sprintf("team-%d", i))
		if st.CreateAccountStatus.State != "SUCCEEDED" {
			t.Fatalf("create-account = %+v", st)
		}
		accounts = append(accounts, st.CreateAccountStatus.AccountId)
	}

	var u struct{ UserId string }
	cli(t, p, &u, "identitystore", "create-user", "--identity-store-id", storeID, "--user-name", "dana", "--display-name", "Dana",
		"--name", "GivenName=Dana,FamilyName=Dev")
	var g struct{ GroupId string }
	cli(t, p, &g, "identitystore", "create-group", "--identity-store-id", storeID, "--display-name", "developers")
	cli(t, p, nil, "identitystore", "create-group-membership", "--identity-store-id", storeID, "--group-id", g.GroupId, "--member-id", "UserId="+u.UserId)

	var ps struct {
		PermissionSet struct{ PermissionSetArn, Name, SessionDuration string }
	}
	cli(t, p, &ps, "sso-admin", "create-permission-set", "--instance-arn", arn, "--name", "Developers",
		"--description", "Developer access", "--session-duration", "PT4H")
	psArn := ps.PermissionSet.PermissionSetArn
	if !strings.HasPrefix(psArn, "arn:aws:sso:::permissionSet/") || ps.PermissionSet.SessionDuration != "PT4H" {
		t.Fatalf("create-permission-set = %+v", ps)
	}
	policy := `{"Version":"2012-10-17","Statement":[{"Sid":"Logs","Effect":"Allow","Action":["logs:Get*","logs:Describe*"],"Resource":"*"}]}`
	cli(t, p, nil, "sso-admin", "put-inline-policy-to-permission-set", "--instance-arn", arn, "--permission-set-arn", psArn, "--inline-policy", policy)
	cli(t, p, nil, "sso-admin", "attach-managed-policy-to-permission-set", "--instance-arn", arn, "--permission-set-arn", psArn,
		"--managed-policy-arn", "arn:aws:iam::aws:policy/ReadOnlyAccess")
	// A malformed policy is refused with AWS's error.
	err := cliErr(t, p, nil, "sso-admin", "put-inline-policy-to-permission-set", "--instance-arn", arn, "--permission-set-arn", psArn,
		"--inline-policy", `{"Statement":[{"Effect":"Allow","Action":"*"}]}`)
	if err == nil || !strings.Contains(err.Error(), "ValidationException") {
		t.Fatalf("malformed put-inline-policy-to-permission-set error = %v, want ValidationException", err)
	}
	var ip struct{ InlinePolicy string }
	cli(t, p, &ip, "sso-admin", "get-inline-policy-for-permission-set", "--instance-arn", arn, "--permission-set-arn", psArn)
	if ip.InlinePolicy != policy {
		t.Fatalf("get-inline-policy-for-permission-set = %q, want the policy put", ip.InlinePolicy)
	}
	var mp struct {
		AttachedManagedPolicies []struct{ Name, Arn string }
	}
	cli(t, p, &mp, "sso-admin", "list-managed-policies-in-permission-set", "--instance-arn", arn, "--permission-set-arn", psArn)
	if len(mp.AttachedManagedPolicies) != 1 || mp.AttachedManagedPolicies[0].Name != "ReadOnlyAccess" {
		t.Fatalf("list-managed-policies-in-permission-set = %+v", mp)
	}

	for _, acct := range accounts {
		var st struct {
			AccountAssignmentCreationStatus struct{ Status, RequestId string }
		}
		cli(t, p, &st, "sso-admin", "create-account-assignment", "--instance-arn", arn, "--target-id", acct, "--target-type", "AWS_ACCOUNT",
			"--permission-set-arn", psArn, "--principal-type", "GROUP", "--principal-id", g.GroupId)
		var d struct {
			AccountAssignmentCreationStatus struct{ Status, FailureReason string }
		}
		cli(t, p, &d, "sso-admin", "describe-account-assignment-creation-status", "--instance-arn", arn,
			"--account-assignment-creation-request-id", st.AccountAssignmentCreationStatus.RequestId)
		if d.AccountAssignmentCreationStatus.Status != "SUCCEEDED" {
			t.Fatalf("describe-account-assignment-creation-status = %+v", d)
		}
	}

	var prov struct {
		PermissionSetProvisioningStatus struct{ Status, RequestId string }
	}
	cli(t, p, &prov, "sso-admin", "provision-permission-set", "--instance-arn", arn, "--permission-set-arn", psArn, "--target-type", "ALL_PROVISIONED_ACCOUNTS")
	var provd struct {
		PermissionSetProvisioningStatus struct{ Status string }
	}
	cli(t, p, &provd, "sso-admin", "describe-permission-set-provisioning-status", "--instance-arn", arn,
		"--provision-permission-set-request-id", prov.PermissionSetProvisioningStatus.RequestId)
	if provd.PermissionSetProvisioningStatus.Status != "SUCCEEDED" {
		t.Fatalf("describe-permission-set-provisioning-status = %+v", provd)
	}
	var pa struct{ AccountIds []string }
	cli(t, p, &pa, "sso-admin", "list-accounts-for-provisioned-permission-set", "--instance-arn", arn, "--permission-set-arn", psArn,
		"--provisioning-status", "LATEST_PERMISSION_SET_PROVISIONED")
	slices.Sort(pa.AccountIds)
	want := slices.Sorted(slices.Values(accounts))
	if !slices.Equal(pa.AccountIds, want) {
		t.Fatalf("list-accounts-for-provisioned-permission-set = %v, want %v", pa.AccountIds, want)
	}

	// The user's assignments: through the user's groups, in every account.
	var mem struct {
		GroupMemberships []struct{ GroupId string }
	}
	cli(t, p, &mem, "identitystore", "list-group-memberships-for-member", "--identity-store-id", storeID, "--member-id", "UserId="+u.UserId)
	groups := map[string]bool{}
	for _, m := range mem.GroupMemberships {
		groups[m.GroupId] = true
	}
	if !groups[g.GroupId] {
		t.Fatalf("list-group-memberships-for-member = %+v, want %s", mem, g.GroupId)
	}
	var reach []string
	for _, acct := range accounts {
		var sets struct{ PermissionSets []string }
		cli(t, p, &sets, "sso-admin", "list-permission-sets-provisioned-to-account", "--instance-arn", arn, "--account-id", acct)
		for _, set := range sets.PermissionSets {
			var la struct {
				AccountAssignments []struct{ AccountId, PermissionSetArn, PrincipalType, PrincipalId string }
			}
			cli(t, p, &la, "sso-admin", "list-account-assignments", "--instance-arn", arn, "--account-id", acct, "--permission-set-arn", set, "--page-size", "1")
			for _, a := range la.AccountAssignments {
				if (a.PrincipalType == "GROUP" && groups[a.PrincipalId]) || (a.PrincipalType == "USER" && a.PrincipalId == u.UserId) {
					reach = append(reach, a.AccountId+" "+a.PermissionSetArn)
				}
			}
		}
	}
	slices.Sort(reach)
	if len(reach) != 2 || !strings.HasPrefix(reach[0], want[0]+" "+psArn) || !strings.HasPrefix(reach[1], want[1]+" "+psArn) {
		t.Fatalf("assignments reaching the user = %v, want %s in %v", reach, psArn, want)
	}

	// The permission set cannot be deleted while assigned.
	err = cliErr(t, p, nil, "sso-admin", "delete-permission-set", "--instance-arn", arn, "--permission-set-arn", psArn)
	if err == nil || !strings.Contains(err.Error(), "ConflictException") {
		t.Fatalf("delete-permission-set (assigned) error = %v, want ConflictException", err)
	}
}
