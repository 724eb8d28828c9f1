package creds_test

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/idcenter/idcenter/internal/awsproto/sigv4"
	"github.com/idcenter/idcenter/internal/creds"
	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/keys"
	"github.com/idcenter/idcenter/internal/store"
	"github.com/idcenter/idcenter/internal/testenv"
)

// fixedEntitlements stands in for internal/access (whose entitlements are
// computed from assignments; the api/sso tests use the real one): a fixed
// list per user.
type fixedEntitlements map[string][]idc.Entitlement

func (f fixedEntitlements) Entitlements(ctx context.Context, identityStoreID, userID string) ([]idc.Entitlement, error) {
	return f[userID], nil
}

func (f fixedEntitlements) MayUse(ctx context.Context, userID, accountID, permissionSetARN string) (bool, error) {
	for _, e := range f[userID] {
		if e.AccountID == accountID && e.PermissionSetARN == permissionSetARN {
			return true, nil
		}
	}
	return false, nil
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type fixture struct {
	svc   *creds.Service
	st    store.Store
	clock *clock
	user  *idc.User
	inst  *idc.Instance
}

const account = "111122223333"

func newFixture(t testing.TB) *fixture {
	t.Helper()
	ctx := t.Context()
	st := testenv.OpenStore(t, "sqlite")
	kr, err := keys.New(keys.Generate())
	if err != nil {
		t.Fatal(err)
	}
	inst := &idc.Instance{InstanceARN: idc.NewInstanceARN(), IdentityStoreID: idc.NewIdentityStoreID(), Status: "ACTIVE", CreatedAt: time.Now()}
	primary := true
	u := &idc.User{IdentityStoreID: inst.IdentityStoreID, UserID: idc.NewResourceID(inst.IdentityStoreID), UserName: "alice",
		Status: idc.UserEnabled, CreatedAt: time.Now(), UpdatedAt: time.Now(),
		Attrs: idc.UserAttrs{DisplayName: "Alice A", Emails: []idc.Email{{Value: "alice@example.com", Primary: &primary}},
			Extensions: map[string]json.RawMessage{"aws:identitystore:enterprise": json.RawMessage(`{"costCenter":"cc-42","manager":{"value":"bob"}}`)}}}
	if err := st.Tx(ctx, func(q store.Queries) error {
		if err := q.CreateInstance(ctx, inst); err != nil {
			return err
		}
		return q.CreateUser(ctx, u, 1000)
	}); err != nil {
		t.Fatal(err)
	}
	ents := fixedEntitlements{u.UserID: {
		{AccountID: account, PermissionSetName: "ReadOnly", PermissionSetARN: "ps-ro", RoleName: "AWSReservedSSO_ReadOnly_0123456789abcdef", SessionDuration: 2 * time.Hour},
		{AccountID: account, PermissionSetName: "Default", PermissionSetARN: "ps-default", RoleName: "AWSReservedSSO_Default_fedcba9876543210"},
	}}
	clk := &clock{t: time.Now().Truncate(time.Second)}
	return &fixture{svc: creds.New(st, kr, account, creds.WithEntitlements(ents), creds.WithClock(clk.Now)), st: st, clock: clk, user: u, inst: inst}
}

func TestIssueAndResolve(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	rc, err := f.svc.Issue(ctx, f.user.IdentityStoreID, f.user.UserID, account, "ReadOnly")
	if err != nil {
		t.Fatalf("Issue = %v", err)
	}
	if !regexp.MustCompile(`^ASIA[A-Z2-7]{16}$`).MatchString(rc.AccessKeyID) || len(rc.SecretAccessKey) != 40 || rc.SessionToken == "" {
		t.Errorf("credentials = %s / %d-char secret / token %q", rc.AccessKeyID, len(rc.SecretAccessKey), rc.SessionToken)
	}
	if got := rc.Expiration.Sub(f.clock.Now()); got != 2*time.Hour {
		t.Errorf("expiration in %v, want the permission set's 2h", got)
	}
	key, err := f.svc.ResolveKey(ctx, rc.AccessKeyID, rc.SessionToken)
	if err != nil {
		t.Fatalf("ResolveKey = %v", err)
	}
	p := key.Principal.(*idc.Principal)
	if string(key.Secret) != rc.SecretAccessKey || p.Admin || p.ARN != "arn:aws:sts::"+account+":assumed-role/AWSReservedSSO_ReadOnly_0123456789abcdef/alice" {
		t.Errorf("ResolveKey = %+v (admin %v, %s)", key, p.Admin, p.ARN)
	}
	if d, _ := f.svc.Issue(ctx, f.user.IdentityStoreID, f.user.UserID, account, "Default"); d == nil || d.Expiration.Sub(f.clock.Now()) != time.Hour {
		t.Errorf("a permission set without a duration gives %v, want 1h", d)
	}

	t.Run("not entitled", func(t *testing.T) {
		for _, tc := range []struct{ account, role string }{{account, "Admin"}, {"999988887777", "ReadOnly"}, {account, "readonly"}} {
			if _, err := f.svc.Issue(ctx, f.user.IdentityStoreID, f.user.UserID, tc.account, tc.role); idc.KindOf(err) != idc.KindDenied {
				t.Errorf("Issue(%s, %s) = %v, want KindDenied", tc.account, tc.role, err)
			}
		}
		if _, err := f.svc.Issue(ctx, f.user.IdentityStoreID, "nobody", account, "ReadOnly"); idc.KindOf(err) != idc.KindDenied {
			t.Errorf("Issue(unknown user) = %v, want KindDenied", err)
		}
		ended := &idc.Session{ID: "s", IdentityStoreID: f.user.IdentityStoreID, UserID: f.user.UserID, ExpiresAt: f.clock.Now()}
		if _, err := f.svc.IssueRoleCredentials(ctx, ended, account, "ReadOnly"); idc.KindOf(err) != idc.KindUnauthenticated {
			t.Errorf("IssueRoleCredentials(expired session) = %v, want KindUnauthenticated", err)
		}
	})

	// SECURITY.md SV-06: an ASIA key without its token, with another key
	// pair's token, or with a forged one is unknown (UnrecognizedClient /
	// InvalidClientTokenId on the wire); "expired" below is ExpiredToken.
	t.Run("refused tokens", func(t *testing.T) {
		other := newFixture(t) // another master key
		foreign, err := other.svc.Issue(ctx, other.user.IdentityStoreID, other.user.UserID, account, "ReadOnly")
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := base64.StdEncoding.DecodeString(rc.SessionToken)
		raw[len(raw)/2] ^= 1
		second, _ := f.svc.Issue(ctx, f.user.IdentityStoreID, f.user.UserID, account, "ReadOnly")
		for _, tc := range []struct{ name, key, token string }{
			{"no token", rc.AccessKeyID, ""},
			{"tampered token", rc.AccessKeyID, base64.StdEncoding.EncodeToString(raw)},
			{"truncated token", rc.AccessKeyID, rc.SessionToken[:len(rc.SessionToken)-8]},
			{"not base64", rc.AccessKeyID, "!!" + rc.SessionToken},
			{"another instance's token", foreign.AccessKeyID, foreign.SessionToken},
			{"another key's token", rc.AccessKeyID, second.SessionToken},
			{"huge token", rc.AccessKeyID, strings.Repeat("A", 1<<16)},
			{"long-term key with a token", "AKIA" + rc.AccessKeyID[4:], rc.SessionToken},
		} {
			if _, err := f.svc.ResolveKey(ctx, tc.key, tc.token); !errors.Is(err, sigv4.ErrUnknownKey) {
				t.Errorf("ResolveKey(%s) = %v, want ErrUnknownKey", tc.name, err)
			}
		}
	})

	t.Run("expired", func(t *testing.T) {
		g := newFixture(t)
		c, err := g.svc.Issue(ctx, g.user.IdentityStoreID, g.user.UserID, account, "ReadOnly")
		if err != nil {
			t.Fatal(err)
		}
		g.clock.Advance(2 * time.Hour)
		if _, err := g.svc.ResolveKey(ctx, c.AccessKeyID, c.SessionToken); !errors.Is(err, sigv4.ErrTokenExpired) {
			t.Errorf("ResolveKey(expired) = %v, want ErrTokenExpired", err)
		}
	})
}

// TestSessionTags: the instance's access-control attributes become session
// tags, resolved against the user; empty attributes are left out.
func TestSessionTags(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	attrs := []idc.AccessControlAttribute{
		{Key: "CostCenter", Source: "${path:enterprise.costCenter}"},
		{Key: "Manager", Source: "${path:enterprise.manager.value}"},
		{Key: "Email", Source: "${path:emails[primary eq true].value}"},
		{Key: "Name", Source: "${path:userName}"},
		{Key: "Title", Source: "${path:title}"},
		{Key: "Saml", Source: "${SAML:something}"},
	}
	if err := f.st.Tx(ctx, func(q store.Queries) error { return q.PutAccessControlAttributes(ctx, f.inst.InstanceARN, attrs) }); err != nil {
		t.Fatal(err)
	}
	rc, err := f.svc.Issue(ctx, f.user.IdentityStoreID, f.user.UserID, account, "ReadOnly")
	if err != nil {
		t.Fatal(err)
	}
	sess, err := f.svc.SessionOf(rc.AccessKeyID, rc.SessionToken)
	if err != nil {
		t.Fatalf("SessionOf = %v", err)
	}
	want := []creds.SessionTag{{"CostCenter", "cc-42"}, {"Manager", "bob"}, {"Email", "alice@example.com"}, {"Name", "alice"}}
	if d := cmp.Diff(want, sess.Tags); d != "" {
		t.Errorf("session tags (-want +got):\n%s", d)
	}
	if sess.UserName != "alice" || sess.AccountID != account || sess.UserID != f.user.UserID {
		t.Errorf("session = %+v", sess)
	}
}

func TestUniqueIDs(t *testing.T) {
	r := creds.RoleID(account, "AWSReservedSSO_ReadOnly_0123456789abcdef")
	if !regexp.MustCompile(`^AROA[A-Z2-7]{17}$`).MatchString(r) || r != creds.RoleID(account, "AWSReservedSSO_ReadOnly_0123456789abcdef") {
		t.Errorf("RoleID = %q, want a stable AROA id", r)
	}
	if u := creds.UserID(account, "idcenter-admin"); !strings.HasPrefix(u, "AIDA") || len(u) != 21 {
		t.Errorf("UserID = %q", u)
	}
}

// TestSessionTokenFields seals session plaintexts by hand: the complete one
// resolves with its fields and tags, and every truncation of it, though
// sealed by the right key, is refused (never read past its end).
func TestSessionTokenFields(t *testing.T) {
	t.Parallel()
	kr, err := keys.New(keys.Generate())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().Truncate(time.Second)
	svc := creds.New(nil, kr, account, creds.WithClock(func() time.Time { return now }))
	const keyID = "ASIAABCDEFGHIJKLMNOP"
	b := []byte{1}
	for _, v := range []string{keyID, "secret", account, "AWSReservedSSO_X_0123456789abcdef", "alice", "u-1", "d-1"} {
		b = binary.AppendUvarint(b, uint64(len(v)))
		b = append(b, v...)
	}
	b = binary.AppendVarint(b, now.Unix())
	b = binary.AppendVarint(b, now.Add(time.Hour).Unix())
	b = binary.AppendUvarint(b, 1)
	for _, v := range []string{"Team", "blue"} {
		b = binary.AppendUvarint(b, uint64(len(v)))
		b = append(b, v...)
	}
	token := func(pt []byte) string {
		return base64.StdEncoding.EncodeToString(kr.Seal(creds.PurposeSessionToken, pt))
	}
	sess, err := svc.SessionOf(keyID, token(b))
	if err != nil {
		t.Fatalf("SessionOf(complete) = %v", err)
	}
	want := &creds.Session{AccessKeyID: keyID, AccountID: account, RoleName: "AWSReservedSSO_X_0123456789abcdef", UserName: "alice",
		UserID: "u-1", IdentityStoreID: "d-1", IssuedAt: now.UTC(), Expiration: now.Add(time.Hour).UTC(), Tags: []creds.SessionTag{{Key: "Team", Value: "blue"}}}
	if d := cmp.Diff(want, sess); d != "" {
		t.Errorf("session (-want +got):\n%s", d)
	}
	for n := range len(b) {
		if _, err := svc.ResolveKey(t.Context(), keyID, token(b[:n])); !errors.Is(err, sigv4.ErrUnknownKey) {
			t.Errorf("ResolveKey(plaintext cut to %d of %d bytes) = %v, want ErrUnknownKey", n, len(b), err)
		}
	}
}
