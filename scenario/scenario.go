// Package scenario holds the demo's talks as scripts of acts by the demo
// actors: the Moscow consultations of April 2015, and an illustrative
// detainee exchange in three tranches (no real names, no real lists). It
// replays a script through the same append path as any act: each step is
// signed with its actor's key and appended. A caucus message of a script
// is sealed as it is replayed, to the encryption keys its recipients
// published earlier in the script, and so is the annex of a report or a
// finding on a step of a measure, and a party's preferences over packages.
package scenario

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/seal"
)

//go:embed moscow-2015.json
var moscow []byte

//go:embed exchange-2015.json
var exchange []byte

// A Script is a scenario: a cast of actors and the steps they take.
type Script struct {
	Talks  string   `json:"talks"`
	Title  string   `json:"title"`
	Notice string   `json:"notice"` // what is reported, quoted and reconstructed
	Cast   []Member `json:"cast"`
	Steps  []Step   `json:"steps"`
}

// A Member is one actor of the cast.
type Member struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Role  string `json:"role"`
	Party string `json:"party,omitempty"`
}

// A Step is one act, a checkpoint of the acceptance test ("check"), or a
// note for readers of the script.
type Step struct {
	At      string          `json:"at,omitempty"`
	By      string          `json:"by,omitempty"`
	Kind    string          `json:"kind,omitempty"`
	Vis     string          `json:"vis,omitempty"`
	Payload json.RawMessage `json:"payload,omitempty"`
	// Quoted, on a statement, says that its text is what the press
	// reported a real person saying, word for word, and where.
	Quoted *Quoted `json:"quoted,omitempty"`
	Check  string  `json:"check,omitempty"`
	Note   string  `json:"note,omitempty"`
}

// Quoted is the source of a statement whose words a press report quoted.
type Quoted struct {
	Occasion string `json:"occasion"` // where it was said, as reported: "at a news conference"
	Source   string `json:"source"`   // the report that quoted it, with its date
}

// Moscow returns the script of the Moscow consultations.
func Moscow() *Script {
	s, err := Parse(moscow)
	if err != nil {
		panic("scenario: the embedded Moscow script is invalid: " + err.Error())
	}
	return s
}

// Exchange returns the script of the illustrative detainee exchange: two
// invented parties release detainees in three tranches, each verified by a
// neutral; tranche 1 is done, tranche 2 disputed (43 of the Government's
// 50 verified), tranche 3 waits on it, and the Opposition's support of a
// follow-up text is conditional on the Government's tranche 2 done. The
// lists sealed in its reports are placeholders.
func Exchange() *Script {
	s, err := Parse(exchange)
	if err != nil {
		panic("scenario: the embedded exchange script is invalid: " + err.Error())
	}
	return s
}

// Parse parses a script and checks that every step names a cast member.
func Parse(b []byte) (*Script, error) {
	var s Script
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(&s); err != nil {
		return nil, fmt.Errorf("decoding the script: %w", err)
	}
	if !parley.ValidTalksID(s.Talks) {
		return nil, fmt.Errorf("script field \"talks\": %q is not a talks id", s.Talks)
	}
	cast := map[string]bool{}
	for _, m := range s.Cast {
		cast[m.ID] = true
	}
	for i, st := range s.Steps {
		if st.Check != "" || st.Note != "" {
			continue
		}
		if !cast[st.By] {
			return nil, fmt.Errorf("steps[%d]: %q is not in the cast", i, st.By)
		}
		if _, err := time.Parse(time.RFC3339, st.At); err != nil {
			return nil, fmt.Errorf("steps[%d].at: %w", i, err)
		}
		if !parley.KnownKind(st.Kind) {
			return nil, fmt.Errorf("steps[%d].kind: %q is not a kind of event", i, st.Kind)
		}
		if q := st.Quoted; q != nil {
			if st.Kind != parley.KindStatement {
				return nil, fmt.Errorf("steps[%d].quoted: only a statement can be quoted, not %s", i, st.Kind)
			}
			if q.Occasion == "" || q.Source == "" {
				return nil, fmt.Errorf("steps[%d].quoted: want the occasion and the source", i)
			}
			var p parley.Statement
			if err := json.Unmarshal(st.Payload, &p); err != nil || p.Text == "" {
				return nil, fmt.Errorf("steps[%d].payload: a quoted statement wants its text (%v)", i, err)
			}
		}
	}
	return &s, nil
}

// A Quotation is a statement of the script whose words a press report
// quoted.
type Quotation struct {
	By   Member
	Text string
	Quoted
}

// Quotations returns the quoted statements of the script, in order.
func (s *Script) Quotations() []Quotation {
	var qs []Quotation
	for _, st := range s.Steps {
		if st.Quoted == nil {
			continue
		}
		var p parley.Statement
		json.Unmarshal(st.Payload, &p) // checked by Parse
		q := Quotation{Text: p.Text, Quoted: *st.Quoted}
		for _, m := range s.Cast {
			if m.ID == st.By {
				q.By = m
			}
		}
		qs = append(qs, q)
	}
	return qs
}

// DemoNotice returns the notice followed by each quotation with its
// source, as the demo shows it on its first page.
func (s *Script) DemoNotice() string {
	var b strings.Builder
	b.WriteString(s.Notice)
	for i, q := range s.Quotations() {
		if i == 0 {
			b.WriteString(" Quoted in the press:")
		} else {
			b.WriteString(";")
		}
		fmt.Fprintf(&b, " %s, %s (%s): “%s”", q.By.Name, q.Occasion, q.Source, q.Text)
	}
	if b.Len() > len(s.Notice) {
		b.WriteString(".")
	}
	return b.String()
}

// Keys are the private keys of the cast, by member id. Each replay of a
// demo generates its own.
type Keys map[string]ed25519.PrivateKey

// NewKeys generates a key for each member of the cast.
func (s *Script) NewKeys() (Keys, error) {
	ks := Keys{}
	for _, m := range s.Cast {
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, err
		}
		ks[m.ID] = priv
	}
	return ks, nil
}

// Public returns the public key of a member, encoded as events write keys.
func (ks Keys) Public(id string) string {
	return parley.KeyString(ks[id].Public().(ed25519.PublicKey))
}

// Encryption returns the encryption key of a member: an X-Wing key derived
// from its signing key, so that the demo's keys are made once, together,
// and a member's key file holds both. Real keys are made apart ("parley
// keygen", the Keys page); only a demo, whose server holds every key of
// its cast anyway, derives one from the other.
func (ks Keys) Encryption(id string) *seal.PrivateKey {
	seed := sha256.Sum256(append([]byte("parley/v1/demo/encryption-key\n"), ks[id].Seed()...))
	// Any 32 bytes are an X-Wing private key (its seed).
	k, _ := seal.ParsePrivateKey(seal.XWing + ":" + base64.StdEncoding.EncodeToString(seed[:]))
	return k
}

// caucusRecipients returns whom a caucus message of party is sealed to:
// the party's members and the mediators of the cast, all of whom the
// script puts on the roster, with their encryption keys.
func (s *Script) caucusRecipients(ks Keys, party string) []seal.Recipient {
	var rs []seal.Recipient
	for _, m := range s.Cast {
		if m.Role == parley.RoleMediator || (m.Party == party && party != "") {
			rs = append(rs, seal.Recipient{Actor: ks[m.ID].Public().(ed25519.PublicKey), Key: ks.Encryption(m.ID).Public()})
		}
	}
	return rs
}

// An Appender appends a signed event to the record: a ledger in process, or
// a client of a Parley server.
type Appender interface {
	Append(ctx context.Context, se parley.SignedEvent) error
}

// AppenderFunc adapts a function to Appender.
type AppenderFunc func(ctx context.Context, se parley.SignedEvent) error

// Append calls f.
func (f AppenderFunc) Append(ctx context.Context, se parley.SignedEvent) error { return f(ctx, se) }

// Event returns step i as an event signed by its actor for the log with the
// given origin. "$key:ID" strings in the payload become member ID's public
// key, "$enckey:ID" its public encryption key. The text of a caucus message
// is sealed, bound to the origin, to the party's members and the mediators.
func (s *Script) Event(i int, ks Keys, origin string) (parley.SignedEvent, error) {
	st := s.Steps[i]
	payload := string(st.Payload)
	for _, m := range s.Cast {
		payload = strings.ReplaceAll(payload, `"$key:`+m.ID+`"`, `"`+ks.Public(m.ID)+`"`)
		payload = strings.ReplaceAll(payload, `"$enckey:`+m.ID+`"`, `"`+ks.Encryption(m.ID).Public().String()+`"`)
	}
	at, _ := time.Parse(time.RFC3339, st.At)
	sender := ks[st.By].Public().(ed25519.PublicKey)
	if st.Kind == parley.KindCaucus {
		var p parley.Caucus
		if err := parley.DecodeStrict([]byte(payload), &p); err != nil {
			return parley.SignedEvent{}, err
		}
		if p.Text != "" {
			content, _ := json.Marshal(parley.CaucusContent{Text: p.Text})
			c := seal.Context{Origin: origin, Kind: st.Kind, Channel: parley.VisParty(p.Party), Sender: sender}
			sealed, err := seal.Seal(c, content, s.caucusRecipients(ks, p.Party))
			if err != nil {
				return parley.SignedEvent{}, err
			}
			raw, err := json.Marshal(sealed)
			if err != nil {
				return parley.SignedEvent{}, err
			}
			b, err := json.Marshal(parley.Caucus{Party: p.Party, Sealed: raw})
			if err != nil {
				return parley.SignedEvent{}, err
			}
			payload = string(b)
		}
	}
	if st.Kind == parley.KindReportStep || st.Kind == parley.KindVerifyStep {
		var err error
		if payload, err = s.sealAnnex(i, ks, origin, sender, payload); err != nil {
			return parley.SignedEvent{}, err
		}
	}
	if st.Kind == parley.KindGivePreferences {
		var err error
		if payload, err = s.sealPreferences(i, ks, origin, sender, payload); err != nil {
			return parley.SignedEvent{}, err
		}
	}
	e, err := parley.NewEvent(s.Talks, st.Kind, sender, at, json.RawMessage(payload))
	if err != nil {
		return parley.SignedEvent{}, err
	}
	e.Vis = st.Vis
	return parley.Sign(origin, e, ks[st.By])
}

// sealAnnex seals the annex of step i, a report or a finding on a step of
// a measure, when the script gives it as {"text": "…"}: to the heads and
// delegates of the parties the step's plan obliges and to its verifier,
// as the script's latest plan before step i that holds the step names
// them, bound to the channel "step:STEP".
func (s *Script) sealAnnex(i int, ks Keys, origin string, sender ed25519.PublicKey, payload string) (string, error) {
	var p map[string]json.RawMessage
	if err := json.Unmarshal([]byte(payload), &p); err != nil {
		return "", err
	}
	var a parley.AnnexContent
	if raw, ok := p["annex"]; !ok || parley.DecodeStrict(raw, &a) != nil || a.Text == "" {
		return payload, nil // none, or sealed already
	}
	var step string
	if err := json.Unmarshal(p["step"], &step); err != nil {
		return "", err
	}
	rs, err := s.annexRecipients(i, ks, step)
	if err != nil {
		return "", err
	}
	content, _ := json.Marshal(a)
	c := seal.Context{Origin: origin, Kind: s.Steps[i].Kind, Channel: parley.AnnexChannel(step), Sender: sender}
	sealed, err := seal.Seal(c, content, rs)
	if err != nil {
		return "", err
	}
	if p["annex"], err = json.Marshal(sealed); err != nil {
		return "", err
	}
	b, err := json.Marshal(p)
	return string(b), err
}

// sealPreferences seals the preferences of step i, a preferences.give
// that the script gives as {"item", "party", "preferences": {"weights",
// "values", "reservation"}}: the party's entry of the interchange format
// (docs/PACKAGES.md), with its "id", sealed to the mediators and the
// party's heads and delegates of the cast, bound to the channel
// "preferences:ITEM:PARTY", for the latest definition of the item's
// issues before step i, whose log index it names.
func (s *Script) sealPreferences(i int, ks Keys, origin string, sender ed25519.PublicKey, payload string) (string, error) {
	var p struct {
		Item        string `json:"item"`
		Party       string `json:"party"`
		Preferences *struct {
			Weights     json.RawMessage `json:"weights"`
			Values      json.RawMessage `json:"values"`
			Reservation json.RawMessage `json:"reservation"`
		} `json:"preferences"`
	}
	if err := json.Unmarshal([]byte(payload), &p); err != nil || p.Preferences == nil {
		return payload, err // sealed already
	}
	def := int64(-1)
	for k, index := 0, int64(0); k < i; k++ {
		st := s.Steps[k]
		if st.Check != "" || st.Note != "" {
			continue
		}
		var d parley.DefineIssues
		if st.Kind == parley.KindDefineIssues && json.Unmarshal(st.Payload, &d) == nil && d.Item == p.Item {
			def = index
		}
		index++
	}
	if def < 0 {
		return "", fmt.Errorf("steps[%d]: no definition of the issues of %q before it", i, p.Item)
	}
	content, err := json.Marshal(struct {
		ID          string          `json:"id"`
		Weights     json.RawMessage `json:"weights"`
		Values      json.RawMessage `json:"values"`
		Reservation json.RawMessage `json:"reservation"`
	}{p.Party, p.Preferences.Weights, p.Preferences.Values, p.Preferences.Reservation})
	if err != nil {
		return "", err
	}
	var rs []seal.Recipient
	for _, m := range s.Cast {
		if m.Role == parley.RoleMediator || ((m.Role == parley.RoleHead || m.Role == parley.RoleDelegate) && m.Party == p.Party) {
			rs = append(rs, seal.Recipient{Actor: ks[m.ID].Public().(ed25519.PublicKey), Key: ks.Encryption(m.ID).Public()})
		}
	}
	c := seal.Context{Origin: origin, Kind: parley.KindGivePreferences, Channel: parley.PreferencesChannel(p.Item, p.Party), Sender: sender}
	sealed, err := seal.Seal(c, content, rs)
	if err != nil {
		return "", err
	}
	raw, err := json.Marshal(sealed)
	if err != nil {
		return "", err
	}
	b, err := json.Marshal(parley.GivePreferences{Item: p.Item, Party: p.Party, Definition: def, Sealed: raw})
	return string(b), err
}

// annexRecipients returns whom an annex on a step is sealed to when step i
// of the script is replayed: the members of the cast who are heads or
// delegates of a party that the step's plan obliges, and its verifier.
func (s *Script) annexRecipients(i int, ks Keys, step string) ([]seal.Recipient, error) {
	var plan *parley.PlanMeasure
	for k := i - 1; k >= 0 && plan == nil; k-- {
		if s.Steps[k].Kind != parley.KindPlanMeasure {
			continue
		}
		var p parley.PlanMeasure
		if err := json.Unmarshal(s.Steps[k].Payload, &p); err != nil {
			return nil, fmt.Errorf("steps[%d].payload: %w", k, err)
		}
		for _, x := range p.Steps {
			if x.ID == step {
				plan = &p
			}
		}
	}
	if plan == nil {
		return nil, fmt.Errorf("steps[%d]: no plan before it holds step %q", i, step)
	}
	parties := map[string]bool{}
	verifier := ""
	for _, x := range plan.Steps {
		parties[x.Party] = true
		if x.ID == step {
			verifier = strings.TrimPrefix(x.Verifier, "$key:")
		}
	}
	var rs []seal.Recipient
	for _, m := range s.Cast {
		if m.ID == verifier || ((m.Role == parley.RoleHead || m.Role == parley.RoleDelegate) && parties[m.Party]) {
			rs = append(rs, seal.Recipient{Actor: ks[m.ID].Public().(ed25519.PublicKey), Key: ks.Encryption(m.ID).Public()})
		}
	}
	return rs, nil
}

// Replay signs and appends every step in order. At each check step it calls
// check with the check's name, if check is not nil; an error from check
// stops the replay.
func (s *Script) Replay(ctx context.Context, app Appender, ks Keys, origin string, check func(name string) error) error {
	for i, st := range s.Steps {
		switch {
		case st.Note != "":
			continue
		case st.Check != "":
			if check != nil {
				if err := check(st.Check); err != nil {
					return fmt.Errorf("check %s: %w", st.Check, err)
				}
			}
			continue
		}
		se, err := s.Event(i, ks, origin)
		if err != nil {
			return fmt.Errorf("step %d (%s by %s): %w", i, st.Kind, st.By, err)
		}
		if err := app.Append(ctx, se); err != nil {
			return fmt.Errorf("step %d (%s by %s): %w", i, st.Kind, st.By, err)
		}
	}
	return nil
}
