package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"testing"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/scenario"
)

// oaExchange replays the illustrative detainee exchange over HTTP beside
// the Moscow round, every request checked against the document (the
// payloads of measure.plan, step.report with its sealed annex and
// step.verify), and reads its measures as the public, a party and the
// verifier, now and as of its events.
func oaExchange(t *testing.T, h *oaHarness, origin func(talks string) string) {
	t.Helper()
	s := scenario.Exchange()
	ks, err := s.NewKeys()
	if err != nil {
		t.Fatal(err)
	}
	talks := map[string]string{"id": s.Talks}
	size := int64(0)
	post := scenario.AppenderFunc(func(ctx context.Context, se parley.SignedEvent) error {
		_, b := h.do(oaCall{method: "POST", route: "/api/v1/talks/{id}/events", params: talks, body: se, checkRequest: true, want: 201})
		var rec struct {
			Index int64 `json:"index"`
		}
		if err := json.Unmarshal(b, &rec); err != nil || rec.Index != size {
			return fmt.Errorf("receipt %.200s, want index %d (%v)", b, size, err)
		}
		size++
		return nil
	})
	check := func(string) error {
		h.do(oaCall{method: "GET", route: "/api/v1/talks/{id}/measures/{item}", params: map[string]string{"id": s.Talks, "item": "X"}, query: "at=" + strconv.FormatInt(size-1, 10), want: 200})
		return nil
	}
	if err := s.Replay(context.Background(), post, ks, origin(s.Talks), check); err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{"", "xopp", "xverifier"} {
		token := ""
		if who != "" {
			token = h.signIn(ks[who]).Token
		}
		h.do(oaCall{method: "GET", route: "/api/v1/talks/{id}/measures", params: talks, token: token, want: 200})
		h.do(oaCall{method: "GET", route: "/api/v1/talks/{id}/measures", params: talks, query: "at=30", token: token, want: 200})
		h.do(oaCall{method: "GET", route: "/api/v1/talks/{id}/measures/{item}", params: map[string]string{"id": s.Talks, "item": "X"}, token: token, want: 200})
		h.do(oaCall{method: "GET", route: "/api/v1/talks/{id}/measures/{item}", params: map[string]string{"id": s.Talks, "item": "D2"}, token: token, want: 404})
		h.do(oaCall{method: "GET", route: "/api/v1/talks/{id}/agreement", params: talks, token: token, want: 200})
	}
	h.do(oaCall{method: "GET", route: "/api/v1/talks/{id}/measures", params: talks, query: "at=99999", want: 400})
	oaPreferences(t, h, s.Talks, ks)
}
