package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parleyhq/parley"
)

// An actor holds a key generated for the run.
type actor struct {
	pub  ed25519.PublicKey
	priv ed25519.PrivateKey
}

func newActor() (*actor, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generating a key: %w", err)
	}
	return &actor{pub: pub, priv: priv}, nil
}

// A talks is the negotiation the tool sets up and acts in.
type talks struct {
	id, origin string
	convener   *actor
	mediator   *actor
	parties    []string // party ids, by delegation
	heads      []*actor // each party's head of delegation
	items      int      // items I0 … I(n-1)
	version    int      // the latest version of every item
	proximity  bool     // each party's stances are seen by its own actors only

	// The parties' actors: actor i is of party i mod len(parties), its
	// head for i < len(parties) (actors[i] is heads[i]), a delegate
	// beyond.
	actors []*actor
	// tokens holds each actor's session token, by actor, once
	// signInActors has signed them in.
	tokens []string
}

// partyOf returns the index of the party of actor i.
func (t *talks) partyOf(i int) int { return i % len(t.parties) }

// sign signs an event by a in the talks and returns the request body that
// carries it.
func (t *talks) sign(a *actor, kind string, payload any) ([]byte, error) {
	e, err := parley.NewEvent(t.id, kind, a.pub, time.Now(), payload)
	if err != nil {
		return nil, err
	}
	se, err := parley.Sign(t.origin, e, a.priv)
	if err != nil {
		return nil, err
	}
	return json.Marshal(se)
}

var stances = []string{parley.StanceSupport, parley.StanceOppose, parley.StanceAbstain, parley.StanceAdReferendum, parley.StanceReserve}

// Acts the load may consist of.
const (
	actStance    = "stance"
	actStatement = "statement"
)

// stance signs a stance of delegation d on a random item's latest version.
func (t *talks) stance(rng *mrand.Rand, d int) ([]byte, error) {
	return t.sign(t.heads[d], parley.KindSetStance, parley.SetStance{
		Item:    fmt.Sprintf("I%d", rng.IntN(t.items)),
		Version: t.version,
		Party:   t.parties[d],
		Stance:  stances[rng.IntN(len(stances))],
	})
}

// statement signs a public statement by the head of delegation d about a
// random item.
func (t *talks) statement(rng *mrand.Rand, d int) ([]byte, error) {
	return t.sign(t.heads[d], parley.KindStatement, parley.Statement{
		Text:  fmt.Sprintf("Party %s has studied item I%d and will state its position shortly.", t.parties[d], rng.IntN(t.items)),
		Lang:  "en",
		Round: "r1",
	})
}

// act signs an act of the given kind (actStance or actStatement) by
// delegation d.
func (t *talks) act(kind string, rng *mrand.Rand, d int) ([]byte, error) {
	if kind == actStatement {
		return t.statement(rng, d)
	}
	return t.stance(rng, d)
}

// setupStats says what setting up took.
type setupStats struct {
	events  int
	elapsed time.Duration
}

// setUp founds a public talks on the target and sets it up at the size of
// the configuration, posting events concurrently where they do not depend
// on each other.
func setUp(ctx context.Context, c *client, host string, cfg *config) (*talks, setupStats, error) {
	start := time.Now()
	var suffix [4]byte
	if _, err := rand.Read(suffix[:]); err != nil {
		return nil, setupStats{}, err
	}
	id := "load-" + hex.EncodeToString(suffix[:])
	t := &talks{id: id, origin: parley.Origin(host, id), items: cfg.items, version: cfg.versions, proximity: cfg.proximity}
	var err error
	if t.convener, err = newActor(); err != nil {
		return nil, setupStats{}, err
	}
	if t.mediator, err = newActor(); err != nil {
		return nil, setupStats{}, err
	}
	for i := range cfg.parties {
		a, err := newActor()
		if err != nil {
			return nil, setupStats{}, err
		}
		t.parties = append(t.parties, fmt.Sprintf("p%d", i))
		t.heads = append(t.heads, a)
	}
	t.actors = append(t.actors, t.heads...)
	for len(t.actors) < cfg.actors() {
		a, err := newActor()
		if err != nil {
			return nil, setupStats{}, err
		}
		t.actors = append(t.actors, a)
	}

	var posted atomic.Int64
	post := func(ctx context.Context, by *actor, kind string, payload any) error {
		body, err := t.sign(by, kind, payload)
		if err != nil {
			return err
		}
		if err := postSetup(ctx, c, t.id, body); err != nil {
			return fmt.Errorf("setting up the talks: %s: %w", kind, err)
		}
		posted.Add(1)
		return nil
	}
	stats := func() setupStats { return setupStats{events: int(posted.Load()), elapsed: time.Since(start)} }

	steps := []struct {
		by      *actor
		kind    string
		payload any
	}{
		{t.convener, parley.KindFoundTalks, parley.FoundTalks{
			Title: "Load test " + id, ConvenerName: "Load convener", Rule: parley.Rule{Kind: parley.RuleConsensus},
			Visibility: parley.VisPublic, Proximity: cfg.proximity, Description: "A talks set up by parley-load to measure the server.",
		}},
		{t.convener, parley.KindAddMediator, parley.AddMediator{Key: parley.KeyString(t.mediator.pub), Name: "Load mediator"}},
		{t.mediator, parley.KindPlanRound, parley.PlanRound{Round: "r1", Title: "Round 1", Starts: "2026-01-01", Ends: "2026-01-05", Venue: "Loopback"}},
	}
	for _, s := range steps {
		if err := post(ctx, s.by, s.kind, s.payload); err != nil {
			return nil, stats(), err
		}
	}
	err = parallel(ctx, cfg.parties, cfg.setupConc, func(ctx context.Context, i int) error {
		p := t.parties[i]
		if err := post(ctx, t.mediator, parley.KindAddParty, parley.AddParty{Party: p, Name: "Party " + p}); err != nil {
			return err
		}
		if err := post(ctx, t.mediator, parley.KindAddActor, parley.AddActor{Key: parley.KeyString(t.heads[i].pub), Name: "Head of " + p, Role: parley.RoleHead, Party: p}); err != nil {
			return err
		}
		for k := i + len(t.parties); k < len(t.actors); k += len(t.parties) {
			d := parley.AddActor{Key: parley.KeyString(t.actors[k].pub), Name: fmt.Sprintf("Delegate %d of %s", k/len(t.parties), p), Role: parley.RoleDelegate, Party: p}
			if err := post(ctx, t.mediator, parley.KindAddActor, d); err != nil {
				return err
			}
		}
		return post(ctx, t.mediator, parley.KindInvite, parley.Invitation{Round: "r1", Party: p})
	})
	if err != nil {
		return nil, stats(), err
	}
	if err := post(ctx, t.mediator, parley.KindOpenRound, parley.RoundRef{Round: "r1"}); err != nil {
		return nil, stats(), err
	}
	err = parallel(ctx, cfg.items, cfg.setupConc, func(ctx context.Context, i int) error {
		item := fmt.Sprintf("I%d", i)
		if err := post(ctx, t.mediator, parley.KindAddItem, parley.AddItem{Item: item, Title: "Item " + item, Kind: parley.ItemDocument}); err != nil {
			return err
		}
		for v := 1; v <= cfg.versions; v++ {
			if err := post(ctx, t.mediator, parley.KindTableVersion, parley.TableVersion{Item: item, Version: v, Paragraphs: paragraphs(item, v, cfg.paragraphs)}); err != nil {
				return err
			}
		}
		return nil
	})
	return t, stats(), err
}

// paragraphs returns the text of a version of an item: n numbered
// paragraphs, the first of them with a bracket.
func paragraphs(item string, version, n int) []string {
	out := make([]string, n)
	for k := range out {
		var b strings.Builder
		fmt.Fprintf(&b, "%d. ", k+1)
		if k == 0 {
			b.WriteString("The parties [[shall || should]] ")
		} else {
			b.WriteString("The parties ")
		}
		fmt.Fprintf(&b, "take the measures of paragraph %d of item %s, as tabled in version %d, within thirty days of signature.", k+1, item, version)
		out[k] = b.String()
	}
	return out
}

// postSetup posts one set-up event, trying again a few times while the
// server is busy or rate-limits us (a running server keeps its limits).
func postSetup(ctx context.Context, c *client, talks string, body []byte) error {
	const attempts = 30
	resent := false // an earlier attempt may have reached the log
	for i := 0; ; i++ {
		status, resp, err := c.postEvent(ctx, talks, body, false)
		if err == nil && status >= 200 && status < 300 {
			return nil
		}
		if err == nil && resent && status == http.StatusConflict && problemDetail(resp) == parley.ErrDuplicate.Message {
			return nil
		}
		resent = resent || err != nil
		if i+1 == attempts || !retryable(status, err) {
			if err != nil {
				return err
			}
			return fmt.Errorf("HTTP %d: %s", status, problemDetail(resp))
		}
		if err := sleep(ctx, time.Second); err != nil {
			return err
		}
	}
}

// parallel calls f(ctx, i) for each i in [0, n) on at most conc goroutines
// and returns the first error, after which no new call starts.
func parallel(ctx context.Context, n, conc int, f func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(n, conc) {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := f(ctx, i); err != nil {
					cancel(err)
					return
				}
			}
		})
	}
	wg.Wait()
	return context.Cause(ctx)
}
