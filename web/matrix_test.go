package web_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/ledger"
	"github.com/parleyhq/parley/seal"
	"github.com/parleyhq/parley/server"
	"github.com/parleyhq/parley/sqlite"
	"github.com/parleyhq/parley/state"
	"github.com/parleyhq/parley/web"
)

// TestViewMatrix checks every route of the API and of the pages, and the
// live stream with and without a backlog, for every kind of viewer,
// against events of every kind and every visibility, each with a secret
// marker in every free-text field (and in the ids of what it creates): a
// marker shows up in an answer only if the viewer may see the event that
// carries it. The routes come from the routers' own lists, so that a new
// route without a case here fails the test. It runs on talks public and
// for participants only, open and in proximity.
func TestViewMatrix(t *testing.T) {
	for _, tc := range []struct {
		vis       string
		proximity bool
	}{{parley.VisPublic, false}, {parley.VisParticipants, false}, {parley.VisPublic, true}, {parley.VisParticipants, true}} {
		t.Run(fmt.Sprintf("%s,proximity=%v", tc.vis, tc.proximity), func(t *testing.T) {
			m := newMatrix(t, tc.vis, tc.proximity)
			m.build()
			m.check()
		})
	}
}

// The viewers of the matrix: the public, a key not on the roster, each
// party's head, a delegate, an observer, a verifier, the mediator, the
// convener, and an actor who was revoked.
var matrixViewers = []string{"public", "stranger", "gov", "opp", "oppdel", "observer", "verifier", "mediator", "convener", "revoked"}

// The visibilities an event may be given ("" for the default).
var matrixVis = []string{"", parley.VisPublic, parley.VisParticipants, parley.VisParty("gov"), parley.VisParty("opp"), parley.VisMediators}

type matrix struct {
	t         *testing.T
	ts        *httptest.Server
	l         *ledger.Ledger
	talks     string
	vis       string // the talks' default visibility
	proximity bool
	keys      map[string]ed25519.PrivateKey
	tokens    map[string]string
	n         int
	markers   map[string]int64 // marker → log index of the event that carries it
	sealed    map[string]bool  // markers sealed in a caucus message: in no answer at all
	vises     map[int64]string // log index → its visibility, as the test works it out
	released  map[int64][]string
	size      int64
	items     []string
	revokedAt int64
	enc       map[string]*seal.PrivateKey // encryption keys, by actor
	seals     []sealedOf
	streams   map[string]*matrixStream // live streams opened before the events
}

func newMatrix(t *testing.T, vis string, proximity bool) *matrix {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	keys, err := ledger.NewKeys(filepath.Join(dir, "logkeys"))
	if err != nil {
		t.Fatal(err)
	}
	var srv *server.Server
	l := ledger.New(st, ledger.Config{Host: testHost, Keys: keys, OnAppend: func(a ledger.Appended) { srv.Published(a) }})
	ui, err := web.New(l, web.Config{Host: testHost})
	if err != nil {
		t.Fatal(err)
	}
	secret := make([]byte, 32)
	rand.Read(secret)
	srv = server.New(l, server.Config{Host: testHost, Secret: secret, UI: ui, ReadRate: -1, WriteRate: -1, SignInRate: -1, StreamsPerAddr: -1, AnonStreamsPerAddr: -1})
	// A handler that panics is answered by net/http with a closed
	// connection, which a client may retry: the log is where it shows.
	ts := httptest.NewUnstartedServer(srv.Handler())
	ts.Config.ErrorLog = log.New(panicWatch{t}, "", 0)
	ts.Start()
	t.Cleanup(func() {
		srv.Close()
		ts.Close()
		st.Close()
	})
	m := &matrix{t: t, ts: ts, l: l, talks: "matrix", vis: vis, proximity: proximity, keys: map[string]ed25519.PrivateKey{}, tokens: map[string]string{},
		markers: map[string]int64{}, sealed: map[string]bool{}, vises: map[int64]string{}, released: map[int64][]string{}, streams: map[string]*matrixStream{}}
	for _, v := range append(slices.Clone(matrixViewers), "snc", "govlate") {
		if v == "public" {
			continue
		}
		_, k, _ := ed25519.GenerateKey(rand.Reader)
		m.keys[v] = k
	}
	return m
}

// panicWatch fails the test on a server log line that reports a panic.
type panicWatch struct{ t *testing.T }

func (w panicWatch) Write(b []byte) (int, error) {
	if bytes.Contains(b, []byte("panic")) {
		w.t.Errorf("the server panicked: %.400s", b)
	}
	return len(b), nil
}

// mark returns a new secret marker for a field of the next event.
func (m *matrix) mark(what string) string {
	m.n++
	return fmt.Sprintf("MK%03d%s", m.n, what)
}

// markID returns a new marker that is also an id.
func (m *matrix) markID(what string) string { return m.mark(what) }

func (m *matrix) pub(who string) string {
	return parley.KeyString(m.keys[who].Public().(ed25519.PublicKey))
}

// act signs and appends an event and records the markers it carries.
func (m *matrix) act(by, kind, vis string, payload any, markers ...string) int64 {
	m.t.Helper()
	e, err := parley.NewEvent(m.talks, kind, m.keys[by].Public().(ed25519.PublicKey), time.Now(), payload)
	if err != nil {
		m.t.Fatal(err)
	}
	e.Vis = vis
	se, err := parley.Sign(m.l.Origin(m.talks), e, m.keys[by])
	if err != nil {
		m.t.Fatal(err)
	}
	rec, err := m.l.Append(context.Background(), se)
	if err != nil {
		m.t.Fatalf("%s by %s (vis %q): %v", kind, by, vis, err)
	}
	m.vises[rec.Index] = m.visOf(kind, vis, payload)
	for _, mk := range markers {
		m.markers[mk] = rec.Index
	}
	m.size = rec.Index + 1
	return rec.Index
}

// visOf works out an event's visibility from the rules of docs/RECORD.md,
// independently of the code under test.
func (m *matrix) visOf(kind, vis string, payload any) string {
	switch kind {
	case parley.KindFoundTalks, parley.KindAddMediator, parley.KindAddParty, parley.KindAddActor, parley.KindRevokeActor, parley.KindEncryptionKey:
		return parley.VisPublic
	case parley.KindCaucus:
		return parley.VisParty(payload.(parley.Caucus).Party)
	case parley.KindRewrap:
		return m.vises[payload.(parley.Rewrap).Rewraps[0].Index]
	case parley.KindGivePreferences:
		return parley.VisParty(payload.(parley.GivePreferences).Party)
	}
	if kind == parley.KindRelease && vis == "" {
		return parley.VisParty(payload.(parley.Release).Party)
	}
	if vis != "" {
		return vis
	}
	if kind == parley.KindStatement {
		return parley.VisPublic
	}
	if m.proximity {
		switch p := payload.(type) {
		case parley.SetStance:
			return parley.VisParty(p.Party)
		case parley.ProposeAmendment:
			return parley.VisParty(p.Party)
		}
	}
	return m.vis
}

// sees reports whether a viewer may see the event at a log index, by the
// same rules.
func (m *matrix) sees(viewer string, index int64) bool {
	if viewer == "revoked-live" {
		// A live stream of the revoked delegate: one of gov's until its
		// revocation, nobody after it.
		if index < m.revokedAt {
			return m.sees("gov", index)
		}
		return m.sees("public", index)
	}
	party := map[string]string{"gov": "gov", "opp": "opp", "oppdel": "opp"}[viewer]
	if party != "" && slices.Contains(m.released[index], party) {
		return true
	}
	vis := m.vises[index]
	switch {
	case vis == parley.VisPublic:
		return true
	case viewer == "public" || viewer == "stranger" || viewer == "revoked":
		return false
	case viewer == "mediator" || viewer == "convener":
		return true
	case vis == parley.VisParticipants:
		return true
	}
	p, ok := parley.PartyOfVis(vis)
	return ok && p == party
}

// build records the talks: every kind of event, with every visibility it
// may have, and markers in every free-text field.
func (m *matrix) build() {
	title, cname, desc := m.mark("talkstitle"), m.mark("convenername"), m.mark("talksdescription")
	m.act("convener", parley.KindFoundTalks, "", parley.FoundTalks{Title: title, ConvenerName: cname, Description: desc, Rule: parley.Rule{Kind: parley.RuleConsensus}, Visibility: m.vis, Proximity: m.proximity}, title, cname, desc)
	mn := m.mark("mediatorname")
	m.act("convener", parley.KindAddMediator, "", parley.AddMediator{Key: m.pub("mediator"), Name: mn}, mn)
	for _, p := range []string{"gov", "opp", "snc"} {
		pn := m.mark("partyname")
		m.act("mediator", parley.KindAddParty, "", parley.AddParty{Party: p, Name: pn}, pn)
	}
	for _, a := range []struct{ who, role, party string }{
		{"gov", parley.RoleHead, "gov"}, {"opp", parley.RoleHead, "opp"}, {"snc", parley.RoleHead, "snc"}, {"observer", parley.RoleObserver, ""},
		{"verifier", parley.RoleVerifier, ""}, {"revoked", parley.RoleDelegate, "gov"},
	} {
		an := m.mark("actorname")
		m.act("mediator", parley.KindAddActor, "", parley.AddActor{Key: m.pub(a.who), Name: an, Role: a.role, Party: a.party}, an)
	}
	dn := m.mark("delegatename")
	m.act("opp", parley.KindAddActor, "", parley.AddActor{Key: m.pub("oppdel"), Name: dn, Role: parley.RoleDelegate, Party: "opp"}, dn)

	// The live streams listen from here on: what they receive must hold
	// no marker of an event hidden from them.
	m.signIn()
	for _, v := range matrixViewers {
		m.streams[v] = m.openStream(v, "")
	}

	rt, venue := m.mark("roundtitle"), m.mark("venue")
	m.act("mediator", parley.KindPlanRound, "", parley.PlanRound{Round: "r1", Title: rt, Starts: "2026-01-05", Ends: "2026-01-09", Venue: venue}, rt, venue)
	for _, p := range []string{"gov", "opp", "snc"} {
		m.act("mediator", parley.KindInvite, "", parley.Invitation{Round: "r1", Party: p})
	}
	ar := m.mark("acceptreason")
	m.act("gov", parley.KindAcceptInvitation, parley.VisMediators, parley.Invitation{Round: "r1", Party: "gov", Reason: ar}, ar)
	m.act("opp", parley.KindAcceptInvitation, "", parley.Invitation{Round: "r1", Party: "opp"})
	dr := m.mark("declinereason")
	m.act("snc", parley.KindDeclineInvitation, parley.VisMediators, parley.Invitation{Round: "r1", Party: "snc", Reason: dr}, dr)
	m.act("mediator", parley.KindOpenRound, "", parley.RoundRef{Round: "r1"})

	// A public item everyone may take stances on.
	pubItem := "ITEMPUBLIC"
	m.act("mediator", parley.KindAddItem, parley.VisPublic, parley.AddItem{Item: pubItem, Title: "Public item", Kind: parley.ItemDocument})
	m.act("mediator", parley.KindTableVersion, parley.VisPublic, parley.TableVersion{Item: pubItem, Version: 1, Paragraphs: []string{"The parties [[shall || should]] meet."}})
	m.items = append(m.items, pubItem)

	for k, vis := range matrixVis {
		tag := strconv.Itoa(k)
		// An item, its version, its rule and its package, all of the
		// same visibility, so that its id is a marker too.
		id := m.markID("item" + tag)
		it, para, note := m.mark("itemtitle"), m.mark("paragraph"), m.mark("versionnote")
		m.act("mediator", parley.KindAddItem, vis, parley.AddItem{Item: id, Title: it, Kind: parley.ItemMeasure}, id, it)
		m.act("mediator", parley.KindTableVersion, vis, parley.TableVersion{Item: id, Version: 1, Paragraphs: []string{para}, Note: note}, para, note)
		m.act("mediator", parley.KindSetRule, vis, parley.SetRule{Item: id, Rule: parley.Rule{Kind: parley.RuleConsensusMinus, N: 1}})
		pk := m.markID("package" + tag)
		m.act("mediator", parley.KindSetPackage, vis, parley.SetPackage{Package: pk, Items: []string{id}}, pk)
		m.items = append(m.items, id)
		// Stances on it by the parties that may see it, and on the
		// public item, with this visibility.
		for _, p := range []string{"gov", "opp"} {
			if vis == parley.VisMediators || (strings.HasPrefix(vis, "party:") && vis != parley.VisParty(p)) {
				continue
			}
			r := m.mark("stancereason")
			m.act(p, parley.KindSetStance, vis, parley.SetStance{Item: id, Version: 1, Party: p, Stance: parley.StanceSupport, Reason: r}, r)
		}
		for _, p := range []string{"gov", "opp"} {
			if strings.HasPrefix(vis, "party:") && vis != parley.VisParty(p) {
				continue
			}
			if vis == parley.VisMediators {
				continue
			}
			r := m.mark("pubstancereason")
			cond := ""
			stance := parley.StanceOppose
			if vis == parley.VisParticipants || vis == parley.VisParty(p) {
				stance, cond = parley.StanceConditional, "agreed("+id+")"
			}
			m.act(p, parley.KindSetStance, vis, parley.SetStance{Item: pubItem, Version: 1, Party: p, Stance: stance, Condition: cond, Reason: r}, r)
			aid, at, ar := m.markID("amendment"+tag), m.mark("amendtext"), m.mark("amendreason")
			m.act(p, parley.KindProposeAmendment, vis, parley.ProposeAmendment{Item: pubItem, Amendment: aid, Version: 1, Party: p, Changes: []parley.Change{{Op: parley.OpReplace, Paragraph: 1, Text: at}}, Reason: ar}, aid, at, ar)
		}
		st := m.mark("statement")
		m.act("observer", parley.KindStatement, vis, parley.Statement{Text: st, Round: "r1"}, st)
		fact, fn := m.markID("fact"+tag), m.mark("factnote")
		m.act("verifier", parley.KindConfirmFact, vis, parley.ConfirmFact{Fact: fact, Note: fn}, fact, fn)
	}
	for _, c := range []struct{ by, party string }{{"gov", "gov"}, {"mediator", "gov"}, {"opp", "opp"}, {"mediator", "opp"}} {
		text := m.mark("caucus")
		m.act(c.by, parley.KindCaucus, "", parley.Caucus{Party: c.party, Text: text}, text)
	}
	// Every actor publishes an encryption key: from then on the caucus is
	// sealed, and the markers of its messages are in no answer at all,
	// to anyone: the host cannot read them, and their recipients read
	// them only once they open them on their devices.
	for _, who := range []string{"convener", "mediator", "gov", "opp", "oppdel", "snc", "observer", "verifier", "revoked"} {
		m.act(who, parley.KindEncryptionKey, "", parley.EncryptionKey{Key: m.encKey(who).Public().String()})
	}
	var govSealed []int64
	for _, c := range []struct{ by, party string }{{"gov", "gov"}, {"mediator", "gov"}, {"oppdel", "opp"}, {"mediator", "opp"}} {
		text := m.mark("sealedcaucus")
		m.sealed[text] = true
		i := m.act(c.by, parley.KindCaucus, "", parley.Caucus{Party: c.party, Sealed: m.seal(c.by, c.party, text)}, text)
		m.seals[len(m.seals)-1].index = i
		if c.party == "gov" {
			govSealed = append(govSealed, i)
		}
	}
	// A delegate joins gov later; its head wraps the keys of the earlier
	// messages again for it.
	m.act("gov", parley.KindAddActor, "", parley.AddActor{Key: m.pub("govlate"), Name: "Late delegate", Role: parley.RoleDelegate, Party: "gov"})
	m.act("govlate", parley.KindEncryptionKey, "", parley.EncryptionKey{Key: m.encKey("govlate").Public().String()})
	m.act("gov", parley.KindRewrap, "", m.rewrap("gov", "govlate", govSealed))
	m.preferences(pubItem)
	m.measure()
	// A note for the mediators, released to gov: gov sees it from then on.
	secret := m.mark("released")
	idx := m.act("mediator", parley.KindStatement, parley.VisMediators, parley.Statement{Text: secret}, secret)
	rn := m.mark("releasenote")
	m.act("mediator", parley.KindRelease, "", parley.Release{Party: "gov", Index: idx, Note: rn}, rn)
	m.released[idx] = []string{"gov"}
	// The revoked delegate may see nothing more than the public.
	rr := m.mark("revokereason")
	m.revokedAt = m.act("mediator", parley.KindRevokeActor, "", parley.RevokeActor{Key: m.pub("revoked"), Reason: rr}, rr)
	cn := m.mark("closenote")
	m.act("mediator", parley.KindCloseRound, parley.VisParticipants, parley.CloseRound{Round: "r1", Note: cn}, cn)
	// Between rounds, gov changes its stance on the public item.
	br := m.mark("betweenreason")
	m.act("gov", parley.KindSetStance, parley.VisParty("gov"), parley.SetStance{Item: pubItem, Version: 1, Party: "gov", Stance: parley.StanceSupport, Reason: br}, br)
}

// measure records a measure carried out, with the talks' default
// visibility that its acts take: a plan whose step's action and unit and
// whose note are markers, both parties' support, gov's report with a
// note and a sealed annex (whose marker is in no answer at all), and the
// verifier's dispute with a reason.
func (m *matrix) measure() {
	m.t.Helper()
	m.act("mediator", parley.KindAddItem, "", parley.AddItem{Item: "MEASURE", Title: "A measure", Kind: parley.ItemMeasure})
	m.items = append(m.items, "MEASURE")
	action, unit, note := m.mark("stepaction"), m.mark("unit"), m.mark("plannote")
	step := parley.Step{ID: "MEASURE.s1", Party: "gov", Action: action, Quantity: 5, Unit: unit, Due: time.Now().Add(48 * time.Hour).Format(time.RFC3339), Verifier: m.pub("verifier"), Annex: true}
	m.act("mediator", parley.KindPlanMeasure, "", parley.PlanMeasure{Item: "MEASURE", Version: 1, Steps: []parley.Step{step}, Note: note}, action, unit, note)
	for _, p := range []string{"gov", "opp"} {
		m.act(p, parley.KindSetStance, "", parley.SetStance{Item: "MEASURE", Version: 1, Party: p, Stance: parley.StanceSupport})
	}
	rn, annex := m.mark("reportnote"), m.mark("annex")
	m.sealed[annex] = true
	var rs []seal.Recipient
	err := m.l.View(context.Background(), m.talks, func(st *state.Talks, _ parley.Checkpoint) error {
		for _, a := range st.AnnexRecipients(step.ID) {
			k, _ := parley.ParseKey(a.Key)
			pk, err := seal.ParsePublicKey(a.EncryptionKey)
			if err != nil {
				return err
			}
			rs = append(rs, seal.Recipient{Actor: k, Key: pk})
		}
		return nil
	})
	if err != nil {
		m.t.Fatal(err)
	}
	content, _ := json.Marshal(parley.AnnexContent{Text: annex})
	c := seal.Context{Origin: m.l.Origin(m.talks), Kind: parley.KindReportStep, Channel: parley.AnnexChannel(step.ID), Sender: m.keys["gov"].Public().(ed25519.PublicKey)}
	sl, err := seal.Seal(c, content, rs)
	if err != nil {
		m.t.Fatal(err)
	}
	b, _ := json.Marshal(sl)
	m.act("gov", parley.KindReportStep, "", parley.ReportStep{Step: step.ID, Party: "gov", Quantity: 5, Note: rn, Annex: b}, rn, annex)
	reason := m.mark("disputereason")
	m.act("verifier", parley.KindVerifyStep, "", parley.VerifyStep{Step: step.ID, Verdict: parley.VerdictDisputed, Quantity: 3, Reason: reason}, reason)
}

// preferences defines the issues of an item, with a marker in the note,
// and records gov's and opp's preferences over them, sealed, with a
// marker in their content that no answer may hold.
func (m *matrix) preferences(item string) {
	note := m.mark("issuesnote")
	def := m.act("mediator", parley.KindDefineIssues, parley.VisPublic, parley.DefineIssues{Item: item, Issues: []parley.IssueOptions{{ID: "venue", Options: []string{"a", "b"}}}, Note: note}, note)
	for _, c := range []struct{ by, party string }{{"gov", "gov"}, {"oppdel", "opp"}} {
		secret := m.mark("sealedpreferences")
		m.sealed[secret] = true
		var rs []seal.Recipient
		err := m.l.View(context.Background(), m.talks, func(st *state.Talks, _ parley.Checkpoint) error {
			for _, a := range st.Roster.PreferencesRecipients(c.party) {
				k, _ := parley.ParseKey(a.Key)
				pk, err := seal.ParsePublicKey(a.EncryptionKey)
				if err != nil {
					return err
				}
				rs = append(rs, seal.Recipient{Actor: k, Key: pk})
			}
			return nil
		})
		if err != nil {
			m.t.Fatal(err)
		}
		content := `{"id":"` + c.party + `","weights":{"venue":"1"},"values":{"venue":{"a":"1","b":"0"}},"reservation":"0","x":"` + secret + `"}`
		ctx := seal.Context{Origin: m.l.Origin(m.talks), Kind: parley.KindGivePreferences, Channel: parley.PreferencesChannel(item, c.party), Sender: m.keys[c.by].Public().(ed25519.PublicKey)}
		sl, err := seal.Seal(ctx, []byte(content), rs)
		if err != nil {
			m.t.Fatal(err)
		}
		b, _ := json.Marshal(sl)
		m.act(c.by, parley.KindGivePreferences, "", parley.GivePreferences{Item: item, Party: c.party, Definition: def, Sealed: b}, secret)
	}
}

// encKey returns the encryption key of an actor of the matrix, made the
// first time it is asked for.
func (m *matrix) encKey(who string) *seal.PrivateKey {
	if k := m.enc[who]; k != nil {
		return k
	}
	if m.enc == nil {
		m.enc = map[string]*seal.PrivateKey{}
	}
	k, err := seal.GenerateKey(seal.X25519)
	if err != nil {
		m.t.Fatal(err)
	}
	m.enc[who] = k
	return k
}

// seal seals a caucus message of party by an actor to its recipients as
// the roster names them now.
func (m *matrix) seal(by, party, text string) json.RawMessage {
	m.t.Helper()
	var rs []seal.Recipient
	err := m.l.View(context.Background(), m.talks, func(st *state.Talks, _ parley.Checkpoint) error {
		for _, a := range st.Roster.CaucusRecipients(party) {
			k, _ := parley.ParseKey(a.Key)
			pk, err := seal.ParsePublicKey(a.EncryptionKey)
			if err != nil {
				return err
			}
			rs = append(rs, seal.Recipient{Actor: k, Key: pk})
		}
		return nil
	})
	if err != nil {
		m.t.Fatal(err)
	}
	content, _ := json.Marshal(parley.CaucusContent{Text: text})
	c := seal.Context{Origin: m.l.Origin(m.talks), Kind: parley.KindCaucus, Channel: parley.VisParty(party), Sender: m.keys[by].Public().(ed25519.PublicKey)}
	sl, err := seal.Seal(c, content, rs)
	if err != nil {
		m.t.Fatal(err)
	}
	m.seals = append(m.seals, sealedOf{by: by, party: party, s: sl})
	b, _ := json.Marshal(sl)
	return b
}

// rewrap wraps the keys of the sealed messages at indexes again, as by,
// for to.
func (m *matrix) rewrap(by, to string, indexes []int64) parley.Rewrap {
	m.t.Helper()
	var out parley.Rewrap
	for _, i := range indexes {
		var sc sealedOf
		for _, x := range m.seals {
			if x.index == i {
				sc = x
			}
		}
		c := seal.Context{Origin: m.l.Origin(m.talks), Kind: parley.KindCaucus, Channel: parley.VisParty(sc.party), Sender: m.keys[sc.by].Public().(ed25519.PublicKey)}
		rw, err := seal.NewRewrap(c, sc.s, m.keys[by].Public().(ed25519.PublicKey), m.encKey(by), nil, seal.Recipient{Actor: m.keys[to].Public().(ed25519.PublicKey), Key: m.encKey(to).Public()})
		if err != nil {
			m.t.Fatal(err)
		}
		b, _ := json.Marshal(rw)
		out.Rewraps = append(out.Rewraps, parley.RewrapOf{Index: i, Rewrap: b})
	}
	return out
}

// A sealedOf is a sealed caucus message of the matrix.
type sealedOf struct {
	by, party string
	index     int64
	s         *seal.Sealed
}

// signIn signs in every viewer with a key.
func (m *matrix) signIn() {
	for v, k := range m.keys {
		tok, err := signIn(m.ts.URL, k)
		if err != nil {
			m.t.Fatal(err)
		}
		m.tokens[v] = tok
	}
}

// allowed returns the markers a viewer may see.
func (m *matrix) allowed(viewer string) map[string]bool {
	out := map[string]bool{}
	for mk, i := range m.markers {
		if m.sees(viewer, i) && !m.sealed[mk] {
			out[mk] = true
		}
	}
	return out
}

// leaks returns the markers in body that the viewer may not see, but for
// those the request itself named (an error may repeat what was asked).
func (m *matrix) leaks(viewer, body, asked string) []string {
	var out []string
	for mk, i := range m.markers {
		if (m.sealed[mk] || !m.sees(viewer, i)) && strings.Contains(body, mk) && !strings.Contains(asked, mk) {
			out = append(out, fmt.Sprintf("%s (#%d, %s)", mk, i, m.vises[i]))
		}
	}
	slices.Sort(out)
	return out
}

// A request of the matrix: a method, a path and a body.
type matrixCall struct {
	method, path string
	body         any
	complete     bool // the answer lists every event the viewer may see
	items        bool // the answer names every item the viewer may see
}

// calls returns the requests that exercise a route pattern, and false if
// the pattern has no case here.
func (m *matrix) calls(pattern string) ([]matrixCall, bool) {
	get := func(paths ...string) []matrixCall {
		var out []matrixCall
		for _, p := range paths {
			out = append(out, matrixCall{method: "GET", path: p})
		}
		return out
	}
	t := "/api/v1/talks/" + m.talks
	p := "/talks/" + m.talks
	each := func(f func(item string) []string) []string {
		var out []string
		for _, it := range append(slices.Clone(m.items), "NOSUCHITEM") {
			out = append(out, f(it)...)
		}
		return out
	}
	indexes := func(prefix string) []string {
		var out []string
		for i := int64(0); i <= m.size; i++ {
			out = append(out, prefix+strconv.FormatInt(i, 10))
		}
		return out
	}
	switch pattern {
	case "GET /healthz", "GET /metrics", "GET /api/openapi.json", "GET /api/problems/{code}", "GET /api/v1/info",
		"GET /static/{path...}", "GET /favicon.ico", "GET /signin":
		return get(strings.TrimPrefix(strings.ReplaceAll(strings.ReplaceAll(pattern, "{code}", "invalid"), "{path...}", "parley.css"), "GET ")), true
	case "GET /lang/{code}":
		return get("/lang/ar?next="+url.QueryEscape(p+"/dashboard"), "/lang/xx"), true // a redirect, and a refusal
	case "POST /api/v1/auth/challenge", "POST /api/v1/auth/session", "GET /api/v1/auth/session", "DELETE /api/v1/auth/session":
		return nil, true // sessions hold nothing of a talks; sign-in is exercised by every viewer
	case "POST /api/v1/talks/{id}/events":
		return nil, true // writes: TestHiddenWritesAnswerAsMissing
	case "GET /api/v1/talks", "GET /{$}", "/":
		return get(strings.TrimPrefix(strings.TrimPrefix(strings.ReplaceAll(pattern, "{$}", ""), "GET "), ""), "/nowhere"), true
	case "GET /api/v1/talks/{id}":
		return get(t), true
	case "GET /api/v1/talks/{id}/events":
		return []matrixCall{{method: "GET", path: t + "/events?limit=5000", complete: true}, {method: "GET", path: t + "/events?from=7&limit=3"}}, true
	case "GET /api/v1/talks/{id}/items/{item}":
		return get(each(func(it string) []string { return []string{t + "/items/" + it} })...), true
	case "GET /api/v1/talks/{id}/items/{item}/versions/{n}":
		return get(each(func(it string) []string { return []string{t + "/items/" + it + "/versions/1"} })...), true
	case "GET /api/v1/talks/{id}/items/{item}/diff":
		return get(each(func(it string) []string { return []string{t + "/items/" + it + "/diff?from=1&to=1"} })...), true
	case "GET /api/v1/talks/{id}/items/{item}/preferences":
		return get(each(func(it string) []string { return []string{t + "/items/" + it + "/preferences"} })...), true
	case "GET /api/v1/talks/{id}/agreement":
		return get(t + "/agreement"), true
	case "GET /api/v1/talks/{id}/agreement/unlock/{item}":
		return get(each(func(it string) []string { return []string{t + "/agreement/unlock/" + it} })...), true
	case "POST /api/v1/talks/{id}/agreement/impact":
		var out []matrixCall
		for _, it := range append(slices.Clone(m.items), "NOSUCHITEM") {
			for _, party := range []string{"gov", "opp"} {
				out = append(out, matrixCall{method: "POST", path: t + "/agreement/impact", body: map[string]string{"party": party, "item": it, "stance": "support"}})
			}
		}
		return out, true
	case "GET /api/v1/talks/{id}/statements":
		return get(t + "/statements"), true
	case "GET /api/v1/talks/{id}/measures":
		return get(t+"/measures", t+"/measures?at=30", t+"/measures?at="+strconv.FormatInt(m.size-1, 10)), true
	case "GET /api/v1/talks/{id}/measures/{item}":
		return get(each(func(it string) []string {
			return []string{t + "/measures/" + it, t + "/measures/" + it + "?at=" + strconv.FormatInt(m.size-1, 10)}
		})...), true
	case "GET /talks/{id}/measures/{item}":
		return get(each(func(it string) []string {
			return []string{p + "/measures/" + it, p + "/measures/" + it + "?at=" + strconv.FormatInt(m.size-1, 10)}
		})...), true
	case "GET /api/v1/talks/{id}/caucus/{party}":
		return get(t+"/caucus/gov", t+"/caucus/opp", t+"/caucus/snc"), true
	case "GET /api/v1/talks/{id}/briefing":
		return get(t+"/briefing", t+"/briefing?round=r1"), true
	case "GET /api/v1/talks/{id}/checkpoint":
		return get(t+"/checkpoint", t+"/checkpoint?size=5"), true
	case "GET /api/v1/talks/{id}/receipts/{index}":
		return get(indexes(t + "/receipts/")...), true
	case "GET /api/v1/talks/{id}/proofs/consistency":
		return get(t + "/proofs/consistency?from=1&to=" + strconv.FormatInt(m.size, 10)), true
	case "GET /api/v1/talks/{id}/proofs/{index}":
		return get(indexes(t + "/proofs/")...), true
	case "GET /api/v1/talks/{id}/bundle":
		return []matrixCall{{method: "GET", path: t + "/bundle", complete: true}}, true
	case "GET /api/v1/talks/{id}/stream":
		return nil, true // checked below, live and with a backlog
	case "GET /talks/{id}":
		return get(p), true
	case "GET /talks/{id}/dashboard":
		out := []string{p + "/dashboard"}
		out = append(out, each(func(it string) []string { return []string{p + "/dashboard?item=" + it} })...)
		for i := int64(0); i < m.size; i += 9 {
			out = append(out, p+"/dashboard?at="+strconv.FormatInt(i, 10)+"&item=ITEMPUBLIC")
		}
		return get(out...), true
	case "GET /talks/{id}/dashboard/data":
		return get(p+"/dashboard/data", p+"/dashboard/data?at=30"), true
	case "GET /talks/{id}/items/{item}":
		return get(each(func(it string) []string { return []string{p + "/items/" + it, p + "/items/" + it + "?v=1&from=1&to=1"} })...), true
	case "GET /talks/{id}/packages":
		return get(each(func(it string) []string { return []string{p + "/packages?item=" + it} })...), true
	case "GET /talks/{id}/workspace":
		return get(p+"/workspace", p+"/workspace?party=gov", p+"/workspace?party=opp"), true
	case "GET /talks/{id}/history":
		// The lanes name every item the viewer may see, and only those;
		// the cursor, the ranges and the pages of lanes name no more.
		out := []matrixCall{{method: "GET", path: p + "/history", items: true}, {method: "GET", path: p + "/history?range=r1", items: true}}
		for i := int64(0); i < m.size; i += 7 {
			out = append(out, matrixCall{method: "GET", path: p + "/history?range=r1&at=" + strconv.FormatInt(i, 10), items: true})
		}
		return append(out, get(p+"/history?range=all", p+"/history?lanes=1", p+"/history?range=r9")...), true
	case "GET /talks/{id}/timeline":
		out := []matrixCall{{method: "GET", path: p + "/timeline?from=0"}, {method: "GET", path: p + "/timeline"}}
		// The filters: an item (a hidden one is refused as missing), a
		// party, a kind, the changes of agreement, and a page of them.
		out = append(out, get(each(func(it string) []string { return []string{p + "/timeline?item=" + url.QueryEscape(it)} })...)...)
		return append(out, get(p+"/timeline?party=gov", p+"/timeline?party=opp&kind=stance.set", p+"/timeline?changes=1",
			p+"/timeline?kind=statement.publish&before=40", p+"/timeline?party=snc&changes=1&before=20")...), true
	case "GET /talks/{id}/public":
		return get(p+"/public", p+"/public?round=r1"), true
	case "GET /talks/{id}/verify":
		return get(p + "/verify"), true
	case "GET /talks/{id}/condition":
		return get(each(func(it string) []string { return []string{p + "/condition?c=" + url.QueryEscape("agreed("+it+")")} })...), true
	}
	return nil, false
}

// check runs every call as every viewer.
func (m *matrix) check() {
	patterns := append(server.New(m.l, server.Config{Host: testHost, Secret: make([]byte, 32)}).Routes(), web.Routes()...)
	patterns = append(patterns, "GET /healthz", "GET /metrics")
	for _, pattern := range patterns {
		calls, ok := m.calls(pattern)
		if !ok {
			m.t.Errorf("route %q has no case in TestViewMatrix: add one", pattern)
			continue
		}
		for _, v := range matrixViewers {
			allowed := m.allowed(v)
			for _, c := range calls {
				code, body := m.do(v, c)
				if code >= 500 {
					m.t.Errorf("%s %s as %s: status %d: %.300s", c.method, c.path, v, code, body)
				}
				body = expand(body)
				asked, _ := json.Marshal(c.body)
				if leaks := m.leaks(v, body, c.path+string(asked)); len(leaks) > 0 {
					m.t.Errorf("%s %s as %s shows markers it may not see: %s", c.method, c.path, v, strings.Join(leaks, ", "))
				}
				if c.items && code == http.StatusOK {
					for _, it := range m.items {
						if _, marked := m.markers[it]; marked && allowed[it] && !strings.Contains(body, it) {
							m.t.Errorf("%s %s as %s does not name item %s (#%d), which it may see", c.method, c.path, v, it, m.markers[it])
						}
					}
				}
				if c.complete {
					for mk := range allowed {
						if !strings.Contains(body, mk) {
							m.t.Errorf("%s %s as %s does not show %s (#%d), which it may see", c.method, c.path, v, mk, m.markers[mk])
						}
					}
				}
			}
		}
	}
	// Every viewer at once, route by route: the caches the pages share
	// between viewers (histories, past states, agreement results) must
	// answer each as they answer it alone.
	for _, pattern := range patterns {
		calls, _ := m.calls(pattern)
		var wg sync.WaitGroup
		for _, v := range matrixViewers {
			for _, c := range calls {
				if c.method != http.MethodGet {
					continue // acts change the talks; the pass above made them
				}
				wg.Go(func() {
					code, body := m.do(v, c)
					if code >= 500 {
						m.t.Errorf("%s %s as %s, with every viewer asking at once: status %d: %.300s", c.method, c.path, v, code, body)
					}
					if leaks := m.leaks(v, expand(body), c.path); len(leaks) > 0 {
						m.t.Errorf("%s %s as %s, with every viewer asking at once, shows markers it may not see: %s", c.method, c.path, v, strings.Join(leaks, ", "))
					}
				})
			}
		}
		wg.Wait()
	}
	// The live streams, opened before the events, then a backlog of the
	// whole log from -1, all read at once.
	live, back := map[string]string{}, map[string]string{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, v := range matrixViewers {
		bs := m.openStream(v, "-1")
		wg.Add(2)
		go func() {
			defer wg.Done()
			got := expand(m.streams[v].drain(m.t))
			mu.Lock()
			live[v] = got
			mu.Unlock()
		}()
		go func() {
			defer wg.Done()
			got := expand(bs.drain(m.t))
			mu.Lock()
			back[v] = got
			mu.Unlock()
		}()
	}
	wg.Wait()
	for _, v := range matrixViewers {
		viewer := v
		if v == "revoked" {
			// Until its revocation the revoked delegate was one of gov's.
			viewer = "revoked-live"
		}
		if leaks := m.leaks(viewer, live[v], ""); len(leaks) > 0 {
			m.t.Errorf("the live stream of %s carried markers it may not see: %s", v, strings.Join(leaks, ", "))
		}
		if leaks := m.leaks(v, back[v], ""); len(leaks) > 0 {
			m.t.Errorf("the stream backlog of %s carried markers it may not see: %s", v, strings.Join(leaks, ", "))
		}
		for mk := range m.allowed(v) {
			if !strings.Contains(back[v], mk) {
				m.t.Errorf("the stream backlog of %s lacks %s (#%d), which it may see", v, mk, m.markers[mk])
			}
		}
	}
}

// base64Run matches the runs of standard base64 in an answer.
var base64Run = regexp.MustCompile(`[A-Za-z0-9+/]{16,}={0,2}`)

// expand returns body followed by the decoding of every run of base64 in
// it, so that a marker inside an event's signed bytes counts as shown.
func expand(body string) string {
	var b strings.Builder
	b.WriteString(body)
	for _, run := range base64Run.FindAllString(body, -1) {
		if d, err := base64.StdEncoding.DecodeString(run); err == nil {
			b.WriteByte('\n')
			b.Write(d)
		}
	}
	return b.String()
}

// do makes a call as a viewer.
func (m *matrix) do(viewer string, c matrixCall) (int, string) {
	m.t.Helper()
	var rd io.Reader
	if c.body != nil {
		b, _ := json.Marshal(c.body)
		rd = strings.NewReader(string(b))
	}
	req, err := http.NewRequest(c.method, m.ts.URL+c.path, rd)
	if err != nil {
		m.t.Fatal(err)
	}
	if c.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if tok := m.tokens[viewer]; tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		m.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// A matrixStream is an open live stream and what it received.
type matrixStream struct {
	resp *http.Response
	got  chan string
}

func (m *matrix) openStream(viewer, after string) *matrixStream {
	m.t.Helper()
	path := m.ts.URL + "/api/v1/talks/" + m.talks + "/stream"
	if after != "" {
		path += "?after=" + after
	}
	req, _ := http.NewRequest("GET", path, nil)
	if tok := m.tokens[viewer]; tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		m.t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		m.t.Fatalf("stream as %s: status %d: %s", viewer, resp.StatusCode, b)
	}
	s := &matrixStream{resp: resp, got: make(chan string, 1<<16)}
	go func() {
		defer close(s.got)
		r := bufio.NewReader(resp.Body)
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			s.got <- line
		}
	}()
	m.t.Cleanup(func() { resp.Body.Close() })
	return s
}

// drain reads what the stream received until it has been quiet for a
// moment (the agreement messages follow the events after a debounce), or
// until it ends.
func (s *matrixStream) drain(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	deadline := time.After(15 * time.Second)
	for {
		select {
		case line, ok := <-s.got:
			if !ok {
				return b.String()
			}
			b.WriteString(line)
		case <-time.After(600 * time.Millisecond):
			s.resp.Body.Close()
			return b.String()
		case <-deadline:
			s.resp.Body.Close()
			return b.String()
		}
	}
}
