package sqldb

import (
	"context"
	"encoding/base64"

	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/store"
)

const instanceCols = `instance_arn, identity_store_id, name, owner_account_id, status, created_at`

func scanInstance(row interface{ Scan(...any) error }) (*idc.Instance, error) {
	var in idc.Instance
	var created int64
	if err := row.Scan(&in.InstanceARN, &in.IdentityStoreID, &in.Name, &in.OwnerAccountID, &in.Status, &created); err != nil {
		return nil, err
	}
	in.CreatedAt = fromMS(created)
	return &in, nil
}

// CreateInstance implements store.Instances.
func (q queries) CreateInstance(ctx context.Context, in *idc.Instance) error {
	_, err := q.exec(ctx, `INSERT INTO instances (`+instanceCols+`) VALUES ($1, $2, $3, $4, $5, $6)`,
		in.InstanceARN, in.IdentityStoreID, in.Name, in.OwnerAccountID, in.Status, ms(in.CreatedAt))
	return err
}

// GetInstance implements store.Instances.
func (q queries) GetInstance(ctx context.Context, arn string) (*idc.Instance, error) {
	in, err := scanInstance(q.ex.QueryRowContext(ctx, `SELECT `+instanceCols+` FROM instances WHERE instance_arn = $1`, arn))
	return in, q.wrap(err)
}

// GetInstanceByIdentityStore implements store.Instances.
func (q queries) GetInstanceByIdentityStore(ctx context.Context, id string) (*idc.Instance, error) {
	in, err := scanInstance(q.ex.QueryRowContext(ctx, `SELECT `+instanceCols+` FROM instances WHERE identity_store_id = $1`, id))
	return in, q.wrap(err)
}

// ListInstances implements store.Instances.
func (q queries) ListInstances(ctx context.Context, p store.Page) ([]*idc.Instance, error) {
	rows, err := q.ex.QueryContext(ctx, `SELECT `+instanceCols+` FROM instances WHERE instance_arn > $1 ORDER BY instance_arn LIMIT $2`, p.After, limit(p))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*idc.Instance
	for rows.Next() {
		in, err := scanInstance(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, in)
	}
	return out, rows.Err()
}

// PutAccessKey implements store.Instances.
func (q queries) PutAccessKey(ctx context.Context, k *idc.AccessKey) error {
	_, err := q.exec(ctx, `INSERT INTO access_keys (access_key_id, secret_ciphertext, user_name, status, created_at) VALUES ($1, $2, $3, $4, $5)`,
		k.AccessKeyID, base64.StdEncoding.EncodeToString(k.SecretCiphertext), k.UserName, k.Status, ms(k.CreatedAt))
	return err
}

// GetAccessKey implements store.Instances.
func (q queries) GetAccessKey(ctx context.Context, id string) (*idc.AccessKey, error) {
	var k idc.AccessKey
	var secret string
	var created int64
	err := q.ex.QueryRowContext(ctx, `SELECT access_key_id, secret_ciphertext, user_name, status, created_at FROM access_keys WHERE access_key_id = $1`, id).
		Scan(&k.AccessKeyID, &secret, &k.UserName, &k.Status, &created)
	if err != nil {
		return nil, q.wrap(err)
	}
	if k.SecretCiphertext, err = base64.StdEncoding.DecodeString(secret); err != nil {
		return nil, err
	}
	k.CreatedAt = fromMS(created)
	return &k, nil
}

// GetSetting implements store.Instances.
func (q queries) GetSetting(ctx context.Context, name string) (string, error) {
	var v string
	err := q.ex.QueryRowContext(ctx, `SELECT value FROM settings WHERE name = $1`, name).Scan(&v)
	return v, q.wrap(err)
}

// PutSetting implements store.Instances.
func (q queries) PutSetting(ctx context.Context, name, value string) (bool, error) {
	res, err := q.exec(ctx, `INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, name, value)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
