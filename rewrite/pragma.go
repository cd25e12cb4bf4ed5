package rewrite

// pragma.go reads suppression comments, in the style of hadolint's:
//
//	# cachefix:ignore                      every rule, for the next instruction
//	# cachefix:ignore=cache-mount # reason  one or more rules (comma-separated)
//	# cachefix:global ignore=syntax-line    for the whole file

import (
	"bytes"
	"strings"
)

const pragmaPrefix = "cachefix:"

// pragmaRules parses one comment's text (without "#"): ok is false when it is no pragma;
// an empty list means every rule.
func pragmaRules(comment, verb string) (rules []string, ok bool) {
	c := strings.TrimSpace(comment)
	rest, found := strings.CutPrefix(c, pragmaPrefix+verb)
	if !found {
		return nil, false
	}
	if rest == "" || rest[0] == ' ' || rest[0] == '\t' {
		return nil, true // bare: every rule
	}
	if rest[0] != '=' {
		return nil, false
	}
	list := strings.Fields(rest[1:])
	if len(list) == 0 {
		return nil, false
	}
	return strings.Split(list[0], ","), true
}

// ignores reports whether a rule is suppressed for an instruction, by a pragma in the
// comments right above it or a global one.
func (f *File) ignores(in *Instr, rule string) bool {
	match := func(rules []string) bool {
		if len(rules) == 0 {
			return true
		}
		for _, r := range rules {
			if r == rule {
				return true
			}
		}
		return false
	}
	if in != nil {
		for _, c := range f.commentsAbove(in) {
			if rules, ok := pragmaRules(c, "ignore"); ok && match(rules) {
				return true
			}
		}
	}
	for _, rules := range f.globalIgnores() {
		if match(rules) {
			return true
		}
	}
	return false
}

// commentLine returns the first of the comment lines right above in, up to the previous
// instruction and across blank lines (BuildKit attaches comments to the next instruction
// that way), or in's own line when there are none.
func (f *File) commentLine(in *Instr) int {
	prevEnd := 0
	if in.Index > 0 {
		prevEnd = f.Instrs[in.Index-1].Node.EndLine
	}
	src := f.Source
	first := in.Node.StartLine
	for l := in.Node.StartLine - 1; l > prevEnd; l-- {
		sp := src.LineSpan(l, l)
		t := bytes.TrimSpace(src.Src[sp.Start:sp.End])
		if len(t) > 0 && t[0] == '#' {
			first = l
		} else if len(t) > 0 {
			break
		}
	}
	return first
}

// commentsAbove returns the text (after "#") of the comment lines right above in (see
// commentLine). BuildKit's own list (PrevComment) starts over at a bare "#" line, which
// would drop a pragma above a boxed comment.
func (f *File) commentsAbove(in *Instr) []string {
	var out []string
	src := f.Source
	for l := f.commentLine(in); l < in.Node.StartLine; l++ {
		sp := src.LineSpan(l, l)
		if b := bytes.TrimSpace(src.Src[sp.Start:sp.End]); len(b) > 0 && b[0] == '#' {
			out = append(out, string(b[1:]))
		}
	}
	return out
}

// globalIgnores returns the rule lists of "# cachefix:global ignore=..." comments.
func (f *File) globalIgnores() [][]string {
	if f.global != nil {
		return *f.global
	}
	var out [][]string
	src := f.Source
	for l := 1; l <= len(src.Lines); l++ {
		sp := src.LineSpan(l, l)
		b := bytes.TrimSpace(src.Src[sp.Start:sp.End])
		if len(b) == 0 || b[0] != '#' {
			continue
		}
		if rules, ok := pragmaRules(string(b[1:]), "global ignore"); ok {
			out = append(out, rules)
		}
	}
	f.global = &out
	return out
}

// instrAt returns the instruction whose first line (as reported) is line, or nil.
func (f *File) instrAt(line int) *Instr {
	for _, in := range f.Instrs {
		if in.Line() == line {
			return in
		}
	}
	return nil
}
