package rewrite

import (
	"path"
	"testing"
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
