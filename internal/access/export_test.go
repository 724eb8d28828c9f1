package access

import (
	"context"

	"github.com/idcenter/idcenter/internal/idc"
)

// EntitlementsSQL and MayUseSQL answer from the database, bypassing the
// index, for tests that compare the two.
func (s *Service) EntitlementsSQL(ctx context.Context, identityStoreID, userID string) ([]idc.Entitlement, error) {
	return s.entitlementsSQL(ctx, identityStoreID, userID)
}

func (s *Service) MayUseSQL(ctx context.Context, userID, accountID, permissionSetARN string) (bool, error) {
	return s.st.MayUse(ctx, userID, accountID, permissionSetARN)
}

// Indexed reports whether the index is loaded (answers come from it).
func (s *Service) Indexed() bool {
	s.idx.mu.RLock()
	defer s.idx.mu.RUnlock()
	return s.idx.state != nil
}

// ForceWideOrder makes the loaded index sort lists the way it does when it
// outgrows its order numbers.
func (s *Service) ForceWideOrder() {
	s.idx.mu.Lock()
	defer s.idx.mu.Unlock()
	s.idx.state.forceWide, s.idx.state.stale = true, true
	s.idx.state.reorder()
}
