package ssoadmin

import (
	"context"

	"github.com/idcenter/idcenter/internal/access"
	"github.com/idcenter/idcenter/internal/awsproto"
	"github.com/idcenter/idcenter/internal/idc"
)

func permissionSetOut(ps *idc.PermissionSet) *PermissionSet {
	return &PermissionSet{
		Name:             ps.Name,
		PermissionSetArn: ps.ARN,
		Description:      ps.Description,
		CreatedDate:      awsproto.TimePtr(ps.CreatedAt),
		SessionDuration:  ps.SessionDuration,
		RelayState:       ps.RelayState,
	}
}

// CreatePermissionSet answers sso-admin CreatePermissionSet.
func (h *handlers) CreatePermissionSet(ctx context.Context, in *CreatePermissionSetRequest) (*CreatePermissionSetResponse, error) {
	ps, err := h.svc.CreatePermissionSet(ctx, access.CreatePermissionSetInput{
		InstanceARN: in.InstanceArn, Name: in.Name, Description: in.Description,
		SessionDuration: in.SessionDuration, RelayState: in.RelayState, Tags: tagsIn(in.Tags),
	})
	if err != nil {
		return nil, err
	}
	return &CreatePermissionSetResponse{PermissionSet: permissionSetOut(ps)}, nil
}

// DescribePermissionSet answers sso-admin DescribePermissionSet.
func (h *handlers) DescribePermissionSet(ctx context.Context, in *DescribePermissionSetRequest) (*DescribePermissionSetResponse, error) {
	ps, err := h.svc.PermissionSet(ctx, in.InstanceArn, in.PermissionSetArn)
	if err != nil {
		return nil, err
	}
	return &DescribePermissionSetResponse{PermissionSet: permissionSetOut(ps)}, nil
}

// UpdatePermissionSet answers sso-admin UpdatePermissionSet.
func (h *handlers) UpdatePermissionSet(ctx context.Context, in *UpdatePermissionSetRequest) (*UpdatePermissionSetResponse, error) {
	err := h.svc.UpdatePermissionSet(ctx, access.UpdatePermissionSetInput{
		InstanceARN: in.InstanceArn, PermissionSetARN: in.PermissionSetArn,
		Description: in.Description, SessionDuration: in.SessionDuration, RelayState: in.RelayState,
	})
	if err != nil {
		return nil, err
	}
	return &UpdatePermissionSetResponse{}, nil
}

// DeletePermissionSet answers sso-admin DeletePermissionSet.
func (h *handlers) DeletePermissionSet(ctx context.Context, in *DeletePermissionSetRequest) (*DeletePermissionSetResponse, error) {
	if err := h.svc.DeletePermissionSet(ctx, in.InstanceArn, in.PermissionSetArn); err != nil {
		return nil, err
	}
	return &DeletePermissionSetResponse{}, nil
}

// ListPermissionSets answers sso-admin ListPermissionSets.
func (h *handlers) ListPermissionSets(ctx context.Context, in *ListPermissionSetsRequest) (*ListPermissionSetsResponse, error) {
	scope := "sso-admin/ListPermissionSets/" + in.InstanceArn
	after, err := h.cursor(scope, in.NextToken)
	if err != nil {
		return nil, err
	}
	p, err := h.svc.ListPermissionSets(ctx, in.InstanceArn, after, limit(in.MaxResults))
	if err != nil {
		return nil, err
	}
	return &ListPermissionSetsResponse{PermissionSets: p.Items, NextToken: h.next(scope, p.Next)}, nil
}

// PutInlinePolicyToPermissionSet answers the sso-admin operation of that
// name; the policy is validated as IAM policy JSON.
func (h *handlers) PutInlinePolicyToPermissionSet(ctx context.Context, in *PutInlinePolicyToPermissionSetRequest) (*PutInlinePolicyToPermissionSetResponse, error) {
	if err := h.svc.PutInlinePolicy(ctx, in.InstanceArn, in.PermissionSetArn, in.InlinePolicy); err != nil {
		return nil, err
	}
	return &PutInlinePolicyToPermissionSetResponse{}, nil
}

// GetInlinePolicyForPermissionSet answers the sso-admin operation of that
// name.
func (h *handlers) GetInlinePolicyForPermissionSet(ctx context.Context, in *GetInlinePolicyForPermissionSetRequest) (*GetInlinePolicyForPermissionSetResponse, error) {
	doc, err := h.svc.InlinePolicy(ctx, in.InstanceArn, in.PermissionSetArn)
	if err != nil {
		return nil, err
	}
	return &GetInlinePolicyForPermissionSetResponse{InlinePolicy: doc}, nil
}

// DeleteInlinePolicyFromPermissionSet answers the sso-admin operation of
// that name.
func (h *handlers) DeleteInlinePolicyFromPermissionSet(ctx context.Context, in *DeleteInlinePolicyFromPermissionSetRequest) (*DeleteInlinePolicyFromPermissionSetResponse, error) {
	if err := h.svc.DeleteInlinePolicy(ctx, in.InstanceArn, in.PermissionSetArn); err != nil {
		return nil, err
	}
	return &DeleteInlinePolicyFromPermissionSetResponse{}, nil
}

// AttachManagedPolicyToPermissionSet answers the sso-admin operation of
// that name.
func (h *handlers) AttachManagedPolicyToPermissionSet(ctx context.Context, in *AttachManagedPolicyToPermissionSetRequest) (*AttachManagedPolicyToPermissionSetResponse, error) {
	if err := h.svc.AttachManagedPolicy(ctx, in.InstanceArn, in.PermissionSetArn, in.ManagedPolicyArn); err != nil {
		return nil, err
	}
	return &AttachManagedPolicyToPermissionSetResponse{}, nil
}

// DetachManagedPolicyFromPermissionSet answers the sso-admin operation of
// that name.
func (h *handlers) DetachManagedPolicyFromPermissionSet(ctx context.Context, in *DetachManagedPolicyFromPermissionSetRequest) (*DetachManagedPolicyFromPermissionSetResponse, error) {
	if err := h.svc.DetachManagedPolicy(ctx, in.InstanceArn, in.PermissionSetArn, in.ManagedPolicyArn); err != nil {
		return nil, err
	}
	return &DetachManagedPolicyFromPermissionSetResponse{}, nil
}

// ListManagedPoliciesInPermissionSet answers the sso-admin operation of
// that name.
func (h *handlers) ListManagedPoliciesInPermissionSet(ctx context.Context, in *ListManagedPoliciesInPermissionSetRequest) (*ListManagedPoliciesInPermissionSetResponse, error) {
	scope := "sso-admin/ListManagedPoliciesInPermissionSet/" + in.PermissionSetArn
	after, err := h.cursor(scope, in.NextToken)
	if err != nil {
		return nil, err
	}
	p, err := h.svc.ListManagedPolicies(ctx, in.InstanceArn, in.PermissionSetArn, after, limit(in.MaxResults))
	if err != nil {
		return nil, err
	}
	out := &ListManagedPoliciesInPermissionSetResponse{AttachedManagedPolicies: []AttachedManagedPolicy{}, NextToken: h.next(scope, p.Next)}
	for _, m := range p.Items {
		out.AttachedManagedPolicies = append(out.AttachedManagedPolicies, AttachedManagedPolicy{Name: m.Name, Arn: m.ARN})
	}
	return out, nil
}

func refIn(r *CustomerManagedPolicyReference) idc.CustomerManagedPolicyRef {
	if r == nil {
		return idc.CustomerManagedPolicyRef{}
	}
	return idc.CustomerManagedPolicyRef{Name: r.Name, Path: r.Path}
}

// AttachCustomerManagedPolicyReferenceToPermissionSet answers the sso-admin
// operation of that name.
func (h *handlers) AttachCustomerManagedPolicyReferenceToPermissionSet(ctx context.Context, in *AttachCustomerManagedPolicyReferenceToPermissionSetRequest) (*AttachCustomerManagedPolicyReferenceToPermissionSetResponse, error) {
	if err := h.svc.AttachCustomerManagedPolicy(ctx, in.InstanceArn, in.PermissionSetArn, refIn(in.CustomerManagedPolicyReference)); err != nil {
		return nil, err
	}
	return &AttachCustomerManagedPolicyReferenceToPermissionSetResponse{}, nil
}

// DetachCustomerManagedPolicyReferenceFromPermissionSet answers the
// sso-admin operation of that name.
func (h *handlers) DetachCustomerManagedPolicyReferenceFromPermissionSet(ctx context.Context, in *DetachCustomerManagedPolicyReferenceFromPermissionSetRequest) (*DetachCustomerManagedPolicyReferenceFromPermissionSetResponse, error) {
	if err := h.svc.DetachCustomerManagedPolicy(ctx, in.InstanceArn, in.PermissionSetArn, refIn(in.CustomerManagedPolicyReference)); err != nil {
		return nil, err
	}
	return &DetachCustomerManagedPolicyReferenceFromPermissionSetResponse{}, nil
}

// ListCustomerManagedPolicyReferencesInPermissionSet answers the sso-admin
// operation of that name.
func (h *handlers) ListCustomerManagedPolicyReferencesInPermissionSet(ctx context.Context, in *ListCustomerManagedPolicyReferencesInPermissionSetRequest) (*ListCustomerManagedPolicyReferencesInPermissionSetResponse, error) {
	scope := "sso-admin/ListCustomerManagedPolicyReferencesInPermissionSet/" + in.PermissionSetArn
	after, err := h.cursor(scope, in.NextToken)
	if err != nil {
		return nil, err
	}
	p, err := h.svc.ListCustomerManagedPolicies(ctx, in.InstanceArn, in.PermissionSetArn, after, limit(in.MaxResults))
	if err != nil {
		return nil, err
	}
	out := &ListCustomerManagedPolicyReferencesInPermissionSetResponse{CustomerManagedPolicyReferences: []CustomerManagedPolicyReference{}, NextToken: h.next(scope, p.Next)}
	for _, r := range p.Items {
		out.CustomerManagedPolicyReferences = append(out.CustomerManagedPolicyReferences, CustomerManagedPolicyReference{Name: r.Name, Path: r.Path})
	}
	return out, nil
}

// PutPermissionsBoundaryToPermissionSet answers the sso-admin operation of
// that name.
func (h *handlers) PutPermissionsBoundaryToPermissionSet(ctx context.Context, in *PutPermissionsBoundaryToPermissionSetRequest) (*PutPermissionsBoundaryToPermissionSetResponse, error) {
	var b idc.PermissionsBoundary
	if in.PermissionsBoundary != nil {
		b.ManagedPolicyARN = in.PermissionsBoundary.ManagedPolicyArn
		if r := in.PermissionsBoundary.CustomerManagedPolicyReference; r != nil {
			ref := refIn(r)
			b.CustomerManagedPolicy = &ref
		}
	}
	if err := h.svc.PutPermissionsBoundary(ctx, in.InstanceArn, in.PermissionSetArn, b); err != nil {
		return nil, err
	}
	return &PutPermissionsBoundaryToPermissionSetResponse{}, nil
}

// GetPermissionsBoundaryForPermissionSet answers the sso-admin operation of
// that name.
func (h *handlers) GetPermissionsBoundaryForPermissionSet(ctx context.Context, in *GetPermissionsBoundaryForPermissionSetRequest) (*GetPermissionsBoundaryForPermissionSetResponse, error) {
	b, err := h.svc.PermissionsBoundary(ctx, in.InstanceArn, in.PermissionSetArn)
	if err != nil {
		return nil, err
	}
	out := &PermissionsBoundary{ManagedPolicyArn: b.ManagedPolicyARN}
	if r := b.CustomerManagedPolicy; r != nil {
		out.CustomerManagedPolicyReference = &CustomerManagedPolicyReference{Name: r.Name, Path: r.Path}
	}
	return &GetPermissionsBoundaryForPermissionSetResponse{PermissionsBoundary: out}, nil
}

// DeletePermissionsBoundaryFromPermissionSet answers the sso-admin
// operation of that name.
func (h *handlers) DeletePermissionsBoundaryFromPermissionSet(ctx context.Context, in *DeletePermissionsBoundaryFromPermissionSetRequest) (*DeletePermissionsBoundaryFromPermissionSetResponse, error) {
	if err := h.svc.DeletePermissionsBoundary(ctx, in.InstanceArn, in.PermissionSetArn); err != nil {
		return nil, err
	}
	return &DeletePermissionsBoundaryFromPermissionSetResponse{}, nil
}
