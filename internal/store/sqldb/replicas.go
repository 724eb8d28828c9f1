package sqldb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Replica coherence: how replicas sharing one PostgreSQL database keep
// their entitlement indexes exact without asking the database on every
// decision.
//
// The entitlement index (internal/access) answers from memory and, before
// each answer, must know whether anything changed since its last read of
// the change feed. A SQLite store knows (it is the file's only writer and
// counts its commits). A PostgreSQL replica does not: another replica may
// have committed a change a moment ago. Asking the feed costs a round trip
// per answer (≈ 70 µs), so replicas instead tell each other, and a writer
// waits until the others have heard before it answers its client:
//
//   - Every replica LISTENs on one channel over its own connection (the
//     Listener) and keeps a row in access_replicas with a lease that it
//     renews every lease/3 — but only after a ping it sent itself has come
//     back through the channel, so a replica whose notifications have
//     stalled stops renewing and loses its lease.
//   - A write transaction that changed the feed notifies "c <writer> <n>"
//     (pg_notify in the transaction, so delivery is at commit) and, after
//     COMMIT, waits for an ack from every peer. A replica that receives the
//     notification first bumps its version — its next answer reads the feed —
//     and then acks. So when the writer's client gets its answer, every
//     replica's next answer includes the change.
//   - Which peers to wait for is fixed when the writer's own notification
//     comes back to it: PostgreSQL delivers notifications in commit order,
//     so every replica whose hello came back before it was listening before
//     the commit and will see the notification; a replica whose hello comes
//     back later joined after the commit, and its first read of the feed
//     after joining includes the change.
//   - A joining replica inserts its row, says hello, lists the replicas
//     whose lease is live (they are its peers from then on, and it sends
//     each a "k" saying so) and waits for a "k" from every one of them (or
//     for its lease to run out) before answering from memory. A peer sends
//     that "k" when it hears the hello, or when its own join listing finds
//     the newcomer — one of the two always happens, even when both join at
//     once and each hello goes out before the other listens. From then on
//     every writer knows the newcomer.
//   - A writer whose own notification never echoes (its listener was
//     reconnecting) sends it again when a new session starts and every
//     lease/2, and stops when no other replica holds a live lease; a peer
//     that rejoins after the commit is dropped from the wait, its first
//     feed read covering it.
//   - A replica answers from memory only while its lease is valid by its
//     own clocks, counted from when it sent the renewal, minus a margin
//     (lease/6); so its validity always ends before the row's expiry in the
//     database's clock. Both the monotonic clock and the wall clock must
//     agree (the monotonic clock stops while a machine is suspended). The
//     database's clock is assumed not to jump forward by more than the
//     margin. A writer that waits on a peer which never acks checks the
//     registry every lease/2 and stops waiting once the peer's lease has
//     run out, by which time the peer no longer trusts its memory; it also
//     ends that peer's listener connection, which a frozen process would
//     otherwise keep open, holding back PostgreSQL's notification queue.
//   - A COMMIT whose outcome is unknown (the connection broke or the
//     context ended with it on the wire) is treated as committed: the
//     local version moves and the peers are told.
//
// A writer that sees no peers skips all of this — a lone replica pays
// nothing, which is the common case and the one the decision benchmark
// measures. It cannot have missed a newcomer: a replica that joins while the
// writer commits waits for the writer's "k" (which the writer sends only
// after adding the newcomer as a peer) or for the writer's lease to run
// out. So the writer takes the fast path only if, from before COMMIT to
// after it, it had no peers, its epoch did not move (the epoch moves when a
// peer is added by any path and when a listener session starts: a writer
// that changed sessions may have missed a hello) and its lease was valid;
// otherwise it notifies after the fact and waits.
//
// Out-of-band writes (SQL typed by hand) notify nobody; the index's periodic
// sync (Service.SyncIndex, every minute) picks them up.

// notifyChannel is the LISTEN/NOTIFY channel replicas talk on.
const notifyChannel = "idcenter_access"

// ListenerName is the application_name of replica id's listener
// connection, as pg_stat_activity shows it.
func ListenerName(id string) string { return "idcenter replica listener " + id }

// DefaultReplicaLease is how long a replica's lease runs unless renewed.
const DefaultReplicaLease = 6 * time.Second

// maxAckWait bounds how long a writer waits for its peers after COMMIT
// before it logs and answers anyway (the commit stands; a peer that never
// acked catches up at its next periodic sync).
const maxAckWait = 30 * time.Second

// Listener receives the notifications on one channel over a connection of
// its own (see Dialect.Listen).
type Listener interface {
	// Next returns the next notification's payload, waiting at most d;
	// ok is false when d passed first.
	Next(ctx context.Context, d time.Duration) (payload string, ok bool, err error)
	Close() error
}

// replicas is one DB's side of replica coherence.
type replicas struct {
	db     *DB
	log    *slog.Logger
	id     string
	listen func(ctx context.Context, channel, name string) (Listener, error)
	lease  time.Duration
	margin time.Duration
	base   time.Time // origin of the monotonic offsets below

	version atomic.Uint64 // bumped for every remote change heard and every (re)join
	// Answering from memory is safe before validUntil (a monotonic offset
	// from base) and validWall (Unix nanoseconds): the monotonic clock
	// stops while the machine is suspended, the wall clock does not.
	validUntil atomic.Int64
	validWall  atomic.Int64
	seq        atomic.Uint64

	// npeers is len(peers), readable without mu (HasPeers is on hot paths).
	npeers atomic.Int32

	mu    sync.Mutex
	peers map[string]uint64 // peer id → the epoch it was last added at
	// epoch moves whenever a peer is added and at every session start, so
	// a writer that noted it before COMMIT can tell whether anyone new
	// may have joined meanwhile.
	epoch    uint64
	waits    map[uint64]*ackWait
	sessions chan struct{} // closed (and replaced) when a session starts

	stop context.CancelFunc
	done chan struct{}
}

// ackWait is one writer waiting for its peers' acks.
type ackWait struct {
	echoed bool            // the writer's own notification came back
	need   map[string]bool // peers yet to ack (fixed at the echo)
	early  map[string]bool // acks that came before the echo (none should)
	done   chan struct{}   // closed when need is empty after the echo
	closed bool
}

func newReplicas(db *DB, listen func(ctx context.Context, channel, name string) (Listener, error), lease time.Duration, log *slog.Logger) *replicas {
	if lease <= 0 {
		lease = DefaultReplicaLease
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	ctx, cancel := context.WithCancel(context.Background())
	r := &replicas{
		db: db, log: log, id: hex.EncodeToString(b[:]), listen: listen,
		lease: lease, margin: lease / 6, base: time.Now(),
		peers: map[string]uint64{}, waits: map[uint64]*ackWait{}, sessions: make(chan struct{}),
		stop: cancel, done: make(chan struct{}),
	}
	go r.run(ctx)
	return r
}

func (r *replicas) now() int64 { return int64(time.Since(r.base)) }

// valid reports whether this replica may answer from memory.
func (r *replicas) valid() bool {
	n := time.Now()
	return int64(n.Sub(r.base)) < r.validUntil.Load() && n.UnixNano() < r.validWall.Load()
}

// setValid makes the replica valid for lease-margin from sent, the moment
// the lease write that allows it was sent.
func (r *replicas) setValid(sent time.Time) {
	d := int64(r.lease - r.margin)
	r.validWall.Store(sent.UnixNano() + d)
	r.validUntil.Store(int64(sent.Sub(r.base)) + d)
}

func (r *replicas) invalidate() {
	r.validUntil.Store(0)
	r.validWall.Store(0)
}

// close leaves: the peers stop waiting for this replica at once, and so
// do writers here still waiting for acks (no session will hear them).
func (r *replicas) close() {
	r.stop()
	<-r.done
	r.mu.Lock()
	for _, w := range r.waits {
		if !w.closed {
			w.closed = true
			close(w.done)
		}
	}
	r.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = r.notify(ctx, "b "+r.id)
	_, _ = r.db.w.ExecContext(ctx, `DELETE FROM access_replicas WHERE id = $1`, r.id)
}

func (r *replicas) notify(ctx context.Context, payload string) error {
	_, err := r.db.w.ExecContext(ctx, `SELECT pg_notify($1, $2)`, notifyChannel, payload)
	return err
}

// run keeps a listening session going until the DB closes.
func (r *replicas) run(ctx context.Context) {
	defer close(r.done)
	pause := 50 * time.Millisecond
	for ctx.Err() == nil {
		err := r.session(ctx)
		r.invalidate()
		if ctx.Err() != nil {
			return
		}
		r.log.Warn("replica coherence: session ended; rejoining", "replica", r.id, "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(pause):
		}
		pause = min(2*pause, r.lease/2)
	}
}

var errLeaseLost = errors.New("lease ran out before it was renewed")

// session listens, joins and then serves the protocol until an error.
func (r *replicas) session(ctx context.Context) error {
	l, err := r.listen(ctx, notifyChannel, ListenerName(r.id))
	if err != nil {
		return err
	}
	defer l.Close()
	r.mu.Lock()
	r.epoch++ // a ticket taken before this session must not take the fast path
	close(r.sessions)
	r.sessions = make(chan struct{})
	r.mu.Unlock()
	s := &session{r: r, l: l}
	return s.serve(ctx)
}

type session struct {
	r *replicas
	l Listener

	joined    bool
	pending   map[string]bool // replicas whose "k" the join awaits
	ping      uint64          // the outstanding ping, 0 if none
	pingSent  int64
	renewAt   int64
	checkAt   int64
	validFrom time.Time // when the last successful lease write was sent
}

func (s *session) serve(ctx context.Context) error {
	r := s.r
	ms := r.lease.Milliseconds()
	s.validFrom = time.Now()
	if _, err := r.db.w.ExecContext(ctx, `INSERT INTO access_replicas (id, expires) VALUES ($1, now() + $2 * interval '1 millisecond')
		ON CONFLICT (id) DO UPDATE SET expires = EXCLUDED.expires`, r.id, ms); err != nil {
		return fmt.Errorf("register: %w", err)
	}
	// Rows of replicas long gone are only clutter.
	if _, err := r.db.w.ExecContext(ctx, `DELETE FROM access_replicas WHERE expires < now() - interval '1 hour'`); err != nil {
		return fmt.Errorf("register: %w", err)
	}
	if err := r.notify(ctx, "h "+r.id); err != nil {
		return fmt.Errorf("hello: %w", err)
	}
	live, err := r.liveOthers(ctx, nil)
	if err != nil {
		return err
	}
	s.pending = map[string]bool{}
	r.mu.Lock()
	for _, id := range live {
		s.pending[id] = true
		r.addPeer(id)
	}
	r.mu.Unlock()
	// Tell those listed that we know them now, as the answer to a hello
	// does. A replica joining at the same moment may have said hello
	// before this session listened, so its hello went unheard; but then
	// its row was written before this listing, which found it.
	for _, id := range live {
		if err := r.notify(ctx, "k "+id+" "+r.id); err != nil {
			return fmt.Errorf("hello: %w", err)
		}
	}
	s.renewAt = r.now() + int64(r.lease/3)
	s.checkAt = r.now() + int64(r.lease/8)
	for {
		if !s.joined && len(s.pending) == 0 {
			s.joined = true
			r.version.Add(1) // the first answer from memory reads the feed first
			r.setValid(s.validFrom)
		}
		now := r.now()
		next := s.renewAt
		if s.ping != 0 {
			next = s.pingSent + int64(r.lease/3)
		}
		if !s.joined {
			next = min(next, s.checkAt)
		}
		wait := time.Duration(max(next-now, 0))
		payload, ok, err := s.l.Next(ctx, wait)
		if err != nil {
			return err
		}
		if ok {
			if err := s.handle(ctx, payload); err != nil {
				return err
			}
		}
		now = r.now()
		switch {
		case s.ping != 0 && now >= s.pingSent+int64(r.lease/3):
			return fmt.Errorf("ping %d did not come back within %v", s.ping, r.lease/3)
		case s.ping == 0 && now >= s.renewAt:
			s.ping = r.seq.Add(1)
			s.pingSent = now
			if err := r.notify(ctx, "p "+r.id+" "+strconv.FormatUint(s.ping, 10)); err != nil {
				return fmt.Errorf("ping: %w", err)
			}
		}
		if !s.joined && now >= s.checkAt {
			ids := make([]string, 0, len(s.pending))
			for id := range s.pending {
				ids = append(ids, id)
			}
			live, err := r.liveOthers(ctx, ids)
			if err != nil {
				return err
			}
			s.pending = map[string]bool{}
			for _, id := range live {
				s.pending[id] = true
			}
			s.checkAt = now + int64(r.lease/8)
		}
	}
}

// handle acts on one notification.
func (s *session) handle(ctx context.Context, payload string) error {
	r := s.r
	f := strings.Fields(payload)
	if len(f) < 2 {
		return nil
	}
	switch f[0] {
	case "c": // c WRITER N: a change committed
		if f[1] == r.id {
			if len(f) == 3 {
				r.echo(f[2])
			}
			return nil
		}
		r.version.Add(1) // before the ack: our next answer reads the feed
		if len(f) == 3 {
			return r.notify(ctx, "a "+f[1]+" "+f[2]+" "+r.id)
		}
	case "a": // a WRITER N FROM
		if len(f) == 4 && f[1] == r.id {
			r.ack(f[2], f[3])
		}
	case "h": // h NEWCOMER
		if f[1] == r.id {
			return nil
		}
		r.mu.Lock()
		r.addPeer(f[1])
		// A newcomer heard after a writer's echo joined after that
		// writer's commit: its first feed read covers it.
		for _, w := range r.waits {
			if w.echoed {
				r.drop(w, f[1])
			}
		}
		r.mu.Unlock()
		return r.notify(ctx, "k "+f[1]+" "+r.id)
	case "k": // k NEWCOMER FROM
		if len(f) == 3 && f[1] == r.id {
			delete(s.pending, f[2])
			r.mu.Lock()
			r.addPeer(f[2])
			r.mu.Unlock()
		}
	case "b": // b LEAVER
		r.forget(f[1])
	case "p": // p SELF N: our ping is back, so everything before it was heard
		if f[1] != r.id || len(f) != 3 || f[2] != strconv.FormatUint(s.ping, 10) {
			return nil
		}
		sent := time.Now()
		res, err := r.db.w.ExecContext(ctx, `UPDATE access_replicas SET expires = now() + $2 * interval '1 millisecond'
			WHERE id = $1 AND expires > now()`, r.id, r.lease.Milliseconds())
		if err != nil {
			return fmt.Errorf("renew: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errLeaseLost
		}
		s.validFrom = sent
		if s.joined {
			r.setValid(sent)
		}
		s.ping = 0
		s.renewAt = s.pingSent + int64(r.lease/3)
		// Forget peers that went away without a goodbye (a crash): their
		// lease has run out, so they no longer trust their memory, and a
		// writer here should neither wait for them nor pay for telling
		// them.
		return r.forgetExpired(ctx)
	}
	return nil
}

// liveOthers returns the other replicas whose lease has not run out,
// among ids (all of them when ids is nil).
func (r *replicas) liveOthers(ctx context.Context, ids []string) ([]string, error) {
	q := `SELECT id FROM access_replicas WHERE expires > now() AND id <> $1`
	args := []any{r.id}
	if ids != nil {
		if len(ids) == 0 {
			return nil, nil
		}
		q += ` AND id = ANY($2)`
		args = append(args, ids)
	}
	rows, err := r.db.w.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("replica registry: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("replica registry: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// forgetExpired forgets the peers whose lease has run out — unless one
// rejoined while the registry was being read (its hello re-added it at a
// later epoch) — and cuts their listener connections: a replica that is
// frozen but connected would otherwise hold PostgreSQL's notification
// queue back for everyone.
func (r *replicas) forgetExpired(ctx context.Context) error {
	r.mu.Lock()
	ids := slices.Collect(maps.Keys(r.peers))
	e := r.epoch
	r.mu.Unlock()
	if len(ids) == 0 {
		return nil
	}
	live, err := r.liveOthers(ctx, ids)
	if err != nil {
		return err
	}
	alive := make(map[string]bool, len(live))
	for _, id := range live {
		alive[id] = true
	}
	for _, id := range ids {
		if alive[id] {
			continue
		}
		r.mu.Lock()
		added, ok := r.peers[id]
		r.mu.Unlock()
		if ok && added > e {
			continue
		}
		r.forget(id)
		// Best effort: only the same role (or pg_signal_backend) may.
		_, _ = r.db.w.ExecContext(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
			WHERE datname = current_database() AND application_name = $1`, ListenerName(id))
	}
	return nil
}

// addPeer records id as a peer as of a new epoch; r.mu is held.
func (r *replicas) addPeer(id string) {
	r.epoch++
	r.peers[id] = r.epoch
	r.npeers.Store(int32(len(r.peers)))
}

// forget drops a replica that left or whose lease ran out.
func (r *replicas) forget(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.peers, id)
	r.npeers.Store(int32(len(r.peers)))
	for _, w := range r.waits {
		r.drop(w, id)
	}
}

// drop stops w waiting for id; r.mu is held.
func (r *replicas) drop(w *ackWait, id string) {
	delete(w.need, id)
	if w.echoed && len(w.need) == 0 && !w.closed {
		w.closed = true
		close(w.done)
	}
}

// echo fixes the peers writer notification n waits for.
func (r *replicas) echo(n string) {
	seq, err := strconv.ParseUint(n, 10, 64)
	if err != nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	w := r.waits[seq]
	if w == nil || w.echoed {
		return
	}
	w.echoed = true
	for id := range r.peers {
		if !w.early[id] {
			w.need[id] = true
		}
	}
	if len(w.need) == 0 {
		w.closed = true
		close(w.done)
	}
}

func (r *replicas) ack(n, from string) {
	seq, err := strconv.ParseUint(n, 10, 64)
	if err != nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	w := r.waits[seq]
	if w == nil {
		return
	}
	if !w.echoed {
		w.early[from] = true
		return
	}
	r.drop(w, from)
}

// commitTicket carries what a write transaction learned before COMMIT to
// what must happen after it.
type commitTicket struct {
	epoch    uint64
	alone    bool   // no peers were known when the transaction began to commit
	valid    bool   // and this replica's lease was valid then
	checked  bool   // the transaction asked whether it changed the feed
	notified uint64 // the sequence number it notified under, 0 if none
}

// register starts waiting for the acks of notification seq.
func (r *replicas) register() uint64 {
	seq := r.seq.Add(1)
	r.mu.Lock()
	r.waits[seq] = &ackWait{need: map[string]bool{}, early: map[string]bool{}, done: make(chan struct{})}
	r.mu.Unlock()
	return seq
}

func (r *replicas) unregister(seq uint64) {
	r.mu.Lock()
	delete(r.waits, seq)
	r.mu.Unlock()
}

// beforeCommit runs inside a write transaction, last before COMMIT. When
// this replica has peers (or is not sure it has none), it notifies them of
// the commit if the transaction changed the feed — one statement that does
// nothing otherwise.
func (r *replicas) beforeCommit(ctx context.Context, ex execer) (commitTicket, error) {
	t := r.start()
	if t.alone && t.valid {
		return t, nil
	}
	t.checked = true
	seq := r.register()
	var changed bool
	err := ex.QueryRowContext(ctx, `SELECT CASE WHEN EXISTS (SELECT 1 FROM access_changes WHERE xid = pg_current_xact_id_if_assigned())
		THEN (SELECT true FROM pg_notify($1, $2)) ELSE false END`,
		notifyChannel, "c "+r.id+" "+strconv.FormatUint(seq, 10)).Scan(&changed)
	if err != nil || !changed {
		r.unregister(seq)
		return t, err
	}
	t.notified = seq
	return t, nil
}

// start notes what afterCommit compares against.
func (r *replicas) start() commitTicket {
	r.mu.Lock()
	defer r.mu.Unlock()
	return commitTicket{epoch: r.epoch, alone: len(r.peers) == 0, valid: r.valid()}
}

// afterCommit waits, after COMMIT, until every peer has heard of the
// commit (see the top of this file). The commit stands whatever happens
// here, so none of it heeds ctx's cancellation.
func (r *replicas) afterCommit(ctx context.Context, t commitTicket) {
	ctx = context.WithoutCancel(ctx)
	if !t.checked {
		// The fast path: nobody was there to tell before COMMIT, this
		// replica stayed in one session throughout (a new session moves
		// the epoch), nobody joined meanwhile, and the lease held from
		// before COMMIT to now.
		r.mu.Lock()
		quiet := r.epoch == t.epoch && len(r.peers) == 0
		r.mu.Unlock()
		if t.alone && t.valid && quiet && r.valid() {
			return
		}
		// Otherwise we did not ask whether the transaction changed the
		// feed: tell everyone as if it had.
		t.notified = r.register()
		if err := r.notify(ctx, "c "+r.id+" "+strconv.FormatUint(t.notified, 10)); err != nil {
			// await sends it again.
			r.log.Warn("replica coherence: could not notify peers of a commit", "err", err)
		}
	}
	if t.notified != 0 {
		r.await(ctx, t.notified)
	}
}

// uncertain handles a COMMIT whose outcome is unknown (the connection
// failed or the context ended while it was on the wire): it may have
// committed, so the peers are told as if it had.
func (r *replicas) uncertain(ctx context.Context, t commitTicket) {
	if t.notified != 0 {
		r.unregister(t.notified)
	}
	r.afterCommit(ctx, commitTicket{epoch: ^uint64(0)})
}

// await blocks until the peers have acked notification seq, dropping any
// peer whose lease runs out first.
func (r *replicas) await(ctx context.Context, seq uint64) {
	defer r.unregister(seq)
	r.mu.Lock()
	w := r.waits[seq]
	r.mu.Unlock()
	deadline := time.Now().Add(maxAckWait)
	for {
		r.mu.Lock()
		sessions := r.sessions
		r.mu.Unlock()
		t := time.NewTimer(r.lease / 2)
		select {
		case <-w.done:
			t.Stop()
			return
		case <-sessions:
			t.Stop()
		case <-t.C:
		}
		if time.Now().After(deadline) {
			r.log.Error("replica coherence: peers did not ack a commit; they catch up at their next sync", "seq", seq)
			return
		}
		r.mu.Lock()
		ids := slices.Collect(maps.Keys(w.need))
		echoed := w.echoed
		r.mu.Unlock()
		if !echoed {
			// No session heard the notification (it went out while the
			// listener reconnected, or could not be sent). If no other
			// replica holds a live lease, there is nobody to tell: a
			// replica whose lease ran out trusts nothing it remembers
			// until it has rejoined and read the feed.
			if live, err := r.liveOthers(ctx, nil); err == nil && len(live) == 0 {
				return
			}
			// Otherwise send it again; peers that hear it twice bump
			// their version twice, no harm.
			if err := r.notify(ctx, "c "+r.id+" "+strconv.FormatUint(seq, 10)); err != nil {
				r.log.Warn("replica coherence: could not notify peers again", "err", err)
			}
			continue
		}
		if len(ids) > 0 {
			_ = r.forgetExpired(ctx) // an error: try again at the next tick
		}
	}
}
