package auth

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/store"
)

// purposeSession binds session secrets' hashes.
const purposeSession = "session"

// maxCachedSessions bounds the session cache; beyond it the cache is
// cleared.
const maxCachedSessions = 10000

type cachedSession struct {
	rec   *store.SessionRecord
	until time.Time
}

// NewSession is a session just created and the cookie value that proves
// it. The cookie value is a secret: it is never stored or logged.
type NewSession struct {
	Session *idc.Session
	// Cookie is the session cookie's value.
	Cookie string
	// RememberDevice, when not empty, is the value of the remembered-device
	// cookie to set (for RememberDuration): the browser just passed a
	// second factor.
	RememberDevice string
}

// LogValue implements slog.LogValuer without the cookie.
func (n *NewSession) LogValue() slog.Value { return slog.StringValue("session " + n.Session.ID) }

func noSession() error {
	return authError(ErrNoSession, "the session has ended; sign in again")
}

// Session returns the active session id names. It fails with an
// unauthenticated error (ErrNoSession) when the session is unknown,
// expired or revoked, or its user is disabled or deleted. Results are served
// from memory for a short time (WithSessionCacheTTL); revocations made
// through this Service take effect at once.
func (s *Service) Session(ctx context.Context, id string) (*idc.Session, error) {
	rec, err := s.sessionRecord(ctx, id)
	if err != nil {
		return nil, err
	}
	c := rec.Session
	return &c, nil
}

// SessionFromCookie returns the active session a session cookie value
// proves (ErrNoSession otherwise).
func (s *Service) SessionFromCookie(ctx context.Context, cookie string) (*idc.Session, error) {
	id, secret, ok := splitCookie(cookie)
	if !ok {
		return nil, noSession()
	}
	rec, err := s.sessionRecord(ctx, id)
	if err != nil {
		return nil, err
	}
	if !s.matches(purposeSession, secret, rec.SecretHash) {
		return nil, noSession()
	}
	c := rec.Session
	return &c, nil
}

func (s *Service) sessionRecord(ctx context.Context, id string) (*store.SessionRecord, error) {
	now := s.now()
	if s.cacheTTL > 0 {
		s.mu.Lock()
		c, ok := s.cache[id]
		s.mu.Unlock()
		if ok && now.Before(c.until) {
			if !c.rec.Active(now) {
				return nil, noSession()
			}
			return c.rec, nil
		}
	}
	rec, err := s.st.GetSession(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, noSession()
	}
	if err != nil {
		return nil, storeErr("read session", err)
	}
	if !rec.Active(now) {
		return nil, noSession()
	}
	u, err := s.dir.GetUser(ctx, rec.IdentityStoreID, rec.UserID)
	if idc.KindOf(err) == idc.KindNotFound {
		return nil, noSession()
	}
	if err != nil {
		return nil, err
	}
	if u.Status != idc.UserEnabled {
		return nil, noSession()
	}
	if s.cacheTTL > 0 {
		s.mu.Lock()
		if len(s.cache) >= maxCachedSessions {
			clear(s.cache)
		}
		s.cache[id] = cachedSession{rec: rec, until: now.Add(s.cacheTTL)}
		s.mu.Unlock()
	}
	return rec, nil
}

// forget drops sessions from the cache: one id, or every session of a user
// when id is "". Then it tells those who asked (OnSessionsEnded).
func (s *Service) forget(id, identityStoreID, userID string) {
	s.mu.Lock()
	if id != "" {
		delete(s.cache, id)
	} else {
		for k, c := range s.cache {
			if c.rec.IdentityStoreID == identityStoreID && c.rec.UserID == userID {
				delete(s.cache, k)
			}
		}
	}
	hooks := s.ended
	s.mu.Unlock()
	for _, fn := range hooks {
		fn(id, identityStoreID, userID)
	}
}

// OnSessionsEnded registers fn to be called, in this process, whenever
// sessions end: one (sessionID set) or all of a user's (sessionID "").
// internal/oauth uses it to stop trusting its memory of those sessions'
// tokens at once rather than within its cache TTL. Register before use.
func (s *Service) OnSessionsEnded(fn func(sessionID, identityStoreID, userID string)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ended = append(s.ended, fn)
}

// EndSession revokes a session (sign-out, the sso Logout API). It is
// idempotent: ending an unknown or ended session succeeds.
func (s *Service) EndSession(ctx context.Context, id string) error {
	s.forget(id, "", "")
	err := s.st.Tx(ctx, func(q store.Queries) error { return q.RevokeSession(ctx, id, s.now()) })
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return storeErr("end session", err)
	}
	return nil
}

// RevokeUserSessions ends every active session of a user and returns how
// many it ended (not found if the user does not exist).
func (s *Service) RevokeUserSessions(ctx context.Context, identityStoreID, userID string) (int64, error) {
	if _, err := s.dir.GetUser(ctx, identityStoreID, userID); err != nil {
		return 0, err
	}
	var n int64
	err := s.st.Tx(ctx, func(q store.Queries) (err error) {
		n, err = q.RevokeUserSessions(ctx, identityStoreID, userID, s.now())
		return err
	})
	s.forget("", identityStoreID, userID)
	if err != nil {
		return 0, storeErr("revoke sessions", err)
	}
	return n, nil
}

// createSession inserts a session for a user in q, lasting the identity
// store's session duration from now.
func (s *Service) createSession(ctx context.Context, q store.Queries, identityStoreID, userID string, authenticatedAt time.Time, mfa bool) (*NewSession, error) {
	set, err := q.GetAuthSettings(ctx, identityStoreID)
	dur := DefaultSessionDuration
	switch {
	case err == nil:
		dur = set.SessionDuration
	case !errors.Is(err, store.ErrNotFound):
		return nil, err
	}
	now := s.now()
	id, secret := newSecret()
	rec := &store.SessionRecord{
		Session: idc.Session{
			ID: id, IdentityStoreID: identityStoreID, UserID: userID,
			CreatedAt: now, AuthenticatedAt: authenticatedAt, MFA: mfa, ExpiresAt: now.Add(dur),
		},
		SecretHash: s.digest(purposeSession, secret),
	}
	if err := q.CreateSession(ctx, rec); err != nil {
		return nil, err
	}
	c := rec.Session
	return &NewSession{Session: &c, Cookie: id + "." + secret}, nil
}
