package server

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/parleyhq/parley"
)

// Limits. Keys cost nothing to make, so a limit that counted per key alone
// would be lifted by signing in with new ones: every request counts against
// its client address, and a signed-in request against its key as well, and
// goes through only if both allow it. Sign-ins, new talks and live streams
// have limits of their own per address. docs/SECURITY.md lists them all.

// A limiter keeps token buckets by name ("reads|addr|192.0.2.1"). It holds
// at most max of them: past that, the one used least recently is
// forgotten, which gives that client a full bucket again but keeps the
// memory of the limiter bounded whatever the number of addresses and keys.
type limiter struct {
	mu      sync.Mutex
	max     int
	buckets map[string]*list.Element // of *bucket
	lru     list.List                // front: used most recently
	now     func() time.Time
}

type bucket struct {
	name   string
	tokens float64
	last   time.Time
}

func newLimiter(max int) *limiter {
	return &limiter{max: max, buckets: map[string]*list.Element{}, now: time.Now}
}

// A limit is one token bucket: rate tokens per second, at most burst of
// them. A negative rate is no limit.
type limit struct {
	name  string // what is counted, for bucket names
	rate  float64
	burst float64
}

// A charge is a token to take from a bucket, and the error to answer if
// there is none.
type charge struct {
	lim     limit
	id      string // "addr|…" or "key|…"
	refused func(wait time.Duration) error
}

// take takes one token from each charge's bucket if every bucket has one;
// otherwise it takes none and returns the error of the first that has
// none.
func (l *limiter) take(charges ...charge) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	bs := make([]*bucket, len(charges))
	for i, c := range charges {
		if c.lim.rate < 0 {
			continue
		}
		b := l.bucket(c.lim.name+"|"+c.id, c.lim.burst, now)
		b.tokens = min(c.lim.burst, b.tokens+now.Sub(b.last).Seconds()*c.lim.rate)
		b.last = now
		if b.tokens < 1 {
			wait := time.Duration(math.Ceil((1-b.tokens)/c.lim.rate*1000)) * time.Millisecond
			return c.refused(wait)
		}
		bs[i] = b
	}
	for _, b := range bs {
		if b != nil {
			b.tokens--
		}
	}
	return nil
}

// bucket returns the bucket of a name, full if it is new, as the one used
// most recently. Call with mu.
func (l *limiter) bucket(name string, full float64, now time.Time) *bucket {
	if e := l.buckets[name]; e != nil {
		l.lru.MoveToFront(e)
		return e.Value.(*bucket)
	}
	for l.lru.Len() >= max(l.max, 1) {
		old := l.lru.Back()
		l.lru.Remove(old)
		delete(l.buckets, old.Value.(*bucket).name)
	}
	b := &bucket{name: name, tokens: full, last: now}
	l.buckets[name] = l.lru.PushFront(b)
	return b
}

// size returns the number of buckets kept.
func (l *limiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lru.Len()
}

// perSecond is a limit of rate requests per second with a burst of two
// seconds' worth.
func perSecond(name string, rate float64) limit {
	return limit{name: name, rate: rate, burst: 2 * rate}
}

// Routes that start a session: they count against the client address's
// sign-in limit as well as its writes.
var signInRoutes = map[string]bool{
	"POST /api/v1/auth/challenge": true,
	"POST /api/v1/auth/session":   true,
	"POST /api/v1/demo/session":   true,
}

// allow charges a request to its client address and, when signed in, to
// its key: both must allow it.
func (s *Server) allow(addr, key, pattern string, kind routeKind) error {
	lim := perSecond("reads", s.cfg.ReadRate)
	byAddr := func(wait time.Duration) error {
		return retryAfter(wait, parley.Errorf(parley.ERATELIMIT, "more than %g reads per second from this client address; slow down and retry in %s", lim.rate, roundUp(wait)))
	}
	byKey := func(wait time.Duration) error {
		return retryAfter(wait, parley.Errorf(parley.ERATELIMIT, "more than %g reads per second by this key; slow down and retry in %s", lim.rate, roundUp(wait)))
	}
	if kind == write {
		lim = perSecond("writes", s.cfg.WriteRate)
		byAddr = func(wait time.Duration) error {
			return retryAfter(wait, parley.Errorf(parley.ERATELIMIT, "more than %g writes per second from this client address; slow down and retry in %s", lim.rate, roundUp(wait)))
		}
		byKey = func(wait time.Duration) error {
			return retryAfter(wait, parley.Errorf(parley.ERATELIMIT, "more than %g writes per second by this key; slow down and retry in %s", lim.rate, roundUp(wait)))
		}
	}
	charges := []charge{{lim, "addr|" + addr, byAddr}}
	if key != "" {
		charges = append(charges, charge{lim, "key|" + key, byKey})
	}
	if signInRoutes[pattern] {
		si := limit{name: "sign-ins", rate: s.cfg.SignInRate / 60, burst: s.cfg.SignInRate}
		if s.cfg.SignInRate < 0 {
			si.rate = -1
		}
		charges = append(charges, charge{si, "addr|" + addr, func(wait time.Duration) error {
			return retryAfter(wait, parley.Errorf(parley.ERATELIMIT, "more than %g sign-in requests per minute from this client address; retry in %s", s.cfg.SignInRate, roundUp(wait)))
		}})
	}
	return s.limits.take(charges...)
}

// allowFounding charges the founding of a talks to the client address,
// when founding is open to any key.
func (s *Server) allowFounding(addr string) error {
	n := float64(s.cfg.TalksPerHour)
	lim := limit{name: "new-talks", rate: n / 3600, burst: n}
	if n < 0 {
		lim.rate = -1
	}
	return s.limits.take(charge{lim, "addr|" + addr, func(wait time.Duration) error {
		return retryAfter(wait, parley.Errorf(parley.ERATELIMIT, "more than %d new talks per hour from this client address; retry in %s, or ask the operator", s.cfg.TalksPerHour, roundUp(wait)))
	}})
}

// A waitError is a rate limit's refusal with the time until a retry may
// succeed, which the problem's Retry-After header gives.
type waitError struct {
	err  *parley.Error
	wait time.Duration
}

func (e *waitError) Error() string { return e.err.Error() }
func (e *waitError) Unwrap() error { return e.err }

// retryAfter returns err, a rate_limited error saying when to retry, with
// the wait.
func retryAfter(wait time.Duration, err *parley.Error) error {
	return &waitError{err: err, wait: wait}
}

// retrySeconds is the Retry-After of an error: the whole seconds its wait
// takes, at least one.
func retrySeconds(err error) int {
	var we *waitError
	if errors.As(err, &we) {
		return max(1, int(math.Ceil(we.wait.Seconds())))
	}
	return 1
}

// roundUp writes a wait for people: whole seconds, or minutes past two.
func roundUp(d time.Duration) string {
	if d > 2*time.Minute {
		return fmt.Sprintf("%d minutes", int(math.Ceil(d.Minutes())))
	}
	return fmt.Sprintf("%d s", int(math.Ceil(d.Seconds())))
}

// clientAddr returns the address a request counts against: the peer's
// address, or, when the peer is a trusted proxy, the address it says it
// forwards for (the rightmost address in X-Forwarded-For that is not a
// trusted proxy itself). An IPv6 address counts as its /64, which one
// host usually holds whole.
func (s *Server) clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return r.RemoteAddr // not IP: a Unix socket, a test
	}
	a = a.Unmap().WithZone("")
	if s.trustedProxy(a) {
		a = s.forwardedFor(r, a)
	}
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

func (s *Server) trustedProxy(a netip.Addr) bool {
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// forwardedFor walks X-Forwarded-For from the right, past trusted proxies,
// and returns the first address that is not one; peer if there is none or
// an entry does not parse.
func (s *Server) forwardedFor(r *http.Request, peer netip.Addr) netip.Addr {
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return peer
		}
		a = a.Unmap().WithZone("")
		if !s.trustedProxy(a) {
			return a
		}
		peer = a
	}
	return peer
}

// Live streams per client address: anonymous ones, and all of them.
// Signed-in streams also count per key, in the hub (StreamsPerID). Each
// open stream is listed under its session, so that signing out ends it.
type streamSlots struct {
	mu        sync.Mutex
	all       map[string]int // by client address
	anon      map[string]int
	bySession map[string]map[*context.CancelFunc]bool
}

func newStreamSlots() *streamSlots {
	return &streamSlots{all: map[string]int{}, anon: map[string]int{}, bySession: map[string]map[*context.CancelFunc]bool{}}
}

// openStream takes a stream slot of the request's client address and
// returns the request with a context that ends when its session is
// revoked, and a function that gives the slot back.
func (s *Server) openStream(r *http.Request, addr string, sess *session) (*http.Request, func(), error) {
	ss := s.streams
	ss.mu.Lock()
	defer ss.mu.Unlock()
	anon := sess == nil
	switch {
	case s.cfg.StreamsPerAddr >= 0 && ss.all[addr] >= s.cfg.StreamsPerAddr:
		return nil, nil, parley.Errorf(parley.ERATELIMIT, "this client address has %d live streams open, the most allowed; close one first", ss.all[addr])
	case anon && s.cfg.AnonStreamsPerAddr >= 0 && ss.anon[addr] >= s.cfg.AnonStreamsPerAddr:
		return nil, nil, parley.Errorf(parley.ERATELIMIT, "this client address has %d live streams open without signing in, the most allowed; close one, or sign in", ss.anon[addr])
	}
	ctx, cancel := context.WithCancel(r.Context())
	ss.all[addr]++
	if anon {
		ss.anon[addr]++
	} else {
		if ss.bySession[sess.id] == nil {
			ss.bySession[sess.id] = map[*context.CancelFunc]bool{}
		}
		ss.bySession[sess.id][&cancel] = true
	}
	release := func() {
		cancel()
		ss.mu.Lock()
		defer ss.mu.Unlock()
		decr(ss.all, addr)
		if anon {
			decr(ss.anon, addr)
			return
		}
		delete(ss.bySession[sess.id], &cancel)
		if len(ss.bySession[sess.id]) == 0 {
			delete(ss.bySession, sess.id)
		}
	}
	return r.WithContext(ctx), release, nil
}

func decr(m map[string]int, k string) {
	if m[k]--; m[k] <= 0 {
		delete(m, k)
	}
}

// endSessionStreams ends at once the live streams of a session: their
// request contexts are canceled, and a stream handler returns when its
// request's context is done. Sign-out calls it; so may anything else that
// ends a session.
func (s *Server) endSessionStreams(sessionID string) int {
	ss := s.streams
	ss.mu.Lock()
	defer ss.mu.Unlock()
	n := 0
	for c := range ss.bySession[sessionID] {
		(*c)()
		n++
	}
	return n
}
