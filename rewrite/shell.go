package rewrite

import (
	"fmt"
	"io"
	"path"
	"strings"
	"sync"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"mvdan.cc/sh/v3/syntax"

	"github.com/cachefix/cachefix/manifests"
)

// element is one command of a RUN: a member of its && chain, or a top-level statement.
type element struct {
	stmt *syntax.Stmt
	call *syntax.CallExpr // nil for anything but a simple command
	cmd  *manifests.Cmd
	// opaque is set for commands read from exec form or a heredoc: their words have no
	// offsets in the file, so nothing inside them can be edited.
	opaque  bool
	install *manifests.Install
	// start and end are file offsets.
	start, end int
	// top is the index of the RUN's top-level statement that holds the command.
	top int
}

// elements returns a RUN's commands. chain is true when the RUN is a single statement whose
// commands are joined by && (or a single command), or a script that starts with set -e
// (set -eux; a; b): only then can it be split.
func (f *File) elements(in *Instr) (els []element, chain bool) {
	if !in.elsDone {
		in.els, in.chain = f.readElements(in)
		in.elsDone = true
	}
	return in.els, in.chain
}

func (f *File) readElements(in *Instr) (els []element, chain bool) {
	if in.Run == nil || f.Windows[in.Stage] {
		return nil, false
	}
	if in.Run.Shell == nil {
		return f.opaqueElements(in), false
	}
	stmts := in.Run.Shell.Stmts
	cwd := in.State.Workdir
	for top, s := range stmts {
		for _, st := range flattenAnd(s) {
			e := f.element(in, st)
			e.top = top
			if e.install != nil && cwd != in.State.Workdir {
				if f.dirs == nil {
					f.dirs = map[*manifests.Install]string{}
				}
				f.dirs[e.install] = cwd // RUN cd client && npm ci
			}
			if e.cmd != nil && e.cmd.Name() == "cd" && len(e.cmd.Args) == 2 && e.cmd.Lit[1] {
				cwd = resolve(cwd, e.cmd.Args[1])
			}
			els = append(els, e)
		}
	}
	return els, len(stmts) == 1 || len(els) > 1 && errexit(els[0])
}

// errexit reports whether e is a plain set command that turns errexit on (set -e, set -eux,
// set -o errexit): a script after it stops at the first failing command, as a build stops
// at a failing RUN.
func errexit(e element) bool {
	if e.cmd == nil || e.call == nil || e.cmd.Name() != "set" || !e.cmd.Literal() || len(e.stmt.Redirs) > 0 || len(e.call.Assigns) > 0 || e.top != 0 {
		return false
	}
	on := false
	args := e.cmd.Args[1:]
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-o" || a == "+o":
			if i+1 >= len(args) {
				return false
			}
			i++
			if args[i] == "errexit" {
				on = a == "-o"
			}
		case strings.HasPrefix(a, "-") && !strings.HasPrefix(a, "--"):
			if strings.Contains(a, "e") {
				on = true
			}
		case strings.HasPrefix(a, "+"):
			if strings.Contains(a, "e") {
				on = false
			}
		default:
			return false // set -- args: the positional parameters
		}
	}
	return on
}

// installDir is the folder an install of in runs in: the step's WORKDIR, or where a cd
// before it in the same RUN went.
func (f *File) installDir(in *Instr, inst *manifests.Install) string {
	f.elements(in)
	if d, ok := f.dirs[inst]; ok {
		return d
	}
	return in.State.Workdir
}

// opaqueElements reads the commands of an exec-form RUN, of a RUN whose heredoc is its
// shell script, or of a shell-form RUN whose bytes cannot be edited (comment lines inside
// its continuation), for recognition only.
func (f *File) opaqueElements(in *Instr) []element {
	c := in.Cmd.(*instructions.RunCommand)
	whole := element{opaque: true, start: in.Run.CmdStart, end: in.Run.End}
	if !c.PrependShell && len(in.Node.Heredocs) == 0 {
		cmd := &manifests.Cmd{Args: c.CmdLine, Env: in.State.Lookup}
		for range c.CmdLine {
			cmd.Lit = append(cmd.Lit, true)
		}
		whole.cmd = cmd
		if inst, ok := manifests.Recognize(cmd); ok {
			whole.install = inst
		}
		return []element{whole}
	}
	script := strings.Join(c.CmdLine, " ") // the command as BuildKit joined it (comment lines dropped)
	if len(in.Node.Heredocs) > 0 {
		if len(in.Node.Heredocs) != 1 || len(c.CmdLine) != 1 || !strings.HasPrefix(strings.TrimSpace(c.CmdLine[0]), "<<") {
			return nil // e.g. RUN python3 <<EOF
		}
		script = in.Node.Heredocs[0].Content
	}
	file, err := parseShell(strings.NewReader(script))
	if err != nil {
		return nil
	}
	var out []element
	for _, s := range file.Stmts {
		for _, st := range flattenAnd(s) {
			e := whole
			e.stmt = st
			if call, ok := st.Cmd.(*syntax.CallExpr); ok && !st.Negated && !st.Background && len(call.Args) > 0 {
				e.call = call
				e.cmd, e.install = recognizeCall(call, in.State)
			}
			out = append(out, e)
		}
	}
	return out
}

func flattenAnd(s *syntax.Stmt) []*syntax.Stmt {
	if b, ok := s.Cmd.(*syntax.BinaryCmd); ok && b.Op == syntax.AndStmt && !s.Negated && !s.Background && len(s.Redirs) == 0 {
		return append(flattenAnd(b.X), flattenAnd(b.Y)...)
	}
	return []*syntax.Stmt{s}
}

func (f *File) element(in *Instr, st *syntax.Stmt) element {
	base := in.Run.CmdStart
	e := element{stmt: st, start: base + int(st.Pos().Offset()), end: f.trimContinuation(base+int(st.Pos().Offset()), base+int(st.End().Offset()))}
	call, ok := st.Cmd.(*syntax.CallExpr)
	if !ok || st.Negated || st.Background || len(call.Args) == 0 {
		return e
	}
	e.call = call
	e.cmd, e.install = recognizeCall(call, in.State)
	return e
}

// recognizeCall expands a simple command's words and recognizes the install it runs, if any.
func recognizeCall(call *syntax.CallExpr, st *State) (*manifests.Cmd, *manifests.Install) {
	cmd := literalCmd(call, st)
	inst, ok := manifests.Recognize(cmd)
	if !ok {
		return cmd, nil
	}
	argInputs(inst)
	if len(inst.Inputs) > 0 && inst.NeedsSource == "" {
		for i, w := range call.Args {
			if pe, ok := soleParam(w); ok && cmd.FromArg(i) {
				// pip install $EXTRA -r requirements.txt: --build-arg EXTRA="-e ." reads more
				inst.NeedsSource = fmt.Sprintf("its word $%s comes whole from a build argument, which a build may set to other options or files", pe)
				break
			}
		}
	}
	return cmd, inst
}

// soleParam reports whether a word is nothing but an unquoted variable ($X, ${X}), which
// the shell splits into any number of words.
func soleParam(w *syntax.Word) (string, bool) {
	if len(w.Parts) != 1 {
		return "", false
	}
	pe, ok := w.Parts[0].(*syntax.ParamExp)
	if !ok || pe.Param == nil {
		return "", false
	}
	return pe.Param.Value, true
}

// argInputs marks an install that reads a file named through a build argument as reading
// the source: another --build-arg value reads another file (pip install -r
// requirements/${ENVIRONMENT}.txt), one that a manifest copy of the default would miss.
func argInputs(inst *manifests.Install) {
	c := inst.Cmd
	for i, a := range c.Args {
		if !c.FromArg(i) || inst.NeedsSource != "" {
			continue
		}
		for _, in := range append(append([]string(nil), inst.Inputs...), inst.Optional...) {
			if strings.Contains(a, in) {
				inst.NeedsSource = fmt.Sprintf("it reads %s, a file named by a build argument: another --build-arg value would read another file", in)
				break
			}
		}
	}
}

// wordSpan returns the file offsets of word i of an element's command.
func (e element) wordSpan(in *Instr, i int) Span {
	w := e.call.Args[i]
	return Span{in.Run.CmdStart + int(w.Pos().Offset()), in.Run.CmdStart + int(w.End().Offset())}
}

// label names an element's command for messages: "pip install", "npm ci".
func (e element) label() string {
	if e.cmd == nil || len(e.cmd.Args) == 0 {
		return "command"
	}
	args := e.cmd.Args
	name := e.cmd.Name()
	if strings.HasPrefix(name, "python") && len(args) > 2 && args[1] == "-m" {
		args = args[2:]
		name = args[0]
	}
	if len(args) > 2 && (args[1] == "mod" || args[1] == "pip" || args[1] == "global" || args[1] == "cache") && !strings.HasPrefix(args[2], "-") {
		return name + " " + args[1] + " " + args[2] // go mod download, uv pip install
	}
	if len(args) > 1 && !strings.HasPrefix(args[1], "-") {
		return name + " " + args[1]
	}
	return name
}

// text is the command's first words, for messages: "npm cache clean --force".
func (e element) text() string {
	if e.cmd == nil {
		return "command"
	}
	n := len(e.cmd.Args)
	if n > 4 {
		n = 4
	}
	words := make([]string, 0, n)
	for i, a := range e.cmd.Args[:n] {
		if !e.cmd.Lit[i] {
			a = "…"
		}
		words = append(words, a)
	}
	return strings.Join(words, " ")
}

// redirectsOnlyToNull reports whether a statement's redirections write nowhere that matters.
func redirectsOnlyToNull(st *syntax.Stmt) bool {
	for _, r := range st.Redirs {
		if r.Word == nil {
			return false
		}
		lit := r.Word.Lit()
		if lit != "/dev/null" && !(r.Op == syntax.DplOut || r.Op == syntax.DplIn) {
			return false
		}
	}
	return true
}

// resolve makes p absolute against dir.
func resolve(dir, p string) string {
	if path.IsAbs(p) {
		return path.Clean(p)
	}
	if path.IsAbs(dir) && plainName(dir[1:]) {
		for strings.HasPrefix(p, "../") {
			p, dir = p[3:], path.Dir(dir) // managers look upward: ../../.npmrc
		}
	}
	return joinPath(dir, p)
}

// joinPath is path.Join, without its cleaning pass when both parts are plain (a folder
// "." or "/" or a clean path, and a clean relative name): the hot paths join many.
func joinPath(dir, name string) string {
	if name == "" || !plainName(name) {
		return path.Join(dir, name)
	}
	switch {
	case dir == "." || dir == "":
		return name
	case dir == "/":
		return "/" + name
	case path.IsAbs(dir) && plainName(dir[1:]), !path.IsAbs(dir) && plainName(dir):
		return dir + "/" + name
	}
	return path.Join(dir, name)
}

// plainName reports whether a relative slash-separated path is already clean and has no
// "." or ".." parts ("" is plain: the top).
func plainName(p string) bool {
	if strings.HasSuffix(p, "/") {
		return false
	}
	for part := range strings.SplitSeq(p, "/") {
		if part == "" && p != "" || part == "." || part == ".." {
			return false
		}
	}
	return true
}

// under reports whether p is dir or inside it.
func under(p, dir string) bool {
	if dir == "/" {
		return true
	}
	return strings.HasPrefix(p, dir) && (len(p) == len(dir) || p[len(dir)] == '/')
}

// keyword spells an instruction name in the file's case.
func (f *File) keyword(name string) string {
	switch {
	case f.Lower:
		return strings.ToLower(name)
	case f.Title:
		return strings.ToUpper(name[:1]) + strings.ToLower(name[1:])
	}
	return strings.ToUpper(name)
}

// shellParsers keeps bash parsers for reuse: a parser holds sizeable buffers, and a run
// parses a few shells in each of thousands of files.
var shellParsers = sync.Pool{New: func() any { return syntax.NewParser(syntax.Variant(syntax.LangBash)) }}

// parseShell parses a RUN command's script as bash.
func parseShell(r io.Reader) (*syntax.File, error) {
	p := shellParsers.Get().(*syntax.Parser)
	defer shellParsers.Put(p)
	return p.Parse(r, "")
}

// trimContinuation moves end back over line continuations and blanks that the shell counts
// into the last word (pip install -r r.txt\<newline>&& ...): an element ends at its text.
func (f *File) trimContinuation(start, end int) int {
	src, esc := f.Source.Src, byte(f.Escape)
	for end > start {
		switch {
		case src[end-1] == ' ' || src[end-1] == '\t':
			end--
		case src[end-1] == '\n' && end-2 >= start && src[end-2] == esc:
			end -= 2
		case src[end-1] == '\n' && end-3 >= start && src[end-2] == '\r' && src[end-3] == esc:
			end -= 3
		default:
			return end
		}
	}
	return end
}

// nestedCommands finds the simple commands inside compound commands of a RUN (if, case,
// loops, subshells), such as the installs of the official Next.js example's `if [ -f
// yarn.lock ]; then yarn --frozen-lockfile; elif [ -f package-lock.json ]; then npm ci;
// fi`. They are opaque: good for a cache mount, which changes nothing in the image, and
// for seeing what would clash with one (an rm of the cache), but not for edits inside.
func (f *File) nestedCommands(in *Instr, els []element) []element {
	var out []element
	for _, e := range els {
		if e.cmd != nil || e.stmt == nil {
			continue
		}
		syntax.Walk(e.stmt, func(n syntax.Node) bool {
			call, ok := n.(*syntax.CallExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			cmd, inst := recognizeCall(call, in.State)
			out = append(out, element{opaque: true, call: call, cmd: cmd, install: inst, start: e.start, end: e.end})
			return true
		})
	}
	return out
}
