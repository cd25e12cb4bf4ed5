package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"sort"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/cachefix/cachefix/detect"
	"github.com/cachefix/cachefix/rewrite"
)

const version = "0.1.0"

// Exit statuses, as in ruff and gofmt.
const (
	exitOK      = 0 // nothing pending, or all written
	exitPending = 1 // --check: something would change
	exitFailed  = 2 // a file could not be processed, or bad usage
)

type fixFlags struct {
	write, check, list bool
	unsafe, noMounts   bool
	noSyntax, quiet    bool
	verbose            bool
	context            string
	format             format
	jobs               int
	include, exclude   []string
	patchDir           string

	flags *pflag.FlagSet
}

// changed reports whether a flag was set on the command line (it then wins over the
// configuration file).
func (ff *fixFlags) changed(name string) bool { return ff.flags != nil && ff.flags.Changed(name) }

// run executes the command line and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	status := exitOK
	root := &cobra.Command{
		Use:           "cachefix",
		Short:         "Rewrite Dockerfiles so that dependency installs stay cached",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetArgs(args)

	ff := &fixFlags{format: formatText}
	fix := &cobra.Command{
		Use:   "fix [flags] [PATH...]",
		Short: "Rewrite Dockerfiles for cache reuse (a diff by default)",
		Long: `Rewrite Dockerfiles so that dependency installs stay cached: copy manifests before
installs, mount package managers' download caches, and move steps that read no source
above the source copy.

PATH is a Dockerfile or a folder searched for Dockerfile, Dockerfile.*, *.Dockerfile and
Containerfile (any case; .git, node_modules and vendor are skipped). Default: ".".

With no flag, fix prints a unified diff that git apply and patch -p1 accept.

Exit status: 0 nothing pending (or all written); 1 with --check when a file would change;
2 when a file could not be processed (the others are still done) or the usage is wrong.`,
		RunE: func(cmd *cobra.Command, paths []string) error {
			status = runFix(ff, paths, stdout, stderr)
			return nil
		},
	}
	fl := fix.Flags()
	fl.BoolVarP(&ff.write, "write", "w", false, "rewrite the files in place")
	fl.BoolVar(&ff.check, "check", false, "write nothing; list the files that would change and exit 1 if any (the rules run once)")
	fl.BoolVarP(&ff.list, "list", "l", false, "print only the names of the files that would change")
	fl.StringVar(&ff.context, "context", "", "build context of a single Dockerfile (default: the Dockerfile's folder)")
	fl.BoolVar(&ff.unsafe, "unsafe-fixes", false, "also apply fixes that may change the built image")
	fl.BoolVar(&ff.noMounts, "no-mounts", false, "add no cache mounts, only reorder (kaniko, old engines)")
	fl.BoolVar(&ff.noSyntax, "no-syntax", false, "add no # syntax directive")
	fl.Var(&ff.format, "format", "report format: text, json (one object per file) or sarif (SARIF 2.1.0)")
	fl.IntVar(&ff.jobs, "jobs", runtime.NumCPU(), "files processed in parallel")
	fl.BoolVarP(&ff.quiet, "quiet", "q", false, "no progress line, no summary and no notes")
	fl.BoolVarP(&ff.verbose, "verbose", "v", false, "also print the notes (declined and withheld fixes) of files that do not change")
	fl.StringArrayVar(&ff.include, "include", nil, "only Dockerfiles matching this glob, relative to each PATH (repeatable)")
	fl.StringArrayVar(&ff.exclude, "exclude", nil, "skip Dockerfiles matching this glob, relative to each PATH (repeatable)")
	fl.StringVar(&ff.patchDir, "patch-dir", "", "write one git-apply-able patch per repository into DIR instead of changing files")
	ff.flags = fl
	fix.MarkFlagsMutuallyExclusive("write", "check")
	fix.MarkFlagsMutuallyExclusive("write", "patch-dir")
	fix.MarkFlagsMutuallyExclusive("quiet", "verbose")

	rules := &cobra.Command{
		Use:   "rules",
		Short: "List the rules",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			for _, r := range rewrite.All() {
				fmt.Fprintf(stdout, "%-16s %-7s %s\n", r.Name, r.Default, r.Title())
			}
		},
	}
	ver := &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			v := version
			if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
				v = bi.Main.Version
			}
			fmt.Fprintf(stdout, "cachefix %s\n", v)
		},
	}
	root.AddCommand(fix, newExplainCmd(stdout, stderr, &status), rules, ver)
	if err := root.Execute(); err != nil {
		fmt.Fprintf(stderr, "cachefix: %v\n", err)
		return exitFailed
	}
	return status
}

// fileReport is one file's entry in --format json.
type fileReport struct {
	Path     string            `json:"path"`
	Changed  bool              `json:"changed"`
	Error    string            `json:"error,omitempty"`
	Findings []rewrite.Outcome `json:"findings"`
	// IgnoreFile and IgnoreAdded say which ignore file gains which entries.
	IgnoreFile  string   `json:"ignore_file,omitempty"`
	IgnoreAdded []string `json:"ignore_added,omitempty"`
	// SourceEdit counts the dependency install steps an edit of one source file reruns,
	// before and after the fix.
	SourceEdit *sourceEdit `json:"source_edit_installs,omitempty"`
	// Skipped says why the file was passed over (a .cachefix.yaml ignore glob).
	Skipped string `json:"skipped,omitempty"`
}

type sourceEdit struct {
	Before int `json:"before"`
	After  int `json:"after"`
}

// writeAtomic replaces path with data through a rename, keeping its mode; a new file
// gets 0644. It refuses anything but a regular file.
func writeAtomic(path string, data []byte) error {
	mode := fs.FileMode(0o644)
	if st, err := os.Lstat(path); err == nil {
		if !st.Mode().IsRegular() {
			return fmt.Errorf("refusing to replace a file that is not a regular one (a link, a pipe)")
		}
		mode = st.Mode().Perm()
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".cachefix-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// found is a Dockerfile (its absolute path) and the PATH argument it was found under;
// walked is true when a folder walk found it (a regular file then).
type found struct {
	abs, root string
	walked    bool
	// dir is what the walk saw of the Dockerfile's folder.
	dir folder
}

// seen is what a walk saw of the whole tree: the PATH arguments it walked without error,
// and every Dockerfile in them (Siblings and Nested of detect.Walk). What it saw of each
// Dockerfile's own folder travels with the file (found.dir, fileWalk). Written by the
// walk, then only read.
type seen struct {
	roots []string
	// dockerfiles are the paths of every Dockerfile the walk saw, as spans of paths,
	// sorted; --include and --exclude do not apply.
	dockerfiles []span
	paths       string
}

// span is a substring of a list's paths: kept as numbers, the list holds no pointer per
// file, which the collector would otherwise follow at each cycle of a long run.
type span struct{ off, n uint32 }

func (s span) of(paths string) string { return paths[s.off : s.off+s.n] }

// foundList is what a search found: the Dockerfiles in order, their paths in one string.
type foundList struct {
	paths string
	roots []string
	items []foundItem
}

type foundItem struct {
	path   span
	root   uint32 // index in roots
	walked bool
	dir    folder
}

// Len is the number of Dockerfiles found.
func (l *foundList) Len() int { return len(l.items) }

// At is the i-th Dockerfile found.
func (l *foundList) At(i int) found {
	it := &l.items[i]
	return found{abs: it.path.of(l.paths), root: l.roots[it.root], walked: it.walked, dir: it.dir}
}

// fileWalk is what the walk saw, for one Dockerfile it found (detect.Walk): its folder's
// record answers for the files of that folder, in 40 bytes a Dockerfile where a listing
// would keep every name.
type fileWalk struct {
	*seen
	dir string
	f   folder
}

// folder is what the walk keeps of a folder: which watched files it holds, and a filter
// of all its entries' names.
type folder struct {
	// names is a Bloom filter of the entries' names (two bits of 256 per name): a name
	// whose bits are not all set is not in the folder, so asking for a missing manifest
	// costs no system call. Set for a folder holding a Dockerfile, of at most 64 entries.
	names    nameFilter
	filtered bool
	// has holds the watched files present under their exact name (regular files and
	// folders, by their index in watchedNames; bit 7: another *.dockerignore); near, the
	// watched names present in any case or as a link. A name outside near is surely
	// missing, even on a file system that ignores case; one in near but not in has is
	// for a stat to tell.
	has, near uint8
}

// watchedNames are the files the walk notes in every folder: ignore files, the config
// file, .git, Compose files. Other *.dockerignore files share one bit.
var watchedNames = append([]string{".dockerignore", configName, ".git"}, detect.ComposeFiles...)

const otherIgnore = 1 << 7

// watchedBit is name's bit in folder.has, or 0.
func watchedBit(name string) uint8 {
	switch name[0] {
	case '.', 'c', 'd': // how every watched name starts: most names need no comparison
		if i := slices.Index(watchedNames, name); i >= 0 {
			return 1 << i
		}
	}
	if strings.HasSuffix(name, ".dockerignore") {
		return otherIgnore
	}
	return 0
}

// nameFilter is a Bloom filter of the names in a folder.
type nameFilter [4]uint64

func filterBits(name string) (uint, uint) {
	h := uint64(14695981039346656037) // FNV-1a
	for i := 0; i < len(name); i++ {
		h ^= uint64(name[i])
		h *= 1099511628211
	}
	return uint(h & 255), uint(h >> 8 & 255)
}

// The filter holds names in lower case, so that its "not there" holds on a file system
// that ignores case too.
func (f *nameFilter) add(name string) {
	a, b := filterBits(lowerASCII(name))
	f[a>>6] |= 1 << (a & 63)
	f[b>>6] |= 1 << (b & 63)
}

func (f *nameFilter) mayHold(name string) bool {
	a, b := filterBits(lowerASCII(name))
	return f[a>>6]&(1<<(a&63)) != 0 && f[b>>6]&(1<<(b&63)) != 0
}

// lowerASCII lower-cases ASCII letters, allocating only for a name that has upper-case
// ones.
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			return strings.ToLower(s)
		}
	}
	return s
}

// Lookup answers from the filter of dir's names when name is surely not in dir; known is
// false otherwise (it may be there: a stat tells).
func (w fileWalk) Lookup(dir, name string) (exists, isDir, known bool) {
	if dir == w.dir && w.f.filtered && !w.f.names.mayHold(name) {
		return false, false, true
	}
	return false, false, false
}

// covered reports whether the walk saw all of folder dir (absolute, clean): it is under
// a PATH argument walked without error, and not in a folder the walk skips.
func (s *seen) covered(dir string) bool {
	if s == nil {
		return false
	}
	for _, r := range s.roots {
		if dir != r && !strings.HasPrefix(dir, withSeparator(r)) {
			continue
		}
		for part := range strings.SplitSeq(strings.TrimPrefix(dir, r), string(filepath.Separator)) {
			if detect.SkipDir(part) {
				return false
			}
		}
		return true
	}
	return false
}

// Known answers whether path exists, for a watched file in the Dockerfile's folder; ok is
// false when it cannot tell.
func (w fileWalk) Known(path string) (exists, ok bool) {
	dir, base := filepath.Dir(path), filepath.Base(path)
	bit := watchedBit(base)
	if bit == 0 || dir != w.dir || !w.covered(dir) {
		return false, false
	}
	f := w.f
	switch {
	case f.near&bit == 0:
		return false, true
	case f.has&bit != 0 && bit != otherIgnore:
		return true, true
	case f.filtered && !f.names.mayHold(base):
		return false, true
	}
	return false, false // a link, another case or another *.dockerignore: a stat tells
}

// Dockerfiles lists the Dockerfiles the walk saw under dir, at any depth.
func (s *seen) Dockerfiles(dir string) ([]string, bool) {
	dir = filepath.Clean(dir)
	if !s.covered(dir) {
		return nil, false
	}
	prefix := withSeparator(dir)
	i := sort.Search(len(s.dockerfiles), func(k int) bool { return walkOrder(s.dockerfiles[k].of(s.paths), prefix) >= 0 })
	var out []string
	for j := i; j < len(s.dockerfiles) && strings.HasPrefix(s.dockerfiles[j].of(s.paths), prefix); j++ {
		out = append(out, s.dockerfiles[j].of(s.paths))
	}
	return out, true
}

// withSeparator is dir ending in one path separator ("/" stays "/").
func withSeparator(dir string) string {
	if strings.HasSuffix(dir, string(filepath.Separator)) {
		return dir
	}
	return dir + string(filepath.Separator)
}

// walkOrder compares paths in the order a walk visits them (filepath.WalkDir: a folder's
// entries by name, each folder's files before the next entry): as strings whose separator
// sorts before every other byte.
func walkOrder(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		ca, cb := a[i], b[i]
		if ca == filepath.Separator {
			ca = 0
		}
		if cb == filepath.Separator {
			cb = 0
		}
		if ca != cb {
			return int(ca) - int(cb)
		}
	}
	return len(a) - len(b)
}

// matches reports whether the Dockerfile at abs, found under absRoot, passes the
// --include and --exclude globs, which are relative to the PATH argument.
func matches(include, exclude []string, absRoot, abs string) bool {
	rel, err := filepath.Rel(absRoot, abs)
	if err != nil {
		return true
	}
	rel = filepath.ToSlash(rel)
	for _, pat := range exclude {
		if ok, _ := doublestar.Match(pat, rel); ok {
			return false
		}
	}
	if len(include) == 0 {
		return true
	}
	for _, pat := range include {
		if ok, _ := doublestar.Match(pat, rel); ok {
			return true
		}
	}
	return false
}

// findDockerfiles expands the paths into Dockerfiles, sorted per argument, each once;
// include and exclude are doublestar globs relative to the argument.
func findDockerfiles(paths, include, exclude []string) (*foundList, *seen, []error) {
	list := &foundList{}
	var errs []error
	done := map[string]bool{}
	walk := &seen{}
	var all strings.Builder // every path, found or filtered out: list.paths
	store := func(abs string) span {
		sp := span{uint32(all.Len()), uint32(len(abs))}
		all.WriteString(abs)
		return sp
	}
	cwd, _ := os.Getwd() // once: filepath.Abs asks the system each time
	// add takes a Dockerfile at abs found under PATH argument root (absolute: absRoot),
	// walked or named itself.
	add := func(abs string, sp span, absRoot string, walked bool, dir folder) {
		if done[abs] {
			return
		}
		if walked && len(include)+len(exclude) > 0 && !matches(include, exclude, absRoot, abs) {
			return
		}
		if len(paths) > 1 { // one walk finds each file once
			done[abs] = true
		}
		list.items = append(list.items, foundItem{path: sp, root: uint32(len(list.roots) - 1), walked: walked, dir: dir})
	}
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		list.roots = append(list.roots, p)
		if !st.IsDir() {
			abs := absIn(cwd, p)
			add(abs, store(abs), "", false, folder{})
			continue
		}
		absRoot := absIn(cwd, p)
		complete := true
		type walked struct {
			abs string
			dir folder
		}
		var inDir []walked
		// A walk as filepath.WalkDir makes it (entries in order, a folder's before the
		// next entry), that also keeps a filter of the names of each folder holding a
		// Dockerfile.
		var visit func(dir, absDir string)
		visit = func(dir, absDir string) {
			entries, err := os.ReadDir(dir)
			if err != nil {
				errs = append(errs, err)
				complete = false // a folder it could not read: ask the disk
				return
			}
			var f folder
			var own []int // this folder's Dockerfiles in inDir (a subfolder's come between)
			for _, e := range entries {
				name := e.Name()
				if bit := watchedBit(lowerASCII(name)); bit != 0 {
					f.near |= bit
					if bit == watchedBit(name) && (e.Type().IsRegular() || e.IsDir()) {
						f.has |= bit // a link may dangle: a stat tells
					}
				}
				if e.IsDir() {
					if !detect.SkipDir(name) {
						visit(filepath.Join(dir, name), filepath.Join(absDir, name))
					}
					continue
				}
				if detect.IsDockerfile(name) && e.Type().IsRegular() {
					own = append(own, len(inDir))
					inDir = append(inDir, walked{abs: filepath.Join(absDir, name)})
				}
			}
			if len(own) > 0 && len(entries) <= 64 {
				for _, e := range entries {
					f.names.add(e.Name())
				}
				f.filtered = true
			}
			for _, i := range own {
				inDir[i].dir = f
			}
		}
		visit(p, absRoot)
		if complete {
			walk.roots = append(walk.roots, absRoot)
		}
		byPath := func(a, b walked) int { return strings.Compare(a.abs, b.abs) }
		if !slices.IsSortedFunc(inDir, byPath) { // the walk's order mostly is
			slices.SortFunc(inDir, byPath)
		}
		for _, f := range inDir {
			sp := store(f.abs)
			walk.dockerfiles = append(walk.dockerfiles, sp)
			add(f.abs, sp, absRoot, true, f.dir)
		}
	}
	list.paths = all.String()
	walk.paths = list.paths
	inWalkOrder := func(a, b span) int { return walkOrder(a.of(walk.paths), b.of(walk.paths)) }
	if !slices.IsSortedFunc(walk.dockerfiles, inWalkOrder) {
		slices.SortFunc(walk.dockerfiles, inWalkOrder)
	}
	return list, walk, errs
}

// relPath writes path relative to folder base (absolute), slash-separated.
func relPath(base, path string) string {
	abs, err := filepath.Abs(path) // no system call for an absolute path
	if err != nil {
		return filepath.ToSlash(path)
	}
	if r, err := filepath.Rel(base, abs); err == nil {
		return filepath.ToSlash(r)
	}
	return filepath.ToSlash(path)
}

// absIn makes path absolute against the working directory cwd (filepath.Abs would ask
// the system for it each time), cleaned.
func absIn(cwd, path string) string {
	if filepath.IsAbs(path) || cwd == "" {
		return filepath.Clean(path)
	}
	return filepath.Join(cwd, path)
}
