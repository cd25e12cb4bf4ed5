package manifests

import (
	"fmt"
	"path"
	"strings"
)

var pyFlags = flagSpec{"--only": true, "--with": true, "--without": true, "-E": true, "--extras": true, "--extra": true, "--group": true, "--only-group": true, "--no-group": true, "--package": true, "--python": true, "-p": true, "--categories": true, "--index-url": true, "--extra-index-url": true, "--project": true, "--directory": true, "-C": true, "--cache-dir": true, "--python-platform": true, "--exclude-newer": true, "--index": true, "--default-index": true, "--prerelease": true, "--resolution": true, "--link-mode": true, "-P": true, "--upgrade-package": true, "--reinstall-package": true, "--refresh-package": true, "--config-file": true, "--keyring-provider": true}

// Reasons that Follow may withdraw once pyproject.toml shows the project is not installed.
const (
	poetryRoot = "poetry install without --no-root installs the project itself from the source"
	uvProject  = "uv sync without --no-install-project installs the project itself from the source"
)

// Poetry is poetry install.
var Poetry = &Manager{
	Name:  "poetry",
	Files: []string{"**/pyproject.toml", "**/poetry.lock", "**/poetry.toml"},
	Recognize: func(c *Cmd) (*Install, bool) {
		if c.Name() != "poetry" || len(c.Args) < 2 || !c.Lit[1] || (c.Args[1] != "install" && c.Args[1] != "sync") {
			return nil, false
		}
		ops, ok := operands(c, 2, pyFlags)
		if !ok {
			return &Install{NeedsSource: "its arguments are not all literal"}, true
		}
		if len(ops) > 0 || hasFlag(c, "--directory", "-C", "--project", "-P") {
			return &Install{NeedsSource: "it installs from another folder"}, true
		}
		in := &Install{Inputs: []string{"pyproject.toml"}, Optional: []string{"poetry.lock", "poetry.toml"}}
		if v, ok := c.lookup("POETRY_VIRTUALENVS_IN_PROJECT"); ok && !isFalse(v) {
			in.Outputs = append(in.Outputs, ".venv")
		}
		if hasFlag(c, "--only-root") || !hasFlag(c, "--no-root") {
			in.NeedsSource = poetryRoot
		}
		return in, true
	},
	Follow: func(in *Install, read Reader) {
		data, err := read("pyproject.toml")
		if err != nil {
			return
		}
		if in.NeedsSource == poetryRoot && !hasFlag(in.Cmd, "--only-root") {
			for _, l := range tomlTable(data, "tool.poetry") {
				if k, v, ok := strings.Cut(l, "="); ok && strings.TrimSpace(k) == "package-mode" && strings.TrimSpace(v) == "false" {
					in.NeedsSource = "" // a non-package project: nothing of the source is installed
				}
			}
		}
		if l := tomlPathDeps(data); l != "" {
			in.NeedsSource = fmt.Sprintf("pyproject.toml names a local path dependency (%s)", l)
		}
	},
	Caches: func(env Lookup) []CacheDir {
		dir := homeDir(".cache/pypoetry")
		if d, ok := envDir(env, "POETRY_CACHE_DIR"); ok {
			dir = d
		}
		create, set := env("POETRY_VIRTUALENVS_CREATE")
		inProject, _ := env("POETRY_VIRTUALENVS_IN_PROJECT")
		if (set && isFalse(create)) || (inProject != "" && !isFalse(inProject)) {
			return []CacheDir{{Path: dir}}
		}
		// Poetry keeps its virtualenvs under the cache dir by default: mount only the
		// download caches, so the environment stays in the image.
		return []CacheDir{{Path: dir + "/cache"}, {Path: dir + "/artifacts"}}
	},
	Disablers: []string{"PIP_NO_CACHE_DIR"},
	Cleans: func(c *Cmd) bool {
		return c.Name() == "poetry" && len(c.Args) >= 3 && c.Args[1] == "cache" && c.Args[2] == "clear"
	},
}

// Pipenv is pipenv install and pipenv sync.
var Pipenv = &Manager{
	Name:  "pipenv",
	Files: []string{"**/Pipfile", "**/Pipfile.lock"},
	Recognize: func(c *Cmd) (*Install, bool) {
		if c.Name() != "pipenv" || len(c.Args) < 2 || !c.Lit[1] || (c.Args[1] != "install" && c.Args[1] != "sync") {
			return nil, false
		}
		ops, ok := operands(c, 2, pyFlags)
		if !ok {
			return &Install{NeedsSource: "its arguments are not all literal"}, true
		}
		in := &Install{Inputs: []string{"Pipfile"}, Optional: []string{"Pipfile.lock"}}
		if !hasFlag(c, "--deploy", "--ignore-pipfile") && c.Args[1] == "install" {
			in.Rewrites = []string{"Pipfile.lock"} // locks again when the lock is out of date
		}
		if len(ops) > 0 {
			in.NeedsSource = fmt.Sprintf("pipenv install %s changes the Pipfile", strings.Join(ops, " "))
		}
		if !hasFlag(c, "--system") {
			if v, ok := c.lookup("PIPENV_VENV_IN_PROJECT"); ok && !isFalse(v) {
				in.Outputs = append(in.Outputs, ".venv")
			}
		}
		return in, true
	},
	Follow: func(in *Install, read Reader) {
		if data, err := read("Pipfile"); err == nil {
			if l := tomlPathDeps(data); l != "" {
				in.NeedsSource = fmt.Sprintf("the Pipfile names a local path dependency (%s)", l)
			}
		}
	},
	Caches: func(env Lookup) []CacheDir {
		out := []CacheDir{{Path: homeDir(".cache/pipenv")}}
		if d, ok := envDir(env, "PIPENV_CACHE_DIR"); ok {
			out[0].Path = d
		}
		return append(out, Pip.Caches(env)...)
	},
	Disablers: []string{"PIP_NO_CACHE_DIR"},
}

// Uv is uv sync, uv pip install and uv pip sync.
var Uv = &Manager{
	Name:  "uv",
	Files: []string{"**/uv.lock", "**/uv.toml", "**/.python-version"},
	Recognize: func(c *Cmd) (*Install, bool) {
		if c.Name() != "uv" || len(c.Args) < 2 || !c.Lit[1] {
			return nil, false
		}
		if c.Args[1] == "pip" && len(c.Args) >= 3 && c.Lit[2] {
			switch c.Args[2] {
			case "install":
				in, ok := recognizePip(&Cmd{Args: append([]string{"pip"}, c.Args[2:]...), Lit: append([]bool{true}, c.Lit[2:]...), Env: c.Env})
				if ok {
					in.Defeats = nil
					in.Defeats = uvDefeats(c)
				}
				return in, ok
			case "sync":
				ops, ok := operands(c, 3, pipFlags)
				if !ok {
					return &Install{NeedsSource: "its arguments are not all literal"}, true
				}
				return &Install{Inputs: ops, Defeats: uvDefeats(c)}, true
			}
			return nil, false
		}
		if c.Args[1] != "sync" {
			return nil, false
		}
		if _, ok := operands(c, 2, pyFlags); !ok {
			return &Install{NeedsSource: "its arguments are not all literal"}, true
		}
		if hasFlag(c, "--project", "--directory", "--package") {
			return &Install{NeedsSource: "it syncs another project folder"}, true
		}
		in := &Install{Inputs: []string{"pyproject.toml"}, Optional: []string{"uv.lock", "uv.toml", ".python-version"}, Defeats: uvDefeats(c)}
		venv := ".venv"
		if v, ok := c.lookup("UV_PROJECT_ENVIRONMENT"); ok && v != "" {
			venv = v
		}
		in.Outputs = []string{venv}
		if !hasFlag(c, "--locked", "--frozen") {
			in.Rewrites = []string{"uv.lock"}
		}
		if !hasFlag(c, "--no-install-project") && !hasFlag(c, "--only-group") {
			in.NeedsSource = uvProject
		}
		return in, true
	},
	Follow: func(in *Install, read Reader) {
		if len(in.Inputs) > 0 && in.Inputs[0] != "pyproject.toml" {
			followRequirements(in, read)
			return
		}
		data, err := read("pyproject.toml")
		if err != nil {
			return
		}
		if tomlHasTable(data, "tool.uv.workspace") {
			in.NeedsSource = "pyproject.toml declares a uv workspace, whose members the install reads"
			return
		}
		if l := tomlPathDeps(data); l != "" {
			in.NeedsSource = fmt.Sprintf("pyproject.toml names a local path source (%s)", l)
			return
		}
		if in.NeedsSource == uvProject {
			packaged := tomlHasTable(data, "build-system")
			for _, l := range tomlTable(data, "tool.uv") {
				if k, v, ok := strings.Cut(l, "="); ok && strings.TrimSpace(k) == "package" {
					packaged = strings.TrimSpace(v) == "true"
				}
			}
			if !packaged {
				in.NeedsSource = "" // a virtual project: uv sync installs only its dependencies
			}
		}
	},
	Caches: func(env Lookup) []CacheDir {
		if d, ok := envDir(env, "UV_CACHE_DIR"); ok {
			return []CacheDir{{Path: d}}
		}
		if d, ok := envDir(env, "XDG_CACHE_HOME"); ok {
			return []CacheDir{{Path: path.Join(d, "uv")}}
		}
		return []CacheDir{{Path: homeDir(".cache/uv")}}
	},
	Disablers: []string{"UV_NO_CACHE"},
	Cleans: func(c *Cmd) bool {
		return c.Name() == "uv" && len(c.Args) >= 3 && c.Args[1] == "cache" && (c.Args[2] == "clean" || c.Args[2] == "prune")
	},
}

func uvDefeats(c *Cmd) []int {
	var out []int
	for i, a := range c.Args {
		if c.Lit[i] && (a == "--no-cache" || a == "-n") {
			out = append(out, i)
		}
	}
	return out
}

// Venv is python -m venv, virtualenv and uv venv: it reads nothing from the context and
// writes the environment's folder.
var Venv = &Manager{
	Name: "venv",
	Recognize: func(c *Cmd) (*Install, bool) {
		var ops []string
		var ok bool
		switch name := c.Name(); {
		case strings.HasPrefix(name, "python") && len(c.Args) >= 3 && c.Args[1] == "-m" && (c.Args[2] == "venv" || c.Args[2] == "virtualenv"):
			ops, ok = operands(c, 3, flagSpec{"--prompt": true, "--python": true, "-p": true})
		case name == "virtualenv":
			ops, ok = operands(c, 1, flagSpec{"--prompt": true, "--python": true, "-p": true})
		case name == "uv" && len(c.Args) >= 2 && c.Args[1] == "venv":
			ops, ok = operands(c, 2, flagSpec{"--prompt": true, "--python": true, "-p": true})
			if ok && len(ops) == 0 {
				ops = []string{".venv"}
			}
		default:
			return nil, false
		}
		if !ok || len(ops) != 1 {
			return &Install{NeedsSource: "its arguments are not all literal"}, true
		}
		return &Install{Outputs: ops}, true
	},
	Caches: func(Lookup) []CacheDir { return nil },
}
