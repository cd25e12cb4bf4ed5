//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package detect

func readRegularDisk(path, name string, limit int64) ([]byte, error) {
	return readOS(path, name, limit)
}
