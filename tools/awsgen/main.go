// Command awsgen generates internal/api/<service>/zz_generated.go from the
// botocore service models: the awsproto model (shapes, constraints, errors),
// a Go type per structure shape with a reflection-free JSON encoder
// (AppendJSON, MarshalJSON), the API interface, UnimplementedAPI and the
// dispatch table of the service's protocol (JSON 1.1, rest-json or query).
// Beside it, zz_generated_json_test.go checks those encoders against
// encoding/json.
//
// Usage, from anywhere inside the module:
//
//	go run ./tools/awsgen [-botocore DIR] [-root DIR]
//
// DIR defaults to the botocore package directory of python3. The generator
// imports only the standard library; its output is committed and a test in
// this package fails when regenerating would change it.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

func main() {
	botocore := flag.String("botocore", "", "botocore package directory (default: ask python3)")
	root := flag.String("root", "", "module root (default: nearest go.mod above the working directory)")
	flag.Parse()
	if err := run(*botocore, *root); err != nil {
		fmt.Fprintln(os.Stderr, "awsgen:", err)
		os.Exit(1)
	}
}

func run(botocore, root string) error {
	var err error
	if botocore == "" {
		if botocore, err = findBotocore(); err != nil {
			return err
		}
	}
	if root == "" {
		if root, err = moduleRoot(); err != nil {
			return err
		}
	}
	version, err := botocoreVersion(botocore)
	if err != nil {
		return err
	}
	for _, t := range targets {
		src, test, err := generateFile(botocore, version, t)
		if err != nil {
			return err
		}
		dir := filepath.Join(root, "internal", "api", t.pkg)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, "zz_generated.go"), src, 0o644); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, "zz_generated_json_test.go"), test, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// target is one generated service package.
type target struct {
	service, apiVersion, pkg string
}

// targets are the services awsgen generates, in generation order.
var targets = []target{
	{"identitystore", "2020-06-15", "identitystore"},
	{"organizations", "2016-11-28", "organizations"},
	{"sso-admin", "2020-07-20", "ssoadmin"},
	{"sso-oidc", "2019-06-10", "ssooidc"},
	{"sso", "2019-06-10", "sso"},
	{"sts", "2011-06-15", "sts"},
}

func findBotocore() (string, error) {
	out, err := exec.Command("python3", "-c", "import botocore,os;print(os.path.dirname(botocore.__file__))").Output()
	if err != nil {
		return "", fmt.Errorf("locate botocore with python3 (use -botocore): %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory (use -root)")
		}
		dir = parent
	}
}

// botocoreVersion reads __version__ from botocore/__init__.py.
func botocoreVersion(dir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, "__init__.py"))
	if err != nil {
		return "", fmt.Errorf("botocore version: %w", err)
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "__version__ = "); ok {
			return strings.Trim(v, `'"`), nil
		}
	}
	return "", errors.New("botocore version: no __version__ in __init__.py")
}
