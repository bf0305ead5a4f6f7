package scenario_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"unicode"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/agreement"
	"github.com/parleyhq/parley/briefing"
	"github.com/parleyhq/parley/document"
	"github.com/parleyhq/parley/i18n"
	"github.com/parleyhq/parley/ledger"
	"github.com/parleyhq/parley/record"
	"github.com/parleyhq/parley/scenario"
	"github.com/parleyhq/parley/seal"
	"github.com/parleyhq/parley/sqlite"
	"github.com/parleyhq/parley/state"
)

// moscow replays the scenario into a fresh SQLite record and calls check at
// each of its checkpoints with the ledger.
func moscow(t *testing.T, check func(name string, l *ledger.Ledger) error) (*ledger.Ledger, *scenario.Script) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	keys, err := ledger.NewKeys(filepath.Join(dir, "logkeys"))
	if err != nil {
		t.Fatal(err)
	}
	l := ledger.New(st, ledger.Config{Host: "demo.parley.localhost", Keys: keys})
	s := scenario.Moscow()
	ks, err := s.NewKeys()
	if err != nil {
		t.Fatal(err)
	}
	app := scenario.AppenderFunc(func(ctx context.Context, se parley.SignedEvent) error {
		_, err := l.Append(ctx, se)
		return err
	})
	err = s.Replay(ctx, app, ks, l.Origin(s.Talks), func(name string) error { return check(name, l) })
	if err != nil {
		t.Fatal(err)
	}
	return l, s
}

// evaluate returns the current state's instance and its evaluation.
func evaluate(l *ledger.Ledger, talks string) (*state.Talks, *agreement.Instance, *agreement.Result, error) {
	var st *state.Talks
	var inst *agreement.Instance
	err := l.View(context.Background(), talks, func(s *state.Talks, _ parley.Checkpoint) error {
		st, inst = s, s.Instance()
		return nil
	})
	if err != nil {
		return nil, nil, nil, err
	}
	res, err := agreement.Evaluate(inst)
	return st, inst, res, err
}

func status(res *agreement.Result, item string) string { return res.Items[item].Status }

// blockers lists an item's blockers as "party:stance".
func blockers(res *agreement.Result, item string) string {
	var out []string
	for _, b := range res.Items[item].Blockers {
		out = append(out, b.Party+":"+b.Stance)
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

// holds lists an item's holds as "kind:count (detail)".
func holds(res *agreement.Result, item string) string {
	var out []string
	for _, h := range res.Items[item].Holds {
		out = append(out, fmt.Sprintf("%s:%d (%s)", h.Kind, h.Count, h.Detail))
	}
	return strings.Join(out, "; ")
}

func roots(res *agreement.Result, item string) string {
	var out []string
	for _, rb := range res.Items[item].RootBlockers {
		out = append(out, rb.Party+"/"+rb.Item+"/"+rb.Stance)
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

// TestMoscow checks every point of the scenario's "What the acceptance test
// checks" that the engine and the record reach.
func TestMoscow(t *testing.T) {
	talks := scenario.Moscow().Talks
	seen := map[string]bool{}
	check := func(name string, l *ledger.Ledger) error {
		seen[name] = true
		st, inst, res, err := evaluate(l, talks)
		if err != nil {
			return err
		}
		if slices.Contains(inst.Parties, "snc") {
			return fmt.Errorf("snc declined round 2 but is among the participating parties %v", inst.Parties)
		}
		for id, ir := range res.Items {
			for _, b := range ir.Blockers {
				if b.Party == "snc" {
					return fmt.Errorf("snc blocks %s", id)
				}
			}
		}
		switch name {
		case "d1v2-incomplete":
			// Version 2 of D1 is tabled in Arabic and Russian only: it
			// is incomplete, and held back from agreement until its
			// English text is tabled.
			if got := st.Item("D1").Latest().Missing(st.Languages); !slices.Equal(got, []string{"en"}) {
				return fmt.Errorf("version 2 of D1 lacks %v, want [en]", got)
			}
			if got, want := holds(res, "D1"), "incomplete_version:1 (version 2 has no text in en)"; got != want {
				return fmt.Errorf("D1 holds = %q, want %q", got, want)
			}
		case "d1v2-complete":
			if got := st.Item("D1").Latest().Missing(st.Languages); len(got) > 0 {
				return fmt.Errorf("version 2 of D1 still lacks %v after its English text", got)
			}
			if got := holds(res, "D1"); got != "" {
				return fmt.Errorf("D1 holds = %q once complete, want none", got)
			}
		case "m1b-divergence":
			// oppA flags a divergence between the Arabic and the
			// Russian of paragraph 1 of M1b version 1: the item is held
			// back like an open bracket, by a hold that names the flag.
			v := st.Item("M1b").Latest()
			if v.N != 1 || len(v.Flags) != 1 {
				return fmt.Errorf("M1b's latest version is %d with flags %+v, want version 1 with one flag", v.N, v.Flags)
			}
			if f := v.Flags[0]; f.ID != "M1b-F1" || f.Party != "oppA" || f.Paragraph != 1 || f.Langs != [2]string{"ar", "ru"} || f.Withdrawn != 0 {
				return fmt.Errorf("M1b's flag = %+v, want oppA's open flag M1b-F1 on paragraph 1, ar/ru", f)
			}
			if got, want := holds(res, "M1b"), "open_divergence:1 (version 1: M1b-F1 (oppA, paragraph 1, ar/ru))"; got != want {
				return fmt.Errorf("M1b holds = %q, want %q", got, want)
			}
		case "m1b-resolved":
			// The mediator's version 2 resolves it: no hold, and the
			// stances taken on version 1 no longer count.
			v := st.Item("M1b").Latest()
			if v.N != 2 || len(v.Flags) != 0 || len(v.Missing(st.Languages)) > 0 {
				return fmt.Errorf("M1b's latest version = %d with flags %+v lacking %v, want a complete version 2 without flags", v.N, v.Flags, v.Missing(st.Languages))
			}
			if got := holds(res, "M1b"); got != "" {
				return fmt.Errorf("M1b holds = %q after version 2, want none", got)
			}
			if got, want := blockers(res, "M1b"), "gov:silent oppA:silent oppB:silent oppC:silent"; got != want {
				return fmt.Errorf("M1b blockers = %q before any stance on version 2, want %q", got, want)
			}
			if v1 := st.Item("M1b").Versions[0]; v1.Paragraphs[0] != v.Paragraphs[0] || v1.Texts["ru"][0] == v.Texts["ru"][0] {
				return fmt.Errorf("version 2 of M1b does not change the Russian of paragraph 1 alone:\n%q\n%q", v1.Texts, v.Texts)
			}
		case "m1b-v2":
			if got, want := blockers(res, "M1b"), "oppA:oppose oppB:oppose oppC:oppose"; got != want {
				return fmt.Errorf("M1b blockers = %q, want %q", got, want)
			}
		case "step3":
			if got := status(res, "D1"); got != agreement.StatusAgreed {
				return fmt.Errorf("D1 is %s, want agreed", got)
			}
			for _, p := range []string{"gov", "oppA", "oppB", "oppC"} {
				s := st.Item("D1").Stances[p]
				if s == nil || s.Stance != parley.StanceSupport || s.Version != 2 {
					return fmt.Errorf("%s's stance on D1 = %+v, want signed support of version 2", p, s)
				}
			}
		case "step5":
			if got := status(res, "D1"); got != agreement.StatusAgreed {
				return fmt.Errorf("D1 is %s, want still agreed", got)
			}
			if got, want := blockers(res, "M1a"), "gov:oppose"; got != want {
				return fmt.Errorf("M1a blockers = %q, want %q", got, want)
			}
			if got, want := blockers(res, "M1b"), "oppA:oppose oppB:oppose oppC:oppose"; got != want {
				return fmt.Errorf("M1b blockers = %q, want %q", got, want)
			}
		case "step6", "final":
			if got := status(res, "D1"); got != agreement.StatusNotAgreed {
				return fmt.Errorf("D1 is %s, want not agreed", got)
			}
			if got, want := blockers(res, "D1"), "oppA:conditional oppB:conditional"; got != want {
				return fmt.Errorf("D1 blockers = %q, want %q", got, want)
			}
			for _, b := range res.Items["D1"].Blockers {
				if got := strings.Join(b.WaitsOn, ","); got != "M1a,M1b" {
					return fmt.Errorf("%s's condition waits on %q, want M1a,M1b", b.Party, got)
				}
			}
			if got, want := roots(res, "D1"), "gov/M1a/oppose oppA/M1b/oppose oppB/M1b/oppose oppC/M1b/oppose"; got != want {
				return fmt.Errorf("D1 root blockers = %q, want %q", got, want)
			}
			opts, err := agreement.Unlock(inst, "D1", agreement.UnlockLimits{})
			if err != nil {
				return fmt.Errorf("unlock D1: %w", err)
			}
			var got []string
			for _, o := range opts {
				var cs []string
				for _, c := range o.Changes {
					cs = append(cs, c.Party+" "+c.Stance+" "+c.Item)
				}
				sort.Strings(cs)
				got = append(got, strings.Join(cs, " & "))
			}
			for _, want := range []string{
				"gov support M1a",
				"oppA support M1b & oppB support M1b & oppC support M1b",
				"oppA support D1 & oppB support D1",
			} {
				if !slices.Contains(got, want) {
					return fmt.Errorf("unlock options of D1 = %q, want among them %q", got, want)
				}
			}
		}
		return nil
	}
	l, _ := moscow(t, check)
	for _, name := range []string{"d1v2-incomplete", "d1v2-complete", "step3", "step5", "m1b-divergence", "m1b-resolved", "m1b-v2", "step6", "final"} {
		if !seen[name] {
			t.Errorf("the scenario never reached check %s", name)
		}
	}

	// The briefing of round 2 tells the story from the record.
	events := readEvents(t, l, talks)
	md, err := briefing.Round(i18n.For(i18n.English), talks, events, "r2")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Syrian National Coalition (snc): **declined**",
		"We do not trust the intentions of the host",
		"**D1** “Assessment of the political situation” was agreed on 8 April 2015 (day 3)",
		"lost agreement on 10 April 2015 (day 5) [#",
		"Opposition Delegation A (oppA) made its support of version 2 conditional: it supports it only if M1a or M1b is agreed",
		"Opposition Delegation B (oppB) did the same",
		"**M1a** “Confidence-building measure: broad release of detainees”: not agreed.",
		"Government of the Syrian Arab Republic (gov) opposes",
		"**M1b** “Confidence-building measure: release from an agreed list”: not agreed.",
		"Nothing is agreed at the end of the round.",
		"Bashar Jaafari, head of the delegation of the Government of the Syrian Arab Republic (gov) [#",
		"“The government and the opposition managed to reach common ground on a number of important issues.”",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the briefing lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "snc (") || strings.Contains(md, "Coalition (snc) opposes") {
		t.Errorf("the briefing shows snc blocking something:\n%s", md)
	}
}

// pressQuotes is what a press report of 10 April 2015 quoted the real
// people of the scenario saying (../shared/scenario/moscow-2015.md, "What the
// press reported them saying"), by cast member.
var pressQuotes = map[string][]string{
	"mediator": {
		"If we spent another week here, we would probably reach agreement on other issues.",
		"They sat at the table together, they didn't go into a fistfight, they listened to each other. It's good.",
		"We didn't have any excessive expectations, we didn't expect the meeting to settle the Syrian crisis.",
	},
	"gov":    {"The government and the opposition managed to reach common ground on a number of important issues."},
	"lavrov": {"You need to save the country and its people, or there will be no one left to build a renewed, united and sovereign Syria."},
}

// freeText are the payload members that hold an actor's own words, which the
// record shows as said by the signer.
var freeText = []string{"text", "note", "reason", "description", "message"}

// TestRealPeopleSayOnlyWhatThePressQuoted checks that the real people of
// the scenario (the mediator, the foreign minister and the government's head
// of delegation) say only what the press quoted them saying, each quotation
// marked with its source, that the mediator makes the three closing
// statements after closing the round, and that the briefing shows their
// statements as quoted.
func TestRealPeopleSayOnlyWhatThePressQuoted(t *testing.T) {
	s := scenario.Moscow()
	said := map[string][]string{}
	closed := false
	var closing []string
	for i, st := range s.Steps {
		if st.Kind == parley.KindCloseRound && strings.Contains(string(st.Payload), `"r2"`) {
			closed = true
		}
		quotes, real := pressQuotes[st.By]
		if st.Kind == "" {
			continue
		}
		if st.Quoted != nil && !real {
			t.Errorf("step %d: %s is marked as quoted in the press, but the press quoted no words of theirs", i, st.By)
		}
		if !real {
			continue
		}
		var p map[string]any
		if err := json.Unmarshal(st.Payload, &p); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if st.Kind != parley.KindStatement {
			for _, f := range freeText {
				if v, ok := p[f]; ok {
					t.Errorf("step %d (%s by %s): %s %q puts words in a real person's mouth; the press quoted none", i, st.Kind, st.By, f, v)
				}
			}
			continue
		}
		text, _ := p["text"].(string)
		if !slices.Contains(quotes, text) {
			t.Errorf("step %d: %s says %q, which is not one of the quotations the press reported: %q", i, st.By, text, quotes)
		}
		if q := st.Quoted; q == nil || !strings.Contains(q.Source, "press report of 10 April 2015") || q.Occasion == "" {
			t.Errorf("step %d: %s's statement is not marked as quoted in the press of 10 April 2015, with the occasion: %+v", i, st.By, st.Quoted)
		}
		said[st.By] = append(said[st.By], text)
		if st.By == "mediator" && closed && p["round"] == "r2" {
			closing = append(closing, text)
		}
	}
	if got, want := closing, pressQuotes["mediator"]; !slices.Equal(got, want) {
		t.Errorf("the mediator's statements after closing round 2 = %q, want the three closing statements %q", got, want)
	}
	for _, id := range []string{"gov", "lavrov"} {
		if len(said[id]) == 0 {
			t.Errorf("%s makes no statement; the press quoted them", id)
		}
	}

	// The demo's notice says who is quoted, and gives each quotation
	// with its source.
	notice := s.DemoNotice()
	if strings.Contains(notice, "no one is quoted") || !strings.Contains(notice, "Quoted in the press:") {
		t.Errorf("the demo notice does not say who is quoted in the press:\n%s", notice)
	}
	for id, quotes := range said {
		for _, q := range quotes {
			if !strings.Contains(notice, "(a press report of 10 April 2015): “"+q+"”") {
				t.Errorf("the demo notice lacks %s's quotation %q with its source", id, q)
			}
		}
	}
	if got := strings.Count(notice, "(a press report of 10 April 2015): “"); got != 5 {
		t.Errorf("the demo notice gives the source of %d quotations, want 5:\n%s", got, notice)
	}

	// The briefing shows every statement of a real person as one of the
	// quotations, and no other words of theirs in quotation marks.
	l, _ := moscow(t, func(string, *ledger.Ledger) error { return nil })
	md, err := briefing.Round(i18n.For(i18n.English), s.Talks, readEvents(t, l, s.Talks), "r2")
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]string{}
	for _, m := range s.Cast {
		names[m.ID] = m.Name
	}
	n := 0
	for _, line := range strings.Split(md, "\n") {
		for id, quotes := range pressQuotes {
			if !strings.HasPrefix(line, "- ") || !strings.Contains(line, names[id]) || !strings.Contains(line, "“") {
				continue
			}
			q := line[strings.Index(line, "“")+len("“") : strings.LastIndex(line, "”")]
			if !slices.Contains(quotes, q) {
				t.Errorf("the briefing quotes %s saying %q, not one of the press's quotations", names[id], q)
			}
			n++
		}
	}
	if n != 5 {
		t.Errorf("the briefing quotes the real people %d times, want 5 (3 by the mediator, 1 each by the minister and the head of the government's delegation):\n%s", n, md)
	}
	if strings.Contains(md, "Closing note") {
		t.Errorf("the briefing gives the mediator a closing note in quotation marks:\n%s", md)
	}
}

func readEvents(t *testing.T, l *ledger.Ledger, talks string) []*parley.Event {
	t.Helper()
	ctx := context.Background()
	n, err := l.Store().Size(ctx, talks)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := l.Store().Entries(ctx, talks, 0, n)
	if err != nil {
		t.Fatal(err)
	}
	var events []*parley.Event
	for _, en := range entries {
		e, err := parley.DecodeEvent(en.Event)
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, e)
	}
	return events
}

// TestScriptIsValid checks the embedded script names only its cast and
// known kinds, and that its payloads decode strictly.
func TestScriptIsValid(t *testing.T) {
	s := scenario.Moscow()
	if !strings.Contains(s.Notice, "illustrative reconstruction") {
		t.Errorf("the notice must say the scenario is an illustrative reconstruction")
	}
	ks, err := s.NewKeys()
	if err != nil {
		t.Fatal(err)
	}
	for i, st := range s.Steps {
		if st.Kind == "" {
			continue
		}
		se, err := s.Event(i, ks, "h/talks/"+s.Talks)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		var e parley.Event
		if err := json.Unmarshal(se.Bytes, &e); err != nil || strings.Contains(string(e.Payload), "$key:") {
			t.Errorf("step %d: payload %s still holds a key placeholder or does not decode (%v)", i, e.Payload, err)
		}
	}
}

// TestMoscowRecord checks the record points of the scenario: the public
// bundle verifies offline, shows oppA's signed support of D1 version 2 and
// its later signed change, and fails verification if any byte changes.
func TestMoscowRecord(t *testing.T) {
	l, s := moscow(t, func(string, *ledger.Ledger) error { return nil })
	b, err := l.Bundle(context.Background(), s.Talks, "")
	if err != nil {
		t.Fatal(err)
	}
	data, err := b.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	verify := func(data []byte) error {
		b, err := record.ParseBundle(data)
		if err != nil {
			return err
		}
		_, err = record.Verify(b, state.NewAuthorizer(b.Origin), nil)
		return err
	}
	if err := verify(data); err != nil {
		t.Fatalf("the public bundle does not verify: %v", err)
	}
	// oppA's signed stances on D1, in the public record.
	var oppA []string
	for _, en := range b.Entries {
		if en.Hidden() {
			continue
		}
		e, err := parley.DecodeEvent(en.Event)
		if err != nil || e.Kind != parley.KindSetStance {
			continue
		}
		var p parley.SetStance
		parley.DecodePayload(e, &p)
		if p.Party == "oppA" && p.Item == "D1" {
			oppA = append(oppA, fmt.Sprintf("%s v%d %s", p.Stance, p.Version, p.Condition))
		}
	}
	if got, want := strings.Join(oppA, "; "), "support v2 ; conditional v2 agreed(M1a) or agreed(M1b)"; got != want {
		t.Errorf("oppA's signed stances on D1 in the public bundle = %q, want %q", got, want)
	}
	// Any changed byte fails verification (a sample, with the signatures
	// of every event checked each time).
	rng := mrand.New(mrand.NewPCG(1, 2))
	for i := 0; i < 150; i++ {
		j := rng.IntN(len(data))
		bad := append([]byte(nil), data...)
		bad[j] ^= byte(1 + rng.IntN(255))
		if verify(bad) == nil {
			t.Fatalf("changing byte %d of the bundle (%q) still verifies", j, data[max(0, j-20):min(len(data), j+20)])
		}
	}
}

// TestParseQuoted checks that only a statement with its text can be marked
// as quoted, and only with its occasion and source.
func TestParseQuoted(t *testing.T) {
	script := func(step string) []byte {
		return []byte(`{"talks": "t", "cast": [{"id": "a", "name": "A", "role": "mediator"}], "steps": [` + step + `]}`)
	}
	good := `{"at": "2015-04-10T16:10:00Z", "by": "a", "kind": "statement.publish", "quoted": {"occasion": "at a briefing", "source": "a press report"}, "payload": {"text": "Words."}}`
	s, err := scenario.Parse(script(good))
	if err != nil {
		t.Fatal(err)
	}
	if qs := s.Quotations(); len(qs) != 1 || qs[0].Text != "Words." || qs[0].By.Name != "A" || qs[0].Source != "a press report" {
		t.Errorf("Quotations() = %+v", qs)
	}
	for _, bad := range []string{
		`{"at": "2015-04-10T16:10:00Z", "by": "a", "kind": "round.close", "quoted": {"occasion": "at a briefing", "source": "a press report"}, "payload": {"round": "r1"}}`,
		`{"at": "2015-04-10T16:10:00Z", "by": "a", "kind": "statement.publish", "quoted": {"occasion": "at a briefing"}, "payload": {"text": "Words."}}`,
		`{"at": "2015-04-10T16:10:00Z", "by": "a", "kind": "statement.publish", "quoted": {"occasion": "at a briefing", "source": "a press report"}, "payload": {}}`,
	} {
		if _, err := scenario.Parse(script(bad)); err == nil || !strings.Contains(err.Error(), "quoted") {
			t.Errorf("Parse(%s) = %v, want an error about quoted", bad, err)
		}
	}
}

// TestMoscowCaucusSealed checks that the script's caucus messages are
// sealed as it is replayed: the record holds none of their words, every
// recipient opens each, and nobody else can.
func TestMoscowCaucusSealed(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	keys, err := ledger.NewKeys(filepath.Join(dir, "logkeys"))
	if err != nil {
		t.Fatal(err)
	}
	l := ledger.New(st, ledger.Config{Host: "demo.parley.localhost", Keys: keys})
	s := scenario.Moscow()
	ks, err := s.NewKeys()
	if err != nil {
		t.Fatal(err)
	}
	app := scenario.AppenderFunc(func(ctx context.Context, se parley.SignedEvent) error {
		_, err := l.Append(ctx, se)
		return err
	})
	if err := s.Replay(ctx, app, ks, l.Origin(s.Talks), nil); err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, step := range s.Steps {
		if step.Kind == parley.KindCaucus {
			var p parley.Caucus
			if err := json.Unmarshal(step.Payload, &p); err != nil {
				t.Fatal(err)
			}
			texts = append(texts, p.Text)
		}
	}
	if len(texts) < 3 {
		t.Fatalf("the script has %d caucus messages; the demo shows several", len(texts))
	}
	l.Close()
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "parley.db*"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, text := range texts {
			if bytes.Contains(b, []byte(text[:40])) {
				t.Errorf("%s holds the caucus text %q", filepath.Base(f), text[:40])
			}
		}
	}

	st, err = sqlite.Open(ctx, filepath.Join(dir, "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	l = ledger.New(st, ledger.Config{Host: "demo.parley.localhost", Keys: keys})
	opened := 0
	for _, e := range readEvents(t, l, s.Talks) {
		p, ok := e.Act.(*parley.Caucus)
		if !ok {
			continue
		}
		if !p.IsSealed() || p.Text != "" {
			t.Fatalf("a caucus message of the replay is not sealed: %s", e.Payload)
		}
		for _, m := range s.Cast {
			pt, err := seal.OpenAct(l.Origin(s.Talks), e, ks[m.ID].Public().(ed25519.PublicKey), []*seal.PrivateKey{ks.Encryption(m.ID)}, nil)
			recipient := m.Party == p.Party || m.Role == parley.RoleMediator
			switch {
			case recipient && err != nil:
				t.Errorf("%s cannot open a message of the caucus of %s: %v", m.ID, p.Party, err)
			case recipient:
				var c parley.CaucusContent
				if err := parley.DecodeStrict(pt, &c); err != nil || !slices.Contains(texts, c.Text) {
					t.Errorf("%s opens %q, not a text of the script (%v)", m.ID, pt, err)
				}
				opened++
			case err == nil:
				t.Errorf("%s opened a message of the caucus of %s", m.ID, p.Party)
			}
		}
	}
	if opened != 2*len(texts) {
		t.Errorf("%d openings, want 2 for each of the %d messages (the delegation's head and the mediator)", opened, len(texts))
	}
}

// TestMoscowTexts checks that the talks declare Arabic, Russian and
// English as their official languages and that every version the script
// tables ends up with its text in each, aligned paragraph by paragraph
// (brackets matched across languages) and written in its language's
// script: a text labelled Arabic is in Arabic letters, and so on.
func TestMoscowTexts(t *testing.T) {
	s := scenario.Moscow()
	official := []string{"ar", "ru", "en"}
	scripts := map[string]*unicode.RangeTable{"ar": unicode.Arabic, "ru": unicode.Cyrillic, "en": unicode.Latin}
	texts := map[string]map[string][]string{} // by "item vversion", by language
	founded := false
	for i, st := range s.Steps {
		var p struct {
			Languages  []string            `json:"languages"`
			Item       string              `json:"item"`
			Version    int                 `json:"version"`
			Lang       string              `json:"lang"`
			Paragraphs []string            `json:"paragraphs"`
			Texts      map[string][]string `json:"texts"`
		}
		if st.Kind == "" {
			continue
		}
		if err := json.Unmarshal(st.Payload, &p); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		key := fmt.Sprintf("%s v%d", p.Item, p.Version)
		switch st.Kind {
		case parley.KindFoundTalks:
			founded = true
			if !slices.Equal(p.Languages, official) {
				t.Errorf("step %d: the talks' official languages are %q, want %q", i, p.Languages, official)
			}
		case parley.KindTableVersion:
			if len(p.Paragraphs) > 0 {
				t.Errorf("step %d: %s is tabled with one text, not a text in each official language", i, key)
			}
			texts[key] = p.Texts
		case parley.KindTranslateVersion:
			texts[key][p.Lang] = p.Paragraphs
		}
	}
	if !founded {
		t.Fatal("the script never founds its talks")
	}
	if len(texts) < 4 {
		t.Fatalf("the script tables %d versions, want D1's two and M1a's and M1b's", len(texts))
	}
	for key, ts := range texts {
		for _, l := range official {
			paras, ok := ts[l]
			if !ok {
				t.Errorf("%s never gets its %s text", key, l)
				continue
			}
			if err := document.Aligned(official[0], ts[official[0]], l, paras); err != nil {
				t.Errorf("%s: %v", key, err)
			}
			for k, para := range paras {
				letters, in := 0, 0
				for _, r := range para {
					if unicode.IsLetter(r) {
						letters++
						if unicode.Is(scripts[l], r) {
							in++
						}
					}
				}
				if in*10 < letters*9 {
					t.Errorf("%s, paragraph %d of the %s text is not written in its script: %q", key, k+1, l, para)
				}
			}
		}
	}
}
