// Package manifests declares the package managers cachefix knows: how their installs are spelled, which files they read, and where they cache downloads.
package manifests
