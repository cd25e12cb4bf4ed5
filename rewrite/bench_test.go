package rewrite

import (
	"bytes"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"os"
	"path/filepath"
	"testing"

	"github.com/cachefix/cachefix/detect"
)

// BenchmarkRun runs the rules over every golden case's input and its fixed output, with
// contexts read from disk each time as the CLI does: the per-file cost of fix, without
// the walk and the worker pool.
func BenchmarkRun(b *testing.B) {
	type input struct {
		dir, path string
		src       []byte
		opts      Options
	}
	var inputs []input
	for _, name := range goldenCases(b) {
		dir := filepath.Join("../testdata", name)
		path := filepath.Join(dir, "Dockerfile")
		for _, p := range []string{path, filepath.Join("../golden", name, "Dockerfile")} {
			src, err := os.ReadFile(p)
			if err != nil {
				continue
			}
			inputs = append(inputs, input{dir, path, src, caseOptions(dir)})
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, in := range inputs {
			ctx, err := detect.Load(in.dir, in.path, nil)
			if err != nil {
				b.Fatal(err)
			}
			Run("Dockerfile", in.src, ctx, in.opts, All())
		}
	}
	b.ReportMetric(float64(len(inputs)*b.N)/b.Elapsed().Seconds(), "files/s")
}

// BenchmarkParse is BuildKit's parser and instructions alone over the same files.
func BenchmarkParse(b *testing.B) {
	var srcs [][]byte
	for _, name := range goldenCases(b) {
		for _, p := range []string{filepath.Join("../testdata", name, "Dockerfile"), filepath.Join("../golden", name, "Dockerfile")} {
			if src, err := os.ReadFile(p); err == nil {
				srcs = append(srcs, src)
			}
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, src := range srcs {
			parseOnly(src)
		}
	}
	b.ReportMetric(float64(len(srcs)*b.N)/b.Elapsed().Seconds(), "files/s")
}

func parseOnly(src []byte) {
	res, err := parser.Parse(bytes.NewReader(src))
	if err == nil {
		instructions.Parse(res.AST, nil)
	}
}
