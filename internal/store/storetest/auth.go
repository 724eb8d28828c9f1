package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/store"
)

// authFixture is a store with one identity store and one user in it.
type authFixture struct {
	*dirFixture
	userID string
}

func newAuthFixture(t *testing.T, open Opener) *authFixture {
	t.Helper()
	f := &authFixture{dirFixture: newDirFixture(t, open)}
	u := f.user("alice")
	f.mustCreateUser(t, u)
	f.userID = u.UserID
	return f
}

func (f *authFixture) mustTx(t *testing.T, what string, fn func(ctx context.Context, q store.Queries) error) {
	t.Helper()
	if err := f.tx(t, fn); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func (f *authFixture) session(id string, expires time.Time) *store.SessionRecord {
	return &store.SessionRecord{
		Session: idc.Session{
			ID: id, IdentityStoreID: f.id, UserID: f.userID,
			CreatedAt: f.now, AuthenticatedAt: f.now, MFA: true, ExpiresAt: expires,
		},
		SecretHash: "hash-" + id,
	}
}

// concurrently runs fn n times at once and returns how many returned true.
func concurrently(t *testing.T, n int, fn func() (bool, error)) int {
	t.Helper()
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for range n {
		wg.Go(func() {
			ok, err := fn()
			if err != nil {
				t.Errorf("concurrent call: %v", err)
				return
			}
			if ok {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return wins
}

func testAuth(t *testing.T, open Opener) {
	t.Run("Settings", func(t *testing.T) {
		t.Parallel()
		f := newAuthFixture(t, open)
		ctx := t.Context()
		if _, err := f.s.GetAuthSettings(ctx, f.id); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("GetAuthSettings(unset) = %v, want ErrNotFound", err)
		}
		// Each flag round-trips on and back off (DeviceSameNetwork:
		// SECURITY.md DF-13).
		for _, want := range []*store.AuthSettings{
			{IdentityStoreID: f.id, MFAMode: store.MFAContextAware, SessionDuration: 15 * time.Minute, UpdatedAt: f.now, UpdatedBy: "a"},
			{IdentityStoreID: f.id, MFAMode: store.MFADisabled, SessionDuration: 90 * 24 * time.Hour, DeviceGrantDisabled: true, UpdatedAt: f.now.Add(time.Second), UpdatedBy: "b"},
			{IdentityStoreID: f.id, MFAMode: store.MFAAlwaysOn, SessionDuration: time.Hour, DeviceSameNetwork: true, UpdatedAt: f.now.Add(2 * time.Second), UpdatedBy: "c"},
			{IdentityStoreID: f.id, MFAMode: store.MFAAlwaysOn, SessionDuration: time.Hour, UpdatedAt: f.now.Add(3 * time.Second), UpdatedBy: "d"},
		} {
			f.mustTx(t, "PutAuthSettings", func(ctx context.Context, q store.Queries) error { return q.PutAuthSettings(ctx, want) })
			got, err := f.s.GetAuthSettings(ctx, f.id)
			if err != nil {
				t.Fatalf("GetAuthSettings: %v", err)
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("GetAuthSettings diff (-want +got):\n%s", d)
			}
		}
		bad := []struct {
			name string
			s    *store.AuthSettings
			want error
		}{
			{"unknown mode", &store.AuthSettings{IdentityStoreID: f.id, MFAMode: "SOMETIMES", SessionDuration: time.Hour, UpdatedAt: f.now}, nil},
			{"too short", &store.AuthSettings{IdentityStoreID: f.id, MFAMode: store.MFAAlwaysOn, SessionDuration: time.Minute, UpdatedAt: f.now}, nil},
			{"unknown store", &store.AuthSettings{IdentityStoreID: "d-0000000000", MFAMode: store.MFAAlwaysOn, SessionDuration: time.Hour, UpdatedAt: f.now}, store.ErrReferenced},
		}
		for _, tc := range bad {
			err := f.tx(t, func(ctx context.Context, q store.Queries) error { return q.PutAuthSettings(ctx, tc.s) })
			if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Errorf("PutAuthSettings(%s) = %v, want an error (%v)", tc.name, err, tc.want)
			}
		}
	})

	t.Run("Credentials", func(t *testing.T) {
		t.Parallel()
		f := newAuthFixture(t, open)
		ctx := t.Context()
		if _, err := f.s.GetUserCredential(ctx, f.id, f.userID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("GetUserCredential(none) = %v, want ErrNotFound", err)
		}
		if err := f.tx(t, func(ctx context.Context, q store.Queries) error {
			return q.SetUserPassword(ctx, f.id, "ffffffffff-00000000-0000-4000-8000-000000000000", "h", f.now)
		}); !errors.Is(err, store.ErrReferenced) {
			t.Errorf("SetUserPassword(unknown user) = %v, want ErrReferenced", err)
		}
		var enrolled bool
		f.mustTx(t, "EnrolUserTOTP(no credential)", func(ctx context.Context, q store.Queries) (err error) {
			enrolled, err = q.EnrolUserTOTP(ctx, f.id, f.userID, []byte("s"), 1, f.now)
			return err
		})
		if enrolled {
			t.Errorf("EnrolUserTOTP(no credential) = true, want false")
		}
		f.mustTx(t, "SetUserPassword", func(ctx context.Context, q store.Queries) error {
			return q.SetUserPassword(ctx, f.id, f.userID, "$argon2id$one", f.now)
		})
		f.mustTx(t, "EnrolUserTOTP", func(ctx context.Context, q store.Queries) (err error) {
			enrolled, err = q.EnrolUserTOTP(ctx, f.id, f.userID, []byte{1, 2, 3}, 100, f.now)
			return err
		})
		if !enrolled {
			t.Fatalf("EnrolUserTOTP = false, want true")
		}
		f.mustTx(t, "EnrolUserTOTP(again)", func(ctx context.Context, q store.Queries) (err error) {
			enrolled, err = q.EnrolUserTOTP(ctx, f.id, f.userID, []byte{9}, 200, f.now)
			return err
		})
		if enrolled {
			t.Errorf("EnrolUserTOTP(already enrolled) = true, want false")
		}
		later := f.now.Add(time.Minute)
		f.mustTx(t, "SetUserPassword(again)", func(ctx context.Context, q store.Queries) error {
			return q.SetUserPassword(ctx, f.id, f.userID, "$argon2id$two", later)
		})
		got, err := f.s.GetUserCredential(ctx, f.id, f.userID)
		if err != nil {
			t.Fatalf("GetUserCredential: %v", err)
		}
		want := &store.UserCredential{
			IdentityStoreID: f.id, UserID: f.userID, PasswordHash: "$argon2id$two", PasswordSetAt: later,
			TOTPSecret: []byte{1, 2, 3}, TOTPEnrolledAt: f.now, TOTPLastStep: 100, UpdatedAt: later,
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("GetUserCredential diff (-want +got):\n%s", d)
		}

		// Each step is accepted once, and only steps after the last one.
		for _, tc := range []struct {
			step int64
			want bool
		}{{100, false}, {99, false}, {101, true}, {101, false}, {103, true}, {102, false}} {
			var ok bool
			f.mustTx(t, "AdvanceUserTOTPStep", func(ctx context.Context, q store.Queries) (err error) {
				ok, err = q.AdvanceUserTOTPStep(ctx, f.id, f.userID, tc.step)
				return err
			})
			if ok != tc.want {
				t.Errorf("AdvanceUserTOTPStep(%d) = %v, want %v", tc.step, ok, tc.want)
			}
		}
		wins := concurrently(t, 8, func() (ok bool, err error) {
			err = f.s.Tx(ctx, func(q store.Queries) (err error) {
				ok, err = q.AdvanceUserTOTPStep(ctx, f.id, f.userID, 200)
				return err
			})
			return ok, err
		})
		if wins != 1 {
			t.Errorf("concurrent AdvanceUserTOTPStep(200): %d successes, want exactly 1", wins)
		}

		f.mustTx(t, "ClearUserTOTP", func(ctx context.Context, q store.Queries) error { return q.ClearUserTOTP(ctx, f.id, f.userID, later) })
		got, _ = f.s.GetUserCredential(ctx, f.id, f.userID)
		if got.TOTPSecret != nil || !got.TOTPEnrolledAt.IsZero() || got.PasswordHash != "$argon2id$two" {
			t.Errorf("after ClearUserTOTP: %+v, want no authenticator and the password kept", got)
		}
		var ok bool
		f.mustTx(t, "AdvanceUserTOTPStep(cleared)", func(ctx context.Context, q store.Queries) (err error) {
			ok, err = q.AdvanceUserTOTPStep(ctx, f.id, f.userID, 500)
			return err
		})
		if ok {
			t.Errorf("AdvanceUserTOTPStep without an authenticator = true, want false")
		}
		if err := f.tx(t, func(ctx context.Context, q store.Queries) error { return q.ClearUserTOTP(ctx, f.id, "nobody", f.now) }); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("ClearUserTOTP(unknown) = %v, want ErrNotFound", err)
		}

		// Deleting the user deletes the credential.
		f.mustTx(t, "DeleteUser", func(ctx context.Context, q store.Queries) error { return q.DeleteUser(ctx, f.id, f.userID) })
		if _, err := f.s.GetUserCredential(ctx, f.id, f.userID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetUserCredential after DeleteUser = %v, want ErrNotFound", err)
		}
	})

	t.Run("Sessions", func(t *testing.T) {
		t.Parallel()
		f := newAuthFixture(t, open)
		ctx := t.Context()
		s1 := f.session("s1", f.now.Add(time.Hour))
		s2 := f.session("s2", f.now.Add(time.Hour))
		old := f.session("old", f.now.Add(-time.Hour))
		for _, s := range []*store.SessionRecord{s1, s2, old} {
			f.mustTx(t, "CreateSession", func(ctx context.Context, q store.Queries) error { return q.CreateSession(ctx, s) })
		}
		if err := f.tx(t, func(ctx context.Context, q store.Queries) error { return q.CreateSession(ctx, s1) }); !errors.Is(err, store.ErrDuplicate) {
			t.Errorf("CreateSession(dup) = %v, want ErrDuplicate", err)
		}
		orphan := f.session("orphan", f.now.Add(time.Hour))
		orphan.UserID = "nobody"
		if err := f.tx(t, func(ctx context.Context, q store.Queries) error { return q.CreateSession(ctx, orphan) }); !errors.Is(err, store.ErrReferenced) {
			t.Errorf("CreateSession(unknown user) = %v, want ErrReferenced", err)
		}
		got, err := f.s.GetSession(ctx, "s1")
		if err != nil {
			t.Fatalf("GetSession: %v", err)
		}
		if d := cmp.Diff(s1, got); d != "" {
			t.Errorf("GetSession diff (-want +got):\n%s", d)
		}
		if _, err := f.s.GetSession(ctx, "missing"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetSession(missing) = %v, want ErrNotFound", err)
		}

		at := f.now.Add(time.Minute)
		f.mustTx(t, "RevokeSession", func(ctx context.Context, q store.Queries) error { return q.RevokeSession(ctx, "s1", at) })
		f.mustTx(t, "RevokeSession(again)", func(ctx context.Context, q store.Queries) error {
			return q.RevokeSession(ctx, "s1", at.Add(time.Minute))
		})
		got, _ = f.s.GetSession(ctx, "s1")
		if !got.RevokedAt.Equal(at) {
			t.Errorf("RevokedAt after two revocations = %v, want the first (%v)", got.RevokedAt, at)
		}
		if err := f.tx(t, func(ctx context.Context, q store.Queries) error { return q.RevokeSession(ctx, "missing", at) }); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("RevokeSession(missing) = %v, want ErrNotFound", err)
		}

		var n int64
		f.mustTx(t, "RevokeUserSessions", func(ctx context.Context, q store.Queries) (err error) {
			n, err = q.RevokeUserSessions(ctx, f.id, f.userID, at)
			return err
		})
		if n != 1 {
			t.Errorf("RevokeUserSessions = %d, want 1 (only s2 was active)", n)
		}
		if got, _ := f.s.GetSession(ctx, "s2"); got.RevokedAt.IsZero() {
			t.Errorf("s2 not revoked by RevokeUserSessions")
		}

		f.mustTx(t, "DeleteExpiredAuth", func(ctx context.Context, q store.Queries) (err error) {
			n, err = q.DeleteExpiredAuth(ctx, f.now)
			return err
		})
		if n != 1 {
			t.Errorf("DeleteExpiredAuth = %d, want 1", n)
		}
		if _, err := f.s.GetSession(ctx, "old"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("expired session after DeleteExpiredAuth: %v, want ErrNotFound", err)
		}
		f.mustTx(t, "DeleteUser", func(ctx context.Context, q store.Queries) error { return q.DeleteUser(ctx, f.id, f.userID) })
		if _, err := f.s.GetSession(ctx, "s2"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetSession after DeleteUser = %v, want ErrNotFound", err)
		}
	})

	t.Run("SignIns", func(t *testing.T) {
		t.Parallel()
		f := newAuthFixture(t, open)
		ctx := t.Context()
		want := &store.SignIn{
			ID: "p1", SecretHash: "h", IdentityStoreID: f.id, UserID: f.userID, Stage: store.SignInEnrol,
			TOTPSecret: []byte{7, 7}, AuthenticatedAt: f.now, CreatedAt: f.now, ExpiresAt: f.now.Add(10 * time.Minute),
		}
		f.mustTx(t, "CreateSignIn", func(ctx context.Context, q store.Queries) error { return q.CreateSignIn(ctx, want) })
		bad := *want
		bad.ID, bad.Stage = "p2", "password"
		if err := f.tx(t, func(ctx context.Context, q store.Queries) error { return q.CreateSignIn(ctx, &bad) }); err == nil {
			t.Errorf("CreateSignIn(unknown stage) succeeded, want a CHECK violation")
		}
		for i := 1; i <= 3; i++ {
			var n int
			f.mustTx(t, "AddSignInAttempt", func(ctx context.Context, q store.Queries) (err error) {
				n, err = q.AddSignInAttempt(ctx, "p1")
				return err
			})
			if n != i {
				t.Errorf("AddSignInAttempt #%d = %d", i, n)
			}
		}
		if err := f.tx(t, func(ctx context.Context, q store.Queries) error {
			_, err := q.AddSignInAttempt(ctx, "missing")
			return err
		}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("AddSignInAttempt(missing) = %v, want ErrNotFound", err)
		}
		got, err := f.s.GetSignIn(ctx, "p1")
		if err != nil {
			t.Fatalf("GetSignIn: %v", err)
		}
		want.Attempts = 3
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("GetSignIn diff (-want +got):\n%s", d)
		}
		wins := concurrently(t, 8, func() (ok bool, err error) {
			err = f.s.Tx(ctx, func(q store.Queries) (err error) {
				ok, err = q.DeleteSignIn(ctx, "p1")
				return err
			})
			return ok, err
		})
		if wins != 1 {
			t.Errorf("concurrent DeleteSignIn: %d successes, want exactly 1", wins)
		}
		if _, err := f.s.GetSignIn(ctx, "p1"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetSignIn after delete = %v, want ErrNotFound", err)
		}
	})

	t.Run("Invitations", func(t *testing.T) {
		t.Parallel()
		f := newAuthFixture(t, open)
		ctx := t.Context()
		inv := func(hash string, expires time.Time) *store.Invitation {
			return &store.Invitation{TokenHash: hash, IdentityStoreID: f.id, UserID: f.userID, CreatedAt: f.now, ExpiresAt: expires, CreatedBy: "admin"}
		}
		a, b := inv("a", f.now.Add(time.Hour)), inv("b", f.now.Add(time.Hour))
		for _, i := range []*store.Invitation{a, b} {
			f.mustTx(t, "CreateInvitation", func(ctx context.Context, q store.Queries) error { return q.CreateInvitation(ctx, i) })
		}
		if err := f.tx(t, func(ctx context.Context, q store.Queries) error { return q.CreateInvitation(ctx, a) }); !errors.Is(err, store.ErrDuplicate) {
			t.Errorf("CreateInvitation(dup) = %v, want ErrDuplicate", err)
		}
		got, err := f.s.GetInvitation(ctx, "a")
		if err != nil {
			t.Fatalf("GetInvitation: %v", err)
		}
		if d := cmp.Diff(a, got); d != "" {
			t.Errorf("GetInvitation diff (-want +got):\n%s", d)
		}
		at := f.now.Add(time.Minute)
		wins := concurrently(t, 8, func() (ok bool, err error) {
			err = f.s.Tx(ctx, func(q store.Queries) (err error) {
				ok, err = q.UseInvitation(ctx, "a", at)
				return err
			})
			return ok, err
		})
		if wins != 1 {
			t.Errorf("concurrent UseInvitation: %d successes, want exactly 1", wins)
		}
		f.mustTx(t, "SupersedeUserInvitations", func(ctx context.Context, q store.Queries) error {
			return q.SupersedeUserInvitations(ctx, f.id, f.userID, at.Add(time.Minute))
		})
		ga, _ := f.s.GetInvitation(ctx, "a")
		gb, _ := f.s.GetInvitation(ctx, "b")
		if !ga.UsedAt.Equal(at) || gb.UsedAt.IsZero() {
			t.Errorf("after use and supersede: a.UsedAt=%v (want %v), b.UsedAt=%v (want set)", ga.UsedAt, at, gb.UsedAt)
		}
		var ok bool
		f.mustTx(t, "UseInvitation(superseded)", func(ctx context.Context, q store.Queries) (err error) {
			ok, err = q.UseInvitation(ctx, "b", at)
			return err
		})
		if ok {
			t.Errorf("UseInvitation(superseded) = true, want false")
		}
	})

	t.Run("Lockouts", func(t *testing.T) {
		t.Parallel()
		f := newAuthFixture(t, open)
		ctx := t.Context()
		window := 15 * time.Minute
		add := func(at time.Time) int {
			t.Helper()
			var n int
			f.mustTx(t, "AddAuthFailure", func(ctx context.Context, q store.Queries) (err error) {
				n, err = q.AddAuthFailure(ctx, f.id, "user:alice", at, at.Add(-window))
				return err
			})
			return n
		}
		for i := 1; i <= 3; i++ {
			if n := add(f.now.Add(time.Duration(i) * time.Second)); n != i {
				t.Errorf("AddAuthFailure #%d = %d", i, n)
			}
		}
		// A failure after a quiet window starts counting again.
		if n := add(f.now.Add(time.Hour)); n != 1 {
			t.Errorf("AddAuthFailure after the window = %d, want 1", n)
		}
		if err := f.tx(t, func(ctx context.Context, q store.Queries) error {
			_, err := q.AddAuthFailure(ctx, "d-0000000000", "user:x", f.now, f.now)
			return err
		}); !errors.Is(err, store.ErrReferenced) {
			t.Errorf("AddAuthFailure(unknown store) = %v, want ErrReferenced", err)
		}
		until := f.now.Add(2 * time.Hour)
		f.mustTx(t, "LockAuthSubject", func(ctx context.Context, q store.Queries) error {
			return q.LockAuthSubject(ctx, f.id, "user:alice", until)
		})
		got, err := f.s.GetAuthLockout(ctx, f.id, "user:alice")
		if err != nil {
			t.Fatalf("GetAuthLockout: %v", err)
		}
		want := &store.AuthLockout{IdentityStoreID: f.id, Subject: "user:alice", Failures: 0, LastFailureAt: f.now.Add(time.Hour), LockedUntil: until}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("GetAuthLockout diff (-want +got):\n%s", d)
		}
		if err := f.tx(t, func(ctx context.Context, q store.Queries) error {
			return q.LockAuthSubject(ctx, f.id, "user:bob", until)
		}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("LockAuthSubject(no counter) = %v, want ErrNotFound", err)
		}
		// Concurrent failures are all counted.
		n := concurrently(t, 10, func() (bool, error) {
			err := f.s.Tx(ctx, func(q store.Queries) error {
				_, err := q.AddAuthFailure(ctx, f.id, "user:carol", f.now, f.now.Add(-window))
				return err
			})
			return err == nil, err
		})
		if got, _ := f.s.GetAuthLockout(ctx, f.id, "user:carol"); n != 10 || got.Failures != 10 {
			t.Errorf("10 concurrent failures counted as %d", got.Failures)
		}
		f.mustTx(t, "ClearAuthFailures", func(ctx context.Context, q store.Queries) error { return q.ClearAuthFailures(ctx, f.id, "user:carol") })
		f.mustTx(t, "ClearAuthFailures(absent)", func(ctx context.Context, q store.Queries) error { return q.ClearAuthFailures(ctx, f.id, "user:carol") })
		if _, err := f.s.GetAuthLockout(ctx, f.id, "user:carol"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetAuthLockout after clear = %v, want ErrNotFound", err)
		}
		var deleted int64
		f.mustTx(t, "DeleteExpiredAuth", func(ctx context.Context, q store.Queries) (err error) {
			deleted, err = q.DeleteExpiredAuth(ctx, until.Add(time.Second))
			return err
		})
		if _, err := f.s.GetAuthLockout(ctx, f.id, "user:alice"); deleted != 1 || !errors.Is(err, store.ErrNotFound) {
			t.Errorf("DeleteExpiredAuth after the lock = %d rows, lockout %v; want 1 and ErrNotFound", deleted, err)
		}
	})
}
