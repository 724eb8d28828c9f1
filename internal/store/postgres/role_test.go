package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/store"
)

// TestAssignmentRoleKey: on PostgreSQL an assignment's pair is checked by
// a foreign key to its provisioned role (migration 0020), which also does
// the locking a create and a deprovisioning need between them.
func TestAssignmentRoleKey(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s, _ := openWithRaw(t)
	in, org, ps, users := assignmentFixture(t, s, "u0", "u1", "u2")
	acct := org.ManagementAccountID
	create := func(user string) (bool, error) {
		now := time.Now().UTC().Truncate(time.Millisecond)
		a := &idc.Assignment{InstanceARN: in.InstanceARN, IdentityStoreID: in.IdentityStoreID, AccountID: acct, PermissionSetARN: ps.ARN,
			PrincipalType: idc.PrincipalUser, PrincipalID: user, CreatedAt: now}
		o := &idc.OperationStatus{RequestID: idc.UUID(), InstanceARN: in.InstanceARN, Kind: idc.OpCreateAssignment, Status: idc.StatusSucceeded,
			AccountID: acct, PermissionSetARN: ps.ARN, PrincipalType: idc.PrincipalUser, PrincipalID: user, CreatedAt: now}
		return s.CreateAssignmentIfProvisioned(ctx, a, o)
	}
	has := func() bool {
		t.Helper()
		ok, err := s.HasAssignments(ctx, ps.ARN, acct)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	// deprovisioning holds the pair's role as DeleteAssignment does, lets
	// a create start meanwhile, and then deletes the role (or not).
	deprovisioning := func(remove bool) (bool, error) {
		t.Helper()
		locked, created := make(chan struct{}), make(chan struct{})
		var done bool
		var err error
		go func() {
			<-locked
			done, err = create(users[0])
			close(created)
		}()
		mustTx(t, s, "deprovision", func(ctx context.Context, q store.Queries) error {
			if err := q.LockProvisionedRoleExclusive(ctx, ps.ARN, acct); err != nil {
				return err
			}
			close(locked)
			// Give the create time to reach the lock; it must not get past it.
			time.Sleep(200 * time.Millisecond)
			if has() {
				return errors.New("a create got past the exclusive lock")
			}
			if !remove {
				return nil
			}
			return q.DeleteProvisionedRole(ctx, ps.ARN, acct)
		})
		<-created
		return done, err
	}

	// The role stays: the create that waited for it goes through.
	if done, err := deprovisioning(false); !done || err != nil {
		t.Fatalf("create behind a deprovisioning that kept the role = %v, %v; want true, nil", done, err)
	}
	if !has() {
		t.Fatal("the create's assignment is missing")
	}

	// A role with assignments cannot be deleted.
	err := s.Tx(ctx, func(q store.Queries) error { return q.DeleteProvisionedRole(ctx, ps.ARN, acct) })
	if !errors.Is(err, store.ErrReferenced) {
		t.Fatalf("DeleteProvisionedRole(in use) = %v, want ErrReferenced", err)
	}

	// The role goes: the create that waited for it writes nothing and
	// reports the pair unprovisioned.
	mustTx(t, s, "DeleteAssignment", func(ctx context.Context, q store.Queries) error {
		return q.DeleteAssignment(ctx, &idc.Assignment{AccountID: acct, PermissionSetARN: ps.ARN, PrincipalType: idc.PrincipalUser, PrincipalID: users[0]})
	})
	if done, err := deprovisioning(true); done || err != nil {
		t.Fatalf("create behind a deprovisioning that removed the role = %v, %v; want false, nil", done, err)
	}
	if has() {
		t.Fatal("an assignment was written without its role")
	}

	// Deleting the account takes its roles and its assignments in one
	// statement: the role key is checked at its end, when both are gone.
	mustTx(t, s, "provision again", func(ctx context.Context, q store.Queries) error {
		return q.PutProvisionedRole(ctx, &idc.ProvisionedRole{InstanceARN: in.InstanceARN, PermissionSetARN: ps.ARN, AccountID: acct,
			RoleName: idc.RoleName(ps.Name, ps.ARN, acct), Version: ps.Version, SessionSeconds: 3600, ProvisionedAt: time.Now()})
	})
	for _, u := range users[1:] {
		if done, err := create(u); !done || err != nil {
			t.Fatalf("create %s = %v, %v", u, done, err)
		}
	}
	mustTx(t, s, "DeleteAccount", func(ctx context.Context, q store.Queries) error { return q.DeleteAccount(ctx, acct) })
	if has() {
		t.Error("assignments in a deleted account remain")
	}
	if _, err := s.GetProvisionedRole(ctx, ps.ARN, acct); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetProvisionedRole in a deleted account = %v, want ErrNotFound", err)
	}
}
