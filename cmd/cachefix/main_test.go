package main

import (
	"bytes"
	"flag"
	"os"
	"strconv"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// The CLI tests are testscript files in testdata/script, one behaviour per file; each
// embeds its Dockerfiles and build context. `go test ./cmd/cachefix -run TestScripts -u`
// rewrites the expected files of failing cmp commands in place (review the change).
//
// Commands added to the script language:
//
//	perm FILE MODE     FILE's permission bits are MODE (octal)
//	crlf FILE...       convert FILE from LF to CRLF line endings
//	allcrlf FILE       every line of FILE ends with CRLF
//	nul FILE           insert a NUL byte at the start of FILE's second line

var update = flag.Bool("u", false, "update the expected files of testscript scripts")

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"cachefix": func() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) },
	})
}

func TestScripts(t *testing.T) {
	t.Parallel()
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		UpdateScripts:       *update,
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"perm":    cmdPerm,
			"crlf":    cmdCRLF,
			"allcrlf": cmdAllCRLF,
			"nul":     cmdNUL,
		},
	})
}

// perm FILE MODE checks that FILE's permission bits are MODE (octal, e.g. 0640).
func cmdPerm(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: perm FILE MODE")
	}
	want, err := strconv.ParseUint(args[1], 8, 32)
	ts.Check(err)
	st, err := os.Stat(ts.MkAbs(args[0]))
	ts.Check(err)
	if got := st.Mode().Perm(); uint64(got) != want {
		ts.Fatalf("%s: mode %04o, want %04o", args[0], got, want)
	}
}

// crlf FILE... rewrites each FILE with CRLF line endings (a txtar archive cannot hold \r).
func cmdCRLF(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: crlf FILE...")
	}
	for _, name := range args {
		p := ts.MkAbs(name)
		data, err := os.ReadFile(p)
		ts.Check(err)
		if bytes.IndexByte(data, '\r') >= 0 {
			ts.Fatalf("%s already holds a carriage return", name)
		}
		ts.Check(os.WriteFile(p, bytes.ReplaceAll(data, []byte("\n"), []byte("\r\n")), 0o644))
	}
}

// allcrlf FILE checks that FILE is not empty and that every line of it, the last
// included, ends with CRLF, with no other carriage return.
func cmdAllCRLF(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: allcrlf FILE")
	}
	data := []byte(ts.ReadFile(args[0]))
	if len(data) == 0 {
		ts.Fatalf("%s is empty", args[0])
	}
	lines := bytes.SplitAfter(data, []byte("\n"))
	if last := lines[len(lines)-1]; len(last) > 0 {
		ts.Fatalf("%s: no line break at the end: %q", args[0], last)
	}
	lines = lines[:len(lines)-1]
	for i, l := range lines {
		if !bytes.HasSuffix(l, []byte("\r\n")) || bytes.Count(l, []byte("\r")) != 1 {
			ts.Fatalf("%s: line %d does not end with a single CRLF: %q", args[0], i+1, l)
		}
	}
	ts.Logf("%s: %d lines, all CRLF", args[0], len(lines))
}

// nul FILE puts a NUL byte at the start of FILE's second line.
func cmdNUL(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: nul FILE")
	}
	p := ts.MkAbs(args[0])
	data, err := os.ReadFile(p)
	ts.Check(err)
	i := bytes.IndexByte(data, '\n') + 1
	out := append(append(append([]byte{}, data[:i]...), 0), data[i:]...)
	ts.Check(os.WriteFile(p, out, 0o644))
}
