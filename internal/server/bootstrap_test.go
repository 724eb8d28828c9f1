package server_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"

	"github.com/idcenter/idcenter/internal/keys"
	"github.com/idcenter/idcenter/internal/server"
	"github.com/idcenter/idcenter/internal/testenv"
)

// TestBootstrapCredentialsFile checks the first start on an empty store: one
// instance, an admin key written as a 0600 credentials file that the SDK can
// use, the same key after a restart, and the secret in no log line nor in
// the database in clear.
func TestBootstrapCredentialsFile(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			st := testenv.OpenStore(t, backend)
			kr, _ := keys.New(keys.Generate())
			dir := t.TempDir()
			var logs testenv.LockedBuffer
			log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			srv, err := server.New(t.Context(), server.Options{Store: st, Keys: kr, Logger: log, DataDir: dir})
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, "admin-credentials")
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatalf("credentials file: %v", err)
			}
			if fi.Mode().Perm() != 0o600 {
				t.Errorf("credentials file mode = %v, want 0600", fi.Mode().Perm())
			}
			raw, _ := os.ReadFile(path)
			var id, secret string
			for _, l := range strings.Split(string(raw), "\n") {
				if v, ok := strings.CutPrefix(l, "aws_access_key_id = "); ok {
					id = v
				}
				if v, ok := strings.CutPrefix(l, "aws_secret_access_key = "); ok {
					secret = v
				}
			}
			if !strings.HasPrefix(string(raw), "[idcenter-admin]\n") || len(id) != 20 || !strings.HasPrefix(id, "AKIA") || len(secret) != 40 {
				t.Fatalf("credentials file = %q", raw)
			}
			hs := httptest.NewServer(srv.Handler())
			defer hs.Close()
			cfg := aws.Config{Region: "eu-west-3", Credentials: credentials.NewStaticCredentialsProvider(id, secret, ""), BaseEndpoint: aws.String(hs.URL), Retryer: testenv.Retryer}
			out, err := ssoadmin.NewFromConfig(cfg).ListInstances(context.Background(), &ssoadmin.ListInstancesInput{})
			if err != nil {
				t.Fatalf("ListInstances with the written key: %v", err)
			}
			if len(out.Instances) != 1 || aws.ToString(out.Instances[0].InstanceArn) != srv.Instance().InstanceARN {
				t.Fatalf("ListInstances = %+v", out.Instances)
			}
			// A restart (same store, same master key) keeps the instance and key.
			os.Remove(path)
			srv2, err := server.New(t.Context(), server.Options{Store: st, Keys: kr, Logger: log, DataDir: dir})
			if err != nil {
				t.Fatal(err)
			}
			if srv2.Instance().InstanceARN != srv.Instance().InstanceARN || srv2.AdminAccessKeyID() != id {
				t.Errorf("restart changed the instance or key")
			}
			raw2, _ := os.ReadFile(path)
			if string(raw2) != string(raw) {
				t.Errorf("rewritten credentials file differs")
			}
			// Another master key is refused rather than silently breaking secrets.
			other, _ := keys.New(keys.Generate())
			if _, err := server.New(t.Context(), server.Options{Store: st, Keys: other, Logger: log}); err == nil || !strings.Contains(err.Error(), "master key") {
				t.Errorf("server.New with another master key = %v, want a master key error", err)
			}
			if strings.Contains(logs.String(), secret) {
				t.Errorf("the secret access key appears in the logs")
			}
			k, err := st.GetAccessKey(t.Context(), id)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(k.SecretCiphertext, []byte(secret)) {
				t.Errorf("the secret access key is stored in clear")
			}
		})
	}
}
