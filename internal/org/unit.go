package org

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/store"
)

// getParent returns the root or OU id, or a not-found error with reason.
func getParent(ctx context.Context, q store.Queries, reason, id string) (*idc.OrgUnit, error) {
	u, err := q.GetOrgUnit(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errParentNotFound(reason, id)
	}
	if err != nil {
		return nil, fmt.Errorf("get parent: %w", err)
	}
	return u, nil
}

// getOU returns an OU (not a root), or ReasonOUNotFound.
func getOU(ctx context.Context, q store.Queries, id string) (*idc.OrgUnit, error) {
	u, err := q.GetOrgUnit(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && u.IsRoot()) {
		return nil, errOUNotFound(id)
	}
	if err != nil {
		return nil, fmt.Errorf("get organizational unit: %w", err)
	}
	return u, nil
}

// rootIDOf returns the id of the root a unit belongs to, from its path
// ("o-…/r-…/…").
func rootIDOf(u *idc.OrgUnit) string {
	parts := strings.Split(u.Path, "/")
	if len(parts) < 2 {
		return u.ID
	}
	return parts[1]
}

// CreateOrganizationalUnit creates an OU with tags under a root or OU.
// ReasonParentNotFound; ReasonOUDepthLimit when the parent is already
// idc.MaxOUDepth deep; ReasonDuplicateOU when a sibling has the name.
func (s *Service) CreateOrganizationalUnit(ctx context.Context, parentID, name string, tags []idc.Tag) (*idc.Organization, *idc.OrgUnit, error) {
	if err := checkTags(tags); err != nil {
		return nil, nil, err
	}
	if len(tags) > idc.MaxTags {
		return nil, nil, errTagLimit()
	}
	var o *idc.Organization
	var u *idc.OrgUnit
	err := s.st.Tx(ctx, func(q store.Queries) error {
		var err error
		if o, err = organization(ctx, q); err != nil {
			return err
		}
		parent, err := getParent(ctx, q, ReasonParentNotFound, parentID)
		if err != nil {
			return err
		}
		if parent.Depth >= idc.MaxOUDepth {
			return newErr(idc.KindQuotaExceeded, ReasonOUDepthLimit,
				"You attempted to create an OU tree that is too many levels deep (OUs nest at most %d levels below the root).", idc.MaxOUDepth)
		}
		id := idc.NewOUID(rootIDOf(parent))
		u = &idc.OrgUnit{
			ID: id, OrganizationID: o.ID, ParentID: parent.ID, Name: name,
			Path: parent.Path + id + "/", Depth: parent.Depth + 1, CreatedAt: s.timestamp(),
		}
		err = q.CreateOrgUnit(ctx, u)
		switch {
		case errors.Is(err, store.ErrDuplicate):
			return errDuplicateOU()
		case errors.Is(err, store.ErrReferenced):
			return errParentNotFound(ReasonParentNotFound, parentID)
		case err != nil:
			return err
		}
		if len(tags) > 0 {
			return q.PutTags(ctx, u.ID, tags)
		}
		return nil
	})
	if err != nil {
		return nil, nil, wrap("create organizational unit", err)
	}
	return o, u, nil
}

// DescribeOrganizationalUnit returns an OU (ReasonOUNotFound).
func (s *Service) DescribeOrganizationalUnit(ctx context.Context, id string) (*idc.Organization, *idc.OrgUnit, error) {
	o, err := organization(ctx, s.st)
	if err != nil {
		return nil, nil, err
	}
	u, err := getOU(ctx, s.st, id)
	if err != nil {
		return nil, nil, err
	}
	return o, u, nil
}

// UpdateOrganizationalUnit renames an OU; an empty name changes nothing.
// ReasonOUNotFound; ReasonDuplicateOU when a sibling has the name.
func (s *Service) UpdateOrganizationalUnit(ctx context.Context, id, name string) (*idc.Organization, *idc.OrgUnit, error) {
	var o *idc.Organization
	var u *idc.OrgUnit
	err := s.st.Tx(ctx, func(q store.Queries) error {
		var err error
		if o, err = organization(ctx, q); err != nil {
			return err
		}
		if u, err = getOU(ctx, q, id); err != nil {
			return err
		}
		if name == "" || name == u.Name {
			return nil
		}
		err = q.RenameOrgUnit(ctx, id, name)
		switch {
		case errors.Is(err, store.ErrDuplicate):
			return errDuplicateOU()
		case errors.Is(err, store.ErrNotFound):
			return errOUNotFound(id)
		case err != nil:
			return err
		}
		u.Name = name
		return nil
	})
	if err != nil {
		return nil, nil, wrap("update organizational unit", err)
	}
	return o, u, nil
}

// DeleteOrganizationalUnit deletes an empty OU and its tags.
// ReasonOUNotFound; ReasonOUNotEmpty while it holds accounts or OUs.
func (s *Service) DeleteOrganizationalUnit(ctx context.Context, id string) error {
	err := s.st.Tx(ctx, func(q store.Queries) error {
		if _, err := organization(ctx, q); err != nil {
			return err
		}
		if _, err := getOU(ctx, q, id); err != nil {
			return err
		}
		err := q.DeleteOrgUnit(ctx, id)
		switch {
		case errors.Is(err, store.ErrReferenced):
			return newErr(idc.KindConflict, ReasonOUNotEmpty,
				"The specified OU is not empty. Move all accounts to another root or to other OUs, remove all child OUs, and try the operation again.")
		case errors.Is(err, store.ErrNotFound):
			return errOUNotFound(id)
		}
		return err
	})
	return wrap("delete organizational unit", err)
}

// ListOrganizationalUnitsForParent lists the OUs directly under a root or
// OU (ReasonParentNotFound), ordered by id.
func (s *Service) ListOrganizationalUnitsForParent(ctx context.Context, parentID, after string, limit int) (List[*idc.OrgUnit], error) {
	o, err := organization(ctx, s.st)
	if err != nil {
		return List[*idc.OrgUnit]{}, err
	}
	if _, err := getParent(ctx, s.st, ReasonParentNotFound, parentID); err != nil {
		return List[*idc.OrgUnit]{}, err
	}
	us, err := s.st.ListOrgUnits(ctx, parentID, page(after, limit))
	if err != nil {
		return List[*idc.OrgUnit]{}, fmt.Errorf("list organizational units: %w", err)
	}
	return finish(o, us, limit, unitKey), nil
}

// ListChildren lists the ids of the accounts (childType
// idc.ChildTypeAccount) or OUs (idc.ChildTypeOU) directly under a root or
// OU (ReasonParentNotFound), ordered by id.
func (s *Service) ListChildren(ctx context.Context, parentID, childType, after string, limit int) (List[string], error) {
	switch childType {
	case idc.ChildTypeAccount:
		l, err := s.ListAccountsForParent(ctx, parentID, after, limit)
		return ids(l, accountKey), err
	case idc.ChildTypeOU:
		l, err := s.ListOrganizationalUnitsForParent(ctx, parentID, after, limit)
		return ids(l, unitKey), err
	}
	return List[string]{}, newErr(idc.KindInvalid, ReasonInvalidEnum, "You specified an invalid value for ChildType.")
}

func ids[T any](l List[T], key func(T) string) List[string] {
	out := List[string]{Org: l.Org, Next: l.Next, Items: make([]string, len(l.Items))}
	for i, v := range l.Items {
		out.Items[i] = key(v)
	}
	return out
}

// ListParents returns the root or OU that directly holds an account
// (12-digit id) or OU: one parent, as AWS Organizations has no multiple
// parents. ReasonChildNotFound.
func (s *Service) ListParents(ctx context.Context, childID string) (List[*idc.OrgUnit], error) {
	o, err := organization(ctx, s.st)
	if err != nil {
		return List[*idc.OrgUnit]{}, err
	}
	childNotFound := notFound(ReasonChildNotFound, ResourceChild, childID, "We can't find an organizational unit (OU) or account with the ChildId that you specified.")
	var parentID string
	if idc.ValidAccountID(childID) {
		a, err := s.st.GetAccount(ctx, childID)
		if errors.Is(err, store.ErrNotFound) {
			return List[*idc.OrgUnit]{}, childNotFound
		} else if err != nil {
			return List[*idc.OrgUnit]{}, fmt.Errorf("get account: %w", err)
		}
		parentID = a.ParentID
	} else {
		u, err := s.st.GetOrgUnit(ctx, childID)
		if errors.Is(err, store.ErrNotFound) || (err == nil && u.IsRoot()) {
			return List[*idc.OrgUnit]{}, childNotFound
		} else if err != nil {
			return List[*idc.OrgUnit]{}, fmt.Errorf("get organizational unit: %w", err)
		}
		parentID = u.ParentID
	}
	p, err := s.st.GetOrgUnit(ctx, parentID)
	if errors.Is(err, store.ErrNotFound) {
		// Moved or deleted between the two reads.
		return List[*idc.OrgUnit]{}, childNotFound
	} else if err != nil {
		return List[*idc.OrgUnit]{}, fmt.Errorf("get parent: %w", err)
	}
	return List[*idc.OrgUnit]{Org: o, Items: []*idc.OrgUnit{p}}, nil
}
