package sqldb

import (
	"context"
	"database/sql"
	"strconv"
	"strings"

	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/store"
)

// orgRow is what *sql.Row and *sql.Rows have in common.
type orgRow interface{ Scan(...any) error }

// scanOrgRows collects the rows of a query with scan.
func scanOrgRows[T any](rows *sql.Rows, err error, scan func(orgRow) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// CreateOrganization implements store.Organizations.
func (q queries) CreateOrganization(ctx context.Context, o *idc.Organization) error {
	_, err := q.exec(ctx, `INSERT INTO organizations (organization_id, management_account_id, feature_set, created_at) VALUES ($1, $2, $3, $4)`,
		o.ID, o.ManagementAccountID, o.FeatureSet, ms(o.CreatedAt))
	return err
}

// GetOrganization implements store.Organizations.
func (q queries) GetOrganization(ctx context.Context) (*idc.Organization, error) {
	var o idc.Organization
	var created int64
	var email sql.NullString
	err := q.ex.QueryRowContext(ctx, `SELECT o.organization_id, o.management_account_id, o.feature_set, o.created_at, a.email
		FROM organizations o LEFT JOIN org_accounts a ON a.account_id = o.management_account_id
		WHERE o.singleton = 1`).Scan(&o.ID, &o.ManagementAccountID, &o.FeatureSet, &created, &email)
	if err != nil {
		return nil, q.wrap(err)
	}
	o.CreatedAt = fromMS(created)
	o.ManagementAccountEmail = email.String
	return &o, nil
}

// DeleteOrganization implements store.Organizations.
func (q queries) DeleteOrganization(ctx context.Context, id string) error {
	return mustAffect(q.exec(ctx, `DELETE FROM organizations WHERE organization_id = $1`, id))
}

const unitCols = `unit_id, organization_id, parent_id, name, path, depth, created_at`

func scanUnit(row orgRow) (*idc.OrgUnit, error) {
	var u idc.OrgUnit
	var parent sql.NullString
	var created int64
	if err := row.Scan(&u.ID, &u.OrganizationID, &parent, &u.Name, &u.Path, &u.Depth, &created); err != nil {
		return nil, err
	}
	u.ParentID = parent.String
	u.CreatedAt = fromMS(created)
	return &u, nil
}

// CreateOrgUnit implements store.Organizations.
func (q queries) CreateOrgUnit(ctx context.Context, u *idc.OrgUnit) error {
	var parent sql.NullString
	var parentDepth sql.NullInt64
	if u.ParentID != "" {
		parent = sql.NullString{String: u.ParentID, Valid: true}
		parentDepth = sql.NullInt64{Int64: int64(u.Depth - 1), Valid: true}
	}
	_, err := q.exec(ctx, `INSERT INTO org_units (unit_id, organization_id, parent_id, parent_depth, depth, name, path, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		u.ID, u.OrganizationID, parent, parentDepth, u.Depth, u.Name, u.Path, ms(u.CreatedAt))
	return err
}

// GetOrgUnit implements store.Organizations.
func (q queries) GetOrgUnit(ctx context.Context, id string) (*idc.OrgUnit, error) {
	u, err := scanUnit(q.ex.QueryRowContext(ctx, `SELECT `+unitCols+` FROM org_units WHERE unit_id = $1`, id))
	return u, q.wrap(err)
}

// ListRoots implements store.Organizations.
func (q queries) ListRoots(ctx context.Context, p store.Page) ([]*idc.OrgUnit, error) {
	rows, err := q.ex.QueryContext(ctx, `SELECT `+unitCols+` FROM org_units
		WHERE parent_id IS NULL AND unit_id > $1 ORDER BY unit_id LIMIT $2`, p.After, limit(p))
	return scanOrgRows(rows, err, scanUnit)
}

// ListOrgUnits implements store.Organizations.
func (q queries) ListOrgUnits(ctx context.Context, parentID string, p store.Page) ([]*idc.OrgUnit, error) {
	rows, err := q.ex.QueryContext(ctx, `SELECT `+unitCols+` FROM org_units
		WHERE parent_id = $1 AND unit_id > $2 ORDER BY unit_id LIMIT $3`, parentID, p.After, limit(p))
	return scanOrgRows(rows, err, scanUnit)
}

// RenameOrgUnit implements store.Organizations.
func (q queries) RenameOrgUnit(ctx context.Context, id, name string) error {
	return mustAffect(q.exec(ctx, `UPDATE org_units SET name = $2 WHERE unit_id = $1 AND parent_id IS NOT NULL`, id, name))
}

// DeleteOrgUnit implements store.Organizations.
func (q queries) DeleteOrgUnit(ctx context.Context, id string) error {
	return mustAffect(q.exec(ctx, `DELETE FROM org_units WHERE unit_id = $1 AND parent_id IS NOT NULL`, id))
}

// accountSelect reads accounts with the path of their parent.
const accountSelect = `SELECT a.account_id, a.organization_id, a.parent_id, a.email, a.name, a.status, a.joined_method, a.joined_at, u.path
	FROM org_accounts a JOIN org_units u ON u.unit_id = a.parent_id `

func scanAccount(row orgRow) (*idc.Account, error) {
	var a idc.Account
	var joined int64
	var parentPath string
	if err := row.Scan(&a.ID, &a.OrganizationID, &a.ParentID, &a.Email, &a.Name, &a.Status, &a.JoinedMethod, &joined, &parentPath); err != nil {
		return nil, err
	}
	a.JoinedAt = fromMS(joined)
	a.Path = parentPath + a.ID + "/"
	return &a, nil
}

// orgEmailKey is the case-insensitive form of an email that uniqueness uses.
func orgEmailKey(email string) string { return strings.ToLower(email) }

// CreateAccount implements store.Organizations.
func (q queries) CreateAccount(ctx context.Context, a *idc.Account) error {
	_, err := q.exec(ctx, `INSERT INTO org_accounts (account_id, organization_id, parent_id, email, email_key, name, status, joined_method, joined_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		a.ID, a.OrganizationID, a.ParentID, a.Email, orgEmailKey(a.Email), a.Name, a.Status, a.JoinedMethod, ms(a.JoinedAt))
	return err
}

// GetAccount implements store.Organizations.
func (q queries) GetAccount(ctx context.Context, id string) (*idc.Account, error) {
	a, err := scanAccount(q.ex.QueryRowContext(ctx, accountSelect+`WHERE a.account_id = $1`, id))
	return a, q.wrap(err)
}

// GetAccountByEmail implements store.Organizations.
func (q queries) GetAccountByEmail(ctx context.Context, email string) (*idc.Account, error) {
	a, err := scanAccount(q.ex.QueryRowContext(ctx, accountSelect+`WHERE a.email_key = $1`, orgEmailKey(email)))
	return a, q.wrap(err)
}

// ListAccounts implements store.Organizations.
func (q queries) ListAccounts(ctx context.Context, p store.Page) ([]*idc.Account, error) {
	rows, err := q.ex.QueryContext(ctx, accountSelect+`WHERE a.account_id > $1 ORDER BY a.account_id LIMIT $2`, p.After, limit(p))
	return scanOrgRows(rows, err, scanAccount)
}

// ListAccountsForParent implements store.Organizations.
func (q queries) ListAccountsForParent(ctx context.Context, parentID string, p store.Page) ([]*idc.Account, error) {
	rows, err := q.ex.QueryContext(ctx, accountSelect+`WHERE a.parent_id = $1 AND a.account_id > $2 ORDER BY a.account_id LIMIT $3`,
		parentID, p.After, limit(p))
	return scanOrgRows(rows, err, scanAccount)
}

// MoveAccount implements store.Organizations.
func (q queries) MoveAccount(ctx context.Context, id, fromParentID, toParentID string) error {
	return mustAffect(q.exec(ctx, `UPDATE org_accounts SET parent_id = $3 WHERE account_id = $1 AND parent_id = $2`, id, fromParentID, toParentID))
}

// SetAccountStatus implements store.Organizations.
func (q queries) SetAccountStatus(ctx context.Context, id, status string) error {
	return mustAffect(q.exec(ctx, `UPDATE org_accounts SET status = $2 WHERE account_id = $1`, id, status))
}

// DeleteAccount implements store.Organizations.
func (q queries) DeleteAccount(ctx context.Context, id string) error {
	return mustAffect(q.exec(ctx, `DELETE FROM org_accounts WHERE account_id = $1`, id))
}

const statusCols = `request_id, organization_id, account_name, state, account_id, failure_reason, requested_at, completed_at`

func scanStatus(row orgRow) (*idc.CreateAccountStatus, error) {
	var s idc.CreateAccountStatus
	var requested int64
	var completed sql.NullInt64
	if err := row.Scan(&s.ID, &s.OrganizationID, &s.AccountName, &s.State, &s.AccountID, &s.FailureReason, &requested, &completed); err != nil {
		return nil, err
	}
	s.RequestedAt = fromMS(requested)
	if completed.Valid {
		s.CompletedAt = fromMS(completed.Int64)
	}
	return &s, nil
}

// CreateCreateAccountStatus implements store.Organizations.
func (q queries) CreateCreateAccountStatus(ctx context.Context, s *idc.CreateAccountStatus) error {
	var completed sql.NullInt64
	if !s.CompletedAt.IsZero() {
		completed = sql.NullInt64{Int64: ms(s.CompletedAt), Valid: true}
	}
	_, err := q.exec(ctx, `INSERT INTO org_create_account_statuses (`+statusCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		s.ID, s.OrganizationID, s.AccountName, s.State, s.AccountID, s.FailureReason, ms(s.RequestedAt), completed)
	return err
}

// GetCreateAccountStatus implements store.Organizations.
func (q queries) GetCreateAccountStatus(ctx context.Context, id string) (*idc.CreateAccountStatus, error) {
	s, err := scanStatus(q.ex.QueryRowContext(ctx, `SELECT `+statusCols+` FROM org_create_account_statuses WHERE request_id = $1`, id))
	return s, q.wrap(err)
}

// ListCreateAccountStatuses implements store.Organizations.
func (q queries) ListCreateAccountStatuses(ctx context.Context, states []string, p store.Page) ([]*idc.CreateAccountStatus, error) {
	args := []any{p.After, limit(p)}
	where := ""
	if len(states) > 0 {
		ph := make([]string, len(states))
		for i, s := range states {
			args = append(args, s)
			ph[i] = "$" + strconv.Itoa(len(args))
		}
		where = ` AND state IN (` + strings.Join(ph, ", ") + `)`
	}
	rows, err := q.ex.QueryContext(ctx, `SELECT `+statusCols+` FROM org_create_account_statuses
		WHERE request_id > $1`+where+` ORDER BY request_id LIMIT $2`, args...)
	return scanOrgRows(rows, err, scanStatus)
}

const handshakeCols = `handshake_id, organization_id, action, state, target_type, target_id, notes, requested_at, expires_at`

func scanHandshake(row orgRow) (*idc.Handshake, error) {
	var h idc.Handshake
	var requested, expires int64
	if err := row.Scan(&h.ID, &h.OrganizationID, &h.Action, &h.State, &h.TargetType, &h.TargetID, &h.Notes, &requested, &expires); err != nil {
		return nil, err
	}
	h.RequestedAt = fromMS(requested)
	h.ExpiresAt = fromMS(expires)
	return &h, nil
}

// CreateHandshake implements store.Organizations.
func (q queries) CreateHandshake(ctx context.Context, h *idc.Handshake) error {
	_, err := q.exec(ctx, `INSERT INTO org_handshakes (`+handshakeCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		h.ID, h.OrganizationID, h.Action, h.State, h.TargetType, h.TargetID, h.Notes, ms(h.RequestedAt), ms(h.ExpiresAt))
	return err
}

// GetHandshake implements store.Organizations.
func (q queries) GetHandshake(ctx context.Context, id string) (*idc.Handshake, error) {
	h, err := scanHandshake(q.ex.QueryRowContext(ctx, `SELECT `+handshakeCols+` FROM org_handshakes WHERE handshake_id = $1`, id))
	return h, q.wrap(err)
}

// ListHandshakes implements store.Organizations.
func (q queries) ListHandshakes(ctx context.Context, action string, p store.Page) ([]*idc.Handshake, error) {
	var rows *sql.Rows
	var err error
	if action == "" {
		rows, err = q.ex.QueryContext(ctx, `SELECT `+handshakeCols+` FROM org_handshakes
			WHERE handshake_id > $1 ORDER BY handshake_id LIMIT $2`, p.After, limit(p))
	} else {
		rows, err = q.ex.QueryContext(ctx, `SELECT `+handshakeCols+` FROM org_handshakes
			WHERE action = $1 AND handshake_id > $2 ORDER BY handshake_id LIMIT $3`, action, p.After, limit(p))
	}
	return scanOrgRows(rows, err, scanHandshake)
}

// orgTagTable names the tag table of a resource and the statement that locks
// the resource's row: accounts have 12-digit ids, units (roots and OUs)
// any other.
type orgTagTable struct {
	table, idCol, lock string
}

func orgTagsOf(resourceID string) orgTagTable {
	if idc.ValidAccountID(resourceID) {
		// A no-op UPDATE takes the row lock on PostgreSQL (SQLite has a
		// single writer) and reports whether the resource exists.
		return orgTagTable{"org_account_tags", "account_id", `UPDATE org_accounts SET status = status WHERE account_id = $1`}
	}
	return orgTagTable{"org_unit_tags", "unit_id", `UPDATE org_units SET name = name WHERE unit_id = $1`}
}

// PutTags implements store.Organizations.
func (q queries) PutTags(ctx context.Context, resourceID string, tags []idc.Tag) error {
	t := orgTagsOf(resourceID)
	if err := mustAffect(q.exec(ctx, t.lock, resourceID)); err != nil {
		return err
	}
	for _, tag := range tags {
		if _, err := q.exec(ctx, `INSERT INTO `+t.table+` (`+t.idCol+`, tag_key, tag_value) VALUES ($1, $2, $3)
			ON CONFLICT (`+t.idCol+`, tag_key) DO UPDATE SET tag_value = excluded.tag_value`,
			resourceID, tag.Key, tag.Value); err != nil {
			return err
		}
	}
	return nil
}

// DeleteTags implements store.Organizations.
func (q queries) DeleteTags(ctx context.Context, resourceID string, keys []string) error {
	t := orgTagsOf(resourceID)
	if err := mustAffect(q.exec(ctx, t.lock, resourceID)); err != nil {
		return err
	}
	for _, k := range keys {
		if _, err := q.exec(ctx, `DELETE FROM `+t.table+` WHERE `+t.idCol+` = $1 AND tag_key = $2`, resourceID, k); err != nil {
			return err
		}
	}
	return nil
}

// ListTags implements store.Organizations.
func (q queries) ListTags(ctx context.Context, resourceID string, p store.Page) ([]idc.Tag, error) {
	t := orgTagsOf(resourceID)
	rows, err := q.ex.QueryContext(ctx, `SELECT tag_key, tag_value FROM `+t.table+`
		WHERE `+t.idCol+` = $1 AND tag_key > $2 ORDER BY tag_key LIMIT $3`, resourceID, p.After, limit(p))
	return scanOrgRows(rows, err, func(r orgRow) (idc.Tag, error) {
		var tag idc.Tag
		err := r.Scan(&tag.Key, &tag.Value)
		return tag, err
	})
}

// CountTags implements store.Organizations.
func (q queries) CountTags(ctx context.Context, resourceID string) (int, error) {
	t := orgTagsOf(resourceID)
	var n int
	err := q.ex.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+t.table+` WHERE `+t.idCol+` = $1`, resourceID).Scan(&n)
	return n, q.wrap(err)
}
