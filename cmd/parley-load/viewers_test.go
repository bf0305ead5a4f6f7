package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestSignedInRun runs the fan-out twice at a tiny size against the
// in-process server, as the public and then with every subscriber signed
// in as an actor of its own, in proximity talks with caucus messages:
// every subscriber must receive what it may see and nothing else.
func TestSignedInRun(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server and loads it for a few seconds")
	}
	dir := t.TempDir()
	jsonFile := filepath.Join(dir, "figures.json")
	args := []string{
		"-dir", dir, "-json", jsonFile, "-phases", "fanout,reads",
		"-parties", "4", "-items", "5", "-versions", "1", "-paragraphs", "1",
		"-subscribers", "14", "-events", "24", "-rate", "50", "-drain", "5s",
		"-viewers", "public,parties", "-private", "0.25", "-proximity",
		"-readers", "3", "-duration", "300ms", "-timeout", "1m",
	}
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), args, &stdout, &stderr); err != nil {
		t.Fatalf("run: %v\nstdout:\n%s\nstderr:\n%s", err, &stdout, &stderr)
	}
	out := stdout.String()
	for _, want := range []string{
		"### Subscribers as the public", "### Subscribers signed in as the parties' actors",
		"4 heads of delegation and 10 delegates, up to 4 actors a party", "| sign-in | 14 actors signed in",
		"proximity talks", "| talks overview, signed in |", "No failures",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the report lacks %q:\n%s", want, out)
		}
	}
	b, err := os.ReadFile(jsonFile)
	if err != nil {
		t.Fatal(err)
	}
	var s summary
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	if s.SignedIn != 14 || !s.Proximity || len(s.Fanouts) != 2 {
		t.Fatalf("signed in %d, proximity %v, %d fan-out runs; want 14, true, 2", s.SignedIn, s.Proximity, len(s.Fanouts))
	}
	// Set-up: the talks' 3 events, 3 a party and 10 delegates, the
	// opening, 2 events an item.
	if want := 3 + 3*4 + 10 + 1 + 5*2; s.SetupEvents != want {
		t.Errorf("set-up posted %d events, want %d", s.SetupEvents, want)
	}
	pub, parties := s.Fanouts[0], s.Fanouts[1]
	if pub.Viewers != viewersPublic || parties.Viewers != viewersParties {
		t.Fatalf("the runs are %q and %q, want public then parties", pub.Viewers, parties.Viewers)
	}
	for _, f := range s.Fanouts {
		// In proximity talks every stance is its party's own, and so is
		// every caucus message: the public may see none of the events.
		if f.Posted != 24 || f.Private != 24 || f.Missed != 0 || f.Violations != 0 || f.Dropped != 0 || f.Failed != 0 {
			t.Errorf("%s: %+v; want 24 events posted, all private, none missed, no violation, none dropped or failed", f.Viewers, f)
		}
		if f.Expected+f.Withheld != f.Subscribers*f.Posted || f.Received != f.Expected {
			t.Errorf("%s: %d expected + %d withheld, %d received, of %d subscribers × %d events", f.Viewers, f.Expected, f.Withheld, f.Received, f.Subscribers, f.Posted)
		}
	}
	if pub.Expected != 0 {
		t.Errorf("the public may see %d deliveries, want 0", pub.Expected)
	}
	// Each event reaches the 3 or 4 actors of its party.
	if parties.Expected < 3*24 || parties.Expected > 4*24 || parties.P50ms <= 0 {
		t.Errorf("signed in: %d deliveries expected, p50 %.2f ms; want 72 to 96, and a delay", parties.Expected, parties.P50ms)
	}
}

// TestSubscriberRead checks that a subscriber counts the messages of type
// "event" only: a checkpoint or agreement message carries the index of
// the log's last event, which may be one the subscriber may not see.
func TestSubscriberRead(t *testing.T) {
	stream := "retry: 2000\n: talks t\n\n" +
		"id: 3\nevent: event\ndata: {}\n\n" +
		"id: 4\nevent: checkpoint\ndata: {}\n\n" +
		"id: 4\nevent: agreement\ndata: {}\n\n" +
		"id: 5\r\nevent: event\r\ndata: {\"a\": \"" + strings.Repeat("x", 20000) + "\"}\r\n\r\n" +
		"id: 5\nevent: checkpoint\ndata: {}\n\n" +
		"id: 2\nevent: event\ndata: {}\n\n" +
		"event: event\ndata: {}\n\n" +
		"id: 9\nevent: events\ndata: {}\n\n"
	s := &subscriber{party: -1}
	s.last.Store(-1)
	var stopping atomic.Bool
	s.read(io.NopCloser(strings.NewReader(stream)), time.Now(), &stopping)
	var ids []int64
	for _, a := range s.got {
		ids = append(ids, a.id)
	}
	if len(ids) != 2 || ids[0] != 3 || ids[1] != 5 {
		t.Errorf("the subscriber counted events %v, want [3 5]", ids)
	}
	if !s.ended.Load() || !s.dropped {
		t.Errorf("a stream that ended before the phase: ended %v, dropped %v; want both", s.ended.Load(), s.dropped)
	}
}

// TestAccount checks the counting of deliveries against who may see each
// event: a delivery one may not see is a violation, one not received that
// one may see is missed.
func TestAccount(t *testing.T) {
	sub := func(party int, ids ...int64) *subscriber {
		s := &subscriber{party: party}
		for _, id := range ids {
			s.got = append(s.got, arrival{id: id, at: time.Duration(id) * time.Millisecond})
		}
		return s
	}
	sent := map[int64]posted{
		10: {at: 0, party: -1}, // anyone
		11: {at: 0, party: 0},  // party p0 only
		12: {at: 0, party: 1},  // party p1 only
	}
	subs := []*subscriber{
		sub(-1, 10),         // the public: right
		sub(0, 10, 11),      // p0: right
		sub(1, 10, 11),      // p1: 11 is a violation, 12 is missed
		sub(-1, 10, 12, 99), // the public: 12 is a violation; 99 was not posted in the run
		nil,                 // never connected
	}
	res := &fanoutResult{errs: newTally()}
	res.account(subs, sent, []*client{{base: "a"}, {base: "b"}}, []string{"p0", "p1"})
	if res.Expected != 1+2+2+1 || res.Delay.N != 5 || res.Missed != 1 || res.Incomplete != 1 {
		t.Errorf("expected %d, received %d, missed %d by %d; want 6, 5, 1 by 1", res.Expected, res.Delay.N, res.Missed, res.Incomplete)
	}
	if res.Violations != 2 || res.Violators != 2 || !strings.Contains(res.violation, "subscriber 2 (an actor of party p1) received event 11, which only party p0 may see") {
		t.Errorf("%d violations by %d subscribers, the first %q; want 2 by 2, the first of subscriber 2", res.Violations, res.Violators, res.violation)
	}
	// 4 subscribers × 3 events = 12 pairs: 6 expected, 2 violations, the
	// rest withheld.
	if res.Withheld != 4 {
		t.Errorf("withheld %d, want 4", res.Withheld)
	}
	if len(res.PerServer) != 2 || res.PerServer[0].Violations != 1 || res.PerServer[1].Violations != 1 || res.PerServer[0].Missed != 1 || res.PerServer[0].Subscribers != 3 {
		t.Errorf("by server: %+v", res.PerServer)
	}
}

// TestPrivateShare checks that the private events are spread evenly and
// number the share asked for.
func TestPrivateShare(t *testing.T) {
	for _, tc := range []struct {
		share float64
		n     int
		want  string
	}{
		{0, 10, "----------"},
		{0.2, 10, "----x----x"},
		{0.25, 8, "---x---x"},
		{1, 4, "xxxx"},
	} {
		var b strings.Builder
		for i := range tc.n {
			if private(i, tc.share) {
				b.WriteByte('x')
			} else {
				b.WriteByte('-')
			}
		}
		if b.String() != tc.want {
			t.Errorf("private(…, %g) over %d events: %s, want %s", tc.share, tc.n, b.String(), tc.want)
		}
	}
}
