package directory

import (
	"context"
	"errors"
	"strings"

	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/store"
)

func groupConflict(g *idc.Group) *idc.Error {
	if len(g.ExternalIDs) > 0 {
		return conflict("Duplicate GroupDisplayName or ExternalId: another group of the identity store already has it.")
	}
	return conflict("Duplicate GroupDisplayName: another group of the identity store already has it.")
}

const groupQuotaMessage = "The identity store holds the maximum number of groups."

// CreateGroup creates a group from in: IdentityStoreID, DisplayName
// (required in IAM Identity Center), Description and optionally
// ExternalIDs. It assigns the id and the created/updated fields and returns
// the stored group.
//
// Errors: not found (identity store); invalid (no or a reserved display
// name, a malformed value); conflict (the display name, regardless of case,
// or an external id is taken); quota exceeded.
func (s *Service) CreateGroup(ctx context.Context, in *idc.Group) (*idc.Group, error) {
	if err := s.CheckIdentityStore(ctx, in.IdentityStoreID); err != nil {
		return nil, err
	}
	g := *in
	g.ExternalIDs = append([]idc.ExternalID(nil), in.ExternalIDs...)
	g.GroupID = idc.NewResourceID(g.IdentityStoreID)
	now, actor := s.timestamp(), idc.ActorName(ctx)
	g.CreatedAt, g.UpdatedAt, g.CreatedBy, g.UpdatedBy = now, now, actor, actor
	if err := validateGroup(&g); err != nil {
		return nil, err
	}
	err := s.st.Tx(ctx, func(q store.Queries) error { return q.CreateGroup(ctx, &g, s.maxGroups) })
	if err := s.writeErr(err, g.IdentityStoreID, groupConflict(&g), groupQuotaMessage); err != nil {
		return nil, err
	}
	return &g, nil
}

// GetGroup returns a group (not found: identity store or group).
func (s *Service) GetGroup(ctx context.Context, identityStoreID, groupID string) (*idc.Group, error) {
	if err := s.CheckIdentityStore(ctx, identityStoreID); err != nil {
		return nil, err
	}
	g, err := s.st.GetGroup(ctx, identityStoreID, groupID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, groupNotFound(groupID)
	}
	return g, err
}

// UpdateGroup applies ops ("displayName", "description") to a copy of a
// group, checks the result and stores it in one transaction; when anything
// is invalid, nothing changes.
//
// Errors: not found (identity store or group); invalid; conflict (the new
// display name is taken).
func (s *Service) UpdateGroup(ctx context.Context, identityStoreID, groupID string, ops []Operation) error {
	if err := s.CheckIdentityStore(ctx, identityStoreID); err != nil {
		return err
	}
	fs, rerr := resolve(ops, groupOperation)
	if rerr != nil {
		return rerr
	}
	var next *idc.Group
	err := s.st.Tx(ctx, func(q store.Queries) error {
		g, err := q.GetGroupForUpdate(ctx, identityStoreID, groupID)
		if errors.Is(err, store.ErrNotFound) {
			return groupNotFound(groupID)
		}
		if err != nil {
			return err
		}
		c := *g
		c.ExternalIDs = append([]idc.ExternalID(nil), g.ExternalIDs...)
		next = &c
		for i, f := range fs {
			if err := f(next, ops[i]); err != nil {
				return err
			}
		}
		if err := validateGroup(next); err != nil {
			return err
		}
		next.UpdatedAt, next.UpdatedBy = s.timestamp(), idc.ActorName(ctx)
		return q.UpdateGroup(ctx, next)
	})
	if errors.Is(err, store.ErrNotFound) {
		return groupNotFound(groupID)
	}
	if err != nil && next != nil {
		return s.writeErr(err, identityStoreID, groupConflict(next), groupQuotaMessage)
	}
	return err
}

// DeleteGroup deletes a group and its memberships (not found: identity
// store or group).
func (s *Service) DeleteGroup(ctx context.Context, identityStoreID, groupID string) error {
	if err := s.CheckIdentityStore(ctx, identityStoreID); err != nil {
		return err
	}
	err := s.st.Tx(ctx, func(q store.Queries) error { return q.DeleteGroup(ctx, identityStoreID, groupID) })
	if errors.Is(err, store.ErrNotFound) {
		return groupNotFound(groupID)
	}
	return err
}

// ListGroups returns one page of groups ordered by id and the cursor of the
// next page ("" after the last). With a filter (at most one, on
// "DisplayName"), it returns the matching group if any and no cursor.
func (s *Service) ListGroups(ctx context.Context, identityStoreID string, filters []Filter, p Page) ([]*idc.Group, string, error) {
	if err := s.CheckIdentityStore(ctx, identityStoreID); err != nil {
		return nil, "", err
	}
	if len(filters) > 0 {
		f, ferr := oneFilter(filters, "DisplayName")
		if ferr != nil {
			return nil, "", ferr
		}
		g, err := s.st.GetGroupByName(ctx, identityStoreID, f.AttributeValue)
		if errors.Is(err, store.ErrNotFound) {
			return nil, "", nil
		}
		if err != nil {
			return nil, "", err
		}
		return []*idc.Group{g}, "", nil
	}
	n := p.size()
	groups, err := s.st.ListGroups(ctx, identityStoreID, store.Page{After: p.After, Limit: n + 1})
	if err != nil {
		return nil, "", err
	}
	if len(groups) > n {
		groups = groups[:n]
		return groups, groups[n-1].GroupID, nil
	}
	return groups, "", nil
}

// GetGroupID returns the id of the group an alternate identifier names: an
// external id, or the unique attribute "displayName" (regardless of case).
//
// Errors: not found (identity store or group); invalid (any other path, or a
// value that is not a non-empty JSON string).
func (s *Service) GetGroupID(ctx context.Context, identityStoreID string, alt AlternateIdentifier) (string, error) {
	if err := s.CheckIdentityStore(ctx, identityStoreID); err != nil {
		return "", err
	}
	var id string
	var err error
	switch {
	case alt.ExternalID != nil && alt.UniqueAttribute == nil:
		id, err = s.st.GetGroupIDByExternalID(ctx, identityStoreID, *alt.ExternalID)
	case alt.UniqueAttribute != nil && alt.ExternalID == nil:
		ua := alt.UniqueAttribute
		if !strings.EqualFold(ua.Path, "displayName") {
			return "", idc.Invalidf("AttributePath %s is not supported; use displayName.", ua.Path)
		}
		v, derr := decodeString(ua.Path, ua.Value)
		if derr != nil {
			return "", derr
		}
		var g *idc.Group
		if g, err = s.st.GetGroupByName(ctx, identityStoreID, v); err == nil {
			id = g.GroupID
		}
	default:
		return "", idc.Invalidf("AlternateIdentifier must hold exactly one of ExternalId and UniqueAttribute.")
	}
	if errors.Is(err, store.ErrNotFound) {
		return "", idc.NotFound(ResourceGroup, "", "No group matches the alternate identifier.")
	}
	return id, err
}
