package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/server"
)

// TestStreamIndexBounds checks that a stream asked to resume from an index
// outside [-1, size] is refused at once with a problem, whatever the
// number, and that the bounds themselves are served.
func TestStreamIndexBounds(t *testing.T) {
	w := newWorld(t, server.Config{}, false)
	n := size(t, w)
	for _, tc := range []struct {
		header, query string
		want          int
	}{
		{header: "9223372036854775807", want: 400},
		{header: "-9223372036854775808", want: 400},
		{header: "-2", want: 400},
		{header: strconv.FormatInt(n+1, 10), want: 400},
		{header: "1e3", want: 400},
		{query: "-9223372036854775807", want: 400},
		{query: "9223372036854775807", want: 400},
		{query: strconv.FormatInt(n+1, 10), want: 400},
		{header: "-1", want: 200},
		{header: strconv.FormatInt(n, 10), want: 200},
		{query: strconv.FormatInt(n-1, 10), want: 200},
	} {
		req, _ := http.NewRequest("GET", w.ts.URL+"/api/v1/talks/t1/stream", nil)
		if tc.header != "" {
			req.Header.Set("Last-Event-ID", tc.header)
		}
		if tc.query != "" {
			req.URL.RawQuery = "after=" + tc.query
		}
		start := time.Now()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != tc.want {
			t.Errorf("Last-Event-ID %q, after %q: status %d, want %d", tc.header, tc.query, resp.StatusCode, tc.want)
		}
		if tc.want == 400 {
			b, _ := io.ReadAll(resp.Body)
			var p server.Problem
			if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" || json.Unmarshal(b, &p) != nil || !strings.Contains(p.Detail, "log index from -1") {
				t.Errorf("Last-Event-ID %q, after %q: answer %s %s, want a problem naming the range", tc.header, tc.query, ct, b)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("refusing Last-Event-ID %q, after %q took %v", tc.header, tc.query, d)
			}
		}
		resp.Body.Close()
	}
	// Other indexes from clients are checked the same way.
	for _, path := range []string{
		"/api/v1/talks/t1/events?from=-1",
		"/api/v1/talks/t1/events?from=9223372036854775807",
		"/api/v1/talks/t1/events?limit=0",
		"/api/v1/talks/t1/events?limit=9223372036854775807",
		"/api/v1/talks/t1/receipts/-1",
		"/api/v1/talks/t1/receipts/9223372036854775807",
		"/api/v1/talks/t1/proofs/9223372036854775807",
		"/api/v1/talks/t1/checkpoint?size=9223372036854775807",
		"/api/v1/talks/t1/proofs/consistency?from=0&to=1",
		"/api/v1/talks/t1/proofs/consistency?from=2&to=9223372036854775807",
		"/api/v1/talks/t1/proofs/consistency?from=3&to=2",
	} {
		if code, b := w.c["mediator"].do("GET", path, nil); code != 400 {
			t.Errorf("GET %s: status %d, want 400: %s", path, code, b)
		}
	}
}

// TestRevokedStreamEnds checks that the live stream of an actor ends when
// the actor is revoked, before any later event of its party reaches it.
func TestRevokedStreamEnds(t *testing.T) {
	w := newWorld(t, server.Config{}, false)
	s := openStream(t, w.c["gov"], "t1", "")
	rev := w.act(t, "mediator", parley.KindRevokeActor, "", parley.RevokeActor{Key: w.c["gov"].pub(), Reason: "The key was lost."})
	w.act(t, "mediator", parley.KindCaucus, "", parley.Caucus{Party: "gov", Text: "AFTER-REVOCATION"})
	var got strings.Builder
	done := make(chan struct{})
	go func() {
		defer close(done)
		b, _ := io.ReadAll(s.r)
		got.Write(b)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("the revoked actor's stream is still open after its revocation (#%d)", rev)
	}
	if strings.Contains(got.String(), "AFTER-REVOCATION") {
		t.Errorf("the revoked actor's stream received its party's caucus after the revocation:\n%s", got.String())
	}
}

// BenchmarkStreamRequest measures what a stream request costs the server
// until its headers arrive, for the index a client asks to resume from:
// refused indexes far outside the log cost what an ordinary request costs,
// not more, whatever the number.
func BenchmarkStreamRequest(b *testing.B) {
	w := newWorld(b, server.Config{ReadRate: -1, WriteRate: -1, AnonStreamsPerAddr: -1, StreamsPerAddr: -1}, false)
	for i := 0; i < 2000; i++ {
		w.act(b, "observer", parley.KindStatement, "", parley.Statement{Text: "Statement " + strconv.Itoa(i)})
	}
	n := size(b, w)
	for _, tc := range []struct{ name, last string }{
		{"at-the-end", strconv.FormatInt(n-1, 10)},
		{"max-int64", "9223372036854775807"},
		{"min-int64", "-9223372036854775808"},
		{"past-the-end", strconv.FormatInt(n+1, 10)},
	} {
		b.Run("last="+tc.name, func(b *testing.B) {
			for b.Loop() {
				req, _ := http.NewRequest("GET", w.ts.URL+"/api/v1/talks/t1/stream", nil)
				req.Header.Set("Last-Event-ID", tc.last)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				resp.Body.Close()
			}
		})
	}
}

// TestReleasedEventStreamed: when a mediator releases an event to a
// party, that party's open streams receive the event, then the release,
// as its API answers them, whether they opened live or resumed from an
// index; a stream that resumes between the event and its release gets
// it too. The released event's frame carries no id, so that a client
// resumes from the release. The other party's streams receive neither.
func TestReleasedEventStreamed(t *testing.T) {
	w := newWorld(t, server.Config{}, false)
	// indexes reads n event messages and returns the log index each
	// carries in its data, and its id ("" when the frame has none).
	indexes := func(s *sse, n int) ([]int64, []string) {
		var idx []int64
		var ids []string
		for len(idx) < n {
			m := s.next(t, 15*time.Second)
			if m.event != "event" {
				continue
			}
			var d struct {
				Index int64 `json:"index"`
			}
			if err := json.Unmarshal([]byte(m.data), &d); err != nil {
				t.Fatal(err)
			}
			idx = append(idx, d.Index)
			id := ""
			if m.id != 0 {
				id = strconv.FormatInt(m.id, 10)
			}
			ids = append(ids, id)
		}
		return idx, ids
	}
	secret := w.act(t, "mediator", parley.KindStatement, parley.VisMediators, parley.Statement{Text: "RELEASED-NOTE"})
	live := openStream(t, w.c["gov"], "t1", "")
	resumed := openStream(t, w.c["gov"], "t1", strconv.FormatInt(secret, 10))
	opp := openStream(t, w.c["opp"], "t1", "")
	rel := w.act(t, "mediator", parley.KindRelease, "", parley.Release{Party: "gov", Index: secret})
	for name, s := range map[string]*sse{"live": live, "resumed": resumed} {
		idx, ids := indexes(s, 2)
		if !slices.Equal(idx, []int64{secret, rel}) || ids[0] != "" || ids[1] != strconv.FormatInt(rel, 10) {
			t.Errorf("gov's %s stream got events %v with ids %q, want the released %d without an id, then the release %d", name, idx, ids, secret, rel)
		}
	}
	// A client that had read up to the statement, and comes back after
	// the release, gets the statement before the release from the backlog.
	late := openStream(t, w.c["gov"], "t1", strconv.FormatInt(secret, 10))
	if idx, _ := indexes(late, 2); !slices.Equal(idx, []int64{secret, rel}) {
		t.Errorf("gov's stream resumed after the release got %v, want %d then %d", idx, secret, rel)
	}
	// A release narrowed to the mediators still shows gov the event: a
	// stream resuming after it gets the event, as the API gives it.
	secret2 := w.act(t, "mediator", parley.KindStatement, parley.VisMediators, parley.Statement{Text: "RELEASED-NOTE-2"})
	w.act(t, "mediator", parley.KindRelease, parley.VisMediators, parley.Release{Party: "gov", Index: secret2})
	next := w.act(t, "mediator", parley.KindStatement, "", parley.Statement{Text: "Next."})
	narrowed := openStream(t, w.c["gov"], "t1", strconv.FormatInt(secret2, 10))
	if idx, _ := indexes(narrowed, 2); !slices.Equal(idx, []int64{secret2, next}) {
		t.Errorf("gov's stream resumed after a release narrowed to the mediators got %v, want %d then %d", idx, secret2, next)
	}
	// opp receives neither: its next event is the next act it may see.
	if idx, _ := indexes(opp, 1); idx[0] != next {
		t.Errorf("opp's stream got event %d, want %d", idx[0], next)
	}
}
