package rewrite

// cachemount.go adds cache mounts for the package managers' download caches.
//
// A cache mount is never part of the image, so the mount holds the manager's cache
// directory only, never where packages are installed. The directory follows the user in
// effect: root's pip cache is /root/.cache/pip, after USER app it is app's home, and the
// mount then needs uid/gid (known only when the Dockerfile creates the user with explicit
// ids, or for well-known images such as node). When the user's ids cannot be known, no mount
// is added. Environment variables that move a cache (PIP_CACHE_DIR, YARN_CACHE_FOLDER, …)
// are followed through manifests.Manager.Caches. The fix is safe: the only change to the
// image is that the download cache is no longer in it.

import (
	"bytes"
	"cmp"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/cachefix/cachefix/manifests"
)

// CacheMount mounts package managers' download caches on install steps.
var CacheMount = &Rule{
	Name:    "cache-mount",
	Doc:     "Mount the package manager's download cache on install steps\n\nWith RUN --mount=type=cache a re-run install downloads only what changed.",
	Default: Safe,
	InPlace: true,
	Run:     runCacheMount,
}

type mountSpec struct {
	target     string
	locked     bool
	persistent bool
	removed    bool // mount only when the step removes the directory's content
	uid, gid   string
	manager    string
}

func (m mountSpec) flag() string {
	s := "--mount=type=" + string(instructions.MountTypeCache) + ",target=" + m.target
	if m.locked {
		s += ",sharing=" + string(instructions.MountSharingLocked)
	}
	if m.uid != "" {
		s += ",uid=" + m.uid
	}
	if m.gid != "" {
		s += ",gid=" + m.gid
	}
	return s
}

// home returns the home, uid and gid of the user a step runs as; ok is false when they
// cannot be known. uid is "" for root.
func (p *Pass) home(st *State) (home, uid, gid string, ok bool) { return st.account() }

// account returns the home, uid and gid of the user steps run as in this state (see home).
func (st *State) account() (home, uid, gid string, ok bool) {
	user, group, _ := strings.Cut(st.User, ":")
	envHome := ""
	if h, ok := st.Lookup("HOME"); ok && strings.HasPrefix(h, "/") {
		envHome = path.Clean(h) // ENV HOME wins over the account's home: it is what tools read
	}
	switch user {
	case "", "root", "0":
		if group == "" || group == "root" || group == "0" {
			return cmp.Or(envHome, "/root"), "", "", true
		}
		return "", "", "", false
	}
	if isNumber(user) {
		uid = user
		for _, acc := range st.Users {
			if acc.UID == user {
				home, gid = acc.Home, acc.GID
			}
		}
	} else if acc, found := st.Users[user]; found {
		uid, gid, home = acc.UID, acc.GID, acc.Home
	}
	if group != "" {
		if isNumber(group) {
			gid = group
		} else if g, found := st.Groups[group]; found {
			gid = g
		} else {
			return "", "", "", false
		}
	}
	home = cmp.Or(envHome, home) // e.g. USER 1000 with ENV HOME=/app
	if uid == "" || home == "" {
		return home, uid, gid, false
	}
	return home, uid, gid, true
}

func isNumber(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// cacheTargets resolves an install's cache directories for the step's user, once per
// install (cache-mount, cache-defeat and misplaced-mount all ask); callers must not change
// the specs.
func (p *Pass) cacheTargets(in *Instr, inst *manifests.Install) ([]mountSpec, string) {
	key := targetsKey{in, inst}
	if t, ok := p.File.targets[key]; ok {
		return t.specs, t.why
	}
	specs, why := p.readCacheTargets(in, inst)
	if p.File.targets == nil {
		p.File.targets = map[targetsKey]targetsEntry{}
	}
	p.File.targets[key] = targetsEntry{specs, why}
	return specs, why
}

type targetsKey struct {
	in   *Instr
	inst *manifests.Install
}

type targetsEntry struct {
	specs []mountSpec
	why   string
}

func (p *Pass) readCacheTargets(in *Instr, inst *manifests.Install) ([]mountSpec, string) {
	dirs := inst.CacheDirs
	if dirs == nil {
		env := in.State.Lookup
		if inst.Cmd != nil && inst.Cmd.Env != nil {
			env = inst.Cmd.Env // with the command's own variables (PIP_CACHE_DIR=/x pip install)
		}
		dirs = inst.Manager.Caches(env)
	}
	var out []mountSpec
	user, _, _ := strings.Cut(in.State.User, ":")
	if acc, ok := in.State.Users[user]; ok && acc.UID == argID {
		return nil, fmt.Sprintf("USER %s: its uid comes from a build argument, which a build may override, so no mount can be added that it can surely write", in.State.User)
	}
	if in.State.User == "$unknown" {
		return nil, "its USER names a build argument or a variable without a value, so its uid is not known and no mount can be added that it can surely write"
	}
	if img, ok := strings.CutPrefix(in.State.User, baseUserMark); ok {
		return nil, fmt.Sprintf("the base image %s runs as a non-root user whose uid and home cachefix does not know (add USER with a known uid to the Dockerfile)", img)
	}
	for _, d := range dirs {
		home, uid, gid, ok := p.home(in.State)
		if inst.Cmd != nil && inst.Cmd.Env != nil {
			if h, set := inst.Cmd.Env("HOME"); set && path.IsAbs(h) && (ok || uid != "") {
				home, ok = path.Clean(h), true // HOME=/opt/x pip install ...: the command's own HOME
			}
		}
		target := d.Path
		if uid == "" && ok && d.RootPath != "" {
			target = d.RootPath
		}
		if strings.HasPrefix(target, "~/") {
			if !ok {
				return nil, fmt.Sprintf("USER %s: its home and uid are not known (no useradd with --uid in this file, nor ENV HOME), so no mount can be added that it can write", in.State.User)
			}
			if d.Beside && uid != "" {
				parent := path.Dir(path.Join(home, target[2:]))
				return nil, fmt.Sprintf("USER %s: BuildKit would create the mount's parent %s owned by root, where %s also writes files of its own (a wrapper, locks)", in.State.User, parent, inst.Manager.Name)
			}
			target = joinPath(home, target[2:])
		} else if !ok && uid == "" {
			return nil, fmt.Sprintf("USER %s: its uid is not known, so no mount can be added that it can write", in.State.User)
		}
		if gid == "" {
			gid = uid
		}
		target = path.Clean(target)
		if !plainPath(target) {
			return nil, fmt.Sprintf("the cache path %q has characters a --mount flag cannot hold unquoted", target)
		}
		locked := d.Locked || d.Unshared && p.otherStageUses(in, inst.Manager)
		out = append(out, mountSpec{target: target, locked: locked, persistent: d.Persistent, removed: d.OnlyWhenRemoved, uid: uid, gid: gid, manager: inst.Manager.Name})
	}
	return out, ""
}

// frontendDoubt says why the file's # syntax directive may name a frontend without RUN
// --mount that syntax-line cannot update (a digest-pinned docker/dockerfile older than
// 1.2, or another image, such as a mirror), when no RUN of the file mounts anything yet;
// or "".
func (p *Pass) frontendDoubt() string {
	if p.shared.doubt == nil {
		why := p.readFrontendDoubt()
		p.shared.doubt = &why
	}
	return *p.shared.doubt
}

func (p *Pass) readFrontendDoubt() string {
	d := p.File.syntax()
	value, ok := d.value, d.ok
	if !ok {
		return ""
	}
	for _, in := range p.File.Instrs {
		if run, ok := in.Cmd.(*instructions.RunCommand); ok && len(instructions.GetMounts(run)) > 0 {
			return "" // the frontend the file names already takes RUN --mount
		}
	}
	f := parseFrontend(value)
	if !f.docker {
		return fmt.Sprintf("the # syntax directive names %s, a frontend cachefix cannot tell supports RUN --mount", value)
	}
	if f.digest != "" && before12(f.tag) {
		return fmt.Sprintf("the # syntax directive pins %s, which predates RUN --mount (1.2), by digest", value)
	}
	return ""
}

// aptArchivesRead returns an instruction of the file that reads packages from
// /var/cache/apt (dpkg -i /var/cache/apt/archives/*.deb, COPY --from=debs
// /var/cache/apt/archives/ ...), other than apt itself and the commands that remove them.
func (p *Pass) aptArchivesRead(in *Instr) *Instr {
	for _, k := range p.File.Instrs {
		if c, ok := k.Cmd.(*instructions.CopyCommand); ok && c.From != "" {
			for _, s := range c.SourcePaths {
				if under(path.Clean(s), "/var/cache/apt") {
					return k
				}
			}
			continue
		}
		els, _ := p.File.elements(k)
		for _, e := range els {
			if e.cmd == nil {
				if bytes.Contains(p.File.Source.Src[e.start:e.end], []byte("/var/cache/apt")) {
					return k // inside a compound command: cannot tell
				}
				continue
			}
			switch e.cmd.Name() {
			case "rm", "apt-get", "apt", "mv", "find", "echo", "printf":
				continue
			}
			for _, a := range e.cmd.Args[1:] {
				if strings.Contains(a, "/var/cache/apt") {
					return k
				}
			}
		}
	}
	return nil
}

// networkNone reports whether a RUN runs without a network (RUN --network=none).
func networkNone(in *Instr) bool {
	run, ok := in.Cmd.(*instructions.RunCommand)
	return ok && instructions.GetNetwork(run) == instructions.NetworkNone
}

// otherStageUses reports whether a stage other than in's runs an install of m.
func (p *Pass) otherStageUses(in *Instr, m *manifests.Manager) bool {
	for si, stage := range p.File.Stages {
		if si == in.Stage {
			continue
		}
		for _, k := range stage {
			els, _ := p.File.elements(k)
			for _, e := range els {
				if e.install != nil && e.install.Manager == m {
					return true
				}
			}
		}
	}
	return false
}

// cacheMounts returns the targets of a RUN's cache mounts.
func cacheMounts(in *Instr) []string { return mountTargets(in, instructions.MountTypeCache) }

// tmpfsMounts returns the targets of a RUN's tmpfs mounts.
func tmpfsMounts(in *Instr) []string { return mountTargets(in, instructions.MountTypeTmpfs) }

// mountTargets returns the targets of a RUN's mounts of one type.
func mountTargets(in *Instr, typ instructions.MountType) []string {
	run, ok := in.Cmd.(*instructions.RunCommand)
	if !ok {
		return nil
	}
	var out []string
	for _, m := range instructions.GetMounts(run) {
		if m.Type == typ {
			out = append(out, path.Clean(m.Target))
		}
	}
	return out
}

func covered(mounts []string, dir string) bool {
	for _, m := range mounts {
		if under(dir, m) {
			return true
		}
	}
	return false
}

func runCacheMount(p *Pass) {
	if p.Options.NoMounts {
		return
	}
	for _, in := range p.File.Instrs {
		if in.Stage < 0 || in.Keyword() != "run" {
			continue
		}
		els, _ := p.File.elements(in)
		if len(els) == 0 {
			if in.NoShell != "" {
				p.declineUnreadable(in)
			}
			continue
		}
		if in.Run == nil {
			continue
		}
		if len(p.misplaced(in, els)) > 0 {
			continue // misplaced-mount retargets the mount first
		}
		els = append(els[:len(els):len(els)], p.File.nestedCommands(in, els)...)
		mounted := append(cacheMounts(in), tmpfsMounts(in)...) // a tmpfs there is a choice too
		var missing []mountSpec
		var names []string
		reported := map[string]bool{}
		for _, e := range els {
			if e.install == nil || reported[e.install.Manager.Name] {
				continue
			}
			inst := p.cacheInstall(in, e.install)
			// decline reports why the install gets no mount, once per manager and step.
			decline := func(why string) {
				reported[inst.Manager.Name] = true
				p.Report(Finding{instr: in, Line: in.Line(), Message: fmt.Sprintf("%s downloads every package again whenever this step re-runs", e.label()), Declined: "no cache mount: " + why})
			}
			if e.opaque && inst.Manager.Around != nil {
				decline("the image's docker-clean would empty it, and cannot be set aside in a step cachefix cannot edit" + parenthesized(in.NoShell))
				continue
			}
			if len(inst.Defeats) == 0 && e.cmd != nil && !e.cmd.Literal() {
				if w := defeatWord(e.cmd); w != "" {
					decline(fmt.Sprintf("its %s would still bypass it, and cannot be removed from a command whose words are not all known", w))
					continue
				}
			}
			if e.opaque && len(inst.Defeats) > 0 {
				decline(fmt.Sprintf("its %s would still bypass it, and cannot be removed here%s", inst.Cmd.Args[inst.Defeats[0]], parenthesized(in.NoShell)))
				continue
			}
			if k := p.pnpmFetch(in, inst); k != nil {
				decline(fmt.Sprintf("pnpm fetch on line %d fills the store for a later offline install, so the store must stay in the image (a cache mount is empty whenever that step's layer comes from the cache)", k.Line()))
				continue
			}
			if k := p.cacheConfigured(in, e); k != "" {
				decline(fmt.Sprintf("%s sets where the cache goes (or switches it off), which cachefix does not follow", k))
				continue
			}
			if v := inlineDisabler(in, inst); v != "" {
				decline(fmt.Sprintf("the command sets %s itself, which switches the cache off", v))
				continue
			}
			if inst.NoCache != "" {
				decline(inst.NoCache)
				continue
			}
			if inst.Manager == manifests.Apt {
				if k := p.aptArchivesRead(in); k != nil {
					decline(fmt.Sprintf("line %d reads downloaded packages from /var/cache/apt, which a mount would keep out of the image (or fill with other builds' packages)", k.Line()))
					continue
				}
			}
			if len(inst.Defeats) > 0 && p.File.ignores(in, "cache-defeat") {
				decline(fmt.Sprintf("cache-defeat is suppressed for this step, so its %s would bypass the mount", inst.Cmd.Args[inst.Defeats[0]]))
				continue
			}
			if why := p.frontendDoubt(); why != "" && len(cacheMounts(in)) == 0 {
				decline(why)
				continue
			}
			specs, why := p.cacheTargets(in, inst)
			if why != "" {
				decline(why)
				continue
			}
			for _, s := range specs {
				if covered(mounted, s.target) || !p.wanted(in, els, s, mounted) {
					continue
				}
				dup := false
				for _, m := range missing {
					dup = dup || m.target == s.target
				}
				if dup {
					continue
				}
				if s.persistent {
					why := inst.NoPersistent
					if why == "" && networkNone(in) {
						why = "the step runs without a network (--network=none), from what the image holds"
					}
					if why == "" {
						why = p.readLater(in, inst.Manager, s.target)
					}
					if why != "" {
						what := "dependency"
						if inst.Manager == manifests.Go {
							what = "module"
						}
						p.Report(Finding{instr: in, Line: in.Line(), Message: fmt.Sprintf("%s downloads every %s again whenever this step re-runs", e.label(), what), Declined: fmt.Sprintf("no cache mount at %s: %s", s.target, why)})
						continue
					}
				}
				if why := p.mountClash(in, els, s.target, inst.Manager); why != "" {
					decline(why)
					missing = nil
					break
				}
				missing = append(missing, s)
				names = appendUnique(names, e.label())
			}
		}
		if len(missing) == 0 {
			continue
		}
		var text strings.Builder
		var targets []string
		for _, m := range missing {
			text.WriteString(m.flag())
			if in.Run.Multiline {
				text.WriteString(p.File.Continuation() + in.Run.Indent)
			} else {
				text.WriteString(" ")
			}
			targets = append(targets, m.target)
		}
		recorded := p.Report(Finding{
			instr:   in,
			Line:    in.Line(),
			Message: fmt.Sprintf("%s downloads every package again whenever this step re-runs", strings.Join(names, " and ")),
			Fix: &Fix{
				Message:       "Mount the download cache at " + strings.Join(targets, " and "),
				Applicability: Safe,
				Edits:         []Edit{{Start: in.Run.FlagsStart, End: in.Run.FlagsStart, New: text.String()}},
				Note:          "the download cache (" + strings.Join(targets, ", ") + ") is no longer in the image",
			},
		})
		if !recorded {
			continue
		}
		if p.shared.mountAdded == nil {
			p.shared.mountAdded = in
		}
		if p.shared.adding == nil {
			p.shared.adding = map[*Instr][]string{}
		}
		p.shared.adding[in] = append(p.shared.adding[in], targets...)
	}
}

// readLater says why a persistent cache (one whose content later steps read from the
// image, like Go's module cache) cannot be mounted on this step: a later step of the stage
// that is not a recognized command, or a later stage that builds on this one.
func (p *Pass) readLater(in *Instr, m *manifests.Manager, target string) string {
	stage := p.File.Stages[in.Stage]
	for _, k := range p.File.lineage(in.Stage) {
		if k.Keyword() != "run" {
			continue
		}
		els, _ := p.File.elements(k)
		uses, publishes := false, false
		for _, e := range els {
			uses = uses || e.install != nil && e.install.Manager == m
			publishes = publishes || e.install != nil && e.install.Manager == m && e.install.Publishes
		}
		if !uses {
			continue
		}
		// A step that installs the project's own artifacts into the cache (mvn install):
		// no download brings them back, and a mount is empty whenever a step's layer comes
		// from the cache, so neither that step nor another that reads the cache may mount it.
		if k != in && publishes {
			return fmt.Sprintf("the RUN on line %d installs the project's own artifacts into it, which no download brings back", k.Line())
		}
		if k != in && p.publishes(in, m) {
			return fmt.Sprintf("this step installs the project's own artifacts into it, which no download brings back, and the RUN on line %d uses it too", k.Line())
		}
		// An earlier step that kept the cache in the image: a mount here would hide it.
		if k.Index < in.Index && !covered(cacheMounts(k), target) && !p.mountPlanned(k, target) {
			return fmt.Sprintf("the RUN on line %d keeps it in the image, and a mount here would hide that copy", k.Line())
		}
		// A download with credentials: a later step without them would find the mount empty
		// whenever the download's layer comes from the cache (cache mounts are not exported).
		if run, ok := k.Cmd.(*instructions.RunCommand); ok {
			for _, mt := range instructions.GetMounts(run) {
				if mt.Type == instructions.MountTypeSecret || mt.Type == instructions.MountTypeSSH {
					return fmt.Sprintf("the RUN on line %d downloads with credentials (a %s mount) that other steps lack, so they must find what it downloads in the image", k.Line(), mt.Type)
				}
			}
		}
	}
	if why := p.runsAtRuntime(in, m); why != "" {
		return why
	}
	for _, k := range stage[in.Index-stage[0].Index+1:] {
		if k.Keyword() != "run" {
			continue
		}
		els, _ := p.File.elements(k)
		if len(els) == 0 {
			return fmt.Sprintf("the RUN on line %d may read it from the image", k.Line())
		}
		for _, e := range els {
			if e.install != nil && e.install.Manager == m {
				if f := p.File.followed(p.Context, k, e.install, p.File.installDir(k, e.install)); e.opaque || f.NoCache != "" || f.NoPersistent != "" || networkNone(k) {
					return fmt.Sprintf("%s on line %d reads it from the image", e.text(), k.Line())
				}
			}
			if e.install != nil {
				continue // a recognized command, which gets the same mount
			}
			if _, ok := manifestsCleaner(e); ok {
				continue
			}
			if e.cmd != nil {
				if _, ok := freeCommands[e.cmd.Name()]; ok {
					continue
				}
			}
			return fmt.Sprintf("%s on line %d may read it from the image", e.text(), k.Line())
		}
	}
	name := ""
	if fs, ok := stage[0].Cmd.(*instructions.Stage); ok {
		name = strings.ToLower(fs.Name)
	}
	for _, st := range p.File.Stages[in.Stage+1:] {
		if fs, ok := st[0].Cmd.(*instructions.Stage); ok {
			base := strings.ToLower(fs.BaseName)
			if base == name && name != "" || base == fmt.Sprint(in.Stage) {
				return fmt.Sprintf("the stage on line %d builds on this one", st[0].Line())
			}
		}
		for _, k := range st {
			if c, ok := k.Cmd.(*instructions.CopyCommand); ok && c.From != "" && (strings.EqualFold(c.From, name) || c.From == fmt.Sprint(in.Stage)) {
				for _, src := range c.SourcePaths {
					if under(target, path.Clean(src)) || under(path.Clean(src), target) {
						return fmt.Sprintf("COPY --from on line %d copies it", k.Line())
					}
				}
			}
		}
	}
	return ""
}

// wanted reports whether a cache directory should be mounted on a step: always, except a
// directory the image keeps (apt's lists), which only a step that fills it (apt-get
// update) and then removes it itself may mount, when no earlier step of its lineage left
// lists in the image (the step's rm would remove those too; with the mount, they stay).
func (p *Pass) wanted(in *Instr, els []element, s mountSpec, mounted []string) bool {
	if !s.removed || covered(mounted, s.target) {
		return true
	}
	lastUpdate := -1
	for k, e := range els {
		if e.install != nil && e.install.Manager == manifests.Apt && slices.Contains(e.cmd.Args, "update") {
			lastUpdate = k
		}
	}
	if lastUpdate < 0 {
		return false
	}
	for _, k := range p.File.before(in) {
		if k.Keyword() != "run" {
			continue
		}
		kels, _ := p.File.elements(k)
		for _, e := range kels {
			if e.install != nil && e.install.Manager == manifests.Apt && slices.Contains(e.cmd.Args, "update") && !covered(cacheMounts(k), s.target) && !p.mountPlanned(k, s.target) {
				return false // an earlier apt-get update may have left lists in the image
			}
		}
		if len(kels) == 0 && strings.Contains(k.Node.Original, "apt") {
			return false // an apt step cachefix cannot read
		}
	}
	for _, e := range els[lastUpdate+1:] {
		if e.cmd == nil || e.cmd.Name() != "rm" {
			continue
		}
		for i, a := range e.cmd.Args[1:] {
			dir := path.Clean(strings.TrimSuffix(strings.TrimRight(a, "*"), "/"))
			if e.cmd.Lit[i+1] && !strings.HasPrefix(a, "-") && under(s.target, dir) {
				return true // rm -rf /var/lib/apt/lists/* after the update
			}
		}
	}
	return false
}

// mountClash says why a cache mount at target would break the RUN: a command in it
// removes a folder that holds the mount point (rm -rf /root/.cache).
func (p *Pass) mountClash(in *Instr, els []element, target string, m *manifests.Manager) string {
	if why := p.copiedInto(in, target); why != "" {
		return why
	}
	moved := false // a cd came first: relative paths are relative to where it went
	for _, e := range els {
		if e.opaque && e.cmd != nil {
			// Inside an if or a loop nothing can be removed: a clean of the cache would
			// empty the mount, an rm of the mount point itself would fail.
			if cm, ok := manifests.Cleaner(e.cmd); ok && cm == m {
				return fmt.Sprintf("%s in the same step would empty it, and cannot be removed there", strings.Join(e.cmd.Args, " "))
			}
		}
		if e.cmd != nil && e.cmd.Name() == "cd" {
			moved = true
		}
		if e.cmd == nil || e.cmd.Name() != "rm" {
			continue
		}
		for i, a := range e.cmd.Args[1:] {
			if !e.cmd.Lit[i+1] {
				return fmt.Sprintf("an rm in the same step removes a path cachefix cannot read, which may be the mount point %s", target)
			}
			if strings.HasPrefix(a, "-") {
				continue
			}
			dir := strings.TrimSuffix(strings.TrimRight(a, "*"), "/")
			if dir == "" {
				continue
			}
			if !path.IsAbs(dir) {
				if moved {
					return fmt.Sprintf("rm %s after a cd in the same step may remove the mount point %s", a, target)
				}
				dir = resolve(in.State.Workdir, dir)
			}
			if (target != dir || e.opaque) && under(target, dir) {
				return fmt.Sprintf("rm %s in the same step would remove the mount point %s", a, target)
			}
		}
	}
	return ""
}

// copiedInto says why a mount at target would hide files an earlier COPY or ADD of the
// lineage put there (a vendored Maven repository, a cache another stage filled), or "".
// A copy into a parent of target counts when what it copies may hold target: always for a
// copy from another stage or image, and for a context folder that holds that path.
func (p *Pass) copiedInto(in *Instr, target string) string {
	for _, k := range p.File.before(in) {
		var sd instructions.SourcesAndDest
		from := ""
		switch c := k.Cmd.(type) {
		case *instructions.CopyCommand:
			sd, from = c.SourcesAndDest, c.From
		case *instructions.AddCommand:
			sd = c.SourcesAndDest
		default:
			continue
		}
		dest := resolve(k.State.Workdir, sd.DestPath)
		if under(dest, target) {
			return fmt.Sprintf("%s on line %d puts files there, which the mount would hide", strings.ToUpper(k.Keyword()), k.Line())
		}
		if !under(target, dest) || dest == "/" && from == "" {
			continue
		}
		rel := strings.TrimPrefix(target, strings.TrimSuffix(dest, "/")+"/")
		for _, src := range sd.SourcePaths {
			src = path.Clean(strings.TrimPrefix(src, "/"))
			if from != "" || len(sd.SourceContents) > 0 {
				return fmt.Sprintf("%s on line %d copies a folder to %s, which may hold %s", strings.ToUpper(k.Keyword()), k.Line(), dest, target)
			}
			if exists, _ := p.Context.Stat(path.Join(src, rel)); exists {
				return fmt.Sprintf("%s on line %d puts the context's %s there, which the mount would hide", strings.ToUpper(k.Keyword()), k.Line(), path.Join(src, rel))
			}
		}
	}
	return ""
}

// declineUnreadable reports an install in a RUN whose shell cannot be read (exec form,
// heredoc).
func (p *Pass) declineUnreadable(in *Instr) {
	run := in.Cmd.(*instructions.RunCommand)
	words := strings.Fields(strings.Join(run.CmdLine, " "))
	cmd := &manifests.Cmd{Args: words, Env: in.State.Lookup}
	for range words {
		cmd.Lit = append(cmd.Lit, true)
	}
	if inst, ok := manifests.Recognize(cmd); ok && inst.Manager.Caches != nil && len(inst.Manager.Caches(in.State.Lookup)) > 0 {
		p.Report(Finding{instr: in, Line: in.Line(), Message: inst.Manager.Name + " install step left as it is", Declined: "not changed: " + in.NoShell})
	}
}

// plainPath reports whether p is an absolute path of letters, digits and ._-+@~ only, which
// a --mount flag holds without quoting.
func plainPath(p string) bool {
	if !path.IsAbs(p) {
		return false
	}
	for _, c := range p {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', strings.ContainsRune("/._-+@~", c):
		default:
			return false
		}
	}
	return true
}

// mountPlanned reports whether this round's cache-mount findings already mount target on k
// (rules run in file order, so an earlier step's mount is known).
func (p *Pass) mountPlanned(k *Instr, target string) bool {
	return slices.Contains(p.shared.adding[k], target)
}

// publishes reports whether RUN in installs the project's own artifacts into m's cache.
func (p *Pass) publishes(in *Instr, m *manifests.Manager) bool {
	els, _ := p.File.elements(in)
	for _, e := range els {
		if e.install != nil && e.install.Manager == m && e.install.Publishes {
			return true
		}
	}
	return false
}

// runsAtRuntime says why a persistent cache of m must stay in an image that may use it
// when it runs: a stage no later stage builds on or copies from (so it may be the image
// that ships) whose command is one of m's (go run, mvn spring-boot:run), or, on m's own
// official image (golang, maven), the image's default command or a shell.
func (p *Pass) runsAtRuntime(in *Instr, m *manifests.Manager) string {
	if m.Runtime == nil {
		return ""
	}
	stage := p.File.Stages[in.Stage]
	fs, ok := stage[0].Cmd.(*instructions.Stage)
	chain := append(p.File.ancestors(in.Stage), stage) // the first holds the image it starts from
	root, rok := chain[0][0].Cmd.(*instructions.Stage)
	if !ok || !rok {
		return ""
	}
	name := strings.ToLower(fs.Name)
	for _, st := range p.File.Stages[in.Stage+1:] {
		if later, ok := st[0].Cmd.(*instructions.Stage); ok {
			if base := strings.ToLower(later.BaseName); base == name && name != "" || base == fmt.Sprint(in.Stage) {
				return "" // built on: readLater looks at that stage
			}
		}
		for _, k := range st {
			if c, ok := k.Cmd.(*instructions.CopyCommand); ok && c.From != "" && (strings.EqualFold(c.From, name) || c.From == fmt.Sprint(in.Stage)) {
				return "" // a build stage whose results are copied out
			}
		}
	}
	// The program the container runs: the entrypoint's if there is one, else the command's;
	// a stage inherits its base's. Any word of either naming one of m's commands counts
	// too (sh -c "./mvnw spring-boot:run", ENTRYPOINT ["./gradlew"] with CMD ["bootRun"]).
	var entry, cmdLine []string
	for _, k := range slices.Concat(chain...) {
		switch c := k.Cmd.(type) {
		case *instructions.CmdCommand:
			cmdLine = c.CmdLine
		case *instructions.EntrypointCommand:
			entry = c.CmdLine
		}
	}
	command := firstCommandWord(cmdLine)
	if len(entry) > 0 {
		command = firstCommandWord(entry)
	}
	base := path.Base(command)
	uses := slices.Contains(m.Runtime.Commands, base)
	for _, w := range strings.Fields(strings.Join(slices.Concat(entry, cmdLine), " ")) {
		uses = uses || slices.Contains(m.Runtime.Commands, path.Base(strings.Trim(w, `"';&|()`)))
	}
	own := slices.Contains(m.Runtime.Images, officialName(root.BaseName))
	if uses || own && slices.Contains([]string{".", "", "make", "bash", "sh"}, base) {
		what := "this stage"
		if own {
			what = "this " + officialName(root.BaseName) + " stage"
		}
		return fmt.Sprintf("%s is an image of its own, which may build code with it when it runs (its command: %s)", what, cmp.Or(command, "the default shell"))
	}
	return ""
}

// firstCommandWord is the program a CMD or ENTRYPOINT runs.
func firstCommandWord(cmdLine []string) string {
	if len(cmdLine) == 0 {
		return ""
	}
	w, _, _ := strings.Cut(strings.TrimSpace(cmdLine[0]), " ")
	return w
}

// pnpmFetch returns, for a pnpm install, the RUN of in's stage, or of a stage it builds
// on, that runs pnpm fetch, if any.
func (p *Pass) pnpmFetch(in *Instr, inst *manifests.Install) *Instr {
	if inst.Manager != manifests.Pnpm {
		return nil
	}
	for _, k := range p.File.lineage(in.Stage) {
		els, _ := p.File.elements(k)
		for _, e := range els {
			if e.cmd != nil && e.cmd.Name() == "pnpm" && len(e.cmd.Args) > 1 && e.cmd.Args[1] == "fetch" {
				return k
			}
		}
	}
	return nil
}

// inlineDisabler names a variable that switches the manager's cache off and that the
// command sets for itself (PIP_NO_CACHE_DIR=1 pip install ...), or returns "".
func inlineDisabler(in *Instr, inst *manifests.Install) string {
	if inst.Cmd == nil || inst.Cmd.Env == nil {
		return ""
	}
	for _, v := range inst.Manager.Disablers {
		if _, inState := in.State.Env[v]; inState {
			continue // an ENV or ARG: cache-defeat unsets it for the step
		}
		if _, ok := inst.Cmd.Env(v); ok {
			return v
		}
	}
	return ""
}

// defeatWord returns a literal word of cmd that switches a download cache off, for a
// command cachefix could not read whole (so its manager found no Defeats).
func defeatWord(c *manifests.Cmd) string {
	for i, a := range c.Args {
		if c.Lit[i] && (a == "--no-cache-dir" || a == "--no-cache") {
			return a
		}
	}
	return ""
}

// parenthesized is " (why)", or "" when why is.
func parenthesized(why string) string {
	if why == "" {
		return ""
	}
	return " (" + why + ")"
}

// cacheConfigured names a command before the install, in its RUN or an earlier step of its
// lineage, that configures the cache of the manager's command (pip config set
// global.cache-dir ..., npm config set cache ...), or returns "".
func (p *Pass) cacheConfigured(in *Instr, inst element) string {
	manager := inst.install.Manager.Name
	if v := map[string]string{"go": "GOENV", "apt": "APT_CONFIG"}[manager]; v != "" {
		if _, set := in.State.Env[v]; set {
			return "ENV " + v // a configuration file of its own
		}
	}
	if manager == "apt" {
		// A copied apt configuration that moves its folders (Dir::Cache::archives "/opt/x").
		for _, k := range p.File.before(in) {
			ci := p.copyInfo(k)
			if ci == nil || !strings.HasPrefix(ci.abs, "/etc/apt") {
				continue
			}
			for _, c := range p.copies(ci) {
				if data, err := p.Context.ReadFile(c.src); err != nil || strings.Contains(string(data), "Dir::") {
					return fmt.Sprintf("%s on line %d", ci.text, k.Line())
				}
			}
		}
	}
	for _, k := range append(p.File.before(in), in) {
		if k.Keyword() != "run" {
			continue
		}
		text := p.File.Source.Src[k.Span.Start:k.Span.End]
		if k.Run != nil {
			text = p.File.Source.Src[k.Run.CmdStart:k.Run.End] // the command, not its flags
		}
		if manager == "apt" && bytes.Contains(text, []byte("Dir::")) && bytes.Contains(text, []byte("apt.conf")) {
			return fmt.Sprintf("the RUN on line %d, which writes apt configuration with a Dir:: setting,", k.Line())
		}
		// A configuration file written by the shell (echo "cache=/tmp/npm" >> ~/.npmrc).
		for _, conf := range inst.install.Manager.ConfigFiles {
			if k != in && bytes.Contains(text, []byte(conf)) && (bytes.Contains(text, []byte("cache")) || bytes.Contains(text, []byte("store")) || bytes.Contains(text, []byte("epositor"))) {
				return fmt.Sprintf("the RUN on line %d, which writes %s,", k.Line(), conf)
			}
		}
		// A configuration file mounted into the step (a secret .npmrc or pip.conf), whose
		// settings cachefix cannot read.
		if run, ok := k.Cmd.(*instructions.RunCommand); ok && k == in {
			for _, m := range instructions.GetMounts(run) {
				if m.Type != instructions.MountTypeSecret && m.Type != instructions.MountTypeBind {
					continue
				}
				for _, conf := range inst.install.Manager.ConfigFiles {
					if strings.HasSuffix(m.Target, conf) {
						return fmt.Sprintf("the %s mount of %s on line %d", m.Type, m.Target, k.Line())
					}
				}
			}
		}
		els, _ := p.File.elements(k)
		for _, e := range els {
			if k == in && e.start >= inst.start {
				break
			}
			if e.cmd != nil && manager == "go" && e.cmd.Name() == "go" && len(e.cmd.Args) > 2 && e.cmd.Args[1] == "env" && slices.Contains(e.cmd.Args, "-w") {
				return fmt.Sprintf("%s on line %d", strings.Join(e.cmd.Args, " "), k.Line()) // go env -w GOMODCACHE=...
			}
			if e.cmd == nil || strings.TrimSuffix(e.cmd.Name(), "3") != manager || !manifests.Configures(e.cmd) {
				continue // pip3 config set ... configures pip
			}
			for _, a := range e.cmd.Args[2:] {
				if strings.Contains(a, "cache") || strings.Contains(a, "store") {
					return fmt.Sprintf("%s on line %d", strings.Join(e.cmd.Args, " "), k.Line())
				}
			}
		}
	}
	return ""
}

// cacheInstall is an install as its manager's Follow completes it from the files it reads,
// which may move its cache (.npmrc's cache=, yarn 2+'s .yarnrc.yml, uv.toml's cache-dir).
func (p *Pass) cacheInstall(in *Instr, inst *manifests.Install) *manifests.Install {
	if inst.Cmd == nil {
		return inst // made by hand: no command to follow from
	}
	return p.File.followed(p.Context, in, inst, p.File.installDir(in, inst))
}
