package server_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/record"
	"github.com/parleyhq/parley/server"
)

// TestVisibilityMatrix checks every read route, for every role, against
// events of every visibility: an event's marker text shows up in a
// response exactly when the viewer may see the event. It covers the live
// stream's backlog and the bundle export too.
func TestVisibilityMatrix(t *testing.T) {
	for _, proximity := range []bool{false, true} {
		name := "open"
		if proximity {
			name = "proximity"
		}
		t.Run(name, func(t *testing.T) { visibilityMatrix(t, proximity) })
	}
}

func visibilityMatrix(t *testing.T, proximity bool) {
	w := newWorld(t, server.Config{}, proximity)
	// One event of each visibility, each with a marker in its text.
	type marked struct {
		marker string
		seenBy map[string]bool
	}
	all := map[string]bool{"public": true, "stranger": true, "gov": true, "opp": true, "observer": true, "mediator": true}
	participants := map[string]bool{"gov": true, "opp": true, "observer": true, "mediator": true}
	govRoom := map[string]bool{"gov": true, "mediator": true}
	oppRoom := map[string]bool{"opp": true, "mediator": true}
	chairs := map[string]bool{"mediator": true}
	stanceSeen := participants
	if proximity {
		stanceSeen = govRoom
	}
	events := []marked{
		{"MARKpublicstatement", all},
		{"MARKgovstance", stanceSeen},
		{"MARKoppamendment", map[string]bool{"opp": true, "mediator": true}},
		{"MARKmediatorsnote", chairs},
		{"MARKgovcaucus", govRoom},
		{"MARKoppcaucus", oppRoom},
		{"MARKobserverparticipants", participants},
		{"MARKroundtitle", participants},
		{"MARKsecretitem", chairs},
	}
	w.act(t, "observer", parley.KindStatement, "", parley.Statement{Text: "MARKpublicstatement"})
	w.act(t, "gov", parley.KindSetStance, "", parley.SetStance{Item: "D1", Version: 1, Party: "gov", Stance: "oppose", Reason: "MARKgovstance"})
	w.act(t, "opp", parley.KindProposeAmendment, parley.VisParty("opp"), parley.ProposeAmendment{Item: "D1", Amendment: "A1", Version: 1, Party: "opp", Changes: []parley.Change{{Op: "replace", Paragraph: 1, Text: "Other."}}, Reason: "MARKoppamendment"})
	w.act(t, "mediator", parley.KindStatement, parley.VisMediators, parley.Statement{Text: "MARKmediatorsnote"})
	w.act(t, "gov", parley.KindCaucus, "", parley.Caucus{Party: "gov", Text: "MARKgovcaucus"})
	w.act(t, "mediator", parley.KindCaucus, "", parley.Caucus{Party: "opp", Text: "MARKoppcaucus"})
	w.act(t, "observer", parley.KindStatement, parley.VisParticipants, parley.Statement{Text: "MARKobserverparticipants"})
	w.act(t, "mediator", parley.KindPlanRound, "", parley.PlanRound{Round: "r2", Title: "MARKroundtitle", Starts: "2026-02-01", Ends: "2026-02-02"})
	w.act(t, "mediator", parley.KindAddItem, parley.VisMediators, parley.AddItem{Item: "MARKsecretitem", Title: "Secret", Kind: parley.ItemMeasure})

	viewers := map[string]*client{"public": w.public}
	for _, n := range []string{"stranger", "gov", "opp", "observer", "mediator"} {
		viewers[n] = w.c[n]
	}
	routes := []string{
		"/api/v1/talks/t1",
		"/api/v1/talks/t1/events?limit=5000",
		"/api/v1/talks/t1/items/D1",
		"/api/v1/talks/t1/statements",
		"/api/v1/talks/t1/caucus/gov",
		"/api/v1/talks/t1/caucus/opp",
		"/api/v1/talks/t1/agreement",
		"/api/v1/talks/t1/briefing",
		"/api/v1/talks/t1/bundle",
		"/api/v1/talks/t1/stream",
	}
	for vname, c := range viewers {
		for _, route := range routes {
			var body string
			switch {
			case strings.HasSuffix(route, "/bundle"):
				body = bundleText(t, c, route)
			case strings.HasSuffix(route, "/stream"):
				body = streamText(t, c)
			default:
				code, b := c.do("GET", route, nil)
				if code != http.StatusOK && code != http.StatusForbidden && code != http.StatusNotFound {
					t.Errorf("%s as %s: %d %s", route, vname, code, b)
				}
				body = string(b)
			}
			for _, ev := range events {
				got := strings.Contains(body, ev.marker)
				if got && !ev.seenBy[vname] {
					t.Errorf("%s as %s shows %s, which that viewer may not see", route, vname, ev.marker)
				}
				// Routes that list the kind of event must show it to those
				// who may see it.
				if !got && ev.seenBy[vname] && lists(route, ev.marker) {
					t.Errorf("%s as %s does not show %s, which that viewer may see", route, vname, ev.marker)
				}
			}
		}
	}
}

// lists reports whether a route lists the event with the given marker.
func lists(route, marker string) bool {
	switch {
	case strings.Contains(route, "/events"), strings.Contains(route, "/bundle"), strings.Contains(route, "/stream"):
		return true
	case strings.HasSuffix(route, "/statements"):
		return strings.HasSuffix(marker, "statement") || strings.HasSuffix(marker, "note") || strings.HasSuffix(marker, "participants")
	case strings.HasSuffix(route, "/items/D1"):
		return marker == "MARKgovstance" || marker == "MARKoppamendment"
	case strings.HasSuffix(route, "/caucus/gov"):
		return marker == "MARKgovcaucus"
	case strings.HasSuffix(route, "/caucus/opp"):
		return marker == "MARKoppcaucus"
	case strings.HasSuffix(route, "/t1"):
		return marker == "MARKroundtitle" || marker == "MARKsecretitem"
	case strings.HasSuffix(route, "/agreement"):
		return marker == "MARKsecretitem"
	}
	return false
}

// bundleText returns the visible events of a bundle as text.
func bundleText(t *testing.T, c *client, route string) string {
	code, b := c.do("GET", route, nil)
	if code != http.StatusOK {
		t.Fatalf("bundle: %d %s", code, b)
	}
	bd, err := record.ParseBundle(b)
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	for _, e := range bd.Entries {
		sb.Write(e.Event)
		sb.WriteByte('\n')
	}
	return sb.String()
}

// streamText returns what the stream's backlog of the whole log shows.
func streamText(t *testing.T, c *client) string {
	s := openStream(t, c, "t1", "-1")
	var sb strings.Builder
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			line, err := s.r.ReadString('\n')
			if err != nil {
				return
			}
			if data, ok := strings.CutPrefix(line, "data: "); ok {
				var ev struct{ Payload json.RawMessage }
				json.Unmarshal([]byte(data), &ev)
				sb.Write(ev.Payload)
				sb.WriteByte('\n')
			}
		}
	}()
	time.Sleep(300 * time.Millisecond)
	s.resp.Body.Close()
	<-done
	return sb.String()
}
