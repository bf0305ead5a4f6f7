package parley_test

import (
	"testing"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/i18n"
)

// namer names the parties and actors of a small talks and says the
// descriptions in one language, as the pages' views do.
type namer struct{ p *i18n.Printer }

func (n namer) PartyName(id string) string {
	if id == "gov" {
		return "Government of Ruritania"
	}
	return id
}

func (n namer) ActorName(key string) string {
	if key == "k-mediator" {
		return "Ana Mediator"
	}
	return "an unknown key"
}

func (n namer) T(format string, args ...any) string { return n.p.T(format, args...) }

// TestDescribe checks the descriptions of acts in each language of the
// interface against what a careful writer of each would say, with the odd
// cases: no venue, a text in several languages, one paragraph and one
// amendment, a kind the table does not know.
func TestDescribe(t *testing.T) {
	type says struct{ en, ar, ru string }
	for _, c := range []struct {
		name  string
		kind  string
		act   parley.Act
		short bool // check the short form rather than the summary
		says
	}{
		{"founded", parley.KindFoundTalks, &parley.FoundTalks{Title: "Ceasefire talks", Rule: parley.Rule{Kind: parley.RuleConsensus}, Visibility: parley.VisPublic}, false, says{
			"founded the talks “Ceasefire talks”, open to the public (decision rule: consensus)",
			"أسّس المحادثات «Ceasefire talks»، وهي مفتوحة للجمهور (قاعدة اتخاذ القرار: توافق الآراء)",
			"учредил переговоры «Ceasefire talks», открытые для публики (порядок принятия решений: консенсус)"}},
		{"founded by majority", parley.KindFoundTalks, &parley.FoundTalks{Title: "T", Rule: parley.Rule{Kind: parley.RuleMajority, Threshold: 2.0 / 3}}, false, says{
			"founded the talks “T”, seen by its participants only (decision rule: a majority of 66.67%)",
			"أسّس المحادثات «T»، ولا يطّلع عليها إلا المشاركون فيها (قاعدة اتخاذ القرار: أغلبية ٦٦٫٦٧٪)",
			"учредил переговоры «T», доступные только их участникам (порядок принятия решений: большинство в 66,67 %)"}},
		{"head", parley.KindAddActor, &parley.AddActor{Key: "ed25519:abcdefghijkl", Name: "Omar", Role: parley.RoleHead, Party: "gov"}, false, says{
			"put Omar on the roster as head of the delegation of Government of Ruritania (gov) (key ed25519:ab…)",
			"أدرج Omar في قائمة المشاركين بصفة رئيس وفد Government of Ruritania (gov) (المفتاح ed25519:ab…)",
			"включил Omar в список участников (роль: глава делегации Government of Ruritania (gov); ключ ed25519:ab…)"}},
		{"observer", parley.KindAddActor, &parley.AddActor{Key: "k", Name: "Ola", Role: parley.RoleObserver}, false, says{
			"put Ola on the roster as observer (key k)",
			"أدرج Ola في قائمة المشاركين بصفة مراقب (المفتاح k)",
			"включил Ola в список участников (роль: наблюдатель; ключ k)"}},
		{"no venue", parley.KindPlanRound, &parley.PlanRound{Round: "r1", Title: "First round", Starts: "2026-03-02", Ends: "2026-03-05"}, false, says{
			"planned round r1, “First round”, from 2026-03-02 to 2026-03-05, at a venue not given",
			"حدّد موعد الجولة r1، «First round»، من 2026-03-02 إلى 2026-03-05، دون تحديد مكان انعقادها",
			"запланировал раунд r1 «First round» с 2026-03-02 по 2026-03-05; место проведения не указано"}},
		{"one paragraph", parley.KindTableVersion, &parley.TableVersion{Item: "D1", Version: 2, Paragraphs: []string{"x"}, Amendments: []string{"A1"}}, false, says{
			"tabled version 2 of D1, 1 paragraph, taking in the amendment A1",
			"طرح الصيغة ٢ من البند D1، وهي من فقرة واحدة، متضمّنةً التعديل A1",
			"представил версию 2 пункта D1: 1 абзац, с учётом поправки A1"}},
		{"three languages", parley.KindTableVersion, &parley.TableVersion{Item: "M1b", Version: 1, Texts: map[string][]string{"ru": {"а", "б"}, "ar": {"أ", "ب"}, "en": {"a", "b"}}}, false, says{
			"tabled version 1 of M1b in ar, en and ru, 2 paragraphs",
			"طرح الصيغة ١ من البند M1b (ar، en وru)، وهي من فقرتين",
			"представил версию 1 пункта M1b (ar, en и ru): 2 абзаца"}},
		{"eleven paragraphs", parley.KindTableVersion, &parley.TableVersion{Item: "D1", Version: 3, Paragraphs: make([]string, 11)}, false, says{
			"tabled version 3 of D1, 11 paragraphs",
			"طرح الصيغة ٣ من البند D1، وهي من ١١ فقرةً",
			"представил версию 3 пункта D1: 11 абзацев"}},
		{"conditional", parley.KindSetStance, &parley.SetStance{Item: "D1", Version: 2, Party: "oppA", Stance: parley.StanceConditional, Condition: "agreed(M1a) or agreed(M1b)"}, true, says{
			"oppA made its support of D1 version 2 conditional on agreed(M1a) or agreed(M1b)",
			"جعل الطرف oppA تأييده للصيغة ٢ من البند D1 مشروطًا بما يلي: agreed(M1a) or agreed(M1b)",
			"сторона oppA обусловила свою поддержку версии 2 пункта D1 условием agreed(M1a) or agreed(M1b)"}},
		{"oppose", parley.KindSetStance, &parley.SetStance{Item: "M1a", Version: 1, Party: "gov", Stance: parley.StanceOppose}, false, says{
			"set the stance of Government of Ruritania (gov) on M1a version 1: oppose",
			"حدّد موقف Government of Ruritania (gov) من الصيغة ١ من البند M1a: معارضة",
			"установил позицию Government of Ruritania (gov) по версии 1 пункта M1a: возражение"}},
		{"revoked", parley.KindRevokeActor, &parley.RevokeActor{Key: "k-mediator"}, false, says{
			"revoked the key k-mediator (Ana Mediator)", "ألغى المفتاح k-mediator (Ana Mediator)", "отозвал ключ k-mediator (Ana Mediator)"}},
		{"package", parley.KindSetPackage, &parley.SetPackage{Package: "p1", Items: []string{"M1a", "M1b", "D1"}}, false, says{
			"made M1a, M1b and D1 a package, agreed together or not at all (p1)",
			"جعل M1a، M1b وD1 حزمة واحدة يُتّفق عليها مجتمعةً أو لا يُتّفق على شيء منها (p1)",
			"объединил M1a, M1b и D1 в пакет, который согласуется целиком или не согласуется вовсе (p1)"}},
		{"unknown kind", "talks.unheard_of", &parley.Statement{}, false, says{
			"recorded an event of the kind talks.unheard_of", "سجّل حدثًا من النوع talks.unheard_of", "записал событие вида talks.unheard_of"}},
		{"unknown kind, short", "talks.unheard_of", nil, true, says{
			"Ana Mediator recorded an event of the kind talks.unheard_of", "Ana Mediator سجّل حدثًا من النوع talks.unheard_of", "Ana Mediator записал событие вида talks.unheard_of"}},
	} {
		for _, tag := range i18n.Tags {
			e := &parley.Event{Kind: c.kind, Actor: "k-mediator", Act: c.act}
			d := parley.Describe(e, namer{i18n.For(tag)})
			got := d.Summary
			if c.short {
				got = d.Short
			}
			want := map[string]string{"en": c.en, "ar": c.ar, "ru": c.ru}[i18n.Code(tag)]
			if got != want {
				t.Errorf("%s in %s:\n got %s\nwant %s", c.name, i18n.Code(tag), got, want)
			}
		}
	}
}

// TestEveryKindIsDescribed: every kind of the table gets a description
// of its own, not the fallback that names its kind.
func TestEveryKindIsDescribed(t *testing.T) {
	n := namer{i18n.For(i18n.English)}
	specs := parley.Specs()
	for i := range specs {
		s := &specs[i]
		if s.Kind == parley.KindCosign || s.Kind == parley.KindForkEvidence {
			continue // the log's own acts, which the timeline does not describe
		}
		e := &parley.Event{Kind: s.Kind, Actor: "k-mediator", Act: s.New()}
		if d := parley.Describe(e, n); d.Summary == "" || d.Summary == n.T("recorded an event of the kind %s", s.Kind) {
			t.Errorf("%s: no description of its own: %q", s.Kind, d.Summary)
		}
	}
}
