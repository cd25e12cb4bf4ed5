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
