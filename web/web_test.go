package web_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/scenario"
)

// viewers are the Moscow cast members the tests look through, and "" for
// the public.
var viewers = []string{"", "oppA", "mediator"}

// TestPagesRender checks that every page renders for the public, a
// delegate and a mediator, with what each must show.
func TestPagesRender(t *testing.T) {
	f := newFixture(t, fixtureOptions{demo: true})
	tp := "/talks/" + f.talks
	pages := []struct {
		path string
		want []string
	}{
		{"/", []string{"Moscow consultations on Syria", "illustrative reconstruction", "Start here"}},
		{"/signin", []string{"Keys in this browser", `Act as <span dir="auto">Vitaly Naumkin</span>`, "parley keygen"}},
		{tp, []string{"Syrian National Coalition", "<strong>declined on ", "We do not trust the intentions of the host", "became <span class=\"badge s-agreed\">agreed</span>", `lost agreement</span>, when <span dir="auto">oppA made its support of D1 version 2 conditional on agreed(M1a) or agreed(M1b)`}},
		{tp + "/dashboard", []string{"Stances on the latest version of each item", `<code class="cond">agreed(M1a) or agreed(M1b)</code>`, "Not at the table, so not counted"}},
		{tp + "/dashboard?item=D1", []string{"Why D1 is not agreed", "Root blockers", "(gov) opposes it", "root blocker", "(gov) supports M1a", "Impact of a hypothetical change"}},
		{tp + "/dashboard?item=M1a&party=gov&stance=support", []string{"If gov took that stance on M1a", `would go from <span class="badge s-not_agreed">not agreed</span> to <span class="badge s-agreed">agreed</span>`}},
		{tp + "/items/D1", []string{"Text of version 2", "Who stands where, on each version", "D1-A1 by", "unhindered humanitarian access"}},
		{tp + "/items/D1?from=1&to=2", []string{"Changes from version 1 to version 2", "<ins>", "<del>"}},
		{tp + "/items/D1?v=1", []string{"Text of version 1", `<span class="br d1"`}},
		{tp + "/workspace", nil},
		{tp + "/timeline", []string{"Latest checkpoint", `id="e0"`, "founded the talks", "inclusion proof"}},
		{tp + "/public", []string{"Briefing", "Attendance", "What was said, beside what the record shows", "which lost agreement", "No witness has cosigned"}},
		{tp + "/verify", []string{"parley verify moscow-consultations.bundle", "Log key", testHost + "/talks/" + f.talks}},
	}
	for _, who := range viewers {
		tok := ""
		if who != "" {
			tok = f.token(who)
		}
		for _, p := range pages {
			body := f.page(tok, p.path)
			for _, w := range p.want {
				if !strings.Contains(body, w) {
					t.Errorf("viewer %q, %s: the page lacks %q", who, p.path, w)
				}
			}
			if !strings.Contains(body, "Demo:</strong> this server holds the demo actors' keys") {
				t.Errorf("viewer %q, %s: no demo banner", who, p.path)
			}
		}
	}
	for who, want := range map[string]string{"": "Sign in</a> with a key on the roster", "oppA": "Workspace of <span dir=\"auto\">Opposition Delegation A</span>", "mediator": "Mediators' workspace"} {
		tok := ""
		if who != "" {
			tok = f.token(who)
		}
		if body := f.page(tok, tp+"/workspace"); !strings.Contains(body, want) {
			t.Errorf("viewer %q: the workspace lacks %q", who, want)
		}
	}
	for _, p := range []string{"/talks/nonesuch", tp + "/items/X9", "/nowhere", tp + "/dashboard?at=x"} {
		code, body := f.get("", p)
		if code != http.StatusNotFound && code != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 404 or 400", p, code)
		}
		if !strings.Contains(body, `class="error"`) {
			t.Errorf("%s: no error message on the page", p)
		}
	}
}

// TestWithoutJavaScript checks that the pages carry their content in the
// HTML, run no inline script, and hide the controls that need scripts.
func TestWithoutJavaScript(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	tp := "/talks/" + f.talks
	tok := f.token("mediator")
	script := regexp.MustCompile(`<script[^>]*>`)
	for _, p := range []string{"/", "/signin", tp, tp + "/dashboard", tp + "/dashboard?item=D1", tp + "/items/D1", tp + "/workspace", tp + "/timeline", tp + "/public", tp + "/verify"} {
		resp, err := http.Get(f.ts.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s: Content-Security-Policy %q, want scripts from the server only", p, csp)
		}
		body := f.page(tok, p)
		// The app module, and the script of the catalog entries its
		// scripts say, both from the server.
		for _, tag := range script.FindAllString(body, -1) {
			if !strings.Contains(tag, `type="module" src="/static/js/app.js?v=`) && !regexp.MustCompile(`^<script defer src="/static/i18n/(en|ar|ru)\.js\?v=[0-9a-f]{12}">$`).MatchString(tag) {
				t.Errorf("%s: script tag %s; want only the app module and the catalog's script", p, tag)
			}
		}
		if !strings.Contains(body, "<noscript>") {
			t.Errorf("%s: no <noscript> notice", p)
		}
		for _, m := range regexp.MustCompile(`<[a-z]+ [^>]*data-needs-js[^>]*>`).FindAllString(body, -1) {
			if !strings.Contains(m, " hidden") {
				t.Errorf("%s: %s needs scripts but is not hidden without them", p, m)
			}
		}
		if regexp.MustCompile(` on[a-z]+=`).MatchString(body) {
			t.Errorf("%s: an inline event handler", p)
		}
	}
	// The dashboard's matrix, explanation and impact are in the HTML.
	body := f.page("", tp+"/dashboard?item=M1b&party=oppA&stance=support")
	for _, w := range []string{`<th scope="row"><a href="/talks/moscow-consultations/dashboard?item=M1b#explain"`, "Why M1b is not agreed", "If oppA took that stance on M1b", `<form method="get" action="/talks/moscow-consultations/dashboard#impact"`} {
		if !strings.Contains(body, w) {
			t.Errorf("the dashboard without scripts lacks %q", w)
		}
	}
}

// TestBidiControlsShown checks that bidirectional control characters in a
// statement, a paragraph and a title are shown as visible markers and
// never sent as such.
func TestBidiControlsShown(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	f.act("mediator", parley.KindAddItem, "", parley.AddItem{Item: "D9", Title: "Title \u2067hidden\u2069", Kind: parley.ItemDocument})
	f.act("mediator", parley.KindTableVersion, "", parley.TableVersion{Item: "D9", Version: 1, Texts: map[string][]string{
		"ar": {"[[\u202Eلا تنسحب || تنسحب\u202C]] الأطراف."},
		"ru": {"Стороны [[\u202Eне выходят || выходят\u202C]] из переговоров."},
		"en": {"The parties [[\u202Eshall not || shall\u202C]] withdraw."},
	}})
	f.act("oppC", parley.KindStatement, "", parley.Statement{Text: "We \u202Edeclined nothing\u202C today.", Round: "r2"})
	tp := "/talks/" + f.talks
	for _, p := range []string{tp + "/items/D9", tp + "/public?round=r2", tp + "/dashboard", tp + "/timeline", tp} {
		body := f.page("", p)
		if i := strings.IndexAny(body, "\u202A\u202B\u202C\u202D\u202E\u2066\u2067\u2068\u2069"); i >= 0 {
			t.Errorf("%s: a bidi control character in the HTML at byte %d: %q", p, i, body[max(0, i-40):min(len(body), i+40)])
		}
		if !strings.Contains(body, ">⟨RLO⟩</span>") && !strings.Contains(body, ">⟨RLI⟩</span>") {
			t.Errorf("%s: no visible marker of the bidi controls", p)
		}
	}
	body := f.page("", tp+"/items/D9")
	if !strings.Contains(body, "holds invisible characters that change the direction of text") {
		t.Errorf("the document view does not warn of the bidi controls")
	}
	if !strings.Contains(body, `<span class="bidi" title="U+202E right-to-left override`) {
		t.Errorf("the marker does not name the character")
	}
	// The dashboard's data carries the title as it is; the script shows it
	// the same way (TestBrowser checks the page).
	var data struct {
		Items [][]any `json:"items"`
	}
	if err := json.Unmarshal([]byte(f.page("", tp+"/dashboard/data")), &data); err != nil {
		t.Fatal(err)
	}
	if got := data.Items[len(data.Items)-1][1]; got != "Title \u2067hidden\u2069" {
		t.Errorf("the data's title: got %q", got)
	}
}

// TestArabicDirection checks that Arabic text is marked right to left, and
// every other text block lets its text decide its direction.
func TestArabicDirection(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	f.act("mediator", parley.KindAddItem, "", parley.AddItem{Item: "D2", Title: "إعلان", Kind: parley.ItemDocument})
	f.act("mediator", parley.KindTableVersion, "", parley.TableVersion{Item: "D2", Version: 1, Texts: map[string][]string{
		"ar": {"تدعو الأطراف إلى [[الإفراج الفوري || الإفراج التدريجي]] عن المعتقلين."},
		"ru": {"Стороны призывают к [[немедленному || поэтапному]] освобождению задержанных."},
		"en": {"The parties call for the [[immediate || gradual]] release of detainees."},
	}})
	tp := "/talks/" + f.talks
	body := f.page("", tp+"/public?round=r2")
	if !regexp.MustCompile(`<blockquote dir="rtl" lang="ar"><p>وجدت الأطراف`).MatchString(body) {
		t.Errorf("the Arabic statement is not marked dir=\"rtl\" lang=\"ar\"")
	}
	if !regexp.MustCompile(`<blockquote dir="auto" lang="en"><p>This round found common ground`).MatchString(body) {
		t.Errorf("the English statement is not marked dir=\"auto\" lang=\"en\"")
	}
	// The talks' texts are in their official languages: side by side,
	// each paragraph's cell is marked with its language, the Arabic right
	// to left, with its bracket marked.
	body = f.page("", tp+"/items/D2")
	if !strings.Contains(body, `<td lang="ar" dir="rtl">تدعو الأطراف إلى <span class="br d1"`) {
		t.Errorf("the Arabic paragraph is not in its own cell marked dir=\"rtl\" lang=\"ar\" with its bracket marked")
	}
	if !strings.Contains(body, `<td lang="en" dir="auto">The parties call for the <span class="br d1"`) {
		t.Errorf("the English paragraph beside it is not in its own cell marked dir=\"auto\" lang=\"en\" with its bracket marked")
	}
	if !strings.Contains(body, `<span dir="auto">إعلان</span>`) {
		t.Errorf("the Arabic title is not in a dir=\"auto\" span")
	}
}

// secondTalks founds a proximity talks with two parties beside the Moscow
// one and returns the keys of its cast.
func (f *fixture) proximityTalks(t *testing.T) (string, map[string]ed25519.PrivateKey) {
	id := "proximity-test"
	keys := map[string]ed25519.PrivateKey{}
	for _, who := range []string{"chair", "med", "x", "y"} {
		_, k, _ := ed25519.GenerateKey(rand.Reader)
		keys[who] = k
	}
	pub := func(who string) string { return parley.KeyString(keys[who].Public().(ed25519.PublicKey)) }
	sign := func(who, kind, vis string, payload any) {
		t.Helper()
		e, err := parley.NewEvent(id, kind, keys[who].Public().(ed25519.PublicKey), time.Now(), payload)
		if err != nil {
			t.Fatal(err)
		}
		e.Vis = vis
		se, err := parley.Sign(f.l.Origin(id), e, keys[who])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.l.Append(context.Background(), se); err != nil {
			t.Fatalf("%s by %s: %v", kind, who, err)
		}
	}
	sign("chair", parley.KindFoundTalks, "", parley.FoundTalks{Title: "Proximity talks", ConvenerName: "Chair", Rule: parley.Rule{Kind: parley.RuleConsensus}, Visibility: parley.VisParticipants, Proximity: true})
	sign("chair", parley.KindAddMediator, "", parley.AddMediator{Key: pub("med"), Name: "Mediator"})
	sign("med", parley.KindAddParty, "", parley.AddParty{Party: "px", Name: "Party X"})
	sign("med", parley.KindAddParty, "", parley.AddParty{Party: "py", Name: "Party Y"})
	sign("med", parley.KindAddActor, "", parley.AddActor{Key: pub("x"), Name: "Head X", Role: parley.RoleHead, Party: "px"})
	sign("med", parley.KindAddActor, "", parley.AddActor{Key: pub("y"), Name: "Head Y", Role: parley.RoleHead, Party: "py"})
	sign("med", parley.KindPlanRound, "", parley.PlanRound{Round: "p1", Title: "Shuttle", Starts: "2025-01-01", Ends: "2025-01-02", Venue: "Geneva"})
	sign("med", parley.KindInvite, "", parley.Invitation{Round: "p1", Party: "px"})
	sign("med", parley.KindInvite, "", parley.Invitation{Round: "p1", Party: "py"})
	sign("med", parley.KindOpenRound, "", parley.RoundRef{Round: "p1"})
	sign("med", parley.KindAddItem, "", parley.AddItem{Item: "T1", Title: "Truce", Kind: parley.ItemMeasure})
	sign("med", parley.KindTableVersion, "", parley.TableVersion{Item: "T1", Version: 1, Paragraphs: []string{"A truce of seven days."}})
	sign("x", parley.KindSetStance, "", parley.SetStance{Item: "T1", Version: 1, Party: "px", Stance: parley.StanceReserve, Reason: "X-PRIVATE-REASON"})
	sign("y", parley.KindSetStance, "", parley.SetStance{Item: "T1", Version: 1, Party: "py", Stance: parley.StanceSupport, Reason: "Y-PRIVATE-REASON"})
	sign("x", parley.KindCaucus, "", parley.Caucus{Party: "px", Text: "X-CAUCUS-SECRET"})
	return id, keys
}

// tokenFor signs in with any key.
func (f *fixture) tokenFor(key ed25519.PrivateKey) string {
	f.t.Helper()
	tok, err := signIn(f.ts.URL, key)
	if err != nil {
		f.t.Fatal(err)
	}
	return tok
}

// TestVisibility checks that no page shows a viewer what visibility hides
// from it: a caucus message, stances in proximity talks, an event for the
// mediators only.
func TestVisibility(t *testing.T) {
	f := newFixture(t, fixtureOptions{unsealed: true})
	tp := "/talks/" + f.talks
	f.act("oppA", parley.KindCaucus, "", parley.Caucus{Party: "oppA", Text: "A-CAUCUS-SECRET"})
	f.act("mediator", parley.KindCaucus, "", parley.Caucus{Party: "oppA", Text: "MEDIATOR-TO-A-SECRET"})
	f.act("gov", parley.KindStatement, parley.VisMediators, parley.Statement{Text: "FOR-MEDIATORS-ONLY", Round: "r2"})
	pages := []string{tp, tp + "/dashboard", tp + "/dashboard/data", tp + "/dashboard?item=D1", tp + "/items/D1", tp + "/workspace", tp + "/workspace?party=oppA", tp + "/timeline", tp + "/public?round=r2", tp + "/verify"}
	secrets := map[string][]string{ // viewer → what it must not see
		"":     {"A-CAUCUS-SECRET", "MEDIATOR-TO-A-SECRET", "FOR-MEDIATORS-ONLY"},
		"oppB": {"A-CAUCUS-SECRET", "MEDIATOR-TO-A-SECRET", "FOR-MEDIATORS-ONLY"},
		"oppA": {"FOR-MEDIATORS-ONLY"},
	}
	for who, hidden := range secrets {
		tok := ""
		if who != "" {
			tok = f.token(who)
		}
		for _, p := range pages {
			_, body := f.get(tok, p)
			for _, s := range hidden {
				if strings.Contains(body, s) {
					t.Errorf("viewer %q sees %q on %s", who, s, p)
				}
			}
		}
	}
	// Those it is for see it.
	if body := f.page(f.token("oppA"), tp+"/workspace"); !strings.Contains(body, "A-CAUCUS-SECRET") || !strings.Contains(body, "MEDIATOR-TO-A-SECRET") {
		t.Errorf("oppA does not see its caucus in its workspace")
	}
	med := f.token("mediator")
	if body := f.page(med, tp+"/workspace?party=oppA"); !strings.Contains(body, "A-CAUCUS-SECRET") {
		t.Errorf("the mediator does not see the caucus of oppA")
	}
	if body := f.page(med, tp+"/timeline"); !strings.Contains(body, "FOR-MEDIATORS-ONLY") {
		t.Errorf("the mediator does not see the statement for the mediators")
	}
	// The public timeline shows the hidden events as leaves only.
	if body := f.page("", tp+"/timeline"); strings.Count(body, "An event hidden from you.") != 3 {
		t.Errorf("the public timeline shows %d hidden events, want 3", strings.Count(body, "An event hidden from you."))
	}

	// Proximity talks: each party sees its own stance only.
	id, keys := f.proximityTalks(t)
	pp := "/talks/" + id
	tx, ty := f.tokenFor(keys["x"]), f.tokenFor(keys["y"])
	for _, p := range []string{pp, pp + "/dashboard", pp + "/dashboard/data", pp + "/dashboard?item=T1", pp + "/items/T1", pp + "/workspace", pp + "/timeline", pp + "/public"} {
		_, body := f.get(ty, p)
		for _, s := range []string{"X-PRIVATE-REASON", "X-CAUCUS-SECRET", "reserve on"} {
			if strings.Contains(body, s) {
				t.Errorf("party Y sees %q on %s", s, p)
			}
		}
		_, body = f.get(tx, p)
		for _, s := range []string{"Y-PRIVATE-REASON"} {
			if strings.Contains(body, s) {
				t.Errorf("party X sees %q on %s", s, p)
			}
		}
		_, body = f.get("", p)
		for _, s := range []string{"X-PRIVATE-REASON", "Y-PRIVATE-REASON", "X-CAUCUS-SECRET", "Truce"} {
			if strings.Contains(body, s) {
				t.Errorf("the public sees %q on %s", s, p)
			}
		}
	}
	var data struct {
		Cells  []string `json:"cells"`
		Hidden int      `json:"hidden"`
	}
	if err := json.Unmarshal([]byte(f.page(ty, pp+"/dashboard/data")), &data); err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(data.Cells, " "), ":s"; got != want {
		t.Errorf("party Y's matrix: got %q, want %q (X's stance hidden, so silent)", got, want)
	}
	if hidden := strings.Count(f.page(ty, pp+"/timeline"), "An event hidden from you."); data.Hidden != hidden || hidden < 1 {
		t.Errorf("party Y's matrix says %d events are hidden from it, want %d as its timeline shows, at least X's stance", data.Hidden, hidden)
	}
	if err := json.Unmarshal([]byte(f.page(f.tokenFor(keys["med"]), pp+"/dashboard/data")), &data); err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(data.Cells, " "), "Rs"; got != want {
		t.Errorf("the mediator's matrix: got %q, want %q", got, want)
	}
}

// TestDashboardData checks the matrix data against the Moscow round.
func TestDashboardData(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	var d struct {
		Size    int64             `json:"size"`
		At      int64             `json:"at"`
		Parties [][2]string       `json:"parties"`
		Items   [][]any           `json:"items"`
		Cells   []string          `json:"cells"`
		Cond    map[string]string `json:"cond"`
		Old     map[string]int    `json:"old"`
	}
	if err := json.Unmarshal([]byte(f.page("", "/talks/"+f.talks+"/dashboard/data")), &d); err != nil {
		t.Fatal(err)
	}
	var parties []string
	for _, p := range d.Parties {
		parties = append(parties, p[0])
	}
	if got, want := strings.Join(parties, " "), "gov oppA oppB oppC"; got != want {
		t.Errorf("parties: got %q, want %q", got, want)
	}
	if got, want := strings.Join(d.Cells, " "), "sCCs Osss sOOO"; got != want {
		t.Errorf("cells: got %q, want %q", got, want)
	}
	if got, want := d.Cond["0.1"], "agreed(M1a) or agreed(M1b)"; got != want {
		t.Errorf("oppA's condition on D1: got %q, want %q", got, want)
	}
	for _, it := range d.Items {
		if it[2] != "not_agreed" {
			t.Errorf("%v is %v, want not_agreed", it[0], it[2])
		}
	}
	if d.At != -1 {
		t.Errorf("at: got %d, want -1", d.At)
	}
}

// TestPastViews checks the history of the agreement and the dashboard as
// it was after an event.
func TestPastViews(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	tp := "/talks/" + f.talks
	body := f.page("", tp)
	at := regexp.MustCompile(`href="/talks/moscow-consultations/dashboard\?at=(\d+)&amp;item=D1#explain"`).FindAllStringSubmatch(body, -1)
	if len(at) != 2 {
		t.Fatalf("the overview links %d past views of D1's changes, want 2 (agreed, then lost)", len(at))
	}
	agreed, _ := strconv.Atoi(at[0][1])
	lost, _ := strconv.Atoi(at[1][1])
	for _, c := range []struct {
		at   int
		want string
	}{{agreed - 1, "not_agreed"}, {agreed, "agreed"}, {lost - 1, "agreed"}, {lost, "not_agreed"}} {
		var d struct {
			Items [][]any `json:"items"`
			At    int     `json:"at"`
		}
		if err := json.Unmarshal([]byte(f.page("", tp+"/dashboard/data?at="+strconv.Itoa(c.at))), &d); err != nil {
			t.Fatal(err)
		}
		if len(d.Items) == 0 || d.Items[0][0] != "D1" || d.Items[0][2] != c.want {
			t.Errorf("after event %d: D1 is %v, want %s", c.at, d.Items, c.want)
		}
	}
	page := f.page("", tp+"/dashboard?at="+strconv.Itoa(lost)+"&item=D1")
	for _, w := range []string{"You are looking at the record as it was after event", "Why D1 is not agreed", "Previous change (#" + strconv.Itoa(agreed) + ")"} {
		if !strings.Contains(page, w) {
			t.Errorf("the past dashboard lacks %q", w)
		}
	}
	if strings.Contains(page, "data-live") && strings.Contains(page, "<body data-page=\"dashboard\"") && regexp.MustCompile(`<body[^>]* data-live`).MatchString(page) {
		t.Errorf("a view of the past follows live updates")
	}
}

// TestConditionPreview checks the parse the condition builder shows.
func TestConditionPreview(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	for _, c := range []struct {
		cond, canonical, words, err string
	}{
		{"agreed(M1a) || agreed(M1b)", "agreed(M1a) or agreed(M1b)", "M1a or M1b is agreed", ""},
		{"agreed(D1) && !agreed(M1a)", "agreed(D1) and not agreed(M1a)", "D1 is agreed and M1a is not agreed", ""},
		{"agreed(M1a) or (agreed(M1b) and fact(x.y))", "agreed(M1a) or agreed(M1b) and fact(x.y)", "M1a is agreed or (M1b is agreed and the fact x.y is confirmed)", ""},
		{"agreed(M9)", "", "", "agreed(M9) names no item"},
		{"agreed(M1a) or", "", "", "at column"},
		{"", "", "", "write a condition"},
	} {
		var got struct {
			OK        bool   `json:"ok"`
			Canonical string `json:"canonical"`
			Words     string `json:"words"`
			Error     string `json:"error"`
		}
		body := f.page("", "/talks/"+f.talks+"/condition?c="+urlQuery(c.cond))
		if err := json.Unmarshal([]byte(body), &got); err != nil {
			t.Fatal(err)
		}
		if c.err != "" {
			if got.OK || !strings.Contains(got.Error, c.err) {
				t.Errorf("%q: got ok=%v error %q, want an error with %q", c.cond, got.OK, got.Error, c.err)
			}
			continue
		}
		if !got.OK || got.Canonical != c.canonical || got.Words != c.words {
			t.Errorf("%q: got %+v, want canonical %q and words %q", c.cond, got, c.canonical, c.words)
		}
	}
}

// TestStatic checks the static files and their caching.
func TestStatic(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	body := f.page("", "/")
	m := regexp.MustCompile(`href="(/static/parley\.css\?v=[0-9a-f]+)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("the page links no versioned stylesheet")
	}
	resp, err := http.Get(f.ts.URL + m[1])
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Content-Type"); got != "text/css; charset=utf-8" {
		t.Errorf("stylesheet type %q", got)
	}
	if got := resp.Header.Get("Cache-Control"); !strings.Contains(got, "immutable") {
		t.Errorf("versioned stylesheet cached as %q, want immutable", got)
	}
	for _, js := range []string{"app", "acts", "cond", "keys", "live", "matrix", "sign", "signin", "util", "verify"} {
		code, body := f.get("", "/static/js/"+js+".js")
		if code != http.StatusOK || !strings.HasPrefix(body, "// ") {
			t.Errorf("/static/js/%s.js: status %d", js, code)
		}
	}
	if code, _ := f.get("", "/static/nonesuch.js"); code != http.StatusNotFound {
		t.Errorf("a missing static file: status %d, want 404", code)
	}
}

// TestDemoQuotations checks that in the demo the public page marks each
// statement that quotes a real person as quoted in the press, and no
// other.
func TestDemoQuotations(t *testing.T) {
	f := newFixture(t, fixtureOptions{demo: true})
	body := f.page("", "/talks/"+f.talks+"/public")
	want := 0
	for _, q := range f.script.Quotations() {
		if strings.Contains(body, html.EscapeString(q.Text)) {
			want++
		}
	}
	if want == 0 {
		t.Fatal("the public page shows none of the quoted statements")
	}
	if got := strings.Count(body, "Quoted in the press"); got != want {
		t.Errorf("the public page marks %d statements as quoted in the press, want %d", got, want)
	}
}

// TestOpenBracketsExplained checks that a text with an open bracket is not
// agreed though every party supports it, and that the dashboard says why
// and that a clean version would unlock it.
func TestOpenBracketsExplained(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	f.openRound("r3")
	for _, p := range []string{"gov", "oppA", "oppB", "oppC"} {
		f.act(p, parley.KindAcceptInvitation, "", parley.Invitation{Round: "r3", Party: p})
	}
	f.act("mediator", parley.KindTableVersion, "", parley.TableVersion{Item: "D1", Version: 3, Texts: map[string][]string{
		"ar": {"تُستأنف المحادثات [[في أيار/مايو || في حزيران/يونيه]]."},
		"ru": {"Переговоры возобновляются [[в мае || в июне]]."},
		"en": {"The talks resume [[in May || in June]]."},
	}})
	for _, p := range []string{"gov", "oppA", "oppB", "oppC"} {
		f.act(p, parley.KindSetStance, "", parley.SetStance{Item: "D1", Version: 3, Party: p, Stance: parley.StanceSupport})
	}
	body := f.page("", "/talks/"+f.talks+"/dashboard?item=D1")
	for _, want := range []string{"Why D1 is not agreed", "the current version of D1 holds 1 open bracket", "a mediator tables a version of D1 without brackets"} {
		if !strings.Contains(body, want) {
			t.Errorf("the explanation of D1 lacks %q", want)
		}
	}
}

// TestBetweenRounds checks that after the round closed a delegation may
// still change its stance in its workspace, and that the timeline says
// the stance was taken between rounds.
func TestBetweenRounds(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	tok := f.token("oppA")
	ws := f.page(tok, "/talks/"+f.talks+"/workspace")
	if !strings.Contains(ws, "No round is open. Round <strong>r2</strong> closed; your party sat at its table.") || !strings.Contains(ws, `data-act="stance.set"`) {
		t.Errorf("the workspace of oppA between rounds does not offer a stance change")
	}
	if strings.Contains(ws, `data-act="amendment.propose"`) {
		t.Errorf("the workspace of oppA between rounds offers an amendment, which waits for the next round")
	}
	rec := f.act("oppA", parley.KindSetStance, "", parley.SetStance{Item: "D1", Version: 2, Party: "oppA", Stance: parley.StanceSupport, Reason: "Our capital confirms."})
	tl := f.page("", fmt.Sprintf("/talks/%s/timeline?from=%d", f.talks, rec.Index-rec.Index%200))
	if !strings.Contains(tl, "between rounds, after round r2 closed") {
		t.Errorf("the timeline does not say the stance #%d was taken between rounds", rec.Index)
	}
}

// TestDemoOpensCaucus checks that in demo mode the server opens the
// scenario's sealed caucus for the demo actor acting, and says so, and
// that without demo mode the page the server renders holds no sealed text:
// the browser opens it.
func TestDemoOpensCaucus(t *testing.T) {
	var texts []string
	for _, st := range scenario.Moscow().Steps {
		if st.Kind == parley.KindCaucus && strings.Contains(string(st.Payload), `"party": "oppC"`) {
			var p parley.Caucus
			if err := json.Unmarshal(st.Payload, &p); err != nil {
				t.Fatal(err)
			}
			texts = append(texts, html.EscapeString(p.Text))
		}
	}
	if len(texts) == 0 {
		t.Fatal("the scenario has no caucus message of oppC")
	}
	for _, demo := range []bool{true, false} {
		f := newFixture(t, fixtureOptions{demo: demo})
		ws := "/talks/" + f.talks + "/workspace"
		body := f.page(f.token("oppC"), ws)
		for _, text := range texts {
			if got := strings.Contains(body, text); got != demo {
				t.Errorf("demo=%v: oppC's workspace holds its sealed caucus text: %v, want %v", demo, got, demo)
			}
		}
		if got := strings.Contains(body, "Opened by the demo server"); got != demo {
			t.Errorf("demo=%v: the workspace says the demo server opened the caucus: %v", demo, got)
		}
		if !demo && !strings.Contains(body, "data-sealed-text") {
			t.Errorf("the workspace holds no placeholder for the sealed messages")
		}
		// Another delegation's head sees none of it, in demo mode too.
		if body := f.page(f.token("oppA"), ws+"?party=oppC"); strings.Contains(body, texts[0]) {
			t.Errorf("demo=%v: oppA's workspace shows oppC's caucus", demo)
		}
	}
}
