package rewrite

import (
	"bytes"
	"fmt"
	"slices"
	"sort"
	"strings"

	"mvdan.cc/sh/v3/syntax"

	"github.com/cachefix/cachefix/detect"
)

// Outcome is one finding and what became of it.
type Outcome struct {
	Finding
	// Applied is true when the fix was applied.
	Applied       bool          `json:"applied"`
	Applicability Applicability `json:"applicability,omitempty"`
	FixMessage    string        `json:"fix,omitempty"`
	// Skipped says why a proposed fix was not applied ("unsafe: needs --unsafe-fixes").
	Skipped string `json:"skipped,omitempty"`
	Note    string `json:"note,omitempty"`
}

// Result is what Fix made of one Dockerfile.
type Result struct {
	Output   []byte
	Outcomes []Outcome
	// Ignore lists the entries added to the context's ignore file.
	Ignore []string
	// IgnoreOutput is the ignore file's new content when Ignore is not empty.
	IgnoreOutput []byte
	// SourceEdit counts the install steps that an edit of one source file re-runs, before
	// and after the fix (see Simulate), for the files that Options.Model names.
	SourceEdit struct{ Before, After int }
}

// Changed reports whether the Dockerfile or its ignore file changes.
func (r *Result) Changed(src []byte) bool {
	return string(r.Output) != string(src) || len(r.Ignore) > 0
}

const maxRounds = 10

// MaxSize is the largest Dockerfile cachefix reads.
const MaxSize = 4 << 20

// Run applies the rules to src until no fix applies, then re-parses the output with
// BuildKit and checks it (see Options.Verdict for the exception). On any failure it
// returns an error and src is to be left untouched.
func Run(path string, src []byte, ctx *detect.Context, opts Options, rules []*Rule) (*Result, error) {
	if err := CheckInput(path, src); err != nil {
		return nil, err
	}
	shells := map[string]*syntax.File{}
	lint := !opts.Verdict // the warnings serve only the output's check
	f, err := parseCached(path, src, shells, lint)
	if terr := checkTemplate(path, src, f); terr != nil {
		return nil, terr
	}
	if err != nil {
		return nil, err
	}
	origWarnings := warningKeys(f.Warnings)
	first, origCtx := f, ctx
	res := &Result{}
	seen := map[string]bool{}
	cur := src
	var applied []string
	// rulesFailed is the internal error of an output the applied rules got wrong.
	rulesFailed := func(what string) error {
		return &Error{Path: path, Err: fmt.Errorf("internal error: rules %s%s", strings.Join(applied, ", "), what)}
	}
	var rounds [][]Edit // the edits of each round, to map lines back to the input
	orig := f.Source
	for round := 0; ; round++ {
		if round == maxRounds {
			return nil, &Error{Path: path, Err: fmt.Errorf("internal error: fixes did not converge after %d rounds (rules %s)", maxRounds, strings.Join(applied, ", "))}
		}
		if round > 0 {
			// Full checks: the last round's parse is the output's final check.
			if f, err = parseCached(path, cur, shells, lint); err != nil {
				return nil, rulesFailed(fmt.Sprintf(" produced a file BuildKit cannot parse: %v", err))
			}
			done := append([][]Edit(nil), rounds...)
			f.origSrc = orig
			f.toOrig = func(off int) int {
				for r := len(done) - 1; r >= 0; r-- {
					off = mapBack(done[r], off)
				}
				return off
			}
		}
		findings := collect(f, ctx, opts, rules)
		var acc []Edit
		var ignore []string
		n := 0
		for _, fd := range findings {
			o := Outcome{Finding: fd}
			if fd.Fix != nil {
				o.Applicability, o.FixMessage, o.Note = fd.Fix.Applicability, fd.Fix.Message, fd.Fix.Note
				if fd.Fix.Applicability < opts.Required() {
					o.Skipped = fd.Fix.Applicability.String() + " fix: applied only with --unsafe-fixes"
					if fd.Fix.Applicability == DisplayOnly {
						o.Skipped = "display-only fix"
					}
				} else {
					edits, err := validate(fd.Rule, len(cur), fd.Fix.Edits)
					if err != nil {
						return nil, &Error{Path: path, Err: fmt.Errorf("internal error: %v", err)}
					}
					if merged, ok := merge(acc, edits); ok {
						acc = merged
						ignore = appendUnique(ignore, fd.Fix.Ignore...) // two stages may need one entry
						o.Applied = true
						n++
						applied = appendUnique(applied, fd.Rule)
					} else if opts.Verdict {
						o.Applied = true // conflicts with a fix of this round: applied in a later one
						applied = appendUnique(applied, fd.Rule)
					} else {
						continue // conflicts with a fix of this round: offered again next round
					}
				}
			}
			key := fd.Rule + "\x00" + withoutDigits(fd.Message+fd.Declined+o.Skipped)
			if o.Applied || !seen[key] {
				seen[key] = true
				// An outcome outlives the run (reports, a queue of results): it keeps no
				// edits and no instruction, which would hold the whole parse.
				o.Fix, o.instr = nil, nil
				res.Outcomes = append(res.Outcomes, o)
			}
		}
		if n == 0 {
			break
		}
		cur = applyEdits(cur, acc)
		rounds = append(rounds, acc)
		if len(ignore) > 0 {
			res.Ignore = appendUnique(res.Ignore, ignore...)
			next, err := ctx.Reignore(ctx.WithIgnore(ignore))
			if err != nil {
				return nil, &Error{Path: path, Err: fmt.Errorf("internal error: %v", err)}
			}
			ctx = next
		}
		if opts.Verdict {
			break // a fix applies: the file would change
		}
	}
	switch {
	case string(cur) == string(src):
		if opts.Model == ModelAll {
			res.SourceEdit.Before = first.SourceEditInstalls(origCtx)
			res.SourceEdit.After = res.SourceEdit.Before
		}
	case opts.Verdict:
		// The output's checks are left to the run that writes or prints it; only the
		// counts need the output's model.
		if opts.Model != ModelNone {
			out, err := parseCached(path, cur, shells, false)
			if err != nil {
				return nil, rulesFailed(fmt.Sprintf(" produced a file BuildKit cannot parse: %v", err))
			}
			res.SourceEdit.Before = first.SourceEditInstalls(origCtx)
			res.SourceEdit.After = out.SourceEditInstalls(ctx)
		}
	default:
		out := f // the last round parsed cur with BuildKit's full checks and lint
		if unreadableShells(out) > unreadableShells(first) {
			return nil, rulesFailed(" left a RUN whose shell does not parse")
		}
		if added := newWarnings(origWarnings, warningKeys(out.Warnings)); len(added) > 0 {
			return nil, rulesFailed(" added BuildKit lint warnings: " + strings.Join(added, "; "))
		}
		if !onlyInPlace(rules, applied) {
			if why := staleInstalls(first, out, origCtx, ctx); why != "" {
				return nil, rulesFailed(": " + why)
			}
		}
		if opts.Model != ModelNone {
			res.SourceEdit.Before = first.SourceEditInstalls(origCtx)
			res.SourceEdit.After = out.SourceEditInstalls(ctx)
		}
	}
	res.Output = cur
	if len(res.Ignore) > 0 {
		res.IgnoreOutput = ctx.IgnoreSrc
	}
	return res, nil
}

// collect runs every rule once over f.
func collect(f *File, ctx *detect.Context, opts Options, rules []*Rule) []Finding {
	var out []Finding
	report := func(fd Finding) { out = append(out, fd) }
	p := &Pass{File: f, Context: ctx, Options: opts, shared: &shared{}, report: report}
	for _, r := range rules {
		p.Rule = r // one Pass, its rule set in turn: the rules keep no Pass
		r.Run(p)
	}
	return out
}

func appendUnique(list []string, items ...string) []string {
	for _, it := range items {
		if !slices.Contains(list, it) {
			list = append(list, it)
		}
	}
	return list
}

// warningKeys drops line numbers from warnings, which moved lines change.
func warningKeys(ws []string) map[string]int {
	m := map[string]int{}
	for _, w := range ws {
		if _, rest, ok := strings.Cut(w, ": "); ok {
			w = rest
		}
		m[w]++
	}
	return m
}

func newWarnings(before, after map[string]int) []string {
	var out []string
	for k, n := range after {
		if n > before[k] {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// CheckInput refuses input that is not a Dockerfile's text: binary bytes or a huge file.
func CheckInput(path string, src []byte) error {
	if len(src) > MaxSize {
		return &Error{Path: path, Err: fmt.Errorf("larger than %d MiB, not a Dockerfile cachefix reads", MaxSize>>20)}
	}
	line := 1
	for i, b := range src {
		if b == 0 {
			return &Error{Path: path, Line: line, Err: fmt.Errorf("binary content (NUL byte at offset %d)", i)}
		}
		if b == '\n' {
			line++
		}
	}
	return nil
}

// checkTemplate refuses a file with template placeholders outside RUN, CMD and ENTRYPOINT
// commands (where "{{" is ordinary text, as in docker inspect --format): such a file is
// rendered by another tool before it is built. f is nil when the file did not parse.
func checkTemplate(path string, src []byte, f *File) error {
	for _, marker := range []string{"{{", "{%", "%%"} {
	next:
		for off := 0; off < len(src); {
			i := templateMarker(src[off:], marker)
			if i < 0 {
				break
			}
			i += off
			off = i + len(marker)
			line := 1 + strings.Count(string(src[:i]), "\n")
			lineStart := strings.LastIndex(string(src[:i]), "\n") + 1
			inCommand := strings.HasPrefix(strings.TrimSpace(string(src[lineStart:i])), "#") // a comment
			if f != nil {
				for _, in := range f.Instrs {
					if line < in.Node.StartLine || line > in.Node.EndLine {
						continue
					}
					switch in.Keyword() {
					case "run", "cmd", "entrypoint", "healthcheck":
						inCommand = true
					default:
						if len(in.Node.Heredocs) > 0 && line > in.Node.StartLine {
							inCommand = true // a heredoc's body (COPY <<EOF /etc/app.tmpl)
						}
					}
				}
			}
			if inCommand {
				continue next
			}
			return &Error{Path: path, Line: line, Err: fmt.Errorf("looks like a template (%q), not a Dockerfile: render it first", marker)}
		}
	}
	return nil
}

// templateMarker returns the offset of a template placeholder opened by marker ("{{ .X }}",
// "{% if %}", "%%VAR%%"), or -1.
func templateMarker(src []byte, marker string) int {
	m := []byte(marker)
	for off := 0; ; {
		i := bytes.Index(src[off:], m)
		if i < 0 {
			return -1
		}
		i += off
		if marker != "%%" {
			return i
		}
		j := i + 2
		for j < len(src) && (src[j] == '_' || src[j] >= 'A' && src[j] <= 'Z' || src[j] >= 'a' && src[j] <= 'z' || src[j] >= '0' && src[j] <= '9') {
			j++
		}
		if j > i+2 && bytes.HasPrefix(src[j:], m) {
			return i
		}
		off = i + 2
	}
}

// withoutDigits drops digits, so that a finding repeated with moved line numbers in a
// later round is recognized.
func withoutDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return -1
		}
		return r
	}, s)
}

// onlyInPlace reports whether every applied rule is InPlace, so that the stale-cache
// model need not run.
func onlyInPlace(rules []*Rule, applied []string) bool {
	for _, r := range rules {
		if !r.InPlace && slices.Contains(applied, r.Name) {
			return false
		}
	}
	return true
}

// mapBack maps an offset of the text after edits to the offset it had before them; an
// offset inside inserted text maps to where the insertion was made.
func mapBack(edits []Edit, off int) int {
	shift := 0
	for _, e := range edits {
		start := e.Start + shift
		if off < start {
			break
		}
		if off < start+len(e.New) {
			if e.Moved {
				return e.From + off - start
			}
			return e.Start
		}
		shift += len(e.New) - (e.End - e.Start)
	}
	return off - shift
}

// unreadableShells counts the shell-form RUNs whose command is not valid shell.
func unreadableShells(f *File) int {
	n := 0
	for _, in := range f.Instrs {
		if strings.HasPrefix(in.NoShell, "its shell does not parse") {
			n++
		}
	}
	return n
}
