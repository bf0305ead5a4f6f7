package picture

import (
	"math"
	"sort"
	"strings"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/document"
	"github.com/parleyhq/parley/i18n"
	"github.com/parleyhq/parley/state"
	"github.com/parleyhq/parley/view"
)

// FitDays is the number of days, the latest, that a forecast fits: the
// pace of the last two weeks. MaxFitDays bounds the days Fit reads, as
// its work grows with the square of their number.
const (
	FitDays    = 14
	MaxFitDays = 1000
)

// A ProgressChart is what stays open, day by day, and a forecast of when
// it reaches zero at the pace so far.
type ProgressChart struct {
	Talks    string
	From, To time.Time
	Rounds   []RoundSpan
	Days     []Day
	// The forecasts of the open items, the open brackets and the open
	// divergences, each fitted to the last FitDays days of the range on
	// which the talks had an item.
	Items, Brackets, Divergences Forecast
	Truncated                    bool // the history stops before the log's end (view.History)
	lang                         *i18n.Printer
}

// A Day is what is open at the end of one day (UTC).
type Day struct {
	Date  time.Time
	Items int // items on the agenda
	// Open counts the items not agreed; Brackets the open brackets in
	// the latest version of every item (nested ones included, as
	// document.Paragraph.Brackets counts them); Divergences the open
	// divergence flags between its language texts.
	Open, Brackets, Divergences int
}

// Progress builds the progress chart of the view t, its words in the
// language lang, from the history h of the same viewer, between the days from and to (zero: as for Timeline).
// The open divergences of a day are the divergence flags the viewer sees
// on the latest version of each item, raised before the day's end and not
// withdrawn by then (the view does not date a withdrawal: it counts as of
// the first dated event after it, or, when none follows, the latest
// before it); divergences, if not nil, gives them instead.
func Progress(lang *i18n.Printer, h *view.History, t *view.Talks, from, to time.Time, divergences func(day time.Time) int) (*ProgressChart, error) {
	if h == nil || t == nil {
		return nil, parley.Errorf(parley.EINTERNAL, "a progress chart needs the history of a view and the view")
	}
	as := anchors(t, h)
	from, to, err := span(t, as, from, to)
	if err != nil {
		return nil, err
	}
	p := &ProgressChart{Talks: t.ID, From: from, To: to, Rounds: clipRounds(rounds(t), from, to), Truncated: h.Truncated, lang: printer(lang)}
	n := int(to.Sub(from)/dayLen) + 1
	p.Days = make([]Day, n)
	for d := range p.Days {
		p.Days[d].Date = from.Add(time.Duration(d) * dayLen)
	}
	// The transitions in the order of time.
	trs := append([]view.Transition(nil), h.Transitions...)
	sort.SliceStable(trs, func(i, j int) bool { return trs[i].At.Before(trs[j].At) })
	agreed := map[string]bool{}
	next := 0
	type item struct {
		start    time.Time
		versions []*state.Version
		v        int // versions dated before the end of the day
	}
	items := make([]*item, len(t.Items))
	for k, it := range t.Items {
		vs := append([]*state.Version(nil), it.Versions...)
		sort.SliceStable(vs, func(i, j int) bool { return vs[i].At.Before(vs[j].At) })
		items[k] = &item{start: itemStart(as, it.Added, t.Founded), versions: vs}
	}
	brackets := map[*state.Version]int{}
	for d := range p.Days {
		end := p.Days[d].Date.Add(dayLen)
		for next < len(trs) && trs[next].At.Before(end) {
			agreed[trs[next].Item] = trs[next].Agreed
			next++
		}
		day := &p.Days[d]
		for k, it := range items {
			if !it.start.Before(end) {
				continue
			}
			day.Items++
			if !agreed[t.Items[k].ID] {
				day.Open++
			}
			for it.v < len(it.versions) && it.versions[it.v].At.Before(end) {
				it.v++
			}
			if it.v > 0 {
				v := it.versions[it.v-1]
				c, ok := brackets[v]
				if !ok {
					c = Brackets(v.Paragraphs)
					brackets[v] = c
				}
				day.Brackets += c
				for _, f := range v.Flags {
					if f.At.Before(end) && (f.Withdrawn == 0 || !after(as, f.Withdrawn).Before(end)) {
						day.Divergences++
					}
				}
			}
		}
		if divergences != nil {
			day.Divergences = max(0, divergences(day.Date))
		}
	}
	first := 0
	for first < len(p.Days) && p.Days[first].Items == 0 {
		first++
	}
	series := func(f func(Day) int) []int {
		out := make([]int, 0, len(p.Days)-first)
		for _, d := range p.Days[first:] {
			out = append(out, f(d))
		}
		return out
	}
	p.Items = Fit(series(func(d Day) int { return d.Open }), FitDays)
	p.Brackets = Fit(series(func(d Day) int { return d.Brackets }), FitDays)
	p.Divergences = Fit(series(func(d Day) int { return d.Divergences }), FitDays)
	return p, nil
}

// Brackets counts the open brackets of a version as the agreement's holds
// do: the brackets of each paragraph, nested ones included, and one for a
// paragraph that opens a bracket but does not read as markup.
func Brackets(paragraphs []string) int {
	n := 0
	for _, p := range paragraphs {
		if !strings.Contains(p, "[[") {
			continue
		}
		if par, err := document.Parse(p); err == nil {
			n += par.Brackets()
		} else {
			n++
		}
	}
	return n
}

// Trends of a forecast.
const (
	TrendNoneOpen = "none_open" // nothing open on the last day
	TrendTooShort = "too_short" // too few days to tell a trend
	TrendNone     = "no_trend"  // the fall is not significant
	TrendRising   = "rising"    // a significant rise
	TrendFalling  = "falling"   // a significant fall: a date can be given
)

// A Forecast is the pace of a daily count and when it reaches zero at that
// pace, as Fit computes it.
type Forecast struct {
	Trend       string
	Days        int // days fitted
	First, Last int // the count on the first and on the last day fitted
	// Slope is the Theil–Sen slope (change per day); Low and High bound
	// its 95% confidence interval (Sen's, from Kendall's S); all zero
	// when the trend is none_open or too_short.
	Slope, Low, High float64
	// For a falling count: days from the last day until zero at the
	// slope (Zero), at the steepest slope of the interval (Early) and at
	// its shallowest (Late).
	Zero, Early, Late float64
}

// z975 is the 0.975 quantile of the standard normal distribution.
const z975 = 1.959963984540054

// Fit fits the pace of the last window days of a daily series (all of it
// when window ≤ 0, at most MaxFitDays), days 0, 1, … n−1:
//
//   - the slope is the Theil–Sen estimator, the median of the slopes
//     (y_j − y_i)/(j − i) over all pairs of days i < j;
//   - its 95% confidence interval is Sen's: with N = n(n−1)/2 slopes in
//     ascending order and C = 1.96·√Var(S), where
//     Var(S) = [n(n−1)(2n+5) − Σ t(t−1)(2t+5)]/18 is the variance of
//     Kendall's S under no trend (t the sizes of groups of equal counts),
//     the interval runs from the ⌊(N − C)/2⌋-th slope to the
//     (⌈(N + C)/2⌉ + 1)-th, counted from 1; when either rank falls
//     outside 1…N the days are too few (without ties, fewer than 6);
//   - the count falls when the whole interval is below zero, rises when
//     it is above zero, and otherwise shows no trend;
//   - a falling count reaches zero Last/−Slope days after the last day,
//     between Last/−Low and Last/−High days at the ends of the interval:
//     the forecast starts from where the count stands, not from the
//     fitted line.
func Fit(series []int, window int) Forecast {
	if window <= 0 || window > MaxFitDays {
		window = MaxFitDays
	}
	if len(series) > window {
		series = series[len(series)-window:]
	}
	f := Forecast{Days: len(series)}
	if len(series) == 0 {
		f.Trend = TrendTooShort
		return f
	}
	f.First, f.Last = series[0], series[len(series)-1]
	if f.Last <= 0 {
		f.Trend = TrendNoneOpen
		return f
	}
	n := len(series)
	if n < 2 {
		f.Trend = TrendTooShort
		return f
	}
	slopes := make([]float64, 0, n*(n-1)/2)
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			slopes = append(slopes, float64(series[j]-series[i])/float64(j-i))
		}
	}
	sort.Float64s(slopes)
	N := len(slopes)
	variance := float64(n*(n-1)*(2*n+5)) / 18
	ties := map[int]int{}
	for _, y := range series {
		ties[y]++
	}
	for _, t := range ties {
		variance -= float64(t*(t-1)*(2*t+5)) / 18
	}
	C := z975 * math.Sqrt(math.Max(variance, 0))
	lo := int(math.Floor((float64(N) - C) / 2))
	hi := int(math.Ceil((float64(N)+C)/2)) + 1
	if lo < 1 || hi > N {
		f.Trend = TrendTooShort
		return f
	}
	if N%2 == 1 {
		f.Slope = slopes[N/2]
	} else {
		f.Slope = (slopes[N/2-1] + slopes[N/2]) / 2
	}
	f.Low, f.High = slopes[lo-1], slopes[hi-1]
	switch {
	case f.High < 0:
		f.Trend = TrendFalling
		f.Zero = float64(f.Last) / -f.Slope
		f.Early = float64(f.Last) / -f.Low
		f.Late = float64(f.Last) / -f.High
	case f.Low > 0:
		f.Trend = TrendRising
	default:
		f.Trend = TrendNone
	}
	return f
}

// Dates returns the days on which a falling count reaches zero, counted
// from last, the last day fitted: at the slope, earliest and latest. Each
// is the first whole day on which the count is at zero.
func (f Forecast) Dates(last time.Time) (zero, early, late time.Time) {
	day := func(x float64) time.Time {
		return dayOf(last).Add(time.Duration(math.Ceil(x-1e-9)) * dayLen)
	}
	if f.Trend != TrendFalling {
		return
	}
	return day(f.Zero), day(f.Early), day(f.Late)
}

// What a forecast counts, for its words (Forecast.Words).
const (
	CountItems       = "items"       // open items
	CountBrackets    = "brackets"    // open brackets
	CountDivergences = "divergences" // open divergences
)

// forecastKeys are the sentences of a forecast of one count, by trend.
type forecastKeys struct {
	noneOpen, noDays, tooShort, none, rising, on, between string
}

var forecastWords = map[string]forecastKeys{
	CountItems: {
		noneOpen: i18n.Key("No open items on %s."),
		noDays:   i18n.Key("No days to tell a trend of open items from."),
		tooShort: i18n.Key("%[1]d days are too few to tell a trend; open items went from %[2]d to %[3]d."),
		none:     i18n.Key("No trend: over the last %[1]d days open items changed by %[2]s a day (95%% interval %[3]s to %[4]s), which is no clear fall, so no date can be forecast; %[5]d stay open."),
		rising:   i18n.Key("Rising: over the last %[1]d days open items grew by %[2]s a day (95%% interval %[3]s to %[4]s); at this pace they do not reach zero."),
		on:       i18n.Key("At the pace of the last %[1]d days, %[2]s a day (95%% interval %[3]s to %[4]s), the %[5]d open items would reach zero on %[6]s."),
		between:  i18n.Key("At the pace of the last %[1]d days, %[2]s a day (95%% interval %[3]s to %[4]s), the %[5]d open items would reach zero between %[6]s and %[7]s, most likely on %[8]s."),
	},
	CountBrackets: {
		noneOpen: i18n.Key("No open brackets on %s."),
		noDays:   i18n.Key("No days to tell a trend of open brackets from."),
		tooShort: i18n.Key("%[1]d days are too few to tell a trend; open brackets went from %[2]d to %[3]d."),
		none:     i18n.Key("No trend: over the last %[1]d days open brackets changed by %[2]s a day (95%% interval %[3]s to %[4]s), which is no clear fall, so no date can be forecast; %[5]d stay open."),
		rising:   i18n.Key("Rising: over the last %[1]d days open brackets grew by %[2]s a day (95%% interval %[3]s to %[4]s); at this pace they do not reach zero."),
		on:       i18n.Key("At the pace of the last %[1]d days, %[2]s a day (95%% interval %[3]s to %[4]s), the %[5]d open brackets would reach zero on %[6]s."),
		between:  i18n.Key("At the pace of the last %[1]d days, %[2]s a day (95%% interval %[3]s to %[4]s), the %[5]d open brackets would reach zero between %[6]s and %[7]s, most likely on %[8]s."),
	},
	CountDivergences: {
		noneOpen: i18n.Key("No open divergences on %s."),
		noDays:   i18n.Key("No days to tell a trend of open divergences from."),
		tooShort: i18n.Key("%[1]d days are too few to tell a trend; open divergences went from %[2]d to %[3]d."),
		none:     i18n.Key("No trend: over the last %[1]d days open divergences changed by %[2]s a day (95%% interval %[3]s to %[4]s), which is no clear fall, so no date can be forecast; %[5]d stay open."),
		rising:   i18n.Key("Rising: over the last %[1]d days open divergences grew by %[2]s a day (95%% interval %[3]s to %[4]s); at this pace they do not reach zero."),
		on:       i18n.Key("At the pace of the last %[1]d days, %[2]s a day (95%% interval %[3]s to %[4]s), the %[5]d open divergences would reach zero on %[6]s."),
		between:  i18n.Key("At the pace of the last %[1]d days, %[2]s a day (95%% interval %[3]s to %[4]s), the %[5]d open divergences would reach zero between %[6]s and %[7]s, most likely on %[8]s."),
	},
}

// Words says the forecast in a sentence in the language of p, count
// saying what it counts (CountItems, CountBrackets, CountDivergences) and
// last the last day fitted.
func (f Forecast) Words(p *i18n.Printer, count string, last time.Time) string {
	p = printer(p)
	k, ok := forecastWords[count]
	if !ok {
		k = forecastWords[CountItems]
	}
	pace, low, high := signed(p, f.Slope), signed(p, f.Low), signed(p, f.High)
	switch f.Trend {
	case TrendNoneOpen:
		return p.T(k.noneOpen, p.Date(last))
	case TrendTooShort:
		if f.Days == 0 {
			return p.T(k.noDays)
		}
		return p.T(k.tooShort, f.Days, f.First, f.Last)
	case TrendNone:
		return p.T(k.none, f.Days, pace, low, high, f.Last)
	case TrendRising:
		return p.T(k.rising, f.Days, pace, low, high)
	}
	zero, early, late := f.Dates(last)
	if early.Equal(late) {
		return p.T(k.on, f.Days, pace, low, high, f.Last, p.Date(zero))
	}
	return p.T(k.between, f.Days, pace, low, high, f.Last, p.Date(early), p.Date(late), p.Date(zero))
}

// signed writes a pace with its sign and at most two decimals, in the
// language's digits: "+0.5", "−1.25", "0".
func signed(p *i18n.Printer, v float64) string {
	r := math.Round(math.Abs(v)*100) / 100
	switch {
	case r == 0:
		return p.Decimal(0, 2)
	case v < 0:
		return "−" + p.Decimal(r, 2)
	}
	return "+" + p.Decimal(r, 2)
}
