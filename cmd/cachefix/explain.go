package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cachefix/cachefix/detect"
	"github.com/cachefix/cachefix/rewrite"
)

type explainFlags struct {
	context string
	changed []string
	since   string
	history int
	format  format
}

// explainReport is what explain prints for one Dockerfile.
type explainReport struct {
	Path      string           `json:"path"`
	Scenarios []scenarioReport `json:"scenarios"`
	History   *historyReport   `json:"history,omitempty"`
}

type scenarioReport struct {
	rewrite.Scenario
	Steps []rewrite.Step `json:"steps"`
	// Installs counts the dependency install steps that rerun.
	Installs int `json:"installs_rerun"`
}

type historyReport struct {
	Commits int `json:"commits"`
	// Before and After count the commits whose changes would rerun a dependency install,
	// with the file as it is and as fix would make it.
	Before int      `json:"installs_rerun_before"`
	After  int      `json:"installs_rerun_after"`
	Labels []string `json:"installs"`
}

func newExplainCmd(stdout, stderr io.Writer, status *int) *cobra.Command {
	ef := &explainFlags{format: formatText}
	cmd := &cobra.Command{
		Use:   "explain [flags] DOCKERFILE",
		Short: "Show which steps an edit rebuilds, from the Dockerfile and its context alone",
		Long: `Model Docker's build cache: a step is reused unless a COPY/ADD from the context copies a
changed file (after .dockerignore), a bind mount from the context sees a change, or an
earlier step of its stage (or the stage it builds on, or a COPY --from source) was rebuilt.

With no --changed or --since, two scenarios are shown: an edit of one source file, and an
edit of each manifest. --history N replays the files changed by each of the last N commits
that touch the context, before and after what fix would make of the file.`,
		Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			if ef.format == formatSARIF {
				return fmt.Errorf("explain has no SARIF report: use --format text or json")
			}
			*status = runExplain(ef, args[0], stdout, stderr)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&ef.context, "context", "", "build context (default: the Dockerfile's folder)")
	fl.StringArrayVar(&ef.changed, "changed", nil, "a changed file, relative to the context (repeatable)")
	fl.StringVar(&ef.since, "since", "", "take the changed files from git diff --name-only REV")
	fl.IntVar(&ef.history, "history", 0, "replay the changes of the last N commits that touch the context")
	fl.Var(&ef.format, "format", "report format: text or json")
	cmd.MarkFlagsMutuallyExclusive("changed", "since")
	return cmd
}

func runExplain(ef *explainFlags, path string, stdout, stderr io.Writer) int {
	fail := func(err error) int {
		fmt.Fprintf(stderr, "cachefix: %v\n", err)
		return exitFailed
	}
	src, err := readDockerfile(path, path, false)
	if err != nil {
		return fail(err)
	}
	if err := rewrite.CheckInput(path, src); err != nil {
		return fail(err) // binary junk: say so, not BuildKit's parse error
	}
	ctxDir := ef.context
	if ctxDir == "" {
		ctxDir = filepath.Dir(path)
	}
	ctx, err := detect.Load(ctxDir, path, nil)
	if err != nil {
		return fail(fmt.Errorf("%s: %w", path, err))
	}
	f, err := rewrite.Parse(path, src)
	if err != nil {
		return fail(err)
	}
	rep := explainReport{Path: path}
	var scenarios []rewrite.Scenario
	switch {
	case len(ef.changed) > 0:
		scenarios = []rewrite.Scenario{{Name: "edit " + strings.Join(ef.changed, ", "), Changed: ef.changed}}
	case ef.since != "":
		files, err := gitLines(ctxDir, "diff", "--name-only", "--relative", ef.since, "--")
		if err != nil {
			return fail(err)
		}
		scenarios = []rewrite.Scenario{{Name: "changes since " + ef.since, Changed: files}}
	default:
		scenarios = rewrite.DefaultScenarios(ctx, path)
	}
	for _, sc := range scenarios {
		steps := f.Simulate(ctx, sc.Changed)
		n := 0
		for _, s := range steps {
			if s.Rebuilt && len(s.Install) > 0 {
				n++
			}
		}
		rep.Scenarios = append(rep.Scenarios, scenarioReport{Scenario: sc, Steps: steps, Installs: n})
	}
	if ef.history > 0 {
		h, err := replayHistory(path, src, f, ctx, ctxDir, ef.history)
		if err != nil {
			return fail(err)
		}
		rep.History = h
	}
	if ef.format == formatJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(rep)
		return exitOK
	}
	printExplain(stdout, rep, colorOK(stdout))
	return exitOK
}

// replayHistory counts, over the last n commits touching the context, the builds that
// would rerun a dependency install, for the file as it is and as fix would make it.
func replayHistory(path string, src []byte, f *rewrite.File, ctx *detect.Context, ctxDir string, n int) (*historyReport, error) {
	lines, err := gitLines(ctxDir, "log", fmt.Sprintf("-n%d", n), "--format=@%H", "--name-only", "--relative", "--", ".")
	if err != nil {
		return nil, err
	}
	var commits [][]string
	for _, l := range lines {
		if strings.HasPrefix(l, "@") {
			commits = append(commits, nil)
			continue
		}
		if l != "" && len(commits) > 0 {
			commits[len(commits)-1] = append(commits[len(commits)-1], l)
		}
	}
	h := &historyReport{Commits: len(commits)}
	fixed := f
	fixedCtx := ctx
	// What fix would make of the file: with the .cachefix.yaml that applies to it.
	set := settings{rules: rewrite.All()}
	if cfg, err := newConfigs().find(filepath.Dir(path), nil); err == nil {
		set = resolve(cfg, path, &fixFlags{})
	}
	if res, err := rewrite.Run(path, src, ctx, set.opts, set.rules); err == nil {
		if out, err := rewrite.Parse(path, res.Output); err == nil {
			fixed = out
		}
		if len(res.Ignore) > 0 {
			if c, err := detect.New(ctx.FS, res.IgnoreOutput); err == nil {
				fixedCtx = c
			}
		}
	}
	for _, changed := range commits {
		if reruns(f.Simulate(ctx, changed), &h.Labels) {
			h.Before++
		}
		if reruns(fixed.Simulate(fixedCtx, changed), nil) {
			h.After++
		}
	}
	return h, nil
}

func reruns(steps []rewrite.Step, labels *[]string) bool {
	any := false
	for _, s := range steps {
		if s.Rebuilt && len(s.Install) > 0 {
			any = true
			if labels != nil {
				for _, l := range s.Install {
					if !slices.Contains(*labels, l) {
						*labels = append(*labels, l)
					}
				}
			}
		}
	}
	return any
}

func gitLines(dir string, args ...string) ([]string, error) {
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(errb.String())
		if i := strings.IndexByte(msg, '\n'); i >= 0 {
			msg = msg[:i] // git's first line says what went wrong; the rest is usage
		}
		return nil, fmt.Errorf("git %s in %s: %v: %s", strings.Join(args, " "), dir, err, msg)
	}
	var lines []string
	for _, l := range strings.Split(out.String(), "\n") {
		lines = append(lines, strings.TrimSpace(l))
	}
	return lines, nil
}

// colorOK reports whether w is a terminal that wants colour (NO_COLOR unset, TERM not dumb).
func colorOK(w io.Writer) bool {
	return isTerminal(w) && os.Getenv("NO_COLOR") == "" && os.Getenv("TERM") != "dumb"
}

func printExplain(w io.Writer, rep explainReport, color bool) {
	paint := func(code, s string) string {
		if !color {
			return s
		}
		return "\x1b[" + code + "m" + s + "\x1b[0m"
	}
	fmt.Fprintf(w, "%s\n", rep.Path)
	for _, sc := range rep.Scenarios {
		fmt.Fprintf(w, "\n%s: %d dependency install step(s) rerun\n", sc.Name, sc.Installs)
		width := 0
		for _, s := range sc.Steps {
			if len(s.Text) > width {
				width = len(s.Text)
			}
		}
		if width > 60 {
			width = 60
		}
		for _, s := range sc.Steps {
			state := paint("32", "cached ")
			if s.Rebuilt {
				state = paint("33", "rebuilt")
			}
			mark := "  "
			if len(s.Install) > 0 {
				mark = "* "
			}
			text := s.Text
			if len(text) > width {
				text = text[:width-3] + "..."
			}
			line := fmt.Sprintf("  %4d  %s %s%-*s", s.Line, state, mark, width, text)
			if s.Reason != "" {
				line += "  " + s.Reason
			}
			fmt.Fprintln(w, strings.TrimRight(line, " "))
		}
	}
	if h := rep.History; h != nil {
		names := "dependency installs"
		if len(h.Labels) > 0 {
			names = strings.Join(h.Labels, ", ")
		}
		fmt.Fprintf(w, "\nhistory: %s reran in %d of %d builds; after the fix: %d\n", names, h.Before, h.Commits, h.After)
	}
	fmt.Fprintln(w, "\n(* marks a dependency install)")
}

// readDockerfile reads a Dockerfile that is a regular file of a size cachefix reads (the
// size is checked before reading); rel names it in errors. A file a walk found is known
// not to be a link (the read itself refuses anything else but a regular file); one named
// on the command line is checked first.
func readDockerfile(path, rel string, walked bool) ([]byte, error) {
	if !walked {
		st, err := os.Lstat(path)
		if err != nil {
			return nil, err
		}
		if !st.Mode().IsRegular() {
			return nil, fmt.Errorf("%s: not a regular file", rel)
		}
	}
	data, err := detect.ReadRegularAs(path, rel, rewrite.MaxSize)
	var big *detect.TooBigError
	if errors.As(err, &big) {
		return nil, fmt.Errorf("%s: larger than %d MiB, not a Dockerfile cachefix reads", rel, rewrite.MaxSize>>20)
	}
	return data, err
}
