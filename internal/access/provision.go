package access

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/store"
)

// Snapshot is the content of a permission set as one provisioning
// materialised it: what the provisioned role carries until the next
// provisioning. It is stored as JSON with these member names.
type Snapshot struct {
	Name                    string                         `json:"name"`
	Description             string                         `json:"description,omitempty"`
	SessionDuration         string                         `json:"sessionDuration"`
	RelayState              string                         `json:"relayState,omitempty"`
	InlinePolicy            string                         `json:"inlinePolicy,omitempty"`
	ManagedPolicies         []idc.ManagedPolicy            `json:"managedPolicies"`
	CustomerManagedPolicies []idc.CustomerManagedPolicyRef `json:"customerManagedPolicies"`
	PermissionsBoundary     *idc.PermissionsBoundary       `json:"permissionsBoundary,omitempty"`
}

// snapshot stores the current content of ps (its Version) unless stored.
func (s *Service) snapshot(ctx context.Context, q store.Queries, ps *idc.PermissionSet) error {
	if _, err := q.GetSnapshot(ctx, ps.ARN, ps.Version); err == nil {
		return nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	snap := Snapshot{
		Name: ps.Name, Description: ps.Description, SessionDuration: ps.SessionDuration, RelayState: ps.RelayState,
		InlinePolicy: ps.InlinePolicy, PermissionsBoundary: ps.Boundary,
		ManagedPolicies: []idc.ManagedPolicy{}, CustomerManagedPolicies: []idc.CustomerManagedPolicyRef{},
	}
	for p := (store.Page{Limit: 1000}); ; {
		page, err := q.ListManagedPolicies(ctx, ps.ARN, p)
		if err != nil {
			return err
		}
		snap.ManagedPolicies = append(snap.ManagedPolicies, page...)
		if len(page) < p.Limit {
			break
		}
		p.After = page[len(page)-1].ARN
	}
	for p := (store.Page{Limit: 1000}); ; {
		page, err := q.ListCustomerManagedPolicies(ctx, ps.ARN, p)
		if err != nil {
			return err
		}
		snap.CustomerManagedPolicies = append(snap.CustomerManagedPolicies, page...)
		if len(page) < p.Limit {
			break
		}
		p.After = page[len(page)-1].Path + page[len(page)-1].Name
	}
	doc, err := json.Marshal(snap)
	if err != nil {
		return err
	}
	return q.PutSnapshot(ctx, &idc.PermissionSetSnapshot{PermissionSetARN: ps.ARN, Version: ps.Version, Document: string(doc), CreatedAt: s.timestamp()})
}

// role returns the provisioned role of ps in an account at ps's version.
func (s *Service) role(ps *idc.PermissionSet, accountID string) (*idc.ProvisionedRole, error) {
	d, err := sessionDuration(ps.SessionDuration)
	if err != nil {
		return nil, fmt.Errorf("permission set %s has a bad session duration: %w", ps.ARN, err)
	}
	return &idc.ProvisionedRole{
		InstanceARN: ps.InstanceARN, PermissionSetARN: ps.ARN, AccountID: accountID,
		RoleName: idc.RoleName(ps.Name, ps.ARN, accountID), Version: ps.Version,
		SessionSeconds: int64(d.Seconds()), ProvisionedAt: s.timestamp(),
	}, nil
}

// ensureProvisioned provisions ps to an account unless it is provisioned
// there (at any version), and locks the pair's role for the transaction.
func (s *Service) ensureProvisioned(ctx context.Context, q store.Queries, ps *idc.PermissionSet, accountID string) error {
	err := q.LockProvisionedRole(ctx, ps.ARN, accountID)
	if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if err := s.snapshot(ctx, q, ps); err != nil {
		return err
	}
	r, err := s.role(ps, accountID)
	if err != nil {
		return err
	}
	_, err = q.EnsureProvisionedRole(ctx, r)
	return err
}

// ProvisionInput is a ProvisionPermissionSet request.
type ProvisionInput struct {
	InstanceARN      string
	PermissionSetARN string
	TargetType       string // idc.TargetAWSAccount or idc.TargetAllProvisionedAccounts
	TargetID         string // the account, for idc.TargetAWSAccount
}

// Provision provisions the latest version of a permission set to one
// account, or re-provisions it to every account it is provisioned to. It
// returns the recorded status: SUCCEEDED, or FAILED when the account does
// not exist. KindNotFound for an unknown instance or permission set;
// KindInvalid for an AWS_ACCOUNT target without an account.
func (s *Service) Provision(ctx context.Context, in ProvisionInput) (*idc.OperationStatus, error) {
	if in.TargetType == idc.TargetAWSAccount && in.TargetID == "" {
		return nil, idc.Invalidf("TargetId is required when TargetType is AWS_ACCOUNT.")
	}
	if in.TargetType == idc.TargetAllProvisionedAccounts {
		in.TargetID = ""
	}
	now := s.timestamp()
	st := &idc.OperationStatus{
		RequestID: requestID(now), InstanceARN: in.InstanceARN, Kind: idc.OpProvision, Status: idc.StatusSucceeded,
		AccountID: in.TargetID, PermissionSetARN: in.PermissionSetARN, CreatedAt: now,
	}
	err := s.st.Tx(ctx, func(q store.Queries) error {
		st.Status, st.FailureReason = idc.StatusSucceeded, ""
		ps, err := permissionSet(ctx, q, in.InstanceARN, in.PermissionSetARN, true)
		if err != nil {
			return err
		}
		if err := s.snapshot(ctx, q, ps); err != nil {
			return err
		}
		r, err := s.role(ps, in.TargetID)
		if err != nil {
			return err
		}
		if in.TargetType == idc.TargetAllProvisionedAccounts {
			if _, err := q.ReprovisionAll(ctx, ps.ARN, r.Version, r.SessionSeconds); err != nil {
				return err
			}
			return q.CreateOperationStatus(ctx, st)
		}
		if failed, err := accountReason(ctx, q, in.TargetID); err != nil || failed != "" {
			return failStatus(ctx, q, st, failed, err)
		}
		if err := q.PutProvisionedRole(ctx, r); err != nil {
			return err
		}
		return q.CreateOperationStatus(ctx, st)
	})
	if err != nil {
		return nil, err
	}
	return st, nil
}

// ProvisionedRole returns the role of a permission set in an account and
// the snapshot it carries. KindNotFound when the permission set is not
// provisioned there.
func (s *Service) ProvisionedRole(ctx context.Context, psARN, accountID string) (*idc.ProvisionedRole, *Snapshot, error) {
	r, err := s.st.GetProvisionedRole(ctx, psARN, accountID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, idc.NotFound("PERMISSION_SET", psARN, "Permission set %s is not provisioned in account %s.", psARN, accountID)
	}
	if err != nil {
		return nil, nil, err
	}
	sn, err := s.st.GetSnapshot(ctx, psARN, r.Version)
	if err != nil {
		return nil, nil, fmt.Errorf("get snapshot: %w", err)
	}
	var snap Snapshot
	if err := json.Unmarshal([]byte(sn.Document), &snap); err != nil {
		return nil, nil, fmt.Errorf("decode snapshot: %w", err)
	}
	return r, &snap, nil
}

// ListProvisionedPermissionSets lists the permission sets of an instance
// provisioned to an account, filtered by f. KindNotFound for an unknown
// instance.
func (s *Service) ListProvisionedPermissionSets(ctx context.Context, instanceARN, accountID string, f store.ProvisioningFilter, after string, limit int) (Page[string], error) {
	if _, err := instance(ctx, s.st, instanceARN); err != nil {
		return Page[string]{}, err
	}
	return list(after, limit, func(p store.Page) ([]string, error) {
		return s.st.ListProvisionedPermissionSets(ctx, instanceARN, accountID, f, p)
	}, func(a string) string { return a })
}

// ListProvisionedAccounts lists the accounts a permission set is
// provisioned to, filtered by f. KindNotFound.
func (s *Service) ListProvisionedAccounts(ctx context.Context, instanceARN, psARN string, f store.ProvisioningFilter, after string, limit int) (Page[string], error) {
	if _, err := permissionSet(ctx, s.st, instanceARN, psARN, false); err != nil {
		return Page[string]{}, err
	}
	return list(after, limit, func(p store.Page) ([]string, error) {
		return s.st.ListProvisionedAccounts(ctx, psARN, f, p)
	}, func(a string) string { return a })
}
