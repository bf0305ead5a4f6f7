package picture_test

import (
	"bytes"
	"crypto/ed25519"
	"math"
	mrand "math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/drawing/drawingtest"
	"github.com/parleyhq/parley/picture"
)

// TestFit checks the forecast on series worked by hand. For n days there
// are N = n(n−1)/2 pairwise slopes; Var(S) = [n(n−1)(2n+5) − Σ t(t−1)(2t+5)]/18
// with t the sizes of groups of equal counts, C = 1.96·√Var(S), and the
// interval runs from slope ⌊(N − C)/2⌋ to slope ⌈(N + C)/2⌉ + 1 in
// ascending order, counted from 1.
func TestFit(t *testing.T) {
	for _, tc := range []struct {
		name   string
		series []int
		window int
		want   picture.Forecast
	}{
		{
			// Every slope is −2. No ties: Var = 6·5·17/18 = 28.33, C =
			// 10.43, N = 15, ranks ⌊2.28⌋ = 2 and ⌈12.72⌉ + 1 = 14: the
			// interval is [−2, −2]. From 2 at −2 a day: zero in 1 day.
			name: "decreasing", series: []int{12, 10, 8, 6, 4, 2},
			want: picture.Forecast{Trend: picture.TrendFalling, Days: 6, First: 12, Last: 2, Slope: -2, Low: -2, High: -2, Zero: 1, Early: 1, Late: 1},
		},
		{
			// The 28 slopes in order: −4, −4, −3, −7/3, −2, −2, −1.8,
			// −5/3, −1.6, −1.5 (six times), −10/7, −4/3, −1.25, −7/6,
			// −1 (three times), −2/3, −2/3, −0.5, 1, 1, 1. Median
			// (14th and 15th) −1.5. No ties: Var = 8·7·21/18 = 65.33, C
			// = 15.84, ranks ⌊6.08⌋ = 6 and ⌈21.92⌉ + 1 = 23: [−2, −2/3].
			// From 10: zero in 10/1.5 = 6.67 days, between 10/2 = 5 and
			// 10/(2/3) = 15.
			name: "noisy falling", series: []int{20, 18, 19, 15, 16, 12, 13, 10},
			want: picture.Forecast{Trend: picture.TrendFalling, Days: 8, First: 20, Last: 10, Slope: -1.5, Low: -2, High: -2.0 / 3, Zero: 10 / 1.5, Early: 5, Late: 15},
		},
		{
			// Slopes from −3 to 4, median 0. Ties: 3, 5 and 2 twice each,
			// Var = (1176 − 3·18)/18 = 62.33, C = 15.47, ranks 6 and 23:
			// [−1, 1], which holds 0: no trend.
			name: "noisy flat", series: []int{3, 5, 2, 6, 3, 4, 5, 2},
			want: picture.Forecast{Trend: picture.TrendNone, Days: 8, First: 3, Last: 2, Slope: 0, Low: -1, High: 1},
		},
		{
			// One group of 7 ties: Var = 0, C = 0, ranks ⌊10.5⌋ = 10 and
			// ⌈10.5⌉ + 1 = 12, both 0.
			name: "flat", series: []int{5, 5, 5, 5, 5, 5, 5},
			want: picture.Forecast{Trend: picture.TrendNone, Days: 7, First: 5, Last: 5},
		},
		{
			// One group of 5 ties: Var = (510 − 300)/18 = 11.67, C = 6.69,
			// N = 15, ranks ⌊4.15⌋ = 4 and ⌈10.85⌉ + 1 = 12. The slopes:
			// −1, −1/2, −1/3, −1/4, −1/5 and ten zeros: [−1/4, 0].
			name: "one step down", series: []int{5, 5, 5, 5, 5, 4},
			want: picture.Forecast{Trend: picture.TrendNone, Days: 6, First: 5, Last: 4, Slope: 0, Low: -0.25, High: 0},
		},
		{
			name: "rising", series: []int{1, 2, 3, 4, 5, 6},
			want: picture.Forecast{Trend: picture.TrendRising, Days: 6, First: 1, Last: 6, Slope: 1, Low: 1, High: 1},
		},
		{
			// n = 5 without ties: Var = 5·4·15/18 = 16.67, C = 8.0016, N
			// = 10, rank ⌊0.999⌋ = 0: too few days, however straight.
			name: "too short", series: []int{5, 4, 3, 2, 1},
			want: picture.Forecast{Trend: picture.TrendTooShort, Days: 5, First: 5, Last: 1},
		},
		{
			// The Moscow round, 6 to 10 April: one tie (1, 1), Var =
			// (300 − 18)/18 = 15.67, C = 7.76, N = 10, ranks ⌊1.12⌋ = 1
			// and ⌈8.88⌉ + 1 = 10: the least and the greatest slope, −1
			// and 2; median 0.5.
			name: "moscow", series: []int{1, 1, 0, 2, 3},
			want: picture.Forecast{Trend: picture.TrendNone, Days: 5, First: 1, Last: 3, Slope: 0.5, Low: -1, High: 2},
		},
		{name: "nothing open", series: []int{4, 2, 0}, want: picture.Forecast{Trend: picture.TrendNoneOpen, Days: 3, First: 4, Last: 0}},
		{name: "one day", series: []int{4}, want: picture.Forecast{Trend: picture.TrendTooShort, Days: 1, First: 4, Last: 4}},
		{name: "no days", series: nil, want: picture.Forecast{Trend: picture.TrendTooShort}},
		{
			// At most MaxFitDays are read: the first day of a long
			// falling series is left out.
			name: "long", series: func() []int {
				s := make([]int, picture.MaxFitDays+1)
				for d := range s {
					s[d] = 2*len(s) - 2*d
				}
				return s
			}(),
			want: picture.Forecast{Trend: picture.TrendFalling, Days: picture.MaxFitDays, First: 2 * picture.MaxFitDays, Last: 2, Slope: -2, Low: -2, High: -2, Zero: 1, Early: 1, Late: 1},
		},
		{
			// Only the last 6 days count: 12 … 2 as in "decreasing".
			name: "window", series: []int{0, 0, 50, 40, 30, 12, 10, 8, 6, 4, 2}, window: 6,
			want: picture.Forecast{Trend: picture.TrendFalling, Days: 6, First: 12, Last: 2, Slope: -2, Low: -2, High: -2, Zero: 1, Early: 1, Late: 1},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := picture.Fit(tc.series, tc.window)
			if !sameForecast(got, tc.want) {
				t.Errorf("Fit(%v) = %+v, want %+v", tc.series, got, tc.want)
			}
		})
	}
}

func sameForecast(a, b picture.Forecast) bool {
	near := func(x, y float64) bool { return math.Abs(x-y) < 1e-9 }
	return a.Trend == b.Trend && a.Days == b.Days && a.First == b.First && a.Last == b.Last &&
		near(a.Slope, b.Slope) && near(a.Low, b.Low) && near(a.High, b.High) &&
		near(a.Zero, b.Zero) && near(a.Early, b.Early) && near(a.Late, b.Late)
}

// TestForecastWords checks the dates and sentences of forecasts.
func TestForecastWords(t *testing.T) {
	last := time.Date(2015, 4, 10, 0, 0, 0, 0, time.UTC)
	f := picture.Fit([]int{20, 18, 19, 15, 16, 12, 13, 10}, 0)
	zero, early, late := f.Dates(last)
	for _, c := range []struct {
		got  time.Time
		want string
	}{{zero, "2015-04-17"}, {early, "2015-04-15"}, {late, "2015-04-25"}} {
		if c.got.Format(time.DateOnly) != c.want {
			t.Errorf("date %s, want %s", c.got.Format(time.DateOnly), c.want)
		}
	}
	for _, tc := range []struct {
		series []int
		want   string
	}{
		{[]int{20, 18, 19, 15, 16, 12, 13, 10}, "At the pace of the last 8 days, −1.5 a day (95% interval −2 to −0.67), the 10 open items would reach zero between 15 April 2015 and 25 April 2015, most likely on 17 April 2015."},
		{[]int{12, 10, 8, 6, 4, 2}, "the 2 open items would reach zero on 11 April 2015."},
		{[]int{1, 1, 0, 2, 3}, "No trend: over the last 5 days open items changed by +0.5 a day (95% interval −1 to +2)"},
		{[]int{1, 2, 3, 4, 5, 6}, "Rising: over the last 6 days open items grew by +1 a day"},
		{[]int{5, 4, 3, 2, 1}, "5 days are too few to tell a trend; open items went from 5 to 1."},
		{[]int{3, 0}, "No open items on 10 April 2015."},
	} {
		if got := picture.Fit(tc.series, 0).Words(nil, picture.CountItems, last); !strings.Contains(got, tc.want) {
			t.Errorf("Words of %v = %q, want it to hold %q", tc.series, got, tc.want)
		}
	}
}

// TestBrackets checks that brackets are counted as the holds count them.
func TestBrackets(t *testing.T) {
	for _, tc := range []struct {
		paragraphs []string
		want       int
	}{
		{[]string{"No brackets."}, 0},
		{[]string{"The parties [[shall || should]] act [[soon]]."}, 2},
		{[]string{"Nested [[a [[b || c]] || d]]."}, 2},
		{[]string{"Broken [[markup"}, 1},
		{[]string{"[[x]]", "plain", "[[y || z]]"}, 2},
	} {
		if got := picture.Brackets(tc.paragraphs); got != tc.want {
			t.Errorf("Brackets(%q) = %d, want %d", tc.paragraphs, got, tc.want)
		}
	}
}

// TestMoscowProgress checks the days of the Moscow round: D1 open on
// days 1 and 2 with one bracket in version 1 until version 2 on day 2,
// agreed on day 3, the measures tabled on day 4, D1 lost on day 5.
func TestMoscowProgress(t *testing.T) {
	m := loadMoscow(t)
	p, err := picture.Progress(nil, m.h, m.t, moscowDay(6), moscowDay(10), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []picture.Day{
		{Date: moscowDay(6), Items: 1, Open: 1, Brackets: 1},
		{Date: moscowDay(7), Items: 1, Open: 1},
		{Date: moscowDay(8), Items: 1, Open: 0},
		{Date: moscowDay(9), Items: 3, Open: 2},
		{Date: moscowDay(10), Items: 3, Open: 3},
	}
	if !slices.Equal(p.Days, want) {
		t.Errorf("days %+v, want %+v", p.Days, want)
	}
	// What the record says of "another week": open items rose.
	if p.Items.Trend != picture.TrendNone || p.Items.Slope != 0.5 || p.Brackets.Trend != picture.TrendNoneOpen {
		t.Errorf("forecasts: items %+v, brackets %+v; want no trend at +0.5 a day, no brackets open", p.Items, p.Brackets)
	}
	// The whole talks: the forecast fits the days on which the talks had
	// an item (6 to 10 April), not the empty days since January.
	all, err := picture.Progress(nil, m.h, m.t, time.Time{}, time.Time{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !sameForecast(all.Items, p.Items) {
		t.Errorf("the forecast of the whole talks %+v, want that of the round %+v", all.Items, p.Items)
	}
	var buf bytes.Buffer
	if err := picture.WriteProgress(&buf, p, picture.Options{}); err != nil {
		t.Fatal(err)
	}
	checkSVG(t, buf.String())
	if s := "No trend: over the last 5 days open items changed by +0.5 a day"; !strings.Contains(buf.String(), s) {
		t.Errorf("the chart does not say %q", s)
	}
	golden(t, "moscow-progress.svg", buf.String())
}

// TestProgressRange checks the ranges a progress chart refuses, and a
// count of divergences given by the caller.
func TestProgressRange(t *testing.T) {
	m := loadMoscow(t)
	for _, tc := range []struct {
		name     string
		from, to time.Time
	}{
		{"ends before it starts", moscowDay(10), moscowDay(6)},
		{"too long", moscowDay(1), moscowDay(1).AddDate(11, 0, 0)},
	} {
		if _, err := picture.Progress(nil, m.h, m.t, tc.from, tc.to, nil); parley.ErrorCode(err) != parley.EINVALID {
			t.Errorf("Progress %s: %v, want an invalid range", tc.name, err)
		}
	}
	if _, err := picture.Progress(nil, m.h, nil, time.Time{}, time.Time{}, nil); parley.ErrorCode(err) != parley.EINTERNAL {
		t.Errorf("Progress without a view: %v", err)
	}
	// A divergence count per day, as the language versions will give it.
	p, err := picture.Progress(nil, m.h, m.t, moscowDay(6), moscowDay(10), func(d time.Time) int { return 10 - d.Day() })
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	for _, d := range p.Days {
		got = append(got, d.Divergences)
	}
	if !slices.Equal(got, []int{4, 3, 2, 1, 0}) || p.Divergences.Trend != picture.TrendNoneOpen {
		t.Errorf("divergences %v (%s), want 4 3 2 1 0, none open", got, p.Divergences.Trend)
	}
}

// TestDivergences checks the open divergences per day of a talks in
// English and Arabic: two flags raised on days 2 and 3, one withdrawn on
// day 4 (the view does not date a withdrawal: the stance taken after it
// that day does), and a new version on day 5 that none is flagged on. The
// divergences hold the item in the blocking graph too.
func TestDivergences(t *testing.T) {
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	tk := &talks{id: "langs", keys: map[string]ed25519.PrivateKey{}, clock: start}
	tk.act("convener", parley.KindFoundTalks, parley.FoundTalks{Title: "Bilingual talks", ConvenerName: "The Host", Rule: parley.Rule{Kind: parley.RuleConsensus}, Visibility: parley.VisPublic, Languages: []string{"en", "ar"}})
	tk.act("convener", parley.KindAddMediator, parley.AddMediator{Key: tk.pub("mediator"), Name: "Ana Mediator"})
	tk.act("mediator", parley.KindAddParty, parley.AddParty{Party: party(0), Name: "وفد الحكومة"})
	tk.act("mediator", parley.KindAddActor, parley.AddActor{Key: tk.pub(party(0)), Name: "Head", Role: parley.RoleHead, Party: party(0)})
	tk.round("r1", 1, 5)
	tk.act("mediator", parley.KindAddItem, parley.AddItem{Item: "T1", Title: "وقف إطلاق النار", Kind: parley.ItemDocument})
	texts := map[string][]string{"en": {"The parties cease fire.", "Aid passes."}, "ar": {"توقف الأطراف إطلاق النار.", "تمر المساعدات."}}
	tk.act("mediator", parley.KindTableVersion, parley.TableVersion{Item: "T1", Version: 1, Texts: texts})
	tk.stance(party(0), "T1", 1, parley.StanceSupport, "")
	for d, flag := range []string{"f1", "f2"} {
		tk.nextDay()
		tk.act(party(0), parley.KindFlagDivergence, parley.FlagDivergence{Item: "T1", Version: 1, Flag: flag, Party: party(0), Paragraph: d + 1, Langs: [2]string{"en", "ar"}, Note: "They differ."})
	}
	tk.nextDay()
	tk.act(party(0), parley.KindWithdrawDivergence, parley.WithdrawDivergence{Item: "T1", Flag: "f1", Party: party(0)})
	tk.stance(party(0), "T1", 1, parley.StanceReserve, "")
	b := tk.build(t)
	g, err := picture.Blocking(nil, b.res, b.t, "T1", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, n := range g.Nodes {
		ids = append(ids, n.ID+" "+n.Title)
	}
	if want := []string{"T1 وقف إطلاق النار", "hold:T1:open_divergence 1 open divergence", "party:P001 وفد الحكومة"}; !slices.Equal(ids, append([]string{"item:" + want[0]}, want[1:]...)) {
		t.Errorf("nodes %q, want T1 held by one open divergence and reserved by P001", ids)
	}
	tk.nextDay()
	tk.act("mediator", parley.KindTableVersion, parley.TableVersion{Item: "T1", Version: 2, Texts: texts})
	b = tk.build(t)
	p, err := picture.Progress(nil, b.h, b.t, time.Time{}, time.Time{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	for _, d := range p.Days {
		got = append(got, d.Divergences)
	}
	if !slices.Equal(got, []int{0, 1, 2, 1, 0}) {
		t.Errorf("open divergences by day %v, want 0 1 2 1 0", got)
	}
	var buf bytes.Buffer
	if err := picture.WriteProgress(&buf, p, picture.Options{Dir: "rtl"}); err != nil {
		t.Fatal(err)
	}
	checkSVG(t, buf.String())
}

func randomProgress(r *mrand.Rand) *picture.ProgressChart {
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p := &picture.ProgressChart{Talks: pick(r, nasty), From: from}
	n := 1 + r.IntN(200)
	scale := pick(r, []int{1, 10, 1000, 1 << 40})
	series := make([][]int, 3)
	for d := range n {
		day := picture.Day{Date: from.AddDate(0, 0, d), Items: r.IntN(scale), Open: r.IntN(scale), Brackets: r.IntN(scale), Divergences: r.IntN(scale)}
		if r.IntN(3) == 0 {
			day.Open = max(0, scale-d*r.IntN(3))
		}
		p.Days = append(p.Days, day)
		series[0] = append(series[0], day.Open)
		series[1] = append(series[1], day.Brackets)
		series[2] = append(series[2], day.Divergences)
	}
	p.To = p.Days[n-1].Date
	p.Items, p.Brackets, p.Divergences = picture.Fit(series[0], 14), picture.Fit(series[1], 0), picture.Fit(series[2], 3)
	for range r.IntN(3) {
		p.Rounds = append(p.Rounds, picture.RoundSpan{Title: pick(r, nasty), From: from.AddDate(0, 0, r.IntN(n)), To: from.AddDate(0, 0, r.IntN(n))})
	}
	return p
}

// TestProgressSVGWellFormed writes random progress charts, in both directions, and checks that each
// is a well-formed picture.
func TestProgressSVGWellFormed(t *testing.T) {
	for seed := range uint64(300) {
		r := mrand.New(mrand.NewPCG(seed, 7))
		var buf bytes.Buffer
		if err := picture.WriteProgress(&buf, randomProgress(r), picture.Options{Dir: pick(r, []string{"", "rtl", "ltr"}), ID: pick(r, []string{"", "p1-", `"><x`})}); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if err := drawingtest.Check(buf.String()); err != nil {
			t.Fatalf("seed %d: %v in:\n%s", seed, err, buf.String())
		}
	}
}
