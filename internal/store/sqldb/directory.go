package sqldb

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/store"
)

// foldKey is the case-insensitive form of a unique name (user name, group
// display name, email) kept in the *_key columns. It is computed here, not
// by SQL lower(), because SQLite's lower() folds only ASCII.
func foldKey(s string) string { return strings.ToLower(s) }

// forUpdate is the locking clause for read-modify-write reads: PostgreSQL
// locks the row; SQLite has no row locks and needs none, because its
// transactions begin IMMEDIATE on the single writer connection.
//
// The lock is FOR NO KEY UPDATE, not FOR UPDATE: it excludes every other
// writer of the row but not the KEY SHARE lock a foreign-key check takes
// on it. A statement that inserts a child row checks its keys at the end,
// after the insert: with FOR UPDATE here, a transaction that holds the
// parent and then inserts a conflicting child deadlocks with it (it
// happened between provisioning a permission set and a create, when
// creates still checked the permission set's key). Nothing that locks
// here changes a key, and a DELETE after it takes the stronger lock itself
// (a child inserted meanwhile then fails the delete's foreign key, which
// DeletePermissionSet reports as in use). The one exception is
// LockProvisionedRoleExclusive.
func (q queries) forUpdate() string {
	if q.d.Name == "postgres" {
		return " FOR NO KEY UPDATE"
	}
	return ""
}

// counterShards is how many directory_counter_shards rows a store's counts
// are spread over. PostgreSQL runs concurrent write transactions, which
// would otherwise queue on one row lock held across each commit's WAL flush;
// SQLite has a single writer, so one shard suffices there.
func (q queries) counterShards() int {
	if q.d.Name == "postgres" {
		return 16
	}
	return 1
}

// bumpCounter adds delta (+1 or -1) to a counter column (user_count or
// group_count) of an identity store. For delta > 0 it refuses
// (store.ErrLimitExceeded) when the store already holds max (max <= 0: no
// limit).
//
// The count is the sum of N shard rows s_0..s_N-1. With c = max/N (rounded
// down), every transaction keeps the invariant Q = Σ max(s_i, c) <= max,
// which implies Σ s_i <= max:
//   - the fast path adds 1 to one random shard only while that shard stays
//     <= c (a conditional UPDATE, which PostgreSQL re-checks on the newest
//     row version after waiting for its lock), leaving Q unchanged;
//   - otherwise the exact path makes sure all N rows exist, locks them all
//     (in shard order, so exact paths cannot deadlock with each other) and
//     adds 1 to the smallest shard: if that shard is below c, Q is unchanged;
//     if not, every shard is >= c, Q is the true sum, and the add is allowed
//     only when the sum stays <= max;
//   - a decrement lowers one shard and never raises Q.
//
// Q <= max holds from the start (N·c <= max) as long as max stays the same
// for a store; a lowered limit is enforced exactly only once the shards
// above the new c have drained. Concurrent creates far from the limit thus
// touch different rows, and the quota stays exact.
func (q queries) bumpCounter(ctx context.Context, identityStoreID, column string, delta, max int64) error {
	n := q.counterShards()
	shard := 0
	if n > 1 {
		shard = rand.IntN(n)
	}
	if delta < 0 || max <= 0 {
		// An upsert, because the shard's row may not exist yet.
		users, groups := int64(0), int64(0)
		if column == "user_count" {
			users = delta
		} else {
			groups = delta
		}
		_, err := q.exec(ctx, `INSERT INTO directory_counter_shards (identity_store_id, shard, user_count, group_count) VALUES ($1, $2, $3, $4)
			ON CONFLICT (identity_store_id, shard) DO UPDATE SET `+column+` = directory_counter_shards.`+column+` + $5`,
			identityStoreID, shard, users, groups, delta)
		return err
	}
	c := max / int64(n)
	if c > 0 {
		res, err := q.exec(ctx, `UPDATE directory_counter_shards SET `+column+` = `+column+` + 1
			WHERE identity_store_id = $1 AND shard = $2 AND `+column+` + 1 <= $3`, identityStoreID, shard, c)
		if err != nil {
			return err
		}
		if k, err := res.RowsAffected(); err != nil || k == 1 {
			return err
		}
	}
	return q.bumpCounterExact(ctx, identityStoreID, column, max, c, n)
}

// bumpCounterExact is the exact path of bumpCounter for delta = +1.
func (q queries) bumpCounterExact(ctx context.Context, identityStoreID, column string, max, c int64, n int) error {
	var b strings.Builder
	b.WriteString(`INSERT INTO directory_counter_shards (identity_store_id, shard) VALUES `)
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("($1, " + strconv.Itoa(i) + ")")
	}
	b.WriteString(` ON CONFLICT (identity_store_id, shard) DO NOTHING`)
	if _, err := q.exec(ctx, b.String(), identityStoreID); err != nil {
		return err
	}
	rows, err := q.ex.QueryContext(ctx, `SELECT shard, `+column+` FROM directory_counter_shards WHERE identity_store_id = $1 ORDER BY shard`+q.forUpdate(), identityStoreID)
	if err != nil {
		return q.wrap(err)
	}
	defer rows.Close()
	var sum int64
	minShard, minCount := -1, int64(math.MaxInt64)
	for rows.Next() {
		var shard int
		var v int64
		if err := rows.Scan(&shard, &v); err != nil {
			return err
		}
		sum += v
		if v < minCount {
			minShard, minCount = shard, v
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows.Close()
	if minShard < 0 || (minCount >= c && sum+1 > max) {
		return store.ErrLimitExceeded
	}
	_, err = q.exec(ctx, `UPDATE directory_counter_shards SET `+column+` = `+column+` + 1 WHERE identity_store_id = $1 AND shard = $2`, identityStoreID, minShard)
	return err
}

// CountDirectory implements store.Directory.
func (q queries) CountDirectory(ctx context.Context, identityStoreID string) (store.DirectoryCounts, error) {
	var c store.DirectoryCounts
	err := q.ex.QueryRowContext(ctx, `SELECT CAST(COALESCE(SUM(user_count), 0) AS BIGINT), CAST(COALESCE(SUM(group_count), 0) AS BIGINT) FROM directory_counter_shards WHERE identity_store_id = $1`, identityStoreID).
		Scan(&c.Users, &c.Groups)
	return c, err
}

func externalIDsJSON(ids []idc.ExternalID) (string, error) {
	if len(ids) == 0 {
		return "[]", nil
	}
	b, err := json.Marshal(ids)
	return string(b), err
}

func parseExternalIDs(s string) ([]idc.ExternalID, error) {
	if s == "" || s == "[]" {
		return nil, nil
	}
	var ids []idc.ExternalID
	if err := json.Unmarshal([]byte(s), &ids); err != nil {
		return nil, fmt.Errorf("decode external ids: %w", err)
	}
	return ids, nil
}

// nullable returns nil for "" so that an absent key is NULL.
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// ---- users ----

const userCols = `identity_store_id, user_id, user_name, status, attrs, external_ids, created_at, updated_at, created_by, updated_by`

func scanUser(row interface{ Scan(...any) error }) (*idc.User, error) {
	var u idc.User
	var attrs, ext string
	var created, updated int64
	if err := row.Scan(&u.IdentityStoreID, &u.UserID, &u.UserName, &u.Status, &attrs, &ext, &created, &updated, &u.CreatedBy, &u.UpdatedBy); err != nil {
		return nil, err
	}
	if err := decodeUserAttrs([]byte(attrs), &u.Attrs); err != nil {
		return nil, fmt.Errorf("decode user %s attributes: %w", u.UserID, err)
	}
	var err error
	if u.ExternalIDs, err = parseExternalIDs(ext); err != nil {
		return nil, err
	}
	u.CreatedAt, u.UpdatedAt = fromMS(created), fromMS(updated)
	return &u, nil
}

func (q queries) getUser(ctx context.Context, where string, args ...any) (*idc.User, error) {
	u, err := scanUser(q.ex.QueryRowContext(ctx, `SELECT `+userCols+` FROM directory_users WHERE `+where, args...))
	return u, q.wrap(err)
}

// CreateUser implements store.Directory.
func (q queries) CreateUser(ctx context.Context, u *idc.User, maxUsers int64) error {
	attrs, err := json.Marshal(&u.Attrs)
	if err != nil {
		return fmt.Errorf("encode user attributes: %w", err)
	}
	ext, err := externalIDsJSON(u.ExternalIDs)
	if err != nil {
		return err
	}
	args := []any{u.IdentityStoreID, u.UserID, u.UserName, u.Status, string(attrs), ext, ms(u.CreatedAt), ms(u.UpdatedAt), u.CreatedBy, u.UpdatedBy,
		foldKey(u.UserName), nullable(foldKey(u.PrimaryEmail()))}
	const insert = `INSERT INTO directory_users (` + userCols + `, user_name_key, email_key)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`
	if n := q.counterShards(); n > 1 && maxUsers >= int64(n) && len(u.ExternalIDs) == 0 {
		// PostgreSQL: the insert and bumpCounter's fast path in one
		// statement, saving a round trip per create; the exact path follows
		// when the shard is at its share.
		var bumped bool
		err := q.ex.QueryRowContext(ctx, `WITH bump AS (UPDATE directory_counter_shards SET user_count = user_count + 1
			WHERE identity_store_id = $1 AND shard = $13 AND user_count + 1 <= $14 RETURNING 1) `+insert+` RETURNING EXISTS (SELECT 1 FROM bump)`,
			append(args, rand.IntN(n), maxUsers/int64(n))...).Scan(&bumped)
		if err != nil || bumped {
			return q.wrap(err)
		}
		return q.bumpCounterExact(ctx, u.IdentityStoreID, "user_count", maxUsers, maxUsers/int64(n), n)
	}
	if _, err := q.exec(ctx, insert, args...); err != nil {
		return err
	}
	if err := q.insertUserExternalIDs(ctx, u); err != nil {
		return err
	}
	return q.bumpCounter(ctx, u.IdentityStoreID, "user_count", 1, maxUsers)
}

func (q queries) insertUserExternalIDs(ctx context.Context, u *idc.User) error {
	for _, e := range u.ExternalIDs {
		if _, err := q.exec(ctx, `INSERT INTO directory_user_external_ids (identity_store_id, issuer, external_id, user_id) VALUES ($1, $2, $3, $4)`,
			u.IdentityStoreID, e.Issuer, e.ID, u.UserID); err != nil {
			return err
		}
	}
	return nil
}

// GetUser implements store.Directory.
func (q queries) GetUser(ctx context.Context, identityStoreID, userID string) (*idc.User, error) {
	return q.getUser(ctx, `identity_store_id = $1 AND user_id = $2`, identityStoreID, userID)
}

// GetUserForUpdate implements store.Directory.
func (q queries) GetUserForUpdate(ctx context.Context, identityStoreID, userID string) (*idc.User, error) {
	return q.getUser(ctx, `identity_store_id = $1 AND user_id = $2`+q.forUpdate(), identityStoreID, userID)
}

// GetUserByName implements store.Directory.
func (q queries) GetUserByName(ctx context.Context, identityStoreID, userName string) (*idc.User, error) {
	return q.getUser(ctx, `identity_store_id = $1 AND user_name_key = $2`, identityStoreID, foldKey(userName))
}

// GetUserIDByEmail implements store.Directory.
func (q queries) GetUserIDByEmail(ctx context.Context, identityStoreID, email string) (string, error) {
	var id string
	err := q.ex.QueryRowContext(ctx, `SELECT user_id FROM directory_users WHERE identity_store_id = $1 AND email_key = $2 ORDER BY user_id LIMIT 1`,
		identityStoreID, foldKey(email)).Scan(&id)
	return id, q.wrap(err)
}

// GetUserIDByExternalID implements store.Directory.
func (q queries) GetUserIDByExternalID(ctx context.Context, identityStoreID string, ext idc.ExternalID) (string, error) {
	var id string
	err := q.ex.QueryRowContext(ctx, `SELECT user_id FROM directory_user_external_ids WHERE identity_store_id = $1 AND issuer = $2 AND external_id = $3`,
		identityStoreID, ext.Issuer, ext.ID).Scan(&id)
	return id, q.wrap(err)
}

// UpdateUser implements store.Directory.
func (q queries) UpdateUser(ctx context.Context, u *idc.User) error {
	attrs, err := json.Marshal(&u.Attrs)
	if err != nil {
		return fmt.Errorf("encode user attributes: %w", err)
	}
	ext, err := externalIDsJSON(u.ExternalIDs)
	if err != nil {
		return err
	}
	if err := mustAffect(q.exec(ctx, `UPDATE directory_users SET user_name = $3, user_name_key = $4, email_key = $5, status = $6, attrs = $7,
		external_ids = $8, updated_at = $9, updated_by = $10 WHERE identity_store_id = $1 AND user_id = $2`,
		u.IdentityStoreID, u.UserID, u.UserName, foldKey(u.UserName), nullable(foldKey(u.PrimaryEmail())), u.Status, string(attrs),
		ext, ms(u.UpdatedAt), u.UpdatedBy)); err != nil {
		return err
	}
	if _, err := q.exec(ctx, `DELETE FROM directory_user_external_ids WHERE identity_store_id = $1 AND user_id = $2`, u.IdentityStoreID, u.UserID); err != nil {
		return err
	}
	return q.insertUserExternalIDs(ctx, u)
}

// DeleteUser implements store.Directory. The row is deleted before the
// counter is touched, in the same order as CreateUser, so that concurrent
// creates and deletes lock rows in one order.
func (q queries) DeleteUser(ctx context.Context, identityStoreID, userID string) error {
	if err := mustAffect(q.exec(ctx, `DELETE FROM directory_users WHERE identity_store_id = $1 AND user_id = $2`, identityStoreID, userID)); err != nil {
		return err
	}
	return q.bumpCounter(ctx, identityStoreID, "user_count", -1, 0)
}

// ListUsers implements store.Directory.
func (q queries) ListUsers(ctx context.Context, identityStoreID string, p store.Page) ([]*idc.User, error) {
	rows, err := q.ex.QueryContext(ctx, `SELECT `+userCols+` FROM directory_users WHERE identity_store_id = $1 AND user_id > $2 ORDER BY user_id LIMIT $3`,
		identityStoreID, p.After, limit(p))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*idc.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// ---- groups ----

const groupCols = `identity_store_id, group_id, display_name, description, external_ids, created_at, updated_at, created_by, updated_by`

func scanGroup(row interface{ Scan(...any) error }) (*idc.Group, error) {
	var g idc.Group
	var ext string
	var created, updated int64
	if err := row.Scan(&g.IdentityStoreID, &g.GroupID, &g.DisplayName, &g.Description, &ext, &created, &updated, &g.CreatedBy, &g.UpdatedBy); err != nil {
		return nil, err
	}
	var err error
	if g.ExternalIDs, err = parseExternalIDs(ext); err != nil {
		return nil, err
	}
	g.CreatedAt, g.UpdatedAt = fromMS(created), fromMS(updated)
	return &g, nil
}

func (q queries) getGroup(ctx context.Context, where string, args ...any) (*idc.Group, error) {
	g, err := scanGroup(q.ex.QueryRowContext(ctx, `SELECT `+groupCols+` FROM directory_groups WHERE `+where, args...))
	return g, q.wrap(err)
}

// CreateGroup implements store.Directory.
func (q queries) CreateGroup(ctx context.Context, g *idc.Group, maxGroups int64) error {
	ext, err := externalIDsJSON(g.ExternalIDs)
	if err != nil {
		return err
	}
	if _, err := q.exec(ctx, `INSERT INTO directory_groups (`+groupCols+`, display_name_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		g.IdentityStoreID, g.GroupID, g.DisplayName, g.Description, ext, ms(g.CreatedAt), ms(g.UpdatedAt), g.CreatedBy, g.UpdatedBy,
		foldKey(g.DisplayName)); err != nil {
		return err
	}
	if err := q.insertGroupExternalIDs(ctx, g); err != nil {
		return err
	}
	return q.bumpCounter(ctx, g.IdentityStoreID, "group_count", 1, maxGroups)
}

func (q queries) insertGroupExternalIDs(ctx context.Context, g *idc.Group) error {
	for _, e := range g.ExternalIDs {
		if _, err := q.exec(ctx, `INSERT INTO directory_group_external_ids (identity_store_id, issuer, external_id, group_id) VALUES ($1, $2, $3, $4)`,
			g.IdentityStoreID, e.Issuer, e.ID, g.GroupID); err != nil {
			return err
		}
	}
	return nil
}

// GetGroup implements store.Directory.
func (q queries) GetGroup(ctx context.Context, identityStoreID, groupID string) (*idc.Group, error) {
	return q.getGroup(ctx, `identity_store_id = $1 AND group_id = $2`, identityStoreID, groupID)
}

// GetGroupForUpdate implements store.Directory.
func (q queries) GetGroupForUpdate(ctx context.Context, identityStoreID, groupID string) (*idc.Group, error) {
	return q.getGroup(ctx, `identity_store_id = $1 AND group_id = $2`+q.forUpdate(), identityStoreID, groupID)
}

// GetGroupByName implements store.Directory.
func (q queries) GetGroupByName(ctx context.Context, identityStoreID, displayName string) (*idc.Group, error) {
	return q.getGroup(ctx, `identity_store_id = $1 AND display_name_key = $2`, identityStoreID, foldKey(displayName))
}

// GetGroupIDByExternalID implements store.Directory.
func (q queries) GetGroupIDByExternalID(ctx context.Context, identityStoreID string, ext idc.ExternalID) (string, error) {
	var id string
	err := q.ex.QueryRowContext(ctx, `SELECT group_id FROM directory_group_external_ids WHERE identity_store_id = $1 AND issuer = $2 AND external_id = $3`,
		identityStoreID, ext.Issuer, ext.ID).Scan(&id)
	return id, q.wrap(err)
}

// UpdateGroup implements store.Directory.
func (q queries) UpdateGroup(ctx context.Context, g *idc.Group) error {
	ext, err := externalIDsJSON(g.ExternalIDs)
	if err != nil {
		return err
	}
	if err := mustAffect(q.exec(ctx, `UPDATE directory_groups SET display_name = $3, display_name_key = $4, description = $5, external_ids = $6,
		updated_at = $7, updated_by = $8 WHERE identity_store_id = $1 AND group_id = $2`,
		g.IdentityStoreID, g.GroupID, g.DisplayName, foldKey(g.DisplayName), g.Description, ext, ms(g.UpdatedAt), g.UpdatedBy)); err != nil {
		return err
	}
	if _, err := q.exec(ctx, `DELETE FROM directory_group_external_ids WHERE identity_store_id = $1 AND group_id = $2`, g.IdentityStoreID, g.GroupID); err != nil {
		return err
	}
	return q.insertGroupExternalIDs(ctx, g)
}

// DeleteGroup implements store.Directory.
func (q queries) DeleteGroup(ctx context.Context, identityStoreID, groupID string) error {
	if err := mustAffect(q.exec(ctx, `DELETE FROM directory_groups WHERE identity_store_id = $1 AND group_id = $2`, identityStoreID, groupID)); err != nil {
		return err
	}
	return q.bumpCounter(ctx, identityStoreID, "group_count", -1, 0)
}

// ListGroups implements store.Directory.
func (q queries) ListGroups(ctx context.Context, identityStoreID string, p store.Page) ([]*idc.Group, error) {
	rows, err := q.ex.QueryContext(ctx, `SELECT `+groupCols+` FROM directory_groups WHERE identity_store_id = $1 AND group_id > $2 ORDER BY group_id LIMIT $3`,
		identityStoreID, p.After, limit(p))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*idc.Group
	for rows.Next() {
		g, err := scanGroup(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// ---- memberships ----

const membershipCols = `identity_store_id, membership_id, group_id, user_id, created_at, updated_at, created_by, updated_by`

func scanMembership(row interface{ Scan(...any) error }) (*idc.Membership, error) {
	var m idc.Membership
	var created, updated int64
	if err := row.Scan(&m.IdentityStoreID, &m.MembershipID, &m.GroupID, &m.UserID, &created, &updated, &m.CreatedBy, &m.UpdatedBy); err != nil {
		return nil, err
	}
	m.CreatedAt, m.UpdatedAt = fromMS(created), fromMS(updated)
	return &m, nil
}

func (q queries) listMemberships(ctx context.Context, query string, args ...any) ([]*idc.Membership, error) {
	rows, err := q.ex.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*idc.Membership
	for rows.Next() {
		m, err := scanMembership(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// CreateMembership implements store.Directory.
func (q queries) CreateMembership(ctx context.Context, m *idc.Membership) error {
	_, err := q.exec(ctx, `INSERT INTO directory_memberships (`+membershipCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		m.IdentityStoreID, m.MembershipID, m.GroupID, m.UserID, ms(m.CreatedAt), ms(m.UpdatedAt), m.CreatedBy, m.UpdatedBy)
	return err
}

// GetMembership implements store.Directory.
func (q queries) GetMembership(ctx context.Context, identityStoreID, membershipID string) (*idc.Membership, error) {
	m, err := scanMembership(q.ex.QueryRowContext(ctx, `SELECT `+membershipCols+` FROM directory_memberships WHERE identity_store_id = $1 AND membership_id = $2`,
		identityStoreID, membershipID))
	return m, q.wrap(err)
}

// GetMembershipByMember implements store.Directory.
func (q queries) GetMembershipByMember(ctx context.Context, identityStoreID, groupID, userID string) (*idc.Membership, error) {
	m, err := scanMembership(q.ex.QueryRowContext(ctx, `SELECT `+membershipCols+` FROM directory_memberships WHERE identity_store_id = $1 AND group_id = $2 AND user_id = $3`,
		identityStoreID, groupID, userID))
	return m, q.wrap(err)
}

// DeleteMembership implements store.Directory.
func (q queries) DeleteMembership(ctx context.Context, identityStoreID, membershipID string) error {
	return mustAffect(q.exec(ctx, `DELETE FROM directory_memberships WHERE identity_store_id = $1 AND membership_id = $2`, identityStoreID, membershipID))
}

// ListGroupMemberships implements store.Directory.
func (q queries) ListGroupMemberships(ctx context.Context, identityStoreID, groupID string, p store.Page) ([]*idc.Membership, error) {
	return q.listMemberships(ctx, `SELECT `+membershipCols+` FROM directory_memberships
		WHERE identity_store_id = $1 AND group_id = $2 AND user_id > $3 ORDER BY user_id LIMIT $4`, identityStoreID, groupID, p.After, limit(p))
}

// ListUserMemberships implements store.Directory.
func (q queries) ListUserMemberships(ctx context.Context, identityStoreID, userID string, p store.Page) ([]*idc.Membership, error) {
	return q.listMemberships(ctx, `SELECT `+membershipCols+` FROM directory_memberships
		WHERE identity_store_id = $1 AND user_id = $2 AND group_id > $3 ORDER BY group_id LIMIT $4`, identityStoreID, userID, p.After, limit(p))
}

// MemberGroups implements store.Directory.
func (q queries) MemberGroups(ctx context.Context, identityStoreID, userID string, groupIDs []string) ([]string, error) {
	if len(groupIDs) == 0 {
		return nil, nil
	}
	var b strings.Builder
	args := make([]any, 0, len(groupIDs)+2)
	args = append(args, identityStoreID, userID)
	b.WriteString(`SELECT group_id FROM directory_memberships WHERE identity_store_id = $1 AND user_id = $2 AND group_id IN (`)
	for i, g := range groupIDs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("$" + strconv.Itoa(i+3))
		args = append(args, g)
	}
	b.WriteString(`)`)
	rows, err := q.ex.QueryContext(ctx, b.String(), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var g string
		if err := rows.Scan(&g); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}
