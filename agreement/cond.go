package agreement

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/parleyhq/parley"
)

// Op is the operator of a condition node.
type Op uint8

// Operators of conditions.
const (
	OpAgreed Op = iota + 1 // agreed(ID): the item ID is agreed
	OpFact                 // fact(ID): the fact ID is confirmed
	OpNot                  // not X
	OpAnd                  // X and Y
	OpOr                   // X or Y
	OpDone                 // done(ID): the step ID of a measure's plan is done
)

// MaxCondDepth bounds the nesting of a condition: each parenthesis and each
// "not" counts one level.
const MaxCondDepth = 64

// MaxCondLength bounds the length in bytes of a condition's text.
const MaxCondLength = 4096

// A Cond is a condition of a conditional stance: a formula over agreed(ID),
// fact(ID) and done(ID) atoms. Binary operators nest to the left as the parser reads
// them: "a or b or c" is (a or b) or c.
type Cond struct {
	Op Op
	ID string // of OpAgreed, OpFact and OpDone
	X  *Cond  // operand of OpNot, left operand of OpAnd and OpOr
	Y  *Cond  // right operand of OpAnd and OpOr
}

// ParseCondition parses a condition in the syntax of DESIGN.md §4:
// or/||, and/&&, not/!, parentheses, agreed(ID), fact(ID) and done(ID),
// where ID is
// [A-Za-z0-9_.:-]+. "not" binds tightest, then "and", then "or". Errors are
// *parley.Error with code EINVALID and name the column (counted in
// characters from 1) and what was expected there.
func ParseCondition(s string) (*Cond, error) {
	c, err := parseCondition(s)
	if err != nil {
		return nil, parley.Wrapf(parley.ErrorCode(err), "condition: %s", err)
	}
	return c, nil
}

// parseCondition is ParseCondition with errors that do not say they are
// about a condition, for a caller that names the field.
func parseCondition(s string) (*Cond, error) {
	if len(s) > MaxCondLength {
		return nil, parley.Errorf(parley.EINVALID, "longer than %d bytes; split the stance or simplify the condition", MaxCondLength)
	}
	if !utf8.ValidString(s) {
		return nil, parley.Errorf(parley.EINVALID, "not valid UTF-8")
	}
	p := &parser{src: s}
	p.next()
	c, err := p.or(0)
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tEOF {
		return nil, p.at(parley.Errorf(parley.EINVALID, `expected "and", "or" or the end of the condition, found %s`, p.tok.describe()))
	}
	return c, nil
}

// String returns the canonical text of c: keywords in words, single spaces,
// and only the parentheses the tree needs. ParseCondition(c.String())
// returns a tree equal to c.
func (c *Cond) String() string {
	var b strings.Builder
	c.write(&b, precOr)
	return b.String()
}

const (
	precOr = iota + 1
	precAnd
	precUnary
)

func (c *Cond) prec() int {
	switch c.Op {
	case OpOr:
		return precOr
	case OpAnd:
		return precAnd
	}
	return precUnary
}

func (c *Cond) write(b *strings.Builder, min int) {
	if c == nil {
		b.WriteString("<nil>")
		return
	}
	paren := c.prec() < min
	if paren {
		b.WriteByte('(')
	}
	switch c.Op {
	case OpAgreed:
		b.WriteString("agreed(" + c.ID + ")")
	case OpFact:
		b.WriteString("fact(" + c.ID + ")")
	case OpDone:
		b.WriteString("done(" + c.ID + ")")
	case OpNot:
		b.WriteString("not ")
		c.X.write(b, precUnary)
	case OpAnd:
		c.X.write(b, precAnd)
		b.WriteString(" and ")
		c.Y.write(b, precUnary)
	case OpOr:
		c.X.write(b, precOr)
		b.WriteString(" or ")
		c.Y.write(b, precAnd)
	default:
		fmt.Fprintf(b, "<op %d>", c.Op)
	}
	if paren {
		b.WriteByte(')')
	}
}

// Equal reports whether c and d are the same tree.
func (c *Cond) Equal(d *Cond) bool {
	if c == nil || d == nil {
		return c == d
	}
	return c.Op == d.Op && c.ID == d.ID && c.X.Equal(d.X) && c.Y.Equal(d.Y)
}

// Items returns the ids of the agreed(ID) atoms of c, sorted, each once.
func (c *Cond) Items() []string { return c.atoms(OpAgreed) }

// Facts returns the ids of the fact(ID) atoms of c, sorted, each once.
func (c *Cond) Facts() []string { return c.atoms(OpFact) }

// Steps returns the ids of the done(ID) atoms of c, sorted, each once.
func (c *Cond) Steps() []string { return c.atoms(OpDone) }

func (c *Cond) atoms(op Op) []string {
	seen := map[string]bool{}
	var walk func(*Cond)
	walk = func(c *Cond) {
		if c == nil {
			return
		}
		if c.Op == op {
			seen[c.ID] = true
		}
		walk(c.X)
		walk(c.Y)
	}
	walk(c)
	out := make([]string, 0, len(seen))
	for id := range seen {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// Eval returns the value of c when the items for which agreed returns true
// are agreed, the facts for which fact returns true are confirmed and the
// steps for which done returns true are done.
func (c *Cond) Eval(agreed, fact, done func(string) bool) bool {
	switch c.Op {
	case OpAgreed:
		return agreed(c.ID)
	case OpFact:
		return fact(c.ID)
	case OpDone:
		return done(c.ID)
	case OpNot:
		return !c.X.Eval(agreed, fact, done)
	case OpAnd:
		return c.X.Eval(agreed, fact, done) && c.Y.Eval(agreed, fact, done)
	case OpOr:
		return c.X.Eval(agreed, fact, done) || c.Y.Eval(agreed, fact, done)
	}
	return false
}

// Tokens.

type tokKind uint8

const (
	tEOF tokKind = iota
	tLParen
	tRParen
	tAnd
	tOr
	tNot
	tWord // an identifier, possibly a keyword such as agreed, fact or done
	tBad
)

type token struct {
	kind tokKind
	text string
	pos  int // byte offset
}

func (t token) describe() any {
	switch t.kind {
	case tEOF:
		return parley.Key("the end of the condition")
	case tBad:
		return parley.Key("the character %q", t.text)
	}
	return strconv.Quote(t.text)
}

type parser struct {
	src string
	off int
	tok token
}

func isIDByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '_' || c == '.' || c == ':' || c == '-'
}

func (p *parser) next() {
	for p.off < len(p.src) && (p.src[p.off] == ' ' || p.src[p.off] == '\t' || p.src[p.off] == '\n' || p.src[p.off] == '\r') {
		p.off++
	}
	start := p.off
	if p.off == len(p.src) {
		p.tok = token{kind: tEOF, pos: start}
		return
	}
	c := p.src[p.off]
	two := ""
	if p.off+1 < len(p.src) {
		two = p.src[p.off : p.off+2]
	}
	switch {
	case c == '(':
		p.off++
		p.tok = token{tLParen, "(", start}
	case c == ')':
		p.off++
		p.tok = token{tRParen, ")", start}
	case two == "&&":
		p.off += 2
		p.tok = token{tAnd, "&&", start}
	case two == "||":
		p.off += 2
		p.tok = token{tOr, "||", start}
	case c == '!':
		p.off++
		p.tok = token{tNot, "!", start}
	case isIDByte(c):
		for p.off < len(p.src) && isIDByte(p.src[p.off]) {
			p.off++
		}
		w := p.src[start:p.off]
		switch w {
		case "and":
			p.tok = token{tAnd, w, start}
		case "or":
			p.tok = token{tOr, w, start}
		case "not":
			p.tok = token{tNot, w, start}
		default:
			p.tok = token{tWord, w, start}
		}
	default:
		_, n := utf8.DecodeRuneInString(p.src[p.off:])
		p.off += n
		p.tok = token{tBad, p.src[start:p.off], start}
	}
}

// at returns err located at the column of the current token.
func (p *parser) at(err *parley.Error) error {
	col := utf8.RuneCountInString(p.src[:p.tok.pos]) + 1
	return parley.Wrapf(err.Code, "at column %d: %s", err, col)
}

// deeper checks the depth of a unary about to be read: the number of
// parentheses and "not"s around it, at most MaxCondDepth.
func (p *parser) deeper(depth int) error {
	if depth > MaxCondDepth {
		return p.at(parley.Errorf(parley.EINVALID, "nested more than %d deep; simplify the condition", MaxCondDepth))
	}
	return nil
}

func (p *parser) or(depth int) (*Cond, error) {
	x, err := p.and(depth)
	if err != nil {
		return nil, err
	}
	for p.tok.kind == tOr {
		p.next()
		y, err := p.and(depth)
		if err != nil {
			return nil, err
		}
		x = &Cond{Op: OpOr, X: x, Y: y}
	}
	return x, nil
}

func (p *parser) and(depth int) (*Cond, error) {
	x, err := p.unary(depth)
	if err != nil {
		return nil, err
	}
	for p.tok.kind == tAnd {
		p.next()
		y, err := p.unary(depth)
		if err != nil {
			return nil, err
		}
		x = &Cond{Op: OpAnd, X: x, Y: y}
	}
	return x, nil
}

func (p *parser) unary(depth int) (*Cond, error) {
	if err := p.deeper(depth); err != nil {
		return nil, err
	}
	switch p.tok.kind {
	case tNot:
		p.next()
		x, err := p.unary(depth + 1)
		if err != nil {
			return nil, err
		}
		return &Cond{Op: OpNot, X: x}, nil
	case tLParen:
		p.next()
		x, err := p.or(depth + 1)
		if err != nil {
			return nil, err
		}
		if p.tok.kind != tRParen {
			return nil, p.at(parley.Errorf(parley.EINVALID, `expected ")" or an operator, found %s`, p.tok.describe()))
		}
		p.next()
		return x, nil
	case tWord:
		var op Op
		switch p.tok.text {
		case "agreed":
			op = OpAgreed
		case "fact":
			op = OpFact
		case "done":
			op = OpDone
		default:
			return nil, p.at(parley.Errorf(parley.EINVALID, `expected agreed(ID), fact(ID), done(ID), "not" or "(", found %s`, p.tok.describe()))
		}
		name := p.tok.text
		p.next()
		if p.tok.kind != tLParen {
			return nil, p.at(parley.Errorf(parley.EINVALID, `expected "(" after %s, found %s`, name, p.tok.describe()))
		}
		p.next()
		if p.tok.text == "" || !isIDByte(p.tok.text[0]) {
			return nil, p.at(parley.Errorf(parley.EINVALID, "expected an id ([A-Za-z0-9_.:-]+) after %s(, found %s", name, p.tok.describe()))
		}
		id := p.tok.text
		if len(id) > parley.MaxIDLength {
			return nil, p.at(parley.Errorf(parley.EINVALID, "the id in %s(...) is longer than %d characters", name, parley.MaxIDLength))
		}
		p.next()
		if p.tok.kind != tRParen {
			return nil, p.at(parley.Errorf(parley.EINVALID, `expected ")" after %s(ID, found %s`, name, p.tok.describe()))
		}
		p.next()
		return &Cond{Op: op, ID: id}, nil
	}
	return nil, p.at(parley.Errorf(parley.EINVALID, `expected agreed(ID), fact(ID), done(ID), "not" or "(", found %s`, p.tok.describe()))
}
