package access

import (
	"context"

	"github.com/idcenter/idcenter/internal/idc"
)

// Entitlements returns the roles a user may use right now: every
// (account, permission set) assigned to the user directly or to a group
// the user belongs to, once each, ordered by account id and then
// permission set name, with the name of the role provisioning made and the
// permission set's session duration. It answers from the entitlement index
// (index.go), which first applies every change committed before the call,
// so membership and assignment changes show at once on every replica. A
// user that does not exist has none.
//
// Every assigned pair is provisioned (CreateAssignment provisions,
// and only the last assignment's deletion deprovisions), so the role
// exists. SessionDuration is the permission set's current one; a role not
// re-provisioned since a change keeps its earlier length, which
// ProvisionedRole reports.
func (s *Service) Entitlements(ctx context.Context, identityStoreID, userID string) ([]idc.Entitlement, error) {
	st, unlock, ok, err := s.idx.read(ctx)
	if err != nil {
		return nil, err
	}
	if ok {
		defer unlock()
		return st.entitlements(identityStoreID, userID), nil
	}
	return s.entitlementsSQL(ctx, identityStoreID, userID)
}

// entitlementsSQL answers Entitlements from the database (two statements,
// index lookups only) while the index loads.
func (s *Service) entitlementsSQL(ctx context.Context, identityStoreID, userID string) ([]idc.Entitlement, error) {
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
	sortEntitlements(out)
	return out, nil
}

// MayUse reports whether the user may use the permission set in the
// account: whether an assignment grants it to the user directly or through
// a group membership. Like Entitlements it answers from the index, current
// as of the call.
func (s *Service) MayUse(ctx context.Context, userID, accountID, permissionSetARN string) (bool, error) {
	st, unlock, ok, err := s.idx.read(ctx)
	if err != nil {
		return false, err
	}
	if ok {
		defer unlock()
		return st.mayUse(userID, accountID, permissionSetARN), nil
	}
	return s.st.MayUse(ctx, userID, accountID, permissionSetARN)
}

// IndexReady waits until the entitlement index is loaded, starting the
// load if nothing has asked for an entitlement yet. Until then answers come
// from SQL; a server calls it at start so the first users do not wait.
func (s *Service) IndexReady(ctx context.Context) error { return s.idx.wait(ctx) }

// SyncIndex reads the change feed now; a server calls it every minute so
// that changes made outside idcenter (SQL typed by hand, which no replica
// announces) reach the index within that time.
func (s *Service) SyncIndex(ctx context.Context) error { return s.idx.refresh(ctx) }

// PruneChanges deletes the change feed rows older than pruneAfter; it
// returns how many (the server's sweep job calls it).
func (s *Service) PruneChanges(ctx context.Context) (int64, error) {
	return s.st.PruneAccessChanges(ctx, s.now().Add(-pruneAfter))
}
