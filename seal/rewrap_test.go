package seal

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/parleyhq/parley"
)

func TestRewrap(t *testing.T) {
	for _, kem := range KEMs() {
		t.Run(kem, func(t *testing.T) {
			ms := newMembers(t, kem, 2)
			later := newMembers(t, XWing, 2) // a delegate who joins, then a mediator named later
			msg := []byte("said before you joined")
			s, err := Seal(testContext, msg, recipientsOf(ms))
			if err != nil {
				t.Fatal(err)
			}
			r, err := NewRewrap(testContext, s, ms[1].actor, ms[1].priv, nil, later[0].recipient())
			if err != nil {
				t.Fatal(err)
			}
			b, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			r, err = ParseRewrap(b)
			if err != nil {
				t.Fatalf("ParseRewrap of what MarshalJSON wrote: %v\n%s", err, b)
			}
			if err := r.Check(s); err != nil {
				t.Fatal(err)
			}
			if got := r.Recipient(); !bytes.Equal(got.Actor, later[0].actor) || !got.Key.Equal(later[0].priv.Public()) {
				t.Errorf("Recipient: got %v", got)
			}
			got, err := OpenRewrapped(testContext, s, r, later[0].priv)
			if err != nil || !bytes.Equal(got, msg) {
				t.Fatalf("OpenRewrapped: %q, %v", got, err)
			}
			// The later recipient passes it on in turn.
			r2, err := NewRewrap(testContext, s, later[0].actor, later[0].priv, r, later[1].recipient())
			if err != nil {
				t.Fatal(err)
			}
			if got, err := OpenRewrapped(testContext, s, r2, later[1].priv); err != nil || !bytes.Equal(got, msg) {
				t.Fatalf("OpenRewrapped of a re-wrap of a re-wrap: %q, %v", got, err)
			}

			// Refused: a re-wrap for a payload it was not made for; by a
			// non-recipient; for a recipient already; in another context;
			// with another key.
			other, err := Seal(testContext, msg, recipientsOf(ms))
			if err != nil {
				t.Fatal(err)
			}
			if err := r.Check(other); err == nil {
				t.Error("Check accepted a re-wrap for another sealed payload")
			}
			if _, err := OpenRewrapped(testContext, other, r, later[0].priv); err == nil {
				t.Error("OpenRewrapped opened another sealed payload")
			}
			if _, err := NewRewrap(testContext, s, later[1].actor, later[1].priv, nil, later[0].recipient()); parley.ErrorCode(err) != parley.ENOTFOUND {
				t.Errorf("re-wrap by a non-recipient: got %v, want not_found", err)
			}
			if _, err := NewRewrap(testContext, s, ms[0].actor, ms[0].priv, nil, ms[1].recipient()); parley.ErrorCode(err) != parley.ECONFLICT {
				t.Errorf("re-wrap for a recipient: got %v, want conflict", err)
			}
			if _, err := NewRewrap(testContext, s, ms[0].actor, ms[0].priv, r, later[1].recipient()); err == nil {
				t.Error("re-wrap through a re-wrap for someone else")
			}
			moved := testContext
			moved.Channel = "party:gov"
			if _, err := OpenRewrapped(moved, s, r, later[0].priv); err == nil {
				t.Error("OpenRewrapped in another context")
			}
			if _, err := OpenRewrapped(testContext, s, r, later[1].priv); err == nil {
				t.Error("OpenRewrapped with another key")
			}

			// Every byte of the re-wrap's text.
			for i := range b {
				c := bytes.Clone(b)
				c[i] ^= 0x01
				p, err := ParseRewrap(c)
				if err != nil {
					continue
				}
				if _, err := OpenRewrapped(testContext, s, p, later[0].priv); err == nil {
					t.Fatalf("byte %d changed: opened", i)
				}
			}
		})
	}
}

func TestParseRewrapRefuses(t *testing.T) {
	ms := newMembers(t, X25519, 2)
	s, _ := Seal(testContext, []byte("x"), recipientsOf(ms[:1]))
	r, err := NewRewrap(testContext, s, ms[0].actor, ms[0].priv, nil, ms[1].recipient())
	if err != nil {
		t.Fatal(err)
	}
	good, _ := json.Marshal(r)
	for name, in := range map[string]string{
		"empty":          "",
		"whitespace":     string(bytes.Replace(good, []byte(`{"v":1,`), []byte(`{ "v":1,`), 1)),
		"unknown member": string(bytes.Replace(good, []byte(`{"v":1,`), []byte(`{"v":1,"by":1,`), 1)),
		"version 0":      string(bytes.Replace(good, []byte(`{"v":1,`), []byte(`{"v":0,`), 1)),
		"short digest":   string(bytes.Replace(good, []byte(`"sealed":"`), []byte(`"sealed":"AAAA`), 1)),
		"too long":       string(make([]byte, 9000)),
	} {
		if _, err := ParseRewrap([]byte(in)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
