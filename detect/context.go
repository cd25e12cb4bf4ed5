package detect

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// Context is a build context as a build sees it: its files, and the ignore file that
// filters them.
type Context struct {
	// Dir is the context's folder on disk ("" for a context made in a test).
	Dir string
	// Dockerfile is the Dockerfile the context was loaded for.
	Dockerfile string
	// FS holds the context's files.
	FS fs.FS
	// IgnorePath is the ignore file in effect, or where a new one would be created
	// (.dockerignore in the context), as a path on disk.
	IgnorePath string
	// IgnoreSrc is the ignore file's content; IgnoreExists is false when there is none.
	IgnoreSrc    []byte
	IgnoreExists bool

	ignore *patternmatcher.PatternMatcher
	// stats caches Stat: rules ask about the same manifests many times. A Context belongs
	// to one goroutine.
	stats    map[string][2]bool
	excluded map[string]bool
	globs    map[string][]string
	// others caches Siblings, Nested and Composed, which read folders and files.
	others map[string][]string
	// onDisk is true when FS is the folder Dir on disk (Load), which is then read directly.
	onDisk bool
	// walk, when not nil, saw Dir and the Dockerfile's folder (LoadKnown).
	walk Walk
	// disk caches what was read from FS, whatever the ignore file: a context made by
	// Reignore shares it.
	disk *disk
}

// disk caches what a context's files are on disk: whether they exist, and their content.
type disk struct {
	stats map[string][2]bool
	files map[string][]byte
}

// once returns what fill returns, computed once per context under key.
func (c *Context) once(key string, fill func() []string) []string {
	if v, ok := c.others[key]; ok {
		return v
	}
	if c.others == nil {
		c.others = map[string][]string{}
	}
	v := fill()
	c.others[key] = v
	return v
}

// Overlay holds ignore files already changed in this run but not written (a dry run), by
// path on disk, so that later Dockerfiles of the same context see the change.
type Overlay map[string][]byte

// Load reads the context at dir for the Dockerfile at dockerfile: its ignore file is
// <Dockerfile>.dockerignore beside the Dockerfile when present, else dir/.dockerignore.
func Load(dir, dockerfile string, overlay Overlay) (*Context, error) {
	return LoadKnown(dir, dockerfile, overlay, nil)
}

// MaxIgnore bounds the ignore files Load reads: far above any real one, it only keeps a
// link to an endless device from being read.
const MaxIgnore = 64 << 20

// FileError is an error about a file on disk, whose path a caller may write relative to
// its working directory.
type FileError struct {
	Prefix string
	Path   string
	Err    error
}

func (e *FileError) Error() string { return e.Prefix + e.Path + ": " + e.Err.Error() }

func (e *FileError) Unwrap() error { return e.Err }

// Walk is what a walk of the folders holding Dockerfiles saw, so that a context need not
// ask the disk again. Paths are absolute.
type Walk interface {
	// Known reports whether path exists, for a file in a folder the walk saw in full; ok
	// is false when it cannot tell.
	Known(path string) (exists, ok bool)
	// Dockerfiles lists the Dockerfiles (regular files) the walk saw under dir, at any
	// depth, in the order filepath.WalkDir finds them; ok is false when it did not see all
	// of dir.
	Dockerfiles(dir string) (paths []string, ok bool)
	// Lookup answers whether name is in folder dir and is a folder, when the walk can
	// tell (a filter of dir's names says it is not there); known is false otherwise.
	Lookup(dir, name string) (exists, isDir, known bool)
}

// LoadKnown is Load for a folder a walk found the Dockerfile in: what the walk saw answers
// whether ignore and Compose files exist and which Dockerfiles share the folder, so that
// they cost no system call. A nil walk is Load.
func LoadKnown(dir, dockerfile string, overlay Overlay, walk Walk) (*Context, error) {
	known := func(string) (bool, bool) { return false, false }
	if walk != nil {
		known = walk.Known // and the walk found the Dockerfile in dir: a folder
	} else {
		st, err := os.Stat(dir)
		if err != nil {
			var pe *fs.PathError
			if errors.As(err, &pe) {
				return nil, &FileError{Prefix: "build context: " + pe.Op + " ", Path: dir, Err: pe.Err}
			}
			return nil, fmt.Errorf("build context: %w", err)
		}
		if !st.IsDir() {
			return nil, &FileError{Path: dir, Err: errors.New("not a directory"), Prefix: "build context "}
		}
	}
	c := &Context{Dir: dir, FS: os.DirFS(dir), Dockerfile: dockerfile, onDisk: true}
	candidates := []string{dockerfile + ".dockerignore", filepath.Join(dir, ".dockerignore")}
	c.IgnorePath = candidates[1]
	for _, p := range candidates {
		if data, ok := overlay[p]; ok {
			c.IgnorePath, c.IgnoreSrc, c.IgnoreExists = p, data, true
			break
		}
		if exists, ok := known(p); ok && !exists {
			continue
		}
		data, err := ReadRegular(p, MaxIgnore)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, &FileError{Path: p, Err: err}
		}
		c.IgnorePath, c.IgnoreSrc, c.IgnoreExists = p, data, true
		break
	}
	if err := c.compile(); err != nil {
		return nil, err
	}
	c.walk = walk
	return c, nil
}

// New makes a context over fsys with the given ignore file content (nil for none), for tests.
func New(fsys fs.FS, ignore []byte) (*Context, error) {
	c := &Context{FS: fsys, IgnorePath: ".dockerignore", IgnoreSrc: ignore, IgnoreExists: ignore != nil}
	return c, c.compile()
}

// Reignore returns the context with another ignore file content (what a fix wrote to the
// same ignore file): the same folder and files, read once for both.
func (c *Context) Reignore(ignore []byte) (*Context, error) {
	n := &Context{Dir: c.Dir, Dockerfile: c.Dockerfile, FS: c.FS, onDisk: c.onDisk, walk: c.walk, IgnorePath: c.IgnorePath, IgnoreSrc: ignore, IgnoreExists: true, disk: c.cache()}
	return n, n.compile()
}

func (c *Context) cache() *disk {
	if c.disk == nil {
		c.disk = &disk{stats: map[string][2]bool{}, files: map[string][]byte{}}
	}
	return c.disk
}

// walkSaw answers from the walk for a name in the top folder, when it can tell (known).
func (c *Context) walkSaw(name string) (exists, dir, known bool) {
	if c.walk == nil || !c.onDisk || name == "." || strings.Contains(name, "/") {
		return false, false, false
	}
	return c.walk.Lookup(c.Dir, name)
}

// mayExist is false only when the walk saw that name is not in the top folder.
func (c *Context) mayExist(name string) bool {
	exists, _, known := c.walkSaw(name)
	return exists || !known
}

// OnDisk reports whether name (slash-separated, relative to the context) is on disk,
// excluded by the ignore file or not, and whether it is a folder, following links.
func (c *Context) OnDisk(name string) (exists, dir bool) {
	name = path.Clean(strings.TrimPrefix(name, "/"))
	if !fs.ValidPath(name) {
		return false, false
	}
	return c.present(name)
}

// present reports whether name is on disk in the context (excluded or not) and whether it
// is a folder, following symbolic links.
func (c *Context) present(name string) (exists, dir bool) {
	if name == "." && c.onDisk {
		return true, true // Load found the folder
	}
	d := c.cache()
	if r, ok := d.stats[name]; ok {
		return r[0], r[1]
	}
	if c.onDisk {
		known := false
		if exists, dir, known = c.walkSaw(name); !known {
			exists, dir = statDisk(filepath.Join(c.Dir, filepath.FromSlash(name)))
		}
	} else if st, err := fs.Stat(c.FS, name); err == nil {
		exists, dir = true, st.IsDir()
	}
	d.stats[name] = [2]bool{exists, dir}
	return exists, dir
}

func (c *Context) compile() error {
	var patterns []string
	var err error
	if len(c.IgnoreSrc) > 0 {
		patterns, err = ignorefile.ReadAll(bytes.NewReader(c.IgnoreSrc))
	}
	if err != nil {
		return &FileError{Path: c.IgnorePath, Err: err}
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		return &FileError{Path: c.IgnorePath, Err: err}
	}
	c.ignore = pm
	return nil
}

// Excluded reports whether the ignore file keeps name (slash-separated, relative to the
// context) out of the build.
func (c *Context) Excluded(name string) bool {
	if len(c.ignore.Patterns()) == 0 {
		return false // no ignore file, or one without patterns
	}
	name = path.Clean(strings.TrimPrefix(name, "/"))
	if name == "." {
		return false
	}
	if r, ok := c.excluded[name]; ok {
		return r
	}
	ok, err := c.ignore.MatchesOrParentMatches(name)
	r := err == nil && ok
	if c.excluded == nil {
		c.excluded = map[string]bool{}
	}
	c.excluded[name] = r
	return r
}

// Stat reports whether name exists in the build (present and not excluded) and is a folder.
func (c *Context) Stat(name string) (exists, dir bool) {
	name = path.Clean(strings.TrimPrefix(name, "/"))
	if r, ok := c.stats[name]; ok {
		return r[0], r[1]
	}
	exists, dir = c.stat(name)
	if c.stats == nil {
		c.stats = map[string][2]bool{}
	}
	c.stats[name] = [2]bool{exists, dir}
	return exists, dir
}

func (c *Context) stat(name string) (exists, dir bool) {
	if !fs.ValidPath(name) {
		return false, false
	}
	// Whether it is on disk first: usually cached or in the walk's listing, where the
	// ignore patterns would have to be matched (and compiled) against it.
	if exists, dir = c.present(name); !exists || c.Excluded(name) {
		return false, false
	}
	return exists, dir
}

// ReadFile reads a regular file of the build; excluded files do not exist.
func (c *Context) ReadFile(name string) ([]byte, error) {
	name = path.Clean(strings.TrimPrefix(name, "/"))
	if !fs.ValidPath(name) {
		return nil, fmt.Errorf("%s: outside the build context", name)
	}
	if c.Excluded(name) {
		return nil, fmt.Errorf("%s: excluded by %s", name, filepath.Base(c.IgnorePath))
	}
	d := c.cache()
	if data, ok := d.files[name]; ok {
		return data, nil
	}
	var data []byte
	var err error
	if !c.mayExist(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: errNotExist} // as the open would say
	}
	if c.onDisk {
		data, err = readRegularDisk(filepath.Join(c.Dir, filepath.FromSlash(name)), name, MaxFile)
	} else {
		data, err = readRegular(c.FS, name)
	}
	if err == nil {
		d.files[name] = data
	}
	return data, err
}

// WithIgnore returns the ignore file's content with entries appended, each on its own line,
// keeping the file's line endings; entries already excluded are left out.
func (c *Context) WithIgnore(entries []string) []byte {
	eol := "\n"
	if bytes.Contains(c.IgnoreSrc, []byte("\r\n")) {
		eol = "\r\n"
	}
	out := append([]byte(nil), c.IgnoreSrc...)
	if len(out) > 0 && out[len(out)-1] != '\n' {
		out = append(out, eol...)
	}
	for _, e := range entries {
		out = append(out, e+eol...)
	}
	return out
}

// Symlinked returns the first of name's folders (or name itself) that is a symbolic link
// in the context, or "": an ignore entry names the link's path, not what it points to.
func (c *Context) Symlinked(name string) string {
	name = path.Clean(strings.TrimPrefix(name, "/"))
	if !fs.ValidPath(name) || name == "." {
		return ""
	}
	parts := strings.Split(name, "/")
	for i := range parts {
		p := strings.Join(parts[:i+1], "/")
		st, err := fs.Lstat(c.FS, p)
		if err != nil {
			return ""
		}
		if st.Mode()&fs.ModeSymlink != 0 {
			return p
		}
	}
	return ""
}

// MayReinclude reports whether an exception of the ignore file ("!dir/keep") may bring
// back a path under dir, which the ignore file otherwise excludes: an exception whose
// literal start (up to its first wildcard) and dir/ are one a prefix of the other.
func (c *Context) MayReinclude(dir string) bool {
	dir = path.Clean(strings.TrimPrefix(dir, "/"))
	dirParts := strings.Split(dir, "/")
	for _, pat := range c.ignore.Patterns() {
		if !pat.Exclusion() {
			continue
		}
		text := path.Clean(strings.TrimPrefix(pat.String(), "/"))
		if strings.Contains(text, "**") {
			lit := text[:strings.Index(text, "**")]
			if strings.HasPrefix(dir+"/", lit) || strings.HasPrefix(lit, dir+"/") {
				return true
			}
			continue
		}
		// Without **, a pattern matches paths of as many parts as it has: one that matches
		// dir, a folder above it, or a path below it brings back files under dir.
		parts := strings.Split(text, "/")
		match := true
		for i := 0; i < len(parts) && i < len(dirParts); i++ {
			if ok, err := path.Match(parts[i], dirParts[i]); err != nil || !ok {
				match = false
				break
			}
		}
		if match {
			return true
		}
	}
	return false
}

// Reincludes reports whether the ignore file has exceptions ("!keep.txt"), which can bring
// back files inside an excluded folder.
func (c *Context) Reincludes() bool { return c.ignore.Exclusions() }

// Glob lists the paths of the build (not excluded) matching a COPY source pattern, sorted.
func (c *Context) Glob(pattern string) []string {
	if m, ok := c.globs[pattern]; ok {
		return m
	}
	matches, err := doublestar.Glob(c.FS, pattern)
	var out []string
	if err == nil {
		for _, x := range matches {
			if !c.Excluded(x) {
				out = append(out, x)
			}
		}
	}
	if c.globs == nil {
		c.globs = map[string][]string{}
	}
	c.globs[pattern] = out
	return out
}

// IsDockerfile reports whether a file name is a Dockerfile's: Dockerfile, Dockerfile.*,
// *.Dockerfile, Containerfile, in any case, but not an ignore file, a patch leftover, an
// editor backup or documentation (Dockerfile.dockerignore, Dockerfile.orig, Dockerfile.md).
func IsDockerfile(name string) bool {
	named := strings.EqualFold(name, "dockerfile") || strings.EqualFold(name, "containerfile") ||
		hasPrefixFold(name, "dockerfile.") || hasPrefixFold(name, "containerfile.") || hasSuffixFold(name, ".dockerfile")
	if !named {
		return false // most names: no allocation
	}
	for _, ext := range notDockerfile {
		if hasSuffixFold(name, ext) {
			return false
		}
	}
	return true
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func hasSuffixFold(s, suffix string) bool {
	return len(s) >= len(suffix) && strings.EqualFold(s[len(s)-len(suffix):], suffix)
}

var notDockerfile = []string{".dockerignore", ".orig", ".rej", ".bak", ".swp", ".tmp", "~", ".md", ".txt", ".json", ".yaml", ".yml", ".sh"}

// Siblings lists the other Dockerfiles in the context's folder and in the Dockerfile's own
// folder (docker/web.Dockerfile built with the repository as context): they share its
// .dockerignore. Paths on disk.
func (c *Context) Siblings() []string { return c.once("siblings", c.siblings) }

func (c *Context) siblings() []string {
	if c.Dir == "" {
		return nil
	}
	var out []string
	dirs := []string{c.Dir}
	if d := filepath.Dir(c.Dockerfile); filepath.Clean(d) != filepath.Clean(c.Dir) {
		dirs = append(dirs, d)
	}
	if c.walk != nil {
		if len(dirs) == 1 {
			if all, ok := c.walk.Dockerfiles(c.Dir); ok {
				for _, p := range all {
					if filepath.Dir(p) == filepath.Clean(c.Dir) && filepath.Clean(p) != filepath.Clean(c.Dockerfile) {
						out = append(out, p)
					}
				}
				return out
			}
		}
	}
	for _, dir := range dirs {
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range entries {
			p := filepath.Join(dir, e.Name())
			if e.Type().IsRegular() && IsDockerfile(e.Name()) && filepath.Clean(p) != filepath.Clean(c.Dockerfile) && !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	return out
}

// SkipDir reports whether a folder of that name is never searched for Dockerfiles: it
// holds a repository's metadata or installed dependencies (.git, node_modules, vendor).
func SkipDir(name string) bool {
	return name == ".git" || name == "node_modules" || name == "vendor"
}

// Nested lists Dockerfiles in the context's subfolders (three levels down, skipping .git,
// node_modules, vendor and hidden folders), in the order a walk finds them, other than
// Siblings: one built with the whole repository as its context shares its .dockerignore.
// A bulk run's walk answers it; a single file's context walks the folder (no cap on the
// entries, so that both give the same answer).
func (c *Context) Nested() []string { return c.once("nested", c.nested) }

func (c *Context) nested() []string {
	if c.Dir == "" {
		return nil
	}
	sibs := c.Siblings()
	var out []string
	if c.walk != nil {
		if all, ok := c.walk.Dockerfiles(c.Dir); ok {
			top := filepath.Clean(c.Dir)
			for _, p := range all {
				rel, err := filepath.Rel(top, p)
				if err != nil || filepath.Dir(p) == top || filepath.Clean(p) == filepath.Clean(c.Dockerfile) || slices.Contains(sibs, p) {
					continue
				}
				parts := strings.Split(filepath.Dir(rel), string(filepath.Separator))
				if len(parts) > 3 || slices.ContainsFunc(parts, func(d string) bool { return strings.HasPrefix(d, ".") || SkipDir(d) }) {
					continue // as the walk below: three levels down, no hidden or skipped folder
				}
				out = append(out, p)
			}
			return out
		}
	}
	filepath.WalkDir(c.Dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		rel, _ := filepath.Rel(c.Dir, p)
		if d.IsDir() {
			name := d.Name()
			if rel != "." && (strings.HasPrefix(name, ".") || SkipDir(name) || strings.Count(rel, string(filepath.Separator)) >= 3) {
				return fs.SkipDir
			}
			return nil
		}
		if filepath.Dir(p) != filepath.Clean(c.Dir) && d.Type().IsRegular() && IsDockerfile(d.Name()) && filepath.Clean(p) != filepath.Clean(c.Dockerfile) && !slices.Contains(sibs, p) {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// ComposeFiles are the names of Compose files Composed reads.
var ComposeFiles = []string{"compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml"}

// Composed lists the Dockerfiles that a Compose file in the context's folder builds with
// that folder as their context (build: {context: ., dockerfile: docker/Dockerfile.dev}),
// as paths on disk. The file is scanned by lines, not parsed: a dockerfile: key counts when
// the context: key next to it, if any, names the folder itself.
func (c *Context) Composed() []string { return c.once("composed", c.composed) }

func (c *Context) composed() []string {
	if c.Dir == "" {
		return nil
	}
	var out []string
	for _, name := range ComposeFiles {
		p := filepath.Join(c.Dir, name)
		if c.walk != nil {
			if exists, ok := c.walk.Known(p); ok && !exists {
				continue
			}
		}
		data, err := ReadRegular(p, 1<<20)
		if err != nil || len(data) > 1<<20 {
			continue
		}
		lines := strings.Split(string(data), "\n")
		for i, l := range lines {
			key, val, ok := strings.Cut(strings.TrimSpace(l), ":")
			if !ok || key != "dockerfile" {
				continue
			}
			val = strings.Trim(strings.TrimSpace(val), `"'`)
			indent := len(l) - len(strings.TrimLeft(l, " "))
			ctxOK := true
			for j := max(0, i-6); j < min(len(lines), i+7); j++ {
				lj := lines[j]
				k, v, ok := strings.Cut(strings.TrimSpace(lj), ":")
				if ok && k == "context" && len(lj)-len(strings.TrimLeft(lj, " ")) == indent {
					v = strings.Trim(strings.TrimSpace(v), `"'`)
					ctxOK = v == "." || v == "./"
				}
			}
			if p := filepath.Join(c.Dir, filepath.FromSlash(val)); ctxOK && val != "" && !strings.Contains(val, "$") && !slices.Contains(out, p) && filepath.Clean(p) != filepath.Clean(c.Dockerfile) {
				out = append(out, p)
			}
		}
	}
	return out
}

// OwnIgnore reports whether the ignore file in effect is the Dockerfile's own
// (<Dockerfile>.dockerignore), which no other build reads.
func (c *Context) OwnIgnore() bool {
	return c.Dockerfile != "" && filepath.Clean(c.IgnorePath) == filepath.Clean(c.Dockerfile+".dockerignore")
}
