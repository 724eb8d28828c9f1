package ssoadmin

import (
	"context"

	"github.com/idcenter/idcenter/internal/access"
	"github.com/idcenter/idcenter/internal/awsproto"
	"github.com/idcenter/idcenter/internal/idc"
)

const scopeListInstances = "sso-admin/ListInstances"

// awsOwnedKey describes idcenter's encryption at rest: keys it owns,
// sealed under the master key (sso-admin KmsKeyType AWS_OWNED_KMS_KEY).
var awsOwnedKey = EncryptionConfigurationDetails{KeyType: "AWS_OWNED_KMS_KEY", EncryptionStatus: "ENABLED"}

// ListInstances answers sso-admin ListInstances with keyset pagination.
func (h *handlers) ListInstances(ctx context.Context, in *ListInstancesRequest) (*ListInstancesResponse, error) {
	n := limit(in.MaxResults)
	after, err := h.cursor(scopeListInstances, in.NextToken)
	if err != nil {
		return nil, err
	}
	list, err := h.svc.ListInstances(ctx, after, n+1)
	if err != nil {
		return nil, err
	}
	out := &ListInstancesResponse{Instances: []InstanceMetadata{}}
	if len(list) > n {
		list = list[:n]
		out.NextToken = h.next(scopeListInstances, list[n-1].InstanceARN)
	}
	for _, i := range list {
		out.Instances = append(out.Instances, InstanceMetadata{
			InstanceArn:     i.InstanceARN,
			IdentityStoreId: i.IdentityStoreID,
			OwnerAccountId:  i.OwnerAccountID,
			Name:            i.Name,
			CreatedDate:     awsproto.TimePtr(i.CreatedAt),
			Status:          i.Status,
		})
	}
	return out, nil
}

// DescribeInstance answers sso-admin DescribeInstance.
func (h *handlers) DescribeInstance(ctx context.Context, in *DescribeInstanceRequest) (*DescribeInstanceResponse, error) {
	i, err := h.svc.Instance(ctx, in.InstanceArn)
	if err != nil {
		return nil, err
	}
	enc := awsOwnedKey
	return &DescribeInstanceResponse{
		InstanceArn:                    i.InstanceARN,
		IdentityStoreId:                i.IdentityStoreID,
		OwnerAccountId:                 i.OwnerAccountID,
		Name:                           i.Name,
		CreatedDate:                    awsproto.TimePtr(i.CreatedAt),
		Status:                         i.Status,
		EncryptionConfigurationDetails: &enc,
	}, nil
}

// CreateInstance answers sso-admin CreateInstance: a new instance with its
// own identity store. ClientToken is accepted but not used for
// idempotency.
func (h *handlers) CreateInstance(ctx context.Context, in *CreateInstanceRequest) (*CreateInstanceResponse, error) {
	i, err := h.svc.CreateInstance(ctx, in.Name, tagsIn(in.Tags))
	if err != nil {
		return nil, err
	}
	return &CreateInstanceResponse{InstanceArn: i.InstanceARN}, nil
}

// UpdateInstance answers sso-admin UpdateInstance. Only idcenter-owned keys
// encrypt data at rest, so a customer managed KMS key is refused.
func (h *handlers) UpdateInstance(ctx context.Context, in *UpdateInstanceRequest) (*UpdateInstanceResponse, error) {
	if e := in.EncryptionConfiguration; e != nil && e.KeyType != "AWS_OWNED_KMS_KEY" {
		return nil, idc.Invalidf("Only the AWS_OWNED_KMS_KEY key type is supported.")
	}
	if err := h.svc.UpdateInstance(ctx, in.InstanceArn, in.Name); err != nil {
		return nil, err
	}
	return &UpdateInstanceResponse{}, nil
}

// DeleteInstance answers sso-admin DeleteInstance.
func (h *handlers) DeleteInstance(ctx context.Context, in *DeleteInstanceRequest) (*DeleteInstanceResponse, error) {
	if err := h.svc.DeleteInstance(ctx, in.InstanceArn); err != nil {
		return nil, err
	}
	return &DeleteInstanceResponse{}, nil
}

func attrsIn(c *InstanceAccessControlAttributeConfiguration) []idc.AccessControlAttribute {
	out := []idc.AccessControlAttribute{}
	if c == nil {
		return out
	}
	for _, a := range c.AccessControlAttributes {
		src := ""
		if a.Value != nil && len(a.Value.Source) > 0 {
			src = a.Value.Source[0]
		}
		out = append(out, idc.AccessControlAttribute{Key: a.Key, Source: src})
	}
	return out
}

// CreateInstanceAccessControlAttributeConfiguration answers the sso-admin
// operation of that name.
func (h *handlers) CreateInstanceAccessControlAttributeConfiguration(ctx context.Context, in *CreateInstanceAccessControlAttributeConfigurationRequest) (*CreateInstanceAccessControlAttributeConfigurationResponse, error) {
	if err := h.svc.SetAccessControlAttributes(ctx, in.InstanceArn, attrsIn(in.InstanceAccessControlAttributeConfiguration), true); err != nil {
		return nil, err
	}
	return &CreateInstanceAccessControlAttributeConfigurationResponse{}, nil
}

// UpdateInstanceAccessControlAttributeConfiguration answers the sso-admin
// operation of that name.
func (h *handlers) UpdateInstanceAccessControlAttributeConfiguration(ctx context.Context, in *UpdateInstanceAccessControlAttributeConfigurationRequest) (*UpdateInstanceAccessControlAttributeConfigurationResponse, error) {
	if err := h.svc.SetAccessControlAttributes(ctx, in.InstanceArn, attrsIn(in.InstanceAccessControlAttributeConfiguration), false); err != nil {
		return nil, err
	}
	return &UpdateInstanceAccessControlAttributeConfigurationResponse{}, nil
}

// DescribeInstanceAccessControlAttributeConfiguration answers the sso-admin
// operation of that name.
func (h *handlers) DescribeInstanceAccessControlAttributeConfiguration(ctx context.Context, in *DescribeInstanceAccessControlAttributeConfigurationRequest) (*DescribeInstanceAccessControlAttributeConfigurationResponse, error) {
	attrs, err := h.svc.AccessControlAttributes(ctx, in.InstanceArn)
	if err != nil {
		return nil, err
	}
	c := &InstanceAccessControlAttributeConfiguration{AccessControlAttributes: []AccessControlAttribute{}}
	for _, a := range attrs {
		c.AccessControlAttributes = append(c.AccessControlAttributes, AccessControlAttribute{
			Key: a.Key, Value: &AccessControlAttributeValue{Source: []string{a.Source}},
		})
	}
	return &DescribeInstanceAccessControlAttributeConfigurationResponse{Status: "ENABLED", InstanceAccessControlAttributeConfiguration: c}, nil
}

// DeleteInstanceAccessControlAttributeConfiguration answers the sso-admin
// operation of that name.
func (h *handlers) DeleteInstanceAccessControlAttributeConfiguration(ctx context.Context, in *DeleteInstanceAccessControlAttributeConfigurationRequest) (*DeleteInstanceAccessControlAttributeConfigurationResponse, error) {
	if err := h.svc.DeleteAccessControlAttributes(ctx, in.InstanceArn); err != nil {
		return nil, err
	}
	return &DeleteInstanceAccessControlAttributeConfigurationResponse{}, nil
}

// AddRegion answers sso-admin AddRegion; the region is recorded at once
// (the answer says ADDING, as AWS's does, and DescribeRegion says ACTIVE).
func (h *handlers) AddRegion(ctx context.Context, in *AddRegionRequest) (*AddRegionResponse, error) {
	if err := h.svc.AddRegion(ctx, in.InstanceArn, in.RegionName); err != nil {
		return nil, err
	}
	return &AddRegionResponse{Status: access.RegionAdding}, nil
}

// RemoveRegion answers sso-admin RemoveRegion.
func (h *handlers) RemoveRegion(ctx context.Context, in *RemoveRegionRequest) (*RemoveRegionResponse, error) {
	if err := h.svc.RemoveRegion(ctx, in.InstanceArn, in.RegionName); err != nil {
		return nil, err
	}
	return &RemoveRegionResponse{Status: access.RegionRemoving}, nil
}

// DescribeRegion answers sso-admin DescribeRegion.
func (h *handlers) DescribeRegion(ctx context.Context, in *DescribeRegionRequest) (*DescribeRegionResponse, error) {
	r, err := h.svc.Region(ctx, in.InstanceArn, in.RegionName)
	if err != nil {
		return nil, err
	}
	return &DescribeRegionResponse{RegionName: r.Name, Status: r.Status, AddedDate: awsproto.TimePtr(r.AddedAt), IsPrimaryRegion: &r.Primary}, nil
}

// ListRegions answers sso-admin ListRegions.
func (h *handlers) ListRegions(ctx context.Context, in *ListRegionsRequest) (*ListRegionsResponse, error) {
	scope := "sso-admin/ListRegions/" + in.InstanceArn
	after, err := h.cursor(scope, in.NextToken)
	if err != nil {
		return nil, err
	}
	p, err := h.svc.ListRegions(ctx, in.InstanceArn, after, limit(in.MaxResults))
	if err != nil {
		return nil, err
	}
	out := &ListRegionsResponse{Regions: []RegionMetadata{}, NextToken: h.next(scope, p.Next)}
	for _, r := range p.Items {
		out.Regions = append(out.Regions, RegionMetadata{RegionName: r.Name, Status: r.Status, AddedDate: awsproto.TimePtr(r.AddedAt), IsPrimaryRegion: &r.Primary})
	}
	return out, nil
}

// TagResource answers sso-admin TagResource (instances and permission
// sets).
func (h *handlers) TagResource(ctx context.Context, in *TagResourceRequest) (*TagResourceResponse, error) {
	if err := h.svc.TagResource(ctx, in.InstanceArn, in.ResourceArn, tagsIn(in.Tags)); err != nil {
		return nil, err
	}
	return &TagResourceResponse{}, nil
}

// UntagResource answers sso-admin UntagResource.
func (h *handlers) UntagResource(ctx context.Context, in *UntagResourceRequest) (*UntagResourceResponse, error) {
	if err := h.svc.UntagResource(ctx, in.InstanceArn, in.ResourceArn, in.TagKeys); err != nil {
		return nil, err
	}
	return &UntagResourceResponse{}, nil
}

// ListTagsForResource answers sso-admin ListTagsForResource. A resource has
// at most access.MaxTags tags, so one page holds them all; a NextToken is
// only checked for validity.
func (h *handlers) ListTagsForResource(ctx context.Context, in *ListTagsForResourceRequest) (*ListTagsForResourceResponse, error) {
	if in.NextToken != "" {
		return nil, errBadToken()
	}
	tags, err := h.svc.Tags(ctx, in.InstanceArn, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	out := &ListTagsForResourceResponse{Tags: []Tag{}}
	for _, t := range tags {
		out.Tags = append(out.Tags, Tag{Key: t.Key, Value: t.Value})
	}
	return out, nil
}
