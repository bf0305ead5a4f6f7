package record

import (
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/parleyhq/parley"
)

// checked is what the parallel phase found about one entry.
type checked struct {
	ev    *parley.Event // nil for a hidden entry
	leaf  parley.Hash
	nonce [16]byte
	err   error
}

const chunkSize = 256

// checkInOrder checks n entries. Workers, one per core, call check on
// chunks of entries in parallel (what needs no other entry: decoding,
// signature, leaf); the caller's goroutine takes the chunks in order and
// calls inOrder on each entry with what check found (what needs the order:
// nonces, authorization, tree), with at most a few chunks per worker
// checked ahead of it. The first error in log order is returned, whichever
// phase finds it; once one is found the workers skip what is left.
// progress, when not nil, is called with the entries done after each
// chunk. Verify and CheckStored share it.
func checkInOrder(n int, check func(i int) checked, inOrder func(i int, c *checked) error, progress func(done, total int)) error {
	chunks := (n + chunkSize - 1) / chunkSize
	res := make([]checked, n)
	ready := make([]chan struct{}, chunks)
	for i := range ready {
		ready[i] = make(chan struct{})
	}
	workers := runtime.GOMAXPROCS(0)
	window := make(chan struct{}, 4*workers)
	quit := make(chan struct{})
	var next atomic.Int64
	var firstBad atomic.Int64 // the first chunk with a failure
	firstBad.Store(int64(chunks))
	var wg sync.WaitGroup
	defer wg.Wait()
	for range min(workers, chunks) {
		wg.Go(func() {
			for {
				select {
				case window <- struct{}{}:
				case <-quit:
					return
				}
				c := next.Add(1) - 1
				if c >= int64(chunks) {
					<-window
					return
				}
				if c <= firstBad.Load() {
					lo, hi := int(c)*chunkSize, min(int(c+1)*chunkSize, n)
					for i := lo; i < hi; i++ {
						if res[i] = check(i); res[i].err != nil {
							for bad := firstBad.Load(); c < bad && !firstBad.CompareAndSwap(bad, c); bad = firstBad.Load() {
							}
							break
						}
					}
				}
				close(ready[c])
			}
		})
	}
	defer close(quit)
	for c := range chunks {
		<-ready[c]
		lo, hi := c*chunkSize, min((c+1)*chunkSize, n)
		for i := lo; i < hi; i++ {
			if err := inOrder(i, &res[i]); err != nil {
				firstBad.Store(-1) // the workers skip what is left
				return err
			}
			res[i] = checked{}
		}
		<-window
		if progress != nil {
			progress(hi, n)
		}
	}
	return nil
}
