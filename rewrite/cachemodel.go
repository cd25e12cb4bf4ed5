package rewrite

// cachemodel.go models Docker's build cache from the Dockerfile and the context alone. A
// step is reused unless its text changed (the model's scenarios only change context files),
// or a COPY/ADD from the context copies a changed file (after .dockerignore), or a bind
// mount from the context sees a change, or an earlier step of its stage, the stage it
// builds on, or a COPY --from / mount from= source stage was rebuilt.

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/cachefix/cachefix/detect"
	"github.com/cachefix/cachefix/manifests"
)

// Step is one instruction's fate in a scenario.
type Step struct {
	Line    int    `json:"line"`
	Stage   int    `json:"stage"`
	Text    string `json:"text"`
	Rebuilt bool   `json:"rebuilt"`
	Reason  string `json:"reason,omitempty"`
	// Install names the dependency installs the step runs ("npm ci"), if any.
	Install []string `json:"install,omitempty"`

	installs []*manifests.Install
	instr    *Instr
}

// Simulate tells which steps a build reruns when the given context files (slash paths
// relative to the context) change.
func (f *File) Simulate(ctx *detect.Context, changed []string) []Step {
	var live []string
	for _, c := range changed {
		c = path.Clean(strings.TrimPrefix(c, "/"))
		if !ctx.Excluded(c) {
			live = append(live, c)
		}
	}
	rebuiltStage := map[string]bool{}
	out := make([]Step, 0, len(f.Instrs))
	for si, stage := range f.Stages {
		prev := false
		prevReason := ""
		fs := stage[0].Cmd.(*instructions.Stage)
		for _, in := range stage {
			st := Step{Line: in.Line(), Stage: si, Text: firstLine(in.Node.Original), instr: in}
			reason := ""
			switch c := in.Cmd.(type) {
			case *instructions.Stage:
				if rebuiltStage[strings.ToLower(c.BaseName)] {
					reason = "stage " + c.BaseName + " rebuilt"
				}
			case *instructions.CopyCommand:
				if c.From != "" {
					if rebuiltStage[strings.ToLower(c.From)] {
						reason = "stage " + c.From + " rebuilt"
					}
				} else {
					reason = f.copyChange(in, ctx, c.SourcePaths, live)
				}
			case *instructions.AddCommand:
				reason = f.copyChange(in, ctx, c.SourcePaths, live)
			case *instructions.RunCommand:
				for _, m := range instructions.GetMounts(c) {
					switch {
					case m.Type == instructions.MountTypeBind && m.From == "":
						src := m.Source
						if src == "" {
							src = "."
						}
						if hit := matchSource(ctx, src, live); hit != "" && reason == "" {
							reason = "bind mount of " + src + " sees " + hit
						}
					case m.From != "" && rebuiltStage[strings.ToLower(m.From)] && reason == "":
						reason = "mount from stage " + m.From + " rebuilt"
					}
				}
				els, _ := f.elements(in)
				for _, e := range els {
					if e.install != nil && e.install.Manager != manifests.Venv && !e.install.Build {
						st.Install = appendUnique(st.Install, e.label())
						st.installs = append(st.installs, e.install)
					}
				}
			}
			switch {
			case prev:
				st.Rebuilt, st.Reason = true, "previous step rebuilt"
				if prevReason != "" && in == stage[0] {
					st.Reason = prevReason
				}
			case reason != "":
				st.Rebuilt, st.Reason = true, reason
			}
			prev = prev || st.Rebuilt
			out = append(out, st)
		}
		if prev {
			rebuiltStage[fmt.Sprint(si)] = true
			if fs.Name != "" {
				rebuiltStage[strings.ToLower(fs.Name)] = true
			}
		}
	}
	return out
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 100 {
		s = s[:97] + "..."
	}
	return s
}

// copyChange says which changed file a COPY or ADD from the context copies, or "".
func (f *File) copyChange(in *Instr, ctx *detect.Context, sources []string, changed []string) string {
	for _, s := range sources {
		if strings.Contains(s, "://") || strings.HasPrefix(s, "git@") {
			continue // a remote source: checked by its checksum, not the context
		}
		exp, ok := f.expandWord(in.State, s)
		if !ok {
			if len(changed) > 0 {
				return fmt.Sprintf("%s uses a build argument whose value is unknown", s)
			}
			continue
		}
		if hit := matchSource(ctx, exp, changed); hit != "" {
			return fmt.Sprintf("%s copies %s", firstLine(in.Node.Original), hit)
		}
	}
	return ""
}

// matchSource returns the first changed file that a COPY source (a path, folder or
// wildcard, relative to the context) takes in, or "".
func matchSource(ctx *detect.Context, src string, changed []string) string {
	src = path.Clean(strings.TrimPrefix(src, "/"))
	for _, c := range changed {
		if src == "." || c == src || under(c, src) {
			return c
		}
		if strings.ContainsAny(src, "*?[") {
			// A wildcard matches a path; a matched folder is copied whole.
			for p := c; p != "." && p != "/"; p = path.Dir(p) {
				if ok, _ := path.Match(src, p); ok {
					return c
				}
			}
		}
	}
	return ""
}

// Scenario is a named set of changed files.
type Scenario struct {
	Name    string   `json:"name"`
	Changed []string `json:"changed"`
}

// DefaultScenarios are "edit one source file" (a context file that is no manifest) and
// "edit each manifest" (one scenario per manifest in the context).
func DefaultScenarios(ctx *detect.Context, dockerfile string) []Scenario {
	files := contextFiles(ctx, 20000)
	var out []Scenario
	source, other := "", ""
	var mans []string
	for _, name := range files {
		switch {
		case manifests.IsManifest(name):
			mans = append(mans, name)
		case detect.IsDockerfile(path.Base(name)) || strings.HasSuffix(name, ".dockerignore"):
		case source == "" && sourceExts[strings.ToLower(path.Ext(name))]:
			source = name
		case other == "":
			other = name
		}
	}
	if source == "" {
		source = other
	}
	if source == "" {
		source = probeSource // a file added to the context
	}
	out = append(out, Scenario{Name: "edit a source file (" + source + ")", Changed: []string{source}})
	for _, m := range mans {
		out = append(out, Scenario{Name: "edit " + m, Changed: []string{m}})
	}
	return out
}

// sourceExts are the endings of files that are surely source code.
var sourceExts = map[string]bool{".py": true, ".js": true, ".mjs": true, ".cjs": true, ".ts": true, ".tsx": true, ".jsx": true, ".go": true, ".rb": true, ".java": true, ".kt": true, ".rs": true, ".php": true, ".c": true, ".cc": true, ".cpp": true, ".h": true, ".sh": true, ".css": true, ".html": true, ".vue": true, ".svelte": true, ".cs": true, ".scala": true, ".ex": true, ".exs": true}

// probeSource is the file a source edit is modelled with when the context is not walked:
// a new file at the context's root, which no manifest pattern matches.
const probeSource = "cachefix-probe.src"

// SourceEditInstalls counts the install steps that an edit of source files reruns. It
// models the edit as a new file at the context root and in each folder the file copies
// (COPY backend/ /app/), so it reads nothing of the context but those folders' kind.
func (f *File) SourceEditInstalls(ctx *detect.Context) int {
	probes := []string{probeSource}
	for _, in := range f.Instrs {
		srcs, fromContext := copySources(in)
		if !fromContext {
			continue
		}
		for _, s := range srcs {
			s = path.Clean(strings.TrimPrefix(s, "/"))
			if s == "." || strings.ContainsAny(s, "*?[$") || !fs.ValidPath(s) {
				continue
			}
			if _, dir := ctx.Stat(s); dir && !slices.Contains(probes, path.Join(s, probeSource)) {
				probes = append(probes, path.Join(s, probeSource))
			}
		}
	}
	n := 0
	for _, s := range f.Simulate(ctx, probes) {
		if s.Rebuilt && len(s.Install) > 0 {
			n++
		}
	}
	return n
}

// installKeys names the install steps that rebuild and read context file name, by stage
// and occurrence, so that the same install can be found before and after a rewrite.
func (f *File) installKeys(ctx *detect.Context, steps []Step, name string) map[string]bool {
	keys := map[string]bool{}
	count := map[string]int{}
	for _, s := range steps {
		for i, lbl := range s.Install {
			k := lbl + " (stage " + strconv.Itoa(s.Stage) + ")"
			count[k]++
			if s.Rebuilt && slices.Contains(f.installReads(ctx, s.instr, s.installs[i]), name) {
				keys[k+" #"+strconv.Itoa(count[k])] = true
			}
		}
	}
	return keys
}

// contextSource returns the context file that the COPYs before in (in its stage) put at
// image path img, the latest one winning.
func (p *Pass) contextSource(in *Instr, img string) (string, bool) {
	stage := p.File.Stages[in.Stage]
	for i := in.Index - stage[0].Index - 1; i >= 0; i-- {
		ci := p.copyInfo(stage[i])
		if ci == nil {
			continue
		}
		if c, ok := p.source(ci, img); ok {
			if exists, _ := p.Context.Stat(c); exists {
				return c, true
			}
		}
	}
	return "", false
}

// installReads lists the context files an install reads: its inputs and the files they
// include, found through the COPYs before it in its stage.
func (f *File) installReads(ctx *detect.Context, in *Instr, inst *manifests.Install) []string {
	key := readsKey{ctx, inst}
	if r, ok := f.reads[key]; ok {
		return r // the stale-cache check asks once per manifest and install
	}
	r := f.readInstall(ctx, in, inst)
	if f.reads == nil {
		f.reads = map[readsKey][]string{}
	}
	f.reads[key] = r
	return r
}

// readsKey names an install (an element's, cached with the file) read in one context.
type readsKey struct {
	ctx  *detect.Context
	inst *manifests.Install
}

func (f *File) readInstall(ctx *detect.Context, in *Instr, inst *manifests.Install) []string {
	p := &Pass{File: f, Context: ctx, shared: &shared{}}
	cwd := f.installDir(in, inst)
	cp := f.followed(ctx, in, inst, cwd)
	var out []string
	for _, n := range append(cp.Inputs[:len(cp.Inputs):len(cp.Inputs)], cp.Optional...) {
		if c, ok := p.contextSource(in, resolve(cwd, n)); ok {
			out = append(out, c)
		}
	}
	return out
}

// followed is the install completed by its manager's Follow from the files it reads (a
// requirements file's includes, a package.json's workspaces), found through the COPYs
// before in, in folder cwd. It is computed once per install, folder and context, and
// must not be changed: the element's own install serves every caller.
func (f *File) followed(ctx *detect.Context, in *Instr, inst *manifests.Install, cwd string) *manifests.Install {
	if inst.Manager.Follow == nil {
		return inst
	}
	key := followKey{ctx, inst, cwd}
	if r, ok := f.follows[key]; ok {
		return r
	}
	p := &Pass{File: f, Context: ctx, shared: &shared{}}
	cp := *inst
	cp.Inputs = slices.Clone(inst.Inputs)
	cp.Optional = slices.Clone(inst.Optional)
	found := map[string]string{}  // image path to context file ("" for none): managers look upward
	byName := map[string]string{} // the same by the name asked (Exists, then Read)
	source := func(name string) string {
		if c, ok := byName[name]; ok {
			return c
		}
		img := resolve(cwd, name)
		if rest, ok := strings.CutPrefix(name, "~/"); ok {
			home, _, _, ok := p.home(in.State) // the home of the user the step runs as
			if !ok {
				byName[name] = ""
				return ""
			}
			img = joinPath(home, rest)
		}
		c, ok := found[img]
		if !ok {
			c, _ = p.contextSource(in, img)
			found[img] = c
		}
		byName[name] = c
		return c
	}
	cp.Manager.Follow(&cp, manifests.Reader{
		Read: func(name string) ([]byte, error) {
			if c := source(name); c != "" {
				return ctx.ReadFile(c)
			}
			return nil, fs.ErrNotExist
		},
		Exists: func(name string) bool { return source(name) != "" },
		Depth:  depth(cwd),
	})
	if f.follows == nil {
		f.follows = map[followKey]*manifests.Install{}
	}
	f.follows[key] = &cp
	return &cp
}

// depth is how many folders lie above an absolute folder (1 for /app), 0 for / or a
// relative one.
func depth(dir string) int {
	if !path.IsAbs(dir) {
		return 0
	}
	dir = path.Clean(dir)
	if dir == "/" {
		return 0
	}
	return strings.Count(dir, "/")
}

type followKey struct {
	ctx  *detect.Context
	inst *manifests.Install
	cwd  string
}

// staleInstalls checks a rewrite against the model: every install that an edit of a
// manifest it reads reran before must still rerun after, or the rewrite would leave a
// stale cache. It returns a description of the first violation, or "".
func staleInstalls(before, after *File, ctx, ctxAfter *detect.Context) string {
	// The manifests to try are the files the original's installs read: no context walk.
	var names []string
	for _, in := range before.Instrs {
		els, _ := before.elements(in)
		for _, e := range els {
			if e.install != nil {
				names = appendUnique(names, before.installReads(ctx, in, e.install)...)
			}
		}
	}
	sort.Strings(names)
	for _, name := range names {
		b := before.installKeys(ctx, before.Simulate(ctx, []string{name}), name)
		a := after.installKeys(ctxAfter, after.Simulate(ctxAfter, []string{name}), name)
		var lost []string
		for k := range b {
			if !a[k] {
				lost = append(lost, k)
			}
		}
		if len(lost) > 0 {
			sort.Strings(lost)
			return fmt.Sprintf("after the rewrite an edit of %s would no longer re-run %s (a stale cache)", name, strings.Join(lost, ", "))
		}
	}
	return ""
}

// contextFiles lists the context's files that the build sees, sorted, at most limit.
func contextFiles(ctx *detect.Context, limit int) []string {
	var out []string
	_ = walkContext(ctx, ".", func(name string) bool {
		out = append(out, name)
		return len(out) < limit
	})
	sort.Strings(out)
	return out
}

// walkContext calls fn for each regular file of the build below dir, until fn returns
// false. Excluded folders are skipped unless the ignore file re-includes something.
func walkContext(ctx *detect.Context, dir string, fn func(string) bool) error {
	return fs.WalkDir(ctx.FS, dir, func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // unreadable: the build would fail on it, the model skips it
		}
		if d.IsDir() {
			if name != "." && ctx.Excluded(name) && !ctx.Reincludes() {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || ctx.Excluded(name) {
			return nil
		}
		if !fn(name) {
			return fs.SkipAll
		}
		return nil
	})
}
