package parley_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/internal/measure"
)

func newKey(t testing.TB) ed25519.PrivateKey {
	t.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSignOpen(t *testing.T) {
	key := newKey(t)
	e, err := parley.NewEvent("t1", parley.KindStatement, key.Public().(ed25519.PublicKey), time.Unix(1e9, 0), parley.Statement{Text: "hello"})
	if err != nil {
		t.Fatal(err)
	}
	const origin = "example.org/talks/t1"
	se, err := parley.Sign(origin, e, key)
	if err != nil {
		t.Fatal(err)
	}
	got, err := se.Open(origin)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if got.Kind != parley.KindStatement || got.Nonce != e.Nonce || !got.At().Equal(time.Unix(1e9, 0)) {
		t.Errorf("Open = %+v, want the signed event %+v", got, e)
	}
	// The signature binds the origin: the same bytes are refused elsewhere.
	if _, err := se.Open("other.org/talks/t1"); parley.ErrorCode(err) != parley.EUNAUTHORIZED {
		t.Errorf("Open with another origin: got %v, want an unauthorized error", err)
	}
	// And every byte of the event.
	for i := range se.Bytes {
		b := append([]byte(nil), se.Bytes...)
		b[i] ^= 1
		if _, err := (parley.SignedEvent{Bytes: b, Sig: se.Sig}).Open(origin); err == nil {
			t.Fatalf("flipping byte %d of the event: Open succeeded", i)
		}
	}
	// The domain separation prefix is part of the signed message.
	if !ed25519.Verify(key.Public().(ed25519.PublicKey), append([]byte("parley/v1/event\n"+origin+"\n"), se.Bytes...), se.Sig) {
		t.Errorf("the signature is not over the documented message")
	}
}

func TestDecodeEventRefuses(t *testing.T) {
	key := newKey(t)
	good := map[string]any{
		"v": 1, "talks": "t1", "kind": "statement.publish", "actor": parley.KeyString(key.Public().(ed25519.PublicKey)),
		"time": "2015-04-10T17:00:00Z", "nonce": "AAAAAAAAAAAAAAAAAAAAAA==", "payload": map[string]any{"text": "x"},
	}
	enc := func(change func(m map[string]any)) []byte {
		m := map[string]any{}
		for k, v := range good {
			m[k] = v
		}
		change(m)
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	goodBytes := enc(func(map[string]any) {})
	if _, err := parley.DecodeEvent(goodBytes); err != nil {
		t.Fatalf("the good event is refused: %v", err)
	}
	// edit replaces the first old in the good event by new.
	edit := func(old, new string) []byte {
		if !strings.Contains(string(goodBytes), old) {
			t.Fatalf("the good event %s has no %s", goodBytes, old)
		}
		return []byte(strings.Replace(string(goodBytes), old, new, 1))
	}
	actor := good["actor"].(string)
	// A key of 32 bytes has 2 unused bits in its last base64 character.
	strayActor := actor[:42] + string(actor[42]+1) + actor[43:]
	if k, err := parley.ParseKey(strayActor); err != nil || parley.KeyString(k) != actor {
		t.Fatalf("%s is not %s with stray bits", strayActor, actor)
	}
	tests := []struct {
		name string
		b    []byte
		want string
	}{
		{"version", enc(func(m map[string]any) { m["v"] = 2 }), `"v"`},
		{"talks", enc(func(m map[string]any) { m["talks"] = "Bad Id" }), `"talks"`},
		{"kind", enc(func(m map[string]any) { m["kind"] = "nope" }), `"kind"`},
		{"actor", enc(func(m map[string]any) { m["actor"] = "abc" }), `"actor"`},
		{"time", enc(func(m map[string]any) { m["time"] = "yesterday" }), `"time"`},
		{"time offset of 24 hours", enc(func(m map[string]any) { m["time"] = "2015-04-10T17:00:00+24:00" }), `"time"`},
		{"time offset of -24 hours", enc(func(m map[string]any) { m["time"] = "2015-04-10T17:00:00.5-24:00" }), `"time"`},
		{"time in lower case", enc(func(m map[string]any) { m["time"] = "2015-04-10t17:00:00z" }), `"time"`},
		{"time offset of 60 minutes", enc(func(m map[string]any) { m["time"] = "2015-04-10T17:00:00+05:60" }), `"time"`},
		{"nonce", enc(func(m map[string]any) { m["nonce"] = "AAAA" }), `"nonce"`},
		{"vis", enc(func(m map[string]any) { m["vis"] = "everyone" }), `"vis"`},
		{"payload", enc(func(m map[string]any) { m["payload"] = []int{1} }), `"payload"`},
		{"unknown field", enc(func(m map[string]any) { m["extra"] = 1 }), "unknown field"},
		{"invalid utf-8", []byte("{\"v\":1,\"talks\":\"\xff\"}"), "UTF-8"},
		{"duplicate key", []byte(`{"v":1,"v":1}`), "twice"},
		{"nested duplicate key", []byte(`{"payload":{"a":1,"a":2}}`), "twice"},
		{"trailing data", append(enc(func(map[string]any) {}), []byte(" {}")...), "after"},
		{"deep", []byte(strings.Repeat("[", 40) + strings.Repeat("]", 40)), "nested"},
		{"huge", make([]byte, parley.MaxEventSize+1), "limit"},

		{"Kind", edit(`"kind":`, `"Kind":`), `event member "Kind" is not a field; did you mean "kind"?`},
		{"KIND", edit(`"kind":`, `"KIND":`), `event member "KIND" is not a field; did you mean "kind"?`},
		{"kind with a Kelvin sign", edit(`"kind":`, `"\u212aind":`), `is not a field; did you mean "kind"?`},
		{"V", edit(`"v":`, `"V":`), `event member "V" is not a field; did you mean "v"?`},
		{"Payload", edit(`"payload":`, `"Payload":`), `event member "Payload" is not a field; did you mean "payload"?`},
		{"unknown field, named", enc(func(m map[string]any) { m["extra"] = 1 }), `event member "extra" is an unknown field: the fields are v, talks, kind, actor, time, nonce, vis, payload`},
		{"kind and Kind", edit(`"kind":`, `"kind":"statement.publish","Kind":`), "differ only in case"},
		{"Kind and kind", enc(func(m map[string]any) { m["Kind"] = "statement.publish" }), `event member "Kind" is not a field; did you mean "kind"?`},
		{"kind twice, once escaped", edit(`"kind":`, `"\u006bind":"statement.publish","kind":`), "twice"},
		{"text and Text in the payload", edit(`"text":`, `"Text":"y","text":`), "differ only in case"},
		{"lone surrogate", edit(`"talks":"t1"`, `"talks":"t1\udbff"`), "surrogate"},
		{"lone surrogate in the payload", edit(`"text":"x"`, `"text":"\udc00x"`), "surrogate"},
		{"invalid UTF-8 in the payload", edit(`"text":"x"`, "\"text\":\"\xc3\""), "UTF-8"},
		{"v 01", edit(`"v":1`, `"v":01`), "leading zeros"},
		{"v 1.", edit(`"v":1`, `"v":1.`), "decimal point"},
		{"v -", edit(`"v":1`, `"v":-`), "digit after '-'"},
		{"v 1.0", edit(`"v":1`, `"v":1.0`), `event field "v": want an integer, found the number 1.0`},
		{"v 1e0", edit(`"v":1`, `"v":1e0`), `event field "v": want an integer`},
		{"v a string", edit(`"v":1`, `"v":"1"`), `event field "v": want an integer, found a string`},
		{"talks a number", edit(`"talks":"t1"`, `"talks":1`), `event field "talks": want a string, found the number 1`},
		{"kind an object", edit(`"kind":"statement.publish"`, `"kind":{}`), `event field "kind": want a string, found an object`},
		{"trailing comma", append(goodBytes[:len(goodBytes)-1:len(goodBytes)-1], ",}"...), "comma before '}'"},
		{"deep payload", edit(`"text":"x"`, `"text":`+strings.Repeat("[", 31)+strings.Repeat("]", 31)), "nested"},
		{"actor with stray bits", enc(func(m map[string]any) { m["actor"] = strayActor }), `event field "actor": "` + strayActor + `" is not canonical base64: write the key as "` + actor + `"`},
		{"actor with a line break", enc(func(m map[string]any) { m["actor"] = actor[:20] + "\n" + actor[20:] }), "not canonical base64"},
		{"actor with a carriage return", enc(func(m map[string]any) { m["actor"] = "\r" + actor }), "not canonical base64"},
		{"nonce with stray bits", enc(func(m map[string]any) { m["nonce"] = "AAAAAAAAAAAAAAAAAAAAAB==" }), `event field "nonce": want 16 random bytes in canonical standard base64`},
		{"nonce with a line break", enc(func(m map[string]any) { m["nonce"] = "AAAAAAAAAAAAAAAAAAAA\nAA==" }), `"nonce"`},
		{"nonce of 18 bytes", enc(func(m map[string]any) { m["nonce"] = "000000000000000000000A00" }), `"nonce"`},
		{"nonce without padding", enc(func(m map[string]any) { m["nonce"] = "AAAAAAAAAAAAAAAAAAAAAA" }), `"nonce"`},
		{"nonce in URL base64", enc(func(m map[string]any) { m["nonce"] = "_____________________w==" }), `"nonce"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parley.DecodeEvent(tt.b)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("DecodeEvent = %v, want an error mentioning %s", err, tt.want)
			}
			if got, want := parley.ErrorCode(err), parley.EINVALID; tt.name != "huge" && got != want {
				t.Errorf("DecodeEvent: code %q, want %q", got, want)
			}
		})
	}
}

// TestDecodeEventLikeEncodingJSON checks that events DecodeEvent accepts
// decode as encoding/json decodes them.
func TestDecodeEventLikeEncodingJSON(t *testing.T) {
	key := newKey(t)
	e, err := parley.NewEvent("moscow-2015", parley.KindCaucus, key.Public().(ed25519.PublicKey), time.Date(2015, 4, 7, 12, 0, 0, 5, time.UTC), parley.Caucus{Party: "opp", Text: "\"Quoted\", über \u2028 😀"})
	if err != nil {
		t.Fatal(err)
	}
	e.Vis = parley.VisParty("opp")
	se, err := parley.Sign("h/talks/moscow-2015", e, key)
	if err != nil {
		t.Fatal(err)
	}
	actor := parley.KeyString(key.Public().(ed25519.PublicKey))
	for _, b := range []string{
		string(se.Bytes),
		// Escapes in names and values, white space, another order, null.
		" {\"payload\" : {\"text\":\"\\ud83d\\ude00\"} ,\"v\":1,\"t\\u0061lks\":\"t\\u0031\",\"kind\":\"statement.publish\",\r\n" +
			`"actor":"` + actor + `","time":"2015-04-10T17:00:00Z","nonce":"AAAAAAAAAAAAAAAAAAAAAA==","vis":null}` + "\t",
		`{"v":-0,"v":1}`, // refused: two v
	} {
		got, err := parley.DecodeEvent([]byte(b))
		var want parley.Event
		if err != nil {
			if strings.Count(b, `"v"`) == 1 {
				t.Errorf("DecodeEvent(%s): %v", b, err)
			}
			continue
		}
		if err := json.Unmarshal([]byte(b), &want); err != nil {
			t.Fatalf("json.Unmarshal(%s): %v", b, err)
		}
		checkAct(t, got)
		if !reflect.DeepEqual(withoutAct(got), want) {
			t.Errorf("DecodeEvent(%s) = %+v, want %+v as encoding/json decodes it", b, *got, want)
		}
	}
	got, err := parley.DecodeEvent(se.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, e) {
		t.Errorf("DecodeEvent(Sign(e)) = %+v, want e = %+v", got, e)
	}
}

// A payloadNode is a recursive type for DecodePayload.
type payloadNode struct {
	Name string        `json:"name"`
	Kids []payloadNode `json:"kids,omitempty"`
}

type payloadInner struct {
	A int `json:"a"`
}

// A payloadOuter has the cases of encoding/json's naming of fields.
type payloadOuter struct {
	payloadInner
	B int       `json:"b"`
	C int       `json:"-"`
	D int       `json:",omitempty"`
	N int       `json:"n,string"`
	T time.Time `json:"t"`
	e int
}

func TestDecodePayloadExactNames(t *testing.T) {
	tests := []struct {
		kind    string
		v       any
		payload string
		want    string // "" for no error
	}{
		{parley.KindSetStance, &parley.SetStance{}, `{"item":"d1","version":1,"party":"p","stance":"support"}`, ""},
		{parley.KindSetStance, &parley.SetStance{}, `{"Item":"d1"}`, `payload of stance.set: member "Item" is not a field; did you mean "item"?`},
		{parley.KindSetStance, &parley.SetStance{}, `{"item":"d1","Item":"d2"}`, `payload of stance.set: the JSON has the keys "item" and "Item"`},
		{parley.KindSetStance, &parley.SetStance{}, `{"item":"d1","\u0069tem":"d2"}`, `the JSON has the key "item" twice`},
		{parley.KindSetStance, &parley.SetStance{}, `{"\u0069tem":"d1"}`, ""},
		{parley.KindSetStance, &parley.SetStance{}, `{"colour":"d1"}`, `member "colour" is an unknown field: the fields are item, version, party, stance, condition, reason`},
		{parley.KindSetStance, &parley.SetStance{}, `{"item":"d1"} {}`, "after the JSON value"},
		{parley.KindSetStance, &parley.SetStance{}, `{"item":"d1",}`, "comma before '}'"},
		{parley.KindProposeAmendment, &parley.ProposeAmendment{}, `{"changes":[{"op":"replace","paragraph":1,"text":"x"}]}`, ""},
		{parley.KindProposeAmendment, &parley.ProposeAmendment{}, `{"changes":[{"op":"replace"},{"Op":"delete"}]}`, `member "changes[1].Op" is not a field; did you mean "op"?`},
		{parley.KindProposeAmendment, &parley.ProposeAmendment{}, `{"changes":[{"colour":1}]}`, `member "changes[0].colour" is an unknown field: the fields are op, paragraph, text`},
		{parley.KindFoundTalks, &parley.FoundTalks{}, `{"title":"t","rule":{"kind":"consensus"}}`, ""},
		{parley.KindFoundTalks, &parley.FoundTalks{}, `{"title":"t","rule":{"Kind":"consensus"}}`, `member "rule.Kind" is not a field; did you mean "kind"?`},
		{parley.KindAddItem, &parley.AddItem{}, `{"item":"i","rule":{"kind":"majority","threshold":0.5}}`, ""},
		{parley.KindAddItem, &parley.AddItem{}, `{"item":"i","rule":null}`, ""},
		{parley.KindAddItem, &parley.AddItem{}, `{"item":"i","rule":{"kind":"majority","Threshold":0.5}}`, `member "rule.Threshold" is not a field; did you mean "threshold"?`},
		{parley.KindForkEvidence, &parley.ForkEvidence{}, `{"evidence":{"Origin":"o","A":"a","anything":[1]}}`, ""},
		{parley.KindForkEvidence, &parley.ForkEvidence{}, `{"evidence":{"a":"a","A":"b"}}`, "differ only in case"},
		{parley.KindForkEvidence, &parley.ForkEvidence{}, `{"Evidence":{}}`, `member "Evidence" is not a field; did you mean "evidence"?`},
		{"x", &map[string]parley.Change{}, `{"a":{"op":"insert"},"b":{"Text":"x"}}`, `member "b.Text" is not a field; did you mean "text"?`},
		{"x", &[]parley.Change{}, `[{"op":"insert"},{"OP":"x"}]`, `member "[1].OP" is not a field; did you mean "op"?`},
		{"x", new(any), `{"A":{"B":[{"c":1}]}}`, ""},
		{"x", new(any), `{"A":{"B":[{"c":1,"C":2}]}}`, "differ only in case"},
		{"x", &payloadNode{}, `{"name":"a","kids":[{"name":"b","kids":[{"name":"c"}]}]}`, ""},
		{"x", &payloadNode{}, `{"name":"a","kids":[{"name":"b","kids":[{"Name":"c"}]}]}`, `member "kids[0].kids[0].Name" is not a field; did you mean "name"?`},
		{"x", &payloadOuter{}, `{"a":1,"b":2,"D":3,"n":"4","t":"2015-04-07T12:00:00Z"}`, ""},
		{"x", &payloadOuter{}, `{"A":1}`, `member "A" is not a field; did you mean "a"?`},
		{"x", &payloadOuter{}, `{"d":1}`, `member "d" is not a field; did you mean "D"?`},
		{"x", &payloadOuter{}, `{"C":1}`, `member "C" is an unknown field`},
		{"x", &payloadOuter{}, `{"e":1}`, `member "e" is an unknown field`},
		{"x", &payloadOuter{}, `{"payloadInner":{}}`, `member "payloadInner" is an unknown field`},
	}
	for _, tt := range tests {
		err := parley.DecodePayload(&parley.Event{Kind: tt.kind, Payload: json.RawMessage(tt.payload)}, tt.v)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("DecodePayload(%s into %T) = %v, want nil", tt.payload, tt.v, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("DecodePayload(%s into %T) = %v, want an error mentioning %s", tt.payload, tt.v, err, tt.want)
		case err != nil && parley.ErrorCode(err) != parley.EINVALID:
			t.Errorf("DecodePayload(%s into %T): code %q, want %q", tt.payload, tt.v, parley.ErrorCode(err), parley.EINVALID)
		}
	}
	// Every payload type decodes what it encodes.
	for _, p := range []any{
		parley.FoundTalks{Title: "t", Rule: parley.Rule{Kind: parley.RuleMajority, Threshold: 0.5}, Proximity: true},
		parley.AddItem{Item: "i", Rule: &parley.Rule{Kind: parley.RuleConsensusMinus, N: 1}},
		parley.ProposeAmendment{Item: "i", Changes: []parley.Change{{Op: parley.OpInsert, Paragraph: 2, Text: "x"}}},
		parley.TableVersion{Item: "i", Version: 1, Paragraphs: []string{"a"}, Amendments: []string{"a1"}, Note: "n"},
		parley.ForkEvidence{Evidence: json.RawMessage(`{"origin":"o"}`)},
		parley.Release{Party: "p", Index: 3, Note: "n"},
		parley.Cosign{Size: 3, Note: "n"},
	} {
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		got := reflect.New(reflect.TypeOf(p))
		if err := parley.DecodePayload(&parley.Event{Kind: "x", Payload: b}, got.Interface()); err != nil {
			t.Errorf("DecodePayload(%s into %T) = %v", b, p, err)
		} else if !reflect.DeepEqual(got.Elem().Interface(), p) {
			t.Errorf("DecodePayload(%s) = %+v, want %+v", b, got.Elem().Interface(), p)
		}
	}
}

// TestValidIDs compares ValidID and ValidTalksID with the patterns they
// implement.
func TestValidIDs(t *testing.T) {
	id := regexp.MustCompile(`^[A-Za-z0-9_.:-]+$`)
	talks := regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
	ids := []string{"", "a", "A", "0", "-", "-a", "a-", "a_b.c:d-e", "a b", "a/b", "é", "a\n", "Moscow-2015", "moscow-2015", "a--b", "_", "."}
	for c := range 256 {
		ids = append(ids, string(rune(c)), "a"+string(byte(c)))
	}
	ids = append(ids, strings.Repeat("a", parley.MaxIDLength), strings.Repeat("a", parley.MaxIDLength+1))
	for _, s := range ids {
		if got, want := parley.ValidID(s), len(s) <= parley.MaxIDLength && id.MatchString(s); got != want {
			t.Errorf("ValidID(%q) = %v, want %v", s, got, want)
		}
		if got, want := parley.ValidTalksID(s), len(s) <= parley.MaxIDLength && talks.MatchString(s); got != want {
			t.Errorf("ValidTalksID(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestCheckJSON(t *testing.T) {
	for _, ok := range []string{`{}`, `[]`, `1`, `"x"`, `{"a":{"a":1},"b":[{"a":1},{"a":2}]}`} {
		if err := parley.CheckJSON([]byte(ok)); err != nil {
			t.Errorf("CheckJSON(%s) = %v, want nil", ok, err)
		}
	}
	for _, bad := range []string{``, `{`, `{"a":1,"a":1}`, `[{"a":1,"b":{"c":1,"c":2}}]`, `{} {}`, `1 2`} {
		if err := parley.CheckJSON([]byte(bad)); err == nil {
			t.Errorf("CheckJSON(%s) = nil, want an error", bad)
		}
	}
}

func FuzzDecodeEvent(f *testing.F) {
	key := newKey(f)
	e, _ := parley.NewEvent("t1", parley.KindSetStance, key.Public().(ed25519.PublicKey), time.Unix(0, 0), parley.SetStance{Item: "D1", Version: 1, Party: "gov", Stance: "support"})
	se, _ := parley.Sign("h/talks/t1", e, key)
	f.Add(se.Bytes)
	f.Add([]byte(`{"v":1}`))
	f.Add([]byte(`{"a":{"a":1,"a":2}}`))
	f.Add([]byte(`{"v":1,"Kind":"x","vis":null,"payload":{}}`))
	f.Add([]byte(`{"v":1.0,"talks":"\u0074","kind":1,"payload":[]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := parley.DecodeEvent(b)
		if err != nil {
			if parley.ErrorCode(err) == parley.EINTERNAL {
				t.Fatalf("DecodeEvent error without a code: %v", err)
			}
			return
		}
		// encoding/json reads an accepted event the same.
		var want parley.Event
		if err := json.Unmarshal(b, &want); err != nil {
			t.Fatalf("DecodeEvent accepts %q; json.Unmarshal refuses it: %v", b, err)
		}
		checkAct(t, e)
		if !reflect.DeepEqual(withoutAct(e), want) {
			t.Fatalf("DecodeEvent(%q) = %+v; json.Unmarshal gives %+v", b, *e, want)
		}
		// A decoded event re-encodes to an event that decodes the same.
		b2, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		e2, err := parley.DecodeEvent(b2)
		if err != nil {
			t.Fatalf("re-encoded event refused: %v", err)
		}
		var p1, p2 any
		_ = json.Unmarshal(e.Payload, &p1)
		_ = json.Unmarshal(e2.Payload, &p2)
		if e2.Kind != e.Kind || e2.Actor != e.Actor || e2.Nonce != e.Nonce || !reflect.DeepEqual(p1, p2) {
			t.Fatalf("round trip changed the event: %+v vs %+v", e, e2)
		}
	})
}

// stanceEvent returns the signed bytes of a typical stance event, like most
// of a talks' record.
func stanceEvent(tb testing.TB) []byte {
	tb.Helper()
	key := newKey(tb)
	p := parley.SetStance{Item: "d1", Version: 1, Party: "opp", Stance: parley.StanceConditional, Condition: "agreed(m1)", Reason: "Prisoner releases first."}
	e, err := parley.NewEvent("moscow-2015", parley.KindSetStance, key.Public().(ed25519.PublicKey), time.Date(2015, 4, 7, 12, 0, 0, 0, time.UTC), p)
	if err != nil {
		tb.Fatal(err)
	}
	se, err := parley.Sign("parley.example.org/talks/moscow-2015", e, key)
	if err != nil {
		tb.Fatal(err)
	}
	return se.Bytes
}

// BenchmarkDecodeEvent decodes a typical stance event and its payload, as
// a verifier does for every entry of a bundle; CheckJSON is the part of
// DecodeEvent that checks the JSON's form. Besides wall time it reports
// cpu-ns/op, the process's CPU time per operation, which load from other
// processes disturbs less.
func BenchmarkDecodeEvent(b *testing.B) {
	ev := stanceEvent(b)
	b.Run("DecodeEvent", func(b *testing.B) {
		b.SetBytes(int64(len(ev)))
		b.ReportAllocs()
		cpu0 := measure.CPUTime()
		for b.Loop() {
			if _, err := parley.DecodeEvent(ev); err != nil {
				b.Fatal(err)
			}
		}
		reportCPU(b, cpu0)
	})
	b.Run("CheckJSON", func(b *testing.B) {
		b.SetBytes(int64(len(ev)))
		b.ReportAllocs()
		cpu0 := measure.CPUTime()
		for b.Loop() {
			if err := parley.CheckJSON(ev); err != nil {
				b.Fatal(err)
			}
		}
		reportCPU(b, cpu0)
	})
	b.Run("DecodePayload", func(b *testing.B) {
		e, err := parley.DecodeEvent(ev)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		cpu0 := measure.CPUTime()
		for b.Loop() {
			var p parley.SetStance
			if err := parley.DecodePayload(e, &p); err != nil {
				b.Fatal(err)
			}
		}
		reportCPU(b, cpu0)
	})
}

// reportCPU reports the process's CPU time per operation since cpu0.
func reportCPU(b *testing.B, cpu0 time.Duration) {
	b.ReportMetric(float64((measure.CPUTime()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
}

// withoutAct returns the event's fields that its encoding carries.
func withoutAct(e *parley.Event) parley.Event {
	c := *e
	c.Act = nil
	return c
}

// checkAct checks that a decoded event's act is its payload as
// encoding/json decodes it into the type the table of kinds names.
func checkAct(t *testing.T, e *parley.Event) {
	t.Helper()
	spec := parley.Spec(e.Kind)
	if spec == nil || e.Act == nil {
		t.Fatalf("DecodeEvent gave the %s event the act %v", e.Kind, e.Act)
	}
	want := spec.New()
	if err := json.Unmarshal(e.Payload, want); err != nil {
		t.Fatalf("DecodeEvent accepts the payload %s; json.Unmarshal refuses it: %v", e.Payload, err)
	}
	if !reflect.DeepEqual(e.Act, want) {
		t.Fatalf("the act of %s is %+v; json.Unmarshal gives %+v", e.Payload, e.Act, want)
	}
}

// TestLangPairExactlyTwo: a divergence's languages are exactly two; one
// or three are refused, not blanked or dropped.
func TestLangPairExactlyTwo(t *testing.T) {
	for langs, want := range map[string]string{`["ar","ru"]`: "", `["ar","ru","en"]`: "not 3", `["ar"]`: "not 1", `"ar"`: "an array", `[]`: "not 0"} {
		var v parley.FlagDivergence
		err := parley.DecodeStrict([]byte(`{"item":"D1","version":1,"flag":"f","party":"p","paragraph":1,"langs":`+langs+`,"note":"x"}`), &v)
		if (want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), want)) {
			t.Errorf("langs %s: %v, want %q", langs, err, want)
		}
	}
}
