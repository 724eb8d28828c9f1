// Package benchdata generates the data set of the entitlement and
// assignment benchmarks (BENCHMARKS.md): an organization of accounts, an
// instance's permission sets provisioned to a fixed number of accounts
// each, groups each assigned a number of (account, permission set) pairs,
// and one user who belongs to a number of those groups. It writes through
// the store contract, so the same data lands on SQLite and PostgreSQL, and
// a seed makes it reproducible.
//
// benchdata imports idc and store only; it is used by benchmarks, never by
// the server.
package benchdata

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/store"
)

// Spec sizes a data set.
type Spec struct {
	Accounts       int
	PermissionSets int
	// PairsPerAccount is how many permission sets are provisioned to each
	// account; assignments pick among those (account, permission set)
	// pairs, as real instances assign a few permission sets per account.
	PairsPerAccount int
	Groups          int
	// AssignmentsPerGroup is how many distinct pairs each group is
	// assigned: the store holds Groups*AssignmentsPerGroup assignments.
	AssignmentsPerGroup int
	// UserGroups is how many groups the benchmark user belongs to.
	UserGroups int
	Seed       uint64
}

// Large is the data set of BENCHMARKS.md: 1,000 accounts, 500 permission
// sets, 1,000,000 assignments (50,000 groups of 20), the user in 100
// groups.
func Large() Spec {
	return Spec{Accounts: 1000, PermissionSets: 500, PairsPerAccount: 50, Groups: 50_000, AssignmentsPerGroup: 20, UserGroups: 100, Seed: 1}
}

// Assignments returns how many assignments the spec generates.
func (s Spec) Assignments() int { return s.Groups * s.AssignmentsPerGroup }

// Pair is an (account, permission set) pair that is provisioned.
type Pair struct {
	AccountID        string
	PermissionSetARN string
}

// Data is what Generate made.
type Data struct {
	InstanceARN     string
	IdentityStoreID string
	// UserID is the benchmark user; UserGroups its groups.
	UserID     string
	UserGroups []string
	// Groups are all groups, in creation order.
	Groups         []string
	Accounts       []string
	PermissionSets []*idc.PermissionSet
	Pairs          []Pair
	// Entitled is the set of pairs the user may use.
	Entitled map[Pair]bool
}

const batch = 5000

// Generate writes a data set for spec into the instance's identity store
// and the organization (created if there is none).
func Generate(ctx context.Context, st store.Store, instanceARN, identityStoreID string, spec Spec) (*Data, error) {
	r := rand.New(rand.NewPCG(spec.Seed, spec.Seed^0x9e3779b97f4a7c15))
	now := time.UnixMilli(time.Now().UnixMilli()).UTC()
	d := &Data{InstanceARN: instanceARN, IdentityStoreID: identityStoreID, Entitled: map[Pair]bool{}}

	root, err := organization(ctx, st, now)
	if err != nil {
		return nil, err
	}
	org, err := st.GetOrganization(ctx)
	if err != nil {
		return nil, err
	}
	for i := range spec.Accounts {
		d.Accounts = append(d.Accounts, fmt.Sprintf("%012d", 300000000000+i))
	}
	if err := chunks(ctx, st, len(d.Accounts), func(q store.Queries, i int) error {
		a := d.Accounts[i]
		return q.CreateAccount(ctx, &idc.Account{ID: a, OrganizationID: org.ID, ParentID: root, Email: "bench-" + a + "@example.com", Name: "bench-" + a,
			Status: idc.AccountActive, JoinedMethod: idc.JoinedCreated, JoinedAt: now})
	}); err != nil {
		return nil, fmt.Errorf("accounts: %w", err)
	}
	for i := range spec.PermissionSets {
		d.PermissionSets = append(d.PermissionSets, &idc.PermissionSet{ARN: idc.NewPermissionSetARN(instanceARN), InstanceARN: instanceARN,
			Name: fmt.Sprintf("bench-ps-%d", i), SessionDuration: "PT1H", CreatedAt: now})
	}
	if err := chunks(ctx, st, len(d.PermissionSets), func(q store.Queries, i int) error {
		ps := d.PermissionSets[i]
		if err := q.CreatePermissionSet(ctx, ps); err != nil {
			return err
		}
		return q.PutSnapshot(ctx, &idc.PermissionSetSnapshot{PermissionSetARN: ps.ARN, Version: ps.Version, Document: `{"name":"` + ps.Name + `"}`, CreatedAt: now})
	}); err != nil {
		return nil, fmt.Errorf("permission sets: %w", err)
	}
	for _, a := range d.Accounts {
		for _, j := range r.Perm(spec.PermissionSets)[:min(spec.PairsPerAccount, spec.PermissionSets)] {
			d.Pairs = append(d.Pairs, Pair{AccountID: a, PermissionSetARN: d.PermissionSets[j].ARN})
		}
	}
	psByARN := map[string]*idc.PermissionSet{}
	for _, ps := range d.PermissionSets {
		psByARN[ps.ARN] = ps
	}
	if err := chunks(ctx, st, len(d.Pairs), func(q store.Queries, i int) error {
		p := d.Pairs[i]
		ps := psByARN[p.PermissionSetARN]
		return q.PutProvisionedRole(ctx, &idc.ProvisionedRole{InstanceARN: instanceARN, PermissionSetARN: ps.ARN, AccountID: p.AccountID,
			RoleName: idc.RoleName(ps.Name, ps.ARN, p.AccountID), Version: ps.Version, SessionSeconds: 3600, ProvisionedAt: now})
	}); err != nil {
		return nil, fmt.Errorf("provisioned roles: %w", err)
	}

	for range spec.Groups {
		d.Groups = append(d.Groups, idc.NewResourceID(identityStoreID))
	}
	if err := chunks(ctx, st, len(d.Groups), func(q store.Queries, i int) error {
		return q.CreateGroup(ctx, &idc.Group{IdentityStoreID: identityStoreID, GroupID: d.Groups[i], DisplayName: fmt.Sprintf("bench-group-%d", i),
			CreatedAt: now, UpdatedAt: now, CreatedBy: "benchdata", UpdatedBy: "benchdata"}, 0)
	}); err != nil {
		return nil, fmt.Errorf("groups: %w", err)
	}
	d.UserID = idc.NewResourceID(identityStoreID)
	err = st.Tx(ctx, func(q store.Queries) error {
		return q.CreateUser(ctx, &idc.User{IdentityStoreID: identityStoreID, UserID: d.UserID, UserName: "bench-user-" + d.UserID[11:19], Status: idc.UserEnabled,
			Attrs:     idc.UserAttrs{DisplayName: "Bench User", Name: &idc.Name{GivenName: "Bench", FamilyName: "User"}},
			CreatedAt: now, UpdatedAt: now, CreatedBy: "benchdata", UpdatedBy: "benchdata"}, 0)
	})
	if err != nil {
		return nil, fmt.Errorf("user: %w", err)
	}
	member := map[string]bool{}
	for _, i := range r.Perm(len(d.Groups))[:min(spec.UserGroups, len(d.Groups))] {
		d.UserGroups = append(d.UserGroups, d.Groups[i])
		member[d.Groups[i]] = true
	}
	if err := chunks(ctx, st, len(d.UserGroups), func(q store.Queries, i int) error {
		return q.CreateMembership(ctx, &idc.Membership{IdentityStoreID: identityStoreID, MembershipID: idc.NewResourceID(identityStoreID),
			GroupID: d.UserGroups[i], UserID: d.UserID, CreatedAt: now, UpdatedAt: now, CreatedBy: "benchdata", UpdatedBy: "benchdata"})
	}); err != nil {
		return nil, fmt.Errorf("memberships: %w", err)
	}

	n := spec.Assignments()
	if err := chunks(ctx, st, n, func(q store.Queries, i int) error {
		g := d.Groups[i/spec.AssignmentsPerGroup]
		// Distinct pairs per group: stride through the pairs from a random
		// start, with a stride co-prime to nothing in particular but large.
		k := i % spec.AssignmentsPerGroup
		start := int(hash(g) % uint64(len(d.Pairs)))
		p := d.Pairs[(start+k*7919)%len(d.Pairs)]
		if member[g] {
			d.Entitled[p] = true
		}
		_, err := q.CreateAssignment(ctx, &idc.Assignment{InstanceARN: instanceARN, IdentityStoreID: identityStoreID, AccountID: p.AccountID,
			PermissionSetARN: p.PermissionSetARN, PrincipalType: idc.PrincipalGroup, PrincipalID: g, CreatedAt: now})
		return err
	}); err != nil {
		return nil, fmt.Errorf("assignments: %w", err)
	}
	return d, nil
}

// hash is FNV-1a, to spread groups over pairs deterministically.
func hash(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// chunks runs fn for 0..n-1 in transactions of batch calls.
func chunks(ctx context.Context, st store.Store, n int, fn func(q store.Queries, i int) error) error {
	for lo := 0; lo < n; lo += batch {
		hi := min(lo+batch, n)
		if err := st.Tx(ctx, func(q store.Queries) error {
			for i := lo; i < hi; i++ {
				if err := fn(q, i); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return err
		}
	}
	return nil
}

// organization returns the root of the organization, creating the
// organization when there is none.
func organization(ctx context.Context, st store.Store, now time.Time) (string, error) {
	roots, err := st.ListRoots(ctx, store.Page{Limit: 1})
	if err != nil {
		return "", err
	}
	if len(roots) == 1 {
		return roots[0].ID, nil
	}
	o := &idc.Organization{ID: idc.NewOrganizationID(), ManagementAccountID: idc.NewAccountID(), FeatureSet: idc.FeatureSetAll, CreatedAt: now}
	rootID := idc.NewRootID()
	err = st.Tx(ctx, func(q store.Queries) error {
		if _, err := q.GetOrganization(ctx); !errors.Is(err, store.ErrNotFound) {
			return errors.New("an organization without a root exists")
		}
		if err := q.CreateOrganization(ctx, o); err != nil {
			return err
		}
		return q.CreateOrgUnit(ctx, &idc.OrgUnit{ID: rootID, OrganizationID: o.ID, Name: "Root", Path: o.ID + "/" + rootID + "/", CreatedAt: now})
	})
	return rootID, err
}
