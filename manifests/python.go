package manifests

import (
	"fmt"
	"path"
	"regexp"
	"slices"
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
	Name:        "poetry",
	ConfigFiles: []string{"pypoetry", "poetry.toml"},
	Files:       []string{"**/pyproject.toml", "**/poetry.lock", "**/poetry.toml"},
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
		for _, f := range []string{"poetry.toml", "~/.config/pypoetry/config.toml"} {
			conf, err := read.Read(f)
			if err != nil {
				continue
			}
			if _, ok := configValue(conf, "cache-dir"); ok && in.NoCache == "" {
				in.NoCache = f + " sets poetry's cache-dir, which also holds its virtualenvs"
			}
			// [virtualenvs] in-project = true: the environment is .venv in the project
			// (POETRY_VIRTUALENVS_IN_PROJECT, when set, wins).
			_, envSet := in.Cmd.lookup("POETRY_VIRTUALENVS_IN_PROJECT")
			lines := append(tomlTable(conf, "virtualenvs"), tomlTable(conf, "")...)
			for _, l := range lines {
				k, v, ok := strings.Cut(l, "=")
				k = strings.Trim(strings.TrimSpace(k), `"`)
				if ok && (k == "in-project" || k == "virtualenvs.in-project") && strings.TrimSpace(v) == "true" && !envSet && !slices.Contains(in.Outputs, ".venv") {
					in.Outputs = append(in.Outputs, ".venv")
				}
			}
		}
		data, err := read.Read("pyproject.toml")
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
		if l := tomlLocalDep(data); l != "" {
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
	Name:        "pipenv",
	ConfigFiles: []string{"pip.conf"},
	Files:       []string{"**/Pipfile", "**/Pipfile.lock"},
	Recognize: func(c *Cmd) (*Install, bool) {
		if c.Name() != "pipenv" || len(c.Args) < 2 || !c.Lit[1] || (c.Args[1] != "install" && c.Args[1] != "sync") {
			return nil, false
		}
		ops, ok := operands(c, 2, pyFlags)
		if !ok {
			return &Install{NeedsSource: "its arguments are not all literal"}, true
		}
		pipfile := "Pipfile"
		if v, ok := c.lookup("PIPENV_PIPFILE"); ok && v != "" {
			pipfile = v // the project is the Pipfile's folder
		}
		in := &Install{Inputs: []string{pipfile}, Optional: []string{pipfile + ".lock"}}
		if !hasFlag(c, "--deploy", "--ignore-pipfile") && c.Args[1] == "install" {
			in.Rewrites = []string{pipfile + ".lock"} // locks again when the lock is out of date
		}
		if len(ops) > 0 {
			in.NeedsSource = fmt.Sprintf("pipenv install %s changes the Pipfile", strings.Join(ops, " "))
		}
		if !hasFlag(c, "--system") {
			if v, ok := c.lookup("PIPENV_VENV_IN_PROJECT"); ok && !isFalse(v) {
				in.Outputs = append(in.Outputs, path.Join(path.Dir(pipfile), ".venv"))
			}
		}
		return in, true
	},
	Follow: func(in *Install, read Reader) {
		if len(in.Inputs) == 0 {
			return
		}
		if data, err := read.Read(in.Inputs[0]); err == nil {
			if l := tomlLocalDep(data); l != "" {
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
	Name:        "uv",
	ConfigFiles: []string{"uv.toml"},
	Files:       []string{"**/uv.lock", "**/uv.toml", "**/.python-version"},
	Recognize: func(c *Cmd) (*Install, bool) {
		if c.Name() != "uv" || len(c.Args) < 2 || !c.Lit[1] {
			return nil, false
		}
		if c.Args[1] == "pip" && len(c.Args) >= 3 && c.Lit[2] {
			switch c.Args[2] {
			case "install", "sync":
				// Read as pip's words, c.Args[1:] standing for "uv pip".
				in, ok := pipInstall(c.Sub(1), 1, uvPipFlags, true)
				in.Defeats = uvDefeats(c)
				uvNoCache(in, c)
				// uv pip reads its settings (an index URL, say) from uv.toml or pyproject.toml's
				// [tool.uv] in the working directory.
				for _, f := range []string{"uv.toml", "pyproject.toml"} {
					if !slices.Contains(in.Inputs, f) {
						in.Optional = append(in.Optional, f)
					}
				}
				return in, ok
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
		uvNoCache(in, c)
		return in, true
	},
	Follow: func(in *Install, read Reader) {
		pip := len(in.Inputs) > 0 && in.Inputs[0] != "pyproject.toml"
		if in.Cmd != nil {
			pip = len(in.Cmd.Args) > 1 && in.Cmd.Args[1] == "pip"
		}
		configuredCache(in, read, "cache-dir", []string{"UV_CACHE_DIR"}, "uv.toml", "~/.config/uv/uv.toml", "/etc/uv/uv.toml")
		if data, err := read.Read("pyproject.toml"); err == nil && in.CacheDirs == nil && in.NoCache == "" {
			if _, ok := configValue(data, "cache-dir"); ok {
				in.NoCache = "pyproject.toml names a cache-dir (uv reads [tool.uv])" // the table is not told apart: no guess
			}
		}
		if in.NoCache == "" {
			if _, set := uvLinkMode(in.Cmd); !set {
				in.NoCache = uvConfiguredSymlinks(read, pip)
			}
		}
		// find-links and index URLs in uv's configuration that name folders of the project.
		for _, f := range []string{"uv.toml", "pyproject.toml"} {
			data, err := read.Read(f)
			if err != nil {
				continue
			}
			for _, e := range tomlEntries(data) {
				if f == "pyproject.toml" && !strings.HasPrefix(e.table, "tool.uv") {
					continue
				}
				if e.key == "find-links" || e.key == "url" || e.key == "index-url" || e.key == "extra-index-url" {
					for _, v := range strings.FieldsFunc(e.value, func(r rune) bool { return strings.ContainsRune("[],\"' \n", r) }) {
						if strings.Contains(v, "/") || strings.HasPrefix(v, ".") {
							localFolder(in, v)
						}
					}
				}
			}
		}
		if pip {
			followRequirements(in, read)
			return
		}
		data, err := read.Read("pyproject.toml")
		if err != nil {
			return
		}
		if tomlHasTable(data, "tool.uv.workspace") {
			in.NeedsSource = "pyproject.toml declares a uv workspace, whose members the install reads"
			return
		}
		if l := tomlLocalDep(data); l != "" {
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

// uvLinkMode returns how uv links installed packages from its cache, and whether the
// command line or the environment says so (--link-mode wins over UV_LINK_MODE).
func uvLinkMode(c *Cmd) (mode string, set bool) {
	if c == nil {
		return "", false
	}
	for i, a := range c.Args {
		if !c.Lit[i] {
			continue
		}
		if v, ok := strings.CutPrefix(a, "--link-mode="); ok {
			mode, set = v, true
		} else if a == "--link-mode" && i+1 < len(c.Args) && c.Lit[i+1] {
			mode, set = c.Args[i+1], true
		}
	}
	if set {
		return "--link-mode " + mode, true
	}
	if v, ok := c.lookup("UV_LINK_MODE"); ok && v != "" {
		return "UV_LINK_MODE=" + v, true
	}
	return "", false
}

// uvSymlinks is the reason an install that links its packages to uv's cache cannot mount it.
const uvSymlinks = " links the installed packages to uv's cache instead of copying them: with the cache on a mount, which is not part of the image, the links would dangle"

// uvNoCache sets NoCache when the command or its environment has uv link packages to its
// cache (symlink mode).
func uvNoCache(in *Install, c *Cmd) {
	if mode, set := uvLinkMode(c); set && strings.HasSuffix(mode, "symlink") && in.NoCache == "" {
		in.NoCache = mode + uvSymlinks
	}
	if v, ok := flagValue(c, "--cache-dir"); ok {
		cacheAt(in, v, "uv --cache-dir "+v+" is not an absolute path")
	}
}

// uvConfiguredSymlinks says why uv links packages to its cache according to its
// configuration files, or "": uv.toml, which when present replaces pyproject.toml's
// [tool.uv], and [tool.uv.pip] too for the uv pip commands.
func uvConfiguredSymlinks(read Reader, pip bool) string {
	files := []struct{ name, table string }{{"uv.toml", ""}, {"pyproject.toml", "tool.uv"}}
	for _, f := range files {
		data, err := read.Read(f.name)
		if err != nil {
			continue
		}
		tables := []string{f.table}
		if pip {
			tables = append(tables, strings.TrimPrefix(f.table+".pip", "."))
		}
		mode := ""
		for _, e := range tomlEntries(data) {
			for _, t := range tables {
				if tomlJoin(e.table, e.key) == tomlJoin(t, "link-mode") {
					mode = strings.Trim(e.value, `"' `)
				}
			}
		}
		if mode == "symlink" {
			return fmt.Sprintf("%s sets link-mode = %q, which%s", f.name, mode, uvSymlinks)
		}
		if f.name == "uv.toml" {
			return "" // uv reads no [tool.uv] of a pyproject.toml beside a uv.toml
		}
	}
	return ""
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

// tomlEntry is one key of a TOML file (pyproject.toml, Pipfile, uv.toml).
type tomlEntry struct {
	table string // the header in effect, without brackets ("tool.poetry.dependencies")
	key   string // dotted, quotes and spaces around dots removed ("lib.path")
	value string // raw, comments removed; the lines of a multi-line value joined with "\n"
	text  string // the entry's first line, trimmed
}

// tomlEntries reads the keys of a TOML file, with multi-line arrays, inline tables and
// strings kept whole; enough TOML to find dependency entries, not a validating parser.
func tomlEntries(data []byte) []tomlEntry {
	var out []tomlEntry
	var cur *tomlEntry
	table, multi, depth := "", "", 0
	for _, raw := range strings.Split(string(data), "\n") {
		l, d, m := tomlScan(strings.TrimRight(raw, "\r"), multi)
		multi = m
		l = strings.TrimSpace(l)
		if cur != nil {
			cur.value += "\n" + l
			if depth += d; depth <= 0 && multi == "" {
				out, cur = append(out, *cur), nil
			}
			continue
		}
		if l == "" {
			continue
		}
		if strings.HasPrefix(l, "[") {
			table = tomlKey(strings.Trim(l, "[] "))
			continue
		}
		k, v, ok := strings.Cut(l, "=")
		if !ok {
			continue
		}
		e := tomlEntry{table: table, key: tomlKey(k), value: strings.TrimSpace(v), text: l}
		if depth = d; depth > 0 || multi != "" {
			cur = &e
			continue
		}
		out = append(out, e)
	}
	if cur != nil {
		out = append(out, *cur)
	}
	return out
}

// tomlScan removes the comment from one line and counts the brackets and braces it opens
// minus those it closes, outside strings; multi is the delimiter of a multi-line string
// open at the start of the line, and the result's at its end.
func tomlScan(l, multi string) (string, int, string) {
	var b strings.Builder
	depth := 0
	for i := 0; i < len(l); {
		if multi != "" {
			if strings.HasPrefix(l[i:], multi) {
				b.WriteString(multi)
				i += 3
				multi = ""
				continue
			}
			b.WriteByte(l[i])
			i++
			continue
		}
		c := l[i]
		switch {
		case strings.HasPrefix(l[i:], `"""`) || strings.HasPrefix(l[i:], "'''"):
			multi = l[i : i+3]
			b.WriteString(multi)
			i += 3
			continue
		case c == '"' || c == '\'':
			j := i + 1
			for j < len(l) && l[j] != c {
				if c == '"' && l[j] == '\\' {
					j++
				}
				j++
			}
			end := min(j+1, len(l))
			b.WriteString(l[i:end])
			i = end
			continue
		case c == '#':
			return b.String(), depth, multi
		case c == '[' || c == '{':
			depth++
		case c == ']' || c == '}':
			depth--
		}
		b.WriteByte(c)
		i++
	}
	return b.String(), depth, multi
}

// tomlKey normalizes a dotted key: the quotes of its parts and the spaces around dots go.
func tomlKey(k string) string {
	parts := strings.Split(strings.TrimSpace(k), ".")
	for i, p := range parts {
		parts[i] = strings.Trim(strings.TrimSpace(p), `"'`)
	}
	return strings.Join(parts, ".")
}

// tomlJoin joins a table and a key into a full dotted key.
func tomlJoin(table, key string) string {
	if table == "" {
		return key
	}
	return table + "." + key
}

var (
	// tomlInlinePath finds a path key inside an inline table: { path = "../lib" },
	// {develop = true, path = '../lib'}.
	tomlInlinePath = regexp.MustCompile(`[{,]\s*["']?path["']?\s*=\s*["']`)
	// tomlFileRef finds a requirement string that is a direct reference to a local
	// file: "lib @ file:///app/libs/lib", "lib[x]@file:./lib", hatch's "lib @ {root:uri}/lib".
	tomlFileRef = regexp.MustCompile(`["'][A-Za-z0-9][A-Za-z0-9._-]*\s*(?:\[[^\]"']*\])?\s*@\s*(?:file:|\{root:uri\})[^"']*`)
)

// tomlLocalDep returns the entry of a pyproject.toml or Pipfile that names a local path
// dependency, or "": a key named path with a string value, as a key of its own ([...lib]
// path = "libs/lib", lib.path = "libs/lib") or in an inline table (lib = { path = "../lib" }),
// or a requirement that is a direct reference to a file: URL. A key that merely ends in
// "path" (dpath = "^2.1.6", backend-path) is no path, and tables of other tools
// ([tool.hatch.version] path = ...) are skipped: an install of dependencies reads only
// poetry's and uv's.
func tomlLocalDep(data []byte) string {
	for _, e := range tomlEntries(data) {
		full := tomlJoin(e.table, e.key)
		if tool, ok := strings.CutPrefix(full, "tool."); ok {
			name, _, _ := strings.Cut(tool, ".")
			if name != "poetry" && name != "uv" {
				continue
			}
		}
		if (e.key == "path" || strings.HasSuffix(e.key, ".path")) && strings.ContainsAny(e.value[:min(1, len(e.value))], `"'`) {
			return e.text
		}
		if loc := tomlInlinePath.FindStringIndex(e.value); loc != nil {
			return tomlEntryLine(e, loc[0])
		}
		if m := tomlFileRef.FindString(e.value); m != "" {
			return strings.Trim(m, `"'`)
		}
	}
	return ""
}

// tomlEntryLine is the line of e that holds byte i of its value.
func tomlEntryLine(e tomlEntry, i int) string {
	start := strings.LastIndex(e.value[:i], "\n")
	if start < 0 {
		return e.text
	}
	line, _, _ := strings.Cut(e.value[start+1:], "\n")
	return line
}
