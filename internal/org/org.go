package org

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/store"
)

// Names given to the objects CreateOrganization creates.
const (
	RootName              = "Root"
	ManagementAccountName = "Management account"
)

// Page sizes of the list methods: organizations MaxResults is 1..20.
const (
	DefaultPageSize = 20
	MaxPageSize     = 20
)

// Service implements the organizations rules on a store. It is safe for
// concurrent use.
type Service struct {
	st                  store.Store
	managementAccountID string
	now                 func() time.Time
}

// New returns an organizations service. managementAccountID is the account
// that owns the idcenter instance (it becomes the organization's management
// account).
func New(st store.Store, managementAccountID string) *Service {
	return &Service{st: st, managementAccountID: managementAccountID, now: time.Now}
}

// timestamp returns the current time at the store's millisecond precision.
func (s *Service) timestamp() time.Time {
	return time.UnixMilli(s.now().UnixMilli()).UTC()
}

// List is one page of a listing together with the organization it belongs
// to (callers build ARNs from it).
type List[T any] struct {
	Org   *idc.Organization
	Items []T
	// Next is the cursor of the following page ("" on the last page): pass
	// it back as after.
	Next string
}

// pageSize clamps a requested page size.
func pageSize(n int) int {
	if n <= 0 || n > MaxPageSize {
		return DefaultPageSize
	}
	return n
}

// page asks the store for one row more than the page holds, to learn
// whether another page follows.
func page(after string, limit int) store.Page {
	return store.Page{After: after, Limit: pageSize(limit) + 1}
}

// finish trims a lookahead result to the page size and sets Next.
func finish[T any](o *idc.Organization, items []T, limit int, key func(T) string) List[T] {
	n := pageSize(limit)
	l := List[T]{Org: o, Items: items}
	if len(items) > n {
		l.Items = items[:n]
		l.Next = key(l.Items[n-1])
	}
	if l.Items == nil {
		l.Items = []T{}
	}
	return l
}

// organization returns the organization, or ReasonNotInUse.
func organization(ctx context.Context, q store.Queries) (*idc.Organization, error) {
	o, err := q.GetOrganization(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNotInUse()
	}
	if err != nil {
		return nil, fmt.Errorf("get organization: %w", err)
	}
	return o, nil
}

// root returns the organization's root.
func root(ctx context.Context, q store.Queries) (*idc.OrgUnit, error) {
	roots, err := q.ListRoots(ctx, store.Page{Limit: 1})
	if err != nil {
		return nil, fmt.Errorf("get root: %w", err)
	}
	if len(roots) == 0 {
		return nil, errors.New("organization has no root")
	}
	return roots[0], nil
}

// CreateOrganization creates the organization with featureSet
// (idc.FeatureSetAll when ""), its root and its management account.
// ReasonAlreadyInOrganization if one exists.
func (s *Service) CreateOrganization(ctx context.Context, featureSet string) (*idc.Organization, error) {
	if featureSet == "" {
		featureSet = idc.FeatureSetAll
	}
	if featureSet != idc.FeatureSetAll && featureSet != idc.FeatureSetConsolidatedBilling {
		return nil, newErr(idc.KindInvalid, ReasonInvalidEnum, "You specified an invalid value for FeatureSet.")
	}
	now := s.timestamp()
	o := &idc.Organization{ID: idc.NewOrganizationID(), ManagementAccountID: s.managementAccountID, FeatureSet: featureSet, CreatedAt: now}
	rootID := idc.NewRootID()
	r := &idc.OrgUnit{ID: rootID, OrganizationID: o.ID, Name: RootName, Path: o.ID + "/" + rootID + "/", CreatedAt: now}
	mgmt := &idc.Account{
		ID: s.managementAccountID, OrganizationID: o.ID, ParentID: rootID,
		Email: idc.PlaceholderAccountEmail(s.managementAccountID), Name: ManagementAccountName,
		Status: idc.AccountActive, JoinedMethod: idc.JoinedCreated, JoinedAt: now,
	}
	already := func() error {
		return newErr(idc.KindConflict, ReasonAlreadyInOrganization, "This account is already a member of an organization.")
	}
	err := s.st.Tx(ctx, func(q store.Queries) error {
		if _, err := q.GetOrganization(ctx); err == nil {
			return already()
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if err := q.CreateOrganization(ctx, o); err != nil {
			if errors.Is(err, store.ErrDuplicate) {
				return already()
			}
			return err
		}
		if err := q.CreateOrgUnit(ctx, r); err != nil {
			return err
		}
		return q.CreateAccount(ctx, mgmt)
	})
	if err != nil {
		return nil, wrap("create organization", err)
	}
	o.ManagementAccountEmail = mgmt.Email
	return o, nil
}

// DescribeOrganization returns the organization.
func (s *Service) DescribeOrganization(ctx context.Context) (*idc.Organization, error) {
	o, err := organization(ctx, s.st)
	return o, wrap("describe organization", err)
}

// DeleteOrganization deletes the organization with its root, OUs, tags,
// create-account statuses and handshakes. ReasonOrganizationNotEmpty while
// it has member accounts besides the management account.
func (s *Service) DeleteOrganization(ctx context.Context) error {
	err := s.st.Tx(ctx, func(q store.Queries) error {
		o, err := organization(ctx, q)
		if err != nil {
			return err
		}
		accts, err := q.ListAccounts(ctx, store.Page{Limit: 2})
		if err != nil {
			return err
		}
		for _, a := range accts {
			if a.ID != o.ManagementAccountID {
				return newErr(idc.KindConflict, ReasonOrganizationNotEmpty,
					"To delete an organization you must first remove all member accounts (except the management account).")
			}
		}
		return q.DeleteOrganization(ctx, o.ID)
	})
	return wrap("delete organization", err)
}

// ListRoots returns the organization's roots (there is one).
func (s *Service) ListRoots(ctx context.Context, after string, limit int) (List[*idc.OrgUnit], error) {
	o, err := organization(ctx, s.st)
	if err != nil {
		return List[*idc.OrgUnit]{}, err
	}
	roots, err := s.st.ListRoots(ctx, page(after, limit))
	if err != nil {
		return List[*idc.OrgUnit]{}, fmt.Errorf("list roots: %w", err)
	}
	return finish(o, roots, limit, unitKey), nil
}

func unitKey(u *idc.OrgUnit) string               { return u.ID }
func accountKey(a *idc.Account) string            { return a.ID }
func tagKey(t idc.Tag) string                     { return t.Key }
func handshakeKey(h *idc.Handshake) string        { return h.ID }
func statusKey(c *idc.CreateAccountStatus) string { return c.ID }

// wrap adds context to internal errors and passes *idc.Error through
// unchanged (their messages are for clients).
func wrap(what string, err error) error {
	if err == nil {
		return nil
	}
	var e *idc.Error
	if errors.As(err, &e) {
		return err
	}
	return fmt.Errorf("%s: %w", what, err)
}
