package oauth

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/store"
)

// DeviceAuthorization is what StartDeviceAuthorization returns (RFC 8628
// §3.2).
type DeviceAuthorization struct {
	DeviceCode              string
	UserCode                string
	VerificationURI         string
	VerificationURIComplete string
	ExpiresIn               time.Duration
	Interval                time.Duration
}

// LogValue keeps the device code out of logs.
func (d DeviceAuthorization) LogValue() slog.Value {
	return slog.GroupValue(slog.String("user_code", d.UserCode), slog.String("device_code", "REDACTED"))
}

// userCodeAlphabet is RFC 8628 §6.1's base-20 consonant alphabet: no
// vowels (no words), no digits or look-alikes.
const userCodeAlphabet = "BCDFGHJKLMNPQRSTVWXZ"

// userCodeLen is the number of letters; 20^8 ≈ 2^34.6 codes.
const userCodeLen = 8

// newUserCode returns a user code in its display form, XXXX-XXXX.
func newUserCode() string {
	var b [userCodeLen]byte
	var r [1]byte
	for i := 0; i < userCodeLen; {
		if _, err := rand.Read(r[:]); err != nil {
			panic(err)
		}
		// Reject 240–255 so that each letter is equally likely.
		if r[0] >= 240 {
			continue
		}
		b[i] = userCodeAlphabet[int(r[0])%len(userCodeAlphabet)]
		i++
	}
	return string(b[:4]) + "-" + string(b[4:])
}

// normalizeUserCode returns the canonical form (8 letters, no dash) of what
// a user typed, accepting only the normalisations RFC 8628 §6.1 suggests:
// any case, and dashes and ASCII spaces anywhere. Anything else (look-alike
// characters, NUL, other letters, the wrong length) is refused.
func normalizeUserCode(in string) (string, bool) {
	if len(in) > 32 {
		return "", false
	}
	var b strings.Builder
	for i := 0; i < len(in); i++ {
		c := in[i]
		switch {
		case c == '-' || c == ' ' || c == '\t':
			continue
		case c >= 'a' && c <= 'z':
			c -= 'a' - 'A'
		}
		if !strings.ContainsRune(userCodeAlphabet, rune(c)) {
			return "", false
		}
		b.WriteByte(c)
	}
	if b.Len() != userCodeLen {
		return "", false
	}
	return b.String(), true
}

func displayUserCode(canon string) string { return canon[:4] + "-" + canon[4:] }

// DeviceRequest is a StartDeviceAuthorization request.
type DeviceRequest struct {
	ClientID     string
	ClientSecret string
	StartURL     string
	// OriginIP is the address the request came from, as the edge saw it
	// (no proxy headers), or "" when unknown. It is kept with the device
	// authorization, shown on the approval page and compared with the
	// approver's address (SECURITY.md DF-13).
	OriginIP string
}

// StartDeviceAuthorization starts a device authorization for a client
// (sso-oidc StartDeviceAuthorization, RFC 8628 §3.1–3.2): InvalidClient for
// a bad client id or secret, UnauthorizedClient when the client may not use
// the device grant, InvalidRequest for a start URL that is not an http(s)
// URL, is not this instance's (<PublicURL>/start) or differs from the
// client's issuer URL (SECURITY.md DF-17), SlowDown when the client starts
// authorizations too fast.
func (s *Service) StartDeviceAuthorization(ctx context.Context, in *DeviceRequest) (*DeviceAuthorization, error) {
	c, err := s.authenticateClient(ctx, in.ClientID, in.ClientSecret)
	if err != nil {
		return nil, err
	}
	if !allows(c, GrantDeviceCode) {
		return nil, fail(CodeUnauthorizedClient, "The client is not registered for the device code grant")
	}
	if off, err := s.deviceGrantOff(ctx); err != nil {
		return nil, err
	} else if off {
		return nil, fail(CodeUnauthorizedClient, msgDeviceGrantOff)
	}
	if !validStartURL(in.StartURL) {
		return nil, fail(CodeInvalidRequest, "Invalid start URL")
	}
	// A start URL names the instance the user signs in to; a device
	// authorization for another one's would have the user approve, on this
	// instance's pages, a login the client believes is elsewhere.
	if s.publicURL != "" && !sameStartURL(s.publicURL+"/start", in.StartURL) {
		return nil, fail(CodeInvalidRequest, "The start URL is not this instance's, which is "+s.publicURL+"/start")
	}
	if c.IssuerURL != "" && !sameStartURL(c.IssuerURL, in.StartURL) {
		return nil, fail(CodeInvalidRequest, "The start URL does not match the client's issuer URL")
	}
	now := s.now()
	if !s.deviceLimit.Allow(c.ClientID) {
		return nil, fail(CodeSlowDown, "Too many device authorizations for this client; try again later")
	}
	deviceCode := randomToken(32)
	d := &store.OAuthDeviceAuthorization{
		DeviceCodeHash: s.hash(hashDeviceCode, deviceCode),
		ClientID:       c.ClientID,
		StartURL:       in.StartURL,
		OriginIP:       in.OriginIP,
		Status:         store.DevicePending,
		CreatedAt:      now,
		ExpiresAt:      now.Add(DeviceCodeLifetime),
	}
	var userCode string
	// A user code may collide with a live one; draw again (with about a
	// thousand live codes a collision has odds of 1 in 25 million).
	for attempt := 0; ; attempt++ {
		userCode = newUserCode()
		canon, _ := normalizeUserCode(userCode)
		d.UserCodeHash = s.hash(hashUserCode, canon)
		err = s.st.Tx(ctx, func(q store.Queries) error { return q.CreateDeviceAuthorization(ctx, d) })
		if !errors.Is(err, store.ErrDuplicate) || attempt == 4 {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("start device authorization: %w", err)
	}
	s.polls.start(d.DeviceCodeHash, c.ClientID, now, d.ExpiresAt)
	verify := s.publicURL + "/device"
	return &DeviceAuthorization{
		DeviceCode:              deviceCode,
		UserCode:                userCode,
		VerificationURI:         verify,
		VerificationURIComplete: verify + "?user_code=" + url.QueryEscape(userCode),
		ExpiresIn:               DeviceCodeLifetime,
		Interval:                PollInterval,
	}, nil
}

// validStartURL reports whether u can be a start URL: an absolute http(s)
// URL without userinfo. Unlike a redirect URI it may carry a fragment: the
// portal's address bar shows ".../start/#/", and people paste that into
// sso_start_url.
func validStartURL(u string) bool {
	if len(u) > maxURLLength {
		return false
	}
	p, err := url.Parse(u)
	return err == nil && (p.Scheme == "https" || p.Scheme == "http") && p.Host != "" && p.User == nil
}

// sameStartURL reports whether two start URLs name the same page: scheme
// and host compared without case, the scheme's default port and a fully
// qualified host's final dot dropped, a trailing slash of the path
// ignored, and so are the query and the fragment.
func sameStartURL(a, b string) bool {
	pa, err1 := url.Parse(a)
	pb, err2 := url.Parse(b)
	if err1 != nil || err2 != nil {
		return false
	}
	return strings.EqualFold(pa.Scheme, pb.Scheme) && origin(pa) == origin(pb) &&
		strings.TrimSuffix(pa.Path, "/") == strings.TrimSuffix(pb.Path, "/")
}

// origin is u's host and port, normalised for comparison.
func origin(u *url.URL) string {
	host, port := strings.TrimSuffix(strings.ToLower(u.Hostname()), "."), u.Port()
	switch {
	case port == "80" && strings.EqualFold(u.Scheme, "http"), port == "443" && strings.EqualFold(u.Scheme, "https"):
		port = ""
	}
	return net.JoinHostPort(host, port)
}

// deviceNotFound is the one answer for a user code that is unknown,
// expired, already decided or malformed (SECURITY.md DF-04: no oracle).
func deviceNotFound() *idc.Error {
	return idc.NotFound("DEVICE", "", "The code is invalid or has expired.")
}

// DeviceByUserCode describes the pending device authorization a user typed
// the code of, for the consent page of a viewer at viewerIP (the address
// the page was requested from; "" if unknown): KindNotFound if it is
// unknown, expired or already decided, KindThrottled when too many lookups
// have failed lately (RFC 8628 §5.1; the budget is per replica:
// GuessBudget).
func (s *Service) DeviceByUserCode(ctx context.Context, userCode, viewerIP string) (*idc.DevicePrompt, error) {
	if err := s.checkDeviceGrant(ctx); err != nil {
		return nil, err
	}
	now := s.now()
	d, err := s.pendingByUserCode(ctx, userCode, now)
	if err != nil {
		return nil, err
	}
	c, err := s.client(ctx, d.ClientID)
	if err != nil {
		return nil, fmt.Errorf("find client: %w", err)
	}
	canon, _ := normalizeUserCode(userCode)
	same, known := sameNetwork(d.OriginIP, viewerIP)
	return &idc.DevicePrompt{
		UserCode:     displayUserCode(canon),
		ClientID:     c.ClientID,
		ClientName:   c.Name,
		Scopes:       c.Scopes,
		OriginIP:     d.OriginIP,
		OtherNetwork: known && !same,
		CreatedAt:    d.CreatedAt,
		ExpiresAt:    d.ExpiresAt,
	}, nil
}

// GuessBudget describes the limit on failed user-code lookups: a burst of
// GuessBurst, refilled at GuessRate per second, per replica. Over a code's
// 10 minutes that is at most 60 + 1200 guesses, so the chance of guessing a
// given live code is below 1260 / 20^8 ≈ 5·10⁻⁸ per replica; the web pages
// add per-session and per-user caps.
const (
	GuessRate  = 2
	GuessBurst = 60
)

func (s *Service) pendingByUserCode(ctx context.Context, userCode string, now time.Time) (*store.OAuthDeviceAuthorization, error) {
	canon, ok := normalizeUserCode(userCode)
	if !ok {
		return nil, s.guessFailed(now)
	}
	d, err := s.st.GetDeviceAuthorizationByUserCode(ctx, s.hash(hashUserCode, canon))
	if errors.Is(err, store.ErrNotFound) {
		return nil, s.guessFailed(now)
	}
	if err != nil {
		return nil, fmt.Errorf("find device authorization: %w", err)
	}
	if d.Status != store.DevicePending || !now.Before(d.ExpiresAt) {
		return nil, s.guessFailed(now)
	}
	return d, nil
}

// guessFailed spends one failed-lookup token and returns the error to show.
func (s *Service) guessFailed(now time.Time) error {
	if !s.guessLimit.Allow("") {
		return &idc.Error{Kind: idc.KindThrottled, Msg: "Too many invalid codes were entered. Wait a minute and try again."}
	}
	return deviceNotFound()
}

// ApproveDevice approves the pending device authorization with userCode on
// behalf of the signed-in session s, from approverIP (the address of the
// approving request; "" if unknown): KindNotFound if it is unknown,
// expired or already decided (of concurrent approvals exactly one
// succeeds), KindUnauthenticated if s is not active, KindDenied if the
// device grant is turned off. While an administrator requires the same
// network (SECURITY.md DF-13) and approverIP is known to be on another
// network than the authorization's origin, the approval is recorded as a
// denial by s, as DenyDevice would, so the device's next poll gets
// AccessDenied, and the error is idc.ErrDeviceOtherNetwork.
func (s *Service) ApproveDevice(ctx context.Context, userCode string, sess *idc.Session, approverIP string) error {
	return s.decideDevice(ctx, userCode, sess, store.DeviceApproved, approverIP)
}

// DenyDevice denies the pending device authorization with userCode, so
// that the device's next poll gets AccessDenied. Errors as ApproveDevice.
func (s *Service) DenyDevice(ctx context.Context, userCode string, sess *idc.Session) error {
	return s.decideDevice(ctx, userCode, sess, store.DeviceDenied, "")
}

func (s *Service) decideDevice(ctx context.Context, userCode string, sess *idc.Session, status, approverIP string) error {
	now := s.now()
	if sess == nil || !sess.Active(now) {
		return &idc.Error{Kind: idc.KindUnauthenticated, Msg: "Sign in again."}
	}
	if status == store.DeviceApproved {
		if err := s.checkDeviceGrant(ctx); err != nil {
			return err
		}
	}
	canon, ok := normalizeUserCode(userCode)
	if !ok {
		return deviceNotFound()
	}
	hash := s.hash(hashUserCode, canon)
	required := false
	if status == store.DeviceApproved {
		var err error
		if required, err = s.sameNetworkRequired(ctx); err != nil {
			return err
		}
	}
	refused := false
	var d *store.OAuthDeviceAuthorization
	err := s.st.Tx(ctx, func(q store.Queries) error {
		decision := status
		refused = false
		if required {
			// The origin is read in the transaction that decides, so an
			// authorization this read cannot find is not found for the
			// decision either: nothing fails open. An unknown origin or
			// approver address (see sameNetwork) refuses nothing.
			cur, err := q.GetDeviceAuthorizationByUserCode(ctx, hash)
			if err != nil {
				return err
			}
			if same, known := sameNetwork(cur.OriginIP, approverIP); known && !same {
				refused, decision = true, store.DeviceDenied
			}
		}
		var err error
		d, err = q.DecideDeviceAuthorization(ctx, hash, decision, sess.ID, sess.IdentityStoreID, sess.UserID, now)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return deviceNotFound()
	}
	if err != nil {
		return fmt.Errorf("decide device authorization: %w", err)
	}
	s.polls.decided(d.DeviceCodeHash)
	if refused {
		return &idc.Error{Kind: idc.KindDenied, Reason: idc.ErrDeviceOtherNetwork.Reason,
			Msg: "This request was refused because it was started on another network than the one you are using now. Your administrator requires devices to be approved from the network they sign in from."}
	}
	return nil
}

// sameNetworkRequired reports whether an administrator requires device
// authorizations to be approved from the network they were started from
// (SECURITY.md DF-13).
func (s *Service) sameNetworkRequired(ctx context.Context) (bool, error) {
	if s.devicePolicy == nil || s.portalStore == "" {
		return false, nil
	}
	required, err := s.devicePolicy.DeviceSameNetworkRequired(ctx, s.portalStore)
	if err != nil {
		return false, fmt.Errorf("device network policy: %w", err)
	}
	return required, nil
}

// pollState is this replica's memory of a device code's polls (RFC 8628
// §3.5): when it was last polled and the interval it is held to.
type pollState struct {
	clientID string
	last     time.Time
	interval time.Duration
	polls    int
	expires  time.Time
	// pendingUntil is how long this replica answers polls from memory:
	// until then it trusts that the code is still pending, without reading
	// the store (an approval on this replica forgets the state at once; one
	// on another replica is seen within PendingCacheTTL). A store that is
	// its database's only writer has no other replica, so there the state
	// is trusted until the code expires (see pollTable.trust).
	pendingUntil time.Time
}

// pollTable holds poll states. Polls of a pending code write nothing
// durable; see the package documentation for replicas.
type pollTable struct {
	mu sync.Mutex
	m  map[string]*pollState
	// alone says every decision goes through this process (the store's
	// LocalCommits reports it the only writer), so a code known pending
	// stays pending until this process decides it or it expires.
	alone bool
}

// trust returns until when a code seen pending at now may be answered
// from memory.
func (p *pollTable) trust(now, expires time.Time) time.Time {
	if p.alone {
		return expires
	}
	return now.Add(PendingCacheTTL)
}

// maxPollStates bounds the table; expired states are swept beyond it.
const maxPollStates = 200000

func (p *pollTable) start(hash, clientID string, now, expires time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sweepLocked(now)
	p.m[hash] = &pollState{clientID: clientID, interval: PollInterval, expires: expires, pendingUntil: p.trust(now, expires)}
}

func (p *pollTable) sweepLocked(now time.Time) {
	if len(p.m) < maxPollStates {
		return
	}
	for k, st := range p.m {
		if now.After(st.expires) {
			delete(p.m, k)
		}
	}
	if len(p.m) >= maxPollStates {
		clear(p.m)
	}
}

// decided forgets the poll state of a code that is no longer pending.
func (p *pollTable) decided(hash string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.m, hash)
}

// freePolls is how many first polls of a code are never too early (see
// timed).
const freePolls = 2

// pollSlack tolerates network jitter: a poll may arrive this fraction of
// the interval early.
const pollSlack = 0.2

// poll notes that the store just said a code is pending, at now, and, if
// timing is set, records the poll and reports whether it came too early
// (see timed).
func (p *pollTable) poll(hash, clientID string, now, expires time.Time, timing bool) (tooFast bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	st := p.m[hash]
	if st == nil || st.clientID != clientID {
		p.sweepLocked(now)
		st = &pollState{clientID: clientID, interval: PollInterval, expires: expires}
		p.m[hash] = st
	}
	st.pendingUntil = p.trust(now, expires)
	return timing && st.timed(now)
}

// pollRule is pollState.timed's rule, for the database to apply while
// replicas share poll timing.
var pollRule = store.PollRule{Interval: PollInterval, Step: SlowDownStep, Slack: pollSlack, Free: freePolls}

// pollsShared reports whether polls are timed by the database rather than
// in memory: while other replicas share the database (SECURITY.md MR-01).
// A client that sends its polls round-robin to N replicas would otherwise
// get N times the allowed rate, each replica seeing every N-th poll. The
// database then holds one interval per code (an UNLOGGED row, one round
// trip and no WAL flush per poll); a lone replica keeps it in memory and
// writes nothing per poll. When peers come or go, a code's timing starts
// afresh on the other side (two free polls at most).
func (s *Service) pollsShared() bool { return s.sharedPolls != nil && s.peers.HasPeers() }

// sharedPoll records a poll of a pending code in the database and returns
// the answer to it.
func (s *Service) sharedPoll(ctx context.Context, hash string, expires time.Time) error {
	tooFast, err := s.sharedPolls.PollDevice(ctx, hash, expires, pollRule)
	if err != nil {
		return fmt.Errorf("time device poll: %w", err)
	}
	return pendingError(tooFast)
}

// pending answers a poll from memory when this replica knows the code of
// clientID to be pending (see pollState.pendingUntil): known reports
// whether it did, expires when the code expires and, if timing is set,
// tooFast whether the poll came too early (without timing the poll is not
// recorded here: the database times it; see Service.pollsShared).
func (p *pollTable) pending(hash, clientID string, now time.Time, timing bool) (known bool, expires time.Time, tooFast bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	st := p.m[hash]
	if st == nil || st.clientID != clientID || !now.Before(st.pendingUntil) || !now.Before(st.expires) {
		return false, time.Time{}, false
	}
	return true, st.expires, timing && st.timed(now)
}

// timed records a poll at now and reports whether it came too early.
// botocore polls once right after StartDeviceAuthorization and again right
// after showing the code, so the first two polls are free; after that a
// poll earlier than the interval (less the slack) is refused and the
// interval grows by SlowDownStep "for this and all subsequent requests"
// (RFC 8628 §3.5).
func (st *pollState) timed(now time.Time) bool {
	st.polls++
	if st.polls > freePolls && now.Sub(st.last) < time.Duration(float64(st.interval)*(1-pollSlack)) {
		st.interval += SlowDownStep
		st.last = now
		return true
	}
	st.last = now
	return false
}

// redeemDevice is the device_code grant (RFC 8628 §3.4–3.5).
func (s *Service) redeemDevice(ctx context.Context, c *store.OAuthClient, deviceCode string, scopes []string) (*Token, error) {
	if deviceCode == "" || len(deviceCode) > 256 {
		return nil, fail(CodeInvalidRequest, "deviceCode is required for the device code grant")
	}
	if err := checkScopes(scopes, c.Scopes); err != nil {
		return nil, err
	}
	if off, err := s.deviceGrantOff(ctx); err != nil {
		return nil, err
	} else if off {
		return nil, fail(CodeUnauthorizedClient, msgDeviceGrantOff)
	}
	now := s.now()
	hash := s.hash(hashDeviceCode, deviceCode)
	shared := s.pollsShared()
	if known, expires, tooFast := s.polls.pending(hash, c.ClientID, now, !shared); known {
		if shared {
			return nil, s.sharedPoll(ctx, hash, expires)
		}
		return nil, pendingError(tooFast)
	}
	d, err := s.st.GetDeviceAuthorization(ctx, hash)
	if errors.Is(err, store.ErrNotFound) {
		return nil, invalidGrant()
	}
	if err != nil {
		return nil, fmt.Errorf("find device authorization: %w", err)
	}
	if d.ClientID != c.ClientID {
		// Another client's code (SECURITY.md DF-06): unchanged for its owner.
		return nil, invalidGrant()
	}
	switch {
	case d.Status == store.DeviceRedeemed:
		return nil, invalidGrant()
	case !now.Before(d.ExpiresAt):
		return nil, fail(CodeExpiredToken, "The device code has expired")
	case d.Status == store.DeviceDenied:
		return nil, fail(CodeAccessDenied, "The user denied the authorization request")
	case d.Status == store.DevicePending:
		tooFast := s.polls.poll(hash, c.ClientID, now, d.ExpiresAt, !shared)
		if shared {
			return nil, s.sharedPoll(ctx, hash, d.ExpiresAt)
		}
		return nil, pendingError(tooFast)
	}
	sess, err := s.activeSession(ctx, d.SessionID, now)
	if err != nil {
		return nil, err
	}
	if err := s.checkUser(sess, d.IdentityStoreID, d.UserID); err != nil {
		return nil, err
	}
	g, tok := s.newGrant(c, sess, c.Scopes, store.GrantFromDeviceCode, now)
	err = s.st.Tx(ctx, func(q store.Queries) error {
		s.failpointAt(FailpointBeforeConsume)
		if err := q.RedeemDeviceAuthorization(ctx, hash, c.ClientID, g.GrantID, now); err != nil {
			return err
		}
		if err := q.CreateOAuthGrant(ctx, g); err != nil {
			return err
		}
		s.failpointAt(FailpointAfterGrantInsert)
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		// Another poll redeemed it first.
		return nil, invalidGrant()
	}
	if err != nil {
		return nil, fmt.Errorf("redeem device code: %w", err)
	}
	s.polls.decided(hash)
	s.failpointAt(FailpointBeforeResponse)
	return tok, nil
}

// msgDeviceGrantOff answers device-grant requests while an administrator
// has turned the grant off.
const msgDeviceGrantOff = "The device code grant is turned off for this instance"

// DeviceGrantPolicyTTL is how long a replica trusts what it last read of
// the device-grant setting: a change applies within it everywhere.
const DeviceGrantPolicyTTL = time.Second

// deviceGrantOff reports whether an administrator has turned the device
// grant off (SECURITY.md DF-14). It reads the setting at most once per
// DeviceGrantPolicyTTL: polls are answered from memory, and must stay so.
func (s *Service) deviceGrantOff(ctx context.Context) (bool, error) {
	if s.devicePolicy == nil || s.portalStore == "" {
		return false, nil
	}
	now := s.now()
	c := &s.deviceOff
	c.Lock()
	if now.Before(c.until) {
		off := c.off
		c.Unlock()
		return off, nil
	}
	c.Unlock()
	ok, err := s.devicePolicy.DeviceGrantAllowed(ctx, s.portalStore)
	if err != nil {
		return false, fmt.Errorf("device grant policy: %w", err)
	}
	c.Lock()
	c.off, c.until = !ok, now.Add(DeviceGrantPolicyTTL)
	c.Unlock()
	return !ok, nil
}

// checkDeviceGrant is deviceGrantOff for the verification pages: a denied
// error whose message the page can show.
func (s *Service) checkDeviceGrant(ctx context.Context) error {
	off, err := s.deviceGrantOff(ctx)
	if err != nil {
		return err
	}
	if off {
		return &idc.Error{Kind: idc.KindDenied, Msg: "Signing in a device with a code is turned off for this instance. Sign in on the device the way your administrator recommends (for the AWS CLI: aws sso login without --use-device-code)."}
	}
	return nil
}

func pendingError(tooFast bool) error {
	if tooFast {
		return fail(CodeSlowDown, "Client is polling too fast")
	}
	return fail(CodeAuthorizationPending, "Authorization is still pending")
}
