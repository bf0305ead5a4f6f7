package document

import (
	"strings"

	"github.com/parleyhq/parley"
)

// MaxParagraphs is the most paragraphs a version may have, and the most
// changes an amendment may make.
const MaxParagraphs = 10000

// CheckVersion checks the paragraphs of a version: there is at least one
// and at most MaxParagraphs, and each parses and is not blank. The error is
// a *parley.Error naming the first paragraph that fails by its number, as
// in "paragraph 3: at column 5: ...".
func CheckVersion(paragraphs []string) error {
	if len(paragraphs) == 0 {
		return parley.Errorf(parley.EINVALID, "the version has no paragraphs; write at least one")
	}
	if len(paragraphs) > MaxParagraphs {
		return parley.Errorf(parley.ETOOLARGE,
			"the version has %d paragraphs, more than the limit of %d; split the document",
			len(paragraphs), MaxParagraphs)
	}
	for i, p := range paragraphs {
		if err := checkParagraph(p); err != nil {
			return parley.Wrapf(parley.ErrorCode(err), "paragraph %d: %s", err, i+1)
		}
	}
	return nil
}

// checkParagraph checks one paragraph of a version.
func checkParagraph(p string) error {
	if _, err := Parse(p); err != nil {
		return err
	}
	if strings.TrimSpace(p) == "" {
		return parley.Errorf(parley.EINVALID, "the paragraph is blank; write its text, or leave the paragraph out")
	}
	return nil
}

// Apply applies the changes of an amendment to base, a version, and returns
// the new version. base is not modified.
//
// Paragraph numbers in changes refer to base, whatever the order of the
// changes: "replace" and "delete" name a paragraph from 1 to len(base);
// "insert" puts a new paragraph before paragraph n, n = len(base)+1
// appending. Inserts at the same place keep the order they have in changes.
// Apply refuses, with a *parley.Error naming the change as "changes[i]: ...":
// an unknown op, a number out of range, two changes to the same paragraph
// (replace or delete), a replacement by the same text, a delete that carries
// text, and a new text that CheckVersion would refuse. It also refuses an
// empty list of changes and a result with no paragraphs or more than
// MaxParagraphs. It does not check the paragraphs of base that it keeps.
func Apply(base []string, changes []parley.Change) ([]string, error) {
	if len(changes) == 0 {
		return nil, parley.Errorf(parley.EINVALID, "the amendment has no changes; give at least one")
	}
	if len(changes) > MaxParagraphs {
		return nil, parley.Errorf(parley.ETOOLARGE,
			"the amendment has %d changes, more than the limit of %d; split it", len(changes), MaxParagraphs)
	}
	n := len(base)
	touched := make(map[int]int)   // paragraph → index of the change that replaces or deletes it
	inserts := make(map[int][]int) // paragraph → indexes of the changes inserting before it
	for i, c := range changes {
		switch c.Op {
		case parley.OpReplace, parley.OpDelete:
			if c.Paragraph < 1 || c.Paragraph > n {
				return nil, parley.Errorf(parley.EINVALID,
					"changes[%d]: paragraph %d does not exist; the version has paragraphs 1 to %d", i, c.Paragraph, n)
			}
			if j, ok := touched[c.Paragraph]; ok {
				return nil, parley.Errorf(parley.EINVALID,
					"changes[%d]: paragraph %d is already changed by changes[%d]; change each paragraph once", i, c.Paragraph, j)
			}
			touched[c.Paragraph] = i
			if c.Op == parley.OpDelete {
				if c.Text != "" {
					return nil, parley.Errorf(parley.EINVALID,
						"changes[%d]: a delete carries no text; remove the text, or use replace", i)
				}
				continue
			}
			if c.Text == base[c.Paragraph-1] {
				return nil, parley.Errorf(parley.EINVALID,
					"changes[%d]: the new text of paragraph %d is the text it has; drop this change", i, c.Paragraph)
			}
		case parley.OpInsert:
			if c.Paragraph < 1 || c.Paragraph > n+1 {
				return nil, parley.Errorf(parley.EINVALID,
					"changes[%d]: cannot insert before paragraph %d; the version has %d paragraphs, so insert takes 1 to %d",
					i, c.Paragraph, n, n+1)
			}
			inserts[c.Paragraph] = append(inserts[c.Paragraph], i)
		default:
			return nil, parley.Errorf(parley.EINVALID,
				"changes[%d]: op %q is not replace, insert or delete", i, truncate(c.Op, 40))
		}
		if err := checkParagraph(c.Text); err != nil {
			return nil, parley.Wrapf(parley.ErrorCode(err), "changes[%d]: %s", err, i)
		}
	}
	size := n
	for _, c := range changes {
		switch c.Op {
		case parley.OpInsert:
			size++
		case parley.OpDelete:
			size--
		}
	}
	if size == 0 {
		return nil, parley.Errorf(parley.EINVALID, "the changes delete every paragraph; a version keeps at least one")
	}
	if size > MaxParagraphs {
		return nil, parley.Errorf(parley.ETOOLARGE,
			"the new version would have %d paragraphs, more than the limit of %d", size, MaxParagraphs)
	}
	out := make([]string, 0, size)
	for p := 1; p <= n+1; p++ {
		for _, i := range inserts[p] {
			out = append(out, changes[i].Text)
		}
		if p > n {
			break
		}
		i, ok := touched[p]
		switch {
		case !ok:
			out = append(out, base[p-1])
		case changes[i].Op == parley.OpReplace:
			out = append(out, changes[i].Text)
		}
	}
	return out, nil
}

// truncate shortens s to at most n bytes, on a character boundary, for
// quoting in a message.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}
