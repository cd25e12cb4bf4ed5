package rewrite

import (
	"fmt"
	"sort"
	"strings"
)

// validate sorts a fix's edits and rejects edits that are reversed, out of the file or
// overlapping: any such edit is a bug in the rule that made it.
func validate(rule string, size int, edits []Edit) ([]Edit, error) {
	out := append([]Edit(nil), edits...)
	sortEdits(out)
	for i, e := range out {
		if e.Start < 0 || e.End < e.Start || e.End > size {
			return nil, fmt.Errorf("rule %s: edit [%d,%d) outside the file (size %d)", rule, e.Start, e.End, size)
		}
		if i > 0 && e.Start < out[i-1].End {
			return nil, fmt.Errorf("rule %s: overlapping edits [%d,%d) and [%d,%d)", rule, out[i-1].Start, out[i-1].End, e.Start, e.End)
		}
	}
	return out, nil
}

// sortEdits orders edits by start, insertions before replacements at one offset, stably.
func sortEdits(edits []Edit) {
	sort.SliceStable(edits, func(i, j int) bool {
		if edits[i].Start != edits[j].Start {
			return edits[i].Start < edits[j].Start
		}
		return edits[i].End-edits[i].Start == 0 && edits[j].End-edits[j].Start != 0
	})
}

// merge adds a fix's edits to the accumulated ones; it reports false, changing nothing,
// when an edit conflicts (overlaps an edit of another fix, or inserts at the same offset).
// An edit identical to one already accepted is kept once.
func merge(acc []Edit, fix []Edit) ([]Edit, bool) {
	var add []Edit
	for _, e := range fix {
		dup := false
		for _, a := range acc {
			if a == e {
				dup = true
				break
			}
			if conflicts(a, e) {
				return acc, false
			}
		}
		if !dup {
			add = append(add, e)
		}
	}
	out := append(append([]Edit(nil), acc...), add...)
	sortEdits(out)
	return out, true
}

func conflicts(a, b Edit) bool {
	if a.Start == a.End && b.Start == b.End {
		return a.Start == b.Start
	}
	if a.Start == a.End {
		return a.Start > b.Start && a.Start < b.End
	}
	if b.Start == b.End {
		return b.Start > a.Start && b.Start < a.End
	}
	return a.Start < b.End && b.Start < a.End
}

// applyEdits applies sorted, non-overlapping edits to src.
func applyEdits(src []byte, edits []Edit) []byte {
	var b strings.Builder
	b.Grow(len(src))
	last := 0
	for _, e := range edits {
		if e.Start < last {
			panic(fmt.Sprintf("applyEdits: edit [%d,%d) overlaps the previous one", e.Start, e.End))
		}
		b.Write(src[last:e.Start])
		b.WriteString(e.New)
		last = e.End
	}
	b.Write(src[last:])
	return []byte(b.String())
}
