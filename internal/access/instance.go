package access

import (
	"context"
	"errors"
	"fmt"

	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/store"
)

// Instance statuses (sso-admin InstanceStatus).
const InstanceActive = "ACTIVE"

// CreateInstance creates an instance with its own, empty identity store,
// named name, with tags. The owner account is the bootstrap instance's.
// KindQuotaExceeded beyond MaxInstances.
func (s *Service) CreateInstance(ctx context.Context, name string, tags []idc.Tag) (*idc.Instance, error) {
	if err := checkTags(tags); err != nil {
		return nil, err
	}
	in := &idc.Instance{
		InstanceARN:     idc.NewInstanceARN(),
		IdentityStoreID: idc.NewIdentityStoreID(),
		Name:            name,
		Status:          InstanceActive,
		CreatedAt:       s.timestamp(),
	}
	err := s.st.Tx(ctx, func(q store.Queries) error {
		n, err := q.CountInstances(ctx)
		if err != nil {
			return err
		}
		if n >= MaxInstances {
			return idc.QuotaExceededf("The number of instances would exceed the limit of %d.", MaxInstances)
		}
		if s.bootstrap != "" {
			if b, err := q.GetInstance(ctx, s.bootstrap); err == nil {
				in.OwnerAccountID = b.OwnerAccountID
			}
		}
		if err := q.CreateInstance(ctx, in); err != nil {
			return fmt.Errorf("create instance: %w", err)
		}
		if len(tags) > 0 {
			return q.PutResourceTags(ctx, in.InstanceARN, in.InstanceARN, dedupeTags(tags))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return in, nil
}

// UpdateInstance renames an instance (name "" leaves it). KindNotFound.
func (s *Service) UpdateInstance(ctx context.Context, arn, name string) error {
	return s.st.Tx(ctx, func(q store.Queries) error {
		if _, err := instance(ctx, q, arn); err != nil {
			return err
		}
		if name == "" {
			return nil
		}
		return q.RenameInstance(ctx, arn, name)
	})
}

// DeleteInstance deletes an instance with its identity store, permission
// sets, assignments and everything else under it. The bootstrap instance
// cannot be deleted (KindConflict). KindNotFound.
func (s *Service) DeleteInstance(ctx context.Context, arn string) error {
	if arn == s.bootstrap {
		return idc.Conflictf(bootstrapInstanceUndeletable)
	}
	return s.st.Tx(ctx, func(q store.Queries) error {
		if _, err := instance(ctx, q, arn); err != nil {
			return err
		}
		if err := q.DeleteInstance(ctx, arn); err != nil {
			return fmt.Errorf("delete instance: %w", err)
		}
		return nil
	})
}

// AccessControlAttributes returns an instance's attribute-based access
// control configuration. KindNotFound when the instance or the
// configuration does not exist.
func (s *Service) AccessControlAttributes(ctx context.Context, instanceARN string) ([]idc.AccessControlAttribute, error) {
	attrs, err := s.st.GetAccessControlAttributes(ctx, instanceARN)
	if errors.Is(err, store.ErrNotFound) {
		if _, err := instance(ctx, s.st, instanceARN); err != nil {
			return nil, err
		}
		return nil, errNoABAC()
	}
	return attrs, err
}

func errNoABAC() error {
	return idc.NotFound("ACCESS_CONTROL_ATTRIBUTE_CONFIGURATION", "", "Instance access control attribute configuration does not exist.")
}

func checkAttributes(attrs []idc.AccessControlAttribute) error {
	if len(attrs) > MaxAccessControlAttributes {
		return idc.Invalidf("An instance can have at most %d access control attributes.", MaxAccessControlAttributes)
	}
	seen := map[string]bool{}
	for _, a := range attrs {
		if seen[a.Key] {
			return idc.Invalidf("Duplicate access control attribute key %q.", a.Key)
		}
		seen[a.Key] = true
	}
	return nil
}

// SetAccessControlAttributes creates (create) or replaces (!create) an
// instance's attribute-based access control configuration. Creating one
// that exists is a KindConflict; replacing one that does not, KindNotFound.
func (s *Service) SetAccessControlAttributes(ctx context.Context, instanceARN string, attrs []idc.AccessControlAttribute, create bool) error {
	if err := checkAttributes(attrs); err != nil {
		return err
	}
	return s.st.Tx(ctx, func(q store.Queries) error {
		if _, err := instance(ctx, q, instanceARN); err != nil {
			return err
		}
		_, err := q.GetAccessControlAttributes(ctx, instanceARN)
		switch {
		case err == nil && create:
			return idc.Conflictf("An instance access control attribute configuration already exists for instance %s.", instanceARN)
		case errors.Is(err, store.ErrNotFound) && !create:
			return errNoABAC()
		case err != nil && !errors.Is(err, store.ErrNotFound):
			return err
		}
		return q.PutAccessControlAttributes(ctx, instanceARN, attrs)
	})
}

// DeleteAccessControlAttributes deletes the configuration (KindNotFound).
func (s *Service) DeleteAccessControlAttributes(ctx context.Context, instanceARN string) error {
	return s.st.Tx(ctx, func(q store.Queries) error {
		if _, err := instance(ctx, q, instanceARN); err != nil {
			return err
		}
		err := q.DeleteAccessControlAttributes(ctx, instanceARN)
		if errors.Is(err, store.ErrNotFound) {
			return errNoABAC()
		}
		return err
	})
}

// Region statuses (sso-admin RegionStatus).
const (
	RegionActive   = "ACTIVE"
	RegionAdding   = "ADDING"
	RegionRemoving = "REMOVING"
)

func errRegionNotFound(name string) error {
	return idc.NotFound("REGION", name, "Region %s is not enabled for this instance.", name)
}

// AddRegion records a region as metadata of an instance. Regions carry no
// behaviour in idcenter: one server answers for every region. KindConflict
// if recorded; KindNotFound for an unknown instance.
func (s *Service) AddRegion(ctx context.Context, instanceARN, name string) error {
	return s.st.Tx(ctx, func(q store.Queries) error {
		if _, err := instance(ctx, q, instanceARN); err != nil {
			return err
		}
		err := q.PutRegion(ctx, &idc.Region{InstanceARN: instanceARN, Name: name, Status: RegionActive, AddedAt: s.timestamp()})
		if errors.Is(err, store.ErrDuplicate) {
			return idc.Conflictf("Region %s is already enabled for this instance.", name)
		}
		return err
	})
}

// RemoveRegion forgets a recorded region (KindNotFound).
func (s *Service) RemoveRegion(ctx context.Context, instanceARN, name string) error {
	return s.st.Tx(ctx, func(q store.Queries) error {
		if _, err := instance(ctx, q, instanceARN); err != nil {
			return err
		}
		err := q.DeleteRegion(ctx, instanceARN, name)
		if errors.Is(err, store.ErrNotFound) {
			return errRegionNotFound(name)
		}
		return err
	})
}

// Region returns a recorded region (KindNotFound).
func (s *Service) Region(ctx context.Context, instanceARN, name string) (*idc.Region, error) {
	r, err := s.st.GetRegion(ctx, instanceARN, name)
	if errors.Is(err, store.ErrNotFound) {
		if _, err := instance(ctx, s.st, instanceARN); err != nil {
			return nil, err
		}
		return nil, errRegionNotFound(name)
	}
	return r, err
}

// ListRegions lists an instance's recorded regions by name.
func (s *Service) ListRegions(ctx context.Context, instanceARN, after string, limit int) (Page[*idc.Region], error) {
	if _, err := instance(ctx, s.st, instanceARN); err != nil {
		return Page[*idc.Region]{}, err
	}
	return list(after, limit, func(p store.Page) ([]*idc.Region, error) { return s.st.ListRegions(ctx, instanceARN, p) },
		func(r *idc.Region) string { return r.Name })
}
