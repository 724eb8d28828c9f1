package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/store"
)

func testInstances(t *testing.T, open Opener) {
	t.Run("CreateGetList", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ctx := t.Context()
		now := time.UnixMilli(time.Now().UnixMilli()).UTC()
		var want []*idc.Instance
		for i := range 3 {
			in := &idc.Instance{InstanceARN: idc.NewInstanceARN(), IdentityStoreID: idc.NewIdentityStoreID(), Name: fmt.Sprint("i", i), OwnerAccountID: "111122223333", Status: "ACTIVE", CreatedAt: now}
			if err := s.Tx(ctx, func(q store.Queries) error { return q.CreateInstance(ctx, in) }); err != nil {
				t.Fatalf("CreateInstance: %v", err)
			}
			want = append(want, in)
		}
		got, err := s.GetInstance(ctx, want[1].InstanceARN)
		if err != nil {
			t.Fatalf("GetInstance: %v", err)
		}
		if d := cmp.Diff(want[1], got); d != "" {
			t.Errorf("GetInstance diff (-want +got):\n%s", d)
		}
		got, err = s.GetInstanceByIdentityStore(ctx, want[2].IdentityStoreID)
		if err != nil || got.InstanceARN != want[2].InstanceARN {
			t.Errorf("GetInstanceByIdentityStore = %v, %v", got, err)
		}
		if _, err := s.GetInstance(ctx, "arn:aws:sso:::instance/ssoins-0000000000000000"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetInstance(missing) = %v, want ErrNotFound", err)
		}
		dup := *want[0]
		dup.InstanceARN = idc.NewInstanceARN()
		if err := s.Tx(ctx, func(q store.Queries) error { return q.CreateInstance(ctx, &dup) }); !errors.Is(err, store.ErrDuplicate) {
			t.Errorf("CreateInstance(dup identity store) = %v, want ErrDuplicate", err)
		}
		var all []*idc.Instance
		p := store.Page{Limit: 1}
		for {
			page, err := s.ListInstances(ctx, p)
			if err != nil {
				t.Fatalf("ListInstances: %v", err)
			}
			if len(page) == 0 {
				break
			}
			all = append(all, page...)
			p.After = page[len(page)-1].InstanceARN
		}
		if len(all) != 3 {
			t.Errorf("ListInstances paged = %d instances, want 3", len(all))
		}
	})
	t.Run("TxRollsBack", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ctx := t.Context()
		boom := errors.New("boom")
		in := &idc.Instance{InstanceARN: idc.NewInstanceARN(), IdentityStoreID: idc.NewIdentityStoreID(), Status: "ACTIVE", CreatedAt: time.Now()}
		err := s.Tx(ctx, func(q store.Queries) error {
			if err := q.CreateInstance(ctx, in); err != nil {
				return err
			}
			if _, err := q.PutSetting(ctx, "k", "v"); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Tx = %v, want boom", err)
		}
		if _, err := s.GetInstance(ctx, in.InstanceARN); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("instance survived a rolled-back Tx: %v", err)
		}
		if _, err := s.GetSetting(ctx, "k"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("setting survived a rolled-back Tx: %v", err)
		}
	})
	t.Run("AccessKeys", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ctx := t.Context()
		k := &idc.AccessKey{AccessKeyID: idc.NewAccessKeyID(), SecretCiphertext: []byte{0, 1, 2, 250}, UserName: "admin", Status: "Active", CreatedAt: time.UnixMilli(time.Now().UnixMilli()).UTC()}
		if err := s.Tx(ctx, func(q store.Queries) error { return q.PutAccessKey(ctx, k) }); err != nil {
			t.Fatalf("PutAccessKey: %v", err)
		}
		got, err := s.GetAccessKey(ctx, k.AccessKeyID)
		if err != nil {
			t.Fatalf("GetAccessKey: %v", err)
		}
		if d := cmp.Diff(k, got); d != "" {
			t.Errorf("GetAccessKey diff:\n%s", d)
		}
		if err := s.Tx(ctx, func(q store.Queries) error { return q.PutAccessKey(ctx, k) }); !errors.Is(err, store.ErrDuplicate) {
			t.Errorf("PutAccessKey(dup) = %v, want ErrDuplicate", err)
		}
		bad := *k
		bad.AccessKeyID = idc.NewAccessKeyID()
		bad.Status = "Weird"
		if err := s.Tx(ctx, func(q store.Queries) error { return q.PutAccessKey(ctx, &bad) }); err == nil {
			t.Errorf("PutAccessKey(status Weird) succeeded; the CHECK constraint should refuse it")
		}
	})
	t.Run("SettingFirstWriterWins", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ctx := t.Context()
		var wg sync.WaitGroup
		wins := make(chan string, 8)
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				v := fmt.Sprint("v", i)
				var ok bool
				err := s.Tx(ctx, func(q store.Queries) error {
					var err error
					ok, err = q.PutSetting(ctx, "master", v)
					return err
				})
				if err != nil {
					t.Errorf("PutSetting: %v", err)
				}
				if ok {
					wins <- v
				}
			}()
		}
		wg.Wait()
		close(wins)
		var won []string
		for v := range wins {
			won = append(won, v)
		}
		if len(won) != 1 {
			t.Fatalf("PutSetting winners = %v, want exactly one", won)
		}
		got, err := s.GetSetting(context.Background(), "master")
		if err != nil || got != won[0] {
			t.Errorf("GetSetting = %q, %v; want %q", got, err, won[0])
		}
	})
	t.Run("ConcurrentTxIsolatedOutcomes", func(t *testing.T) {
		// Many transactions at once (SQLite commits them in groups, the
		// first of each without a savepoint): each caller gets its own
		// outcome, failed ones leave no trace, and a panicking one panics
		// in its caller and leaves no trace either. Several rounds, so that
		// failing jobs come first, in the middle and last of batches.
		t.Parallel()
		s := open(t)
		ctx := t.Context()
		const n = 60
		for round := range 4 {
			key := func(i int) string { return fmt.Sprintf("k%d-%d", round, i) }
			fails := func(i int) bool { return (i+round)%3 == 1 }
			panics := func(i int) bool { return (i+round)%6 == 2 }
			var wg sync.WaitGroup
			errs := make([]error, n)
			panicked := make([]bool, n)
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					defer func() {
						if p := recover(); p != nil {
							panicked[i] = true
						}
					}()
					errs[i] = s.Tx(ctx, func(q store.Queries) error {
						if _, err := q.PutSetting(ctx, key(i), "v"); err != nil {
							return err
						}
						if fails(i) {
							return fmt.Errorf("job %d fails", i)
						}
						if panics(i) {
							panic("job panics")
						}
						return nil
					})
				}()
			}
			wg.Wait()
			for i := range n {
				_, err := s.GetSetting(ctx, key(i))
				switch {
				case fails(i):
					if errs[i] == nil {
						t.Errorf("Tx %s returned nil, want its error", key(i))
					}
					if !errors.Is(err, store.ErrNotFound) {
						t.Errorf("failed Tx %s left its write: %v", key(i), err)
					}
				case panics(i):
					if !panicked[i] {
						t.Errorf("Tx %s did not panic in its caller", key(i))
					}
					if !errors.Is(err, store.ErrNotFound) {
						t.Errorf("panicked Tx %s left its write: %v", key(i), err)
					}
				default:
					if errs[i] != nil || err != nil {
						t.Errorf("Tx %s = %v, read back %v; want committed", key(i), errs[i], err)
					}
				}
			}
			// A transaction left open by a panic would still hold its
			// row, and writing the same key again would wait for ever.
			for i := range n {
				if !panics(i) {
					continue
				}
				wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
				err := s.Tx(wctx, func(q store.Queries) error {
					_, err := q.PutSetting(wctx, key(i), "again")
					return err
				})
				cancel()
				if err != nil {
					t.Fatalf("writing %s again after its Tx panicked: %v (the panicked transaction was left open)", key(i), err)
				}
			}
		}
	})
	t.Run("CancelledContextChangesNothing", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		err := s.Tx(ctx, func(q store.Queries) error {
			_, err := q.PutSetting(ctx, "cancelled", "v")
			return err
		})
		if err == nil {
			t.Fatalf("Tx with a cancelled context succeeded")
		}
		if _, err := s.GetSetting(t.Context(), "cancelled"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a Tx with a cancelled context wrote: %v", err)
		}
	})
}
