package rewrite

import (
	"github.com/cachefix/cachefix/detect"
)

// Rule is one cache rule: it reads a parsed Dockerfile and reports findings, each with an
// optional fix made of byte edits.
type Rule struct {
	// Name is a kebab-case identifier used in flags, pragmas and JSON.
	Name string
	// Doc's first line is the rule's title.
	Doc string
	// Default is the applicability of the rule's usual fix, for `cachefix rules`.
	Default Applicability
	// InPlace rules never move an instruction or change what a COPY takes (a mount, a
	// removed flag): their fixes cannot make an install stale, so the model's check is
	// skipped when only they applied.
	InPlace bool
	Run     func(*Pass)
}

// Title is the first line of the rule's Doc.
func (r *Rule) Title() string {
	for i, c := range r.Doc {
		if c == '\n' {
			return r.Doc[:i]
		}
	}
	return r.Doc
}

// All lists the rules in the order they run. manifest-first, install-order and split-chain
// share one plan (see sink.go); cache-defeat acts only on mounts already in the text, so it
// runs a round after cache-mount adds them; syntax-line likewise follows the mounts.
func All() []*Rule {
	return []*Rule{ManifestFirst, InstallOrder, SplitChain, CacheMount, CacheDefeat, MisplacedMount, SyntaxLine, VolatileArg}
}

// Options are the choices a user makes for a run.
type Options struct {
	// NoMounts adds no cache mounts: only reorders (kaniko, old engines).
	NoMounts bool
	// NoSyntax adds no "# syntax" directive.
	NoSyntax bool
	// Unsafe applies fixes marked unsafe too.
	Unsafe bool
	// Model says which files get Result.SourceEdit, a count that costs two simulations.
	Model ModelScope
	// Verdict asks only whether the file would change, as fix --check and --list do:
	// the rules run once (the way a linter reports fixable findings), and Result holds
	// that round's outcomes, ignore entries and output. The output's checks (BuildKit's
	// re-parse and lint, the stale-cache model, the fixed point of further rounds) are
	// left to the run that writes or prints it, which refuses an output that fails them.
	Verdict bool
}

// ModelScope chooses the files whose Result.SourceEdit is counted.
type ModelScope int

const (
	// ModelChanged counts for the files that change (what a text report prints).
	ModelChanged ModelScope = iota
	// ModelAll counts for every file (reports that list every file).
	ModelAll
	// ModelNone counts for none (a quiet run, which never prints the counts).
	ModelNone
)

// Required is the least applicability a fix needs to be applied under o.
func (o Options) Required() Applicability {
	if o.Unsafe {
		return Unsafe
	}
	return Safe
}

// Pass carries a rule's inputs and its one output, Report.
type Pass struct {
	Rule    *Rule
	File    *File
	Context *detect.Context
	Options Options
	report  func(Finding)
	shared  *shared
}

// shared holds results computed once per round and read by several rules.
type shared struct {
	plans []*sinkPlan
	done  bool
	// mountAdded is set when a fix of this round adds a cache mount, so that syntax-line
	// adds the directive in the same round.
	mountAdded *Instr
	// adding lists, per RUN, the mount targets cache-mount proposes this round.
	adding map[*Instr][]string
	// folders lists, per stage, the folders its installs read (see folderInput).
	folders map[int][]readFolder
	// doubt caches frontendDoubt.
	doubt *string
}

// readFolder is a folder an install of a RUN reads, as an image path.
type readFolder struct {
	at  *Instr
	img string
}

// Report records a finding, unless a pragma suppresses the rule for the instruction at
// the finding's line; it reports whether the finding was recorded.
func (p *Pass) Report(f Finding) bool {
	f.Rule = p.Rule.Name
	at := f.instr
	if at == nil {
		at = p.File.instrAt(f.Line)
	}
	if p.File.ignores(at, f.Rule) {
		return false
	}
	p.report(f)
	return true
}

// Finding is one thing a rule noticed, at a line of the file.
type Finding struct {
	Rule    string `json:"rule"`
	Line    int    `json:"line"`
	Message string `json:"message"`
	// Fix, when set, is what the rule proposes.
	Fix *Fix `json:"-"`
	// Declined says why no fix is proposed.
	Declined string `json:"declined,omitempty"`

	// instr is the instruction the finding is about, for pragmas.
	instr *Instr
}
