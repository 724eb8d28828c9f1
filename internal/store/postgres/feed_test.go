package postgres_test

import (
	"context"
	"testing"
	"time"

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
		for _, name := range []string{"by-hand", "by-idcenter", "says-fed"} {
			u := &idc.User{IdentityStoreID: in.IdentityStoreID, UserID: idc.NewResourceID(in.IdentityStoreID), UserName: name, Status: idc.UserEnabled}
			if err := q.CreateUser(ctx, u, 0); err != nil {
				return err
			}
			users = append(users, u.UserID)
		}
		return nil
	})
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
