//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package detect

import (
	"io/fs"
	"os"
)

func readRegularDisk(path, name string, limit int64) ([]byte, error) {
	return readOS(path, name, limit)
}

func statDisk(path string) (exists, dir bool) {
	st, err := os.Stat(path)
	if err != nil {
		return false, false
	}
	return true, st.IsDir()
}

var errNotExist error = fs.ErrNotExist
