// Package detect reads a Dockerfile's build context: which files it holds and which of them .dockerignore excludes.
package detect
