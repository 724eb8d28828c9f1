package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/store"
)

// feedState is the entitlement state as a reader of the access feed
// rebuilds it: one key per permission set, membership and assignment.
type feedState map[string]bool

func feedKey(c *store.AccessChange) string {
	switch c.Kind {
	case store.ChangePermissionSet:
		return "P " + c.PermissionSetARN
	case store.ChangeMembership:
		return fmt.Sprintf("M %s %s %s", c.IdentityStoreID, c.GroupID, c.UserID)
	default:
		return fmt.Sprintf("A %s %s %s %s %s", c.IdentityStoreID, c.AccountID, c.PermissionSetARN, c.PrincipalType, c.PrincipalID)
	}
}

func (s feedState) apply(c *store.AccessChange) {
	k := feedKey(c)
	if c.Kind == store.ChangePermissionSet {
		for old := range s {
			if strings.HasPrefix(old, k+" ") {
				delete(s, old)
			}
		}
		k += " " + c.Name + " " + c.SessionDuration
	}
	if c.Deleted {
		delete(s, k)
	} else {
		s[k] = true
	}
}

func (s feedState) sorted() []string {
	out := make([]string, 0, len(s))
	for k := range s {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func loadFeedState(t *testing.T, s store.Store) (feedState, string) {
	t.Helper()
	st := feedState{}
	cursor, err := s.LoadAccessState(t.Context(), func(c *store.AccessChange) error {
		if c.Deleted {
			return fmt.Errorf("loaded a deleted row: %+v", c)
		}
		st.apply(c)
		return nil
	})
	if err != nil {
		t.Fatalf("LoadAccessState: %v", err)
	}
	return st, cursor
}

// catchUp applies the changes since cursor to st and returns the new
// cursor and how many changes there were.
func catchUp(t *testing.T, s store.Store, st feedState, cursor string) (string, int) {
	t.Helper()
	changes, next, err := s.AccessChangesSince(t.Context(), cursor)
	if err != nil {
		t.Fatalf("AccessChangesSince: %v", err)
	}
	for i := range changes {
		st.apply(&changes[i])
	}
	return next, len(changes)
}

func testAccessFeed(t *testing.T, open Opener) {
	t.Run("FollowsEveryChange", func(t *testing.T) {
		t.Parallel()
		f := newAccessFixture(t, open)
		ctx := t.Context()
		st, cursor := loadFeedState(t, f.s)
		if !st[fmt.Sprintf("M %s %s %s", f.inst.IdentityStoreID, f.g, f.u2)] {
			t.Fatalf("loaded state %v lacks the fixture's membership", st.sorted())
		}
		// check catches the reader up and compares it with a fresh load.
		check := func(step string, wantChanges bool) {
			t.Helper()
			var n int
			cursor, n = catchUp(t, f.s, st, cursor)
			if wantChanges && n == 0 {
				t.Errorf("%s: no changes in the feed", step)
			}
			fresh, _ := loadFeedState(t, f.s)
			if d := cmp.Diff(fresh.sorted(), st.sorted()); d != "" {
				t.Errorf("%s: state from the feed differs from a fresh load (-fresh +feed):\n%s", step, d)
			}
			if _, n := catchUp(t, f.s, st, cursor); n != 0 {
				t.Errorf("%s: a second read of the feed returned %d changes, want 0", step, n)
			}
		}
		check("nothing changed", false)

		dev, ops := f.permissionSet(t, "Dev"), f.permissionSet(t, "Ops")
		f.provision(t, dev, f.a1)
		f.provision(t, ops, f.a1)
		f.provision(t, ops, f.a2)
		mustTx(t, f.s, "assign", func(q store.Queries) error {
			for _, a := range []*idc.Assignment{
				f.assignment(dev, f.a1, idc.PrincipalUser, f.u1),
				f.assignment(ops, f.a2, idc.PrincipalGroup, f.g),
				f.assignment(ops, f.a1, idc.PrincipalGroup, f.g),
			} {
				if _, err := q.CreateAssignment(ctx, a); err != nil {
					return err
				}
			}
			return q.CreateMembership(ctx, f.dir.membership(f.g, f.u1))
		})
		check("created permission sets, assignments and a membership", true)

		// Both statements that insert assignments write the feed, once (on
		// PostgreSQL the statement writes it and the fallback trigger must
		// not; migration 0018), and neither writes an entry for an
		// assignment that was there already.
		fast := f.assignment(dev, f.a2, idc.PrincipalUser, f.u2)
		op := func() *idc.OperationStatus {
			return &idc.OperationStatus{RequestID: idc.NewResourceID("req"), InstanceARN: f.inst.InstanceARN, Kind: idc.OpCreateAssignment,
				Status: idc.StatusSucceeded, AccountID: fast.AccountID, PermissionSetARN: fast.PermissionSetARN,
				PrincipalType: fast.PrincipalType, PrincipalID: fast.PrincipalID, CreatedAt: f.now}
		}
		if done, err := f.s.CreateAssignmentIfProvisioned(ctx, fast, op()); done || err != nil {
			t.Fatalf("CreateAssignmentIfProvisioned(not provisioned) = %v, %v", done, err)
		}
		if _, n := catchUp(t, f.s, st, cursor); n != 0 {
			t.Errorf("a create refused as not provisioned put %d changes in the feed, want 0", n)
		}
		f.provision(t, dev, f.a2)
		if done, err := f.s.CreateAssignmentIfProvisioned(ctx, fast, op()); !done || err != nil {
			t.Fatalf("CreateAssignmentIfProvisioned = %v, %v", done, err)
		}
		var n int
		if cursor, n = catchUp(t, f.s, st, cursor); n != 1 {
			t.Errorf("CreateAssignmentIfProvisioned put %d changes in the feed, want 1", n)
		}
		check("CreateAssignmentIfProvisioned", false)
		if k := fmt.Sprintf("A %s %s %s %s %s", f.inst.IdentityStoreID, f.a2, dev.ARN, idc.PrincipalUser, f.u2); !st[k] {
			t.Errorf("state after CreateAssignmentIfProvisioned lacks %q: %v", k, st.sorted())
		}
		if done, err := f.s.CreateAssignmentIfProvisioned(ctx, fast, op()); !done || err != nil {
			t.Fatalf("CreateAssignmentIfProvisioned(existing) = %v, %v", done, err)
		}
		mustTx(t, f.s, "CreateAssignment(existing)", func(q store.Queries) error {
			_, err := q.CreateAssignment(ctx, f.assignment(dev, f.a1, idc.PrincipalUser, f.u1))
			return err
		})
		if _, n := catchUp(t, f.s, st, cursor); n != 0 {
			t.Errorf("creating existing assignments again put %d changes in the feed, want 0", n)
		}

		dev.SessionDuration = "PT2H"
		mustTx(t, f.s, "UpdatePermissionSet", func(q store.Queries) error { return q.UpdatePermissionSet(ctx, dev) })
		check("changed a session duration", true)
		if !st["P "+dev.ARN+" Dev PT2H"] {
			t.Errorf("state after the update lacks the new duration: %v", st.sorted())
		}
		dev.Description = "only the description"
		mustTx(t, f.s, "UpdatePermissionSet", func(q store.Queries) error { return q.UpdatePermissionSet(ctx, dev) })
		if _, n := catchUp(t, f.s, st, cursor); n != 0 {
			t.Errorf("a description change put %d changes in the feed, want 0", n)
		}

		mustTx(t, f.s, "DeleteAssignment", func(q store.Queries) error {
			return q.DeleteAssignment(ctx, f.assignment(ops, f.a1, idc.PrincipalGroup, f.g))
		})
		check("deleted an assignment", true)

		// Cascades: deleting the group deletes its memberships and
		// assignments, deleting a user its own; the feed must see them.
		mustTx(t, f.s, "DeleteGroup", func(q store.Queries) error { return q.DeleteGroup(ctx, f.inst.IdentityStoreID, f.g) })
		check("deleted a group", true)
		for k := range st {
			if strings.Contains(k, f.g) {
				t.Errorf("after the group's deletion the state still has %q", k)
			}
		}
		mustTx(t, f.s, "DeleteUser", func(q store.Queries) error { return q.DeleteUser(ctx, f.inst.IdentityStoreID, f.u1) })
		check("deleted a user", true)
		mustTx(t, f.s, "DeletePermissionSet", func(q store.Queries) error { return q.DeletePermissionSet(ctx, ops.ARN) })
		check("deleted a permission set", true)

		// A rolled-back transaction leaves nothing in the feed.
		boom := fmt.Errorf("roll back")
		gone := f.dir.group("rolled back")
		if err := f.s.Tx(ctx, func(q store.Queries) error {
			if err := q.CreateGroup(ctx, gone, 0); err != nil {
				return err
			}
			if err := q.CreateMembership(ctx, f.dir.membership(gone.GroupID, f.u2)); err != nil {
				return err
			}
			return boom
		}); err != boom {
			t.Fatalf("rolled-back Tx = %v", err)
		}
		check("rolled back", false)

		// Pruning drops old rows only.
		if n, err := f.s.PruneAccessChanges(ctx, time.Now().Add(-time.Hour)); err != nil || n != 0 {
			t.Errorf("PruneAccessChanges(an hour ago) = %d, %v; want 0 rows", n, err)
		}
		if n, err := f.s.PruneAccessChanges(ctx, time.Now().Add(time.Minute)); err != nil || n == 0 {
			t.Errorf("PruneAccessChanges(now) = %d, %v; want the rows written above", n, err)
		}
		g2 := f.dir.group("g2")
		f.dir.mustCreateGroup(t, g2)
		mustTx(t, f.s, "CreateMembership", func(q store.Queries) error { return q.CreateMembership(ctx, f.dir.membership(g2.GroupID, f.u2)) })
		check("after pruning", true)

		if _, _, err := f.s.AccessChangesSince(ctx, "not a cursor"); err == nil {
			t.Error("AccessChangesSince(garbage cursor) succeeded")
		}
	})

	t.Run("PruneKeepsYoungerRows", func(t *testing.T) {
		// A prune between two changes drops the older one and keeps the
		// younger (both prune a prefix in seq order).
		t.Parallel()
		f := newAccessFixture(t, open)
		ctx := t.Context()
		old := f.dir.group("old")
		f.dir.mustCreateGroup(t, old)
		mustTx(t, f.s, "CreateMembership", func(q store.Queries) error { return q.CreateMembership(ctx, f.dir.membership(old.GroupID, f.u1)) })
		time.Sleep(20 * time.Millisecond)
		mid := time.Now()
		time.Sleep(20 * time.Millisecond)
		_, cursor := loadFeedState(t, f.s)
		young := f.dir.group("young")
		f.dir.mustCreateGroup(t, young)
		mustTx(t, f.s, "CreateMembership", func(q store.Queries) error { return q.CreateMembership(ctx, f.dir.membership(young.GroupID, f.u1)) })
		if n, err := f.s.PruneAccessChanges(ctx, mid); err != nil || n == 0 {
			t.Fatalf("PruneAccessChanges(between) = %d, %v; want the older rows", n, err)
		}
		if n, err := f.s.PruneAccessChanges(ctx, mid); err != nil || n != 0 {
			t.Errorf("PruneAccessChanges(between) again = %d, %v; want 0", n, err)
		}
		changes, _, err := f.s.AccessChangesSince(ctx, cursor)
		if err != nil {
			t.Fatalf("AccessChangesSince: %v", err)
		}
		if len(changes) != 1 || changes[0].GroupID != young.GroupID {
			t.Errorf("after pruning the older rows, the feed since the younger change holds %+v; want the younger membership alone", changes)
		}
		if n, err := f.s.PruneAccessChanges(ctx, time.Now().Add(time.Minute)); err != nil || n != 1 {
			t.Errorf("PruneAccessChanges(now) = %d, %v; want the younger row", n, err)
		}
	})

	t.Run("CommitsOutOfOrder", func(t *testing.T) {
		t.Parallel()
		f := newAccessFixture(t, open)
		if f.s.Backend() != "postgres" {
			t.Skip("one writer: SQLite commits in sequence order")
		}
		ctx := t.Context()
		st, cursor := loadFeedState(t, f.s)
		g2, g3 := f.dir.group("early"), f.dir.group("late")
		f.dir.mustCreateGroup(t, g2)
		f.dir.mustCreateGroup(t, g3)
		cursor, _ = catchUp(t, f.s, st, cursor)

		// Transaction A writes first (taking the lower sequence number) and
		// commits last; B writes and commits in between; the reader reads
		// the feed while A is still open.
		written, release := make(chan struct{}), make(chan struct{})
		errA := make(chan error, 1)
		go func() {
			errA <- f.s.Tx(context.Background(), func(q store.Queries) error {
				if err := q.CreateMembership(ctx, f.dir.membership(g2.GroupID, f.u1)); err != nil {
					return err
				}
				close(written)
				<-release
				return nil
			})
		}()
		<-written
		mustTx(t, f.s, "B", func(q store.Queries) error { return q.CreateMembership(ctx, f.dir.membership(g3.GroupID, f.u1)) })
		cursor, n := catchUp(t, f.s, st, cursor)
		if n != 1 {
			t.Errorf("feed while A is open: %d changes, want B's 1", n)
		}
		close(release)
		if err := <-errA; err != nil {
			t.Fatalf("A: %v", err)
		}
		cursor, n = catchUp(t, f.s, st, cursor)
		if n != 1 {
			t.Errorf("feed after A committed: %d changes, want A's 1", n)
		}
		fresh, _ := loadFeedState(t, f.s)
		if d := cmp.Diff(fresh.sorted(), st.sorted()); d != "" {
			t.Errorf("state from the feed differs from a fresh load (-fresh +feed):\n%s", d)
		}
		if _, n := catchUp(t, f.s, st, cursor); n != 0 {
			t.Errorf("feed read again: %d changes, want 0", n)
		}
	})
}
