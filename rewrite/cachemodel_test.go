package rewrite

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/cachefix/cachefix/detect"
)

func modelContext(t *testing.T, ignore string) *detect.Context {
	t.Helper()
	ctx, err := detect.New(fstest.MapFS{
		"requirements.txt":  {Data: []byte("-r base.txt\n")},
		"base.txt":          {Data: []byte("flask\n")},
		"app.py":            {Data: []byte("print(1)\n")},
		"keep.txt":          {Data: []byte("k\n")},
		"docs/readme.md":    {Data: []byte("d\n")},
		"package.json":      {Data: []byte("{}")},
		"package-lock.json": {Data: []byte("{}")},
	}, []byte(ignore))
	if err != nil {
		t.Fatal(err)
	}
	return ctx
}

// TestSimulate pins the cache model on small Dockerfiles: which steps rebuild for an edit.
func TestSimulate(t *testing.T) {
	tests := []struct {
		name, src, ignore string
		changed           []string
		want              string // one letter per step: c cached, R rebuilt
	}{
		{"source_copy_rebuilds_later_steps", "FROM a\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\n", "", []string{"app.py"}, "ccRR"},
		{"manifest_first_keeps_install", "FROM a\nWORKDIR /app\nCOPY requirements.txt base.txt ./\nRUN pip install -r requirements.txt\nCOPY . .\n", "", []string{"app.py"}, "ccccR"},
		{"manifest_edit_reruns_install", "FROM a\nWORKDIR /app\nCOPY requirements.txt base.txt ./\nRUN pip install -r requirements.txt\nCOPY . .\n", "", []string{"base.txt"}, "ccRRR"},
		{"ignored_file_changes_nothing", "FROM a\nCOPY . .\nRUN make\n", "docs\n", []string{"docs/readme.md"}, "ccc"},
		{"negation_brings_back", "FROM a\nCOPY . .\nRUN make\n", "*.txt\n!keep.txt\n", []string{"keep.txt"}, "cRR"},
		{"wildcard_source", "FROM a\nCOPY *.py /app/\nRUN make\n", "", []string{"app.py"}, "cRR"},
		{"wildcard_misses", "FROM a\nCOPY *.json /app/\nRUN make\n", "", []string{"app.py"}, "ccc"},
		{"arg_in_source", "FROM a\nARG SRC=app.py\nCOPY ${SRC} /app/\nRUN make\n", "", []string{"app.py"}, "ccRR"},
		{"env_in_source_misses", "FROM a\nENV SRC=base.txt\nCOPY $SRC /app/\nRUN make\n", "", []string{"app.py"}, "cccc"},
		{"bind_mount_from_context", "FROM a\nRUN --mount=type=bind,source=requirements.txt,target=/r.txt pip install -r /r.txt\n", "", []string{"requirements.txt"}, "cR"},
		{"copy_from_rebuilt_stage", "FROM a AS build\nCOPY . .\nRUN make\nFROM b\nCOPY --from=build /out /out\nCMD x\n", "", []string{"app.py"}, "cRRcRR"},
		{"stage_builds_on_rebuilt_stage", "FROM a AS base\nCOPY app.py .\nFROM base\nRUN x\n", "", []string{"app.py"}, "cRRR"},
		{"other_stage_untouched", "FROM a AS one\nCOPY app.py .\nFROM b\nRUN x\n", "", []string{"app.py"}, "cRcc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse("Dockerfile", []byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			var got strings.Builder
			for _, s := range f.Simulate(modelContext(t, tt.ignore), tt.changed) {
				if s.Rebuilt {
					got.WriteByte('R')
				} else {
					got.WriteByte('c')
				}
			}
			if got.String() != tt.want {
				t.Errorf("got %s, want %s", got.String(), tt.want)
			}
		})
	}
}

// brokenHoist is a deliberately wrong rule: it moves the first RUN to just after FROM,
// away from the COPY that brings its manifest, as a careless reorder would.
var brokenHoist = &Rule{Name: "broken-hoist", Doc: "test only", Default: Safe, Run: func(p *Pass) {
	for _, st := range p.File.Stages {
		for _, in := range st[2:] {
			if in.Keyword() == "run" && st[1].Keyword() != "run" {
				text := string(p.File.Source.Src[in.Span.Start:in.Span.End])
				p.Report(Finding{instr: in, Line: in.Line(), Message: "hoist", Fix: &Fix{Applicability: Safe, Edits: []Edit{
					{Start: st[1].Span.Start, End: st[1].Span.Start, New: text},
					{Start: in.Span.Start, End: in.Span.End},
				}}})
				return
			}
		}
	}
}}

func TestStaleCacheCheck(t *testing.T) {
	src := "FROM a\nCOPY requirements.txt base.txt ./\nRUN pip install -r requirements.txt\nCOPY . .\n"
	_, err := Run("Dockerfile", []byte(src), modelContext(t, ""), Options{}, []*Rule{brokenHoist})
	if err == nil || !strings.Contains(err.Error(), "would no longer re-run pip install") {
		t.Fatalf("want the stale-cache check to refuse the rewrite, got %v", err)
	}
	// The real rules pass the same check on the same file.
	if _, err := Run("Dockerfile", []byte(src), modelContext(t, ""), Options{}, All()); err != nil {
		t.Fatal(err)
	}
}

// insertRule is a test rule that inserts text at the start of line 2, once.
func insertRule(name, text string) *Rule {
	return &Rule{Name: name, Doc: "test only", Default: Safe, Run: func(p *Pass) {
		if strings.Contains(string(p.File.Source.Src), text) {
			return
		}
		at := p.File.Source.LineSpan(2, 2).Start
		p.Report(Finding{Line: 2, Message: "insert", Fix: &Fix{Applicability: Safe, Edits: []Edit{{Start: at, End: at, New: text}}}})
	}}
}

// TestOutputChecks: a rewrite whose output BuildKit cannot parse, or that adds a lint
// warning, is refused with an error naming the rule; the input is returned untouched by
// the caller (Run returns no output at all).
func TestOutputChecks(t *testing.T) {
	src := "FROM a\nRUN true\n"
	_, err := Run("Dockerfile", []byte(src), modelContext(t, ""), Options{}, []*Rule{insertRule("bad-flag", "COPY --bogus=1 a b\n")})
	if err == nil || !strings.Contains(err.Error(), "internal error: rules bad-flag produced a file BuildKit cannot parse") {
		t.Errorf("unparseable output: got %v", err)
	}
	// A lowercase "as" next to an uppercase FROM is BuildKit's FromAsCasing warning.
	_, err = Run("Dockerfile", []byte(src), modelContext(t, ""), Options{}, []*Rule{insertRule("bad-case", "FROM b as c\n")})
	if err == nil || !strings.Contains(err.Error(), "internal error: rules bad-case added BuildKit lint warnings: FromAsCasing") {
		t.Errorf("new lint warning: got %v", err)
	}
}
