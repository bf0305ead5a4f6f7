package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// fanoutResult is what the fan-out phase measured.
type fanoutResult struct {
	Subscribers int // asked for
	Connected   int
	ConnectTime time.Duration
	Events      int // asked for
	Posted      int // accepted by the server
	Rate        float64
	PostTime    time.Duration // from the first POST to the last answer
	Late        int           // events posted more than an interval after their time
	Delay       dist          // over every (subscriber, event) pair received
	Missed      int           // (subscriber, event) pairs never received
	Incomplete  int           // subscribers that missed at least one event
	Dropped     int           // streams that ended before the phase did
	dropReason  string
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
	last    atomic.Int64 // the highest index seen
	ended   atomic.Bool  // the stream has ended
	got     []arrival    // owned by the reading goroutine until it ends
	err     error        // why the stream ended, set before ended
	dropped bool         // the stream ended before the phase did
}

// read reads the stream until it ends, looking only at "id:" lines: each
// id higher than any before is a new event (the checkpoint and agreement
// messages that follow repeat an index already seen).
func (s *subscriber) read(body io.ReadCloser, base time.Time, stopping *atomic.Bool) {
	defer body.Close()
	br := bufio.NewReaderSize(body, 8<<10)
	inLine := false // in the middle of a line longer than the buffer
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
		if id, ok := parseID(line); ok && id > s.last.Load() {
			s.got = append(s.got, arrival{id: id, at: time.Since(base)})
			s.last.Store(id)
		}
	}
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

// connect opens the subscriber's stream as the public, trying again a few
// times if the server is busy or rate-limits us.
func connect(ctx context.Context, hc *http.Client, url string) (*http.Response, error) {
	for i := 0; ; i++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Accept", "text/event-stream")
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
			return nil, err
		}
		if err := sleep(ctx, time.Second); err != nil {
			return nil, err
		}
	}
}

// fanout runs the fan-out phase: cfg.subscribers clients open the talks'
// live stream, then cfg.events acts are posted at cfg.rate per second,
// and the delay from just before each POST to each subscriber's receipt
// of the event's index is measured. The events are posted to the server
// of cs[0]; subscriber i listens on the server of cs[i mod len(cs)].
func fanout(ctx context.Context, cs []*client, streams *http.Client, t *talks, cfg *config) (*fanoutResult, error) {
	c := cs[0]
	res := &fanoutResult{Subscribers: cfg.subscribers, Events: cfg.events, Rate: cfg.rate, errs: newTally()}
	// Sign every event first, so that nothing but the POST is timed.
	bodies := make([][]byte, cfg.events)
	rng := mrand.New(mrand.NewPCG(7, 7))
	for i := range bodies {
		b, err := t.act(cfg.act, rng, i%len(t.heads))
		if err != nil {
			return nil, err
		}
		bodies[i] = b
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
		// Streams live on sctx, beyond the connection deadline.
		resp, err := connect(sctx, streams, cs[i%len(cs)].base+path)
		if err != nil {
			res.errs.add("connect", err.Error())
			return nil
		}
		s := &subscriber{got: make([]arrival, 0, cfg.events+4)}
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
	sent := make(map[int64]time.Duration, cfg.events)
	last := int64(-1)
	interval := time.Duration(float64(time.Second) / cfg.rate)
	pctx, cancelPosts := context.WithTimeout(ctx, time.Duration(cfg.events)*interval+60*time.Second)
	defer cancelPosts()
	inflight := make(chan struct{}, maxPostsInFlight)
	var posts sync.WaitGroup
	first := time.Now()
	for i, body := range bodies {
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
			status, resp, err := c.postEvent(pctx, t.id, body, true)
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
			sent[rec.Index] = t0
			last = max(last, rec.Index)
		})
	}
	posts.Wait()
	res.PostTime = time.Since(first)
	res.Posted = len(sent)

	// Wait for the last event to reach every stream still open.
	drainBy := time.Now().Add(cfg.drain)
	for last >= 0 && time.Now().Before(drainBy) && ctx.Err() == nil {
		done := true
		for _, s := range subs {
			if s != nil && !s.ended.Load() && s.last.Load() < last {
				done = false
				break
			}
		}
		if done {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	stopping.Store(true)
	stopStreams()
	readers.Wait()

	per := make([]serverFanout, len(cs))
	perDelays := make([][]time.Duration, len(cs))
	for i := range per {
		per[i] = serverFanout{Base: cs[i].base, Poster: i == 0}
	}
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
		received := 0
		for _, a := range s.got {
			if t0, ok := sent[a.id]; ok {
				d := a.at - t0
				delays = append(delays, d)
				perDelays[i%len(cs)] = append(perDelays[i%len(cs)], d)
				received++
			}
		}
		if received < len(sent) {
			res.Incomplete++
			res.Missed += len(sent) - received
			ps.Incomplete++
			ps.Missed += len(sent) - received
		}
	}
	res.Delay = distOf(delays)
	if len(cs) > 1 {
		for i := range per {
			per[i].Delay = distOf(perDelays[i])
		}
		res.PerServer = per
	}
	return res, ctx.Err()
}
