package main

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"

	"github.com/idcenter/idcenter/internal/jsonclient"
	"github.com/idcenter/idcenter/internal/testenv"
)

// TestLoadgen runs the tool's setup and a small measured run against the
// real server on each backend, and checks that every request it sent
// created a new assignment that the server still lists afterwards.
func TestLoadgen(t *testing.T) {
	testenv.Backends(t, func(t *testing.T, env *testenv.Env) {
		ctx := context.Background()
		w, err := setup(ctx, env.AWSConfig, 3, 4, 2, 5)
		if err != nil {
			t.Fatal(err)
		}
		if len(w.pairs) != 6 || len(w.groups) != 5 {
			t.Fatalf("setup made %d pairs and %d groups, want 6 and 5", len(w.pairs), len(w.groups))
		}
		c := jsonclient.New(env.URL, aws.Credentials{AccessKeyID: env.AdminKeyID, SecretAccessKey: env.AdminSecret}, "sso", env.AWSConfig.HTTPClient.(*http.Client))
		// 24 = (5-1) groups × 6 pairs: every combination once, over two runs.
		// Every 10th request (0, 10 in the first run, 20 in the second) also
		// waits for its status.
		for i, first := range []int{0, 12} {
			r := measure(ctx, c, w, first, 12, 3, time.Minute, os.Getpid(), 0)
			if want := 2 - i; r.errs != 0 || len(r.lat) != 12 || len(r.done) != want {
				t.Fatalf("run %d: %d errors (first: %v), %d requests, %d completions; want 0, 12, %d", i, r.errs, r.firstErr, len(r.lat), len(r.done), want)
			}
			if r.server < 0 || r.pg >= 0 || r.self < 0 {
				t.Errorf("run %d: server CPU %v, PostgreSQL CPU %v; want measured and not measured", i, r.server, r.pg)
			}
		}
		sa := ssoadmin.NewFromConfig(env.AWSConfig)
		total := 0
		for _, p := range w.pairs {
			pg := ssoadmin.NewListAccountAssignmentsPaginator(sa, &ssoadmin.ListAccountAssignmentsInput{InstanceArn: aws.String(w.instance),
				AccountId: aws.String(p.account), PermissionSetArn: aws.String(p.permissionSet)})
			for pg.HasMorePages() {
				out, err := pg.NextPage(ctx)
				if err != nil {
					t.Fatal(err)
				}
				total += len(out.AccountAssignments)
			}
		}
		// Each pair: the provisioning group plus the 4 others.
		if total != 6*5 {
			t.Errorf("%d assignments listed, want %d", total, 6*5)
		}
	})
}

func TestReadCredentials(t *testing.T) {
	p := filepath.Join(t.TempDir(), "admin-credentials")
	for _, c := range []struct{ file, key, secret string }{
		{"[idcenter-admin]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key=s3cr/et+key\n", "AKIAEXAMPLE", "s3cr/et+key"},
		// The idcenter-admin profile, not the last keys in the file.
		{"[idcenter-admin]\naws_access_key_id=AKIAADMIN\naws_secret_access_key=a\n[other]\naws_access_key_id=AKIAOTHER\naws_secret_access_key=o\n", "AKIAADMIN", "a"},
		// The only profile, whatever its name.
		{"[default]\naws_access_key_id=AKIADEFAULT\naws_secret_access_key=d\n", "AKIADEFAULT", "d"},
		// Errors: no secret; two profiles, neither idcenter-admin.
		{"[idcenter-admin]\naws_access_key_id = AKIAEXAMPLE\n", "", ""},
		{"[a]\naws_access_key_id=AKIAA\naws_secret_access_key=a\n[b]\naws_access_key_id=AKIAB\naws_secret_access_key=b\n", "", ""},
	} {
		if err := os.WriteFile(p, []byte(c.file), 0o600); err != nil {
			t.Fatal(err)
		}
		k, s, err := readCredentials(p)
		if c.key == "" {
			if err == nil {
				t.Errorf("readCredentials(%q) = %q, %q; want an error", c.file, k, s)
			}
		} else if err != nil || k != c.key || s != c.secret {
			t.Errorf("readCredentials(%q) = %q, %q, %v; want %q, %q", c.file, k, s, err, c.key, c.secret)
		}
	}
}
