package measures_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/measures"
)

var (
	planJSON = `{"item":"M1","version":1,"note":"tranches of the exchange","steps":[` +
		`{"id":"M1.t1g","party":"gov","action":"release detainees","quantity":50,"unit":"detainees","due":"2015-05-10T18:00:00+03:00","verifier":"` + neutral + `","annex":true},` +
		`{"id":"M1.t1o","party":"opp","action":"release detainees","quantity":50,"unit":"detainees","due":"2015-05-10T18:00:00+03:00","together":["M1.t1g"],"verifier":"` + neutral + `","annex":true},` +
		`{"id":"M1.t2g","party":"gov","action":"open the crossing","due":"2015-05-17T15:00:00Z","after":["M1.t1g"],"verifier":"` + neutral + `"}]}`
	reportJSON = `{"step":"M1.t1g","party":"gov","quantity":50,"note":"released at the crossing","annex":{"v":1,"context":"x"}}`
	verifyJSON = `{"step":"M1.t1g","verdict":"partial","quantity":43,"reason":"7 of those listed were not among those released"}`
)

func TestDecode(t *testing.T) {
	p, err := measures.DecodePlan([]byte(planJSON))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Steps) != 3 || p.Steps[1].Together[0] != "M1.t1g" || p.Steps[0].Quantity != 50 || !p.Steps[0].Annex || p.Note == "" {
		t.Errorf("plan: got %+v", p)
	}
	r, err := measures.DecodeReport([]byte(reportJSON))
	if err != nil {
		t.Fatal(err)
	}
	if r.Quantity != 50 || !r.HasAnnex() || string(r.Annex) != `{"v":1,"context":"x"}` {
		t.Errorf("report: got %+v with annex %s", r, r.Annex)
	}
	v, err := measures.DecodeVerification([]byte(verifyJSON))
	if err != nil {
		t.Fatal(err)
	}
	if v.Verdict != measures.Partial || v.Quantity != 43 || v.HasAnnex() {
		t.Errorf("verification: got %+v", v)
	}
	// A null annex is no annex.
	r, err = measures.DecodeReport([]byte(`{"step":"x","party":"gov","annex":null}`))
	if err != nil || r.HasAnnex() {
		t.Errorf("a null annex: got %+v, %v; want no annex", r, err)
	}
}

func TestDecodeStrict(t *testing.T) {
	tests := []struct {
		name   string
		decode func([]byte) error
		in     string
		want   string
	}{
		{"an unknown member", decodePlan, strings.Replace(planJSON, `"note"`, `"remark"`, 1), `member "remark" is an unknown field`},
		{"a member in another case", decodePlan, strings.Replace(planJSON, `"item"`, `"Item"`, 1), `did you mean "item"`},
		{"an unknown member in a step", decodePlan, strings.Replace(planJSON, `"unit"`, `"units"`, 1), `"steps[0].units"`},
		{"a key twice", decodeReport, `{"step":"x","step":"y"}`, "twice"},
		{"trailing data", decodeReport, `{"step":"x"} {}`, ""},
		{"a quantity with a fraction", decodeReport, `{"step":"x","party":"gov","quantity":1.5}`, ""},
		{"a report without its party", decodeReport, `{"step":"x","quantity":1}`, `"party"`},
		{"a quantity as a string", decodeVerification, `{"step":"x","verdict":"confirmed","quantity":"50"}`, ""},
		{"not an object", decodeVerification, `["x"]`, "want a JSON object"},
		{"empty", decodeVerification, ``, "want a JSON object"},
		{"a step id too long", decodeReport, `{"step":"` + strings.Repeat("s", 65) + `"}`, `"step"`},
		{"a note with a control character", decodeReport, `{"step":"x","party":"gov","note":"a\u0000b"}`, "control character"},
		{"a negative quantity", decodeVerification, `{"step":"x","verdict":"disputed","quantity":-1,"reason":"r"}`, `"quantity"`},
		{"a verdict missing", decodeVerification, `{"step":"x"}`, `"verdict": missing`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.decode([]byte(tt.in))
			if err == nil {
				t.Fatal("accepted")
			}
			checkError(t, err, parley.EINVALID, tt.want)
		})
	}
}

func decodePlan(b []byte) error         { _, err := measures.DecodePlan(b); return err }
func decodeReport(b []byte) error       { _, err := measures.DecodeReport(b); return err }
func decodeVerification(b []byte) error { _, err := measures.DecodeVerification(b); return err }

// TestEncodeDecode checks that what a client encodes decodes to itself.
func TestEncodeDecode(t *testing.T) {
	p := basePlan()
	p.Note = "n"
	p.Steps[0].Annex = true
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	got, err := measures.DecodePlan(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, p) {
		t.Errorf("round trip: got %+v, want %+v", got, p)
	}
}

// FuzzDecode decodes any bytes as each payload: no panic; what decodes
// encodes and decodes again to itself; and the Book checks it without
// panicking.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{planJSON, reportJSON, verifyJSON, `{}`, `{"step":"a","party":"gov","quantity":50}`,
		`{"step":"a","verdict":"confirmed","quantity":50}`, `{"step":"a","verdict":"disputed","reason":"r"}`,
		`{"item":"M1","version":1,"steps":[{"id":"x","party":"gov","action":"a","due":"2015-05-10T00:00:00Z","verifier":"` + neutral + `","after":["x"]}]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		w := newWorld(t)
		w.do(basePlan(), mediator, day(1, 0))
		w.agree("M1", true, day(2, 0))
		if p, err := measures.DecodePlan(b); err == nil {
			again(t, p, measures.DecodePlan)
			_ = w.try(p, mediator, day(3, 0))
		} else {
			fuzzError(t, err)
		}
		if r, err := measures.DecodeReport(b); err == nil {
			again(t, r, measures.DecodeReport)
			_ = w.try(r, govHead, day(4, 0))
		} else {
			fuzzError(t, err)
		}
		if v, err := measures.DecodeVerification(b); err == nil {
			again(t, v, measures.DecodeVerification)
			_ = w.try(v, neutral, day(5, 0))
		} else {
			fuzzError(t, err)
		}
		_ = w.b.Statuses(measures.At(day(6, 0)))
		_ = w.b.Records(measures.At(day(6, 0)))
	})
}

func again[T any](t *testing.T, v *T, decode func([]byte) (*T, error)) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("encoding %+v: %v", v, err)
	}
	w, err := decode(b)
	if err != nil {
		t.Fatalf("%s does not decode again: %v", b, err)
	}
	if !reflect.DeepEqual(w, v) {
		t.Fatalf("%s decodes to %+v, not %+v", b, w, v)
	}
}

func fuzzError(t *testing.T, err error) {
	t.Helper()
	if c := parley.ErrorCode(err); c != parley.EINVALID && c != parley.ENOTFOUND && c != parley.ETOOLARGE {
		t.Fatalf("error %v has the code %s", err, c)
	}
}
