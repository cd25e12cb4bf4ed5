package manifests

import (
	"path"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
)

// Manager is one package manager, declared as a value: adding a manager means adding one
// file with one Manager and listing it in All. Rules never switch on a manager's name.
type Manager struct {
	// Name is the manager's usual name, used in messages ("pip", "npm").
	Name string
	// Files are doublestar patterns of the manifests, lockfiles and configuration an
	// install by this manager reads, relative to the build context.
	Files []string
	// Recognize reports whether cmd is an install by this manager and what it reads and writes.
	Recognize func(cmd *Cmd) (*Install, bool)
	// Follow completes an Install from the files it reads (pip's -r includes, package.json
	// scripts). read takes a path relative to the install's working directory, or absolute.
	// It is called whatever NeedsSource says: it may also withdraw a reason of its own
	// (poetry install of a project with package-mode = false installs no source). It may
	// move the cache too (CacheDirs, NoCache: .npmrc's cache=, yarn 2+'s .yarnrc.yml).
	Follow func(in *Install, read Reader)
	// Caches lists the directories a cache mount should hold for an install, given the
	// environment in effect. An empty list means the manager's cache cannot be mounted safely.
	Caches func(env Lookup) []CacheDir
	// Disablers are environment variables that switch the cache off whatever their value
	// (PIP_NO_CACHE_DIR): with a mount they must be unset for the install.
	Disablers []string
	// Cleans reports whether cmd only empties this manager's cache (npm cache clean): with a
	// mount in place, such a command would empty the mount.
	Cleans func(cmd *Cmd) bool
	// Around holds shell commands run before and after the install inside the same RUN when
	// its caches are mounted (apt's docker-clean hook set aside and restored).
	Around *Around
	// Runtime, for a manager with a persistent cache, names what may use that cache when the
	// image runs, so that it must stay in the image.
	Runtime *Runtime
	// ConfigFiles are names (or path ends) of the configuration files that can move the
	// manager's cache: a step that writes or mounts one leaves the cache where cachefix
	// cannot tell.
	ConfigFiles []string
}

// Runtime names the images and commands that use a manager's persistent cache when a
// container runs (a golang image whose command is go run, a maven image running mvn).
type Runtime struct {
	// Images are official image names whose default command (or a shell) may use it.
	Images []string
	// Commands are CMD or ENTRYPOINT programs that use it, on any image.
	Commands []string
}

// Around is a pair of commands wrapped around an install.
type Around struct {
	// Marker is a string whose presence in the RUN shows the wrap is already there.
	Marker        string
	Before, After string
	// Why says in one line why the wrap is needed.
	Why string
}

// CacheDir is one directory a cache mount should hold.
type CacheDir struct {
	// Path is absolute, or starts with "~/" for the home of the user running the step.
	Path string
	// RootPath, when set, replaces Path for root (yarn v1 caches in /usr/local/share/.cache/yarn).
	RootPath string
	// Locked asks for sharing=locked (apt cannot share its lock with a concurrent build).
	Locked bool
	// Unshared asks for sharing=locked where another stage of the same Dockerfile installs
	// with this manager too, since BuildKit may run the stages at once and the manager does
	// not guard its cache against that (yarn v1).
	Unshared bool
	// Persistent marks a cache whose content later steps read from the image (Go's module
	// cache): a mount is only safe when every later step that may read it mounts it too.
	Persistent bool
	// Beside marks a cache in a folder of the user's home (~/.m2/repository) whose parent
	// the tool also writes (~/.m2/wrapper): for a non-root user BuildKit would create that
	// parent, when missing, owned by root, so no mount is added there.
	Beside bool
	// OnlyWhenRemoved marks a directory the image keeps unless the step itself deletes its
	// content (apt's package lists): it is mounted only on a step that removes it, since
	// later steps, or images built on this one, may read it.
	OnlyWhenRemoved bool
}

// Lookup returns an environment variable in effect for a step.
type Lookup func(name string) (string, bool)

// Reader gives a manager's Follow the files an install names, relative to its working
// directory ("../go.work" looks upward) or absolute, "~/" standing for the home of the user
// the step runs as. Exists is for files whose content does not
// matter (a lockfile, which may be large).
type Reader struct {
	Read   func(name string) ([]byte, error)
	Exists func(name string) bool
	// Depth is how many folders lie above the working directory (1 for /app), 0 when
	// unknown: a search upward stops at the root.
	Depth int
}

// Install is what one recognized command installs from.
type Install struct {
	Manager *Manager
	// Cmd is the command as recognized.
	Cmd *Cmd
	// Inputs are files the install reads, relative to its working directory or absolute.
	// A missing input makes the install not movable.
	Inputs []string
	// Optional are files the install reads when they exist (.npmrc, .yarnrc).
	Optional []string
	// Folders are folders the install reads (a local package index, pip --find-links),
	// relative to its working directory or absolute: one that the source copy writes
	// means the install reads the source.
	Folders []string
	// NeedsSource, when set, says why the install reads the project's source and so
	// cannot run before it is copied ("pip install . builds the project from the source").
	NeedsSource string
	// Outputs are directories the install writes, relative to its working directory, absolute,
	// or "~/"-prefixed. An output under a copy's destination is a host-artefact hazard.
	Outputs []string
	// Defeats are indexes into Cmd.Args of words that switch the cache off (--no-cache-dir);
	// they are removed once a cache mount is in place.
	Defeats []int
	// CacheDirs overrides Manager.Caches for this invocation (pip --cache-dir).
	CacheDirs []CacheDir
	// NoCache is set when the install cannot use a mount, with the reason.
	NoCache string
	// NoPersistent is set when the install cannot use a mount on a persistent cache (Go's
	// module cache for a vendored or offline build), with the reason.
	NoPersistent string
	// Build marks a command that builds the project (go build) rather than installing its
	// dependencies: it uses the caches, but re-running it on a source change is its job.
	Build bool
	// Wipes is set when the install deletes its outputs before writing them (npm ci).
	Wipes bool
	// Publishes marks an install that puts the project's own artifacts in the manager's
	// persistent cache (mvn install): no download brings them back.
	Publishes bool
	// Rewrites are manifests the install may write (npm install updates package-lock.json):
	// moved before the source copy, the copy would put the context's version back.
	Rewrites []string
}

// All lists every manager cachefix knows, in the order rules try them.
func All() []*Manager {
	return []*Manager{Pip, Uv, Poetry, Pipenv, Npm, Yarn, Pnpm, Apt, Go, Venv, Bundler, Maven, Gradle, Cargo}
}

// Recognize returns the install cmd performs, trying every manager.
func Recognize(cmd *Cmd) (*Install, bool) {
	for _, m := range All() {
		if in, ok := m.Recognize(cmd); ok {
			in.Manager = m
			in.Cmd = cmd
			return in, true
		}
	}
	return nil, false
}

// Cleaner returns the manager whose cache cmd empties, if any.
func Cleaner(cmd *Cmd) (*Manager, bool) {
	for _, m := range All() {
		if m.Cleans != nil && m.Cleans(cmd) {
			return m, true
		}
	}
	return nil, false
}

// Cmd is one simple shell command, its words expanded where they are literal.
type Cmd struct {
	// Args are the expanded words; Lit[i] is false where word i could not be expanded
	// (a command substitution, an unset variable), and Args[i] is then "".
	Args []string
	Lit  []bool
	// Arg[i] is true where word i takes its value from a build argument, which a build
	// may override (--build-arg): the value is only the ARG's default. It may be nil.
	Arg []bool
	// Env looks up the environment the command runs in (ENV and ARG in effect).
	Env Lookup
}

// Name is the command's base name ("pip" for /usr/local/bin/pip), "" when not literal.
func (c *Cmd) Name() string {
	if len(c.Args) == 0 || !c.Lit[0] {
		return ""
	}
	return path.Base(c.Args[0])
}

// Literal reports whether every word of the command is literal.
func (c *Cmd) Literal() bool {
	for _, l := range c.Lit {
		if !l {
			return false
		}
	}
	return true
}

// Sub returns the command from word i on, as its own Cmd (for "python -m pip install").
func (c *Cmd) Sub(i int) *Cmd {
	sub := &Cmd{Args: c.Args[i:], Lit: c.Lit[i:], Env: c.Env}
	if c.Arg != nil {
		sub.Arg = c.Arg[i:]
	}
	return sub
}

// FromArg reports whether word i takes its value from a build argument.
func (c *Cmd) FromArg(i int) bool { return i < len(c.Arg) && c.Arg[i] }

// flagArgs walks args after a subcommand, calling fn for each word with its index; a flag
// that takes a value gets it as val (from "--flag=v" or the next word).
type flagSpec map[string]bool // flag -> takes a value

type word struct {
	i    int
	flag string // "" for an operand
	val  string
	vi   int // index of the value word, -1 when joined with "="
}

func parseFlags(c *Cmd, start int, spec flagSpec) ([]word, bool) {
	var out []word
	for i := start; i < len(c.Args); i++ {
		if !c.Lit[i] {
			return nil, false
		}
		a := c.Args[i]
		if !strings.HasPrefix(a, "-") || a == "-" {
			out = append(out, word{i: i, vi: -1, val: a})
			continue
		}
		name, val, joined := strings.Cut(a, "=")
		if !strings.HasPrefix(a, "--") && len(a) > 2 {
			// A cluster of short flags (-Ur, -qr req.txt) or a short flag with its value
			// attached (-rrequirements.txt): the first flag that takes a value takes the
			// rest of the word, or the next word.
			for k := 1; k < len(a); k++ {
				f := "-" + a[k:k+1]
				if !spec[f] {
					out = append(out, word{i: i, flag: f, vi: -1})
					continue
				}
				w := word{i: i, flag: f, val: a[k+1:], vi: -1}
				if w.val == "" {
					if i+1 >= len(c.Args) || !c.Lit[i+1] {
						return nil, false
					}
					i++
					w.val, w.vi = c.Args[i], i
				}
				out = append(out, w)
				break
			}
			continue
		}
		w := word{i: i, flag: name, vi: -1}
		if joined {
			w.val = val
		} else if spec[name] {
			if i+1 >= len(c.Args) || !c.Lit[i+1] {
				return nil, false
			}
			i++
			w.val, w.vi = c.Args[i], i
		}
		out = append(out, w)
	}
	return out, true
}

// isLocalPath reports whether an install operand names a path rather than a package.
func isLocalPath(s string) bool {
	if s == "." || s == ".." || strings.HasPrefix(s, "./") || strings.HasPrefix(s, "../") || strings.HasPrefix(s, "/") || strings.HasPrefix(s, "~") {
		return true
	}
	if strings.HasPrefix(s, "file:") {
		return true
	}
	lower := strings.ToLower(s)
	for _, ext := range []string{".whl", ".tar.gz", ".tgz", ".zip", ".tar.bz2", ".deb"} {
		if strings.HasSuffix(lower, ext) && !strings.Contains(lower, "://") {
			return true
		}
	}
	return strings.Contains(s, "/") && !strings.Contains(s, "://") && !strings.Contains(s, "@")
}

// homeDir is the cache path under the running user's home.
func homeDir(rel string) string { return "~/" + rel }

// envDir returns the cache directory named by an environment variable, if set to an
// absolute path.
func envDir(env Lookup, name string) (string, bool) {
	v, ok := env(name)
	if !ok || !strings.HasPrefix(v, "/") {
		return "", false
	}
	return path.Clean(v), true
}

// lookup reads the command's environment; a command without one sees nothing set.
func (c *Cmd) lookup(name string) (string, bool) {
	if c == nil || c.Env == nil {
		return "", false
	}
	return c.Env(name)
}

// tomlOrYAMLKey reports whether a line of data starts with key followed by "=" or ":" (a
// top-level key or a table header "[key]"), ignoring comments.
func tomlOrYAMLKey(data []byte, key string) bool {
	for _, l := range strings.Split(string(data), "\n") {
		l = strings.TrimSpace(strings.TrimRight(l, "\r"))
		if l == "["+key+"]" {
			return true
		}
		rest, ok := strings.CutPrefix(l, key)
		if !ok {
			continue
		}
		rest = strings.TrimSpace(rest)
		if strings.HasPrefix(rest, "=") || strings.HasPrefix(rest, ":") {
			return true
		}
	}
	return false
}

// tomlTable returns the lines of TOML table name ("tool.poetry"), without comments.
func tomlTable(data []byte, name string) []string {
	var out []string
	in := name == "" // "" is the top level, before any table
	for _, l := range strings.Split(string(data), "\n") {
		l = strings.TrimSpace(strings.TrimRight(l, "\r"))
		if strings.HasPrefix(l, "[") {
			h := strings.Trim(l, "[] ")
			in = h == name
			continue
		}
		if i := strings.Index(l, "#"); i >= 0 {
			l = strings.TrimSpace(l[:i])
		}
		if in && l != "" {
			out = append(out, l)
		}
	}
	return out
}

// tomlHasTable reports whether data has table name or one of its sub-tables.
func tomlHasTable(data []byte, name string) bool {
	for _, l := range strings.Split(string(data), "\n") {
		l = strings.TrimSpace(strings.TrimRight(l, "\r"))
		h := strings.Trim(l, "[] ")
		if strings.HasPrefix(l, "[") && (h == name || strings.HasPrefix(h, name+".")) {
			return true
		}
	}
	return false
}

// isFalse reports whether an environment value means false.
func isFalse(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "false", "0", "no", "off":
		return true
	}
	return false
}

// IsManifest reports whether a context path (slash-separated) is a manifest, lockfile or
// install configuration of any manager.
func IsManifest(name string) bool {
	for _, m := range All() {
		for _, pat := range m.Files {
			if ok, _ := doublestar.Match(pat, name); ok {
				return true
			}
		}
	}
	return false
}

// Configures reports whether cmd only changes a package manager's user configuration
// (poetry config virtualenvs.create false, npm config set ...): it reads nothing of the
// project.
func Configures(cmd *Cmd) bool {
	if len(cmd.Args) < 3 || !cmd.Literal() {
		return false
	}
	name, sub := cmd.Name(), cmd.Args[1]
	switch name {
	case "poetry", "pip", "pip3", "pnpm", "yarn", "npm", "uv", "bundle":
	default:
		return false
	}
	if sub != "config" && !(name == "npm" && sub == "set") {
		return false
	}
	if name == "bundle" {
		// bundle config set writes the app's .bundle/config when run in a project, unless
		// --global or BUNDLE_APP_CONFIG sends it elsewhere; settings that decide where
		// the gems go or which files count are more than configuration.
		for _, a := range cmd.Args[2:] {
			switch strings.TrimPrefix(strings.ToLower(a), "bundle_") {
			case "path", "deployment", "app_config", "gemfile", "bin", "system", "cache_path", "cache_all":
				return false
			}
		}
		_, app := cmd.lookup("BUNDLE_APP_CONFIG")
		return (app || hasFlag(cmd, "--global")) && !hasFlag(cmd, "--local")
	}
	for _, a := range cmd.Args[2:] {
		if strings.HasPrefix(a, "--file") || strings.HasPrefix(a, "--local") || strings.HasPrefix(a, "--location=project") || a == "--site" {
			return false // writes a file in the project
		}
	}
	return true
}
