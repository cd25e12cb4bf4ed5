package rewrite

// volatilearg.go reports an ARG that changes on every build (a build date, a commit SHA)
// declared before RUN steps that do not use it: a build argument in scope is part of every
// later RUN's cache key, so each new value re-runs them all. When only LABELs use the ARG,
// the fix moves the ARG and those LABELs to the end of the stage. It is unsafe: the RUN steps
// no longer see the variable in their environment. An ARG that nothing uses is a
// deliberate cache buster and is never moved.

import (
	"fmt"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// VolatileArg moves an ARG used only by labels below the steps it invalidates.
var VolatileArg = &Rule{
	Name:    "volatile-arg",
	Doc:     "Move an ARG used only by LABELs to the end of its stage\n\nA build argument in scope is part of every later RUN's cache key.",
	Default: Unsafe,
	Run:     runVolatileArg,
}

func runVolatileArg(p *Pass) {
	for _, stage := range p.File.Stages {
		for i, in := range stage {
			a, ok := in.Cmd.(*instructions.ArgCommand)
			if !ok || len(a.Args) != 1 {
				continue
			}
			name := a.Args[0].Key
			var labels, runs []*Instr
			other := false
			for _, x := range stage[i+1:] {
				uses := usesVar(x.Node.Original, name)
				switch {
				case x.Keyword() == "label" && uses:
					labels = append(labels, x)
				case uses:
					other = true
				case x.Keyword() == "run":
					runs = append(runs, x)
				}
			}
			if other || len(labels) == 0 || len(runs) == 0 {
				continue // unused (a deliberate cache buster), used by steps, or nothing after it
			}
			if setsLabelVar(stage[i+1:], labels) {
				continue // e.g. LABEL version=$VERSION before ENV VERSION=2: moving it changes the label
			}
			var lines []string
			for _, r := range runs {
				lines = append(lines, fmt.Sprint(r.Line()))
			}
			last := stage[len(stage)-1]
			src := p.File.Source
			moved := []*Instr{in}
			moved = append(moved, labels...)
			var edits []Edit
			var text strings.Builder
			for _, m := range moved {
				edits = append(edits, Edit{Start: m.Span.Start, End: m.Span.End})
				text.WriteString(string(src.Src[m.Span.Start:src.trimEOL(m.Span.Start, m.Span.End)]) + src.EOL)
			}
			at := last.Span.End
			ins := text.String()
			if src.Src[at-1] != '\n' {
				ins = src.EOL + strings.TrimSuffix(ins, src.EOL)
			}
			if last == labels[len(labels)-1] {
				continue
			}
			edits = append(edits, Edit{Start: at, End: at, New: ins})
			p.Report(Finding{
				instr:   in,
				Line:    in.Line(),
				Message: fmt.Sprintf("ARG %s is in the cache key of the RUN %s: a new value re-runs %s, though only LABELs use it", name, plural(len(lines), "step on line ", "steps on lines ")+strings.Join(lines, ", "), plural(len(lines), "it", "them all")),
				Fix: &Fix{
					Message:       fmt.Sprintf("Move ARG %s and its LABELs to the end of the stage", name),
					Applicability: Unsafe,
					Edits:         edits,
					Note:          "the RUN steps no longer see " + name + " in their environment",
				},
			})
		}
	}
}

// usesVar reports whether text refers to $name or ${name...}.
func usesVar(text, name string) bool {
	for i := 0; i < len(text); i++ {
		if text[i] != '$' {
			continue
		}
		rest := text[i+1:]
		if strings.HasPrefix(rest, "{"+name) {
			r := rest[len(name)+1:]
			if r != "" && (r[0] == '}' || r[0] == ':') {
				return true
			}
		}
		if strings.HasPrefix(rest, name) {
			r := rest[len(name):]
			if r == "" || !(r[0] == '_' || r[0] >= 'a' && r[0] <= 'z' || r[0] >= 'A' && r[0] <= 'Z' || r[0] >= '0' && r[0] <= '9') {
				return true
			}
		}
	}
	return false
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// setsLabelVar reports whether an ENV or ARG among instrs (those the LABELs would move past)
// sets a variable the LABELs expand.
func setsLabelVar(instrs []*Instr, labels []*Instr) bool {
	for _, x := range instrs {
		var keys []string
		switch c := x.Cmd.(type) {
		case *instructions.EnvCommand:
			for _, kv := range c.Env {
				keys = append(keys, kv.Key)
			}
		case *instructions.ArgCommand:
			for _, kv := range c.Args {
				keys = append(keys, kv.Key)
			}
		}
		for _, k := range keys {
			for _, l := range labels {
				if l.Index < x.Index && usesVar(l.Node.Original, k) {
					return true
				}
			}
		}
	}
	return false
}
