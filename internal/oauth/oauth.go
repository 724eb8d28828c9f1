package oauth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"strings"
	"sync"
	"time"

	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/keys"
	"github.com/idcenter/idcenter/internal/ratelimit"
	"github.com/idcenter/idcenter/internal/store"
)

// Lifetimes and limits. See the package documentation.
const (
	// ClientSecretLifetime is how long a registration's secret is valid.
	ClientSecretLifetime = 90 * 24 * time.Hour
	// DeviceCodeLifetime is the expiresIn of a device authorization.
	DeviceCodeLifetime = 10 * time.Minute
	// PollInterval is the interval a device authorization asks for.
	PollInterval = time.Second
	// SlowDownStep is added to a device code's interval after each
	// slow_down (RFC 8628 §3.5).
	SlowDownStep = 5 * time.Second
	// AuthCodeLifetime is how long an authorization code may be redeemed
	// (RFC 6749 §4.1.2 recommends at most 10 minutes; SECURITY.md TK-02
	// at most 60 s).
	AuthCodeLifetime = 60 * time.Second
	// AccessTokenLifetime is the lifetime of access tokens of clients
	// registered with scopes; their refresh tokens live as long as the
	// sign-in session.
	AccessTokenLifetime = time.Hour
	// RefreshRetryGrace is how long after a rotation the previous refresh
	// token is refused without revoking its family, so that a client whose
	// response was lost can retry cleanly (SECURITY.md TK-13).
	RefreshRetryGrace = 5 * time.Second
	// BearerCacheTTL bounds how long a replica trusts its memory of a
	// grant's and session's liveness when checking an access token: a
	// revocation on another replica is honoured within this time.
	BearerCacheTTL = 2 * time.Second
	// PendingCacheTTL bounds how long a replica answers polls of a pending
	// device code from memory: an approval made on another replica reaches
	// the poller at most this much later (one on the same replica at once).
	PendingCacheTTL = 2 * time.Second
)

// Rate limits, per replica (SECURITY.md LR-01, LR-02): RegisterClient may
// be called RegisterBurst times at once, then RegisterPerSecond times a
// second, by all callers together; StartDeviceAuthorization DeviceBurst
// times at once, then DevicePerSecond a second, per client. Past them the
// answer is SlowDown (sso-oidc SlowDownException) and nothing is stored.
const (
	RegisterBurst     = 500
	RegisterPerSecond = 50
	DeviceBurst       = 200
	DevicePerSecond   = 100
)

// Grant types (RFC 6749 §4.1.3, §6; RFC 8628 §3.4).
const (
	GrantAuthorizationCode = "authorization_code"
	GrantRefreshToken      = "refresh_token"
	GrantDeviceCode        = "urn:ietf:params:oauth:grant-type:device_code"
)

// ScopeAccountAccess is the scope of the sso portal API (sso-session
// profiles register it).
const ScopeAccountAccess = "sso:account:access"

// Sessions finds and ends web sign-in sessions; internal/auth implements it.
type Sessions interface {
	// Session returns a session; KindUnauthenticated if it is unknown,
	// expired or revoked.
	Session(ctx context.Context, id string) (*idc.Session, error)
	// EndSession revokes a session; it is idempotent.
	EndSession(ctx context.Context, id string) error
}

// DevicePolicy is the administrator's policy for an identity store's users
// signing devices in with the device authorization grant; internal/auth
// implements it (admin settings).
type DevicePolicy interface {
	// DeviceGrantAllowed reports whether they may at all (SECURITY.md
	// DF-14).
	DeviceGrantAllowed(ctx context.Context, identityStoreID string) (bool, error)
	// DeviceSameNetworkRequired reports whether a device authorization
	// must be approved from the network it was started from (SECURITY.md
	// DF-13).
	DeviceSameNetworkRequired(ctx context.Context, identityStoreID string) (bool, error)
}

// Config is what a Service needs besides its dependencies.
type Config struct {
	// DevicePolicy and IdentityStoreID, when set, make the device grant
	// follow the policy of that identity store (the one the portal signs
	// users in to, where every device code is approved).
	DevicePolicy    DevicePolicy
	IdentityStoreID string
	// PublicURL is the external base URL without a trailing slash; the
	// verification URIs are <PublicURL>/device.
	PublicURL string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Failpoint, when set, is called with a Failpoint… name at each
	// crash-consistency point of CreateToken (SECURITY.md §4.1); the
	// storage-fault tests set it to SIGKILL their child server there. Only
	// tests set it: cmd/idcenter has no flag or variable for it, so a
	// production binary cannot be made to stop at one, and nil costs one
	// comparison.
	Failpoint func(name string)
}

// Failpoints of CreateToken (see Config.Failpoint). The redemption of a
// device code or an authorization code is one transaction that consumes
// the code and then inserts the grant (the token's durable half: an
// access or refresh token is valid only while its grant row is);
// refreshing is one transaction that rotates the grant's refresh token.
const (
	// FailpointBeforeConsume is inside the redemption transaction, before
	// the code is marked redeemed.
	FailpointBeforeConsume = "redeem/before-consume"
	// FailpointAfterGrantInsert is inside the redemption transaction,
	// after the code is consumed and the grant inserted, before COMMIT.
	FailpointAfterGrantInsert = "redeem/after-grant-insert"
	// FailpointBeforeRotate is inside the refresh transaction, before the
	// refresh token is rotated.
	FailpointBeforeRotate = "refresh/before-rotate"
	// FailpointAfterRotate is inside the refresh transaction, after the
	// rotation, before COMMIT.
	FailpointAfterRotate = "refresh/after-rotate"
	// FailpointBeforeResponse is after the commit of any grant, before
	// CreateToken returns: nothing but encoding the response is left.
	FailpointBeforeResponse = "token/before-response"
)

// Service implements sso-oidc. It is safe for concurrent use.
type Service struct {
	st        store.Store
	keys      *keys.Keyring
	sessions  Sessions
	publicURL string
	now       func() time.Time
	hashKey   []byte
	// hashers holds keyed HMAC-SHA256 states (hash.Hash) for hash: keying
	// one costs two SHA-256 blocks and a few allocations, resetting it
	// none.
	hashers sync.Pool

	clients clientCache
	polls   pollTable
	bearers bearerCache
	// sharedPolls and peers, when the store has them (PostgreSQL), move
	// poll timing into the database while other replicas share it
	// (SECURITY.md MR-01; see pollsShared).
	sharedPolls store.DevicePolls
	peers       store.SharedClock

	devicePolicy DevicePolicy
	portalStore  string
	deviceOff    struct {
		sync.Mutex
		off   bool
		until time.Time
	}

	registerLimit *ratelimit.Limiter // RegisterClient, one bucket for the replica
	deviceLimit   *ratelimit.Limiter // StartDeviceAuthorization, per client
	guessLimit    *ratelimit.Limiter // failed user-code lookups, one bucket

	failpoint func(name string) // nil outside tests
}

// New returns a Service on st, sealing tokens with kr and finding sign-in
// sessions through sessions.
func New(st store.Store, kr *keys.Keyring, sessions Sessions, cfg Config) *Service {
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	s := &Service{
		st:            st,
		keys:          kr,
		sessions:      sessions,
		publicURL:     strings.TrimSuffix(cfg.PublicURL, "/"),
		now:           now,
		hashKey:       kr.Derive("oauth-hash"),
		clients:       clientCache{m: map[string]*store.OAuthClient{}},
		polls:         pollTable{m: map[string]*pollState{}, alone: alone(st)},
		bearers:       bearerCache{m: map[string]bearerEntry{}},
		devicePolicy:  cfg.DevicePolicy,
		portalStore:   cfg.IdentityStoreID,
		registerLimit: ratelimit.New(RegisterBurst, RegisterPerSecond, now),
		deviceLimit:   ratelimit.New(DeviceBurst, DevicePerSecond, now),
		guessLimit:    ratelimit.New(GuessBurst, GuessRate, now),
		failpoint:     cfg.Failpoint,
	}
	s.hashers.New = func() any { return hmac.New(sha256.New, s.hashKey) }
	if dp, ok := st.(store.DevicePolls); ok {
		if sc, ok := st.(store.SharedClock); ok {
			s.sharedPolls, s.peers = dp, sc
		}
	}
	return s
}

// failpointAt calls the test failpoint name, if one is set (Config.Failpoint).
func (s *Service) failpointAt(name string) {
	if s.failpoint != nil {
		s.failpoint(name)
	}
}

// hash returns the keyed hash (hex) under which a secret of a kind is
// stored: HMAC-SHA256(subkey, kind || 0 || secret).
func (s *Service) hash(kind, secret string) string {
	m := s.hashers.Get().(hash.Hash)
	defer s.hashers.Put(m)
	m.Reset()
	msg := make([]byte, 0, len(kind)+1+len(secret))
	m.Write(append(append(append(msg, kind...), 0), secret...))
	var sum [sha256.Size]byte
	return hex.EncodeToString(m.Sum(sum[:0]))
}

// Hash kinds.
const (
	hashClientSecret = "client-secret"
	hashDeviceCode   = "device-code"
	hashUserCode     = "user-code"
	hashAuthCode     = "auth-code"
	hashRefresh      = "refresh-token"
)

// randomToken returns n random bytes in unpadded base64url.
func randomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// newGrantID returns a grant id: 16 bytes in hex, the first 6 the
// creation time in Unix milliseconds (big-endian), the other 10 random.
// Grant ids are not secrets (tokens are sealed), and ids that grow with
// time are appended at the end of the grants' primary-key index instead of
// landing on a random page of it, so a batch of new grants dirties (and
// commits) fewer pages: about 10% fewer bytes written in the token
// issuance benchmark on SQLite.
func newGrantID(now time.Time) string {
	var b [16]byte
	if _, err := rand.Read(b[6:]); err != nil {
		panic(err)
	}
	ms := uint64(now.UnixMilli())
	for i := 5; i >= 0; i-- {
		b[i] = byte(ms)
		ms >>= 8
	}
	return hex.EncodeToString(b[:])
}

// clientCache keeps registered clients (immutable once written) in memory.
type clientCache struct {
	mu sync.RWMutex
	m  map[string]*store.OAuthClient
}

// maxCachedClients bounds the client cache; it is cleared beyond it.
const maxCachedClients = 20000

func (c *clientCache) get(id string) *store.OAuthClient {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.m[id]
}

func (c *clientCache) put(cl *store.OAuthClient) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= maxCachedClients {
		clear(c.m)
	}
	c.m[cl.ClientID] = cl
}

// sweepGrace keeps expired rows a while, so that a late poll or replay
// still gets its precise answer (ExpiredToken, InvalidGrant) rather than
// "unknown".
const sweepGrace = time.Hour

// Sweep deletes device authorizations, authorization codes and grants that
// expired more than an hour ago, and registrations whose secret did, and
// returns how many rows it deleted. A background job of the server calls
// it periodically; it is safe to run on several replicas at once.
func (s *Service) Sweep(ctx context.Context) (int64, error) {
	var n int64
	err := s.st.Tx(ctx, func(q store.Queries) error {
		var err error
		n, err = q.DeleteExpiredOAuth(ctx, s.now().Add(-sweepGrace))
		return err
	})
	return n, err
}

// alone reports whether st is its database's only writer (the embedded
// SQLite store holds a lock on its file), so that no other process can
// decide a device authorization behind this one's back.
func alone(st store.Store) bool {
	_, only := st.LocalCommits()
	return only
}
