package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// fanoutResult is what one run of the fan-out phase measured.
type fanoutResult struct {
	Viewers     string // viewersPublic or viewersParties
	Subscribers int    // asked for
	Connected   int
	ConnectTime time.Duration
	Events      int // asked for
	Posted      int // accepted by the server
	Private     int // of those, the events only one party may see
	Rate        float64
	PostTime    time.Duration // from the first POST to the last answer
	Late        int           // events posted more than an interval after their time
	Delay       dist          // over every (subscriber, event) pair received that the subscriber may see
	Expected    int           // (subscriber, event) pairs the subscriber may see
	Withheld    int           // (subscriber, event) pairs the subscriber may not see, and did not receive
	Missed      int           // (subscriber, event) pairs the subscriber may see but never received
	Incomplete  int           // subscribers that missed at least one event
	Violations  int           // (subscriber, event) pairs received that the subscriber may not see
	Violators   int           // subscribers that received at least one such event
	violation   string        // the first, described
	Dropped     int           // streams that ended before the phase did
	dropReason  string
	CPU         time.Duration  // of this process, from the first POST to the last delivery awaited
	PerServer   []serverFanout // by server the subscribers listen on, when there are several
	errs        *tally         // failed connections and posts
}

// serverFanout is what the fan-out phase measured for the subscribers of
// one of several servers.
type serverFanout struct {
	Base        string
	Poster      bool // the events are posted to this server
	Subscribers int  // asked for
	Connected   int
	Delay       dist
	Missed      int
	Incomplete  int
	Violations  int
	Dropped     int
}

// maxPostsInFlight bounds the fan-out phase's POSTs waiting for an answer.
const maxPostsInFlight = 256

// arrival is when a subscriber first saw a log index, since the phase's
// base time.
type arrival struct {
	id int64
	at time.Duration
}

// A subscriber holds one live stream open and notes when each new log
// index arrives.
type subscriber struct {
	party   int          // the party of the actor it listens as, -1 for the public
	last    atomic.Int64 // the highest index of an event seen
	ended   atomic.Bool  // the stream has ended
	got     []arrival    // owned by the reading goroutine until it ends
	err     error        // why the stream ended, set before ended
	dropped bool         // the stream ended before the phase did
}

// read reads the stream until it ends, looking only at "id:" and "event:"
// lines: a message of type "event" whose id is higher than any before is
// a new event. Checkpoint and agreement messages carry the index of the
// last event of the log, which may be one the subscriber may not see, and
// so are not counted.
func (s *subscriber) read(body io.ReadCloser, base time.Time, stopping *atomic.Bool) {
	defer body.Close()
	br := bufio.NewReaderSize(body, 8<<10)
	inLine := false // in the middle of a line longer than the buffer
	id := int64(-1) // the id of the message being read
	for {
		line, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			inLine = true
			continue
		}
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			s.err, s.dropped = err, !stopping.Load()
			s.ended.Store(true)
			return
		}
		if inLine {
			inLine = false
			continue
		}
		switch {
		case len(line) <= 2 && (line[0] == '\n' || line[0] == '\r'):
			id = -1 // the end of a message
		case isEventLine(line):
			if id > s.last.Load() {
				s.got = append(s.got, arrival{id: id, at: time.Since(base)})
				s.last.Store(id)
			}
		default:
			if n, ok := parseID(line); ok {
				id = n
			}
		}
	}
}

// isEventLine reports whether line is "event: event", the type of a
// message that carries an event of the log.
func isEventLine(line []byte) bool {
	const want = "event: event"
	return len(line) >= len(want) && string(line[:len(want)]) == want && len(bytes.TrimRight(line[len(want):], "\r\n")) == 0
}

// parseID parses an "id: N\n" line of a server-sent event stream.
func parseID(line []byte) (int64, bool) {
	const prefix = "id: "
	if len(line) <= len(prefix) || string(line[:len(prefix)]) != prefix {
		return 0, false
	}
	var n int64
	digits := 0
	for _, c := range line[len(prefix):] {
		switch {
		case c >= '0' && c <= '9' && digits < 18:
			n = n*10 + int64(c-'0')
			digits++
		case c == '\n' || c == '\r':
			return n, digits > 0
		default:
			return 0, false
		}
	}
	return n, digits > 0
}

// connect opens the subscriber's stream with a session token, or as the
// public with "", trying again a few times if the server is busy or
// rate-limits us.
func connect(ctx context.Context, hc *http.Client, url, token string) (*http.Response, error) {
	for i := 0; ; i++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Accept", "text/event-stream")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := hc.Do(req)
		if err == nil && resp.StatusCode == http.StatusOK {
			return resp, nil
		}
		status := 0
		if err == nil {
			status = resp.StatusCode
			b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
			resp.Body.Close()
			err = fmt.Errorf("HTTP %d: %s", status, problemDetail(b))
		}
		if i == 4 || !retryable(status, nil) {
			if status == http.StatusTooManyRequests {
				err = fmt.Errorf("%w: %w", err, errLimited)
			}
			return nil, err
		}
		if err := sleep(ctx, time.Second); err != nil {
			return nil, err
		}
	}
}

// fanout runs one run of the fan-out phase, number run: cfg.subscribers
// clients open the talks' live stream as the given viewers, then
// cfg.events events (see fanoutEvents) are posted at cfg.rate per second,
// and the delay from just before each POST to each subscriber's receipt
// of the event is measured. Each subscriber must receive every event it
// may see and none that it may not. The events are posted to the server
// of cs[0]; subscriber i listens on the server of cs[i mod len(cs)], as
// the public or, with viewersParties, signed in as actor i of the talks.
func fanout(ctx context.Context, cs []*client, streams *http.Client, t *talks, cfg *config, viewers string, run int) (*fanoutResult, error) {
	c := cs[0]
	res := &fanoutResult{Viewers: viewers, Subscribers: cfg.subscribers, Events: cfg.events, Rate: cfg.rate, errs: newTally()}
	signed := viewers == viewersParties
	if signed && len(t.tokens) < cfg.subscribers {
		return nil, fmt.Errorf("fan-out as the parties: %d actors signed in, want %d", len(t.tokens), cfg.subscribers)
	}
	// Sign every event first, so that nothing but the POST is timed.
	events, err := fanoutEvents(t, cfg, run)
	if err != nil {
		return nil, err
	}

	base := time.Now()
	sctx, stopStreams := context.WithCancel(ctx)
	defer stopStreams()
	var stopping atomic.Bool
	subs := make([]*subscriber, cfg.subscribers)
	var readers sync.WaitGroup
	defer func() {
		stopping.Store(true)
		stopStreams()
		readers.Wait()
	}()
	path := "/api/v1/talks/" + t.id + "/stream"
	cctx, cancelConnect := context.WithTimeout(sctx, 60*time.Second)
	_ = parallel(cctx, cfg.subscribers, 64, func(_ context.Context, i int) error {
		token, party := "", -1
		if signed {
			token, party = t.tokens[i], t.partyOf(i)
		}
		// Streams live on sctx, beyond the connection deadline.
		resp, err := connect(sctx, streams, cs[i%len(cs)].base+path, token)
		if err != nil {
			res.errs.add("connect", err.Error())
			return nil
		}
		s := &subscriber{party: party, got: make([]arrival, 0, cfg.events+4)}
		s.last.Store(-1)
		subs[i] = s
		readers.Go(func() { s.read(resp.Body, base, &stopping) })
		return nil
	})
	cancelConnect()
	res.ConnectTime = time.Since(base)
	for _, s := range subs {
		if s != nil {
			res.Connected++
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	// Post the events on a fixed schedule, each on its own goroutine, so
	// that a slow answer delays no later event (the load does not ease
	// when the server slows down).
	var mu sync.Mutex
	sent := make(map[int64]posted, cfg.events)
	interval := time.Duration(float64(time.Second) / cfg.rate)
	pctx, cancelPosts := context.WithTimeout(ctx, time.Duration(cfg.events)*interval+60*time.Second)
	defer cancelPosts()
	inflight := make(chan struct{}, maxPostsInFlight)
	var posts sync.WaitGroup
	cpu0, _ := processCPU()
	first := time.Now()
	for i, ev := range events {
		due := first.Add(time.Duration(i) * interval)
		if sleep(pctx, time.Until(due)) != nil {
			break
		}
		select {
		case inflight <- struct{}{}:
		case <-pctx.Done():
		}
		if pctx.Err() != nil {
			break
		}
		if time.Since(due) > interval {
			res.Late++
		}
		posts.Go(func() {
			defer func() { <-inflight }()
			t0 := time.Since(base)
			status, resp, err := c.postEvent(pctx, t.id, ev.body, true)
			if !res.errs.addResult(status, resp, err) {
				return
			}
			var rec struct {
				Index int64 `json:"index"`
			}
			if err := json.Unmarshal(resp, &rec); err != nil {
				res.errs.add("receipt", err.Error())
				return
			}
			mu.Lock()
			defer mu.Unlock()
			sent[rec.Index] = posted{at: t0, party: ev.party}
		})
	}
	posts.Wait()
	res.PostTime = time.Since(first)
	res.Posted = len(sent)

	// The last index each subscriber may see: of the events anyone may
	// see, or of its party's.
	lastAll := int64(-1)
	lastOf := map[int]int64{}
	for idx, p := range sent {
		if p.party < 0 {
			lastAll = max(lastAll, idx)
		} else {
			res.Private++
			lastOf[p.party] = max(lastOf[p.party], idx)
		}
	}
	lastFor := func(s *subscriber) int64 {
		if l, ok := lastOf[s.party]; ok && s.party >= 0 {
			return max(l, lastAll)
		}
		return lastAll
	}
	// Wait for the last event each stream still open may see to reach it.
	drainBy := time.Now().Add(cfg.drain)
	for len(sent) > 0 && time.Now().Before(drainBy) && ctx.Err() == nil {
		done := true
		for _, s := range subs {
			if s != nil && !s.ended.Load() && s.last.Load() < lastFor(s) {
				done = false
				break
			}
		}
		if done {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if cpu1, ok := processCPU(); ok {
		res.CPU = cpu1 - cpu0
	}
	// An event a subscriber may not see would come, if at all, in log
	// order with the others: give one after its last a moment to arrive.
	_ = sleep(ctx, violationGrace)
	stopping.Store(true)
	stopStreams()
	readers.Wait()

	res.account(subs, sent, cs, t.parties)
	return res, ctx.Err()
}

// A posted event of a fan-out run: when its POST began, and who may see
// it.
type posted struct {
	at    time.Duration // just before the POST, since the run's base time
	party int           // as in fanEvent
}

// account counts, from what each subscriber received and what was sent
// (by log index), the delays, the missed deliveries, the events withheld
// and the visibility violations, in all and by the server of cs that
// subscriber i listened on (i mod len(cs)). parties names the parties by
// index.
func (res *fanoutResult) account(subs []*subscriber, sent map[int64]posted, cs []*client, parties []string) {
	per := make([]serverFanout, len(cs))
	perDelays := make([][]time.Duration, len(cs))
	for i := range per {
		per[i] = serverFanout{Base: cs[i].base, Poster: i == 0}
	}
	may := func(s *subscriber, p posted) bool { return p.party < 0 || p.party == s.party }
	var delays []time.Duration
	for i, s := range subs {
		ps := &per[i%len(cs)]
		ps.Subscribers++
		if s == nil {
			continue
		}
		ps.Connected++
		if s.dropped {
			res.Dropped++
			ps.Dropped++
			if res.dropReason == "" {
				res.dropReason = s.err.Error()
			}
		}
		expected := 0
		for _, p := range sent {
			if may(s, p) {
				expected++
			}
		}
		res.Expected += expected
		received, violations := 0, 0
		for _, a := range s.got {
			p, ok := sent[a.id]
			switch {
			case !ok:
			case may(s, p):
				d := a.at - p.at
				delays = append(delays, d)
				perDelays[i%len(cs)] = append(perDelays[i%len(cs)], d)
				received++
			default:
				violations++
				if res.violation == "" {
					who := "the public"
					if s.party >= 0 {
						who = "an actor of party " + parties[s.party]
					}
					res.violation = fmt.Sprintf("subscriber %d (%s) received event %d, which only party %s may see", i, who, a.id, parties[p.party])
				}
			}
		}
		res.Withheld += len(sent) - expected - violations
		if violations > 0 {
			res.Violations += violations
			res.Violators++
			ps.Violations += violations
		}
		if received < expected {
			res.Incomplete++
			res.Missed += expected - received
			ps.Incomplete++
			ps.Missed += expected - received
		}
	}
	res.Delay = distOf(delays)
	if len(cs) > 1 {
		for i := range per {
			per[i].Delay = distOf(perDelays[i])
		}
		res.PerServer = per
	}
}

// violationGrace is how long the fan-out phase keeps the streams open
// after the last event each may see has reached it, for an event it may
// not see to show up.
const violationGrace = 500 * time.Millisecond
