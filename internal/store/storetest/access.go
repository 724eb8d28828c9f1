package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/store"
)

// accessFixture is a store with an instance, an organization with two
// accounts, two users and a group.
type accessFixture struct {
	s      store.Store
	inst   *idc.Instance
	org    *orgFixture
	a1, a2 string
	u1, u2 string
	g      string
	now    time.Time
	dir    *dirFixture
}

func newAccessFixture(t *testing.T, open Opener) *accessFixture {
	t.Helper()
	s := open(t)
	ctx := t.Context()
	now := orgNow()
	inst := &idc.Instance{InstanceARN: idc.NewInstanceARN(), IdentityStoreID: idc.NewIdentityStoreID(), Name: "i", Status: "ACTIVE", CreatedAt: now}
	mustTx(t, s, "CreateInstance", func(q store.Queries) error { return q.CreateInstance(ctx, inst) })
	f := &accessFixture{s: s, inst: inst, org: newOrg(t, s), now: now}
	f.dir = &dirFixture{s: s, id: inst.IdentityStoreID, now: now}
	a1, a2 := f.org.account(f.org.root, "one"), f.org.account(f.org.root, "two")
	mustTx(t, s, "CreateAccount", func(q store.Queries) error {
		if err := q.CreateAccount(ctx, a1); err != nil {
			return err
		}
		return q.CreateAccount(ctx, a2)
	})
	f.a1, f.a2 = a1.ID, a2.ID
	u1, u2, g := f.dir.user("u1"), f.dir.user("u2"), f.dir.group("g")
	f.dir.mustCreateUser(t, u1)
	f.dir.mustCreateUser(t, u2)
	f.dir.mustCreateGroup(t, g)
	f.dir.mustCreateMembership(t, f.dir.membership(g.GroupID, u2.UserID))
	f.u1, f.u2, f.g = u1.UserID, u2.UserID, g.GroupID
	return f
}

func mustTx(t *testing.T, s store.Store, what string, fn func(q store.Queries) error) {
	t.Helper()
	if err := s.Tx(t.Context(), fn); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func (f *accessFixture) permissionSet(t *testing.T, name string) *idc.PermissionSet {
	t.Helper()
	ps := &idc.PermissionSet{ARN: idc.NewPermissionSetARN(f.inst.InstanceARN), InstanceARN: f.inst.InstanceARN, Name: name, SessionDuration: "PT1H", CreatedAt: f.now}
	mustTx(t, f.s, "CreatePermissionSet", func(q store.Queries) error { return q.CreatePermissionSet(t.Context(), ps) })
	return ps
}

func (f *accessFixture) assignment(ps *idc.PermissionSet, account, typ, id string) *idc.Assignment {
	return &idc.Assignment{InstanceARN: f.inst.InstanceARN, IdentityStoreID: f.inst.IdentityStoreID, AccountID: account,
		PermissionSetARN: ps.ARN, PrincipalType: typ, PrincipalID: id, CreatedAt: f.now}
}

// provision stores a snapshot and a role for ps in account.
func (f *accessFixture) provision(t *testing.T, ps *idc.PermissionSet, account string) {
	t.Helper()
	ctx := t.Context()
	mustTx(t, f.s, "provision", func(q store.Queries) error {
		if err := q.PutSnapshot(ctx, &idc.PermissionSetSnapshot{PermissionSetARN: ps.ARN, Version: ps.Version, Document: "{}", CreatedAt: f.now}); err != nil {
			return err
		}
		return q.PutProvisionedRole(ctx, &idc.ProvisionedRole{InstanceARN: f.inst.InstanceARN, PermissionSetARN: ps.ARN, AccountID: account,
			RoleName: idc.RoleName(ps.Name, ps.ARN, account), Version: ps.Version, SessionSeconds: 3600, ProvisionedAt: f.now})
	})
}

func testAccess(t *testing.T, open Opener) {
	t.Run("PermissionSets", func(t *testing.T) {
		t.Parallel()
		f := newAccessFixture(t, open)
		ctx := t.Context()
		ps := f.permissionSet(t, "Admin")
		got, err := f.s.GetPermissionSet(ctx, ps.ARN)
		if err != nil {
			t.Fatalf("GetPermissionSet: %v", err)
		}
		if d := cmp.Diff(ps, got); d != "" || got.Version != 1 {
			t.Errorf("GetPermissionSet (-want +got):\n%s", d)
		}
		dup := *ps
		dup.ARN = idc.NewPermissionSetARN(f.inst.InstanceARN)
		if err := f.s.Tx(ctx, func(q store.Queries) error { return q.CreatePermissionSet(ctx, &dup) }); !errors.Is(err, store.ErrDuplicate) {
			t.Errorf("CreatePermissionSet(same name) = %v, want ErrDuplicate", err)
		}
		orphan := &idc.PermissionSet{ARN: idc.NewPermissionSetARN(idc.NewInstanceARN()), InstanceARN: idc.NewInstanceARN(), Name: "x", SessionDuration: "PT1H", CreatedAt: f.now}
		if err := f.s.Tx(ctx, func(q store.Queries) error { return q.CreatePermissionSet(ctx, orphan) }); !errors.Is(err, store.ErrReferenced) {
			t.Errorf("CreatePermissionSet(no instance) = %v, want ErrReferenced", err)
		}

		ps.Description, ps.InlinePolicy = "d", `{"Statement":[]}`
		ps.Boundary = &idc.PermissionsBoundary{CustomerManagedPolicy: &idc.CustomerManagedPolicyRef{Name: "B", Path: "/p/"}}
		mustTx(t, f.s, "UpdatePermissionSet", func(q store.Queries) error { return q.UpdatePermissionSet(ctx, ps) })
		if ps.Version != 2 {
			t.Errorf("UpdatePermissionSet version = %d, want 2", ps.Version)
		}
		var v int64
		mustTx(t, f.s, "Bump", func(q store.Queries) (err error) { v, err = q.BumpPermissionSetVersion(ctx, ps.ARN); return err })
		ps.Version = v
		got, _ = f.s.GetPermissionSet(ctx, ps.ARN)
		if d := cmp.Diff(ps, got); d != "" || v != 3 {
			t.Errorf("after update and bump (-want +got), version %d:\n%s", v, d)
		}
		if err := f.s.Tx(ctx, func(q store.Queries) error { return q.UpdatePermissionSet(ctx, orphan) }); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("UpdatePermissionSet(missing) = %v, want ErrNotFound", err)
		}

		// Policies.
		mustTx(t, f.s, "attach", func(q store.Queries) error {
			for _, n := range []string{"B", "A", "C"} {
				if err := q.AttachManagedPolicy(ctx, ps.ARN, idc.ManagedPolicy{ARN: "arn:aws:iam::aws:policy/" + n, Name: n}); err != nil {
					return err
				}
				if err := q.AttachCustomerManagedPolicy(ctx, ps.ARN, idc.CustomerManagedPolicyRef{Name: n, Path: "/"}); err != nil {
					return err
				}
			}
			return nil
		})
		if err := f.s.Tx(ctx, func(q store.Queries) error {
			return q.AttachManagedPolicy(ctx, ps.ARN, idc.ManagedPolicy{ARN: "arn:aws:iam::aws:policy/A", Name: "A"})
		}); !errors.Is(err, store.ErrDuplicate) {
			t.Errorf("AttachManagedPolicy(twice) = %v, want ErrDuplicate", err)
		}
		mps := orgPageAll(t, func(p store.Page) ([]idc.ManagedPolicy, error) { return f.s.ListManagedPolicies(ctx, ps.ARN, p) }, func(m idc.ManagedPolicy) string { return m.ARN })
		if len(mps) != 3 || mps[0].Name != "A" || mps[2].Name != "C" {
			t.Errorf("ListManagedPolicies = %v, want A, B, C", mps)
		}
		refs := orgPageAll(t, func(p store.Page) ([]idc.CustomerManagedPolicyRef, error) {
			return f.s.ListCustomerManagedPolicies(ctx, ps.ARN, p)
		},
			func(r idc.CustomerManagedPolicyRef) string { return r.Path + r.Name })
		if len(refs) != 3 || refs[0].Name != "A" {
			t.Errorf("ListCustomerManagedPolicies = %v, want A, B, C", refs)
		}
		if n, err := f.s.CountManagedPolicies(ctx, ps.ARN); n != 3 || err != nil {
			t.Errorf("CountManagedPolicies = %d, %v", n, err)
		}
		if n, err := f.s.CountCustomerManagedPolicies(ctx, ps.ARN); n != 3 || err != nil {
			t.Errorf("CountCustomerManagedPolicies = %d, %v", n, err)
		}
		mustTx(t, f.s, "detach", func(q store.Queries) error {
			if err := q.DetachManagedPolicy(ctx, ps.ARN, "arn:aws:iam::aws:policy/B"); err != nil {
				return err
			}
			return q.DetachCustomerManagedPolicy(ctx, ps.ARN, idc.CustomerManagedPolicyRef{Name: "B", Path: "/"})
		})
		if err := f.s.Tx(ctx, func(q store.Queries) error { return q.DetachManagedPolicy(ctx, ps.ARN, "arn:aws:iam::aws:policy/B") }); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("DetachManagedPolicy(absent) = %v, want ErrNotFound", err)
		}
		if err := f.s.Tx(ctx, func(q store.Queries) error {
			return q.DetachCustomerManagedPolicy(ctx, ps.ARN, idc.CustomerManagedPolicyRef{Name: "B", Path: "/"})
		}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("DetachCustomerManagedPolicy(absent) = %v, want ErrNotFound", err)
		}

		// Listing and counting.
		var arns []string
		for i := range 3 {
			arns = append(arns, f.permissionSet(t, fmt.Sprint("p", i)).ARN)
		}
		arns = append(arns, ps.ARN)
		slices.Sort(arns)
		listed := orgPageAll(t, func(p store.Page) ([]string, error) { return f.s.ListPermissionSets(ctx, f.inst.InstanceARN, p) }, func(s string) string { return s })
		if d := cmp.Diff(arns, listed); d != "" {
			t.Errorf("ListPermissionSets (-want +got):\n%s", d)
		}
		if n, err := f.s.CountPermissionSets(ctx, f.inst.InstanceARN); n != 4 || err != nil {
			t.Errorf("CountPermissionSets = %d, %v; want 4", n, err)
		}

		// Tags go with the permission set.
		mustTx(t, f.s, "tag", func(q store.Queries) error {
			return q.PutResourceTags(ctx, f.inst.InstanceARN, ps.ARN, []idc.Tag{{Key: "a", Value: "1"}, {Key: "b", Value: "2"}})
		})
		mustTx(t, f.s, "DeletePermissionSet", func(q store.Queries) error { return q.DeletePermissionSet(ctx, ps.ARN) })
		if _, err := f.s.GetPermissionSet(ctx, ps.ARN); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetPermissionSet(deleted) = %v, want ErrNotFound", err)
		}
		if n, _ := f.s.CountResourceTags(ctx, ps.ARN); n != 0 {
			t.Errorf("tags of a deleted permission set = %d, want 0", n)
		}
		if n, _ := f.s.CountManagedPolicies(ctx, ps.ARN); n != 0 {
			t.Errorf("managed policies of a deleted permission set = %d, want 0", n)
		}
		if err := f.s.Tx(ctx, func(q store.Queries) error { return q.DeletePermissionSet(ctx, ps.ARN) }); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("DeletePermissionSet(again) = %v, want ErrNotFound", err)
		}
	})

	t.Run("Assignments", func(t *testing.T) {
		t.Parallel()
		f := newAccessFixture(t, open)
		ctx := t.Context()
		ps := f.permissionSet(t, "Dev")
		a := f.assignment(ps, f.a1, idc.PrincipalUser, f.u1)
		// On PostgreSQL an assignment needs its pair's role (the
		// permission set provisioned in the account) by foreign key.
		if f.s.Backend() == "postgres" {
			if err := f.s.Tx(ctx, func(q store.Queries) error { _, err := q.CreateAssignment(ctx, a); return err }); !errors.Is(err, store.ErrReferenced) {
				t.Errorf("CreateAssignment(not provisioned) = %v, want ErrReferenced", err)
			}
		}
		f.provision(t, ps, f.a1)
		f.provision(t, ps, f.a2)
		var created bool
		mustTx(t, f.s, "CreateAssignment", func(q store.Queries) (err error) { created, err = q.CreateAssignment(ctx, a); return err })
		if !created {
			t.Error("CreateAssignment reported an existing assignment")
		}
		mustTx(t, f.s, "CreateAssignment again", func(q store.Queries) (err error) { created, err = q.CreateAssignment(ctx, a); return err })
		if created {
			t.Error("CreateAssignment(again) reported a new assignment")
		}
		for _, bad := range []*idc.Assignment{
			f.assignment(ps, f.a1, idc.PrincipalUser, idc.NewResourceID(f.inst.IdentityStoreID)),
			f.assignment(ps, f.a1, idc.PrincipalGroup, f.u1),
			f.assignment(ps, "999999999999", idc.PrincipalUser, f.u1),
			{InstanceARN: f.inst.InstanceARN, IdentityStoreID: f.inst.IdentityStoreID, AccountID: f.a1, PermissionSetARN: idc.NewPermissionSetARN(f.inst.InstanceARN), PrincipalType: idc.PrincipalUser, PrincipalID: f.u1, CreatedAt: f.now},
		} {
			if err := f.s.Tx(ctx, func(q store.Queries) error { _, err := q.CreateAssignment(ctx, bad); return err }); !errors.Is(err, store.ErrReferenced) {
				t.Errorf("CreateAssignment(%s %s in %s) = %v, want ErrReferenced", bad.PrincipalType, bad.PrincipalID, bad.AccountID, err)
			}
		}
		mustTx(t, f.s, "more", func(q store.Queries) error {
			for _, x := range []*idc.Assignment{
				f.assignment(ps, f.a1, idc.PrincipalGroup, f.g),
				f.assignment(ps, f.a2, idc.PrincipalGroup, f.g),
				f.assignment(ps, f.a1, idc.PrincipalUser, f.u2),
			} {
				if _, err := q.CreateAssignment(ctx, x); err != nil {
					return err
				}
			}
			return nil
		})
		list := orgPageAll(t, func(p store.Page) ([]*idc.Assignment, error) { return f.s.ListAssignments(ctx, f.a1, ps.ARN, p) }, store.AssignmentCursor)
		var keys []string
		for _, x := range list {
			keys = append(keys, store.AssignmentCursor(x))
		}
		want := []string{"GROUP/" + f.g, "USER/" + min(f.u1, f.u2), "USER/" + max(f.u1, f.u2)}
		if d := cmp.Diff(want, keys); d != "" {
			t.Errorf("ListAssignments (-want +got):\n%s", d)
		}
		if d := cmp.Diff(a, list[slices.IndexFunc(list, func(x *idc.Assignment) bool { return x.PrincipalID == f.u1 })]); d != "" {
			t.Errorf("listed assignment (-want +got):\n%s", d)
		}
		byGroup := orgPageAll(t, func(p store.Page) ([]*idc.Assignment, error) {
			return f.s.ListAssignmentsForPrincipal(ctx, f.inst.InstanceARN, idc.PrincipalGroup, f.g, "", p)
		}, store.PrincipalAssignmentCursor)
		if len(byGroup) != 2 || byGroup[0].AccountID != min(f.a1, f.a2) {
			t.Errorf("ListAssignmentsForPrincipal(group) = %d, want 2 ordered by account", len(byGroup))
		}
		only, err := f.s.ListAssignmentsForPrincipal(ctx, f.inst.InstanceARN, idc.PrincipalGroup, f.g, f.a2, store.Page{Limit: 10})
		if err != nil || len(only) != 1 || only[0].AccountID != f.a2 {
			t.Errorf("ListAssignmentsForPrincipal(group, %s) = %v, %v", f.a2, only, err)
		}
		if has, err := f.s.HasAssignments(ctx, ps.ARN, f.a2); !has || err != nil {
			t.Errorf("HasAssignments = %v, %v; want true", has, err)
		}

		// A permission set in use cannot be deleted.
		if err := f.s.Tx(ctx, func(q store.Queries) error { return q.DeletePermissionSet(ctx, ps.ARN) }); !errors.Is(err, store.ErrReferenced) {
			t.Errorf("DeletePermissionSet(in use) = %v, want ErrReferenced", err)
		}

		// Deleting the group deletes its assignments; deleting the account, the rest there.
		mustTx(t, f.s, "DeleteGroup", func(q store.Queries) error { return q.DeleteGroup(ctx, f.inst.IdentityStoreID, f.g) })
		if has, _ := f.s.HasAssignments(ctx, ps.ARN, f.a2); has {
			t.Error("assignments of a deleted group remain")
		}
		mustTx(t, f.s, "DeleteAssignment", func(q store.Queries) error { return q.DeleteAssignment(ctx, a) })
		if err := f.s.Tx(ctx, func(q store.Queries) error { return q.DeleteAssignment(ctx, a) }); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("DeleteAssignment(again) = %v, want ErrNotFound", err)
		}
		mustTx(t, f.s, "DeleteAccount", func(q store.Queries) error { return q.DeleteAccount(ctx, f.a1) })
		if has, _ := f.s.HasAssignments(ctx, ps.ARN, f.a1); has {
			t.Error("assignments in a deleted account remain")
		}
		mustTx(t, f.s, "DeletePermissionSet", func(q store.Queries) error { return q.DeletePermissionSet(ctx, ps.ARN) })
	})

	t.Run("CreateAssignmentIfProvisioned", func(t *testing.T) {
		// The one-call create writes the assignment and its status only
		// when the pair is provisioned, records a status for an assignment
		// that already exists, and writes nothing when a reference is
		// missing.
		t.Parallel()
		f := newAccessFixture(t, open)
		ctx := t.Context()
		ps := f.permissionSet(t, "Fast")
		status := func(a *idc.Assignment) *idc.OperationStatus {
			return &idc.OperationStatus{RequestID: idc.NewResourceID("req"), InstanceARN: f.inst.InstanceARN, Kind: idc.OpCreateAssignment,
				Status: idc.StatusSucceeded, AccountID: a.AccountID, PermissionSetARN: a.PermissionSetARN, PrincipalType: a.PrincipalType,
				PrincipalID: a.PrincipalID, CreatedAt: f.now}
		}
		recorded := func(o *idc.OperationStatus) bool {
			_, err := f.s.GetOperationStatus(ctx, o.InstanceARN, o.Kind, o.RequestID)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("GetOperationStatus: %v", err)
			}
			return err == nil
		}
		a := f.assignment(ps, f.a1, idc.PrincipalUser, f.u1)
		o := status(a)
		if done, err := f.s.CreateAssignmentIfProvisioned(ctx, a, o); done || err != nil {
			t.Fatalf("not provisioned: CreateAssignmentIfProvisioned = %v, %v; want false, nil", done, err)
		}
		if has, _ := f.s.HasAssignments(ctx, ps.ARN, f.a1); has || recorded(o) {
			t.Fatalf("not provisioned: assignment %v, status %v written; want neither", has, recorded(o))
		}
		// In a transaction too, and the transaction goes on: a write after
		// it commits (on PostgreSQL the refused statement is contained in a
		// savepoint).
		after := status(a)
		after.RequestID = idc.NewResourceID("req")
		mustTx(t, f.s, "CreateAssignmentIfProvisioned in Tx", func(q store.Queries) error {
			if done, err := q.CreateAssignmentIfProvisioned(ctx, a, o); done || err != nil {
				return fmt.Errorf("not provisioned, in Tx: = %v, %v; want false, nil", done, err)
			}
			return q.CreateOperationStatus(ctx, after)
		})
		if has, _ := f.s.HasAssignments(ctx, ps.ARN, f.a1); has || recorded(o) || !recorded(after) {
			t.Fatalf("not provisioned, in Tx: assignment %v, status %v written, next status %v; want only the next", has, recorded(o), recorded(after))
		}
		f.provision(t, ps, f.a1)
		for _, what := range []string{"new", "existing"} {
			o := status(a)
			if done, err := f.s.CreateAssignmentIfProvisioned(ctx, a, o); !done || err != nil {
				t.Fatalf("%s: CreateAssignmentIfProvisioned = %v, %v; want true, nil", what, done, err)
			}
			if !recorded(o) {
				t.Errorf("%s: status not recorded", what)
			}
		}
		// In a transaction, with a write after it that commits with it.
		second := f.assignment(ps, f.a1, idc.PrincipalUser, f.u2)
		o2, next := status(second), status(second)
		mustTx(t, f.s, "CreateAssignmentIfProvisioned in Tx", func(q store.Queries) error {
			if done, err := q.CreateAssignmentIfProvisioned(ctx, second, o2); !done || err != nil {
				return fmt.Errorf("provisioned, in Tx: = %v, %v; want true, nil", done, err)
			}
			return q.CreateOperationStatus(ctx, next)
		})
		if !recorded(o2) || !recorded(next) {
			t.Errorf("provisioned, in Tx: statuses recorded %v, %v; want both", recorded(o2), recorded(next))
		}
		if n := len(orgPageAll(t, func(p store.Page) ([]*idc.Assignment, error) { return f.s.ListAssignments(ctx, f.a1, ps.ARN, p) }, store.AssignmentCursor)); n != 2 {
			t.Errorf("%d assignments, want 2", n)
		}
		missing := f.assignment(ps, f.a1, idc.PrincipalGroup, idc.NewResourceID(f.inst.IdentityStoreID))
		o = status(missing)
		if _, err := f.s.CreateAssignmentIfProvisioned(ctx, missing, o); !errors.Is(err, store.ErrReferenced) {
			t.Errorf("missing group: CreateAssignmentIfProvisioned = %v, want ErrReferenced", err)
		}
		if recorded(o) {
			t.Error("missing group: the status of the refused create was kept")
		}
	})

	t.Run("ConcurrentCreateAssignmentIfProvisioned", func(t *testing.T) {
		// Creates arriving together (PostgreSQL writes them in one
		// statement, SQLite in one group commit) each get exactly their
		// own outcome: a missing principal fails only its own create, an
		// unprovisioned pair writes nothing, and a create repeated in the
		// same batch succeeds twice with one assignment.
		t.Parallel()
		f := newAccessFixture(t, open)
		ctx := t.Context()
		ps := f.permissionSet(t, "Batch")
		f.provision(t, ps, f.a1)
		var groups []string
		for i := range 8 {
			g := f.dir.group(fmt.Sprint("batch-", i))
			f.dir.mustCreateGroup(t, g)
			groups = append(groups, g.GroupID)
		}
		type create struct {
			a        *idc.Assignment
			o        *idc.OperationStatus
			done     bool
			err      error
			wantDone bool
			wantErr  error
		}
		// Round 3 has no missing principal, so its batch is written whole.
		for round := range 4 {
			var cs []*create
			add := func(account, group string, wantDone bool, wantErr error) {
				a := f.assignment(ps, account, idc.PrincipalGroup, group)
				o := &idc.OperationStatus{RequestID: idc.NewResourceID("req"), InstanceARN: f.inst.InstanceARN, Kind: idc.OpCreateAssignment,
					Status: idc.StatusSucceeded, AccountID: a.AccountID, PermissionSetARN: a.PermissionSetARN, PrincipalType: a.PrincipalType,
					PrincipalID: a.PrincipalID, CreatedAt: f.now}
				cs = append(cs, &create{a: a, o: o, wantDone: wantDone, wantErr: wantErr})
			}
			for i, g := range groups {
				add(f.a1, g, true, nil)
				if i%2 == round%2 {
					add(f.a1, g, true, nil) // the same create twice at once
				}
				add(f.a2, g, false, nil) // not provisioned there
				if i%3 == round {
					add(f.a1, idc.NewResourceID(f.inst.IdentityStoreID), false, store.ErrReferenced)
				}
			}
			var wg sync.WaitGroup
			start := make(chan struct{})
			for _, c := range cs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					c.done, c.err = f.s.CreateAssignmentIfProvisioned(ctx, c.a, c.o)
				}()
			}
			close(start)
			wg.Wait()
			for _, c := range cs {
				_, serr := f.s.GetOperationStatus(ctx, c.o.InstanceARN, c.o.Kind, c.o.RequestID)
				switch {
				case c.wantErr != nil:
					if !errors.Is(c.err, c.wantErr) {
						t.Errorf("round %d: create %s in %s = %v, %v; want %v", round, c.a.PrincipalID, c.a.AccountID, c.done, c.err, c.wantErr)
					}
					if serr == nil {
						t.Errorf("round %d: refused create %s kept its status", round, c.a.PrincipalID)
					}
				case c.err != nil || c.done != c.wantDone:
					t.Errorf("round %d: create %s in %s = %v, %v; want %v, nil", round, c.a.PrincipalID, c.a.AccountID, c.done, c.err, c.wantDone)
				case c.wantDone && serr != nil:
					t.Errorf("round %d: create %s in %s: status not recorded: %v", round, c.a.PrincipalID, c.a.AccountID, serr)
				case !c.wantDone && serr == nil:
					t.Errorf("round %d: unprovisioned create %s in %s recorded a status", round, c.a.PrincipalID, c.a.AccountID)
				}
			}
			got := orgPageAll(t, func(p store.Page) ([]*idc.Assignment, error) { return f.s.ListAssignments(ctx, f.a1, ps.ARN, p) }, store.AssignmentCursor)
			if len(got) != len(groups) {
				t.Errorf("round %d: %d assignments in the provisioned account, want %d", round, len(got), len(groups))
			}
			if has, _ := f.s.HasAssignments(ctx, ps.ARN, f.a2); has {
				t.Errorf("round %d: assignments written where the permission set is not provisioned", round)
			}
		}
	})

	t.Run("LockedPermissionSetDoesNotBlockCreates", func(t *testing.T) {
		// A transaction that locks a permission set to change it (as
		// provisioning does) must not hold up an assignment create on a
		// provisioned pair: the create's foreign-key check on the
		// permission set takes a key-share lock, which the read-modify-
		// write lock must not exclude. With FOR UPDATE it did, and
		// provisioning, which then updates the pair's role, deadlocked
		// with a create holding that role. (SQLite has one writer: any
		// open transaction holds up every other.)
		t.Parallel()
		f := newAccessFixture(t, open)
		if f.s.Backend() != "postgres" {
			t.Skip("SQLite runs one write transaction at a time")
		}
		ctx := t.Context()
		ps := f.permissionSet(t, "Locked")
		f.provision(t, ps, f.a1)
		locked, release, held := make(chan struct{}), make(chan struct{}), make(chan error, 1)
		go func() {
			held <- f.s.Tx(ctx, func(q store.Queries) error {
				if _, err := q.GetPermissionSetForUpdate(ctx, ps.ARN); err != nil {
					return err
				}
				close(locked)
				<-release
				return nil
			})
		}()
		<-locked
		a := f.assignment(ps, f.a1, idc.PrincipalUser, f.u1)
		o := &idc.OperationStatus{RequestID: idc.NewResourceID("req"), InstanceARN: f.inst.InstanceARN, Kind: idc.OpCreateAssignment,
			Status: idc.StatusSucceeded, AccountID: a.AccountID, PermissionSetARN: a.PermissionSetARN, PrincipalType: a.PrincipalType,
			PrincipalID: a.PrincipalID, CreatedAt: f.now}
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		done, err := f.s.CreateAssignmentIfProvisioned(cctx, a, o)
		cancel()
		close(release)
		if herr := <-held; herr != nil {
			t.Fatalf("the locking transaction: %v", herr)
		}
		if !done || err != nil {
			t.Errorf("CreateAssignmentIfProvisioned while the permission set is locked for update = %v, %v; want true, nil (it waited for the lock)", done, err)
		}
	})

	t.Run("Provisioning", func(t *testing.T) {
		t.Parallel()
		f := newAccessFixture(t, open)
		ctx := t.Context()
		ps := f.permissionSet(t, "Ops")
		other := f.permissionSet(t, "Other")
		role := &idc.ProvisionedRole{InstanceARN: f.inst.InstanceARN, PermissionSetARN: ps.ARN, AccountID: f.a1, RoleName: "r", Version: 1, SessionSeconds: 3600, ProvisionedAt: f.now}
		if err := f.s.Tx(ctx, func(q store.Queries) error { return q.PutProvisionedRole(ctx, role) }); !errors.Is(err, store.ErrReferenced) {
			t.Errorf("PutProvisionedRole(no snapshot) = %v, want ErrReferenced", err)
		}
		f.provision(t, ps, f.a1)
		f.provision(t, ps, f.a2)
		f.provision(t, other, f.a1)
		snap, err := f.s.GetSnapshot(ctx, ps.ARN, 1)
		if err != nil || snap.Document != "{}" {
			t.Errorf("GetSnapshot = %v, %v", snap, err)
		}
		mustTx(t, f.s, "PutSnapshot again", func(q store.Queries) error {
			return q.PutSnapshot(ctx, &idc.PermissionSetSnapshot{PermissionSetARN: ps.ARN, Version: 1, Document: "changed", CreatedAt: f.now})
		})
		if snap, _ := f.s.GetSnapshot(ctx, ps.ARN, 1); snap.Document != "{}" {
			t.Errorf("PutSnapshot replaced an existing snapshot: %q", snap.Document)
		}
		got, err := f.s.GetProvisionedRole(ctx, ps.ARN, f.a1)
		if err != nil || got.RoleName != idc.RoleName("Ops", ps.ARN, f.a1) || got.Version != 1 {
			t.Errorf("GetProvisionedRole = %+v, %v", got, err)
		}
		var inserted bool
		mustTx(t, f.s, "Ensure", func(q store.Queries) (err error) {
			inserted, err = q.EnsureProvisionedRole(ctx, &idc.ProvisionedRole{InstanceARN: f.inst.InstanceARN, PermissionSetARN: ps.ARN, AccountID: f.a1, RoleName: "x", Version: 1, SessionSeconds: 60, ProvisionedAt: f.now})
			return err
		})
		if got, _ := f.s.GetProvisionedRole(ctx, ps.ARN, f.a1); inserted || got.RoleName == "x" {
			t.Errorf("EnsureProvisionedRole replaced an existing role (inserted %v)", inserted)
		}

		accounts := func(filter store.ProvisioningFilter) []string {
			return orgPageAll(t, func(p store.Page) ([]string, error) { return f.s.ListProvisionedAccounts(ctx, ps.ARN, filter, p) }, func(s string) string { return s })
		}
		sets := func(filter store.ProvisioningFilter) []string {
			return orgPageAll(t, func(p store.Page) ([]string, error) {
				return f.s.ListProvisionedPermissionSets(ctx, f.inst.InstanceARN, f.a1, filter, p)
			}, func(s string) string { return s })
		}
		both := []string{min(f.a1, f.a2), max(f.a1, f.a2)}
		if d := cmp.Diff(both, accounts(store.ProvisionedAny)); d != "" {
			t.Errorf("ListProvisionedAccounts (-want +got):\n%s", d)
		}
		// A change makes every provisioned account stale until re-provisioned.
		mustTx(t, f.s, "bump", func(q store.Queries) (err error) {
			ps.Version, err = q.BumpPermissionSetVersion(ctx, ps.ARN)
			return err
		})
		if got := accounts(store.ProvisionedLatest); len(got) != 0 {
			t.Errorf("latest after a change = %v, want none", got)
		}
		if d := cmp.Diff(both, accounts(store.ProvisionedStale)); d != "" {
			t.Errorf("stale after a change (-want +got):\n%s", d)
		}
		if d := cmp.Diff([]string{other.ARN}, sets(store.ProvisionedLatest)); d != "" {
			t.Errorf("ListProvisionedPermissionSets(latest) (-want +got):\n%s", d)
		}
		mustTx(t, f.s, "reprovision", func(q store.Queries) error {
			if err := q.PutSnapshot(ctx, &idc.PermissionSetSnapshot{PermissionSetARN: ps.ARN, Version: ps.Version, Document: "{}", CreatedAt: f.now}); err != nil {
				return err
			}
			n, err := q.ReprovisionAll(ctx, ps.ARN, ps.Version, 7200)
			if n != 2 {
				return fmt.Errorf("ReprovisionAll updated %d, want 2", n)
			}
			return err
		})
		if d := cmp.Diff(both, accounts(store.ProvisionedLatest)); d != "" {
			t.Errorf("latest after re-provisioning (-want +got):\n%s", d)
		}
		if got := sets(store.ProvisionedAny); len(got) != 2 {
			t.Errorf("ListProvisionedPermissionSets = %v, want 2", got)
		}
		mustTx(t, f.s, "lock+delete", func(q store.Queries) error {
			if err := q.LockProvisionedRole(ctx, ps.ARN, f.a2); err != nil {
				return err
			}
			return q.DeleteProvisionedRole(ctx, ps.ARN, f.a2)
		})
		if err := f.s.Tx(ctx, func(q store.Queries) error { return q.LockProvisionedRole(ctx, ps.ARN, f.a2) }); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("LockProvisionedRole(deleted) = %v, want ErrNotFound", err)
		}
		// A provisioned but unassigned permission set can be deleted; its roles go.
		mustTx(t, f.s, "DeletePermissionSet", func(q store.Queries) error { return q.DeletePermissionSet(ctx, ps.ARN) })
		if _, err := f.s.GetProvisionedRole(ctx, ps.ARN, f.a1); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetProvisionedRole after DeletePermissionSet = %v, want ErrNotFound", err)
		}
	})

	t.Run("Entitlements", func(t *testing.T) {
		t.Parallel()
		f := newAccessFixture(t, open)
		ctx := t.Context()
		dev, ops, audit := f.permissionSet(t, "Dev"), f.permissionSet(t, "Ops"), f.permissionSet(t, "Audit")
		f.provision(t, dev, f.a1)
		f.provision(t, dev, f.a2)
		f.provision(t, ops, f.a1)
		f.provision(t, audit, f.a1)
		mustTx(t, f.s, "assign", func(q store.Queries) error {
			for _, x := range []*idc.Assignment{
				f.assignment(dev, f.a1, idc.PrincipalUser, f.u2),   // direct
				f.assignment(dev, f.a1, idc.PrincipalGroup, f.g),   // and through the group: once
				f.assignment(dev, f.a2, idc.PrincipalGroup, f.g),   // group only
				f.assignment(ops, f.a1, idc.PrincipalUser, f.u1),   // someone else
				f.assignment(audit, f.a1, idc.PrincipalUser, f.u2), // direct, a second set
			} {
				if _, err := q.CreateAssignment(ctx, x); err != nil {
					return err
				}
			}
			return nil
		})
		ents := func(user string) []string {
			sets, err := f.s.Entitlements(ctx, f.inst.IdentityStoreID, user)
			if err != nil {
				t.Fatalf("Entitlements: %v", err)
			}
			var out []string
			for _, e := range sets {
				for _, a := range e.Accounts {
					out = append(out, fmt.Sprintf("%s %s %s v%d", a, e.PermissionSet.Name, e.PermissionSet.SessionDuration, e.PermissionSet.Version))
				}
			}
			slices.Sort(out)
			return out
		}
		want := []string{f.a1 + " Dev PT1H v1", f.a1 + " Audit PT1H v1", f.a2 + " Dev PT1H v1"}
		slices.Sort(want)
		if d := cmp.Diff(want, ents(f.u2)); d != "" {
			t.Errorf("Entitlements(u2) (-want +got):\n%s", d)
		}
		may := func(user, account string, ps *idc.PermissionSet) bool {
			ok, err := f.s.MayUse(ctx, user, account, ps.ARN)
			if err != nil {
				t.Fatalf("MayUse: %v", err)
			}
			return ok
		}
		for _, c := range []struct {
			user, account string
			ps            *idc.PermissionSet
			want          bool
		}{
			{f.u2, f.a1, dev, true}, {f.u2, f.a2, dev, true}, {f.u2, f.a1, ops, false},
			{f.u1, f.a1, ops, true}, {f.u1, f.a2, dev, false}, {f.u2, f.a1, audit, true},
		} {
			if got := may(c.user, c.account, c.ps); got != c.want {
				t.Errorf("MayUse(%s, %s, %s) = %v, want %v", c.user, c.account, c.ps.Name, got, c.want)
			}
		}
		// Leaving the group loses the group's entitlements at once.
		m, err := f.s.GetMembershipByMember(ctx, f.inst.IdentityStoreID, f.g, f.u2)
		if err != nil {
			t.Fatal(err)
		}
		mustTx(t, f.s, "DeleteMembership", func(q store.Queries) error { return q.DeleteMembership(ctx, f.inst.IdentityStoreID, m.MembershipID) })
		want = []string{f.a1 + " Dev PT1H v1", f.a1 + " Audit PT1H v1"}
		slices.Sort(want)
		if d := cmp.Diff(want, ents(f.u2)); d != "" {
			t.Errorf("Entitlements(u2) after leaving the group (-want +got):\n%s", d)
		}
		if may(f.u2, f.a2, dev) {
			t.Error("MayUse after leaving the group = true")
		}
		if got := ents("nobody"); len(got) != 0 {
			t.Errorf("Entitlements(unknown user) = %v, want none", got)
		}
	})

	t.Run("StatusesTagsInstances", func(t *testing.T) {
		t.Parallel()
		f := newAccessFixture(t, open)
		ctx := t.Context()
		var ids []string
		mustTx(t, f.s, "statuses", func(q store.Queries) error {
			for i := range 5 {
				st := &idc.OperationStatus{RequestID: idc.UUID(), InstanceARN: f.inst.InstanceARN, Kind: idc.OpCreateAssignment, Status: idc.StatusSucceeded,
					AccountID: f.a1, PermissionSetARN: "arn", PrincipalType: idc.PrincipalUser, PrincipalID: f.u1, CreatedAt: f.now}
				if i%2 == 1 {
					st.Status, st.FailureReason = idc.StatusFailed, "because"
				}
				if err := q.CreateOperationStatus(ctx, st); err != nil {
					return err
				}
				ids = append(ids, st.RequestID)
			}
			return q.CreateOperationStatus(ctx, &idc.OperationStatus{RequestID: idc.UUID(), InstanceARN: f.inst.InstanceARN, Kind: idc.OpProvision, Status: idc.StatusSucceeded, CreatedAt: f.now})
		})
		bad := &idc.OperationStatus{RequestID: idc.UUID(), InstanceARN: f.inst.InstanceARN, Kind: idc.OpCreateAssignment, Status: idc.StatusFailed, CreatedAt: f.now}
		if err := f.s.Tx(ctx, func(q store.Queries) error { return q.CreateOperationStatus(ctx, bad) }); err == nil {
			t.Error("CreateOperationStatus(FAILED without a reason) succeeded")
		}
		for _, o := range []*idc.OperationStatus{
			{RequestID: idc.UUID(), InstanceARN: f.inst.InstanceARN, Kind: "RENAME", Status: idc.StatusSucceeded, CreatedAt: f.now},
			{RequestID: idc.UUID(), InstanceARN: f.inst.InstanceARN, Kind: idc.OpProvision, Status: "DONE", CreatedAt: f.now},
		} {
			if err := f.s.Tx(ctx, func(q store.Queries) error { return q.CreateOperationStatus(ctx, o) }); err == nil {
				t.Errorf("CreateOperationStatus(kind %q, status %q) succeeded", o.Kind, o.Status)
			}
		}
		st, err := f.s.GetOperationStatus(ctx, f.inst.InstanceARN, idc.OpCreateAssignment, ids[1])
		if err != nil || st.Status != idc.StatusFailed || st.FailureReason != "because" || st.PrincipalID != f.u1 {
			t.Errorf("GetOperationStatus = %+v, %v", st, err)
		}
		if _, err := f.s.GetOperationStatus(ctx, f.inst.InstanceARN, idc.OpDeleteAssignment, ids[1]); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetOperationStatus(other kind) = %v, want ErrNotFound", err)
		}
		list := func(status string) int {
			return len(orgPageAll(t, func(p store.Page) ([]*idc.OperationStatus, error) {
				return f.s.ListOperationStatuses(ctx, f.inst.InstanceARN, idc.OpCreateAssignment, status, p)
			}, func(o *idc.OperationStatus) string { return o.RequestID }))
		}
		if a, s, fl := list(""), list(idc.StatusSucceeded), list(idc.StatusFailed); a != 5 || s != 3 || fl != 2 {
			t.Errorf("ListOperationStatuses all/succeeded/failed = %d/%d/%d, want 5/3/2", a, s, fl)
		}

		// Tags.
		mustTx(t, f.s, "tags", func(q store.Queries) error {
			if err := q.PutResourceTags(ctx, f.inst.InstanceARN, f.inst.InstanceARN, []idc.Tag{{Key: "b", Value: "1"}, {Key: "a", Value: "1"}}); err != nil {
				return err
			}
			if err := q.PutResourceTags(ctx, f.inst.InstanceARN, f.inst.InstanceARN, []idc.Tag{{Key: "a", Value: "2"}}); err != nil {
				return err
			}
			return q.DeleteResourceTags(ctx, f.inst.InstanceARN, []string{"b", "absent"})
		})
		tags, err := f.s.ListResourceTags(ctx, f.inst.InstanceARN, store.Page{Limit: 10})
		if d := cmp.Diff([]idc.Tag{{Key: "a", Value: "2"}}, tags); d != "" || err != nil {
			t.Errorf("ListResourceTags (-want +got), %v:\n%s", err, d)
		}

		// ABAC configuration and regions.
		attrs := []idc.AccessControlAttribute{{Key: "CostCenter", Source: "${path:enterprise.costCenter}"}}
		if _, err := f.s.GetAccessControlAttributes(ctx, f.inst.InstanceARN); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetAccessControlAttributes(none) = %v, want ErrNotFound", err)
		}
		mustTx(t, f.s, "abac", func(q store.Queries) error { return q.PutAccessControlAttributes(ctx, f.inst.InstanceARN, attrs) })
		got, err := f.s.GetAccessControlAttributes(ctx, f.inst.InstanceARN)
		if d := cmp.Diff(attrs, got); d != "" || err != nil {
			t.Errorf("GetAccessControlAttributes (-want +got), %v:\n%s", err, d)
		}
		mustTx(t, f.s, "regions", func(q store.Queries) error {
			for _, r := range []string{"us-west-2", "eu-west-1"} {
				if err := q.PutRegion(ctx, &idc.Region{InstanceARN: f.inst.InstanceARN, Name: r, Status: "ACTIVE", AddedAt: f.now}); err != nil {
					return err
				}
			}
			return nil
		})
		if err := f.s.Tx(ctx, func(q store.Queries) error {
			return q.PutRegion(ctx, &idc.Region{InstanceARN: f.inst.InstanceARN, Name: "eu-west-1", Status: "ACTIVE", AddedAt: f.now})
		}); !errors.Is(err, store.ErrDuplicate) {
			t.Errorf("PutRegion(twice) = %v, want ErrDuplicate", err)
		}
		regions := orgPageAll(t, func(p store.Page) ([]*idc.Region, error) { return f.s.ListRegions(ctx, f.inst.InstanceARN, p) }, func(r *idc.Region) string { return r.Name })
		if len(regions) != 2 || regions[0].Name != "eu-west-1" {
			t.Errorf("ListRegions = %v", regions)
		}

		// Rename, then delete the instance with everything under it.
		ps := f.permissionSet(t, "P")
		f.provision(t, ps, f.a1)
		mustTx(t, f.s, "assign", func(q store.Queries) error {
			_, err := q.CreateAssignment(ctx, f.assignment(ps, f.a1, idc.PrincipalGroup, f.g))
			return err
		})
		mustTx(t, f.s, "RenameInstance", func(q store.Queries) error { return q.RenameInstance(ctx, f.inst.InstanceARN, "renamed") })
		if in, _ := f.s.GetInstance(ctx, f.inst.InstanceARN); in.Name != "renamed" {
			t.Errorf("instance name = %q, want renamed", in.Name)
		}
		op := &idc.OperationStatus{RequestID: idc.NewResourceID("req"), InstanceARN: f.inst.InstanceARN, Kind: idc.OpCreateAssignment,
			Status: idc.StatusSucceeded, AccountID: f.a1, PermissionSetARN: ps.ARN, PrincipalType: idc.PrincipalGroup, PrincipalID: f.g, CreatedAt: f.now}
		mustTx(t, f.s, "CreateOperationStatus", func(q store.Queries) error { return q.CreateOperationStatus(ctx, op) })
		mustTx(t, f.s, "DeleteInstance", func(q store.Queries) error { return q.DeleteInstance(ctx, f.inst.InstanceARN) })
		if _, err := f.s.GetOperationStatus(ctx, op.InstanceARN, op.Kind, op.RequestID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("request status of a deleted instance: %v, want ErrNotFound", err)
		}
		if _, err := f.s.GetPermissionSet(ctx, ps.ARN); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("permission set of a deleted instance: %v, want ErrNotFound", err)
		}
		if has, _ := f.s.HasAssignments(ctx, ps.ARN, f.a1); has {
			t.Error("assignments of a deleted instance remain")
		}
		if n, _ := f.s.CountResourceTags(ctx, f.inst.InstanceARN); n != 0 {
			t.Errorf("tags of a deleted instance = %d", n)
		}
		if err := f.s.Tx(ctx, func(q store.Queries) error { return q.DeleteInstance(ctx, f.inst.InstanceARN) }); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("DeleteInstance(again) = %v, want ErrNotFound", err)
		}
		if err := f.s.Tx(ctx, func(q store.Queries) error { return q.RenameInstance(ctx, f.inst.InstanceARN, "x") }); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("RenameInstance(deleted) = %v, want ErrNotFound", err)
		}
	})
}
