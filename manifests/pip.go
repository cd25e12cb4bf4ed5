package manifests

import (
	"fmt"
	"os"
	"path"
	"strings"
)

// Pip is pip, run as pip, pip3, pip3.12 or python -m pip.
var Pip = &Manager{
	Name:      "pip",
	Files:     []string{"**/requirements*.txt", "**/requirements/*.txt", "**/requirements*.in", "**/constraints*.txt", "**/pip.conf"},
	Recognize: recognizePip,
	Follow:    followRequirements,
	Caches: func(env Lookup) []CacheDir {
		if d, ok := envDir(env, "PIP_CACHE_DIR"); ok {
			return []CacheDir{{Path: d}}
		}
		if d, ok := envDir(env, "XDG_CACHE_HOME"); ok {
			return []CacheDir{{Path: path.Join(d, "pip")}}
		}
		return []CacheDir{{Path: homeDir(".cache/pip")}}
	},
	Disablers: []string{"PIP_NO_CACHE_DIR"},
	Cleans: func(c *Cmd) bool {
		c, ok := pipCommand(c)
		return ok && len(c.Args) >= 3 && c.Args[1] == "cache" && (c.Args[2] == "purge" || c.Args[2] == "remove")
	},
}

var pipFlags = flagSpec{
	"-r": true, "--requirement": true, "-c": true, "--constraint": true, "-e": true, "--editable": true,
	"-t": true, "--target": true, "--prefix": true, "--root": true, "-i": true, "--index-url": true,
	"--extra-index-url": true, "-f": true, "--find-links": true, "--cache-dir": true, "--src": true,
	"--platform": true, "--python-version": true, "--implementation": true, "--abi": true,
	"--only-binary": true, "--no-binary": true, "--progress-bar": true, "--trusted-host": true,
	"-C": true, "--config-settings": true, "--global-option": true, "--log": true, "--timeout": true,
	"--retries": true, "--proxy": true, "--cert": true, "--client-cert": true, "--upgrade-strategy": true,
	"--report": true, "--exists-action": true, "--python": true, "-w": true, "--wheel-dir": true,
	"-d": true, "--dest": true, "--use-feature": true, "--use-deprecated": true, "--keyring-provider": true,
	"--group": true,
}

// pipCommand strips "python -m" from c and reports whether what remains is pip.
func pipCommand(c *Cmd) (*Cmd, bool) {
	name := c.Name()
	if strings.HasPrefix(name, "python") && len(c.Args) >= 3 && c.Lit[1] && c.Args[1] == "-m" && c.Lit[2] && c.Args[2] == "pip" {
		return c.Sub(2), true
	}
	if name == "pip" || strings.HasPrefix(name, "pip3") || name == "pip2" {
		return c, true
	}
	return nil, false
}

func recognizePip(orig *Cmd) (*Install, bool) {
	c, ok := pipCommand(orig)
	if !ok || len(c.Args) < 2 || !c.Lit[1] {
		return nil, false
	}
	off := len(orig.Args) - len(c.Args)
	switch c.Args[1] {
	case "install", "wheel", "download":
	default:
		return nil, false
	}
	words, ok := parseFlags(c, 2, pipFlags)
	if !ok {
		return &Install{NeedsSource: "its arguments are not all literal", NoCache: ""}, true
	}
	in := &Install{}
	for _, w := range words {
		switch w.flag {
		case "":
			if isLocalPath(w.val) {
				in.NeedsSource = fmt.Sprintf("pip %s %s reads the source", c.Args[1], w.val)
			}
		case "-r", "--requirement", "-c", "--constraint":
			in.Inputs = append(in.Inputs, w.val)
		case "-e", "--editable":
			if isLocalPath(w.val) || !strings.Contains(w.val, "://") {
				in.NeedsSource = fmt.Sprintf("pip install -e %s reads the source", w.val)
			}
		case "-f", "--find-links":
			if !strings.Contains(w.val, "://") {
				in.NeedsSource = fmt.Sprintf("pip --find-links %s reads a local folder", w.val)
			}
		case "-t", "--target", "--prefix", "--root", "-w", "--wheel-dir", "-d", "--dest":
			in.Outputs = append(in.Outputs, w.val)
		case "--user":
			in.Outputs = append(in.Outputs, "~/.local")
		case "--no-cache-dir", "--no-cache-di", "--no-cache-d", "--no-cache-", "--no-cache", "--no-cach", "--no-cac", "--no-ca":
			in.Defeats = append(in.Defeats, off+w.i) // pip takes any unambiguous prefix
		case "--cache-dir":
			if strings.HasPrefix(w.val, "/") {
				in.CacheDirs = []CacheDir{{Path: path.Clean(w.val)}}
			} else {
				in.NoCache = "pip --cache-dir " + w.val + " is not an absolute path"
			}
		}
	}
	// Variables that stand for flags (pip reads every option from PIP_<NAME>).
	if v, ok := c.lookup("PIP_REQUIREMENT"); ok && v != "" {
		in.Inputs = append(in.Inputs, strings.Fields(v)...)
	}
	if v, ok := c.lookup("PIP_CONSTRAINT"); ok && v != "" {
		in.Inputs = append(in.Inputs, strings.Fields(v)...)
	}
	if v, ok := c.lookup("PIP_CONFIG_FILE"); ok && v != "" && v != os.DevNull {
		in.Inputs = append(in.Inputs, v)
	}
	if v, ok := c.lookup("PIP_FIND_LINKS"); ok && !strings.Contains(v, "://") && v != "" && in.NeedsSource == "" {
		in.NeedsSource = "PIP_FIND_LINKS=" + v + " names a local folder"
	}
	return in, true
}

// followRequirements adds the files that requirement files include (-r, -c), each relative
// to the file that names it, and marks the install as reading the source when a
// requirement names a local path.
func followRequirements(in *Install, read Reader) {
	seen := map[string]bool{}
	queue := append([]string(nil), in.Inputs...)
	in.Inputs = nil
	for len(queue) > 0 {
		name := queue[0]
		queue = queue[1:]
		if seen[name] {
			continue
		}
		seen[name] = true
		in.Inputs = append(in.Inputs, name)
		data, err := read(name)
		if err != nil {
			continue // the rule reports missing inputs
		}
		for _, l := range requirementLines(data) {
			fields := strings.Fields(l.text)
			if len(fields) == 0 {
				continue
			}
			f := fields[0]
			rel := func(v string) string {
				if strings.HasPrefix(v, "/") {
					return v
				}
				return path.Join(path.Dir(name), v)
			}
			val := ""
			if len(fields) > 1 {
				val = fields[1]
			}
			for _, p := range []string{"-r", "--requirement", "-c", "--constraint", "-e", "--editable", "-f", "--find-links"} {
				if f == p && val != "" {
					break
				}
				if strings.HasPrefix(f, p+"=") || (len(p) == 2 && strings.HasPrefix(f, p) && len(f) > 2) {
					val = strings.TrimPrefix(strings.TrimPrefix(f, p), "=")
					f = p
					break
				}
			}
			switch f {
			case "-r", "--requirement", "-c", "--constraint":
				if val != "" {
					queue = append(queue, rel(val))
				}
			case "-e", "--editable", "-f", "--find-links":
				if val != "" && !strings.Contains(val, "://") && in.NeedsSource == "" {
					in.NeedsSource = fmt.Sprintf("%s line %d names a local path (%s %s)", name, l.line, f, val)
				}
			default:
				if strings.HasPrefix(f, "-") {
					continue
				}
				spec := f
				if at := strings.Index(l.text, " @ "); at >= 0 {
					spec = strings.TrimSpace(l.text[at+3:])
				}
				if (isLocalPath(spec) || strings.HasPrefix(spec, "file:")) && in.NeedsSource == "" {
					in.NeedsSource = fmt.Sprintf("%s line %d names a local path (%s)", name, l.line, spec)
				}
			}
		}
	}
}

type reqLine struct {
	line int
	text string
}

// requirementLines returns the logical lines of a requirements file: comments removed,
// backslash continuations joined.
func requirementLines(data []byte) []reqLine {
	var out []reqLine
	n, start := 0, 0
	var cur strings.Builder
	for _, t := range strings.Split(string(data), "\n") {
		n++
		t = strings.TrimRight(t, "\r")
		if cur.Len() == 0 {
			start = n
		}
		if strings.HasSuffix(t, "\\") {
			cur.WriteString(strings.TrimSuffix(t, "\\"))
			continue
		}
		cur.WriteString(t)
		s := cur.String()
		cur.Reset()
		if i := strings.Index(s, "#"); i >= 0 && (i == 0 || s[i-1] == ' ' || s[i-1] == '\t') {
			s = s[:i]
		}
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, reqLine{line: start, text: s})
		}
	}
	return out
}
