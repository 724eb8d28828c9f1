package identitystore

import (
	"context"

	"github.com/idcenter/idcenter/internal/awsproto"
	"github.com/idcenter/idcenter/internal/idc"
)

func membershipShape(m *idc.Membership) GroupMembership {
	return GroupMembership{
		IdentityStoreId: m.IdentityStoreID, MembershipId: m.MembershipID, GroupId: m.GroupID, MemberId: memberID(m.UserID),
		CreatedAt: awsproto.TimePtr(m.CreatedAt), UpdatedAt: awsproto.TimePtr(m.UpdatedAt), CreatedBy: m.CreatedBy, UpdatedBy: m.UpdatedBy,
	}
}

func membershipShapes(ms []*idc.Membership) []GroupMembership {
	out := make([]GroupMembership, len(ms))
	for i, m := range ms {
		out[i] = membershipShape(m)
	}
	return out
}

// CreateGroupMembership implements API.
func (h *handler) CreateGroupMembership(ctx context.Context, in *CreateGroupMembershipRequest) (*CreateGroupMembershipResponse, error) {
	m, err := h.dir.CreateMembership(ctx, in.IdentityStoreId, in.GroupId, userIDOf(in.MemberId))
	if err != nil {
		return nil, err
	}
	return &CreateGroupMembershipResponse{MembershipId: m.MembershipID, IdentityStoreId: m.IdentityStoreID}, nil
}

// DescribeGroupMembership implements API.
func (h *handler) DescribeGroupMembership(ctx context.Context, in *DescribeGroupMembershipRequest) (*DescribeGroupMembershipResponse, error) {
	m, err := h.dir.GetMembership(ctx, in.IdentityStoreId, in.MembershipId)
	if err != nil {
		return nil, err
	}
	out := DescribeGroupMembershipResponse(membershipShape(m))
	return &out, nil
}

// DeleteGroupMembership implements API.
func (h *handler) DeleteGroupMembership(ctx context.Context, in *DeleteGroupMembershipRequest) (*DeleteGroupMembershipResponse, error) {
	if err := h.dir.DeleteMembership(ctx, in.IdentityStoreId, in.MembershipId); err != nil {
		return nil, err
	}
	return &DeleteGroupMembershipResponse{}, nil
}

// GetGroupMembershipId implements API.
func (h *handler) GetGroupMembershipId(ctx context.Context, in *GetGroupMembershipIdRequest) (*GetGroupMembershipIdResponse, error) {
	id, err := h.dir.GetMembershipID(ctx, in.IdentityStoreId, in.GroupId, userIDOf(in.MemberId))
	if err != nil {
		return nil, err
	}
	return &GetGroupMembershipIdResponse{MembershipId: id, IdentityStoreId: in.IdentityStoreId}, nil
}

// ListGroupMemberships implements API.
func (h *handler) ListGroupMemberships(ctx context.Context, in *ListGroupMembershipsRequest) (*ListGroupMembershipsResponse, error) {
	sc := scope("ListGroupMemberships", in.IdentityStoreId, in.GroupId)
	p, err := h.page(sc, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	ms, next, err := h.dir.ListMemberships(ctx, in.IdentityStoreId, in.GroupId, p)
	if err != nil {
		return nil, err
	}
	return &ListGroupMembershipsResponse{GroupMemberships: membershipShapes(ms), NextToken: h.next(sc, next)}, nil
}

// ListGroupMembershipsForMember implements API.
func (h *handler) ListGroupMembershipsForMember(ctx context.Context, in *ListGroupMembershipsForMemberRequest) (*ListGroupMembershipsForMemberResponse, error) {
	userID := userIDOf(in.MemberId)
	sc := scope("ListGroupMembershipsForMember", in.IdentityStoreId, userID)
	p, err := h.page(sc, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	ms, next, err := h.dir.ListMembershipsForMember(ctx, in.IdentityStoreId, userID, p)
	if err != nil {
		return nil, err
	}
	return &ListGroupMembershipsForMemberResponse{GroupMemberships: membershipShapes(ms), NextToken: h.next(sc, next)}, nil
}

// IsMemberInGroups implements API.
func (h *handler) IsMemberInGroups(ctx context.Context, in *IsMemberInGroupsRequest) (*IsMemberInGroupsResponse, error) {
	userID := userIDOf(in.MemberId)
	exists, err := h.dir.IsMemberInGroups(ctx, in.IdentityStoreId, userID, in.GroupIds)
	if err != nil {
		return nil, err
	}
	out := &IsMemberInGroupsResponse{Results: make([]GroupMembershipExistenceResult, len(in.GroupIds))}
	for i, g := range in.GroupIds {
		out.Results[i] = GroupMembershipExistenceResult{GroupId: g, MemberId: memberID(userID), MembershipExists: new(exists[i])}
	}
	return out, nil
}
