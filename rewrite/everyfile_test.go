package rewrite

import (
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/cachefix/cachefix/detect"
)

// everyFileWalk is everyFile as fs.WalkDir gives it, the reference for the batched walk.
func everyFileWalk(ctx *detect.Context, dir string, limit int, ok func(string) bool) (n int, all bool) {
	all = true
	err := fs.WalkDir(ctx.FS, dir, func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if ctx.Excluded(name) {
			if d.IsDir() && !ctx.Reincludes() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		if n++; n > limit || !ok(name) {
			all = false
			return fs.SkipAll
		}
		return nil
	})
	return n, err == nil && all
}

func TestEveryFile(t *testing.T) {
	fsys := fstest.MapFS{
		"req/base.txt":         {Data: []byte("x")},
		"req/dev.txt":          {Data: []byte("x")},
		"req/sub/extra.txt":    {Data: []byte("x")},
		"src/app.py":           {Data: []byte("x")},
		"src/requirements.txt": {Data: []byte("x")},
		"mixed/a.txt":          {Data: []byte("x")},
		"mixed/tmp/b.py":       {Data: []byte("x")},
		"one.txt":              {Data: []byte("x")},
		"big/1.txt":            {Data: []byte("x")},
		"big/2.txt":            {Data: []byte("x")},
		"big/3.txt":            {Data: []byte("x")},
	}
	txt := func(name string) bool { return strings.HasSuffix(name, ".txt") }
	for _, ignore := range []string{"", "mixed/tmp\n", "mixed/tmp\n!mixed/tmp/b.py\n", "req\n", "one.txt\n", "req/sub\n"} {
		ctx, err := detect.New(fsys, []byte(ignore))
		if err != nil {
			t.Fatal(err)
		}
		p := &Pass{Context: ctx}
		for _, dir := range []string{"req", "src", "mixed", "one.txt", "missing", "big", "."} {
			for _, limit := range []int{2, 500} {
				gotN, gotAll := p.everyFile(dir, limit, txt)
				wantN, wantAll := everyFileWalk(ctx, dir, limit, txt)
				if gotAll != wantAll || gotAll && gotN != wantN {
					t.Errorf("ignore %q, %s, limit %d: everyFile = %d, %v; fs.WalkDir gives %d, %v", ignore, dir, limit, gotN, gotAll, wantN, wantAll)
				}
			}
		}
	}
}
