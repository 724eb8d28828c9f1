package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/idcenter/idcenter/internal/testenv"
)

// TestSettingsDeviceSameNetwork turns the same-network requirement of
// device approvals (SECURITY.md DF-13) on and off with `idcenter settings
// update --device-same-network` against a live server, and reads it back
// with `idcenter settings get` and from the server.
func TestSettingsDeviceSameNetwork(t *testing.T) {
	env := testenv.New(t, "sqlite")
	// The admin client reads credentials through the standard AWS chain:
	// the environment, and no shared files.
	dir := t.TempDir()
	t.Setenv("AWS_ACCESS_KEY_ID", env.AdminKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", env.AdminSecret)
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	getenv := func(k string) string {
		if k == "AWS_ENDPOINT_URL" {
			return env.URL
		}
		return ""
	}
	settings := func(args ...string) string {
		t.Helper()
		var stdout, stderr bytes.Buffer
		if code := run(t.Context(), append([]string{"settings"}, args...), getenv, &stdout, &stderr); code != 0 {
			t.Fatalf("idcenter settings %s: exit status %d, stderr %q", strings.Join(args, " "), code, stderr.String())
		}
		return stdout.String()
	}
	required := func() bool {
		t.Helper()
		on, err := env.Server.Auth().DeviceSameNetworkRequired(t.Context(), env.IdentityStoreID)
		if err != nil {
			t.Fatal(err)
		}
		return on
	}

	if out := settings("get"); !strings.Contains(out, "device same network   DISABLED") {
		t.Errorf("settings get by default printed %q, want the same network not required", out)
	}
	if out := settings("update", "--device-same-network", "on"); !strings.Contains(out, "device same network   ENABLED") || !strings.Contains(out, "device grant          ENABLED") {
		t.Errorf("settings update --device-same-network on printed %q", out)
	}
	if !required() {
		t.Errorf("after --device-same-network on: the server does not require the same network")
	}
	if out := settings("get"); !strings.Contains(out, "device same network   ENABLED") {
		t.Errorf("settings get after on printed %q", out)
	}
	if out := settings("update", "--device-same-network", "off"); !strings.Contains(out, "device same network   DISABLED") {
		t.Errorf("settings update --device-same-network off printed %q", out)
	}
	if required() {
		t.Errorf("after --device-same-network off: the server still requires the same network")
	}
}
