package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cachefix/cachefix/detect"
)

func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestSARIF checks the SARIF 2.1.0 report's shape: what GitHub code scanning requires of
// a run (tool.driver.name, rules) and of each result (ruleId, level, message, location).
func TestSARIF(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"app/Dockerfile":        "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN pip install .\n",
		"app/pyproject.toml":    "[project]\nname='x'\n",
		"bad/Dockerfile":        "FROM\n",
		"fine/Dockerfile":       "FROM debian:bookworm-slim\n",
		"web/Dockerfile":        "FROM node:20-slim\nWORKDIR /w\nCOPY . .\nRUN npm ci\n",
		"web/package.json":      `{"name":"w"}`,
		"web/package-lock.json": `{}`,
		"web/.dockerignore":     "node_modules\n",
	})
	var out, errb bytes.Buffer
	if st := run([]string{"fix", "--format", "sarif", dir}, &out, &errb); st != exitFailed {
		t.Fatalf("exit %d, want 2 (one file does not parse); stderr: %s", st, errb.String())
	}
	var doc struct {
		Version string `json:"version"`
		Schema  string `json:"$schema"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name  string `json:"name"`
					Rules []struct {
						ID               string                `json:"id"`
						ShortDescription struct{ Text string } `json:"shortDescription"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string                `json:"ruleId"`
				Level     string                `json:"level"`
				Message   struct{ Text string } `json:"message"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }    `json:"artifactLocation"`
						Region           struct{ StartLine int } `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out.String())
	}
	if doc.Version != "2.1.0" || len(doc.Runs) != 1 || doc.Runs[0].Tool.Driver.Name != "cachefix" || len(doc.Runs[0].Tool.Driver.Rules) == 0 {
		t.Fatalf("bad SARIF header: %+v", doc)
	}
	levels := map[string]int{}
	for _, r := range doc.Runs[0].Results {
		if r.RuleID == "" || r.Message.Text == "" || len(r.Locations) != 1 || r.Locations[0].PhysicalLocation.Region.StartLine < 1 || r.Locations[0].PhysicalLocation.ArtifactLocation.URI == "" {
			t.Errorf("incomplete result: %+v", r)
		}
		levels[r.Level]++
	}
	if levels["warning"] == 0 || levels["note"] == 0 || levels["error"] != 1 {
		t.Errorf("levels = %v, want warnings (fixes), notes (declined) and one error", levels)
	}
}

// TestRobustTree: a symlink loop, a huge file, non-UTF-8 bytes and a template in one tree;
// each is reported once and none stops the run.
func TestRobustTree(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"ok/Dockerfile":       "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\n",
		"ok/requirements.txt": "flask\n",
		"latin1/Dockerfile":   "FROM debian:bookworm-slim\n# caf\xe9 \xff\xfe\nRUN echo \xe9t\xe9\n",
		"tmpl/Dockerfile":     "FROM %%BASE_IMAGE%%\nRUN make\n",
		"huge/Dockerfile":     "FROM debian:bookworm-slim\n# " + strings.Repeat("x", 5<<20) + "\n",
	})
	if err := os.Symlink("..", filepath.Join(dir, "ok", "loop")); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	st := run([]string{"fix", "-l", dir}, &out, &errb)
	if st != exitFailed {
		t.Fatalf("exit %d, want 2", st)
	}
	if got := strings.TrimSpace(out.String()); !strings.HasSuffix(got, "ok/Dockerfile") || strings.Count(got, "\n") != 0 {
		t.Errorf("stdout = %q, want only ok/Dockerfile", got)
	}
	e := errb.String()
	for _, want := range []string{"huge/Dockerfile: larger than 4 MiB", "tmpl/Dockerfile:1: looks like a template (\"%%\")"} {
		if strings.Count(e, want) != 1 {
			t.Errorf("stderr should say %q once:\n%s", want, e)
		}
	}
	if strings.Contains(e, "latin1") {
		t.Errorf("non-UTF-8 bytes in a comment and a RUN must not be an error:\n%s", e)
	}
}

// TestWalkKnown checks what the walk tells about the files cachefix would otherwise look
// for one by one: only for folders it saw in full, never for folders it skipped.
func TestWalkKnown(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"a/Dockerfile":                  "FROM x\n",
		"a/.dockerignore":               "node_modules\n",
		"a/api.Dockerfile.dockerignore": "x\n",
		"b/Dockerfile":                  "FROM x\n",
		".cachefix.yaml":                "rules:\n  disable: []\n",
		"node_modules/m/.cachefix.yaml": "",
		"node_modules/m/Dockerfile":     "FROM x\n",
		"c/.git/HEAD":                   "ref: refs/heads/main\n",
		"c/Dockerfile":                  "FROM x\n",
	})
	files, walk, errs := findDockerfiles([]string{dir}, nil, nil)
	if len(errs) > 0 || files.Len() != 3 {
		t.Fatalf("found %v, errors %v", files, errs)
	}
	walkOf := func(dockerfile string) *fileWalk { return walkFor(t, files, walk, filepath.Join(dir, dockerfile)) }
	for _, tc := range []struct {
		dockerfile, path string
		exists, known    bool
	}{
		{"a/Dockerfile", "a/.dockerignore", true, true},
		{"a/Dockerfile", "a/api.Dockerfile.dockerignore", false, false}, // one of the other ignore files: a stat tells
		{"a/Dockerfile", "a/Dockerfile.dockerignore", false, true},
		{"b/Dockerfile", "b/.dockerignore", false, true},
		{"b/Dockerfile", "b/api.Dockerfile.dockerignore", false, true},
		{"a/Dockerfile", "a/.cachefix.yaml", false, true},
		{"c/Dockerfile", "c/.git", true, true},
		{"b/Dockerfile", "b/.git", false, true},
		{"b/Dockerfile", ".cachefix.yaml", false, false},     // another folder: ask the disk
		{"a/Dockerfile", "a/requirements.txt", false, false}, // not a watched file
	} {
		exists, known := walkOf(tc.dockerfile).Known(filepath.Join(dir, tc.path))
		if exists != tc.exists || known != tc.known {
			t.Errorf("%s: exists %v known %v, want %v %v", tc.path, exists, known, tc.exists, tc.known)
		}
	}
	if len(watchedNames) > 7 {
		t.Errorf("%d watched names: folder.has has 7 bits for them (bit 7 is otherIgnore)", len(watchedNames))
	}
	if got := files.Len(); got != 3 {
		t.Errorf("%d Dockerfiles found, want 3 (none in node_modules)", got)
	}
}

// TestWalkContext checks that a context loaded with what the walk saw lists the same
// sibling, nested and Compose-built Dockerfiles as one that reads the disk.
func TestWalkContext(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"repo/Dockerfile":                "FROM x\n",
		"repo/Dockerfile.dev":            "FROM x\n",
		"repo/web.Dockerfile":            "FROM x\n",
		"repo/notes.md":                  "x\n",
		"repo/docker-compose.yml":        "services:\n  a:\n    build:\n      context: .\n      dockerfile: docker/app.Dockerfile\n",
		"repo/docker/app.Dockerfile":     "FROM x\n",
		"repo/svc/api/Dockerfile":        "FROM x\n",
		"repo/svc/Dockerfile":            "FROM x\n",
		"repo/svc-a/Dockerfile":          "FROM x\n",
		"repo/a/b/c/Dockerfile":          "FROM x\n",
		"repo/a/b/c/d/Dockerfile":        "FROM x\n",
		"repo/.devcontainer/Dockerfile":  "FROM x\n",
		"repo/node_modules/m/Dockerfile": "FROM x\n",
		"repo/vendor/v/Dockerfile":       "FROM x\n",
		"other/Dockerfile":               "FROM x\n",
	})
	files, walk, errs := findDockerfiles([]string{dir}, nil, nil)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	top := filepath.Join(dir, "repo")
	for _, df := range []string{"Dockerfile", "web.Dockerfile"} {
		disk, err := detect.Load(top, filepath.Join(top, df), nil)
		if err != nil {
			t.Fatal(err)
		}
		walked, err := detect.LoadKnown(top, filepath.Join(top, df), nil, walkFor(t, files, walk, filepath.Join(top, df)))
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name       string
			disk, walk []string
		}{
			{"siblings", disk.Siblings(), walked.Siblings()},
			{"nested", disk.Nested(), walked.Nested()},
			{"composed", disk.Composed(), walked.Composed()},
		} {
			if !slices.Equal(c.disk, c.walk) || len(c.disk) == 0 { // the same order too
				t.Errorf("%s, %s: from the disk %v, from the walk %v", df, c.name, c.disk, c.walk)
			}
		}
	}
}

// TestWalkListing checks that a context answers Stat and ReadFile for the files of its top
// folder with the walk's name filter as it does from the disk, links included.
func TestWalkListing(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"repo/Dockerfile":        "FROM x\n",
		"repo/requirements.txt":  "flask\n",
		"repo/src/app.py":        "x\n",
		"repo/shared/pip.conf":   "[global]\n",
		"repo/.dockerignore":     "*.log\n",
		"repo/debug.log":         "x\n",
		"repo/nested/Dockerfile": "FROM x\n",
		"repo/nested/only.txt":   "x\n",
		"repo/z.Dockerfile":      "FROM x\n",
	})
	top := filepath.Join(dir, "repo")
	os.Symlink("shared/pip.conf", filepath.Join(top, "pip.conf"))
	os.Symlink("shared", filepath.Join(top, "conf"))
	os.Symlink("missing.txt", filepath.Join(top, "dangling.txt"))
	files, walk, errs := findDockerfiles([]string{dir}, nil, nil)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	fw := walkFor(t, files, walk, filepath.Join(top, "Dockerfile"))
	disk, err := detect.Load(top, filepath.Join(top, "Dockerfile"), nil)
	if err != nil {
		t.Fatal(err)
	}
	walked, err := detect.LoadKnown(top, filepath.Join(top, "Dockerfile"), nil, fw)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"requirements.txt", "src", "pip.conf", "conf", "dangling.txt", "missing.txt", "debug.log", "nested", "nested/Dockerfile", "conf/pip.conf", ".", "Dockerfile"} {
		e1, d1 := disk.Stat(name)
		e2, d2 := walked.Stat(name)
		if e1 != e2 || d1 != d2 {
			t.Errorf("Stat(%s): disk %v %v, walk %v %v", name, e1, d1, e2, d2)
		}
		b1, err1 := disk.ReadFile(name)
		b2, err2 := walked.ReadFile(name)
		if string(b1) != string(b2) || (err1 == nil) != (err2 == nil) || err1 != nil && err1.Error() != err2.Error() {
			t.Errorf("ReadFile(%s): disk %q %v, walk %q %v", name, b1, err1, b2, err2)
		}
	}
	// A subfolder walked between two Dockerfiles of its parent keeps its own names.
	nested := filepath.Join(top, "nested")
	w, err := detect.LoadKnown(nested, filepath.Join(nested, "Dockerfile"), nil, walkFor(t, files, walk, filepath.Join(nested, "Dockerfile")))
	if err != nil {
		t.Fatal(err)
	}
	if e, _ := w.Stat("only.txt"); !e {
		t.Error("nested/only.txt: the walk's record of the subfolder says it is missing")
	}
	if e, _ := w.Stat("requirements.txt"); e {
		t.Error("nested/requirements.txt: found in the subfolder")
	}
	if _, _, known := fw.Lookup(top, "missing.txt"); !known {
		t.Error("the walk kept no filter of the Dockerfile's folder names")
	}
	for _, name := range []string{"requirements.txt", "src", "pip.conf", "Dockerfile"} {
		if exists, _, known := fw.Lookup(top, name); known && !exists {
			t.Errorf("the walk's filter says %s is not in the folder", name)
		}
	}
}

// walkFor is what the walk saw for the Dockerfile at abs, as processFile passes it on.
func walkFor(t *testing.T, files *foundList, walk *seen, abs string) *fileWalk {
	t.Helper()
	for i := range files.Len() {
		if f := files.At(i); f.abs == abs {
			return &fileWalk{walk, filepath.Dir(abs), f.dir}
		}
	}
	t.Fatalf("%s not found", abs)
	return nil
}

// TestWalkEdges: the root folder as a PATH argument, a watched file in another case (a file
// system that ignores case would find it), and a link to a watched file that may dangle.
func TestWalkEdges(t *testing.T) {
	s := &seen{roots: []string{"/"}, paths: "/Dockerfile/a/Dockerfile"}
	s.dockerfiles = []span{{0, 11}, {11, 13}}
	if got, ok := s.Dockerfiles("/"); !ok || len(got) != 2 {
		t.Errorf("Dockerfiles(/) = %v, %v; want both", got, ok)
	}
	if !s.covered("/a") {
		t.Error("/a is not covered by a walk of /")
	}

	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"a/Dockerfile":    "FROM x\n",
		"a/.DockerIgnore": "node_modules\n",
	})
	os.Symlink("nowhere", filepath.Join(dir, "a", ".git"))
	files, walk, errs := findDockerfiles([]string{dir}, nil, nil)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	w := walkFor(t, files, walk, filepath.Join(dir, "a", "Dockerfile"))
	for _, name := range []string{".dockerignore", ".git"} {
		if exists, known := w.Known(filepath.Join(dir, "a", name)); known {
			t.Errorf("%s: the walk says exists=%v, where only a stat can tell", name, exists)
		}
	}
	if exists, known := w.Known(filepath.Join(dir, "a", ".cachefix.yaml")); !known || exists {
		t.Errorf(".cachefix.yaml: exists %v known %v, want a sure no", exists, known)
	}
	if _, _, known := w.Lookup(filepath.Join(dir, "a"), ".DOCKERIGNORE"); known {
		t.Error("the name filter rules out a name present in another case")
	}
}
