package server

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// sweepInterval is how often expired sessions, codes and tokens are
// deleted.
const sweepInterval = 10 * time.Minute

// syncInterval is how often the refreshers run: the entitlement index
// reads the change feed at least this often, well within the gap after
// which it would reload (access.maxQuiet).
const syncInterval = time.Minute

// sweeper deletes expired rows; each returns how many it deleted.
type sweeper interface {
	Sweep(ctx context.Context) (int64, error)
}

// sweepFunc adapts a function to sweeper.
type sweepFunc func(ctx context.Context) (int64, error)

func (f sweepFunc) Sweep(ctx context.Context) (int64, error) { return f(ctx) }

// jobs runs the server's background work. Start launches it; Stop cancels
// it and waits for it to finish.
type jobs struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func (j *jobs) start(log *slog.Logger, sweepers map[string]sweeper, refreshers map[string]func(context.Context) error, clk *sharedClock) {
	ctx, cancel := context.WithCancel(context.Background())
	j.cancel = cancel
	if clk.shared() {
		j.every(ctx, ClockSampleInterval, func() {
			if err := clk.sample(ctx); err != nil && ctx.Err() == nil {
				log.WarnContext(ctx, "clock sample failed", "err", err)
			}
		})
	}
	j.every(ctx, syncInterval, func() {
		for name, f := range refreshers {
			if err := f(ctx); err != nil && ctx.Err() == nil {
				log.WarnContext(ctx, "refresh failed", "what", name, "err", err)
			}
		}
	})
	j.every(ctx, sweepInterval, func() {
		for name, s := range sweepers {
			n, err := s.Sweep(ctx)
			if err != nil && ctx.Err() == nil {
				log.WarnContext(ctx, "sweep failed", "what", name, "err", err)
				continue
			}
			if n > 0 {
				log.DebugContext(ctx, "swept expired rows", "what", name, "rows", n)
			}
		}
	})
}

// every runs fn every interval until ctx ends.
func (j *jobs) every(ctx context.Context, interval time.Duration, fn func()) {
	j.wg.Add(1)
	go func() {
		defer j.wg.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				fn()
			}
		}
	}()
}

func (j *jobs) stop() {
	if j.cancel != nil {
		j.cancel()
		j.wg.Wait()
	}
}
