package identitystore

import (
	"context"

	"github.com/idcenter/idcenter/internal/awsproto"
	"github.com/idcenter/idcenter/internal/idc"
)

func groupShape(g *idc.Group) Group {
	return Group{
		GroupId: g.GroupID, DisplayName: g.DisplayName, ExternalIds: externalIDs(g.ExternalIDs), Description: g.Description,
		CreatedAt: awsproto.TimePtr(g.CreatedAt), UpdatedAt: awsproto.TimePtr(g.UpdatedAt), CreatedBy: g.CreatedBy, UpdatedBy: g.UpdatedBy,
		IdentityStoreId: g.IdentityStoreID,
	}
}

// CreateGroup implements API.
func (h *handler) CreateGroup(ctx context.Context, in *CreateGroupRequest) (*CreateGroupResponse, error) {
	g, err := h.dir.CreateGroup(ctx, &idc.Group{IdentityStoreID: in.IdentityStoreId, DisplayName: in.DisplayName, Description: in.Description})
	if err != nil {
		return nil, err
	}
	return &CreateGroupResponse{GroupId: g.GroupID, IdentityStoreId: g.IdentityStoreID}, nil
}

// DescribeGroup implements API.
func (h *handler) DescribeGroup(ctx context.Context, in *DescribeGroupRequest) (*DescribeGroupResponse, error) {
	g, err := h.dir.GetGroup(ctx, in.IdentityStoreId, in.GroupId)
	if err != nil {
		return nil, err
	}
	out := DescribeGroupResponse(groupShape(g))
	return &out, nil
}

// UpdateGroup implements API.
func (h *handler) UpdateGroup(ctx context.Context, in *UpdateGroupRequest) (*UpdateGroupResponse, error) {
	if err := h.dir.UpdateGroup(ctx, in.IdentityStoreId, in.GroupId, operations(in.Operations)); err != nil {
		return nil, err
	}
	return &UpdateGroupResponse{}, nil
}

// DeleteGroup implements API.
func (h *handler) DeleteGroup(ctx context.Context, in *DeleteGroupRequest) (*DeleteGroupResponse, error) {
	if err := h.dir.DeleteGroup(ctx, in.IdentityStoreId, in.GroupId); err != nil {
		return nil, err
	}
	return &DeleteGroupResponse{}, nil
}

// ListGroups implements API.
func (h *handler) ListGroups(ctx context.Context, in *ListGroupsRequest) (*ListGroupsResponse, error) {
	sc := scope("ListGroups", in.IdentityStoreId)
	p, err := h.page(sc, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	groups, next, err := h.dir.ListGroups(ctx, in.IdentityStoreId, filters(in.Filters), p)
	if err != nil {
		return nil, err
	}
	out := &ListGroupsResponse{Groups: make([]Group, len(groups)), NextToken: h.next(sc, next)}
	for i, g := range groups {
		out.Groups[i] = groupShape(g)
	}
	return out, nil
}

// GetGroupId implements API.
func (h *handler) GetGroupId(ctx context.Context, in *GetGroupIdRequest) (*GetGroupIdResponse, error) {
	id, err := h.dir.GetGroupID(ctx, in.IdentityStoreId, alternate(in.AlternateIdentifier))
	if err != nil {
		return nil, err
	}
	return &GetGroupIdResponse{GroupId: id, IdentityStoreId: in.IdentityStoreId}, nil
}
