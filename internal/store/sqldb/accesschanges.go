package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/idcenter/idcenter/internal/store"
)

// The access change feed (store.AccessFeed). Triggers (migration 0008) append
// a row to access_changes for every membership, assignment and permission
// set change, in the writing transaction; on PostgreSQL idcenter's own
// assignment inserts write their row in the inserting statement instead,
// and the trigger covers only inserts that did not (migration 0018). What a reader needs is "every row
// committed since I last looked", and the two backends answer it
// differently:
//
//   - SQLite has one writer, and group commit runs the transactions it
//     batches one after another, so sequence order is commit order: the
//     cursor is the last sequence number seen.
//   - PostgreSQL hands out sequence numbers at insert time, and a
//     transaction that took number 9 may commit after the one that took 10;
//     a reader that saw 10 and moved its cursor past 9 would lose 9 for
//     good. So each row records its transaction id, and the cursor is the
//     MVCC snapshot the reader last read at (pg_current_snapshot). The rows
//     new to a reader are exactly those visible now whose transaction the
//     old snapshot did not see (NOT pg_visible_in_snapshot), and every such
//     transaction's id is at least the old snapshot's xmin, which the xid
//     index serves. Within the answer, rows are ordered by sequence: two
//     changes to one row or one unique key are ordered by the row lock or
//     index entry the second waited on, so sequence order is their commit
//     order, which is all applying them needs.

const accessChangeColumns = `kind, deleted, identity_store_id, group_id, user_id, account_id, permission_set_arn, principal_type, principal_id, name, session_duration`

// accessChangesBatch bounds one read of the SQLite feed.
const accessChangesBatch = 5000

// LoadAccessState implements store.AccessFeed.
func (db *DB) LoadAccessState(ctx context.Context, fn func(*store.AccessChange) error) (cursor string, err error) {
	var opts *sql.TxOptions
	if db.d.Name == "postgres" {
		opts = &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	}
	tx, err := db.r.BeginTx(ctx, opts)
	if err != nil {
		return "", fmt.Errorf("load access state: %w", err)
	}
	defer tx.Rollback()
	// The first statement fixes the snapshot everything below reads.
	if db.d.Name == "postgres" {
		err = tx.QueryRowContext(ctx, `SELECT pg_current_snapshot()::text`).Scan(&cursor)
	} else {
		var seq int64
		err = tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM access_changes`).Scan(&seq)
		cursor = strconv.FormatInt(seq, 10)
	}
	if err != nil {
		return "", fmt.Errorf("load access state: %w", err)
	}
	parts := []struct {
		kind  store.AccessChangeKind
		query string
	}{
		{store.ChangePermissionSet, `SELECT permission_set_arn, name, session_duration FROM access_permission_sets`},
		{store.ChangeMembership, `SELECT identity_store_id, group_id, user_id FROM directory_memberships`},
		{store.ChangeAssignment, `SELECT identity_store_id, account_id, permission_set_arn, principal_type, principal_id FROM access_assignments`},
	}
	for _, p := range parts {
		if err := loadAccessPart(ctx, tx, p.kind, p.query, fn); err != nil {
			return "", fmt.Errorf("load access state: %w", err)
		}
	}
	return cursor, nil
}

func loadAccessPart(ctx context.Context, tx *sql.Tx, kind store.AccessChangeKind, query string, fn func(*store.AccessChange) error) error {
	rows, err := tx.QueryContext(ctx, query)
	if err != nil {
		return err
	}
	defer rows.Close()
	c := store.AccessChange{Kind: kind}
	for rows.Next() {
		switch kind {
		case store.ChangePermissionSet:
			err = rows.Scan(&c.PermissionSetARN, &c.Name, &c.SessionDuration)
		case store.ChangeMembership:
			err = rows.Scan(&c.IdentityStoreID, &c.GroupID, &c.UserID)
		default:
			err = rows.Scan(&c.IdentityStoreID, &c.AccountID, &c.PermissionSetARN, &c.PrincipalType, &c.PrincipalID)
		}
		if err != nil {
			return err
		}
		if err := fn(&c); err != nil {
			return err
		}
	}
	return rows.Err()
}

// AccessChangesSince implements store.AccessFeed.
func (db *DB) AccessChangesSince(ctx context.Context, cursor string) ([]store.AccessChange, string, error) {
	db.feedReads.Add(1)
	if db.d.Name == "postgres" {
		return db.accessChangesSincePG(ctx, cursor)
	}
	seq, err := strconv.ParseInt(cursor, 10, 64)
	if err != nil {
		return nil, "", fmt.Errorf("access changes: bad cursor %q", cursor)
	}
	var out []store.AccessChange
	for {
		rows, err := db.queries.ex.QueryContext(ctx, `SELECT seq, `+accessChangeColumns+` FROM access_changes WHERE seq > $1 ORDER BY seq LIMIT `+strconv.Itoa(accessChangesBatch), seq)
		if err != nil {
			return nil, "", fmt.Errorf("access changes: %w", err)
		}
		n := 0
		for rows.Next() {
			var c store.AccessChange
			if err := scanAccessChange(rows, &seq, &c); err != nil {
				rows.Close()
				return nil, "", fmt.Errorf("access changes: %w", err)
			}
			out = append(out, c)
			n++
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, "", fmt.Errorf("access changes: %w", err)
		}
		if n < accessChangesBatch {
			return out, strconv.FormatInt(seq, 10), nil
		}
	}
}

// accessChangesSincePGQuery returns the current snapshot in every row, and
// one row of NULL changes when nothing is new (the LEFT JOIN).
const accessChangesSincePGQuery = `SELECT s.snap::text, c.seq, ` + `c.kind, c.deleted, c.identity_store_id, c.group_id, c.user_id, c.account_id, c.permission_set_arn, c.principal_type, c.principal_id, c.name, c.session_duration
FROM (SELECT pg_current_snapshot() AS snap) s
LEFT JOIN access_changes c ON c.xid >= pg_snapshot_xmin($1::pg_snapshot) AND NOT pg_visible_in_snapshot(c.xid, $1::pg_snapshot)
ORDER BY c.seq`

// feedConn is the connection PostgreSQL feed reads run on. It exists for
// one session setting: plan_cache_mode = force_generic_plan. With custom
// plans, every execution of the feed query is planned afresh, and planning
// `xid >= <a value past the histogram>` probes the xid index for its
// actual maximum (get_actual_variable_range): about 200 µs with a million
// rows in the feed, against 30 µs to run the plan. The generic plan is the
// same index scan, but the planner will not choose it on its own, because
// its default estimate for `xid >= $1` is a third of the table. Reads of
// one DB take turns on it (the entitlement index makes one at a time).
type feedConn struct {
	mu sync.Mutex
	c  *sql.Conn
}

func (f *feedConn) close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.c != nil {
		f.c.Close()
		f.c = nil
	}
}

func (db *DB) accessChangesSincePG(ctx context.Context, cursor string) ([]store.AccessChange, string, error) {
	db.feed.mu.Lock()
	defer db.feed.mu.Unlock()
	if db.feed.c == nil {
		c, err := db.r.Conn(ctx)
		if err != nil {
			return nil, "", fmt.Errorf("access changes: %w", err)
		}
		if _, err := c.ExecContext(ctx, `SET plan_cache_mode = force_generic_plan`); err != nil {
			c.Close()
			return nil, "", fmt.Errorf("access changes: %w", err)
		}
		db.feed.c = c
	}
	out, snap, err := readAccessChangesPG(ctx, db.feed.c, cursor)
	if err != nil {
		// The connection may be broken; the next read takes a fresh one.
		db.feed.c.Close()
		db.feed.c = nil
	}
	return out, snap, err
}

func readAccessChangesPG(ctx context.Context, c *sql.Conn, cursor string) ([]store.AccessChange, string, error) {
	rows, err := c.QueryContext(ctx, accessChangesSincePGQuery, cursor)
	if err != nil {
		return nil, "", fmt.Errorf("access changes: %w", err)
	}
	defer rows.Close()
	var (
		out  []store.AccessChange
		snap string
	)
	for rows.Next() {
		var (
			seq                                                   sql.NullInt64
			kind, isid, group, user, acct, ps, ptype, pid, nm, sd sql.NullString
			deleted                                               sql.NullInt64
		)
		if err := rows.Scan(&snap, &seq, &kind, &deleted, &isid, &group, &user, &acct, &ps, &ptype, &pid, &nm, &sd); err != nil {
			return nil, "", fmt.Errorf("access changes: %w", err)
		}
		if !seq.Valid {
			continue
		}
		out = append(out, store.AccessChange{Kind: store.AccessChangeKind(kind.String[0]), Deleted: deleted.Int64 == 1,
			IdentityStoreID: isid.String, GroupID: group.String, UserID: user.String, AccountID: acct.String,
			PermissionSetARN: ps.String, PrincipalType: ptype.String, PrincipalID: pid.String, Name: nm.String, SessionDuration: sd.String})
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("access changes: %w", err)
	}
	if snap == "" {
		return nil, "", fmt.Errorf("access changes: no snapshot returned")
	}
	return out, snap, nil
}

func scanAccessChange(rows *sql.Rows, seq *int64, c *store.AccessChange) error {
	var kind string
	var deleted int64
	if err := rows.Scan(seq, &kind, &deleted, &c.IdentityStoreID, &c.GroupID, &c.UserID, &c.AccountID, &c.PermissionSetARN,
		&c.PrincipalType, &c.PrincipalID, &c.Name, &c.SessionDuration); err != nil {
		return err
	}
	if len(kind) != 1 {
		return fmt.Errorf("bad change kind %q", kind)
	}
	c.Kind, c.Deleted = store.AccessChangeKind(kind[0]), deleted == 1
	return nil
}

// PruneAccessChanges implements store.AccessFeed.
func (db *DB) PruneAccessChanges(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := db.Tx(ctx, func(q store.Queries) error {
		// Delete the rows before the first one to keep, or all of them:
		// the scan reads only the rows it deletes, and needs no index on
		// created_at (migrations 0015 and 0019). A row's seq and created_at
		// are drawn together as it is inserted, so seq order is age order.
		// (On PostgreSQL it is not commit order, but a row still
		// uncommitted is invisible to this DELETE and waits for the next
		// prune, as it would for any other.) The bound is read first, so
		// that the DELETE is planned for a known value: a range scan of
		// the primary key, where a sub-query's unknown bound would be
		// guessed at a third of the table.
		var bound sql.NullInt64
		ex := q.(queries).ex
		err := ex.QueryRowContext(ctx, `SELECT COALESCE(
			(SELECT seq FROM access_changes WHERE created_at >= $1 ORDER BY seq LIMIT 1),
			(SELECT MAX(seq) + 1 FROM access_changes))`, ms(before)).Scan(&bound)
		if err != nil || !bound.Valid {
			return err // !Valid: the feed is empty
		}
		res, err := q.(queries).exec(ctx, `DELETE FROM access_changes WHERE seq < $1`, bound.Int64)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}
