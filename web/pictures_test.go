package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/state"
)

// stanceIndex returns the log index of the first stance of a party on an
// item, of a kind, in the fixture's record.
func (f *fixture) stanceIndex(party, item, stance string) int64 {
	f.t.Helper()
	ctx := context.Background()
	n, err := f.l.Store().Size(ctx, f.talks)
	if err != nil {
		f.t.Fatal(err)
	}
	entries, err := f.l.Store().Entries(ctx, f.talks, 0, n)
	if err != nil {
		f.t.Fatal(err)
	}
	for _, en := range entries {
		e, err := parley.DecodeEvent(en.Event)
		if err != nil {
			f.t.Fatal(err)
		}
		if p, ok := e.Act.(*parley.SetStance); ok && p.Party == party && p.Item == item && p.Stance == stance {
			return en.Index
		}
	}
	f.t.Fatalf("no stance %s of %s on %s in the record", stance, party, item)
	return -1
}

// pageText returns a page's text as a reader reads it: scripts dropped,
// the tags of inline elements dropped, those of others read as a space,
// entities unescaped, spaces folded.
func pageText(body string) string {
	s := scriptRE.ReplaceAllString(body, " ")
	s = inlineRE.ReplaceAllString(s, "")
	s = tagRE.ReplaceAllString(s, " ")
	return strings.Join(strings.Fields(html.UnescapeString(s)), " ")
}

var (
	scriptRE = regexp.MustCompile(`(?s)<script.*?</script>`)
	inlineRE = regexp.MustCompile(`</?(?:a|abbr|b|bdi|bdo|code|data|em|i|kbd|q|s|samp|small|span|strong|sub|sup|time|u|var|mark)(?:\s[^>]*)?>`)
	tagRE    = regexp.MustCompile(`<[^>]*>`)
)

// section returns the HTML of the element with an id, up to the end of
// the page (enough to search in).
func section(body, id string) string {
	i := strings.Index(body, `id="`+id+`"`)
	if i < 0 {
		return ""
	}
	return body[i:]
}

// TestHistoryPage checks the history page of the Moscow demo (the script
// and the sandbox round after it): by default the second round, where the
// agreement last changed; D1's lane with its gain and loss, each linking
// to the dashboard as it was, and the scrubber's ticks moving the page's
// own cursor; the changes as text; the forecast that answers the
// mediator's "another week"; the cursor's banner; and every parameter
// checked.
func TestHistoryPage(t *testing.T) {
	f := newFixture(t, fixtureOptions{sandbox: true})
	p := "/talks/" + f.talks + "/history"
	gain, loss := f.stanceIndex("oppC", "D1", parley.StanceSupport), f.stanceIndex("oppA", "D1", parley.StanceConditional)
	body := f.page("", p)
	text := pageText(body)
	for _, want := range []string{
		`<option value="r2" selected`,
		`<option value="sandbox"`,
		fmt.Sprintf(`<a href="/talks/moscow-consultations/dashboard?at=%d">`, gain),
		fmt.Sprintf(`<a href="/talks/moscow-consultations/dashboard?at=%d">`, loss),
		fmt.Sprintf(`<a href="/talks/moscow-consultations/history?at=%d&amp;range=r2#lanes">`, gain),
		fmt.Sprintf(`<a href="/talks/moscow-consultations/history?at=%d&amp;range=r2#lanes">`, loss),
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the history page lacks %s", want)
		}
	}
	if strings.Contains(body, `<option value="all"`) {
		t.Errorf("the history page offers the whole talks, which span more than ten years with the sandbox")
	}
	for _, want := range []string{
		// The lanes, said in the picture's description.
		fmt.Sprintf("D1 “Assessment of the political situation”: agreed on 8 April 2015 (day 3 of Second round), event #%d, a stance of oppC; lost agreement on 10 April 2015 (day 5 of Second round), event #%d, a stance of oppA; now lost agreement", gain, loss),
		"M1a “Confidence-building measure: broad release of detainees”; now never agreed",
		// The changes as text.
		fmt.Sprintf("#%d 8 April 2015, 10:15 UTC: D1 became agreed, when oppC supported D1 version 2.", gain),
		fmt.Sprintf("#%d 10 April 2015, 10:00 UTC: D1 lost agreement, when oppA made its support of D1 version 2 conditional on agreed(M1a) or agreed(M1b).", loss),
		// The mediator's claim, and what the record says about it.
		"If we spent another week here, we would probably reach agreement on other issues.",
		"What the record shows No trend: over the last 5 days open items changed by +0.5 a day (95% interval −1 to +2), which is no clear fall, so no date can be forecast; 3 stay open.",
		// The counts, day by day.
		"6 April 2015 1 1 1 0", "8 April 2015 1 0 0 0", "10 April 2015 3 3 0 0",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the history page does not say %q", want)
		}
	}
	if i, j := strings.Index(text, "another week"), strings.Index(text, "What the record shows No trend:"); i < 0 || j < i {
		t.Errorf("the forecast does not follow the mediator's claim")
	}

	// The cursor on gov's objection to M1a, the day after D1 was agreed.
	at := f.stanceIndex("gov", "M1a", parley.StanceOppose)
	body = f.page("", fmt.Sprintf("%s?range=r2&at=%d", p, at))
	text = pageText(body)
	for _, want := range []string{
		fmt.Sprintf("As of 9 April 2015 (day 4 of Second round), after event #%d", at),
		fmt.Sprintf("1 item agreed as of 9 April 2015, after event #%d.", at),
		fmt.Sprintf("Previous change (#%d)", gain),
		fmt.Sprintf("Next change (#%d)", loss),
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the history page at #%d does not say %q", at, want)
		}
	}

	// The whole talks without the sandbox, and the first round.
	plain := newFixture(t, fixtureOptions{})
	if got := pageText(plain.page("", p+"?range=all")); !strings.Contains(got, "All the talks, from 15 January 2015 to 10 April 2015") {
		t.Errorf("the range of the whole talks: %.300s", got)
	}
	plain.page("", p+"?range=r1")

	for _, c := range []struct {
		query string
		code  int
	}{
		{"?at=100000", http.StatusBadRequest},
		{"?at=-1", http.StatusBadRequest},
		{"?at=x", http.StatusBadRequest},
		{"?lanes=-1", http.StatusBadRequest},
		{"?lanes=5", http.StatusBadRequest}, // past the 3 items
		{"?lanes=99999999999", http.StatusBadRequest},
		{"?range=r9", http.StatusNotFound},
		{"?range=all", http.StatusBadRequest}, // more than ten years, with the sandbox
		{"?range=" + strings.Repeat("r", 65), http.StatusBadRequest},
	} {
		if code, body := f.get("", p+c.query); code != c.code {
			t.Errorf("GET %s%s: %d, want %d: %.200s", p, c.query, code, c.code, pageText(body))
		}
	}
}

// TestSandboxKeepsBriefings checks that the sandbox round the demo opens
// changes neither briefing of the real rounds, and that every page says
// the open round is a sandbox.
func TestSandboxKeepsBriefings(t *testing.T) {
	plain := newFixture(t, fixtureOptions{})
	sand := newFixture(t, fixtureOptions{sandbox: true})
	for _, round := range []string{"r1", "r2"} {
		for _, who := range []string{"", "mediator"} {
			get := func(f *fixture) string {
				tok := ""
				if who != "" {
					tok = f.token(who)
				}
				// The briefing itself: the list of rounds to choose from
				// names the sandbox, as it should.
				b := section(f.page(tok, "/talks/"+f.talks+"/public?round="+round), "briefing")
				if i := strings.Index(b, "<article"); i >= 0 {
					b = b[i:]
				}
				if i := strings.Index(b, "</article>"); i >= 0 {
					b = b[:i]
				}
				return b
			}
			want, got := get(plain), get(sand)
			if want == "" || got != want {
				t.Errorf("the briefing of %s as %q changes with the sandbox round:\n%s\nwant:\n%s", round, who, got, want)
			}
		}
	}
	for _, p := range []string{"", "/dashboard", "/history", "/items/D1"} {
		if text := pageText(sand.page("", "/talks/"+sand.talks+p)); !strings.Contains(text, "sandbox Round sandbox, open now, is a sandbox: a round for practice") {
			t.Errorf("/talks/%s%s does not say the open round is a sandbox", sand.talks, p)
		}
	}
}

// TestBadges checks that the pages tell lost agreement from never agreed,
// with since when and by whose act, in the matrix, its data, the
// explanation and the document view.
func TestBadges(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	loss := f.stanceIndex("oppA", "D1", parley.StanceConditional)
	since := fmt.Sprintf("lost agreement on 10 April 2015 (#%d): oppA made its support of D1 version 2 conditional on agreed(M1a) or agreed(M1b)", loss)
	dash := f.page("", "/talks/"+f.talks+"/dashboard?item=D1")
	for _, want := range []string{
		`<span class="badge s-lost" title="` + since + `">lost agreement</span>`,
		`<span class="badge s-never_agreed">never agreed</span>`,
	} {
		if !strings.Contains(html.UnescapeString(dash), want) {
			t.Errorf("the dashboard lacks %s", want)
		}
	}
	if text := pageText(section(dash, "summary")); !strings.Contains(text, "lost agreement 1 never agreed 2") {
		t.Errorf("the dashboard's counts: %.200s", text)
	}
	if text := pageText(section(dash, "explain")); !strings.Contains(text, since) || !strings.Contains(text, "M1a Confidence-building measure: broad release of detainees is never agreed") {
		t.Errorf("the explanation does not tell D1's loss, since when and by whom, and M1a never agreed: %.600s", text)
	}
	data := f.page("", "/talks/"+f.talks+"/dashboard/data")
	if !strings.Contains(html.UnescapeString(data), `["D1","Assessment of the political situation","not_agreed",2,"lost","lost agreement","`+since+`"]`) {
		t.Errorf("the matrix data lacks D1's badge: %.400s", data)
	}
	if text := pageText(f.page("", "/talks/"+f.talks+"/items/D1")); !strings.Contains(text, since) {
		t.Errorf("the document view does not say since when D1 lost agreement")
	}
	if text := pageText(f.page("", "/talks/"+f.talks)); !strings.Contains(text, "lost agreement") || !strings.Contains(text, "never agreed") {
		t.Errorf("the overview does not tell lost agreement from never agreed")
	}
}

// TestTimelineFilters checks the timeline's filters on the Moscow record:
// the changes of agreement only (D1's gain and loss), an item, a party
// and a kind; the grouping by day; a signer said once for the events in a
// row it signed; and the filters' refusals.
func TestTimelineFilters(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	p := "/talks/" + f.talks + "/timeline"
	gain, loss := f.stanceIndex("oppC", "D1", parley.StanceSupport), f.stanceIndex("oppA", "D1", parley.StanceConditional)
	events := regexp.MustCompile(`<li id="e(\d+)"`)
	ids := func(body string) []string {
		var out []string
		for _, m := range events.FindAllStringSubmatch(body, -1) {
			out = append(out, m[1])
		}
		return out
	}
	body := f.page("", p+"?changes=1")
	if got, want := strings.Join(ids(body), ","), fmt.Sprintf("%d,%d", loss, gain); got != want {
		t.Errorf("the changes of agreement: events %s, want %s", got, want)
	}
	text := pageText(body)
	if strings.Contains(body, "Older events") {
		t.Errorf("the changes of agreement, all on one page, link to older ones")
	}
	for _, want := range []string{"2 events that match, among events 0 to", "10 April 2015", "8 April 2015", "D1 lost agreement", "D1 became agreed"} {
		if !strings.Contains(text, want) {
			t.Errorf("the changes of agreement do not say %q: %.400s", want, text)
		}
	}
	if i, j := strings.Index(text, "10 April 2015"), strings.Index(text, "8 April 2015"); i > j {
		t.Errorf("the days are not newest first")
	}

	body = f.page("", p+"?item=M1a")
	text = pageText(body)
	if n := len(ids(body)); n < 4 {
		t.Errorf("the events of M1a: %d, want at least its addition, its version and stances", n)
	}
	for _, li := range strings.Split(body, `<li id="e`)[1:] {
		if !strings.Contains(li, "M1a") {
			t.Errorf("the events of M1a list one that does not name it: %.300s", li)
		}
	}

	body = f.page("", p+"?party=gov&kind="+parley.KindSetStance)
	for _, li := range strings.Split(body, `<li id="e`)[1:] {
		if !strings.Contains(li, parley.KindSetStance) {
			t.Errorf("the stances of gov list another kind: %.200s", li)
		}
	}
	if len(ids(body)) == 0 {
		t.Errorf("gov's stances: none listed")
	}

	// The whole timeline, grouped by day, says each signer once for the
	// events in a row it signed.
	body = f.page("", p+"?from=0")
	if n, days := strings.Count(body, `class="ev`), strings.Count(body, `<h2 class="day">`); days < 5 || days >= n {
		t.Errorf("%d events in %d days: want them grouped by day", n, days)
	}
	if !strings.Contains(body, "same-signer") {
		t.Errorf("no event says its signer once for a row of its events")
	}

	for _, c := range []struct {
		query string
		code  int
	}{
		{"?item=D9", http.StatusNotFound},
		{"?party=nobody", http.StatusNotFound},
		{"?kind=stance", http.StatusBadRequest},
		{"?before=100000&changes=1", http.StatusBadRequest},
		{"?item=" + strings.Repeat("x", 65), http.StatusBadRequest},
	} {
		if code, body := f.get("", p+c.query); code != c.code {
			t.Errorf("GET %s%s: %d, want %d: %.200s", p, c.query, code, c.code, pageText(body))
		}
	}
}

// TestHistoryCursorDatesMeasures: the history page as of the report or
// the finding on a step of a measure gives that event's own date, as it
// does for a stance: measures' acts are dated events of the axis, not
// taken for the date of the last stance before them.
func TestHistoryCursorDatesMeasures(t *testing.T) {
	f := newExchangeFixture(t, false)
	ctx := context.Background()
	var size int64
	f.l.View(ctx, f.talks, func(st *state.Talks, _ parley.Checkpoint) error { size = st.Size; return nil })
	_, events, err := f.l.Read(ctx, f.talks, 0, size)
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for i, e := range events {
		if e.Kind != parley.KindReportStep && e.Kind != parley.KindVerifyStep {
			continue
		}
		code, body := f.get("", fmt.Sprintf("/talks/%s/history?at=%d", f.talks, i))
		want := fmt.Sprintf("As of %s", e.At().UTC().Format("2 January 2006"))
		if code != 200 || !strings.Contains(body, want) {
			m := regexp.MustCompile(`As of [^<(]*`).FindString(body)
			t.Errorf("the history as of #%d (%s of %s): %d %q, want %q", i, e.Kind, e.Time, code, m, want)
		}
		checked++
	}
	if checked < 3 {
		t.Fatalf("the exchange has %d reports and findings, want at least 3", checked)
	}
}

// TestTitlesInTheReadersLanguage: the Moscow talks give their title and
// their items' in Arabic and Russian; the pages of a reader of each show
// those, an English reader's the titles as recorded, and the API gives
// both.
func TestTitlesInTheReadersLanguage(t *testing.T) {
	f := newFixture(t, fixtureOptions{demo: true})
	get := func(lang, path string) string {
		req, _ := http.NewRequest(http.MethodGet, f.ts.URL+path, nil)
		req.AddCookie(&http.Cookie{Name: "parley_lang", Value: lang})
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s in %s: %d", path, lang, resp.StatusCode)
		}
		return string(b)
	}
	p := "/talks/" + f.talks
	type titles struct{ talks, d1, m1a string }
	for lang, want := range map[string]titles{
		"ar": {"مشاورات موسكو بشأن سوريا", "تقييم الوضع السياسي", "تدبير لبناء الثقة: إفراج واسع عن المعتقلين"},
		"ru": {"Московские консультации по Сирии", "Оценка политической ситуации", "Мера укрепления доверия: широкое освобождение задержанных"},
		"en": {"Moscow consultations on Syria", "Assessment of the political situation", "Confidence-building measure: broad release of detainees"},
	} {
		// The dashboard names every item; the item page D1 alone.
		for page, names := range map[string][]string{p + "/dashboard": {want.talks, want.d1, want.m1a}, p + "/items/D1": {want.talks, want.d1}} {
			body := get(lang, page)
			for _, w := range names {
				if !strings.Contains(body, w) {
					t.Errorf("%s in %s does not show %q", page, lang, w)
				}
			}
			if lang != "en" && strings.Contains(body, "Assessment of the political situation") {
				t.Errorf("%s in %s still shows D1's English title", page, lang)
			}
		}
	}
	var item struct {
		Title  string            `json:"title"`
		Titles map[string]string `json:"titles"`
	}
	code, body := f.get("", "/api/v1/talks/"+f.talks+"/items/D1")
	if err := json.Unmarshal([]byte(body), &item); code != http.StatusOK || err != nil {
		t.Fatalf("GET the item D1: %d %v", code, err)
	}
	if item.Title != "Assessment of the political situation" || item.Titles["ar"] != "تقييم الوضع السياسي" {
		t.Errorf("the API gives D1 as %q with titles %v", item.Title, item.Titles)
	}
}
