// Package access owns "who may act as what in which account": IAM Identity
// Center instances and their settings, permission sets and their policies,
// account assignments, provisioning, and the entitlements that the portal,
// the web console and credential issuance read. It follows the sso-admin
// API (2020-07-20) semantics
// (https://docs.aws.amazon.com/singlesignon/latest/APIReference/).
//
// Asynchronous operations (CreateAccountAssignment, DeleteAccountAssignment,
// ProvisionPermissionSet) do their work in the transaction that records the
// request, so the status API shows the outcome (SUCCEEDED or FAILED with
// AWS's failure reason) as soon as the request returns; the request itself
// answers IN_PROGRESS as AWS does.
//
// Entitlements and MayUse answer from an in-process index that applies the
// store's change feed before every answer (index.go), so a removed
// membership or assignment is gone at once on every replica sharing the
// database.
//
// Every method returns *idc.Error values for the caller's mistakes
// (KindInvalid, KindNotFound, KindConflict, KindQuotaExceeded); other
// errors are internal. access imports idc, store and policy, never
// net/http or a protocol package.
package access

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/store"
)

// Quotas, from the IAM Identity Center quotas
// (https://docs.aws.amazon.com/singlesignon/latest/userguide/limits.html).
const (
	MaxPermissionSets            = 2000 // per instance
	MaxManagedPolicies           = 20   // AWS managed policies per permission set
	MaxCustomerManagedPolicies   = 20   // customer managed policy references per permission set
	MaxTags                      = 50   // per resource
	MaxInstances                 = 100  // per installation (idcenter's own limit)
	MaxAccessControlAttributes   = 50   // per instance (the model's list maximum)
	DefaultSessionDuration       = "PT1H"
	MinSessionDuration           = time.Hour
	MaxSessionDuration           = 12 * time.Hour
	DefaultPageSize              = 100
	MaxPageSize                  = 100
	bootstrapInstanceUndeletable = "The instance that idcenter was set up with cannot be deleted."
)

// Service implements the access rules on a store. It is safe for concurrent
// use.
type Service struct {
	st          store.Store
	now         func() time.Time
	bootstrap   string   // ARN of the instance that cannot be deleted
	stores      sync.Map // instance ARN -> identity store id (never changes)
	psInstances sync.Map // permission set ARN -> instance ARN (never changes)
	idx         *index
}

// Option adjusts New.
type Option func(*Service)

// WithClock sets the clock (default time.Now).
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// WithBootstrapInstance names the instance idcenter was set up with: it
// cannot be deleted, and instances created later get its owner account.
func WithBootstrapInstance(arn string) Option { return func(s *Service) { s.bootstrap = arn } }

// New returns an access service on st.
func New(st store.Store, opts ...Option) *Service {
	s := &Service{st: st, now: time.Now}
	for _, o := range opts {
		o(s)
	}
	s.idx = newIndex(st, s.now)
	return s
}

// timestamp returns the current time at the store's millisecond precision.
func (s *Service) timestamp() time.Time {
	return time.UnixMilli(s.now().UnixMilli()).UTC()
}

// Page is one page of a list. Next is the cursor of the following page
// ("" on the last page): pass it back as after.
type Page[T any] struct {
	Items []T
	Next  string
}

// pageSize clamps a requested page size.
func pageSize(n int) int {
	if n <= 0 || n > MaxPageSize {
		return DefaultPageSize
	}
	return n
}

// list fetches one page with a one-row lookahead.
func list[T any](after string, limit int, fetch func(store.Page) ([]T, error), key func(T) string) (Page[T], error) {
	n := pageSize(limit)
	items, err := fetch(store.Page{After: after, Limit: n + 1})
	if err != nil {
		return Page[T]{}, err
	}
	p := Page[T]{Items: items}
	if len(items) > n {
		p.Items = items[:n]
		p.Next = key(p.Items[n-1])
	}
	if p.Items == nil {
		p.Items = []T{}
	}
	return p, nil
}

func errInstanceNotFound(arn string) error {
	return idc.NotFound("INSTANCE", arn, "Instance %s doesn't exist.", arn)
}

func errPermissionSetNotFound(arn string) error {
	return idc.NotFound("PERMISSION_SET", arn, "Could not find PermissionSet with PermissionSetArn %s.", arn)
}

// instance returns an instance by ARN, or a KindNotFound error.
func instance(ctx context.Context, q store.Queries, arn string) (*idc.Instance, error) {
	in, err := q.GetInstance(ctx, arn)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errInstanceNotFound(arn)
	}
	if err != nil {
		return nil, fmt.Errorf("get instance: %w", err)
	}
	return in, nil
}

// permissionSet returns a permission set of an instance, or KindNotFound
// when it does not exist or belongs to another instance. With lock, the row
// is locked for the rest of the transaction.
func permissionSet(ctx context.Context, q store.Queries, instanceARN, arn string, lock bool) (*idc.PermissionSet, error) {
	get := q.GetPermissionSet
	if lock {
		get = q.GetPermissionSetForUpdate
	}
	ps, err := get(ctx, arn)
	if errors.Is(err, store.ErrNotFound) || (err == nil && ps.InstanceARN != instanceARN) {
		if err == nil || idc.PermissionSetInstanceID(arn) == idc.InstanceID(instanceARN) {
			if _, ierr := instance(ctx, q, instanceARN); ierr != nil {
				return nil, ierr
			}
		}
		return nil, errPermissionSetNotFound(arn)
	}
	if err != nil {
		return nil, fmt.Errorf("get permission set: %w", err)
	}
	return ps, nil
}

// ListInstances returns up to limit instances ordered by ARN after the ARN
// after ("" = from the start).
func (s *Service) ListInstances(ctx context.Context, after string, limit int) ([]*idc.Instance, error) {
	return s.st.ListInstances(ctx, store.Page{After: after, Limit: limit})
}

// Instance returns an instance by ARN, or a KindNotFound error.
func (s *Service) Instance(ctx context.Context, arn string) (*idc.Instance, error) {
	return instance(ctx, s.st, arn)
}
