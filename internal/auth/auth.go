package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/idcenter/idcenter/internal/directory"
	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/keys"
	"github.com/idcenter/idcenter/internal/store"
)

// Portal session duration bounds and default, as IAM Identity Center
// offers them (15 minutes to 90 days, 8 hours by default).
const (
	DefaultSessionDuration = 8 * time.Hour
	MinSessionDuration     = 15 * time.Minute
	MaxSessionDuration     = 90 * 24 * time.Hour
)

// DefaultMFAMode is the MFA mode of an identity store whose settings were
// never changed.
const DefaultMFAMode = store.MFAAlwaysOn

// Invitation lifetime bounds and default.
const (
	DefaultInvitationTTL = 72 * time.Hour
	MinInvitationTTL     = 5 * time.Minute
	MaxInvitationTTL     = 30 * 24 * time.Hour
)

// Brute-force limits. A user name is locked for LockDuration after
// MaxPasswordFailures consecutive wrong passwords within FailureWindow
// (unknown names are counted and locked the same way, so a lock reveals
// nothing). A pending sign-in accepts MaxCodeAttempts wrong codes before
// the password must be entered again, and a user's second factor is locked
// after MaxMFAFailures wrong codes across sign-ins (SECURITY.md WL-04,
// WL-06; with ±1 step, 3 codes are valid at a time, so an attacker who
// knows the password has at most 3·MaxMFAFailures/10⁶ chance per lock
// period).
const (
	MaxPasswordFailures = 5
	MaxCodeAttempts     = 5
	MaxMFAFailures      = 10
	FailureWindow       = 15 * time.Minute
	LockDuration        = 15 * time.Minute
)

// SignInTTL is how long a pending sign-in waits for its second factor.
const SignInTTL = 10 * time.Minute

// RememberDuration is how long a browser that passed MFA is remembered in
// CONTEXT_AWARE mode.
const RememberDuration = 30 * 24 * time.Hour

// Sentinels for errors.Is on the sign-in protocol's states. Returned errors
// carry a message; these carry only the kind and reason to match.
var (
	// ErrInvalidCredentials: the user name or password is wrong, or the
	// user may not sign in. Which one is never said.
	ErrInvalidCredentials = &idc.Error{Kind: idc.KindUnauthenticated, Reason: "InvalidCredentials"}
	// ErrInvalidCode: the MFA code is wrong or was already used.
	ErrInvalidCode = &idc.Error{Kind: idc.KindUnauthenticated, Reason: "InvalidCode"}
	// ErrSignInExpired: the pending sign-in is unknown, expired, used up
	// or finished; start again with the password.
	ErrSignInExpired = &idc.Error{Kind: idc.KindUnauthenticated, Reason: "SignInExpired"}
	// ErrNoSession: the session is unknown, expired or revoked, or its user
	// is disabled or deleted.
	ErrNoSession = &idc.Error{Kind: idc.KindUnauthenticated, Reason: "NoSession"}
	// ErrLocked: too many failed attempts; try again later.
	ErrLocked = &idc.Error{Kind: idc.KindThrottled, Reason: "Locked"}
	// ErrBusy: too many password checks are queued.
	ErrBusy = &idc.Error{Kind: idc.KindThrottled, Reason: "Busy"}
	// ErrInvalidInvitation: the invitation is unknown, used or expired.
	ErrInvalidInvitation = &idc.Error{Kind: idc.KindNotFound, Reason: "InvalidInvitation"}
)

func authError(sentinel *idc.Error, msg string) *idc.Error {
	e := *sentinel
	e.Msg = msg
	return &e
}

// Service implements web sign-in on a store. It is safe for concurrent use.
type Service struct {
	st     store.Store
	dir    *directory.Service
	keys   *keys.Keyring
	now    func() time.Time
	hash   *hasher
	issuer string

	secretKey []byte // HMAC key for cookie, sign-in and invitation secrets
	deviceKey []byte // HMAC key for remembered-device cookies

	cacheTTL time.Duration
	mu       sync.Mutex
	cache    map[string]cachedSession
	ended    []func(sessionID, identityStoreID, userID string)
}

// Option adjusts New.
type Option func(*Service)

// WithClock sets the clock (default time.Now).
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// WithArgon2 sets the parameters of new password hashes (default
// DefaultArgon2).
func WithArgon2(p Argon2Params) Option { return func(s *Service) { s.hash.params = p } }

// WithHashConcurrency bounds the memory of password hashing: at most slots
// hashes at once and at most queue waiting; more concurrent sign-ins fail
// with ErrBusy. The default is half the usable CPUs (at least one) and a
// queue of 64.
func WithHashConcurrency(slots, queue int) Option {
	return func(s *Service) {
		h := newHasher(s.hash.params, slots, queue)
		h.budget = s.hash.budget
		s.hash = h
	}
}

// Defaults of the hashing budget (WithHashBudget): an eighth of the usable
// CPUs (a quarter of one CPU on two cores: about seven sign-ins a second at
// the default parameters, 35 ms of CPU each, some 25,000 an hour), no
// burst, and a wait of at most 3 s. Without a burst hashes are spaced
// evenly (one every 140 ms on two cores): a lone sign-in never waits, a
// second one at the same moment waits 140 ms, and a storm never runs
// hashes back to back.
const (
	DefaultHashBurst   = 0
	DefaultHashMaxWait = 3 * time.Second
)

// DefaultHashShare returns the default hashing budget: GOMAXPROCS/8 CPUs.
func DefaultHashShare() float64 { return float64(runtime.GOMAXPROCS(0)) / 8 }

// WithHashBudget bounds the CPU time of password hashing: on average at
// most share CPU-seconds per second (0 disables the budget), with burst of
// hashing time allowed back to back after a quiet period; a sign-in or
// password change that would wait longer than maxWait for the budget fails
// with ErrBusy. See hashBudget for the design.
func WithHashBudget(share float64, burst, maxWait time.Duration) Option {
	return func(s *Service) {
		s.hash.budget = nil
		if share > 0 {
			s.hash.budget = newHashBudget(share, burst, maxWait)
		}
	}
}

// WithIssuer sets the issuer shown in authenticator apps (default
// "idcenter"; the server passes the instance name).
func WithIssuer(name string) Option { return func(s *Service) { s.issuer = name } }

// WithSessionCacheTTL sets how long a checked session is served from
// memory (default 2 s; 0 disables the cache). A revocation made on another
// replica takes effect here within this time; one made here, at once.
func WithSessionCacheTTL(d time.Duration) Option { return func(s *Service) { s.cacheTTL = d } }

// New returns a Service over st. dir finds users; kr seals TOTP secrets and
// keys the hashes of cookie secrets.
func New(st store.Store, dir *directory.Service, kr *keys.Keyring, opts ...Option) *Service {
	s := &Service{
		st: st, dir: dir, keys: kr, now: time.Now, issuer: "idcenter",
		hash:      newHasher(DefaultArgon2, defaultHashSlots(), 64),
		secretKey: kr.Derive("auth/secret-hash"),
		deviceKey: kr.Derive("auth/remembered-device"),
		cacheTTL:  2 * time.Second,
		cache:     map[string]cachedSession{},
	}
	s.hash.budget = newHashBudget(DefaultHashShare(), DefaultHashBurst, DefaultHashMaxWait)
	for _, o := range opts {
		o(s)
	}
	return s
}

// purposeTOTP is the keyring purpose TOTP secrets are sealed for.
const purposeTOTP = "auth/totp-secret"

// newSecret returns an id (128 bits, hex) and a secret (256 bits,
// base64url) from crypto/rand.
func newSecret() (id, secret string) {
	b := make([]byte, 16+32)
	rand.Read(b)
	return hex.EncodeToString(b[:16]), base64.RawURLEncoding.EncodeToString(b[16:])
}

// digest is the stored form of a secret: HMAC-SHA256 under a key derived
// from the master key, bound to a purpose.
func (s *Service) digest(purpose, secret string) string {
	m := hmac.New(sha256.New, s.secretKey)
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write([]byte(secret))
	return hex.EncodeToString(m.Sum(nil))
}

// splitCookie splits "<id>.<secret>".
func splitCookie(v string) (id, secret string, ok bool) {
	id, secret, ok = strings.Cut(v, ".")
	if !ok || len(id) != 32 || len(secret) != 43 {
		return "", "", false
	}
	return id, secret, true
}

// matches reports in constant time whether secret hashes to stored.
func (s *Service) matches(purpose, secret, stored string) bool {
	return hmac.Equal([]byte(s.digest(purpose, secret)), []byte(stored))
}

// storeErr turns an unexpected store error into an internal error.
func storeErr(what string, err error) error {
	return fmt.Errorf("%s: %w", what, err)
}

// Settings returns an identity store's sign-in settings, with the defaults
// when none were saved.
func (s *Service) Settings(ctx context.Context, identityStoreID string) (*store.AuthSettings, error) {
	set, err := s.st.GetAuthSettings(ctx, identityStoreID)
	if errors.Is(err, store.ErrNotFound) {
		if err := s.dir.CheckIdentityStore(ctx, identityStoreID); err != nil {
			return nil, err
		}
		return &store.AuthSettings{IdentityStoreID: identityStoreID, MFAMode: DefaultMFAMode, SessionDuration: DefaultSessionDuration}, nil
	}
	if err != nil {
		return nil, storeErr("read sign-in settings", err)
	}
	return set, nil
}

// DeviceGrantAllowed reports whether an identity store's users may sign
// devices in with the device authorization grant (internal/oauth asks).
func (s *Service) DeviceGrantAllowed(ctx context.Context, identityStoreID string) (bool, error) {
	set, err := s.Settings(ctx, identityStoreID)
	if err != nil {
		return false, err
	}
	return !set.DeviceGrantDisabled, nil
}

// DeviceSameNetworkRequired reports whether an identity store's device
// authorizations must be approved from the network they were started from
// (SECURITY.md DF-13; internal/oauth asks at each approval).
func (s *Service) DeviceSameNetworkRequired(ctx context.Context, identityStoreID string) (bool, error) {
	set, err := s.Settings(ctx, identityStoreID)
	if err != nil {
		return false, err
	}
	return set.DeviceSameNetwork, nil
}

// SettingsUpdate changes sign-in settings; zero fields are kept.
type SettingsUpdate struct {
	// MFAMode is store.MFAAlwaysOn, store.MFAContextAware or
	// store.MFADisabled.
	MFAMode string
	// SessionDuration is the portal session length, MinSessionDuration to
	// MaxSessionDuration. It applies to sessions created afterwards.
	SessionDuration time.Duration
	// DeviceGrant is DeviceGrantEnabled or DeviceGrantDisabled.
	DeviceGrant string
	// DeviceSameNetwork is DeviceSameNetworkEnabled (approve a device
	// authorization only from the network it was started from, SECURITY.md
	// DF-13) or DeviceSameNetworkDisabled.
	DeviceSameNetwork string
}

// The values of SettingsUpdate.DeviceGrant.
const (
	DeviceGrantEnabled  = "ENABLED"
	DeviceGrantDisabled = "DISABLED"
)

// The values of SettingsUpdate.DeviceSameNetwork.
const (
	DeviceSameNetworkEnabled  = "ENABLED"
	DeviceSameNetworkDisabled = "DISABLED"
)

// UpdateSettings validates and saves u and returns the new settings.
// Errors: invalid (unknown mode, duration out of bounds), not found (the
// identity store).
func (s *Service) UpdateSettings(ctx context.Context, identityStoreID string, u SettingsUpdate) (*store.AuthSettings, error) {
	switch u.MFAMode {
	case "", store.MFAAlwaysOn, store.MFAContextAware, store.MFADisabled:
	default:
		return nil, idc.Invalidf("MfaMode must be one of %s, %s or %s.", store.MFAAlwaysOn, store.MFAContextAware, store.MFADisabled)
	}
	if u.SessionDuration != 0 && (u.SessionDuration < MinSessionDuration || u.SessionDuration > MaxSessionDuration) {
		return nil, idc.Invalidf("The portal session duration must be between 15 minutes and 90 days.")
	}
	switch u.DeviceGrant {
	case "", DeviceGrantEnabled, DeviceGrantDisabled:
	default:
		return nil, idc.Invalidf("DeviceGrant must be %s or %s.", DeviceGrantEnabled, DeviceGrantDisabled)
	}
	switch u.DeviceSameNetwork {
	case "", DeviceSameNetworkEnabled, DeviceSameNetworkDisabled:
	default:
		return nil, idc.Invalidf("DeviceSameNetwork must be %s or %s.", DeviceSameNetworkEnabled, DeviceSameNetworkDisabled)
	}
	var out *store.AuthSettings
	err := s.st.Tx(ctx, func(q store.Queries) error {
		cur, err := q.GetAuthSettings(ctx, identityStoreID)
		if errors.Is(err, store.ErrNotFound) {
			cur = &store.AuthSettings{IdentityStoreID: identityStoreID, MFAMode: DefaultMFAMode, SessionDuration: DefaultSessionDuration}
		} else if err != nil {
			return err
		}
		if u.MFAMode != "" {
			cur.MFAMode = u.MFAMode
		}
		if u.SessionDuration != 0 {
			cur.SessionDuration = u.SessionDuration.Truncate(time.Second)
		}
		if u.DeviceGrant != "" {
			cur.DeviceGrantDisabled = u.DeviceGrant == DeviceGrantDisabled
		}
		if u.DeviceSameNetwork != "" {
			cur.DeviceSameNetwork = u.DeviceSameNetwork == DeviceSameNetworkEnabled
		}
		cur.UpdatedAt = s.now()
		cur.UpdatedBy = idc.ActorName(ctx)
		out = cur
		return q.PutAuthSettings(ctx, cur)
	})
	if errors.Is(err, store.ErrReferenced) {
		return nil, idc.NotFound(directory.ResourceIdentityStore, identityStoreID, "Identity store %s does not exist.", identityStoreID)
	}
	if err != nil {
		return nil, storeErr("save sign-in settings", err)
	}
	return out, nil
}

// User returns a user of an identity store (directory errors).
func (s *Service) User(ctx context.Context, identityStoreID, userID string) (*idc.User, error) {
	return s.dir.GetUser(ctx, identityStoreID, userID)
}

// UserIDByName returns the id of the user whose name equals userName
// regardless of case (not found, invalid).
func (s *Service) UserIDByName(ctx context.Context, identityStoreID, userName string) (string, error) {
	v, _ := json.Marshal(userName)
	return s.dir.GetUserID(ctx, identityStoreID, directory.AlternateIdentifier{
		UniqueAttribute: &directory.UniqueAttribute{Path: "userName", Value: v},
	})
}

// Sweep deletes sessions, sign-ins, invitations and lockout counters that
// ended more than a day ago, and returns how many rows it deleted. The
// server runs it periodically; it is safe on several replicas at once.
func (s *Service) Sweep(ctx context.Context) (int64, error) {
	var n int64
	err := s.st.Tx(ctx, func(q store.Queries) (err error) {
		n, err = q.DeleteExpiredAuth(ctx, s.now().Add(-24*time.Hour))
		return err
	})
	if err != nil {
		return 0, storeErr("sweep expired sign-in state", err)
	}
	return n, nil
}
