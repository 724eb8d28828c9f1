package archtest

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const module = "github.com/idcenter/idcenter/"

// rule says which module-internal packages a package (by path prefix) must
// not import.
type rule struct {
	pkg       string
	forbidden []string
	why       string
}

var rules = []rule{
	{"internal/idc", []string{"internal/"}, "idc is the innermost ring: standard library only"},
	{"internal/store", []string{"internal/api", "internal/awsproto", "internal/server", "internal/directory", "internal/org", "internal/access", "internal/creds", "internal/web"}, "the store knows nothing of services or edges"},
	{"internal/directory", []string{"internal/api", "internal/awsproto", "internal/server", "internal/store/sqlite", "internal/store/postgres", "internal/store/sqldb"}, "services never import edges or a backend"},
	{"internal/org", []string{"internal/api", "internal/awsproto", "internal/server", "internal/store/sqlite", "internal/store/postgres", "internal/store/sqldb"}, "services never import edges or a backend"},
	{"internal/access", []string{"internal/api", "internal/awsproto", "internal/server", "internal/store/sqlite", "internal/store/postgres", "internal/store/sqldb"}, "services never import edges or a backend"},
	{"internal/auth", []string{"internal/api", "internal/awsproto", "internal/server", "internal/web", "internal/store/sqlite", "internal/store/postgres", "internal/store/sqldb"}, "services never import edges or a backend"},
	{"internal/oauth", []string{"internal/api", "internal/awsproto", "internal/server", "internal/web", "internal/store/sqlite", "internal/store/postgres", "internal/store/sqldb"}, "services never import edges or a backend"},
	{"internal/creds", []string{"internal/api", "internal/server", "internal/web", "internal/store/sqlite", "internal/store/postgres", "internal/store/sqldb"}, "services never import edges or a backend (creds may import awsproto/sigv4, whose Resolver it satisfies)"},
	{"internal/policy", []string{"internal/store", "internal/api", "internal/awsproto", "internal/server", "internal/web"}, "policy is pure: idc and the standard library"},
	{"internal/web", []string{"internal/server", "internal/api", "internal/store/sqlite", "internal/store/postgres", "internal/store/sqldb"}, "edges never import the server, another edge or a backend"},
	{"internal/keys", []string{"internal/"}, "keys is standard library only"},
	{"internal/ratelimit", []string{"internal/"}, "ratelimit is standard library only"},
	{"internal/procstat", []string{"internal/"}, "procstat is standard library only"},
	{"internal/jsonclient", []string{"internal/"}, "jsonclient is the AWS SDK's signer and the standard library only"},
	{"internal/awsproto", []string{"internal/api", "internal/server", "internal/store", "internal/directory", "internal/org", "internal/access"}, "the wire framework knows no service"},
	{"internal/api/", []string{"internal/server", "internal/store/sqlite", "internal/store/postgres", "internal/store/sqldb"}, "edges never import the server or a backend"},
}

// TestImportRings walks every non-test Go file and checks the rules.
func TestImportRings(t *testing.T) {
	root := filepath.Join("..", "..")
	fset := token.NewFileSet()
	docs := map[string]bool{}
	pkgs := map[string]bool{}
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		dir := filepath.ToSlash(filepath.Dir(rel))
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly|parser.ParseComments)
		if err != nil {
			return err
		}
		pkgs[dir] = true
		if f.Doc != nil {
			docs[dir] = true
		}
		for _, imp := range f.Imports {
			p := strings.Trim(imp.Path.Value, `"`)
			if !strings.HasPrefix(p, module) {
				continue
			}
			target := strings.TrimPrefix(p, module)
			for _, r := range rules {
				if !(dir == r.pkg || strings.HasPrefix(dir, strings.TrimSuffix(r.pkg, "/")+"/") || (strings.HasSuffix(r.pkg, "/") && strings.HasPrefix(dir, r.pkg))) {
					continue
				}
				for _, bad := range r.forbidden {
					if strings.HasPrefix(target, bad) && !strings.HasPrefix(target, dir) {
						t.Errorf("%s imports %s: %s", rel, target, r.why)
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for p := range pkgs {
		if !docs[p] {
			t.Errorf("package %s has no package doc comment", p)
		}
	}
}
