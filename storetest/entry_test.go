package storetest

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/parleyhq/parley"
)

func TestNewEntry(t *testing.T) {
	a, b := NewEntry("talks-1", "seed", 7), NewEntry("talks-1", "seed", 7)
	if d := diffEntry(a, b); d != "" || a.Index != 7 || a.Talks != "talks-1" {
		t.Errorf("NewEntry is not the same twice: %s (index %d, talks %q)", d, a.Index, a.Talks)
	}

	nonces := map[string]string{}
	for _, talks := range []string{"talks-1", "talks-2"} {
		for _, seed := range []string{"a", "b"} {
			for i := range int64(50) {
				e := NewEntry(talks, seed, i)
				name := fmt.Sprintf("%s/%s/%d", talks, seed, i)
				if other, ok := nonces[e.Nonce]; ok {
					t.Fatalf("entries %s and %s share the nonce %s", other, name, e.Nonce)
				}
				nonces[e.Nonce] = name

				// A real signed event, which the record would accept.
				ev, err := parley.SignedEvent{Bytes: e.Event, Sig: e.Sig}.Open(parley.Origin(Host, talks))
				if err != nil {
					t.Fatalf("entry %s: %v", name, err)
				}
				if ev.Talks != talks || ev.Kind != e.Kind || ev.Actor != e.Actor || ev.Nonce != e.Nonce {
					t.Errorf("entry %s: event says talks %q kind %q actor %q nonce %q, entry %q %q %q %q",
						name, ev.Talks, ev.Kind, ev.Actor, ev.Nonce, talks, e.Kind, e.Actor, e.Nonce)
				}
				if len(e.Salt) != 32 {
					t.Errorf("entry %s: salt of %d bytes, want 32", name, len(e.Salt))
				}
				if want := tlog.RecordHash(append(bytes.Clone(e.Salt), e.Event...)); e.Leaf != parley.Hash(want) {
					t.Errorf("entry %s: leaf %x, want %x", name, e.Leaf, want)
				}
				if !e.Received.Equal(e.Received.Truncate(time.Microsecond)) {
					t.Errorf("entry %s: Received %v is finer than a microsecond", name, e.Received)
				}
			}
		}
	}
}

func TestSeal(t *testing.T) {
	root := parley.Hash{1, 2, 3}
	note, err := Seal("t")(12, root)
	if err != nil {
		t.Fatal(err)
	}
	want := "storetest.invalid/talks/t\n12\nAQIDAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
	if string(note) != want {
		t.Errorf("note = %q, want %q", note, want)
	}
}
