package postgres_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/idcenter/idcenter/internal/store"
	"github.com/idcenter/idcenter/internal/store/postgres"
	"github.com/idcenter/idcenter/internal/testenv"
)

// TestRetryInjectedConflicts (SECURITY.md ST-06): a write transaction that
// PostgreSQL aborts with 40001 (serialization failure) or 40P01 (deadlock)
// is retried transparently, a bounded number of times, and single use
// survives the retries: an authorization code is redeemed once, with the
// grant of the attempt that committed. A BEFORE UPDATE trigger injects the
// failures; it counts attempts with a sequence, which a rollback does not
// undo.
func TestRetryInjectedConflicts(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		sqlState string
		faults   int
		// want: attempts made and whether the redemption commits.
		wantAttempts int64
		wantOK       bool
	}{
		{"two serialization failures", "40001", 2, 3, true},
		{"two deadlocks", "40P01", 2, 3, true},
		{"serialization failures without end", "40001", 1000, 8, false},
		{"an error that is no conflict", "22012", 1, 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			s, raw := openWithRaw(t)

			now := time.Now().UTC().Truncate(time.Millisecond)
			c := &store.OAuthClient{ClientID: "c1", SecretHash: "h", Name: "n", Type: "public", CreatedAt: now, SecretExpiresAt: now.Add(time.Hour)}
			code := &store.OAuthAuthorizationCode{CodeHash: "code-1", ClientID: c.ClientID, RedirectURI: "http://127.0.0.1:1/oauth/callback",
				CodeChallenge: "x", SessionID: "s", CreatedAt: now, ExpiresAt: now.Add(time.Minute)}
			mustTx(t, s, "create client and code", func(ctx context.Context, q store.Queries) error {
				if err := q.CreateOAuthClient(ctx, c); err != nil {
					return err
				}
				return q.CreateAuthorizationCode(ctx, code)
			})
			for _, stmt := range []string{
				`CREATE SEQUENCE st06_attempts`,
				fmt.Sprintf(`CREATE FUNCTION st06_fault() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN
					IF nextval('st06_attempts') <= %d THEN
						RAISE EXCEPTION 'injected fault' USING ERRCODE = '%s';
					END IF;
					RETURN NEW;
				END $$`, tc.faults, tc.sqlState),
				`CREATE TRIGGER st06_fault BEFORE UPDATE ON oauth_authorization_codes FOR EACH ROW EXECUTE FUNCTION st06_fault()`,
			} {
				if _, err := raw.ExecContext(ctx, stmt); err != nil {
					t.Fatalf("inject: %v", err)
				}
			}

			attempt := 0
			err := s.Tx(ctx, func(q store.Queries) error {
				attempt++
				return q.RedeemAuthorizationCode(ctx, code.CodeHash, fmt.Sprintf("grant-%d", attempt), now)
			})
			var attempts int64
			if err := raw.QueryRowContext(ctx, `SELECT last_value FROM st06_attempts`).Scan(&attempts); err != nil {
				t.Fatal(err)
			}
			if attempts != tc.wantAttempts || int64(attempt) != tc.wantAttempts {
				t.Errorf("the store made %d attempts (trigger saw %d), want %d", attempt, attempts, tc.wantAttempts)
			}
			got, gerr := s.GetAuthorizationCode(ctx, code.CodeHash)
			if gerr != nil {
				t.Fatal(gerr)
			}
			if !tc.wantOK {
				if err == nil || !got.RedeemedAt.IsZero() {
					t.Errorf("Tx = %v, code redeemed at %v; want the error and the code untouched", err, got.RedeemedAt)
				}
				return
			}
			if err != nil {
				t.Fatalf("Tx(redeem) after %d injected conflicts = %v, want success", tc.faults, err)
			}
			if want := fmt.Sprintf("grant-%d", tc.wantAttempts); got.GrantID != want {
				t.Errorf("code redeemed for %q, want %q (the attempt that committed)", got.GrantID, want)
			}
			err = s.Tx(ctx, func(q store.Queries) error { return q.RedeemAuthorizationCode(ctx, code.CodeHash, "grant-again", now) })
			if !errors.Is(err, store.ErrNotFound) {
				t.Errorf("second redemption = %v, want ErrNotFound (single use)", err)
			}
		})
	}
}

// openWithRaw opens a store on a fresh test database and a plain
// connection pool to the same database, for SQL the store would not run.
func openWithRaw(t *testing.T) (store.Store, *sql.DB) {
	t.Helper()
	dsn := testenv.PostgresDSN(t)
	s, err := postgres.Open(t.Context(), dsn)
	if err != nil {
		t.Fatalf("postgres.Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	raw, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return s, raw
}
