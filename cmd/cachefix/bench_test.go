package main

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/cachefix/cachefix/detect"
)

// benchTree returns a folder of n synthetic repositories made from the golden cases, made
// once and kept in the temp folder between runs. In a "mixed" tree every other repository
// holds the case's golden output (a repository already migrated), as in a fleet part-way
// through a migration; an "inputs" tree holds only the inputs, so every file changes.
func benchTree(b *testing.B, n int, mode string) string {
	b.Helper()
	root := filepath.Join(os.TempDir(), fmt.Sprintf("cachefix-bench-%s-%d", mode, n))
	if _, err := os.Stat(filepath.Join(root, ".complete")); err == nil {
		return root
	}
	os.RemoveAll(root)
	cases, err := filepath.Glob("../../testdata/*")
	if err != nil || len(cases) == 0 {
		b.Fatal("no cases")
	}
	// Read each case once.
	type file struct {
		rel  string
		data []byte
	}
	var src [][]file
	for _, c := range cases {
		var files []file
		filepath.WalkDir(c, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !d.Type().IsRegular() {
				return nil
			}
			data, _ := os.ReadFile(p)
			rel, _ := filepath.Rel(c, p)
			files = append(files, file{rel, data})
			return nil
		})
		src = append(src, files)
	}
	for i := 0; i < n; i++ {
		repo := filepath.Join(root, fmt.Sprintf("r%03d", i/1000), fmt.Sprintf("repo%06d", i))
		c := (i / 2) % len(src)
		if mode != "mixed" {
			c = i % len(src)
		}
		for _, f := range src[c] {
			data := f.data
			if (mode == "fixed" || mode == "mixed" && i%2 == 1) && f.rel == "Dockerfile" {
				if g, err := os.ReadFile(filepath.Join("../../golden", filepath.Base(cases[c]), "Dockerfile")); err == nil {
					data = g // the fixed file
				}
			}
			p := filepath.Join(repo, f.rel)
			os.MkdirAll(filepath.Dir(p), 0o755)
			if err := os.WriteFile(p, data, 0o644); err != nil {
				b.Fatal(err)
			}
		}
	}
	os.WriteFile(filepath.Join(root, ".complete"), nil, 0o644)
	return root
}

// parseOnly walks, reads and parses every Dockerfile with BuildKit's parser and
// instructions, on all cores: the floor a full fix is measured against.
func parseOnly(root string, jobs int) int {
	files := plainWalk(root)
	ch := make(chan string)
	var wg sync.WaitGroup
	var mu sync.Mutex
	parsed := 0
	for w := 0; w < jobs; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := 0
			for p := range ch {
				data, err := os.ReadFile(p)
				if err != nil {
					continue
				}
				res, err := parser.Parse(bytes.NewReader(data))
				if err != nil {
					continue
				}
				if _, _, err := instructions.Parse(res.AST, nil); err == nil {
					n++
				}
			}
			mu.Lock()
			parsed += n
			mu.Unlock()
		}()
	}
	for _, f := range files {
		ch <- f
	}
	close(ch)
	wg.Wait()
	return parsed
}

// plainWalk lists the Dockerfiles under root as fix finds them (the same folders skipped),
// sorted, and nothing else: the parse-only pass's walk.
func plainWalk(root string) []string {
	var files []string
	filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if path != root && detect.SkipDir(d.Name()) {
				return fs.SkipDir
			}
			return nil
		}
		if detect.IsDockerfile(d.Name()) && d.Type().IsRegular() {
			files = append(files, path)
		}
		return nil
	})
	sort.Strings(files)
	return files
}

func benchFix(b *testing.B, n int, mode string) {
	root := benchTree(b, n, mode)
	tuneGC() // as main does
	b.ResetTimer()
	cpu := cpuTime()
	for i := 0; i < b.N; i++ {
		run([]string{"fix", "--check", "-q", root}, io.Discard, io.Discard)
	}
	report(b, n, cpuTime()-cpu)
}

func benchParse(b *testing.B, n int, mode string) {
	root := benchTree(b, n, mode)
	tuneGC() // the same collector settings as the fix run
	b.ResetTimer()
	cpu := cpuTime()
	for i := 0; i < b.N; i++ {
		parseOnly(root, runtime.NumCPU())
	}
	report(b, n, cpuTime()-cpu)
}

// report adds the files per second, and the processor time per file (user and system, all
// cores), which varies less than the elapsed time on a shared machine.
func report(b *testing.B, n int, cpu time.Duration) {
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "files/s")
	if cpu > 0 {
		b.ReportMetric(float64(cpu.Microseconds())/float64(n*b.N), "cpu-µs/file")
	}
}

// benchRatio runs fix --check and the parse-only pass over the same tree one after the
// other, b.N times each, and reports both rates and the ratio of their times: on a shared
// machine whose speed drifts, pairs measured side by side compare better than two
// benchmarks run minutes apart.
func benchRatio(b *testing.B, n int, mode string) {
	root := benchTree(b, n, mode)
	tuneGC()
	b.ResetTimer()
	var fix, parse time.Duration
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		run([]string{"fix", "--check", "-q", root}, io.Discard, io.Discard)
		t1 := time.Now()
		parseOnly(root, runtime.NumCPU())
		fix, parse = fix+t1.Sub(t0), parse+time.Since(t1)
	}
	b.ReportMetric(float64(n)*float64(b.N)/fix.Seconds(), "fix-files/s")
	b.ReportMetric(float64(n)*float64(b.N)/parse.Seconds(), "parse-files/s")
	b.ReportMetric(fix.Seconds()/parse.Seconds(), "ratio")
}

// The ratio of fix --check to the parse-only pass, measured side by side.
func BenchmarkRatio1k(b *testing.B)       { benchRatio(b, 1000, "mixed") }
func BenchmarkRatio10k(b *testing.B)      { benchRatio(b, 10000, "mixed") }
func BenchmarkRatio100k(b *testing.B)     { benchRatio(b, 100000, "mixed") }
func BenchmarkRatioInputs1k(b *testing.B) { benchRatio(b, 1000, "inputs") }
func BenchmarkRatioFixed1k(b *testing.B)  { benchRatio(b, 1000, "fixed") }

// The fleet benchmarks: fix --check against the parse-only floor on the same mixed tree.
func BenchmarkFixCheck1k(b *testing.B)    { benchFix(b, 1000, "mixed") }
func BenchmarkParseOnly1k(b *testing.B)   { benchParse(b, 1000, "mixed") }
func BenchmarkFixCheck10k(b *testing.B)   { benchFix(b, 10000, "mixed") }
func BenchmarkParseOnly10k(b *testing.B)  { benchParse(b, 10000, "mixed") }
func BenchmarkFixCheck100k(b *testing.B)  { benchFix(b, 100000, "mixed") }
func BenchmarkParseOnly100k(b *testing.B) { benchParse(b, 100000, "mixed") }

// The worst case: every file needs fixing, so each is parsed again for the output's checks.
func BenchmarkFixCheckInputs1k(b *testing.B)  { benchFix(b, 1000, "inputs") }
func BenchmarkParseOnlyInputs1k(b *testing.B) { benchParse(b, 1000, "inputs") }

// The best case: every repository is already migrated.
func BenchmarkFixCheckFixed1k(b *testing.B)  { benchFix(b, 1000, "fixed") }
func BenchmarkParseOnlyFixed1k(b *testing.B) { benchParse(b, 1000, "fixed") }
