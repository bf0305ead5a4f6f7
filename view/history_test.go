package view

import (
	"context"
	"crypto/ed25519"
	"math/rand/v2"
	"reflect"
	"sync"
	"testing"

	"github.com/parleyhq/parley"
)

// TestHistoriesConcurrent asks one cache, from many goroutines at once,
// for the histories of viewers who see different events (the public,
// who does not see oppB's stances, and the mediator), of the talks now
// and as it was at many points; each must be the history replayed afresh
// for that viewer, whatever the others asked for meanwhile.
func TestHistoriesConcurrent(t *testing.T) {
	l, id, keys := pastTalks(t, t.TempDir(), 6)
	ctx := context.Background()
	viewers := []string{"", parley.KeyString(keys["mediator"].Public().(ed25519.PublicKey)), parley.KeyString(keys["oppA"].Public().(ed25519.PublicKey))}
	var size int64
	if tv, err := Load(ctx, l, id, "", -1); err != nil {
		t.Fatal(err)
	} else {
		size = tv.Size
	}
	type ask struct {
		viewer string
		at     int64
	}
	want := map[ask]*History{}
	var asks []ask
	for _, v := range viewers {
		for at := size / 2; at < size; at++ {
			a := ask{v, at}
			if at == size-1 {
				a.at = -1
			}
			tv, err := Load(ctx, l, id, v, a.at)
			if err != nil {
				t.Fatal(err)
			}
			var none *Histories
			h, err := none.Of(ctx, tv, StoreSource(l, id))
			if err != nil {
				t.Fatal(err)
			}
			want[a], asks = h, append(asks, a)
		}
	}
	var hs Histories
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(g), 1))
			for range 60 {
				a := asks[r.IntN(len(asks))]
				tv, err := Load(ctx, l, id, a.viewer, a.at)
				if err != nil {
					t.Error(err)
					return
				}
				h, err := hs.Of(ctx, tv, StoreSource(l, id))
				if err != nil {
					t.Error(err)
					return
				}
				for _, tr := range h.Transitions {
					if tr.Index >= tv.Size || (tr.Event != nil && !tv.Visible(tr.Index)) {
						t.Errorf("viewer %.8q at %d: a transition at event %d, which it may not see", a.viewer, a.at, tr.Index)
						return
					}
				}
				if !reflect.DeepEqual(h.Transitions, want[a].Transitions) {
					t.Errorf("viewer %.8q at %d: the history from the shared cache differs from the history replayed afresh", a.viewer, a.at)
					return
				}
			}
		})
	}
	wg.Wait()
}
