//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package detect

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestReadRegular(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "requirements.txt")
	os.WriteFile(small, []byte("flask==3.0\n"), 0o644)
	big := filepath.Join(dir, "big")
	os.WriteFile(big, make([]byte, 2048), 0o644)
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, nil, 0o644)

	if data, err := ReadRegular(small, 1024); err != nil || string(data) != "flask==3.0\n" {
		t.Errorf("small file: %q, %v", data, err)
	}
	if data, err := ReadRegular(empty, 1024); err != nil || len(data) != 0 {
		t.Errorf("empty file: %q, %v", data, err)
	}
	if _, err := ReadRegular(big, 1024); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("file over the limit: %v", err)
	}
	if data, err := ReadRegular(big, 2048); err != nil || len(data) != 2048 {
		t.Errorf("file at the limit: %d bytes, %v", len(data), err)
	}
	if _, err := ReadRegular(filepath.Join(dir, "missing"), 1024); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v, want a not-exist error", err)
	}
	if _, err := ReadRegular(dir, 1024); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("folder: %v", err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("no FIFOs here: %v", err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := ReadRegular(fifo, 1024)
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("FIFO: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("reading a FIFO blocked")
	}
}
