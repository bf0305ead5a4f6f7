package web_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/ledger"
	"github.com/parleyhq/parley/server"
	"github.com/parleyhq/parley/sqlite"
	"github.com/parleyhq/parley/web"
)

// Benchmark scale: a Paris-sized talks.
const (
	benchParties = 200
	benchItems   = 500
)

// benchTalks is a talks of benchParties × benchItems with a stance from
// most parties on most items, served with the web UI. It is built once per
// test binary: replaying it takes a while.
type benchTalks struct {
	dir     string
	l       *ledger.Ledger
	secret  []byte
	srv     *server.Server
	handler http.Handler
	ts      *httptest.Server
	id      string
	token   string // the mediator's session
	head    string // the session of the head of P001
	events  int
}

var (
	benchOnce sync.Once
	bench     *benchTalks
	benchErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	for _, bt := range []*benchTalks{bench, benchLang} {
		if bt != nil {
			bt.ts.Close()
			bt.srv.Close()
			os.RemoveAll(bt.dir)
		}
	}
	os.Exit(code)
}

func loadBench(b *testing.B) *benchTalks {
	b.Helper()
	benchOnce.Do(func() { bench, benchErr = buildBench("paris-scale", nil) })
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return bench
}

// buildBench builds a talks of benchParties × benchItems named id. With
// official languages, each version is tabled in all of them
// (benchTexts).
func buildBench(id string, langs []string) (*benchTalks, error) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "parley-web-bench-")
	if err != nil {
		return nil, err
	}
	st, err := sqlite.Open(ctx, filepath.Join(dir, "parley.db"))
	if err != nil {
		return nil, err
	}
	keys, err := ledger.NewKeys(filepath.Join(dir, "logkeys"))
	if err != nil {
		return nil, err
	}
	l := ledger.New(st, ledger.Config{Host: testHost, Keys: keys})
	bt := &benchTalks{dir: dir, id: id, l: l}
	key := func() ed25519.PrivateKey {
		_, k, _ := ed25519.GenerateKey(rand.Reader)
		return k
	}
	pub := func(k ed25519.PrivateKey) string { return parley.KeyString(k.Public().(ed25519.PublicKey)) }
	sign := func(k ed25519.PrivateKey, kind string, payload any) (parley.SignedEvent, error) {
		e, err := parley.NewEvent(bt.id, kind, k.Public().(ed25519.PublicKey), time.Date(2025, 11, 10, 9, 0, 0, 0, time.UTC), payload)
		if err != nil {
			return parley.SignedEvent{}, err
		}
		return parley.Sign(l.Origin(bt.id), e, k)
	}
	appendOne := func(k ed25519.PrivateKey, kind string, payload any) error {
		se, err := sign(k, kind, payload)
		if err == nil {
			_, err = l.Append(ctx, se)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", kind, err)
		}
		bt.events++
		return nil
	}
	// appendAll appends signed events from many goroutines, so that the
	// ledger commits them in groups.
	appendAll := func(ses []parley.SignedEvent) error {
		var wg sync.WaitGroup
		errs := make(chan error, 1)
		next := make(chan parley.SignedEvent)
		for range 64 {
			wg.Go(func() {
				for se := range next {
					if _, err := l.Append(ctx, se); err != nil {
						select {
						case errs <- err:
						default:
						}
					}
				}
			})
		}
		for _, se := range ses {
			next <- se
		}
		close(next)
		wg.Wait()
		bt.events += len(ses)
		select {
		case err := <-errs:
			return err
		default:
			return nil
		}
	}
	convener, mediator := key(), key()
	if err := appendOne(convener, parley.KindFoundTalks, parley.FoundTalks{Title: "Talks at Paris scale", ConvenerName: "Convener", Rule: parley.Rule{Kind: parley.RuleConsensusMinus, N: 20}, Visibility: parley.VisPublic, Languages: langs}); err != nil {
		return nil, err
	}
	if err := appendOne(convener, parley.KindAddMediator, parley.AddMediator{Key: pub(mediator), Name: "Mediator"}); err != nil {
		return nil, err
	}
	heads := make([]ed25519.PrivateKey, benchParties)
	var ses []parley.SignedEvent
	var setup []func() error
	for p := range benchParties {
		heads[p] = key()
		id := fmt.Sprintf("P%03d", p+1)
		setup = append(setup,
			func() error {
				return appendOne(mediator, parley.KindAddParty, parley.AddParty{Party: id, Name: fmt.Sprintf("Party number %d", p+1)})
			},
			func() error {
				return appendOne(mediator, parley.KindAddActor, parley.AddActor{Key: pub(heads[p]), Name: fmt.Sprintf("Head of party %d", p+1), Role: parley.RoleHead, Party: id})
			})
	}
	for _, f := range setup {
		if err := f(); err != nil {
			return nil, err
		}
	}
	if err := appendOne(mediator, parley.KindPlanRound, parley.PlanRound{Round: "s1", Title: "First session", Starts: "2025-11-10", Ends: "2025-11-21", Venue: "Paris"}); err != nil {
		return nil, err
	}
	ses = nil
	for p := range benchParties {
		se, err := sign(mediator, parley.KindInvite, parley.Invitation{Round: "s1", Party: fmt.Sprintf("P%03d", p+1)})
		if err != nil {
			return nil, err
		}
		ses = append(ses, se)
	}
	if err := appendAll(ses); err != nil {
		return nil, err
	}
	if err := appendOne(mediator, parley.KindOpenRound, parley.RoundRef{Round: "s1"}); err != nil {
		return nil, err
	}
	ses = nil
	for i := range benchItems {
		id := fmt.Sprintf("I%03d", i+1)
		version := parley.TableVersion{Item: id, Version: 1, Paragraphs: []string{fmt.Sprintf("The Parties [[shall || should]] take the measures of article %d.", i+1)}}
		if len(langs) > 0 {
			version.Paragraphs, version.Texts = nil, benchTexts(langs, i+1)
		}
		for _, ev := range []struct {
			kind    string
			payload any
		}{
			{parley.KindAddItem, parley.AddItem{Item: id, Title: fmt.Sprintf("Article %d: provisions on matter %d", i+1, i+1), Kind: parley.ItemDocument}},
			{parley.KindTableVersion, version},
		} {
			if err := appendOne(mediator, ev.kind, ev.payload); err != nil {
				return nil, err
			}
		}
	}
	rng := mrand.New(mrand.NewPCG(1, 2))
	for i := range benchItems {
		for p := range benchParties {
			s := parley.SetStance{Item: fmt.Sprintf("I%03d", i+1), Version: 1, Party: fmt.Sprintf("P%03d", p+1)}
			switch x := rng.IntN(100); {
			case x < 5:
				continue // silent
			case x < 75:
				s.Stance = parley.StanceSupport
			case x < 83:
				s.Stance = parley.StanceConditional
				s.Condition = fmt.Sprintf("agreed(I%03d) or agreed(I%03d)", rng.IntN(benchItems)+1, rng.IntN(benchItems)+1)
			case x < 90:
				s.Stance = parley.StanceOppose
			case x < 95:
				s.Stance = parley.StanceAbstain
			case x < 98:
				s.Stance = parley.StanceReserve
			default:
				s.Stance = parley.StanceAdReferendum
			}
			se, err := sign(heads[p], parley.KindSetStance, s)
			if err != nil {
				return nil, err
			}
			ses = append(ses, se)
		}
	}
	if err := appendAll(ses); err != nil {
		return nil, err
	}
	ui, err := web.New(l, web.Config{Host: testHost})
	if err != nil {
		return nil, err
	}
	bt.secret = make([]byte, 32)
	rand.Read(bt.secret)
	bt.srv = server.New(l, server.Config{Host: testHost, Secret: bt.secret, UI: ui, ReadRate: 1e6, WriteRate: 1e6, StreamsPerID: 1000})
	bt.handler = bt.srv.Handler()
	bt.ts = httptest.NewServer(bt.handler)
	if bt.token, err = signIn(bt.ts.URL, mediator); err != nil {
		return nil, err
	}
	if bt.head, err = signIn(bt.ts.URL, heads[0]); err != nil {
		return nil, err
	}
	return bt, nil
}

// get serves one request to the handler in process, as the mediator.
func (bt *benchTalks) get(b *testing.B, path string) []byte {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("Authorization", "Bearer "+bt.token)
	rec := httptest.NewRecorder()
	bt.handler.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		b.Fatalf("GET %s: status %d: %.300s", path, rec.Code, rec.Body.String())
	}
	return rec.Body.Bytes()
}

// BenchmarkPageWeights reports the weight of every page of the benchmark's
// talks, which must stay under 300 KB. It runs with the benchmarks
// (-bench), as it needs their talks.
func BenchmarkPageWeights(b *testing.B) {
	bt := loadBench(b)
	tp := "/talks/" + bt.id
	for _, p := range []struct{ name, path, token string }{
		{"overview", tp, bt.token},
		{"dashboard", tp + "/dashboard", bt.token},
		{"dashboard-explained", tp + "/dashboard?item=I001", bt.token},
		{"document", tp + "/items/I001", bt.token},
		{"workspace-delegate", tp + "/workspace", bt.head},
		{"workspace-mediator", tp + "/workspace", bt.token},
		{"timeline", tp + "/timeline", bt.token},
		{"public", tp + "/public", bt.token},
		{"verify", tp + "/verify", bt.token},
	} {
		b.Run(p.name, func(b *testing.B) {
			var n int
			for b.Loop() {
				saved := bt.token
				bt.token = p.token
				n = len(bt.get(b, p.path))
				bt.token = saved
			}
			b.ReportMetric(float64(n), "page-bytes")
			if n > 300<<10 {
				b.Errorf("%s weighs %d bytes, more than 300 KB", p.path, n)
			}
		})
	}
}

// BenchmarkDashboard measures the server's render of the mediator's
// dashboard of a talks of 200 parties × 500 items: the page, which holds a
// first page of the matrix, and the data of the whole matrix that the page's
// script renders. It reports the bytes of each.
func BenchmarkDashboard(b *testing.B) {
	bt := loadBench(b)
	path := "/talks/" + bt.id + "/dashboard"
	b.Run("page", func(b *testing.B) {
		var n int
		for b.Loop() {
			n = len(bt.get(b, path))
		}
		b.ReportMetric(float64(n), "page-bytes")
	})
	// Cold: a new UI, so that nothing of the agreement is cached, as on
	// the first view after a change.
	b.Run("page-cold", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			ui, err := web.New(bt.l, web.Config{Host: testHost})
			if err != nil {
				b.Fatal(err)
			}
			srv := server.New(bt.l, server.Config{Host: testHost, Secret: bt.secret, UI: ui, ReadRate: 1e6, WriteRate: 1e6})
			cold := &benchTalks{handler: srv.Handler(), token: bt.token}
			b.StartTimer()
			cold.get(b, path)
		}
	})
	b.Run("data", func(b *testing.B) {
		var n int
		for b.Loop() {
			n = len(bt.get(b, path+"/data"))
		}
		b.ReportMetric(float64(n), "data-bytes")
	})
	b.Run("explain", func(b *testing.B) {
		for b.Loop() {
			bt.get(b, path+"?item=I001")
		}
	})
	// The overview replays the whole record for the history of the
	// agreement.
	b.Run("overview", func(b *testing.B) {
		var n int
		for b.Loop() {
			n = len(bt.get(b, "/talks/"+bt.id))
		}
		b.ReportMetric(float64(n), "page-bytes")
	})
	b.Run("static", func(b *testing.B) {
		var n int
		for b.Loop() {
			n = 0
			for _, p := range []string{"parley.css", "js/app.js", "js/acts.js", "js/cond.js", "js/keys.js", "js/live.js", "js/matrix.js", "js/sign.js", "js/signin.js", "js/util.js", "js/verify.js"} {
				n += len(bt.get(b, "/static/"+p))
			}
		}
		b.ReportMetric(float64(n), "static-bytes")
	})
}

// BenchmarkDashboardFirstPaint loads the dashboard of 200 parties × 500
// items in headless Chromium, each time in a new browser context, and
// reports the median time to first contentful paint (from the Performance
// API) and to the whole matrix rendered from its data, and the bytes the
// page and everything it loads weigh (transfer sizes).
func BenchmarkDashboardFirstPaint(b *testing.B) {
	bt := loadBench(b)
	browser := newBrowser(b)
	url := bt.ts.URL + "/talks/" + bt.id + "/dashboard"
	var fcps, matrices []float64
	var weight, doc float64
	for b.Loop() {
		tb := newTab(b, browser, "bench")
		ctx, cancel := context.WithTimeout(tb.ctx, time.Minute)
		cookie := fmt.Sprintf(`document.cookie = "parley_session=%s; path=/"`, bt.token)
		if err := chromedp.Do(ctx, chromedp.Navigate(bt.ts.URL+"/static/parley.css"), chromedp.Evaluate[chromedp.Void](cookie), chromedp.Navigate(url)); err != nil {
			b.Fatal(err)
		}
		if err := tb.wait(`/all 500 items/.test(document.querySelector('#matrix caption')?.textContent) && !!performance.getEntriesByName('first-contentful-paint')[0] && !!performance.getEntriesByName('parley:matrix')[0]`, 30*time.Second); err != nil {
			b.Fatalf("the matrix did not render: %v", err)
		}
		m, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]float64](`(() => {
			const nav = performance.getEntriesByType('navigation')[0];
			const res = performance.getEntriesByType('resource');
			const data = res.find(r => r.name.includes('/dashboard/data'));
			return {
				fcp: performance.getEntriesByName('first-contentful-paint')[0].startTime,
				matrix: performance.getEntriesByName('parley:matrix')[0].startTime,
				doc: nav.transferSize,
				before: nav.transferSize + res.filter(r => !r.name.includes('/dashboard/data') && !r.name.includes('/stream')).reduce((k, r) => k + r.transferSize, 0),
				data: data ? data.transferSize : 0,
				dataStart: data ? data.startTime : 0,
				dataEnd: data ? data.responseEnd : 0,
				domDone: nav.domContentLoadedEventEnd,

			};
		})()`))
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("first contentful paint %.0f ms, DOMContentLoaded %.0f ms, matrix data %.0f–%.0f ms, matrix rendered %.0f ms", m["fcp"], m["domDone"], m["dataStart"], m["dataEnd"], m["matrix"])
		// The rows and columns render as they scroll into view.
		end := `(() => { const box = document.getElementById('matrix'); box.scrollTop = box.scrollHeight; box.scrollLeft = box.scrollWidth; })()`
		if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](end)); err != nil {
			b.Fatal(err)
		}
		last := fmt.Sprintf(`(() => { const r = [...document.querySelectorAll('#matrix tbody tr:not(.spacer)')].pop(); return !!r && r.querySelector('th a').textContent === 'I%03d' && r.lastElementChild.getAttribute('aria-colindex') === '%d'; })()`, benchItems, benchParties+2)
		if err := tb.wait(last, 5*time.Second); err != nil {
			b.Fatalf("scrolled to the end, the matrix does not show the last item and party: %v", err)
		}
		cancel()
		fcps = append(fcps, m["fcp"])
		matrices = append(matrices, m["matrix"])
		weight, doc = m["before"], m["doc"]
		if errs := tb.errors(); len(errs) > 0 {
			b.Fatalf("console errors: %q", errs)
		}
	}
	b.ReportMetric(median(fcps), "fcp-ms")
	b.ReportMetric(median(matrices), "matrix-ms")
	b.ReportMetric(doc, "html-bytes")
	b.ReportMetric(weight, "before-data-bytes")
	b.ReportMetric(0, "ns/op")
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}
