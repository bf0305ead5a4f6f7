package server

import (
	"sync"
	"time"

	"github.com/parleyhq/parley"
)

// limiter keeps a token bucket per client and kind of route.
type limiter struct {
	mu      sync.Mutex
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter() *limiter { return &limiter{buckets: map[string]*bucket{}, swept: time.Now()} }

// allow takes a token from id's bucket for the kind of route, or refuses.
// A bucket holds two seconds' worth of requests.
func (l *limiter) allow(id string, kind routeKind, cfg Config) error {
	rate := cfg.ReadRate
	name := "reads"
	if kind == write {
		rate, name = cfg.WriteRate, "writes"
	}
	if rate < 0 {
		return nil // unlimited
	}
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > time.Minute {
		for k, b := range l.buckets {
			if now.Sub(b.last) > time.Minute {
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	key := name + "|" + id
	b := l.buckets[key]
	if b == nil {
		b = &bucket{tokens: 2 * rate, last: now}
		l.buckets[key] = b
	}
	b.tokens = min(2*rate, b.tokens+now.Sub(b.last).Seconds()*rate)
	b.last = now
	if b.tokens < 1 {
		return parley.Errorf(parley.ERATELIMIT, "more than %g %s per second from this client; slow down and retry", rate, name)
	}
	b.tokens--
	return nil
}
