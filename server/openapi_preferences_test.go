package server_test

import (
	"crypto/ed25519"
	"encoding/json"
	"testing"
)

// oaPreferences reads the preferences over the packages of the exchange's
// follow-up item D2, after its replay, as each member of its cast and the
// public, every answer checked against the document: the mediator gets
// both parties' sealed preferences, a party's actors their own party's
// only, the verifier and the public the definition alone.
func oaPreferences(t *testing.T, h *oaHarness, talks string, ks map[string]ed25519.PrivateKey) {
	t.Helper()
	want := map[string][]string{"": nil, "xverifier": nil, "xmediator": {"gov", "opp"}, "xhost": {"gov", "opp"}, "xgov": {"gov"}, "xgovdel": {"gov"}, "xopp": {"opp"}}
	for who, parties := range want {
		token := ""
		if who != "" {
			token = h.signIn(ks[who]).Token
		}
		_, b := h.do(oaCall{method: "GET", route: "/api/v1/talks/{id}/items/{item}/preferences", params: map[string]string{"id": talks, "item": "D2"}, token: token, want: 200})
		var pv struct {
			Definition *struct {
				Issues []json.RawMessage `json:"issues"`
			} `json:"definition"`
			Parties []struct {
				Party   string `json:"party"`
				Current bool   `json:"current"`
			} `json:"parties"`
		}
		if err := json.Unmarshal(b, &pv); err != nil {
			t.Fatal(err)
		}
		if pv.Definition == nil || len(pv.Definition.Issues) != 4 {
			t.Errorf("%q does not see D2's four issues: %.300s", who, b)
		}
		var got []string
		for _, p := range pv.Parties {
			got = append(got, p.Party)
			if !p.Current {
				t.Errorf("%q sees %s's preferences as not answering the current definition", who, p.Party)
			}
		}
		if len(got) != len(parties) || (len(got) > 0 && got[0] != parties[0]) || (len(got) > 1 && got[1] != parties[1]) {
			t.Errorf("%q sees the preferences of %v, want %v", who, got, parties)
		}
	}
	h.do(oaCall{method: "GET", route: "/api/v1/talks/{id}/items/{item}/preferences", params: map[string]string{"id": talks, "item": "Z9"}, want: 404})
}
