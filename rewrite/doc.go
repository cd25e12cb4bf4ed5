// Package rewrite applies cache rules to a Dockerfile's bytes and merges their edits.
package rewrite
