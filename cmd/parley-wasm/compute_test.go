package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/bargain"
)

const exchange = `{"issues": [
  {"id": "detainees", "options": ["100", "250", "500"]},
  {"id": "tranches", "options": ["1", "2", "3"]}],
 "parties": [
  {"id": "gov", "weights": {"detainees": "0.3", "tranches": "0.7"},
   "values": {"detainees": {"100": "1", "250": "0.2", "500": "0"}, "tranches": {"1": "0", "2": "0.9", "3": "1"}},
   "reservation": "0.5"},
  {"id": "opp", "weights": {"detainees": "0.6", "tranches": "0.4"},
   "values": {"detainees": {"100": "0", "250": "0.3", "500": "1"}, "tranches": {"1": "1", "2": "0.8", "3": "0"}},
   "reservation": "0.1"}]}`

// TestCompute checks that the page's computation writes what `parley
// packages` writes, with the picture of the two parties.
func TestCompute(t *testing.T) {
	cur := `{"detainees": "250", "tranches": "1"}`
	r := compute(request{Instance: exchange, Current: cur, Lang: "ru"})
	if r.Error != "" {
		t.Fatal(r.Error)
	}
	inst, err := bargain.DecodeInstance([]byte(exchange))
	if err != nil {
		t.Fatal(err)
	}
	pb, err := bargain.NewProblem(inst)
	if err != nil {
		t.Fatal(err)
	}
	f, err := pb.Frontier(context.Background(), bargain.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	pkg, err := bargain.DecodePackage([]byte(cur), pb.Issues(), "current")
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.Result(bargain.ResultOptions{Current: pkg})
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	if err := res.Write(&want, false); err != nil {
		t.Fatal(err)
	}
	if r.Result != want.String() {
		t.Errorf("result:\n%s\nwant\n%s", r.Result, want.String())
	}
	if !strings.HasPrefix(r.SVG, "<svg") || !strings.Contains(r.SVG, "gov") {
		t.Errorf("no picture of the two parties: %.200q", r.SVG)
	}
}

func TestComputeRefuses(t *testing.T) {
	for _, c := range []struct {
		req  request
		code string
		has  string
	}{
		{request{Instance: `{"issues": []`}, parley.EINVALID, ""},
		{request{Instance: strings.Replace(exchange, `"0.3", "tranches"`, `"0.3x", "tranches"`, 1)}, parley.EINVALID, "parties[0].weights.detainees"},
		{request{Instance: exchange, Proposal: `{"detainees": "250"}`}, parley.EINVALID, "proposal"},
		{request{Instance: exchange, MaxPoints: 1}, parley.ETOOLARGE, ""},
		{request{Instance: exchange, MaxTies: -1}, parley.EINVALID, ""},
		{request{Instance: exchange, Lang: "ar", MaxTies: -1}, parley.EINVALID, "حدود"},
	} {
		r := compute(c.req)
		if r.Code != c.code || r.Error == "" || !strings.Contains(r.Error, c.has) || r.Result != "" {
			t.Errorf("%+v: got code %q, error %q, want code %q and an error naming %q", c.req, r.Code, r.Error, c.code, c.has)
		}
	}
}

func TestClock(t *testing.T) {
	c := newClock(time.Now().Add(-time.Second))
	if c.Err() == nil {
		t.Error("a clock past its deadline has no error")
	}
	if newClock(time.Now().Add(time.Hour)).Err() != nil {
		t.Error("a clock before its deadline has an error")
	}
}
