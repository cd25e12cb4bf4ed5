package rewrite

import (
	"fmt"
	"strings"

	"github.com/sergi/go-diff/diffmatchpatch"
)

// Unified renders a unified diff of a file changing from before to after, with a/ and b/
// headers over name, that git apply and patch -p1 accept. A nil before is a new file.
// It returns "" when nothing changed.
func Unified(name string, before, after []byte) string {
	if before != nil && string(before) == string(after) {
		return ""
	}
	dmp := diffmatchpatch.New()
	a, b, lines := dmp.DiffLinesToChars(string(before), string(after))
	diffs := dmp.DiffCharsToLines(dmp.DiffMain(a, b, false), lines)
	type op struct {
		kind byte // ' ', '-', '+'
		text string
	}
	var ops []op
	for _, d := range diffs {
		kind := byte(' ')
		switch d.Type {
		case diffmatchpatch.DiffDelete:
			kind = '-'
		case diffmatchpatch.DiffInsert:
			kind = '+'
		}
		for _, l := range splitLines(d.Text) {
			ops = append(ops, op{kind, l})
		}
	}
	var out strings.Builder
	from := "a/" + name
	if before == nil {
		from = "/dev/null"
	}
	fmt.Fprintf(&out, "--- %s\n+++ b/%s\n", from, name)
	const ctx = 3
	// Walk the ops, gathering hunks of changes with up to ctx lines around them.
	oldLine, newLine := 1, 1
	i := 0
	for i < len(ops) {
		if ops[i].kind == ' ' {
			i++
			oldLine++
			newLine++
			continue
		}
		// Start a hunk ctx lines back.
		start := i - ctx
		if start < 0 {
			start = 0
		}
		for start < i && ops[start].kind != ' ' {
			start++
		}
		hOld, hNew := oldLine-(i-start), newLine-(i-start)
		end := i
		for end < len(ops) {
			if ops[end].kind != ' ' {
				end++
				continue
			}
			run := 0
			for end+run < len(ops) && ops[end+run].kind == ' ' {
				run++
			}
			if end+run == len(ops) || run > 2*ctx {
				if run > ctx {
					run = ctx
				}
				end += run
				break
			}
			end += run
		}
		var body strings.Builder
		nOld, nNew := 0, 0
		for k := start; k < end; k++ {
			o := ops[k]
			body.WriteByte(o.kind)
			body.WriteString(o.text)
			if !strings.HasSuffix(o.text, "\n") {
				body.WriteString("\n\\ No newline at end of file\n")
			}
			if o.kind != '+' {
				nOld++
			}
			if o.kind != '-' {
				nNew++
			}
		}
		startOld, startNew := hOld, hNew
		if nOld == 0 {
			startOld--
		}
		if nNew == 0 {
			startNew--
		}
		fmt.Fprintf(&out, "@@ -%s +%s @@\n%s", hunkRange(startOld, nOld), hunkRange(startNew, nNew), body.String())
		for k := i; k < end; k++ {
			if ops[k].kind != '+' {
				oldLine++
			}
			if ops[k].kind != '-' {
				newLine++
			}
		}
		i = end
	}
	return out.String()
}

func hunkRange(start, n int) string {
	if n == 1 {
		return fmt.Sprint(start)
	}
	return fmt.Sprintf("%d,%d", start, n)
}

// splitLines splits s after each "\n", keeping the endings.
func splitLines(s string) []string {
	var out []string
	for s != "" {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			out = append(out, s)
			break
		}
		out = append(out, s[:i+1])
		s = s[i+1:]
	}
	return out
}
