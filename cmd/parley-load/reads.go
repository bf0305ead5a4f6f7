package main

import (
	"context"
	"sync"
	"time"
)

// readResult is what one read target measured.
type readResult struct {
	Bare    bool        // a bare handler, not the server
	Same    *readResult // the bare handler that serves the same body
	Name    string
	Path    string
	Readers int
	// SignedIn: reader i reads signed in as actor i of the talks.
	SignedIn bool
	Bytes    int // size of one response body
	Elapsed  time.Duration
	OK       int
	Failed   int
	Latency  dist
	errs     *tally
}

// Rate returns the successful reads per second.
func (r *readResult) Rate() float64 { return perSecond(r.OK, r.Elapsed) }

// reads has cfg.readers goroutines GET a path over and over for
// cfg.duration or until cfg.maxReads requests in all; reader i reads from
// the server of cs[i mod len(cs)], as the public or, when tokens are
// given, signed in with tokens[i mod len(tokens)].
func reads(ctx context.Context, cs []*client, name, path string, tokens []string, cfg *config) (*readResult, error) {
	res := &readResult{Name: name, Path: path, Readers: cfg.readers, SignedIn: len(tokens) > 0, errs: newTally()}
	tokenOf := func(i int) string {
		if len(tokens) == 0 {
			return ""
		}
		return tokens[i%len(tokens)]
	}
	// One request first, for the size of the body; it is not counted.
	status, body, err := cs[0].getAs(ctx, path, tokenOf(0), true)
	if !res.errs.addResult(status, body, err) {
		res.Failed = 1
		return res, ctx.Err()
	}
	res.Bytes = len(body)
	res.errs = newTally()

	share := shares(cfg.maxReads, cfg.readers)
	pctx, cancel := context.WithTimeout(ctx, cfg.duration+30*time.Second)
	defer cancel()
	lat := make([][]time.Duration, cfg.readers)
	oks := make([]int, cfg.readers)
	start := time.Now()
	deadline := start.Add(cfg.duration)
	var wg sync.WaitGroup
	for w := range cfg.readers {
		c, token := cs[w%len(cs)], tokenOf(w)
		wg.Go(func() {
			lat[w] = make([]time.Duration, 0, min(share[w], 1<<16))
			for i := 0; i < share[w] && pctx.Err() == nil; i++ {
				t0 := time.Now()
				if t0.After(deadline) {
					return
				}
				status, body, err := c.getAs(pctx, path, token, false)
				lat[w] = append(lat[w], time.Since(t0))
				if res.errs.addResult(status, body, err) {
					oks[w]++
				}
			}
		})
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	var all []time.Duration
	for w, l := range lat {
		all = append(all, l...)
		res.OK += oks[w]
	}
	res.Failed = res.errs.total()
	res.Latency = distOf(all)
	return res, ctx.Err()
}
