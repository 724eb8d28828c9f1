package main

import (
	"io"
	"strings"
	"testing"
	"time"
)

func TestParseConfig(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	t.Run("defaults", func(t *testing.T) {
		c, err := parseConfig(nil, env(nil), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if c.Addr != "127.0.0.1:8080" || c.DataDir != "./idcenter-data" || c.DB != "" || c.publicURL() != "http://127.0.0.1:8080" {
			t.Errorf("defaults = %+v", c)
		}
	})
	t.Run("env fills what flags do not set, flags win", func(t *testing.T) {
		c, err := parseConfig([]string{"--addr", "127.0.0.1:9000"}, env(map[string]string{
			"IDCENTER_ADDR":              "127.0.0.1:7000",
			"IDCENTER_DB":                "postgres://u@localhost/db",
			"IDCENTER_PUBLIC_URL":        "https://id.example.com/",
			"IDCENTER_SHUTDOWN_TIMEOUT":  "3s",
			"IDCENTER_PASSWORD_HASH_CPU": "0.5",
		}), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if c.Addr != "127.0.0.1:9000" || c.DB != "postgres://u@localhost/db" || c.publicURL() != "https://id.example.com" || c.ShutdownTimeout != 3*time.Second ||
			c.HashCPUShare != 0.5 {
			t.Errorf("config = %+v", c)
		}
	})
	t.Run("every problem reported at once", func(t *testing.T) {
		_, err := parseConfig([]string{"--addr", "nope", "--db", "mysql://x", "--tls-cert", "c.pem", "--log-level", "loud", "--password-hash-cpu", "-1"}, env(map[string]string{
			"IDCENTER_ADMIN_ACCESS_KEY_ID": "AKIAAAAAAAAAAAAAAAAA",
		}), io.Discard)
		if err == nil {
			t.Fatal("parseConfig accepted a bad config")
		}
		for _, want := range []string{"--addr", "--db", "--tls-cert", "IDCENTER_ADMIN_SECRET_ACCESS_KEY", "--log-level", "--password-hash-cpu"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not mention %s", err, want)
			}
		}
	})
	t.Run("every interface needs a public URL", func(t *testing.T) {
		for _, addr := range []string{"0.0.0.0:8080", ":8080", "[::]:8080"} {
			if _, err := parseConfig([]string{"--addr", addr}, env(nil), io.Discard); err == nil || !strings.Contains(err.Error(), "--public-url") {
				t.Errorf("--addr %s alone: err = %v, want one asking for --public-url", addr, err)
			}
			c, err := parseConfig([]string{"--addr", addr, "--public-url", "https://idc.example.com/"}, env(nil), io.Discard)
			if err != nil || c.publicURL() != "https://idc.example.com" {
				t.Errorf("--addr %s with --public-url: %v, %v", addr, c, err)
			}
		}
	})
	t.Run("bad env value", func(t *testing.T) {
		if _, err := parseConfig(nil, env(map[string]string{"IDCENTER_SHUTDOWN_TIMEOUT": "soon"}), io.Discard); err == nil || !strings.Contains(err.Error(), "IDCENTER_SHUTDOWN_TIMEOUT") {
			t.Errorf("err = %v, want one naming IDCENTER_SHUTDOWN_TIMEOUT", err)
		}
	})
}
