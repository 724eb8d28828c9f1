package access

import (
	"context"
	"errors"
	"fmt"

	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/policy"
	"github.com/idcenter/idcenter/internal/store"
)

// CreatePermissionSetInput is a CreatePermissionSet request.
type CreatePermissionSetInput struct {
	InstanceARN     string
	Name            string
	Description     string
	SessionDuration string // "" = DefaultSessionDuration
	RelayState      string
	Tags            []idc.Tag
}

// CreatePermissionSet creates a permission set. KindNotFound: no such
// instance; KindConflict: the name is taken in the instance; KindInvalid;
// KindQuotaExceeded beyond MaxPermissionSets.
func (s *Service) CreatePermissionSet(ctx context.Context, in CreatePermissionSetInput) (*idc.PermissionSet, error) {
	if in.SessionDuration == "" {
		in.SessionDuration = DefaultSessionDuration
	}
	if _, err := sessionDuration(in.SessionDuration); err != nil {
		return nil, err
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	tags := dedupeTags(in.Tags)
	if len(tags) > MaxTags {
		return nil, idc.QuotaExceededf("A resource can have at most %d tags.", MaxTags)
	}
	ps := &idc.PermissionSet{
		ARN:             idc.NewPermissionSetARN(in.InstanceARN),
		InstanceARN:     in.InstanceARN,
		Name:            in.Name,
		Description:     in.Description,
		SessionDuration: in.SessionDuration,
		RelayState:      in.RelayState,
		CreatedAt:       s.timestamp(),
	}
	err := s.st.Tx(ctx, func(q store.Queries) error {
		if _, err := instance(ctx, q, in.InstanceARN); err != nil {
			return err
		}
		n, err := q.CountPermissionSets(ctx, in.InstanceARN)
		if err != nil {
			return err
		}
		if n >= MaxPermissionSets {
			return idc.QuotaExceededf("The number of permission sets in the instance would exceed the limit of %d.", MaxPermissionSets)
		}
		if err := q.CreatePermissionSet(ctx, ps); err != nil {
			if errors.Is(err, store.ErrDuplicate) {
				return idc.Conflictf("PermissionSet with name %s already exists.", in.Name)
			}
			return fmt.Errorf("create permission set: %w", err)
		}
		if len(tags) > 0 {
			return q.PutResourceTags(ctx, in.InstanceARN, ps.ARN, tags)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ps, nil
}

// PermissionSet returns a permission set of an instance (KindNotFound).
func (s *Service) PermissionSet(ctx context.Context, instanceARN, arn string) (*idc.PermissionSet, error) {
	return permissionSet(ctx, s.st, instanceARN, arn, false)
}

// ListPermissionSets lists an instance's permission set ARNs.
func (s *Service) ListPermissionSets(ctx context.Context, instanceARN, after string, limit int) (Page[string], error) {
	if _, err := instance(ctx, s.st, instanceARN); err != nil {
		return Page[string]{}, err
	}
	return list(after, limit, func(p store.Page) ([]string, error) { return s.st.ListPermissionSets(ctx, instanceARN, p) },
		func(a string) string { return a })
}

// UpdatePermissionSetInput is an UpdatePermissionSet request: empty
// fields are left as they are.
type UpdatePermissionSetInput struct {
	InstanceARN      string
	PermissionSetARN string
	Description      string
	SessionDuration  string
	RelayState       string
}

// modify runs change on a locked permission set of an instance inside a
// transaction and then stores it, which marks its provisioned accounts as
// needing re-provisioning.
func (s *Service) modify(ctx context.Context, instanceARN, arn string, change func(q store.Queries, ps *idc.PermissionSet) error) error {
	return s.st.Tx(ctx, func(q store.Queries) error {
		ps, err := permissionSet(ctx, q, instanceARN, arn, true)
		if err != nil {
			return err
		}
		if err := change(q, ps); err != nil {
			return err
		}
		return q.UpdatePermissionSet(ctx, ps)
	})
}

// UpdatePermissionSet changes a permission set's description, session
// duration or relay state. KindNotFound; KindInvalid.
func (s *Service) UpdatePermissionSet(ctx context.Context, in UpdatePermissionSetInput) error {
	if in.SessionDuration != "" {
		if _, err := sessionDuration(in.SessionDuration); err != nil {
			return err
		}
	}
	return s.modify(ctx, in.InstanceARN, in.PermissionSetARN, func(_ store.Queries, ps *idc.PermissionSet) error {
		if in.Description != "" {
			ps.Description = in.Description
		}
		if in.SessionDuration != "" {
			ps.SessionDuration = in.SessionDuration
		}
		if in.RelayState != "" {
			ps.RelayState = in.RelayState
		}
		return nil
	})
}

// DeletePermissionSet deletes a permission set with its policies, tags and
// provisioned roles. While account assignments use it, it is a
// KindConflict, as AWS refuses. KindNotFound.
func (s *Service) DeletePermissionSet(ctx context.Context, instanceARN, arn string) error {
	return s.st.Tx(ctx, func(q store.Queries) error {
		if _, err := permissionSet(ctx, q, instanceARN, arn, true); err != nil {
			return err
		}
		err := q.DeletePermissionSet(ctx, arn)
		if errors.Is(err, store.ErrReferenced) {
			return errPermissionSetInUse()
		}
		return err
	})
}

func errPermissionSetInUse() error {
	return idc.Conflictf("Could not delete because PermissionSet has ApplicationProfile associated with it.")
}

// PutInlinePolicy sets a permission set's inline policy after validating
// it as an IAM identity policy of at most
// policy.MaxPermissionSetInlinePolicy characters. KindInvalid; KindNotFound.
func (s *Service) PutInlinePolicy(ctx context.Context, instanceARN, arn, doc string) error {
	if _, err := policy.Parse(doc, policy.MaxPermissionSetInlinePolicy); err != nil {
		return invalidPolicy(err)
	}
	return s.modify(ctx, instanceARN, arn, func(_ store.Queries, ps *idc.PermissionSet) error {
		ps.InlinePolicy = doc
		return nil
	})
}

// invalidPolicy turns a policy validation failure into KindInvalid.
func invalidPolicy(err error) error {
	var pe *policy.Error
	if errors.As(err, &pe) {
		return idc.Invalidf("The policy document is malformed: %s", pe.Msg)
	}
	return err
}

// InlinePolicy returns a permission set's inline policy ("" for none).
func (s *Service) InlinePolicy(ctx context.Context, instanceARN, arn string) (string, error) {
	ps, err := permissionSet(ctx, s.st, instanceARN, arn, false)
	if err != nil {
		return "", err
	}
	return ps.InlinePolicy, nil
}

// DeleteInlinePolicy removes a permission set's inline policy (a permission
// set without one is left as it is). KindNotFound.
func (s *Service) DeleteInlinePolicy(ctx context.Context, instanceARN, arn string) error {
	return s.st.Tx(ctx, func(q store.Queries) error {
		ps, err := permissionSet(ctx, q, instanceARN, arn, true)
		if err != nil || ps.InlinePolicy == "" {
			return err
		}
		ps.InlinePolicy = ""
		return q.UpdatePermissionSet(ctx, ps)
	})
}

// AttachManagedPolicy attaches an AWS managed policy by ARN. KindConflict
// if attached; KindQuotaExceeded beyond MaxManagedPolicies; KindNotFound.
func (s *Service) AttachManagedPolicy(ctx context.Context, instanceARN, arn, policyARN string) error {
	return s.modify(ctx, instanceARN, arn, func(q store.Queries, ps *idc.PermissionSet) error {
		err := q.AttachManagedPolicy(ctx, arn, idc.ManagedPolicy{ARN: policyARN, Name: policy.ManagedPolicyName(policyARN)})
		if errors.Is(err, store.ErrDuplicate) {
			return idc.Conflictf("Managed policy %s is already attached to the permission set.", policyARN)
		}
		if err != nil {
			return err
		}
		// Count after inserting: the permission set row is locked, so the
		// count is exact, and exceeding rolls the insert back.
		n, err := q.CountManagedPolicies(ctx, arn)
		if err != nil {
			return err
		}
		if n > MaxManagedPolicies {
			return idc.QuotaExceededf("The number of managed policies attached to the permission set would exceed the limit of %d.", MaxManagedPolicies)
		}
		return nil
	})
}

// DetachManagedPolicy detaches an AWS managed policy (KindNotFound when the
// permission set does not exist or the policy is not attached).
func (s *Service) DetachManagedPolicy(ctx context.Context, instanceARN, arn, policyARN string) error {
	return s.modify(ctx, instanceARN, arn, func(q store.Queries, ps *idc.PermissionSet) error {
		err := q.DetachManagedPolicy(ctx, arn, policyARN)
		if errors.Is(err, store.ErrNotFound) {
			return idc.NotFound("MANAGED_POLICY", policyARN, "Managed policy %s is not attached to the permission set.", policyARN)
		}
		return err
	})
}

// ListManagedPolicies lists the AWS managed policies of a permission set.
func (s *Service) ListManagedPolicies(ctx context.Context, instanceARN, arn, after string, limit int) (Page[idc.ManagedPolicy], error) {
	if _, err := permissionSet(ctx, s.st, instanceARN, arn, false); err != nil {
		return Page[idc.ManagedPolicy]{}, err
	}
	return list(after, limit, func(p store.Page) ([]idc.ManagedPolicy, error) { return s.st.ListManagedPolicies(ctx, arn, p) },
		func(m idc.ManagedPolicy) string { return m.ARN })
}

func withDefaultPath(ref idc.CustomerManagedPolicyRef) idc.CustomerManagedPolicyRef {
	if ref.Path == "" {
		ref.Path = "/"
	}
	return ref
}

// AttachCustomerManagedPolicy attaches a customer managed policy reference
// (Path "" = "/"). KindConflict if attached; KindQuotaExceeded beyond
// MaxCustomerManagedPolicies; KindNotFound.
func (s *Service) AttachCustomerManagedPolicy(ctx context.Context, instanceARN, arn string, ref idc.CustomerManagedPolicyRef) error {
	ref = withDefaultPath(ref)
	return s.modify(ctx, instanceARN, arn, func(q store.Queries, ps *idc.PermissionSet) error {
		err := q.AttachCustomerManagedPolicy(ctx, arn, ref)
		if errors.Is(err, store.ErrDuplicate) {
			return idc.Conflictf("Customer managed policy reference %s%s is already attached to the permission set.", ref.Path, ref.Name)
		}
		if err != nil {
			return err
		}
		n, err := q.CountCustomerManagedPolicies(ctx, arn)
		if err != nil {
			return err
		}
		if n > MaxCustomerManagedPolicies {
			return idc.QuotaExceededf("The number of customer managed policy references attached to the permission set would exceed the limit of %d.", MaxCustomerManagedPolicies)
		}
		return nil
	})
}

// DetachCustomerManagedPolicy detaches a customer managed policy reference
// (KindNotFound when not attached).
func (s *Service) DetachCustomerManagedPolicy(ctx context.Context, instanceARN, arn string, ref idc.CustomerManagedPolicyRef) error {
	ref = withDefaultPath(ref)
	return s.modify(ctx, instanceARN, arn, func(q store.Queries, ps *idc.PermissionSet) error {
		err := q.DetachCustomerManagedPolicy(ctx, arn, ref)
		if errors.Is(err, store.ErrNotFound) {
			return idc.NotFound("CUSTOMER_MANAGED_POLICY", ref.Path+ref.Name, "Customer managed policy reference %s%s is not attached to the permission set.", ref.Path, ref.Name)
		}
		return err
	})
}

// ListCustomerManagedPolicies lists the customer managed policy references
// of a permission set.
func (s *Service) ListCustomerManagedPolicies(ctx context.Context, instanceARN, arn, after string, limit int) (Page[idc.CustomerManagedPolicyRef], error) {
	if _, err := permissionSet(ctx, s.st, instanceARN, arn, false); err != nil {
		return Page[idc.CustomerManagedPolicyRef]{}, err
	}
	return list(after, limit, func(p store.Page) ([]idc.CustomerManagedPolicyRef, error) {
		return s.st.ListCustomerManagedPolicies(ctx, arn, p)
	}, func(r idc.CustomerManagedPolicyRef) string { return r.Path + r.Name })
}

// PutPermissionsBoundary sets a permission set's boundary: exactly one of
// an AWS managed policy ARN or a customer managed policy reference.
// KindInvalid; KindNotFound.
func (s *Service) PutPermissionsBoundary(ctx context.Context, instanceARN, arn string, b idc.PermissionsBoundary) error {
	if (b.ManagedPolicyARN == "") == (b.CustomerManagedPolicy == nil) {
		return idc.Invalidf("A permissions boundary must specify exactly one of ManagedPolicyArn or CustomerManagedPolicyReference.")
	}
	if b.CustomerManagedPolicy != nil {
		ref := withDefaultPath(*b.CustomerManagedPolicy)
		b.CustomerManagedPolicy = &ref
	}
	return s.modify(ctx, instanceARN, arn, func(_ store.Queries, ps *idc.PermissionSet) error {
		ps.Boundary = &b
		return nil
	})
}

func errNoBoundary(arn string) error {
	return idc.NotFound("PERMISSIONS_BOUNDARY", arn, "Could not find a permissions boundary for PermissionSet %s.", arn)
}

// PermissionsBoundary returns a permission set's boundary (KindNotFound
// when it has none).
func (s *Service) PermissionsBoundary(ctx context.Context, instanceARN, arn string) (*idc.PermissionsBoundary, error) {
	ps, err := permissionSet(ctx, s.st, instanceARN, arn, false)
	if err != nil {
		return nil, err
	}
	if ps.Boundary == nil {
		return nil, errNoBoundary(arn)
	}
	return ps.Boundary, nil
}

// DeletePermissionsBoundary removes a permission set's boundary
// (KindNotFound when it has none).
func (s *Service) DeletePermissionsBoundary(ctx context.Context, instanceARN, arn string) error {
	return s.modify(ctx, instanceARN, arn, func(_ store.Queries, ps *idc.PermissionSet) error {
		if ps.Boundary == nil {
			return errNoBoundary(arn)
		}
		ps.Boundary = nil
		return nil
	})
}
