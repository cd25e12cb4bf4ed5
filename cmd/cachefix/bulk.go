package main

// bulk.go runs fix over many files: a pool of workers, one job per build context (so the
// Dockerfiles sharing a .dockerignore see each other's changes in a dry run), results
// printed in file order as they complete, a progress line on a terminal, and a summary.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/cachefix/cachefix/detect"
	"github.com/cachefix/cachefix/rewrite"
)

// result is what processing one file produced, printed by the main goroutine.
type result struct {
	idx            int
	stdout, stderr []byte
	report         fileReport
	changed        bool
	failed         bool
	skipped        string // why the file was passed over
	withheld       int
	// patch is the file's diff with paths relative to its repository, for --patch-dir.
	repo, patch string
}

// stats is the end-of-run summary.
type stats struct {
	scanned, changed, fine, errors int
	skipped                        map[string]int
	rules                          map[string]int
}

func runFix(ff *fixFlags, paths []string, stdout, stderr io.Writer) int {
	if len(paths) == 0 {
		paths = []string{"."}
	}
	for _, pat := range append(append([]string(nil), ff.include...), ff.exclude...) {
		if !doublestar.ValidatePattern(pat) {
			fmt.Fprintf(stderr, "cachefix: bad glob %q\n", pat)
			return exitFailed
		}
	}
	if ff.jobs < 1 {
		fmt.Fprintf(stderr, "cachefix: --jobs must be at least 1\n")
		return exitFailed
	}
	files, walk, errs := findDockerfiles(paths, ff.include, ff.exclude)
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
	if ff.context != "" && files.Len() > 1 {
		fmt.Fprintf(stderr, "cachefix: --context names the build context of a single Dockerfile, but %d were found\n", files.Len())
		return exitFailed
	}
	cwd, _ := os.Getwd()
	cfgs := newConfigs()

	// One job per build context, in the order the contexts first appear: a job is its first
	// file, and nextInJob links each file to the next one of its context (-1 for none), which
	// takes 8 bytes a file where a slice per job would take 32.
	var jobs []int32
	nextInJob := make([]int32, files.Len())
	last := map[string]int32{}
	for i := range files.Len() {
		dir := filepath.Dir(files.At(i).abs) // one job per folder, however it was named
		if ff.context != "" {
			dir = mustAbs(ff.context)
		}
		nextInJob[i] = -1
		if j, ok := last[dir]; ok {
			nextInJob[j] = int32(i)
		} else {
			jobs = append(jobs, int32(i))
		}
		last[dir] = int32(i)
	}
	last = nil
	jobCh := make(chan int32)
	resCh := make(chan result, 64)
	var wg sync.WaitGroup
	for w := 0; w < ff.jobs && w < len(jobs); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for job := range jobCh {
				overlay := detect.Overlay{}
				for i := job; i >= 0; i = nextInJob[i] {
					resCh <- processFile(ff, cfgs, files.At(int(i)), int(i), cwd, overlay, walk)
				}
			}
		}()
	}
	go func() {
		for _, j := range jobs {
			jobCh <- j
		}
		close(jobCh)
		wg.Wait()
		close(resCh)
	}()

	st := stats{skipped: map[string]int{}, rules: map[string]int{}}
	var sarif *sarifWriter
	if ff.format == formatSARIF {
		sarif = newSARIF(stdout)
	}
	patches := map[string]*strings.Builder{}
	var repoOrder []string
	progress := newProgress(stderr, files.Len(), ff.quiet)
	enc := json.NewEncoder(stdout)
	pending := map[int]result{}
	next, withheld := 0, 0
	for r := range resCh {
		pending[r.idx] = r
		for {
			r, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			progress.clear()
			if len(r.stdout) > 0 { // an empty write is still a system call
				stdout.Write(r.stdout)
			}
			if len(r.stderr) > 0 {
				stderr.Write(r.stderr)
			}
			st.scanned++
			withheld += r.withheld
			switch {
			case r.failed:
				st.errors++
				raise(exitFailed)
			case r.skipped != "":
				st.skipped[r.skipped]++
			case r.changed:
				st.changed++
				if ff.check {
					raise(exitPending)
				}
			default:
				st.fine++
			}
			for _, o := range r.report.Findings {
				if o.Applied {
					st.rules[o.Rule]++
				}
			}
			switch ff.format {
			case formatJSON:
				_ = enc.Encode(r.report)
			case formatSARIF:
				sarif.add(r.report)
			}
			if r.patch != "" {
				b, ok := patches[r.repo]
				if !ok {
					b = &strings.Builder{}
					patches[r.repo] = b
					repoOrder = append(repoOrder, r.repo)
				}
				b.WriteString(r.patch)
			}
			progress.update(st.scanned)
		}
	}
	progress.clear()
	if sarif != nil {
		sarif.close()
	}
	if ff.patchDir != "" {
		if err := writePatches(ff.patchDir, repoOrder, patches); err != nil {
			fmt.Fprintf(stderr, "cachefix: %v\n", err)
			raise(exitFailed)
		}
	}
	if withheld > 0 && ff.format == formatText && !ff.quiet {
		fmt.Fprintf(stderr, "cachefix: %d unsafe fix(es) withheld; --unsafe-fixes applies them\n", withheld)
	}
	if !ff.quiet && ff.format == formatText && st.scanned > 1 && (st.changed > 0 || st.errors > 0) {
		fmt.Fprintln(stderr, st.summary())
	}
	return status
}

// summary renders the end-of-run line.
func (st stats) summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "cachefix: %d file(s) scanned: %d with changes, %d already fine", st.scanned, st.changed, st.fine)
	if len(st.skipped) > 0 {
		var parts []string
		n := 0
		for why, c := range st.skipped {
			n += c
			parts = append(parts, fmt.Sprintf("%d %s", c, why))
		}
		sort.Strings(parts)
		fmt.Fprintf(&b, ", %d skipped (%s)", n, strings.Join(parts, ", "))
	}
	fmt.Fprintf(&b, ", %d error(s)", st.errors)
	if len(st.rules) > 0 {
		var names []string
		for r := range st.rules {
			names = append(names, r)
		}
		sort.Strings(names)
		var parts []string
		for _, r := range names {
			parts = append(parts, fmt.Sprintf("%s %d", r, st.rules[r]))
		}
		fmt.Fprintf(&b, "; fixes: %s", strings.Join(parts, ", "))
	}
	return b.String()
}

// processFile fixes one Dockerfile and renders what is to be printed for it.
func processFile(ff *fixFlags, cfgs *configs, f found, idx int, cwd string, overlay detect.Overlay, walk *seen) result {
	rel := relPath(cwd, f.abs)
	r := result{idx: idx, report: fileReport{Path: rel, Findings: []rewrite.Outcome{}}}
	var out, errb bytes.Buffer
	fail := func(err error) result {
		r.failed = true
		r.report.Error = err.Error()
		fmt.Fprintf(&errb, "cachefix: %v\n", err)
		r.stdout, r.stderr = out.Bytes(), errb.Bytes()
		return r
	}
	// What the walk saw of the Dockerfile's folder, which is also the build context unless
	// --context names another.
	var known existsFunc
	var ctxWalk detect.Walk
	if f.walked {
		w := &fileWalk{walk, filepath.Dir(f.abs), f.dir}
		known = w.Known
		if ff.context == "" {
			ctxWalk = w
		}
	}
	cfg, err := cfgs.find(filepath.Dir(f.abs), known)
	if err != nil {
		return fail(err)
	}
	set := resolve(cfg, f.abs, ff)
	if set.ignored {
		r.skipped = "ignored by " + configName
		r.report.Skipped = r.skipped
		return r
	}
	src, err := readDockerfile(f.abs, rel, f.walked)
	if err != nil {
		return fail(err)
	}
	ctxDir := filepath.Dir(f.abs)
	if ff.context != "" {
		ctxDir = absIn(cwd, ff.context) // paths in a context are absolute, as the Dockerfile's
	}
	ctx, err := detect.LoadKnown(ctxDir, f.abs, overlay, ctxWalk)
	if err != nil {
		return fail(fmt.Errorf("%s: %w", rel, relErrorPaths(err, cwd)))
	}
	opts := set.opts
	switch {
	case ff.format == formatJSON:
		opts.Model = rewrite.ModelAll // every report carries the counts
	case ff.format == formatText && !ff.quiet:
		opts.Model = rewrite.ModelChanged // printed for the files that change
	default:
		opts.Model = rewrite.ModelNone
	}
	// --check and --list print only names and notes: the rules run once, like a linter's
	// report of fixable findings; a run that writes or prints the output checks it.
	opts.Verdict = (ff.check || ff.list) && !ff.write && ff.patchDir == "" && ff.format == formatText
	res, err := rewrite.Run(rel, src, ctx, opts, set.rules)
	if err != nil {
		var re *rewrite.Error
		if !errors.As(err, &re) {
			err = fmt.Errorf("%s: %w", rel, err)
		}
		return fail(err)
	}
	if res.Outcomes != nil {
		r.report.Findings = res.Outcomes
	}
	changed := res.Changed(src)
	r.report.SourceEdit = &sourceEdit{Before: res.SourceEdit.Before, After: res.SourceEdit.After}
	r.changed = changed
	r.report.Changed = changed
	ignoreRel := relPath(cwd, ctx.IgnorePath)
	if len(res.Ignore) > 0 {
		r.report.IgnoreFile, r.report.IgnoreAdded = ignoreRel, res.Ignore
	}
	for _, o := range res.Outcomes {
		if o.Skipped != "" && o.Applicability == rewrite.Unsafe {
			r.withheld++
		}
	}
	// Notes (declined and withheld fixes) are for files that change; quiet otherwise, as
	// bulk runs over migrated repositories must be.
	if ff.format == formatText && !ff.quiet && (changed || ff.verbose) {
		for _, o := range res.Outcomes {
			switch {
			case o.Declined != "":
				fmt.Fprintf(&errb, "%s:%d: %s: %s (%s)\n", rel, o.Line, o.Rule, o.Message, o.Declined)
			case o.Skipped != "":
				fmt.Fprintf(&errb, "%s:%d: %s: %s (%s: %s)\n", rel, o.Line, o.Rule, o.Message, o.FixMessage, o.Skipped)
			}
		}
	}
	if !changed {
		r.stdout, r.stderr = out.Bytes(), errb.Bytes()
		return r
	}
	if ff.format == formatText && !ff.quiet && len(res.Ignore) > 0 {
		scope := "; this applies to every Dockerfile that uses this context"
		if ctx.OwnIgnore() {
			scope = ""
		}
		fmt.Fprintf(&errb, "%s: %s gains %s, so host files cannot overwrite the install%s\n", rel, ignoreRel, strings.Join(res.Ignore, ", "), scope)
	}
	if ff.format == formatText && !ff.quiet && res.SourceEdit.Before != res.SourceEdit.After {
		fmt.Fprintf(&errb, "%s: a source edit reran %d dependency install step(s) before, %d after\n", rel, res.SourceEdit.Before, res.SourceEdit.After)
	}
	if (ff.list || ff.check) && ff.format == formatText {
		fmt.Fprintln(&out, rel)
	}
	if len(res.Ignore) > 0 {
		overlay[ctx.IgnorePath] = res.IgnoreOutput
	}
	var ignoreBefore []byte
	if ctx.IgnoreExists {
		ignoreBefore = ctx.IgnoreSrc
	}
	switch {
	case ff.patchDir != "":
		root := repoRoot(f)
		r.repo = root
		r.patch = rewrite.Unified(relPath(root, f.abs), src, res.Output)
		if len(res.Ignore) > 0 {
			r.patch += rewrite.Unified(relPath(root, ctx.IgnorePath), ignoreBefore, res.IgnoreOutput)
		}
	case ff.write && !opts.Verdict: // a verdict's output is unchecked: never written
		// The ignore file first: on its own it changes nothing the original order builds
		// (the install replaced those files anyway), while the reorder needs it.
		if len(res.Ignore) > 0 {
			if err := writeAtomic(ctx.IgnorePath, res.IgnoreOutput); err != nil {
				return fail(fmt.Errorf("%s: %w; %s left untouched", ignoreRel, err, rel))
			}
		}
		if err := writeAtomic(f.abs, res.Output); err != nil {
			return fail(fmt.Errorf("%s: %w", rel, err))
		}
	case !ff.list && !ff.check && ff.format == formatText:
		out.WriteString(rewrite.Unified(rel, src, res.Output))
		if len(res.Ignore) > 0 {
			out.WriteString(rewrite.Unified(ignoreRel, ignoreBefore, res.IgnoreOutput))
		}
	}
	r.stdout, r.stderr = out.Bytes(), errb.Bytes()
	return r
}

// relErrorPaths writes the paths of err's file errors relative to the working directory,
// as the paths of the files themselves are written.
func relErrorPaths(err error, cwd string) error {
	var fe *detect.FileError
	if errors.As(err, &fe) {
		fe.Path = relPath(cwd, fe.Path)
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		pe.Path = relPath(cwd, pe.Path)
	}
	var big *detect.TooBigError
	if errors.As(err, &big) {
		big.Name = relPath(cwd, big.Name)
	}
	return err
}

// repoRoot is the git repository holding a file (the nearest folder with .git), else the
// PATH argument it was found under.
func repoRoot(f found) string {
	for d := filepath.Dir(f.abs); ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, ".git")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	if st, err := os.Stat(f.root); err == nil && !st.IsDir() {
		return filepath.Dir(mustAbs(f.root))
	}
	return mustAbs(f.root)
}

// writePatches writes one patch per repository, named after its folder.
func writePatches(dir string, order []string, patches map[string]*strings.Builder) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	used := map[string]int{}
	for _, root := range order {
		name := filepath.Base(root)
		if name == "." || name == string(filepath.Separator) || name == "" {
			name = "repository"
		}
		used[name]++
		if used[name] > 1 {
			name = fmt.Sprintf("%s-%d", name, used[name])
		}
		path := filepath.Join(dir, name+".patch")
		if err := os.WriteFile(path, []byte(patches[root].String()), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// progress draws "cachefix: N/M files" on a terminal's stderr for runs over 50 files.
type progress struct {
	w     io.Writer
	total int
	on    bool
	last  time.Time
	drawn bool
}

func newProgress(w io.Writer, total int, quiet bool) *progress {
	return &progress{w: w, total: total, on: !quiet && total > 50 && isTerminal(w)}
}

func (p *progress) update(done int) {
	if !p.on || (time.Since(p.last) < 100*time.Millisecond && done < p.total) {
		return
	}
	p.last = time.Now()
	fmt.Fprintf(p.w, "\rcachefix: %d/%d files", done, p.total)
	p.drawn = true
}

func (p *progress) clear() {
	if p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.drawn = false
	}
}

// isTerminal reports whether w is a character device.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
