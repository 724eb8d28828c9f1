package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/store"
)

func testOAuth(t *testing.T, open Opener) {
	// now is whole milliseconds, as stored.
	now := time.UnixMilli(time.Now().UnixMilli()).UTC()
	tx := func(t *testing.T, s store.Store, fn func(q store.Queries) error) error {
		t.Helper()
		return s.Tx(t.Context(), fn)
	}
	newClient := func(t *testing.T, s store.Store) *store.OAuthClient {
		t.Helper()
		c := &store.OAuthClient{
			ClientID: "c-" + idc.UUID(), SecretHash: "h-" + idc.UUID(), Name: "botocore-client-test", Type: "public",
			Scopes: []string{"sso:account:access"}, GrantTypes: []string{"authorization_code", "refresh_token"},
			RedirectURIs: []string{"http://127.0.0.1/oauth/callback"}, IssuerURL: "http://127.0.0.1:8080/start",
			CreatedAt: now, SecretExpiresAt: now.Add(90 * 24 * time.Hour),
		}
		if err := tx(t, s, func(q store.Queries) error { return q.CreateOAuthClient(t.Context(), c) }); err != nil {
			t.Fatalf("CreateOAuthClient: %v", err)
		}
		return c
	}
	newDevice := func(t *testing.T, s store.Store, clientID string, expires time.Time) *store.OAuthDeviceAuthorization {
		t.Helper()
		d := &store.OAuthDeviceAuthorization{
			DeviceCodeHash: "d-" + idc.UUID(), UserCodeHash: "u-" + idc.UUID(), ClientID: clientID,
			StartURL: "http://127.0.0.1:8080/start", OriginIP: "203.0.113.7", Status: store.DevicePending, CreatedAt: now, ExpiresAt: expires,
		}
		if err := tx(t, s, func(q store.Queries) error { return q.CreateDeviceAuthorization(t.Context(), d) }); err != nil {
			t.Fatalf("CreateDeviceAuthorization: %v", err)
		}
		return d
	}
	newGrant := func(t *testing.T, s store.Store, clientID, sessionID string) *store.OAuthGrant {
		t.Helper()
		g := &store.OAuthGrant{
			GrantID: idc.UUID(), ClientID: clientID, SessionID: sessionID, IdentityStoreID: "d-1234567890",
			UserID: "1234567890-" + idc.UUID(), Scopes: []string{"sso:account:access"}, Source: store.GrantFromDeviceCode,
			RefreshHash: "r0-" + idc.UUID(), CreatedAt: now, ExpiresAt: now.Add(8 * time.Hour),
		}
		if err := tx(t, s, func(q store.Queries) error { return q.CreateOAuthGrant(t.Context(), g) }); err != nil {
			t.Fatalf("CreateOAuthGrant: %v", err)
		}
		return g
	}

	t.Run("Clients", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ctx := t.Context()
		c := newClient(t, s)
		got, err := s.GetOAuthClient(ctx, c.ClientID)
		if err != nil {
			t.Fatalf("GetOAuthClient: %v", err)
		}
		if d := cmp.Diff(c, got); d != "" {
			t.Errorf("GetOAuthClient diff (-want +got):\n%s", d)
		}
		bare := &store.OAuthClient{ClientID: "bare", SecretHash: "h", Name: "n", Type: "public", CreatedAt: now, SecretExpiresAt: now.Add(time.Hour)}
		if err := tx(t, s, func(q store.Queries) error { return q.CreateOAuthClient(ctx, bare) }); err != nil {
			t.Fatalf("CreateOAuthClient(no lists): %v", err)
		}
		if got, err := s.GetOAuthClient(ctx, "bare"); err != nil || got.Scopes != nil || got.GrantTypes != nil || got.RedirectURIs != nil {
			t.Errorf("GetOAuthClient(no lists) = %+v, %v; want nil lists", got, err)
		}
		if err := tx(t, s, func(q store.Queries) error { return q.CreateOAuthClient(ctx, c) }); !errors.Is(err, store.ErrDuplicate) {
			t.Errorf("CreateOAuthClient(dup) = %v, want ErrDuplicate", err)
		}
		if _, err := s.GetOAuthClient(ctx, "missing"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetOAuthClient(missing) = %v, want ErrNotFound", err)
		}
	})

	t.Run("DeviceAuthorization", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ctx := t.Context()
		c := newClient(t, s)
		d := newDevice(t, s, c.ClientID, now.Add(10*time.Minute))
		got, err := s.GetDeviceAuthorization(ctx, d.DeviceCodeHash)
		if err != nil {
			t.Fatalf("GetDeviceAuthorization: %v", err)
		}
		if diff := cmp.Diff(d, got); diff != "" {
			t.Errorf("GetDeviceAuthorization diff (-want +got):\n%s", diff)
		}
		if got, err := s.GetDeviceAuthorizationByUserCode(ctx, d.UserCodeHash); err != nil || got.DeviceCodeHash != d.DeviceCodeHash {
			t.Errorf("GetDeviceAuthorizationByUserCode = %v, %v", got, err)
		}
		dupUser := *d
		dupUser.DeviceCodeHash = "other"
		if err := tx(t, s, func(q store.Queries) error { return q.CreateDeviceAuthorization(ctx, &dupUser) }); !errors.Is(err, store.ErrDuplicate) {
			t.Errorf("CreateDeviceAuthorization(dup user code) = %v, want ErrDuplicate", err)
		}
		orphan := *d
		orphan.DeviceCodeHash, orphan.UserCodeHash, orphan.ClientID = "o1", "o2", "no-such-client"
		if err := tx(t, s, func(q store.Queries) error { return q.CreateDeviceAuthorization(ctx, &orphan) }); !errors.Is(err, store.ErrReferenced) {
			t.Errorf("CreateDeviceAuthorization(unknown client) = %v, want ErrReferenced", err)
		}

		// Redeeming before approval fails; approval records the session.
		if err := tx(t, s, func(q store.Queries) error {
			return q.RedeemDeviceAuthorization(ctx, d.DeviceCodeHash, c.ClientID, "g1", now)
		}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("RedeemDeviceAuthorization(pending) = %v, want ErrNotFound", err)
		}
		var decided *store.OAuthDeviceAuthorization
		if err := tx(t, s, func(q store.Queries) error {
			var err error
			decided, err = q.DecideDeviceAuthorization(ctx, d.UserCodeHash, store.DeviceApproved, "sess-1", "d-1234567890", "u-1", now.Add(time.Second))
			return err
		}); err != nil {
			t.Fatalf("DecideDeviceAuthorization: %v", err)
		}
		want := *d
		want.Status, want.SessionID, want.IdentityStoreID, want.UserID, want.DecidedAt = store.DeviceApproved, "sess-1", "d-1234567890", "u-1", now.Add(time.Second)
		if diff := cmp.Diff(&want, decided); diff != "" {
			t.Errorf("DecideDeviceAuthorization diff (-want +got):\n%s", diff)
		}
		if err := tx(t, s, func(q store.Queries) error {
			_, err := q.DecideDeviceAuthorization(ctx, d.UserCodeHash, store.DeviceDenied, "sess-2", "d-1234567890", "u-2", now)
			return err
		}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("DecideDeviceAuthorization(decided) = %v, want ErrNotFound", err)
		}
		if err := tx(t, s, func(q store.Queries) error {
			return q.RedeemDeviceAuthorization(ctx, d.DeviceCodeHash, "another-client", "g1", now)
		}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("RedeemDeviceAuthorization(wrong client) = %v, want ErrNotFound", err)
		}
		if err := tx(t, s, func(q store.Queries) error {
			return q.RedeemDeviceAuthorization(ctx, d.DeviceCodeHash, c.ClientID, "g1", now)
		}); err != nil {
			t.Fatalf("RedeemDeviceAuthorization: %v", err)
		}
		if err := tx(t, s, func(q store.Queries) error {
			return q.RedeemDeviceAuthorization(ctx, d.DeviceCodeHash, c.ClientID, "g2", now)
		}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("RedeemDeviceAuthorization(again) = %v, want ErrNotFound", err)
		}
		if got, _ := s.GetDeviceAuthorization(ctx, d.DeviceCodeHash); got.Status != store.DeviceRedeemed || got.GrantID != "g1" {
			t.Errorf("after redemption: status %q grant %q, want redeemed g1", got.Status, got.GrantID)
		}

		// An expired authorization can be neither decided nor redeemed.
		old := newDevice(t, s, c.ClientID, now.Add(time.Minute))
		if err := tx(t, s, func(q store.Queries) error {
			_, err := q.DecideDeviceAuthorization(ctx, old.UserCodeHash, store.DeviceApproved, "s", "d", "u", now.Add(time.Minute))
			return err
		}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("DecideDeviceAuthorization(expired) = %v, want ErrNotFound", err)
		}
		late := newDevice(t, s, c.ClientID, now.Add(time.Minute))
		if err := tx(t, s, func(q store.Queries) error {
			_, err := q.DecideDeviceAuthorization(ctx, late.UserCodeHash, store.DeviceApproved, "s", "d", "u", now)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if err := tx(t, s, func(q store.Queries) error {
			return q.RedeemDeviceAuthorization(ctx, late.DeviceCodeHash, c.ClientID, "g3", now.Add(2*time.Minute))
		}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("RedeemDeviceAuthorization(expired) = %v, want ErrNotFound", err)
		}
	})

	// The origin of a device authorization (SECURITY.md DF-13) comes back
	// as stored from every read, including the decision's, whatever its
	// form: IPv4, IPv6 with a zone, or unknown.
	t.Run("DeviceOriginIP", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ctx := t.Context()
		c := newClient(t, s)
		for _, origin := range []string{"198.51.100.23", "2001:db8::1", "fe80::1%eth0", ""} {
			d := &store.OAuthDeviceAuthorization{
				DeviceCodeHash: "d-" + idc.UUID(), UserCodeHash: "u-" + idc.UUID(), ClientID: c.ClientID,
				StartURL: "http://127.0.0.1:8080/start", OriginIP: origin, Status: store.DevicePending, CreatedAt: now, ExpiresAt: now.Add(time.Hour),
			}
			if err := tx(t, s, func(q store.Queries) error { return q.CreateDeviceAuthorization(ctx, d) }); err != nil {
				t.Fatalf("CreateDeviceAuthorization(%q): %v", origin, err)
			}
			if got, err := s.GetDeviceAuthorization(ctx, d.DeviceCodeHash); err != nil || got.OriginIP != origin {
				t.Errorf("GetDeviceAuthorization(origin %q) = %+v, %v", origin, got, err)
			}
			if got, err := s.GetDeviceAuthorizationByUserCode(ctx, d.UserCodeHash); err != nil || got.OriginIP != origin {
				t.Errorf("GetDeviceAuthorizationByUserCode(origin %q) = %+v, %v", origin, got, err)
			}
			var decided *store.OAuthDeviceAuthorization
			if err := tx(t, s, func(q store.Queries) error {
				var err error
				decided, err = q.DecideDeviceAuthorization(ctx, d.UserCodeHash, store.DeviceDenied, "s", "d", "u", now)
				return err
			}); err != nil || decided.OriginIP != origin {
				t.Errorf("DecideDeviceAuthorization(origin %q) = %+v, %v", origin, decided, err)
			}
		}
	})

	// Single use under concurrency (SECURITY.md MR-08): of many concurrent
	// redemptions of one device code or authorization code, exactly one wins.
	t.Run("SingleUseUnderConcurrency", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ctx := t.Context()
		c := newClient(t, s)
		const rounds, racers = 5, 16
		for round := range rounds {
			d := newDevice(t, s, c.ClientID, now.Add(time.Hour))
			if err := tx(t, s, func(q store.Queries) error {
				_, err := q.DecideDeviceAuthorization(ctx, d.UserCodeHash, store.DeviceApproved, "s", "d", "u", now)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			code := &store.OAuthAuthorizationCode{
				CodeHash: "code-" + idc.UUID(), ClientID: c.ClientID, RedirectURI: "http://127.0.0.1:1/oauth/callback",
				CodeChallenge: "x", SessionID: "s", CreatedAt: now, ExpiresAt: now.Add(time.Minute),
			}
			if err := tx(t, s, func(q store.Queries) error { return q.CreateAuthorizationCode(ctx, code) }); err != nil {
				t.Fatal(err)
			}
			for _, kind := range []string{"device", "code"} {
				wins := raceOAuth(ctx, racers, func(i int) error {
					return s.Tx(ctx, func(q store.Queries) error {
						g := fmt.Sprintf("g-%d-%d", round, i)
						if kind == "device" {
							return q.RedeemDeviceAuthorization(ctx, d.DeviceCodeHash, c.ClientID, g, now)
						}
						return q.RedeemAuthorizationCode(ctx, code.CodeHash, g, now)
					})
				})
				if wins != 1 {
					t.Fatalf("round %d: %d of %d concurrent %s redemptions succeeded, want exactly 1", round, wins, racers, kind)
				}
			}
		}
	})

	t.Run("AuthorizationCode", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ctx := t.Context()
		c := newClient(t, s)
		code := &store.OAuthAuthorizationCode{
			CodeHash: "code-1", ClientID: c.ClientID, RedirectURI: "http://127.0.0.1:4242/oauth/callback",
			CodeChallenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", Scopes: []string{"sso:account:access"},
			SessionID: "sess", IdentityStoreID: "d-1234567890", UserID: "u", CreatedAt: now, ExpiresAt: now.Add(time.Minute),
		}
		if err := tx(t, s, func(q store.Queries) error { return q.CreateAuthorizationCode(ctx, code) }); err != nil {
			t.Fatalf("CreateAuthorizationCode: %v", err)
		}
		got, err := s.GetAuthorizationCode(ctx, "code-1")
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(code, got); d != "" {
			t.Errorf("GetAuthorizationCode diff (-want +got):\n%s", d)
		}
		if err := tx(t, s, func(q store.Queries) error { return q.CreateAuthorizationCode(ctx, code) }); !errors.Is(err, store.ErrDuplicate) {
			t.Errorf("CreateAuthorizationCode(dup) = %v, want ErrDuplicate", err)
		}
		if err := tx(t, s, func(q store.Queries) error { return q.RedeemAuthorizationCode(ctx, "code-1", "g1", now) }); err != nil {
			t.Fatalf("RedeemAuthorizationCode: %v", err)
		}
		if err := tx(t, s, func(q store.Queries) error { return q.RedeemAuthorizationCode(ctx, "code-1", "g2", now) }); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("RedeemAuthorizationCode(again) = %v, want ErrNotFound", err)
		}
		if got, _ := s.GetAuthorizationCode(ctx, "code-1"); got.GrantID != "g1" || !got.RedeemedAt.Equal(now) {
			t.Errorf("after redemption: grant %q redeemed %v, want g1 at %v", got.GrantID, got.RedeemedAt, now)
		}
		if _, err := s.GetAuthorizationCode(ctx, "missing"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetAuthorizationCode(missing) = %v, want ErrNotFound", err)
		}
	})

	t.Run("Grants", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ctx := t.Context()
		c := newClient(t, s)
		g := newGrant(t, s, c.ClientID, "sess-a")
		got, err := s.GetOAuthGrant(ctx, g.GrantID)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(g, got); d != "" {
			t.Errorf("GetOAuthGrant diff (-want +got):\n%s", d)
		}
		orphan := *g
		orphan.GrantID, orphan.ClientID = idc.UUID(), "no-such-client"
		if err := tx(t, s, func(q store.Queries) error { return q.CreateOAuthGrant(ctx, &orphan) }); !errors.Is(err, store.ErrReferenced) {
			t.Errorf("CreateOAuthGrant(unknown client) = %v, want ErrReferenced", err)
		}

		// Rotation needs the current generation and hash.
		for _, tc := range []struct {
			name string
			gen  int64
			old  string
		}{{"wrong generation", 1, g.RefreshHash}, {"wrong hash", 0, "nope"}} {
			if err := tx(t, s, func(q store.Queries) error {
				return q.RotateRefreshToken(ctx, g.GrantID, tc.gen, tc.old, "r1", now)
			}); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("RotateRefreshToken(%s) = %v, want ErrNotFound", tc.name, err)
			}
		}
		at := now.Add(time.Minute)
		if err := tx(t, s, func(q store.Queries) error { return q.RotateRefreshToken(ctx, g.GrantID, 0, g.RefreshHash, "r1", at) }); err != nil {
			t.Fatalf("RotateRefreshToken: %v", err)
		}
		got, _ = s.GetOAuthGrant(ctx, g.GrantID)
		if got.RefreshHash != "r1" || got.RefreshGen != 1 || !got.RotatedAt.Equal(at) {
			t.Errorf("after rotation: %q gen %d at %v, want r1 gen 1 at %v", got.RefreshHash, got.RefreshGen, got.RotatedAt, at)
		}
		if err := tx(t, s, func(q store.Queries) error { return q.RotateRefreshToken(ctx, g.GrantID, 0, g.RefreshHash, "r2", at) }); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("RotateRefreshToken(stale) = %v, want ErrNotFound", err)
		}

		// Revocation: by id (idempotent) and by session.
		if err := tx(t, s, func(q store.Queries) error { return q.RevokeOAuthGrant(ctx, g.GrantID, at) }); err != nil {
			t.Fatalf("RevokeOAuthGrant: %v", err)
		}
		if err := tx(t, s, func(q store.Queries) error { return q.RevokeOAuthGrant(ctx, g.GrantID, at.Add(time.Hour)) }); err != nil {
			t.Errorf("RevokeOAuthGrant(again) = %v, want nil", err)
		}
		if got, _ := s.GetOAuthGrant(ctx, g.GrantID); !got.RevokedAt.Equal(at) {
			t.Errorf("RevokedAt = %v, want the first revocation %v", got.RevokedAt, at)
		}
		if err := tx(t, s, func(q store.Queries) error { return q.RotateRefreshToken(ctx, g.GrantID, 1, "r1", "r2", at) }); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("RotateRefreshToken(revoked) = %v, want ErrNotFound", err)
		}
		if err := tx(t, s, func(q store.Queries) error { return q.RevokeOAuthGrant(ctx, "missing", at) }); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("RevokeOAuthGrant(missing) = %v, want ErrNotFound", err)
		}
		b1, b2, other := newGrant(t, s, c.ClientID, "sess-b"), newGrant(t, s, c.ClientID, "sess-b"), newGrant(t, s, c.ClientID, "sess-c")
		var ids []string
		if err := tx(t, s, func(q store.Queries) error {
			var err error
			ids, err = q.RevokeOAuthGrantsForSession(ctx, "sess-b", at)
			return err
		}); err != nil {
			t.Fatalf("RevokeOAuthGrantsForSession: %v", err)
		}
		want := map[string]bool{b1.GrantID: true, b2.GrantID: true}
		if len(ids) != 2 || !want[ids[0]] || !want[ids[1]] {
			t.Errorf("RevokeOAuthGrantsForSession = %v, want %v", ids, want)
		}
		if got, _ := s.GetOAuthGrant(ctx, other.GrantID); !got.RevokedAt.IsZero() {
			t.Errorf("another session's grant was revoked")
		}
		if err := tx(t, s, func(q store.Queries) error {
			var err error
			ids, err = q.RevokeOAuthGrantsForSession(ctx, "sess-b", at)
			return err
		}); err != nil || len(ids) != 0 {
			t.Errorf("RevokeOAuthGrantsForSession(again) = %v, %v; want none", ids, err)
		}
	})

	t.Run("DeleteExpired", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ctx := t.Context()
		c := newClient(t, s)
		gone := newDevice(t, s, c.ClientID, now.Add(time.Minute))
		kept := newDevice(t, s, c.ClientID, now.Add(time.Hour))
		g := newGrant(t, s, c.ClientID, "s") // expires in 8 hours
		var n int64
		if err := tx(t, s, func(q store.Queries) error {
			var err error
			n, err = q.DeleteExpiredOAuth(ctx, now.Add(30*time.Minute))
			return err
		}); err != nil {
			t.Fatalf("DeleteExpiredOAuth: %v", err)
		}
		if n != 1 {
			t.Errorf("DeleteExpiredOAuth deleted %d rows, want 1", n)
		}
		if _, err := s.GetDeviceAuthorization(ctx, gone.DeviceCodeHash); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("expired authorization still there: %v", err)
		}
		if _, err := s.GetDeviceAuthorization(ctx, kept.DeviceCodeHash); err != nil {
			t.Errorf("live authorization deleted: %v", err)
		}
		if _, err := s.GetOAuthGrant(ctx, g.GrantID); err != nil {
			t.Errorf("live grant deleted: %v", err)
		}
		// Past the client's secret expiry the client and all under it go.
		if err := tx(t, s, func(q store.Queries) error {
			_, err := q.DeleteExpiredOAuth(ctx, now.Add(100*24*time.Hour))
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetOAuthClient(ctx, c.ClientID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("expired client still there: %v", err)
		}
	})
}

// race runs fn(0..n-1) concurrently, released together, and counts the
// calls that returned nil.
func raceOAuth(ctx context.Context, n int, fn func(i int) error) int {
	var wg sync.WaitGroup
	var mu sync.Mutex
	start := make(chan struct{})
	wins := 0
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if ctx.Err() != nil {
				return
			}
			if fn(i) == nil {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		}()
	}
	close(start)
	wg.Wait()
	return wins
}
