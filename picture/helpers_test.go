package picture_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"testing"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/agreement"
	"github.com/parleyhq/parley/state"
	"github.com/parleyhq/parley/view"
)

// talks builds the events of a talks act by act, each an hour after the
// last unless the clock is moved.
type talks struct {
	id     string
	keys   map[string]ed25519.PrivateKey
	events []*parley.Event
	clock  time.Time
	err    error
}

func newTalks(id string, parties int, start time.Time) *talks {
	tk := &talks{id: id, keys: map[string]ed25519.PrivateKey{}, clock: start}
	tk.act("convener", parley.KindFoundTalks, parley.FoundTalks{Title: "Talks " + id, ConvenerName: "The Host", Rule: parley.Rule{Kind: parley.RuleConsensus}, Visibility: parley.VisPublic})
	tk.act("convener", parley.KindAddMediator, parley.AddMediator{Key: tk.pub("mediator"), Name: "Ana Mediator"})
	for p := range parties {
		id := party(p)
		tk.act("mediator", parley.KindAddParty, parley.AddParty{Party: id, Name: "Delegation " + id})
		tk.act("mediator", parley.KindAddActor, parley.AddActor{Key: tk.pub(id), Name: "Head of " + id, Role: parley.RoleHead, Party: id})
	}
	return tk
}

func party(p int) string { return fmt.Sprintf("P%03d", p+1) }
func item(i int) string  { return fmt.Sprintf("I%03d", i+1) }

func (tk *talks) key(n string) ed25519.PrivateKey {
	k := tk.keys[n]
	if k == nil {
		_, k, _ = ed25519.GenerateKey(rand.Reader)
		tk.keys[n] = k
	}
	return k
}

func (tk *talks) pub(n string) string {
	return parley.KeyString(tk.key(n).Public().(ed25519.PublicKey))
}

func (tk *talks) act(by, kind string, payload any) {
	if tk.err != nil {
		return
	}
	tk.clock = tk.clock.Add(time.Second)
	e, err := parley.NewEvent(tk.id, kind, tk.key(by).Public().(ed25519.PublicKey), tk.clock, payload)
	if err != nil {
		tk.err = err
		return
	}
	tk.events = append(tk.events, e)
}

// round plans a round over days, invites the parties and opens it.
func (tk *talks) round(id string, parties, days int) {
	d := tk.clock.UTC().Format(time.DateOnly)
	e := tk.clock.UTC().AddDate(0, 0, days-1).Format(time.DateOnly)
	tk.act("mediator", parley.KindPlanRound, parley.PlanRound{Round: id, Title: "Round " + id, Starts: d, Ends: e, Venue: "Geneva"})
	for p := range parties {
		tk.act("mediator", parley.KindInvite, parley.Invitation{Round: id, Party: party(p)})
	}
	tk.act("mediator", parley.KindOpenRound, parley.RoundRef{Round: id})
}

func (tk *talks) item(id, title string, paragraphs ...string) {
	tk.act("mediator", parley.KindAddItem, parley.AddItem{Item: id, Title: title, Kind: parley.ItemDocument})
	tk.act("mediator", parley.KindTableVersion, parley.TableVersion{Item: id, Version: 1, Paragraphs: paragraphs})
}

func (tk *talks) stance(p, it string, version int, stance, cond string) {
	tk.act(p, parley.KindSetStance, parley.SetStance{Item: it, Version: version, Party: p, Stance: stance, Condition: cond})
}

// nextDay moves the clock to 9:00 on the next day.
func (tk *talks) nextDay() {
	u := tk.clock.UTC()
	tk.clock = time.Date(u.Year(), u.Month(), u.Day()+1, 9, 0, 0, 0, time.UTC)
}

// built is a talks replayed: the state, the mediators' view, its
// evaluation and history.
type built struct {
	events []*parley.Event
	st     *state.Talks
	t      *view.Talks
	res    *agreement.Result
	h      *view.History
}

func (tk *talks) build(tb testing.TB) *built {
	tb.Helper()
	if tk.err != nil {
		tb.Fatal(tk.err)
	}
	b := &built{events: tk.events, st: state.New(tk.id)}
	for i, e := range tk.events {
		if err := b.st.Apply(e, int64(i)); err != nil {
			tb.Fatalf("event %d (%s): %v", i, e.Kind, err)
		}
	}
	v, err := view.Audience("mediators")
	if err != nil {
		tb.Fatal(err)
	}
	b.t = view.New(b.st, v, "", parley.Checkpoint{})
	if b.res, err = b.t.Evaluate(); err != nil {
		tb.Fatal(err)
	}
	var hs *view.Histories
	if b.h, err = hs.Of(context.Background(), b.t, view.EventsSource(tk.events)); err != nil {
		tb.Fatal(err)
	}
	return b
}

// chain is a talks of n items in one chain: P001 supports every item,
// P002 supports each item only if the next is agreed, and opposes the
// last.
func chain(n int) *talks {
	tk := newTalks("chain", 2, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	tk.round("r1", 2, 5)
	for i := range n {
		tk.item(item(i), fmt.Sprintf("Article %d", i+1), fmt.Sprintf("The parties agree on matter %d.", i+1))
	}
	for i := range n {
		tk.stance(party(0), item(i), 1, parley.StanceSupport, "")
		if i+1 < n {
			tk.stance(party(1), item(i), 1, parley.StanceConditional, "agreed("+item(i+1)+")")
		} else {
			tk.stance(party(1), item(i), 1, parley.StanceOppose, "")
		}
	}
	return tk
}
