package sqldb

import (
	"context"
	"encoding/base64"
	"time"

	"github.com/idcenter/idcenter/internal/store"
)

var _ store.Auth = queries{}

// msOrZero stores a zero time as 0 ("unset").
func msOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return ms(t)
}

// fromMSOrZero reads 0 as the zero time.
func fromMSOrZero(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return fromMS(v)
}

func sealedText(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return base64.StdEncoding.EncodeToString(b)
}

func sealedBytes(s string) ([]byte, error) {
	if s == "" {
		return nil, nil
	}
	return base64.StdEncoding.DecodeString(s)
}

// authFlag stores a boolean as 0 or 1 (an INTEGER in both dialects).
func authFlag(b bool) int {
	if b {
		return 1
	}
	return 0
}

// GetAuthSettings implements store.Auth.
func (q queries) GetAuthSettings(ctx context.Context, identityStoreID string) (*store.AuthSettings, error) {
	var s store.AuthSettings
	var dur, updated, noDevice, sameNet int64
	err := q.ex.QueryRowContext(ctx, `SELECT identity_store_id, mfa_mode, session_duration_s, device_grant_disabled, device_same_network, updated_at, updated_by
		FROM auth_settings WHERE identity_store_id = $1`, identityStoreID).
		Scan(&s.IdentityStoreID, &s.MFAMode, &dur, &noDevice, &sameNet, &updated, &s.UpdatedBy)
	if err != nil {
		return nil, q.wrap(err)
	}
	s.DeviceGrantDisabled = noDevice == 1
	s.DeviceSameNetwork = sameNet == 1
	s.SessionDuration = time.Duration(dur) * time.Second
	s.UpdatedAt = fromMS(updated)
	return &s, nil
}

// PutAuthSettings implements store.Auth.
func (q queries) PutAuthSettings(ctx context.Context, s *store.AuthSettings) error {
	_, err := q.exec(ctx, `INSERT INTO auth_settings (identity_store_id, mfa_mode, session_duration_s, device_grant_disabled, device_same_network, updated_at, updated_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (identity_store_id) DO UPDATE SET mfa_mode = excluded.mfa_mode, session_duration_s = excluded.session_duration_s,
		device_grant_disabled = excluded.device_grant_disabled, device_same_network = excluded.device_same_network,
		updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
		s.IdentityStoreID, s.MFAMode, int64(s.SessionDuration/time.Second), authFlag(s.DeviceGrantDisabled), authFlag(s.DeviceSameNetwork), ms(s.UpdatedAt), s.UpdatedBy)
	return err
}

// GetUserCredential implements store.Auth.
func (q queries) GetUserCredential(ctx context.Context, identityStoreID, userID string) (*store.UserCredential, error) {
	var c store.UserCredential
	var secret string
	var pwAt, enrolled, updated int64
	err := q.ex.QueryRowContext(ctx, `SELECT identity_store_id, user_id, password_hash, password_set_at, totp_secret, totp_enrolled_at, totp_last_step, updated_at
		FROM auth_credentials WHERE identity_store_id = $1 AND user_id = $2`, identityStoreID, userID).
		Scan(&c.IdentityStoreID, &c.UserID, &c.PasswordHash, &pwAt, &secret, &enrolled, &c.TOTPLastStep, &updated)
	if err != nil {
		return nil, q.wrap(err)
	}
	if c.TOTPSecret, err = sealedBytes(secret); err != nil {
		return nil, err
	}
	c.PasswordSetAt = fromMSOrZero(pwAt)
	c.TOTPEnrolledAt = fromMSOrZero(enrolled)
	c.UpdatedAt = fromMS(updated)
	return &c, nil
}

// SetUserPassword implements store.Auth.
func (q queries) SetUserPassword(ctx context.Context, identityStoreID, userID, hash string, at time.Time) error {
	_, err := q.exec(ctx, `INSERT INTO auth_credentials (identity_store_id, user_id, password_hash, password_set_at, updated_at) VALUES ($1, $2, $3, $4, $4)
		ON CONFLICT (identity_store_id, user_id) DO UPDATE SET password_hash = excluded.password_hash,
		password_set_at = excluded.password_set_at, updated_at = excluded.updated_at`,
		identityStoreID, userID, hash, ms(at))
	return err
}

// EnrolUserTOTP implements store.Auth.
func (q queries) EnrolUserTOTP(ctx context.Context, identityStoreID, userID string, sealed []byte, step int64, at time.Time) (bool, error) {
	res, err := q.exec(ctx, `UPDATE auth_credentials SET totp_secret = $3, totp_enrolled_at = $4, totp_last_step = $5, updated_at = $4
		WHERE identity_store_id = $1 AND user_id = $2 AND totp_secret = ''`,
		identityStoreID, userID, sealedText(sealed), ms(at), step)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ClearUserTOTP implements store.Auth.
func (q queries) ClearUserTOTP(ctx context.Context, identityStoreID, userID string, at time.Time) error {
	return mustAffect(q.exec(ctx, `UPDATE auth_credentials SET totp_secret = '', totp_enrolled_at = 0, totp_last_step = 0, updated_at = $3
		WHERE identity_store_id = $1 AND user_id = $2`, identityStoreID, userID, ms(at)))
}

// AdvanceUserTOTPStep implements store.Auth.
func (q queries) AdvanceUserTOTPStep(ctx context.Context, identityStoreID, userID string, step int64) (bool, error) {
	res, err := q.exec(ctx, `UPDATE auth_credentials SET totp_last_step = $3
		WHERE identity_store_id = $1 AND user_id = $2 AND totp_secret <> '' AND totp_last_step < $3`, identityStoreID, userID, step)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

const sessionCols = `session_id, secret_hash, identity_store_id, user_id, created_at, authenticated_at, mfa, expires_at, revoked_at`

// CreateSession implements store.Auth.
func (q queries) CreateSession(ctx context.Context, s *store.SessionRecord) error {
	_, err := q.exec(ctx, `INSERT INTO auth_sessions (`+sessionCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		s.ID, s.SecretHash, s.IdentityStoreID, s.UserID, ms(s.CreatedAt), ms(s.AuthenticatedAt), authFlag(s.MFA), ms(s.ExpiresAt), msOrZero(s.RevokedAt))
	return err
}

// GetSession implements store.Auth.
func (q queries) GetSession(ctx context.Context, id string) (*store.SessionRecord, error) {
	var s store.SessionRecord
	var created, authed, expires, revoked int64
	var mfa int
	err := q.ex.QueryRowContext(ctx, `SELECT `+sessionCols+` FROM auth_sessions WHERE session_id = $1`, id).
		Scan(&s.ID, &s.SecretHash, &s.IdentityStoreID, &s.UserID, &created, &authed, &mfa, &expires, &revoked)
	if err != nil {
		return nil, q.wrap(err)
	}
	s.CreatedAt, s.AuthenticatedAt, s.ExpiresAt = fromMS(created), fromMS(authed), fromMS(expires)
	s.RevokedAt = fromMSOrZero(revoked)
	s.MFA = mfa == 1
	return &s, nil
}

// RevokeSession implements store.Auth.
func (q queries) RevokeSession(ctx context.Context, id string, at time.Time) error {
	res, err := q.exec(ctx, `UPDATE auth_sessions SET revoked_at = $2 WHERE session_id = $1 AND revoked_at = 0`, id, ms(at))
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err
	}
	var one int
	return q.wrap(q.ex.QueryRowContext(ctx, `SELECT 1 FROM auth_sessions WHERE session_id = $1`, id).Scan(&one))
}

// RevokeUserSessions implements store.Auth.
func (q queries) RevokeUserSessions(ctx context.Context, identityStoreID, userID string, at time.Time) (int64, error) {
	res, err := q.exec(ctx, `UPDATE auth_sessions SET revoked_at = $3 WHERE identity_store_id = $1 AND user_id = $2 AND revoked_at = 0 AND expires_at > $3`,
		identityStoreID, userID, ms(at))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

const signInCols = `signin_id, secret_hash, identity_store_id, user_id, stage, totp_secret, attempts, authenticated_at, created_at, expires_at`

// CreateSignIn implements store.Auth.
func (q queries) CreateSignIn(ctx context.Context, s *store.SignIn) error {
	_, err := q.exec(ctx, `INSERT INTO auth_signins (`+signInCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		s.ID, s.SecretHash, s.IdentityStoreID, s.UserID, s.Stage, sealedText(s.TOTPSecret), s.Attempts, ms(s.AuthenticatedAt), ms(s.CreatedAt), ms(s.ExpiresAt))
	return err
}

// GetSignIn implements store.Auth.
func (q queries) GetSignIn(ctx context.Context, id string) (*store.SignIn, error) {
	var s store.SignIn
	var secret string
	var authed, created, expires int64
	err := q.ex.QueryRowContext(ctx, `SELECT `+signInCols+` FROM auth_signins WHERE signin_id = $1`, id).
		Scan(&s.ID, &s.SecretHash, &s.IdentityStoreID, &s.UserID, &s.Stage, &secret, &s.Attempts, &authed, &created, &expires)
	if err != nil {
		return nil, q.wrap(err)
	}
	if s.TOTPSecret, err = sealedBytes(secret); err != nil {
		return nil, err
	}
	s.AuthenticatedAt, s.CreatedAt, s.ExpiresAt = fromMS(authed), fromMS(created), fromMS(expires)
	return &s, nil
}

// AddSignInAttempt implements store.Auth.
func (q queries) AddSignInAttempt(ctx context.Context, id string) (int, error) {
	var n int
	err := q.ex.QueryRowContext(ctx, `UPDATE auth_signins SET attempts = attempts + 1 WHERE signin_id = $1 RETURNING attempts`, id).Scan(&n)
	return n, q.wrap(err)
}

// DeleteSignIn implements store.Auth.
func (q queries) DeleteSignIn(ctx context.Context, id string) (bool, error) {
	res, err := q.exec(ctx, `DELETE FROM auth_signins WHERE signin_id = $1`, id)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

const invitationCols = `token_hash, identity_store_id, user_id, created_at, expires_at, used_at, created_by`

// CreateInvitation implements store.Auth.
func (q queries) CreateInvitation(ctx context.Context, inv *store.Invitation) error {
	_, err := q.exec(ctx, `INSERT INTO auth_invitations (`+invitationCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		inv.TokenHash, inv.IdentityStoreID, inv.UserID, ms(inv.CreatedAt), ms(inv.ExpiresAt), msOrZero(inv.UsedAt), inv.CreatedBy)
	return err
}

// GetInvitation implements store.Auth.
func (q queries) GetInvitation(ctx context.Context, tokenHash string) (*store.Invitation, error) {
	var inv store.Invitation
	var created, expires, used int64
	err := q.ex.QueryRowContext(ctx, `SELECT `+invitationCols+` FROM auth_invitations WHERE token_hash = $1`, tokenHash).
		Scan(&inv.TokenHash, &inv.IdentityStoreID, &inv.UserID, &created, &expires, &used, &inv.CreatedBy)
	if err != nil {
		return nil, q.wrap(err)
	}
	inv.CreatedAt, inv.ExpiresAt, inv.UsedAt = fromMS(created), fromMS(expires), fromMSOrZero(used)
	return &inv, nil
}

// UseInvitation implements store.Auth.
func (q queries) UseInvitation(ctx context.Context, tokenHash string, at time.Time) (bool, error) {
	res, err := q.exec(ctx, `UPDATE auth_invitations SET used_at = $2 WHERE token_hash = $1 AND used_at = 0`, tokenHash, ms(at))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// SupersedeUserInvitations implements store.Auth.
func (q queries) SupersedeUserInvitations(ctx context.Context, identityStoreID, userID string, at time.Time) error {
	_, err := q.exec(ctx, `UPDATE auth_invitations SET used_at = $3 WHERE identity_store_id = $1 AND user_id = $2 AND used_at = 0`,
		identityStoreID, userID, ms(at))
	return err
}

// GetAuthLockout implements store.Auth.
func (q queries) GetAuthLockout(ctx context.Context, identityStoreID, subject string) (*store.AuthLockout, error) {
	var l store.AuthLockout
	var last, locked int64
	err := q.ex.QueryRowContext(ctx, `SELECT identity_store_id, subject, failures, last_failure_at, locked_until FROM auth_lockouts
		WHERE identity_store_id = $1 AND subject = $2`, identityStoreID, subject).
		Scan(&l.IdentityStoreID, &l.Subject, &l.Failures, &last, &locked)
	if err != nil {
		return nil, q.wrap(err)
	}
	l.LastFailureAt, l.LockedUntil = fromMS(last), fromMSOrZero(locked)
	return &l, nil
}

// AddAuthFailure implements store.Auth.
func (q queries) AddAuthFailure(ctx context.Context, identityStoreID, subject string, at, resetBefore time.Time) (int, error) {
	var n int
	err := q.ex.QueryRowContext(ctx, `INSERT INTO auth_lockouts (identity_store_id, subject, failures, last_failure_at) VALUES ($1, $2, 1, $3)
		ON CONFLICT (identity_store_id, subject) DO UPDATE SET
		failures = CASE WHEN auth_lockouts.last_failure_at < $4 THEN 1 ELSE auth_lockouts.failures + 1 END,
		last_failure_at = excluded.last_failure_at
		RETURNING failures`, identityStoreID, subject, ms(at), ms(resetBefore)).Scan(&n)
	return n, q.wrap(err)
}

// LockAuthSubject implements store.Auth.
func (q queries) LockAuthSubject(ctx context.Context, identityStoreID, subject string, until time.Time) error {
	return mustAffect(q.exec(ctx, `UPDATE auth_lockouts SET locked_until = $3, failures = 0 WHERE identity_store_id = $1 AND subject = $2`,
		identityStoreID, subject, ms(until)))
}

// ClearAuthFailures implements store.Auth.
func (q queries) ClearAuthFailures(ctx context.Context, identityStoreID, subject string) error {
	_, err := q.exec(ctx, `DELETE FROM auth_lockouts WHERE identity_store_id = $1 AND subject = $2`, identityStoreID, subject)
	return err
}

// DeleteExpiredAuth implements store.Auth.
func (q queries) DeleteExpiredAuth(ctx context.Context, before time.Time) (int64, error) {
	b := ms(before)
	var total int64
	for _, stmt := range []string{
		`DELETE FROM auth_sessions WHERE expires_at < $1`,
		`DELETE FROM auth_signins WHERE expires_at < $1`,
		`DELETE FROM auth_invitations WHERE expires_at < $1 OR (used_at <> 0 AND used_at < $1)`,
		`DELETE FROM auth_lockouts WHERE locked_until < $1 AND last_failure_at < $1`,
	} {
		res, err := q.exec(ctx, stmt, b)
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
