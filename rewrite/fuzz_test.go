package rewrite

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/cachefix/cachefix/detect"
)

// fuzzContext is a build context with the manifests the rules look for, so that mutated
// Dockerfiles still reach the rewrites.
func fuzzContext(t testing.TB) *detect.Context {
	fsys := fstest.MapFS{
		"requirements.txt":      {Data: []byte("flask==3.0.3\n-r base.txt\n")},
		"base.txt":              {Data: []byte("requests==2.32.3\n")},
		"package.json":          {Data: []byte(`{"name":"x","dependencies":{"ms":"^2.1.3"}}`)},
		"package-lock.json":     {Data: []byte(`{"lockfileVersion":3}`)},
		"yarn.lock":             {Data: []byte("# yarn lockfile v1\n")},
		"pyproject.toml":        {Data: []byte("[project]\nname = \"x\"\n")},
		"poetry.lock":           {Data: []byte("")},
		"Pipfile":               {Data: []byte("[packages]\n")},
		"app.py":                {Data: []byte("print(1)\n")},
		"node_modules/ms/x.js":  {Data: []byte("")},
		"requirements/prod.txt": {Data: []byte("-r ../requirements.txt\n")},
	}
	ctx, err := detect.New(fsys, []byte(".git\n"))
	if err != nil {
		t.Fatal(err)
	}
	return ctx
}

// FuzzFix runs parse → fix → parse on arbitrary bytes and mutated Dockerfiles: it never
// panics, never modifies its input, keeps parseable input parseable, and its output is a
// fixed point.
func FuzzFix(f *testing.F) {
	dirs, _ := filepath.Glob("../testdata/*/Dockerfile")
	for _, d := range dirs {
		if data, err := os.ReadFile(d); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("FROM x\nCOPY . .\nRUN pip install -r requirements.txt && make\n"))
	f.Add([]byte("FROM x\r\nRUN apt-get update && apt-get install -y git && rm -rf /var/lib/apt/lists/*\r\n"))
	ctx := fuzzContext(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		orig := append([]byte(nil), src...)
		for _, opts := range []Options{{}, {Unsafe: true}, {NoMounts: true}} {
			res, err := Run("Dockerfile", src, ctx, opts, All())
			if !bytes.Equal(src, orig) {
				t.Fatal("Run modified its input")
			}
			if err != nil {
				var e *Error
				if !errors.As(err, &e) {
					t.Fatalf("error without a location: %v", err)
				}
				if _, perr := Parse("Dockerfile", src); perr == nil && CheckInput("Dockerfile", src) == nil && checkTemplate("Dockerfile", src, nil) == nil {
					// The input parsed, yet fixing failed: only an internal error may say so,
					// and it must never be a crash. Report it: it is a bug in a rule.
					t.Fatalf("input parses but fixing failed: %v", err)
				}
				continue
			}
			if _, err := Parse("Dockerfile", res.Output); err != nil {
				t.Fatalf("output does not parse: %v\n%s", err, res.Output)
			}
			vopts := opts
			vopts.Verdict = true
			if v, err := Run("Dockerfile", src, ctx, vopts, All()); err != nil || v.Changed(src) != res.Changed(src) {
				t.Fatalf("fix --check disagrees with fix (changed %v): %v", res.Changed(src), err)
			}
			ctx2 := ctx
			if len(res.Ignore) > 0 {
				ctx2, _ = detect.New(ctx.FS, res.IgnoreOutput)
			}
			again, err := Run("Dockerfile", res.Output, ctx2, opts, All())
			if err != nil {
				t.Fatalf("second run fails: %v\n%s", err, res.Output)
			}
			if !bytes.Equal(again.Output, res.Output) {
				t.Fatalf("not idempotent:\n%s", Unified("Dockerfile", res.Output, again.Output))
			}
		}
	})
}
