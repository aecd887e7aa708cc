package app_test

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const module = "github.com/confer-dev/confer/"

// forbidden lists, per package, the confer packages it must never import,
// so the layers in docs/architecture.md stay true: the media plane knows
// nothing of HTTP, tenants or storage, and nothing imports a layer above it.
var forbidden = map[string][]string{
	"internal/sfu":       {"internal/"},
	"internal/room":      {"internal/signal", "internal/httpapi", "internal/api", "internal/app", "internal/store", "internal/directory", "internal/login", "internal/usage"},
	"internal/signal":    {"internal/httpapi", "internal/api", "internal/app", "internal/store", "internal/directory", "internal/login"},
	"internal/store":     {"internal/directory", "internal/signal", "internal/room", "internal/sfu", "internal/httpapi", "internal/api", "internal/app"},
	"internal/directory": {"internal/signal", "internal/room", "internal/sfu", "internal/httpapi", "internal/api", "internal/app"},
	"internal/usage":     {"internal/signal", "internal/sfu", "internal/httpapi", "internal/api", "internal/app"},
	"internal/httpapi":   {"internal/app", "internal/api"},
}

func TestLayers(t *testing.T) {
	root := filepath.Join("..", "..")
	for pkg, bad := range forbidden {
		err := filepath.WalkDir(filepath.Join(root, pkg), func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
			if err != nil {
				return err
			}
			for _, imp := range f.Imports {
				p := strings.Trim(imp.Path.Value, `"`)
				if !strings.HasPrefix(p, module) {
					continue
				}
				p = strings.TrimPrefix(p, module)
				if strings.HasPrefix(p, pkg) {
					continue // itself or its own subpackages
				}
				for _, b := range bad {
					if strings.HasPrefix(p, b) {
						t.Errorf("%s imports %s: that points up the layers (docs/architecture.md)", path, p)
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
