// Package directory owns the users, groups and group memberships of identity
// stores, with the semantics of AWS IAM Identity Center's identitystore API
// (https://docs.aws.amazon.com/singlesignon/latest/IdentityStoreAPIReference/):
// which attributes are required, reserved names, uniqueness rules, quotas,
// attribute operations for updates, alternate identifiers and pagination.
//
// Every method returns *idc.Error values for the caller's mistakes: KindInvalid
// (ValidationException), KindNotFound with Resource set to one of the
// Resource* constants and ID to the missing id, KindConflict with Reason
// ReasonUniqueness, and KindQuotaExceeded. Other errors are internal.
//
// directory imports idc and store only; it knows nothing of HTTP or of the
// wire format, so the identitystore API, SCIM and the web console can share it.
package directory

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/store"
)

// Resource types of not-found errors (Error.Resource); they are the values of
// the identitystore ResourceType enumeration.
const (
	ResourceIdentityStore = "IDENTITY_STORE"
	ResourceUser          = "USER"
	ResourceGroup         = "GROUP"
	ResourceMembership    = "GROUP_MEMBERSHIP"
)

// ReasonUniqueness is the Reason of conflict errors caused by a uniqueness
// rule (identitystore ConflictExceptionReason UNIQUENESS_CONSTRAINT_VIOLATION).
const ReasonUniqueness = "UNIQUENESS_CONSTRAINT_VIOLATION"

// Default quotas per identity store, from the IAM Identity Center quotas
// (https://docs.aws.amazon.com/singlesignon/latest/userguide/limits.html).
const (
	DefaultMaxUsers  = 100_000
	DefaultMaxGroups = 100_000
)

// Page sizes of the list methods: identitystore MaxResults is 1..100.
const (
	DefaultPageSize = 100
	MaxPageSize     = 100
)

// defaultStoreTTL is how long an identity store id that was found is trusted
// without asking the store again.
const defaultStoreTTL = 5 * time.Second

// maxKnownStores bounds the cache of identity store ids.
const maxKnownStores = 1024

// Service implements the directory rules on a store. It is safe for
// concurrent use.
type Service struct {
	st        store.Store
	now       func() time.Time
	maxUsers  int64
	maxGroups int64
	storeTTL  time.Duration

	mu    sync.Mutex
	known map[string]time.Time // identity store id -> when it was last found
}

// Option adjusts New.
type Option func(*Service)

// WithClock sets the clock used for CreatedAt/UpdatedAt and the cache.
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// WithLimits sets the per-identity-store quotas of users and groups
// (defaults DefaultMaxUsers and DefaultMaxGroups).
func WithLimits(maxUsers, maxGroups int64) Option {
	return func(s *Service) { s.maxUsers, s.maxGroups = maxUsers, maxGroups }
}

// WithStoreCacheTTL sets how long a found identity store id is trusted
// without a query (default 5s; 0 disables the cache). Writes never depend on
// it: the database refuses rows for an identity store that does not exist.
func WithStoreCacheTTL(d time.Duration) Option { return func(s *Service) { s.storeTTL = d } }

// New returns a directory service on st.
func New(st store.Store, opts ...Option) *Service {
	s := &Service{
		st:        st,
		now:       time.Now,
		maxUsers:  DefaultMaxUsers,
		maxGroups: DefaultMaxGroups,
		storeTTL:  defaultStoreTTL,
		known:     map[string]time.Time{},
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Page asks for one page of a list: up to Limit items (0: DefaultPageSize;
// at most MaxPageSize) after the opaque cursor After ("" = first page) that
// a previous call returned.
type Page struct {
	After string
	Limit int
}

func (p Page) size() int {
	switch {
	case p.Limit <= 0:
		return DefaultPageSize
	case p.Limit > MaxPageSize:
		return MaxPageSize
	}
	return p.Limit
}

// timestamp returns the current time at the store's (millisecond) precision,
// so that what a create returns equals what a later read returns.
func (s *Service) timestamp() time.Time {
	return time.UnixMilli(s.now().UnixMilli()).UTC()
}

// CheckIdentityStore returns a not-found error (Resource
// ResourceIdentityStore) unless identityStoreID names an existing identity
// store. Found ids are cached briefly.
func (s *Service) CheckIdentityStore(ctx context.Context, identityStoreID string) error {
	now := s.now()
	if s.storeTTL > 0 {
		s.mu.Lock()
		t, ok := s.known[identityStoreID]
		s.mu.Unlock()
		if ok && now.Sub(t) < s.storeTTL {
			return nil
		}
	}
	if _, err := s.st.GetInstanceByIdentityStore(ctx, identityStoreID); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			s.forgetStore(identityStoreID)
			return identityStoreNotFound(identityStoreID)
		}
		return err
	}
	if s.storeTTL > 0 {
		s.mu.Lock()
		if len(s.known) >= maxKnownStores {
			clear(s.known)
		}
		s.known[identityStoreID] = now
		s.mu.Unlock()
	}
	return nil
}

func (s *Service) forgetStore(identityStoreID string) {
	s.mu.Lock()
	delete(s.known, identityStoreID)
	s.mu.Unlock()
}

func identityStoreNotFound(id string) *idc.Error {
	return idc.NotFound(ResourceIdentityStore, id, "Identity store %s does not exist.", id)
}

func userNotFound(id string) *idc.Error {
	return idc.NotFound(ResourceUser, id, "User %s does not exist.", id)
}

func groupNotFound(id string) *idc.Error {
	return idc.NotFound(ResourceGroup, id, "Group %s does not exist.", id)
}

func membershipNotFound(id string) *idc.Error {
	return idc.NotFound(ResourceMembership, id, "Group membership %s does not exist.", id)
}

func conflict(format string, args ...any) *idc.Error {
	return idc.Conflictf(format, args...).WithReason(ReasonUniqueness)
}

// writeErr translates the store errors of a create or update in identity
// store id; dup is the conflict to report for store.ErrDuplicate.
func (s *Service) writeErr(err error, identityStoreID string, dup *idc.Error, quota string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrDuplicate):
		return dup
	case errors.Is(err, store.ErrReferenced):
		// The cache said the store exists but the database disagrees.
		s.forgetStore(identityStoreID)
		return identityStoreNotFound(identityStoreID)
	case errors.Is(err, store.ErrLimitExceeded):
		return idc.QuotaExceededf("%s", quota)
	}
	return err
}
