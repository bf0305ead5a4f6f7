package record

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestVerifyPipeline checks a bundle of many chunks where the workers run
// ahead of the in-order checks: the first failure in log order is the one
// reported, whichever phase finds it, and no goroutine is left behind.
func TestVerifyPipeline(t *testing.T) {
	c := newCast()
	l := founded(t, c)
	for i := range 3000 {
		l.statement(t, []*testActor{c.gov, c.opp}[i%2], fmt.Sprint("s", i))
	}
	l.seal(t)
	good, err := NewBundle(l.origin, l.vkey, l.entries, l.cps, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	before := runtime.NumGoroutine()
	if _, err := Verify(good, newRosterAuth(), nil); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		change func(b *Bundle)
		want   string
	}{
		{"late signature", func(b *Bundle) { b.Entries[2900].Sig = flip(b.Entries[2900].Sig, 1) }, "entry 2900 "},
		{"early authorization, late signature", func(b *Bundle) {
			b.Entries[2900].Sig = flip(b.Entries[2900].Sig, 1)
			b.Entries[300] = b.Entries[299] // replayed: its nonce repeats
			b.Entries[300].Index = 300
		}, "entry 300 "},
		{"signature before a later index", func(b *Bundle) {
			b.Entries[600].Sig = flip(b.Entries[600].Sig, 1)
			b.Entries[601].Index = 7
		}, "entry 600 "},
	} {
		b := *good
		b.Entries = append([]BundleEntry(nil), good.Entries...)
		tc.change(&b)
		_, err := Verify(&b, newRosterAuth(), nil)
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%s: Verify = %v, want a failure of %q", tc.name, err, tc.want)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after Verify, %d before", n, before)
	}
	if _, err := Verify(nil, nil, nil); err == nil {
		t.Error("Verify(nil) succeeded")
	}
}
