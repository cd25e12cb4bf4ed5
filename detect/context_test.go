package detect

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

func TestExcluded(t *testing.T) {
	ctx, err := New(fstest.MapFS{}, []byte("# comment\nnode_modules\n**/__pycache__\n*.log\n!keep.log\n/build\n"))
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]bool{
		"node_modules":          true,
		"node_modules/ms/a.js":  true,
		"web/node_modules":      false,
		"a/b/__pycache__/x.pyc": true,
		"debug.log":             true,
		"keep.log":              false,
		"build/out":             true,
		"requirements.txt":      false,
		".":                     false,
	} {
		if got := ctx.Excluded(name); got != want {
			t.Errorf("Excluded(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestLoadPrefersDockerfileIgnore(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(".dockerignore", "a.txt\n")
	write("Dockerfile.dev.dockerignore", "b.txt\n")
	write("a.txt", "a")
	write("b.txt", "b")
	ctx, err := Load(dir, filepath.Join(dir, "Dockerfile.dev"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if ctx.Excluded("a.txt") || !ctx.Excluded("b.txt") || filepath.Base(ctx.IgnorePath) != "Dockerfile.dev.dockerignore" {
		t.Errorf("Dockerfile.dev should use Dockerfile.dev.dockerignore, got %s", ctx.IgnorePath)
	}
	ctx, err = Load(dir, filepath.Join(dir, "Dockerfile"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !ctx.Excluded("a.txt") || ctx.Excluded("b.txt") {
		t.Error("Dockerfile should use .dockerignore")
	}
	if _, err := ctx.ReadFile("a.txt"); err == nil {
		t.Error("an excluded file must not be readable")
	}
	// An overlay (a change made earlier in a dry run) wins over the file on disk.
	ctx, err = Load(dir, filepath.Join(dir, "Dockerfile"), Overlay{filepath.Join(dir, ".dockerignore"): []byte("b.txt\n")})
	if err != nil {
		t.Fatal(err)
	}
	if ctx.Excluded("a.txt") || !ctx.Excluded("b.txt") {
		t.Error("the overlay should replace .dockerignore")
	}
	if _, err := Load(filepath.Join(dir, "missing"), filepath.Join(dir, "Dockerfile"), nil); err == nil {
		t.Error("a missing context must fail")
	}
}

func TestWithIgnore(t *testing.T) {
	for _, tt := range []struct{ src, want string }{
		{"", "node_modules\n"},
		{".git", ".git\nnode_modules\n"},
		{".git\r\n", ".git\r\nnode_modules\r\n"},
	} {
		ctx, _ := New(fstest.MapFS{}, []byte(tt.src))
		if got := string(ctx.WithIgnore([]string{"node_modules"})); got != tt.want {
			t.Errorf("WithIgnore on %q = %q, want %q", tt.src, got, tt.want)
		}
	}
}

func TestMayReinclude(t *testing.T) {
	for _, tt := range []struct {
		ignore, dir string
		want        bool
	}{
		{"**/node_modules\n!frontend/node_modules/patched\n", "frontend/node_modules", true},
		{"**/node_modules\n!**/keep\n", "frontend/node_modules", true},
		{"*\n!package.json\n!src/\n", "node_modules", false},
		{"node_modules\n", "node_modules", false},
		{"*\n!frontend\n", "frontend/node_modules", true},
		{"*\n!*.json\n!src/\n", "node_modules", false},
		{"node_modules\n!node_*\n", "node_modules", true},
		{"*\n!node_modules/.keep\n", "node_modules", true},
	} {
		c, err := New(fstest.MapFS{}, []byte(tt.ignore))
		if err != nil {
			t.Fatal(err)
		}
		if got := c.MayReinclude(tt.dir); got != tt.want {
			t.Errorf("%q, %s: MayReinclude = %v, want %v", tt.ignore, tt.dir, got, tt.want)
		}
	}
}

func TestSymlinked(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "apps/web"), 0o755)
	if err := os.Symlink("apps/web", filepath.Join(dir, "web")); err != nil {
		t.Skip(err)
	}
	c, err := Load(dir, filepath.Join(dir, "Dockerfile"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Symlinked("web/node_modules"); got != "web" {
		t.Errorf("Symlinked(web/node_modules) = %q, want web", got)
	}
	if got := c.Symlinked("apps/web/node_modules"); got != "" {
		t.Errorf("Symlinked(apps/web/node_modules) = %q, want none", got)
	}
}

// TestIsDockerfile checks IsDockerfile against the plain lower-case reading of its rule.
func TestIsDockerfile(t *testing.T) {
	ref := func(name string) bool {
		n := strings.ToLower(name)
		for _, ext := range notDockerfile {
			if strings.HasSuffix(n, ext) {
				return false
			}
		}
		return n == "dockerfile" || n == "containerfile" || strings.HasPrefix(n, "dockerfile.") || strings.HasPrefix(n, "containerfile.") || strings.HasSuffix(n, ".dockerfile")
	}
	names := []string{"Dockerfile", "dockerfile", "DOCKERFILE", "Dockerfile.dev", "dockerfile.prod.yml", "api.Dockerfile", "API.DOCKERFILE",
		"Containerfile", "containerfile.x", "Dockerfile.dockerignore", "Dockerfile.orig", "Dockerfile.md", "Dockerfile~", "Dockerfile.bak",
		"README.md", "package.json", "x", "", "Dockerfiles", "mydockerfile", ".dockerfile", "Dockerfile.", "dockerfile.TXT", "web.dockerfile.sh"}
	for _, n := range names {
		if got, want := IsDockerfile(n), ref(n); got != want {
			t.Errorf("IsDockerfile(%q) = %v, want %v", n, got, want)
		}
	}
}
