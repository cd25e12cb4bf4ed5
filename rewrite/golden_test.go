package rewrite

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cachefix/cachefix/detect"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// goldenCases lists the case folders of ../testdata.
func goldenCases(t testing.TB) []string {
	entries, err := os.ReadDir("../testdata")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() {
			out = append(out, e.Name())
		}
	}
	return out
}

// caseOptions reads the flags a case asks for from testdata/<case>/cachefix.flags.
func caseOptions(dir string) Options {
	var o Options
	data, _ := os.ReadFile(filepath.Join(dir, "cachefix.flags"))
	for _, f := range strings.Fields(string(data)) {
		switch f {
		case "--unsafe-fixes":
			o.Unsafe = true
		case "--no-mounts":
			o.NoMounts = true
		case "--no-syntax":
			o.NoSyntax = true
		}
	}
	return o
}

// FormatOutcomes renders outcomes one per line, as findings.txt holds them.
func FormatOutcomes(outs []Outcome) string {
	var b strings.Builder
	for _, o := range outs {
		state := "applied"
		detail := o.FixMessage
		switch {
		case o.Declined != "":
			state, detail = "declined", o.Declined
		case o.Skipped != "":
			state, detail = "withheld", o.FixMessage+" ("+o.Skipped+")"
		}
		fmt.Fprintf(&b, "%d %s %s: %s -- %s", o.Line, o.Rule, state, o.Message, detail)
		if o.Note != "" {
			fmt.Fprintf(&b, " [note: %s]", o.Note)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func TestGolden(t *testing.T) {
	for _, name := range goldenCases(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join("../testdata", name)
			gold := filepath.Join("../golden", name)
			dockerfile := filepath.Join(dir, "Dockerfile")
			src, err := os.ReadFile(dockerfile)
			if err != nil {
				t.Fatal(err)
			}
			ctx, err := detect.Load(dir, dockerfile, nil)
			if err != nil {
				t.Fatal(err)
			}
			opts := caseOptions(dir)
			res, err := Run("Dockerfile", src, ctx, opts, All())
			if err != nil {
				compareGolden(t, filepath.Join(gold, "error.txt"), []byte(err.Error()+"\n"))
				return
			}
			diff := Unified("Dockerfile", src, res.Output)
			if len(res.Ignore) > 0 {
				var before []byte
				if ctx.IgnoreExists {
					before = ctx.IgnoreSrc
				}
				diff += Unified(".dockerignore", before, res.IgnoreOutput)
			}
			compareGolden(t, filepath.Join(gold, "Dockerfile"), res.Output)
			compareGolden(t, filepath.Join(gold, "diff"), []byte(diff))
			compareGolden(t, filepath.Join(gold, "findings.txt"), []byte(FormatOutcomes(res.Outcomes)))
			checkFixedPoint(t, src, res, ctx, opts)
			checkVerdict(t, dir, src, res, opts)
			compareGolden(t, filepath.Join(gold, "explain.txt"), []byte(explainGolden(t, src, res, ctx)))
		})
	}
}

// checkFixedPoint checks the properties every output must have: it parses, a second run
// changes nothing, comment lines survive unchanged, and new lines keep the file's endings.
func checkFixedPoint(t *testing.T, src []byte, res *Result, ctx *detect.Context, opts Options) {
	t.Helper()
	if _, err := Parse("Dockerfile", res.Output); err != nil {
		t.Fatalf("output does not parse: %v", err)
	}
	ctx2 := ctx
	if len(res.Ignore) > 0 {
		var err error
		if ctx2, err = detect.New(ctx.FS, res.IgnoreOutput); err != nil {
			t.Fatal(err)
		}
	}
	again, err := Run("Dockerfile", res.Output, ctx2, opts, All())
	if err != nil {
		t.Fatalf("second run: %v", err)
	}
	if !bytes.Equal(again.Output, res.Output) || len(again.Ignore) > 0 {
		t.Errorf("not idempotent: a second run changes the output:\n%s", Unified("Dockerfile", res.Output, again.Output))
	}
	count := func(b []byte) map[string]int {
		m := map[string]int{}
		for _, l := range strings.SplitAfter(string(b), "\n") {
			if strings.HasPrefix(strings.TrimSpace(l), "#") && !strings.HasPrefix(l, "# syntax=") {
				m[strings.TrimSuffix(l, "\n")]++
			}
		}
		return m
	}
	in, out := count(src), count(res.Output)
	for l, n := range in {
		if out[l] != n {
			t.Errorf("comment line %q appears %d times in the output, %d in the input", l, out[l], n)
		}
	}
	if bytes.Contains(src, []byte("\r\n")) {
		for i, l := range strings.SplitAfter(string(res.Output), "\n") {
			if strings.HasSuffix(l, "\n") && !strings.HasSuffix(l, "\r\n") {
				t.Errorf("output line %d lost the file's CRLF ending: %q", i+1, l)
			}
		}
	}
}

// checkVerdict checks that a verdict run (fix --check) agrees with the full run: the same
// answer to "does the file change", and no rule applied or ignore entry added that the
// full run does not apply or add (a later round may add some: 58).
func checkVerdict(t *testing.T, dir string, src []byte, full *Result, opts Options) {
	t.Helper()
	ctx, err := detect.Load(dir, filepath.Join(dir, "Dockerfile"), nil)
	if err != nil {
		t.Fatal(err)
	}
	opts.Verdict = true
	res, err := Run("Dockerfile", src, ctx, opts, All())
	if err != nil {
		t.Fatalf("verdict run: %v", err)
	}
	if got, want := res.Changed(src), full.Changed(src); got != want {
		t.Errorf("verdict says changed=%v, the full run %v", got, want)
	}
	applied := func(r *Result) []string {
		var names []string
		for _, o := range r.Outcomes {
			if o.Applied {
				names = appendUnique(names, o.Rule)
			}
		}
		return names
	}
	fullRules := applied(full)
	for _, r := range applied(res) {
		if !slices.Contains(fullRules, r) {
			t.Errorf("verdict applies %s, the full run does not (%v)", r, fullRules)
		}
	}
	for _, e := range res.Ignore {
		if !slices.Contains(full.Ignore, e) {
			t.Errorf("verdict adds ignore entry %s, the full run does not (%v)", e, full.Ignore)
		}
	}
}

func compareGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("missing golden file (run go test ./rewrite -update and review it): %v", err)
	}
	if !bytes.Equal(want, got) {
		t.Errorf("%s differs:\n%s", path, Unified(filepath.Base(path), want, got))
	}
}

// explainGolden renders the cache model's verdicts for the default scenarios, on the input
// and on the fixed output: one line per scenario and file, one letter per step
// (c cached, R rebuilt, and I or i for a rebuilt or cached dependency install).
func explainGolden(t *testing.T, src []byte, res *Result, ctx *detect.Context) string {
	t.Helper()
	var b strings.Builder
	ctxAfter := ctx
	if len(res.Ignore) > 0 {
		ctxAfter, _ = detect.New(ctx.FS, res.IgnoreOutput)
	}
	for _, side := range []struct {
		name string
		src  []byte
		ctx  *detect.Context
	}{{"before", src, ctx}, {"after", res.Output, ctxAfter}} {
		f, err := Parse("Dockerfile", side.src)
		if err != nil {
			t.Fatal(err)
		}
		for _, sc := range DefaultScenarios(side.ctx, "Dockerfile") {
			fmt.Fprintf(&b, "%-6s %-40s ", side.name, sc.Name)
			var reasons []string
			for _, s := range f.Simulate(side.ctx, sc.Changed) {
				switch {
				case s.Rebuilt && len(s.Install) > 0:
					b.WriteByte('I')
				case len(s.Install) > 0:
					b.WriteByte('i')
				case s.Rebuilt:
					b.WriteByte('R')
				default:
					b.WriteByte('c')
				}
				if s.Rebuilt && s.Reason != "previous step rebuilt" {
					reasons = append(reasons, fmt.Sprintf("%d: %s", s.Line, s.Reason))
				}
			}
			fmt.Fprintf(&b, " %s\n", strings.Join(reasons, "; "))
		}
	}
	return b.String()
}
