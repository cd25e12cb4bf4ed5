package manifests

import (
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"
)

// packageJSON is the part of package.json that decides whether an install reads more than
// the manifests.
type packageJSON struct {
	Scripts              map[string]string `json:"scripts"`
	Dependencies         map[string]string `json:"dependencies"`
	DevDependencies      map[string]string `json:"devDependencies"`
	OptionalDependencies map[string]string `json:"optionalDependencies"`
	Workspaces           json.RawMessage   `json:"workspaces"`
	// Prisma is Prisma's own key ({"schema": "db/schema.prisma"}).
	Prisma json.RawMessage `json:"prisma"`
	Pnpm   struct {
		PatchedDependencies map[string]string `json:"patchedDependencies"`
		Overrides           map[string]string `json:"overrides"`
	} `json:"pnpm"`
	// Resolutions (yarn) and Overrides (npm) can point a dependency at a local path.
	Resolutions    map[string]string `json:"resolutions"`
	Overrides      json.RawMessage   `json:"overrides"`
	PackageManager string            `json:"packageManager"`
	// Msw is Mock Service Worker's key: {"workerDirectory": "public"} has its postinstall
	// copy the worker into the project.
	Msw json.RawMessage `json:"msw"`
}

// installScripts are the root package's lifecycle scripts that npm, yarn v1 and pnpm run
// during a plain install.
var installScripts = []string{"preinstall", "install", "postinstall", "prepublish", "preprepare", "prepare", "postprepare", "dependencies"}

// hookInstallers are dependencies whose own install writes into the project (git hooks in
// .git/hooks, a service worker in public/), which the source copy would then replace.
var hookInstallers = []string{"yorkie", "pre-commit", "ghooks", "git-hooks", "lefthook", "@evilmartians/lefthook", "simple-git-hooks"}

// followPackageJSON marks an install as reading the source when package.json runs lifecycle
// scripts (they may read any project file), names local packages or declares workspaces.
func followPackageJSON(in *Install, read Reader) {
	data, err := read.Read("package.json")
	if err != nil {
		return // the rule reports the missing manifest
	}
	var pj packageJSON
	if err := json.Unmarshal(data, &pj); err != nil {
		in.NeedsSource = "package.json is not valid JSON: " + err.Error()
		return
	}
	ignoreScripts := false
	for i, a := range in.Cmd.Args {
		if in.Cmd.Lit[i] && (a == "--ignore-scripts" || a == "--ignore-scripts=true") {
			// npm takes a following true or false as the flag's value
			ignoreScripts = !(a == "--ignore-scripts" && i+1 < len(in.Cmd.Args) && in.Cmd.Args[i+1] == "false")
		}
	}
	if !ignoreScripts {
		for _, s := range installScripts {
			if v, ok := pj.Scripts[s]; ok {
				in.NeedsSource = fmt.Sprintf("the %q script of package.json (%s) may read project files", s, v)
				return
			}
		}
		if read.Exists("binding.gyp") {
			in.NeedsSource = "the project has a binding.gyp, so the install builds its native addon (node-gyp rebuild) from the source"
			return
		}
	}
	if len(pj.Workspaces) > 0 && string(pj.Workspaces) != "null" {
		in.NeedsSource = "package.json declares workspaces, whose package.json files the install reads"
		return
	}
	if len(pj.Pnpm.PatchedDependencies) > 0 {
		in.NeedsSource = "package.json patches dependencies with files from the project"
		return
	}
	var overrides map[string]any
	json.Unmarshal(pj.Overrides, &overrides)
	flat := map[string]string{}
	flattenOverrides("", overrides, flat)
	for _, deps := range []map[string]string{pj.Dependencies, pj.DevDependencies, pj.OptionalDependencies, pj.Resolutions, pj.Pnpm.Overrides, flat} {
		names := make([]string, 0, len(deps))
		for n := range deps {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			if v := deps[n]; localSpec(v) {
				in.NeedsSource = fmt.Sprintf("package.json depends on a local package (%s: %s)", n, v)
				return
			}
		}
	}
	if ignoreScripts {
		return // the dependencies' install scripts below do not run either
	}
	if why := pj.prisma(); why != "" {
		in.NeedsSource = why
		return
	}
	for _, h := range hookInstallers {
		if pj.dependsOn(h) {
			in.NeedsSource = fmt.Sprintf("%s's install writes git hooks into the project", h)
			return
		}
	}
	if v, ok := pj.dependency("husky"); ok && majorVersion(v) >= 0 && majorVersion(v) < 5 {
		in.NeedsSource = "husky " + v + " installs its git hooks into the project when it is installed (husky 4 and older)"
		return
	}
	if pj.dependsOn("msw") && len(pj.Msw) > 0 && string(pj.Msw) != "null" {
		in.NeedsSource = "msw's postinstall copies its worker into the project folder package.json names"
		return
	}
	if pj.dependsOn("nx") && read.Exists("nx.json") {
		in.NeedsSource = "nx's postinstall reads nx.json and the project graph"
		return
	}
	if pj.dependsOn("puppeteer") {
		for _, name := range puppeteerConfigs {
			for _, up := range read.upward(name) {
				if read.Exists(up) {
					in.NeedsSource = fmt.Sprintf("puppeteer's install reads its configuration from the project (%s), which may also have it download Chrome into a project folder", up)
					return
				}
			}
		}
	}
}

// dependsOn reports whether package.json lists name among its dependencies of any kind.
func (pj *packageJSON) dependsOn(name string) bool {
	_, ok := pj.dependency(name)
	return ok
}

// dependency returns the version range package.json gives name, in any kind of dependency.
func (pj *packageJSON) dependency(name string) (string, bool) {
	for _, deps := range []map[string]string{pj.Dependencies, pj.DevDependencies, pj.OptionalDependencies} {
		if v, ok := deps[name]; ok {
			return v, true
		}
	}
	return "", false
}

// localSpec reports whether a dependency spec names a package of the project: a file:,
// link:, portal: or workspace: protocol, a path, a bare tarball name (mylib-1.0.0.tgz), or a
// yarn patch whose patch file is local (patch:ms@npm%3A2.1.3#./patches/ms.patch).
func localSpec(v string) bool {
	for _, p := range []string{"file:", "link:", "portal:", "workspace:", "./", "../", "/", "~/"} {
		if strings.HasPrefix(v, p) {
			return true
		}
	}
	if strings.HasPrefix(v, "patch:") {
		return true // the patch file, or the patched package, is in the project
	}
	lower := strings.ToLower(v)
	if !strings.Contains(v, "://") && !strings.Contains(v, ":") && (strings.HasSuffix(lower, ".tgz") || strings.HasSuffix(lower, ".tar.gz") || strings.HasSuffix(lower, ".tar")) {
		return true
	}
	return false
}

// majorVersion reads the major version a range starts with ("^4.3.8" is 4), or -1.
func majorVersion(v string) int {
	v = strings.TrimLeft(v, "^~>=v ")
	n, digits := 0, 0
	for _, c := range v {
		if c < '0' || c > '9' {
			break
		}
		n, digits = n*10+int(c-'0'), digits+1
	}
	if digits == 0 {
		return -1
	}
	return n
}

// flattenOverrides turns npm's nested overrides into name -> spec.
func flattenOverrides(prefix string, m map[string]any, out map[string]string) {
	for k, v := range m {
		switch t := v.(type) {
		case string:
			out[prefix+k] = t
		case map[string]any:
			flattenOverrides(prefix+k+">", t, out)
		}
	}
}

// prisma says why an install of a project that uses Prisma reads the source, or "":
// @prisma/client's postinstall runs prisma generate, which reads the project's schema
// (prisma/schema.prisma, or where package.json's "prisma": {"schema": ...} points).
func (pj *packageJSON) prisma() string {
	key := len(pj.Prisma) > 0 && string(pj.Prisma) != "null"
	schema := "prisma/schema.prisma"
	if key {
		var cfg struct {
			Schema string `json:"schema"`
		}
		if json.Unmarshal(pj.Prisma, &cfg) == nil && cfg.Schema != "" {
			schema = cfg.Schema
		}
	}
	switch {
	case pj.dependsOn("@prisma/client"):
		return fmt.Sprintf("@prisma/client runs prisma generate on install, which reads the Prisma schema from the project (%s)", schema)
	case pj.dependsOn("prisma"):
		return fmt.Sprintf("package.json depends on prisma, whose install runs prisma generate, which reads the Prisma schema from the project (%s)", schema)
	case key:
		return fmt.Sprintf("package.json configures Prisma (its \"prisma\" key): the install runs prisma generate, which reads the Prisma schema from the project (%s)", schema)
	}
	return ""
}

// puppeteerConfigs are the files puppeteer's install looks for its configuration in
// (cosmiconfig's search places for "puppeteer", package.json aside): they may name a
// download folder inside the project, or skip the download.
var puppeteerConfigs = []string{
	".puppeteerrc", ".puppeteerrc.json", ".puppeteerrc.yaml", ".puppeteerrc.yml",
	".puppeteerrc.js", ".puppeteerrc.ts", ".puppeteerrc.cjs", ".puppeteerrc.mjs",
	".config/puppeteerrc", ".config/puppeteerrc.json", ".config/puppeteerrc.yaml", ".config/puppeteerrc.yml",
	".config/puppeteerrc.js", ".config/puppeteerrc.ts", ".config/puppeteerrc.cjs", ".config/puppeteerrc.mjs",
	"puppeteer.config.js", "puppeteer.config.ts", "puppeteer.config.cjs", "puppeteer.config.mjs",
}

// upLevels is how many folders above the working directory a search for a file that tools
// look for upward goes (go.work, a parent's lockfile). read resolves "../" past the root
// to the root itself, so a deeper search costs reads but finds nothing new.
const upLevels = 16

// upward lists name in the working directory, then in each folder above it, then at the
// root, as read takes them ("go.work", "../go.work", ..., "/go.work").
func upward(name string) []string { return Reader{}.upward(name) }

// upward is the package's upward for the reader's working directory: when its depth is
// known, the list stops at the first name that reaches the root ("../../go.work" from
// /app/web), so the same files come in the same order, under the same names.
func (r Reader) upward(name string) []string {
	levels, root := upLevels, true
	if r.Depth > 0 && r.Depth <= upLevels {
		levels, root = r.Depth, false // "../"×Depth is the root already
	}
	out := make([]string, 0, levels+2)
	for i := 0; i <= levels; i++ {
		out = append(out, ups[:3*i]+name)
	}
	if root {
		out = append(out, "/"+name)
	}
	return out
}

var ups = strings.Repeat("../", upLevels)

// missingLock sets NeedsSource, and reports true, when a frozen install (npm ci, yarn
// --frozen-lockfile, pnpm --frozen-lockfile) runs where none of the lockfiles it requires
// can be read, here or in a folder above (a workspace root's lockfile serves its members).
// The build then fails, or the Dockerfile is meant for another build context (a monorepo
// service built from the repository's root): either way only the source copy shows what
// the install reads. A missing package.json is left to the rule, which reports it.
func missingLock(in *Install, read Reader, what string, locks ...string) bool {
	if in.NeedsSource != "" || len(in.Outputs) == 0 {
		return false
	}
	if !read.Exists("package.json") {
		return false
	}
	for _, l := range locks {
		if read.Exists(l) {
			return false
		}
	}
	for _, l := range locks {
		for _, up := range read.upward(l)[1:] {
			if read.Exists(up) {
				return false
			}
		}
	}
	in.NeedsSource = fmt.Sprintf("%s needs %s, which the build context does not have: the build probably uses another context (pass --context)", what, strings.Join(locks, " or "))
	return true
}

// frozen reports whether the install was given one of flags, not set to false.
func frozen(c *Cmd, flags ...string) bool {
	on := false
	for i, a := range c.Args {
		if !c.Lit[i] {
			continue
		}
		for _, f := range flags {
			if a == f || a == f+"=true" {
				on = true
			} else if a == f+"=false" || a == "--no-"+strings.TrimPrefix(f, "--") {
				on = false
			}
		}
	}
	return on
}

// yamlTopKey reports whether YAML data has key at the top level (no indentation), with
// or without quotes.
func yamlTopKey(data []byte, key string) bool {
	for _, l := range strings.Split(string(data), "\n") {
		for _, k := range []string{key, `"` + key + `"`, "'" + key + "'"} {
			if rest, ok := strings.CutPrefix(l, k); ok && strings.HasPrefix(strings.TrimLeft(rest, " \t"), ":") {
				return true
			}
		}
	}
	return false
}

func hasFlag(c *Cmd, names ...string) bool {
	for i, a := range c.Args {
		if !c.Lit[i] {
			continue
		}
		for _, n := range names {
			if a == n || strings.HasPrefix(a, n+"=") {
				return true
			}
		}
	}
	return false
}

// flagValue returns the value of the last literal --name=value or --name value of c.
func flagValue(c *Cmd, name string) (string, bool) {
	v, found := "", false
	for i, a := range c.Args {
		if !c.Lit[i] {
			continue
		}
		if val, ok := strings.CutPrefix(a, name+"="); ok {
			v, found = val, true
		} else if a == name && i+1 < len(c.Args) && c.Lit[i+1] {
			v, found = c.Args[i+1], true
		}
	}
	return v, found
}

// cacheAt points the install's cache mount at dir, or, when dir is relative (a mount needs
// an absolute target), gives it no mount with the reason whyNot; a reason given earlier stays.
func cacheAt(in *Install, dir, whyNot string) {
	switch {
	case path.IsAbs(dir):
		in.CacheDirs = []CacheDir{{Path: path.Clean(dir)}}
	case in.NoCache == "":
		in.NoCache = whyNot
	}
}

// operands returns the non-flag words after word start, skipping values of flags in spec.
func operands(c *Cmd, start int, spec flagSpec) ([]string, bool) {
	words, ok := parseFlags(c, start, spec)
	if !ok {
		return nil, false
	}
	var out []string
	for _, w := range words {
		if w.flag == "" {
			out = append(out, w.val)
		}
	}
	return out, true
}

var nodeFlags = flagSpec{"--omit": true, "--include": true, "--registry": true, "--cache": true, "--network-timeout": true, "--modules-folder": true, "--cache-folder": true, "--mutex": true, "--filter": true, "-F": true, "--store-dir": true, "--loglevel": true, "--userconfig": true, "--prefix": true, "-C": true, "--dir": true, "--workspace": true, "-w": true}

// nodeInstall is the Install for an npm, yarn or pnpm install run in a project.
func nodeInstall(c *Cmd, start int, locks ...string) (*Install, bool) {
	ops, ok := operands(c, start, nodeFlags)
	if !ok {
		return &Install{NeedsSource: "its arguments are not all literal"}, true
	}
	global := hasFlag(c, "-g", "--global")
	if v, ok := flagValue(c, "--location"); ok {
		global = v == "global" || v == "user"
	}
	if v, ok := c.lookup("npm_config_global"); ok && !isFalse(v) && v != "" {
		global = true
	}
	if global {
		if len(ops) == 0 {
			return &Install{NeedsSource: "a global install without package names installs the project itself"}, true
		}
		for _, o := range ops {
			if isLocalPath(o) || strings.HasSuffix(strings.ToLower(o), ".tgz") {
				return &Install{NeedsSource: fmt.Sprintf("it installs %s from the source", o)}, true
			}
		}
		return &Install{}, true // a global install of named packages reads no project files
	}
	if hasFlag(c, "--prefix", "-C", "--dir", "--modules-folder", "--cwd") {
		return &Install{NeedsSource: "it installs into another folder than its working directory"}, true
	}
	in := &Install{
		Inputs:   []string{"package.json"},
		Optional: append(locks, ".npmrc"),
		Outputs:  []string{"node_modules"},
	}
	if len(ops) > 0 {
		in.NeedsSource = fmt.Sprintf("it adds packages (%s) to package.json", strings.Join(ops, " "))
	}
	return in, true
}

// Npm is npm ci and npm install.
var Npm = &Manager{
	Name:        "npm",
	ConfigFiles: []string{"npmrc"},
	Files:       []string{"**/package.json", "**/package-lock.json", "**/npm-shrinkwrap.json", "**/.npmrc"},
	Recognize: func(c *Cmd) (*Install, bool) {
		if c.Name() != "npm" || len(c.Args) < 2 || !c.Lit[1] {
			return nil, false
		}
		switch c.Args[1] {
		case "ci", "clean-install":
			in, ok := nodeInstall(c, 2, "package-lock.json", "npm-shrinkwrap.json")
			if ok {
				in.Wipes = true // npm ci removes node_modules before installing
				npmCacheFlag(c, in)
			}
			return in, ok
		case "install", "i", "isntall", "add":
			in, ok := nodeInstall(c, 2, "package-lock.json", "npm-shrinkwrap.json")
			if ok && len(in.Outputs) > 0 {
				in.Rewrites = []string{"package-lock.json", "npm-shrinkwrap.json"} // unlike npm ci
			}
			if ok {
				npmCacheFlag(c, in)
			}
			return in, ok
		}
		return nil, false
	},
	Follow: func(in *Install, read Reader) {
		configuredCache(in, read, "cache", []string{"npm_config_cache", "NPM_CONFIG_CACHE"}, npmrcFiles(in)...)
		if len(in.Outputs) > 0 {
			npmrcReads(in, read)
		}
		if in.Wipes && missingLock(in, read, "npm ci", "package-lock.json", "npm-shrinkwrap.json") {
			return
		}
		followPackageJSON(in, read)
	},
	Caches: func(env Lookup) []CacheDir {
		for _, v := range []string{"npm_config_cache", "NPM_CONFIG_CACHE"} {
			if d, ok := envDir(env, v); ok {
				return []CacheDir{{Path: d}}
			}
		}
		return []CacheDir{{Path: homeDir(".npm")}}
	},
	Cleans: func(c *Cmd) bool {
		return c.Name() == "npm" && len(c.Args) >= 3 && c.Args[1] == "cache" && (c.Args[2] == "clean" || c.Args[2] == "clear" || c.Args[2] == "rm")
	},
}

// Yarn is yarn install (yarn v1; berry projects are recognized but get no mount).
var Yarn = &Manager{
	Name:        "yarn",
	ConfigFiles: []string{"yarnrc"},
	Files:       []string{"**/yarn.lock", "**/.yarnrc", "**/.yarnrc.yml", "**/.yarnclean", "**/.yarn/releases/**", "**/.yarn/plugins/**", "**/.yarn/patches/**", "**/.yarn/cache/**"},
	Recognize: func(c *Cmd) (*Install, bool) {
		if c.Name() != "yarn" && c.Name() != "yarnpkg" {
			return nil, false
		}
		if len(c.Args) >= 3 && c.Args[1] == "global" && c.Args[2] == "add" {
			return &Install{}, true
		}
		if len(c.Args) == 1 || (c.Lit[1] && strings.HasPrefix(c.Args[1], "-")) {
			in, ok := nodeInstall(c, 1, yarnFiles...)
			return yarnLock(c, in, ok)
		}
		if c.Lit[1] && c.Args[1] == "install" {
			in, ok := nodeInstall(c, 2, yarnFiles...)
			return yarnLock(c, in, ok)
		}
		return nil, false
	},
	Follow: func(in *Install, read Reader) {
		flag := ""
		for _, f := range []string{"--frozen-lockfile", "--immutable"} {
			if flag == "" && frozen(in.Cmd, f) {
				flag = f
			}
		}
		if flag == "" || !missingLock(in, read, "yarn install "+flag, "yarn.lock") {
			followPackageJSON(in, read)
		}
		if in.NeedsSource == "" && len(in.Outputs) > 0 {
			// Plug'n'Play files and the install state are what a berry install writes, not
			// what it reads: copied after the install, the context's would replace its own.
			for _, f := range []string{".pnp.cjs", ".pnp.loader.mjs", ".yarn/install-state.gz"} {
				if read.Exists(f) {
					in.NeedsSource = fmt.Sprintf("the context holds %s, which the install writes (Plug'n'Play files, install state): copied after it, the context's would replace the container's", f)
					break
				}
			}
		}
		configuredCache(in, read, "cache-folder", []string{"YARN_CACHE_FOLDER", "yarn_cache_folder"}, ".yarnrc", "~/.yarnrc", "/usr/local/share/.yarnrc")
		if len(in.Outputs) > 0 {
			npmrcReads(in, read)
			// yarn v1 reads .yarnrc here and in every folder above.
			for _, up := range read.upward(".yarnrc")[1:] {
				if read.Exists(up) && !slices.Contains(in.Optional, up) {
					in.Optional = append(in.Optional, up)
				}
			}
		}
		if in.NeedsSource == "" {
			for _, rcName := range read.upward(".yarnrc") {
				rc, err := read.Read(rcName)
				if err != nil {
					continue
				}
				for _, l := range strings.Split(string(rc), "\n") {
					f := strings.Fields(l)
					if len(f) < 2 {
						continue
					}
					switch strings.Trim(f[0], `"'`) {
					case "yarn-offline-mirror":
						in.NeedsSource = "the install reads packages from yarn's offline mirror (" + strings.Trim(f[1], `"'`) + "), named in " + rcName
					case "yarn-path":
						// yarn hands the install to this script, which the project holds.
						in.Inputs = append(in.Inputs, path.Join(path.Dir(rcName), strings.Trim(f[1], `"'`)))
					}
				}
			}
		}
		if read.Exists(".yarnrc.yml") {
			in.NoCache = "yarn 2+ (.yarnrc.yml) keeps its cache where .yarnrc.yml says"
		} else if data, err := read.Read("package.json"); err == nil {
			var pj packageJSON
			if json.Unmarshal(data, &pj) == nil {
				if v, ok := strings.CutPrefix(pj.PackageManager, "yarn@"); ok && majorVersion(v) >= 2 {
					in.NoCache = "package.json's packageManager asks for yarn " + v + " (corepack), which keeps its cache elsewhere"
				}
			}
		}
		if hasFlag(in.Cmd, "--cache-folder") {
			in.NoCache = "the install names its own --cache-folder"
		}
	},
	Caches: func(env Lookup) []CacheDir {
		if d, ok := envDir(env, "YARN_CACHE_FOLDER"); ok {
			return []CacheDir{{Path: d, Unshared: true}}
		}
		if d, ok := envDir(env, "yarn_cache_folder"); ok { // yarn v1 reads its variables in lower case too
			return []CacheDir{{Path: d, Unshared: true}}
		}
		// yarn v1 does not guard its cache against two installs at once (parallel stages).
		return []CacheDir{{Path: homeDir(".cache/yarn"), RootPath: "/usr/local/share/.cache/yarn", Unshared: true}}
	},
	Cleans: func(c *Cmd) bool {
		return (c.Name() == "yarn" || c.Name() == "yarnpkg") && len(c.Args) >= 3 && c.Args[1] == "cache" && c.Args[2] == "clean"
	},
}

// Pnpm is pnpm install.
var Pnpm = &Manager{
	Name:        "pnpm",
	ConfigFiles: []string{"npmrc", "pnpm/rc"},
	Files:       []string{"**/pnpm-lock.yaml", "**/pnpm-workspace.yaml", "**/.pnpmfile.cjs"},
	Recognize: func(c *Cmd) (*Install, bool) {
		if c.Name() != "pnpm" || len(c.Args) < 2 || !c.Lit[1] {
			return nil, false
		}
		switch c.Args[1] {
		case "install", "i", "add":
			in, ok := nodeInstall(c, 2, "pnpm-lock.yaml", ".pnpmfile.cjs", "pnpm-workspace.yaml")
			if ok && len(in.Outputs) > 0 && !hasFlag(c, "--frozen-lockfile", "--lockfile-only") {
				in.Rewrites = []string{"pnpm-lock.yaml"}
			}
			return in, ok
		case "fetch":
			return &Install{Inputs: []string{"pnpm-lock.yaml"}, Optional: []string{".npmrc", "pnpm-workspace.yaml"}}, true
		}
		return nil, false
	},
	Follow: func(in *Install, read Reader) {
		if ws, err := read.Read("pnpm-workspace.yaml"); err == nil && len(in.Outputs) > 0 && tomlOrYAMLKey(ws, "packages") {
			in.NeedsSource = "pnpm-workspace.yaml declares workspace packages, whose package.json files the install reads"
			return
		}
		if len(in.Outputs) > 0 && !(frozen(in.Cmd, "--frozen-lockfile") && missingLock(in, read, "pnpm install --frozen-lockfile", "pnpm-lock.yaml")) {
			followPackageJSON(in, read)
		}
		if in.NeedsSource == "" {
			// pnpm 10 declares patches in pnpm-workspace.yaml; the lockfile records them
			// wherever they are declared. Either way the install (pnpm fetch too) hashes
			// and applies the patch files, which are part of the source.
			if ws, err := read.Read("pnpm-workspace.yaml"); err == nil && yamlTopKey(ws, "patchedDependencies") {
				in.NeedsSource = "pnpm-workspace.yaml patches dependencies with files from the project (patchedDependencies)"
			} else if lock, err := read.Read("pnpm-lock.yaml"); err == nil && yamlTopKey(lock, "patchedDependencies") {
				in.NeedsSource = "pnpm-lock.yaml patches dependencies with files from the project (patchedDependencies)"
			}
		}
		configuredCache(in, read, "store-dir", []string{"npm_config_store_dir", "PNPM_STORE_DIR"}, npmrcFiles(in)...)
		if hasFlag(in.Cmd, "--store-dir") {
			in.NoCache = "the install names its own --store-dir"
		}
	},
	Caches: func(env Lookup) []CacheDir {
		for _, v := range []string{"npm_config_store_dir", "PNPM_STORE_DIR"} {
			if d, ok := envDir(env, v); ok {
				return []CacheDir{{Path: d}}
			}
		}
		if d, ok := envDir(env, "PNPM_HOME"); ok {
			return []CacheDir{{Path: path.Join(d, "store")}}
		}
		return []CacheDir{{Path: homeDir(".local/share/pnpm/store")}}
	},
	Cleans: func(c *Cmd) bool {
		return c.Name() == "pnpm" && len(c.Args) >= 3 && c.Args[1] == "store" && c.Args[2] == "prune"
	},
}

// yarnFiles are what a yarn install reads beside package.json, when present.
// .yarnclean lists what yarn v1's autoclean deletes from node_modules. Plug'n'Play's
// .pnp.cjs and .pnp.loader.mjs are not here: the install writes them (see Yarn's Follow).
// .yarn/cache is a zero-install project's committed package cache, which the install reads.
var yarnFiles = []string{"yarn.lock", ".yarnrc", ".yarnrc.yml", ".yarnclean", ".yarn/releases", ".yarn/plugins", ".yarn/patches", ".yarn/cache"}

// yarnLock marks a yarn install that may update yarn.lock.
func yarnLock(c *Cmd, in *Install, ok bool) (*Install, bool) {
	if ok && len(in.Outputs) > 0 && !hasFlag(c, "--frozen-lockfile", "--immutable", "--pure-lockfile") {
		in.Rewrites = []string{"yarn.lock"}
	}
	return in, ok
}

// configuredCache points the install's cache where a configuration file it reads puts it
// (.npmrc's cache=, .yarnrc's cache-folder, pip.conf's cache-dir), or gives it no mount
// when that folder is not an absolute path. The first file that sets key wins; a flag, or
// one of the variables envs, wins over the files.
func configuredCache(in *Install, read Reader, key string, envs []string, files ...string) {
	if in.CacheDirs != nil || in.NoCache != "" {
		return // a flag on the command wins
	}
	for _, e := range envs {
		if v, ok := in.Cmd.lookup(e); ok && v != "" {
			return // so does the environment (the manager's Caches reads it)
		}
	}
	for _, f := range files {
		data, err := read.Read(f)
		if err != nil {
			continue
		}
		if v, ok := configValue(data, key); ok {
			cacheAt(in, v, fmt.Sprintf("%s sets %s to %s, not an absolute path", f, key, v))
			return
		}
	}
}

// configValue reads key from an .npmrc, .yarnrc or pip.conf: "key=value", "key = value" or
// "key value", the value unquoted.
func configValue(data []byte, key string) (string, bool) {
	for _, l := range strings.Split(string(data), "\n") {
		l = strings.TrimSpace(l)
		rest, ok := strings.CutPrefix(l, key)
		if !ok || rest == "" || !strings.ContainsAny(rest[:1], " \t=") {
			continue
		}
		rest = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(rest), "="))
		return strings.Trim(rest, `"'`), true
	}
	return "", false
}

// npmrcFiles are the npmrc files npm reads: the project's, the user's (or
// NPM_CONFIG_USERCONFIG) and the global one (or NPM_CONFIG_GLOBALCONFIG).
func npmrcFiles(in *Install) []string {
	files := []string{".npmrc"}
	for _, v := range []struct{ env, def string }{{"NPM_CONFIG_USERCONFIG", "~/.npmrc"}, {"NPM_CONFIG_GLOBALCONFIG", "/usr/local/etc/npmrc"}} {
		f := v.def
		for _, name := range []string{v.env, strings.ToLower(v.env)} {
			if p, ok := in.Cmd.lookup(name); ok && p != "" {
				f = p
			}
		}
		files = append(files, f)
	}
	return files
}

// npmrcReads adds what the install reads because of its npm configuration: the user and
// global npmrc files when a variable names them (NPM_CONFIG_USERCONFIG=/app/docker/npmrc
// may be part of the source), and the certificate files any npmrc names (cafile=, certfile=,
// keyfile=).
func npmrcReads(in *Install, read Reader) {
	files := npmrcFiles(in)
	for _, f := range files[1:] {
		if !strings.HasPrefix(f, "~/") && !slices.Contains(in.Optional, f) && f != "/usr/local/etc/npmrc" {
			in.Optional = append(in.Optional, f)
		}
	}
	for _, f := range files {
		data, err := read.Read(f)
		if err != nil {
			continue
		}
		for _, key := range []string{"cafile", "certfile", "keyfile"} {
			if v, ok := configValue(data, key); ok && v != "" && !strings.Contains(v, "${") {
				in.Inputs = append(in.Inputs, v)
			}
		}
	}
}

// npmCacheFlag points the install's cache at npm's --cache folder when it names one.
func npmCacheFlag(c *Cmd, in *Install) {
	if v, ok := flagValue(c, "--cache"); ok {
		cacheAt(in, v, "npm --cache "+v+" is not an absolute path")
	}
}
