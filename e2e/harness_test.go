package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/idcenter/idcenter/internal/testenv"
)

// binary is the idcenter binary built once for the package.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "idcenter-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "idcenter")
	cmd := exec.Command("go", "build", "-o", binary, "../cmd/idcenter")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build idcenter:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// proc is a running idcenter process.
type proc struct {
	URL     string
	DataDir string
	cmd     *exec.Cmd
	logs    *testenv.LockedBuffer
	done    chan struct{}
}

func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// start runs `idcenter serve` on a free loopback port with the given data
// dir and extra environment, and waits until /readyz answers.
func start(t testing.TB, dataDir string, env ...string) *proc {
	t.Helper()
	p, err := startErr(t, dataDir, env...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// startErr is start for use off the test goroutine: it reports instead of
// failing the test.
func startErr(t testing.TB, dataDir string, env ...string) (*proc, error) {
	addr := freeAddr(t)
	p := &proc{URL: "http://" + addr, DataDir: dataDir, logs: &testenv.LockedBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(binary, "serve", "--addr", addr, "--data-dir", dataDir, "--log-level", "warn")
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start idcenter: %v", err)
	}
	go func() { p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			t.Logf("idcenter logs (%s):\n%s", addr, p.logs.String())
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-p.done:
			return nil, fmt.Errorf("idcenter exited early: %s", p.logs.String())
		default:
		}
		resp, err := http.Get(p.URL + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return p, nil
			}
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("idcenter not ready after 30s: %s", p.logs.String())
		}
		time.Sleep(20 * time.Millisecond) // polling a separate process for readiness, not synchronising goroutines
	}
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *proc) kill() {
	if p.cmd.Process != nil {
		p.cmd.Process.Kill()
	}
	<-p.done
}

// adminCredentials reads the credentials file the server wrote.
func adminCredentials(t testing.TB, dataDir string) (id, secret string) {
	t.Helper()
	f, err := os.Open(filepath.Join(dataDir, "admin-credentials"))
	if err != nil {
		t.Fatalf("admin credentials: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if !ok {
			continue
		}
		switch strings.TrimSpace(k) {
		case "aws_access_key_id":
			id = strings.TrimSpace(v)
		case "aws_secret_access_key":
			secret = strings.TrimSpace(v)
		}
	}
	if id == "" || secret == "" {
		t.Fatalf("admin credentials file lacks a key")
	}
	return id, secret
}

// sdkConfig returns an SDK config for url signed by the given key, without
// retries so every failure is seen (see testenv.Retryer).
func sdkConfig(url, id, secret string) aws.Config {
	return aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider(id, secret, ""),
		BaseEndpoint: aws.String(url),
		Retryer:      testenv.Retryer,
	}
}

// awsCLI is the stock AWS CLI v2 from Debian's awscli package.
const awsCLI = "/usr/bin/aws"

func requireCLI(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(awsCLI); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s missing under CI=true (.ci/run installs awscli)", awsCLI)
		}
		t.Skipf("%s not installed (apt-get install awscli)", awsCLI)
	}
}

// cli runs the AWS CLI against p with the bootstrap credentials file and an
// isolated HOME, and decodes its JSON output into out (if non-nil).
func cli(t *testing.T, p *proc, out any, args ...string) {
	t.Helper()
	if err := cliErr(t, p, out, args...); err != nil {
		t.Fatalf("aws %s: %v", strings.Join(args, " "), err)
	}
}

func cliErr(t *testing.T, p *proc, out any, args ...string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	full := append([]string{"--endpoint-url", p.URL, "--region", "us-east-1", "--output", "json"}, args...)
	cmd := exec.CommandContext(ctx, awsCLI, full...)
	home := t.TempDir()
	cmd.Env = []string{
		"HOME=" + home,
		"PATH=/usr/bin:/bin",
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(p.DataDir, "admin-credentials"),
		"AWS_CONFIG_FILE=" + filepath.Join(home, "config"),
		"AWS_PROFILE=idcenter-admin",
		"AWS_PAGER=",
		"AWS_MAX_ATTEMPTS=1",
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%v: %s", err, stderr.String())
	}
	if out != nil {
		if err := json.Unmarshal(stdout.Bytes(), out); err != nil {
			return fmt.Errorf("decode output %q: %v", stdout.String(), err)
		}
	}
	return nil
}
