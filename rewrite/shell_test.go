package rewrite

import (
	"path"
	"strings"
	"testing"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/syntax"
)

// TestResolve checks resolve's fast path against path.Join and path.Clean.
func TestResolve(t *testing.T) {
	dirs := []string{"/", "/app", "/app/", "/app/../x", "/a//b", "/a/./b", "/a/b", "/a/b/c/d", "relative", ""}
	names := []string{"", ".", "..", "a", "a/b", "a//b", "./a", "../a", "a/", "/abs", "/abs/../x", "a/./b", ".npmrc", "..a", "../../a", "../..", "../../", "../../../../../.npmrc", "../a/../b", "../.." + "/x"}
	for _, d := range dirs {
		for _, n := range names {
			want := path.Join(d, n)
			if path.IsAbs(n) {
				want = path.Clean(n)
			}
			if got := resolve(d, n); got != want {
				t.Errorf("resolve(%q, %q) = %q, want %q", d, n, got, want)
			}
		}
	}
}

// TestJoinPath checks joinPath against path.Join.
func TestJoinPath(t *testing.T) {
	dirs := []string{"", ".", "/", "/app", "/app/", "app", "app/x", "./app", "../app", "/a//b", "/a/../b", "a/.."}
	names := []string{"", ".", "..", "a", "a/b", "a//b", "./a", "../a", "a/", "/abs", ".npmrc", "..a", "a/.."}
	for _, d := range dirs {
		for _, n := range names {
			if got, want := joinPath(d, n), path.Join(d, n); got != want {
				t.Errorf("joinPath(%q, %q) = %q, want %q", d, n, got, want)
			}
		}
	}
}

// TestPlainWord checks plainWord against expand.Literal for the words it takes.
func TestPlainWord(t *testing.T) {
	src := `pip install -r requirements.txt --no-cache-dir a=b '*.whl' {a,b} x* ~/.npmrc a\ b "q" $HOME ${X:-y} --index-url=https://x/simple/ -e . ./pkg[extra] a~b`
	f, err := parseShell(strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	call := f.Stmts[0].Cmd.(*syntax.CallExpr)
	cfg := &expand.Config{Env: expand.ListEnviron("HOME=/root"), NoUnset: true}
	taken := 0
	for _, w := range call.Args {
		s, ok := plainWord(w)
		if !ok {
			continue
		}
		taken++
		want, err := expand.Literal(cfg, w)
		if err != nil || s != want {
			t.Errorf("plainWord gives %q, expand.Literal %q (%v)", s, want, err)
		}
	}
	if taken < 10 {
		t.Errorf("plainWord took only %d words", taken)
	}
}
