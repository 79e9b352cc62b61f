package main

import "syscall"

// umask sets the process umask and returns the old one, so the admin socket
// is created 0600 from the start rather than chmod-ed after a window.
func umask(m int) int { return syscall.Umask(m) }
