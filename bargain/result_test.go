package bargain

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"reflect"
	"strings"
	"testing"

	"github.com/parleyhq/parley"
)

func mustFrontier(t *testing.T, inst *Instance, lim Limits) *Frontier {
	t.Helper()
	pb, err := NewProblem(inst)
	if err != nil {
		t.Fatal(err)
	}
	f, err := pb.Frontier(context.Background(), lim)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// flat returns an instance of n issues of k options where every party
// values every option 0: every package ties with every other.
func flat(parties, n, k int) *Instance {
	inst := Generate(GenSpec{Parties: parties, Issues: n, Options: k}, 1)
	for _, p := range inst.Parties {
		for _, is := range inst.Issues {
			for _, o := range is.Options {
				p.Values[is.ID][o] = Dec{}
			}
		}
		p.Reservation = Dec{}
	}
	return inst
}

// TestTiesCounted checks that packages tied beyond any integer type are
// counted exactly and listed in lexicographic order up to the cap.
func TestTiesCounted(t *testing.T) {
	for _, parties := range []int{1, 2, 3, 4} {
		inst := flat(parties, 50, 10)
		for i := range inst.Parties {
			inst.Parties[i].Reservation = Dec{}
		}
		f := mustFrontier(t, inst, Limits{})
		if f.Len() != 1 {
			t.Fatalf("%d parties: %d points, want 1", parties, f.Len())
		}
		want := new(big.Int).Exp(big.NewInt(10), big.NewInt(50), nil)
		if f.Count(0).Cmp(want) != 0 || f.CountAll().Cmp(want) != 0 {
			t.Fatalf("%d parties: %v packages, want 10^50", parties, f.Count(0))
		}
		r, err := f.Result(ResultOptions{MaxTies: 12})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Frontier) != 12 || !r.Truncated || r.Count != want.String() || r.Frontier[0].Ties != want.String() {
			t.Fatalf("%d parties: %d entries, truncated %v, count %s, ties %s", parties, len(r.Frontier), r.Truncated, r.Count, r.Frontier[0].Ties)
		}
		for k, e := range r.Frontier {
			// The k-th package in lexicographic order: option k of the
			// last issue below 10, then the next to last.
			last, _ := e.Package.Get("i49")
			next, _ := e.Package.Get("i48")
			first, _ := e.Package.Get("i0")
			if last != fmt.Sprintf("o%d", k%10) || next != fmt.Sprintf("o%d", k/10) || first != "o0" {
				t.Fatalf("%d parties: entry %d is %v", parties, k, e.Package)
			}
		}
		// Every solution is the one point, with the reason-free values.
		if len(r.Nash) != 0 || len(r.KalaiSmorodinsky) != 12 || len(r.Maximin) != 12 {
			t.Fatalf("%d parties: %d, %d, %d solution entries", parties, len(r.Nash), len(r.KalaiSmorodinsky), len(r.Maximin))
		}
	}
}

// TestWrite checks that the layout for reading is the same JSON as the
// compact form, with one entry per line.
func TestWrite(t *testing.T) {
	inst := Generate(GenSpec{Parties: 3, Issues: 6, Options: 3, Levels: 3}, 4)
	f := mustFrontier(t, inst, Limits{})
	r, err := f.Result(ResultOptions{MaxTies: 2, Current: make(Package, 6), Proposal: Package{1, 2, 0, 1, 2, 0}})
	if err != nil {
		t.Fatal(err)
	}
	var compact, laid bytes.Buffer
	if err := r.Write(&compact, true); err != nil {
		t.Fatal(err)
	}
	if err := r.Write(&laid, false); err != nil {
		t.Fatal(err)
	}
	var a, b any
	if err := json.Unmarshal(compact.Bytes(), &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(laid.Bytes(), &b); err != nil {
		t.Fatalf("%v\n%s", err, laid.Bytes())
	}
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("the two forms differ:\n%s\n%s", compact.Bytes(), laid.Bytes())
	}
	if n := bytes.Count(compact.Bytes(), []byte("\n")); n != 1 {
		t.Errorf("the compact form has %d lines", n)
	}
	entries := len(r.Frontier) + len(r.Nash) + len(r.KalaiSmorodinsky) + len(r.Maximin) + len(r.Current.Improvements) + len(r.Proposal.Improvements)
	lines := 0
	for _, l := range strings.Split(laid.String(), "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), `{"package": {`) {
			lines++
		}
	}
	if lines != entries {
		t.Errorf("%d lines hold an entry, want %d\n%s", lines, entries, laid.Bytes())
	}
}

func TestMaxPointsAndCancel(t *testing.T) {
	inst := Generate(GenSpec{Parties: 2, Issues: 20, Options: 10, Values: AntiCorrelated}, 1)
	pb, err := NewProblem(inst)
	if err != nil {
		t.Fatal(err)
	}
	_, err = pb.Frontier(context.Background(), Limits{MaxPoints: 50})
	if parley.ErrorCode(err) != parley.ETOOLARGE || !strings.Contains(err.Error(), "already has more than 50 points") {
		t.Errorf("MaxPoints 50: got %v", err)
	}
	for _, parties := range []int{2, 3, 4} {
		pb, _ := NewProblem(Generate(GenSpec{Parties: parties, Issues: 8, Options: 4}, 1))
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := pb.Frontier(ctx, Limits{}); !errors.Is(err, context.Canceled) {
			t.Errorf("%d parties, canceled: got %v", parties, err)
		}
		if _, err := pb.Frontier(context.Background(), Limits{MaxPoints: 1}); parley.ErrorCode(err) != parley.ETOOLARGE {
			t.Errorf("%d parties, MaxPoints 1: got %v", parties, err)
		}
	}
}

// TestWideSameAsNarrow checks that four-word integers give the same
// result as one-word ones, and that large inputs take them.
func TestWideSameAsNarrow(t *testing.T) {
	for _, spec := range []GenSpec{
		{Parties: 2, Issues: 12, Options: 5, Values: AntiCorrelated},
		{Parties: 3, Issues: 8, Options: 4},
		{Parties: 4, Issues: 6, Options: 4, Levels: 4},
	} {
		inst := Generate(spec, 2)
		var out [2]bytes.Buffer
		for k, wide := range []bool{false, true} {
			r, err := mustFrontier(t, inst, Limits{forceWide: wide}).Result(ResultOptions{})
			if err != nil {
				t.Fatal(err)
			}
			r.Write(&out[k], true)
		}
		if out[0].String() != out[1].String() {
			t.Errorf("%+v: one word and four words differ", spec)
		}
	}
	inst := Generate(GenSpec{Parties: 2, Issues: 3, Options: 2}, 1)
	inst.Parties[0].Weights["i0"] = MustParseDec("999999999999999999.999999")
	pb, err := NewProblem(inst)
	if err != nil {
		t.Fatal(err)
	}
	if !pb.wide {
		t.Errorf("weights near 10^18 are computed with one word")
	}
}

func TestAssessErrors(t *testing.T) {
	f := mustFrontier(t, Generate(GenSpec{Parties: 2, Issues: 3, Options: 2}, 1), Limits{})
	for _, pkg := range []Package{{0, 0}, {0, 0, 2}, {0, -1, 0}} {
		if _, err := f.Assess(pkg); parley.ErrorCode(err) != parley.EINVALID {
			t.Errorf("Assess(%v): got %v", pkg, err)
		}
		if _, err := f.Problem().Utilities(pkg); parley.ErrorCode(err) != parley.EINVALID {
			t.Errorf("Utilities(%v): got %v", pkg, err)
		}
	}
	if got := f.Packages(0, 0); got != nil {
		t.Errorf("Packages(0, 0) = %v", got)
	}
	if got := f.Packages(0, 3); len(got) != 1 || len(got[0]) != 3 {
		t.Errorf("Packages(0, 3) = %v", got)
	}
}
