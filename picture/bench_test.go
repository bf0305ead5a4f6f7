package picture_test

import (
	"bytes"
	"fmt"
	mrand "math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/agreement"
	"github.com/parleyhq/parley/internal/measure"
	"github.com/parleyhq/parley/picture"
)

// Benchmark scale: a Paris-sized talks, as docs/UI.md's page weights are
// measured at.
const (
	benchParties = 200
	benchItems   = 500
)

// large builds a talks of parties × items over a round of ten days in
// which agreement is gained and lost. On day 1 every item is tabled, one
// in ten with two brackets; on days 2 to 6, a fifth of the items a day,
// the mediator tables a version without brackets and every party
// supports them; on day 7 a chain of conditions over the first 200 items
// (one party supporting each only if the next is agreed, another, on
// every seventh, only if the two after it are, and a third objecting to
// the last) makes them all lose agreement; on days 8 to 10 parties object
// to other items at random and withdraw half their objections the next
// day. Tabling versions before most stances are taken keeps the history
// within view.MaxHistoryWork.
func large(parties, items int) *talks {
	tk := newTalks("large", parties, time.Date(2025, 11, 10, 8, 0, 0, 0, time.UTC))
	tk.round("s1", parties, 10)
	version := make([]int, items)
	for i := range items {
		p := fmt.Sprintf("The Parties shall take the measures of article %d.", i+1)
		if i%10 == 9 {
			p = fmt.Sprintf("The Parties [[shall || should]] take the measures of article %d [[within a year]].", i+1)
		}
		tk.item(item(i), fmt.Sprintf("Article %d: provisions on matter %d", i+1, i+1), p)
		version[i] = 1
	}
	block := (items + 4) / 5
	for d := range 5 {
		tk.nextDay()
		lo, hi := d*block, min(items, (d+1)*block)
		for i := lo; i < hi; i++ {
			if i%10 == 9 {
				version[i] = 2
				tk.act("mediator", parley.KindTableVersion, parley.TableVersion{Item: item(i), Version: 2,
					Paragraphs: []string{fmt.Sprintf("The Parties shall take the measures of article %d within a year.", i+1)}})
			}
		}
		for i := lo; i < hi; i++ {
			for p := range parties {
				tk.stance(party(p), item(i), version[i], parley.StanceSupport, "")
			}
		}
	}
	tk.nextDay()
	chainLen := min(200, items)
	for i := chainLen - 1; i >= 0; i-- {
		switch {
		case i == chainLen-1:
			tk.stance(party(2), item(i), version[i], parley.StanceOppose, "")
		default:
			tk.stance(party(0), item(i), version[i], parley.StanceConditional, "agreed("+item(i+1)+")")
			if i%7 == 0 && i+2 < chainLen {
				tk.stance(party(1), item(i), version[i], parley.StanceConditional, "agreed("+item(i+1)+") and agreed("+item(i+2)+")")
			}
		}
	}
	rng := mrand.New(mrand.NewPCG(1, 2))
	var objections [][2]int
	for range 3 {
		tk.nextDay()
		for k := range objections[:len(objections)/2] {
			o := objections[k]
			tk.stance(party(o[0]), item(o[1]), version[o[1]], parley.StanceSupport, "")
		}
		objections = objections[len(objections)/2:]
		for range 60 {
			p, i := 3+rng.IntN(parties-3), chainLen+rng.IntN(items-chainLen)
			tk.stance(party(p), item(i), version[i], parley.StanceOppose, "")
			objections = append(objections, [2]int{p, i})
		}
	}
	return tk
}

var (
	largeOnce  sync.Once
	largeBuilt *built
)

func loadLarge(tb testing.TB) *built {
	tb.Helper()
	largeOnce.Do(func() { largeBuilt = large(benchParties, benchItems).build(tb) })
	if largeBuilt == nil {
		tb.Fatal("the large talks did not build")
	}
	return largeBuilt
}

// Weights of the pictures at 200 parties × 500 items, which must leave
// room in a page of 300 KB (docs/UI.md, "Large talks") for the rest of
// it.
const (
	maxGraphBytes    = 40 << 10
	maxTimelineBytes = 128 << 10
	maxProgressBytes = 30 << 10
)

// BenchmarkPictures measures each picture at 200 parties × 500 items:
// building its data from the view, the evaluation and the history, and
// writing its SVG. It reports the bytes written and the CPU time, and
// fails when a picture weighs more than its share of a page.
func BenchmarkPictures(b *testing.B) {
	lg := loadLarge(b)
	opts, err := agreement.Unlock(lg.t.Inst, "I001", agreement.UnlockLimits{MaxEvaluations: 200})
	if err != nil && err != agreement.ErrUnlockIncomplete {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	run := func(b *testing.B, limit int, f func() error) {
		b.ReportAllocs()
		cpu0 := measure.CPUTime()
		for b.Loop() {
			buf.Reset()
			if err := f(); err != nil {
				b.Fatal(err)
			}
		}
		if d := measure.CPUTime() - cpu0; d > 0 {
			b.ReportMetric(float64(d.Nanoseconds())/float64(b.N)/1e6, "cpu-ms/op")
		}
		b.ReportMetric(float64(buf.Len()), "svg-bytes")
		if limit > 0 && buf.Len() > limit {
			b.Errorf("the picture weighs %d bytes, more than %d", buf.Len(), limit)
		}
	}
	b.Run("graph", func(b *testing.B) {
		run(b, maxGraphBytes, func() error {
			g, err := picture.Blocking(nil, lg.res, lg.t, "I001", opts, picture.DefaultMaxNodes)
			if err != nil {
				return err
			}
			g.SetHistory(lg.h, lg.t)
			return picture.WriteGraph(&buf, g, picture.Options{})
		})
	})
	b.Run("timeline", func(b *testing.B) {
		run(b, maxTimelineBytes, func() error {
			c, err := picture.Timeline(nil, lg.h, lg.t, time.Time{}, time.Time{})
			if err != nil {
				return err
			}
			return picture.WriteTimeline(&buf, c, picture.Options{})
		})
	})
	b.Run("timeline-all-lanes", func(b *testing.B) {
		run(b, 0, func() error {
			c, err := picture.Timeline(nil, lg.h, lg.t, time.Time{}, time.Time{})
			if err != nil {
				return err
			}
			return picture.WriteTimeline(&buf, c.Page(0, benchItems), picture.Options{})
		})
	})
	b.Run("progress", func(b *testing.B) {
		run(b, maxProgressBytes, func() error {
			p, err := picture.Progress(nil, lg.h, lg.t, time.Time{}, time.Time{}, nil)
			if err != nil {
				return err
			}
			return picture.WriteProgress(&buf, p, picture.Options{})
		})
	})
}
