package rewrite

import (
	"fmt"
	"strings"
)

// Applicability says when a fix may be applied, ordered as in ruff: a fix applies when its
// applicability is at least the one required.
type Applicability int

const (
	// DisplayOnly fixes are shown, never applied.
	DisplayOnly Applicability = iota
	// Unsafe fixes may change what the build produces; applied with --unsafe-fixes.
	Unsafe
	// Safe fixes keep the build's result; applied by default.
	Safe
)

var applicabilityNames = []string{"display-only", "unsafe", "safe"}

func (a Applicability) String() string {
	if int(a) < len(applicabilityNames) {
		return applicabilityNames[a]
	}
	return fmt.Sprintf("Applicability(%d)", int(a))
}

// MarshalText implements encoding.TextMarshaler.
func (a Applicability) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (a *Applicability) UnmarshalText(b []byte) error { return a.Set(string(b)) }

// Set implements pflag.Value.
func (a *Applicability) Set(s string) error {
	for i, n := range applicabilityNames {
		if n == s {
			*a = Applicability(i)
			return nil
		}
	}
	return fmt.Errorf("unknown applicability %q (want one of %s)", s, strings.Join(applicabilityNames, ", "))
}

// Type implements pflag.Value.
func (a *Applicability) Type() string { return "applicability" }

// Edit replaces the bytes [Start, End) with New; an insertion has End == Start.
type Edit struct {
	Start, End int
	New        string
	// From, when Moved is set, is where the inserted text stood before: a line of it is
	// reported at its old place.
	From  int
	Moved bool
}

// Fix is a set of edits that belong together: applied whole or not at all.
type Fix struct {
	// Message is a verb phrase: "Copy requirements.txt before the source".
	Message       string
	Applicability Applicability
	Edits         []Edit
	// Ignore lists entries to add to the context's ignore file with this fix.
	Ignore []string
	// Note, when set, says what the fix changes in the image beyond download caches.
	Note string
}
