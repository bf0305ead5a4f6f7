package briefing_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/briefing"
	"github.com/parleyhq/parley/i18n"
	"github.com/parleyhq/parley/scenario"
	"github.com/parleyhq/parley/view"
)

// TestExchangeGolden compares the briefing of the illustrative exchange's
// round, with its section on measures carried out, with the ones in
// testdata, in each language of the interface, for the public; and checks
// that no annex's content is in it: the lists sealed in its reports.
func TestExchangeGolden(t *testing.T) {
	s := scenario.Exchange()
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
	var annexes []string
	for _, st := range s.Steps {
		var p struct {
			Annex *parley.AnnexContent `json:"annex"`
		}
		if json.Unmarshal(st.Payload, &p) == nil && p.Annex != nil {
			for _, line := range strings.Split(p.Annex.Text, "\n") {
				if line = strings.TrimSpace(line); len(line) > 4 {
					annexes = append(annexes, line)
				}
			}
		}
	}
	if len(annexes) == 0 {
		t.Fatal("the exchange has no annex to look for")
	}
	v, err := view.Audience("public")
	if err != nil {
		t.Fatal(err)
	}
	for _, tag := range i18n.Tags {
		p := i18n.For(tag)
		md, err := briefing.FromEvents(p, s.Talks, events, v, "r1")
		if err != nil {
			t.Fatal(err)
		}
		checkBriefing(t, p, md)
		if !strings.Contains(md, "## "+p.T("Measures carried out")+"\n") || !strings.Contains(md, "`X.t2.gov`") {
			t.Errorf("the %s briefing has no section on measures carried out:\n%s", p.Code(), md)
		}
		for _, a := range annexes {
			if strings.Contains(md, a) {
				t.Errorf("the %s briefing holds annex content %q", p.Code(), a)
			}
		}
		name := "exchange-r1-public.md"
		if tag != i18n.English {
			name = "exchange-r1-public." + p.Code() + ".md"
		}
		golden(t, filepath.Join("testdata", name), md)
	}
}
