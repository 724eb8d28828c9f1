package access

import (
	"cmp"
	"context"
	"slices"

	"github.com/idcenter/idcenter/internal/idc"
)

// Entitlements returns the roles a user may use right now: every
// (account, permission set) assigned to the user directly or to a group
// the user belongs to, once each, ordered by account id and then
// permission set name, with the name of the role provisioning made and the
// permission set's session duration. It reads the database on every call
// (two statements, index lookups only), so membership and assignment
// changes show at once on every replica. A user that does not exist has
// none.
//
// Every assigned pair is provisioned (CreateAssignment provisions,
// and only the last assignment's deletion deprovisions), so the role
// exists. SessionDuration is the permission set's current one; a role not
// re-provisioned since a change keeps its earlier length, which
// ProvisionedRole reports.
func (s *Service) Entitlements(ctx context.Context, identityStoreID, userID string) ([]idc.Entitlement, error) {
	sets, err := s.st.Entitlements(ctx, identityStoreID, userID)
	if err != nil {
		return nil, err
	}
	n := 0
	for _, e := range sets {
		n += len(e.Accounts)
	}
	out := make([]idc.Entitlement, 0, n)
	for _, e := range sets {
		ps := e.PermissionSet
		d, _ := ParseDuration(ps.SessionDuration)
		for _, a := range e.Accounts {
			out = append(out, idc.Entitlement{AccountID: a, PermissionSetARN: ps.ARN, PermissionSetName: ps.Name,
				RoleName: idc.RoleName(ps.Name, ps.ARN, a), SessionDuration: d})
		}
	}
	slices.SortFunc(out, func(a, b idc.Entitlement) int {
		return cmp.Or(cmp.Compare(a.AccountID, b.AccountID), cmp.Compare(a.PermissionSetName, b.PermissionSetName),
			cmp.Compare(a.PermissionSetARN, b.PermissionSetARN))
	})
	return out, nil
}

// MayUse reports whether the user may use the permission set in the
// account: whether an assignment grants it to the user directly or through
// a group membership. Like Entitlements it reads the database each call,
// through the assignment primary key and the membership pair index.
func (s *Service) MayUse(ctx context.Context, userID, accountID, permissionSetARN string) (bool, error) {
	return s.st.MayUse(ctx, userID, accountID, permissionSetARN)
}
