package state_test

import (
	"crypto/ed25519"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/state"
)

// TestAuthorizerOffline: the replay that "parley verify" runs over a
// bundle accepts every event the host accepted, and refuses, from the
// roster alone, what the host refuses of the roster's rules: a kind that
// is always public given another visibility, a visibility naming no
// party, a time before the founding, and a founding that is not the
// first event; and the opening or closing of a round hidden from the
// parties.
func TestAuthorizerOffline(t *testing.T) {
	w := newWorld(t)
	w.setup()
	const origin = "test.example/talks/t1"
	replayed := func() *state.Authorizer {
		a := state.NewAuthorizer(origin)
		for i, e := range w.events {
			if err := a.Authorize(e, int64(i)); err != nil {
				t.Fatalf("event %d (%s), which the host accepted: %v", i, e.Kind, err)
			}
		}
		return a
	}
	replayed()
	next := int64(len(w.events))
	event := func(by, kind, vis string, at time.Time, payload any) *parley.Event {
		e, err := parley.NewEvent("t1", kind, w.keys[by].Public().(ed25519.PublicKey), at, payload)
		if err != nil {
			t.Fatal(err)
		}
		e.Vis = vis
		b, _ := json.Marshal(e)
		if e, err = parley.DecodeEvent(b); err != nil {
			t.Fatal(err)
		}
		return e
	}
	later := w.clock.Add(time.Hour)
	for _, c := range []struct {
		name string
		e    *parley.Event
		want string
	}{
		{"a party added for the mediators only", event("mediator", parley.KindAddParty, parley.VisMediators, later, parley.AddParty{Party: "oppC", Name: "Party oppC"}), "always public"},
		{"an actor added for the participants", event("mediator", parley.KindAddActor, parley.VisParticipants, later, parley.AddActor{Key: w.pub("stranger"), Name: "S", Role: parley.RoleObserver}), "always public"},
		{"a revocation for one party", event("mediator", parley.KindRevokeActor, "party:gov", later, parley.RevokeActor{Key: w.pub("observer"), Reason: "left"}), "always public"},
		{"a round closed for the mediators only", event("mediator", parley.KindCloseRound, parley.VisMediators, later, parley.CloseRound{Round: "r1"}), "every party sees them"},
		{"a stance for a party that is not", event("gov", parley.KindSetStance, "party:nobody", later, parley.SetStance{Item: "D1", Version: 1, Party: "gov", Stance: parley.StanceSupport}), "is not a party of the talks"},
		{"a statement dated before the founding", event("gov", parley.KindStatement, "", w.clock.Add(-72*time.Hour), parley.Statement{Text: "Yesterday."}), "before the talks was founded"},
	} {
		a := replayed()
		if err := a.Authorize(c.e, next); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want it refused (%s)", c.name, err, c.want)
		}
		// The host refuses it too.
		if err := w.st.Apply(c.e, w.st.Size); err == nil {
			t.Errorf("%s: the host accepts it", c.name)
		}
	}
	// A founding after a hidden first entry.
	a := state.NewAuthorizer(origin)
	if err := a.Authorize(w.events[0], 1); err == nil || !strings.Contains(err.Error(), "first event of a log") {
		t.Errorf("talks.found at index 1: %v, want it refused", err)
	}
}
