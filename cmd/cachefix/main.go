// Command cachefix rewrites Dockerfiles so that dependency installs stay cached.
package main

import (
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}
