package server

import (
	"context"
	"errors"

	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/org"
	"github.com/idcenter/idcenter/internal/web"
)

// entitlementLister is the access read the portal needs (satisfied by
// access.Service).
type entitlementLister interface {
	Entitlements(ctx context.Context, identityStoreID, userID string) ([]idc.Entitlement, error)
}

// portalAccounts adapts entitlements and organizations to the /start
// portal's view: one entry per account with the permission sets the user
// may use in it, in entitlement order.
type portalAccounts struct {
	ents entitlementLister
	orgs *org.Service
}

// PortalAccounts returns the /start portal's view of ents (access.Service
// or a cache of it) and orgs — the adapter the server wires into the web
// pages, exported so the web tests use the same one.
func PortalAccounts(ents entitlementLister, orgs *org.Service) web.Entitlements {
	return portalAccounts{ents: ents, orgs: orgs}
}

func (p portalAccounts) PortalAccounts(ctx context.Context, identityStoreID, userID string) ([]web.PortalAccount, error) {
	es, err := p.ents.Entitlements(ctx, identityStoreID, userID)
	if err != nil {
		return nil, err
	}
	var out []web.PortalAccount
	index := map[string]int{}
	for _, e := range es {
		i, ok := index[e.AccountID]
		if !ok {
			_, acct, err := p.orgs.DescribeAccount(ctx, e.AccountID)
			if errors.Is(err, idc.ErrNotFound) {
				continue // assigned in an account that has since left the organization
			}
			if err != nil {
				return nil, err
			}
			i = len(out)
			index[e.AccountID] = i
			out = append(out, web.PortalAccount{AccountID: e.AccountID, AccountName: acct.Name, EmailAddress: acct.Email})
		}
		out[i].Roles = append(out[i].Roles, e.PermissionSetName)
	}
	return out, nil
}
