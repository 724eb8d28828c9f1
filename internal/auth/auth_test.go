package auth_test

import (
	"encoding/base32"
	"errors"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/idcenter/idcenter/internal/auth"
	"github.com/idcenter/idcenter/internal/directory"
	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/keys"
	"github.com/idcenter/idcenter/internal/store"
	"github.com/idcenter/idcenter/internal/testenv"
)

// clock is a manual clock shared by the service under test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fixture is an auth service over a fresh store with one identity store.
type fixture struct {
	st      store.Store
	svc     *auth.Service
	dir     *directory.Service
	clock   *clock
	storeID string
	// secrets maps user names to their enrolled TOTP secrets.
	secrets map[string][]byte
}

// fastArgon2 keeps the many sign-ins of these tests quick; the hashing code
// path is the same (TestHasher covers the default parameters).
var fastArgon2 = auth.Argon2Params{Memory: 256, Time: 1, Threads: 1}

func newFixture(t *testing.T, backend string, opts ...auth.Option) *fixture {
	t.Helper()
	st := testenv.OpenStore(t, backend)
	ctx := t.Context()
	in := &idc.Instance{InstanceARN: idc.NewInstanceARN(), IdentityStoreID: idc.NewIdentityStoreID(), Name: "Acme", Status: "ACTIVE", CreatedAt: time.Now()}
	if err := st.Tx(ctx, func(q store.Queries) error { return q.CreateInstance(ctx, in) }); err != nil {
		t.Fatalf("CreateInstance: %v", err)
	}
	kr, err := keys.New(keys.Generate())
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{t: time.Unix(1_800_000_000, 0).UTC()}
	dir := directory.New(st)
	all := append([]auth.Option{auth.WithClock(c.now), auth.WithArgon2(fastArgon2), auth.WithIssuer("Acme")}, opts...)
	return &fixture{st: st, svc: auth.New(st, dir, kr, all...), dir: dir, clock: c, storeID: in.IdentityStoreID, secrets: map[string][]byte{}}
}

func backends(t *testing.T, fn func(t *testing.T, backend string)) {
	for _, b := range []string{"sqlite", "postgres"} {
		t.Run(b, func(t *testing.T) {
			t.Parallel()
			fn(t, b)
		})
	}
}

// user creates a user with a password.
func (f *fixture) user(t *testing.T, name, password string) *idc.User {
	t.Helper()
	ctx := t.Context()
	u, err := f.dir.CreateUser(ctx, &idc.User{IdentityStoreID: f.storeID, UserName: name, Attrs: idc.UserAttrs{
		DisplayName: "User " + name, Name: &idc.Name{GivenName: "G", FamilyName: "F"},
	}})
	if err != nil {
		t.Fatalf("CreateUser(%s): %v", name, err)
	}
	if password != "" {
		if err := f.svc.SetPassword(ctx, f.storeID, u.UserID, password); err != nil {
			t.Fatalf("SetPassword(%s): %v", name, err)
		}
	}
	return u
}

func (f *fixture) signIn(t *testing.T, name, password string) (*auth.Result, error) {
	t.Helper()
	return f.svc.SignIn(t.Context(), auth.SignInInput{IdentityStoreID: f.storeID, UserName: name, Password: password, UserAgent: "test"})
}

// secretOf extracts the TOTP secret from an otpauth URI.
func secretOf(t *testing.T, uri string) []byte {
	t.Helper()
	u, err := url.Parse(uri)
	if err != nil {
		t.Fatal(err)
	}
	s, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(u.Query().Get("secret"))
	if err != nil {
		t.Fatalf("secret in %s: %v", uri, err)
	}
	return s
}

func code(f *fixture, secret []byte) string {
	return auth.TOTPCode(secret, f.clock.now().Unix()/30)
}

// enrol signs a new user in for the first time and enrols an authenticator;
// it returns the session and the secret.
func (f *fixture) enrol(t *testing.T, name, password string) (*auth.NewSession, []byte) {
	t.Helper()
	res, err := f.signIn(t, name, password)
	if err != nil {
		t.Fatalf("SignIn(%s): %v", name, err)
	}
	if res.Pending == nil || res.Pending.Stage != store.SignInEnrol || res.Pending.TOTPURI == "" {
		t.Fatalf("first SignIn(%s) = %+v, want a pending enrolment with an otpauth URI", name, res)
	}
	secret := secretOf(t, res.Pending.TOTPURI)
	ns, err := f.svc.Finish(t.Context(), res.Pending.Cookie, code(f, secret), "test")
	if err != nil {
		t.Fatalf("Finish(enrol): %v", err)
	}
	f.secrets[name] = secret
	return ns, secret
}

func wantErr(t *testing.T, what string, err error, sentinel error) {
	t.Helper()
	if !errors.Is(err, sentinel) {
		t.Fatalf("%s = %v, want %v", what, err, sentinel)
	}
}

func TestSignInEnrolAndMFA(t *testing.T) {
	backends(t, func(t *testing.T, backend string) {
		f := newFixture(t, backend)
		ctx := t.Context()
		u := f.user(t, "alice", "correct horse battery")

		// First sign-in: enrolment. A wrong first code is refused.
		res, err := f.signIn(t, "ALICE", "correct horse battery")
		if err != nil {
			t.Fatalf("SignIn: %v", err)
		}
		p := res.Pending
		if res.Session != nil || p == nil || p.Stage != store.SignInEnrol || p.UserID != u.UserID {
			t.Fatalf("SignIn = %+v, want a pending enrolment of alice", res)
		}
		if !strings.HasPrefix(p.TOTPURI, "otpauth://totp/Acme:alice?") {
			t.Errorf("TOTPURI = %q", p.TOTPURI)
		}
		again, err := f.svc.PendingSignIn(ctx, p.Cookie)
		if err != nil || again.TOTPURI != p.TOTPURI {
			t.Errorf("PendingSignIn = %+v, %v; want the same enrolment", again, err)
		}
		secret := secretOf(t, p.TOTPURI)
		_, err = f.svc.Finish(ctx, p.Cookie, "000000", "test")
		if code(f, secret) != "000000" {
			wantErr(t, "Finish(wrong code)", err, auth.ErrInvalidCode)
		}
		ns, err := f.svc.Finish(ctx, p.Cookie, code(f, secret), "test")
		if err != nil {
			t.Fatalf("Finish(enrol): %v", err)
		}
		if !ns.Session.MFA || ns.Session.UserID != u.UserID || !ns.Session.ExpiresAt.Equal(f.clock.now().Add(auth.DefaultSessionDuration)) {
			t.Errorf("session = %+v, want MFA, alice, 8 hours", ns.Session)
		}
		got, err := f.svc.SessionFromCookie(ctx, ns.Cookie)
		if err != nil || got.ID != ns.Session.ID {
			t.Fatalf("SessionFromCookie = %+v, %v", got, err)
		}
		// The pending sign-in is used up.
		_, err = f.svc.Finish(ctx, p.Cookie, code(f, secret), "test")
		wantErr(t, "Finish(again)", err, auth.ErrSignInExpired)

		// Second sign-in asks for a code; the enrolment's code cannot be
		// replayed (RFC 6238 §5.2), the next step's code works.
		res, err = f.signIn(t, "alice", "correct horse battery")
		if err != nil || res.Pending == nil || res.Pending.Stage != store.SignInMFA || res.Pending.TOTPURI != "" {
			t.Fatalf("second SignIn = %+v, %v; want a pending MFA without a secret", res, err)
		}
		_, err = f.svc.Finish(ctx, res.Pending.Cookie, code(f, secret), "test")
		wantErr(t, "Finish(replayed code)", err, auth.ErrInvalidCode)
		f.clock.add(30 * time.Second)
		ns2, err := f.svc.Finish(ctx, res.Pending.Cookie, code(f, secret), "test")
		if err != nil {
			t.Fatalf("Finish(MFA): %v", err)
		}
		if ns2.Session.ID == ns.Session.ID || ns2.Cookie == ns.Cookie {
			t.Errorf("second sign-in reused the session id or cookie")
		}

		// Nothing secret is stored in clear.
		rec, err := f.st.GetSession(ctx, ns2.Session.ID)
		if err != nil {
			t.Fatal(err)
		}
		_, secretPart, _ := strings.Cut(ns2.Cookie, ".")
		if strings.Contains(rec.SecretHash, secretPart) {
			t.Errorf("session row holds the cookie secret")
		}
		cred, err := f.st.GetUserCredential(ctx, f.storeID, u.UserID)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(cred.PasswordHash, "correct horse") || !strings.HasPrefix(cred.PasswordHash, "$argon2id$") {
			t.Errorf("password stored as %q", cred.PasswordHash)
		}
		if strings.Contains(string(cred.TOTPSecret), string(secret)) {
			t.Errorf("TOTP secret stored in clear")
		}
	})
}

func TestSignInFailures(t *testing.T) {
	backends(t, func(t *testing.T, backend string) {
		f := newFixture(t, backend)
		ctx := t.Context()
		f.user(t, "bob", "bob's password")
		f.user(t, "nopass", "")

		// No user enumeration: unknown user, wrong password, no password and
		// a bad name all fail alike.
		var msgs []string
		for _, in := range [][2]string{{"bob", "wrong password"}, {"nobody", "bob's password"}, {"nopass", "anything at all"}, {"", "x"}} {
			_, err := f.signIn(t, in[0], in[1])
			wantErr(t, "SignIn("+in[0]+")", err, auth.ErrInvalidCredentials)
			msgs = append(msgs, err.Error())
		}
		for _, m := range msgs[1:] {
			if m != msgs[0] {
				t.Errorf("failure messages differ: %q vs %q", msgs[0], m)
			}
		}

		// Lockout after MaxPasswordFailures consecutive failures within the
		// window: known and unknown names alike.
		f.clock.add(auth.FailureWindow + time.Second)
		for _, name := range []string{"bob", "ghost"} {
			for i := 1; i < auth.MaxPasswordFailures; i++ {
				if _, err := f.signIn(t, name, "wrong password"); errors.Is(err, auth.ErrLocked) {
					t.Fatalf("%s locked after %d failures, want %d", name, i, auth.MaxPasswordFailures)
				}
			}
			_, err := f.signIn(t, name, "wrong password")
			wantErr(t, name+": failure #5", err, auth.ErrLocked)
		}
		_, err := f.signIn(t, "bob", "bob's password")
		wantErr(t, "SignIn(right password while locked)", err, auth.ErrLocked)
		f.clock.add(auth.LockDuration)
		if _, err := f.signIn(t, "bob", "bob's password"); err != nil {
			t.Errorf("SignIn after the lock = %v", err)
		}

		// A disabled user cannot sign in and loses its sessions.
		carol := f.user(t, "carol", "carol's password")
		if _, err := f.svc.UpdateSettings(ctx, f.storeID, auth.SettingsUpdate{MFAMode: store.MFADisabled}); err != nil {
			t.Fatal(err)
		}
		res, err := f.signIn(t, "carol", "carol's password")
		if err != nil || res.Session == nil || res.Session.Session.MFA {
			t.Fatalf("SignIn with MFA disabled = %+v, %v; want a session without MFA", res, err)
		}
		disable(t, f, carol)
		f.clock.add(3 * time.Second) // past the session cache
		_, err = f.svc.Session(ctx, res.Session.Session.ID)
		wantErr(t, "Session(disabled user)", err, auth.ErrNoSession)
		_, err = f.signIn(t, "carol", "carol's password")
		wantErr(t, "SignIn(disabled user)", err, auth.ErrInvalidCredentials)
	})
}

func disable(t *testing.T, f *fixture, u *idc.User) {
	t.Helper()
	ctx := t.Context()
	err := f.st.Tx(ctx, func(q store.Queries) error {
		cur, err := q.GetUserForUpdate(ctx, f.storeID, u.UserID)
		if err != nil {
			return err
		}
		cur.Status = idc.UserDisabled
		return q.UpdateUser(ctx, cur)
	})
	if err != nil {
		t.Fatalf("disable %s: %v", u.UserName, err)
	}
}

// TestCodeAttemptsAndMFALock (SECURITY.md WL-06): a pending sign-in takes
// at most MaxCodeAttempts TOTP guesses, and MaxMFAFailures across sign-ins
// lock the second factor for LockDuration; with the ±1 step window of
// TestMatchTOTP (3 valid codes) that bounds an attacker who knows the
// password to 3·MaxMFAFailures/10⁶ per lock period (documented at
// auth.MaxCodeAttempts).
func TestCodeAttemptsAndMFALock(t *testing.T) {
	backends(t, func(t *testing.T, backend string) {
		f := newFixture(t, backend)
		ctx := t.Context()
		f.user(t, "dave", "dave's password")
		_, secret := f.enrol(t, "dave", "dave's password")
		wrong := func() string {
			c := code(f, secret)
			return string([]byte{c[0] ^ 1}) + c[1:]
		}
		// One pending sign-in accepts MaxCodeAttempts wrong codes.
		res, err := f.signIn(t, "dave", "dave's password")
		if err != nil {
			t.Fatal(err)
		}
		for i := 1; i < auth.MaxCodeAttempts; i++ {
			_, err := f.svc.Finish(ctx, res.Pending.Cookie, wrong(), "test")
			wantErr(t, "Finish(wrong)", err, auth.ErrInvalidCode)
		}
		_, err = f.svc.Finish(ctx, res.Pending.Cookie, wrong(), "test")
		wantErr(t, "Finish(5th wrong)", err, auth.ErrSignInExpired)
		f.clock.add(30 * time.Second)
		_, err = f.svc.Finish(ctx, res.Pending.Cookie, code(f, secret), "test")
		wantErr(t, "Finish(right code after the attempts ran out)", err, auth.ErrSignInExpired)

		// Across sign-ins, MaxMFAFailures wrong codes lock the second factor.
		failures := auth.MaxCodeAttempts
		for failures < auth.MaxMFAFailures {
			res, err := f.signIn(t, "dave", "dave's password")
			if err != nil {
				t.Fatal(err)
			}
			for range auth.MaxCodeAttempts {
				_, err = f.svc.Finish(ctx, res.Pending.Cookie, wrong(), "test")
				failures++
				if failures == auth.MaxMFAFailures {
					break
				}
			}
			if failures == auth.MaxMFAFailures {
				wantErr(t, "Finish(10th wrong code)", err, auth.ErrLocked)
			}
		}
		res, err = f.signIn(t, "dave", "dave's password")
		if err != nil {
			t.Fatal(err)
		}
		f.clock.add(30 * time.Second)
		_, err = f.svc.Finish(ctx, res.Pending.Cookie, code(f, secret), "test")
		wantErr(t, "Finish(right code while locked)", err, auth.ErrLocked)
		f.clock.add(auth.LockDuration)
		res, _ = f.signIn(t, "dave", "dave's password")
		if _, err := f.svc.Finish(ctx, res.Pending.Cookie, code(f, secret), "test"); err != nil {
			t.Errorf("Finish after the lock = %v", err)
		}
	})
}

func TestConcurrentFinishIsSingleUse(t *testing.T) {
	backends(t, func(t *testing.T, backend string) {
		f := newFixture(t, backend)
		ctx := t.Context()
		f.user(t, "erin", "erin's password")
		_, secret := f.enrol(t, "erin", "erin's password")
		f.clock.add(30 * time.Second)
		res, err := f.signIn(t, "erin", "erin's password")
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		sessions := 0
		for range 8 {
			wg.Go(func() {
				if _, err := f.svc.Finish(ctx, res.Pending.Cookie, code(f, secret), "test"); err == nil {
					mu.Lock()
					sessions++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if sessions != 1 {
			t.Errorf("8 concurrent Finish with one code: %d sessions, want exactly 1", sessions)
		}
	})
}

func TestSessions(t *testing.T) {
	backends(t, func(t *testing.T, backend string) {
		f := newFixture(t, backend, auth.WithSessionCacheTTL(0))
		ctx := t.Context()
		frank := f.user(t, "frank", "frank's password")
		if _, err := f.svc.UpdateSettings(ctx, f.storeID, auth.SettingsUpdate{SessionDuration: time.Hour}); err != nil {
			t.Fatal(err)
		}
		ns, _ := f.enrol(t, "frank", "frank's password")
		if want := f.clock.now().Add(time.Hour); !ns.Session.ExpiresAt.Equal(want) {
			t.Errorf("ExpiresAt = %v, want %v (the 1-hour setting)", ns.Session.ExpiresAt, want)
		}
		id, _, _ := strings.Cut(ns.Cookie, ".")
		for _, tc := range []struct{ name, cookie string }{
			{"empty", ""},
			{"id only", id},
			{"wrong secret", id + "." + strings.Repeat("A", 43)},
			{"unknown id", strings.Repeat("0", 32) + ".x"},
		} {
			_, err := f.svc.SessionFromCookie(ctx, tc.cookie)
			wantErr(t, "SessionFromCookie("+tc.name+")", err, auth.ErrNoSession)
		}

		// Expiry.
		f.clock.add(time.Hour)
		_, err := f.svc.Session(ctx, ns.Session.ID)
		wantErr(t, "Session(expired)", err, auth.ErrNoSession)

		// EndSession is idempotent and final.
		ns2 := finishWith(t, f, "frank", "frank's password")
		if err := f.svc.EndSession(ctx, ns2.Session.ID); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.EndSession(ctx, ns2.Session.ID); err != nil {
			t.Errorf("EndSession(again) = %v", err)
		}
		if err := f.svc.EndSession(ctx, "unknown"); err != nil {
			t.Errorf("EndSession(unknown) = %v", err)
		}
		_, err = f.svc.SessionFromCookie(ctx, ns2.Cookie)
		wantErr(t, "SessionFromCookie(ended)", err, auth.ErrNoSession)

		// An admin's revocation, password reset or MFA reset ends sessions.
		for _, end := range []func() error{
			func() error { _, err := f.svc.RevokeUserSessions(ctx, f.storeID, frank.UserID); return err },
			func() error { return f.svc.SetPassword(ctx, f.storeID, frank.UserID, "frank's password") },
		} {
			ns := finishWith(t, f, "frank", "frank's password")
			if err := end(); err != nil {
				t.Fatal(err)
			}
			_, err := f.svc.Session(ctx, ns.Session.ID)
			wantErr(t, "Session(after revocation)", err, auth.ErrNoSession)
		}
		ns3 := finishWith(t, f, "frank", "frank's password")
		if err := f.svc.ResetMFA(ctx, f.storeID, frank.UserID); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.Session(ctx, ns3.Session.ID)
		wantErr(t, "Session(after MFA reset)", err, auth.ErrNoSession)
		res, err := f.signIn(t, "frank", "frank's password")
		if err != nil || res.Pending == nil || res.Pending.Stage != store.SignInEnrol {
			t.Errorf("SignIn after MFA reset = %+v, %v; want a new enrolment", res, err)
		}

		// Deleting the user ends its sessions.
		ns4, _ := f.enrol(t, "frank", "frank's password")
		if err := f.dir.DeleteUser(ctx, f.storeID, frank.UserID); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.Session(ctx, ns4.Session.ID)
		wantErr(t, "Session(deleted user)", err, auth.ErrNoSession)
	})
}

// finishWith signs an enrolled user in with the password and the code of
// the next time step.
func finishWith(t *testing.T, f *fixture, name, password string) *auth.NewSession {
	t.Helper()
	ctx := t.Context()
	res, err := f.signIn(t, name, password)
	if err != nil || res.Pending == nil {
		t.Fatalf("SignIn(%s) = %+v, %v", name, res, err)
	}
	if res.Pending.Stage == store.SignInEnrol {
		t.Fatalf("SignIn(%s) asks to enrol", name)
	}
	f.clock.add(30 * time.Second)
	secret := f.secrets[name]
	ns, err := f.svc.Finish(ctx, res.Pending.Cookie, code(f, secret), "test")
	if err != nil {
		t.Fatalf("Finish(%s): %v", name, err)
	}
	return ns
}

func TestContextAwareRemembersBrowser(t *testing.T) {
	backends(t, func(t *testing.T, backend string) {
		f := newFixture(t, backend)
		ctx := t.Context()
		f.user(t, "gina", "gina's password")
		if _, err := f.svc.UpdateSettings(ctx, f.storeID, auth.SettingsUpdate{MFAMode: store.MFAContextAware}); err != nil {
			t.Fatal(err)
		}
		ns, _ := f.enrol(t, "gina", "gina's password")
		if ns.RememberDevice == "" {
			t.Fatalf("no remembered-device cookie after MFA")
		}
		in := auth.SignInInput{IdentityStoreID: f.storeID, UserName: "gina", Password: "gina's password", UserAgent: "test", RememberedDevice: ns.RememberDevice}
		res, err := f.svc.SignIn(ctx, in)
		if err != nil || res.Session == nil {
			t.Fatalf("SignIn from a remembered browser = %+v, %v; want a session", res, err)
		}
		for _, tc := range []struct {
			name   string
			mutate func(*auth.SignInInput)
		}{
			{"other browser", func(in *auth.SignInInput) { in.UserAgent = "other" }},
			{"tampered cookie", func(in *auth.SignInInput) {
				in.RememberedDevice = string([]byte{in.RememberedDevice[0] ^ 1}) + in.RememberedDevice[1:]
			}},
			{"no cookie", func(in *auth.SignInInput) { in.RememberedDevice = "" }},
		} {
			in := in
			tc.mutate(&in)
			res, err := f.svc.SignIn(ctx, in)
			if err != nil || res.Pending == nil {
				t.Errorf("SignIn(%s) = %+v, %v; want a pending MFA", tc.name, res, err)
			}
		}
		// ALWAYS_ON ignores the remembered browser.
		if _, err := f.svc.UpdateSettings(ctx, f.storeID, auth.SettingsUpdate{MFAMode: store.MFAAlwaysOn}); err != nil {
			t.Fatal(err)
		}
		res, err = f.svc.SignIn(ctx, in)
		if err != nil || res.Pending == nil {
			t.Errorf("SignIn(ALWAYS_ON, remembered) = %+v, %v; want a pending MFA", res, err)
		}
		// Expired memory.
		if _, err := f.svc.UpdateSettings(ctx, f.storeID, auth.SettingsUpdate{MFAMode: store.MFAContextAware}); err != nil {
			t.Fatal(err)
		}
		f.clock.add(auth.RememberDuration)
		res, err = f.svc.SignIn(ctx, in)
		if err != nil || res.Pending == nil {
			t.Errorf("SignIn(remembered 30 days ago) = %+v, %v; want a pending MFA", res, err)
		}
	})
}

func TestSettings(t *testing.T) {
	backends(t, func(t *testing.T, backend string) {
		f := newFixture(t, backend)
		ctx := t.Context()
		got, err := f.svc.Settings(ctx, f.storeID)
		if err != nil || got.MFAMode != store.MFAAlwaysOn || got.SessionDuration != 8*time.Hour {
			t.Errorf("default Settings = %+v, %v; want ALWAYS_ON, 8h", got, err)
		}
		for _, tc := range []struct {
			name string
			u    auth.SettingsUpdate
			kind idc.Kind
		}{
			{"bad mode", auth.SettingsUpdate{MFAMode: "ALWAYS"}, idc.KindInvalid},
			{"14 minutes", auth.SettingsUpdate{SessionDuration: 14 * time.Minute}, idc.KindInvalid},
			{"91 days", auth.SettingsUpdate{SessionDuration: 91 * 24 * time.Hour}, idc.KindInvalid},
			{"bad device same network (DF-13)", auth.SettingsUpdate{DeviceSameNetwork: "ON"}, idc.KindInvalid},
		} {
			if _, err := f.svc.UpdateSettings(ctx, f.storeID, tc.u); idc.KindOf(err) != tc.kind {
				t.Errorf("UpdateSettings(%s) = %v, want %v", tc.name, err, tc.kind)
			}
		}
		if _, err := f.svc.UpdateSettings(ctx, "d-0000000000", auth.SettingsUpdate{MFAMode: store.MFADisabled}); idc.KindOf(err) != idc.KindNotFound {
			t.Errorf("UpdateSettings(unknown store) = %v, want not found", err)
		}
		if _, err := f.svc.UpdateSettings(ctx, f.storeID, auth.SettingsUpdate{MFAMode: store.MFADisabled, SessionDuration: 15 * time.Minute}); err != nil {
			t.Fatal(err)
		}
		got, _ = f.svc.Settings(ctx, f.storeID)
		if got.MFAMode != store.MFADisabled || got.SessionDuration != 15*time.Minute {
			t.Errorf("Settings after update = %+v", got)
		}
		if _, err := f.svc.UpdateSettings(ctx, f.storeID, auth.SettingsUpdate{SessionDuration: 90 * 24 * time.Hour}); err != nil {
			t.Fatal(err)
		}
		got, _ = f.svc.Settings(ctx, f.storeID)
		if got.MFAMode != store.MFADisabled || got.SessionDuration != 90*24*time.Hour {
			t.Errorf("partial update changed the mode: %+v", got)
		}
		// SECURITY.md DF-13: the same-network requirement, off by default.
		for _, v := range []string{auth.DeviceSameNetworkEnabled, auth.DeviceSameNetworkDisabled} {
			if _, err := f.svc.UpdateSettings(ctx, f.storeID, auth.SettingsUpdate{DeviceSameNetwork: v}); err != nil {
				t.Fatal(err)
			}
			on, err := f.svc.DeviceSameNetworkRequired(ctx, f.storeID)
			if got, _ = f.svc.Settings(ctx, f.storeID); err != nil || on != (v == auth.DeviceSameNetworkEnabled) || got.SessionDuration != 90*24*time.Hour {
				t.Errorf("after DeviceSameNetwork %s: required %v (%v), settings %+v", v, on, err, got)
			}
		}
	})
}

func TestInvitations(t *testing.T) {
	backends(t, func(t *testing.T, backend string) {
		f := newFixture(t, backend)
		ctx := t.Context()
		h := f.user(t, "hana", "")
		if _, err := f.svc.CreateInvitation(ctx, f.storeID, h.UserID, time.Minute); idc.KindOf(err) != idc.KindInvalid {
			t.Errorf("CreateInvitation(1 minute) = %v, want invalid", err)
		}
		if _, err := f.svc.CreateInvitation(ctx, f.storeID, "nobody", 0); idc.KindOf(err) != idc.KindNotFound {
			t.Errorf("CreateInvitation(unknown user) = %v, want not found", err)
		}
		old, err := f.svc.CreateInvitation(ctx, f.storeID, h.UserID, 0)
		if err != nil {
			t.Fatal(err)
		}
		inv, err := f.svc.CreateInvitation(ctx, f.storeID, h.UserID, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if !inv.ExpiresAt.Equal(f.clock.now().Add(time.Hour)) {
			t.Errorf("ExpiresAt = %v", inv.ExpiresAt)
		}
		_, err = f.svc.Invitation(ctx, old.Token)
		wantErr(t, "Invitation(superseded)", err, auth.ErrInvalidInvitation)
		info, err := f.svc.Invitation(ctx, inv.Token)
		if err != nil || info.UserName != "hana" {
			t.Fatalf("Invitation = %+v, %v", info, err)
		}
		if _, err := f.svc.AcceptInvitation(ctx, inv.Token, "short", "test"); idc.KindOf(err) != idc.KindInvalid {
			t.Errorf("AcceptInvitation(short password) = %v, want invalid", err)
		}
		// Concurrent redemptions: exactly one wins.
		var wg sync.WaitGroup
		var mu sync.Mutex
		var wins []*auth.Result
		for range 6 {
			wg.Go(func() {
				res, err := f.svc.AcceptInvitation(ctx, inv.Token, "hana's new password", "test")
				if err == nil {
					mu.Lock()
					wins = append(wins, res)
					mu.Unlock()
				} else if !errors.Is(err, auth.ErrInvalidInvitation) {
					t.Errorf("AcceptInvitation = %v", err)
				}
			})
		}
		wg.Wait()
		if len(wins) != 1 {
			t.Fatalf("6 concurrent AcceptInvitation: %d succeeded, want exactly 1", len(wins))
		}
		if p := wins[0].Pending; p == nil || p.Stage != store.SignInEnrol {
			t.Errorf("AcceptInvitation = %+v, want a pending enrolment", wins[0])
		}
		_, err = f.svc.Invitation(ctx, inv.Token)
		wantErr(t, "Invitation(used)", err, auth.ErrInvalidInvitation)
		if _, err := f.signIn(t, "hana", "hana's new password"); err != nil {
			t.Errorf("SignIn with the chosen password = %v", err)
		}
		// Expiry.
		inv2, _ := f.svc.CreateInvitation(ctx, f.storeID, h.UserID, auth.MinInvitationTTL)
		f.clock.add(auth.MinInvitationTTL)
		_, err = f.svc.AcceptInvitation(ctx, inv2.Token, "another password", "test")
		wantErr(t, "AcceptInvitation(expired)", err, auth.ErrInvalidInvitation)
		for _, tok := range []string{"", "x", strings.Repeat("A", 43)} {
			_, err = f.svc.Invitation(ctx, tok)
			wantErr(t, "Invitation(bogus)", err, auth.ErrInvalidInvitation)
		}
	})
}

func TestSweep(t *testing.T) {
	backends(t, func(t *testing.T, backend string) {
		f := newFixture(t, backend, auth.WithSessionCacheTTL(0))
		ctx := t.Context()
		f.user(t, "ivan", "ivan's password")
		ns, _ := f.enrol(t, "ivan", "ivan's password")
		if _, err := f.signIn(t, "ghost", "x"); !errors.Is(err, auth.ErrInvalidCredentials) {
			t.Fatal(err)
		}
		f.clock.add(auth.DefaultSessionDuration + 25*time.Hour)
		n, err := f.svc.Sweep(ctx)
		if err != nil || n < 2 {
			t.Errorf("Sweep = %d, %v; want the session and the lockout counter gone", n, err)
		}
		if _, err := f.st.GetSession(ctx, ns.Session.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("session after Sweep: %v", err)
		}
	})
}

// TestSignInHashBudget: beyond the hashing budget a sign-in, of a known
// user or an unknown one alike, is refused with ErrBusy (the web answers
// 503 "try again in a moment") instead of queueing for CPU.
func TestSignInHashBudget(t *testing.T) {
	t.Parallel()
	// A share so small that one hash uses the budget for hours, with a
	// wait of at most a millisecond.
	f := newFixture(t, "sqlite", auth.WithHashBudget(1e-9, 0, time.Millisecond))
	f.user(t, "alice", "correct horse battery") // SetPassword spends the budget
	for _, name := range []string{"alice", "nobody"} {
		if _, err := f.signIn(t, name, "correct horse battery"); !errors.Is(err, auth.ErrBusy) {
			t.Errorf("SignIn(%s) beyond the budget = %v, want ErrBusy", name, err)
		}
	}
	g := newFixture(t, "sqlite", auth.WithHashBudget(0, 0, 0)) // no budget
	g.user(t, "alice", "correct horse battery")
	for range 3 {
		if res, err := g.signIn(t, "alice", "correct horse battery"); err != nil || res.Session == nil && res.Pending == nil {
			t.Fatalf("SignIn without a budget = %+v, %v", res, err)
		}
	}
}
