package access

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/store"
)

// The entitlement index.
//
// Entitlements and MayUse are the hottest reads idcenter has (every portal
// page, every ListAccounts/ListAccountRoles, every GetRoleCredentials), and
// answering them in SQL costs a join over a user's groups and their
// assignments on every call: milliseconds for a user in 100 groups among a
// million assignments. So each Service keeps the answer's raw material in
// memory — which groups each user is in, which (account, permission set)
// pairs each user and group is assigned, and each permission set's name and
// session duration — and answers by lookups in it: a whole list is a merge
// of the user's and their groups' sorted pair lists, a decision a binary
// search per group.
//
// The index is never stale. The store keeps a change feed (triggers append
// a row for every membership, assignment and permission set change, in the
// writing transaction; see store.AccessFeed), and before each answer the
// index applies whatever was committed since it last looked: one indexed
// read that is empty in the steady state. Usually even that read is
// skipped: the store's AccessVersion says whether anything can have entered
// the feed since the last read — on SQLite because the store is the file's
// only writer (it holds a lock on it) and counts its commits, on PostgreSQL
// because replicas announce their changes to each other and a writer
// answers only once the others have heard (internal/store/sqldb/
// replicas.go) — so a decision is a few map lookups and binary searches.
// So a membership removed through
// any replica is gone from the very next answer of every replica, as it was
// when every answer was SQL. Concurrent readers share that read: a reader
// joins a read that has not started yet (so it starts after the reader
// arrived and sees everything the reader must see), never one already under
// way.
//
// The first read loads the state in the background and is answered in SQL,
// as is every read until the load is done; a failed load is retried after
// loadRetry. If the feed has not been read for maxQuiet (the feed is pruned
// after pruneAfter, which is longer), the index loads afresh rather than
// trust a cursor the pruning may have overtaken.

const (
	// pruneAfter is how long feed rows are kept (see PruneChanges).
	pruneAfter = time.Hour
	// maxQuiet is the longest gap between feed reads after which the
	// index reloads instead of catching up.
	maxQuiet = 30 * time.Minute
	// loadRetry is the pause after a failed load.
	loadRetry = 5 * time.Second
	// feedTimeout bounds one read of the feed.
	feedTimeout = 10 * time.Second
)

type index struct {
	feed store.AccessFeed
	now  func() time.Time

	mu     sync.RWMutex
	state  *indexState // nil until loaded
	cursor string
	// synced is when the last feed read (or load) that succeeded started
	// (UnixNano); commits is AccessVersion as of then.
	synced  atomic.Int64
	commits atomic.Uint64

	lmu       sync.Mutex
	loading   bool
	loadAfter time.Time
	loaded    chan struct{} // closed and replaced when a load ends

	fmu     sync.Mutex
	pending *flight // a feed read not started yet; readers join it
	running *flight // the feed read under way
}

// flight is one read of the feed, shared by the readers that joined it.
type flight struct {
	done chan struct{}
	err  error
}

func newIndex(feed store.AccessFeed, now func() time.Time) *index {
	return &index{feed: feed, now: now, loaded: make(chan struct{})}
}

// read returns the current state, read-locked (call unlock when done), or
// ok false when the index is not loaded yet (the caller answers in SQL).
func (x *index) read(ctx context.Context) (st *indexState, unlock func(), ok bool, err error) {
	now := x.now()
	x.mu.RLock()
	loaded := x.state != nil
	x.mu.RUnlock()
	quiet := now.Sub(time.Unix(0, x.synced.Load()))
	if !loaded || quiet > maxQuiet {
		x.startLoad()
		return nil, nil, false, nil
	}
	// While the store's AccessVersion is exact and unchanged, nothing has
	// entered the feed since the last read; otherwise ask the database.
	// Still read it now and then, so the cursor never falls behind the
	// pruning even on a replica nothing is written through.
	if n, exact := x.feed.AccessVersion(); !exact || n != x.commits.Load() || quiet > maxQuiet/2 {
		if err := x.sync(ctx); err != nil {
			return nil, nil, false, err
		}
	}
	x.mu.RLock()
	if x.state == nil {
		x.mu.RUnlock()
		return nil, nil, false, nil
	}
	return x.state, x.mu.RUnlock, true, nil
}

// sync applies the changes committed before it was called.
func (x *index) sync(ctx context.Context) error {
	x.fmu.Lock()
	if f := x.pending; f != nil {
		x.fmu.Unlock()
		select {
		case <-f.done:
			return f.err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	f := &flight{done: make(chan struct{})}
	x.pending = f
	prev := x.running
	x.fmu.Unlock()
	if prev != nil {
		<-prev.done
	}
	x.fmu.Lock()
	x.pending, x.running = nil, f
	x.fmu.Unlock()

	f.err = x.poll()

	x.fmu.Lock()
	x.running = nil
	x.fmu.Unlock()
	close(f.done)
	return f.err
}

// poll reads and applies the feed once. It runs on its own context: the
// readers sharing it may have different deadlines.
func (x *index) poll() error {
	ctx, cancel := context.WithTimeout(context.Background(), feedTimeout)
	defer cancel()
	x.mu.RLock()
	cursor, loaded := x.cursor, x.state != nil
	x.mu.RUnlock()
	if !loaded {
		return nil
	}
	started := x.now()
	commits, _ := x.feed.AccessVersion() // before the read: a commit during it makes the next reader read again
	changes, next, err := x.feed.AccessChangesSince(ctx, cursor)
	if err != nil {
		return err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.state == nil || x.cursor != cursor {
		return nil // reloaded meanwhile; that load is at least as new
	}
	for i := range changes {
		if err := x.state.apply(&changes[i]); err != nil {
			// The feed contradicts the index: start over from a load.
			x.state = nil
			return fmt.Errorf("entitlement index: %w", err)
		}
	}
	x.state.reorder()
	x.cursor = next
	x.synced.Store(started.UnixNano())
	x.commits.Store(commits)
	return nil
}

// startLoad loads the state in the background unless a load is under way
// or failed a moment ago.
func (x *index) startLoad() {
	x.lmu.Lock()
	defer x.lmu.Unlock()
	if x.loading || x.now().Before(x.loadAfter) {
		return
	}
	x.loading = true
	go x.load()
}

func (x *index) load() {
	st := newIndexState()
	started := x.now()
	commits, _ := x.feed.AccessVersion()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	cursor, err := x.feed.LoadAccessState(ctx, func(c *store.AccessChange) error { return st.apply(c) })
	cancel()
	st.reorder()
	if err == nil {
		x.mu.Lock()
		x.state, x.cursor = st, cursor
		x.synced.Store(started.UnixNano())
		x.commits.Store(commits)
		x.mu.Unlock()
	}
	x.lmu.Lock()
	x.loading = false
	if err != nil {
		x.loadAfter = x.now().Add(loadRetry)
	}
	close(x.loaded)
	x.loaded = make(chan struct{})
	x.lmu.Unlock()
}

// refresh reads the feed now, whatever AccessVersion says (changes made
// outside idcenter, with SQL by hand, are announced to nobody).
func (x *index) refresh(ctx context.Context) error {
	x.mu.RLock()
	loaded := x.state != nil
	x.mu.RUnlock()
	if !loaded {
		x.startLoad()
		return nil
	}
	return x.sync(ctx)
}

// wait blocks until the index is loaded (starting a load if needed).
func (x *index) wait(ctx context.Context) error {
	for {
		x.mu.RLock()
		ok := x.state != nil
		x.mu.RUnlock()
		if ok {
			return nil
		}
		x.lmu.Lock()
		ch := x.loaded
		x.lmu.Unlock()
		x.startLoad()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// pairID numbers an (account, permission set) pair in the index.
type pairID uint32

type pairKey struct{ account, set string }

type pair struct {
	account string
	set     *setInfo
	role    string
	refs    int    // assignments naming the pair; freed at 0
	order   uint64 // see orderOf
}

type setInfo struct {
	arn, name string
	duration  time.Duration
	rank      uint32 // position by (name, ARN) among all sets
}

type userEntry struct {
	store  string
	direct []pairID // sorted
	groups []string // sorted group ids
}

type groupEntry struct {
	pairs []pairID // sorted
}

// indexState is the indexed data; the index's mutex guards it.
type indexState struct {
	sets   map[string]*setInfo
	ids    map[pairKey]pairID
	pairs  []pair
	free   []pairID
	users  map[string]*userEntry
	groups map[string]*groupEntry
	// accounts ranks the account ids in pairs; with setInfo.rank it gives
	// each pair a number whose order is the answer's order (account, then
	// permission set name), so a list sorts by integers. reorder
	// recomputes the ranks after a change makes them stale.
	accounts map[string]uint32
	stale    bool
	// wide is set when the ranks or pair ids outgrow orderOf's bit fields;
	// lists then sort by comparing fields instead.
	wide      bool
	forceWide bool // tests: take the wide path at any size
}

func newIndexState() *indexState {
	return &indexState{sets: map[string]*setInfo{}, ids: map[pairKey]pairID{}, users: map[string]*userEntry{}, groups: map[string]*groupEntry{},
		accounts: map[string]uint32{}}
}

// reorder recomputes the account and permission set ranks and the pairs'
// order numbers if a new account or set, or a renamed set, made them
// stale. The index calls it after applying a batch of changes.
func (s *indexState) reorder() {
	if !s.stale {
		return
	}
	accounts := make([]string, 0, len(s.accounts))
	for a := range s.accounts {
		accounts = append(accounts, a)
	}
	slices.Sort(accounts)
	for i, a := range accounts {
		s.accounts[a] = uint32(i)
	}
	sets := make([]*setInfo, 0, len(s.sets))
	for _, ps := range s.sets {
		sets = append(sets, ps)
	}
	slices.SortFunc(sets, func(a, b *setInfo) int { return cmp.Or(cmp.Compare(a.name, b.name), cmp.Compare(a.arn, b.arn)) })
	for i, ps := range sets {
		ps.rank = uint32(i)
	}
	s.wide = s.forceWide || len(accounts) > 1<<accountBits || len(sets) > 1<<setBits || len(s.pairs) > 1<<pairBits
	for i := range s.pairs {
		if p := &s.pairs[i]; p.refs > 0 {
			p.order = s.orderOf(p.account, p.set, pairID(i))
		}
	}
	s.stale = false
}

// Bit fields of a pair's order number.
const (
	accountBits = 20 // a million accounts
	setBits     = 18 // 262,144 permission sets
	pairBits    = 64 - accountBits - setBits
)

// orderOf numbers a pair so that numeric order is the answer's order
// (account id, then permission set name and ARN) and the number carries
// the pair's id in its low bits: a list is a sort of integers.
func (s *indexState) orderOf(account string, ps *setInfo, id pairID) uint64 {
	return uint64(s.accounts[account])<<(setBits+pairBits) | uint64(ps.rank)<<pairBits | uint64(id)
}

var errFeed = errors.New("change does not fit the index")

// apply applies one change.
func (s *indexState) apply(c *store.AccessChange) error {
	switch c.Kind {
	case store.ChangePermissionSet:
		s.applySet(c)
	case store.ChangeMembership:
		u := s.users[c.UserID]
		if c.Deleted {
			if u != nil {
				u.groups = remove(u.groups, c.GroupID)
				s.dropUserIfEmpty(c.UserID, u)
			}
			return nil
		}
		if u == nil {
			u = &userEntry{store: c.IdentityStoreID}
			s.users[c.UserID] = u
		}
		u.groups = insert(u.groups, c.GroupID)
	case store.ChangeAssignment:
		return s.applyAssignment(c)
	default:
		return fmt.Errorf("%w: kind %q", errFeed, c.Kind)
	}
	return nil
}

func (s *indexState) applySet(c *store.AccessChange) {
	if c.Deleted {
		delete(s.sets, c.PermissionSetARN)
		return
	}
	d, _ := ParseDuration(c.SessionDuration)
	ps := s.sets[c.PermissionSetARN]
	if ps == nil {
		s.sets[c.PermissionSetARN] = &setInfo{arn: c.PermissionSetARN, name: c.Name, duration: d}
		s.stale = true
		return
	}
	renamed := ps.name != c.Name
	ps.name, ps.duration = c.Name, d
	if renamed {
		s.stale = true
		for i := range s.pairs {
			if p := &s.pairs[i]; p.set == ps && p.refs > 0 {
				p.role = idc.RoleName(ps.name, ps.arn, p.account)
			}
		}
	}
}

func (s *indexState) applyAssignment(c *store.AccessChange) error {
	k := pairKey{c.AccountID, c.PermissionSetARN}
	var list *[]pairID
	switch c.PrincipalType {
	case string(idc.PrincipalUser):
		u := s.users[c.PrincipalID]
		if u == nil {
			if c.Deleted {
				return nil
			}
			u = &userEntry{store: c.IdentityStoreID}
			s.users[c.PrincipalID] = u
		}
		list = &u.direct
	case string(idc.PrincipalGroup):
		g := s.groups[c.PrincipalID]
		if g == nil {
			if c.Deleted {
				return nil
			}
			g = &groupEntry{}
			s.groups[c.PrincipalID] = g
		}
		list = &g.pairs
	default:
		return fmt.Errorf("%w: principal type %q", errFeed, c.PrincipalType)
	}
	if c.Deleted {
		id, ok := s.ids[k]
		if !ok {
			return nil
		}
		before := len(*list)
		*list = remove(*list, id)
		if len(*list) < before {
			s.release(k, id)
		}
		s.dropPrincipalIfEmpty(c)
		return nil
	}
	id, err := s.acquire(k)
	if err != nil {
		return err
	}
	before := len(*list)
	*list = insert(*list, id)
	if len(*list) == before {
		s.release(k, id) // already assigned
	}
	return nil
}

// acquire returns the id of a pair, numbering it if new, and counts one
// more reference.
func (s *indexState) acquire(k pairKey) (pairID, error) {
	if id, ok := s.ids[k]; ok {
		s.pairs[id].refs++
		return id, nil
	}
	ps := s.sets[k.set]
	if ps == nil {
		return 0, fmt.Errorf("%w: assignment of unknown permission set %s", errFeed, k.set)
	}
	if _, ok := s.accounts[k.account]; !ok {
		s.accounts[k.account] = 0
		s.stale = true
	}
	p := pair{account: k.account, set: ps, role: idc.RoleName(ps.name, ps.arn, k.account), refs: 1}
	var id pairID
	if n := len(s.free); n > 0 {
		id, s.free = s.free[n-1], s.free[:n-1]
	} else {
		id = pairID(len(s.pairs))
		s.pairs = append(s.pairs, pair{})
		if len(s.pairs) > 1<<pairBits {
			s.stale = true // reorder sets wide
		}
	}
	p.order = s.orderOf(k.account, ps, id)
	s.pairs[id] = p
	s.ids[k] = id
	return id, nil
}

func (s *indexState) release(k pairKey, id pairID) {
	if s.pairs[id].refs--; s.pairs[id].refs == 0 {
		delete(s.ids, k)
		s.pairs[id] = pair{}
		s.free = append(s.free, id)
	}
}

func (s *indexState) dropPrincipalIfEmpty(c *store.AccessChange) {
	if c.PrincipalType == string(idc.PrincipalUser) {
		s.dropUserIfEmpty(c.PrincipalID, s.users[c.PrincipalID])
	} else if g := s.groups[c.PrincipalID]; g != nil && len(g.pairs) == 0 {
		delete(s.groups, c.PrincipalID)
	}
}

func (s *indexState) dropUserIfEmpty(id string, u *userEntry) {
	if u != nil && len(u.direct) == 0 && len(u.groups) == 0 {
		delete(s.users, id)
	}
}

// entitlements answers Service.Entitlements.
func (s *indexState) entitlements(identityStoreID, userID string) []idc.Entitlement {
	u := s.users[userID]
	if u == nil || u.store != identityStoreID {
		return []idc.Entitlement{}
	}
	n := len(u.direct)
	for _, g := range u.groups {
		if e := s.groups[g]; e != nil {
			n += len(e.pairs)
		}
	}
	if s.wide {
		return s.entitlementsWide(u, n)
	}
	keys := make([]uint64, 0, n)
	for _, id := range u.direct {
		keys = append(keys, s.pairs[id].order)
	}
	for _, g := range u.groups {
		if e := s.groups[g]; e != nil {
			for _, id := range e.pairs {
				keys = append(keys, s.pairs[id].order)
			}
		}
	}
	// Order numbers are unique per pair, so equal neighbours after the
	// sort are one pair reached twice.
	slices.Sort(keys)
	keys = slices.Compact(keys)
	out := make([]idc.Entitlement, len(keys))
	for i, k := range keys {
		p := &s.pairs[pairID(k&(1<<pairBits-1))]
		out[i] = p.entitlement()
	}
	return out
}

// entitlementsWide is entitlements for an index too large for order
// numbers: it deduplicates by pair id and sorts by comparing fields.
func (s *indexState) entitlementsWide(u *userEntry, n int) []idc.Entitlement {
	ids := make([]pairID, 0, n)
	ids = append(ids, u.direct...)
	for _, g := range u.groups {
		if e := s.groups[g]; e != nil {
			ids = append(ids, e.pairs...)
		}
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	out := make([]idc.Entitlement, len(ids))
	for i, id := range ids {
		out[i] = s.pairs[id].entitlement()
	}
	sortEntitlements(out)
	return out
}

func (p *pair) entitlement() idc.Entitlement {
	return idc.Entitlement{AccountID: p.account, PermissionSetARN: p.set.arn, PermissionSetName: p.set.name,
		RoleName: p.role, SessionDuration: p.set.duration}
}

// mayUse answers Service.MayUse.
func (s *indexState) mayUse(userID, accountID, permissionSetARN string) bool {
	id, ok := s.ids[pairKey{accountID, permissionSetARN}]
	if !ok {
		return false
	}
	u := s.users[userID]
	if u == nil {
		return false
	}
	if _, ok := slices.BinarySearch(u.direct, id); ok {
		return true
	}
	for _, g := range u.groups {
		if e := s.groups[g]; e != nil {
			if _, ok := slices.BinarySearch(e.pairs, id); ok {
				return true
			}
		}
	}
	return false
}

func sortEntitlements(es []idc.Entitlement) {
	slices.SortFunc(es, func(a, b idc.Entitlement) int {
		return cmp.Or(cmp.Compare(a.AccountID, b.AccountID), cmp.Compare(a.PermissionSetName, b.PermissionSetName),
			cmp.Compare(a.PermissionSetARN, b.PermissionSetARN))
	})
}

// insert adds v to the sorted list unless it is there.
func insert[T cmp.Ordered](list []T, v T) []T {
	i, ok := slices.BinarySearch(list, v)
	if ok {
		return list
	}
	return slices.Insert(list, i, v)
}

// remove deletes v from the sorted list if it is there.
func remove[T cmp.Ordered](list []T, v T) []T {
	i, ok := slices.BinarySearch(list, v)
	if !ok {
		return list
	}
	return slices.Delete(list, i, i+1)
}
