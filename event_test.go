package parley_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/parleyhq/parley"
)

func newKey(t testing.TB) ed25519.PrivateKey {
	t.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSignOpen(t *testing.T) {
	key := newKey(t)
	e, err := parley.NewEvent("t1", parley.KindStatement, key.Public().(ed25519.PublicKey), time.Unix(1e9, 0), parley.Statement{Text: "hello"})
	if err != nil {
		t.Fatal(err)
	}
	const origin = "example.org/talks/t1"
	se, err := parley.Sign(origin, e, key)
	if err != nil {
		t.Fatal(err)
	}
	got, err := se.Open(origin)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if got.Kind != parley.KindStatement || got.Nonce != e.Nonce || !got.At().Equal(time.Unix(1e9, 0)) {
		t.Errorf("Open = %+v, want the signed event %+v", got, e)
	}
	// The signature binds the origin: the same bytes are refused elsewhere.
	if _, err := se.Open("other.org/talks/t1"); parley.ErrorCode(err) != parley.EUNAUTHORIZED {
		t.Errorf("Open with another origin: got %v, want an unauthorized error", err)
	}
	// And every byte of the event.
	for i := range se.Bytes {
		b := append([]byte(nil), se.Bytes...)
		b[i] ^= 1
		if _, err := (parley.SignedEvent{Bytes: b, Sig: se.Sig}).Open(origin); err == nil {
			t.Fatalf("flipping byte %d of the event: Open succeeded", i)
		}
	}
	// The domain separation prefix is part of the signed message.
	if !ed25519.Verify(key.Public().(ed25519.PublicKey), append([]byte("parley/v1/event\n"+origin+"\n"), se.Bytes...), se.Sig) {
		t.Errorf("the signature is not over the documented message")
	}
}

func TestDecodeEventRefuses(t *testing.T) {
	key := newKey(t)
	good := map[string]any{
		"v": 1, "talks": "t1", "kind": "statement.publish", "actor": parley.KeyString(key.Public().(ed25519.PublicKey)),
		"time": "2015-04-10T17:00:00Z", "nonce": "AAAAAAAAAAAAAAAAAAAAAA==", "payload": map[string]any{"text": "x"},
	}
	enc := func(change func(m map[string]any)) []byte {
		m := map[string]any{}
		for k, v := range good {
			m[k] = v
		}
		change(m)
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	if _, err := parley.DecodeEvent(enc(func(map[string]any) {})); err != nil {
		t.Fatalf("the good event is refused: %v", err)
	}
	tests := []struct {
		name string
		b    []byte
		want string
	}{
		{"version", enc(func(m map[string]any) { m["v"] = 2 }), `"v"`},
		{"talks", enc(func(m map[string]any) { m["talks"] = "Bad Id" }), `"talks"`},
		{"kind", enc(func(m map[string]any) { m["kind"] = "nope" }), `"kind"`},
		{"actor", enc(func(m map[string]any) { m["actor"] = "abc" }), `"actor"`},
		{"time", enc(func(m map[string]any) { m["time"] = "yesterday" }), `"time"`},
		{"nonce", enc(func(m map[string]any) { m["nonce"] = "AAAA" }), `"nonce"`},
		{"vis", enc(func(m map[string]any) { m["vis"] = "everyone" }), `"vis"`},
		{"payload", enc(func(m map[string]any) { m["payload"] = []int{1} }), `"payload"`},
		{"unknown field", enc(func(m map[string]any) { m["extra"] = 1 }), "unknown field"},
		{"invalid utf-8", []byte("{\"v\":1,\"talks\":\"\xff\"}"), "UTF-8"},
		{"duplicate key", []byte(`{"v":1,"v":1}`), "twice"},
		{"nested duplicate key", []byte(`{"payload":{"a":1,"a":2}}`), "twice"},
		{"trailing data", append(enc(func(map[string]any) {}), []byte(" {}")...), "after"},
		{"deep", []byte(strings.Repeat("[", 40) + strings.Repeat("]", 40)), "nested"},
		{"huge", make([]byte, parley.MaxEventSize+1), "limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parley.DecodeEvent(tt.b)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("DecodeEvent = %v, want an error mentioning %s", err, tt.want)
			}
		})
	}
}

func TestCheckJSON(t *testing.T) {
	for _, ok := range []string{`{}`, `[]`, `1`, `"x"`, `{"a":{"a":1},"b":[{"a":1},{"a":2}]}`} {
		if err := parley.CheckJSON([]byte(ok)); err != nil {
			t.Errorf("CheckJSON(%s) = %v, want nil", ok, err)
		}
	}
	for _, bad := range []string{``, `{`, `{"a":1,"a":1}`, `[{"a":1,"b":{"c":1,"c":2}}]`, `{} {}`, `1 2`} {
		if err := parley.CheckJSON([]byte(bad)); err == nil {
			t.Errorf("CheckJSON(%s) = nil, want an error", bad)
		}
	}
}

func FuzzDecodeEvent(f *testing.F) {
	key := newKey(f)
	e, _ := parley.NewEvent("t1", parley.KindSetStance, key.Public().(ed25519.PublicKey), time.Unix(0, 0), parley.SetStance{Item: "D1", Version: 1, Party: "gov", Stance: "support"})
	se, _ := parley.Sign("h/talks/t1", e, key)
	f.Add(se.Bytes)
	f.Add([]byte(`{"v":1}`))
	f.Add([]byte(`{"a":{"a":1,"a":2}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := parley.DecodeEvent(b)
		if err != nil {
			if parley.ErrorCode(err) == parley.EINTERNAL {
				t.Fatalf("DecodeEvent error without a code: %v", err)
			}
			return
		}
		// A decoded event re-encodes to an event that decodes the same.
		b2, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		e2, err := parley.DecodeEvent(b2)
		if err != nil {
			t.Fatalf("re-encoded event refused: %v", err)
		}
		var p1, p2 any
		_ = json.Unmarshal(e.Payload, &p1)
		_ = json.Unmarshal(e2.Payload, &p2)
		if e2.Kind != e.Kind || e2.Actor != e.Actor || e2.Nonce != e.Nonce || !reflect.DeepEqual(p1, p2) {
			t.Fatalf("round trip changed the event: %+v vs %+v", e, e2)
		}
	})
}

// stanceEvent returns the signed bytes of a typical stance event, like most
// of a talks' record.
func stanceEvent(tb testing.TB) []byte {
	tb.Helper()
	key := newKey(tb)
	p := parley.SetStance{Item: "d1", Version: 1, Party: "opp", Stance: parley.StanceConditional, Condition: "agreed(m1)", Reason: "Prisoner releases first."}
	e, err := parley.NewEvent("moscow-2015", parley.KindSetStance, key.Public().(ed25519.PublicKey), time.Date(2015, 4, 7, 12, 0, 0, 0, time.UTC), p)
	if err != nil {
		tb.Fatal(err)
	}
	se, err := parley.Sign("parley.example.org/talks/moscow-2015", e, key)
	if err != nil {
		tb.Fatal(err)
	}
	return se.Bytes
}

// BenchmarkDecodeEvent decodes a typical stance event and its payload, as
// a verifier does for every entry of a bundle; CheckJSON is the part of
// DecodeEvent that checks the JSON's form. Besides wall time it reports
// cpu-ns/op, the process's CPU time per operation, which load from other
// processes disturbs less.
func BenchmarkDecodeEvent(b *testing.B) {
	ev := stanceEvent(b)
	b.Run("DecodeEvent", func(b *testing.B) {
		b.SetBytes(int64(len(ev)))
		b.ReportAllocs()
		cpu0 := cpuTime()
		for b.Loop() {
			if _, err := parley.DecodeEvent(ev); err != nil {
				b.Fatal(err)
			}
		}
		reportCPU(b, cpu0)
	})
	b.Run("CheckJSON", func(b *testing.B) {
		b.SetBytes(int64(len(ev)))
		b.ReportAllocs()
		cpu0 := cpuTime()
		for b.Loop() {
			if err := parley.CheckJSON(ev); err != nil {
				b.Fatal(err)
			}
		}
		reportCPU(b, cpu0)
	})
	b.Run("DecodePayload", func(b *testing.B) {
		e, err := parley.DecodeEvent(ev)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		cpu0 := cpuTime()
		for b.Loop() {
			var p parley.SetStance
			if err := parley.DecodePayload(e, &p); err != nil {
				b.Fatal(err)
			}
		}
		reportCPU(b, cpu0)
	})
}

// reportCPU reports the process's CPU time per operation since cpu0.
func reportCPU(b *testing.B, cpu0 time.Duration) {
	b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
}

// cpuTime returns the user and system CPU time of the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
