package auth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/store"
)

// purposeSignIn binds pending sign-ins' secret hashes.
const purposeSignIn = "signin"

// maxUserNameBytes bounds the user name a sign-in form may send
// (identitystore's UserName is at most 128 characters).
const maxUserNameBytes = 512

// SignInInput is what a browser sends to sign in.
type SignInInput struct {
	IdentityStoreID string
	UserName        string
	Password        string
	// RememberedDevice is the remembered-device cookie, if the browser has
	// one (used in CONTEXT_AWARE mode).
	RememberedDevice string
	// UserAgent binds the remembered-device cookie to the browser.
	UserAgent string
}

// Result is the outcome of a proven password: either a session (sign-in
// complete) or a pending sign-in waiting for a second factor.
type Result struct {
	Session *NewSession
	Pending *Pending
}

// Pending is a sign-in waiting for a TOTP code.
type Pending struct {
	// Cookie is the pending sign-in cookie's value (a secret).
	Cookie          string
	ID              string
	IdentityStoreID string
	UserID          string
	UserName        string
	// Stage is store.SignInMFA (enter a code) or store.SignInEnrol (add an
	// authenticator, then enter its first code).
	Stage     string
	ExpiresAt time.Time
	// TOTPURI and TOTPSecret (base32, grouped) are set while enrolling.
	TOTPURI    string
	TOTPSecret string
}

// LogValue implements slog.LogValuer without the cookie or the secret.
func (p *Pending) LogValue() slog.Value {
	return slog.GroupValue(slog.String("signin_id", p.ID), slog.String("stage", p.Stage))
}

func invalidCredentials() error {
	return authError(ErrInvalidCredentials, "the username or password is incorrect")
}

func locked() error {
	return authError(ErrLocked, "too many failed attempts; try again later")
}

func signInExpired() error {
	return authError(ErrSignInExpired, "the sign-in has expired; sign in again")
}

// userSubject is the lockout subject of a user name: the name, not the
// user, so unknown names lock exactly like known ones.
func userSubject(userName string) string { return "user:" + strings.ToLower(userName) }

// mfaSubject is the lockout subject of a user's second factor.
func mfaSubject(userID string) string { return "mfa:" + userID }

// lockedNow reports whether subject is locked at now, and whether it has a
// counter at all.
func (s *Service) lockedNow(ctx context.Context, identityStoreID, subject string, now time.Time) (isLocked, counted bool, err error) {
	l, err := s.st.GetAuthLockout(ctx, identityStoreID, subject)
	if errors.Is(err, store.ErrNotFound) {
		return false, false, nil
	}
	if err != nil {
		return false, false, storeErr("read lockout", err)
	}
	return now.Before(l.LockedUntil), true, nil
}

// fail counts a failure on subject in q and locks it once it reaches limit;
// it reports whether the subject is now locked.
func (s *Service) fail(ctx context.Context, q store.Queries, identityStoreID, subject string, limit int) (bool, error) {
	now := s.now()
	n, err := q.AddAuthFailure(ctx, identityStoreID, subject, now, now.Add(-FailureWindow))
	if err != nil {
		return false, err
	}
	if n < limit {
		return false, nil
	}
	return true, q.LockAuthSubject(ctx, identityStoreID, subject, now.Add(LockDuration))
}

// SignIn checks a user name and password. On success it returns a session
// (MFA mode DISABLED, or CONTEXT_AWARE with a remembered browser) or a
// pending sign-in that waits for a code or an enrolment. Errors:
// ErrInvalidCredentials (wrong or unknown user name, wrong password, no
// password set, user disabled: indistinguishable), ErrLocked, ErrBusy, not
// found (the identity store).
func (s *Service) SignIn(ctx context.Context, in SignInInput) (*Result, error) {
	if in.UserName == "" || len(in.UserName) > maxUserNameBytes || len(in.Password) > MaxPasswordBytes {
		return nil, invalidCredentials()
	}
	now := s.now()
	subject := userSubject(in.UserName)
	isLocked, counted, err := s.lockedNow(ctx, in.IdentityStoreID, subject, now)
	if err != nil {
		return nil, err
	}
	if isLocked {
		return nil, locked()
	}
	var user *idc.User
	var cred *store.UserCredential
	if id, err := s.UserIDByName(ctx, in.IdentityStoreID, in.UserName); err == nil {
		if user, err = s.dir.GetUser(ctx, in.IdentityStoreID, id); err != nil && idc.KindOf(err) != idc.KindNotFound {
			return nil, err
		}
	} else if idc.KindOf(err) != idc.KindNotFound && idc.KindOf(err) != idc.KindInvalid {
		return nil, err
	} else if err := s.dir.CheckIdentityStore(ctx, in.IdentityStoreID); err != nil {
		return nil, err
	}
	hash := ""
	if user != nil {
		cred, err = s.st.GetUserCredential(ctx, in.IdentityStoreID, user.UserID)
		switch {
		case err == nil:
			hash = cred.PasswordHash
		case !errors.Is(err, store.ErrNotFound):
			return nil, storeErr("read credential", err)
		}
	}
	ok, err := s.hash.Verify(ctx, hash, in.Password)
	if err != nil {
		return nil, err
	}
	if !ok || user == nil || user.Status != idc.UserEnabled {
		var nowLocked bool
		err := s.st.Tx(ctx, func(q store.Queries) (err error) {
			nowLocked, err = s.fail(ctx, q, in.IdentityStoreID, subject, MaxPasswordFailures)
			return err
		})
		if err != nil {
			return nil, storeErr("count failed sign-in", err)
		}
		if nowLocked {
			return nil, locked()
		}
		return nil, invalidCredentials()
	}
	if counted {
		if err := s.st.Tx(ctx, func(q store.Queries) error { return q.ClearAuthFailures(ctx, in.IdentityStoreID, subject) }); err != nil {
			return nil, storeErr("clear failed sign-ins", err)
		}
	}
	return s.afterPassword(ctx, user, cred, now, in.RememberedDevice, in.UserAgent)
}

// afterPassword decides, once the password is proven at authAt, whether a
// second factor is due, and returns the session or the pending sign-in.
func (s *Service) afterPassword(ctx context.Context, user *idc.User, cred *store.UserCredential, authAt time.Time, remembered, userAgent string) (*Result, error) {
	set, err := s.Settings(ctx, user.IdentityStoreID)
	if err != nil {
		return nil, err
	}
	enrolled := cred != nil && cred.TOTPSecret != nil
	skip := set.MFAMode == store.MFADisabled ||
		(set.MFAMode == store.MFAContextAware && enrolled && s.rememberedOK(remembered, user.UserID, cred.TOTPEnrolledAt, userAgent))
	if skip {
		var ns *NewSession
		err := s.st.Tx(ctx, func(q store.Queries) (err error) {
			ns, err = s.createSession(ctx, q, user.IdentityStoreID, user.UserID, authAt, false)
			return err
		})
		if err != nil {
			return nil, storeErr("create session", err)
		}
		return &Result{Session: ns}, nil
	}
	now := s.now()
	id, secret := newSecret()
	si := &store.SignIn{
		ID: id, SecretHash: s.digest(purposeSignIn, secret), IdentityStoreID: user.IdentityStoreID, UserID: user.UserID,
		Stage: store.SignInMFA, AuthenticatedAt: authAt, CreatedAt: now, ExpiresAt: now.Add(SignInTTL),
	}
	var plain []byte
	if !enrolled {
		plain = newTOTPSecret()
		si.Stage = store.SignInEnrol
		si.TOTPSecret = s.keys.Seal(purposeTOTP, plain)
	}
	if err := s.st.Tx(ctx, func(q store.Queries) error { return q.CreateSignIn(ctx, si) }); err != nil {
		return nil, storeErr("create pending sign-in", err)
	}
	return &Result{Pending: s.pending(si, user, id+"."+secret, plain)}, nil
}

func (s *Service) pending(si *store.SignIn, user *idc.User, cookie string, plain []byte) *Pending {
	p := &Pending{
		Cookie: cookie, ID: si.ID, IdentityStoreID: si.IdentityStoreID, UserID: si.UserID, UserName: user.UserName,
		Stage: si.Stage, ExpiresAt: si.ExpiresAt,
	}
	if plain != nil {
		p.TOTPURI = TOTPURI(s.issuer, user.UserName, plain)
		p.TOTPSecret = TOTPSecretText(plain)
	}
	return p
}

// loadPending returns the pending sign-in a cookie proves, its user and,
// while enrolling, the candidate secret in clear.
func (s *Service) loadPending(ctx context.Context, cookie string) (*store.SignIn, *idc.User, []byte, error) {
	id, secret, ok := splitCookie(cookie)
	if !ok {
		return nil, nil, nil, signInExpired()
	}
	si, err := s.st.GetSignIn(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, nil, signInExpired()
	}
	if err != nil {
		return nil, nil, nil, storeErr("read pending sign-in", err)
	}
	if !s.matches(purposeSignIn, secret, si.SecretHash) || !s.now().Before(si.ExpiresAt) {
		return nil, nil, nil, signInExpired()
	}
	user, err := s.dir.GetUser(ctx, si.IdentityStoreID, si.UserID)
	if idc.KindOf(err) == idc.KindNotFound || (err == nil && user.Status != idc.UserEnabled) {
		return nil, nil, nil, signInExpired()
	}
	if err != nil {
		return nil, nil, nil, err
	}
	var plain []byte
	if si.Stage == store.SignInEnrol {
		if plain, err = s.keys.Open(purposeTOTP, si.TOTPSecret); err != nil {
			return nil, nil, nil, storeErr("open enrolment secret", err)
		}
	}
	return si, user, plain, nil
}

// PendingSignIn returns the pending sign-in a cookie proves
// (ErrSignInExpired otherwise), with the otpauth URI while enrolling.
func (s *Service) PendingSignIn(ctx context.Context, cookie string) (*Pending, error) {
	si, user, plain, err := s.loadPending(ctx, cookie)
	if err != nil {
		return nil, err
	}
	return s.pending(si, user, cookie, plain), nil
}

// Finish completes a pending sign-in with a TOTP code: the code of the
// enrolled authenticator, or while enrolling the first code of the new one
// (which enrols it). It returns the new session. Errors: ErrInvalidCode
// (wrong or replayed code; after MaxCodeAttempts the pending sign-in is
// gone and ErrSignInExpired follows), ErrSignInExpired, ErrLocked.
func (s *Service) Finish(ctx context.Context, cookie, code, userAgent string) (*NewSession, error) {
	si, _, plain, err := s.loadPending(ctx, cookie)
	if err != nil {
		return nil, err
	}
	now := s.now()
	subject := mfaSubject(si.UserID)
	isLocked, counted, err := s.lockedNow(ctx, si.IdentityStoreID, subject, now)
	if err != nil {
		return nil, err
	}
	if isLocked {
		return nil, locked()
	}
	var enrolledAt time.Time
	if si.Stage == store.SignInMFA {
		cred, err := s.st.GetUserCredential(ctx, si.IdentityStoreID, si.UserID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, storeErr("read credential", err)
		}
		if err != nil || cred.TOTPSecret == nil {
			// The authenticator was reset since the password was checked.
			return nil, signInExpired()
		}
		if plain, err = s.keys.Open(purposeTOTP, cred.TOTPSecret); err != nil {
			return nil, storeErr("open TOTP secret", err)
		}
		enrolledAt = cred.TOTPEnrolledAt
	}
	step, match := matchTOTP(plain, code, now)

	var ns *NewSession
	var outcome error
	err = s.st.Tx(ctx, func(q store.Queries) error {
		ns, outcome = nil, nil
		ok := match
		if ok && si.Stage == store.SignInMFA {
			var err error
			if ok, err = q.AdvanceUserTOTPStep(ctx, si.IdentityStoreID, si.UserID, step); err != nil {
				return err
			}
		}
		if ok && si.Stage == store.SignInEnrol {
			enrolledAt = now
			enrolled, err := q.EnrolUserTOTP(ctx, si.IdentityStoreID, si.UserID, si.TOTPSecret, step, now)
			if err != nil {
				return err
			}
			if !enrolled {
				// Another sign-in enrolled an authenticator meanwhile.
				outcome = signInExpired()
				_, err := q.DeleteSignIn(ctx, si.ID)
				return err
			}
		}
		if !ok {
			attempts, err := q.AddSignInAttempt(ctx, si.ID)
			if errors.Is(err, store.ErrNotFound) {
				outcome = signInExpired()
				return nil
			}
			if err != nil {
				return err
			}
			nowLocked, err := s.fail(ctx, q, si.IdentityStoreID, subject, MaxMFAFailures)
			if err != nil {
				return err
			}
			switch {
			case nowLocked:
				outcome = locked()
			case attempts >= MaxCodeAttempts:
				outcome = signInExpired()
			default:
				outcome = authError(ErrInvalidCode, "the code is incorrect")
			}
			if nowLocked || attempts >= MaxCodeAttempts {
				_, err = q.DeleteSignIn(ctx, si.ID)
			}
			return err
		}
		// Single use: of two concurrent finishes only one deletes the row.
		gone, err := q.DeleteSignIn(ctx, si.ID)
		if err != nil {
			return err
		}
		if !gone {
			outcome = signInExpired()
			return nil
		}
		if counted {
			if err := q.ClearAuthFailures(ctx, si.IdentityStoreID, subject); err != nil {
				return err
			}
		}
		ns, err = s.createSession(ctx, q, si.IdentityStoreID, si.UserID, si.AuthenticatedAt, true)
		return err
	})
	if err != nil {
		return nil, storeErr("finish sign-in", err)
	}
	if outcome != nil {
		return nil, outcome
	}
	ns.RememberDevice = s.rememberToken(si.UserID, enrolledAt, userAgent, now)
	return ns, nil
}

// rememberToken returns a remembered-device cookie value: the user id, the
// enrolment time of the authenticator and the issue time, MACed together
// with the browser's user agent. Resetting the authenticator (which changes
// its enrolment time) forgets every remembered browser.
func (s *Service) rememberToken(userID string, enrolledAt time.Time, userAgent string, now time.Time) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(enrolledAt.UnixMilli()))
	binary.BigEndian.PutUint64(b[8:], uint64(now.Unix()))
	payload := base64.RawURLEncoding.EncodeToString(append(b[:], userID...))
	return payload + "." + base64.RawURLEncoding.EncodeToString(s.rememberMAC(payload, userAgent))
}

func (s *Service) rememberMAC(payload, userAgent string) []byte {
	m := hmac.New(sha256.New, s.deviceKey)
	m.Write([]byte(payload))
	m.Write([]byte{0})
	m.Write([]byte(userAgent))
	return m.Sum(nil)
}

// rememberedOK reports whether a remembered-device cookie is valid for a
// user whose authenticator was enrolled at enrolledAt.
func (s *Service) rememberedOK(token, userID string, enrolledAt time.Time, userAgent string) bool {
	payload, mac, ok := strings.Cut(token, ".")
	if !ok || len(token) > 512 {
		return false
	}
	got, err := base64.RawURLEncoding.DecodeString(mac)
	if err != nil || !hmac.Equal(got, s.rememberMAC(payload, userAgent)) {
		return false
	}
	b, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil || len(b) < 16 {
		return false
	}
	enrolled := int64(binary.BigEndian.Uint64(b[:8]))
	issued := time.Unix(int64(binary.BigEndian.Uint64(b[8:16])), 0)
	return string(b[16:]) == userID && enrolled == enrolledAt.UnixMilli() && s.now().Before(issued.Add(RememberDuration))
}
