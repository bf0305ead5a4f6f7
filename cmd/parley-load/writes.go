package main

import (
	"context"
	mrand "math/rand/v2"
	"runtime"
	"sync"
	"time"

	"github.com/parleyhq/parley"
)

// writeResult is what the write phase measured.
type writeResult struct {
	Writers   int
	Presigned bool
	Elapsed   time.Duration
	OK        int
	Failed    int
	Latency   dist
	CPU       time.Duration  // of this process during the phase
	PerServer []serverWrites // by server, when there are several
	errs      *tally
}

// serverWrites is what the write phase measured on one of several servers.
type serverWrites struct {
	Base    string
	Writers int
	Elapsed time.Duration
	OK      int
	Failed  int
	Latency dist
}

// Rate returns the successful writes per second to the server.
func (r *serverWrites) Rate() float64 { return perSecond(r.OK, r.Elapsed) }

// Rate returns the successful writes per second.
func (r *writeResult) Rate() float64 { return perSecond(r.OK, r.Elapsed) }

// signCost measures the time to sign and encode one stance event on one
// goroutine, over n events of a talks like the one the load acts in. It
// runs before the server has any work, so that nothing else competes.
func signCost(host string, n int) (time.Duration, error) {
	a, err := newActor()
	if err != nil {
		return 0, err
	}
	id := "load-00000000"
	t := &talks{id: id, origin: parley.Origin(host, id), parties: []string{"p0"}, heads: []*actor{a}, items: 1000, version: 2}
	rng := mrand.New(mrand.NewPCG(1, 2))
	start := time.Now()
	for range n {
		if _, err := t.stance(rng, 0); err != nil {
			return 0, err
		}
	}
	return time.Since(start) / time.Duration(n), nil
}

// shares divides n requests among w workers as evenly as can be.
func shares(n, w int) []int {
	out := make([]int, w)
	for i := range out {
		out[i] = n / w
		if i < n%w {
			out[i]++
		}
	}
	return out
}

// presign signs the write phase's events, each writer's share of
// cfg.maxWrites, on all cores.
func presign(ctx context.Context, t *talks, cfg *config) ([][][]byte, error) {
	share := shares(cfg.maxWrites, cfg.writers)
	pools := make([][][]byte, cfg.writers)
	err := parallel(ctx, cfg.writers, runtime.GOMAXPROCS(0), func(ctx context.Context, w int) error {
		rng := mrand.New(mrand.NewPCG(uint64(w), 1))
		pools[w] = make([][]byte, share[w])
		for i := range pools[w] {
			b, err := t.act(cfg.act, rng, w%len(t.heads))
			if err != nil {
				return err
			}
			pools[w][i] = b
		}
		return nil
	})
	return pools, err
}

// writes runs the write phase: cfg.writers delegations, each on its own
// goroutine, post stance events of their party for cfg.duration or until
// cfg.maxWrites requests in all; writer i posts to the server of
// cs[i mod len(cs)]. The events come from pools (by writer,
// see presign) or, if it is nil, are signed by each writer before each
// request. A request's latency runs from just before it is sent to the end
// of its response; signing is not in it.
func writes(ctx context.Context, cs []*client, t *talks, cfg *config, pools [][][]byte) (*writeResult, error) {
	res := &writeResult{Writers: cfg.writers, Presigned: pools != nil, errs: newTally()}
	share := shares(cfg.maxWrites, cfg.writers)

	// Requests in flight when the time is up may finish; none is started
	// after it.
	pctx, cancel := context.WithTimeout(ctx, cfg.duration+30*time.Second)
	defer cancel()
	lat := make([][]time.Duration, cfg.writers)
	oks := make([]int, cfg.writers)
	fails := make([]int, cfg.writers)
	cpu0, _ := processCPU()
	start := time.Now()
	deadline := start.Add(cfg.duration)
	var wg sync.WaitGroup
	for w := range cfg.writers {
		c := cs[w%len(cs)]
		wg.Go(func() {
			rng := mrand.New(mrand.NewPCG(uint64(w), 2))
			lat[w] = make([]time.Duration, 0, share[w])
			for i := 0; i < share[w] && pctx.Err() == nil; i++ {
				var body []byte
				if pools != nil {
					body = pools[w][i]
				} else {
					b, err := t.act(cfg.act, rng, w%len(t.heads))
					if err != nil {
						res.errs.add("signing", err.Error())
						fails[w]++
						return
					}
					body = b
				}
				t0 := time.Now()
				if t0.After(deadline) {
					return
				}
				status, resp, err := c.postEvent(pctx, t.id, body, false)
				lat[w] = append(lat[w], time.Since(t0))
				if res.errs.addResult(status, resp, err) {
					oks[w]++
				} else {
					fails[w]++
				}
			}
		})
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	if cpu1, ok := processCPU(); ok {
		res.CPU = cpu1 - cpu0
	}
	var all []time.Duration
	for w, l := range lat {
		all = append(all, l...)
		res.OK += oks[w]
	}
	res.Failed = res.errs.total()
	res.Latency = distOf(all)
	if len(cs) > 1 {
		for i, sc := range cs {
			ps := serverWrites{Base: sc.base, Elapsed: res.Elapsed}
			var l []time.Duration
			for w := i; w < cfg.writers; w += len(cs) {
				ps.Writers++
				ps.OK += oks[w]
				ps.Failed += fails[w]
				l = append(l, lat[w]...)
			}
			ps.Latency = distOf(l)
			res.PerServer = append(res.PerServer, ps)
		}
	}
	return res, ctx.Err()
}
