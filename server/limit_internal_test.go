package server

import (
	"fmt"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/parleyhq/parley"
)

// A limiter keeps at most its maximum of buckets, whatever the number of
// clients, and forgets the one used least recently first.
func TestLimiterBounded(t *testing.T) {
	l := newLimiter(100)
	lim := perSecond("reads", 1)
	refuse := func(time.Duration) error { return parley.Errorf(parley.ERATELIMIT, "refused") }
	if err := l.take(charge{lim, "addr|keep", refuse}); err != nil {
		t.Fatal(err)
	}
	for i := range 10000 {
		if err := l.take(charge{lim, fmt.Sprintf("addr|%d", i), refuse}); err != nil {
			t.Fatalf("a new client's first request: %v", err)
		}
		if i%10 == 0 {
			// Kept in use, "keep" is never the least recently used.
			_ = l.take(charge{lim, "addr|keep", refuse})
		}
		if n := l.size(); n > 100 {
			t.Fatalf("after %d clients the limiter holds %d buckets, more than 100", i+1, n)
		}
	}
	l.mu.Lock()
	_, kept := l.buckets["reads|addr|keep"]
	_, old := l.buckets["reads|addr|0"]
	l.mu.Unlock()
	if !kept || old {
		t.Errorf("kept the bucket in use: %v, the oldest: %v; want true, false", kept, old)
	}
}

// A request goes through only if every bucket it is charged to allows it,
// and then takes a token from each; refused, it takes none.
func TestLimiterAllOrNothing(t *testing.T) {
	l := newLimiter(100)
	now := time.Unix(1000, 0)
	l.now = func() time.Time { return now }
	a := limit{name: "a", rate: 1, burst: 3}
	b := limit{name: "b", rate: 1, burst: 1}
	refusedBy := func(name string) func(time.Duration) error {
		return func(time.Duration) error { return parley.Errorf(parley.ERATELIMIT, "%s", name) }
	}
	both := []charge{{a, "x", refusedBy("a")}, {b, "x", refusedBy("b")}}
	if err := l.take(both...); err != nil {
		t.Fatal(err)
	}
	if err := l.take(both...); parley.ErrorMessage(err) != "b" {
		t.Fatalf("second request: %v, want refused by b", err)
	}
	// a kept its tokens: two more requests charged to a alone go through,
	// and the third does not.
	for i := range 2 {
		if err := l.take(both[0]); err != nil {
			t.Fatalf("request %d to a alone: %v", i, err)
		}
	}
	if err := l.take(both[0]); parley.ErrorMessage(err) != "a" {
		t.Fatalf("a's fourth request: %v, want refused", err)
	}
	now = now.Add(1500 * time.Millisecond)
	if err := l.take(both...); err != nil {
		t.Fatalf("after 1.5 s: %v", err)
	}
	if l.take(charge{limit{name: "off", rate: -1}, "x", refusedBy("off")}) != nil {
		t.Error("a negative rate limits")
	}
}

func TestClientAddr(t *testing.T) {
	s := &Server{cfg: Config{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}}}
	for _, c := range []struct {
		remote, xff, want string
	}{
		{"192.0.2.7:5555", "", "192.0.2.7"},
		{"192.0.2.7:5555", "198.51.100.1", "192.0.2.7"}, // not a trusted proxy: its header is not believed
		{"[::ffff:192.0.2.7]:1", "", "192.0.2.7"},
		{"[2001:db8:1:2:3:4:5:6]:443", "", "2001:db8:1:2::/64"},
		{"[2001:db8:1:2:ffff::1]:80", "", "2001:db8:1:2::/64"},
		{"[fe80::1%eth0]:80", "", "fe80::/64"},
		{"10.1.2.3:80", "", "10.1.2.3"},
		{"10.1.2.3:80", "198.51.100.1", "198.51.100.1"},
		{"10.1.2.3:80", "203.0.113.9, 198.51.100.1", "198.51.100.1"}, // the rightmost the proxy did not add is the client
		{"10.1.2.3:80", "203.0.113.9, 198.51.100.1, 10.9.9.9", "198.51.100.1"},
		{"10.1.2.3:80", "garbage, 10.9.9.9", "10.9.9.9"},
		{"[::1]:80", "2001:db8:5:6::9", "2001:db8:5:6::/64"},
		{"pipe", "", "pipe"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.remote
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		if got := s.clientAddr(r); got != c.want {
			t.Errorf("clientAddr(%q, X-Forwarded-For %q) = %q, want %q", c.remote, c.xff, got, c.want)
		}
	}
}

// Revocations are shared through the directory, and forgotten once the
// session has expired.
func TestRevocations(t *testing.T) {
	dir := t.TempDir()
	now := time.Unix(1_700_000_000, 0)
	a, b := newRevocations(dir), newRevocations(dir)
	a.now = func() time.Time { return now }
	id, later := newSessionID(), now.Add(time.Hour).Unix()
	old := newSessionID()
	if err := a.revoke(old, now.Add(time.Minute).Unix()); err != nil {
		t.Fatal(err)
	}
	if err := a.revoke(id, later); err != nil {
		t.Fatal(err)
	}
	for _, v := range []*revocations{a, b} {
		if got, err := v.revoked(id, later); !got || err != nil {
			t.Errorf("revoked = %v, %v; want true", got, err)
		}
		if got, err := v.revoked(newSessionID(), later); got || err != nil {
			t.Errorf("another session: revoked = %v, %v; want false", got, err)
		}
	}
	if got, _ := newRevocations(t.TempDir()).revoked(id, later); got {
		t.Error("a server with another directory refuses the session")
	}
	// Twenty minutes on, the first has expired: the next revocation
	// prunes it, and keeps the second.
	now = now.Add(20 * time.Minute)
	if err := a.revoke(newSessionID(), later); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, revokedName(old, now.Add(-19*time.Minute).Unix()))); err == nil {
		t.Error("the revocation of an expired session is still on disk")
	}
	if _, err := os.Stat(filepath.Join(dir, revokedName(id, later))); err != nil {
		t.Errorf("the revocation of a live session was pruned: %v", err)
	}
	if err := a.revoke("../../etc/passwd", later); err == nil {
		t.Error("revoked a session id that is not one")
	}
}
