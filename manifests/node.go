package manifests

import (
	"encoding/json"
	"fmt"
	"path"
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
	Pnpm                 struct {
		PatchedDependencies map[string]string `json:"patchedDependencies"`
	} `json:"pnpm"`
}

// installScripts are the root package's lifecycle scripts that npm, yarn v1 and pnpm run
// during a plain install.
var installScripts = []string{"preinstall", "install", "postinstall", "prepublish", "preprepare", "prepare", "postprepare"}

// followPackageJSON marks an install as reading the source when package.json runs lifecycle
// scripts (they may read any project file), names local packages or declares workspaces.
func followPackageJSON(in *Install, read Reader) {
	data, err := read("package.json")
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
			ignoreScripts = true
		}
	}
	if !ignoreScripts {
		for _, s := range installScripts {
			if v, ok := pj.Scripts[s]; ok {
				in.NeedsSource = fmt.Sprintf("the %q script of package.json (%s) may read project files", s, v)
				return
			}
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
	for _, deps := range []map[string]string{pj.Dependencies, pj.DevDependencies, pj.OptionalDependencies} {
		names := make([]string, 0, len(deps))
		for n := range deps {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			v := deps[n]
			for _, p := range []string{"file:", "link:", "portal:", "workspace:", "./", "../", "/"} {
				if strings.HasPrefix(v, p) {
					in.NeedsSource = fmt.Sprintf("package.json depends on a local package (%s: %s)", n, v)
					return
				}
			}
		}
	}
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
	if hasFlag(c, "-g", "--global", "--location") {
		for _, o := range ops {
			if isLocalPath(o) {
				return &Install{NeedsSource: fmt.Sprintf("it installs %s from the source", o)}, true
			}
		}
		return &Install{}, true // a global install reads no project files
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
	Name:  "npm",
	Files: []string{"**/package.json", "**/package-lock.json", "**/npm-shrinkwrap.json", "**/.npmrc"},
	Recognize: func(c *Cmd) (*Install, bool) {
		if c.Name() != "npm" || len(c.Args) < 2 || !c.Lit[1] {
			return nil, false
		}
		switch c.Args[1] {
		case "ci", "clean-install":
			in, ok := nodeInstall(c, 2, "package-lock.json", "npm-shrinkwrap.json")
			if ok {
				in.Wipes = true // npm ci removes node_modules before installing
			}
			return in, ok
		case "install", "i", "isntall", "add":
			in, ok := nodeInstall(c, 2, "package-lock.json", "npm-shrinkwrap.json")
			if ok && len(in.Outputs) > 0 {
				in.Rewrites = []string{"package-lock.json", "npm-shrinkwrap.json"} // unlike npm ci
			}
			return in, ok
		}
		return nil, false
	},
	Follow: followPackageJSON,
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
	Name:  "yarn",
	Files: []string{"**/yarn.lock", "**/.yarnrc", "**/.yarnrc.yml", "**/.yarn/releases/**", "**/.yarn/plugins/**", "**/.yarn/patches/**"},
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
		followPackageJSON(in, read)
		if _, err := read(".yarnrc.yml"); err == nil {
			in.NoCache = "yarn 2+ (.yarnrc.yml) keeps its cache where .yarnrc.yml says"
		}
		if hasFlag(in.Cmd, "--cache-folder") {
			in.NoCache = "the install names its own --cache-folder"
		}
	},
	Caches: func(env Lookup) []CacheDir {
		if d, ok := envDir(env, "YARN_CACHE_FOLDER"); ok {
			return []CacheDir{{Path: d}}
		}
		return []CacheDir{{Path: homeDir(".cache/yarn"), RootPath: "/usr/local/share/.cache/yarn"}}
	},
	Cleans: func(c *Cmd) bool {
		return (c.Name() == "yarn" || c.Name() == "yarnpkg") && len(c.Args) >= 3 && c.Args[1] == "cache" && c.Args[2] == "clean"
	},
}

// Pnpm is pnpm install.
var Pnpm = &Manager{
	Name:  "pnpm",
	Files: []string{"**/pnpm-lock.yaml", "**/pnpm-workspace.yaml", "**/.pnpmfile.cjs"},
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
		if ws, err := read("pnpm-workspace.yaml"); err == nil && len(in.Outputs) > 0 && tomlOrYAMLKey(ws, "packages") {
			in.NeedsSource = "pnpm-workspace.yaml declares workspace packages, whose package.json files the install reads"
			return
		}
		if len(in.Outputs) > 0 {
			followPackageJSON(in, read)
		}
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
var yarnFiles = []string{"yarn.lock", ".yarnrc", ".yarnrc.yml", ".yarn/releases", ".yarn/plugins", ".yarn/patches", ".pnp.cjs", ".pnp.loader.mjs"}

// yarnLock marks a yarn install that may update yarn.lock.
func yarnLock(c *Cmd, in *Install, ok bool) (*Install, bool) {
	if ok && len(in.Outputs) > 0 && !hasFlag(c, "--frozen-lockfile", "--immutable", "--pure-lockfile") {
		in.Rewrites = []string{"yarn.lock"}
	}
	return in, ok
}
