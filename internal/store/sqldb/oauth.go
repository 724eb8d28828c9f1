package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/idcenter/idcenter/internal/store"
)

// Lists of strings (scopes, grant types, redirect URIs) are stored as JSON
// arrays in TEXT columns. Token issuance reads and writes one per grant, so
// the common lists (empty, or plain ASCII strings such as scopes) take a
// fast path that writes and reads exactly what encoding/json would;
// anything else goes through encoding/json.
func jsonList(v []string) string {
	if len(v) == 0 {
		return "[]"
	}
	n := 2
	for _, s := range v {
		if !plainJSONString(s) {
			b, err := json.Marshal(v)
			if err != nil {
				panic(err) // a []string always marshals
			}
			return string(b)
		}
		n += len(s) + 3
	}
	b := make([]byte, 0, n)
	b = append(b, '[')
	for i, s := range v {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(append(append(b, '"'), s...), '"')
	}
	return string(append(b, ']'))
}

// plainJSONString reports whether s is printable ASCII that encoding/json
// writes unescaped.
func plainJSONString(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20, c > 0x7e, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}

func parseList(s string) ([]string, error) {
	if v, ok := parsePlainList(s); ok {
		return v, nil
	}
	var v []string
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return nil, fmt.Errorf("decode list column: %w", err)
	}
	if len(v) == 0 {
		return nil, nil
	}
	return v, nil
}

// parsePlainList decodes what jsonList's fast path writes: [] (as nil) or
// printable-ASCII strings without escapes, no spaces. ok is false for
// anything else.
func parsePlainList(s string) (v []string, ok bool) {
	if s == "[]" {
		return nil, true
	}
	if len(s) < 4 || s[0] != '[' || s[len(s)-1] != ']' {
		return nil, false
	}
	body := s[1 : len(s)-1]
	v = make([]string, 0, 1+strings.Count(body, ","))
	for {
		if len(body) < 2 || body[0] != '"' {
			return nil, false
		}
		end := strings.IndexByte(body[1:], '"') + 1
		if end == 0 || !plainJSONString(body[1:end]) {
			return nil, false
		}
		v = append(v, body[1:end])
		body = body[end+1:]
		if body == "" {
			return v, true
		}
		if body[0] != ',' {
			return nil, false
		}
		body = body[1:]
	}
}

// oauthMS stores the zero time as 0 ("not yet").
func oauthMS(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return ms(t)
}

func oauthTime(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return fromMS(v)
}

const oauthClientCols = `client_id, secret_hash, name, client_type, scopes, grant_types, redirect_uris, issuer_url, created_at, secret_expires_at`

// CreateOAuthClient implements store.OAuth.
func (q queries) CreateOAuthClient(ctx context.Context, c *store.OAuthClient) error {
	_, err := q.exec(ctx, `INSERT INTO oauth_clients (`+oauthClientCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		c.ClientID, c.SecretHash, c.Name, c.Type, jsonList(c.Scopes), jsonList(c.GrantTypes), jsonList(c.RedirectURIs),
		c.IssuerURL, ms(c.CreatedAt), ms(c.SecretExpiresAt))
	return err
}

// GetOAuthClient implements store.OAuth.
func (q queries) GetOAuthClient(ctx context.Context, clientID string) (*store.OAuthClient, error) {
	var c store.OAuthClient
	var scopes, grants, uris string
	var created, expires int64
	err := q.ex.QueryRowContext(ctx, `SELECT `+oauthClientCols+` FROM oauth_clients WHERE client_id = $1`, clientID).
		Scan(&c.ClientID, &c.SecretHash, &c.Name, &c.Type, &scopes, &grants, &uris, &c.IssuerURL, &created, &expires)
	if err != nil {
		return nil, q.wrap(err)
	}
	if c.Scopes, err = parseList(scopes); err != nil {
		return nil, err
	}
	if c.GrantTypes, err = parseList(grants); err != nil {
		return nil, err
	}
	if c.RedirectURIs, err = parseList(uris); err != nil {
		return nil, err
	}
	c.CreatedAt, c.SecretExpiresAt = fromMS(created), fromMS(expires)
	return &c, nil
}

const deviceCols = `device_code_hash, user_code_hash, client_id, start_url, origin_ip, status, session_id, identity_store_id, user_id, grant_id, created_at, expires_at, decided_at`

func scanDevice(row interface{ Scan(...any) error }) (*store.OAuthDeviceAuthorization, error) {
	var d store.OAuthDeviceAuthorization
	var created, expires, decided int64
	if err := row.Scan(&d.DeviceCodeHash, &d.UserCodeHash, &d.ClientID, &d.StartURL, &d.OriginIP, &d.Status, &d.SessionID,
		&d.IdentityStoreID, &d.UserID, &d.GrantID, &created, &expires, &decided); err != nil {
		return nil, err
	}
	d.CreatedAt, d.ExpiresAt, d.DecidedAt = fromMS(created), fromMS(expires), oauthTime(decided)
	return &d, nil
}

// CreateDeviceAuthorization implements store.OAuth.
func (q queries) CreateDeviceAuthorization(ctx context.Context, d *store.OAuthDeviceAuthorization) error {
	_, err := q.exec(ctx, `INSERT INTO oauth_device_authorizations (`+deviceCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		d.DeviceCodeHash, d.UserCodeHash, d.ClientID, d.StartURL, d.OriginIP, d.Status, d.SessionID, d.IdentityStoreID, d.UserID,
		d.GrantID, ms(d.CreatedAt), ms(d.ExpiresAt), oauthMS(d.DecidedAt))
	return err
}

// GetDeviceAuthorization implements store.OAuth.
func (q queries) GetDeviceAuthorization(ctx context.Context, deviceCodeHash string) (*store.OAuthDeviceAuthorization, error) {
	d, err := scanDevice(q.ex.QueryRowContext(ctx, `SELECT `+deviceCols+` FROM oauth_device_authorizations WHERE device_code_hash = $1`, deviceCodeHash))
	return d, q.wrap(err)
}

// GetDeviceAuthorizationByUserCode implements store.OAuth.
func (q queries) GetDeviceAuthorizationByUserCode(ctx context.Context, userCodeHash string) (*store.OAuthDeviceAuthorization, error) {
	d, err := scanDevice(q.ex.QueryRowContext(ctx, `SELECT `+deviceCols+` FROM oauth_device_authorizations WHERE user_code_hash = $1`, userCodeHash))
	return d, q.wrap(err)
}

// DecideDeviceAuthorization implements store.OAuth.
func (q queries) DecideDeviceAuthorization(ctx context.Context, userCodeHash, status, sessionID, identityStoreID, userID string, at time.Time) (*store.OAuthDeviceAuthorization, error) {
	if status != store.DeviceApproved && status != store.DeviceDenied {
		return nil, fmt.Errorf("decide device authorization: bad status %q", status)
	}
	d, err := scanDevice(q.ex.QueryRowContext(ctx, `UPDATE oauth_device_authorizations
		SET status = $2, session_id = $3, identity_store_id = $4, user_id = $5, decided_at = $6
		WHERE user_code_hash = $1 AND status = 'pending' AND expires_at > $6
		RETURNING `+deviceCols, userCodeHash, status, sessionID, identityStoreID, userID, ms(at)))
	return d, q.wrap(err)
}

// RedeemDeviceAuthorization implements store.OAuth.
func (q queries) RedeemDeviceAuthorization(ctx context.Context, deviceCodeHash, clientID, grantID string, at time.Time) error {
	return mustAffect(q.exec(ctx, `UPDATE oauth_device_authorizations SET status = 'redeemed', grant_id = $3
		WHERE device_code_hash = $1 AND client_id = $2 AND status = 'approved' AND expires_at > $4`,
		deviceCodeHash, clientID, grantID, ms(at)))
}

const codeCols = `code_hash, client_id, redirect_uri, code_challenge, scopes, session_id, identity_store_id, user_id, created_at, expires_at, redeemed_at, grant_id`

// CreateAuthorizationCode implements store.OAuth.
func (q queries) CreateAuthorizationCode(ctx context.Context, c *store.OAuthAuthorizationCode) error {
	_, err := q.exec(ctx, `INSERT INTO oauth_authorization_codes (`+codeCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		c.CodeHash, c.ClientID, c.RedirectURI, c.CodeChallenge, jsonList(c.Scopes), c.SessionID, c.IdentityStoreID, c.UserID,
		ms(c.CreatedAt), ms(c.ExpiresAt), oauthMS(c.RedeemedAt), c.GrantID)
	return err
}

// GetAuthorizationCode implements store.OAuth.
func (q queries) GetAuthorizationCode(ctx context.Context, codeHash string) (*store.OAuthAuthorizationCode, error) {
	var c store.OAuthAuthorizationCode
	var scopes string
	var created, expires, redeemed int64
	err := q.ex.QueryRowContext(ctx, `SELECT `+codeCols+` FROM oauth_authorization_codes WHERE code_hash = $1`, codeHash).
		Scan(&c.CodeHash, &c.ClientID, &c.RedirectURI, &c.CodeChallenge, &scopes, &c.SessionID, &c.IdentityStoreID,
			&c.UserID, &created, &expires, &redeemed, &c.GrantID)
	if err != nil {
		return nil, q.wrap(err)
	}
	if c.Scopes, err = parseList(scopes); err != nil {
		return nil, err
	}
	c.CreatedAt, c.ExpiresAt, c.RedeemedAt = fromMS(created), fromMS(expires), oauthTime(redeemed)
	return &c, nil
}

// RedeemAuthorizationCode implements store.OAuth.
func (q queries) RedeemAuthorizationCode(ctx context.Context, codeHash, grantID string, at time.Time) error {
	return mustAffect(q.exec(ctx, `UPDATE oauth_authorization_codes SET redeemed_at = $2, grant_id = $3
		WHERE code_hash = $1 AND redeemed_at = 0`, codeHash, ms(at), grantID))
}

const grantCols = `grant_id, client_id, session_id, identity_store_id, user_id, scopes, source, refresh_hash, refresh_gen, rotated_at, created_at, expires_at, revoked_at`

// CreateOAuthGrant implements store.OAuth.
func (q queries) CreateOAuthGrant(ctx context.Context, g *store.OAuthGrant) error {
	_, err := q.exec(ctx, `INSERT INTO oauth_grants (`+grantCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		g.GrantID, g.ClientID, g.SessionID, g.IdentityStoreID, g.UserID, jsonList(g.Scopes), g.Source, g.RefreshHash,
		g.RefreshGen, oauthMS(g.RotatedAt), ms(g.CreatedAt), ms(g.ExpiresAt), oauthMS(g.RevokedAt))
	return err
}

// GetOAuthGrant implements store.OAuth.
func (q queries) GetOAuthGrant(ctx context.Context, grantID string) (*store.OAuthGrant, error) {
	var g store.OAuthGrant
	var scopes string
	var rotated, created, expires, revoked int64
	err := q.ex.QueryRowContext(ctx, `SELECT `+grantCols+` FROM oauth_grants WHERE grant_id = $1`, grantID).
		Scan(&g.GrantID, &g.ClientID, &g.SessionID, &g.IdentityStoreID, &g.UserID, &scopes, &g.Source, &g.RefreshHash,
			&g.RefreshGen, &rotated, &created, &expires, &revoked)
	if err != nil {
		return nil, q.wrap(err)
	}
	if g.Scopes, err = parseList(scopes); err != nil {
		return nil, err
	}
	g.RotatedAt, g.CreatedAt, g.ExpiresAt, g.RevokedAt = oauthTime(rotated), fromMS(created), fromMS(expires), oauthTime(revoked)
	return &g, nil
}

// RotateRefreshToken implements store.OAuth.
func (q queries) RotateRefreshToken(ctx context.Context, grantID string, gen int64, oldHash, newHash string, at time.Time) error {
	return mustAffect(q.exec(ctx, `UPDATE oauth_grants SET refresh_hash = $4, refresh_gen = refresh_gen + 1, rotated_at = $5
		WHERE grant_id = $1 AND refresh_gen = $2 AND refresh_hash = $3 AND refresh_hash <> '' AND revoked_at = 0`,
		grantID, gen, oldHash, newHash, ms(at)))
}

// RevokeOAuthGrant implements store.OAuth.
func (q queries) RevokeOAuthGrant(ctx context.Context, grantID string, at time.Time) error {
	res, err := q.exec(ctx, `UPDATE oauth_grants SET revoked_at = $2 WHERE grant_id = $1 AND revoked_at = 0`, grantID, ms(at))
	if err := mustAffect(res, err); err != store.ErrNotFound {
		return err
	}
	// Already revoked is fine; a missing grant is not.
	var one int
	err = q.ex.QueryRowContext(ctx, `SELECT 1 FROM oauth_grants WHERE grant_id = $1`, grantID).Scan(&one)
	if err == sql.ErrNoRows {
		return store.ErrNotFound
	}
	return q.wrap(err)
}

// RevokeOAuthGrantsForSession implements store.OAuth.
func (q queries) RevokeOAuthGrantsForSession(ctx context.Context, sessionID string, at time.Time) ([]string, error) {
	rows, err := q.ex.QueryContext(ctx, `UPDATE oauth_grants SET revoked_at = $2 WHERE session_id = $1 AND revoked_at = 0 RETURNING grant_id`, sessionID, ms(at))
	if err != nil {
		return nil, q.wrap(err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// DeleteExpiredOAuth implements store.OAuth.
func (q queries) DeleteExpiredOAuth(ctx context.Context, before time.Time) (int64, error) {
	stmts := []string{
		`DELETE FROM oauth_device_authorizations WHERE expires_at < $1`,
		`DELETE FROM oauth_authorization_codes WHERE expires_at < $1`,
		`DELETE FROM oauth_grants WHERE expires_at < $1`,
		`DELETE FROM oauth_clients WHERE secret_expires_at < $1`,
	}
	if q.d.Name == "postgres" {
		// The replicas' shared poll timing (migration 0013); SQLite has none.
		stmts = append(stmts, `DELETE FROM oauth_device_polls WHERE expires_at < $1`)
	}
	var total int64
	for _, stmt := range stmts {
		res, err := q.exec(ctx, stmt, ms(before))
		if err != nil {
			return total, err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, err
		}
		total += n
	}
	return total, nil
}
