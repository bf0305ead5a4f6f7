package parley

import (
	"encoding/json"
	"fmt"
	"strings"
)

// The kinds of event of sealed acts (docs/RECORD.md §11): an actor's
// encryption key, and content keys wrapped again for later recipients.
const (
	KindEncryptionKey = "key.encryption" // EncryptionKey; any actor on the roster, publishing its own key; always public
	KindRewrap        = "seal.rewrap"    // Rewrap; a recipient of the sealed payloads it names, for a later recipient
)

// EncryptionKey publishes the signer's public encryption key
// ("xwing:BASE64", docs/RECORD.md §11.1), to which others seal what only
// the signer and the other recipients may read. It names no actor: a key
// is published by its owner, whose signature nobody else can make, the
// convener included. A later one replaces it.
type EncryptionKey struct {
	Key string `json:"key"`
}

// CaucusContent is the content of a sealed caucus message: what its
// recipients read once they open it.
type CaucusContent struct {
	Text string `json:"text"`
}

// Rewrap gives later recipients the content keys of sealed payloads
// already in the log (docs/RECORD.md §11.6): a recipient of each opens it
// and wraps its content key again for an actor who has become entitled to
// read it since, such as a delegate who joined the party later.
type Rewrap struct {
	Rewraps []RewrapOf `json:"rewraps"`
}

// RewrapOf is one content key wrapped again: for the sealed payload of the
// event at log index Index, the re-wrap of docs/RECORD.md §11.6 in its
// canonical JSON form.
type RewrapOf struct {
	Index  int64           `json:"index"`
	Rewrap json.RawMessage `json:"rewrap"`
}

func (*EncryptionKey) act() {}
func (*Rewrap) act()        {}

// IsSealed reports whether the caucus message is sealed.
func (p *Caucus) IsSealed() bool { return len(p.Sealed) > 0 }

func describeEncryptionKey(a Act, n Namer, _ string) Description {
	p := a.(*EncryptionKey)
	kem, _, _ := strings.Cut(p.Key, ":")
	return Description{Summary: n.T("published its encryption key (%[1]s, %[2]s), to which sealed acts for it are encrypted", kem, shortKey(p.Key))}
}

func describeRewrap(a Act, n Namer, _ string) Description {
	p := a.(*Rewrap)
	var to []string
	seen := map[string]bool{}
	idx := make([]string, 0, len(p.Rewraps))
	for _, r := range p.Rewraps {
		idx = append(idx, fmt.Sprintf("#%d", r.Index))
		var w struct {
			Actor string `json:"actor"`
		}
		if json.Unmarshal(r.Rewrap, &w) == nil && w.Actor != "" && !seen[w.Actor] {
			seen[w.Actor] = true
			to = append(to, n.ActorName(w.Actor))
		}
	}
	if len(idx) > 6 {
		idx = append(idx[:5], "…")
	}
	if len(to) == 0 {
		return Description{Summary: n.T("let a later recipient read %[1]d sealed payloads (%[2]s) by wrapping their keys again", len(p.Rewraps), strings.Join(idx, ", "))}
	}
	return Description{Summary: n.T("let %[2]s read %[1]d sealed payloads (%[3]s) by wrapping their keys again", len(p.Rewraps), list(n, to), strings.Join(idx, ", "))}
}
