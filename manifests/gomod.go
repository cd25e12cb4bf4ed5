package manifests

import (
	"path"
	"slices"
	"strings"
)

// Go is the go command: go mod download reads go.mod and go.sum; go build and the like
// compile the source (they cannot move) but use the module and build caches.
var Go = &Manager{
	Name:  "go",
	Files: []string{"**/go.mod", "**/go.sum", "**/go.work", "**/go.work.sum"},
	Recognize: func(c *Cmd) (*Install, bool) {
		if c.Name() != "go" || len(c.Args) < 2 || !c.Lit[1] {
			return nil, false
		}
		switch c.Args[1] {
		case "mod":
			if len(c.Args) >= 3 && c.Args[2] == "download" {
				if ops, ok := operands(c, 3, flagSpec{"-modcacherw": false}); ok && len(ops) == 0 {
					return &Install{Inputs: []string{"go.mod"}, Optional: []string{"go.sum", "go.work", "go.work.sum"}}, true
				}
				return &Install{NeedsSource: "go mod download of named modules reads go.mod files of the source"}, true
			}
			return nil, false
		case "install":
			if ops, ok := operands(c, 2, goFlags); ok && len(ops) > 0 && allVersioned(ops) {
				return &Install{}, true // go install golang.org/x/tools/cmd/goimports@v0.24.0
			}
			return &Install{NeedsSource: "go install compiles the source", Build: true}, true
		case "build", "test", "vet", "generate", "run":
			return goOffline(c, &Install{NeedsSource: "go " + c.Args[1] + " compiles the source", Build: true}), true
		}
		return nil, false
	},
	Follow: func(in *Install, read Reader) {
		if in.Build && in.NoPersistent == "" && read.Exists("vendor/modules.txt") && !goFlag(in.Cmd, "-mod=mod") && !goFlag(in.Cmd, "-mod=readonly") {
			in.NoPersistent = "the module is vendored (vendor/modules.txt): modules other builds left in a shared cache would change the binary's build info"
		}
		if len(in.Inputs) == 0 || in.Inputs[0] != "go.mod" {
			return
		}
		if work := goWork(in, read); work != "" {
			in.NeedsSource = work + " lists workspace modules whose go.mod files the download reads"
			return
		}
		// The main module is the nearest go.mod at or above the working directory.
		mod := "go.mod"
		for _, up := range read.upward("go.mod") {
			if read.Exists(up) {
				mod = up
				break
			}
		}
		if mod != "go.mod" {
			dir := strings.TrimSuffix(mod, "go.mod")
			in.Inputs[0] = mod
			for i, o := range in.Optional {
				if o == "go.sum" {
					in.Optional[i] = dir + "go.sum"
				}
			}
		}
		data, err := read.Read(mod)
		if err != nil {
			return
		}
		for _, l := range strings.Split(string(data), "\n") {
			if _, target, ok := strings.Cut(l, "=>"); ok {
				t := strings.TrimSpace(target)
				if strings.HasPrefix(t, "./") || strings.HasPrefix(t, "../") || strings.HasPrefix(t, "/") {
					in.NeedsSource = "go.mod replaces a module with a local folder (" + strings.TrimSpace(l) + ")"
					return
				}
			}
		}
	},
	Caches: func(env Lookup) []CacheDir {
		mod := CacheDir{Path: homeDir("go/pkg/mod"), Persistent: true, Beside: true}
		if d, ok := envDir(env, "GOPATH"); ok {
			mod.Path = path.Join(d, "pkg/mod")
		}
		if d, ok := envDir(env, "GOMODCACHE"); ok {
			mod.Path = d
		}
		build := CacheDir{Path: homeDir(".cache/go-build")}
		if d, ok := envDir(env, "XDG_CACHE_HOME"); ok {
			build.Path = path.Join(d, "go-build")
		}
		if d, ok := envDir(env, "GOCACHE"); ok {
			build.Path = d
		}
		return []CacheDir{mod, build}
	},
	Runtime: &Runtime{Images: []string{"golang"}, Commands: []string{"go", "air", "dlv", "reflex", "CompileDaemon", "gow", "realize", "gin"}},
	Cleans: func(c *Cmd) bool {
		return c.Name() == "go" && len(c.Args) >= 3 && c.Args[1] == "clean" && (c.Args[2] == "-modcache" || c.Args[2] == "-cache")
	},
}

// goOffline marks a build that must not download (GOPROXY=off, -mod=vendor), which reads
// its modules from the image or from vendor/: a module cache mount is no use to it, and an
// empty one would fail it, or change the binary (vendored builds record the sums of
// modules they find in the cache).
func goOffline(c *Cmd, in *Install) *Install {
	switch {
	case goFlag(c, "-mod=vendor"):
		in.NoPersistent = "it builds from vendor/ (-mod=vendor): modules other builds left in a shared cache would change the binary's build info"
	default:
		if v, ok := c.lookup("GOPROXY"); ok && v == "off" {
			in.NoPersistent = "GOPROXY=off: it builds from the modules the image holds"
		}
	}
	return in
}

// goFlag reports whether the go command gets flag (-mod=vendor), on its command line or
// in GOFLAGS.
func goFlag(c *Cmd, flag string) bool {
	if c == nil {
		return false
	}
	if hasFlag(c, flag) {
		return true
	}
	v, _ := c.lookup("GOFLAGS")
	return slices.Contains(strings.Fields(v), flag)
}

var goFlags = flagSpec{"-o": true, "-ldflags": true, "-gcflags": true, "-tags": true, "-mod": true, "-p": true, "-C": true, "-pkgdir": true, "-trimpath": false}

func allVersioned(ops []string) bool {
	for _, o := range ops {
		if !strings.Contains(o, "@") {
			return false
		}
	}
	return true
}

// goWork returns the workspace file the go command would use, as read found it, or "".
// Like go, it looks for go.work in the working directory and every folder above it, unless
// GOWORK is off or names the file itself.
func goWork(in *Install, read Reader) string {
	if in.Cmd == nil {
		return "" // not recognized from a command: nothing to look up from
	}
	names := read.upward("go.work")
	if v, ok := in.Cmd.lookup("GOWORK"); ok {
		switch v {
		case "off":
			return ""
		case "", "auto":
		default:
			names = []string{v}
		}
	}
	for _, n := range names {
		if read.Exists(n) {
			return n
		}
	}
	return ""
}
