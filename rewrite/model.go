package rewrite

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/syntax"

	"github.com/cachefix/cachefix/manifests"
)

// File is a parsed Dockerfile: its instructions with byte spans and the build state
// (working directory, user, environment) each one runs in.
type File struct {
	Source *Source
	Escape rune
	Instrs []*Instr
	// Stages[i] lists the instructions of stage i (FROM first).
	Stages [][]*Instr
	// Keyword case: true when the file writes instructions in lower case.
	Lower bool
	// Title is true when most instructions are written in title case (From, Run).
	Title bool
	// Warnings are BuildKit's lint warnings for the file, by rule name and line.
	Warnings []string
	// Windows[i] is true when stage i builds a Windows image: cachefix leaves it alone.
	Windows map[int]bool
	// toOrig maps an offset of this text to an offset of the original input; origSrc is
	// the original's line table. Both are nil for the original itself.
	toOrig  func(int) int
	origSrc *Source
	// meta holds the ARGs declared before the first FROM.
	meta *State
	// global caches the file's "# cachefix:global ignore" pragmas.
	global *[][]string
	// shells caches parsed RUN commands by text, shared by the rounds of one Run (the
	// trees are only read).
	shells map[string]*syntax.File
	// reads caches installReads.
	reads map[readsKey][]string
	// follows caches followed.
	follows map[followKey]*manifests.Install
	// targets caches cacheTargets.
	targets map[targetsKey]targetsEntry
	// syntax caches detectSyntax of Source.
	syntaxInfo *syntaxDirective
	// siblings caches the sibling Dockerfiles siblingCopies parsed, by path (nil when one
	// cannot be read or parsed).
	siblings map[string]*File
	// dirs holds the folder of the installs that run after a cd in their RUN.
	dirs map[*manifests.Install]string
}

// Instr is one instruction.
type Instr struct {
	Node  *parser.Node
	Cmd   any // *instructions.RunCommand, *instructions.CopyCommand, *instructions.Stage, …
	Span  Span
	Stage int // -1 for ARGs before the first FROM
	Index int // position in File.Instrs
	// State in effect when the instruction runs.
	State *State
	// Run is set for RUN instructions whose shell cachefix can read.
	Run *Shell
	// NoShell says why a RUN's shell cannot be read.
	NoShell string

	file *File
	// kw caches Keyword.
	kw string
	// els caches the RUN's commands (see File.elements).
	els     []element
	chain   bool
	elsDone bool
	// copy caches the COPY's sources and destination (see Pass.copyInfo); copyWhy says why
	// a copy from the context cannot be read (a build variable in it).
	copy     *copyInfo
	copyDone bool
	copyWhy  string
}

// Line is the instruction's first line, counted in the file as the user wrote it (before
// any round of fixes moved lines).
func (in *Instr) Line() int { return in.file.OrigLine(in.Node.StartLine) }

// OrigLine maps a line of this text to the line of the original input it comes from; lines
// that fixes inserted map to the place they were inserted at.
func (f *File) OrigLine(l int) int {
	if f.toOrig == nil || l < 1 || l > len(f.Source.Lines) {
		return l
	}
	return f.origSrc.Line(f.toOrig(f.Source.LineSpan(l, l).Start))
}

// Keyword is the instruction's name in lower case ("run").
func (in *Instr) Keyword() string {
	if in.kw == "" {
		in.kw = strings.ToLower(in.Node.Value)
	}
	return in.kw
}

// State is the build state an instruction runs in.
type State struct {
	Workdir string
	// User is the USER in effect ("" for the image's default, root for every base image
	// cachefix knows).
	User string
	// Env holds ENV and ARG values; a nil value is set but unknown (an ARG without default).
	Env map[string]*string
	// Base is the stage's base: an image name, or the name of an earlier stage.
	Base string
	// Users are the users and groups created so far (useradd/groupadd with explicit ids).
	Users  map[string]Account
	Groups map[string]string
	// Args names the variables of Env that are build arguments (a later ENV of the same
	// name makes it fixed again): their values are only defaults.
	Args map[string]bool
}

// Account is a user created in the Dockerfile.
type Account struct{ UID, GID, Home string }

// Lookup returns a known environment value.
func (st *State) Lookup(name string) (string, bool) {
	v, ok := st.Env[name]
	if !ok || v == nil {
		return "", false
	}
	return *v, true
}

// clone copies the state; its maps are shared with st, which never changes them (an
// instruction's State is final): withEnv and withAccounts copy the maps a step changes.
func (st *State) clone() *State {
	n := *st
	return &n
}

// withEnv is a copy of st whose Env and Args may be changed.
func (st *State) withEnv() *State {
	n := st.clone()
	n.Env = maps.Clone(st.Env)
	if n.Env == nil {
		n.Env = map[string]*string{}
	}
	n.Args = maps.Clone(st.Args)
	if n.Args == nil {
		n.Args = map[string]bool{}
	}
	return n
}

// withAccounts is a copy of st whose Users and Groups may be changed.
func (st *State) withAccounts() *State {
	n := st.clone()
	n.Users = maps.Clone(st.Users)
	if n.Users == nil {
		n.Users = map[string]Account{}
	}
	n.Groups = maps.Clone(st.Groups)
	if n.Groups == nil {
		n.Groups = map[string]string{}
	}
	return n
}

// Keys implements shell.EnvGetter.
func (st *State) Keys() []string {
	var out []string
	for k, v := range st.Env {
		if v != nil {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// Get implements shell.EnvGetter.
func (st *State) Get(k string) (string, bool) { return st.Lookup(k) }

// expandWord expands Dockerfile variables in w; ok is false when w uses a variable whose
// value is unknown.
func (f *File) expandWord(st *State, w string) (string, bool) {
	if !strings.ContainsAny(w, "$'\"\\`") {
		return w, true
	}
	res, err := shell.NewLex(f.Escape).ProcessWordWithMatches(w, st)
	if err != nil || len(res.Unmatched) > 0 {
		return "", false
	}
	return res.Result, true
}

// Shell is the shell of a RUN instruction.
type Shell struct {
	// CmdStart is the offset where the command text starts (after the keyword and flags);
	// FlagsStart is where the first flag (or the command) starts.
	CmdStart, FlagsStart int
	// End is the offset where the command text ends (before the line ending).
	End int
	// Shell is the parsed command, nil when it cannot be read (see Instr.NoShell); offsets
	// in it are relative to CmdStart.
	Shell *syntax.File
	// Multiline is true when the RUN spans several lines.
	Multiline bool
	// Indent is the indentation of the RUN's continuation lines ("    " by default).
	Indent string
	// Flags are the spans of the RUN's flags (--mount=...), in order.
	Flags []Span
	// Comments are the spans of comment lines inside the RUN's continuation, which
	// BuildKit drops: an edit must not remove them.
	Comments []Span
}

// keeps reports whether the span [start, end) holds none of the RUN's inner comment lines.
func (r *Shell) keeps(start, end int) bool {
	for _, c := range r.Comments {
		if c.Start < end && start < c.End {
			return false
		}
	}
	return true
}

// Parse parses src with BuildKit's parser and instructions, then computes spans, stages
// and the state of every instruction.
func Parse(path string, src []byte) (*File, error) { return parseCached(path, src, nil, true) }

// parseCached is Parse with a cache of RUN shell trees from earlier rounds; without lint,
// BuildKit's linter does not run and File.Warnings holds only the parser's own warnings.
func parseCached(path string, src []byte, shells map[string]*syntax.File, lint bool) (*File, error) {
	s := NewSource(path, src)
	res, err := parser.Parse(bytes.NewReader(src))
	if err != nil {
		return nil, locate(path, err)
	}
	f := &File{Source: s, Escape: res.EscapeToken, Windows: map[int]bool{}, shells: shells}
	var warnings []string
	var lr *linter.Linter
	if lint {
		lr = linter.New(&linter.Config{Warn: func(rule, _, _, msg string, loc []parser.Range) {
			line := 0
			if len(loc) > 0 {
				line = loc[0].Start.Line
			}
			warnings = append(warnings, fmt.Sprintf("%d: %s: %s", line, rule, msg))
		}})
	}
	stages, metaArgs, err := instructions.Parse(res.AST, lr)
	if err != nil {
		return nil, locate(path, err)
	}
	cmds := zipCommands(res.AST.Children, stages, metaArgs)
	for _, w := range res.Warnings {
		// The parser's own warnings (an empty continuation line, which can join the next
		// instruction to a RUN), by kind: a rewrite must not add one.
		kind, _, _ := strings.Cut(w.Short, ":")
		line := 0
		if w.Location != nil {
			line = w.Location.Start.Line
		}
		warnings = append(warnings, fmt.Sprintf("%d: parser: %s", line, kind))
	}
	sort.Strings(warnings)
	f.Warnings = warnings
	stage := -1
	var st *State
	stageEnd := map[string]*State{}
	meta := &State{Env: map[string]*string{}, Workdir: "/"}
	f.meta = meta
	lower, upper, title := 0, 0, 0
	for i, node := range res.AST.Children {
		cmd := cmds[i]
		if cmd == nil {
			if cmd, err = instructions.ParseInstruction(node); err != nil {
				return nil, locate(path, parser.WithLocation(err, node.Location()))
			}
		}
		if kw := firstWord(node.Original); kw != "" {
			switch {
			case !hasUpper(kw):
				lower++
			case len(kw) > 1 && !hasUpper(kw[1:]):
				title++ // From, Run, Copy
			default:
				upper++
			}
		}
		in := &Instr{Node: node, Cmd: cmd, Span: s.LineSpan(node.StartLine, node.EndLine), Index: i, file: f}
		if fs, ok := cmd.(*instructions.Stage); ok {
			stage++
			base := fs.BaseName
			if prev, ok := stageEnd[strings.ToLower(base)]; ok {
				st = prev.clone()
			} else {
				st = &State{Workdir: "/", Env: map[string]*string{}, Users: map[string]Account{}, Groups: map[string]string{}}
				if acc, ok := baseImageUser(base); ok {
					st.Users[acc.name] = acc.Account
					st.Groups[acc.name] = acc.GID
				}
				if nonRootImage(base) {
					st.User = baseUserMark + base // not root, and not known
				}
				for k, v := range baseImageEnv(base) {
					v := v
					st.Env[k] = &v
				}
				if _, ok := st.Env["PATH"]; !ok {
					// Every image sets PATH; the usual one lets ENV PATH=/app/.venv/bin:$PATH
					// be read (which python a pip install runs in).
					v := "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
					st.Env["PATH"] = &v
				}
			}
			st.Base = base
			f.Windows[stage] = isWindowsImage(base) || (prevWindows(f, base))
			f.Stages = append(f.Stages, nil)
			stageEnd[strconv.Itoa(stage)] = st
			if fs.Name != "" {
				stageEnd[strings.ToLower(fs.Name)] = st
			}
		}
		in.Stage = stage
		if c, ok := cmd.(*instructions.RunCommand); ok && stage >= 0 {
			cur := st
			err := c.Expand(func(w string) (string, error) {
				if v, ok := f.expandWord(cur, w); ok {
					return v, nil
				}
				return w, nil
			})
			if err != nil {
				return nil, locate(path, parser.WithLocation(err, node.Location()))
			}
			in.State = st
			in.Run, in.NoShell = f.parseRun(in)
		}
		if stage < 0 {
			in.State = meta
			if a, ok := cmd.(*instructions.ArgCommand); ok {
				for _, kv := range a.Args {
					meta.Env[kv.Key] = kv.Value
				}
			}
		} else {
			in.State = st
			f.Stages[stage] = append(f.Stages[stage], in)
			st = f.step(st, in)
			stageEnd[strconv.Itoa(stage)] = st
			if fs, ok := f.Stages[stage][0].Cmd.(*instructions.Stage); ok && fs.Name != "" {
				stageEnd[strings.ToLower(fs.Name)] = st
			}
		}
		f.Instrs = append(f.Instrs, in)
	}
	f.Lower = lower > upper && lower >= title
	f.Title = title > upper && title > lower
	return f, nil
}

// isWindowsImage reports whether an image reference names a Windows base image.
func isWindowsImage(ref string) bool {
	r := strings.ToLower(ref)
	for _, w := range []string{"windows", "servercore", "nanoserver", "mcr.microsoft.com/dotnet/framework", "mcr.microsoft.com/powershell:lts-nanoserver"} {
		if strings.Contains(r, w) {
			return true
		}
	}
	return false
}

// prevWindows reports whether base names an earlier stage that builds a Windows image.
func prevWindows(f *File, base string) bool {
	for i, st := range f.Stages {
		if fs, ok := st[0].Cmd.(*instructions.Stage); ok && strings.EqualFold(fs.Name, base) {
			return f.Windows[i]
		}
	}
	return false
}

// zipCommands pairs the AST's children with the typed instructions BuildKit's Parse made
// of them (a stage for each FROM, the meta ARGs before the first one), so that no node is
// parsed twice. A child it cannot pair is left nil, to be parsed on its own.
func zipCommands(nodes []*parser.Node, stages []instructions.Stage, metaArgs []instructions.ArgCommand) []any {
	out := make([]any, len(nodes))
	si, ci, mi := -1, 0, 0
	for i, n := range nodes {
		if strings.EqualFold(n.Value, "from") {
			si++
			ci = 0
			if si < len(stages) {
				out[i] = &stages[si]
			}
			continue
		}
		if si < 0 {
			if mi < len(metaArgs) && strings.EqualFold(n.Value, "arg") {
				out[i] = &metaArgs[mi]
				mi++
			}
			continue
		}
		if si < len(stages) && ci < len(stages[si].Commands) {
			c := stages[si].Commands[ci]
			ci++
			if loc := c.Location(); len(loc) > 0 && loc[0].Start.Line == n.StartLine {
				out[i] = c
			}
		}
	}
	return out
}

func firstWord(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, " \t"); i >= 0 {
		return s[:i]
	}
	return s
}

// baseImageEnv returns environment variables that well-known base images set and that
// move a cache (the golang image's GOPATH=/go).
func baseImageEnv(image string) map[string]string {
	name := officialName(image)
	for _, p := range []string{"lukemathwalker/cargo-chef", "rustlang/rust", "docker.io/lukemathwalker/cargo-chef", "docker.io/rustlang/rust"} {
		if strings.HasPrefix(image, p+":") || image == p {
			name = "rust" // images built on the official rust image keep its CARGO_HOME
		}
	}
	switch name {
	case "golang":
		return map[string]string{"GOPATH": "/go"}
	case "rust":
		return map[string]string{"CARGO_HOME": "/usr/local/cargo", "RUSTUP_HOME": "/usr/local/rustup"}
	case "ruby":
		return map[string]string{"GEM_HOME": "/usr/local/bundle", "BUNDLE_APP_CONFIG": "/usr/local/bundle", "BUNDLE_SILENCE_ROOT_WARNING": "1"}
	}
	return nil
}

// officialName returns the repository name of a Docker Hub official image reference
// ("golang" for golang:1.22-bookworm or docker.io/library/golang), or "".
func officialName(image string) string {
	ref, _, _ := strings.Cut(image, "@")
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		ref = ref[:i]
	}
	for _, p := range []string{"docker.io/library/", "index.docker.io/library/", "library/", "docker.io/"} {
		ref = strings.TrimPrefix(ref, p)
	}
	if strings.Contains(ref, "/") {
		return ""
	}
	return ref
}

// baseUserMark starts State.User in a stage whose base image runs as a user cachefix does
// not know (followed by the image): see nonRootImage.
const baseUserMark = "$base:"

// nonRootImage reports whether a base image is known to run as a non-root user whose uid
// and home cachefix cannot know: Jupyter's docker-stacks (jovyan), micromamba (mambauser),
// Chainguard (nonroot), Red Hat's and sclorg's language images (1001, HOME in the app
// folder), Airflow (airflow). A step there gets no cache mount and keeps its cache-off
// flags: the cache is not where a root build puts it.
func nonRootImage(image string) bool {
	ref, _, _ := strings.Cut(image, "@")
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		ref = ref[:i]
	}
	ref = strings.TrimPrefix(strings.TrimPrefix(ref, "docker.io/"), "index.docker.io/")
	for _, p := range []string{"quay.io/jupyter/", "jupyter/", "mambaorg/micromamba", "cgr.dev/chainguard/", "quay.io/sclorg/", "centos/", "apache/airflow"} {
		if strings.HasPrefix(ref, p) {
			return true
		}
	}
	for _, reg := range []string{"registry.access.redhat.com/", "registry.redhat.io/"} {
		rest, ok := strings.CutPrefix(ref, reg)
		if !ok {
			continue
		}
		_, name, _ := strings.Cut(rest, "/") // ubi9/nodejs-20, rhel8/python-39
		for _, lang := range []string{"nodejs-", "python-", "ruby-", "php-", "perl-", "go-toolset", "s2i-"} {
			if strings.HasPrefix(name, lang) {
				return true
			}
		}
	}
	return false
}

type baseUser struct {
	name string
	Account
}

// baseImageUser returns the non-root user that a well-known base image creates.
func baseImageUser(image string) (baseUser, bool) {
	if officialName(image) == "node" {
		return baseUser{name: "node", Account: Account{UID: "1000", GID: "1000", Home: "/home/node"}}, true
	}
	return baseUser{}, false
}

// step returns the state after in runs.
func (f *File) step(st *State, in *Instr) *State {
	switch c := in.Cmd.(type) {
	case *instructions.EnvCommand:
		st = st.withEnv()
		for _, kv := range c.Env {
			delete(st.Args, kv.Key)
			if v, ok := f.expandWord(st, kv.Value); ok {
				st.Env[kv.Key] = &v
			} else {
				st.Env[kv.Key] = nil
			}
		}
	case *instructions.ShellCommand:
		if len(c.Shell) > 0 {
			sh := strings.ToLower(c.Shell[0])
			if strings.Contains(sh, "powershell") || strings.Contains(sh, "pwsh") || strings.Contains(sh, "cmd") {
				f.Windows[in.Stage] = true
			}
		}
	case *instructions.ArgCommand:
		st = st.withEnv()
		for _, kv := range c.Args {
			if _, isEnv := st.Env[kv.Key]; !isEnv || st.Args[kv.Key] {
				st.Args[kv.Key] = true // an ARG does not override an ENV of the same name
			}
			if kv.Value == nil {
				// ARG NAME in a stage takes the default of a global ARG NAME=value.
				st.Env[kv.Key] = nil
				if v, ok := f.meta.Lookup(kv.Key); ok {
					st.Env[kv.Key] = &v
				}
				continue
			}
			if v, ok := f.expandWord(st, *kv.Value); ok {
				st.Env[kv.Key] = &v
			} else {
				st.Env[kv.Key] = nil
			}
		}
	case *instructions.WorkdirCommand:
		st = st.clone()
		if p, ok := f.expandWord(st, c.Path); ok {
			if !path.IsAbs(p) {
				p = path.Join(st.Workdir, p)
			}
			st.Workdir = path.Clean(p)
		} else {
			st.Workdir = ""
		}
	case *instructions.UserCommand:
		st = st.clone()
		if u, ok := f.expandWord(st, c.User); ok && !mentionsArg(c.User, st) {
			st.User = u
		} else {
			st.User = "$unknown" // unset, or a build argument's default that a build may override
		}
	case *instructions.RunCommand:
		if in.Run != nil && in.Run.Shell != nil {
			st = f.accounts(st, in.Run.Shell)
		}
	}
	return st
}

// accounts records users and groups that a RUN creates with explicit ids.
func (f *File) accounts(st *State, file *syntax.File) *State {
	changed := false
	syntax.Walk(file, func(n syntax.Node) bool {
		call, ok := n.(*syntax.CallExpr)
		if !ok || len(call.Args) == 0 {
			return true
		}
		if lit := call.Args[0].Lit(); lit != "" && !accountCommands[path.Base(lit)] {
			return true // a plain word naming another command: no need to expand the call
		}
		cmd := literalCmd(call, st)
		switch cmd.Name() {
		case "useradd", "adduser", "groupadd", "addgroup":
		default:
			return true
		}
		if !changed {
			st = st.withAccounts()
			changed = true
		}
		recordAccount(st, cmd)
		return true
	})
	return st
}

var accountCommands = map[string]bool{"useradd": true, "adduser": true, "groupadd": true, "addgroup": true}

// argID stands for a uid or gid taken from a build argument.
const argID = "$arg"

// account is what a useradd, adduser, groupadd or addgroup command says.
type account struct {
	group              bool
	who, id, gid, home string
	create, noCreate   bool
}

func parseAccount(cmd *manifests.Cmd) account {
	name := cmd.Name()
	r := account{group: name == "groupadd" || name == "addgroup"}
	for i := 1; i < len(cmd.Args); i++ {
		a := cmd.Args[i]
		val := func() string {
			if k, v, ok := strings.Cut(a, "="); ok && strings.HasPrefix(k, "--") {
				return v
			}
			if i+1 < len(cmd.Args) {
				i++
				return cmd.Args[i]
			}
			return ""
		}
		switch {
		case a == "-u" || a == "--uid" || strings.HasPrefix(a, "--uid="):
			if r.id = val(); cmd.FromArg(i) {
				r.id = argID // a build argument's default: the build may pass another uid
			}
		case a == "-g" || a == "--gid" || a == "-G" && r.group || strings.HasPrefix(a, "--gid=") || a == "--ingroup":
			if r.gid = val(); cmd.FromArg(i) {
				r.gid = argID
			}
		case a == "-d" || a == "--home-dir" || a == "--home" || a == "-h" && name == "adduser" || strings.HasPrefix(a, "--home-dir=") || strings.HasPrefix(a, "--home="):
			r.home = val()
		case a == "-m" || a == "--create-home":
			r.create = true
		case a == "-M" || a == "--no-create-home" || a == "-H" && name == "adduser":
			r.noCreate = true
		case a == "-s" || a == "--shell" || a == "-c" || a == "--comment" || a == "-G" || a == "--groups" || a == "-k" || a == "--gecos" || a == "-K":
			val()
		case strings.HasPrefix(a, "-"):
		default:
			r.who = a
		}
	}
	return r
}

func recordAccount(st *State, cmd *manifests.Cmd) {
	a := parseAccount(cmd)
	isGroup, who, id, gid, home := a.group, a.who, a.id, a.gid, a.home
	create, name := a.create, cmd.Name()
	if who == "" {
		return
	}
	if isGroup {
		if id == "" {
			id = gid // groupadd --gid 10001 app
		}
		if isNumber(id) {
			st.Groups[who] = id
		}
		return
	}
	if gid != "" {
		if g, ok := st.Groups[gid]; ok {
			gid = g
		}
	} else if g, ok := st.Groups[who]; ok {
		gid = g
	}
	if !isNumber(gid) {
		gid = ""
	}
	if !isNumber(id) && id != argID {
		id = ""
	}
	if home == "" && (create || name == "adduser") {
		home = "/home/" + who
	}
	st.Users[who] = Account{UID: id, GID: gid, Home: home}
}

// literalCmd expands the words of call with the known environment.
func literalCmd(call *syntax.CallExpr, st *State) *manifests.Cmd {
	cmd := &manifests.Cmd{Env: st.Lookup}
	var cfg *expand.Config // made for the first word that needs expanding
	config := func() *expand.Config {
		if cfg == nil {
			cfg = &expand.Config{Env: stateEnviron{st}, NoUnset: true}
		}
		return cfg
	}
	if len(call.Assigns) > 0 {
		// PIP_FIND_LINKS=/app/wheels pip install ...: the command's own variables come first.
		own := map[string]string{}
		for _, a := range call.Assigns {
			if a.Name == nil || a.Array != nil || a.Index != nil {
				continue
			}
			v, err := expand.Literal(config(), a.Value)
			if err != nil {
				v = "$unknown" // set, to a value cachefix cannot know
			}
			own[a.Name.Value] = v
		}
		cmd.Env = func(name string) (string, bool) {
			if v, ok := own[name]; ok {
				return v, true
			}
			return st.Lookup(name)
		}
	}
	cmd.Args = make([]string, 0, len(call.Args))
	cmd.Lit = make([]bool, 0, len(call.Args))
	cmd.Arg = make([]bool, 0, len(call.Args))
	for _, w := range call.Args {
		s, lit := plainWord(w)
		if !lit {
			var err error
			s, err = expand.Literal(config(), w)
			lit = err == nil
		}
		cmd.Args = append(cmd.Args, s)
		cmd.Lit = append(cmd.Lit, lit)
		cmd.Arg = append(cmd.Arg, len(st.Args) > 0 && usesArg(w, st))
	}
	return cmd
}

// plainWord returns a word that is one literal with nothing to expand (no escape, no
// tilde), as expand.Literal would, and true; else false.
func plainWord(w *syntax.Word) (string, bool) {
	if len(w.Parts) != 1 {
		return "", false
	}
	lit, ok := w.Parts[0].(*syntax.Lit)
	if !ok || strings.ContainsAny(lit.Value, `\~`) {
		return "", false
	}
	return lit.Value, true
}

// usesArg reports whether a word reads a build argument.
func usesArg(w *syntax.Word, st *State) bool {
	found := false
	syntax.Walk(w, func(n syntax.Node) bool {
		if pe, ok := n.(*syntax.ParamExp); ok && pe.Param != nil && st.Args[pe.Param.Value] {
			found = true
		}
		return !found
	})
	return found
}

// stateEnviron shows a State's variables to the shell expander, as exported strings.
type stateEnviron struct{ st *State }

func (e stateEnviron) Get(name string) expand.Variable {
	v, ok := e.st.Lookup(name)
	if !ok && name == "HOME" && e.st.Users != nil {
		// A RUN gets HOME from its user's account: ~ and $HOME expand to it.
		v, _, _, _ = e.st.account()
		ok = v != ""
	}
	if !ok {
		return expand.Variable{}
	}
	return expand.Variable{Set: true, Exported: true, Kind: expand.String, Str: v}
}

func (e stateEnviron) Each(fn func(name string, vr expand.Variable) bool) {
	for _, k := range e.st.Keys() {
		if !fn(k, e.Get(k)) {
			return
		}
	}
}

// shellText rewrites a RUN's command text (at offset base of the file) for the shell parser
// without moving any byte: each continuation becomes blanks and a backslash right before
// the newline, each inner comment line blanks and a backslash, and CRLF a blank and LF.
func shellText(text []byte, esc byte, base int, comments []Span) []byte {
	sh := append([]byte(nil), text...)
	for _, c := range comments {
		a, b := c.Start-base, min(c.End-base, len(sh))
		for i := a; i < b; i++ {
			sh[i] = ' '
		}
		if b > a && sh[b-1] == ' ' && b-1 < len(text) && text[b-1] == '\n' {
			sh[b-1] = '\n'
			if b-2 >= a {
				sh[b-2] = '\\'
			}
		}
	}
	for i := 0; i < len(sh); i++ {
		if text[i] != esc {
			continue
		}
		j := i + 1
		for j < len(sh) && (sh[j] == ' ' || sh[j] == '\t') {
			j++
		}
		nl := -1
		switch {
		case j < len(sh) && sh[j] == '\n':
			nl = j
		case j+1 < len(sh) && sh[j] == '\r' && sh[j+1] == '\n':
			nl = j + 1
		}
		if nl < 0 {
			if esc == '\\' {
				i++ // an escaped character: \\ or \"
			}
			continue
		}
		for k := i; k < nl; k++ {
			sh[k] = ' '
		}
		sh[nl-1] = '\\'
		i = nl
	}
	return bytes.ReplaceAll(sh, []byte("\r\n"), []byte(" \n"))
}

// parseRun finds the flags and command text of a RUN and, for the shell form, parses the
// shell. A RUN whose shell cannot be read still gets its offsets (so flags can be added),
// with NoShell saying why.
func (f *File) parseRun(in *Instr) (*Shell, string) {
	c := in.Cmd.(*instructions.RunCommand)
	src := f.Source.Src
	esc := byte(f.Escape)
	end := f.Source.trimEOL(in.Span.Start, in.Span.End)
	if len(in.Node.Heredocs) > 0 {
		// The RUN's own line ends where its heredoc bodies start.
		end = f.Source.trimEOL(in.Span.Start, f.Source.LineSpan(in.Node.StartLine, in.Node.StartLine).End)
	}
	p := in.Span.Start
	lineStart := func(q int) bool { // only blanks before q on its line
		for q > in.Span.Start && (src[q-1] == ' ' || src[q-1] == '\t') {
			q--
		}
		return q > in.Span.Start && src[q-1] == '\n'
	}
	skipSpace := func() {
		for p < end {
			switch {
			case src[p] == ' ' || src[p] == '\t':
				p++
			case src[p] == '#' && lineStart(p):
				// A comment line inside the continuation, which BuildKit drops.
				nl := bytes.IndexByte(src[p:end], '\n')
				if nl < 0 {
					return
				}
				p += nl + 1
			case src[p] == esc:
				q := p + 1 // BuildKit allows blanks between the escape and the line end
				for q < end && (src[q] == ' ' || src[q] == '\t') {
					q++
				}
				switch {
				case q < end && src[q] == '\n':
					p = q + 1
				case q+1 < end && src[q] == '\r' && src[q+1] == '\n':
					p = q + 2
				default:
					return
				}
			default:
				return
			}
		}
	}
	skipSpace()
	for p < end && src[p] != ' ' && src[p] != '\t' && src[p] != esc {
		p++ // the keyword
	}
	skipSpace()
	r := &Shell{FlagsStart: p, End: end}
	for _, fl := range in.Node.Flags {
		if !bytes.HasPrefix(src[p:end], []byte(fl)) {
			return nil, "its flags span several lines"
		}
		r.Flags = append(r.Flags, Span{p, p + len(fl)})
		p += len(fl)
		skipSpace()
	}
	r.CmdStart = p
	text := src[r.CmdStart:end]
	r.Multiline = bytes.Contains(src[in.Span.Start:end], []byte("\n"))
	r.Indent = "    "
	lines := bytes.Split(src[in.Span.Start:end], []byte("\n"))
	off := in.Span.Start
	indentSet := false
	for i, l := range lines {
		t := bytes.TrimSpace(l)
		if i > 0 && len(t) == 0 {
			return r, "it has blank lines inside its continuation"
		}
		if i > 0 && t[0] == '#' {
			// BuildKit drops comment lines inside a continuation; the shell below sees
			// them as blanks that continue the line, so that offsets stay the same. Those
			// before the command (among the flags) are outside its text.
			if off >= r.CmdStart {
				r.Comments = append(r.Comments, Span{off, off + len(l) + 1})
			}
		} else if i > 0 && !indentSet {
			r.Indent = string(l[:len(l)-len(bytes.TrimLeft(l, " \t"))])
			indentSet = true
		}
		off += len(l) + 1
	}
	switch {
	case f.Windows[in.Stage]:
		return r, "it runs on a Windows image"
	case len(in.Node.Heredocs) > 0:
		return r, "it uses a heredoc"
	case !c.PrependShell:
		return r, "it is in exec (JSON) form"
	}
	// The shell sees the text as the Dockerfile's shell does, keeping every offset: the
	// escape character before a line ending (blanks between allowed) is a continuation,
	// comment lines inside the continuation are gone, and CRLF endings become " \n".
	sh := shellText(text, esc, r.CmdStart, r.Comments)
	key := string(sh)
	if file, ok := f.shells[key]; ok {
		r.Shell = file // the same command text in an earlier round
		return r, ""
	}
	file, err := parseShell(bytes.NewReader(sh))
	if err != nil {
		return r, "its shell does not parse: " + err.Error()
	}
	if f.shells != nil {
		f.shells[key] = file
	}
	r.Shell = file
	return r, ""
}

// Continuation is what ends a line inside a continued instruction: " \" with the
// file's escape character.
func (f *File) Continuation() string { return " " + string(f.Escape) + f.Source.EOL }

// locate turns a BuildKit error into "path:line: message".
func locate(path string, err error) error {
	var le *parser.LocationError
	if errors.As(err, &le) && len(le.Locations) > 0 && len(le.Locations[0]) > 0 {
		return &Error{Path: path, Line: le.Locations[0][0].Start.Line, Err: err}
	}
	return &Error{Path: path, Err: err}
}

// Error is a failure tied to a file and line.
type Error struct {
	Path string
	Line int
	Err  error
}

func (e *Error) Error() string {
	msg := e.Err.Error()
	var le *parser.LocationError
	if errors.As(e.Err, &le) {
		msg = le.Unwrap().Error()
	}
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.Path, e.Line, msg)
	}
	return fmt.Sprintf("%s: %s", e.Path, msg)
}

func (e *Error) Unwrap() error { return e.Err }

// openEnd returns the line where in ends in an open line continuation, or 0: its last
// line that is not blank or a comment ends with the escape character (possible only at
// the end of the file, where the parser stops). A line added after it would join it.
func (f *File) openEnd(in *Instr) int {
	if len(in.Node.Heredocs) > 0 {
		return 0
	}
	src := f.Source
	end := len(src.Lines) // the lines up to the next instruction belong to this one
	if in.Index+1 < len(f.Instrs) {
		end = f.Instrs[in.Index+1].Node.StartLine - 1
	}
	for l := end; l >= in.Node.StartLine; l-- {
		sp := src.LineSpan(l, l)
		t := bytes.TrimSpace(src.Src[sp.Start:sp.End])
		if len(t) == 0 || t[0] == '#' {
			continue
		}
		if t[len(t)-1] == byte(f.Escape) {
			return l
		}
		return 0
	}
	return 0
}

// mentionsArg reports whether Dockerfile text refers to one of the state's build arguments.
func mentionsArg(text string, st *State) bool {
	if !strings.Contains(text, "$") {
		return false
	}
	for k, isArg := range st.Args {
		if isArg && (strings.Contains(text, "$"+k) || strings.Contains(text, "${"+k)) {
			return true
		}
	}
	return false
}

// ancestors returns the earlier stages that stage builds on (FROM base AS build, FROM
// build ...), the first base first.
func (f *File) ancestors(stage int) [][]*Instr {
	var out [][]*Instr
	for seen := 0; stage >= 0 && seen < len(f.Stages); seen++ {
		fs, ok := f.Stages[stage][0].Cmd.(*instructions.Stage)
		if !ok {
			break
		}
		base := strings.ToLower(fs.BaseName)
		parent := -1
		for i := stage - 1; i >= 0; i-- {
			if ps, ok := f.Stages[i][0].Cmd.(*instructions.Stage); ok && (strings.ToLower(ps.Name) == base && base != "" || strconv.Itoa(i) == base) {
				parent = i
				break
			}
		}
		if parent < 0 {
			break
		}
		out = append([][]*Instr{f.Stages[parent]}, out...)
		stage = parent
	}
	return out
}

// lineage returns the instructions of the stages that stage builds on, then its own.
func (f *File) lineage(stage int) []*Instr {
	return slices.Concat(append(f.ancestors(stage), f.Stages[stage])...)
}

// before returns the instructions of in's lineage that run before it, first first.
func (f *File) before(in *Instr) []*Instr {
	all := f.lineage(in.Stage)
	return all[:slices.Index(all, in)]
}

// hasUpper reports whether s has an ASCII upper-case letter (instruction keywords are
// ASCII).
func hasUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			return true
		}
	}
	return false
}
