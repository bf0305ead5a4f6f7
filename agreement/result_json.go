package agreement

import (
	"bytes"
	"io"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/parleyhq/parley"
)

// AppendJSON appends to b the JSON encoding of r, byte for byte what
// encoding/json's Marshal gives, without reflection. It writes a list of
// root blockers that several items share once and copies it for the
// others: on a Paris-sized instance, four items in five share one, and
// this is most of the output. r must hold no Inf or NaN threshold (one
// that passed parley.Rule.Check does not).
func (r *Result) AppendJSON(b []byte) []byte {
	w := jwriter{b: b}
	w.result(r)
	return w.b
}

// WriteJSON writes the JSON encoding of r to out, as AppendJSON makes it,
// a piece at a time.
func (r *Result) WriteJSON(out io.Writer) error {
	w := jwriter{b: make([]byte, 0, 2*jchunk), out: out}
	w.result(r)
	w.flush()
	return w.err
}

// jchunk is how much JSON a jwriter with an output keeps before writing.
const jchunk = 32 << 10

func (w *jwriter) result(r *Result) {
	if r == nil {
		w.raw("null")
		return
	}
	w.raw(`{"outcomes":`)
	if r.Outcomes == nil {
		w.raw("null")
	} else {
		w.raw("[")
		for k, o := range r.Outcomes {
			w.comma(k)
			w.strings(o)
		}
		w.raw("]")
	}
	w.raw(`,"truncated":`)
	w.bool(r.Truncated)
	w.raw(`,"agreed_in_all":`)
	w.strings(r.AgreedInAll)
	w.raw(`,"agreed_in_some":`)
	w.strings(r.AgreedInSome)
	if len(r.Oscillating) > 0 {
		w.raw(`,"oscillating":[`)
		for k, p := range r.Oscillating {
			w.comma(k)
			w.raw(`{"party":`)
			w.str(p.Party)
			w.raw(`,"item":`)
			w.str(p.Item)
			w.raw(`,"stance":`)
			w.str(p.Stance)
			if p.Condition != "" {
				w.raw(`,"condition":`)
				w.str(p.Condition)
			}
			w.raw("}")
		}
		w.raw("]")
	}
	w.raw(`,"items":`)
	if r.Items == nil {
		w.raw("null")
	} else {
		ids := make([]string, 0, len(r.Items))
		for id := range r.Items {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		w.raw("{")
		for k, id := range ids {
			w.comma(k)
			w.str(id)
			w.raw(":")
			w.item(r.Items[id])
			if w.out != nil && len(w.b) >= jchunk {
				w.flush()
			}
		}
		w.raw("}")
	}
	w.raw("}")
}

// flush writes what w holds to its output.
func (w *jwriter) flush() {
	if w.err == nil {
		_, w.err = w.out.Write(w.b)
	}
	w.b = w.b[:0]
}

// A jwriter appends JSON to b, and, if out is set, writes b to out
// whenever it grows past a chunk.
type jwriter struct {
	out io.Writer
	err error
	b   []byte
	// roots holds the encoding of lists of root blockers already written.
	roots map[rootList][]byte
}

func (w *jwriter) raw(s string) { w.b = append(w.b, s...) }

func (w *jwriter) comma(k int) {
	if k > 0 {
		w.b = append(w.b, ',')
	}
}

func (w *jwriter) bool(v bool) {
	if v {
		w.raw("true")
	} else {
		w.raw("false")
	}
}

func (w *jwriter) int(v int) { w.b = strconv.AppendInt(w.b, int64(v), 10) }

// float writes f as encoding/json does: like %g in the style of ES6.
func (w *jwriter) float(f float64) {
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	w.b = strconv.AppendFloat(w.b, f, format, -1, 64)
	if format == 'e' {
		// e-09 to e-9
		if n := len(w.b); n >= 4 && w.b[n-4] == 'e' && w.b[n-3] == '-' && w.b[n-2] == '0' {
			w.b[n-2] = w.b[n-1]
			w.b = w.b[:n-1]
		}
	}
}

// htmlSafe marks the ASCII bytes encoding/json writes as they are: all but
// control characters, the quote, the backslash, and <, > and &.
var htmlSafe = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// str writes s as a JSON string, escaped as encoding/json escapes it.
func (w *jwriter) str(s string) {
	const hex = "0123456789abcdef"
	b := append(w.b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if htmlSafe[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	w.b = append(b, '"')
}

// strings writes a list of strings, null if it is nil.
func (w *jwriter) strings(ss []string) {
	if ss == nil {
		w.raw("null")
		return
	}
	w.raw("[")
	for k, s := range ss {
		w.comma(k)
		w.str(s)
	}
	w.raw("]")
}

// field writes a list of strings as the field name, unless it is empty.
func (w *jwriter) field(name string, ss []string) {
	if len(ss) > 0 {
		w.raw(`,"` + name + `":`)
		w.strings(ss)
	}
}

func (w *jwriter) rule(r parley.Rule) {
	w.raw(`{"kind":`)
	w.str(r.Kind)
	if r.N != 0 {
		w.raw(`,"n":`)
		w.int(r.N)
	}
	if r.Threshold != 0 {
		w.raw(`,"threshold":`)
		w.float(r.Threshold)
	}
	w.raw("}")
}

func (w *jwriter) item(it *ItemResult) {
	if it == nil {
		w.raw("null")
		return
	}
	w.raw(`{"status":`)
	w.str(it.Status)
	w.raw(`,"rule":`)
	w.rule(it.Rule)
	w.field("package", it.Package)
	w.raw(`,"tally":{"yes":`)
	w.int(it.Tally.Yes)
	w.raw(`,"no":`)
	w.int(it.Tally.No)
	w.raw(`,"abstain":`)
	w.int(it.Tally.Abstain)
	w.raw(`,"silent":`)
	w.int(it.Tally.Silent)
	w.raw("}")
	if len(it.Blockers) > 0 {
		w.raw(`,"blockers":[`)
		for k, bl := range it.Blockers {
			w.comma(k)
			w.raw(`{"party":`)
			w.str(bl.Party)
			w.raw(`,"stance":`)
			w.str(bl.Stance)
			if bl.Condition != "" {
				w.raw(`,"condition":`)
				w.str(bl.Condition)
			}
			w.field("waits_on", bl.WaitsOn)
			w.field("excluded_by", bl.ExcludedBy)
			w.field("missing_facts", bl.MissingFacts)
			w.field("excluded_by_facts", bl.ExcludedByFacts)
			w.field("missing_steps", bl.MissingSteps)
			w.field("excluded_by_steps", bl.ExcludedBySteps)
			w.raw("}")
		}
		w.raw("]")
	}
	if it.NoSupport {
		w.raw(`,"no_support":true`)
	}
	if len(it.Holds) > 0 {
		w.raw(`,"holds":[`)
		for k, h := range it.Holds {
			w.comma(k)
			w.raw(`{"item":`)
			w.str(h.Item)
			w.raw(`,"kind":`)
			w.str(h.Kind)
			w.raw(`,"count":`)
			w.int(h.Count)
			if h.Detail != "" {
				w.raw(`,"detail":`)
				w.str(h.Detail)
			}
			w.raw("}")
		}
		w.raw("]")
	}
	w.field("package_blocked_by", it.PackageBlockedBy)
	if len(it.RootBlockers) > 0 {
		w.raw(`,"root_blockers":`)
		w.rootBlockers(it.RootBlockers)
	}
	if len(it.ReliesOn) > 0 {
		w.raw(`,"relies_on":[`)
		for k, r := range it.ReliesOn {
			w.comma(k)
			w.raw(`{"party":`)
			w.str(r.Party)
			w.raw(`,"condition":`)
			w.str(r.Condition)
			w.field("on", r.On)
			w.field("without", r.Without)
			w.raw("}")
		}
		w.raw("]")
	}
	w.field("depends_on", it.DependsOn)
	w.field("ad_referendum", it.AdReferendum)
	w.raw("}")
}

// A rootList names a list of root blockers by where it is.
type rootList struct {
	first *RootBlocker
	n     int
}

// rootBlockers writes a list of root blockers, copying the encoding of a
// list shared with an item written before.
func (w *jwriter) rootBlockers(rbs []RootBlocker) {
	key := rootList{&rbs[0], len(rbs)}
	if enc, ok := w.roots[key]; ok {
		w.b = append(w.b, enc...)
		return
	}
	start := len(w.b)
	w.raw("[")
	for k, rb := range rbs {
		w.comma(k)
		w.raw("{")
		if rb.Party != "" {
			w.raw(`"party":`)
			w.str(rb.Party)
			w.raw(",")
		}
		w.raw(`"item":`)
		w.str(rb.Item)
		w.raw(`,"stance":`)
		w.str(rb.Stance)
		if rb.Count != 0 {
			w.raw(`,"count":`)
			w.int(rb.Count)
		}
		if rb.Step != "" {
			w.raw(`,"step":`)
			w.str(rb.Step)
		}
		w.raw("}")
	}
	w.raw("]")
	if len(rbs) > 4 {
		if w.roots == nil {
			w.roots = map[rootList][]byte{}
		}
		w.roots[key] = bytes.Clone(w.b[start:])
	}
}
