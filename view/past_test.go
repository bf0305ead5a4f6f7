package view

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/ledger"
	"github.com/parleyhq/parley/sqlite"
	"github.com/parleyhq/parley/state"
)

// pastTalks appends a talks to a fresh SQLite record in dir: a mediator,
// three parties, items, stances some of which only the mediators see. It
// returns the ledger, the talks and the actors' keys.
func pastTalks(t testing.TB, dir string, items int) (*ledger.Ledger, string, map[string]ed25519.PrivateKey) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	lk, err := ledger.NewKeys(filepath.Join(dir, "logkeys"))
	if err != nil {
		t.Fatal(err)
	}
	l := ledger.New(st, ledger.Config{Host: "past.parley.localhost", Keys: lk})
	const id = "past"
	keys := map[string]ed25519.PrivateKey{}
	key := func(n string) ed25519.PrivateKey {
		if keys[n] == nil {
			_, keys[n], _ = ed25519.GenerateKey(rand.Reader)
		}
		return keys[n]
	}
	pub := func(n string) string { return parley.KeyString(key(n).Public().(ed25519.PublicKey)) }
	clock := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	act := func(by, kind, vis string, payload any) {
		t.Helper()
		clock = clock.Add(time.Minute)
		e, err := parley.NewEvent(id, kind, key(by).Public().(ed25519.PublicKey), clock, payload)
		if err != nil {
			t.Fatal(err)
		}
		e.Vis = vis
		se, err := parley.Sign(l.Origin(id), e, key(by))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := l.Append(ctx, se); err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
	}
	act("convener", parley.KindFoundTalks, "", parley.FoundTalks{Title: "Past", ConvenerName: "Host", Rule: parley.Rule{Kind: parley.RuleConsensus}, Visibility: parley.VisPublic})
	act("convener", parley.KindAddMediator, "", parley.AddMediator{Key: pub("mediator"), Name: "Mediator"})
	parties := []string{"gov", "oppA", "oppB"}
	for _, p := range parties {
		act("mediator", parley.KindAddParty, "", parley.AddParty{Party: p, Name: "Delegation " + p})
		act("mediator", parley.KindAddActor, "", parley.AddActor{Key: pub(p), Name: "Head of " + p, Role: parley.RoleHead, Party: p})
	}
	act("mediator", parley.KindPlanRound, "", parley.PlanRound{Round: "r1", Title: "Round 1", Starts: "2026-03-02", Ends: "2026-03-06", Venue: "Geneva"})
	for _, p := range parties {
		act("mediator", parley.KindInvite, "", parley.Invitation{Round: "r1", Party: p})
	}
	act("mediator", parley.KindOpenRound, "", parley.RoundRef{Round: "r1"})
	for i := range items {
		it := fmt.Sprintf("D%d", i+1)
		act("mediator", parley.KindAddItem, "", parley.AddItem{Item: it, Title: "Article " + it, Kind: parley.ItemDocument})
		act("mediator", parley.KindTableVersion, "", parley.TableVersion{Item: it, Version: 1, Paragraphs: []string{"The parties agree on " + it + "."}})
		for k, p := range parties {
			vis := ""
			if k == 2 {
				vis = parley.VisMediators
			}
			act(p, parley.KindSetStance, vis, parley.SetStance{Item: it, Version: 1, Party: p, Stance: parley.StanceSupport, Reason: "because " + p})
		}
	}
	return l, id, keys
}

func forgetPasts() {
	pasts.mu.Lock()
	pasts.entries = nil
	pasts.mu.Unlock()
}

// TestPastKept: a view of the past built from a kept state is the view
// replayed afresh, for every event and every viewer; the state is
// replayed once for all of them.
func TestPastKept(t *testing.T) {
	l, id, keys := pastTalks(t, t.TempDir(), 4)
	ctx := context.Background()
	var size int64
	l.View(ctx, id, func(st *state.Talks, _ parley.Checkpoint) error { size = st.Size; return nil })
	viewers := []string{"", parley.KeyString(keys["mediator"].Public().(ed25519.PublicKey)), parley.KeyString(keys["oppB"].Public().(ed25519.PublicKey))}
	for at := int64(0); at < size-1; at++ {
		forgetPasts()
		var fresh []*Talks
		for _, v := range viewers {
			forgetPasts()
			tv, err := Load(ctx, l, id, v, at)
			if err != nil {
				t.Fatalf("at=%d: %v", at, err)
			}
			fresh = append(fresh, tv)
		}
		if n := len(pasts.entries); n != 1 {
			t.Fatalf("at=%d: %d states kept, want 1", at, n)
		}
		kept := pasts.entries[0].st
		for i, v := range viewers {
			tv, err := Load(ctx, l, id, v, at)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(tv, fresh[i]) {
				t.Errorf("at=%d, viewer %d: the view from the kept state differs from the view replayed", at, i)
			}
		}
		if len(pasts.entries) != 1 || pasts.entries[0].st != kept {
			t.Errorf("at=%d: the views did not all come from the state kept", at)
		}
	}
}

// TestPastConcurrent builds views of one point of the past for several
// viewers at once; under the race detector it fails if building a view
// writes to the state they share.
func TestPastConcurrent(t *testing.T) {
	l, id, keys := pastTalks(t, t.TempDir(), 4)
	forgetPasts()
	var wg sync.WaitGroup
	for _, n := range []string{"", "mediator", "gov", "oppA", "oppB", "convener"} {
		v := ""
		if n != "" {
			v = parley.KeyString(keys[n].Public().(ed25519.PublicKey))
		}
		for range 3 {
			wg.Go(func() {
				tv, err := Load(context.Background(), l, id, v, 20)
				if err != nil || tv.At != 20 {
					t.Errorf("%s: %v", n, err)
					return
				}
				if _, err := tv.Evaluate(); err != nil {
					t.Errorf("%s: %v", n, err)
				}
			})
		}
	}
	wg.Wait()
}

// TestReplayBusy: while every replay slot is taken, a view of a point of
// the past not kept waits ReplayWait and is refused as unavailable; one
// kept is answered; once a slot is free, the refused one is answered.
func TestReplayBusy(t *testing.T) {
	l, id, _ := pastTalks(t, t.TempDir(), 4)
	ctx := context.Background()
	forgetPasts()
	if _, err := Load(ctx, l, id, "", 10); err != nil {
		t.Fatal(err)
	}
	old := ReplayWait
	ReplayWait = 50 * time.Millisecond
	defer func() { ReplayWait = old }()
	for range cap(pasts.slots) {
		pasts.slots <- struct{}{}
	}
	start := time.Now()
	_, err := Load(ctx, l, id, "", 12)
	if parley.ErrorCode(err) != parley.EUNAVAILABLE {
		t.Errorf("with every slot taken: %v, want unavailable", err)
	}
	if d := time.Since(start); d < ReplayWait {
		t.Errorf("refused after %v, before ReplayWait", d)
	}
	if _, err := Load(ctx, l, id, "", 10); err != nil {
		t.Errorf("a kept point with every slot taken: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := Load(cctx, l, id, "", 13); err == nil {
		t.Errorf("a cancelled request waiting for a slot was answered")
	}
	for range cap(pasts.slots) {
		<-pasts.slots
	}
	if _, err := Load(ctx, l, id, "", 12); err != nil {
		t.Errorf("with a slot free: %v", err)
	}
}

// TestPastBounds: at most pastKeep states are kept, the least recently
// used forgotten first.
func TestPastBounds(t *testing.T) {
	l, id, _ := pastTalks(t, t.TempDir(), 4)
	ctx := context.Background()
	forgetPasts()
	for at := int64(0); at < pastKeep+3; at++ {
		if _, err := Load(ctx, l, id, "", at); err != nil {
			t.Fatal(err)
		}
		if at == pastKeep-2 {
			// Using the first keeps it past the others.
			if _, err := Load(ctx, l, id, "", 0); err != nil {
				t.Fatal(err)
			}
		}
	}
	var ats []int64
	for _, e := range pasts.entries {
		ats = append(ats, e.key.at)
	}
	if len(ats) != pastKeep {
		t.Fatalf("%d states kept (%v), want %d", len(ats), ats, pastKeep)
	}
	want := map[int64]bool{0: true}
	for at := int64(pastKeep + 2); len(want) < pastKeep; at-- {
		want[at] = true
	}
	for _, at := range ats {
		if !want[at] {
			t.Errorf("kept %v, want %v", ats, want)
			break
		}
	}
}

// benchTalks builds the talks of the benchmarks, about 10,000 events
// (2,000 items), in /dev/shm where a sync costs nothing, so that building
// it is quick; it returns the ledger, the talks and its size.
func benchTalks(b *testing.B) (*ledger.Ledger, string, int64) {
	dir := b.TempDir()
	if shm, err := os.MkdirTemp("/dev/shm", "parley-past-"); err == nil {
		dir = shm
		b.Cleanup(func() { os.RemoveAll(shm) })
	}
	l, id, _ := pastTalks(b, dir, 2000)
	var size int64
	l.View(context.Background(), id, func(st *state.Talks, _ parley.Checkpoint) error { size = st.Size; return nil })
	return l, id, size
}

// BenchmarkPastView: a view of a talks of about 10,000 events as it was
// half way, replayed afresh each time against built from the state kept.
func BenchmarkPastView(b *testing.B) {
	l, id, size := benchTalks(b)
	ctx := context.Background()
	at := size / 2
	for _, kept := range []bool{false, true} {
		name := "replayed"
		if kept {
			name = "kept"
		}
		b.Run(name, func(b *testing.B) {
			forgetPasts()
			if kept {
				if _, err := Load(ctx, l, id, "", at); err != nil {
					b.Fatal(err)
				}
			}
			for b.Loop() {
				if !kept {
					forgetPasts()
				}
				if _, err := Load(ctx, l, id, "", at); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(size), "events")
		})
	}
}

// BenchmarkNowUnderPastFlood: the view of the talks as it is now, while
// eight clients ask without pause for views of points of the past that
// are not kept; with the replays limited to their slots (as served) and
// with as many at once as are asked (as before the limit).
func BenchmarkNowUnderPastFlood(b *testing.B) {
	l, id, size := benchTalks(b)
	ctx := context.Background()
	limited := pasts.slots
	defer func() { pasts.slots = limited }()
	for _, name := range []string{"limited", "unlimited"} {
		b.Run(name, func(b *testing.B) {
			pasts.slots = limited
			if name == "unlimited" {
				pasts.slots = make(chan struct{}, 64)
			}
			stop := make(chan struct{})
			var wg sync.WaitGroup
			for g := range 8 {
				wg.Go(func() {
					for k := int64(0); ; k++ {
						select {
						case <-stop:
							return
						default:
						}
						forgetPasts()
						Load(ctx, l, id, "", size/4+(k*8+int64(g))%(size/2))
					}
				})
			}
			time.Sleep(200 * time.Millisecond)
			for b.Loop() {
				if _, err := Load(ctx, l, id, "", -1); err != nil {
					b.Fatal(err)
				}
			}
			close(stop)
			wg.Wait()
		})
	}
}

// BenchmarkNowHistoryUnderPastFlood: the view of now with its history of
// the agreement, from one shared cache, as the dashboard builds them,
// quiet and while eight clients ask without pause for views of the past
// with their histories (each a replay: views of the past take turns in
// the replay slots, and their histories neither evict those of now nor
// make them wait).
func BenchmarkNowHistoryUnderPastFlood(b *testing.B) {
	l, id, size := benchTalks(b)
	ctx := context.Background()
	var hs Histories
	now := func() error {
		t, err := Load(ctx, l, id, "", -1)
		if err != nil {
			return err
		}
		_, err = hs.Of(ctx, t, StoreSource(l, id))
		return err
	}
	if err := now(); err != nil { // the history of now, replayed once
		b.Fatal(err)
	}
	for _, flood := range []bool{false, true} {
		name := "quiet"
		if flood {
			name = "flood"
		}
		b.Run(name, func(b *testing.B) {
			stop := make(chan struct{})
			var wg sync.WaitGroup
			if flood {
				for g := range 8 {
					wg.Go(func() {
						for k := int64(0); ; k++ {
							select {
							case <-stop:
								return
							default:
							}
							forgetPasts()
							t, err := Load(ctx, l, id, "", size/4+(k*8+int64(g))%(size/2))
							if err == nil {
								hs.Of(ctx, t, StoreSource(l, id))
							}
						}
					})
				}
				time.Sleep(200 * time.Millisecond)
			}
			for b.Loop() {
				if err := now(); err != nil {
					b.Fatal(err)
				}
			}
			close(stop)
			wg.Wait()
		})
	}
}
