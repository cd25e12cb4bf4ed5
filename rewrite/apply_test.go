package rewrite

import (
	"strings"
	"testing"
)

// TestApply covers the applier in the style of ruff's fix/mod.rs tests: fixes are merged
// whole, a conflicting fix waits for the next round, identical edits coalesce.
func TestApply(t *testing.T) {
	src := "abcdef"
	tests := []struct {
		name  string
		fixes [][]Edit
		want  string
		taken int
	}{
		{"apply_one_insertion", [][]Edit{{{Start: 2, End: 2, New: "X"}}}, "abXcdef", 1},
		{"insertion_at_eof", [][]Edit{{{Start: 6, End: 6, New: "!"}}}, "abcdef!", 1},
		{"apply_two_removals", [][]Edit{{{Start: 0, End: 1, New: ""}}, {{Start: 4, End: 6, New: ""}}}, "bcd", 2},
		{"overlapping_fixes_keep_the_first", [][]Edit{{{Start: 1, End: 4, New: "Y"}}, {{Start: 2, End: 5, New: "Z"}}}, "aYef", 1},
		{"two_fixes_same_offset", [][]Edit{{{Start: 3, End: 3, New: "1"}}, {{Start: 3, End: 3, New: "2"}}}, "abc1def", 1},
		{"identical_edits_coalesce", [][]Edit{{{Start: 3, End: 3, New: "1"}}, {{Start: 3, End: 3, New: "1"}}}, "abc1def", 2},
		{"insertion_at_end_of_deletion", [][]Edit{{{Start: 1, End: 3, New: ""}}, {{Start: 3, End: 3, New: "+"}}}, "a+def", 2},
		{"whole_fix_dropped_on_conflict", [][]Edit{{{Start: 0, End: 2, New: "Q"}}, {{Start: 1, End: 1, New: "x"}, {Start: 5, End: 5, New: "y"}}}, "Qcdef", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var acc []Edit
			taken := 0
			for _, f := range tt.fixes {
				edits, err := validate("test", len(src), f)
				if err != nil {
					t.Fatal(err)
				}
				if merged, ok := merge(acc, edits); ok {
					acc = merged
					taken++
				}
			}
			if got := string(applyEdits([]byte(src), acc)); got != tt.want || taken != tt.taken {
				t.Errorf("got %q with %d fixes, want %q with %d", got, taken, tt.want, tt.taken)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name  string
		edits []Edit
		err   string
	}{
		{"reversed", []Edit{{Start: 4, End: 2, New: ""}}, "rule r: edit [4,2) outside the file (size 6)"},
		{"out_of_file", []Edit{{Start: 5, End: 9, New: ""}}, "rule r: edit [5,9) outside the file (size 6)"},
		{"overlap_within_a_fix", []Edit{{Start: 0, End: 3, New: ""}, {Start: 2, End: 4, New: ""}}, "rule r: overlapping edits [0,3) and [2,4)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := validate("r", 6, tt.edits)
			if err == nil || err.Error() != tt.err {
				t.Errorf("got %v, want %q", err, tt.err)
			}
		})
	}
}

func TestMapBack(t *testing.T) {
	// "abcdef" with "XY" inserted at 2 and [4,6) deleted gives "abXYcd".
	edits := []Edit{{Start: 2, End: 2, New: "XY"}, {Start: 4, End: 6}}
	for after, before := range map[int]int{0: 0, 1: 1, 2: 2, 3: 2, 4: 2, 5: 3} {
		if got := mapBack(edits, after); got != before {
			t.Errorf("mapBack(%d) = %d, want %d", after, got, before)
		}
	}
}

func TestUnified(t *testing.T) {
	tests := []struct {
		name          string
		before, after string
		want          string
	}{
		{"unchanged", "a\n", "a\n", ""},
		{"new_file", "", "x\n", "--- a/f\n+++ b/f\n@@ -0,0 +1 @@\n+x\n"},
		{"no_newline_at_eof", "a\nb", "a\nc", "--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n"},
		{"context_of_three", "1\n2\n3\n4\n5\n6\n7\n8\n9\n", "1\n2\n3\n4\nX\n6\n7\n8\n9\n", "--- a/f\n+++ b/f\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+X\n 6\n 7\n 8\n"},
		{"crlf_kept", "a\r\nb\r\n", "a\r\nc\r\n", "--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n a\r\n-b\r\n+c\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before []byte
			if tt.name != "new_file" {
				before = []byte(tt.before)
			}
			got := Unified("f", before, []byte(tt.after))
			if tt.name == "new_file" {
				tt.want = strings.Replace(tt.want, "--- a/f", "--- /dev/null", 1)
			}
			if got != tt.want {
				t.Errorf("got\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}
