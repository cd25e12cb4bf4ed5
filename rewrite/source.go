package rewrite

import (
	"bytes"
)

// Source is one Dockerfile's bytes with a line table.
type Source struct {
	Path string
	Src  []byte
	// Lines[i] is the byte offset where line i+1 starts; lines are counted on "\n" as
	// BuildKit's parser counts them.
	Lines []int
	// EOL is the file's own line ending, used for every inserted line.
	EOL string
	// BOM is the length of a leading UTF-8 byte order mark (0 or 3).
	BOM int
}

// NewSource builds the line table of src.
func NewSource(path string, src []byte) *Source {
	s := &Source{Path: path, Src: src, EOL: "\n"}
	if bytes.HasPrefix(src, []byte("\xef\xbb\xbf")) {
		s.BOM = 3
	}
	s.Lines = append(s.Lines, 0)
	for i, b := range src {
		if b == '\n' && i+1 < len(src) {
			s.Lines = append(s.Lines, i+1)
		}
	}
	// The dominant ending: a file of mixed endings gets what most of its lines have.
	crlf := bytes.Count(src, []byte("\r\n"))
	if lf := bytes.Count(src, []byte("\n")) - crlf; crlf > lf {
		s.EOL = "\r\n"
	}
	return s
}

// Span is a byte range [Start, End) of a Source.
type Span struct{ Start, End int }

// LineSpan returns the bytes of lines first..last (1-based, inclusive), with the last
// line's ending.
func (s *Source) LineSpan(first, last int) Span {
	start := s.Lines[first-1]
	end := len(s.Src)
	if last < len(s.Lines) {
		end = s.Lines[last]
	}
	return Span{start, end}
}

// Line returns the 1-based line holding offset off.
func (s *Source) Line(off int) int {
	lo, hi := 0, len(s.Lines)
	for lo+1 < hi {
		mid := (lo + hi) / 2
		if s.Lines[mid] <= off {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo + 1
}

// trimEOL returns end moved back over a trailing line ending.
func (s *Source) trimEOL(start, end int) int {
	if end > start && s.Src[end-1] == '\n' {
		end--
		if end > start && s.Src[end-1] == '\r' {
			end--
		}
	}
	return end
}
