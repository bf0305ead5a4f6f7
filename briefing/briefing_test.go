package briefing_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/briefing"
	"github.com/parleyhq/parley/i18n"
	"github.com/parleyhq/parley/view"
)

var update = flag.Bool("update", false, "rewrite the golden briefings in testdata")

// TestMoscowGolden compares the briefings of the Moscow rounds with the
// ones in testdata, read and checked by hand as what a careful person
// would write from the record, in each language of the interface: for
// anyone, and for the mediators.
func TestMoscowGolden(t *testing.T) {
	talks, events := moscowEvents(t)
	for _, tc := range []struct{ round, audience string }{
		{"r1", "public"}, {"r2", "public"}, {"r2", "mediators"},
	} {
		v, err := view.Audience(tc.audience)
		if err != nil {
			t.Fatal(err)
		}
		for _, tag := range i18n.Tags {
			p := i18n.For(tag)
			md, err := briefing.FromEvents(p, talks, events, v, tc.round)
			if err != nil {
				t.Fatal(err)
			}
			checkBriefing(t, p, md)
			name := "moscow-" + tc.round + "-" + tc.audience + ".md"
			if tag != i18n.English {
				name = "moscow-" + tc.round + "-" + tc.audience + "." + p.Code() + ".md"
			}
			golden(t, filepath.Join("testdata", name), md)
		}
	}
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./briefing -update to write it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs; got:\n%s", path, got)
	}
}

var refRE = regexp.MustCompile(`\[#(\d+)\]`)

// The header's range of events and its later statements, in each
// language.
var (
	eventsRE = map[string]*regexp.Regexp{
		"en": regexp.MustCompile(`events 0 to (\d+)`),
		"ar": regexp.MustCompile(`الأحداث من 0 إلى (\d+)`),
		"ru": regexp.MustCompile(`события с 0 по (\d+)`),
	}
	upToRE = map[string]*regexp.Regexp{
		"en": regexp.MustCompile(`up to #(\d+)`),
		"ar": regexp.MustCompile(`حتى الحدث #(\d+)`),
		"ru": regexp.MustCompile(`вплоть до события #(\d+)`),
	}
)

// checkBriefing checks what every briefing must hold to, in its language:
// no two facts that contradict each other, and every reference within the
// events the header says it is drawn from, its example among them.
func checkBriefing(t *testing.T, p *i18n.Printer, md string) {
	t.Helper()
	nothing := strings.Contains(md, p.T("Nothing is agreed so far.")) || strings.Contains(md, p.T("Nothing is agreed at the end of the round."))
	if nothing && strings.Contains(md, p.T("Every item on the agenda is agreed.")) {
		t.Errorf("the briefing says both that nothing and that everything is agreed:\n%s", md)
	}
	if strings.Contains(md, p.T("There is no item on the agenda.")) && strings.Contains(md, "## "+p.T("Not agreed")+"\n") {
		t.Errorf("the briefing has no item yet lists what is not agreed:\n%s", md)
	}
	head, body, _ := strings.Cut(md, "\n## ")
	last := int64(-1)
	if m := eventsRE[p.Code()].FindStringSubmatch(head); m != nil {
		last, _ = strconv.ParseInt(m[1], 10, 64)
	} else {
		t.Errorf("the header does not say which events the briefing is drawn from:\n%s", head)
	}
	if m := upToRE[p.Code()].FindStringSubmatch(head); m != nil {
		last, _ = strconv.ParseInt(m[1], 10, 64)
	}
	cited := map[string]bool{}
	for _, m := range refRE.FindAllStringSubmatch(body, -1) {
		cited[m[1]] = true
		if n, _ := strconv.ParseInt(m[1], 10, 64); n > last {
			t.Errorf("the briefing cites #%d beyond the events its header names (to #%d):\n%s", n, last, md)
		}
	}
	// The header's example is its last reference, after the closing
	// note's.
	if ms := refRE.FindAllStringSubmatch(head, -1); len(ms) > 0 {
		m := ms[len(ms)-1]
		if !cited[m[1]] && !strings.Contains(head, p.T("Closing note, as recorded when the round closed %[1]s: %[2]s", m[0], "")) {
			t.Errorf("the header's example %s is cited nowhere:\n%s", m[0], md)
		}
	}
	for _, bad := range []string{"”.”", ".”.", "».»", ".».", "1 items", "1 events", "(en)", "attended", "agreed(", "fact(", "%!", "  "} {
		if strings.Contains(md, bad) {
			t.Errorf("the briefing holds %q:\n%s", bad, md)
		}
	}
}

// talks builds the events of a small talks, act by act.
type talks struct {
	t      *testing.T
	keys   map[string]ed25519.PrivateKey
	events []*parley.Event
	clock  time.Time
}

func newTalks(t *testing.T) *talks {
	tk := &talks{t: t, keys: map[string]ed25519.PrivateKey{}, clock: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	for _, n := range []string{"convener", "mediator", "gov", "opp"} {
		_, k, _ := ed25519.GenerateKey(rand.Reader)
		tk.keys[n] = k
	}
	tk.act("convener", parley.KindFoundTalks, "", parley.FoundTalks{Title: "Ceasefire talks", ConvenerName: "The Host", Rule: parley.Rule{Kind: parley.RuleConsensus}, Visibility: parley.VisPublic})
	tk.act("convener", parley.KindAddMediator, "", parley.AddMediator{Key: tk.pub("mediator"), Name: "Ana Mediator"})
	for _, p := range []string{"gov", "opp"} {
		tk.act("mediator", parley.KindAddParty, "", parley.AddParty{Party: p, Name: map[string]string{"gov": "Government of Ruritania", "opp": "Ruritanian Opposition Front"}[p]})
		tk.act("mediator", parley.KindAddActor, "", parley.AddActor{Key: tk.pub(p), Name: "Head " + p, Role: parley.RoleHead, Party: p})
	}
	return tk
}

func (tk *talks) pub(n string) string {
	return parley.KeyString(tk.keys[n].Public().(ed25519.PublicKey))
}

func (tk *talks) act(by, kind, vis string, payload any) {
	tk.t.Helper()
	tk.clock = tk.clock.Add(time.Hour)
	e, err := parley.NewEvent("tk", kind, tk.keys[by].Public().(ed25519.PublicKey), tk.clock, payload)
	if err != nil {
		tk.t.Fatal(err)
	}
	e.Vis = vis
	b, _ := json.Marshal(e)
	if e, err = parley.DecodeEvent(b); err != nil {
		tk.t.Fatal(err)
	}
	tk.events = append(tk.events, e)
}

func (tk *talks) round(id string, parties ...string) {
	tk.act("mediator", parley.KindPlanRound, "", parley.PlanRound{Round: id, Title: "Round " + id, Starts: "2026-03-02", Ends: "2026-03-20", Venue: "Geneva"})
	for _, p := range parties {
		tk.act("mediator", parley.KindInvite, "", parley.Invitation{Round: id, Party: p})
		tk.act(p, parley.KindAcceptInvitation, "", parley.Invitation{Round: id, Party: p})
	}
	tk.act("mediator", parley.KindOpenRound, "", parley.RoundRef{Round: id})
}

// brief writes the briefing of a round for an audience in each language
// of the interface, checked by checkBriefing.
func (tk *talks) brief(audience, round string) briefs {
	tk.t.Helper()
	v, err := view.Audience(audience)
	if err != nil {
		tk.t.Fatal(err)
	}
	out := briefs{}
	for _, tag := range i18n.Tags {
		p := i18n.For(tag)
		md, err := briefing.FromEvents(p, "tk", tk.events, v, round)
		if err != nil {
			tk.t.Fatalf("briefing of %s for %s in %s: %v", round, audience, p.Code(), err)
		}
		checkBriefing(tk.t, p, md)
		out[p.Code()] = md
	}
	return out
}

// briefs are one briefing in each language, by language code.
type briefs map[string]string

// says is what a careful writer of each language writes for one fact:
// English, Arabic, Russian.
type says struct{ en, ar, ru string }

func (s says) in(code string) string {
	return map[string]string{"en": s.en, "ar": s.ar, "ru": s.ru}[code]
}

// en says the same text in every language: a name, an id, a reason as
// it was signed, or what must appear in none.
func en(s string) says { return says{s, s, s} }

func mustContain(t *testing.T, b briefs, wants ...says) {
	t.Helper()
	for code, md := range b {
		for _, w := range wants {
			if !strings.Contains(md, w.in(code)) {
				t.Errorf("the briefing in %s lacks %q:\n%s", code, w.in(code), md)
			}
		}
	}
}

func mustLack(t *testing.T, b briefs, bads ...says) {
	t.Helper()
	for code, md := range b {
		for _, w := range bads {
			if strings.Contains(md, w.in(code)) {
				t.Errorf("the briefing in %s holds %q:\n%s", code, w.in(code), md)
			}
		}
	}
}

// TestEmptyRound: a round with no party invited and no item on the agenda.
func TestEmptyRound(t *testing.T) {
	tk := newTalks(t)
	tk.round("r1")
	md := tk.brief("public", "r1")
	mustContain(t, md,
		says{"Round `r1`, Geneva, 2 March 2026 to 20 March 2026. Still open.", "الجولة `r1`، Geneva، من ٢ آذار/مارس ٢٠٢٦ إلى ٢٠ آذار/مارس ٢٠٢٦. لا تزال مفتوحة.",
			"Раунд `r1`, Geneva, с 2 марта 2026 г. по 20 марта 2026 г. Раунд ещё открыт."},
		says{"No party was invited.", "لم توجَّه الدعوة إلى أي طرف.", "Ни одна сторона не была приглашена."},
		says{"There is no item on the agenda.", "لا يتضمن جدول الأعمال أي بند.", "В повестке дня нет ни одного пункта."},
		says{"Convened by The Host; mediated by Ana Mediator.", "الجهة الداعية: The Host؛ الوساطة: Ana Mediator.", "Организатор: The Host; посредничество: Ana Mediator."})
	mustLack(t, md, says{"## Not agreed", "## ما لم يتم الاتفاق عليه", "## Не согласовано"},
		says{"Nothing is agreed", "لم يتم الاتفاق على أي بند", "ни по одному пункту"},
		says{"Numbers in brackets", "الأرقام الواردة بين معقوفتين", "Числа в квадратных скобках"})
}

// TestEverythingAgreed: an open round in which every item is agreed.
func TestEverythingAgreed(t *testing.T) {
	tk := newTalks(t)
	tk.round("r1", "gov", "opp")
	tk.act("mediator", parley.KindAddItem, "", parley.AddItem{Item: "A1", Title: "Ceasefire", Kind: parley.ItemDocument})
	tk.act("mediator", parley.KindTableVersion, "", parley.TableVersion{Item: "A1", Version: 1, Paragraphs: []string{"The parties cease fire."}})
	tk.act("gov", parley.KindSetStance, "", parley.SetStance{Item: "A1", Version: 1, Party: "gov", Stance: parley.StanceSupport})
	tk.act("opp", parley.KindSetStance, "", parley.SetStance{Item: "A1", Version: 1, Party: "opp", Stance: parley.StanceConditional, Condition: "agreed(A1)"})
	md := tk.brief("public", "")
	mustContain(t, md,
		says{"Every item on the agenda is agreed.", "تم الاتفاق على جميع بنود جدول الأعمال.", "По всем пунктам повестки дня достигнуто согласие."},
		says{"- **A1** “Ceasefire”, version 1 [#13]: agreed, with the support of Government of Ruritania (gov) [#14] and Ruritanian Opposition Front (opp) [#15], on the condition that A1 is agreed.",
			"- **A1** «Ceasefire»، الصيغة ١ [#13]: تم الاتفاق عليه بتأييد Government of Ruritania (gov) [#14] وRuritanian Opposition Front (opp) [#15]، بشرط تحقق ما يلي: تم الاتفاق على A1.",
			"- **A1** «Ceasefire», версия 1 [#13]: согласие достигнуто при поддержке Government of Ruritania (gov) [#14] и Ruritanian Opposition Front (opp) [#15], при условии, что по A1 достигнуто согласие."},
		says{"- Government of Ruritania (gov): accepted the invitation [#8], and was at the table when the round opened [#11].",
			"- Government of Ruritania (gov): قُبلت الدعوة [#8]، وكان الطرف حاضرًا إلى طاولة المفاوضات عند افتتاح الجولة [#11].",
			"- Government of Ruritania (gov): приглашение принято [#8]; сторона присутствовала за столом переговоров при открытии раунда [#11]."},
		// The history says the change in the words of its cause.
		says{"- **A1** “Ceasefire” was agreed on 3 March 2026 (day 2) [#15], when Ruritanian Opposition Front (opp) made its support of version 1 conditional: it supports it only if A1 is agreed.",
			"- **A1** «Ceasefire»: تم الاتفاق عليه في ٣ آذار/مارس ٢٠٢٦ (اليوم ٢) [#15]، عندما جعل الطرف Ruritanian Opposition Front (opp) تأييده للصيغة ١ مشروطًا، فهو لا يؤيدها إلا إذا تم الاتفاق على A1.",
			"- **A1** «Ceasefire»: согласие достигнуто 3 марта 2026 г. (день 2) [#15], когда сторона Ruritanian Opposition Front (opp) обусловила свою поддержку версии 1: она поддерживает её только при условии, что по A1 достигнуто согласие."})
	mustLack(t, md, says{"Nothing is agreed", "لم يتم الاتفاق على أي بند", "ни по одному пункту"})
}

// TestNothingAgreedYet: an open round with an item not agreed says so
// without claiming the round's end.
func TestNothingAgreedYet(t *testing.T) {
	tk := newTalks(t)
	tk.round("r1", "gov", "opp")
	tk.act("mediator", parley.KindAddItem, "", parley.AddItem{Item: "A1", Title: "Ceasefire", Kind: parley.ItemDocument})
	tk.act("mediator", parley.KindTableVersion, "", parley.TableVersion{Item: "A1", Version: 1, Paragraphs: []string{"The parties cease fire."}})
	tk.act("gov", parley.KindSetStance, "", parley.SetStance{Item: "A1", Version: 1, Party: "gov", Stance: parley.StanceSupport})
	md := tk.brief("public", "r1")
	mustContain(t, md,
		says{"Nothing is agreed so far.", "لم يتم الاتفاق على أي بند حتى الآن.", "Пока ни по одному пункту согласие не достигнуто."},
		says{"- **A1** “Ceasefire”: not agreed. Ruritanian Opposition Front (opp) has taken no stance.",
			"- **A1** «Ceasefire»: ليس موضع اتفاق. لم يتخذ الطرف Ruritanian Opposition Front (opp) أي موقف.",
			"- **A1** «Ceasefire»: согласие не достигнуто. Сторона Ruritanian Opposition Front (opp) не заняла позиции."})
	mustLack(t, md, says{"at the end of the round", "في نهاية الجولة", "По итогам раунда"},
		says{"Every item", "جميع بنود", "По всем пунктам"})
}

// TestLateAcceptanceAndBetweenRounds: a party that accepts after the round
// opened, a stance changed between rounds (shown in the next round's
// briefing), and a decline's reason for the mediators only.
func TestLateAcceptanceAndBetweenRounds(t *testing.T) {
	tk := newTalks(t)
	tk.act("mediator", parley.KindPlanRound, "", parley.PlanRound{Round: "r1", Title: "Round r1", Starts: "2026-03-02", Ends: "2026-03-20", Venue: "Geneva"})
	tk.act("mediator", parley.KindInvite, "", parley.Invitation{Round: "r1", Party: "gov"})
	tk.act("mediator", parley.KindInvite, "", parley.Invitation{Round: "r1", Party: "opp"})
	tk.act("gov", parley.KindAcceptInvitation, "", parley.Invitation{Round: "r1", Party: "gov"})
	tk.act("mediator", parley.KindOpenRound, "", parley.RoundRef{Round: "r1"})
	tk.act("opp", parley.KindAcceptInvitation, "", parley.Invitation{Round: "r1", Party: "opp"})
	tk.act("mediator", parley.KindAddItem, "", parley.AddItem{Item: "A1", Title: "Ceasefire", Kind: parley.ItemDocument})
	tk.act("mediator", parley.KindTableVersion, "", parley.TableVersion{Item: "A1", Version: 1, Paragraphs: []string{"The parties cease fire."}})
	tk.act("gov", parley.KindSetStance, "", parley.SetStance{Item: "A1", Version: 1, Party: "gov", Stance: parley.StanceAdReferendum})
	tk.act("opp", parley.KindSetStance, "", parley.SetStance{Item: "A1", Version: 1, Party: "opp", Stance: parley.StanceSupport})
	tk.act("mediator", parley.KindCloseRound, parley.VisParticipants, parley.CloseRound{Round: "r1", Note: "SECRET-NOTE"})
	// The capital answers after the round.
	tk.act("gov", parley.KindSetStance, "", parley.SetStance{Item: "A1", Version: 1, Party: "gov", Stance: parley.StanceSupport, Reason: "Confirmed by the capital."})
	tk.act("mediator", parley.KindPlanRound, "", parley.PlanRound{Round: "r2", Title: "Round r2", Starts: "2026-04-06", Ends: "2026-04-10", Venue: "Geneva"})
	tk.act("mediator", parley.KindInvite, "", parley.Invitation{Round: "r2", Party: "gov"})
	tk.act("mediator", parley.KindInvite, "", parley.Invitation{Round: "r2", Party: "opp"})
	tk.act("gov", parley.KindAcceptInvitation, "", parley.Invitation{Round: "r2", Party: "gov"})
	tk.act("opp", parley.KindDeclineInvitation, parley.VisMediators, parley.Invitation{Round: "r2", Party: "opp", Reason: "SECRET-REASON"})
	tk.act("mediator", parley.KindOpenRound, "", parley.RoundRef{Round: "r2"})

	r1 := tk.brief("public", "r1")
	mustContain(t, r1,
		says{"- Ruritanian Opposition Front (opp): accepted the invitation on 2 March 2026 (day 1) [#11], after the round opened.",
			"- Ruritanian Opposition Front (opp): قُبلت الدعوة في ٢ آذار/مارس ٢٠٢٦ (اليوم ١) [#11]، بعد افتتاح الجولة.",
			"- Ruritanian Opposition Front (opp): приглашение принято 2 марта 2026 г. (день 1) [#11], после открытия раунда."},
		says{"- **A1** “Ceasefire”, version 1 [#13]: agreed ad referendum: the support of Government of Ruritania (gov) awaits the confirmation of its capital, with the support of Government of Ruritania (gov) [#14] and Ruritanian Opposition Front (opp) [#15].",
			"- **A1** «Ceasefire»، الصيغة ١ [#13]: تم الاتفاق عليه رهنًا بموافقة العاصمة، إذ ينتظر تأييدُ Government of Ruritania (gov) تأكيدَ عاصمته، وذلك بتأييد Government of Ruritania (gov) [#14] وRuritanian Opposition Front (opp) [#15].",
			"- **A1** «Ceasefire», версия 1 [#13]: согласие достигнуто ad referendum — поддержка со стороны Government of Ruritania (gov) ожидает подтверждения столицей этой стороны; при поддержке Government of Ruritania (gov) [#14] и Ruritanian Opposition Front (opp) [#15]."},
		// One event, the mediators' closing, is hidden from the public.
		says{"as anyone may see them (1 of them, not public, is left out).", "كما يمكن لأي شخص الاطلاع عليها (ولم يُدرج منها حدث واحد غير علني).",
			"в том виде, в каком их может видеть любой (1 непубличное событие не включено)."})
	// For the public the mediators' closing is hidden: the round is still
	// open to it, and the note is not shown.
	mustLack(t, r1, en("SECRET-NOTE"))
	r2 := tk.brief("public", "r2")
	mustContain(t, r2,
		says{"## Stances changed between rounds\n\nAfter round `r1` closed and before this round opened:\n\n",
			"## المواقف التي تغيّرت بين الجولتين\n\nبعد اختتام الجولة `r1` وقبل افتتاح هذه الجولة:\n\n",
			"## Позиции, изменённые между раундами\n\nПосле закрытия раунда `r1` и до открытия этого раунда:\n\n"},
		says{"- On 3 March 2026, Government of Ruritania (gov) supported version 1 of **A1** [#17]: “Confirmed by the capital.”\n",
			"- في ٣ آذار/مارس ٢٠٢٦، أيّد الطرف Government of Ruritania (gov) الصيغة ١ من البند **A1** [#17]: «Confirmed by the capital.»\n",
			"- 3 марта 2026 г. сторона Government of Ruritania (gov) поддержала версию 1 пункта **A1** [#17]: «Confirmed by the capital.»\n"},
		// Two events, the closing and the decline, are hidden: Arabic's
		// dual, Russian's case after 2.
		says{"(2 of them, not public, are left out)", "(ولم يُدرج منها حدثان غير علنيين)", "(2 непубличных события не включены)"})
	// The decline is for the mediators: the public sees opp invited.
	mustContain(t, r2, says{"- Ruritanian Opposition Front (opp): invited [#20]; no answer is recorded.",
		"- Ruritanian Opposition Front (opp): وُجّهت إليه الدعوة [#20]، ولم يُسجَّل أي رد.",
		"- Ruritanian Opposition Front (opp): приглашение направлено [#20]; ответ не зафиксирован."})
	mustLack(t, r2, en("SECRET-REASON"), says{"declined", "رُفضت", "отклонено"})
	med := tk.brief("mediators", "r2")
	mustContain(t, med, says{"- Ruritanian Opposition Front (opp): **declined** on 3 March 2026, giving as its reason: “SECRET-REASON” [#22].",
		"- Ruritanian Opposition Front (opp): **رُفضت** الدعوة في ٣ آذار/مارس ٢٠٢٦، وكان السبب المُعلَن: «SECRET-REASON» [#22].",
		"- Ruritanian Opposition Front (opp): приглашение **отклонено** 3 марта 2026 г.; указанная причина: «SECRET-REASON» [#22]."})
	medR1 := tk.brief("mediators", "r1")
	mustContain(t, medR1,
		says{"Closed on 3 March 2026 (day 2).", "اختُتمت في ٣ آذار/مارس ٢٠٢٦ (اليوم ٢).", "Закрыт 3 марта 2026 г. (день 2)."},
		says{"Closing note, as recorded when the round closed [#16]: “SECRET-NOTE”.", "ملاحظة الاختتام، كما سُجّلت عند اختتام الجولة [#16]: «SECRET-NOTE».",
			"Заключительная запись, внесённая при закрытии раунда [#16]: «SECRET-NOTE»."})
}

// TestOpenBracketsNotAgreed: a text with open brackets is not agreed,
// though every party supports it, and the briefing says why and what
// lifts it.
func TestOpenBracketsNotAgreed(t *testing.T) {
	tk := newTalks(t)
	tk.round("r1", "gov", "opp")
	tk.act("mediator", parley.KindAddItem, "", parley.AddItem{Item: "A1", Title: "Ceasefire", Kind: parley.ItemDocument})
	tk.act("mediator", parley.KindTableVersion, "", parley.TableVersion{Item: "A1", Version: 1, Paragraphs: []string{"The ceasefire starts at [[midnight || noon]]."}})
	for _, p := range []string{"gov", "opp"} {
		tk.act(p, parley.KindSetStance, "", parley.SetStance{Item: "A1", Version: 1, Party: p, Stance: parley.StanceSupport})
	}
	md := tk.brief("public", "r1")
	mustContain(t, md,
		says{"Nothing is agreed so far.", "لم يتم الاتفاق على أي بند حتى الآن.", "Пока ни по одному пункту согласие не достигнуто."},
		says{"**A1** “Ceasefire”: not agreed. The current version of A1 holds 1 open bracket, and nothing in brackets is agreed until a mediator tables a version without them.",
			"**A1** «Ceasefire»: ليس موضع اتفاق. تتضمن الصيغة الحالية للبند A1 معقوفةً مفتوحة واحدة، ولا يُعدّ أي نص بين معقوفتين متفقًا عليه حتى يطرح الوسيط صيغة خالية منها.",
			"**A1** «Ceasefire»: согласие не достигнуто. Текущая версия A1 содержит 1 открытую скобку, а ничто в скобках не считается согласованным, пока посредник не представит версию без неё."})
	mustLack(t, md, says{"Every item", "جميع بنود", "По всем пунктам"}, says{"No party supports", "لا يؤيده أي طرف", "Ни одна сторона не поддерживает"})
}
