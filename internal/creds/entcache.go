package creds

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/idcenter/idcenter/internal/idc"
)

// EntitlementCache serves users' entitlement lists from memory for a short
// time: tools call ListAccountRoles once per account, and every portal call
// would otherwise recompute the user's entitlements. A new assignment shows
// in lists within the TTL; a removed one stops credential issuance at once,
// because Issue confirms the one assignment it uses with MayUse, which the
// cache passes through uncached. It is safe for concurrent use.
type EntitlementCache struct {
	src Entitlements
	ttl time.Duration
	now func() time.Time
	mu  sync.Mutex
	m   map[string]entitlementEntry
}

type entitlementEntry struct {
	es    []idc.Entitlement
	until time.Time
}

// maxEntitlementEntries bounds the cache; it is cleared beyond it.
const maxEntitlementEntries = 20000

// NewEntitlementCache returns a cache of src's lists, each kept for ttl by
// the clock now (nil: time.Now).
func NewEntitlementCache(src Entitlements, ttl time.Duration, now func() time.Time) *EntitlementCache {
	if now == nil {
		now = time.Now
	}
	return &EntitlementCache{src: src, ttl: ttl, now: now, m: map[string]entitlementEntry{}}
}

// Entitlements returns the user's entitlements, at most the TTL old. The
// caller must not modify the returned slice.
func (c *EntitlementCache) Entitlements(ctx context.Context, identityStoreID, userID string) ([]idc.Entitlement, error) {
	key := identityStoreID + "/" + userID
	now := c.now()
	c.mu.Lock()
	e, ok := c.m[key]
	c.mu.Unlock()
	if ok && now.Before(e.until) {
		return e.es, nil
	}
	es, err := c.src.Entitlements(ctx, identityStoreID, userID)
	if err != nil {
		return nil, err
	}
	es = slices.Clip(es)
	c.mu.Lock()
	if len(c.m) >= maxEntitlementEntries {
		clear(c.m)
	}
	c.m[key] = entitlementEntry{es: es, until: now.Add(c.ttl)}
	c.mu.Unlock()
	return es, nil
}

// MayUse asks the source, uncached.
func (c *EntitlementCache) MayUse(ctx context.Context, userID, accountID, permissionSetARN string) (bool, error) {
	return c.src.MayUse(ctx, userID, accountID, permissionSetARN)
}
