package words_test

import (
	"strings"
	"testing"

	"golang.org/x/text/language"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/agreement"
	"github.com/parleyhq/parley/i18n"
	"github.com/parleyhq/parley/state"
	"github.com/parleyhq/parley/words"
)

// Each case says one thing in the three languages of the interface, as a
// careful writer of each would: English, Arabic, Russian.
type says struct{ en, ar, ru string }

func (s says) in(tag language.Tag) string {
	switch tag {
	case i18n.Arabic:
		return s.ar
	case i18n.Russian:
		return s.ru
	}
	return s.en
}

// check calls f with the printer of each language and compares what it
// says with what the case wants.
func check(t *testing.T, name string, want says, f func(p *i18n.Printer) string) {
	t.Helper()
	for _, tag := range i18n.Tags {
		if got, w := f(i18n.For(tag)), want.in(tag); got != w {
			t.Errorf("%s in %s:\n got %s\nwant %s", name, i18n.Code(tag), got, w)
		}
	}
}

func TestCatalogsLoad(t *testing.T) {
	if _, err := i18n.Load(); err != nil {
		t.Fatal(err)
	}
}

func TestCondition(t *testing.T) {
	for _, c := range []struct {
		cond string
		says
	}{
		{"agreed(D1)", says{"D1 is agreed", "تم الاتفاق على D1", "по D1 достигнуто согласие"}},
		{"fact(f1)", says{"the fact f1 is confirmed", "تم تأكيد الواقعة f1", "факт f1 подтверждён"}},
		{"not agreed(M2)", says{"M2 is not agreed", "لم يتم الاتفاق على M2", "по M2 согласие не достигнуто"}},
		{"not fact(f1)", says{"the fact f1 is not confirmed", "لم يتم تأكيد الواقعة f1", "факт f1 не подтверждён"}},
		{"agreed(M1a) or agreed(M1b)", says{"M1a or M1b is agreed", "تم الاتفاق على M1a أو M1b", "по M1a или M1b достигнуто согласие"}},
		{"agreed(M1a) or agreed(M1b) or agreed(M1c)", says{"M1a, M1b or M1c is agreed", "تم الاتفاق على M1a، M1b أو M1c", "по M1a, M1b или M1c достигнуто согласие"}},
		{"agreed(D1) and agreed(D2)", says{"D1 and D2 are agreed", "تم الاتفاق على D1 وD2", "по D1 и D2 достигнуто согласие"}},
		{"agreed(D1) and agreed(D2) and agreed(D3)", says{"D1, D2 and D3 are agreed", "تم الاتفاق على D1، D2 وD3", "по D1, D2 и D3 достигнуто согласие"}},
		{"agreed(D1) and fact(f1)", says{"D1 is agreed and the fact f1 is confirmed", "تم الاتفاق على D1 وتم تأكيد الواقعة f1", "по D1 достигнуто согласие и факт f1 подтверждён"}},
		// Nested: the inner clause of another operator in parentheses.
		{"agreed(D1) and (fact(f1) or not agreed(M2))", says{
			"D1 is agreed and (the fact f1 is confirmed or M2 is not agreed)",
			"تم الاتفاق على D1 و(تم تأكيد الواقعة f1 أو لم يتم الاتفاق على M2)",
			"по D1 достигнуто согласие и (факт f1 подтверждён или по M2 согласие не достигнуто)"}},
		{"not (agreed(D1) and fact(f1))", says{
			"it is not so that (D1 is agreed and the fact f1 is confirmed)",
			"لم يتحقق ما يلي: (تم الاتفاق على D1 وتم تأكيد الواقعة f1)",
			"неверно, что (по D1 достигнуто согласие и факт f1 подтверждён)"}},
		{"not (agreed(M1a) or agreed(M1b))", says{
			"it is not so that M1a or M1b is agreed",
			"لم يتحقق ما يلي: تم الاتفاق على M1a أو M1b",
			"неверно, что по M1a или M1b достигнуто согласие"}},
	} {
		cond, err := agreement.ParseCondition(c.cond)
		if err != nil {
			t.Fatalf("%s: %v", c.cond, err)
		}
		check(t, c.cond, c.says, func(p *i18n.Printer) string { return words.Condition(p, cond) })
		check(t, "text "+c.cond, c.says, func(p *i18n.Printer) string { return words.ConditionText(p, c.cond) })
	}
	// A condition that does not parse is given as it is, in every
	// language: it is the record's text.
	bad := "agreed(D1) and"
	check(t, "unparsed", says{bad, bad, bad}, func(p *i18n.Printer) string { return words.ConditionText(p, bad) })
}

func TestStance(t *testing.T) {
	one := []string{"Opposition Delegation A (oppA)"}
	two := []string{"oppB", "oppC"}
	three := []string{"gov", "oppB", "oppC"}
	for _, c := range []struct {
		who                     []string
		stance, condition, item string
		says
	}{
		{one, parley.StanceSupport, "", "", says{
			"Opposition Delegation A (oppA) supports it", "يؤيده Opposition Delegation A (oppA)", "Opposition Delegation A (oppA) поддерживает этот пункт"}},
		{one, parley.StanceSupport, "", "D1", says{
			"Opposition Delegation A (oppA) supports D1", "يؤيد Opposition Delegation A (oppA) البند D1", "Opposition Delegation A (oppA) поддерживает D1"}},
		{one, parley.StanceOppose, "", "M1a", says{"Opposition Delegation A (oppA) opposes M1a", "يعارض Opposition Delegation A (oppA) البند M1a", "Opposition Delegation A (oppA) выступает против M1a"}},
		{[]string{"gov"}, parley.StanceAdReferendum, "", "", says{
			"gov supports it ad referendum, pending its capital's confirmation",
			"يؤيده gov رهنًا بموافقة عاصمته التي لم تؤكدها بعد",
			"gov поддерживает этот пункт ad referendum, до подтверждения своей столицей"}},
		{[]string{"gov"}, parley.StanceAbstain, "", "D1", says{"gov abstains on D1", "يمتنع gov عن تأييد البند D1 أو معارضته", "gov воздерживается по D1"}},
		{[]string{"gov"}, parley.StanceReserve, "", "", says{"gov reserves its position on it", "يحتفظ gov بحقه في تحديد موقفه منه", "gov резервирует свою позицию по этому пункту"}},
		{[]string{"oppA"}, parley.StanceConditional, "agreed(M1a) or agreed(M1b)", "", says{
			"oppA supports it only if M1a or M1b is agreed",
			"لا يؤيده oppA إلا إذا تم الاتفاق على M1a أو M1b",
			"oppA поддерживает этот пункт только при условии, что по M1a или M1b достигнуто согласие"}},
		{[]string{"oppA"}, parley.StanceConditional, "agreed(M1a)", "D1", says{
			"oppA supports D1 only if M1a is agreed",
			"لا يؤيد oppA البند D1 إلا إذا تم الاتفاق على M1a",
			"oppA поддерживает D1 только при условии, что по M1a достигнуто согласие"}},
		{[]string{"snc"}, "", "", "D1", says{"snc has no stance on D1", "لم يتخذ snc موقفًا من البند D1", "у snc нет позиции по D1"}},
		{[]string{"snc"}, "", "", "", says{"snc has no stance on it", "لم يتخذ snc موقفًا منه", "у snc нет позиции по этому пункту"}},
		// A stance this version does not know is named by its id, not
		// mistaken for no stance.
		{[]string{"snc"}, "veto", "", "D1", says{"snc takes the stance veto on D1", "يتخذ snc الموقف veto من البند D1", "snc занимает по D1 позицию veto"}},
		{[]string{"snc"}, "veto", "", "", says{"snc takes the stance veto on it", "يتخذ snc منه الموقف veto", "snc занимает по этому пункту позицию veto"}},
		// Several parties are a plural subject.
		{two, parley.StanceOppose, "", "", says{"oppB and oppC oppose it", "يعارضه كلٌّ من oppB وoppC", "oppB и oppC выступают против этого пункта"}},
		{three, parley.StanceOppose, "", "M1b", says{"gov, oppB and oppC oppose M1b", "يعارض كلٌّ من gov، oppB وoppC البند M1b", "gov, oppB и oppC выступают против M1b"}},
		{two, parley.StanceSupport, "", "D1", says{"oppB and oppC support D1", "يؤيد كلٌّ من oppB وoppC البند D1", "oppB и oppC поддерживают D1"}},
		{two, parley.StanceReserve, "", "D1", says{"oppB and oppC reserve their positions on D1", "يحتفظ كلٌّ من oppB وoppC بحقه في تحديد موقفه من البند D1", "oppB и oppC резервируют свои позиции по D1"}},
		{two, parley.StanceAdReferendum, "", "D1", says{
			"oppB and oppC support D1 ad referendum, pending their capitals' confirmation",
			"يؤيد كلٌّ من oppB وoppC البند D1 رهنًا بموافقة عاصمته التي لم تؤكدها بعد",
			"oppB и oppC поддерживают D1 ad referendum, до подтверждения своими столицами"}},
		{two, parley.StanceConditional, "agreed(M1a) or agreed(M1b)", "", says{
			"oppB and oppC support it only if M1a or M1b is agreed",
			"لا يؤيده كلٌّ من oppB وoppC إلا إذا تم الاتفاق على M1a أو M1b",
			"oppB и oppC поддерживают этот пункт только при условии, что по M1a или M1b достигнуто согласие"}},
		{two, "", "", "", says{"oppB and oppC have no stance on it", "لم يتخذ أيٌّ من oppB وoppC موقفًا منه", "у oppB и oppC нет позиции по этому пункту"}},
		{two, parley.StanceAbstain, "", "", says{"oppB and oppC abstain on it", "يمتنع كلٌّ من oppB وoppC عن تأييده أو معارضته", "oppB и oppC воздерживаются по этому пункту"}},
	} {
		c := c
		check(t, c.stance+" "+strings.Join(c.who, "+")+" "+c.item, c.says, func(p *i18n.Printer) string {
			return words.Stance(p, c.who, c.stance, c.condition, c.item)
		})
	}
}

func TestNames(t *testing.T) {
	rule := func(r parley.Rule) func(*i18n.Printer) string {
		return func(p *i18n.Printer) string { return words.Rule(p, r) }
	}
	status := func(s string) func(*i18n.Printer) string {
		return func(p *i18n.Printer) string { return words.Status(p, s) }
	}
	stanceName := func(s string) func(*i18n.Printer) string {
		return func(p *i18n.Printer) string { return words.StanceName(p, s) }
	}
	roleName := func(s string) func(*i18n.Printer) string {
		return func(p *i18n.Printer) string { return words.RoleName(p, s) }
	}
	for _, c := range []struct {
		name string
		f    func(p *i18n.Printer) string
		says
	}{
		{"support", stanceName(parley.StanceSupport), says{"support", "تأييد", "поддержка"}},
		{"conditional", stanceName(parley.StanceConditional), says{"conditional", "تأييد مشروط", "условная поддержка"}},
		{"no stance", stanceName(""), says{"no stance", "لا موقف", "позиция не заявлена"}},
		{"unknown stance", stanceName("strong_veto"), says{"strong veto", "strong veto", "strong veto"}},
		{"consensus", rule(parley.Rule{Kind: parley.RuleConsensus}), says{"consensus", "توافق الآراء", "консенсус"}},
		{"minus 1", rule(parley.Rule{Kind: parley.RuleConsensusMinus, N: 1}),
			says{"consensus minus 1", "توافق الآراء باستثناء طرف واحد", "консенсус за вычетом 1 стороны"}},
		{"minus 2", rule(parley.Rule{Kind: parley.RuleConsensusMinus, N: 2}),
			says{"consensus minus 2", "توافق الآراء باستثناء طرفين", "консенсус за вычетом 2 сторон"}},
		{"minus 3", rule(parley.Rule{Kind: parley.RuleConsensusMinus, N: 3}),
			says{"consensus minus 3", "توافق الآراء باستثناء ٣ أطراف", "консенсус за вычетом 3 сторон"}},
		{"minus 11", rule(parley.Rule{Kind: parley.RuleConsensusMinus, N: 11}),
			says{"consensus minus 11", "توافق الآراء باستثناء ١١ طرفًا", "консенсус за вычетом 11 сторон"}},
		{"minus 21", rule(parley.Rule{Kind: parley.RuleConsensusMinus, N: 21}),
			says{"consensus minus 21", "توافق الآراء باستثناء ٢١ طرفًا", "консенсус за вычетом 21 стороны"}},
		{"majority", rule(parley.Rule{Kind: parley.RuleMajority, Threshold: 2.0 / 3}),
			says{"a majority of 66.67%", "أغلبية ٦٦٫٦٧٪\u061c", "большинство в 66,67\u00a0%"}},
		{"unknown rule", rule(parley.Rule{Kind: "lottery"}), says{"lottery", "lottery", "lottery"}},
		{"agreed", status(agreement.StatusAgreed), says{"agreed", "موضع اتفاق", "согласие достигнуто"}},
		{"ad ref", status(agreement.StatusAgreedAdReferendum),
			says{"agreed ad referendum", "موضع اتفاق رهنًا بموافقة العواصم", "согласие достигнуто ad referendum"}},
		{"not agreed", status(agreement.StatusNotAgreed), says{"not agreed", "ليس موضع اتفاق", "согласие не достигнуто"}},
		{"contested", status(agreement.StatusContested), says{"contested", "غير محسوم", "исход не определён"}},
		{"unknown status", status("on_hold"), says{"on hold", "on hold", "on hold"}},
		{"mediator", roleName(parley.RoleMediator), says{"mediator", "وسيط", "посредник"}},
		{"verifier", roleName(parley.RoleVerifier), says{"verifier", "جهة تحقّق", "верификатор"}},
		{"unknown role", roleName("scribe"), says{"scribe", "scribe", "scribe"}},
	} {
		check(t, c.name, c.says, c.f)
	}
}

func TestActor(t *testing.T) {
	gov := "Government of the Syrian Arab Republic"
	for _, c := range []struct {
		name  string
		actor *state.Actor
		party string
		says
	}{
		{"head", &state.Actor{Name: "Bashar Jaafari", Role: parley.RoleHead, Party: "gov"}, gov, says{
			"Bashar Jaafari, head of the delegation of the Government of the Syrian Arab Republic (gov)",
			"Bashar Jaafari، رئيس وفد Government of the Syrian Arab Republic (gov)",
			"Bashar Jaafari, глава делегации Government of the Syrian Arab Republic (gov)"}},
		{"delegate", &state.Actor{Name: "Ana", Role: parley.RoleDelegate, Party: "opp"}, "Opposition Front", says{
			"Ana, member of the delegation of the Opposition Front (opp)",
			"Ana، عضو وفد Opposition Front (opp)",
			"Ana, член делегации Opposition Front (opp)"}},
		// A name that says the party already is not followed by it again.
		{"named for the party", &state.Actor{Name: "Head of Opposition Delegation C", Role: parley.RoleHead, Party: "oppC"}, "Opposition Delegation C", says{
			"Head of Opposition Delegation C (oppC)", "Head of Opposition Delegation C (oppC)", "Head of Opposition Delegation C (oppC)"}},
		{"mediator", &state.Actor{Name: "Vitaly Naumkin", Role: parley.RoleMediator}, "", says{
			"Vitaly Naumkin, mediator", "Vitaly Naumkin، وسيط", "Vitaly Naumkin, посредник"}},
		{"observer of a party", &state.Actor{Name: "Ola", Role: parley.RoleObserver, Party: "gov"}, "Ruritania", says{
			"Ola, observer for Ruritania (gov)", "Ola، مراقب عن Ruritania (gov)", "Ola, наблюдатель от Ruritania (gov)"}},
		{"revoked head", &state.Actor{Name: "Omar", Role: parley.RoleHead, Party: "gov", Revoked: true}, gov, says{
			"Omar, formerly head of the delegation of the Government of the Syrian Arab Republic (gov)",
			"Omar، رئيس وفد Government of the Syrian Arab Republic سابقًا (gov)",
			"Omar, ранее — глава делегации Government of the Syrian Arab Republic (gov)"}},
		{"revoked mediator", &state.Actor{Name: "Kofi", Role: parley.RoleMediator, Revoked: true}, "", says{
			"Kofi, formerly mediator", "Kofi، وسيط سابقًا", "Kofi, ранее — посредник"}},
		{"head without a party name", &state.Actor{Name: "Lee", Role: parley.RoleHead}, "", says{
			"Lee, head of the delegation", "Lee، رئيس الوفد", "Lee, глава делегации"}},
		{"not on the roster", nil, "", says{"an actor not on the roster", "شخص غير مدرج في قائمة المشاركين", "лицо, не включённое в список участников"}},
	} {
		check(t, c.name, c.says, func(p *i18n.Printer) string { return words.Actor(p, c.actor, c.party) })
	}
}

func TestHold(t *testing.T) {
	for _, c := range []struct {
		kind  string
		count int
		says
	}{
		{agreement.HoldOpenBrackets, 1, says{
			"the current version of D1 holds 1 open bracket, and nothing in brackets is agreed until a mediator tables a version without them",
			"تتضمن الصيغة الحالية للبند D1 معقوفةً مفتوحة واحدة، ولا يُعدّ أي نص بين معقوفتين متفقًا عليه حتى يطرح الوسيط صيغة خالية منها",
			"текущая версия D1 содержит 1 открытую скобку, а ничто в скобках не считается согласованным, пока посредник не представит версию без неё"}},
		{agreement.HoldOpenBrackets, 2, says{
			"the current version of D1 holds 2 open brackets, and nothing in brackets is agreed until a mediator tables a version without them",
			"تتضمن الصيغة الحالية للبند D1 معقوفتين مفتوحتين، ولا يُعدّ أي نص بين معقوفتين متفقًا عليه حتى يطرح الوسيط صيغة خالية منهما",
			"текущая версия D1 содержит 2 открытые скобки, а ничто в скобках не считается согласованным, пока посредник не представит версию без них"}},
		{agreement.HoldOpenBrackets, 5, says{
			"the current version of D1 holds 5 open brackets, and nothing in brackets is agreed until a mediator tables a version without them",
			"تتضمن الصيغة الحالية للبند D1 ٥ معقوفات مفتوحة، ولا يُعدّ أي نص بين معقوفتين متفقًا عليه حتى يطرح الوسيط صيغة خالية منها",
			"текущая версия D1 содержит 5 открытых скобок, а ничто в скобках не считается согласованным, пока посредник не представит версию без них"}},
		{agreement.HoldOpenBrackets, 21, says{
			"the current version of D1 holds 21 open brackets, and nothing in brackets is agreed until a mediator tables a version without them",
			"تتضمن الصيغة الحالية للبند D1 ٢١ معقوفةً مفتوحة، ولا يُعدّ أي نص بين معقوفتين متفقًا عليه حتى يطرح الوسيط صيغة خالية منها",
			"текущая версия D1 содержит 21 открытую скобку, а ничто в скобках не считается согласованным, пока посредник не представит версию без неё"}},
		{agreement.HoldIncompleteVersion, 1, says{
			"the current version of M1b is not yet tabled in 1 official language, and it cannot be agreed until a mediator tables it",
			"لم تُطرح الصيغة الحالية للبند M1b بعدُ بإحدى اللغات الرسمية، ولا يمكن الاتفاق عليها حتى يطرحها الوسيط بتلك اللغة",
			"текущая версия M1b ещё не представлена на 1 официальном языке, и её нельзя согласовать, пока посредник не представит её на нём"}},
		{agreement.HoldIncompleteVersion, 2, says{
			"the current version of M1b is not yet tabled in 2 official languages, and it cannot be agreed until a mediator tables them",
			"لم تُطرح الصيغة الحالية للبند M1b بعدُ بلغتين من اللغات الرسمية، ولا يمكن الاتفاق عليها حتى يطرحها الوسيط بهما",
			"текущая версия M1b ещё не представлена на 2 официальных языках, и её нельзя согласовать, пока посредник не представит её на них"}},
		{agreement.HoldOpenDivergence, 1, says{
			"1 divergence between the language versions of M1b is open, and it cannot be agreed until a mediator resolves it in a new version or the flag is withdrawn",
			"ثمة تباين مفتوح واحد بين الصيغ اللغوية للبند M1b، ولا يمكن الاتفاق على البند حتى يعالجه الوسيط في صيغة جديدة أو يُسحب الإشعار به",
			"между языковыми версиями M1b остаётся 1 открытое расхождение, и пункт нельзя согласовать, пока посредник не устранит его в новой версии или отметка о нём не будет снята"}},
		{agreement.HoldOpenDivergence, 3, says{
			"3 divergences between the language versions of M1b are open, and it cannot be agreed until a mediator resolves them in a new version or the flag is withdrawn",
			"ثمة ٣ تباينات مفتوحة بين الصيغ اللغوية للبند M1b، ولا يمكن الاتفاق على البند حتى يعالجها الوسيط في صيغة جديدة أو يُسحب الإشعار بها",
			"между языковыми версиями M1b остаются 3 открытых расхождения, и пункт нельзя согласовать, пока посредник не устранит их в новой версии или отметка о них не будет снята"}},
		{"quarantine", 1, says{"M1b is held back (quarantine)", "الاتفاق على M1b معلّق (quarantine)", "согласование M1b приостановлено (quarantine)"}},
	} {
		item := "D1"
		if c.kind != agreement.HoldOpenBrackets {
			item = "M1b"
		}
		check(t, c.kind, c.says, func(p *i18n.Printer) string { return words.Hold(p, c.kind, c.count, item) })
	}
	for _, k := range []string{agreement.HoldOpenBrackets, agreement.HoldIncompleteVersion, agreement.HoldOpenDivergence} {
		if !words.IsHold(k) {
			t.Errorf("IsHold(%q) = false", k)
		}
	}
	if words.IsHold(parley.StanceOppose) || words.IsHold("") {
		t.Error("IsHold of a stance is true")
	}
}

func TestQuoteAndSentence(t *testing.T) {
	check(t, "quote", says{"“Nothing was achieved.”", "«Nothing was achieved.»", "«Nothing was achieved.»"},
		func(p *i18n.Printer) string { return words.Quote(p, "  Nothing was achieved. ") })
	for _, c := range []struct{ in, want string }{
		{"", ""}, {"  ", ""},
		{"it is agreed", "it is agreed."},
		{"it is agreed.", "it is agreed."},
		{"he said “a transition.”", "he said “a transition.”"},
		{"он сказал «переход.»", "он сказал «переход.»"},
		{"هل تم الاتفاق؟", "هل تم الاتفاق؟"},
		{"wait…", "wait…"},
		{"trailing  ", "trailing."},
	} {
		if got := words.Sentence(c.in); got != c.want {
			t.Errorf("Sentence(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
