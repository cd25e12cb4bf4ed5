package rewrite

// cachedefeat.go removes what defeats a cache mount, only on RUNs that already have the
// mount (cache-mount adds it a round earlier): --no-cache-dir and the like, commands that
// empty the cache (npm cache clean, apt-get clean), rm of the mounted folders
// (rm -rf /var/lib/apt/lists/*), and variables that switch the cache off
// (PIP_NO_CACHE_DIR: pip reads any value, even "off", as "no cache"). The variable is unset
// for the install only, so the image's config stays the same; removing it from ENV is the
// unsafe alternative. Apt's docker-clean hook is set aside for the step and restored in the
// same RUN, leaving the image's apt configuration as it was. All of these only touch what
// the mount now holds, which is never in the image: the image is unchanged.

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"mvdan.cc/sh/v3/syntax"

	"github.com/cachefix/cachefix/manifests"
)

// CacheDefeat removes flags, commands and variables that defeat a cache mount.
var CacheDefeat = &Rule{
	Name:    "cache-defeat",
	Doc:     "Remove what defeats a cache mount\n\n--no-cache-dir, PIP_NO_CACHE_DIR, npm cache clean, apt's docker-clean and rm -rf /var/lib/apt/lists/* empty or bypass the mounted cache.",
	Default: Safe,
	InPlace: true,
	Run:     runCacheDefeat,
}

func manifestsCleaner(e element) (*manifests.Manager, bool) {
	if e.cmd == nil {
		return nil, false
	}
	return manifests.Cleaner(e.cmd)
}

func runCacheDefeat(p *Pass) {
	for _, in := range p.File.Instrs {
		if in.Stage < 0 || in.Run == nil || in.Run.Shell == nil {
			continue // e.g. RUN ["pip", "install", "--no-cache-dir", "flask"]: nothing inside can be edited
		}
		// The mounts in the text, and those cache-mount adds to this step in this round
		// (its fix applies with ours: the edits never overlap but at the command's start).
		mounted := append(cacheMounts(in), p.shared.adding[in]...)
		if len(mounted) == 0 {
			continue
		}
		els, chain := p.File.elements(in)
		text := string(p.File.Source.Src[in.Span.Start:in.Span.End])
		managerCovered := func(inst *manifests.Install) bool {
			inst = p.cacheInstall(in, inst)
			specs, why := p.cacheTargets(in, inst)
			if why != "" || len(specs) == 0 {
				return false
			}
			for _, s := range specs {
				if !covered(mounted, s.target) && p.wanted(in, els, s, mounted) {
					return false
				}
			}
			return true
		}
		var wrapped []*manifests.Manager
		disabled := map[string]bool{}
		for k, e := range els {
			if e.cmd == nil {
				continue
			}
			if inst := e.install; inst != nil && managerCovered(inst) {
				for _, i := range inst.Defeats {
					p.Report(Finding{
						instr:   in,
						Line:    in.Line(),
						Message: fmt.Sprintf("%s %s bypasses the mounted cache", e.label(), inst.Cmd.Args[i]),
						Fix:     &Fix{Message: "Remove " + inst.Cmd.Args[i], Applicability: Safe, Edits: []Edit{p.removeWord(in, e, i)}},
					})
				}
				for _, v := range inst.Manager.Disablers {
					if _, set := in.State.Env[v]; !set || disabled[v] || strings.Contains(text, "unset "+v) || strings.Contains(text, "-u "+v) {
						continue
					}
					disabled[v] = true
					p.reportDisabler(in, e, v)
				}
				if a := inst.Manager.Around; a != nil && !strings.Contains(text, a.Marker) && !slices.Contains(wrapped, inst.Manager) && !p.removedEarlier(in, a.Marker) {
					wrapped = append(wrapped, inst.Manager)
					p.reportAround(in, a)
				}
				continue
			}
			if m, ok := manifestsCleaner(e); ok {
				probe := &manifests.Install{Manager: m, Cmd: e.cmd}
				if managerCovered(probe) {
					p.removeElement(in, els, k, chain, fmt.Sprintf("%s empties the mounted %s cache", e.text(), m.Name))
				}
				continue
			}
			if e.cmd.Name() == "rm" {
				p.reportRm(in, els, k, chain, mounted)
			}
		}
	}
}

// removeWord deletes word i of an element with the blank before it.
func (p *Pass) removeWord(in *Instr, e element, i int) Edit {
	sp := e.wordSpan(in, i)
	prev := e.wordSpan(in, i-1)
	if in.Run.keeps(prev.End, sp.End) {
		return Edit{Start: prev.End, End: sp.End}
	}
	// A comment line sits between the two words: take the word and the blanks after it, or
	// its whole line when it stands alone on a continued line.
	src := p.File.Source.Src
	end := sp.End
	for end < len(src) && (src[end] == ' ' || src[end] == '\t') {
		end++
	}
	start := sp.Start
	for start > 0 && (src[start-1] == ' ' || src[start-1] == '\t') {
		start--
	}
	esc := byte(p.File.Escape)
	if (start == 0 || src[start-1] == '\n') && end < len(src) && src[end] == esc {
		nl := end + 1
		for nl < len(src) && (src[nl] == ' ' || src[nl] == '\t' || src[nl] == '\r') {
			nl++
		}
		if nl < len(src) && src[nl] == '\n' {
			return Edit{Start: start, End: nl + 1} // the whole line "    --no-cache-dir \"
		}
	}
	return Edit{Start: sp.Start, End: end}
}

// removeElement deletes command k of a RUN's && chain, with the && that joins it.
func (p *Pass) removeElement(in *Instr, els []element, k int, chain bool, msg string) {
	if !chain || len(els) < 2 {
		p.Report(Finding{instr: in, Line: in.Line(), Message: msg, Declined: "not removed: it is not part of a plain && chain"})
		return
	}
	var ed Edit
	if k == 0 {
		ed = Edit{Start: els[0].start, End: els[1].start}
	} else {
		start := els[k-1].end
		if k == len(els)-1 {
			start = trimSemicolon(p.File.Source.Src, els[k-1].start, start) // a; rm -rf x
		}
		ed = Edit{Start: start, End: els[k].end}
	}
	if !in.Run.keeps(ed.Start, ed.End) {
		p.Report(Finding{instr: in, Line: in.Line(), Message: msg, Declined: "not removed: a comment line inside the RUN would go with it"})
		return
	}
	p.Report(Finding{instr: in, Line: in.Line(), Message: msg, Fix: &Fix{Message: "Remove " + els[k].text() + " from the step", Applicability: Safe, Edits: []Edit{ed}}})
}

// reportRm removes the arguments of an rm that delete mounted folders, or the whole rm
// when nothing else is left.
func (p *Pass) reportRm(in *Instr, els []element, k int, chain bool, mounted []string) {
	e := els[k]
	var hit, rest []int
	for i := 1; i < len(e.cmd.Args); i++ {
		a := e.cmd.Args[i]
		if strings.HasPrefix(a, "-") {
			continue
		}
		dir := path.Clean(strings.TrimSuffix(strings.TrimRight(a, "*"), "/"))
		if e.cmd.Lit[i] && path.IsAbs(dir) && covered(mounted, dir) {
			hit = append(hit, i)
		} else {
			rest = append(rest, i)
		}
	}
	if len(hit) == 0 {
		return
	}
	var names []string
	for _, i := range hit {
		names = append(names, e.cmd.Args[i])
	}
	msg := fmt.Sprintf("rm %s empties a mounted cache", strings.Join(names, " "))
	if len(rest) == 0 {
		p.removeElement(in, els, k, chain, msg)
		return
	}
	var edits []Edit
	for _, i := range hit {
		edits = append(edits, p.removeWord(in, e, i))
	}
	p.Report(Finding{instr: in, Line: in.Line(), Message: msg, Fix: &Fix{Message: "Remove " + strings.Join(names, " ") + " from rm", Applicability: Safe, Edits: edits}})
}

// reportDisabler handles a variable that switches the cache off. The safe fix unsets it
// for this step only; with --unsafe-fixes the key is removed from its ENV instead, which
// changes the image's config.
func (p *Pass) reportDisabler(in *Instr, e element, v string) {
	msg := fmt.Sprintf("%s is set, so %s ignores the mounted cache", v, e.label())
	if p.Options.Unsafe {
		if env, ed, ok := p.envKeyEdit(in, v); ok {
			p.Report(Finding{instr: in, Line: in.Line(), Message: msg, Fix: &Fix{
				Message:       fmt.Sprintf("Remove %s from the ENV on line %d", v, env.Line()),
				Applicability: Unsafe,
				Edits:         []Edit{ed},
				Note:          v + " is no longer set in the image's environment (a config change)",
			}})
			return
		}
	}
	sep := " && "
	p.Report(Finding{instr: in, Line: in.Line(), Message: msg, Fix: &Fix{
		Message:       fmt.Sprintf("Unset %s for this step (--unsafe-fixes removes it from ENV instead)", v),
		Applicability: Safe,
		Edits:         []Edit{{Start: in.Run.CmdStart, End: in.Run.CmdStart, New: "unset " + v + sep}},
	}})
}

// envKeyEdit finds the ENV of this stage (or a stage it builds on) that sets v last, and
// the edit that removes the key: the whole line when it is the only key.
func (p *Pass) envKeyEdit(in *Instr, v string) (*Instr, Edit, bool) {
	var env *Instr
	for _, x := range p.File.Instrs[:in.Index] {
		if e, ok := x.Cmd.(*instructions.EnvCommand); ok && x.Stage == in.Stage {
			for _, kv := range e.Env {
				if kv.Key == v {
					env = x
				}
			}
		}
	}
	if env == nil {
		return nil, Edit{}, false
	}
	e := env.Cmd.(*instructions.EnvCommand)
	if len(e.Env) == 1 {
		return env, Edit{Start: env.Span.Start, End: env.Span.End}, true
	}
	// Find the key's token in the ENV's bytes: it starts after a blank and reads "v=".
	src := p.File.Source.Src
	type tok struct{ start, end int }
	var toks []tok
	i := env.Span.Start
	end := p.File.Source.trimEOL(env.Span.Start, env.Span.End)
	for i < end {
		for i < end && (src[i] == ' ' || src[i] == '\t' || src[i] == '\n' || src[i] == '\r' || (src[i] == '\\' && i+1 < end && (src[i+1] == '\n' || src[i+1] == '\r'))) {
			i++
		}
		if i >= end {
			break
		}
		start := i
		var quote byte
		for i < end {
			c := src[i]
			if quote != 0 {
				if c == '\\' && quote == '"' {
					i += 2
					continue
				}
				if c == quote {
					quote = 0
				}
				i++
				continue
			}
			if c == '"' || c == '\'' {
				quote = c
				i++
				continue
			}
			if c == '\\' && i+1 < end && src[i+1] != '\n' && src[i+1] != '\r' {
				i += 2
				continue
			}
			if c == ' ' || c == '\t' || c == '\n' || c == '\r' || (c == '\\' && i+1 < end) {
				break
			}
			i++
		}
		toks = append(toks, tok{start, i})
	}
	for k := 1; k < len(toks); k++ {
		t := string(src[toks[k].start:toks[k].end])
		if !strings.HasPrefix(t, v+"=") {
			continue
		}
		ed := Edit{Start: toks[k-1].end, End: toks[k].end}
		if k < len(toks)-1 {
			ed = Edit{Start: toks[k].start, End: toks[k+1].start}
		}
		if !p.envWithout(env, ed, v) {
			return nil, Edit{}, false
		}
		return env, ed, true
	}
	return nil, Edit{}, false
}

// envWithout checks, with BuildKit's parser, that the ENV with edit applied sets exactly
// the other keys, to the same values.
func (p *Pass) envWithout(env *Instr, ed Edit, v string) bool {
	src := p.File.Source.Src
	text := string(src[env.Span.Start:ed.Start]) + ed.New + string(src[ed.End:env.Span.End])
	// A line after the ENV shows whether the edit left a continuation that would swallow it.
	f, err := Parse("ENV", []byte("FROM scratch\n"+text+"\nRUN true\n"))
	if err != nil || len(f.Instrs) != 3 {
		return false
	}
	after, ok := f.Instrs[1].Cmd.(*instructions.EnvCommand)
	if !ok {
		return false
	}
	var want []string
	for _, kv := range env.Cmd.(*instructions.EnvCommand).Env {
		if kv.Key != v {
			want = append(want, kv.Key+"="+kv.Value)
		}
	}
	var got []string
	for _, kv := range after.Env {
		got = append(got, kv.Key+"="+kv.Value)
	}
	return strings.Join(got, "\x00") == strings.Join(want, "\x00")
}

// reportAround wraps an install in commands run before and after it in the same step.
func (p *Pass) reportAround(in *Instr, a *manifests.Around) {
	stmts := in.Run.Shell.Stmts
	if len(stmts) == 0 {
		return
	}
	last := stmts[len(stmts)-1]
	if last.Background {
		return // e.g. RUN apt-get install -y x &: nothing to wait for
	}
	if ends := shellExits(in.Run.Shell); ends != "" {
		p.Report(Finding{instr: in, Line: in.Line(), Message: "the image's apt configuration (docker-clean) deletes downloaded packages from the mounted cache", Declined: fmt.Sprintf("not set aside: the step may end at %s, before docker-clean could be restored", ends)})
		return
	}
	// The restore goes right after the last command, before any trailing comment, joined
	// by && — or after its own ";" when it ends with one.
	at := in.Run.CmdStart + int(last.End().Offset())
	join := " && "
	if last.Semicolon.IsValid() {
		join = " "
	}
	before, after := a.Before+" ", join+a.After
	if src := p.File.Source.Src; at < len(src) && !strings.ContainsRune(" \t\r\n", rune(src[at])) {
		after += " " // apt-get install -y x;#comment: the comment must stay a word of its own
	}
	if in.Run.Multiline && join == " && " {
		before = a.Before + p.File.Continuation() + in.Run.Indent
		after = p.File.Continuation() + in.Run.Indent + "&& " + a.After
	} else if in.Run.Multiline {
		before = a.Before + p.File.Continuation() + in.Run.Indent
	}
	p.Report(Finding{instr: in, Line: in.Line(), Message: "the image's apt configuration (docker-clean) deletes downloaded packages from the mounted cache", Fix: &Fix{
		Message:       "Set docker-clean aside for this step and restore it",
		Applicability: Safe,
		Edits:         []Edit{{Start: in.Run.CmdStart, End: in.Run.CmdStart, New: before}, {Start: at, End: at, New: after}},
	}})
}

// shellExits names an exit or exec in a shell script, after which the commands that follow
// it never run, or returns "".
func shellExits(file *syntax.File) string {
	found := ""
	syntax.Walk(file, func(n syntax.Node) bool {
		if call, ok := n.(*syntax.CallExpr); ok && len(call.Args) > 0 && found == "" {
			if w := call.Args[0].Lit(); w == "exit" || w == "exec" {
				found = w
			}
		}
		return found == ""
	})
	return found
}

// removedEarlier reports whether an earlier step of in's lineage removes a file named like
// marker (RUN rm -f /etc/apt/apt.conf.d/docker-clean, as Docker's documentation does).
func (p *Pass) removedEarlier(in *Instr, marker string) bool {
	for _, k := range p.File.before(in) {
		els, _ := p.File.elements(k)
		for _, e := range els {
			if e.cmd == nil || e.cmd.Name() != "rm" {
				continue
			}
			for _, a := range e.cmd.Args[1:] {
				if strings.HasSuffix(a, "/"+marker) {
					return true
				}
			}
		}
	}
	return false
}
