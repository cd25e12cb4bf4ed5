package rewrite

// misplaced.go retargets a cache mount that sits on an install's output (pip --target,
// a virtualenv, site-packages, node_modules). A cache mount is never part of the image, so
// such a mount leaves the image without the packages: the original build is broken. The
// fix mounts the manager's cache instead, so the packages reach the image. It is safe in
// that it repairs the build the author meant; the report says it changes the result.

import (
	"fmt"
	"path"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// MisplacedMount retargets cache mounts placed on an install's output.
var MisplacedMount = &Rule{
	Name:    "misplaced-mount",
	Doc:     "Retarget a cache mount placed on the install target\n\nA cache mount on site-packages, a --target folder, a venv or node_modules leaves the image without the packages.",
	Default: Safe,
	InPlace: true,
	Run:     runMisplacedMount,
}

// misplacedMount is a cache mount flag that sits on an install's output.
type misplacedMount struct {
	flag    Span
	target  string
	element element
	repl    mountSpec
}

// misplaced finds a RUN's cache mounts that sit on what its installs write.
func (p *Pass) misplaced(in *Instr, els []element) []misplacedMount {
	run := in.Cmd.(*instructions.RunCommand)
	mounts := instructions.GetMounts(run)
	if len(mounts) == 0 || in.Run == nil {
		return nil
	}
	var out []misplacedMount
	for _, e := range els {
		inst := e.install
		if inst == nil {
			continue
		}
		specs, why := p.cacheTargets(in, inst)
		if why != "" || len(specs) == 0 {
			continue
		}
		outs := installOutputs(in, e)
		mi := 0
		for fi, fl := range in.Node.Flags {
			if !strings.HasPrefix(fl, "--mount") {
				continue
			}
			if mi >= len(mounts) || fi >= len(in.Run.Flags) {
				break
			}
			m := mounts[mi]
			mi++
			if m.Type != instructions.MountTypeCache {
				continue
			}
			target := path.Clean(m.Target)
			hit := strings.Contains(target, "/site-packages") || strings.Contains(target, "/dist-packages")
			for _, o := range outs {
				hit = hit || (under(target, o) && o != "/")
			}
			for _, s := range specs {
				if under(target, s.target) {
					hit = false // the manager's own cache, e.g. with pip --target=/
				}
			}
			if hit {
				out = append(out, misplacedMount{flag: in.Run.Flags[fi], target: target, element: e, repl: specs[0]})
			}
		}
	}
	return out
}

func runMisplacedMount(p *Pass) {
	for _, in := range p.File.Instrs {
		if in.Stage < 0 || in.Run == nil {
			continue
		}
		els, _ := p.File.elements(in)
		for _, mm := range p.misplaced(in, els) {
			if last := els[len(els)-1]; last.start != mm.element.start {
				// e.g. RUN --mount=type=cache,target=/app/node_modules npm ci && npm run build:
				// a later command uses the install as scratch; the mount may be deliberate.
				p.Report(Finding{instr: in, Line: in.Line(), Message: fmt.Sprintf("the cache mount at %s hides what %s installs there from the image", mm.target, mm.element.label()), Declined: "not retargeted: later commands of the step may use it as scratch space"})
				continue
			}
			if other := p.sharesMount(in, mm.target); other != nil {
				// The same cache mounted by another step that uses what the install put there
				// (RUN --mount=...,target=/app/node_modules npm run build): deliberate.
				p.Report(Finding{instr: in, Line: in.Line(), Message: fmt.Sprintf("the cache mount at %s hides what %s installs there from the image", mm.target, mm.element.label()), Declined: fmt.Sprintf("not retargeted: the RUN on line %d mounts the same cache and uses what the install put there", other.Line())})
				continue
			}
			sp := mm.flag
			msg := fmt.Sprintf("the cache mount at %s hides what %s installs there: the image gets none of it", mm.target, mm.element.label())
			fixMsg := fmt.Sprintf("Mount %s's cache at %s instead", mm.element.install.Manager.Name, mm.repl.target)
			ed := Edit{Start: sp.Start, End: sp.End, New: mm.repl.flag()}
			if covered(cacheMounts(in), mm.repl.target) {
				// The right mount is there already: drop this flag and the blank after it.
				end := sp.End
				src := p.File.Source.Src
				for end < in.Run.CmdStart && (src[end] == ' ' || src[end] == '\t' || src[end] == byte(p.File.Escape) || src[end] == '\r' || src[end] == '\n') {
					end++
				}
				ed = Edit{Start: sp.Start, End: end}
				fixMsg = "Remove the cache mount at " + mm.target
			}
			p.Report(Finding{instr: in, Line: in.Line(), Message: msg, Fix: &Fix{
				Message: fixMsg, Applicability: Safe, Edits: []Edit{ed},
				Note: "this repairs a broken build: the packages now reach the image",
			}})
		}
	}
}

// sharesMount returns another RUN of the file that mounts a cache at target (or with the
// same id), or nil.
func (p *Pass) sharesMount(in *Instr, target string) *Instr {
	id := ""
	run := in.Cmd.(*instructions.RunCommand)
	for _, m := range instructions.GetMounts(run) {
		if m.Type == instructions.MountTypeCache && path.Clean(m.Target) == target {
			id = m.CacheID
		}
	}
	for _, k := range p.File.Instrs {
		r, ok := k.Cmd.(*instructions.RunCommand)
		if !ok || k == in {
			continue
		}
		for _, m := range instructions.GetMounts(r) {
			if m.Type == instructions.MountTypeCache && (path.Clean(m.Target) == target && m.CacheID == id || id != "" && m.CacheID == id) {
				return k
			}
		}
	}
	return nil
}

// installOutputs are the absolute folders an install writes.
func installOutputs(in *Instr, e element) []string {
	var outs []string
	for _, o := range e.install.Outputs {
		if strings.HasPrefix(o, "~/") {
			continue
		}
		outs = append(outs, resolve(in.State.Workdir, o))
	}
	if v, ok := in.State.Lookup("VIRTUAL_ENV"); ok && path.IsAbs(v) {
		outs = append(outs, path.Clean(v))
	}
	return outs
}
