package detect

import (
	"fmt"
	"io"
	"io/fs"
	"os"
)

// MaxFile is the largest file cachefix reads from a build context.
const MaxFile = 4 << 20

// ReadRegular reads the regular file at path on disk, of at most limit bytes: a FIFO, a
// device or a folder is refused without blocking on it or reading from it. It makes the
// fewest system calls it can (open, stat, read, close): a bulk run reads many small files.
func ReadRegular(path string, limit int64) ([]byte, error) {
	return readRegularDisk(path, path, limit)
}

// ReadRegularAs is ReadRegular with the file called name in errors.
func ReadRegularAs(path, name string, limit int64) ([]byte, error) {
	return readRegularDisk(path, name, limit)
}

// TooBigError is the error of a read refused for the file's size.
type TooBigError struct {
	Name  string
	Limit int64
}

func (e *TooBigError) Error() string {
	return fmt.Sprintf("%s: larger than %d MiB", e.Name, e.Limit>>20)
}

// readRegular reads a regular file of at most 4 MiB of fsys, checking the open file (one
// open, one stat): a FIFO or a device is refused before anything is read from it.
func readRegular(fsys fs.FS, name string) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	return readOpen(f, name, MaxFile)
}

// readOS is the portable readRegularDisk.
func readOS(path, name string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	return readOpen(f, name, limit)
}

// readOpen reads and closes an open file that must be regular and at most limit bytes.
func readOpen(f fs.File, name string, limit int64) ([]byte, error) {
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", name)
	}
	if st.Size() > limit {
		return nil, &TooBigError{name, limit}
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err == nil && int64(len(data)) > limit {
		return nil, &TooBigError{name, limit} // grew since the stat
	}
	return data, err
}
