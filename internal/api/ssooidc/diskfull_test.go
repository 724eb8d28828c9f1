package ssooidc_test

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	istypes "github.com/aws/aws-sdk-go-v2/service/identitystore/types"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"

	"github.com/idcenter/idcenter/internal/keys"
	"github.com/idcenter/idcenter/internal/oauth"
)

// diskFullSignals makes SIGUSR2 set this process's file-size limit
// (RLIMIT_FSIZE) to 0, so that the kernel refuses every write to a regular
// file (EFBIG, as a full disk refuses with ENOSPC), and SIGUSR1 lift it
// again; each change is acknowledged on stdout ("disk full", "disk
// freed"). Go takes no action on the SIGXFSZ that comes with each refused
// write.
func diskFullSignals() error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
		return fmt.Errorf("getrlimit: %w", err)
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGXFSZ)
	go func() {
		for s := range sigs {
			l, msg := lim, "disk freed"
			switch s {
			case syscall.SIGXFSZ:
				continue
			case syscall.SIGUSR2:
				l.Cur, msg = 0, "disk full"
			}
			if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &l); err != nil {
				msg = "setrlimit: " + err.Error()
			}
			fmt.Println(msg)
		}
	}()
	return nil
}

// TestDiskFullSQLite (SECURITY.md ST-04): the SQLite server's writes start
// failing in the kernel (a real I/O error on the database and WAL files,
// injected with RLIMIT_FSIZE in a child server process) while clients
// refresh a token, redeem a device code and create a user. Every one of
// those requests fails with InternalServerException (500), whose message
// names nothing of the database; once writes work again the same process
// serves them all — nothing was consumed or half-written by the failed
// attempts (the refresh token and device code still work, the user name
// is still free) — and the database passes PRAGMA integrity_check.
func TestDiskFullSQLite(t *testing.T) {
	t.Parallel()
	cs := newCrashStore(t, "sqlite")
	env, stop := cs.serve(t)
	f := newFlow(t, env, deviceRegistration())
	sess := signIn(t, env, "gus")
	approved := func() *ssooidc.StartDeviceAuthorizationOutput {
		d := f.start(t)
		if err := env.Server.OAuth().ApproveDevice(t.Context(), *d.UserCode, sess, ""); err != nil {
			t.Fatalf("ApproveDevice: %v", err)
		}
		return d
	}
	tok1, err := f.poll(t, approved())
	if err != nil {
		t.Fatalf("CreateToken(device_code): %v", err)
	}
	d2 := approved()
	stop()

	ch := cs.startChildSpec(t, crashChild{Backend: cs.backend, DB: cs.db, MasterKey: keys.Encode(cs.master),
		AdminKeyID: env.AdminKeyID, AdminSecret: env.AdminSecret, DiskFull: true})
	oc := ssooidc.NewFromConfig(crashConfig(env, ch.URL))
	adminCfg := env.AWSConfig.Copy()
	adminCfg.BaseEndpoint, adminCfg.HTTPClient = aws.String(ch.URL), &http.Client{}
	adminCfg.Retryer = func() aws.Retryer { return aws.NopRetryer{} }
	is := identitystore.NewFromConfig(adminCfg)
	calls := []struct {
		name string
		call func() error
	}{
		{"CreateToken(refresh_token)", func() error {
			_, err := oc.CreateToken(t.Context(), &ssooidc.CreateTokenInput{ClientId: f.client.ClientId, ClientSecret: f.client.ClientSecret,
				GrantType: aws.String(oauth.GrantRefreshToken), RefreshToken: tok1.RefreshToken})
			return err
		}},
		{"CreateToken(device_code)", func() error {
			_, err := oc.CreateToken(t.Context(), &ssooidc.CreateTokenInput{ClientId: f.client.ClientId, ClientSecret: f.client.ClientSecret,
				GrantType: aws.String(oauth.GrantDeviceCode), DeviceCode: d2.DeviceCode})
			return err
		}},
		{"CreateUser", func() error {
			_, err := is.CreateUser(t.Context(), &identitystore.CreateUserInput{IdentityStoreId: aws.String(env.IdentityStoreID),
				UserName: aws.String("full-disk"), DisplayName: aws.String("Full Disk"),
				Name: &istypes.Name{GivenName: aws.String("Full"), FamilyName: aws.String("Disk")}})
			return err
		}},
	}

	if err := ch.cmd.Process.Signal(syscall.SIGUSR2); err != nil {
		t.Fatal(err)
	}
	if l := ch.next(t); l != "disk full" {
		t.Fatalf("child: %q, want disk full", l)
	}
	// Twice each: a write failure must not leave the store worse for the
	// next request either.
	for range 2 {
		for _, c := range calls {
			err := c.call()
			var re interface{ HTTPStatusCode() int }
			switch {
			case err == nil:
				t.Errorf("%s succeeded while no write could reach the disk", c.name)
			case code(err) != "InternalServerException" || !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusInternalServerError:
				t.Errorf("%s while the disk was full = %v, want 500 InternalServerException", c.name, err)
			}
			if err != nil && leaksFile(err.Error(), cs.db) {
				t.Errorf("%s: the error names the database: %v", c.name, err)
			}
		}
	}
	// Reads still work: the access token is checked against the store.
	if !tokenWorks(t, adminCfg, aws.ToString(tok1.AccessToken)) {
		t.Error("an access token stopped working while the disk was full")
	}

	if err := ch.cmd.Process.Signal(syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	if l := ch.next(t); l != "disk freed" {
		t.Fatalf("child: %q, want disk freed", l)
	}
	for _, c := range calls {
		if err := c.call(); err != nil {
			t.Errorf("%s after the disk was freed: %v", c.name, err)
		}
	}
	ch.kill()
	var check string
	if err := cs.query(t, `PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Errorf("PRAGMA integrity_check = %q, %v; want ok", check, err)
	}
	var users int
	if err := cs.query(t, `SELECT count(*) FROM directory_users WHERE user_name = $1`, "full-disk").Scan(&users); err != nil || users != 1 {
		t.Errorf("users named full-disk: %d, %v; want 1", users, err)
	}
}

// leaksFile reports whether an error message shows the database file or
// the I/O error.
func leaksFile(msg, path string) bool {
	m := strings.ToLower(msg)
	for _, s := range []string{strings.ToLower(path), "sqlite", "disk", "file too large", "i/o", "efbig"} {
		if strings.Contains(m, s) {
			return true
		}
	}
	return false
}
