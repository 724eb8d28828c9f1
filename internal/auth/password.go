package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/idcenter/idcenter/internal/argon2id"
	"github.com/idcenter/idcenter/internal/idc"
)

// Password length rules: at least 8 characters (ASVS 6.2.1; NIST 800-63B
// for a password that is one factor of two) and at most 256 bytes, so
// hashing cost stays bounded. No composition rules (NIST 800-63B §3.1.1.2).
const (
	MinPasswordRunes = 8
	MaxPasswordBytes = 256
)

// Argon2Params are argon2id parameters (RFC 9106).
type Argon2Params struct {
	// Memory in KiB, Time (passes) and Threads (lanes).
	Memory  uint32
	Time    uint32
	Threads uint8
}

// DefaultArgon2 is OWASP's argon2id configuration m=19 MiB, t=2, p=1: about
// 35 ms on one core of the 2-core machines idcenter is sized for. Hashes
// carry their parameters, so changing these only affects new hashes.
var DefaultArgon2 = Argon2Params{Memory: 19 * 1024, Time: 2, Threads: 1}

// Bounds on the parameters of a stored hash, so a corrupted row cannot make
// one verification take unbounded memory or time.
const (
	maxArgonMemory  = 256 * 1024
	maxArgonTime    = 16
	maxArgonThreads = 8
)

const (
	saltLen = 16
	keyLen  = 32
)

// CheckPassword reports whether a new password follows the rules; the
// error is KindInvalid with a message a user can act on.
func CheckPassword(pw string) error {
	switch {
	case !utf8.ValidString(pw):
		return idc.Invalidf("The password must be valid UTF-8 text.")
	case len(pw) > MaxPasswordBytes:
		return idc.Invalidf("The password must be at most %d bytes long.", MaxPasswordBytes)
	case utf8.RuneCountInString(pw) < MinPasswordRunes:
		return idc.Invalidf("The password must be at least %d characters long.", MinPasswordRunes)
	}
	return nil
}

// hasher computes argon2id hashes within two bounds. Memory: at most slots
// hashes run at once and at most queue callers wait; beyond that a caller
// is refused at once (ErrBusy) instead of piling up memory (SECURITY.md
// LR-04). CPU: with a budget (see hashBudget), hashing uses at most a set
// share of one CPU on average, so a storm of sign-ins cannot starve token
// and API traffic; a caller that would wait longer than the budget's bound
// is refused (ErrBusy) too.
type hasher struct {
	params  Argon2Params
	sem     chan struct{}
	queue   int64
	waiting atomic.Int64
	budget  *hashBudget // nil: bounded by slots only

	dummyOnce sync.Once
	dummy     string
}

func newHasher(p Argon2Params, slots, queue int) *hasher {
	return &hasher{params: p, sem: make(chan struct{}, max(1, slots)), queue: int64(max(0, queue))}
}

// busy is the refusal of a hash beyond the bounds.
func busy() error {
	return authError(ErrBusy, "too many sign-ins are in progress; try again in a moment")
}

// ticket is a granted hash: its budget booking and what it cost.
type ticket struct {
	booked time.Duration
	cost   time.Duration
}

// acquire waits for the budget and then for a hashing slot; release the
// ticket with h.release once the hash is done.
func (h *hasher) acquire(ctx context.Context) (ticket, error) {
	if h.waiting.Add(1) > h.queue+int64(cap(h.sem)) {
		h.waiting.Add(-1)
		return ticket{}, busy()
	}
	var t ticket
	if h.budget != nil {
		wait, booked, ok := h.budget.reserve()
		if !ok {
			h.waiting.Add(-1)
			return ticket{}, busy()
		}
		t.booked = booked
		if err := sleep(ctx, wait); err != nil {
			h.abandon(t)
			return ticket{}, err
		}
	}
	select {
	case h.sem <- struct{}{}:
		return t, nil
	case <-ctx.Done():
		h.abandon(t)
		return ticket{}, ctx.Err()
	}
}

// abandon undoes acquire for a caller that gave up while waiting.
func (h *hasher) abandon(t ticket) {
	if h.budget != nil {
		h.budget.cancel(t.booked)
	}
	h.waiting.Add(-1)
}

// release frees the slot of t and charges the hash's cost to the budget.
func (h *hasher) release(t *ticket) {
	<-h.sem
	h.waiting.Add(-1)
	if h.budget != nil {
		h.budget.settle(t.booked, t.cost)
	}
}

// key computes an argon2id tag on the hashing threads (see hashPool) and
// adds its CPU time to t's cost.
func (t *ticket) key(pw, salt []byte, p Argon2Params, keyLen uint32) ([]byte, error) {
	key, cost, err := hashThreads().key(pw, salt, p, keyLen)
	t.cost += cost
	return key, err
}

// sleep waits for d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Hash returns the PHC string of pw: $argon2id$v=19$m=…,t=…,p=…$salt$hash.
func (h *hasher) Hash(ctx context.Context, pw string) (string, error) {
	t, err := h.acquire(ctx)
	if err != nil {
		return "", err
	}
	defer h.release(&t)
	return hashWith(&t, h.params, pw)
}

func hashWith(t *ticket, p Argon2Params, pw string) (string, error) {
	salt := make([]byte, saltLen)
	rand.Read(salt)
	key, err := t.key([]byte(pw), salt, p, keyLen)
	if err != nil {
		return "", fmt.Errorf("auth: argon2id %+v: %w", p, err)
	}
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2id.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// Verify reports whether pw matches the PHC string encoded. An empty or
// malformed encoded value is checked against a dummy hash instead, so the
// time taken does not tell whether a user has a password (ASVS 6.3.8).
func (h *hasher) Verify(ctx context.Context, encoded, pw string) (bool, error) {
	t, err := h.acquire(ctx)
	if err != nil {
		return false, err
	}
	defer h.release(&t)
	p, salt, want, err := parsePHC(encoded)
	known := err == nil
	if !known {
		var derr error
		h.dummyOnce.Do(func() { h.dummy, derr = hashWith(&t, h.params, "idcenter dummy password") })
		if derr != nil {
			return false, derr
		}
		p, salt, want, _ = parsePHC(h.dummy)
	}
	got, err := t.key([]byte(pw), salt, p, uint32(len(want)))
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare(got, want) == 1 && known, nil
}

var errBadHash = errors.New("malformed argon2id hash")

// parsePHC decodes an argon2id PHC string within the parameter bounds.
func parsePHC(s string) (Argon2Params, []byte, []byte, error) {
	var p Argon2Params
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != "v="+strconv.Itoa(argon2id.Version) {
		return p, nil, nil, errBadHash
	}
	for _, kv := range strings.Split(parts[3], ",") {
		k, v, ok := strings.Cut(kv, "=")
		n, err := strconv.ParseUint(v, 10, 32)
		if !ok || err != nil {
			return p, nil, nil, errBadHash
		}
		switch k {
		case "m":
			p.Memory = uint32(n)
		case "t":
			p.Time = uint32(n)
		case "p":
			if n > maxArgonThreads {
				return p, nil, nil, errBadHash
			}
			p.Threads = uint8(n)
		default:
			return p, nil, nil, errBadHash
		}
	}
	if p.Memory < 8*uint32(p.Threads) || p.Memory > maxArgonMemory || p.Time < 1 || p.Time > maxArgonTime || p.Threads < 1 {
		return p, nil, nil, errBadHash
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	key, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(salt) < 8 || len(key) < 16 || len(key) > 64 {
		return p, nil, nil, errBadHash
	}
	return p, salt, key, nil
}
