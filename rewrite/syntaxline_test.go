package rewrite

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/cachefix/cachefix/detect"
)

// detectSyntax must agree with BuildKit's DetectSyntax, which it only skips.
func TestDetectSyntaxAgrees(t *testing.T) {
	for _, src := range []string{
		"FROM alpine\n",
		"# syntax=docker/dockerfile:1\nFROM alpine\n",
		"# SYNTAX = docker/dockerfile:1.7\nFROM alpine\n",
		"#!/usr/bin/env buildctl\n# Syntax=docker/dockerfile:1\nFROM alpine\n",
		"// syntax=docker/dockerfile:1\nFROM alpine\n",
		`{"syntax": "docker/dockerfile:1"}`,
		"# escape=`\n# syntax=docker/dockerfile:1\nFROM alpine\n",
		"FROM alpine\n# syntax=docker/dockerfile:1\n",
		"# check=skip=all\nFROM alpine\nRUN echo syntax\n",
		"\xef\xbb\xbf# syntax=docker/dockerfile:1\nFROM alpine\n",
		"#!/usr/bin/env buildctl\n{\n  \"syntax\": \"docker/dockerfile:1\"\n}\n",
		"\xef\xbb\xbf{\"syntax\": \"x\"}",
		"# comment\n# syntax=docker/dockerfile:1\nFROM alpine\n",
		"# syntax=docker/dockerfile:1",
		"",
	} {
		v1, c1, l1, ok1 := detectSyntax([]byte(src))
		v2, c2, l2, ok2 := parser.DetectSyntax([]byte(src))
		if v1 != v2 || c1 != c2 || ok1 != ok2 || len(l1) != len(l2) {
			t.Errorf("%q: got %q %q %v, BuildKit %q %q %v", src, v1, c1, ok1, v2, c2, ok2)
		}
	}
	if !containsFold([]byte("xx SyNtAx"), "syntax") || containsFold([]byte("synta"), "syntax") {
		t.Error("containsFold")
	}
}

func TestTooOld(t *testing.T) {
	for ref, want := range map[string]bool{
		"docker/dockerfile:1.0":                     true,
		"docker/dockerfile:1.1":                     true,
		"docker/dockerfile:0.9":                     true,
		"docker/dockerfile:1.2":                     false,
		"docker/dockerfile:1":                       false,
		"docker/dockerfile:1.7":                     false,
		"docker.io/docker/dockerfile:1.1":           true,
		"docker/dockerfile:1.0.0-experimental":      false, // the experimental channel had RUN --mount
		"docker/dockerfile:1.1.7-experimental":      false,
		"docker/dockerfile-upstream:1.1-labs":       false,
		"docker/dockerfile:experimental":            false,
		"docker/dockerfile:1.1@sha256:0123456789ab": false,
		"example.com/frontend:1.0":                  false,
	} {
		if got := tooOld(ref); got != want {
			t.Errorf("tooOld(%q) = %v, want %v", ref, got, want)
		}
	}
}

// The directive goes after a shebang, is not added beside an indented one that BuildKit's
// parser reads, and an update keeps the registry the file names.
func TestSyntaxLinePlacement(t *testing.T) {
	ctx, _ := detect.New(fstest.MapFS{"requirements.txt": {Data: []byte("flask\n")}}, nil)
	for _, tt := range []struct{ src, want string }{
		{"#!/usr/bin/env buildctl\nFROM python:3.12-slim\nRUN pip install --no-cache-dir flask\n", "#!/usr/bin/env buildctl\n# syntax=docker/dockerfile:1\nFROM python:3.12-slim\n"},
		{"  # syntax=docker/dockerfile:1.0\nFROM python:3.12-slim\nRUN pip install --no-cache-dir flask\n", "  # syntax=docker/dockerfile:1.0\nFROM python:3.12-slim\nRUN --mount"},
		{"# syntax=docker.io/docker/dockerfile:1.1\nFROM python:3.12-slim\nRUN pip install --no-cache-dir flask\n", "# syntax=docker.io/docker/dockerfile:1\n"},
	} {
		res, err := Run("Dockerfile", []byte(tt.src), ctx, Options{}, All())
		if err != nil {
			t.Fatalf("%q: %v", tt.src, err)
		}
		if !strings.HasPrefix(string(res.Output), tt.want) {
			t.Errorf("%q: got\n%s", tt.src, res.Output)
		}
	}
}

// The parser's own warnings count among the file's warnings, so that a rewrite that adds
// one (an empty continuation line, which joins the next instruction to a RUN) is refused.
func TestParserWarningsCount(t *testing.T) {
	f, err := Parse("Dockerfile", []byte("FROM alpine\nRUN apk add curl \\\n\nCOPY . /src\n"))
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, w := range f.Warnings {
		found = found || strings.Contains(w, "parser: Empty continuation line")
	}
	if !found {
		t.Errorf("warnings %q lack the parser's empty-continuation warning", f.Warnings)
	}
}
