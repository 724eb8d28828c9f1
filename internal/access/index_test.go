package access_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/idcenter/idcenter/internal/access"
	"github.com/idcenter/idcenter/internal/access/benchdata"
	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/store"
	"github.com/idcenter/idcenter/internal/store/postgres"
	"github.com/idcenter/idcenter/internal/testenv"
)

// TestIndexMatchesSQL makes random membership, assignment, permission set,
// group and user changes and, after each, compares every user's
// entitlements and every decision the index gives with the database's own
// answer, on both backends. A second Service, loaded only halfway through,
// checks that a load in the middle of a history gives the same index. On
// PostgreSQL, one more index lives on a second replica of the database,
// which hears of the changes only through replica coherence.
func TestIndexMatchesSQL(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			var st, replica store.Store
			if backend == "postgres" {
				dsn := testenv.PostgresDSN(t)
				st, replica = openPG(t, dsn), openPG(t, dsn)
			} else {
				st = testenv.OpenStore(t, backend)
			}
			in := &idc.Instance{InstanceARN: idc.NewInstanceARN(), IdentityStoreID: idc.NewIdentityStoreID(), Name: "t", Status: "ACTIVE", CreatedAt: time.Now()}
			if err := st.Tx(ctx, func(q store.Queries) error { return q.CreateInstance(ctx, in) }); err != nil {
				t.Fatal(err)
			}
			d, err := benchdata.Generate(ctx, st, in.InstanceARN, in.IdentityStoreID,
				benchdata.Spec{Accounts: 4, PermissionSets: 4, PairsPerAccount: 3, Groups: 8, AssignmentsPerGroup: 3, UserGroups: 3, Seed: 7})
			if err != nil {
				t.Fatal(err)
			}
			w := &randomWorld{t: t, st: st, d: d, r: rand.New(rand.NewPCG(1, 2)), now: time.UnixMilli(time.Now().UnixMilli()).UTC()}
			w.users = []string{d.UserID}
			for range 4 {
				w.users = append(w.users, w.newUser())
			}
			early := access.New(st)
			if err := early.IndexReady(ctx); err != nil {
				t.Fatal(err)
			}
			wide := access.New(st)
			if err := wide.IndexReady(ctx); err != nil {
				t.Fatal(err)
			}
			wide.ForceWideOrder()
			var remote *access.Service
			if replica != nil {
				waitCoherent(t, st.(coherent))
				waitCoherent(t, replica.(coherent))
				remote = access.New(replica)
				if err := remote.IndexReady(ctx); err != nil {
					t.Fatal(err)
				}
			}
			var late *access.Service
			const steps = 250
			for i := range steps {
				what := w.step()
				if i == steps/2 {
					late = access.New(st)
					if err := late.IndexReady(ctx); err != nil {
						t.Fatal(err)
					}
				}
				for _, svc := range []*access.Service{early, wide, late, remote} {
					if svc != nil {
						w.compare(fmt.Sprintf("step %d (%s)", i, what), svc)
					}
				}
				if t.Failed() {
					return
				}
			}
			if !early.Indexed() || !late.Indexed() || (remote != nil && !remote.Indexed()) {
				t.Error("an index was dropped during the run")
			}
			if replica != nil {
				// The remote index read the feed after changes, not for
				// each of the answers compared after every step.
				if n := replica.(interface{ FeedReads() uint64 }).FeedReads(); n > 2*steps {
					t.Errorf("the replica read the feed %d times in %d steps", n, steps)
				}
			}
		})
	}
}

type coherent interface{ ReplicaState() (bool, bool, int) }

func openPG(t *testing.T, dsn string) store.Store {
	t.Helper()
	st, err := postgres.Open(t.Context(), dsn)
	if err != nil {
		t.Fatalf("postgres.Open: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

type randomWorld struct {
	t     *testing.T
	st    store.Store
	d     *benchdata.Data
	r     *rand.Rand
	now   time.Time
	users []string
	n     int
}

func (w *randomWorld) tx(what string, fn func(ctx context.Context, q store.Queries) error) {
	w.t.Helper()
	ctx := w.t.Context()
	if err := w.st.Tx(ctx, func(q store.Queries) error { return fn(ctx, q) }); err != nil {
		w.t.Fatalf("%s: %v", what, err)
	}
}

func (w *randomWorld) newUser() string {
	w.n++
	id := idc.NewResourceID(w.d.IdentityStoreID)
	w.tx("CreateUser", func(ctx context.Context, q store.Queries) error {
		return q.CreateUser(ctx, &idc.User{IdentityStoreID: w.d.IdentityStoreID, UserID: id, UserName: fmt.Sprintf("u%d", w.n), Status: idc.UserEnabled,
			Attrs: idc.UserAttrs{DisplayName: "U"}, CreatedAt: w.now, UpdatedAt: w.now, CreatedBy: "t", UpdatedBy: "t"}, 0)
	})
	return id
}

func (w *randomWorld) newGroup() string {
	w.n++
	id := idc.NewResourceID(w.d.IdentityStoreID)
	w.tx("CreateGroup", func(ctx context.Context, q store.Queries) error {
		return q.CreateGroup(ctx, &idc.Group{IdentityStoreID: w.d.IdentityStoreID, GroupID: id, DisplayName: fmt.Sprintf("g%d", w.n),
			CreatedAt: w.now, UpdatedAt: w.now, CreatedBy: "t", UpdatedBy: "t"}, 0)
	})
	return id
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// step makes one random change and says what it was.
func (w *randomWorld) step() string {
	ctx := w.t.Context()
	s, d, r := w.st, w.d, w.r
	switch k := r.IntN(10); {
	case k < 3: // join or leave a group
		u, g := pick(r, w.users), pick(r, d.Groups)
		m, err := s.GetMembershipByMember(ctx, d.IdentityStoreID, g, u)
		if err == nil {
			w.tx("DeleteMembership", func(ctx context.Context, q store.Queries) error {
				return q.DeleteMembership(ctx, d.IdentityStoreID, m.MembershipID)
			})
			return "leave group"
		}
		w.tx("CreateMembership", func(ctx context.Context, q store.Queries) error {
			return q.CreateMembership(ctx, &idc.Membership{IdentityStoreID: d.IdentityStoreID, MembershipID: idc.NewResourceID(d.IdentityStoreID),
				GroupID: g, UserID: u, CreatedAt: w.now, UpdatedAt: w.now, CreatedBy: "t", UpdatedBy: "t"})
		})
		return "join group"
	case k < 7: // assign or unassign a user or a group
		p := pick(r, d.Pairs)
		a := &idc.Assignment{InstanceARN: d.InstanceARN, IdentityStoreID: d.IdentityStoreID, AccountID: p.AccountID, PermissionSetARN: p.PermissionSetARN,
			PrincipalType: idc.PrincipalGroup, PrincipalID: pick(r, d.Groups), CreatedAt: w.now}
		if r.IntN(2) == 0 {
			a.PrincipalType, a.PrincipalID = idc.PrincipalUser, pick(r, w.users)
		}
		var created bool
		w.tx("CreateAssignment", func(ctx context.Context, q store.Queries) (err error) {
			created, err = q.CreateAssignment(ctx, a)
			return err
		})
		if !created {
			w.tx("DeleteAssignment", func(ctx context.Context, q store.Queries) error { return q.DeleteAssignment(ctx, a) })
			return "unassign " + a.PrincipalType
		}
		return "assign " + a.PrincipalType
	case k < 8: // a new session duration
		ps := pick(r, d.PermissionSets)
		ps.SessionDuration = fmt.Sprintf("PT%dH", 1+r.IntN(12))
		w.tx("UpdatePermissionSet", func(ctx context.Context, q store.Queries) error { return q.UpdatePermissionSet(ctx, ps) })
		return "session duration"
	case k < 9: // replace a group (its memberships and assignments cascade)
		i := r.IntN(len(d.Groups))
		w.tx("DeleteGroup", func(ctx context.Context, q store.Queries) error {
			return q.DeleteGroup(ctx, d.IdentityStoreID, d.Groups[i])
		})
		d.Groups[i] = w.newGroup()
		return "replace group"
	default: // replace a user
		i := r.IntN(len(w.users))
		w.tx("DeleteUser", func(ctx context.Context, q store.Queries) error {
			return q.DeleteUser(ctx, d.IdentityStoreID, w.users[i])
		})
		w.users[i] = w.newUser()
		return "replace user"
	}
}

func (w *randomWorld) compare(step string, svc *access.Service) {
	w.t.Helper()
	ctx := w.t.Context()
	for _, u := range w.users {
		got, err := svc.Entitlements(ctx, w.d.IdentityStoreID, u)
		if err != nil {
			w.t.Fatalf("%s: Entitlements: %v", step, err)
		}
		want, err := svc.EntitlementsSQL(ctx, w.d.IdentityStoreID, u)
		if err != nil {
			w.t.Fatalf("%s: EntitlementsSQL: %v", step, err)
		}
		if d := cmp.Diff(want, got); d != "" {
			w.t.Errorf("%s: Entitlements(%s) index vs SQL (-sql +index):\n%s", step, u, d)
		}
		if other, _ := svc.Entitlements(ctx, "d-0000000000", u); len(other) != 0 {
			w.t.Errorf("%s: Entitlements in another identity store = %v, want none", step, other)
		}
		for _, p := range w.d.Pairs {
			got, err := svc.MayUse(ctx, u, p.AccountID, p.PermissionSetARN)
			if err != nil {
				w.t.Fatalf("%s: MayUse: %v", step, err)
			}
			want, err := svc.MayUseSQL(ctx, u, p.AccountID, p.PermissionSetARN)
			if err != nil {
				w.t.Fatalf("%s: MayUseSQL: %v", step, err)
			}
			if got != want {
				w.t.Errorf("%s: MayUse(%s, %v) = %v, SQL says %v", step, u, p, got, want)
			}
		}
	}
	if !svc.Indexed() {
		w.t.Errorf("%s: the index is not loaded", step)
	}
}
