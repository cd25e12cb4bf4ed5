package manifests

import (
	"fmt"
	"net/url"
	"os"
	"path"
	"regexp"
	"slices"
	"strings"
)

// Pip is pip, run as pip, pip3, pip3.12 or python -m pip.
var Pip = &Manager{
	Name:        "pip",
	ConfigFiles: []string{"pip.conf", "pip.ini"},
	Files:       []string{"**/requirements*.txt", "**/requirements/*.txt", "**/requirements*.in", "**/constraints*.txt", "**/pip.conf"},
	Recognize:   recognizePip,
	Follow: func(in *Install, read Reader) {
		pipConfig(in, read)
		followRequirements(in, read)
	},
	Caches: func(env Lookup) []CacheDir {
		for _, name := range []string{"PIP_CACHE_DIR", "XDG_CACHE_HOME"} {
			if v, ok := env(name); ok && v != "" && !path.IsAbs(v) {
				return nil // relative to each step's folder: no one place to mount
			}
		}
		if d, ok := envDir(env, "PIP_CACHE_DIR"); ok {
			return []CacheDir{{Path: d}}
		}
		if d, ok := envDir(env, "XDG_CACHE_HOME"); ok {
			return []CacheDir{{Path: path.Join(d, "pip")}}
		}
		return []CacheDir{{Path: homeDir(".cache/pip")}}
	},
	Disablers: []string{"PIP_NO_CACHE_DIR"},
	Cleans: func(c *Cmd) bool {
		c, ok := pipCommand(c)
		return ok && len(c.Args) >= 3 && c.Args[1] == "cache" && (c.Args[2] == "purge" || c.Args[2] == "remove")
	},
}

var pipFlags = flagSpec{
	"-r": true, "--requirement": true, "-c": true, "--constraint": true, "-e": true, "--editable": true,
	"-t": true, "--target": true, "--prefix": true, "--root": true, "-i": true, "--index-url": true,
	"--extra-index-url": true, "-f": true, "--find-links": true, "--cache-dir": true, "--src": true,
	"--platform": true, "--python-version": true, "--implementation": true, "--abi": true,
	"--only-binary": true, "--no-binary": true, "--progress-bar": true, "--trusted-host": true,
	"-C": true, "--config-settings": true, "--global-option": true, "--log": true, "--timeout": true,
	"--retries": true, "--proxy": true, "--cert": true, "--client-cert": true, "--upgrade-strategy": true,
	"--report": true, "--exists-action": true, "--python": true, "-w": true, "--wheel-dir": true,
	"-d": true, "--dest": true, "--use-feature": true, "--use-deprecated": true, "--keyring-provider": true,
	"--group": true, "--build-constraint": true, "--root-user-action": true, "--resume-retries": true,
}

// uvPipFlags are the flags of uv pip install and uv pip sync that take a value. uv spells
// the file flags in the plural (--requirements, --constraints, --overrides,
// --build-constraints) and accepts pip's singular as an alias.
var uvPipFlags = flagSpec{
	"-r": true, "--requirements": true, "--requirement": true, "-e": true, "--editable": true,
	"-c": true, "--constraints": true, "--constraint": true, "--overrides": true, "--override": true,
	"--excludes": true, "--exclude": true, "-b": true, "--build-constraints": true, "--build-constraint": true,
	"--extra": true, "--group": true, "-i": true, "--index-url": true, "--extra-index-url": true,
	"--index": true, "--default-index": true, "-f": true, "--find-links": true, "--index-strategy": true,
	"--keyring-provider": true, "-P": true, "--upgrade-package": true, "--reinstall-package": true,
	"--refresh-package": true, "--no-build-isolation-package": true, "-C": true, "--config-setting": true,
	"--config-settings": true, "--config-settings-package": true, "--no-binary": true, "--only-binary": true,
	"--no-build-package": true, "--no-binary-package": true, "--python-version": true, "--python-platform": true,
	"--exclude-newer": true, "--exclude-newer-package": true, "--link-mode": true, "--resolution": true,
	"--prerelease": true, "--fork-strategy": true, "-p": true, "--python": true, "-t": true, "--target": true,
	"--prefix": true, "--cache-dir": true, "--config-file": true, "--color": true, "--torch-backend": true,
	"--directory": true, "--project": true, "--allow-insecure-host": true, "--trusted-host": true,
	"--python-preference": true,
}

// pipCommand strips "python -m" from c and reports whether what remains is pip.
func pipCommand(c *Cmd) (*Cmd, bool) {
	name := c.Name()
	if strings.HasPrefix(name, "python") && len(c.Args) >= 3 && c.Lit[1] && c.Args[1] == "-m" && c.Lit[2] && c.Args[2] == "pip" {
		return c.Sub(2), true
	}
	if name == "pip" || strings.HasPrefix(name, "pip3") || name == "pip2" {
		return c, true
	}
	return nil, false
}

func recognizePip(orig *Cmd) (*Install, bool) {
	c, ok := pipCommand(orig)
	if !ok || len(c.Args) < 2 || !c.Lit[1] {
		return nil, false
	}
	switch c.Args[1] {
	case "install", "wheel", "download":
	default:
		return nil, false
	}
	in, ok := pipInstall(c, len(orig.Args)-len(c.Args), pipFlags, false)
	if ok && c.Args[1] == "install" && !slices.ContainsFunc(in.Outputs, func(o string) bool { return o != "" }) {
		in.Outputs = append(in.Outputs, pythonEnvs(orig)...)
	}
	return in, ok
}

// pythonEnvs lists the environments a pip install may write into besides the system's: the
// one its executable belongs to (.venv/bin/pip, /app/.venv/bin/python -m pip), VIRTUAL_ENV,
// and the parent of every bin folder PATH lists before the system's (ENV
// PATH=/app/.venv/bin:$PATH after python -m venv /app/.venv).
func pythonEnvs(c *Cmd) []string {
	var out []string
	add := func(bin string) {
		if path.Base(bin) != "bin" {
			return
		}
		if d := path.Dir(bin); !isSystemPrefix(d) && !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	if c.Lit[0] && strings.Contains(c.Args[0], "/") {
		add(path.Dir(c.Args[0]))
	}
	if v, ok := c.lookup("VIRTUAL_ENV"); ok && v != "" && !slices.Contains(out, v) {
		out = append(out, v)
	}
	if v, ok := c.lookup("PATH"); ok {
		for _, dir := range strings.Split(v, ":") {
			if isSystemPrefix(path.Dir(dir)) {
				break // the system's folders come next: the python found first is decided
			}
			if strings.Contains(strings.ToLower(path.Base(path.Dir(dir))), "env") {
				add(dir) // /app/.venv/bin, /opt/venv/bin, /srv/env/bin
			}
		}
	}
	return out
}

func isSystemPrefix(d string) bool {
	switch d {
	case "/usr", "/usr/local", "/", ".", "":
		return true
	}
	return false
}

// pipInstall reads the words of a pip command (c.Args[1] is install, wheel or download) or of
// uv pip install or uv pip sync (uv set, c.Args[0] standing for "uv pip"), whose words are
// at off in the command as written.
func pipInstall(c *Cmd, off int, spec flagSpec, uv bool) (*Install, bool) {
	words, ok := parseFlags(c, 2, spec)
	if !ok {
		return &Install{NeedsSource: "its arguments are not all literal", NoCache: ""}, true
	}
	in := &Install{}
	input := func(v string) {
		if f, ok := requirementFile(v); ok && !slices.Contains(in.Inputs, f) {
			in.Inputs = append(in.Inputs, f)
		}
	}
	for _, w := range words {
		switch w.flag {
		case "":
			if uv && c.Args[1] == "sync" {
				input(w.val) // uv pip sync's operands are requirement files
			} else if spec, ok := localRequirement(w.val); ok {
				in.NeedsSource = fmt.Sprintf("pip %s %s reads the source", c.Args[1], w.val)
				if spec != w.val {
					in.NeedsSource += " (" + spec + ")"
				}
			}
		case "-r", "--requirement", "--requirements", "-c", "--constraint", "--constraints",
			"--override", "--overrides", "--exclude", "--excludes", "--build-constraint", "--build-constraints":
			input(w.val)
		case "-b":
			if uv {
				input(w.val) // uv's -b is --build-constraints
			}
		case "--group":
			// pip 25.1+ and uv: [path:]group, the path defaulting to ./pyproject.toml.
			file := "pyproject.toml"
			if i := strings.LastIndex(w.val, ":"); i >= 0 {
				file = w.val[:i]
			}
			input(file)
		case "-e", "--editable":
			if !isRemoteURL(w.val) {
				in.NeedsSource = fmt.Sprintf("pip install -e %s reads the source", w.val)
			}
		case "-f", "--find-links", "-i", "--index-url", "--extra-index-url", "--index", "--default-index":
			localFolder(in, w.val)
		case "--cert", "--client-cert":
			in.Inputs = append(in.Inputs, w.val) // a certificate the copy may bring
		case "-t", "--target", "--prefix", "--root", "-w", "--wheel-dir", "-d", "--dest":
			in.Outputs = append(in.Outputs, w.val)
		case "--user":
			base := "~/.local"
			if v, ok := c.lookup("PYTHONUSERBASE"); ok && v != "" {
				base = v
			}
			in.Outputs = append(in.Outputs, base)
		case "--no-cache-dir", "--no-cache-di", "--no-cache-d", "--no-cache-", "--no-cache", "--no-cach", "--no-cac", "--no-ca":
			in.Defeats = append(in.Defeats, off+w.i) // pip takes any unambiguous prefix
		case "--cache-dir":
			cacheAt(in, w.val, "pip --cache-dir "+w.val+" is not an absolute path")
		case "--directory":
			if uv {
				in.NeedsSource = "uv --directory " + w.val + " runs the install in another folder"
			}
		}
	}
	for _, name := range []string{"PIP_CACHE_DIR", "XDG_CACHE_HOME"} {
		if v, ok := c.lookup(name); ok && v != "" && !path.IsAbs(v) && !uv && in.NoCache == "" {
			in.NoCache = name + "=" + v + " is relative to each step's folder: there is no one place to mount"
		}
	}
	// Variables that stand for flags (pip reads every option from PIP_<NAME>, uv its file
	// flags from UV_<NAME>, space-separated).
	vars := []string{"PIP_REQUIREMENT", "PIP_CONSTRAINT"}
	if uv {
		vars = append(vars, "UV_CONSTRAINT", "UV_OVERRIDE", "UV_EXCLUDE", "UV_BUILD_CONSTRAINT")
	}
	for _, name := range vars {
		if v, ok := c.lookup(name); ok {
			for _, f := range strings.Fields(v) {
				input(f)
			}
		}
	}
	if v, ok := c.lookup("PIP_CONFIG_FILE"); ok && v != "" && v != os.DevNull {
		in.Inputs = append(in.Inputs, v)
	}
	locals := []string{"PIP_FIND_LINKS", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL"}
	if uv {
		locals = append(locals, "UV_FIND_LINKS", "UV_INDEX_URL", "UV_EXTRA_INDEX_URL", "UV_INDEX", "UV_DEFAULT_INDEX")
	}
	for _, name := range locals {
		if v, ok := c.lookup(name); ok && v != "" {
			for _, f := range strings.Fields(v) {
				if _, u, named := strings.Cut(f, "="); named && uv && strings.Contains(u, "/") {
					f = u // UV_INDEX="name=url"
				}
				localFolder(in, f)
			}
		}
	}
	// Certificates the install reads; one under the copy's destination comes from the source.
	for _, name := range []string{"PIP_CERT", "PIP_CLIENT_CERT", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "UV_CERT", "CURL_CA_BUNDLE"} {
		if v, ok := c.lookup(name); ok && v != "" {
			in.Inputs = append(in.Inputs, v)
		}
	}
	return in, true
}

// localFolder adds the folder a --find-links or --index-url value names, when it is not a
// remote URL ("./wheels", "file:///app/pypi/simple").
func localFolder(in *Install, v string) {
	if v == "" || isRemoteURL(v) {
		return
	}
	if f, ok := requirementFile(v); ok && !slices.Contains(in.Folders, f) {
		in.Folders = append(in.Folders, f)
	}
}

// requirementFile returns the file a -r or -c value names, or false for a remote URL, which
// is no file of the build context (pip and uv download it). A file: URL names a local file.
func requirementFile(v string) (string, bool) {
	if v == "" {
		return "", false
	}
	if rest, ok := strings.CutPrefix(v, "file:"); ok {
		if h, ok := strings.CutPrefix(rest, "//"); ok {
			h = strings.TrimPrefix(h, "localhost")
			if !strings.HasPrefix(h, "/") {
				return "", false // file://host/...
			}
			rest = h
		}
		if u, err := url.PathUnescape(rest); err == nil {
			rest = u
		}
		return rest, rest != ""
	}
	if strings.Contains(v, "://") {
		return "", false
	}
	return v, true
}

// isRemoteURL reports whether v is a URL that reads nothing of the build context: it has a
// scheme, and the scheme is not file (file:, git+file:).
func isRemoteURL(v string) bool {
	scheme, _, ok := strings.Cut(v, "://")
	if !ok {
		return false
	}
	scheme = strings.ToLower(scheme)
	return scheme != "file" && !strings.HasSuffix(scheme, "+file")
}

// pep508Name matches the name part of a PEP 508 direct reference ("name[extra] @ url").
var pep508Name = regexp.MustCompile(`^\s*[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?\s*(?:\[[^\]]*\])?\s*$`)

// localRequirement reports whether a requirement (an operand of pip install or a line of a
// requirements file) installs something from the build context, and returns the part that
// says so: a path, also with extras (.[dev], ./pkg[x], src/pkg[extra]) or environment
// markers, a file: URL, a local archive, or a PEP 508 direct reference to one of them
// ("name @ file:///app/libs/name", "name@file:./x").
func localRequirement(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if name, ref, ok := strings.Cut(s, "@"); ok && pep508Name.MatchString(name) {
		if f := strings.Fields(ref); len(f) > 0 {
			ref = f[0]
		}
		ref, _, _ = strings.Cut(ref, ";")
		return ref, ref != "" && isLocalRef(ref)
	}
	if f := strings.Fields(s); len(f) > 0 {
		s = f[0]
	}
	s, _, _ = strings.Cut(s, ";")
	spec := s
	if i := strings.Index(spec, "["); i > 0 {
		if j := strings.Index(spec[i:], "]"); j > 0 {
			spec = spec[:i] + spec[i+j+1:] // .[dev] is the path .
		}
	}
	return s, spec != "" && isLocalRef(spec)
}

// isLocalRef reports whether a requirement's location is in the build context: a URL
// whose scheme is file (file://, git+file://), or a path (isLocalPath, file: included).
func isLocalRef(s string) bool {
	if strings.Contains(s, "://") {
		return !isRemoteURL(s)
	}
	return isLocalPath(s)
}

// followRequirements adds the files that requirement files include (-r, -c), each relative
// to the file that names it, and marks the install as reading the source when a
// requirement names a local path. A pyproject.toml (pip --group, uv -r pyproject.toml) is
// read as TOML, and setup.py or setup.cfg named by -r (uv) is the project's own metadata.
func followRequirements(in *Install, read Reader) {
	seen := map[string]bool{}
	queue := append([]string(nil), in.Inputs...)
	in.Inputs = nil
	for len(queue) > 0 {
		name := queue[0]
		queue = queue[1:]
		if seen[name] {
			continue
		}
		seen[name] = true
		in.Inputs = append(in.Inputs, name)
		switch path.Base(name) {
		case "setup.py", "setup.cfg":
			if in.NeedsSource == "" {
				in.NeedsSource = fmt.Sprintf("the install reads the project's requirements from %s, which runs its build from the source", name)
			}
			continue
		}
		data, err := read.Read(name)
		if err != nil {
			continue // the rule reports missing inputs
		}
		if path.Base(name) == "pyproject.toml" {
			if why := pyprojectRequirements(in.Cmd, name, data); why != "" && in.NeedsSource == "" {
				in.NeedsSource = why
			}
			continue
		}
		for _, l := range requirementLines(data) {
			fields := strings.Fields(l.text)
			if len(fields) == 0 {
				continue
			}
			f := fields[0]
			rel := func(v string) string {
				if strings.HasPrefix(v, "/") {
					return v
				}
				return path.Join(path.Dir(name), v)
			}
			val := ""
			if len(fields) > 1 {
				val = fields[1]
			}
			for _, p := range []string{"-r", "--requirement", "-c", "--constraint", "-e", "--editable", "-f", "--find-links", "-i", "--index-url", "--extra-index-url"} {
				if f == p && val != "" {
					break
				}
				if strings.HasPrefix(f, p+"=") || (len(p) == 2 && strings.HasPrefix(f, p) && len(f) > 2) {
					val = strings.TrimPrefix(strings.TrimPrefix(f, p), "=")
					f = p
					break
				}
			}
			switch f {
			case "-r", "--requirement", "-c", "--constraint":
				if file, ok := requirementFile(val); ok {
					queue = append(queue, rel(file))
				}
			case "-e", "--editable", "-f", "--find-links", "-i", "--index-url", "--extra-index-url":
				if val != "" && !isRemoteURL(val) && in.NeedsSource == "" {
					in.NeedsSource = fmt.Sprintf("%s line %d names a local path (%s %s)", name, l.line, f, val)
				}
			default:
				if strings.HasPrefix(f, "-") {
					continue
				}
				if spec, ok := localRequirement(l.text); ok && in.NeedsSource == "" {
					in.NeedsSource = fmt.Sprintf("%s line %d names a local path (%s)", name, l.line, spec)
				}
			}
		}
	}
}

// pyprojectRequirements says why reading the requirements of pyproject.toml (file) reads the
// source, or "": a local path dependency or file: reference in it, or, when the command
// names the file as a requirements file (uv pip install -r pyproject.toml) rather than
// for its dependency groups (--group, which are static), dependencies that are dynamic,
// which only a build of the project computes.
func pyprojectRequirements(c *Cmd, file string, data []byte) string {
	if l := tomlLocalDep(data); l != "" {
		return fmt.Sprintf("%s names a local path dependency (%s)", file, l)
	}
	asRequirements := c == nil
	if c != nil {
		for i, a := range c.Args {
			if c.Lit[i] && strings.HasSuffix(a, "pyproject.toml") {
				asRequirements = true // -r pyproject.toml; --group takes path:group
			}
		}
	}
	if !asRequirements {
		return ""
	}
	for _, l := range tomlTable(data, "project") {
		k, v, ok := strings.Cut(l, "=")
		if !ok || strings.TrimSpace(k) != "dynamic" {
			continue
		}
		for _, f := range []string{`"dependencies"`, `"optional-dependencies"`, `'dependencies'`, `'optional-dependencies'`} {
			if strings.Contains(v, f) {
				return fmt.Sprintf("%s declares its dependencies dynamic: reading them builds the project from the source", file)
			}
		}
	}
	return ""
}

type reqLine struct {
	line int
	text string
}

// requirementLines returns the logical lines of a requirements file: comments removed,
// backslash continuations joined.
func requirementLines(data []byte) []reqLine {
	var out []reqLine
	n, start := 0, 0
	var cur strings.Builder
	for _, t := range strings.Split(string(data), "\n") {
		n++
		t = strings.TrimRight(t, "\r")
		if cur.Len() == 0 {
			start = n
		}
		if strings.HasSuffix(t, "\\") {
			cur.WriteString(strings.TrimSuffix(t, "\\"))
			continue
		}
		cur.WriteString(t)
		s := cur.String()
		cur.Reset()
		if i := strings.Index(s, "#"); i >= 0 && (i == 0 || s[i-1] == ' ' || s[i-1] == '\t') {
			s = s[:i]
		}
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, reqLine{line: start, text: s})
		}
	}
	return out
}

// pipConfig reads pip's configuration files as the build would have them (copied from the
// context, e.g. COPY docker/pip.conf /etc/pip.conf): a cache-dir there moves the cache, and
// no-cache-dir switches it off, which a mount cannot undo.
func pipConfig(in *Install, read Reader) {
	// pip's files: the site's (sys.prefix: a virtualenv's, or /usr/local in the official
	// images), the user's, the global ones, and PIP_CONFIG_FILE.
	files := []string{"/usr/local/pip.conf", "~/.config/pip/pip.conf", "~/.pip/pip.conf", "/etc/pip.conf", "/etc/xdg/pip/pip.conf"}
	if v, ok := in.Cmd.lookup("VIRTUAL_ENV"); ok && path.IsAbs(v) {
		files = append([]string{path.Join(v, "pip.conf")}, files...)
	}
	if v, ok := in.Cmd.lookup("PIP_CONFIG_FILE"); ok && v != "" && v != os.DevNull {
		files = append([]string{v}, files...)
	}
	for _, f := range files {
		data, err := read.Read(f)
		if err != nil {
			continue
		}
		for _, key := range []string{"no-cache-dir", "no_cache_dir"} {
			if _, ok := configValue(data, key); ok {
				in.NoCache = f + " sets " + key + ", which switches pip's cache off"
				return
			}
		}
	}
	// Options that name files or folders: a folder of wheels or an index under the copy's
	// destination comes from the source; files (constraints, certificates) are read first.
	for _, f := range files {
		data, err := read.Read(f)
		if err != nil {
			continue
		}
		for _, key := range []string{"find-links", "find_links", "index-url", "index_url", "extra-index-url", "extra_index_url"} {
			if v, ok := configValue(data, key); ok {
				for _, u := range strings.Fields(v) {
					localFolder(in, u)
				}
			}
		}
		for _, key := range []string{"constraint", "requirement", "cert", "client-cert", "client_cert"} {
			if v, ok := configValue(data, key); ok {
				for _, u := range strings.Fields(v) {
					if file, ok := requirementFile(u); ok {
						in.Inputs = append(in.Inputs, file)
					}
				}
			}
		}
	}
	for _, key := range []string{"cache-dir", "cache_dir"} {
		configuredCache(in, read, key, []string{"PIP_CACHE_DIR"}, files...)
		if in.CacheDirs != nil || in.NoCache != "" {
			return
		}
	}
}
