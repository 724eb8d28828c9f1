package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/store"
)

// orgFixture is an organization with its root and management account.
type orgFixture struct {
	org  *idc.Organization
	root *idc.OrgUnit
	mgmt *idc.Account
}

func orgNow() time.Time { return time.UnixMilli(time.Now().UnixMilli()).UTC() }

// newOrg creates an organization, its root and management account in one
// transaction, as the org service does.
func newOrg(t *testing.T, s store.Store) *orgFixture {
	t.Helper()
	ctx := t.Context()
	now := orgNow()
	o := &idc.Organization{ID: idc.NewOrganizationID(), ManagementAccountID: idc.NewAccountID(), FeatureSet: idc.FeatureSetAll, CreatedAt: now}
	rootID := idc.NewRootID()
	f := &orgFixture{
		org:  o,
		root: &idc.OrgUnit{ID: rootID, OrganizationID: o.ID, Name: "Root", Path: o.ID + "/" + rootID + "/", CreatedAt: now},
		mgmt: &idc.Account{ID: o.ManagementAccountID, OrganizationID: o.ID, ParentID: rootID, Email: idc.PlaceholderAccountEmail(o.ManagementAccountID),
			Name: "Management", Status: idc.AccountActive, JoinedMethod: idc.JoinedCreated, JoinedAt: now},
	}
	err := s.Tx(ctx, func(q store.Queries) error {
		if err := q.CreateOrganization(ctx, o); err != nil {
			return err
		}
		if err := q.CreateOrgUnit(ctx, f.root); err != nil {
			return err
		}
		return q.CreateAccount(ctx, f.mgmt)
	})
	if err != nil {
		t.Fatalf("create organization: %v", err)
	}
	f.org.ManagementAccountEmail = f.mgmt.Email
	f.mgmt.Path = f.root.Path + f.mgmt.ID + "/"
	return f
}

// ou returns an unsaved OU under parent.
func (f *orgFixture) ou(parent *idc.OrgUnit, name string) *idc.OrgUnit {
	id := idc.NewOUID(f.root.ID)
	return &idc.OrgUnit{ID: id, OrganizationID: f.org.ID, ParentID: parent.ID, Name: name, Path: parent.Path + id + "/", Depth: parent.Depth + 1, CreatedAt: orgNow()}
}

// account returns an unsaved account under parent.
func (f *orgFixture) account(parent *idc.OrgUnit, name string) *idc.Account {
	id := idc.NewAccountID()
	return &idc.Account{ID: id, OrganizationID: f.org.ID, ParentID: parent.ID, Email: strings.ToLower(name) + "-" + id + "@example.com", Name: name,
		Status: idc.AccountActive, JoinedMethod: idc.JoinedCreated, JoinedAt: orgNow(), Path: parent.Path + id + "/"}
}

func orgTx(t *testing.T, s store.Store, fn func(q store.Queries) error) error {
	t.Helper()
	return s.Tx(t.Context(), fn)
}

func orgMustTx(t *testing.T, s store.Store, what string, fn func(q store.Queries) error) {
	t.Helper()
	if err := s.Tx(t.Context(), fn); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// orgPageAll walks a keyset-paginated list one item at a time.
func orgPageAll[T any](t *testing.T, list func(p store.Page) ([]T, error), key func(T) string) []T {
	t.Helper()
	var all []T
	p := store.Page{Limit: 1}
	for range 10000 {
		page, err := list(p)
		if err != nil {
			t.Fatalf("list: %v", err)
		}
		if len(page) == 0 {
			return all
		}
		if len(page) > 1 {
			t.Fatalf("page of %d items, want at most 1", len(page))
		}
		all = append(all, page...)
		p.After = key(page[len(page)-1])
	}
	t.Fatalf("pagination does not end")
	return nil
}

func orgAccountIDs(as []*idc.Account) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.ID
	}
	return out
}

func orgUnitIDs(us []*idc.OrgUnit) []string {
	out := make([]string, len(us))
	for i, u := range us {
		out[i] = u.ID
	}
	return out
}

func testOrganizations(t *testing.T, open Opener) {
	t.Run("Organization", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ctx := t.Context()
		if _, err := s.GetOrganization(ctx); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("GetOrganization(none) = %v, want ErrNotFound", err)
		}
		f := newOrg(t, s)
		got, err := s.GetOrganization(ctx)
		if err != nil {
			t.Fatalf("GetOrganization: %v", err)
		}
		if d := cmp.Diff(f.org, got); d != "" {
			t.Errorf("GetOrganization diff (-want +got):\n%s", d)
		}
		second := &idc.Organization{ID: idc.NewOrganizationID(), ManagementAccountID: idc.NewAccountID(), FeatureSet: idc.FeatureSetAll, CreatedAt: orgNow()}
		if err := orgTx(t, s, func(q store.Queries) error { return q.CreateOrganization(ctx, second) }); !errors.Is(err, store.ErrDuplicate) {
			t.Errorf("CreateOrganization(second) = %v, want ErrDuplicate", err)
		}
		bad := &idc.Organization{ID: idc.NewOrganizationID(), ManagementAccountID: "1", FeatureSet: "WEIRD", CreatedAt: orgNow()}
		if err := orgTx(t, s, func(q store.Queries) error {
			if err := q.DeleteOrganization(ctx, f.org.ID); err != nil {
				return err
			}
			return q.CreateOrganization(ctx, bad)
		}); err == nil || errors.Is(err, store.ErrDuplicate) {
			t.Errorf("CreateOrganization(feature set WEIRD) = %v, want a CHECK violation", err)
		}
		if got, err := s.GetOrganization(ctx); err != nil || got.ID != f.org.ID {
			t.Errorf("organization after rolled-back delete = %v, %v", got, err)
		}
		if err := orgTx(t, s, func(q store.Queries) error { return q.DeleteOrganization(ctx, "o-0000000000") }); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("DeleteOrganization(missing) = %v, want ErrNotFound", err)
		}
	})

	t.Run("DeleteOrganizationCascades", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ctx := t.Context()
		f := newOrg(t, s)
		ou1 := f.ou(f.root, "a")
		ou2 := f.ou(ou1, "b")
		acct := f.account(ou2, "member")
		st := &idc.CreateAccountStatus{ID: idc.NewCreateAccountRequestID(), OrganizationID: f.org.ID, AccountName: "member", State: idc.CreateAccountSucceeded,
			AccountID: acct.ID, RequestedAt: orgNow(), CompletedAt: orgNow()}
		h := &idc.Handshake{ID: idc.NewHandshakeID(), OrganizationID: f.org.ID, Action: idc.HandshakeInvite, State: idc.HandshakeAccepted,
			TargetType: idc.PartyAccount, TargetID: acct.ID, RequestedAt: orgNow(), ExpiresAt: orgNow()}
		orgMustTx(t, s, "populate", func(q store.Queries) error {
			for _, u := range []*idc.OrgUnit{ou1, ou2} {
				if err := q.CreateOrgUnit(ctx, u); err != nil {
					return err
				}
			}
			if err := q.CreateAccount(ctx, acct); err != nil {
				return err
			}
			for _, id := range []string{acct.ID, ou2.ID, f.root.ID} {
				if err := q.PutTags(ctx, id, []idc.Tag{{Key: "k", Value: "v"}}); err != nil {
					return err
				}
			}
			if err := q.CreateCreateAccountStatus(ctx, st); err != nil {
				return err
			}
			return q.CreateHandshake(ctx, h)
		})
		orgMustTx(t, s, "DeleteOrganization", func(q store.Queries) error { return q.DeleteOrganization(ctx, f.org.ID) })
		for _, id := range []string{ou1.ID, ou2.ID, f.root.ID} {
			if _, err := s.GetOrgUnit(ctx, id); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("GetOrgUnit(%s) after DeleteOrganization = %v, want ErrNotFound", id, err)
			}
			if n, err := s.CountTags(ctx, id); err != nil || n != 0 {
				t.Errorf("CountTags(%s) after DeleteOrganization = %d, %v; want 0", id, n, err)
			}
		}
		for _, id := range []string{acct.ID, f.mgmt.ID} {
			if _, err := s.GetAccount(ctx, id); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("GetAccount(%s) after DeleteOrganization = %v, want ErrNotFound", id, err)
			}
		}
		if _, err := s.GetCreateAccountStatus(ctx, st.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetCreateAccountStatus after DeleteOrganization = %v, want ErrNotFound", err)
		}
		if _, err := s.GetHandshake(ctx, h.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetHandshake after DeleteOrganization = %v, want ErrNotFound", err)
		}
		// A new organization can be created afterwards.
		newOrg(t, s)
	})

	t.Run("Units", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ctx := t.Context()
		f := newOrg(t, s)

		got, err := s.GetOrgUnit(ctx, f.root.ID)
		if err != nil {
			t.Fatalf("GetOrgUnit(root): %v", err)
		}
		if d := cmp.Diff(f.root, got); d != "" {
			t.Errorf("GetOrgUnit(root) diff (-want +got):\n%s", d)
		}
		roots, err := s.ListRoots(ctx, store.Page{})
		if err != nil || len(roots) != 1 || roots[0].ID != f.root.ID {
			t.Errorf("ListRoots = %v, %v; want the root", roots, err)
		}
		secondRoot := &idc.OrgUnit{ID: idc.NewRootID(), OrganizationID: f.org.ID, Name: "Root2", Path: "x/", CreatedAt: orgNow()}
		if err := orgTx(t, s, func(q store.Queries) error { return q.CreateOrgUnit(ctx, secondRoot) }); !errors.Is(err, store.ErrDuplicate) {
			t.Errorf("CreateOrgUnit(second root) = %v, want ErrDuplicate", err)
		}

		// A chain of five nested OUs is allowed; a sixth level is refused
		// by the CHECK constraint.
		chain := []*idc.OrgUnit{f.root}
		for i := range idc.MaxOUDepth {
			u := f.ou(chain[len(chain)-1], fmt.Sprint("level", i+1))
			orgMustTx(t, s, "CreateOrgUnit", func(q store.Queries) error { return q.CreateOrgUnit(ctx, u) })
			chain = append(chain, u)
		}
		deepest := chain[len(chain)-1]
		if got, err := s.GetOrgUnit(ctx, deepest.ID); err != nil {
			t.Fatalf("GetOrgUnit(deepest): %v", err)
		} else if d := cmp.Diff(deepest, got); d != "" {
			t.Errorf("GetOrgUnit(deepest) diff (-want +got):\n%s", d)
		}
		tooDeep := f.ou(deepest, "level6")
		if err := orgTx(t, s, func(q store.Queries) error { return q.CreateOrgUnit(ctx, tooDeep) }); err == nil {
			t.Errorf("CreateOrgUnit(depth 6) succeeded; the CHECK should refuse it")
		}
		lying := f.ou(chain[1], "lying")
		lying.Depth = 4 // its parent has depth 1
		if err := orgTx(t, s, func(q store.Queries) error { return q.CreateOrgUnit(ctx, lying) }); err == nil {
			t.Errorf("CreateOrgUnit(depth inconsistent with parent) succeeded")
		}
		orphan := f.ou(f.root, "orphan")
		orphan.ParentID = idc.NewOUID(f.root.ID)
		if err := orgTx(t, s, func(q store.Queries) error { return q.CreateOrgUnit(ctx, orphan) }); !errors.Is(err, store.ErrReferenced) {
			t.Errorf("CreateOrgUnit(missing parent) = %v, want ErrReferenced", err)
		}
		dup := f.ou(f.root, "level1")
		if err := orgTx(t, s, func(q store.Queries) error { return q.CreateOrgUnit(ctx, dup) }); !errors.Is(err, store.ErrDuplicate) {
			t.Errorf("CreateOrgUnit(sibling name) = %v, want ErrDuplicate", err)
		}
		cousin := f.ou(chain[1], "level1") // same name, different parent
		orgMustTx(t, s, "CreateOrgUnit(same name elsewhere)", func(q store.Queries) error { return q.CreateOrgUnit(ctx, cousin) })

		// Rename.
		sibling := f.ou(f.root, "sibling")
		orgMustTx(t, s, "CreateOrgUnit", func(q store.Queries) error { return q.CreateOrgUnit(ctx, sibling) })
		if err := orgTx(t, s, func(q store.Queries) error { return q.RenameOrgUnit(ctx, sibling.ID, "level1") }); !errors.Is(err, store.ErrDuplicate) {
			t.Errorf("RenameOrgUnit(to sibling's name) = %v, want ErrDuplicate", err)
		}
		orgMustTx(t, s, "RenameOrgUnit", func(q store.Queries) error { return q.RenameOrgUnit(ctx, sibling.ID, "renamed") })
		if got, err := s.GetOrgUnit(ctx, sibling.ID); err != nil || got.Name != "renamed" {
			t.Errorf("GetOrgUnit after rename = %v, %v", got, err)
		}
		if err := orgTx(t, s, func(q store.Queries) error { return q.RenameOrgUnit(ctx, f.root.ID, "x") }); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("RenameOrgUnit(root) = %v, want ErrNotFound", err)
		}
		if err := orgTx(t, s, func(q store.Queries) error { return q.RenameOrgUnit(ctx, idc.NewOUID(f.root.ID), "x") }); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("RenameOrgUnit(missing) = %v, want ErrNotFound", err)
		}

		// Delete: refused while the OU holds an OU or an account.
		if err := orgTx(t, s, func(q store.Queries) error { return q.DeleteOrgUnit(ctx, chain[4].ID) }); !errors.Is(err, store.ErrReferenced) {
			t.Errorf("DeleteOrgUnit(holding an OU) = %v, want ErrReferenced", err)
		}
		acct := f.account(deepest, "deep")
		orgMustTx(t, s, "CreateAccount", func(q store.Queries) error {
			if err := q.CreateAccount(ctx, acct); err != nil {
				return err
			}
			return q.PutTags(ctx, deepest.ID, []idc.Tag{{Key: "k", Value: "v"}})
		})
		if err := orgTx(t, s, func(q store.Queries) error { return q.DeleteOrgUnit(ctx, deepest.ID) }); !errors.Is(err, store.ErrReferenced) {
			t.Errorf("DeleteOrgUnit(holding an account) = %v, want ErrReferenced", err)
		}
		if n, err := s.CountTags(ctx, deepest.ID); err != nil || n != 1 {
			t.Errorf("CountTags after refused delete = %d, %v; want 1", n, err)
		}
		orgMustTx(t, s, "DeleteAccount", func(q store.Queries) error { return q.DeleteAccount(ctx, acct.ID) })
		orgMustTx(t, s, "DeleteOrgUnit", func(q store.Queries) error { return q.DeleteOrgUnit(ctx, deepest.ID) })
		if _, err := s.GetOrgUnit(ctx, deepest.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetOrgUnit(deleted) = %v, want ErrNotFound", err)
		}
		if n, err := s.CountTags(ctx, deepest.ID); err != nil || n != 0 {
			t.Errorf("CountTags(deleted OU) = %d, %v; want 0 (cascade)", n, err)
		}
		if err := orgTx(t, s, func(q store.Queries) error { return q.DeleteOrgUnit(ctx, deepest.ID) }); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("DeleteOrgUnit(deleted) = %v, want ErrNotFound", err)
		}
		if err := orgTx(t, s, func(q store.Queries) error { return q.DeleteOrgUnit(ctx, f.root.ID) }); err == nil {
			t.Errorf("DeleteOrgUnit(root) succeeded")
		}
		if _, err := s.GetOrgUnit(ctx, f.root.ID); err != nil {
			t.Errorf("root gone after refused delete: %v", err)
		}
	})

	t.Run("UnitPagination", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ctx := t.Context()
		f := newOrg(t, s)
		parent := f.ou(f.root, "parent")
		var want []string
		orgMustTx(t, s, "CreateOrgUnits", func(q store.Queries) error {
			if err := q.CreateOrgUnit(ctx, parent); err != nil {
				return err
			}
			for i := range 25 {
				u := f.ou(parent, fmt.Sprint("child", i))
				if err := q.CreateOrgUnit(ctx, u); err != nil {
					return err
				}
				want = append(want, u.ID)
			}
			// Grandchildren must not appear among the children.
			return q.CreateOrgUnit(ctx, f.ou(&idc.OrgUnit{ID: want[0], Path: parent.Path + want[0] + "/", Depth: 2}, "grandchild"))
		})
		got := orgPageAll(t, func(p store.Page) ([]*idc.OrgUnit, error) { return s.ListOrgUnits(ctx, parent.ID, p) }, func(u *idc.OrgUnit) string { return u.ID })
		if d := cmp.Diff(slices.Sorted(slices.Values(want)), orgUnitIDs(got)); d != "" {
			t.Errorf("ListOrgUnits paged diff (-want +got):\n%s", d)
		}
		for _, u := range got {
			if u.ParentID != parent.ID || u.Depth != 2 || u.Path != parent.Path+u.ID+"/" {
				t.Errorf("ListOrgUnits item %+v has wrong parent, depth or path", u)
			}
		}
		if got, err := s.ListOrgUnits(ctx, f.root.ID, store.Page{}); err != nil || len(got) != 1 || got[0].ID != parent.ID {
			t.Errorf("ListOrgUnits(root) = %v, %v; want the parent only", orgUnitIDs(got), err)
		}
		if got, err := s.ListOrgUnits(ctx, idc.NewOUID(f.root.ID), store.Page{}); err != nil || len(got) != 0 {
			t.Errorf("ListOrgUnits(missing parent) = %v, %v; want none", got, err)
		}
	})

	t.Run("Accounts", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ctx := t.Context()
		f := newOrg(t, s)
		ou := f.ou(f.root, "ou")
		a := f.account(ou, "Alpha")
		orgMustTx(t, s, "create", func(q store.Queries) error {
			if err := q.CreateOrgUnit(ctx, ou); err != nil {
				return err
			}
			return q.CreateAccount(ctx, a)
		})
		got, err := s.GetAccount(ctx, a.ID)
		if err != nil {
			t.Fatalf("GetAccount: %v", err)
		}
		if d := cmp.Diff(a, got); d != "" {
			t.Errorf("GetAccount diff (-want +got):\n%s", d)
		}
		if got, err := s.GetAccount(ctx, f.mgmt.ID); err != nil {
			t.Errorf("GetAccount(management): %v", err)
		} else if d := cmp.Diff(f.mgmt, got); d != "" {
			t.Errorf("GetAccount(management) diff (-want +got):\n%s", d)
		}
		if got, err := s.GetAccountByEmail(ctx, strings.ToUpper(a.Email)); err != nil || got.ID != a.ID {
			t.Errorf("GetAccountByEmail(upper case) = %v, %v; want %s", got, err, a.ID)
		}
		if _, err := s.GetAccount(ctx, "000000000000"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetAccount(missing) = %v, want ErrNotFound", err)
		}
		if _, err := s.GetAccountByEmail(ctx, "nobody@example.com"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetAccountByEmail(missing) = %v, want ErrNotFound", err)
		}

		sameEmail := f.account(f.root, "Beta")
		sameEmail.Email = strings.ToUpper(a.Email)
		sameID := f.account(f.root, "Gamma")
		sameID.ID = a.ID
		noParent := f.account(f.root, "Delta")
		noParent.ParentID = idc.NewOUID(f.root.ID)
		badStatus := f.account(f.root, "Epsilon")
		badStatus.Status = "GONE"
		badMethod := f.account(f.root, "Zeta")
		badMethod.JoinedMethod = "STOLEN"
		badID := f.account(f.root, "Eta")
		badID.ID = "123"
		for _, tc := range []struct {
			name string
			a    *idc.Account
			want error
		}{
			{"email differs only in case", sameEmail, store.ErrDuplicate},
			{"same id", sameID, store.ErrDuplicate},
			{"missing parent", noParent, store.ErrReferenced},
			{"bad status", badStatus, nil},
			{"bad joined method", badMethod, nil},
			{"short id", badID, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				err := orgTx(t, s, func(q store.Queries) error { return q.CreateAccount(ctx, tc.a) })
				if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
					t.Errorf("CreateAccount(%s) = %v, want %v", tc.name, err, tc.want)
				}
				if tc.a.ID != a.ID {
					if _, err := s.GetAccount(ctx, tc.a.ID); !errors.Is(err, store.ErrNotFound) {
						t.Errorf("refused account exists: %v", err)
					}
				}
			})
		}

		// Move: only from the current parent, only to an existing one.
		if err := orgTx(t, s, func(q store.Queries) error { return q.MoveAccount(ctx, a.ID, f.root.ID, ou.ID) }); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("MoveAccount(wrong source) = %v, want ErrNotFound", err)
		}
		if err := orgTx(t, s, func(q store.Queries) error { return q.MoveAccount(ctx, a.ID, ou.ID, idc.NewOUID(f.root.ID)) }); !errors.Is(err, store.ErrReferenced) {
			t.Errorf("MoveAccount(missing destination) = %v, want ErrReferenced", err)
		}
		orgMustTx(t, s, "MoveAccount", func(q store.Queries) error { return q.MoveAccount(ctx, a.ID, ou.ID, f.root.ID) })
		if got, err := s.GetAccount(ctx, a.ID); err != nil || got.ParentID != f.root.ID || got.Path != f.root.Path+a.ID+"/" {
			t.Errorf("GetAccount after move = %+v, %v; want under the root", got, err)
		}

		// Status.
		orgMustTx(t, s, "SetAccountStatus", func(q store.Queries) error { return q.SetAccountStatus(ctx, a.ID, idc.AccountSuspended) })
		if got, err := s.GetAccount(ctx, a.ID); err != nil || got.Status != idc.AccountSuspended {
			t.Errorf("GetAccount after SetAccountStatus = %+v, %v", got, err)
		}
		if err := orgTx(t, s, func(q store.Queries) error { return q.SetAccountStatus(ctx, a.ID, "WEIRD") }); err == nil {
			t.Errorf("SetAccountStatus(WEIRD) succeeded")
		}
		if err := orgTx(t, s, func(q store.Queries) error { return q.SetAccountStatus(ctx, "000000000000", idc.AccountActive) }); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("SetAccountStatus(missing) = %v, want ErrNotFound", err)
		}

		// Delete frees the email.
		orgMustTx(t, s, "PutTags", func(q store.Queries) error { return q.PutTags(ctx, a.ID, []idc.Tag{{Key: "k", Value: "v"}}) })
		orgMustTx(t, s, "DeleteAccount", func(q store.Queries) error { return q.DeleteAccount(ctx, a.ID) })
		if _, err := s.GetAccount(ctx, a.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetAccount(deleted) = %v, want ErrNotFound", err)
		}
		if n, err := s.CountTags(ctx, a.ID); err != nil || n != 0 {
			t.Errorf("CountTags(deleted account) = %d, %v; want 0 (cascade)", n, err)
		}
		if err := orgTx(t, s, func(q store.Queries) error { return q.DeleteAccount(ctx, a.ID) }); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("DeleteAccount(deleted) = %v, want ErrNotFound", err)
		}
		orgMustTx(t, s, "CreateAccount(reused email)", func(q store.Queries) error { return q.CreateAccount(ctx, sameEmail) })
	})

	t.Run("AccountPagination", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ctx := t.Context()
		f := newOrg(t, s)
		ou := f.ou(f.root, "ou")
		all := []string{f.mgmt.ID}
		var inOU, inRoot []string
		inRoot = append(inRoot, f.mgmt.ID)
		orgMustTx(t, s, "create", func(q store.Queries) error {
			if err := q.CreateOrgUnit(ctx, ou); err != nil {
				return err
			}
			for i := range 30 {
				parent := f.root
				if i%3 != 0 {
					parent = ou
				}
				a := f.account(parent, fmt.Sprint("acct", i))
				if err := q.CreateAccount(ctx, a); err != nil {
					return err
				}
				all = append(all, a.ID)
				if parent == ou {
					inOU = append(inOU, a.ID)
				} else {
					inRoot = append(inRoot, a.ID)
				}
			}
			return nil
		})
		key := func(a *idc.Account) string { return a.ID }
		got := orgPageAll(t, func(p store.Page) ([]*idc.Account, error) { return s.ListAccounts(ctx, p) }, key)
		if d := cmp.Diff(slices.Sorted(slices.Values(all)), orgAccountIDs(got)); d != "" {
			t.Errorf("ListAccounts paged diff (-want +got):\n%s", d)
		}
		got = orgPageAll(t, func(p store.Page) ([]*idc.Account, error) { return s.ListAccountsForParent(ctx, ou.ID, p) }, key)
		if d := cmp.Diff(slices.Sorted(slices.Values(inOU)), orgAccountIDs(got)); d != "" {
			t.Errorf("ListAccountsForParent(ou) paged diff (-want +got):\n%s", d)
		}
		got = orgPageAll(t, func(p store.Page) ([]*idc.Account, error) { return s.ListAccountsForParent(ctx, f.root.ID, p) }, key)
		if d := cmp.Diff(slices.Sorted(slices.Values(inRoot)), orgAccountIDs(got)); d != "" {
			t.Errorf("ListAccountsForParent(root) paged diff (-want +got):\n%s", d)
		}
		page, err := s.ListAccounts(ctx, store.Page{Limit: 7})
		if err != nil || len(page) != 7 {
			t.Errorf("ListAccounts(limit 7) = %d accounts, %v", len(page), err)
		}
	})

	t.Run("CreateAccountStatuses", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ctx := t.Context()
		f := newOrg(t, s)
		var want []*idc.CreateAccountStatus
		var failed []string
		orgMustTx(t, s, "create", func(q store.Queries) error {
			for i := range 12 {
				st := &idc.CreateAccountStatus{ID: idc.NewCreateAccountRequestID(), OrganizationID: f.org.ID, AccountName: fmt.Sprint("a", i),
					State: idc.CreateAccountSucceeded, AccountID: idc.NewAccountID(), RequestedAt: orgNow(), CompletedAt: orgNow()}
				if i%4 == 0 {
					st.State, st.AccountID, st.FailureReason = idc.CreateAccountFailed, "", idc.FailureEmailAlreadyExists
					failed = append(failed, st.ID)
				}
				if err := q.CreateCreateAccountStatus(ctx, st); err != nil {
					return err
				}
				want = append(want, st)
			}
			return nil
		})
		got, err := s.GetCreateAccountStatus(ctx, want[0].ID)
		if err != nil {
			t.Fatalf("GetCreateAccountStatus: %v", err)
		}
		if d := cmp.Diff(want[0], got); d != "" {
			t.Errorf("GetCreateAccountStatus diff (-want +got):\n%s", d)
		}
		if _, err := s.GetCreateAccountStatus(ctx, "car-00000000"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetCreateAccountStatus(missing) = %v, want ErrNotFound", err)
		}
		key := func(st *idc.CreateAccountStatus) string { return st.ID }
		ids := func(ss []*idc.CreateAccountStatus) []string {
			out := make([]string, len(ss))
			for i, st := range ss {
				out[i] = st.ID
			}
			return out
		}
		all := orgPageAll(t, func(p store.Page) ([]*idc.CreateAccountStatus, error) {
			return s.ListCreateAccountStatuses(ctx, nil, p)
		}, key)
		if d := cmp.Diff(slices.Sorted(slices.Values(ids(want))), ids(all)); d != "" {
			t.Errorf("ListCreateAccountStatuses(all) diff (-want +got):\n%s", d)
		}
		gotFailed := orgPageAll(t, func(p store.Page) ([]*idc.CreateAccountStatus, error) {
			return s.ListCreateAccountStatuses(ctx, []string{idc.CreateAccountFailed}, p)
		}, key)
		if d := cmp.Diff(slices.Sorted(slices.Values(failed)), ids(gotFailed)); d != "" {
			t.Errorf("ListCreateAccountStatuses(FAILED) diff (-want +got):\n%s", d)
		}
		both, err := s.ListCreateAccountStatuses(ctx, []string{idc.CreateAccountFailed, idc.CreateAccountSucceeded}, store.Page{})
		if err != nil || len(both) != len(want) {
			t.Errorf("ListCreateAccountStatuses(FAILED, SUCCEEDED) = %d, %v; want %d", len(both), err, len(want))
		}
		none, err := s.ListCreateAccountStatuses(ctx, []string{idc.CreateAccountInProgress}, store.Page{})
		if err != nil || len(none) != 0 {
			t.Errorf("ListCreateAccountStatuses(IN_PROGRESS) = %d, %v; want 0", len(none), err)
		}
		for _, tc := range []struct {
			name string
			st   idc.CreateAccountStatus
		}{
			{"succeeded without account", idc.CreateAccountStatus{State: idc.CreateAccountSucceeded, CompletedAt: orgNow()}},
			{"failed without reason", idc.CreateAccountStatus{State: idc.CreateAccountFailed, CompletedAt: orgNow()}},
			{"in progress but completed", idc.CreateAccountStatus{State: idc.CreateAccountInProgress, CompletedAt: orgNow()}},
			{"unknown state", idc.CreateAccountStatus{State: "DONE", CompletedAt: orgNow()}},
		} {
			st := tc.st
			st.ID, st.OrganizationID, st.AccountName, st.RequestedAt = idc.NewCreateAccountRequestID(), f.org.ID, "x", orgNow()
			if err := orgTx(t, s, func(q store.Queries) error { return q.CreateCreateAccountStatus(ctx, &st) }); err == nil {
				t.Errorf("CreateCreateAccountStatus(%s) succeeded; a CHECK should refuse it", tc.name)
			}
		}
		if err := orgTx(t, s, func(q store.Queries) error { return q.CreateCreateAccountStatus(ctx, want[1]) }); !errors.Is(err, store.ErrDuplicate) {
			t.Errorf("CreateCreateAccountStatus(dup) = %v, want ErrDuplicate", err)
		}
	})

	t.Run("Handshakes", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ctx := t.Context()
		f := newOrg(t, s)
		var want []string
		var first *idc.Handshake
		orgMustTx(t, s, "create", func(q store.Queries) error {
			for i := range 5 {
				h := &idc.Handshake{ID: idc.NewHandshakeID(), OrganizationID: f.org.ID, Action: idc.HandshakeInvite, State: idc.HandshakeAccepted,
					TargetType: idc.PartyAccount, TargetID: idc.NewAccountID(), Notes: fmt.Sprint("n", i), RequestedAt: orgNow(), ExpiresAt: orgNow().Add(time.Hour)}
				if first == nil {
					first = h
				}
				if err := q.CreateHandshake(ctx, h); err != nil {
					return err
				}
				want = append(want, h.ID)
			}
			return nil
		})
		got, err := s.GetHandshake(ctx, first.ID)
		if err != nil {
			t.Fatalf("GetHandshake: %v", err)
		}
		if d := cmp.Diff(first, got); d != "" {
			t.Errorf("GetHandshake diff (-want +got):\n%s", d)
		}
		if _, err := s.GetHandshake(ctx, "h-0000000000"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetHandshake(missing) = %v, want ErrNotFound", err)
		}
		key := func(h *idc.Handshake) string { return h.ID }
		hids := func(hs []*idc.Handshake) []string {
			out := make([]string, len(hs))
			for i, h := range hs {
				out[i] = h.ID
			}
			return out
		}
		all := orgPageAll(t, func(p store.Page) ([]*idc.Handshake, error) { return s.ListHandshakes(ctx, "", p) }, key)
		if d := cmp.Diff(slices.Sorted(slices.Values(want)), hids(all)); d != "" {
			t.Errorf("ListHandshakes diff (-want +got):\n%s", d)
		}
		invites := orgPageAll(t, func(p store.Page) ([]*idc.Handshake, error) { return s.ListHandshakes(ctx, idc.HandshakeInvite, p) }, key)
		if len(invites) != len(want) {
			t.Errorf("ListHandshakes(INVITE) = %d, want %d", len(invites), len(want))
		}
		other, err := s.ListHandshakes(ctx, "ENABLE_ALL_FEATURES", store.Page{})
		if err != nil || len(other) != 0 {
			t.Errorf("ListHandshakes(ENABLE_ALL_FEATURES) = %d, %v; want 0", len(other), err)
		}
		if err := orgTx(t, s, func(q store.Queries) error { return q.CreateHandshake(ctx, first) }); !errors.Is(err, store.ErrDuplicate) {
			t.Errorf("CreateHandshake(dup) = %v, want ErrDuplicate", err)
		}
	})

	t.Run("Tags", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ctx := t.Context()
		f := newOrg(t, s)
		ou := f.ou(f.root, "ou")
		orgMustTx(t, s, "CreateOrgUnit", func(q store.Queries) error { return q.CreateOrgUnit(ctx, ou) })
		for _, r := range []struct{ kind, id string }{{"account", f.mgmt.ID}, {"ou", ou.ID}, {"root", f.root.ID}} {
			id := r.id
			t.Run(r.kind, func(t *testing.T) {
				var want []idc.Tag
				orgMustTx(t, s, "PutTags", func(q store.Queries) error {
					var tags []idc.Tag
					for i := range 25 {
						tags = append(tags, idc.Tag{Key: fmt.Sprintf("key%02d", i), Value: fmt.Sprint("v", i)})
					}
					want = tags
					return q.PutTags(ctx, id, tags)
				})
				// Overwrite one value, add one key, delete two (one absent).
				orgMustTx(t, s, "PutTags(update)", func(q store.Queries) error {
					return q.PutTags(ctx, id, []idc.Tag{{Key: "key03", Value: "new"}, {Key: "extra", Value: ""}})
				})
				orgMustTx(t, s, "DeleteTags", func(q store.Queries) error { return q.DeleteTags(ctx, id, []string{"key04", "absent"}) })
				want[3].Value = "new"
				want = append(want[:4], want[5:]...)
				want = append([]idc.Tag{{Key: "extra", Value: ""}}, want...)
				got := orgPageAll(t, func(p store.Page) ([]idc.Tag, error) { return s.ListTags(ctx, id, p) }, func(tag idc.Tag) string { return tag.Key })
				if d := cmp.Diff(want, got); d != "" {
					t.Errorf("ListTags paged diff (-want +got):\n%s", d)
				}
				if n, err := s.CountTags(ctx, id); err != nil || n != len(want) {
					t.Errorf("CountTags = %d, %v; want %d", n, err, len(want))
				}
			})
		}
		for _, id := range []string{"000000000000", idc.NewOUID(f.root.ID), "r-zzzz"} {
			if err := orgTx(t, s, func(q store.Queries) error { return q.PutTags(ctx, id, []idc.Tag{{Key: "k", Value: "v"}}) }); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("PutTags(%s) = %v, want ErrNotFound", id, err)
			}
			if err := orgTx(t, s, func(q store.Queries) error { return q.DeleteTags(ctx, id, []string{"k"}) }); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("DeleteTags(%s) = %v, want ErrNotFound", id, err)
			}
			if got, err := s.ListTags(ctx, id, store.Page{}); err != nil || len(got) != 0 {
				t.Errorf("ListTags(%s) = %v, %v; want none", id, got, err)
			}
		}
	})

	t.Run("ConcurrentTagWritersSerialise", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ctx := t.Context()
		f := newOrg(t, s)
		// Eight writers each add 10 tags under a limit of 50 checked after
		// the write in the same transaction: exactly five may win.
		errLimit := errors.New("limit")
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins := 0
		for w := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var tags []idc.Tag
				for i := range 10 {
					tags = append(tags, idc.Tag{Key: fmt.Sprintf("w%d-%d", w, i), Value: "v"})
				}
				err := s.Tx(context.Background(), func(q store.Queries) error {
					if err := q.PutTags(ctx, f.root.ID, tags); err != nil {
						return err
					}
					n, err := q.CountTags(ctx, f.root.ID)
					if err != nil {
						return err
					}
					if n > idc.MaxTags {
						return errLimit
					}
					return nil
				})
				switch {
				case err == nil:
					mu.Lock()
					wins++
					mu.Unlock()
				case !errors.Is(err, errLimit):
					t.Errorf("tag writer: %v", err)
				}
			}()
		}
		wg.Wait()
		n, err := s.CountTags(ctx, f.root.ID)
		if err != nil || n != idc.MaxTags || wins != 5 {
			t.Errorf("after racing writers: %d tags (%v), %d winners; want %d tags and 5 winners", n, err, wins, idc.MaxTags)
		}
	})
}
