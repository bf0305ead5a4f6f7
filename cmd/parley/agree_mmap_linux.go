package main

import (
	"io"
	"os"
	"syscall"

	"github.com/parleyhq/parley/agreement"
)

// mapInput maps standard input into memory when it is a regular file of
// at most agreement.MaxInputSize bytes, and returns its bytes and a
// function that unmaps them; else it returns false. Reading 57 MB into
// fresh memory costs more than everything else parley agree does with
// it: each new page of memory is a fault, while the pages of a file read
// before are already in the page cache. The bytes are read-only, and
// must not be used after unmapping (nothing the agreement package returns
// refers to them). If another process truncates the file meanwhile,
// reading past its end kills the process with SIGBUS.
func mapInput(r io.Reader) ([]byte, func(), bool) {
	f, ok := r.(*os.File)
	if !ok {
		return nil, nil, false
	}
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() || fi.Size() == 0 || fi.Size() > agreement.MaxInputSize {
		return nil, nil, false
	}
	b, err := syscall.Mmap(int(f.Fd()), 0, int(fi.Size()), syscall.PROT_READ, syscall.MAP_PRIVATE|syscall.MAP_POPULATE)
	if err != nil {
		return nil, nil, false
	}
	return b, func() { syscall.Munmap(b) }, true
}
