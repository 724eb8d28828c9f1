package access_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	istypes "github.com/aws/aws-sdk-go-v2/service/identitystore/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
	"github.com/google/go-cmp/cmp"

	"github.com/idcenter/idcenter/internal/access"
	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/keys"
	"github.com/idcenter/idcenter/internal/store"
	"github.com/idcenter/idcenter/internal/store/postgres"
	"github.com/idcenter/idcenter/internal/testenv"
)

// world is a server with an organization, two accounts, a permission set,
// a user in a group, and the group assigned the permission set in both
// accounts plus the user directly in the first.
type world struct {
	env             *testenv.Env
	a1, a2, ps, psN string
	user, group     string
	membership      string
}

func build(t *testing.T, env *testenv.Env) *world {
	t.Helper()
	ctx := t.Context()
	w := &world{env: env, psN: "Dev"}
	org, ids, sso := env.Organizations(), env.IdentityStore(), env.SSOAdmin()
	if _, err := org.CreateOrganization(ctx, &organizations.CreateOrganizationInput{}); err != nil {
		t.Fatalf("CreateOrganization: %v", err)
	}
	for i, a := range []*string{&w.a1, &w.a2} {
		out, err := org.CreateAccount(ctx, &organizations.CreateAccountInput{AccountName: aws.String(fmt.Sprint("a", i)), Email: aws.String(fmt.Sprintf("a%d@example.com", i))})
		if err != nil {
			t.Fatalf("CreateAccount: %v", err)
		}
		*a = aws.ToString(out.CreateAccountStatus.AccountId)
	}
	u, err := ids.CreateUser(ctx, &identitystore.CreateUserInput{IdentityStoreId: aws.String(env.IdentityStoreID), UserName: aws.String("alice"), DisplayName: aws.String("Alice"),
		Name: &istypes.Name{GivenName: aws.String("A"), FamilyName: aws.String("L")}})
	if err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	g, err := ids.CreateGroup(ctx, &identitystore.CreateGroupInput{IdentityStoreId: aws.String(env.IdentityStoreID), DisplayName: aws.String("devs")})
	if err != nil {
		t.Fatalf("CreateGroup: %v", err)
	}
	m, err := ids.CreateGroupMembership(ctx, &identitystore.CreateGroupMembershipInput{IdentityStoreId: aws.String(env.IdentityStoreID), GroupId: g.GroupId, MemberId: &istypes.MemberIdMemberUserId{Value: aws.ToString(u.UserId)}})
	if err != nil {
		t.Fatalf("CreateGroupMembership: %v", err)
	}
	w.user, w.group, w.membership = aws.ToString(u.UserId), aws.ToString(g.GroupId), aws.ToString(m.MembershipId)
	ps, err := sso.CreatePermissionSet(ctx, &ssoadmin.CreatePermissionSetInput{InstanceArn: aws.String(env.InstanceARN), Name: aws.String(w.psN), SessionDuration: aws.String("PT2H")})
	if err != nil {
		t.Fatalf("CreatePermissionSet: %v", err)
	}
	w.ps = aws.ToString(ps.PermissionSet.PermissionSetArn)
	w.assign(t, w.a1, types.PrincipalTypeGroup, w.group)
	w.assign(t, w.a2, types.PrincipalTypeGroup, w.group)
	w.assign(t, w.a1, types.PrincipalTypeUser, w.user)
	return w
}

func (w *world) assign(t *testing.T, account string, typ types.PrincipalType, id string) {
	t.Helper()
	_, err := w.env.SSOAdmin().CreateAccountAssignment(t.Context(), &ssoadmin.CreateAccountAssignmentInput{InstanceArn: aws.String(w.env.InstanceARN),
		TargetId: aws.String(account), TargetType: types.TargetTypeAwsAccount, PermissionSetArn: aws.String(w.ps), PrincipalType: typ, PrincipalId: aws.String(id)})
	if err != nil {
		t.Fatalf("CreateAccountAssignment: %v", err)
	}
}

func (w *world) unassign(t *testing.T, env *testenv.Env, account string, typ types.PrincipalType, id string) {
	t.Helper()
	if _, err := env.SSOAdmin().DeleteAccountAssignment(t.Context(), &ssoadmin.DeleteAccountAssignmentInput{InstanceArn: aws.String(env.InstanceARN),
		TargetId: aws.String(account), TargetType: types.TargetTypeAwsAccount, PermissionSetArn: aws.String(w.ps), PrincipalType: typ, PrincipalId: aws.String(id)}); err != nil {
		t.Fatalf("DeleteAccountAssignment: %v", err)
	}
}

// accounts lists the accounts of a user's entitlements, checking the rest
// of each entitlement.
func (w *world) accounts(t *testing.T, svc *access.Service) []string {
	t.Helper()
	es, err := svc.Entitlements(t.Context(), w.env.IdentityStoreID, w.user)
	if err != nil {
		t.Fatalf("Entitlements: %v", err)
	}
	out := []string{}
	for _, e := range es {
		want := idc.Entitlement{AccountID: e.AccountID, PermissionSetARN: w.ps, PermissionSetName: w.psN, RoleName: idc.RoleName(w.psN, w.ps, e.AccountID), SessionDuration: 2 * time.Hour}
		if d := cmp.Diff(want, e); d != "" {
			t.Errorf("entitlement (-want +got):\n%s", d)
		}
		out = append(out, e.AccountID)
	}
	return out
}

func (w *world) may(t *testing.T, svc *access.Service, account string) bool {
	t.Helper()
	ok, err := svc.MayUse(t.Context(), w.user, account, w.ps)
	if err != nil {
		t.Fatalf("MayUse: %v", err)
	}
	return ok
}

// checkCurrent changes memberships and assignments through writer and
// checks that readers see each change on their next call.
func checkCurrent(t *testing.T, w *world, writer *testenv.Env, readers ...*access.Service) {
	t.Helper()
	ctx := t.Context()
	both := []string{min(w.a1, w.a2), max(w.a1, w.a2)}
	for i, r := range readers {
		if d := cmp.Diff(both, w.accounts(t, r)); d != "" {
			t.Errorf("reader %d: Entitlements (-want +got):\n%s", i, d)
		}
		if !w.may(t, r, w.a2) {
			t.Errorf("reader %d: MayUse(%s) = false, want true", i, w.a2)
		}
	}
	// Leaving the group removes a2 (granted only through the group) at once;
	// a1 stays through the direct assignment.
	if _, err := writer.IdentityStore().DeleteGroupMembership(ctx, &identitystore.DeleteGroupMembershipInput{IdentityStoreId: aws.String(writer.IdentityStoreID), MembershipId: aws.String(w.membership)}); err != nil {
		t.Fatalf("DeleteGroupMembership: %v", err)
	}
	for i, r := range readers {
		if d := cmp.Diff([]string{w.a1}, w.accounts(t, r)); d != "" {
			t.Errorf("reader %d after leaving the group: Entitlements (-want +got):\n%s", i, d)
		}
		if w.may(t, r, w.a2) {
			t.Errorf("reader %d after leaving the group: MayUse(%s) = true", i, w.a2)
		}
	}
	// Deleting the direct assignment removes a1 at once.
	w.unassign(t, writer, w.a1, types.PrincipalTypeUser, w.user)
	for i, r := range readers {
		if got := w.accounts(t, r); len(got) != 0 {
			t.Errorf("reader %d after deleting the assignment: Entitlements = %v, want none", i, got)
		}
		if w.may(t, r, w.a1) {
			t.Errorf("reader %d after deleting the assignment: MayUse(%s) = true", i, w.a1)
		}
	}
	// Rejoining brings the group's assignments back.
	if _, err := writer.IdentityStore().CreateGroupMembership(ctx, &identitystore.CreateGroupMembershipInput{IdentityStoreId: aws.String(writer.IdentityStoreID), GroupId: aws.String(w.group), MemberId: &istypes.MemberIdMemberUserId{Value: w.user}}); err != nil {
		t.Fatalf("CreateGroupMembership: %v", err)
	}
	for i, r := range readers {
		if d := cmp.Diff(both, w.accounts(t, r)); d != "" {
			t.Errorf("reader %d after rejoining: Entitlements (-want +got):\n%s", i, d)
		}
	}
	// Deleting the group's assignment in a2 removes it.
	w.unassign(t, writer, w.a2, types.PrincipalTypeGroup, w.group)
	for i, r := range readers {
		if d := cmp.Diff([]string{w.a1}, w.accounts(t, r)); d != "" {
			t.Errorf("reader %d after deleting the group assignment: Entitlements (-want +got):\n%s", i, d)
		}
	}
}

func TestEntitlementsStayCurrent(t *testing.T) {
	testenv.Backends(t, func(t *testing.T, env *testenv.Env) {
		w := build(t, env)
		checkCurrent(t, w, env, access.New(env.Store), indexed(t, env.Store))
	})
}

// indexed returns a Service on st whose entitlement index is loaded, so
// that its answers come from the index (a fresh Service answers in SQL
// until its index has loaded in the background).
func indexed(t *testing.T, st store.Store) *access.Service {
	t.Helper()
	svc := access.New(st)
	if err := svc.IndexReady(t.Context()); err != nil {
		t.Fatalf("IndexReady: %v", err)
	}
	return svc
}

// TestEntitlementsAcrossReplicas runs two servers on two stores opened on
// one PostgreSQL database: changes made through either are seen by both at
// once.
func TestEntitlementsAcrossReplicas(t *testing.T) {
	t.Parallel()
	dsn := testenv.PostgresDSN(t)
	open := func() *access.Service {
		t.Helper()
		st, err := postgres.Open(t.Context(), dsn)
		if err != nil {
			t.Fatalf("postgres.Open: %v", err)
		}
		t.Cleanup(func() { st.Close() })
		return access.New(st)
	}
	key := keys.Generate()
	st1, err := postgres.Open(t.Context(), dsn)
	if err != nil {
		t.Fatalf("postgres.Open: %v", err)
	}
	t.Cleanup(func() { st1.Close() })
	st2, err := postgres.Open(t.Context(), dsn)
	if err != nil {
		t.Fatalf("postgres.Open: %v", err)
	}
	t.Cleanup(func() { st2.Close() })
	env1 := testenv.NewWith(t, "postgres", testenv.Options{Store: st1, MasterKey: key})
	env2 := testenv.NewWith(t, "postgres", testenv.Options{Store: st2, MasterKey: key})
	if env1.InstanceARN != env2.InstanceARN {
		t.Fatalf("replicas disagree on the instance: %s, %s", env1.InstanceARN, env2.InstanceARN)
	}
	w := build(t, env1)
	// Writes go through the second replica; both replicas and a third
	// connection pool read.
	r1, r2, r3 := access.New(st1), indexed(t, st1), indexed(t, st2)
	for _, st := range []coherent{st1, st2} {
		waitCoherent(t, st)
	}
	reads := st1.FeedReads()
	checkCurrent(t, w, env2, r1, r2, r3, open())
	// The first replica's indexes answered from memory, reading the feed
	// only when the writer announced a change (4 changes, 2 indexes) — not
	// once per answer.
	if n := st1.FeedReads() - reads; n > 8 {
		t.Errorf("the reading replica read the feed %d times for 4 changes", n)
	}
}

// waitCoherent waits until a PostgreSQL store may let its indexes answer
// from memory (it has joined its peers; see internal/store/sqldb/replicas.go).
func waitCoherent(t *testing.T, st coherent) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, valid, _ := st.ReplicaState(); valid {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the replica never became coherent")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
