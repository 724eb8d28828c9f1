package e2e

import (
	"fmt"
	"strings"
	"testing"
)

// TestCLIDirectoryAndAccounts drives the stock AWS CLI v2 against a fresh
// idcenter with the bootstrap credentials file: users, groups, memberships,
// the organization and its accounts.
func TestCLIDirectoryAndAccounts(t *testing.T) {
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
	storeID := inst.Instances[0].IdentityStoreId

	var userIDs []string
	for i := range 3 {
		var u struct{ UserId, IdentityStoreId string }
		cli(t, p, &u, "identitystore", "create-user", "--identity-store-id", storeID,
			"--user-name", fmt.Sprintf("user%d", i), "--display-name", fmt.Sprintf("User %d", i),
			"--name", fmt.Sprintf("GivenName=U%d,FamilyName=Test", i),
			"--emails", fmt.Sprintf("Value=user%d@example.com,Type=work,Primary=true", i))
		if u.UserId == "" || u.IdentityStoreId != storeID {
			t.Fatalf("create-user = %+v", u)
		}
		userIDs = append(userIDs, u.UserId)
	}
	var users struct {
		Users []struct{ UserId, UserName string }
	}
	cli(t, p, &users, "identitystore", "list-users", "--identity-store-id", storeID)
	if len(users.Users) != 3 {
		t.Fatalf("list-users returned %d users, want 3: %+v", len(users.Users), users)
	}
	// The CLI paginates by itself; force pages of one.
	cli(t, p, &users, "identitystore", "list-users", "--identity-store-id", storeID, "--page-size", "1")
	if len(users.Users) != 3 {
		t.Fatalf("list-users --page-size 1 returned %d users, want 3", len(users.Users))
	}

	var g struct{ GroupId string }
	cli(t, p, &g, "identitystore", "create-group", "--identity-store-id", storeID, "--display-name", "engineers", "--description", "Engineering")
	for _, id := range userIDs[:2] {
		cli(t, p, nil, "identitystore", "create-group-membership", "--identity-store-id", storeID,
			"--group-id", g.GroupId, "--member-id", "UserId="+id)
	}
	var groups struct {
		Groups []struct{ GroupId, DisplayName string }
	}
	cli(t, p, &groups, "identitystore", "list-groups", "--identity-store-id", storeID)
	if len(groups.Groups) != 1 || groups.Groups[0].DisplayName != "engineers" {
		t.Fatalf("list-groups = %+v", groups)
	}
	var members struct {
		GroupMemberships []struct{ MembershipId string }
	}
	cli(t, p, &members, "identitystore", "list-group-memberships", "--identity-store-id", storeID, "--group-id", g.GroupId)
	if len(members.GroupMemberships) != 2 {
		t.Fatalf("list-group-memberships = %d, want 2", len(members.GroupMemberships))
	}
	// A duplicate user name is refused with AWS's error, and changes nothing.
	err := cliErr(t, p, nil, "identitystore", "create-user", "--identity-store-id", storeID,
		"--user-name", "USER0", "--display-name", "dup", "--name", "GivenName=D,FamilyName=Up")
	if err == nil || !strings.Contains(err.Error(), "ConflictException") {
		t.Fatalf("duplicate create-user error = %v, want ConflictException", err)
	}
	cli(t, p, &users, "identitystore", "list-users", "--identity-store-id", storeID)
	if len(users.Users) != 3 {
		t.Fatalf("after a refused create, list-users = %d users, want 3", len(users.Users))
	}

	var org struct {
		Organization struct{ Id, MasterAccountId string }
	}
	cli(t, p, &org, "organizations", "create-organization", "--feature-set", "ALL")
	if !strings.HasPrefix(org.Organization.Id, "o-") {
		t.Fatalf("create-organization = %+v", org)
	}
	for i := range 2 {
		var st struct {
			CreateAccountStatus struct{ Id, State string }
		}
		cli(t, p, &st, "organizations", "create-account", "--email", fmt.Sprintf("acct%d@example.com", i), "--account-name", fmt.Sprintf("acct-%d", i))
		if !strings.HasPrefix(st.CreateAccountStatus.Id, "car-") {
			t.Fatalf("create-account = %+v", st)
		}
		var d struct {
			CreateAccountStatus struct{ State, AccountId string }
		}
		cli(t, p, &d, "organizations", "describe-create-account-status", "--create-account-request-id", st.CreateAccountStatus.Id)
		if d.CreateAccountStatus.State != "SUCCEEDED" || len(d.CreateAccountStatus.AccountId) != 12 {
			t.Fatalf("describe-create-account-status = %+v", d)
		}
	}
	var accts struct {
		Accounts []struct{ Id, Name, Status string }
	}
	cli(t, p, &accts, "organizations", "list-accounts")
	// The management account plus the two created.
	if len(accts.Accounts) != 3 {
		t.Fatalf("list-accounts = %+v, want 3 accounts", accts)
	}
}
