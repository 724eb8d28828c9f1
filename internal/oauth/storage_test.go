package oauth_test

import (
	"database/sql"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite" // to read the database file behind the store's back

	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/keys"
	"github.com/idcenter/idcenter/internal/oauth"
	"github.com/idcenter/idcenter/internal/store/sqlite"
)

// TestNoSecretsAtRest runs every flow, then reads every cell of every
// table of the SQLite file and checks that no client secret, device code,
// user code, authorization code, access token or refresh token is there in
// clear (SECURITY.md: "tokens and secrets are not stored in clear").
func TestNoSecretsAtRest(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "idcenter.db")
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	kr, _ := keys.New(keys.Generate())
	clk := &clock{t: time.Now().Truncate(time.Second)}
	sess := &memSessions{m: map[string]*idc.Session{}, now: clk.Now}
	f := &fixture{svc: oauth.New(st, kr, sess, oauth.Config{PublicURL: publicURL, Now: clk.Now}), st: st, clock: clk, sessions: sess}

	var secrets []string
	dc := f.deviceClient(t, "sso:account:access")
	secrets = append(secrets, dc.ClientSecret)
	d := f.start(t, dc)
	secrets = append(secrets, d.DeviceCode, d.UserCode, strings.ReplaceAll(d.UserCode, "-", ""))
	s := sess.add(time.Hour)
	if err := f.svc.ApproveDevice(ctx, d.UserCode, s, ""); err != nil {
		t.Fatal(err)
	}
	tok, err := f.poll(t, dc, d)
	if err != nil {
		t.Fatal(err)
	}
	secrets = append(secrets, tok.AccessToken, tok.RefreshToken)
	r1, err := f.refresh(t, dc, tok.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	secrets = append(secrets, r1.AccessToken, r1.RefreshToken)
	pc := f.pkceClient(t)
	secrets = append(secrets, pc.ClientSecret)
	r, err := f.svc.ParseAuthorize(ctx, authorizeQuery(pc, "4321"))
	if err != nil {
		t.Fatal(err)
	}
	to, err := f.svc.Authorize(ctx, r, s)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(to)
	code := u.Query().Get("code")
	secrets = append(secrets, code)
	t2, err := f.redeem(t, pc, code, redirect, verifier)
	if err != nil {
		t.Fatal(err)
	}
	secrets = append(secrets, t2.AccessToken, t2.RefreshToken)

	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'table'`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	cells, sawOAuth := 0, 0
	for _, table := range tables {
		rows, err := db.Query(`SELECT * FROM "` + table + `"`)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			if strings.HasPrefix(table, "oauth_") {
				sawOAuth++
			}
			for i, v := range vals {
				cells++
				text := fmt.Sprint(v)
				if b, ok := v.([]byte); ok {
					text = string(b)
				}
				for _, sec := range secrets {
					if strings.Contains(text, sec) {
						t.Errorf("%s.%s holds a secret in clear (%.8s…)", table, cols[i], sec)
					}
				}
			}
		}
		rows.Close()
	}
	if sawOAuth < 6 {
		t.Fatalf("read %d oauth rows (%d cells in all); the flows wrote fewer than expected", sawOAuth, cells)
	}
}
