package slack_test

import (
	"os"
	"syscall"
)

// The journal is written in place over preallocated space, so fdatasync
// need not flush the file's metadata.
func init() { datasync = func(f *os.File) error { return syscall.Fdatasync(int(f.Fd())) } }
