package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/store"
)

// scanner is what *sql.Row and *sql.Rows have in common.
type scanner interface{ Scan(...any) error }

// collect scans every row with scan.
func collect[T any](rows *sql.Rows, err error, scan func(scanner) (T, error)) ([]T, error) {
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

func scanString(r scanner) (string, error) {
	var s string
	err := r.Scan(&s)
	return s, err
}

func (q queries) count(ctx context.Context, query string, args ...any) (int, error) {
	var n int
	err := q.ex.QueryRowContext(ctx, query, args...).Scan(&n)
	return n, err
}

// RenameInstance implements store.Access.
func (q queries) RenameInstance(ctx context.Context, arn, name string) error {
	return mustAffect(q.exec(ctx, `UPDATE instances SET name = $2 WHERE instance_arn = $1`, arn, name))
}

// DeleteInstance implements store.Access. Request statuses go after the
// instance, by their own statement: on PostgreSQL they have no foreign key
// to it (migration 0016), and a create that wrote one while the instance's
// cascades waited for it has committed by then (a new assignment's keys
// wait for them; a create of an existing one can slip between, see
// createAssignmentIfProvisionedPG).
func (q queries) DeleteInstance(ctx context.Context, arn string) error {
	if err := mustAffect(q.exec(ctx, `DELETE FROM instances WHERE instance_arn = $1`, arn)); err != nil {
		return err
	}
	_, err := q.exec(ctx, `DELETE FROM access_operations WHERE instance_arn = $1`, arn)
	return err
}

// CountInstances implements store.Access.
func (q queries) CountInstances(ctx context.Context) (int, error) {
	return q.count(ctx, `SELECT COUNT(*) FROM instances`)
}

// PutAccessControlAttributes implements store.Access.
func (q queries) PutAccessControlAttributes(ctx context.Context, instanceARN string, attrs []idc.AccessControlAttribute) error {
	if attrs == nil {
		attrs = []idc.AccessControlAttribute{}
	}
	b, err := json.Marshal(attrs)
	if err != nil {
		return err
	}
	_, err = q.exec(ctx, `INSERT INTO access_abac_configs (instance_arn, attrs) VALUES ($1, $2)
		ON CONFLICT (instance_arn) DO UPDATE SET attrs = excluded.attrs`, instanceARN, string(b))
	return err
}

// GetAccessControlAttributes implements store.Access.
func (q queries) GetAccessControlAttributes(ctx context.Context, instanceARN string) ([]idc.AccessControlAttribute, error) {
	var s string
	if err := q.ex.QueryRowContext(ctx, `SELECT attrs FROM access_abac_configs WHERE instance_arn = $1`, instanceARN).Scan(&s); err != nil {
		return nil, q.wrap(err)
	}
	var attrs []idc.AccessControlAttribute
	if err := json.Unmarshal([]byte(s), &attrs); err != nil {
		return nil, fmt.Errorf("decode access control attributes: %w", err)
	}
	return attrs, nil
}

// DeleteAccessControlAttributes implements store.Access.
func (q queries) DeleteAccessControlAttributes(ctx context.Context, instanceARN string) error {
	return mustAffect(q.exec(ctx, `DELETE FROM access_abac_configs WHERE instance_arn = $1`, instanceARN))
}

const regionCols = `instance_arn, region_name, status, is_primary, added_at`

func scanRegion(r scanner) (*idc.Region, error) {
	var g idc.Region
	var primary int
	var added int64
	if err := r.Scan(&g.InstanceARN, &g.Name, &g.Status, &primary, &added); err != nil {
		return nil, err
	}
	g.Primary = primary == 1
	g.AddedAt = fromMS(added)
	return &g, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// PutRegion implements store.Access.
func (q queries) PutRegion(ctx context.Context, r *idc.Region) error {
	_, err := q.exec(ctx, `INSERT INTO access_regions (`+regionCols+`) VALUES ($1, $2, $3, $4, $5)`,
		r.InstanceARN, r.Name, r.Status, boolInt(r.Primary), ms(r.AddedAt))
	return err
}

// GetRegion implements store.Access.
func (q queries) GetRegion(ctx context.Context, instanceARN, name string) (*idc.Region, error) {
	r, err := scanRegion(q.ex.QueryRowContext(ctx, `SELECT `+regionCols+` FROM access_regions WHERE instance_arn = $1 AND region_name = $2`, instanceARN, name))
	return r, q.wrap(err)
}

// DeleteRegion implements store.Access.
func (q queries) DeleteRegion(ctx context.Context, instanceARN, name string) error {
	return mustAffect(q.exec(ctx, `DELETE FROM access_regions WHERE instance_arn = $1 AND region_name = $2`, instanceARN, name))
}

// ListRegions implements store.Access.
func (q queries) ListRegions(ctx context.Context, instanceARN string, p store.Page) ([]*idc.Region, error) {
	rows, err := q.ex.QueryContext(ctx, `SELECT `+regionCols+` FROM access_regions WHERE instance_arn = $1 AND region_name > $2 ORDER BY region_name LIMIT $3`,
		instanceARN, p.After, limit(p))
	return collect(rows, err, scanRegion)
}

const permissionSetCols = `permission_set_arn, instance_arn, name, description, session_duration, relay_state, inline_policy,
	boundary_managed_arn, boundary_cm_name, boundary_cm_path, version, created_at`

func scanPermissionSet(r scanner) (*idc.PermissionSet, error) {
	var ps idc.PermissionSet
	var bArn, bName, bPath string
	var created int64
	if err := r.Scan(&ps.ARN, &ps.InstanceARN, &ps.Name, &ps.Description, &ps.SessionDuration, &ps.RelayState, &ps.InlinePolicy,
		&bArn, &bName, &bPath, &ps.Version, &created); err != nil {
		return nil, err
	}
	switch {
	case bArn != "":
		ps.Boundary = &idc.PermissionsBoundary{ManagedPolicyARN: bArn}
	case bName != "":
		ps.Boundary = &idc.PermissionsBoundary{CustomerManagedPolicy: &idc.CustomerManagedPolicyRef{Name: bName, Path: bPath}}
	}
	ps.CreatedAt = fromMS(created)
	return &ps, nil
}

func boundaryCols(b *idc.PermissionsBoundary) (arn, name, path string) {
	if b == nil {
		return "", "", ""
	}
	if b.CustomerManagedPolicy != nil {
		return "", b.CustomerManagedPolicy.Name, b.CustomerManagedPolicy.Path
	}
	return b.ManagedPolicyARN, "", ""
}

// CreatePermissionSet implements store.Access.
func (q queries) CreatePermissionSet(ctx context.Context, ps *idc.PermissionSet) error {
	bArn, bName, bPath := boundaryCols(ps.Boundary)
	ps.Version = 1
	_, err := q.exec(ctx, `INSERT INTO access_permission_sets (`+permissionSetCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		ps.ARN, ps.InstanceARN, ps.Name, ps.Description, ps.SessionDuration, ps.RelayState, ps.InlinePolicy,
		bArn, bName, bPath, ps.Version, ms(ps.CreatedAt))
	return err
}

// GetPermissionSet implements store.Access.
func (q queries) GetPermissionSet(ctx context.Context, arn string) (*idc.PermissionSet, error) {
	ps, err := scanPermissionSet(q.ex.QueryRowContext(ctx, `SELECT `+permissionSetCols+` FROM access_permission_sets WHERE permission_set_arn = $1`, arn))
	return ps, q.wrap(err)
}

// GetPermissionSetForUpdate implements store.Access.
func (q queries) GetPermissionSetForUpdate(ctx context.Context, arn string) (*idc.PermissionSet, error) {
	ps, err := scanPermissionSet(q.ex.QueryRowContext(ctx, `SELECT `+permissionSetCols+` FROM access_permission_sets WHERE permission_set_arn = $1`+q.forUpdate(), arn))
	return ps, q.wrap(err)
}

// UpdatePermissionSet implements store.Access.
func (q queries) UpdatePermissionSet(ctx context.Context, ps *idc.PermissionSet) error {
	bArn, bName, bPath := boundaryCols(ps.Boundary)
	err := q.ex.QueryRowContext(ctx, `UPDATE access_permission_sets SET description = $2, session_duration = $3, relay_state = $4,
		inline_policy = $5, boundary_managed_arn = $6, boundary_cm_name = $7, boundary_cm_path = $8, version = version + 1
		WHERE permission_set_arn = $1 RETURNING version`,
		ps.ARN, ps.Description, ps.SessionDuration, ps.RelayState, ps.InlinePolicy, bArn, bName, bPath).Scan(&ps.Version)
	return q.wrap(err)
}

// BumpPermissionSetVersion implements store.Access.
func (q queries) BumpPermissionSetVersion(ctx context.Context, arn string) (int64, error) {
	var v int64
	err := q.ex.QueryRowContext(ctx, `UPDATE access_permission_sets SET version = version + 1 WHERE permission_set_arn = $1 RETURNING version`, arn).Scan(&v)
	return v, q.wrap(err)
}

// DeletePermissionSet implements store.Access.
func (q queries) DeletePermissionSet(ctx context.Context, arn string) error {
	if _, err := q.exec(ctx, `DELETE FROM access_tags WHERE resource_arn = $1`, arn); err != nil {
		return err
	}
	return mustAffect(q.exec(ctx, `DELETE FROM access_permission_sets WHERE permission_set_arn = $1`, arn))
}

// ListPermissionSets implements store.Access.
func (q queries) ListPermissionSets(ctx context.Context, instanceARN string, p store.Page) ([]string, error) {
	rows, err := q.ex.QueryContext(ctx, `SELECT permission_set_arn FROM access_permission_sets WHERE instance_arn = $1 AND permission_set_arn > $2
		ORDER BY permission_set_arn LIMIT $3`, instanceARN, p.After, limit(p))
	return collect(rows, err, scanString)
}

// CountPermissionSets implements store.Access.
func (q queries) CountPermissionSets(ctx context.Context, instanceARN string) (int, error) {
	return q.count(ctx, `SELECT COUNT(*) FROM access_permission_sets WHERE instance_arn = $1`, instanceARN)
}

// AttachManagedPolicy implements store.Access.
func (q queries) AttachManagedPolicy(ctx context.Context, psARN string, mp idc.ManagedPolicy) error {
	_, err := q.exec(ctx, `INSERT INTO access_managed_policies (permission_set_arn, policy_arn, name) VALUES ($1, $2, $3)`, psARN, mp.ARN, mp.Name)
	return err
}

// DetachManagedPolicy implements store.Access.
func (q queries) DetachManagedPolicy(ctx context.Context, psARN, policyARN string) error {
	return mustAffect(q.exec(ctx, `DELETE FROM access_managed_policies WHERE permission_set_arn = $1 AND policy_arn = $2`, psARN, policyARN))
}

// ListManagedPolicies implements store.Access.
func (q queries) ListManagedPolicies(ctx context.Context, psARN string, p store.Page) ([]idc.ManagedPolicy, error) {
	rows, err := q.ex.QueryContext(ctx, `SELECT policy_arn, name FROM access_managed_policies WHERE permission_set_arn = $1 AND policy_arn > $2
		ORDER BY policy_arn LIMIT $3`, psARN, p.After, limit(p))
	return collect(rows, err, func(r scanner) (idc.ManagedPolicy, error) {
		var mp idc.ManagedPolicy
		err := r.Scan(&mp.ARN, &mp.Name)
		return mp, err
	})
}

// CountManagedPolicies implements store.Access.
func (q queries) CountManagedPolicies(ctx context.Context, psARN string) (int, error) {
	return q.count(ctx, `SELECT COUNT(*) FROM access_managed_policies WHERE permission_set_arn = $1`, psARN)
}

// AttachCustomerManagedPolicy implements store.Access.
func (q queries) AttachCustomerManagedPolicy(ctx context.Context, psARN string, ref idc.CustomerManagedPolicyRef) error {
	_, err := q.exec(ctx, `INSERT INTO access_customer_policies (permission_set_arn, ref_key, name, path) VALUES ($1, $2, $3, $4)`,
		psARN, ref.Path+ref.Name, ref.Name, ref.Path)
	return err
}

// DetachCustomerManagedPolicy implements store.Access.
func (q queries) DetachCustomerManagedPolicy(ctx context.Context, psARN string, ref idc.CustomerManagedPolicyRef) error {
	return mustAffect(q.exec(ctx, `DELETE FROM access_customer_policies WHERE permission_set_arn = $1 AND ref_key = $2`, psARN, ref.Path+ref.Name))
}

// ListCustomerManagedPolicies implements store.Access.
func (q queries) ListCustomerManagedPolicies(ctx context.Context, psARN string, p store.Page) ([]idc.CustomerManagedPolicyRef, error) {
	rows, err := q.ex.QueryContext(ctx, `SELECT name, path FROM access_customer_policies WHERE permission_set_arn = $1 AND ref_key > $2
		ORDER BY ref_key LIMIT $3`, psARN, p.After, limit(p))
	return collect(rows, err, func(r scanner) (idc.CustomerManagedPolicyRef, error) {
		var ref idc.CustomerManagedPolicyRef
		err := r.Scan(&ref.Name, &ref.Path)
		return ref, err
	})
}

// CountCustomerManagedPolicies implements store.Access.
func (q queries) CountCustomerManagedPolicies(ctx context.Context, psARN string) (int, error) {
	return q.count(ctx, `SELECT COUNT(*) FROM access_customer_policies WHERE permission_set_arn = $1`, psARN)
}

const assignmentCols = `account_id, permission_set_arn, principal_type, principal_id, instance_arn, identity_store_id, created_at`

func scanAssignment(r scanner) (*idc.Assignment, error) {
	var a idc.Assignment
	var created int64
	if err := r.Scan(&a.AccountID, &a.PermissionSetARN, &a.PrincipalType, &a.PrincipalID, &a.InstanceARN, &a.IdentityStoreID, &created); err != nil {
		return nil, err
	}
	a.CreatedAt = fromMS(created)
	return &a, nil
}

// principalCols returns the user_id and group_id column values of a.
func principalCols(a *idc.Assignment) (user, group any) {
	if a.PrincipalType == idc.PrincipalUser {
		return a.PrincipalID, nil
	}
	return nil, a.PrincipalID
}

// CreateAssignment implements store.Access.
func (q queries) CreateAssignment(ctx context.Context, a *idc.Assignment) (bool, error) {
	user, group := principalCols(a)
	if q.d.Name == "postgres" {
		var n int
		err := q.ex.QueryRowContext(ctx, createAssignmentPG, a.AccountID, a.PermissionSetARN, a.PrincipalType, a.PrincipalID,
			a.InstanceARN, a.IdentityStoreID, ms(a.CreatedAt), user, group).Scan(&n)
		return n == 1, q.wrap(err)
	}
	res, err := q.exec(ctx, `INSERT INTO access_assignments (`+assignmentCols+`, user_id, group_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (account_id, permission_set_arn, principal_type, principal_id) DO NOTHING`,
		a.AccountID, a.PermissionSetARN, a.PrincipalType, a.PrincipalID, a.InstanceARN, a.IdentityStoreID, ms(a.CreatedAt), user, group)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// feedAssignmentsInsertedPG appends the change-feed entries of the rows a
// WITH clause named a inserted into access_assignments (RETURNING
// assignmentFeedCols). On PostgreSQL a statement that includes it marks
// the rows feed_written, so the fallback trigger skips them (migration
// 0018); SQLite's feed is written by its triggers.
const (
	assignmentFeedCols        = `identity_store_id, account_id, permission_set_arn, principal_type, principal_id`
	feedAssignmentsInsertedPG = `f AS (
	INSERT INTO access_changes (kind, deleted, ` + assignmentFeedCols + `)
	SELECT 'A', 0, ` + assignmentFeedCols + ` FROM a
)`
)

// insertAssignmentPG is a WITH clause a that inserts an assignment
// ($1–$9: assignmentCols, user_id, group_id) unless it is there already,
// returning what its feed entry needs.
const insertAssignmentPG = `a AS (
	INSERT INTO access_assignments (` + assignmentCols + `, user_id, group_id, feed_written)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, true)
	ON CONFLICT (account_id, permission_set_arn, principal_type, principal_id) DO NOTHING
	RETURNING ` + assignmentFeedCols + `
)`

// createAssignmentPG inserts an assignment and its feed entry, and returns
// how many it inserted (0: it was there already).
const createAssignmentPG = `WITH ` + insertAssignmentPG + `, ` + feedAssignmentsInsertedPG + `
SELECT COUNT(*) FROM a`

// createAssignmentIfProvisionedPG inserts an assignment, its feed entry
// and the status, in one statement. The pair's provisioned role is checked
// by the assignment's foreign key to it (migration 0020), at the end of the
// statement: a pair with no role fails it, by name
// (assignmentRoleConstraint), and writes nothing. The check's KEY SHARE
// lock on the role makes a deprovisioning of the pair, which locks the
// role FOR UPDATE first, wait for the create, and the create wait for a
// deprovisioning already under way; re-provisioning, which updates only
// the role's version, does not conflict with it.
//
// An assignment that is already there checks no key and takes no lock; its
// status records success, as AWS's does. (A DO UPDATE … WHERE false would
// lock it, ordering the create against a deletion of the assignment that
// starts after the create's conflict check and before its commit; it wrote
// 170 more bytes of WAL per create in the benchmark, where a few percent of
// creates repeat an assignment, for a window of microseconds. Without it,
// such a deletion simply comes after the create, except that a
// DeleteInstance whose status cleanup runs in that window leaves the
// create's status behind, readable by its request id alone.)
const createAssignmentIfProvisionedPG = `WITH ` + insertAssignmentPG + `, ` + feedAssignmentsInsertedPG + `
INSERT INTO access_operations (` + operationCols + `)
VALUES ($10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`

// assignmentRoleConstraint is the foreign key from an assignment to its
// pair's provisioned role on PostgreSQL (migration 0020).
const assignmentRoleConstraint = "access_assignments_provisioned"

// createStatusIfProvisionedSQLite records a status only if the pair's role
// is provisioned: the status is new (its request id is), so one row
// affected says the role is there.
const createStatusIfProvisionedSQLite = `INSERT INTO access_operations (` + operationCols + `)
	SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10
	WHERE EXISTS (SELECT 1 FROM access_provisioned WHERE permission_set_arn = $11 AND account_id = $12)`

// CreateAssignmentIfProvisioned implements store.Access. SQLite runs the
// statements in process, where a statement costs no round trip, and its
// single writer needs no row lock: the status insert checks for the role
// (so a pair that is not provisioned writes nothing), and then the
// assignment is inserted, in two statements, each of which costs the group
// writer — the backend's one writer — a trip through database/sql.
func (q queries) CreateAssignmentIfProvisioned(ctx context.Context, a *idc.Assignment, o *idc.OperationStatus) (bool, error) {
	if err := checkOperation(o); err != nil {
		return false, err
	}
	if q.d.Name == "postgres" {
		return q.createAssignmentIfProvisionedPG(ctx, a, o)
	}
	res, err := q.exec(ctx, createStatusIfProvisionedSQLite,
		o.RequestID, o.InstanceARN, o.Kind, o.Status, o.FailureReason, o.AccountID, o.PermissionSetARN, o.PrincipalType, o.PrincipalID, ms(o.CreatedAt),
		a.PermissionSetARN, a.AccountID)
	if err != nil {
		return false, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return false, err
	}
	if _, err := q.CreateAssignment(ctx, a); err != nil {
		return false, err
	}
	return true, nil
}

// createAssignmentIfProvisionedPG runs createAssignmentIfProvisionedPG. A
// pair that is not provisioned fails the statement; in a transaction a
// savepoint keeps that failure from ending the transaction. Outside one
// (the path of every CreateAccountAssignment) the statement commits alone.
func (q queries) createAssignmentIfProvisionedPG(ctx context.Context, a *idc.Assignment, o *idc.OperationStatus) (bool, error) {
	if q.inTx {
		if _, err := q.ex.ExecContext(ctx, `SAVEPOINT create_assignment`); err != nil {
			return false, err
		}
	}
	user, group := principalCols(a)
	_, err := q.ex.ExecContext(ctx, createAssignmentIfProvisionedPG,
		a.AccountID, a.PermissionSetARN, a.PrincipalType, a.PrincipalID, a.InstanceARN, a.IdentityStoreID, ms(a.CreatedAt), user, group,
		o.RequestID, o.InstanceARN, o.Kind, o.Status, o.FailureReason, o.AccountID, o.PermissionSetARN, o.PrincipalType, o.PrincipalID, ms(o.CreatedAt))
	unprovisioned := err != nil && q.d.IsForeignKey(err) && q.d.Constraint(err) == assignmentRoleConstraint
	if q.inTx && (err == nil || unprovisioned) {
		ends := []string{`RELEASE SAVEPOINT create_assignment`}
		if unprovisioned {
			ends = []string{`ROLLBACK TO SAVEPOINT create_assignment`, ends[0]}
		}
		for _, end := range ends {
			if _, serr := q.ex.ExecContext(ctx, end); serr != nil {
				return false, serr
			}
		}
	}
	if unprovisioned {
		return false, nil
	}
	return err == nil, q.wrap(err)
}

// CreateAssignmentIfProvisioned implements store.Access outside a
// transaction: on PostgreSQL the one statement runs on the write pool and
// commits alone, which spares the BEGIN and COMMIT round trips; on SQLite
// it goes through Tx, and so through the group writer.
func (db *DB) CreateAssignmentIfProvisioned(ctx context.Context, a *idc.Assignment, o *idc.OperationStatus) (done bool, err error) {
	// Refused before any statement: an error from inside the loop below
	// would count as an outcome unknown to the other replicas.
	if err := checkOperation(o); err != nil {
		return false, err
	}
	if db.d.Name != "postgres" {
		err = db.Tx(ctx, func(q store.Queries) error {
			done, err = q.CreateAssignmentIfProvisioned(ctx, a, o)
			return err
		})
		return done, err
	}
	var ex execer = db.w
	if db.wc != nil {
		ex = cachedDB{db.wc}
	}
	q := queries{ex: ex, d: db.d}
	for i := range 8 {
		var ticket commitTicket
		if db.reps != nil {
			ticket = db.reps.start()
		}
		done, err = q.CreateAssignmentIfProvisioned(ctx, a, o)
		switch {
		case err == nil && done:
			// The statement committed an assignment: count it, and let
			// the other replicas hear of it before answering.
			db.commits.Add(1)
			if db.reps != nil {
				db.reps.afterCommit(ctx, ticket)
			}
		case err != nil && !db.definite(err):
			// The outcome is unknown (it may have committed as the
			// connection failed): count it and tell the peers.
			db.commits.Add(1)
			if db.reps != nil {
				db.reps.uncertain(ctx, ticket)
			}
		}
		if err == nil || !db.d.IsRetryable(err) || ctx.Err() != nil {
			return done, err
		}
		// A deadlock victim: back off as Tx does, then retry.
		t := time.NewTimer(time.Duration(1<<i) * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return false, ctx.Err()
		case <-t.C:
		}
	}
	return done, err
}

// DeleteAssignment implements store.Access.
func (q queries) DeleteAssignment(ctx context.Context, a *idc.Assignment) error {
	return mustAffect(q.exec(ctx, `DELETE FROM access_assignments WHERE account_id = $1 AND permission_set_arn = $2 AND principal_type = $3 AND principal_id = $4`,
		a.AccountID, a.PermissionSetARN, a.PrincipalType, a.PrincipalID))
}

// HasAssignments implements store.Access.
func (q queries) HasAssignments(ctx context.Context, psARN, accountID string) (bool, error) {
	var one int
	err := q.ex.QueryRowContext(ctx, `SELECT 1 FROM access_assignments WHERE account_id = $1 AND permission_set_arn = $2 LIMIT 1`, accountID, psARN).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// ListAssignments implements store.Access.
func (q queries) ListAssignments(ctx context.Context, accountID, psARN string, p store.Page) ([]*idc.Assignment, error) {
	typ, id, _ := strings.Cut(p.After, "/")
	rows, err := q.ex.QueryContext(ctx, `SELECT `+assignmentCols+` FROM access_assignments
		WHERE account_id = $1 AND permission_set_arn = $2 AND (principal_type, principal_id) > ($3, $4)
		ORDER BY principal_type, principal_id LIMIT $5`, accountID, psARN, typ, id, limit(p))
	return collect(rows, err, scanAssignment)
}

// ListAssignmentKeys implements store.Access. The selected columns are
// the primary key's, so SQLite reads its primary key index alone and
// PostgreSQL can scan it index-only: a page costs the same however many
// assignments the store holds, where fetching each row would cost a
// random table page per item.
func (q queries) ListAssignmentKeys(ctx context.Context, accountID, psARN string, p store.Page) ([]*idc.Assignment, error) {
	typ, id, _ := strings.Cut(p.After, "/")
	rows, err := q.ex.QueryContext(ctx, `SELECT principal_type, principal_id FROM access_assignments
		WHERE account_id = $1 AND permission_set_arn = $2 AND (principal_type, principal_id) > ($3, $4)
		ORDER BY principal_type, principal_id LIMIT $5`, accountID, psARN, typ, id, limit(p))
	return collect(rows, err, func(r scanner) (*idc.Assignment, error) {
		a := &idc.Assignment{AccountID: accountID, PermissionSetARN: psARN}
		return a, r.Scan(&a.PrincipalType, &a.PrincipalID)
	})
}

// ListAssignmentsForPrincipal implements store.Access.
func (q queries) ListAssignmentsForPrincipal(ctx context.Context, instanceARN, principalType, principalID, accountID string, p store.Page) ([]*idc.Assignment, error) {
	col := "group_id"
	if principalType == idc.PrincipalUser {
		col = "user_id"
	}
	// The principal's identity store is the instance's: look it up in the
	// statement so the (identity_store_id, user_id|group_id, …) index serves.
	acct, ps, _ := strings.Cut(p.After, "/")
	query := `SELECT ` + assignmentCols + ` FROM access_assignments
		WHERE identity_store_id = (SELECT identity_store_id FROM instances WHERE instance_arn = $1) AND ` + col + ` = $2
		AND (account_id, permission_set_arn) > ($3, $4)`
	args := []any{instanceARN, principalID, acct, ps}
	if accountID != "" {
		query += ` AND account_id = $6`
	}
	query += ` ORDER BY account_id, permission_set_arn LIMIT $5`
	args = append(args, limit(p))
	if accountID != "" {
		args = append(args, accountID)
	}
	rows, err := q.ex.QueryContext(ctx, query, args...)
	return collect(rows, err, scanAssignment)
}

const provisionedCols = `permission_set_arn, account_id, instance_arn, role_name, version, session_seconds, provisioned_at`

func scanProvisioned(r scanner) (*idc.ProvisionedRole, error) {
	var p idc.ProvisionedRole
	var at int64
	if err := r.Scan(&p.PermissionSetARN, &p.AccountID, &p.InstanceARN, &p.RoleName, &p.Version, &p.SessionSeconds, &at); err != nil {
		return nil, err
	}
	p.ProvisionedAt = fromMS(at)
	return &p, nil
}

// PutProvisionedRole implements store.Access.
func (q queries) PutProvisionedRole(ctx context.Context, r *idc.ProvisionedRole) error {
	_, err := q.exec(ctx, `INSERT INTO access_provisioned (`+provisionedCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (permission_set_arn, account_id) DO UPDATE SET role_name = excluded.role_name, version = excluded.version,
		session_seconds = excluded.session_seconds, provisioned_at = excluded.provisioned_at`,
		r.PermissionSetARN, r.AccountID, r.InstanceARN, r.RoleName, r.Version, r.SessionSeconds, ms(r.ProvisionedAt))
	return err
}

// EnsureProvisionedRole implements store.Access.
func (q queries) EnsureProvisionedRole(ctx context.Context, r *idc.ProvisionedRole) (bool, error) {
	for range 3 {
		res, err := q.exec(ctx, `INSERT INTO access_provisioned (`+provisionedCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (permission_set_arn, account_id) DO NOTHING`,
			r.PermissionSetARN, r.AccountID, r.InstanceARN, r.RoleName, r.Version, r.SessionSeconds, ms(r.ProvisionedAt))
		if err != nil {
			return false, err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return n == 1, err
		}
		// The row exists: lock it so that a concurrent deprovisioning of the
		// pair waits for this transaction. If it vanished meanwhile, insert.
		err = q.LockProvisionedRole(ctx, r.PermissionSetARN, r.AccountID)
		if !errors.Is(err, store.ErrNotFound) {
			return false, err
		}
	}
	return false, errors.New("provisioned role keeps vanishing")
}

// GetProvisionedRole implements store.Access.
func (q queries) GetProvisionedRole(ctx context.Context, psARN, accountID string) (*idc.ProvisionedRole, error) {
	r, err := scanProvisioned(q.ex.QueryRowContext(ctx, `SELECT `+provisionedCols+` FROM access_provisioned WHERE permission_set_arn = $1 AND account_id = $2`, psARN, accountID))
	return r, q.wrap(err)
}

// LockProvisionedRole implements store.Access.
func (q queries) LockProvisionedRole(ctx context.Context, psARN, accountID string) error {
	var one int
	err := q.ex.QueryRowContext(ctx, `SELECT 1 FROM access_provisioned WHERE permission_set_arn = $1 AND account_id = $2`+q.forUpdate(), psARN, accountID).Scan(&one)
	return q.wrap(err)
}

// LockProvisionedRoleExclusive implements store.Access. On PostgreSQL the
// lock is FOR UPDATE, which conflicts with the KEY SHARE lock that a
// create's foreign key to the role takes (createAssignmentIfProvisionedPG).
// Only a deprovisioning takes it, and it inserts no assignment after it, so
// a create that has inserted its row and waits for the role does not
// deadlock with it alone. One cycle remains, through PostgreSQL's queue of
// waiters for a row lock: while a deprovisioning holds the role, a
// slow-path create S (which locks the role, then inserts) and a second
// deprovisioning D queue on it, and a fast create C of the same assignment
// as S inserts it and queues behind D; when the role is released S gets it,
// D waits for S, C for D, and S's insert for C. PostgreSQL breaks it after
// deadlock_timeout (1 s) and the rolled-back one runs again (all three
// retry), so it costs that second, not an error. It takes concurrent
// deletions and two creates of one assignment of one pair.
func (q queries) LockProvisionedRoleExclusive(ctx context.Context, psARN, accountID string) error {
	lock := ""
	if q.d.Name == "postgres" {
		lock = " FOR UPDATE"
	}
	var one int
	err := q.ex.QueryRowContext(ctx, `SELECT 1 FROM access_provisioned WHERE permission_set_arn = $1 AND account_id = $2`+lock, psARN, accountID).Scan(&one)
	return q.wrap(err)
}

// DeleteProvisionedRole implements store.Access.
func (q queries) DeleteProvisionedRole(ctx context.Context, psARN, accountID string) error {
	return mustAffect(q.exec(ctx, `DELETE FROM access_provisioned WHERE permission_set_arn = $1 AND account_id = $2`, psARN, accountID))
}

// ReprovisionAll implements store.Access.
func (q queries) ReprovisionAll(ctx context.Context, psARN string, version, sessionSeconds int64) (int64, error) {
	res, err := q.exec(ctx, `UPDATE access_provisioned SET version = $2, session_seconds = $3 WHERE permission_set_arn = $1`, psARN, version, sessionSeconds)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func provisioningFilter(f store.ProvisioningFilter) string {
	switch f {
	case store.ProvisionedLatest:
		return ` AND r.version = p.version`
	case store.ProvisionedStale:
		return ` AND r.version <> p.version`
	}
	return ""
}

// ListProvisionedAccounts implements store.Access.
func (q queries) ListProvisionedAccounts(ctx context.Context, psARN string, f store.ProvisioningFilter, p store.Page) ([]string, error) {
	rows, err := q.ex.QueryContext(ctx, `SELECT r.account_id FROM access_provisioned r
		JOIN access_permission_sets p ON p.permission_set_arn = r.permission_set_arn
		WHERE r.permission_set_arn = $1 AND r.account_id > $2`+provisioningFilter(f)+`
		ORDER BY r.account_id LIMIT $3`, psARN, p.After, limit(p))
	return collect(rows, err, scanString)
}

// ListProvisionedPermissionSets implements store.Access.
func (q queries) ListProvisionedPermissionSets(ctx context.Context, instanceARN, accountID string, f store.ProvisioningFilter, p store.Page) ([]string, error) {
	rows, err := q.ex.QueryContext(ctx, `SELECT r.permission_set_arn FROM access_provisioned r
		JOIN access_permission_sets p ON p.permission_set_arn = r.permission_set_arn
		WHERE r.account_id = $1 AND r.instance_arn = $2 AND r.permission_set_arn > $3`+provisioningFilter(f)+`
		ORDER BY r.permission_set_arn LIMIT $4`, accountID, instanceARN, p.After, limit(p))
	return collect(rows, err, scanString)
}

// PutSnapshot implements store.Access.
func (q queries) PutSnapshot(ctx context.Context, s *idc.PermissionSetSnapshot) error {
	_, err := q.exec(ctx, `INSERT INTO access_snapshots (permission_set_arn, version, document, created_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (permission_set_arn, version) DO NOTHING`, s.PermissionSetARN, s.Version, s.Document, ms(s.CreatedAt))
	return err
}

// GetSnapshot implements store.Access.
func (q queries) GetSnapshot(ctx context.Context, psARN string, version int64) (*idc.PermissionSetSnapshot, error) {
	s := idc.PermissionSetSnapshot{PermissionSetARN: psARN, Version: version}
	var created int64
	err := q.ex.QueryRowContext(ctx, `SELECT document, created_at FROM access_snapshots WHERE permission_set_arn = $1 AND version = $2`, psARN, version).
		Scan(&s.Document, &created)
	if err != nil {
		return nil, q.wrap(err)
	}
	s.CreatedAt = fromMS(created)
	return &s, nil
}

const operationCols = `request_id, instance_arn, kind, status, failure_reason, account_id, permission_set_arn, principal_type, principal_id, created_at`

func scanOperation(r scanner) (*idc.OperationStatus, error) {
	var o idc.OperationStatus
	var created int64
	if err := r.Scan(&o.RequestID, &o.InstanceARN, &o.Kind, &o.Status, &o.FailureReason, &o.AccountID, &o.PermissionSetARN,
		&o.PrincipalType, &o.PrincipalID, &created); err != nil {
		return nil, err
	}
	o.CreatedAt = fromMS(created)
	return &o, nil
}

// checkOperation refuses a status no AWS answer could carry: an unknown
// kind or status, or a failure without a reason. Statuses are written
// only by the server and never updated, so this check at the two places
// that insert them stands in for the CHECK constraints PostgreSQL's
// statuses no longer have (migration 0019); SQLite's table keeps its own.
func checkOperation(o *idc.OperationStatus) error {
	switch {
	case o.Kind != idc.OpCreateAssignment && o.Kind != idc.OpDeleteAssignment && o.Kind != idc.OpProvision:
		return fmt.Errorf("store: operation status of unknown kind %q", o.Kind)
	case o.Status != idc.StatusInProgress && o.Status != idc.StatusSucceeded && o.Status != idc.StatusFailed:
		return fmt.Errorf("store: operation status %q is not one of the API's", o.Status)
	case o.Status == idc.StatusFailed && o.FailureReason == "":
		return fmt.Errorf("store: a FAILED operation status needs a reason")
	}
	return nil
}

// CreateOperationStatus implements store.Access.
func (q queries) CreateOperationStatus(ctx context.Context, o *idc.OperationStatus) error {
	if err := checkOperation(o); err != nil {
		return err
	}
	_, err := q.exec(ctx, `INSERT INTO access_operations (`+operationCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		o.RequestID, o.InstanceARN, o.Kind, o.Status, o.FailureReason, o.AccountID, o.PermissionSetARN, o.PrincipalType, o.PrincipalID, ms(o.CreatedAt))
	return err
}

// GetOperationStatus implements store.Access.
func (q queries) GetOperationStatus(ctx context.Context, instanceARN, kind, requestID string) (*idc.OperationStatus, error) {
	o, err := scanOperation(q.ex.QueryRowContext(ctx, `SELECT `+operationCols+` FROM access_operations WHERE request_id = $1 AND instance_arn = $2 AND kind = $3`,
		requestID, instanceARN, kind))
	return o, q.wrap(err)
}

// ListOperationStatuses implements store.Access.
func (q queries) ListOperationStatuses(ctx context.Context, instanceARN, kind, status string, p store.Page) ([]*idc.OperationStatus, error) {
	query := `SELECT ` + operationCols + ` FROM access_operations WHERE instance_arn = $1 AND kind = $2 AND request_id > $3`
	args := []any{instanceARN, kind, p.After, limit(p)}
	if status != "" {
		query += ` AND status = $5`
		args = append(args, status)
	}
	rows, err := q.ex.QueryContext(ctx, query+` ORDER BY request_id LIMIT $4`, args...)
	return collect(rows, err, scanOperation)
}

// PutResourceTags implements store.Access.
func (q queries) PutResourceTags(ctx context.Context, instanceARN, resourceARN string, tags []idc.Tag) error {
	for _, t := range tags {
		if _, err := q.exec(ctx, `INSERT INTO access_tags (resource_arn, instance_arn, tag_key, tag_value) VALUES ($1, $2, $3, $4)
			ON CONFLICT (resource_arn, tag_key) DO UPDATE SET tag_value = excluded.tag_value`, resourceARN, instanceARN, t.Key, t.Value); err != nil {
			return err
		}
	}
	return nil
}

// DeleteResourceTags implements store.Access.
func (q queries) DeleteResourceTags(ctx context.Context, resourceARN string, keys []string) error {
	for _, k := range keys {
		if _, err := q.exec(ctx, `DELETE FROM access_tags WHERE resource_arn = $1 AND tag_key = $2`, resourceARN, k); err != nil {
			return err
		}
	}
	return nil
}

// ListResourceTags implements store.Access.
func (q queries) ListResourceTags(ctx context.Context, resourceARN string, p store.Page) ([]idc.Tag, error) {
	rows, err := q.ex.QueryContext(ctx, `SELECT tag_key, tag_value FROM access_tags WHERE resource_arn = $1 AND tag_key > $2 ORDER BY tag_key LIMIT $3`,
		resourceARN, p.After, limit(p))
	return collect(rows, err, func(r scanner) (idc.Tag, error) {
		var t idc.Tag
		err := r.Scan(&t.Key, &t.Value)
		return t, err
	})
}

// CountResourceTags implements store.Access.
func (q queries) CountResourceTags(ctx context.Context, resourceARN string) (int, error) {
	return q.count(ctx, `SELECT COUNT(*) FROM access_tags WHERE resource_arn = $1`, resourceARN)
}

// entitlementsQuery resolves a user's assignments in one statement:
// direct assignments through the (identity store, user) index, group
// assignments by walking the user's memberships and probing the (identity
// store, group) index for each. It returns one row per permission set with
// the accounts concatenated. The dialects need different words to keep
// that plan: SQLite, which has no statistics, drives from the memberships
// when the groups are an IN (subquery); PostgreSQL's statistics see one
// identity store holding every assignment and pick a scan with a hash join
// unless the probe is a LATERAL subquery.
func (q queries) entitlementsQuery() string {
	if q.d.Name == "postgres" {
		return `SELECT permission_set_arn, string_agg(account_id, ' ') FROM (
SELECT a.account_id, a.permission_set_arn FROM access_assignments a
WHERE a.identity_store_id = $1 AND a.user_id = $2
UNION ALL
SELECT a.account_id, a.permission_set_arn FROM directory_memberships m
CROSS JOIN LATERAL (SELECT a.account_id, a.permission_set_arn FROM access_assignments a
	WHERE a.identity_store_id = m.identity_store_id AND a.group_id = m.group_id) a
WHERE m.identity_store_id = $1 AND m.user_id = $2) e
GROUP BY permission_set_arn`
	}
	return `SELECT permission_set_arn, group_concat(account_id, ' ') FROM (
SELECT a.account_id, a.permission_set_arn FROM access_assignments a
WHERE a.identity_store_id = $1 AND a.user_id = $2
UNION ALL
SELECT a.account_id, a.permission_set_arn FROM access_assignments a
WHERE a.identity_store_id = $1 AND a.group_id IN (
	SELECT m.group_id FROM directory_memberships m WHERE m.identity_store_id = $1 AND m.user_id = $2)) e
GROUP BY permission_set_arn`
}

// permissionSetsIn selects the permission sets whose ARNs are in a JSON
// array ($1), in one statement on either dialect.
func (q queries) permissionSetsIn() string {
	list := `SELECT value FROM json_each($1)`
	if q.d.Name == "postgres" {
		list = `SELECT jsonb_array_elements_text($1::jsonb)`
	}
	return `SELECT permission_set_arn, name, session_duration, version FROM access_permission_sets WHERE permission_set_arn IN (` + list + `)`
}

// Entitlements implements store.Access.
func (q queries) Entitlements(ctx context.Context, identityStoreID, userID string) ([]store.EntitledSet, error) {
	rows, err := q.ex.QueryContext(ctx, q.entitlementsQuery(), identityStoreID, userID)
	if err != nil {
		return nil, err
	}
	byARN := map[string]*store.EntitledSet{}
	var arns []string
	for rows.Next() {
		var arn, accounts string
		if err := rows.Scan(&arn, &accounts); err != nil {
			rows.Close()
			return nil, err
		}
		list := strings.Fields(accounts)
		slices.Sort(list)
		byARN[arn] = &store.EntitledSet{Accounts: slices.Compact(list)}
		arns = append(arns, arn)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(arns) == 0 {
		return nil, err
	}
	b, err := json.Marshal(arns)
	if err != nil {
		return nil, err
	}
	rows, err = q.ex.QueryContext(ctx, q.permissionSetsIn(), string(b))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]store.EntitledSet, 0, len(arns))
	for rows.Next() {
		ps := &idc.PermissionSet{}
		if err := rows.Scan(&ps.ARN, &ps.Name, &ps.SessionDuration, &ps.Version); err != nil {
			return nil, err
		}
		if e := byARN[ps.ARN]; e != nil {
			e.PermissionSet = ps
			out = append(out, *e)
		}
	}
	return out, rows.Err()
}

// mayUseQuery decides one (user, account, permission set) triple: the
// primary key range of the (account, permission set) pair holds its few
// principals; a group principal is checked against the membership pair
// index.
const mayUseQuery = `
SELECT 1 FROM access_assignments a
WHERE a.account_id = $1 AND a.permission_set_arn = $2
AND (a.user_id = $3 OR (a.group_id IS NOT NULL AND EXISTS (
	SELECT 1 FROM directory_memberships m
	WHERE m.identity_store_id = a.identity_store_id AND m.group_id = a.group_id AND m.user_id = $3)))
LIMIT 1`

// MayUse implements store.Access.
func (q queries) MayUse(ctx context.Context, userID, accountID, psARN string) (bool, error) {
	var one int
	err := q.ex.QueryRowContext(ctx, mayUseQuery, accountID, psARN, userID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}
