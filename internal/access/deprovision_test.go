package access_test

import (
	"errors"
	"testing"
	"time"

	"github.com/idcenter/idcenter/internal/access"
	"github.com/idcenter/idcenter/internal/access/benchdata"
	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/store"
	"github.com/idcenter/idcenter/internal/store/postgres"
)

// TestDeprovisionWaitsForCreates: the last DeleteAccountAssignment of a
// pair removes the pair's role only after every create of the pair that
// got in first has committed (it locks the role FOR UPDATE, which the
// creates' foreign-key checks of the role hold off). Here a create by hand
// has inserted its assignment, and so holds the role, when the delete
// starts: the delete must wait for it, count it, and keep the role. A
// delete that did not wait would find no assignment left, and its removal
// of the role would then fail on the create's committed row.
func TestDeprovisionWaitsForCreates(t *testing.T) {
	f := raceSetup(t)
	ctx := t.Context()
	st, err := postgres.Open(ctx, f.dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc := access.New(st)
	// A pair that is not provisioned yet: the user's create provisions it,
	// and is its only assignment.
	var pair benchdata.Pair
	have := map[benchdata.Pair]bool{}
	for _, p := range f.d.Pairs {
		have[p] = true
	}
	for _, a := range f.d.Accounts {
		for _, ps := range f.d.PermissionSets {
			if p := (benchdata.Pair{AccountID: a, PermissionSetARN: ps.ARN}); !have[p] && pair.AccountID == "" {
				pair = p
			}
		}
	}
	if pair.AccountID == "" {
		t.Fatal("every pair is provisioned")
	}
	user := access.AssignmentInput{InstanceARN: f.d.InstanceARN, AccountID: pair.AccountID, PermissionSetARN: pair.PermissionSetARN,
		PrincipalType: idc.PrincipalUser, PrincipalID: f.d.UserID}
	if s, err := svc.CreateAssignment(ctx, user); err != nil || s.Status != idc.StatusSucceeded {
		t.Fatalf("CreateAssignment = %+v, %v", s, err)
	}

	tx, err := f.admin.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback() }()
	group := f.d.Groups[0]
	if _, err := tx.ExecContext(ctx, `INSERT INTO access_assignments (account_id, permission_set_arn, principal_type, principal_id,
		instance_arn, identity_store_id, user_id, group_id, created_at) VALUES ($1, $2, 'GROUP', $3, $4, $5, NULL, $3, 0)`,
		pair.AccountID, pair.PermissionSetARN, group, f.d.InstanceARN, f.d.IdentityStoreID); err != nil {
		t.Fatal(err)
	}
	type result struct {
		s   *idc.OperationStatus
		err error
	}
	deleted := make(chan result, 1)
	go func() {
		s, err := svc.DeleteAssignment(ctx, user)
		deleted <- result{s, err}
	}()
	select {
	case r := <-deleted:
		t.Fatalf("DeleteAssignment returned (%+v, %v) while a create of the pair was uncommitted; want it to wait", r.s, r.err)
	case <-time.After(300 * time.Millisecond):
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	r := <-deleted
	if r.err != nil || r.s.Status != idc.StatusSucceeded {
		t.Fatalf("DeleteAssignment = %+v, %v; want SUCCEEDED", r.s, r.err)
	}
	if _, err := st.GetProvisionedRole(ctx, pair.PermissionSetARN, pair.AccountID); err != nil {
		t.Errorf("the pair's role after deleting one of its two assignments: %v; want it kept", err)
	}
	if has, err := st.HasAssignments(ctx, pair.PermissionSetARN, pair.AccountID); err != nil || !has {
		t.Errorf("HasAssignments = %v, %v; want the group's", has, err)
	}
	// And once the group's goes too, so does the role.
	groupIn := user
	groupIn.PrincipalType, groupIn.PrincipalID = idc.PrincipalGroup, group
	if s, err := svc.DeleteAssignment(ctx, groupIn); err != nil || s.Status != idc.StatusSucceeded {
		t.Fatalf("DeleteAssignment(group) = %+v, %v", s, err)
	}
	if _, err := st.GetProvisionedRole(ctx, pair.PermissionSetARN, pair.AccountID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the pair's role after its last assignment went: %v; want ErrNotFound", err)
	}
}
