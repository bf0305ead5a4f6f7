package document

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/parleyhq/parley"
)

// checkErr reports whether err is a *parley.Error with code and message.
func checkErr(t *testing.T, what string, err error, code, msg string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error, want %s %q", what, code, msg)
		return
	}
	e, ok := err.(*parley.Error)
	if !ok {
		t.Errorf("%s: error is %T (%v), want *parley.Error", what, err, err)
		return
	}
	if e.Code != code || e.Message != msg {
		t.Errorf("%s: error = %s %q,\nwant %s %q", what, e.Code, e.Message, code, msg)
	}
}

func TestCheckVersion(t *testing.T) {
	ok := [][]string{
		{"One."},
		{"The parties [[shall || should]] release detainees.", "Article 2.", "يلتزم الطرفان [[بالإفراج]]"},
		make([]string, MaxParagraphs),
	}
	for i := range ok[2] {
		ok[2][i] = fmt.Sprintf("Paragraph %d.", i+1)
	}
	for _, v := range ok {
		if err := CheckVersion(v); err != nil {
			t.Errorf("CheckVersion(%.60q): %v", v, err)
		}
	}
	tooMany := append(ok[2], "One more.")
	tests := []struct {
		in        []string
		code, msg string
	}{
		{nil, parley.EINVALID, "the version has no paragraphs; write at least one"},
		{tooMany, parley.ETOOLARGE, "the version has 10001 paragraphs, more than the limit of 10000; split the document"},
		{
			[]string{"One.", "Two.", "The parties [[shall"},
			parley.EINVALID,
			`paragraph 3: at column 20: unclosed bracket opened at column 13; close it with "]]"`,
		},
		{[]string{"One.", " \t "}, parley.EINVALID, "paragraph 2: the paragraph is blank; write its text, or leave the paragraph out"},
		{[]string{""}, parley.EINVALID, "paragraph 1: the paragraph is blank; write its text, or leave the paragraph out"},
		{[]string{"a\nb"}, parley.EINVALID, "paragraph 1: at column 2: line break (U+000A) inside a paragraph; make each line a paragraph of its own"},
		{
			[]string{"ok", strings.Repeat("x", parley.MaxTextSize+1)},
			parley.ETOOLARGE,
			"paragraph 2: the paragraph is 65537 bytes, more than the limit of 65536; split it into several paragraphs",
		},
	}
	for _, tt := range tests {
		checkErr(t, fmt.Sprintf("CheckVersion(%.60q)", tt.in), CheckVersion(tt.in), tt.code, tt.msg)
	}
}

func TestApply(t *testing.T) {
	base := []string{"P1", "P2", "P3"}
	tests := []struct {
		name    string
		changes []parley.Change
		want    []string
	}{
		{"replace", []parley.Change{{Op: "replace", Paragraph: 2, Text: "Q2"}}, []string{"P1", "Q2", "P3"}},
		{"delete", []parley.Change{{Op: "delete", Paragraph: 1}}, []string{"P2", "P3"}},
		{"insert first", []parley.Change{{Op: "insert", Paragraph: 1, Text: "N"}}, []string{"N", "P1", "P2", "P3"}},
		{"append", []parley.Change{{Op: "insert", Paragraph: 4, Text: "N"}}, []string{"P1", "P2", "P3", "N"}},
		{
			"inserts keep their order",
			[]parley.Change{{Op: "insert", Paragraph: 2, Text: "A"}, {Op: "insert", Paragraph: 2, Text: "B"}},
			[]string{"P1", "A", "B", "P2", "P3"},
		},
		{
			"numbers refer to the base whatever the order",
			[]parley.Change{
				{Op: "delete", Paragraph: 3},
				{Op: "insert", Paragraph: 1, Text: "N0"},
				{Op: "replace", Paragraph: 1, Text: "Q1 [[a || b]]"},
				{Op: "insert", Paragraph: 3, Text: "N2"},
				{Op: "insert", Paragraph: 4, Text: "N3"},
			},
			[]string{"N0", "Q1 [[a || b]]", "P2", "N2", "N3"},
		},
		{
			"insert before a deleted paragraph",
			[]parley.Change{{Op: "delete", Paragraph: 2}, {Op: "insert", Paragraph: 2, Text: "N"}},
			[]string{"P1", "N", "P3"},
		},
		{
			"replace every paragraph",
			[]parley.Change{{Op: "replace", Paragraph: 3, Text: "C"}, {Op: "replace", Paragraph: 1, Text: "A"}, {Op: "replace", Paragraph: 2, Text: "B"}},
			[]string{"A", "B", "C"},
		},
	}
	for _, tt := range tests {
		in := append([]string(nil), base...)
		got, err := Apply(in, tt.changes)
		if err != nil {
			t.Errorf("%s: Apply: %v", tt.name, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: Apply = %q, want %q", tt.name, got, tt.want)
		}
		if !reflect.DeepEqual(in, base) {
			t.Errorf("%s: Apply modified its base: %q", tt.name, in)
		}
	}
	if got, err := Apply(nil, []parley.Change{{Op: "insert", Paragraph: 1, Text: "First."}}); err != nil || !reflect.DeepEqual(got, []string{"First."}) {
		t.Errorf("Apply(nil, insert 1) = %q, %v; want [\"First.\"]", got, err)
	}
}

func TestApplyErrors(t *testing.T) {
	base := []string{"P1", "P2", "P3"}
	many := make([]parley.Change, MaxParagraphs+1)
	for i := range many {
		many[i] = parley.Change{Op: "insert", Paragraph: 1, Text: "x"}
	}
	tests := []struct {
		changes   []parley.Change
		code, msg string
	}{
		{nil, parley.EINVALID, "the amendment has no changes; give at least one"},
		{many, parley.ETOOLARGE, "the amendment has 10001 changes, more than the limit of 10000; split it"},
		{
			[]parley.Change{{Op: "replace", Paragraph: 1, Text: "a"}, {Op: "move", Paragraph: 2}},
			parley.EINVALID, `changes[1]: op "move" is not replace, insert or delete`,
		},
		{[]parley.Change{{Op: "", Paragraph: 2}}, parley.EINVALID, `changes[0]: op "" is not replace, insert or delete`},
		{
			[]parley.Change{{Op: "replace", Paragraph: 4, Text: "a"}},
			parley.EINVALID, "changes[0]: paragraph 4 does not exist; the version has paragraphs 1 to 3",
		},
		{
			[]parley.Change{{Op: "delete", Paragraph: 0}},
			parley.EINVALID, "changes[0]: paragraph 0 does not exist; the version has paragraphs 1 to 3",
		},
		{
			[]parley.Change{{Op: "insert", Paragraph: 5, Text: "a"}},
			parley.EINVALID, "changes[0]: cannot insert before paragraph 5; the version has 3 paragraphs, so insert takes 1 to 4",
		},
		{
			[]parley.Change{{Op: "insert", Paragraph: -1, Text: "a"}},
			parley.EINVALID, "changes[0]: cannot insert before paragraph -1; the version has 3 paragraphs, so insert takes 1 to 4",
		},
		{
			[]parley.Change{{Op: "replace", Paragraph: 2, Text: "a"}, {Op: "insert", Paragraph: 1, Text: "b"}, {Op: "delete", Paragraph: 2}},
			parley.EINVALID, "changes[2]: paragraph 2 is already changed by changes[0]; change each paragraph once",
		},
		{
			[]parley.Change{{Op: "replace", Paragraph: 3, Text: "a"}, {Op: "replace", Paragraph: 3, Text: "b"}},
			parley.EINVALID, "changes[1]: paragraph 3 is already changed by changes[0]; change each paragraph once",
		},
		{
			[]parley.Change{{Op: "replace", Paragraph: 2, Text: "P2"}},
			parley.EINVALID, "changes[0]: the new text of paragraph 2 is the text it has; drop this change",
		},
		{
			[]parley.Change{{Op: "delete", Paragraph: 2, Text: "P2"}},
			parley.EINVALID, "changes[0]: a delete carries no text; remove the text, or use replace",
		},
		{
			[]parley.Change{{Op: "insert", Paragraph: 1, Text: "ok"}, {Op: "insert", Paragraph: 1, Text: "b]] c"}},
			parley.EINVALID, `changes[1]: at column 2: "]]" closes no bracket; remove it, or write \]] for literal "]]"`,
		},
		{
			[]parley.Change{{Op: "replace", Paragraph: 1, Text: ""}},
			parley.EINVALID, "changes[0]: the paragraph is blank; write its text, or leave the paragraph out",
		},
		{
			[]parley.Change{{Op: "insert", Paragraph: 1}},
			parley.EINVALID, "changes[0]: the paragraph is blank; write its text, or leave the paragraph out",
		},
		{
			[]parley.Change{{Op: "replace", Paragraph: 1, Text: strings.Repeat("x", parley.MaxTextSize+1)}},
			parley.ETOOLARGE, "changes[0]: the paragraph is 65537 bytes, more than the limit of 65536; split it into several paragraphs",
		},
		{
			[]parley.Change{{Op: "delete", Paragraph: 1}, {Op: "delete", Paragraph: 3}, {Op: "delete", Paragraph: 2}},
			parley.EINVALID, "the changes delete every paragraph; a version keeps at least one",
		},
	}
	for _, tt := range tests {
		got, err := Apply(base, tt.changes)
		if err == nil {
			t.Errorf("Apply(%.80v) = %q, want error %q", tt.changes, got, tt.msg)
			continue
		}
		checkErr(t, fmt.Sprintf("Apply(%.80v)", tt.changes), err, tt.code, tt.msg)
	}

	big := make([]string, MaxParagraphs)
	for i := range big {
		big[i] = "x"
	}
	_, err := Apply(big, []parley.Change{{Op: "insert", Paragraph: 1, Text: "y"}})
	checkErr(t, "Apply to a full version", err, parley.ETOOLARGE,
		"the new version would have 10001 paragraphs, more than the limit of 10000")
}
