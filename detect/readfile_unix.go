//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package detect

import (
	"fmt"
	"io/fs"
	"syscall"
)

// readRegularDisk reads the file at path (named name in errors) with raw system calls:
// os.Open would also make the descriptor non-blocking, try the poller and undo both, five
// calls more per file. The open is non-blocking, so that a FIFO cannot hang it.
func readRegularDisk(path, name string, limit int64) ([]byte, error) {
	var fd int
	var err error
	for {
		fd, err = syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC|syscall.O_NONBLOCK, 0)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	defer syscall.Close(fd)
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: err}
	}
	if st.Mode&syscall.S_IFMT != syscall.S_IFREG {
		return nil, fmt.Errorf("%s: not a regular file", name)
	}
	if st.Size > limit {
		return nil, &TooBigError{name, limit}
	}
	// One read for a file of the size stat gave, when it comes back whole (a read may come
	// back short on a network or FUSE file system: then read on to the end). A file that
	// grew is read on to the limit.
	buf := make([]byte, 0, st.Size+1)
	for {
		if int64(len(buf)) == int64(cap(buf)) {
			if int64(len(buf)) > limit {
				return nil, &TooBigError{name, limit} // grew since the stat
			}
			buf = append(buf, 0)[:len(buf)]
		}
		want := cap(buf) - len(buf)
		n, err := syscall.Read(fd, buf[len(buf):cap(buf)])
		if err == syscall.EINTR {
			continue
		}
		if err == syscall.EAGAIN {
			return nil, fmt.Errorf("%s: not a regular file", name)
		}
		if err != nil {
			return nil, &fs.PathError{Op: "read", Path: name, Err: err}
		}
		if n <= 0 {
			break
		}
		buf = buf[:len(buf)+n]
		if n < want && int64(len(buf)) == st.Size {
			break // all that stat said it holds
		}
	}
	if int64(len(buf)) > limit {
		return nil, &TooBigError{name, limit}
	}
	return buf, nil
}

// statDisk reports whether path exists, following links, and is a folder: os.Stat's
// answer without its FileInfo.
func statDisk(path string) (exists, dir bool) {
	var st syscall.Stat_t
	for {
		err := syscall.Stat(path, &st)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return false, false
		}
		return true, st.Mode&syscall.S_IFMT == syscall.S_IFDIR
	}
}

// errNotExist is the error an open of a missing file gives.
var errNotExist error = syscall.ENOENT
