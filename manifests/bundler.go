package manifests

import (
	"fmt"
	"path"
	"slices"
	"strings"
)

// Bundler is Ruby's bundle install (and bundle check, which reads the same files). The
// Gemfile is Ruby code: a gemspec line, a path gem, eval_gemfile or code that reads files
// make the install read the project, and only `ruby file: ".ruby-version"` (or
// File.read of it) is followed. Gems are installed with their downloaded .gem files
// beside them (GEM_HOME/cache), so there is no separate download cache to mount.
var Bundler = &Manager{
	Name:  "bundler",
	Files: []string{"**/Gemfile", "**/Gemfile.lock", "**/gems.rb", "**/gems.locked", "**/.bundle/config", "**/.ruby-version"},
	Recognize: func(c *Cmd) (*Install, bool) {
		name := c.Name()
		if name == "gem" {
			return gemInstall(c)
		}
		if name != "bundle" && name != "bundler" {
			return nil, false
		}
		sub := "install"
		if len(c.Args) >= 2 {
			if !c.Lit[1] {
				return nil, false
			}
			if !strings.HasPrefix(c.Args[1], "-") {
				sub = c.Args[1]
			}
		}
		start := 2
		switch sub {
		case "install", "check":
			if len(c.Args) < 2 || strings.HasPrefix(c.Args[1], "-") {
				start = 1 // bare "bundle" or "bundle --jobs 4" installs
			}
		default:
			return nil, false // bundle exec, bundle config, ...
		}
		ops, ok := operands(withoutGroups(c), start, bundleFlags)
		if !ok {
			return &Install{NeedsSource: "its arguments are not all literal"}, true
		}
		if len(ops) > 0 {
			return &Install{NeedsSource: fmt.Sprintf("bundle %s %s is not an install of the Gemfile", sub, strings.Join(ops, " "))}, true
		}
		gemfile := "Gemfile"
		if v, ok := c.lookup("BUNDLE_GEMFILE"); ok && v != "" {
			gemfile = v
		}
		if v, ok := flagValue(c, "--gemfile"); ok {
			gemfile = v
		}
		if strings.Contains(gemfile, "/") {
			// Bundler resolves .ruby-version, vendor/cache, vendor/bundle and .bundle from
			// the Gemfile's folder, which the rules do not follow.
			return &Install{NeedsSource: fmt.Sprintf("its Gemfile is %s, and Bundler reads and writes beside it", gemfile)}, true
		}
		in := &Install{Inputs: []string{gemfile}, Optional: []string{gemfile + ".lock"}}
		if gemfile == "Gemfile" {
			in.Optional = append(in.Optional, "gems.rb", "gems.locked")
		}
		if sub == "check" {
			return in, true
		}
		if _, ok := c.lookup("BUNDLE_APP_CONFIG"); !ok {
			in.Optional = append(in.Optional, ".bundle/config") // the app's own settings
		}
		set := func(flag, env string) bool {
			if hasFlag(c, flag) {
				return true
			}
			v, ok := c.lookup(env)
			return ok && v != "" && !isFalse(v)
		}
		if !set("--frozen", "BUNDLE_FROZEN") && !set("--deployment", "BUNDLE_DEPLOYMENT") {
			// Resolves again, and may rewrite the lock (a platform the lock lacks).
			in.Rewrites = []string{gemfile + ".lock"}
		}
		// Where the gems go: an install path relative to the project lands in the copy.
		gems := ""
		if v, ok := c.lookup("BUNDLE_PATH"); ok && v != "" {
			gems = v
		} else if set("--deployment", "BUNDLE_DEPLOYMENT") {
			gems = "vendor/bundle"
		}
		if v, ok := flagValue(c, "--path"); ok {
			gems = v
		}
		if gems != "" && !path.IsAbs(gems) {
			in.Outputs = append(in.Outputs, gems)
		}
		if v, ok := flagValue(c, "--binstubs"); ok || hasFlag(c, "--binstubs") {
			if v == "" || strings.HasPrefix(v, "-") {
				v = "bin"
			}
			in.Outputs = append(in.Outputs, v)
		}
		if hasFlag(c, "--standalone") {
			in.Outputs = append(in.Outputs, "bundle")
		}
		if _, ok := c.lookup("BUNDLE_APP_CONFIG"); !ok && hasFlag(c, rememberedFlags...) {
			in.Outputs = append(in.Outputs, ".bundle") // remembered in the app's .bundle/config
		}
		return in, true
	},
	Follow: func(in *Install, read Reader) {
		if len(in.Inputs) == 0 {
			return
		}
		gemfile := in.Inputs[0]
		if gemfile == "Gemfile" && !read.Exists("Gemfile") && read.Exists("gems.rb") {
			gemfile = "gems.rb" // Bundler's other name for it
			in.Inputs[0] = gemfile
		}
		data, err := read.Read(gemfile)
		if err != nil {
			return
		}
		files, why := gemfileReads(string(data))
		if why != "" {
			in.NeedsSource = "the " + path.Base(gemfile) + " " + why
			return
		}
		in.Inputs = append(in.Inputs, files...)
		lock := gemfile + ".lock"
		if gemfile == "gems.rb" {
			lock = "gems.locked"
		}
		if data, err := read.Read(lock); err == nil {
			for _, l := range strings.Split(string(data), "\n") {
				if strings.TrimRight(l, "\r") == "PATH" {
					in.NeedsSource = "the " + path.Base(lock) + " has gems from local paths (PATH)"
					return
				}
			}
		}
		if read.Exists("vendor/cache") {
			in.NeedsSource = "bundle install installs from the project's vendor/cache"
			return
		}
		if slices.Contains(in.Optional, ".bundle/config") {
			if data, err := read.Read(".bundle/config"); err == nil {
				applyBundleConfig(in, string(data))
			}
		}
		// A path set where cachefix cannot see it (bundle config set --global path
		// vendor/bundle in an earlier step) would put the gems where the context holds files.
		if read.Exists("vendor/bundle") && !slices.Contains(in.Outputs, "vendor/bundle") {
			in.NeedsSource = "the context holds vendor/bundle, where a bundle install configured elsewhere (bundle config set path) may write"
		}
	},
	Caches: func(Lookup) []CacheDir { return nil },
}

var bundleFlags = flagSpec{"--jobs": true, "-j": true, "--retry": true, "--path": true, "--gemfile": true, "--shebang": true, "--trust-policy": true, "--target-rbconfig": true}

// rememberedFlags are the install flags Bundler writes to the app's .bundle/config.
var rememberedFlags = []string{"--clean", "--deployment", "--frozen", "--no-prune", "--path", "--shebang", "--system", "--without", "--with"}

// gemfileReads returns the files a Gemfile reads besides itself (.ruby-version), or why its
// install reads the project. Only the Gemfile DSL is accepted (source, gem, group,
// platforms, ruby, git_source, install_if, plugin and their blocks, if/unless on ENV);
// any other statement is Ruby code that may read files.
func gemfileReads(src string) ([]string, string) {
	var files []string
	cont := false // the statement goes on from the line before
	for _, l := range strings.Split(src, "\n") {
		l = strings.TrimSpace(strings.TrimRight(l, "\r"))
		if i := strings.Index(l, "#"); i >= 0 && !strings.Contains(l[:i], `"`) && !strings.Contains(l[:i], "'") {
			l = strings.TrimSpace(l[:i])
		}
		if l == "" {
			continue
		}
		if !cont {
			first := l
			if i := strings.IndexFunc(l, func(r rune) bool {
				return !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
			}); i > 0 {
				first = l[:i]
			} else if i == 0 {
				first = l[:1]
			}
			switch first {
			case "gemspec":
				return nil, "has a gemspec line: the install reads the project's .gemspec, which reads its source"
			case "path":
				return nil, fmt.Sprintf("installs gems from a local path (%s)", l)
			case "ruby":
				if f, ok := rubyVersionFile(l); ok {
					files = append(files, f)
					cont = false
					continue
				}
			case "plugin":
				return nil, fmt.Sprintf("installs a Bundler plugin, which runs during the install (%s)", l)
			case "source", "gem", "group", "platforms", "platform", "git_source", "git", "github", "install_if", "end", "}", "if", "unless", "else", "elsif", "gems":
			default:
				return nil, fmt.Sprintf("runs Ruby code cachefix does not read (%s)", l)
			}
		}
		for _, marker := range []string{"path:", ":path", "File", "IO.", "Dir.", "Pathname", "__dir__", "__FILE__", "`", "%x", "eval", ".send", "send(", "require ", "require(", "require_relative", "load ", "load(", "open(", "YAML", "JSON", "Bundler.", "ENV.fetch(\"BUNDLE"} {
			if strings.Contains(l, marker) {
				return nil, fmt.Sprintf("reads the project (%s)", l)
			}
		}
		if why := localGit(l); why != "" {
			return nil, why
		}
		cont = strings.HasSuffix(l, ",") || strings.HasSuffix(l, "(") || strings.HasSuffix(l, "\\") || strings.HasSuffix(l, "[") || strings.HasSuffix(l, "{") || strings.HasSuffix(l, "|")
	}
	return files, ""
}

// localGit finds a git source that is a folder of the project (git: "engines/core.git").
func localGit(l string) string {
	for _, key := range []string{"git:", ":git =>", ":git=>", "git "} {
		i := strings.Index(l, key)
		if i < 0 || key == "git " && i != 0 {
			continue
		}
		v := strings.TrimSpace(l[i+len(key):])
		if len(v) < 2 || v[0] != '"' && v[0] != '\'' {
			continue
		}
		end := strings.IndexByte(v[1:], v[0])
		if end < 0 {
			continue
		}
		u := v[1 : 1+end]
		if !strings.Contains(u, "://") && !strings.HasPrefix(u, "git@") && !strings.Contains(u, "#{") {
			return fmt.Sprintf("installs a gem from a git repository in the project (%s)", u)
		}
	}
	return ""
}

// applyBundleConfig reads the app's .bundle/config (BUNDLE_PATH, BUNDLE_DEPLOYMENT,
// BUNDLE_FROZEN), which settles where the gems go and whether the lock may change.
func applyBundleConfig(in *Install, cfg string) {
	vals := map[string]string{}
	for _, l := range strings.Split(cfg, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(strings.TrimRight(l, "\r")), ":")
		if ok {
			vals[strings.TrimSpace(k)] = strings.Trim(strings.TrimSpace(v), `"'`)
		}
	}
	truth := func(k string) bool { v, ok := vals[k]; return ok && v != "" && !isFalse(v) }
	if truth("BUNDLE_FROZEN") || truth("BUNDLE_DEPLOYMENT") {
		in.Rewrites = nil
	}
	gems := vals["BUNDLE_PATH"]
	if gems == "" && truth("BUNDLE_DEPLOYMENT") {
		gems = "vendor/bundle"
	}
	if gems != "" && !path.IsAbs(gems) && !slices.Contains(in.Outputs, gems) {
		in.Outputs = append(in.Outputs, gems)
	}
}

// withoutGroups returns c without the group names after --without and --with, which take
// several words (bundle install --without development test).
func withoutGroups(c *Cmd) *Cmd {
	out := &Cmd{Env: c.Env}
	skip := false
	for i, a := range c.Args {
		if c.Lit[i] && (a == "--without" || a == "--with") {
			skip = true
			continue
		}
		if skip && c.Lit[i] && !strings.HasPrefix(a, "-") {
			continue
		}
		skip = false
		out.Args, out.Lit = append(out.Args, a), append(out.Lit, c.Lit[i])
	}
	return out
}

// rubyVersionFile reads `ruby file: ".ruby-version"` and `ruby File.read(".ruby-version").strip`.
func rubyVersionFile(l string) (string, bool) {
	rest := strings.TrimSpace(strings.TrimPrefix(l, "ruby"))
	rest = strings.TrimPrefix(rest, "(")
	for _, p := range []string{"file:", ":file =>", ":file=>", "File.read(", "IO.read("} {
		if v, ok := strings.CutPrefix(rest, p); ok {
			v = strings.TrimSpace(v)
			if len(v) < 2 || (v[0] != '"' && v[0] != '\'') {
				return "", false
			}
			end := strings.IndexByte(v[1:], v[0])
			if end < 0 {
				return "", false
			}
			name := v[1 : 1+end]
			tail := strings.TrimSpace(v[2+end:])
			switch tail {
			case "", ")", ").strip", ".strip", ").chomp", ".chomp", ").strip)", ").chomp)":
			default:
				return "", false
			}
			if name == "" || strings.Contains(name, "#{") || strings.Contains(name, "..") || path.IsAbs(name) {
				return "", false
			}
			return name, true
		}
	}
	return "", false
}

// gemInstall recognizes gem install of named gems from a registry (gem install bundler -v
// 2.5.9), which reads nothing of the project.
func gemInstall(c *Cmd) (*Install, bool) {
	if len(c.Args) < 3 || !c.Lit[1] || c.Args[1] != "install" {
		return nil, false
	}
	if hasFlag(c, "-g", "--file", "--install-dir", "-i", "--bindir", "-n") {
		return &Install{NeedsSource: "gem install of a Gemfile or into a chosen folder"}, true
	}
	ops, ok := operands(c, 2, gemFlags)
	if !ok || len(ops) == 0 {
		return &Install{NeedsSource: "its arguments are not all literal"}, true
	}
	for _, o := range ops {
		if isLocalPath(o) || strings.HasSuffix(o, ".gem") {
			return &Install{NeedsSource: fmt.Sprintf("it installs %s from the source", o)}, true
		}
	}
	return &Install{}, true
}

var gemFlags = flagSpec{"-v": true, "--version": true, "--source": true, "-s": true, "--platform": true, "-N": false, "--no-document": false, "--conservative": false, "--default": false}
