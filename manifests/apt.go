package manifests

import (
	"fmt"
	"strings"
)

// dockerClean is the apt configuration of Debian and Ubuntu images that deletes downloaded
// packages after every install, even from a cache mount.
const dockerClean = "/etc/apt/apt.conf.d/docker-clean"

// Apt is apt-get and apt on Debian and Ubuntu.
var Apt = &Manager{
	Name: "apt",
	Recognize: func(c *Cmd) (*Install, bool) {
		if (c.Name() != "apt-get" && c.Name() != "apt") || len(c.Args) < 2 {
			return nil, false
		}
		words, ok := parseFlags(c, 1, flagSpec{"-o": true, "-t": true, "-c": true, "--option": true, "--target-release": true, "--config-file": true})
		if !ok {
			return &Install{NeedsSource: "its arguments are not all literal"}, true
		}
		sub := ""
		for _, w := range words {
			if w.flag != "" {
				continue
			}
			if sub == "" {
				sub = w.val
				switch sub {
				case "update", "install", "upgrade", "dist-upgrade", "full-upgrade", "build-dep", "reinstall":
				default:
					return nil, false
				}
				continue
			}
			if isLocalPath(w.val) {
				return &Install{NeedsSource: fmt.Sprintf("apt installs %s from a file", w.val)}, true
			}
		}
		if sub == "" {
			return nil, false
		}
		for _, w := range words {
			if w.flag == "-d" || w.flag == "--download-only" || (w.flag == "-o" || w.flag == "--option") && strings.Contains(strings.ToLower(w.val), "download-only") {
				// The downloaded packages are the point: later commands or stages read them.
				return &Install{NoCache: "it only downloads packages, which are read from /var/cache/apt afterwards"}, true
			}
		}
		return &Install{}, true
	},
	Caches: func(Lookup) []CacheDir {
		return []CacheDir{{Path: "/var/cache/apt", Locked: true}, {Path: "/var/lib/apt/lists", Locked: true, OnlyWhenRemoved: true}}
	},
	Cleans: func(c *Cmd) bool {
		return (c.Name() == "apt-get" || c.Name() == "apt") && len(c.Args) == 2 && (c.Args[1] == "clean" || c.Args[1] == "dist-clean" || c.Args[1] == "autoclean")
	},
	Around: &Around{
		Marker: "docker-clean",
		Before: "mv " + dockerClean + " /etc/apt/docker-clean.aside 2>/dev/null || true;",
		After:  "{ mv /etc/apt/docker-clean.aside " + dockerClean + " 2>/dev/null || true; }",
		Why:    "Debian's docker-clean hook deletes downloaded packages even from the mount; it is set aside for this step only",
	},
}
