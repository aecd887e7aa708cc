package web

import (
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var (
	entryRe   = regexp.MustCompile(`<script type="module" src="/static/([^"]+)"></script>`)
	preloadRe = regexp.MustCompile(`<link rel="modulepreload" href="/static/([^"]+)">`)
	importRe  = regexp.MustCompile(`(?m)^\s*import\s+(?:[^'"]*?\s+from\s+)?['"](\.[^'"]+)['"]`)
)

// imports returns every module file reaches, itself excluded, sorted.
func imports(t *testing.T, file string) []string {
	seen := map[string]bool{}
	var walk func(string)
	walk = func(f string) {
		b, err := fs.ReadFile(Static, "static/"+f)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, m := range importRe.FindAllStringSubmatch(string(b), -1) {
			dep := path.Join(path.Dir(f), m[1])
			if !seen[dep] {
				seen[dep] = true
				walk(dep)
			}
		}
	}
	walk(file)
	delete(seen, file)
	var out []string
	for k := range seen {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestRoomPagePreloadsEveryModule keeps room.html's modulepreload list
// whole: a module missing from it is fetched only once the module that
// imports it has arrived, one level of imports after another, which cost
// ≈ 150 ms before the first frame on a slow machine. A page that
// preloads anything must preload exactly its entry module's imports.
func TestRoomPagePreloadsEveryModule(t *testing.T) {
	pages, err := fs.Glob(Static, "static/*.html")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, page := range pages {
		b, _ := fs.ReadFile(Static, page)
		html := string(b)
		var preloads []string
		for _, m := range preloadRe.FindAllStringSubmatch(html, -1) {
			preloads = append(preloads, m[1])
		}
		if len(preloads) == 0 && !strings.HasSuffix(page, "room.html") {
			continue
		}
		entry := entryRe.FindStringSubmatch(html)
		if entry == nil {
			t.Fatalf("%s preloads modules but has no entry module", page)
		}
		slices.Sort(preloads)
		want := imports(t, entry[1])
		if len(want) < 10 {
			t.Fatalf("%s: found only %v imported from %s; is the import pattern still right?", page, want, entry[1])
		}
		for _, w := range want {
			if _, ok := slices.BinarySearch(preloads, w); !ok {
				t.Errorf("%s: %s imports /static/%s, but the page does not preload it", page, entry[1], w)
			}
		}
		for _, p := range preloads {
			if _, ok := slices.BinarySearch(want, p); !ok {
				t.Errorf("%s preloads /static/%s, which %s does not import", page, p, entry[1])
			}
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("room.html was not checked")
	}
}
