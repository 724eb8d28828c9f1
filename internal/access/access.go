// Package access owns "who may act as what in which account": Identity
// Center instances, permission sets, account assignments, provisioning and
// the entitlements the portal and credential issuance read. Today it serves
// the instance reads; permission sets and assignments follow.
//
// access imports idc and store, never net/http or a protocol package.
package access

import (
	"context"
	"errors"

	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/store"
)

// Service implements the access rules on a store. Safe for concurrent use.
type Service struct {
	st store.Store
}

// New returns an access service.
func New(st store.Store) *Service { return &Service{st: st} }

// ListInstances returns up to limit instances ordered by ARN after the ARN
// after ("" = from the start).
func (s *Service) ListInstances(ctx context.Context, after string, limit int) ([]*idc.Instance, error) {
	return s.st.ListInstances(ctx, store.Page{After: after, Limit: limit})
}

// Instance returns an instance by ARN, or a KindNotFound error.
func (s *Service) Instance(ctx context.Context, arn string) (*idc.Instance, error) {
	in, err := s.st.GetInstance(ctx, arn)
	if errors.Is(err, store.ErrNotFound) {
		return nil, idc.NotFound("INSTANCE", arn, "Instance %s does not exist.", arn)
	}
	return in, err
}
