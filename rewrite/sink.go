package rewrite

// sink.go plans the three reordering rules (manifest-first, install-order, split-chain).
//
// A copy from the build context (COPY . ., COPY server.py .) is "sunk": it moves down past
// the dependency installs that follow it in its stage, and each install that reads files
// the copy brought (requirements.txt, package.json) gets a COPY of exactly those files
// right before it. The installs themselves keep their place and their bytes.
//
// The copy passes an instruction only when the result is provably the same:
//   - ENV, ARG, LABEL, EXPOSE, USER, CMD, ENTRYPOINT, STOPSIGNAL, HEALTHCHECK and SHELL do
//     not read the copied files, and the copy's own words use no variable;
//   - a RUN passes when every command in it is a recognized install whose inputs are all
//     known (manifests.Install.Inputs) or a command on the short list of commands that read
//     nothing of the project (mkdir, useradd, ...) with no path inside the copy's
//     destination. Anything else, including an install that reads the source (pip
//     install ., a postinstall script), stops the copy: e.g. RUN python manage.py migrate;
//   - an install whose output lies under the copy's destination (node_modules, .venv) would
//     be overwritten by host files of the same name: the fix adds them to .dockerignore;
//   - a RUN whose && chain starts with installs and goes on with a step that reads the
//     source is split there: the installs stay before the copy, the rest becomes a RUN
//     after it (same order, and a failing install still stops the build);
//   - WORKDIR, COPY, ADD, VOLUME and ONBUILD stop the copy.
//
// All three rules read the one plan per stage computed here; each reports the plans of its
// kind, so a plan is reported once.

import (
	"cmp"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/cachefix/cachefix/detect"
	"github.com/cachefix/cachefix/manifests"
)

// ManifestFirst copies the manifests an install reads before the source.
var ManifestFirst = &Rule{
	Name:    "manifest-first",
	Doc:     "Copy only the manifests before a dependency install, the source after it\n\nA COPY of the whole context before an install makes every source edit re-run the install.",
	Default: Safe,
	Run:     func(p *Pass) { p.reportPlans(planManifest) },
}

// InstallOrder moves installs that read no copied file above a source copy.
var InstallOrder = &Rule{
	Name:    "install-order",
	Doc:     "Move installs that read no copied file above the source copy\n\nSystem packages (apt-get) and copies of files the next install does not need sit better after it.",
	Default: Safe,
	Run:     func(p *Pass) { p.reportPlans(planOrder) },
}

// SplitChain splits an && chain that mixes an install with a step that reads the source.
var SplitChain = &Rule{
	Name:    "split-chain",
	Doc:     "Split && chains that mix an install with a build step\n\nThe install part moves before the source copy; the rest stays after it.",
	Default: Safe,
	Run:     func(p *Pass) { p.reportPlans(planSplit) },
}

type planKind int

const (
	planManifest planKind = iota
	planOrder
	planSplit
)

type sinkPlan struct {
	w        *Instr
	copy     *copyInfo
	after    *Instr // the copy goes right after this instruction (unless split)
	installs []*Instr
	first    element // the first install passed, for messages
	// manifests maps an instruction to the context paths copied right before it.
	manifests map[*Instr][]string
	order     []*Instr
	split     *splitInfo
	ignore    []string
	// unsafe, when set, says why the reorder may change the image: its fix is then unsafe.
	unsafe string
	// declined is set when an install follows the copy but cannot be reordered.
	declined   string
	declinedAt *Instr
	declinedEl element
}

func (sp *sinkPlan) kind() planKind {
	switch {
	case sp.split != nil:
		return planSplit
	case len(sp.order) > 0:
		return planManifest
	}
	return planOrder
}

type splitInfo struct {
	run                    *Instr
	prefixEnd, suffixStart int
	rest                   string // the first command left after the copy, for messages
	prefix                 string // what the second half starts with ("set -eux; ")
}

// copyInfo is a COPY or ADD from the build context that may be sunk.
type copyInfo struct {
	sources []string // context paths, cleaned; may hold wildcards
	dest    string   // as written
	abs     string   // absolute destination
	dirDest bool
	flags   []string
	text    string // the instruction's words, for messages: "COPY . ."

	// copied caches copies for the context copiedIn.
	copied   []copied
	copiedIn *detect.Context
}

func (p *Pass) reportPlans(kind planKind) {
	for _, sp := range p.plans() {
		if sp.declined != "" {
			if kind == planManifest {
				p.Report(Finding{
					instr:    sp.declinedAt,
					Line:     sp.declinedAt.Line(),
					Message:  fmt.Sprintf("%s re-runs on every source change (%s on line %d)", sp.declinedEl.label(), sp.copy.text, sp.w.Line()),
					Declined: "not moved: " + sp.declined,
				})
			}
			continue
		}
		if sp.kind() != kind {
			continue
		}
		p.Report(p.sinkFinding(sp))
	}
}

func (p *Pass) sinkFinding(sp *sinkPlan) Finding {
	fix := &Fix{Applicability: Safe, Edits: p.sinkEdits(sp), Ignore: sp.ignore}
	msg := fmt.Sprintf("%s re-runs on every source change (%s on line %d)", sp.first.label(), sp.copy.text, sp.w.Line())
	switch sp.kind() {
	case planSplit:
		fix.Message = fmt.Sprintf("Split the install from %s, which stays after the source copy", sp.split.rest)
	case planManifest:
		var names []string
		for _, in := range sp.order {
			names = append(names, sp.manifests[in]...)
		}
		fix.Message = fmt.Sprintf("Copy %s before the source and install first", strings.Join(names, ", "))
	default:
		fix.Message = fmt.Sprintf("Move %s below the install", sp.copy.text)
	}
	if len(sp.ignore) > 0 {
		fix.Note = fmt.Sprintf("%s gains %s, so host files cannot overwrite the install; this applies to every Dockerfile that uses this context", path.Base(p.Context.IgnorePath), strings.Join(sp.ignore, ", "))
		if p.Context.OwnIgnore() {
			fix.Note = fmt.Sprintf("%s gains %s, so host files cannot overwrite the install", path.Base(p.Context.IgnorePath), strings.Join(sp.ignore, ", "))
		}
	}
	if sp.unsafe != "" {
		fix.Applicability = Unsafe
		fix.Note = strings.TrimPrefix(fix.Note+"; "+sp.unsafe, "; ")
	}
	var at *Instr
	if len(sp.installs) > 0 {
		at = sp.installs[0]
	}
	return Finding{instr: at, Line: sp.first.line(p.File), Message: msg, Fix: fix}
}

func (e element) line(f *File) int { return f.OrigLine(f.Source.Line(e.start)) }

// plans computes, once per round, at most one plan per stage: the first context copy that
// can sink past an install (later copies are planned in later rounds).
func (p *Pass) plans() []*sinkPlan {
	if p.shared.done {
		return p.shared.plans
	}
	p.shared.done = true
	for _, stage := range p.File.Stages {
		var declined *sinkPlan
		planned := false
		for i := 0; i < len(stage); i++ {
			ci := p.copyInfo(stage[i])
			if ci == nil && stage[i].copyWhy != "" && declined == nil {
				declined = p.declineCopy(stage, i)
			}
			if ci == nil || !ci.movable() || p.File.ignores(stage[i], "manifest-first") || p.File.ignores(stage[i], "install-order") || p.File.ignores(stage[i], "split-chain") || p.isManifestCopy(ci, nil) {
				continue // e.g. # cachefix:ignore=manifest-first above the COPY: it stays
			}
			if p.missingSource(ci) {
				// The build would fail on it here, so it probably uses another context,
				// whose files cachefix cannot see: the copy stays where it is.
				continue
			}
			sp := p.plan(stage, i, ci)
			if sp == nil || p.folderInput(stage[i], ci) {
				continue
			}
			if sp.declined == "" {
				planned = true
				p.shared.plans = append(p.shared.plans, sp)
				// Plans of one round must not overlap: go on after this one's last step.
				last := sp.after
				if sp.split != nil {
					last = sp.split.run
				}
				i = last.Index - stage[0].Index
				continue
			}
			if declined == nil {
				declined = sp
			}
		}
		if declined != nil && !planned {
			p.shared.plans = append(p.shared.plans, declined)
		}
	}
	return p.shared.plans
}

func (p *Pass) plan(stage []*Instr, i int, ci *copyInfo) *sinkPlan {
	sp := &sinkPlan{w: stage[i], copy: ci, manifests: map[*Instr][]string{}}
	last := -1
	copied := map[string]bool{}
	var allNeeded []string
	var blocked *Instr
	blockReason := ""
	var blockEl element
loop:
	for j := i + 1; j < len(stage); j++ {
		J := stage[j]
		switch J.Keyword() {
		case "env", "arg", "label", "expose", "user", "stopsignal", "healthcheck", "cmd", "entrypoint", "shell", "maintainer":
			continue
		case "workdir":
			wd := J.State.Workdir // the folder WORKDIR makes
			if w, ok := J.Cmd.(*instructions.WorkdirCommand); ok {
				wd = resolve(J.State.Workdir, w.Path)
			}
			owned := ci.owned() // COPY --chown/--chmod creates missing folders of its destination with that owner
			overlap := strings.Contains(wd, "$") || under(wd, ci.abs) || under(ci.abs, wd)
			if path.IsAbs(ci.dest) && isRoot(J.State.User) && !(owned && overlap) {
				continue // the copy's destination does not depend on it; root creates the folder as COPY would
			}
			if owned && path.IsAbs(ci.dest) {
				blocked = J
				blockReason = fmt.Sprintf("WORKDIR on line %d would create %s owned by root, where %s creates it with its own owner", J.Line(), wd, ci.text)
				break loop
			}
			blocked = J
			blockReason = fmt.Sprintf("WORKDIR on line %d comes first, and %s would then land in its folder", J.Line(), ci.text)
			if path.IsAbs(ci.dest) {
				who := "USER " + J.State.User
				if img, ok := strings.CutPrefix(J.State.User, baseUserMark); ok {
					who = "the user of " + img
				}
				blockReason = fmt.Sprintf("WORKDIR on line %d would create %s as %s, where COPY creates it as root", J.Line(), wd, who)
			}
			break loop
		case "run":
			v := p.judgeRun(ci, J)
			allNeeded = append(allNeeded, v.needed...)
			if v.ok || v.split != nil {
				var fresh []string
				for _, n := range v.needed {
					if !copied[n] && !p.providedEarlier(stage[:i], ci, n) {
						copied[n] = true
						fresh = append(fresh, n)
					}
				}
				if len(fresh) > 0 {
					sp.manifests[J] = fresh
					sp.order = append(sp.order, J)
				}
				sp.ignore = appendUnique(sp.ignore, v.ignore...)
				if sp.unsafe == "" {
					sp.unsafe = v.unsafe
				}
				if v.installs > 0 {
					if len(sp.installs) == 0 || (len(sp.first.install.Inputs) == 0 && len(v.first.install.Inputs) > 0) {
						sp.first = v.first
					}
					sp.installs = append(sp.installs, J)
					last = j
				}
				if v.split != nil {
					sp.split = v.split
					break loop
				}
				continue
			}
			blocked, blockReason, blockEl = J, v.block, v.blockEl
			if v.installs == 0 {
				blockReason = fmt.Sprintf("RUN on line %d %s", J.Line(), v.block)
			}
			break loop
		default:
			blocked = J
			blockReason = fmt.Sprintf("%s on line %d comes first", strings.ToUpper(J.Keyword()), J.Line())
			break loop
		}
	}
	if last < 0 {
		// Nothing can move. Say why when an install follows the copy in this stage.
		if blocked == nil {
			return nil
		}
		if blockEl.install == nil {
			for _, K := range stage[blocked.Index-stage[0].Index:] {
				els, _ := p.File.elements(K)
				for _, e := range els {
					if e.install != nil && len(e.install.Inputs) > 0 && !e.install.Build {
						blockEl = e
						blocked = K
						break
					}
				}
				if blockEl.install != nil {
					break
				}
			}
		}
		if blockEl.install == nil || blockEl.install.Build || p.isManifestCopy(ci, allNeeded) {
			return nil // e.g. go build after COPY . .: re-running on a source change is its job
		}
		if p.isManifestCopy(ci, p.File.installReads(p.Context, blocked, blockEl.install)) {
			return nil // the install reads every file the copy brings (a -r include named extra.txt)
		}
		sp.declined, sp.declinedAt, sp.declinedEl = blockReason, blocked, blockEl
		return sp
	}
	if p.isManifestCopy(ci, allNeeded) {
		return nil
	}
	if sp.split == nil {
		sp.after = stage[last]
		if l := p.File.openEnd(sp.after); l > 0 {
			sp.declined, sp.declinedAt, sp.declinedEl = fmt.Sprintf("line %d ends in a line continuation at the end of the file, so an instruction after it would join it", l), sp.installs[0], sp.first
		}
	}
	return sp
}

// folderInput reports whether the copy w writes inside a folder that a later install of
// the stage reads (COPY pypi /pypi for PIP_INDEX_URL=file:///pypi/simple): it is the
// install's input, already before it.
func (p *Pass) folderInput(w *Instr, ci *copyInfo) bool {
	if p.shared.folders == nil {
		p.shared.folders = map[int][]readFolder{}
	}
	folders, ok := p.shared.folders[w.Stage]
	if !ok {
		for _, k := range p.File.Stages[w.Stage] {
			els, _ := p.File.elements(k)
			for _, e := range els {
				if e.install == nil || len(e.install.Folders) == 0 && e.install.Manager != manifests.Pip && e.install.Manager != manifests.Uv {
					continue // only pip's and uv's configuration files name more folders
				}
				cwd := p.File.installDir(k, e.install)
				for _, dir := range p.File.followed(p.Context, k, e.install, cwd).Folders {
					folders = append(folders, readFolder{k, resolve(cwd, dir)})
				}
			}
		}
		p.shared.folders[w.Stage] = folders
	}
	var read []string
	for _, f := range folders {
		if f.at.Index <= w.Index {
			continue
		}
		if under(ci.abs, f.img) {
			return true // COPY wheels /app/wheels: the folder itself
		}
		if under(f.img, ci.abs) {
			read = append(read, f.img)
		}
	}
	if len(read) == 0 || len(ci.sources) != 1 || ci.sources[0] == "." {
		return false
	}
	// COPY pypi /pypi for /pypi/simple: an input copy when it holds only what is read.
	n, all := p.everyFile(ci.sources[0], 500, func(name string) bool {
		img, _ := p.imagePath(ci, name)
		return slices.ContainsFunc(read, func(r string) bool { return under(img, r) })
	})
	return all && n > 0
}

// declineCopy makes a declined plan for a copy cachefix cannot read (a variable in it),
// when a later install of the stage reads manifests, so that the skip is not silent.
func (p *Pass) declineCopy(stage []*Instr, i int) *sinkPlan {
	w := stage[i]
	if sd, ok := copySources(w); ok && len(sd) > 0 {
		all := true
		for _, s := range sd {
			all = all && !strings.Contains(s, "$") && manifests.IsManifest(path.Clean(s))
		}
		if all {
			return nil // COPY --chown=$UID package.json ./: a manifest copy, already first
		}
	}
	for _, k := range stage[i+1:] {
		els, _ := p.File.elements(k)
		for _, e := range els {
			if e.install != nil && len(e.install.Inputs) > 0 && !e.install.Build {
				text := firstLine(w.Node.Original)
				return &sinkPlan{w: w, copy: &copyInfo{text: text}, declined: w.copyWhy, declinedAt: k, declinedEl: e}
			}
		}
	}
	return nil
}

// providedEarlier reports whether an earlier COPY of the stage already puts context file c
// where the copy would, with the same flags: a manifest copy of it would repeat that one.
// e.g. COPY ["package.json", "package-lock.json", "relay.js", "./"] before COPY . .
// The last step that writes there decides: a later copy of another file, or an install
// that may rewrite it (npm install and its lockfile), means it is not provided.
func (p *Pass) providedEarlier(earlier []*Instr, ci *copyInfo, c string) bool {
	img, _ := p.imagePath(ci, c)
	for k := len(earlier) - 1; k >= 0; k-- {
		e := earlier[k]
		if e.Keyword() == "run" {
			els, _ := p.File.elements(e)
			for _, el := range els {
				if el.install == nil {
					continue
				}
				for _, r := range el.install.Rewrites {
					if resolve(p.File.installDir(e, el.install), r) == img {
						return false
					}
				}
			}
			continue
		}
		ei := p.copyInfo(e)
		if ei == nil {
			continue
		}
		if src, ok := p.source(ei, img); ok {
			return src == c && strings.Join(ei.flags, " ") == strings.Join(ci.flags, " ")
		}
	}
	return false
}

// isManifestCopy reports whether every source of the copy is a manifest that the installs
// after it read, so that the copy is already where it belongs (COPY package*.json ./).
func (p *Pass) isManifestCopy(ci *copyInfo, needed []string) bool {
	if len(needed) == 0 {
		// Nothing read yet (another COPY follows): judge by the names.
		for _, s := range ci.sources {
			matches := p.expandSource(s)
			if s == "." || len(matches) == 0 {
				return false
			}
			for _, m := range matches {
				if _, dir := p.Context.Stat(m); dir && !p.onlyManifests(m, nil) || !dir && !manifests.IsManifest(m) {
					return false // a folder of manifests only is one (turbo prune's out/json/)
				}
			}
		}
		return true
	}
	for _, s := range ci.sources {
		if s == "." {
			return false
		}
		matches := p.expandSource(s)
		if len(matches) == 0 {
			return false
		}
		for _, m := range matches {
			if _, dir := p.Context.Stat(m); dir {
				if !p.onlyManifests(m, needed) {
					return false // COPY backend/ /app/: a source tree that holds the manifests
				}
				continue
			}
			if !slices.Contains(needed, m) {
				return false
			}
		}
	}
	return true
}

// onlyManifests reports whether folder dir of the context holds only files that the
// installs read or that are manifests by name, with at least one of the former
// (COPY requirements/ requirements/), or, with needed nil, only manifests by name (turbo
// prune's out/json/): a copy of it is a manifest copy. A folder of more than a few hundred
// files is a source tree.
func (p *Pass) onlyManifests(dir string, needed []string) bool {
	read := false
	n, all := p.everyFile(dir, 200, func(name string) bool {
		if slices.Contains(needed, name) {
			read = true
			return true
		}
		return manifests.IsManifest(name)
	})
	return all && (read || needed == nil && n > 0)
}

// everyFile reports whether ok holds for every file of the build under folder dir (files
// the ignore file excludes do not count), and how many it saw; more than limit files make
// it false. It stops at the first file ok refuses.
func (p *Pass) everyFile(dir string, limit int, ok func(name string) bool) (n int, all bool) {
	// The walk stops at the first file ok refuses (fs.ReadDir, unlike fs.WalkDir, does
	// not stat the top folder, which the caller knows).
	var walk func(dir string) bool
	walk = func(dir string) bool {
		entries, err := fs.ReadDir(p.Context.FS, dir)
		if err != nil {
			return false
		}
		for _, e := range entries {
			name := joinPath(dir, e.Name())
			if p.Context.Excluded(name) {
				if e.IsDir() && p.Context.Reincludes() && !walk(name) {
					return false
				}
				continue
			}
			if e.IsDir() {
				if !walk(name) {
					return false
				}
				continue
			}
			if n++; n > limit || !ok(name) {
				return false
			}
		}
		return true
	}
	exists, isDir := p.Context.OnDisk(dir)
	switch {
	case !exists:
		return 0, false
	case p.Context.Excluded(dir) && !(isDir && p.Context.Reincludes()):
		return 0, true // nothing of it is in the build
	case !isDir:
		return 1, limit >= 1 && ok(dir)
	}
	all = walk(dir)
	return n, all
}

// expandSource lists the context paths a COPY source names.
func (p *Pass) expandSource(s string) []string {
	if strings.ContainsAny(s, "*?[") {
		return p.Context.Glob(s)
	}
	if ok, _ := p.Context.Stat(s); ok || s == "." {
		return []string{s}
	}
	return nil
}

// copyInfo returns the copy's sources and destination when it may be sunk (computed once
// per instruction).
func (p *Pass) copyInfo(w *Instr) *copyInfo {
	if !w.copyDone {
		w.copy, w.copyDone = p.readCopy(w), true
	}
	return w.copy
}

func (p *Pass) readCopy(w *Instr) *copyInfo {
	var sd instructions.SourcesAndDest
	switch c := w.Cmd.(type) {
	case *instructions.CopyCommand:
		if c.From != "" || c.Parents || len(c.ExcludePatterns) > 0 {
			return nil // e.g. COPY --from=build /app/dist ./dist
		}
		sd = c.SourcesAndDest
	case *instructions.AddCommand:
		if c.Checksum != "" || c.KeepGitDir != nil || c.Unpack != nil || len(c.ExcludePatterns) > 0 {
			return nil
		}
		sd = c.SourcesAndDest
	default:
		return nil
	}
	if len(sd.SourceContents) > 0 || len(sd.SourcePaths) == 0 || w.State.Workdir == "" || p.File.Windows[w.Stage] {
		return nil // e.g. COPY <<EOF /etc/x
	}
	for _, fl := range w.Node.Flags {
		if !strings.HasPrefix(fl, "--chown=") && !strings.HasPrefix(fl, "--chmod=") && fl != "--link" && fl != "--link=true" {
			return nil
		}
		if strings.Contains(fl, "$") {
			w.copyWhy = fmt.Sprintf("its flag %s uses a build variable", fl)
			return nil // e.g. COPY --chown=$UID:$UID . .
		}
	}
	ci := &copyInfo{dest: sd.DestPath, flags: w.Node.Flags}
	if strings.ContainsAny(sd.DestPath, "$") {
		w.copyWhy = fmt.Sprintf("its destination %s uses a build variable", sd.DestPath)
		return nil // e.g. COPY . $APP_HOME
	}
	for _, s := range sd.SourcePaths {
		if strings.Contains(s, "$") {
			w.copyWhy = fmt.Sprintf("its source %s uses a build variable", s)
			return nil
		}
		if strings.ContainsAny(s, " \t") || strings.Contains(s, "://") || strings.HasPrefix(s, "git@") {
			return nil
		}
		c := path.Clean(strings.TrimPrefix(s, "/"))
		if c == ".." || strings.HasPrefix(c, "../") {
			return nil
		}
		ci.sources = append(ci.sources, c)
	}
	ci.abs = resolve(w.State.Workdir, sd.DestPath)
	ci.dirDest = strings.HasSuffix(sd.DestPath, "/") || sd.DestPath == "." || len(sd.SourcePaths) > 1 || strings.HasSuffix(sd.DestPath, "/.")
	for _, s := range ci.sources {
		if strings.ContainsAny(s, "*?[") {
			ci.dirDest = true
		}
	}
	ci.text = strings.ToUpper(w.Keyword()) + " " + strings.Join(append(append([]string(nil), sd.SourcePaths...), sd.DestPath), " ")
	return ci
}

// owned reports whether the copy sets the owner or mode of what it creates (--chown,
// --chmod), the folders of its destination included.
func (ci *copyInfo) owned() bool {
	for _, fl := range ci.flags {
		if strings.HasPrefix(fl, "--chown") || strings.HasPrefix(fl, "--chmod") {
			return true
		}
	}
	return false
}

// movable reports whether a copy may move below an install: only a copy into a project
// folder, since a copy of configuration (apt sources, a global .npmrc) may be read by an
// install that does not name it.
func (ci *copyInfo) movable() bool {
	if !projectDest(ci.abs) {
		return false // e.g. COPY sources.list /etc/apt/sources.list
	}
	for _, s := range ci.sources {
		if ci.dirDest && s != "." && !projectDest(path.Join(ci.abs, path.Base(s))) {
			return false // e.g. COPY npmrc /home/app/.npmrc
		}
	}
	return true
}

// siblingCopies names a build that needs entry from the context, so that an ignore entry
// for it would break that build: another Dockerfile of the context, or another stage of
// this one, that copies it by name (COPY node_modules ./node_modules), or that copies the
// folder holding it (COPY . .) in a stage that installs nothing and gets no such folder
// from another stage (an image built from dependencies installed on the CI runner).
func (p *Pass) siblingCopies(entry string) string {
	present, _ := p.Context.Stat(entry)
	if line, note := stagesNeeding(p.File, p.Context, entry, present); line > 0 {
		if note != "" {
			return fmt.Sprintf("line %d (%s)", line, note)
		}
		return fmt.Sprintf("line %d", line)
	}
	if p.Context.OwnIgnore() {
		return "" // an ignore file of this Dockerfile's own: no other build reads it
	}
	sibs, nested := slices.Clone(p.Context.Siblings()), slices.Clone(p.Context.Nested()) // cached: edited below
	for _, c := range p.Context.Composed() {
		if !slices.Contains(sibs, c) {
			sibs = append(sibs, c) // built with this context by Compose: it counts in full
		}
		nested = slices.DeleteFunc(nested, func(n string) bool { return n == c })
	}
	for _, sib := range append(sibs, nested...) {
		f := p.File.sibling(sib)
		if f == nil {
			continue
		}
		line, note := stagesNeeding(f, p.Context, entry, present)
		if line == 0 || slices.Contains(nested, sib) && note != "" && note != bindNote {
			continue // a Dockerfile in a subfolder may use that folder as its context: only a use by name counts
		}
		name := filepath.Base(sib)
		if rel, err := filepath.Rel(p.Context.Dir, sib); err == nil {
			name = filepath.ToSlash(rel)
		}
		if note != "" {
			return fmt.Sprintf("%s (line %d, %s)", name, line, note)
		}
		return fmt.Sprintf("%s (line %d)", name, line)
	}
	return ""
}

// sibling parses another Dockerfile of the context, once per file: nil when it has an
// ignore file of its own, or cannot be read or parsed.
func (f *File) sibling(path string) *File {
	if sf, ok := f.siblings[path]; ok {
		return sf
	}
	var sf *File
	if _, err := os.Stat(path + ".dockerignore"); err != nil {
		data, err := detect.ReadRegular(path, MaxSize)
		if err == nil && CheckInput(path, data) == nil {
			if parsed, err := parseCached(path, data, nil, false); err == nil {
				sf = parsed
			}
		}
	}
	if f.siblings == nil {
		f.siblings = map[string]*File{}
	}
	f.siblings[path] = sf
	return sf
}

const bindNote = "a bind mount of the context"

// stagesNeeding returns the line of the first instruction of f that needs entry from the
// context (see siblingCopies), with a note on why when it does not name it, or 0: a copy
// or bind mount that names it, or a copy of a folder holding it into a place that no later
// install of the stage writes (so the image ships what the context holds there), or that
// only an install adding to it writes when the context holds it.
func stagesNeeding(f *File, ctx *detect.Context, entry string, present bool) (int, string) {
	base := path.Base(entry)
	for _, stage := range f.Stages {
		provided := false
		for _, in := range stage {
			if run, ok := in.Cmd.(*instructions.RunCommand); ok {
				for _, m := range instructions.GetMounts(run) {
					src := path.Clean(strings.TrimPrefix(m.Source, "/"))
					if m.Type == instructions.MountTypeBind && m.From == "" && (under(entry, src) || under(src, entry)) {
						return in.Line(), bindNote
					}
				}
				continue
			}
			if c, ok := in.Cmd.(*instructions.CopyCommand); ok && c.From != "" {
				for _, s := range append(append([]string(nil), c.SourcePaths...), c.DestPath) {
					provided = provided || strings.Contains(s, base) // COPY --from=deps /app/node_modules ./node_modules
				}
				continue
			}
			srcs, _ := copySources(in)
			for _, s := range srcs {
				s = path.Clean(strings.TrimPrefix(s, "/"))
				ok, _ := path.Match(s, entry)
				if s != "." && (ok || under(s, entry)) {
					return in.Line(), "" // by name
				}
				if s != "." && !under(entry, s) {
					continue
				}
				if provided {
					continue
				}
				// Where the entry lands, and whether an install after the copy writes there.
				img := path.Join(copyDest(in), entry)
				if s != "." {
					img = path.Join(copyDest(in), strings.TrimPrefix(entry, s+"/"))
				}
				if present {
					// The context's copy ends up in that image unless an install starts it afresh.
					if written, wipes := installWrites(f, ctx, stage, in, img); !written || !wipes {
						return in.Line(), "no install that starts it afresh follows"
					}
				} else if !stageInstalls(f, ctx, stage) {
					return in.Line(), "in a stage that installs nothing" // it ships what CI installed
				}
			}
		}
	}
	return 0, ""
}

// copyDest is the absolute folder a copy writes into.
func copyDest(in *Instr) string {
	switch c := in.Cmd.(type) {
	case *instructions.CopyCommand:
		return resolve(in.State.Workdir, c.DestPath)
	case *instructions.AddCommand:
		return resolve(in.State.Workdir, c.DestPath)
	}
	return in.State.Workdir
}

// stageOutput is an install's output folder (absolute) in a stage.
type stageOutput struct {
	at    *Instr
	dir   string
	wipes bool
}

// stageOutputs lists what the installs of a stage write, as their files complete them.
func stageOutputs(f *File, ctx *detect.Context, stage []*Instr) []stageOutput {
	var out []stageOutput
	for _, k := range stage {
		els, _ := f.elements(k)
		for _, e := range els {
			if e.install == nil {
				continue
			}
			cwd := f.installDir(k, e.install)
			inst := e.install
			if ctx != nil {
				inst = f.followed(ctx, k, e.install, cwd)
			}
			for _, o := range inst.Outputs {
				dir := o // ~/.local: the home is not resolved here, but it is an output
				if !strings.HasPrefix(o, "~/") {
					dir = resolve(cwd, o)
				}
				out = append(out, stageOutput{k, dir, inst.Wipes})
			}
		}
	}
	return out
}

// stageInstalls reports whether an install of the stage writes anything (node_modules, a
// venv): a stage that installs nothing may be built from what CI installed.
func stageInstalls(f *File, ctx *detect.Context, stage []*Instr) bool {
	return len(stageOutputs(f, ctx, stage)) > 0
}

// installWrites reports whether an install after in, in its stage, writes image folder img
// (one of its outputs is img or holds it), and whether one that does deletes it first
// (npm ci), so that what the copy brought there does not matter.
func installWrites(f *File, ctx *detect.Context, stage []*Instr, in *Instr, img string) (written, wipes bool) {
	for _, o := range stageOutputs(f, ctx, stage) {
		if o.at.Index > in.Index && !strings.HasPrefix(o.dir, "~/") && under(img, o.dir) {
			written = true
			wipes = wipes || o.wipes
		}
	}
	return written, wipes
}

// isAround reports whether text is one of the commands cachefix wraps around an install
// (apt's docker-clean set aside and restored).
func isAround(text string) bool {
	text = strings.TrimSuffix(strings.TrimSpace(text), ";") // a statement's text may end with its ";"
	for _, m := range manifests.All() {
		if a := m.Around; a != nil && (text == strings.TrimSpace(a.After) || text == strings.TrimSuffix(strings.TrimSpace(a.Before), ";")) {
			return true
		}
	}
	return false
}

// isRoot reports whether a USER value runs as root.
func isRoot(user string) bool {
	u, _, _ := strings.Cut(user, ":")
	return u == "" || u == "root" || u == "0"
}

// systemDirs hold the system's and package managers' configuration (apt sources and keys,
// pip.conf, global .npmrc and .yarnrc): a copy there may be read by any install.
var systemDirs = []string{"/etc", "/root", "/usr/share", "/usr/lib", "/usr/bin", "/usr/sbin", "/usr/local/etc", "/usr/local/lib", "/usr/local/share", "/usr/local/bin", "/usr/local/sbin", "/var/lib", "/var/cache", "/lib", "/lib64", "/bin", "/sbin", "/boot", "/proc", "/sys", "/dev", "/run"}

// projectDest reports whether a copy's destination is a project folder that installs
// read only through the files they name: not the root, not a system folder, and no
// dotfile (a home's .npmrc or .config).
func projectDest(abs string) bool {
	if abs == "/" {
		return false
	}
	for _, d := range systemDirs {
		if under(abs, d) {
			return false
		}
	}
	for _, part := range strings.Split(abs, "/") {
		if strings.HasPrefix(part, ".") {
			return false
		}
	}
	return true
}

// copied is one context path a copy takes: a folder (the context root included), whose
// contents land under the copy's destination, or a file, which lands at target.
type copied struct {
	src    string
	dir    bool
	target string
}

// copies lists what a copy takes from the context, its sources' wildcards expanded.
func (p *Pass) copies(ci *copyInfo) []copied {
	if ci.copiedIn == p.Context {
		return ci.copied
	}
	var out []copied
	defer func() { ci.copied, ci.copiedIn = out, p.Context }()
	for _, s := range ci.sources {
		for _, m := range p.expandSource(s) {
			_, isDir := p.Context.Stat(m)
			c := copied{src: m, dir: m == "." || isDir, target: ci.abs}
			if !c.dir && ci.dirDest {
				c.target = joinPath(ci.abs, path.Base(m))
			}
			out = append(out, c)
		}
	}
	return out
}

// source returns the context path the copy writes at image path img, if any; the path
// need not exist. Of several sources that land there, the last one present in the context
// wins, as a later source overwrites an earlier one (COPY base/ frontend/ ./).
func (p *Pass) source(ci *copyInfo, img string) (string, bool) {
	cs := p.copies(ci)
	found, ok := "", false
	for i := len(cs) - 1; i >= 0; i-- {
		c := cs[i]
		s := ""
		switch {
		case c.dir && img == ci.abs && len(cs) == 1 && c.src != ".":
			s = c.src // COPY .yarn/releases/ .yarn/releases/: the folder itself
		case c.dir && under(img, ci.abs) && img != ci.abs:
			s = joinPath(c.src, strings.TrimPrefix(img, strings.TrimSuffix(ci.abs, "/")+"/"))
		case !c.dir && (img == c.target || (!ci.dirDest && img == joinPath(ci.abs, path.Base(c.src)))):
			s = c.src // without a trailing slash the file may land in an existing folder
		default:
			continue
		}
		if len(cs) == 1 {
			return s, true
		}
		if exists, _ := p.Context.Stat(s); exists {
			return s, true
		}
		found, ok = s, true // none present: name the first source that would
	}
	return found, ok
}

// outputHazard checks an install's output folder against what the copy writes: it returns
// an ignore entry that keeps host files out of it, or a reason not to reorder. An output
// the context already holds may be excluded only when the install starts it afresh
// (wipes: npm ci deletes node_modules first), since its files were in the image before.
func (p *Pass) outputHazard(ci *copyInfo, out string, wipes bool) (ignore []string, block string) {
	for _, cp := range p.copies(ci) {
		m := cp.src
		if cp.dir {
			if out == ci.abs || under(ci.abs, out) {
				return nil, fmt.Sprintf("the install writes %s, where %s copies the source", out, ci.text)
			}
			if under(out, ci.abs) {
				c := path.Join(m, strings.TrimPrefix(out, strings.TrimSuffix(ci.abs, "/")+"/"))
				if exists, _ := p.Context.Stat(c); exists && !wipes {
					// e.g. a committed deps/ that pip install --target ./deps adds to
					return nil, fmt.Sprintf("the context holds %s, which the install adds to: excluding it would drop its files from the image", c)
				}
				if link := p.Context.Symlinked(c); link != "" {
					return nil, fmt.Sprintf("%s is a symbolic link in the context, so an ignore entry for %s would not keep host files out of the install's %s", link, c, out)
				}
				if p.Context.Excluded(c) {
					if p.Context.MayReinclude(c) {
						return nil, fmt.Sprintf("%s's exceptions (!) may bring back files under %s over the install's %s", filepath.Base(p.Context.IgnorePath), c, out)
					}
					continue
				}
				if !plainPath("/" + c) {
					return nil, fmt.Sprintf("the install's output %s cannot be written as a .dockerignore entry", out)
				}
				if p.Context.MayReinclude(c) {
					// "!node_modules/.keep": an entry appended after it would cancel it.
					return nil, fmt.Sprintf("%s has an exception (!) for a path under %s, which a new entry after it would cancel for every build of the context", filepath.Base(p.Context.IgnorePath), c)
				}
				if who := p.siblingCopies(c); who != "" {
					return nil, fmt.Sprintf("%s copies %s, which .dockerignore would have to exclude", who, c)
				}
				ignore = append(ignore, c)
			}
			continue
		}
		if under(cp.target, out) {
			return nil, fmt.Sprintf("%s copies %s into the install's output %s", ci.text, m, out)
		}
	}
	return ignore, ""
}

// trimSemicolon returns end moved back over the ";" that ends a statement in src[start:end],
// with the blanks and line continuations before it (the docker-library style puts "; \\"
// on a line of its own), so that nothing after the new end continues the line.
func trimSemicolon(src []byte, start, end int) int {
	e := end
	for e > start && (src[e-1] == ' ' || src[e-1] == '\t') {
		e--
	}
	if e <= start || src[e-1] != ';' {
		return end
	}
	e--
	for e > start {
		switch {
		case src[e-1] == ' ' || src[e-1] == '\t' || src[e-1] == '\r':
			e--
		case src[e-1] == '\n':
			// An escaped line ending, with blanks allowed between the escape and the end.
			q := e - 1
			for q > start && (src[q-1] == ' ' || src[q-1] == '\t' || src[q-1] == '\r') {
				q--
			}
			if q <= start || (src[q-1] != '\\' && src[q-1] != '`') {
				return e
			}
			e = q - 1
		default:
			return e
		}
	}
	return e
}

type runVerdict struct {
	unsafe   string
	ok       bool
	installs int
	first    element
	needed   []string
	ignore   []string
	split    *splitInfo
	block    string
	blockEl  element
}

// stateCommands change the shell's state for the commands after them in the same RUN.
var stateCommands = map[string]bool{"cd": true, "export": true, "set": true, "unset": true, "source": true, ".": true, "umask": true, "alias": true, "shopt": true, "pushd": true, "popd": true}

// freeCommands read nothing of the project; the value is how many operands are not paths
// (chmod's mode), or -1 when no operand is a path.
var freeCommands = map[string]int{
	"true": -1, ":": -1, "echo": -1, "useradd": -1, "groupadd": -1, "adduser": -1, "addgroup": -1,
	"usermod": -1, "corepack": -1, "export": -1, "set": -1, "unset": -1, "update-ca-certificates": -1,
	"ldconfig": -1, "mkdir": 0, "ln": 0, "rm": 0, "rmdir": 0, "touch": 0, "cd": 0, "chmod": 1, "chown": 1, "chgrp": 1,
}

// judgeRun decides whether the copy can sink past RUN J.
func (p *Pass) judgeRun(ci *copyInfo, J *Instr) runVerdict {
	var v runVerdict
	els, chain := p.File.elements(J)
	if len(els) == 0 {
		v.block = "cannot be read: " + J.NoShell
		return v
	}
	script := chain && els[len(els)-1].top > 0 // set -e; a; b
	cwd := J.State.Workdir
	var cds []string
	blockAt := -1
	stateChange := false
	for k, e := range els {
		reason, needed, ignore, install := p.judgeElement(ci, J, e, cwd, &v.unsafe)
		if reason == "" && e.cmd != nil && e.cmd.Name() == "cd" && len(e.cmd.Args) == 2 {
			cwd = resolve(cwd, e.cmd.Args[1])
			if under(cwd, ci.abs) {
				cds = append(cds, cwd)
			}
		}
		if reason != "" {
			blockAt = k
			v.block, v.blockEl = reason, e
			break
		}
		if e.cmd != nil && stateCommands[e.cmd.Name()] && !(k == 0 && script) {
			stateChange = true // a leading set -e goes with both halves
		}
		v.needed = appendUnique(v.needed, needed...)
		v.ignore = appendUnique(v.ignore, ignore...)
		if install {
			if v.installs == 0 || (len(v.first.install.Inputs) == 0 && len(e.install.Inputs) > 0) {
				v.first = e // name the install that reads manifests, if any
			}
			v.installs++
		}
	}
	// A cd into the copied tree needs a folder that only a manifest copy can create.
	for _, d := range cds {
		found := false
		for _, n := range v.needed {
			if img, _ := p.imagePath(ci, n); under(img, d) {
				found = true // the manifest copy creates the folder
			}
		}
		if !found && blockAt < 0 {
			blockAt, v.block = len(els), fmt.Sprintf("changes into %s, which only the source copy creates", d)
		}
	}
	if blockAt < 0 {
		v.ok = true
		return v
	}
	if v.blockEl.install != nil {
		v.installs++ // the block is itself an install: report it as declined
	}
	// The rest becomes a RUN of its own: it must not read as a flag or exec form there. A
	// chain with apt in its first part is never split: apt-get update belongs with the
	// install that reads its lists, and a purge with its install (one layer by design).
	restOK := blockAt > 0 && blockAt < len(els) && !strings.ContainsAny(string(p.File.Source.Src[els[blockAt].start:els[blockAt].start+1]), "-[<")
	for _, e := range els[:blockAt] {
		if e.install != nil && e.install.Manager == manifests.Apt {
			restOK = false
		}
	}
	if run, ok := J.Cmd.(*instructions.RunCommand); ok {
		for _, m := range instructions.GetMounts(run) {
			if m.Type != instructions.MountTypeSecret && m.Type != instructions.MountTypeSSH {
				restOK = false // e.g. a cache mount on node_modules that both halves use as scratch
			}
		}
	}
	prefix := ""
	if script && restOK {
		// Under set -e a failing command ends the script, as a failing RUN ends the build,
		// except on the left of && : the split must not turn such a failure into the end
		// of the first RUN. So the first half must end in a lone command, or the split
		// falls inside the last statement. The second half starts with the same set.
		last, next := els[blockAt-1], els[blockAt]
		switch {
		case last.top != next.top:
			restOK = blockAt < 2 || els[blockAt-2].top != last.top
		default:
			restOK = last.top == els[len(els)-1].top
		}
		restOK = restOK && blockAt > 1
		prefix = els[0].text() + "; "
	}
	if restOK && !J.Run.keeps(els[blockAt-1].end, els[blockAt].start) {
		restOK = false // a comment line between the halves would be lost
	}
	if chain && restOK && v.installs > 0 && v.first.install != nil && !stateChange {
		if v.blockEl.install != nil {
			v.installs--
		}
		end := els[blockAt-1].end
		if script {
			end = trimSemicolon(p.File.Source.Src, els[blockAt-1].start, end) // pip install ...;
		}
		v.split = &splitInfo{run: J, prefixEnd: end, suffixStart: els[blockAt].start, rest: els[blockAt].text(), prefix: prefix}
		return v
	}
	if v.blockEl.install == nil {
		v.installs = 0
	}
	return v
}

// judgeElement returns why the copy cannot pass command e, or what it needs copied first.
// An install that may rewrite a manifest the copy also brings sets *unsafe: the copy would
// put the context's version back over the install's.
func (p *Pass) judgeElement(ci *copyInfo, J *Instr, e element, cwd string, unsafe *string) (block string, needed, ignore []string, install bool) {
	if e.cmd == nil {
		if isAround(string(p.File.Source.Src[e.start:e.end])) {
			return "", nil, nil, false // cachefix's own docker-clean set-aside
		}
		return "runs a compound command that may read the source", nil, nil, false
	}
	if e.install != nil && e.install.Manager == manifests.Apt && ci.owned() {
		// A package may create the copy's destination (apache2 makes /var/www/html): made
		// by the install, it belongs to root; made by the copy, to the --chown owner.
		return fmt.Sprintf("%s may create %s as root, where %s creates it with the owner its flags give", e.label(), ci.abs, ci.text), nil, nil, true
	}
	if e.install != nil {
		// Includes are read wherever they come from (this copy or an earlier one).
		in := p.File.followed(p.Context, J, e.install, cwd)
		if in.NeedsSource != "" {
			return in.NeedsSource, nil, nil, true
		}
		for _, name := range in.Inputs {
			c, ok := p.source(ci, resolve(cwd, name))
			if !ok {
				continue // brought by an earlier step
			}
			exists, dir := p.Context.Stat(c)
			if !exists {
				return fmt.Sprintf("%s reads %s, which is not in the build context", e.label(), c), nil, nil, true
			}
			if dir {
				return fmt.Sprintf("%s names %s, a folder, where it reads a file", e.label(), c), nil, nil, true
			}
			needed = append(needed, c)
		}
		for _, dir := range in.Folders {
			img := resolve(cwd, dir)
			if _, ok := p.source(ci, img); ok || under(ci.abs, img) {
				return fmt.Sprintf("%s reads the folder %s, which %s writes", e.label(), img, ci.text), nil, nil, true
			}
		}
		for _, name := range in.Optional {
			if c, ok := p.source(ci, resolve(cwd, name)); ok {
				if exists, _ := p.Context.Stat(c); exists {
					needed = append(needed, c)
				}
			}
		}
		for _, r := range in.Rewrites {
			if c, ok := p.source(ci, resolve(cwd, r)); ok && *unsafe == "" {
				if exists, _ := p.Context.Stat(c); exists {
					*unsafe = fmt.Sprintf("%s may rewrite %s, and %s, now after it, would put the context's copy back (a frozen install such as npm ci, yarn --frozen-lockfile or uv sync --locked keeps it as is)", e.label(), c, ci.text)
				}
			}
		}
		for _, o := range in.Outputs {
			if strings.HasPrefix(o, "~/") {
				home, _, _, ok := p.home(J.State)
				if !ok {
					continue
				}
				o = path.Join(home, o[2:])
			}
			ig, why := p.outputHazard(ci, resolve(cwd, o), in.Wipes)
			if why != "" {
				return why, nil, nil, true
			}
			ignore = append(ignore, ig...)
		}
		return "", needed, ignore, true
	}
	if _, ok := manifestsCleaner(e); ok {
		return "", nil, nil, false
	}
	if manifests.Configures(e.cmd) {
		return "", nil, nil, false // e.g. poetry config virtualenvs.create false
	}
	name := e.cmd.Name()
	if name == "useradd" || name == "adduser" {
		// The home folder: useradd makes it with -m (or by its login.defs), adduser always,
		// unless told not to. Made before or after the copy, it differs in owner and files.
		a := parseAccount(e.cmd)
		home := a.home
		if home == "" && a.who != "" {
			home = "/home/" + a.who
		}
		if h := resolve(cwd, home); home != "" && !a.noCreate && (under(h, ci.abs) || under(ci.abs, h)) {
			return fmt.Sprintf("%s creates the home folder %s, where %s copies files (which comes first decides its owner and contents)", name, h, ci.text), nil, nil, false
		}
	}
	if name == "find" && e.cmd.Literal() && e.call != nil && redirectsOnlyToNull(e.stmt) && len(e.call.Assigns) == 0 {
		if why, free := findOutside(e.cmd, cwd, ci); free {
			return "", nil, nil, false // find /usr/local -name __pycache__ -exec rm -rf {} +
		} else if why != "" {
			return why, nil, nil, false
		}
	}
	skip, ok := freeCommands[name]
	if !ok || !e.cmd.Literal() || (e.call != nil && (!redirectsOnlyToNull(e.stmt) || len(e.call.Assigns) > 0)) {
		return fmt.Sprintf("runs %s, which may read the source", name), nil, nil, false
	}
	if skip >= 0 {
		n := 0
		for _, a := range e.cmd.Args[1:] {
			if strings.HasPrefix(a, "-") {
				continue
			}
			n++
			if n <= skip {
				continue
			}
			if name == "cd" {
				continue // checked by judgeRun
			}
			if t := resolve(cwd, a); under(t, ci.abs) {
				return fmt.Sprintf("runs %s on %s, inside the copied files", name, a), nil, nil, false
			} else if name != "mkdir" && under(ci.abs, t) {
				return fmt.Sprintf("runs %s on %s, which holds the copied files", name, a), nil, nil, false // e.g. chown -R app /srv
			}
		}
	}
	return "", nil, nil, false
}

// sinkEdits turns a plan into edits: the copy leaves its line, manifest copies go in front
// of the installs that read them, and the copy comes back after the last install (or
// between the two halves of a split RUN).
func (p *Pass) sinkEdits(sp *sinkPlan) []Edit {
	src := p.File.Source
	w := sp.w
	// The copy moves with the comment lines right above it.
	start := p.commentStart(w)
	wEnd := src.trimEOL(w.Span.Start, w.Span.End)
	wText := string(src.Src[start:wEnd])
	wEOL := cmp.Or(string(src.Src[wEnd:w.Span.End]), src.EOL) // a moved line keeps its own ending
	del := Edit{Start: start, End: w.Span.End}
	{
		// Between two blank lines, take one of them along, so no gap widens.
		if l := src.Line(start); l > 1 && p.blankLine(l-1) && w.Node.EndLine < len(src.Lines) && p.blankLine(w.Node.EndLine+1) {
			del.End = src.LineSpan(w.Node.EndLine+1, w.Node.EndLine+1).End
		}
	}
	edits := []Edit{del}
	lead := ""
	if start < w.Span.Start {
		lead = src.EOL // a commented block is set apart by a blank line
	}
	for _, in := range sp.order {
		at := p.commentStart(in)
		edits = append(edits, Edit{Start: at, End: at, New: p.manifestCopies(sp, sp.manifests[in])})
	}
	if sp.split != nil {
		r := sp.split.run
		flags := ""
		if len(r.Node.Flags) > 0 {
			flags = strings.Join(r.Node.Flags, " ") + " "
		}
		rest := string(src.Src[sp.split.suffixStart:r.Run.End])
		edits = append(edits, Edit{Start: sp.split.prefixEnd, End: r.Run.End, New: src.EOL + lead + wText + wEOL + p.linterPragmas(r) + p.File.keyword("RUN") + " " + flags + sp.split.prefix + rest})
		return edits
	}
	at := sp.after.Span.End
	newText := lead + wText + wEOL
	if at == 0 || src.Src[at-1] != '\n' {
		newText = src.EOL + lead + wText
	}
	from := start - strings.Index(newText, wText) // lines of the moved copy keep their old numbers
	return append(edits, Edit{Start: at, End: at, New: newText, From: max(from, 0), Moved: true})
}

// linterPragmas returns the linter pragma lines right above a RUN that is split (# hadolint
// ignore=..., # cachefix:ignore...), each with its line ending, for its second half: the
// pragma belongs to both.
func (p *Pass) linterPragmas(r *Instr) string {
	src := p.File.Source
	var b strings.Builder
	for l := p.File.commentLine(r); l < r.Node.StartLine; l++ {
		sp := src.LineSpan(l, l)
		t := strings.TrimSpace(string(src.Src[sp.Start:sp.End]))
		if rest, ok := strings.CutPrefix(t, "#"); ok {
			rest = strings.TrimSpace(rest)
			if strings.HasPrefix(rest, "hadolint ") || strings.HasPrefix(rest, pragmaPrefix+"ignore") {
				b.Write(src.Src[sp.Start:sp.End])
			}
		}
	}
	return b.String()
}

// commentStart returns where the comment lines directly above an instruction start (its
// own start when there are none). Parser directives at the top of the file are not taken.
func (p *Pass) commentStart(in *Instr) int {
	src := p.File.Source
	first := p.File.commentLine(in)
	if in.Index == 0 {
		first = in.Node.StartLine
	}
	return src.LineSpan(first, first).Start
}

// blankLine reports whether line l holds only blanks.
func (p *Pass) blankLine(l int) bool {
	if l < 1 || l > len(p.File.Source.Lines) {
		return false
	}
	sp := p.File.Source.LineSpan(l, l)
	return strings.TrimSpace(string(p.File.Source.Src[sp.Start:sp.End])) == ""
}

// manifestCopies renders the COPY lines that bring files to where the sunk copy put them:
// one line per destination folder, the copy's own flags carried over.
func (p *Pass) manifestCopies(sp *sinkPlan, files []string) string {
	ci := sp.copy
	type group struct {
		dest  string
		files []string
	}
	var groups []*group
	byDest := map[string]*group{}
	for _, c := range files {
		img, dest := p.imagePath(ci, c)
		_, isDir := p.Context.Stat(c)
		srcWord := c
		if isDir {
			srcWord = c + "/"
			dest = p.destText(ci, img) + "/"
		}
		g := byDest[dest]
		if g == nil || isDir {
			g = &group{dest: dest}
			groups = append(groups, g)
			if !isDir {
				byDest[dest] = g
			}
		}
		g.files = append(g.files, srcWord)
	}
	var b strings.Builder
	flags := ""
	if len(ci.flags) > 0 {
		flags = strings.Join(ci.flags, " ") + " "
	}
	sort.SliceStable(groups, func(i, j int) bool { return strings.Count(groups[i].dest, "/") < strings.Count(groups[j].dest, "/") })
	for _, g := range groups {
		b.WriteString(p.File.keyword("COPY") + " " + flags + strings.Join(g.files, " ") + " " + g.dest + p.File.Source.EOL)
	}
	return b.String()
}

// imagePath returns where the copy puts context path c, and the destination word for a
// COPY of c that lands it there.
func (p *Pass) imagePath(ci *copyInfo, c string) (img, dest string) {
	for _, cp := range p.copies(ci) {
		switch {
		case cp.dir && (cp.src == "." || under(c, cp.src)):
			rel := strings.TrimPrefix(strings.TrimPrefix(c, cp.src), "/")
			if cp.src == "." {
				rel = c
			}
			img = path.Join(ci.abs, rel)
			return img, p.destText(ci, path.Dir(img)) + "/"
		case !cp.dir && cp.src == c && ci.dirDest:
			return cp.target, p.destText(ci, ci.abs) + "/"
		case !cp.dir && cp.src == c:
			return cp.target, ci.dest
		}
	}
	return path.Join(ci.abs, c), p.destText(ci, path.Dir(path.Join(ci.abs, c))) + "/"
}

// destText writes image folder dir the way the copy wrote its destination: relative to
// the WORKDIR when the copy's was, absolute otherwise.
func (p *Pass) destText(ci *copyInfo, dir string) string {
	if path.IsAbs(ci.dest) {
		return dir
	}
	rel := strings.TrimPrefix(strings.TrimPrefix(dir, ci.abs), "/")
	base := strings.TrimSuffix(ci.dest, "/")
	if base == "" {
		base = "."
	}
	if rel == "" {
		if base == "." {
			return "."
		}
		return base
	}
	if base == "." || base == "./" {
		return rel
	}
	return path.Join(base, rel)
}

// copySources returns the source paths of a COPY or ADD from the context.
func copySources(in *Instr) ([]string, bool) {
	switch c := in.Cmd.(type) {
	case *instructions.CopyCommand:
		return c.SourcePaths, c.From == ""
	case *instructions.AddCommand:
		return c.SourcePaths, true
	}
	return nil, false
}

// findOutside judges a find command: it reads nothing of the project when its start
// folders are outside the copy (and do not hold it) and it only prints, deletes or runs
// rm, chmod or chown on what it finds. why names a start folder that meets the copy.
func findOutside(c *manifests.Cmd, cwd string, ci *copyInfo) (why string, free bool) {
	args := c.Args[1:]
	var starts []string
	for len(args) > 0 && !strings.HasPrefix(args[0], "-") && args[0] != "(" && args[0] != "!" {
		starts, args = append(starts, args[0]), args[1:]
	}
	if len(starts) == 0 {
		starts = []string{"."}
	}
	for i := 0; i < len(args); i++ {
		switch args[i] {
		case "-exec", "-execdir":
			if i+1 >= len(args) || !slices.Contains([]string{"rm", "chmod", "chown"}, path.Base(args[i+1])) {
				return "", false
			}
		case "-ok", "-okdir", "-fprint", "-fprint0", "-fprintf", "-fls":
			return "", false
		}
	}
	for _, s := range starts {
		if t := resolve(cwd, s); under(t, ci.abs) || under(ci.abs, t) {
			return fmt.Sprintf("runs find on %s, which holds the copied files", s), false
		}
	}
	return "", true
}

// missingSource reports whether a source the copy names (not a wildcard) is not in the
// build context.
func (p *Pass) missingSource(ci *copyInfo) bool {
	for _, c := range ci.sources {
		if exists, _ := p.Context.Stat(c); !exists && !strings.ContainsAny(c, "*?[") {
			return true
		}
	}
	return false
}
