//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package main

import "time"

func cpuTime() time.Duration { return 0 }
