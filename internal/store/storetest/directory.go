package storetest

import (
	"context"
	"encoding/json"
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

// dirFixture is a store with one instance (identity store) in it.
type dirFixture struct {
	s   store.Store
	id  string // identity store id
	now time.Time
}

func newDirFixture(t *testing.T, open Opener) *dirFixture {
	t.Helper()
	s := open(t)
	return &dirFixture{s: s, id: addInstance(t, s), now: time.UnixMilli(time.Now().UnixMilli()).UTC()}
}

func addInstance(t *testing.T, s store.Store) string {
	t.Helper()
	ctx := t.Context()
	in := &idc.Instance{InstanceARN: idc.NewInstanceARN(), IdentityStoreID: idc.NewIdentityStoreID(), Status: "ACTIVE", CreatedAt: time.Now()}
	if err := s.Tx(ctx, func(q store.Queries) error { return q.CreateInstance(ctx, in) }); err != nil {
		t.Fatalf("CreateInstance: %v", err)
	}
	return in.IdentityStoreID
}

func (f *dirFixture) user(name string) *idc.User {
	return &idc.User{
		IdentityStoreID: f.id,
		UserID:          idc.NewResourceID(f.id),
		UserName:        name,
		Status:          idc.UserEnabled,
		Attrs: idc.UserAttrs{
			Name:        &idc.Name{GivenName: "Given " + name, FamilyName: "Family"},
			DisplayName: "Display " + name,
			Emails:      []idc.Email{{Value: name + "@Example.com", Type: "work", Primary: new(true)}},
		},
		CreatedAt: f.now, UpdatedAt: f.now, CreatedBy: "tester", UpdatedBy: "tester",
	}
}

func (f *dirFixture) group(name string) *idc.Group {
	return &idc.Group{
		IdentityStoreID: f.id, GroupID: idc.NewResourceID(f.id), DisplayName: name, Description: "about " + name,
		CreatedAt: f.now, UpdatedAt: f.now, CreatedBy: "tester", UpdatedBy: "tester",
	}
}

func (f *dirFixture) membership(groupID, userID string) *idc.Membership {
	return &idc.Membership{
		IdentityStoreID: f.id, MembershipID: idc.NewResourceID(f.id), GroupID: groupID, UserID: userID,
		CreatedAt: f.now, UpdatedAt: f.now, CreatedBy: "tester", UpdatedBy: "tester",
	}
}

func (f *dirFixture) tx(t *testing.T, fn func(ctx context.Context, q store.Queries) error) error {
	t.Helper()
	ctx := t.Context()
	return f.s.Tx(ctx, func(q store.Queries) error { return fn(ctx, q) })
}

func (f *dirFixture) mustCreateUser(t *testing.T, u *idc.User) {
	t.Helper()
	if err := f.tx(t, func(ctx context.Context, q store.Queries) error { return q.CreateUser(ctx, u, 0) }); err != nil {
		t.Fatalf("CreateUser(%s): %v", u.UserName, err)
	}
}

func (f *dirFixture) mustCreateGroup(t *testing.T, g *idc.Group) {
	t.Helper()
	if err := f.tx(t, func(ctx context.Context, q store.Queries) error { return q.CreateGroup(ctx, g, 0) }); err != nil {
		t.Fatalf("CreateGroup(%s): %v", g.DisplayName, err)
	}
}

func (f *dirFixture) mustCreateMembership(t *testing.T, m *idc.Membership) {
	t.Helper()
	if err := f.tx(t, func(ctx context.Context, q store.Queries) error { return q.CreateMembership(ctx, m) }); err != nil {
		t.Fatalf("CreateMembership: %v", err)
	}
}

func (f *dirFixture) counts(t *testing.T) store.DirectoryCounts {
	t.Helper()
	c, err := f.s.CountDirectory(t.Context(), f.id)
	if err != nil {
		t.Fatalf("CountDirectory: %v", err)
	}
	return c
}

func testDirectory(t *testing.T, open Opener) {
	t.Run("UserRoundTrip", func(t *testing.T) {
		t.Parallel()
		f := newDirFixture(t, open)
		ctx := t.Context()
		u := f.user("alice")
		u.ExternalIDs = []idc.ExternalID{{Issuer: "okta", ID: "a-1"}, {Issuer: "scim", ID: "77"}}
		u.Attrs.NickName = "Al"
		u.Attrs.Photos = []idc.Photo{{Value: "https://p/1", Primary: new(true)}, {Value: "https://p/2"}}
		u.Attrs.Extensions = map[string]json.RawMessage{"aws:identitystore:enterprise": json.RawMessage(`{"employeeNumber":"42"}`)}
		f.mustCreateUser(t, u)

		got, err := f.s.GetUser(ctx, f.id, u.UserID)
		if err != nil {
			t.Fatalf("GetUser: %v", err)
		}
		if d := cmp.Diff(u, got); d != "" {
			t.Errorf("GetUser diff (-want +got):\n%s", d)
		}
		if got, err := f.s.GetUserByName(ctx, f.id, "ALICE"); err != nil || got.UserID != u.UserID {
			t.Errorf("GetUserByName(ALICE) = %v, %v; want %s", got, err, u.UserID)
		}
		if id, err := f.s.GetUserIDByEmail(ctx, f.id, "ALICE@example.COM"); err != nil || id != u.UserID {
			t.Errorf("GetUserIDByEmail = %q, %v; want %s", id, err, u.UserID)
		}
		if id, err := f.s.GetUserIDByExternalID(ctx, f.id, idc.ExternalID{Issuer: "scim", ID: "77"}); err != nil || id != u.UserID {
			t.Errorf("GetUserIDByExternalID = %q, %v; want %s", id, err, u.UserID)
		}

		// Update everything mutable; the created fields stay.
		upd := *got
		upd.UserName = "alice2"
		upd.Status = idc.UserDisabled
		upd.Attrs.NickName = ""
		upd.Attrs.Emails = []idc.Email{{Value: "new@example.com"}}
		upd.ExternalIDs = []idc.ExternalID{{Issuer: "okta", ID: "a-2"}}
		upd.UpdatedAt = f.now.Add(time.Minute)
		upd.UpdatedBy = "other"
		upd.CreatedBy = "ignored"
		if err := f.tx(t, func(ctx context.Context, q store.Queries) error {
			if _, err := q.GetUserForUpdate(ctx, f.id, u.UserID); err != nil {
				return err
			}
			return q.UpdateUser(ctx, &upd)
		}); err != nil {
			t.Fatalf("UpdateUser: %v", err)
		}
		got, err = f.s.GetUser(ctx, f.id, u.UserID)
		if err != nil {
			t.Fatalf("GetUser: %v", err)
		}
		want := upd
		want.CreatedBy = "tester"
		if d := cmp.Diff(&want, got); d != "" {
			t.Errorf("GetUser after update diff (-want +got):\n%s", d)
		}
		for _, tc := range []struct {
			name string
			err  error
		}{
			{"byOldName", func() error { _, err := f.s.GetUserByName(ctx, f.id, "alice"); return err }()},
			{"byOldEmail", func() error { _, err := f.s.GetUserIDByEmail(ctx, f.id, "alice@example.com"); return err }()},
			{"byOldExternalID", func() error {
				_, err := f.s.GetUserIDByExternalID(ctx, f.id, idc.ExternalID{Issuer: "scim", ID: "77"})
				return err
			}()},
		} {
			if !errors.Is(tc.err, store.ErrNotFound) {
				t.Errorf("%s after update = %v, want ErrNotFound", tc.name, tc.err)
			}
		}
		if id, err := f.s.GetUserIDByEmail(ctx, f.id, "NEW@example.com"); err != nil || id != u.UserID {
			t.Errorf("GetUserIDByEmail(new) = %q, %v", id, err)
		}
		if id, err := f.s.GetUserIDByExternalID(ctx, f.id, idc.ExternalID{Issuer: "okta", ID: "a-2"}); err != nil || id != u.UserID {
			t.Errorf("GetUserIDByExternalID(new) = %q, %v", id, err)
		}

		if c := f.counts(t); c != (store.DirectoryCounts{Users: 1}) {
			t.Errorf("CountDirectory = %+v, want 1 user", c)
		}
		if err := f.tx(t, func(ctx context.Context, q store.Queries) error { return q.DeleteUser(ctx, f.id, u.UserID) }); err != nil {
			t.Fatalf("DeleteUser: %v", err)
		}
		if _, err := f.s.GetUser(ctx, f.id, u.UserID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetUser after delete = %v, want ErrNotFound", err)
		}
		if _, err := f.s.GetUserIDByExternalID(ctx, f.id, idc.ExternalID{Issuer: "okta", ID: "a-2"}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("external id survived its user: %v", err)
		}
		if c := f.counts(t); c != (store.DirectoryCounts{}) {
			t.Errorf("CountDirectory after delete = %+v, want zeros", c)
		}
	})

	t.Run("UserNotFound", func(t *testing.T) {
		t.Parallel()
		f := newDirFixture(t, open)
		ctx := t.Context()
		missing := f.user("ghost")
		tests := []struct {
			name string
			fn   func() error
		}{
			{"GetUser", func() error { _, err := f.s.GetUser(ctx, f.id, missing.UserID); return err }},
			{"GetUserByName", func() error { _, err := f.s.GetUserByName(ctx, f.id, "ghost"); return err }},
			{"GetUserIDByEmail", func() error { _, err := f.s.GetUserIDByEmail(ctx, f.id, "ghost@example.com"); return err }},
			{"GetUserIDByExternalID", func() error {
				_, err := f.s.GetUserIDByExternalID(ctx, f.id, idc.ExternalID{Issuer: "x", ID: "y"})
				return err
			}},
			{"UpdateUser", func() error {
				return f.tx(t, func(ctx context.Context, q store.Queries) error { return q.UpdateUser(ctx, missing) })
			}},
			{"DeleteUser", func() error {
				return f.tx(t, func(ctx context.Context, q store.Queries) error { return q.DeleteUser(ctx, f.id, missing.UserID) })
			}},
			{"GetUserOtherStore", func() error {
				u := f.user("real")
				f.mustCreateUser(t, u)
				_, err := f.s.GetUser(ctx, idc.NewIdentityStoreID(), u.UserID)
				return err
			}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				if err := tc.fn(); !errors.Is(err, store.ErrNotFound) {
					t.Errorf("%s(missing) = %v, want ErrNotFound", tc.name, err)
				}
			})
		}
	})

	t.Run("UserUniqueness", func(t *testing.T) {
		t.Parallel()
		f := newDirFixture(t, open)
		ctx := t.Context()
		base := f.user("Bob")
		base.ExternalIDs = []idc.ExternalID{{Issuer: "okta", ID: "b"}}
		f.mustCreateUser(t, base)
		other := f.user("carol")
		f.mustCreateUser(t, other)

		sameExt := f.user("bob-ext")
		sameExt.ExternalIDs = []idc.ExternalID{{Issuer: "okta", ID: "b"}}
		sameID := f.user("bob-id")
		sameID.UserID = base.UserID
		twiceExt := f.user("twice")
		twiceExt.ExternalIDs = []idc.ExternalID{{Issuer: "i", ID: "1"}, {Issuer: "i", ID: "1"}}
		for _, tc := range []struct {
			name string
			u    *idc.User
		}{
			{"sameNameOtherCase", f.user("BOB")},
			{"sameExternalID", sameExt},
			{"sameUserID", sameID},
			{"externalIDTwice", twiceExt},
		} {
			t.Run(tc.name, func(t *testing.T) {
				err := f.tx(t, func(ctx context.Context, q store.Queries) error { return q.CreateUser(ctx, tc.u, 0) })
				if !errors.Is(err, store.ErrDuplicate) {
					t.Errorf("CreateUser(%s) = %v, want ErrDuplicate", tc.name, err)
				}
			})
		}
		// Renaming onto another user's name (in any case) is refused too.
		ren := *other
		ren.UserName = "bOB"
		if err := f.tx(t, func(ctx context.Context, q store.Queries) error { return q.UpdateUser(ctx, &ren) }); !errors.Is(err, store.ErrDuplicate) {
			t.Errorf("UpdateUser(rename onto bOB) = %v, want ErrDuplicate", err)
		}
		ren = *other
		ren.ExternalIDs = []idc.ExternalID{{Issuer: "okta", ID: "b"}}
		if err := f.tx(t, func(ctx context.Context, q store.Queries) error { return q.UpdateUser(ctx, &ren) }); !errors.Is(err, store.ErrDuplicate) {
			t.Errorf("UpdateUser(taken external id) = %v, want ErrDuplicate", err)
		}
		if got, err := f.s.GetUser(ctx, f.id, other.UserID); err != nil || got.UserName != "carol" || len(got.ExternalIDs) != 0 {
			t.Errorf("refused updates changed the user: %+v, %v", got, err)
		}
		// The same name and external id are fine in another identity store.
		f2 := &dirFixture{s: f.s, id: addInstance(t, f.s), now: f.now}
		u2 := f2.user("bob")
		u2.ExternalIDs = []idc.ExternalID{{Issuer: "okta", ID: "b"}}
		f2.mustCreateUser(t, u2)
		if c := f.counts(t); c.Users != 2 {
			t.Errorf("CountDirectory = %+v, want 2 users (refused creates must not count)", c)
		}
	})

	t.Run("UnknownIdentityStore", func(t *testing.T) {
		t.Parallel()
		f := newDirFixture(t, open)
		f.id = idc.NewIdentityStoreID()
		for _, tc := range []struct {
			name string
			fn   func(ctx context.Context, q store.Queries) error
		}{
			{"CreateUser", func(ctx context.Context, q store.Queries) error { return q.CreateUser(ctx, f.user("x"), 0) }},
			{"CreateGroup", func(ctx context.Context, q store.Queries) error { return q.CreateGroup(ctx, f.group("x"), 0) }},
		} {
			if err := f.tx(t, tc.fn); !errors.Is(err, store.ErrReferenced) {
				t.Errorf("%s(unknown identity store) = %v, want ErrReferenced", tc.name, err)
			}
		}
	})

	t.Run("Limits", func(t *testing.T) {
		t.Parallel()
		f := newDirFixture(t, open)
		ctx := t.Context()
		var users []*idc.User
		for i := range 2 {
			u := f.user(fmt.Sprint("u", i))
			if err := f.tx(t, func(ctx context.Context, q store.Queries) error { return q.CreateUser(ctx, u, 2) }); err != nil {
				t.Fatalf("CreateUser %d: %v", i, err)
			}
			users = append(users, u)
		}
		extra := f.user("extra")
		if err := f.tx(t, func(ctx context.Context, q store.Queries) error { return q.CreateUser(ctx, extra, 2) }); !errors.Is(err, store.ErrLimitExceeded) {
			t.Fatalf("CreateUser beyond limit = %v, want ErrLimitExceeded", err)
		}
		if _, err := f.s.GetUser(ctx, f.id, extra.UserID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("refused user exists: %v", err)
		}
		g := f.group("g")
		if err := f.tx(t, func(ctx context.Context, q store.Queries) error { return q.CreateGroup(ctx, g, 1) }); err != nil {
			t.Fatalf("CreateGroup: %v", err)
		}
		if err := f.tx(t, func(ctx context.Context, q store.Queries) error { return q.CreateGroup(ctx, f.group("h"), 1) }); !errors.Is(err, store.ErrLimitExceeded) {
			t.Fatalf("CreateGroup beyond limit = %v, want ErrLimitExceeded", err)
		}
		if c := f.counts(t); c != (store.DirectoryCounts{Users: 2, Groups: 1}) {
			t.Errorf("CountDirectory = %+v, want 2 users 1 group", c)
		}
		if err := f.tx(t, func(ctx context.Context, q store.Queries) error { return q.DeleteUser(ctx, f.id, users[0].UserID) }); err != nil {
			t.Fatalf("DeleteUser: %v", err)
		}
		if err := f.tx(t, func(ctx context.Context, q store.Queries) error { return q.CreateUser(ctx, extra, 2) }); err != nil {
			t.Errorf("CreateUser after a delete freed a slot = %v", err)
		}
		if err := f.tx(t, func(ctx context.Context, q store.Queries) error { return q.DeleteGroup(ctx, f.id, g.GroupID) }); err != nil {
			t.Fatalf("DeleteGroup: %v", err)
		}
		if c := f.counts(t); c != (store.DirectoryCounts{Users: 2}) {
			t.Errorf("CountDirectory = %+v, want 2 users 0 groups", c)
		}
	})

	t.Run("ConcurrentCreateSameName", func(t *testing.T) {
		t.Parallel()
		f := newDirFixture(t, open)
		const n = 8
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				u := f.user("racer")
				u.UserName = "RaCeR"
				if i%2 == 0 {
					u.UserName = "racer"
				}
				errs[i] = f.tx(t, func(ctx context.Context, q store.Queries) error { return q.CreateUser(ctx, u, 0) })
			})
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, store.ErrDuplicate):
				t.Errorf("concurrent CreateUser = %v, want nil or ErrDuplicate", err)
			}
		}
		if won != 1 {
			t.Errorf("concurrent CreateUser winners = %d, want exactly 1", won)
		}
		if c := f.counts(t); c.Users != 1 {
			t.Errorf("CountDirectory = %+v, want 1 user", c)
		}
	})

	// A limit large enough that a backend spreading its counter over
	// shards takes both its fast path (a shard below its share) and its
	// exact path (all shards at their share) in one burst, then again after
	// deletes free slots.
	t.Run("ConcurrentCreateAtLargerLimit", func(t *testing.T) {
		t.Parallel()
		f := newDirFixture(t, open)
		const max = 40
		create := func(prefix string, n int) int {
			var wg sync.WaitGroup
			errs := make([]error, n)
			for i := range n {
				wg.Go(func() {
					u := f.user(fmt.Sprint(prefix, i))
					errs[i] = f.tx(t, func(ctx context.Context, q store.Queries) error { return q.CreateUser(ctx, u, max) })
				})
			}
			wg.Wait()
			won := 0
			for _, err := range errs {
				switch {
				case err == nil:
					won++
				case !errors.Is(err, store.ErrLimitExceeded):
					t.Errorf("concurrent CreateUser = %v, want nil or ErrLimitExceeded", err)
				}
			}
			return won
		}
		if won := create("first", 56); won != max {
			t.Errorf("concurrent CreateUser winners = %d, want %d", won, max)
		}
		page, err := f.s.ListUsers(t.Context(), f.id, store.Page{Limit: 100})
		if err != nil || len(page) != max {
			t.Fatalf("ListUsers = %d users, %v; want %d", len(page), err, max)
		}
		for _, u := range page[:7] {
			if err := f.tx(t, func(ctx context.Context, q store.Queries) error { return q.DeleteUser(ctx, f.id, u.UserID) }); err != nil {
				t.Fatalf("DeleteUser: %v", err)
			}
		}
		if c := f.counts(t); c.Users != max-7 {
			t.Errorf("CountDirectory after deletes = %+v, want %d users", c, max-7)
		}
		if won := create("second", 20); won != 7 {
			t.Errorf("concurrent CreateUser after 7 deletes: winners = %d, want 7", won)
		}
		if c := f.counts(t); c.Users != max {
			t.Errorf("CountDirectory = %+v, want %d users", c, max)
		}
	})

	t.Run("ConcurrentCreateAtLimit", func(t *testing.T) {
		t.Parallel()
		f := newDirFixture(t, open)
		const n, max = 10, 4
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				u := f.user(fmt.Sprint("user", i))
				errs[i] = f.tx(t, func(ctx context.Context, q store.Queries) error { return q.CreateUser(ctx, u, max) })
			})
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, store.ErrLimitExceeded):
				t.Errorf("concurrent CreateUser = %v, want nil or ErrLimitExceeded", err)
			}
		}
		if won != max {
			t.Errorf("concurrent CreateUser winners = %d, want %d", won, max)
		}
		page, err := f.s.ListUsers(t.Context(), f.id, store.Page{Limit: 100})
		if err != nil || len(page) != max {
			t.Errorf("ListUsers = %d users, %v; want %d", len(page), err, max)
		}
	})

	t.Run("UserPagination", func(t *testing.T) {
		t.Parallel()
		f := newDirFixture(t, open)
		other := &dirFixture{s: f.s, id: addInstance(t, f.s), now: f.now}
		other.mustCreateUser(t, other.user("elsewhere"))
		const n = 157
		var want []string
		if err := f.tx(t, func(ctx context.Context, q store.Queries) error {
			for i := range n {
				u := f.user(fmt.Sprintf("user%03d", i))
				if err := q.CreateUser(ctx, u, 0); err != nil {
					return err
				}
				want = append(want, u.UserID)
			}
			return nil
		}); err != nil {
			t.Fatalf("CreateUser: %v", err)
		}
		slices.Sort(want)
		for _, size := range []int{1, 10, 100, 1000} {
			var got []string
			p := store.Page{Limit: size}
			for pages := 0; ; pages++ {
				if pages > n+1 {
					t.Fatalf("ListUsers(limit %d) does not terminate", size)
				}
				page, err := f.s.ListUsers(t.Context(), f.id, p)
				if err != nil {
					t.Fatalf("ListUsers: %v", err)
				}
				if len(page) > size {
					t.Fatalf("ListUsers(limit %d) returned %d", size, len(page))
				}
				if len(page) == 0 {
					break
				}
				for _, u := range page {
					got = append(got, u.UserID)
				}
				p.After = page[len(page)-1].UserID
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("ListUsers(limit %d) ids diff (-want +got):\n%s", size, d)
			}
		}
		if c := f.counts(t); c.Users != n {
			t.Errorf("CountDirectory = %+v, want %d users", c, n)
		}
	})

	t.Run("GroupRoundTrip", func(t *testing.T) {
		t.Parallel()
		f := newDirFixture(t, open)
		ctx := t.Context()
		g := f.group("Admins")
		g.ExternalIDs = []idc.ExternalID{{Issuer: "okta", ID: "g1"}}
		f.mustCreateGroup(t, g)
		got, err := f.s.GetGroup(ctx, f.id, g.GroupID)
		if err != nil {
			t.Fatalf("GetGroup: %v", err)
		}
		if d := cmp.Diff(g, got); d != "" {
			t.Errorf("GetGroup diff (-want +got):\n%s", d)
		}
		if got, err := f.s.GetGroupByName(ctx, f.id, "aDMINS"); err != nil || got.GroupID != g.GroupID {
			t.Errorf("GetGroupByName = %v, %v", got, err)
		}
		if id, err := f.s.GetGroupIDByExternalID(ctx, f.id, idc.ExternalID{Issuer: "okta", ID: "g1"}); err != nil || id != g.GroupID {
			t.Errorf("GetGroupIDByExternalID = %q, %v", id, err)
		}
		// A user may share a group's external id: uniqueness is per kind.
		u := f.user("u")
		u.ExternalIDs = []idc.ExternalID{{Issuer: "okta", ID: "g1"}}
		f.mustCreateUser(t, u)

		for _, tc := range []struct {
			name string
			g    *idc.Group
		}{
			{"sameNameOtherCase", f.group("ADMINS")},
			{"sameExternalID", func() *idc.Group { d := f.group("other"); d.ExternalIDs = g.ExternalIDs; return d }()},
		} {
			if err := f.tx(t, func(ctx context.Context, q store.Queries) error { return q.CreateGroup(ctx, tc.g, 0) }); !errors.Is(err, store.ErrDuplicate) {
				t.Errorf("CreateGroup(%s) = %v, want ErrDuplicate", tc.name, err)
			}
		}

		upd := *got
		upd.DisplayName = "Operators"
		upd.Description = ""
		upd.ExternalIDs = nil
		upd.UpdatedAt = f.now.Add(time.Hour)
		upd.UpdatedBy = "other"
		if err := f.tx(t, func(ctx context.Context, q store.Queries) error {
			if _, err := q.GetGroupForUpdate(ctx, f.id, g.GroupID); err != nil {
				return err
			}
			return q.UpdateGroup(ctx, &upd)
		}); err != nil {
			t.Fatalf("UpdateGroup: %v", err)
		}
		got, err = f.s.GetGroup(ctx, f.id, g.GroupID)
		if err != nil {
			t.Fatalf("GetGroup: %v", err)
		}
		if d := cmp.Diff(&upd, got); d != "" {
			t.Errorf("GetGroup after update diff (-want +got):\n%s", d)
		}
		if _, err := f.s.GetGroupIDByExternalID(ctx, f.id, idc.ExternalID{Issuer: "okta", ID: "g1"}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("removed external id still resolves: %v", err)
		}
		// The old name is free again.
		f.mustCreateGroup(t, f.group("admins"))
		other := f.group("x")
		f.mustCreateGroup(t, other)
		other.DisplayName = "OPERATORS"
		if err := f.tx(t, func(ctx context.Context, q store.Queries) error { return q.UpdateGroup(ctx, other) }); !errors.Is(err, store.ErrDuplicate) {
			t.Errorf("UpdateGroup(rename onto OPERATORS) = %v, want ErrDuplicate", err)
		}

		var ids []string
		p := store.Page{Limit: 1}
		for {
			page, err := f.s.ListGroups(ctx, f.id, p)
			if err != nil {
				t.Fatalf("ListGroups: %v", err)
			}
			if len(page) == 0 {
				break
			}
			ids = append(ids, page[0].GroupID)
			p.After = page[0].GroupID
		}
		if len(ids) != 3 || !slices.IsSorted(ids) {
			t.Errorf("ListGroups paged = %v, want 3 sorted ids", ids)
		}

		for _, tc := range []struct {
			name string
			fn   func() error
		}{
			{"GetGroup", func() error { _, err := f.s.GetGroup(ctx, f.id, f.group("z").GroupID); return err }},
			{"GetGroupByName", func() error { _, err := f.s.GetGroupByName(ctx, f.id, "nobody"); return err }},
			{"UpdateGroup", func() error {
				return f.tx(t, func(ctx context.Context, q store.Queries) error { return q.UpdateGroup(ctx, f.group("z")) })
			}},
			{"DeleteGroup", func() error {
				return f.tx(t, func(ctx context.Context, q store.Queries) error {
					return q.DeleteGroup(ctx, f.id, f.group("z").GroupID)
				})
			}},
		} {
			if err := tc.fn(); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("%s(missing) = %v, want ErrNotFound", tc.name, err)
			}
		}
		if c := f.counts(t); c != (store.DirectoryCounts{Users: 1, Groups: 3}) {
			t.Errorf("CountDirectory = %+v, want 1 user 3 groups", c)
		}
	})

	t.Run("Memberships", func(t *testing.T) {
		t.Parallel()
		f := newDirFixture(t, open)
		ctx := t.Context()
		var users []*idc.User
		var groups []*idc.Group
		if err := f.tx(t, func(ctx context.Context, q store.Queries) error {
			for i := range 12 {
				u := f.user(fmt.Sprint("member", i))
				if err := q.CreateUser(ctx, u, 0); err != nil {
					return err
				}
				users = append(users, u)
			}
			for i := range 5 {
				g := f.group(fmt.Sprint("group", i))
				if err := q.CreateGroup(ctx, g, 0); err != nil {
					return err
				}
				groups = append(groups, g)
			}
			return nil
		}); err != nil {
			t.Fatalf("setup: %v", err)
		}
		// Every user is in groups 0 and 1; user 0 is in every group.
		var all []*idc.Membership
		add := func(g *idc.Group, u *idc.User) *idc.Membership {
			m := f.membership(g.GroupID, u.UserID)
			f.mustCreateMembership(t, m)
			all = append(all, m)
			return m
		}
		for _, u := range users {
			add(groups[0], u)
			add(groups[1], u)
		}
		for _, g := range groups[2:] {
			add(g, users[0])
		}
		first := all[0]
		got, err := f.s.GetMembership(ctx, f.id, first.MembershipID)
		if err != nil {
			t.Fatalf("GetMembership: %v", err)
		}
		if d := cmp.Diff(first, got); d != "" {
			t.Errorf("GetMembership diff (-want +got):\n%s", d)
		}
		if got, err := f.s.GetMembershipByMember(ctx, f.id, first.GroupID, first.UserID); err != nil || got.MembershipID != first.MembershipID {
			t.Errorf("GetMembershipByMember = %v, %v", got, err)
		}

		otherStore := &dirFixture{s: f.s, id: addInstance(t, f.s), now: f.now}
		foreignUser := otherStore.user("foreign")
		otherStore.mustCreateUser(t, foreignUser)
		for _, tc := range []struct {
			name string
			m    *idc.Membership
			want error
		}{
			{"duplicatePair", f.membership(groups[0].GroupID, users[3].UserID), store.ErrDuplicate},
			{"duplicateID", func() *idc.Membership {
				m := f.membership(groups[4].GroupID, users[5].UserID)
				m.MembershipID = first.MembershipID
				return m
			}(), store.ErrDuplicate},
			{"unknownUser", f.membership(groups[0].GroupID, f.user("nobody").UserID), store.ErrReferenced},
			{"unknownGroup", f.membership(f.group("none").GroupID, users[0].UserID), store.ErrReferenced},
			{"userOfAnotherStore", f.membership(groups[4].GroupID, foreignUser.UserID), store.ErrReferenced},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if err := f.tx(t, func(ctx context.Context, q store.Queries) error { return q.CreateMembership(ctx, tc.m) }); !errors.Is(err, tc.want) {
					t.Errorf("CreateMembership(%s) = %v, want %v", tc.name, err, tc.want)
				}
			})
		}

		collect := func(list func(p store.Page) ([]*idc.Membership, error), key func(*idc.Membership) string, size int) []string {
			t.Helper()
			var ids []string
			p := store.Page{Limit: size}
			for range 100 {
				page, err := list(p)
				if err != nil {
					t.Fatalf("list memberships: %v", err)
				}
				if len(page) == 0 {
					return ids
				}
				for _, m := range page {
					ids = append(ids, m.MembershipID)
				}
				p.After = key(page[len(page)-1])
			}
			t.Fatalf("list memberships does not terminate")
			return nil
		}
		wantOf := func(keep func(*idc.Membership) bool, sortKey func(*idc.Membership) string) []string {
			var ms []*idc.Membership
			for _, m := range all {
				if keep(m) {
					ms = append(ms, m)
				}
			}
			slices.SortFunc(ms, func(a, b *idc.Membership) int { return cmpString(sortKey(a), sortKey(b)) })
			var ids []string
			for _, m := range ms {
				ids = append(ids, m.MembershipID)
			}
			return ids
		}
		byUser := func(m *idc.Membership) string { return m.UserID }
		byGroup := func(m *idc.Membership) string { return m.GroupID }
		for _, size := range []int{1, 5, 100} {
			got := collect(func(p store.Page) ([]*idc.Membership, error) {
				return f.s.ListGroupMemberships(ctx, f.id, groups[1].GroupID, p)
			}, byUser, size)
			want := wantOf(func(m *idc.Membership) bool { return m.GroupID == groups[1].GroupID }, byUser)
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("ListGroupMemberships(limit %d) diff:\n%s", size, d)
			}
			got = collect(func(p store.Page) ([]*idc.Membership, error) {
				return f.s.ListUserMemberships(ctx, f.id, users[0].UserID, p)
			}, byGroup, size)
			want = wantOf(func(m *idc.Membership) bool { return m.UserID == users[0].UserID }, byGroup)
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("ListUserMemberships(limit %d) diff:\n%s", size, d)
			}
		}

		ask := []string{groups[0].GroupID, groups[2].GroupID, f.group("none").GroupID, groups[1].GroupID}
		in, err := f.s.MemberGroups(ctx, f.id, users[1].UserID, ask)
		if err != nil {
			t.Fatalf("MemberGroups: %v", err)
		}
		slices.Sort(in)
		wantIn := []string{groups[0].GroupID, groups[1].GroupID}
		slices.Sort(wantIn)
		if d := cmp.Diff(wantIn, in); d != "" {
			t.Errorf("MemberGroups diff:\n%s", d)
		}
		many := make([]string, 100)
		for i := range many {
			many[i] = f.group("x").GroupID
		}
		many[57] = groups[3].GroupID
		if in, err := f.s.MemberGroups(ctx, f.id, users[0].UserID, many); err != nil || len(in) != 1 || in[0] != groups[3].GroupID {
			t.Errorf("MemberGroups(100 ids) = %v, %v", in, err)
		}

		// Deleting a membership, then a user, then a group, cascades.
		if err := f.tx(t, func(ctx context.Context, q store.Queries) error {
			return q.DeleteMembership(ctx, f.id, first.MembershipID)
		}); err != nil {
			t.Fatalf("DeleteMembership: %v", err)
		}
		if err := f.tx(t, func(ctx context.Context, q store.Queries) error {
			return q.DeleteMembership(ctx, f.id, first.MembershipID)
		}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("DeleteMembership(again) = %v, want ErrNotFound", err)
		}
		if _, err := f.s.GetMembership(ctx, f.id, first.MembershipID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetMembership(deleted) = %v, want ErrNotFound", err)
		}
		if _, err := f.s.GetMembershipByMember(ctx, f.id, first.GroupID, first.UserID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetMembershipByMember(deleted) = %v, want ErrNotFound", err)
		}
		if err := f.tx(t, func(ctx context.Context, q store.Queries) error { return q.DeleteUser(ctx, f.id, users[0].UserID) }); err != nil {
			t.Fatalf("DeleteUser: %v", err)
		}
		if ms, err := f.s.ListUserMemberships(ctx, f.id, users[0].UserID, store.Page{}); err != nil || len(ms) != 0 {
			t.Errorf("memberships of a deleted user = %d, %v; want none", len(ms), err)
		}
		for _, g := range groups[2:] {
			if ms, err := f.s.ListGroupMemberships(ctx, f.id, g.GroupID, store.Page{}); err != nil || len(ms) != 0 {
				t.Errorf("group %s keeps %d memberships of a deleted user (%v)", g.DisplayName, len(ms), err)
			}
		}
		if err := f.tx(t, func(ctx context.Context, q store.Queries) error { return q.DeleteGroup(ctx, f.id, groups[1].GroupID) }); err != nil {
			t.Fatalf("DeleteGroup: %v", err)
		}
		if ms, err := f.s.ListUserMemberships(ctx, f.id, users[5].UserID, store.Page{}); err != nil || len(ms) != 1 || ms[0].GroupID != groups[0].GroupID {
			t.Errorf("memberships of user 5 after deleting group 1 = %v, %v; want only group 0", ms, err)
		}
	})
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
