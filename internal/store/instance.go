package store

import (
	"context"

	"github.com/idcenter/idcenter/internal/idc"
)

// Instances stores Identity Center instances, administrator access keys and
// small named settings.
type Instances interface {
	// CreateInstance inserts an instance (ErrDuplicate if its ARN or
	// identity store id exists).
	CreateInstance(ctx context.Context, in *idc.Instance) error
	// GetInstance returns an instance by ARN (ErrNotFound).
	GetInstance(ctx context.Context, arn string) (*idc.Instance, error)
	// GetInstanceByIdentityStore returns the instance that owns an identity
	// store (ErrNotFound).
	GetInstanceByIdentityStore(ctx context.Context, identityStoreID string) (*idc.Instance, error)
	// ListInstances returns instances ordered by ARN after p.After.
	ListInstances(ctx context.Context, p Page) ([]*idc.Instance, error)

	// PutAccessKey inserts an access key (ErrDuplicate if the id exists).
	PutAccessKey(ctx context.Context, k *idc.AccessKey) error
	// GetAccessKey returns an access key by id (ErrNotFound).
	GetAccessKey(ctx context.Context, id string) (*idc.AccessKey, error)

	// GetSetting returns a named setting's value (ErrNotFound).
	GetSetting(ctx context.Context, name string) (string, error)
	// PutSetting inserts a setting if it is absent and reports whether it
	// inserted it; an existing value is kept (first writer wins, so
	// replicas racing at start-up agree on one value).
	PutSetting(ctx context.Context, name, value string) (bool, error)
}
