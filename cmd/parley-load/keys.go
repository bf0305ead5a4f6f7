package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"
)

// The keys phase: many keys from one address, each signing in and then
// reading and writing as fast as it can, against a server with its rate
// limits on. Keys cost nothing, so a server that counted only per key
// would let this load through; it must hold to its per-address limits.

// The limits of the in-process server of the keys phase, per client
// address: those of parley serve by default (docs/SECURITY.md).
const (
	keysReadRate   = 200 // reads per second, bursts of twice that
	keysWriteRate  = 100 // writes per second, bursts of twice that
	keysSignInRate = 60  // sign-in requests per minute, bursts of as many
)

// A keysClass counts one kind of request of the keys phase.
type keysClass struct {
	Name    string
	Sent    int
	OK      int
	ByAddr  int // refused by a per-address limit
	ByKey   int // refused by a per-key limit
	Other   int // refused with 429 otherwise
	Failed  int // any other answer that is not 2xx, or no answer
	Rate    float64
	Burst   float64
	PerWhat string // "s" or "min"
}

// bound is the most requests the class's per-address token bucket lets
// through in d: a full bucket, then the rate.
func (c *keysClass) bound(d time.Duration) float64 {
	per := d.Seconds()
	if c.PerWhat == "min" {
		per /= 60
	}
	return c.Burst + c.Rate*per
}

func (c *keysClass) add(o keysClass) {
	c.Sent += o.Sent
	c.OK += o.OK
	c.ByAddr += o.ByAddr
	c.ByKey += o.ByKey
	c.Other += o.Other
	c.Failed += o.Failed
}

// keysResult is what the keys phase measured.
type keysResult struct {
	Keys     int
	Known    bool // the limits are the in-process server's, known here
	Elapsed  time.Duration
	SignedIn int
	SignIns  keysClass // challenges and sessions
	Reads    keysClass
	Writes   keysClass // signed stances
	desc     string
	talksID  string
	setup    setupStats
	errs     *tally
}

// writeRoutes returns the sign-ins and the writes together: both count
// against the address's writes.
func (k *keysResult) writeRoutes() keysClass {
	c := keysClass{Name: "write routes in all", Rate: keysWriteRate, Burst: 2 * keysWriteRate, PerWhat: "s"}
	c.add(k.SignIns)
	c.add(k.Writes)
	return c
}

// holds reports whether every class stayed within its per-address bound.
func (k *keysResult) holds() bool {
	wr := k.writeRoutes()
	for _, c := range []*keysClass{&k.SignIns, &k.Reads, &wr} {
		if float64(c.OK) > c.bound(k.Elapsed) {
			return false
		}
	}
	return true
}

// keysPhase runs the keys phase against the -server given, or against a
// server of its own in this process with parley serve's default limits.
func keysPhase(ctx context.Context, cfg *config, api *http.Client, stderr io.Writer, progress func(string, ...any)) (*keysResult, error) {
	var tgt *target
	var err error
	if cfg.server != "" {
		tgt, err = external(ctx, cfg.servers[:1], api)
	} else {
		tgt, err = inProcess(ctx, cfg.dir, 256, true, stderr)
	}
	if err != nil {
		return nil, err
	}
	defer tgt.close()
	c := &client{base: tgt.base, hc: api}
	// A talks whose parties' heads are the keys: their stances are
	// writes the server accepts when its limits let them through.
	kc := *cfg
	kc.parties, kc.items, kc.versions, kc.paragraphs, kc.setupConc = cfg.keys, 1, 1, 1, min(cfg.setupConc, 16)
	kc.viewers, kc.proximity = nil, false // the heads alone, in a talks as it always was
	progress("keys: setting up a talks of %d parties on %s", cfg.keys, tgt.base)
	t, stats, err := setUp(ctx, c, tgt.host, &kc)
	if err != nil {
		return nil, err
	}
	// Let the address's buckets fill again after the set-up.
	if err := sleep(ctx, 3*time.Second); err != nil {
		return nil, err
	}
	res := &keysResult{
		Keys: cfg.keys, Known: tgt.inproc, desc: tgt.desc, talksID: t.id, setup: stats, errs: newTally(),
		SignIns: keysClass{Name: "sign-in requests", Rate: keysSignInRate, Burst: keysSignInRate, PerWhat: "min"},
		Reads:   keysClass{Name: "reads", Rate: keysReadRate, Burst: 2 * keysReadRate, PerWhat: "s"},
		Writes:  keysClass{Name: "writes (stances)", Rate: keysWriteRate, Burst: 2 * keysWriteRate, PerWhat: "s"},
	}
	progress("keys: %d keys from one address sign in, read and write for %v", cfg.keys, cfg.duration)
	pctx, cancel := context.WithTimeout(ctx, cfg.duration+30*time.Second)
	defer cancel()
	var mu sync.Mutex
	signedIn := 0
	start := time.Now()
	deadline := start.Add(cfg.duration)
	var wg sync.WaitGroup
	done := func() bool { return pctx.Err() != nil || !time.Now().Before(deadline) }
	add := func(class *keysClass, c keysClass) {
		mu.Lock()
		class.add(c)
		mu.Unlock()
	}
	for i := range cfg.keys {
		wg.Go(func() {
			var si keysClass
			token := signIn(pctx, c, t.heads[i], &si, res.errs, done)
			add(&res.SignIns, si)
			if token == "" {
				return
			}
			mu.Lock()
			signedIn++
			mu.Unlock()
			// Then the key reads on one goroutine and writes on another.
			var inner sync.WaitGroup
			inner.Go(func() {
				var rd keysClass
				for !done() {
					req, _ := http.NewRequestWithContext(pctx, http.MethodGet, c.base+"/api/v1/talks/"+t.id+"/checkpoint", nil)
					req.Header.Set("Authorization", "Bearer "+token)
					tallyOf(&rd, res.errs, "read")(c.do(req, false))
				}
				add(&res.Reads, rd)
			})
			inner.Go(func() {
				var wr keysClass
				rng := mrand.New(mrand.NewPCG(uint64(i), 3))
				for !done() {
					body, err := t.stance(rng, i)
					if err != nil {
						res.errs.add("signing", err.Error())
						break
					}
					req, _ := http.NewRequestWithContext(pctx, http.MethodPost, c.base+"/api/v1/talks/"+t.id+"/events", bytes.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Authorization", "Bearer "+token)
					tallyOf(&wr, res.errs, "write")(c.do(req, false))
				}
				add(&res.Writes, wr)
			})
			inner.Wait()
		})
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	res.SignedIn = signedIn
	return res, ctx.Err()
}

// tallyOf returns a function that counts the outcome of one request of a
// class; failures other than 429 go to errs under the kind of request.
func tallyOf(c *keysClass, errs *tally, kind string) func(int, []byte, error) bool {
	return func(status int, body []byte, err error) bool {
		c.Sent++
		switch {
		case err != nil:
			if !strings.Contains(err.Error(), "context") {
				c.Failed++
				errs.add(kind+": transport", err.Error())
			}
			return false
		case status >= 200 && status < 300:
			c.OK++
			return true
		case status == http.StatusTooManyRequests:
			switch d := problemDetail(body); {
			case strings.Contains(d, "client address"):
				c.ByAddr++
			case strings.Contains(d, "by this key"):
				c.ByKey++
			default:
				c.Other++
			}
			return false
		}
		c.Failed++
		errs.add(fmt.Sprintf("%s: HTTP %d", kind, status), problemDetail(body))
		return false
	}
}

// signIn signs in with a's key, counting every request in c, until it
// has a session or done says to stop, and returns the session token or
// "". A refused challenge is asked again; a refused session is asked
// again with the same challenge, which stays valid for minutes, as a
// client should.
func signIn(ctx context.Context, cl *client, a *actor, c *keysClass, errs *tally, done func() bool) string {
	post := func(path string, v any) (int, []byte, error) {
		b, _ := json.Marshal(v)
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, cl.base+path, bytes.NewReader(b))
		if err != nil {
			return 0, nil, err
		}
		req.Header.Set("Content-Type", "application/json")
		return cl.do(req, true)
	}
	key := base64.StdEncoding.EncodeToString(a.pub)
	for !done() {
		status, body, err := post("/api/v1/auth/challenge", map[string]string{"key": key})
		if !tallyOf(c, errs, "sign-in")(status, body, err) {
			if status == http.StatusTooManyRequests {
				continue
			}
			return ""
		}
		var ch struct{ Challenge, Message string }
		_ = json.Unmarshal(body, &ch)
		msg, err := base64.StdEncoding.DecodeString(ch.Message)
		if err != nil || ch.Challenge == "" {
			errs.add("sign-in: challenge", "the challenge does not decode")
			return ""
		}
		sig := base64.StdEncoding.EncodeToString(ed25519.Sign(a.priv, msg))
		for !done() {
			status, body, err = post("/api/v1/auth/session", map[string]string{"key": key, "challenge": ch.Challenge, "signature": sig})
			if tallyOf(c, errs, "sign-in")(status, body, err) {
				var s struct{ Token string }
				_ = json.Unmarshal(body, &s)
				return s.Token
			}
			if status != http.StatusTooManyRequests {
				return ""
			}
		}
	}
	return ""
}

// write writes the keys phase's section of the report.
func (k *keysResult) write(p func(string, ...any)) {
	p("## Many keys from one address\n\n")
	p("Server: %s. Talks `%s`: %d parties, each with one of the keys as its head of delegation (set up with %s events in %.1f s, then a pause of 3 s for the limits to refill).\n\n",
		k.desc, k.talksID, k.Keys, count(k.setup.events), k.setup.elapsed.Seconds())
	p("%d keys, all from this one address, sign in (a challenge, then a session; a refused request is sent again at once, a refused session with the same challenge) and then, with the session as a bearer token, GET the talks' checkpoint on one goroutine and POST signed stances of their party on another, one request at a time and as fast as they can, for %.1f s in all. %d of the keys got a session.\n\n",
		k.Keys, k.Elapsed.Seconds(), k.SignedIn)
	wr := k.writeRoutes()
	p("| requests | sent | accepted | accepted/s | refused: address limit | refused: key limit | refused: other 429 | failed | per-address limit | most it lets through in %.1f s | held |\n|---|---|---|---|---|---|---|---|---|---|---|\n", k.Elapsed.Seconds())
	for _, c := range []*keysClass{&k.SignIns, &k.Reads, &k.Writes, &wr} {
		lim, most, held := "—", "—", "—"
		if c != &k.Writes {
			lim = fmt.Sprintf("%g/%s, bursts of %g", c.Rate, c.PerWhat, c.Burst)
			if k.Known {
				most = count(int(c.bound(k.Elapsed)))
				held = yesNo(float64(c.OK) <= c.bound(k.Elapsed))
			}
		}
		p("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", c.Name, count(c.Sent), count(c.OK), count(int(perSecond(c.OK, k.Elapsed))),
			count(c.ByAddr), count(c.ByKey), count(c.Other), count(c.Failed), lim, most, held)
	}
	p("\n")
	if !k.Known {
		p("The limits in the table are parley serve's defaults; the running server's own may differ, so the bound is not checked.\n\n")
	} else if k.holds() {
		p("Every per-address limit held: the %d keys together got no more than one address may.\n\n", k.Keys)
	} else {
		p("**A per-address limit did not hold.**\n\n")
	}
}

// keysSummary is the JSON form of the keys phase.
type keysSummary struct {
	Keys        int     `json:"keys"`
	Seconds     float64 `json:"seconds"`
	SignedIn    int     `json:"signed_in"`
	SignInsOK   int     `json:"sign_in_requests_accepted"`
	SignInsSent int     `json:"sign_in_requests_sent"`
	ReadsOK     int     `json:"reads_accepted"`
	ReadsSent   int     `json:"reads_sent"`
	WritesOK    int     `json:"writes_accepted"`
	WritesSent  int     `json:"writes_sent"`
	Failed      int     `json:"failed"`
	Held        *bool   `json:"limits_held,omitempty"` // when the limits are known
}

func (k *keysResult) summary() *keysSummary {
	s := &keysSummary{
		Keys: k.Keys, Seconds: k.Elapsed.Seconds(), SignedIn: k.SignedIn,
		SignInsOK: k.SignIns.OK, SignInsSent: k.SignIns.Sent, ReadsOK: k.Reads.OK, ReadsSent: k.Reads.Sent,
		WritesOK: k.Writes.OK, WritesSent: k.Writes.Sent, Failed: k.SignIns.Failed + k.Reads.Failed + k.Writes.Failed,
	}
	if k.Known {
		h := k.holds()
		s.Held = &h
	}
	return s
}
