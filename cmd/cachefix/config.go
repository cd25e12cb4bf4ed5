package main

// config.go reads .cachefix.yaml. YAML, because the Dockerfile ecosystem's linters use it
// (hadolint reads .hadolint.yaml, golangci-lint .golangci.yml) and BuildKit's own module
// graph already carries the YAML parser.

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/bmatcuk/doublestar/v4"
	"go.yaml.in/yaml/v3"

	"github.com/cachefix/cachefix/detect"
	"github.com/cachefix/cachefix/rewrite"
)

// configName is the configuration file found upward from each Dockerfile.
const configName = ".cachefix.yaml"

// config is one .cachefix.yaml; keys mirror the flags.
type config struct {
	Rules       ruleSelection `yaml:"rules"`
	NoMounts    *bool         `yaml:"no-mounts"`
	NoSyntax    *bool         `yaml:"no-syntax"`
	UnsafeFixes *bool         `yaml:"unsafe-fixes"`
	// Ignore lists doublestar globs, relative to the config file's folder, of Dockerfiles
	// to skip.
	Ignore    []string   `yaml:"ignore"`
	Overrides []override `yaml:"overrides"`

	dir string
}

type ruleSelection struct {
	Enable  []string `yaml:"enable"`
	Disable []string `yaml:"disable"`
}

// override applies settings to the Dockerfiles matching its paths.
type override struct {
	Paths       []string      `yaml:"paths"`
	Rules       ruleSelection `yaml:"rules"`
	NoMounts    *bool         `yaml:"no-mounts"`
	NoSyntax    *bool         `yaml:"no-syntax"`
	UnsafeFixes *bool         `yaml:"unsafe-fixes"`
}

// configs finds and caches configuration files; safe for concurrent use. It keeps the
// answers for the folders above Dockerfiles (shared by many) and for the last folder asked
// about (its Dockerfiles come one after another), so that memory stays flat over a large
// tree of repositories.
type configs struct {
	mu      sync.Mutex
	nearest map[string]nearestConfig
	lastDir string
	last    nearestConfig
}

// existsFunc answers whether a file exists when it can tell (ok), as a walk does for the
// folder of a Dockerfile it found.
type existsFunc func(path string) (exists, ok bool)

// nearestConfig is find's cached answer for a folder.
type nearestConfig struct {
	c   *config
	err error
}

func newConfigs() *configs {
	return &configs{nearest: map[string]nearestConfig{}}
}

// find returns the nearest .cachefix.yaml at or above dir (up to the repository's root),
// or nil.
func (cs *configs) find(dir string, known existsFunc) (*config, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	cs.mu.Lock()
	if abs == cs.lastDir {
		r := cs.last
		cs.mu.Unlock()
		return r.c, r.err
	}
	cs.mu.Unlock()
	r := cs.lookup(abs, false, known)
	cs.mu.Lock()
	cs.lastDir, cs.last = abs, r
	cs.mu.Unlock()
	return r.c, r.err
}

// lookup answers for folder abs; the answers for parent folders are kept.
func (cs *configs) lookup(abs string, parent bool, known existsFunc) nearestConfig {
	cs.mu.Lock()
	r, ok := cs.nearest[abs]
	cs.mu.Unlock()
	if ok {
		return r
	}
	// Read and decode outside the lock: the workers look up folders at the same time.
	c, err := readConfig(abs, known)
	if err == nil && c == nil {
		if !exists(filepath.Join(abs, ".git"), known) && filepath.Dir(abs) != abs {
			up := cs.lookup(filepath.Dir(abs), true, nil) // not a repository's root: look further up
			c, err = up.c, up.err
		}
	}
	r = nearestConfig{c, err}
	if parent {
		cs.mu.Lock()
		cs.nearest[abs] = r
		cs.mu.Unlock()
	}
	return r
}

// exists reports whether path exists, from known when it can tell.
func exists(path string, known existsFunc) bool {
	if known != nil {
		if ok, sure := known(path); sure {
			return ok
		}
	}
	_, err := os.Stat(path)
	return err == nil
}

// readConfig reads dir's config file: nil when there is none.
func readConfig(dir string, known existsFunc) (*config, error) {
	path := filepath.Join(dir, configName)
	if known != nil {
		if ok, sure := known(path); sure && !ok {
			return nil, nil
		}
	}
	data, err := detect.ReadRegular(path, detect.MaxIgnore) // never blocks on a FIFO
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	c := &config{dir: dir}
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil && err.Error() != "EOF" {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := c.validate(path); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *config) validate(path string) error {
	known := map[string]bool{}
	for _, r := range rewrite.All() {
		known[r.Name] = true
	}
	check := func(sel ruleSelection) error {
		for _, n := range append(append([]string(nil), sel.Enable...), sel.Disable...) {
			if !known[n] {
				return fmt.Errorf("%s: unknown rule %q (cachefix rules lists them)", path, n)
			}
		}
		return nil
	}
	if err := check(c.Rules); err != nil {
		return err
	}
	for _, pat := range c.Ignore {
		if !doublestar.ValidatePattern(pat) {
			return fmt.Errorf("%s: bad ignore glob %q", path, pat)
		}
	}
	for _, o := range c.Overrides {
		if err := check(o.Rules); err != nil {
			return err
		}
		for _, pat := range o.Paths {
			if !doublestar.ValidatePattern(pat) {
				return fmt.Errorf("%s: bad override path %q", path, pat)
			}
		}
	}
	return nil
}

// settings is what applies to one Dockerfile: its options and rules.
type settings struct {
	opts    rewrite.Options
	rules   []*rewrite.Rule
	ignored bool // the config's ignore globs skip the file
}

// resolve merges the config (if any) under the command-line flags that were set.
func resolve(c *config, file string, ff *fixFlags) settings {
	s := settings{opts: rewrite.Options{NoMounts: ff.noMounts, NoSyntax: ff.noSyntax, Unsafe: ff.unsafe}}
	var sels []ruleSelection
	if c != nil {
		rel, err := filepath.Rel(c.dir, mustAbs(file))
		rel = filepath.ToSlash(rel)
		if err == nil {
			for _, pat := range c.Ignore {
				if ok, _ := doublestar.Match(pat, rel); ok {
					s.ignored = true
				}
			}
		}
		apply := func(nm, ns, uf *bool, sel ruleSelection) {
			if nm != nil && !ff.changed("no-mounts") {
				s.opts.NoMounts = *nm
			}
			if ns != nil && !ff.changed("no-syntax") {
				s.opts.NoSyntax = *ns
			}
			if uf != nil && !ff.changed("unsafe-fixes") {
				s.opts.Unsafe = *uf
			}
			sels = append(sels, sel)
		}
		apply(c.NoMounts, c.NoSyntax, c.UnsafeFixes, c.Rules)
		for _, o := range c.Overrides {
			for _, pat := range o.Paths {
				if ok, _ := doublestar.Match(pat, rel); ok && err == nil {
					apply(o.NoMounts, o.NoSyntax, o.UnsafeFixes, o.Rules)
					break
				}
			}
		}
	}
	if len(sels) == 0 {
		s.rules = rewrite.All() // no configuration: every rule
		return s
	}
	on := map[string]bool{}
	for _, r := range rewrite.All() {
		on[r.Name] = true
	}
	for _, sel := range sels {
		if len(sel.Enable) > 0 {
			for n := range on {
				on[n] = false
			}
			for _, n := range sel.Enable {
				on[n] = true
			}
		}
		for _, n := range sel.Disable {
			on[n] = false
		}
	}
	for _, r := range rewrite.All() {
		if on[r.Name] {
			s.rules = append(s.rules, r)
		}
	}
	return s
}

func mustAbs(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}
