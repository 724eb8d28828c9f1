package directory_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/idcenter/idcenter/internal/directory"
	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/store"
	"github.com/idcenter/idcenter/internal/testenv"
)

// backends runs fn on a fresh store of each backend with one identity store.
func backends(t *testing.T, fn func(t *testing.T, st store.Store, storeID string)) {
	for _, b := range []string{"sqlite", "postgres"} {
		t.Run(b, func(t *testing.T) {
			t.Parallel()
			st := testenv.OpenStore(t, b)
			fn(t, st, addInstance(t, st))
		})
	}
}

func addInstance(t *testing.T, st store.Store) string {
	t.Helper()
	ctx := t.Context()
	in := &idc.Instance{InstanceARN: idc.NewInstanceARN(), IdentityStoreID: idc.NewIdentityStoreID(), Status: "ACTIVE", CreatedAt: time.Now()}
	if err := st.Tx(ctx, func(q store.Queries) error { return q.CreateInstance(ctx, in) }); err != nil {
		t.Fatalf("CreateInstance: %v", err)
	}
	return in.IdentityStoreID
}

func newUser(storeID, name string) *idc.User {
	return &idc.User{IdentityStoreID: storeID, UserName: name, Attrs: idc.UserAttrs{
		DisplayName: "D " + name, Name: &idc.Name{GivenName: "G", FamilyName: "F"},
	}}
}

func wantKind(t *testing.T, what string, err error, kind idc.Kind) *idc.Error {
	t.Helper()
	var e *idc.Error
	if !errors.As(err, &e) || e.Kind != kind {
		t.Fatalf("%s = %v, want a %v error", what, err, kind)
	}
	return e
}

func TestQuotas(t *testing.T) {
	backends(t, func(t *testing.T, st store.Store, storeID string) {
		ctx := t.Context()
		svc := directory.New(st, directory.WithLimits(2, 1))
		var ids []string
		for i := range 2 {
			u, err := svc.CreateUser(ctx, newUser(storeID, fmt.Sprint("u", i)))
			if err != nil {
				t.Fatalf("CreateUser: %v", err)
			}
			ids = append(ids, u.UserID)
		}
		_, err := svc.CreateUser(ctx, newUser(storeID, "extra"))
		wantKind(t, "CreateUser(over quota)", err, idc.KindQuotaExceeded)
		if _, err := svc.CreateGroup(ctx, &idc.Group{IdentityStoreID: storeID, DisplayName: "g"}); err != nil {
			t.Fatalf("CreateGroup: %v", err)
		}
		_, err = svc.CreateGroup(ctx, &idc.Group{IdentityStoreID: storeID, DisplayName: "h"})
		wantKind(t, "CreateGroup(over quota)", err, idc.KindQuotaExceeded)
		users, _, err := svc.ListUsers(ctx, storeID, nil, directory.Page{})
		if err != nil || len(users) != 2 {
			t.Fatalf("ListUsers = %d, %v; want 2 (a refused create must leave nothing)", len(users), err)
		}
		if err := svc.DeleteUser(ctx, storeID, ids[0]); err != nil {
			t.Fatalf("DeleteUser: %v", err)
		}
		if _, err := svc.CreateUser(ctx, newUser(storeID, "extra")); err != nil {
			t.Errorf("CreateUser after a delete = %v, want success", err)
		}
		// Quotas are per identity store.
		other := addInstance(t, st)
		if _, err := svc.CreateGroup(ctx, &idc.Group{IdentityStoreID: other, DisplayName: "g"}); err != nil {
			t.Errorf("CreateGroup(other store) = %v", err)
		}
	})
}

// TestConcurrentUpdates checks that concurrent UpdateUser calls on one user
// lose no update: each read-modify-write holds the row.
func TestConcurrentUpdates(t *testing.T) {
	backends(t, func(t *testing.T, st store.Store, storeID string) {
		ctx := t.Context()
		svc := directory.New(st)
		u, err := svc.CreateUser(ctx, newUser(storeID, "busy"))
		if err != nil {
			t.Fatalf("CreateUser: %v", err)
		}
		paths := []string{"nickName", "title", "locale", "timezone", "userType", "website", "birthdate", "preferredLanguage"}
		var wg sync.WaitGroup
		for _, p := range paths {
			wg.Go(func() {
				v, _ := json.Marshal("v-" + p)
				if err := svc.UpdateUser(ctx, storeID, u.UserID, []directory.Operation{{Path: p, Value: v}}); err != nil {
					t.Errorf("UpdateUser(%s): %v", p, err)
				}
			})
		}
		wg.Wait()
		got, err := svc.GetUser(ctx, storeID, u.UserID)
		if err != nil {
			t.Fatalf("GetUser: %v", err)
		}
		a := got.Attrs
		have := map[string]string{"nickName": a.NickName, "title": a.Title, "locale": a.Locale, "timezone": a.Timezone,
			"userType": a.UserType, "website": a.Website, "birthdate": a.Birthdate, "preferredLanguage": a.PreferredLanguage}
		for _, p := range paths {
			if have[p] != "v-"+p {
				t.Errorf("%s = %q after concurrent updates, want %q (a lost update)", p, have[p], "v-"+p)
			}
		}
	})
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// countingStore counts GetInstanceByIdentityStore calls.
type countingStore struct {
	store.Store
	mu    sync.Mutex
	calls int
}

func (c *countingStore) GetInstanceByIdentityStore(ctx context.Context, id string) (*idc.Instance, error) {
	c.mu.Lock()
	c.calls++
	c.mu.Unlock()
	return c.Store.GetInstanceByIdentityStore(ctx, id)
}

func (c *countingStore) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls
}

func TestIdentityStoreCache(t *testing.T) {
	backends(t, func(t *testing.T, st store.Store, storeID string) {
		ctx := t.Context()
		cs := &countingStore{Store: st}
		clk := &clock{t: time.Unix(1_700_000_000, 0)}
		svc := directory.New(cs, directory.WithClock(clk.now), directory.WithStoreCacheTTL(5*time.Second))

		steps := []struct {
			name      string
			id        string
			advance   time.Duration
			wantErr   bool
			wantCalls int
		}{
			{"firstLookupQueries", storeID, 0, false, 1},
			{"cachedWithinTTL", storeID, 4 * time.Second, false, 1},
			{"expiredQueriesAgain", storeID, 2 * time.Second, false, 2},
			{"unknownIsNotFound", "d-0000000000", 0, true, 3},
			{"unknownIsNeverCached", "d-0000000000", 0, true, 4},
		}
		for _, s := range steps {
			clk.add(s.advance)
			err := svc.CheckIdentityStore(ctx, s.id)
			if s.wantErr {
				e := wantKind(t, s.name, err, idc.KindNotFound)
				if e.Resource != directory.ResourceIdentityStore || e.ID != s.id {
					t.Errorf("%s: Resource, ID = %q, %q", s.name, e.Resource, e.ID)
				}
			} else if err != nil {
				t.Errorf("%s: %v", s.name, err)
			}
			if got := cs.count(); got != s.wantCalls {
				t.Errorf("%s: %d store lookups, want %d", s.name, got, s.wantCalls)
			}
		}
	})
}

// jsonValues compares JSON documents by value, not by bytes (the store may
// escape or order them differently).
var jsonValues = cmp.Transformer("json", func(m json.RawMessage) any {
	var v any
	if err := json.Unmarshal(m, &v); err != nil {
		return string(m)
	}
	return v
})

func TestUpdateUserOperations(t *testing.T) {
	backends(t, func(t *testing.T, st store.Store, storeID string) {
		ctx := t.Context()
		svc := directory.New(st)
		u, err := svc.CreateUser(ctx, newUser(storeID, "ops"))
		if err != nil {
			t.Fatalf("CreateUser: %v", err)
		}
		raw := func(s string) json.RawMessage { return json.RawMessage(s) }
		steps := []struct {
			name string
			ops  []directory.Operation
			want func(a *idc.UserAttrs)
		}{
			{"wholeName", []directory.Operation{{Path: "name", Value: raw(`{"givenName":"A","familyName":"B","middleName":"C"}`)}},
				func(a *idc.UserAttrs) { a.Name = &idc.Name{GivenName: "A", FamilyName: "B", MiddleName: "C"} }},
			{"nameSubAttributeCaseInsensitivePath", []directory.Operation{{Path: "Name.MiddleName", Value: nil}},
				func(a *idc.UserAttrs) { a.Name.MiddleName = "" }},
			{"photos", []directory.Operation{{Path: "photos", Value: raw(`[{"value":"p1","primary":true},{"Value":"p2","Display":"d"}]`)}},
				func(a *idc.UserAttrs) {
					a.Photos = []idc.Photo{{Value: "p1", Primary: new(true)}, {Value: "p2", Display: "d"}}
				}},
			{"enterpriseWhole", []directory.Operation{{Path: "aws:identitystore:enterprise", Value: raw(`{"Department":"R&D","manager":{"value":"m"}}`)}},
				func(a *idc.UserAttrs) {
					a.Extensions = map[string]json.RawMessage{directory.ExtensionEnterprise: raw(`{"department":"R&D","manager":{"value":"m"}}`)}
				}},
			{"enterpriseManagerRemoved", []directory.Operation{{Path: "aws:identitystore:enterprise.manager", Value: raw(`null`)}},
				func(a *idc.UserAttrs) {
					a.Extensions = map[string]json.RawMessage{directory.ExtensionEnterprise: raw(`{"department":"R&D"}`)}
				}},
			{"enterpriseLastAttributeRemovesExtension", []directory.Operation{{Path: "aws:identitystore:enterprise.department"}},
				func(a *idc.UserAttrs) { a.Extensions = nil }},
		}
		want := u.Attrs
		for _, s := range steps {
			if err := svc.UpdateUser(ctx, storeID, u.UserID, s.ops); err != nil {
				t.Fatalf("%s: UpdateUser: %v", s.name, err)
			}
			got, err := svc.GetUser(ctx, storeID, u.UserID)
			if err != nil {
				t.Fatalf("GetUser: %v", err)
			}
			s.want(&want)
			if d := cmp.Diff(want, got.Attrs, jsonValues); d != "" {
				t.Errorf("%s: attributes diff (-want +got):\n%s", s.name, d)
			}
		}
	})
}
