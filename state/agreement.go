package state

import (
	"strconv"
	"strings"

	"github.com/parleyhq/parley/agreement"
	"github.com/parleyhq/parley/document"
)

// Instance returns the agreement instance of the talks now, as one who
// sees every event sees it (Seen.Instance): the parties at the current
// round's table, every item, the packages, the confirmed facts, and each
// participating party's stance on the latest version of each item, if it
// covers every language the version has. A stance on an earlier version
// does not count: support for a text is not support for the text that
// replaced it. An item whose latest version holds open brackets, lacks an
// official language or has an open divergence between languages is held:
// nothing in brackets or unaligned is agreed, whatever the stances.
func (t *Talks) Instance() *agreement.Instance { return t.Seen(nil).Instance() }

// Outdated returns the stances of participating parties that refer to an
// earlier version of their item than the latest, by item.
func (t *Talks) Outdated() map[string][]*Stance {
	out := map[string][]*Stance{}
	for _, it := range t.Items {
		latest := it.Latest()
		for _, p := range t.PartyOrder {
			if s := it.Stances[p]; s != nil && latest != nil && s.Version != latest.N {
				out[it.ID] = append(out[it.ID], s)
			}
		}
	}
	return out
}

// bracketHold returns the hold of an item whose version v holds open
// brackets: how many (document.Paragraph.Brackets, nested ones included)
// and in which paragraphs.
func bracketHold(item string, v *Version) (agreement.Hold, bool) {
	if v == nil {
		return agreement.Hold{}, false
	}
	n := 0
	var where []string
	for k, p := range v.Paragraphs {
		if !strings.Contains(p, "[[") {
			continue // no bracket opens without "[["
		}
		c := 1 // a paragraph the markup does not read is not agreed either
		if par, err := document.Parse(p); err == nil {
			c = par.Brackets()
		}
		if c > 0 {
			n += c
			where = append(where, strconv.Itoa(k+1))
		}
	}
	if n == 0 {
		return agreement.Hold{}, false
	}
	detail := "version " + strconv.Itoa(v.N) + ", paragraph " + where[0]
	if len(where) > 1 {
		detail = "version " + strconv.Itoa(v.N) + ", paragraphs " + strings.Join(where, ", ")
	}
	if len(detail) > agreement.MaxHoldDetail {
		detail = detail[:strings.LastIndex(detail[:agreement.MaxHoldDetail-4], ",")] + ", …"
	}
	return agreement.Hold{Item: item, Kind: agreement.HoldOpenBrackets, Count: n, Detail: detail}, true
}
