package directory

import (
	"context"
	"errors"

	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/store"
)

// maxGroupIDs is the most group ids IsMemberInGroups takes (GroupIds: 1..100).
const maxGroupIDs = 100

// CreateMembership makes a user a member of a group and returns the
// membership.
//
// Errors: not found (identity store, group or user); conflict (the user is
// already a member).
func (s *Service) CreateMembership(ctx context.Context, identityStoreID, groupID, userID string) (*idc.Membership, error) {
	if err := s.CheckIdentityStore(ctx, identityStoreID); err != nil {
		return nil, err
	}
	now, actor := s.timestamp(), idc.ActorName(ctx)
	m := &idc.Membership{
		IdentityStoreID: identityStoreID,
		MembershipID:    idc.NewResourceID(identityStoreID),
		GroupID:         groupID,
		UserID:          userID,
		CreatedAt:       now, UpdatedAt: now, CreatedBy: actor, UpdatedBy: actor,
	}
	err := s.st.Tx(ctx, func(q store.Queries) error { return q.CreateMembership(ctx, m) })
	switch {
	case err == nil:
		return m, nil
	case errors.Is(err, store.ErrDuplicate):
		return nil, conflict("Member and Group relationship already exists.")
	case errors.Is(err, store.ErrReferenced):
		// The database refused a missing group or user; say which. (On
		// PostgreSQL the failed transaction is over, so ask afresh.)
		if _, err := s.st.GetGroup(ctx, identityStoreID, groupID); errors.Is(err, store.ErrNotFound) {
			return nil, groupNotFound(groupID)
		} else if err != nil {
			return nil, err
		}
		if _, err := s.st.GetUser(ctx, identityStoreID, userID); errors.Is(err, store.ErrNotFound) {
			return nil, userNotFound(userID)
		} else if err != nil {
			return nil, err
		}
		// Both exist now: one was deleted and recreated meanwhile, or the
		// identity store is gone.
		s.forgetStore(identityStoreID)
		if cerr := s.CheckIdentityStore(ctx, identityStoreID); cerr != nil {
			return nil, cerr
		}
		return nil, err
	}
	return nil, err
}

// GetMembership returns a membership (not found: identity store or
// membership).
func (s *Service) GetMembership(ctx context.Context, identityStoreID, membershipID string) (*idc.Membership, error) {
	if err := s.CheckIdentityStore(ctx, identityStoreID); err != nil {
		return nil, err
	}
	m, err := s.st.GetMembership(ctx, identityStoreID, membershipID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, membershipNotFound(membershipID)
	}
	return m, err
}

// GetMembershipID returns the id of a user's membership in a group (not
// found: identity store or membership).
func (s *Service) GetMembershipID(ctx context.Context, identityStoreID, groupID, userID string) (string, error) {
	if err := s.CheckIdentityStore(ctx, identityStoreID); err != nil {
		return "", err
	}
	m, err := s.st.GetMembershipByMember(ctx, identityStoreID, groupID, userID)
	if errors.Is(err, store.ErrNotFound) {
		return "", idc.NotFound(ResourceMembership, "", "User %s is not a member of group %s.", userID, groupID)
	}
	if err != nil {
		return "", err
	}
	return m.MembershipID, nil
}

// DeleteMembership deletes a membership (not found: identity store or
// membership).
func (s *Service) DeleteMembership(ctx context.Context, identityStoreID, membershipID string) error {
	if err := s.CheckIdentityStore(ctx, identityStoreID); err != nil {
		return err
	}
	err := s.st.Tx(ctx, func(q store.Queries) error { return q.DeleteMembership(ctx, identityStoreID, membershipID) })
	if errors.Is(err, store.ErrNotFound) {
		return membershipNotFound(membershipID)
	}
	return err
}

// ListMemberships returns one page of the memberships of a group, ordered
// by user id, and the cursor of the next page ("" after the last). An empty
// page of a group that does not exist is a not-found error.
func (s *Service) ListMemberships(ctx context.Context, identityStoreID, groupID string, p Page) ([]*idc.Membership, string, error) {
	if err := s.CheckIdentityStore(ctx, identityStoreID); err != nil {
		return nil, "", err
	}
	n := p.size()
	ms, err := s.st.ListGroupMemberships(ctx, identityStoreID, groupID, store.Page{After: p.After, Limit: n + 1})
	if err != nil {
		return nil, "", err
	}
	if len(ms) == 0 {
		// Only an empty answer pays for telling "no members" from "no group".
		_, err := s.GetGroup(ctx, identityStoreID, groupID)
		return nil, "", err
	}
	if len(ms) > n {
		ms = ms[:n]
		return ms, ms[n-1].UserID, nil
	}
	return ms, "", nil
}

// ListMembershipsForMember returns one page of the memberships of a user,
// ordered by group id, and the cursor of the next page. An empty page of a
// user that does not exist is a not-found error.
func (s *Service) ListMembershipsForMember(ctx context.Context, identityStoreID, userID string, p Page) ([]*idc.Membership, string, error) {
	if err := s.CheckIdentityStore(ctx, identityStoreID); err != nil {
		return nil, "", err
	}
	n := p.size()
	ms, err := s.st.ListUserMemberships(ctx, identityStoreID, userID, store.Page{After: p.After, Limit: n + 1})
	if err != nil {
		return nil, "", err
	}
	if len(ms) == 0 {
		_, err := s.GetUser(ctx, identityStoreID, userID)
		return nil, "", err
	}
	if len(ms) > n {
		ms = ms[:n]
		return ms, ms[n-1].GroupID, nil
	}
	return ms, "", nil
}

// IsMemberInGroups reports, for each of groupIDs (1 to 100) in order,
// whether the user is a member of it; a group id that names no group is
// reported as false. The membership check is one query; only when the user
// is in none of the groups does the service also check that the user
// exists.
//
// Errors: not found (identity store or user); invalid (no or too many group
// ids).
func (s *Service) IsMemberInGroups(ctx context.Context, identityStoreID, userID string, groupIDs []string) ([]bool, error) {
	if len(groupIDs) == 0 || len(groupIDs) > maxGroupIDs {
		return nil, idc.Invalidf("GroupIds must hold 1 to %d group ids.", maxGroupIDs)
	}
	if err := s.CheckIdentityStore(ctx, identityStoreID); err != nil {
		return nil, err
	}
	in, err := s.st.MemberGroups(ctx, identityStoreID, userID, groupIDs)
	if err != nil {
		return nil, err
	}
	if len(in) == 0 {
		if _, err := s.GetUser(ctx, identityStoreID, userID); err != nil {
			return nil, err
		}
	}
	member := make(map[string]bool, len(in))
	for _, g := range in {
		member[g] = true
	}
	out := make([]bool, len(groupIDs))
	for i, g := range groupIDs {
		out[i] = member[g]
	}
	return out, nil
}
