// Package measure holds what the benchmarks measure beside their own work:
// the CPU time the process has used, the raw rate of crypto/ed25519
// verification on all cores, the baseline that rates of signed work are
// compared with in the same run, and how long the disk under a directory
// takes to make a write durable (docs/BENCHMARKS.md).
package measure

import (
	"crypto/ed25519"
	"fmt"
	"os"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// CPUTime returns the user and system CPU time of the process so far,
// summed over its threads; 0 where the system does not tell.
func CPUTime() time.Duration { return cpuTime() }

// VerifyRate checks the signature sig of msg by pub on every core for about
// d and returns the verifications per second, and the CPU time of one in
// nanoseconds (0 where CPUTime is). It panics if the signature does not
// verify, since the rate would then measure a refusal.
func VerifyRate(pub ed25519.PublicKey, msg, sig []byte, d time.Duration) (rate, cpuNs float64) {
	if !ed25519.Verify(pub, msg, sig) {
		panic("measure: the signature given to VerifyRate does not verify")
	}
	var total atomic.Int64
	var wg sync.WaitGroup
	start, cpu0 := time.Now(), CPUTime()
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for time.Since(start) < d {
				for range 16 {
					ed25519.Verify(pub, msg, sig)
				}
				total.Add(16)
			}
		})
	}
	wg.Wait()
	n := float64(total.Load())
	return n / time.Since(start).Seconds(), float64((CPUTime() - cpu0).Nanoseconds()) / n
}

// SyncTime writes a page to a file in dir and syncs it to the disk (as a
// database commit does) n times, and returns the median time of one write
// and sync. The file is removed afterwards.
func SyncTime(dir string, n int) (time.Duration, error) {
	if n < 1 {
		return 0, fmt.Errorf("measure: SyncTime needs at least one sync, not %d", n)
	}
	f, err := os.CreateTemp(dir, "sync-*")
	if err != nil {
		return 0, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	page := make([]byte, 4096)
	times := make([]time.Duration, n)
	for i := range times {
		start := time.Now()
		if _, err := f.WriteAt(page, int64(i%256)*int64(len(page))); err != nil {
			return 0, err
		}
		if err := f.Sync(); err != nil {
			return 0, err
		}
		times[i] = time.Since(start)
	}
	slices.Sort(times)
	return times[n/2], nil
}
