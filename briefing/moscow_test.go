package briefing_test

import (
	"context"
	"testing"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/scenario"
)

// moscowEvents replays the Moscow scenario and returns its events in log
// order.
func moscowEvents(t *testing.T) (string, []*parley.Event) {
	t.Helper()
	s := scenario.Moscow()
	ks, err := s.NewKeys()
	if err != nil {
		t.Fatal(err)
	}
	var events []*parley.Event
	app := scenario.AppenderFunc(func(_ context.Context, se parley.SignedEvent) error {
		e, err := parley.DecodeEvent(se.Bytes)
		if err != nil {
			return err
		}
		events = append(events, e)
		return nil
	})
	if err := s.Replay(context.Background(), app, ks, parley.Origin("demo.example", s.Talks), nil); err != nil {
		t.Fatal(err)
	}
	return s.Talks, events
}
