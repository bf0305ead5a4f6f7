//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package ledger

import "sync"

var dirLock sync.Mutex

// lockDir serializes the writers of kept checkpoints in this process. On
// this system, processes that share a data directory are not serialized:
// run one process per data directory.
func lockDir(dir string) (unlock func(), err error) {
	dirLock.Lock()
	return dirLock.Unlock, nil
}
