package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"

	"github.com/spf13/cobra"

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
	noSyntax           bool
	context            string
	format             format
}

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
	fl.BoolVar(&ff.check, "check", false, "write nothing; list the files that would change and exit 1 if any")
	fl.BoolVarP(&ff.list, "list", "l", false, "print only the names of the files that would change")
	fl.StringVar(&ff.context, "context", "", "build context of a single Dockerfile (default: the Dockerfile's folder)")
	fl.BoolVar(&ff.unsafe, "unsafe-fixes", false, "also apply fixes that may change the built image")
	fl.BoolVar(&ff.noMounts, "no-mounts", false, "add no cache mounts, only reorder (kaniko, old engines)")
	fl.BoolVar(&ff.noSyntax, "no-syntax", false, "add no # syntax directive")
	fl.Var(&ff.format, "format", "report format: text or json")
	fix.MarkFlagsMutuallyExclusive("write", "check")

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
}

type sourceEdit struct {
	Before int `json:"before"`
	After  int `json:"after"`
}

func runFix(ff *fixFlags, paths []string, stdout, stderr io.Writer) int {
	if len(paths) == 0 {
		paths = []string{"."}
	}
	cwd, _ := os.Getwd()
	files, errs := findDockerfiles(paths)
	status := exitOK
	raise := func(s int) {
		if s > status {
			status = s
		}
	}
	for _, err := range errs {
		fmt.Fprintf(stderr, "cachefix: %v\n", err)
		raise(exitFailed)
	}
	if ff.context != "" && len(files) > 1 {
		fmt.Fprintf(stderr, "cachefix: --context names the build context of a single Dockerfile, but %d were found\n", len(files))
		return exitFailed
	}
	opts := rewrite.Options{NoMounts: ff.noMounts, NoSyntax: ff.noSyntax, Unsafe: ff.unsafe}
	overlay := detect.Overlay{}
	enc := json.NewEncoder(stdout)
	withheld := 0
	for _, path := range files {
		rel := relPath(cwd, path)
		rep := fileReport{Path: rel, Findings: []rewrite.Outcome{}}
		changed, err := fixFile(ff, opts, path, rel, overlay, &rep, stdout, stderr)
		if err != nil {
			rep.Error = err.Error()
			fmt.Fprintf(stderr, "cachefix: %v\n", err)
			raise(exitFailed)
		}
		rep.Changed = changed
		if changed && ff.check {
			raise(exitPending)
		}
		for _, o := range rep.Findings {
			if o.Skipped != "" && o.Applicability == rewrite.Unsafe {
				withheld++
			}
		}
		if ff.format == formatJSON {
			_ = enc.Encode(rep)
		}
	}
	if withheld > 0 && ff.format == formatText {
		fmt.Fprintf(stderr, "cachefix: %d unsafe fix(es) withheld; --unsafe-fixes applies them\n", withheld)
	}
	return status
}

// fixFile fixes one Dockerfile; it reports whether it changes (or changed).
func fixFile(ff *fixFlags, opts rewrite.Options, path, rel string, overlay detect.Overlay, rep *fileReport, stdout, stderr io.Writer) (bool, error) {
	st, err := os.Lstat(path)
	if err != nil {
		return false, err
	}
	if !st.Mode().IsRegular() {
		return false, fmt.Errorf("%s: not a regular file", rel)
	}
	src, err := os.ReadFile(path)
	if err != nil {
		return false, err
	}
	ctxDir := ff.context
	if ctxDir == "" {
		ctxDir = filepath.Dir(path)
	}
	ctx, err := detect.Load(ctxDir, path, overlay)
	if err != nil {
		return false, fmt.Errorf("%s: %w", rel, err)
	}
	res, err := rewrite.Run(rel, src, ctx, opts, rewrite.All())
	if err != nil {
		return false, err
	}
	if res.Outcomes != nil {
		rep.Findings = res.Outcomes
	}
	rep.SourceEdit = &sourceEdit{Before: res.SourceEdit.Before, After: res.SourceEdit.After}
	changed := res.Changed(src)
	cwd, _ := os.Getwd()
	ignoreRel := relPath(cwd, ctx.IgnorePath)
	if len(res.Ignore) > 0 {
		rep.IgnoreFile, rep.IgnoreAdded = ignoreRel, res.Ignore
	}
	if ff.format == formatText {
		for _, o := range res.Outcomes {
			switch {
			case o.Declined != "":
				fmt.Fprintf(stderr, "%s:%d: %s: %s (%s)\n", rel, o.Line, o.Rule, o.Message, o.Declined)
			case o.Skipped != "":
				fmt.Fprintf(stderr, "%s:%d: %s: %s (%s: %s)\n", rel, o.Line, o.Rule, o.Message, o.FixMessage, o.Skipped)
			}
		}
	}
	if !changed {
		return false, nil
	}
	if ff.format == formatText && res.SourceEdit.Before != res.SourceEdit.After {
		fmt.Fprintf(stderr, "%s: a source edit reran %d dependency install step(s) before, %d after\n", rel, res.SourceEdit.Before, res.SourceEdit.After)
	}
	if (ff.list || ff.check) && ff.format == formatText {
		fmt.Fprintln(stdout, rel)
	}
	if len(res.Ignore) > 0 {
		overlay[ctx.IgnorePath] = res.IgnoreOutput
	}
	switch {
	case ff.write:
		if err := writeAtomic(path, res.Output); err != nil {
			return true, fmt.Errorf("%s: %w", rel, err)
		}
		if len(res.Ignore) > 0 {
			if err := writeAtomic(ctx.IgnorePath, res.IgnoreOutput); err != nil {
				return true, fmt.Errorf("%s: %w", ignoreRel, err)
			}
		}
	case !ff.list && !ff.check && ff.format == formatText:
		fmt.Fprint(stdout, rewrite.Unified(rel, src, res.Output))
		if len(res.Ignore) > 0 {
			var before []byte
			if ctx.IgnoreExists {
				before = ctx.IgnoreSrc
			}
			fmt.Fprint(stdout, rewrite.Unified(ignoreRel, before, res.IgnoreOutput))
		}
	}
	return true, nil
}

// writeAtomic replaces path with data through a rename, keeping its mode; a new file
// gets 0644. It refuses anything but a regular file.
func writeAtomic(path string, data []byte) error {
	mode := fs.FileMode(0o644)
	if st, err := os.Lstat(path); err == nil {
		if !st.Mode().IsRegular() {
			return fmt.Errorf("refusing to replace %s: not a regular file", path)
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

// isDockerfile reports whether a file name is a Dockerfile's.
func isDockerfile(name string) bool {
	n := strings.ToLower(name)
	for _, ext := range notDockerfile {
		if strings.HasSuffix(n, ext) {
			return false // e.g. Dockerfile.dockerignore, Dockerfile.orig left by patch
		}
	}
	return n == "dockerfile" || n == "containerfile" || strings.HasPrefix(n, "dockerfile.") || strings.HasPrefix(n, "containerfile.") || strings.HasSuffix(n, ".dockerfile")
}

// notDockerfile are endings that make a Dockerfile.* name something else: an ignore
// file, a patch leftover, an editor backup or documentation.
var notDockerfile = []string{".dockerignore", ".orig", ".rej", ".bak", ".swp", ".tmp", "~", ".md", ".txt", ".json", ".yaml", ".yml", ".sh"}

var skipDirs = map[string]bool{".git": true, "node_modules": true, "vendor": true}

// findDockerfiles expands the paths into Dockerfiles, sorted per argument.
func findDockerfiles(paths []string) ([]string, []error) {
	var files []string
	var errs []error
	seen := map[string]bool{}
	add := func(p string) {
		key := filepath.Clean(p)
		if abs, err := filepath.Abs(p); err == nil {
			key = abs
		}
		if !seen[key] {
			seen[key] = true
			files = append(files, p)
		}
	}
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !st.IsDir() {
			add(p)
			continue
		}
		var found []string
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				errs = append(errs, err)
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if d.IsDir() {
				if path != p && skipDirs[d.Name()] {
					return fs.SkipDir
				}
				return nil
			}
			if isDockerfile(d.Name()) && d.Type().IsRegular() {
				found = append(found, path)
			}
			return nil
		})
		if err != nil {
			errs = append(errs, err)
		}
		sort.Strings(found)
		for _, f := range found {
			add(f)
		}
	}
	return files, errs
}

// relPath writes path relative to the working directory, slash-separated.
func relPath(cwd, path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return filepath.ToSlash(path)
	}
	if r, err := filepath.Rel(cwd, abs); err == nil {
		return filepath.ToSlash(r)
	}
	return filepath.ToSlash(path)
}
