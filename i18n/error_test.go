package i18n

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/text/language"

	"github.com/parleyhq/parley"
)

// errorCatalog is a catalog of a few error messages, in the three
// languages' files as a translator writes them.
func errorCatalog(t *testing.T) *Catalog {
	t.Helper()
	c, err := catalogOf(t, map[string]string{
		"ar/e.json": `{
			"payload field %q: %s": "حقل الحمولة %q: %s",
			"the paragraph is blank; write its text": "الفقرة فارغة؛ اكتب نصها",
			"%s may be signed only by %s": "لا يوقّع %[1]s إلا %[2]s",
			"a mediator": "وسيط",
			"the head of %s": "رئيس وفد %s",
			"the event is %d bytes, more than the limit of %d": "حجم الحدث %d بايت، وهو أكبر من الحد البالغ %d",
			"%d open brackets": {"zero": "لا أقواس مفتوحة", "one": "قوس مفتوح واحد", "two": "قوسان مفتوحان", "few": "%d أقواس مفتوحة", "many": "%d قوسًا مفتوحًا", "other": "%d قوس مفتوح"},
			"internal error": "خطأ داخلي"
		}`,
		"ru/e.json": `{
			"payload field %q: %s": "поле полезной нагрузки %q: %s",
			"the paragraph is blank; write its text": "абзац пуст; напишите его текст"
		}`,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestErrorWrappedInOneLanguage checks that an error wrapping another is
// said whole in the reader's language: the outer format and the inner
// message both translated, the inner one inside the outer.
func TestErrorWrappedInOneLanguage(t *testing.T) {
	c := errorCatalog(t)
	inner := parley.Errorf(parley.EINVALID, "the paragraph is blank; write its text")
	err := parley.Wrapf(parley.ErrorCode(inner), "payload field %q: %s", inner, "texts.ar")
	if err.Code != parley.EINVALID {
		t.Errorf("code %q, want the inner one, %q", err.Code, parley.EINVALID)
	}
	if want := `payload field "texts.ar": the paragraph is blank; write its text`; err.Message != want {
		t.Errorf("message %q, want %q", err.Message, want)
	}
	for _, c2 := range []struct {
		tag  language.Tag
		want string
	}{
		{English, `payload field "texts.ar": the paragraph is blank; write its text`},
		{Arabic, `حقل الحمولة "texts.ar": الفقرة فارغة؛ اكتب نصها`},
		{Russian, `поле полезной нагрузки "texts.ar": абзац пуст; напишите его текст`},
	} {
		if got := c.Printer(c2.tag).Error(err); got != c2.want {
			t.Errorf("%s: got %q, want %q", c2.tag, got, c2.want)
		}
		// Through a Go error that wraps it, as handlers return it.
		if got := c.Printer(c2.tag).Error(fmt.Errorf("handling: %w", err)); got != c2.want {
			t.Errorf("%s, wrapped by fmt.Errorf: got %q, want %q", c2.tag, got, c2.want)
		}
	}
	// Twice wrapped: each layer in the one language.
	twice := parley.Wrapf(parley.EINVALID, "payload field %q: %s", err, "version")
	if got, want := c.Printer(Arabic).Error(twice), `حقل الحمولة "version": حقل الحمولة "texts.ar": الفقرة فارغة؛ اكتب نصها`; got != want {
		t.Errorf("twice wrapped: got %q, want %q", got, want)
	}
}

// TestErrorInnerNotParley checks that an inner error that is not a
// parley.Error is said as "internal error", in English as in the
// reader's language, and never with its own text.
func TestErrorInnerNotParley(t *testing.T) {
	c := errorCatalog(t)
	err := parley.Wrapf(parley.EINVALID, "payload field %q: %s", errors.New("open /secret/path: permission denied"), "key")
	if want := `payload field "key": internal error`; err.Message != want {
		t.Errorf("message %q, want %q", err.Message, want)
	}
	if got, want := c.Printer(Arabic).Error(err), `حقل الحمولة "key": خطأ داخلي`; got != want {
		t.Errorf("ar: got %q, want %q", got, want)
	}
}

// TestErrorPhrasesAndNumbers checks that a phrase among an error's
// arguments is said in the reader's language, and that %d writes the
// language's digits without separators, as the English message does.
func TestErrorPhrasesAndNumbers(t *testing.T) {
	c := errorCatalog(t)
	ar := c.Printer(Arabic)
	err := parley.Errorf(parley.EFORBIDDEN, "%s may be signed only by %s", "round.open", parley.Key("a mediator"))
	if want := "round.open may be signed only by a mediator"; err.Message != want {
		t.Errorf("message %q, want %q", err.Message, want)
	}
	if got, want := ar.Error(err), "لا يوقّع round.open إلا وسيط"; got != want {
		t.Errorf("ar: got %q, want %q", got, want)
	}
	err = parley.Errorf(parley.EFORBIDDEN, "%s may be signed only by %s", "stance", parley.Key("the head of %s", "gov"))
	if got, want := ar.Error(err), "لا يوقّع stance إلا رئيس وفد gov"; got != want {
		t.Errorf("ar, phrase with an argument: got %q, want %q", got, want)
	}
	err = parley.Errorf(parley.ETOOLARGE, "the event is %d bytes, more than the limit of %d", 70000, int64(65536))
	if got, want := ar.Error(err), "حجم الحدث ٧٠٠٠٠ بايت، وهو أكبر من الحد البالغ ٦٥٥٣٦"; got != want {
		t.Errorf("ar digits: got %q, want %q", got, want)
	}
	if got, want := c.Printer(English).Error(err), "the event is 70000 bytes, more than the limit of 65536"; got != want {
		t.Errorf("en: got %q, want %q", got, want)
	}
	// A key with plural forms still picks its form by the count.
	err = parley.Errorf(parley.ECONFLICT, "%d open brackets", 2)
	if got, want := ar.Error(err), "قوسان مفتوحان"; got != want {
		t.Errorf("ar plural: got %q, want %q", got, want)
	}
	err = parley.Errorf(parley.ECONFLICT, "%d open brackets", 11)
	if got, want := ar.Error(err), "١١ قوسًا مفتوحًا"; got != want {
		t.Errorf("ar plural: got %q, want %q", got, want)
	}
	// An index in a field's path keeps its Latin digits, as the JSON it
	// points into has them; the other numbers are the language's.
	err = parley.Errorf(parley.EINVALID, "changes[%d]: paragraph %d does not exist; the version has paragraphs 1 to %d", 3, 12, 10)
	if got := ar.Error(err); !strings.Contains(got, "changes[3]") || !strings.Contains(got, "١٢") || strings.Contains(got, "٣") {
		t.Errorf("ar, a field's path: got %q, want changes[3] with the paragraph in Arabic digits", got)
	}
	err = parley.Errorf(parley.EINVALID, "no translation at items[%[2]d] of %[1]d", 7, 5)
	if got, want := ar.Error(err), "no translation at items[5] of ٧"; got != want {
		t.Errorf("ar, an untranslated path: got %q, want %q", got, want)
	}
	// A message no catalog has reads as the English, in the language's digits.
	err = parley.Errorf(parley.EINVALID, "no translation of this at byte %d", 1234)
	if got, want := ar.Error(err), "no translation of this at byte ١٢٣٤"; got != want {
		t.Errorf("ar untranslated: got %q, want %q", got, want)
	}
	if got := ar.Error(errors.New("dial tcp: secret")); got != "خطأ داخلي" {
		t.Errorf("ar, not a parley error: %q", got)
	}
	if got := ar.Error(nil); got != "" {
		t.Errorf("nil: %q", got)
	}
}
