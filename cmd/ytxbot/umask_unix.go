package main

import "syscall"

// umask sets the process umask and returns the old one, so the admin socket
// is created 0600 from the start rather than chmod-ed after a window.
func umask(m int) int { return syscall.Umask(m) }

// ownSocket reports whether path is a unix socket that this process's user
// owns. The socket may live in a shared directory (os.TempDir, when
// storage.path is too long and XDG_RUNTIME_DIR unset), where another user
// could put one first: imports and backups must not go to it.
func ownSocket(path string) bool {
	var st syscall.Stat_t
	if err := syscall.Lstat(path, &st); err != nil {
		return false
	}
	return st.Mode&syscall.S_IFMT == syscall.S_IFSOCK && int(st.Uid) == syscall.Getuid()
}
