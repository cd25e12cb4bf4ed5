package rewrite

// syntaxline.go adds "# syntax=docker/dockerfile:1" as the first line when the file uses
// RUN --mount, which needs Dockerfile frontend 1.2 or later, and updates a syntax
// directive older than 1.2. Directives count only in the leading run of "# key=value"
// lines, so the new line goes first, above any escape directive and comment. An existing
// directive naming another frontend is left alone.

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// SyntaxLine adds or updates the # syntax directive that RUN --mount needs.
var SyntaxLine = &Rule{
	Name:    "syntax-line",
	Doc:     "Add # syntax=docker/dockerfile:1 when the file uses RUN --mount\n\nCache mounts need Dockerfile frontend 1.2 or later.",
	Default: Safe,
	InPlace: true,
	Run:     runSyntaxLine,
}

const syntaxValue = "docker/dockerfile:1"

func runSyntaxLine(p *Pass) {
	var user *Instr
	for _, in := range p.File.Instrs {
		for _, fl := range in.Node.Flags {
			if in.Keyword() == "run" && strings.HasPrefix(fl, "--mount") {
				user = in
			}
		}
		if user != nil {
			break
		}
	}
	if user == nil {
		user = p.shared.mountAdded // cache-mount adds the first mount in this round
	}
	if user == nil {
		return
	}
	src := p.File.Source
	d := p.File.syntax()
	value, loc, ok := d.value, d.loc, d.ok
	if !ok && p.Options.NoSyntax {
		return // the builder's own frontend supports RUN --mount
	}
	if !ok && indentedSyntax(src.Src) {
		// BuildKit's parser reads "  # syntax=..." as the directive, so a second one would
		// fail the build; the frontend is then chosen without it, and takes RUN --mount.
		return
	}
	if !ok {
		at := src.BOM
		if bytes.HasPrefix(src.Src[at:], []byte("#!")) {
			// A shebang stays first; BuildKit reads the directive on the line after it.
			if nl := bytes.IndexByte(src.Src[at:], '\n'); nl >= 0 {
				at += nl + 1
			}
		}
		p.Report(Finding{Line: 1, Message: "RUN --mount on line " + strconv.Itoa(user.Line()) + " needs Dockerfile frontend 1.2 or later, and no # syntax directive asks for it", Fix: &Fix{
			Message: "Add # syntax=" + syntaxValue + " as the first line", Applicability: Safe,
			Edits: []Edit{{Start: at, End: at, New: "# syntax=" + syntaxValue + src.EOL}},
		}})
		return
	}
	if !tooOld(value) || len(loc) == 0 {
		return
	}
	line := loc[0].Start.Line
	span := src.LineSpan(line, line)
	text := string(src.Src[span.Start:span.End])
	i := strings.Index(text, value)
	if i < 0 {
		return
	}
	updated := syntaxValue
	if name := parseFrontend(value).name; name != "docker/dockerfile" {
		updated = name + ":1" // keep the registry the file names (docker.io/docker/dockerfile)
	}
	p.Report(Finding{Line: p.File.OrigLine(line), Message: "# syntax=" + value + " is older than 1.2, which RUN --mount on line " + strconv.Itoa(user.Line()) + " needs", Fix: &Fix{
		Message: "Update the directive to " + updated, Applicability: Safe,
		Edits: []Edit{{Start: span.Start + i, End: span.Start + i + len(value), New: updated}},
	}})
}

// frontend is a # syntax reference taken apart: the image name as written (a registry
// kept), whether it is Docker's own Dockerfile frontend, its tag and its digest.
type frontend struct {
	name, tag, digest string
	docker            bool
}

func parseFrontend(ref string) frontend {
	var f frontend
	ref, f.digest, _ = strings.Cut(ref, "@")
	f.name, f.tag, _ = strings.Cut(ref, ":")
	short := strings.TrimPrefix(strings.TrimPrefix(f.name, "docker.io/"), "registry-1.docker.io/")
	f.docker = short == "docker/dockerfile" || short == "docker/dockerfile-upstream"
	return f
}

// tooOld reports whether a docker/dockerfile frontend reference, by tag (a digest pin is
// the owner's choice and not updated), is older than 1.2.
func tooOld(ref string) bool {
	f := parseFrontend(ref)
	return f.docker && f.digest == "" && before12(f.tag)
}

// before12 reports whether a stable frontend tag names a version older than 1.2.
func before12(tag string) bool {
	if tag == "" {
		return false
	}
	ver, channel, _ := strings.Cut(tag, "-")
	if channel != "" {
		return false // 1.0.0-experimental, 1.1-labs: these channels had RUN --mount already, and may carry other flags the stable one lacks
	}
	parts := strings.Split(ver, ".")
	major, err := strconv.Atoi(parts[0])
	if err != nil {
		return false
	}
	if major != 1 {
		return major < 1
	}
	if len(parts) < 2 {
		return false
	}
	minor, err := strconv.Atoi(parts[1])
	return err == nil && minor < 2
}

// syntaxDirective is what detectSyntax returns.
type syntaxDirective struct {
	value, cmdline string
	loc            []parser.Range
	ok             bool
}

// syntax is detectSyntax of the file's source, computed once.
func (f *File) syntax() syntaxDirective {
	if f.syntaxInfo == nil {
		d := syntaxDirective{}
		d.value, d.cmdline, d.loc, d.ok = detectSyntax(f.Source.Src)
		f.syntaxInfo = &d
	}
	return *f.syntaxInfo
}

// detectSyntax is BuildKit's DetectSyntax, skipped when the file never says "syntax" in
// any case: each of the directive forms it reads names that key, and it otherwise decodes
// the whole file as JSON on the way to its answer.
func detectSyntax(src []byte) (string, string, []parser.Range, bool) {
	if !containsFold(src, "syntax") {
		return "", "", nil, false
	}
	body := bytes.TrimPrefix(src, []byte{0xEF, 0xBB, 0xBF})
	if bytes.HasPrefix(body, []byte("#!")) {
		_, body, _ = bytes.Cut(body, []byte("\n")) // a shebang line
	}
	if bytes.HasPrefix(bytes.TrimSpace(body), []byte("{")) {
		return parser.DetectSyntax(src) // the JSON form reads the whole file
	}
	// The comment forms stop at the first line that starts with neither "#" nor "//"
	// (after a BOM and a shebang): read up to it and no further.
	head := src
	for off, first := 0, true; off < len(src); first = false {
		end := bytes.IndexByte(src[off:], '\n')
		if end < 0 {
			break
		}
		line := bytes.TrimPrefix(src[off:off+end], []byte{0xEF, 0xBB, 0xBF})
		off += end + 1
		if !first && !bytes.HasPrefix(line, []byte("#")) && !bytes.HasPrefix(line, []byte("//")) {
			head = src[:off]
			break
		}
	}
	return parser.DetectSyntax(head)
}

// indentedSyntax reports whether one of the file's leading directive lines, indented, sets
// syntax: BuildKit's parser reads it as the directive although DetectSyntax does not.
func indentedSyntax(src []byte) bool {
	for i, l := range strings.Split(string(bytes.TrimPrefix(src, []byte{0xEF, 0xBB, 0xBF})), "\n") {
		t := strings.TrimSpace(l)
		if i == 0 && strings.HasPrefix(t, "#!") {
			continue
		}
		rest, ok := strings.CutPrefix(t, "#")
		if !ok {
			return false
		}
		k, _, ok := strings.Cut(rest, "=")
		if !ok {
			return false // a comment ends the directives
		}
		if strings.EqualFold(strings.TrimSpace(k), "syntax") {
			return true
		}
	}
	return false
}

// containsFold reports whether s holds the lower-case ASCII word in any case.
func containsFold(s []byte, word string) bool {
	for i := 0; i+len(word) <= len(s); i++ {
		if s[i]|0x20 != word[0] {
			continue
		}
		if strings.EqualFold(string(s[i:i+len(word)]), word) {
			return true
		}
	}
	return false
}
