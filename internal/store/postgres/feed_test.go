package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/store"
)

// TestAssignmentFeedOutOfBand: idcenter's own inserts write an assignment's
// change-feed entry in the inserting statement (migration 0018); an insert
// made any other way — SQL typed by hand, or a binary from before 0018
// during a rolling upgrade — still gets exactly one entry, from the
// fallback trigger, so replicas' entitlement indexes learn of it. A row
// that says it was fed gets none from the trigger.
func TestAssignmentFeedOutOfBand(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s, raw := openWithRaw(t)

	in, org, ps, users := assignmentFixture(t, s, "by-hand", "by-idcenter", "says-fed")
	now := time.Now().UTC().Truncate(time.Millisecond)
	cursor, err := s.LoadAccessState(ctx, func(*store.AccessChange) error { return nil })
	if err != nil {
		t.Fatalf("LoadAccessState: %v", err)
	}
	// next returns the assignment changes since the last call.
	next := func() []store.AccessChange {
		t.Helper()
		changes, c, err := s.AccessChangesSince(ctx, cursor)
		if err != nil {
			t.Fatalf("AccessChangesSince: %v", err)
		}
		cursor = c
		var out []store.AccessChange
		for _, ch := range changes {
			if ch.Kind == store.ChangeAssignment {
				out = append(out, ch)
			}
		}
		return out
	}
	handInsert := func(user string, extra string) {
		t.Helper()
		cols, vals := "", ""
		if extra != "" {
			cols, vals = ", feed_written", ", "+extra
		}
		if _, err := raw.ExecContext(ctx, `INSERT INTO access_assignments (account_id, permission_set_arn, principal_type, principal_id,
			instance_arn, identity_store_id, user_id, created_at`+cols+`) VALUES ($1, $2, 'USER', $3, $4, $5, $3, 0`+vals+`)`,
			org.ManagementAccountID, ps.ARN, user, in.InstanceARN, in.IdentityStoreID); err != nil {
			t.Fatalf("INSERT by hand: %v", err)
		}
	}
	handInsert(users[0], "")
	if got := next(); len(got) != 1 || got[0].Deleted || got[0].PrincipalID != users[0] || got[0].AccountID != org.ManagementAccountID || got[0].PermissionSetARN != ps.ARN {
		t.Errorf("an assignment inserted by hand gave the feed %+v; want one new assignment of %s", got, users[0])
	}

	mustTx(t, s, "CreateAssignment", func(ctx context.Context, q store.Queries) error {
		_, err := q.CreateAssignment(ctx, &idc.Assignment{InstanceARN: in.InstanceARN, IdentityStoreID: in.IdentityStoreID, AccountID: org.ManagementAccountID,
			PermissionSetARN: ps.ARN, PrincipalType: idc.PrincipalUser, PrincipalID: users[1], CreatedAt: now})
		return err
	})
	if got := next(); len(got) != 1 || got[0].PrincipalID != users[1] {
		t.Errorf("CreateAssignment gave the feed %+v; want exactly one entry (the statement's, not the trigger's too)", got)
	}

	handInsert(users[2], "true")
	if got := next(); len(got) != 0 {
		t.Errorf("a row inserted as already fed gave the feed %+v; want nothing", got)
	}
}

// assignmentFixture makes an instance, an organization with its management
// account, a permission set and one user per name: what an assignment
// inserted by hand refers to.
func assignmentFixture(t *testing.T, s store.Store, userNames ...string) (*idc.Instance, *idc.Organization, *idc.PermissionSet, []string) {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Millisecond)
	in := newInstance(t, s)
	org := &idc.Organization{ID: idc.NewOrganizationID(), ManagementAccountID: idc.NewAccountID(), FeatureSet: idc.FeatureSetAll, CreatedAt: now}
	rootID := idc.NewRootID()
	ps := &idc.PermissionSet{ARN: idc.NewPermissionSetARN(in.InstanceARN), InstanceARN: in.InstanceARN, Name: "feed", SessionDuration: "PT1H", CreatedAt: now}
	var users []string
	mustTx(t, s, "fixture", func(ctx context.Context, q store.Queries) error {
		if err := q.CreateOrganization(ctx, org); err != nil {
			return err
		}
		if err := q.CreateOrgUnit(ctx, &idc.OrgUnit{ID: rootID, OrganizationID: org.ID, Name: "Root", Path: org.ID + "/" + rootID + "/", CreatedAt: now}); err != nil {
			return err
		}
		if err := q.CreateAccount(ctx, &idc.Account{ID: org.ManagementAccountID, OrganizationID: org.ID, ParentID: rootID,
			Email: idc.PlaceholderAccountEmail(org.ManagementAccountID), Name: "Management", Status: idc.AccountActive,
			JoinedMethod: idc.JoinedCreated, JoinedAt: now}); err != nil {
			return err
		}
		if err := q.CreatePermissionSet(ctx, ps); err != nil {
			return err
		}
		// Provisioned to the management account, where the tests assign it.
		if err := q.PutSnapshot(ctx, &idc.PermissionSetSnapshot{PermissionSetARN: ps.ARN, Version: ps.Version, Document: "{}", CreatedAt: now}); err != nil {
			return err
		}
		if err := q.PutProvisionedRole(ctx, &idc.ProvisionedRole{InstanceARN: in.InstanceARN, PermissionSetARN: ps.ARN, AccountID: org.ManagementAccountID,
			RoleName: idc.RoleName(ps.Name, ps.ARN, org.ManagementAccountID), Version: ps.Version, SessionSeconds: 3600, ProvisionedAt: now}); err != nil {
			return err
		}
		for _, name := range userNames {
			u := &idc.User{IdentityStoreID: in.IdentityStoreID, UserID: idc.NewResourceID(in.IdentityStoreID), UserName: name, Status: idc.UserEnabled}
			if err := q.CreateUser(ctx, u, 0); err != nil {
				return err
			}
			users = append(users, u.UserID)
		}
		return nil
	})
	return in, org, ps, users
}

// TestAssignmentPrincipalCheck: an assignment names its principal as
// exactly one of user_id / group_id, whose foreign keys cascade the
// principal's deletion to it. Rows that break that are refused, including
// the ones whose user_id and group_id are both NULL, which the check
// before migration 0019 let through (its comparison was NULL, and a NULL
// check passes).
func TestAssignmentPrincipalCheck(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s, raw := openWithRaw(t)
	in, org, ps, users := assignmentFixture(t, s, "u")
	insert := func(typ, principal string, user, group any) error {
		_, err := raw.ExecContext(ctx, `INSERT INTO access_assignments (account_id, permission_set_arn, principal_type, principal_id,
			instance_arn, identity_store_id, user_id, group_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0)`,
			org.ManagementAccountID, ps.ARN, typ, principal, in.InstanceARN, in.IdentityStoreID, user, group)
		return err
	}
	for _, c := range []struct {
		name           string
		typ, principal string
		user, group    any
	}{
		{"USER without user_id", "USER", users[0], nil, nil},
		{"GROUP without group_id", "GROUP", "g-1", nil, nil},
		{"USER with a group_id", "USER", users[0], users[0], "g-1"},
		{"user_id not the principal", "USER", "someone-else", users[0], nil},
		{"unknown type", "ROLE", users[0], users[0], nil},
	} {
		err := insert(c.typ, c.principal, c.user, c.group)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "23514" {
			t.Errorf("%s: INSERT = %v; want a check violation (23514)", c.name, err)
		}
	}
	if err := insert("USER", users[0], users[0], nil); err != nil {
		t.Errorf("a well-formed USER assignment: %v", err)
	}
}
