package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestExplainHistory builds a git repository with a history of source and manifest edits
// and checks the replay: how many builds reran npm ci, before and after the fix.
func TestExplainHistory(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	dir := t.TempDir()
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	write := func(name, data string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git("init", "-q")
	write("Dockerfile", "FROM node:20-slim\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"node\", \"index.js\"]\n")
	write(".dockerignore", "node_modules\n.git\n")
	write("package.json", `{"name":"x","dependencies":{"ms":"^2.1.3"}}`)
	write("package-lock.json", `{"lockfileVersion":3}`)
	write("index.js", "console.log(1)\n")
	git("add", "-A")
	git("commit", "-qm", "initial")
	// Three source edits and one manifest edit.
	for i, change := range []string{"index.js", "index.js", "package.json", "index.js"} {
		data := strings.Repeat("x", i+1)
		if change == "package.json" {
			data = `{"name":"x","dependencies":{"ms":"^2.1.3","dotenv":"^16.4.5"}}`
		}
		write(change, data)
		git("commit", "-qam", "edit "+change)
	}
	var out, errb bytes.Buffer
	status := run([]string{"explain", "--history", "4", "--format", "json", filepath.Join(dir, "Dockerfile")}, &out, &errb)
	if status != 0 {
		t.Fatalf("exit %d: %s", status, errb.String())
	}
	var rep explainReport
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	h := rep.History
	if h == nil || h.Commits != 4 || h.Before != 4 || h.After != 1 {
		t.Fatalf("history = %+v, want 4 commits, npm ci rerun in 4 before and 1 after", h)
	}
	// --since takes the changed files from git diff.
	out.Reset()
	if status := run([]string{"explain", "--since", "HEAD~1", filepath.Join(dir, "Dockerfile")}, &out, &errb); status != 0 {
		t.Fatalf("exit %d: %s", status, errb.String())
	}
	if !strings.Contains(out.String(), "changes since HEAD~1: 1 dependency install step(s) rerun") || !strings.Contains(out.String(), "COPY . . copies index.js") {
		t.Errorf("unexpected --since output:\n%s", out.String())
	}
}
