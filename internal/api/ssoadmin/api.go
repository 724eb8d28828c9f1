package ssoadmin

import (
	"context"
	"errors"

	"github.com/idcenter/idcenter/internal/access"
	"github.com/idcenter/idcenter/internal/awsproto"
	"github.com/idcenter/idcenter/internal/idc"
)

// New returns the sso-admin JSON service. Operations not implemented yet
// answer through UnimplementedAPI with an error the SDKs parse.
func New(svc *access.Service, tokens *awsproto.Tokens) *awsproto.JSONService {
	return NewService(&handlers{svc: svc, tokens: tokens}, mapError)
}

type handlers struct {
	UnimplementedAPI
	svc    *access.Service
	tokens *awsproto.Tokens
}

// mapError is the one mapping from domain errors to sso-admin wire errors.
func mapError(err error) *awsproto.Error {
	var e *idc.Error
	if !errors.As(err, &e) {
		return nil
	}
	code := ""
	switch e.Kind {
	case idc.KindNotFound:
		code = "ResourceNotFoundException"
	case idc.KindConflict:
		code = "ConflictException"
	case idc.KindInvalid:
		code = "ValidationException"
	case idc.KindDenied:
		code = "AccessDeniedException"
	case idc.KindThrottled:
		code = "ThrottlingException"
	case idc.KindQuotaExceeded:
		code = "ServiceQuotaExceededException"
	default:
		return nil
	}
	return &awsproto.Error{Code: code, Message: e.Msg}
}

const scopeListInstances = "sso-admin/ListInstances"

// ListInstances answers sso-admin ListInstances with keyset pagination.
func (h *handlers) ListInstances(ctx context.Context, in *ListInstancesRequest) (*ListInstancesResponse, error) {
	limit := 100
	if in.MaxResults != nil {
		limit = int(*in.MaxResults)
	}
	after := ""
	if in.NextToken != "" {
		c, err := h.tokens.Open(scopeListInstances, in.NextToken)
		if err != nil {
			return nil, &awsproto.Error{Code: "ValidationException", Message: "The NextToken is invalid."}
		}
		after = string(c)
	}
	list, err := h.svc.ListInstances(ctx, after, limit+1)
	if err != nil {
		return nil, err
	}
	out := &ListInstancesResponse{Instances: []InstanceMetadata{}}
	if len(list) > limit {
		list = list[:limit]
		out.NextToken = h.tokens.Seal(scopeListInstances, []byte(list[limit-1].InstanceARN))
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
	return &DescribeInstanceResponse{
		InstanceArn:     i.InstanceARN,
		IdentityStoreId: i.IdentityStoreID,
		OwnerAccountId:  i.OwnerAccountID,
		Name:            i.Name,
		CreatedDate:     awsproto.TimePtr(i.CreatedAt),
		Status:          i.Status,
	}, nil
}
