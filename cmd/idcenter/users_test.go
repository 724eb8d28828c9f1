package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestUsersUsage checks the argument errors of `idcenter users` and
// `idcenter settings`, which fail before any request (exit status 2). The
// commands themselves run against a live server in e2e/web_test.go.
func TestUsersUsage(t *testing.T) {
	noEnv := func(string) string { return "" }
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no command", []string{"users"}, "usage: idcenter users"},
		{"unknown command", []string{"users", "frobnicate"}, `unknown command "frobnicate"`},
		{"no user", []string{"users", "invite"}, "exactly one of --user-name and --user-id"},
		{"two users", []string{"users", "invite", "--user-name", "a", "--user-id", "b"}, "exactly one of --user-name and --user-id"},
		{"password on the command line", []string{"users", "set-password", "--user-name", "a"}, "--password-stdin"},
		{"no endpoint", []string{"users", "reset-mfa", "--user-name", "a"}, "AWS_ENDPOINT_URL"},
		{"settings without changes", []string{"settings", "update"}, "nothing to do"},
		{"settings unknown command", []string{"settings", "set"}, `unknown command "set"`},
		{"settings bad device grant", []string{"settings", "update", "--device-grant", "maybe"}, "--device-grant is on or off"},
		{"settings bad device same network (DF-13)", []string{"settings", "update", "--device-same-network", "maybe"}, "--device-same-network is on or off"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(t.Context(), tc.args, noEnv, &stdout, &stderr); code != 2 {
				t.Errorf("exit status = %d, want 2 (stderr %q)", code, stderr.String())
			}
			if !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("stderr = %q, want it to mention %q", stderr.String(), tc.want)
			}
		})
	}
}
