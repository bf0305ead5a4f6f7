package document

import (
	"fmt"
	"strings"

	"github.com/parleyhq/parley"
)

// Aligned checks that two texts of a version, in languages a and b, are
// aligned: the same number of paragraphs, and in each paragraph the same
// brackets in the same order, each with the same number of alternatives
// and the same labels, so that paragraph n and bracket k of one language
// are paragraph n and bracket k of the other. Words are not compared:
// they are translated. Both texts must parse (CheckVersion). The error is
// a *parley.Error naming the first paragraph that differs.
func Aligned(a string, pa []string, b string, pb []string) error {
	if len(pa) != len(pb) {
		return parley.Errorf(parley.EINVALID, "the %s text has %d paragraphs and the %s text %d; the languages of a version are aligned paragraph by paragraph", a, len(pa), b, len(pb))
	}
	for i := range pa {
		sa, err := skeleton(pa[i])
		if err != nil {
			return parley.Wrapf(parley.ErrorCode(err), "paragraph %d of the %s text: %s", err, i+1, a)
		}
		sb, err := skeleton(pb[i])
		if err != nil {
			return parley.Wrapf(parley.ErrorCode(err), "paragraph %d of the %s text: %s", err, i+1, b)
		}
		if sa != sb {
			return parley.Errorf(parley.EINVALID, "paragraph %d: the %s text has the brackets %s and the %s text %s; bracket k of one language is bracket k of the others, with the same alternatives and labels", i+1, a, sa, b, sb)
		}
	}
	return nil
}

// skeleton writes the brackets of a paragraph without their words: "[2|@gov]"
// for a bracket of two alternatives, the second labelled gov; nested
// brackets inside.
func skeleton(p string) (string, error) {
	par, err := Parse(p)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, t := range par.Tokens() {
		switch t.Kind {
		case TokenOpen:
			fmt.Fprintf(&b, "[%d", t.Alternatives)
		case TokenAlt:
			b.WriteByte('|')
			if t.Label != "" {
				b.WriteString("@" + t.Label)
			}
		case TokenClose:
			b.WriteByte(']')
		}
	}
	if b.Len() == 0 {
		return "none", nil
	}
	return b.String(), nil
}
