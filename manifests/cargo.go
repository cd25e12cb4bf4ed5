package manifests

import (
	"path"
	"slices"
	"strings"
)

// Cargo is Rust's cargo. Its builds read the source, so nothing moves; the registry and
// git checkouts under CARGO_HOME (~/.cargo, /usr/local/cargo on the rust image) are where
// it keeps what it downloads, and are mounted (not CARGO_HOME itself, which holds the
// installed tools in bin/). Like Go's module cache they stay in the image where a later
// step reads them: an offline or frozen build, or a stage that runs cargo when it starts.
var Cargo = &Manager{
	Name:        "cargo",
	ConfigFiles: []string{"cargo/config"},
	Files:       []string{"**/Cargo.toml", "**/Cargo.lock", "**/.cargo/config.toml", "**/.cargo/config", "**/rust-toolchain.toml", "**/rust-toolchain"},
	Recognize: func(c *Cmd) (*Install, bool) {
		if c.Name() != "cargo" || len(c.Args) < 2 || !c.Lit[1] {
			return nil, false
		}
		switch c.Args[1] {
		case "build", "install", "test", "check", "fetch", "run", "b", "t", "r", "c", "doc", "bench", "clippy", "chef", "leptos", "zigbuild":
		default:
			return nil, false
		}
		in := &Install{NeedsSource: "cargo " + c.Args[1] + " reads the crate's source", Build: true}
		if c.Args[1] == "install" && !hasFlag(c, "--path") {
			if ops, ok := operands(c, 2, cargoFlags); ok && len(ops) > 0 {
				in.NeedsSource, in.Build = "", false // cargo install ripgrep: from the registry
				// .cargo/config may replace the registry; rustup picks the toolchain that
				// builds the tool from a rust-toolchain file here or above.
				in.Optional = slices.Concat([]string{".cargo/config.toml", ".cargo/config"}, upward("rust-toolchain.toml"), upward("rust-toolchain"))
			}
		}
		if hasFlag(c, "--offline", "--frozen") || envTrue(c, "CARGO_NET_OFFLINE") {
			in.NoCache = "it runs offline, from a registry an earlier step left in the image"
		}
		for i, a := range c.Args {
			v, ok := strings.CutPrefix(a, "--config=")
			if a == "--config" && i+1 < len(c.Args) {
				v, ok = c.Args[i+1], c.Lit[i+1]
			}
			if ok && (strings.Contains(v, "offline") || strings.Contains(v, "source") || strings.HasSuffix(v, ".toml")) {
				in.NoCache = "its --config " + v + " may run it offline or replace the registry"
			}
		}
		return in, true
	},
	Follow: func(in *Install, read Reader) {
		if in.NoCache != "" {
			return
		}
		home := "~/.cargo"
		if v, ok := in.Cmd.lookup("CARGO_HOME"); ok && path.IsAbs(v) {
			home = v
		}
		files := slices.Concat(read.upward(".cargo/config.toml"), read.upward(".cargo/config"), []string{path.Join(home, "config.toml"), path.Join(home, "config")})
		for _, f := range files {
			data, err := read.Read(f)
			if err != nil {
				continue
			}
			text := string(data)
			if strings.Contains(text, "offline") || strings.Contains(text, "[source") || strings.Contains(text, "replace-with") {
				in.NoCache = f + " sets offline mode or replaces the registry source"
				return
			}
		}
	},
	Caches: func(env Lookup) []CacheDir {
		home := homeDir(".cargo")
		if d, ok := envDir(env, "CARGO_HOME"); ok {
			home = d
		}
		return []CacheDir{{Path: path.Join(home, "registry"), Persistent: true, Beside: true, Locked: true}, {Path: path.Join(home, "git"), Persistent: true, Beside: true, Locked: true}}
	},
	Runtime: &Runtime{Images: []string{"rust"}, Commands: []string{"cargo"}},
}

var cargoFlags = flagSpec{"--version": true, "--git": true, "--branch": true, "--tag": true, "--rev": true, "--root": true, "--target": true, "--features": true, "-F": true, "--profile": true, "-j": true, "--jobs": true, "--registry": true, "--index": true, "--bin": true, "--example": true}

// envTrue reports whether the command's environment sets name to a true value.
func envTrue(c *Cmd, name string) bool {
	v, ok := c.lookup(name)
	return ok && v != "" && !isFalse(v)
}
