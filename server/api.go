package server

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/agreement"
	"github.com/parleyhq/parley/briefing"
	"github.com/parleyhq/parley/document"
	"github.com/parleyhq/parley/i18n"
	"github.com/parleyhq/parley/ledger"
	"github.com/parleyhq/parley/record"
	"github.com/parleyhq/parley/state"
	"github.com/parleyhq/parley/view"
)

func (s *Server) routes() {
	m := s.mux
	m.HandleFunc("GET /healthz", s.handleHealth)
	m.HandleFunc("GET /metrics", s.handleMetrics)
	s.handle("GET /api/openapi.json", read, s.handleOpenAPI)
	s.handle("GET /api/problems/{code}", read, s.handleProblemType)

	s.handle("GET /api/v1/info", read, s.handleInfo)
	s.handle("POST /api/v1/auth/challenge", write, s.handleChallenge)
	s.handle("POST /api/v1/auth/session", write, s.handleSession)
	s.handle("GET /api/v1/auth/session", read, s.handleWhoami)
	s.handle("DELETE /api/v1/auth/session", write, s.handleSignOut)

	s.handle("GET /api/v1/talks", read, s.handleTalksList)
	s.handle("POST /api/v1/talks/{id}/events", write, s.handleAppend)
	s.handle("GET /api/v1/talks/{id}", read, s.handleTalks)
	s.handle("GET /api/v1/talks/{id}/events", read, s.handleEvents)
	s.handle("GET /api/v1/talks/{id}/items/{item}", read, s.handleItem)
	s.handle("GET /api/v1/talks/{id}/items/{item}/versions/{n}", read, s.handleVersion)
	s.handle("GET /api/v1/talks/{id}/items/{item}/diff", read, s.handleDiff)
	s.handle("GET /api/v1/talks/{id}/items/{item}/preferences", read, s.handlePreferences)
	s.handle("GET /api/v1/talks/{id}/agreement", read, s.handleAgreement)
	s.handle("GET /api/v1/talks/{id}/agreement/unlock/{item}", read, s.handleUnlock)
	s.handle("POST /api/v1/talks/{id}/agreement/impact", read, s.handleImpact)
	s.handle("GET /api/v1/talks/{id}/statements", read, s.handleStatements)
	s.handle("GET /api/v1/talks/{id}/caucus/{party}", read, s.handleCaucus)
	s.handle("GET /api/v1/talks/{id}/measures", read, s.handleMeasures)
	s.handle("GET /api/v1/talks/{id}/measures/{item}", read, s.handleMeasure)
	s.handle("GET /api/v1/talks/{id}/briefing", read, s.handleBriefing)
	s.handle("GET /api/v1/talks/{id}/checkpoint", read, s.handleCheckpoint)
	s.handle("GET /api/v1/talks/{id}/receipts/{index}", read, s.handleReceipt)
	s.handle("GET /api/v1/talks/{id}/proofs/consistency", read, s.handleConsistency)
	s.handle("GET /api/v1/talks/{id}/proofs/{index}", read, s.handleTLogProof)
	s.handle("GET /api/v1/talks/{id}/bundle", read, s.handleBundle)
	s.handle("GET /api/v1/talks/{id}/stream", stream, s.handleStream)
	// Anything else under /api/ is a problem, not a web page.
	m.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		s.writeProblem(w, r, parley.Errorf(parley.ENOTFOUND, "no API route %s %s; the routes are listed in /api/openapi.json", r.Method, r.URL.Path))
	})
	if s.cfg.UI != nil {
		m.Handle("/", s.page(s.cfg.UI))
	}
	if s.cfg.Demo != nil {
		s.handle("GET /api/v1/demo", read, s.handleDemoInfo)
		s.handle("POST /api/v1/demo/session", write, s.handleDemoSession)
		s.handle("POST /api/v1/demo/sign", write, s.handleDemoSign)
	}
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if _, err := s.l.Store().ListTalksPage(ctx, "", 1); err != nil {
		s.writeProblem(w, r, parley.Errorf(parley.EUNAVAILABLE, "the store does not answer: %v", err))
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(w, "ok\n")
}

func (s *Server) handleMetrics(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	s.metrics.reg.Write(w)
}

func (s *Server) handleInfo(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, http.StatusOK, map[string]any{"host": s.cfg.Host, "demo": s.cfg.Demo != nil, "event_version": parley.EventVersion, "max_event_size": parley.MaxEventSize})
}

// viewOf returns the view of the talks named in the path for the
// request's viewer. Every read route answers from it and from nothing
// else: what it holds is already what the viewer may see.
func (s *Server) viewOf(r *http.Request) (*view.Talks, error) {
	return view.Load(r.Context(), s.l, r.PathValue("id"), viewerKey(r), -1)
}

// recordOf is viewOf without the agreement instance (view.LoadRecord),
// for the routes that show the record and not what is agreed.
func (s *Server) recordOf(r *http.Request) (*view.Talks, error) {
	return view.LoadRecord(r.Context(), s.l, r.PathValue("id"), viewerKey(r), -1)
}

func (s *Server) handleAppend(w http.ResponseWriter, r *http.Request) error {
	var se parley.SignedEvent
	if err := s.decodeBody(w, r, &se, s.cfg.MaxBody); err != nil {
		return err
	}
	e, err := parley.DecodeEvent(se.Bytes)
	if err != nil {
		return err
	}
	if e.Talks != r.PathValue("id") {
		return parley.Errorf(parley.EINVALID, "the event is for talks %q but was sent to %q", e.Talks, r.PathValue("id"))
	}
	if err := s.checkFounding(r, e); err != nil {
		return err
	}
	rec, err := s.l.Append(r.Context(), se)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, rec)
}

// TalksView is the overview of a talks for one viewer.
type TalksView struct {
	ID          string              `json:"id"`
	Origin      string              `json:"origin"`
	LogKey      string              `json:"log_key"` // the log's signed-note verifier key
	Title       string              `json:"title"`
	Titles      map[string]string   `json:"titles,omitempty"` // in official languages, by tag
	Description string              `json:"description,omitempty"`
	Rule        parley.Rule         `json:"rule"`
	Visibility  string              `json:"visibility"`
	Proximity   bool                `json:"proximity"`
	Founded     time.Time           `json:"founded"`
	Checkpoint  CheckpointJSON      `json:"checkpoint"`
	Parties     []view.Party        `json:"parties"`
	Roster      []state.Actor       `json:"roster"`
	Rounds      []view.Round        `json:"rounds"`
	Items       []ItemSummary       `json:"items"`
	Packages    map[string][]string `json:"packages"`
	Viewer      *state.Actor        `json:"viewer,omitempty"`
}

// ItemSummary is an item in the overview.
type ItemSummary struct {
	ID       string            `json:"id"`
	Title    string            `json:"title"`
	Titles   map[string]string `json:"titles,omitempty"` // in official languages, by tag
	Kind     string            `json:"kind"`
	Rule     *parley.Rule      `json:"rule,omitempty"` // the item's own rule
	Versions int               `json:"versions"`
}

func (s *Server) handleTalks(w http.ResponseWriter, r *http.Request) error {
	id, key := r.PathValue("id"), viewerKey(r)
	vkey, err := s.l.VerifierKey(r.Context(), id)
	if err != nil {
		return err
	}
	// The overview depends only on the log's size and the viewer: when
	// one is cached for both, no view need be built.
	var size int64
	err = s.l.View(r.Context(), id, func(st *state.Talks, _ parley.Checkpoint) error {
		size = st.Size
		return nil
	})
	if err != nil {
		return err
	}
	body := s.overviews.get(id, key, size)
	if body == nil {
		v, err := s.recordOf(r)
		if err != nil {
			return err
		}
		if body, err = json.Marshal(overview(v, vkey)); err != nil {
			return err
		}
		s.overviews.put(v.ID, key, v.Size, body)
	}
	w.Header().Set("Content-Type", "application/json")
	_, err = w.Write(append(body, '\n'))
	return err
}

// overview builds the talks overview of a view.
func overview(v *view.Talks, vkey string) TalksView {
	out := TalksView{
		ID: v.ID, Origin: v.Origin, LogKey: vkey, Title: v.Title, Titles: v.Titles, Description: v.Description, Rule: v.Rule,
		Visibility: v.Visibility, Proximity: v.Proximity, Founded: v.Founded, Checkpoint: checkpointJSON(v.Checkpoint),
		Parties: v.Parties, Roster: v.Actors, Rounds: v.Rounds, Packages: v.Packages, Viewer: v.Viewer.Actor,
		Items: []ItemSummary{},
	}
	if out.Parties == nil {
		out.Parties = []view.Party{}
	}
	if out.Rounds == nil {
		out.Rounds = []view.Round{}
	}
	for _, it := range v.Items {
		sum := ItemSummary{ID: it.ID, Title: it.Title, Titles: it.Titles, Kind: it.Kind, Versions: len(it.Versions)}
		if it.OwnRule {
			r := it.Rule
			sum.Rule = &r
		}
		out.Items = append(out.Items, sum)
	}
	return out
}

// overviewCache keeps encoded talks overviews by talks and viewer, valid
// while the log keeps its size.
type overviewCache struct {
	mu    sync.Mutex
	talks map[string]*overviews
}

type overviews struct {
	size   int64
	bodies map[string][]byte // by viewer key ("" for the public)
}

// maxCachedViewers bounds the overviews kept per talks.
const maxCachedViewers = 256

func (c *overviewCache) get(talks, viewer string, size int64) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	if o := c.talks[talks]; o != nil && o.size == size {
		return o.bodies[viewer]
	}
	return nil
}

func (c *overviewCache) put(talks, viewer string, size int64, body []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.talks == nil {
		c.talks = map[string]*overviews{}
	}
	o := c.talks[talks]
	if o == nil || o.size != size || len(o.bodies) >= maxCachedViewers {
		o = &overviews{size: size, bodies: map[string][]byte{}}
		c.talks[talks] = o
	}
	o.bodies[viewer] = body
}

// EventsPage is a page of the log for one viewer: visible events in full,
// the others as leaf hashes only.
type EventsPage struct {
	Size    int64         `json:"size"`
	Entries []EventOrLeaf `json:"entries"`
	Next    *int64        `json:"next,omitempty"` // the from of the next page
}

// EventOrLeaf is an event the viewer may see, or the leaf of one it may not.
type EventOrLeaf struct {
	*EventJSON
	Hidden bool   `json:"hidden,omitempty"`
	Leaf   string `json:"leaf,omitempty"`
}

// maxEventsPage is the most events one page of the log holds.
const maxEventsPage = 5000

func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) error {
	v, err := s.recordOf(r)
	if err != nil {
		return err
	}
	from, err := queryIndex(r, "from", 0, 0, v.Size)
	if err != nil {
		return err
	}
	limit, err := queryIndex(r, "limit", 500, 1, maxEventsPage)
	if err != nil {
		return err
	}
	page := EventsPage{Size: v.Size, Entries: []EventOrLeaf{}}
	if from < v.Size {
		to := min(v.Size, from+limit)
		entries, events, err := s.l.Read(r.Context(), v.ID, from, to)
		if err != nil {
			return err
		}
		for i, en := range entries {
			if !v.Visible(en.Index) {
				page.Entries = append(page.Entries, EventOrLeaf{Hidden: true, Leaf: base64.StdEncoding.EncodeToString(en.Leaf[:])})
				continue
			}
			e := events[i]
			ej := eventJSON(en, e, v.VisibilityOf(en.Index))
			page.Entries = append(page.Entries, EventOrLeaf{EventJSON: &ej})
		}
		if to < v.Size {
			page.Next = &to
		}
	}
	return writeJSON(w, http.StatusOK, page)
}

// queryIndex reads a whole number from the query, def when it is absent,
// and refuses any outside [lo, hi] before it costs anything.
func queryIndex(r *http.Request, name string, def, lo, hi int64) (int64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < lo || n > hi {
		return 0, parley.Errorf(parley.EINVALID, "query parameter %q must be a whole number from %d to %d", name, lo, hi)
	}
	return n, nil
}

// ItemView is an item with what the viewer may see of its history.
type ItemView struct {
	ID         string                   `json:"id"`
	Title      string                   `json:"title"`
	Titles     map[string]string        `json:"titles,omitempty"` // in official languages, by tag
	Kind       string                   `json:"kind"`
	Rule       parley.Rule              `json:"rule"`
	Versions   []*state.Version         `json:"versions"`
	Amendments []*state.Amendment       `json:"amendments"`
	Stances    map[string]*state.Stance `json:"stances"`
	History    []*state.Stance          `json:"history"`
}

// item finds the item named in the path in a view. An item the viewer may
// not see is answered as one that does not exist.
func item(r *http.Request, v *view.Talks) (*view.Item, error) {
	it := v.Item(r.PathValue("item"))
	if it == nil {
		return nil, parley.Errorf(parley.ENOTFOUND, "talks %q has no item %q", v.ID, r.PathValue("item"))
	}
	return it, nil
}

func (s *Server) handleItem(w http.ResponseWriter, r *http.Request) error {
	v, err := s.recordOf(r)
	if err != nil {
		return err
	}
	it, err := item(r, v)
	if err != nil {
		return err
	}
	out := ItemView{ID: it.ID, Title: it.Title, Titles: it.Titles, Kind: it.Kind, Rule: it.Rule, Versions: it.Versions, Amendments: it.Amendments, Stances: it.Stances, History: it.History}
	if out.Versions == nil {
		out.Versions = []*state.Version{}
	}
	if out.Amendments == nil {
		out.Amendments = []*state.Amendment{}
	}
	return writeJSON(w, http.StatusOK, out)
}

// VersionView is one version's text, parsed for display.
type VersionView struct {
	*state.Version
	Brackets int                `json:"brackets"`
	Tokens   [][]document.Token `json:"tokens"` // per paragraph
}

// version returns the version of the item in the path that the path
// parameter or query parameter param names.
func version(r *http.Request, v *view.Talks, param string) (*state.Version, error) {
	it, err := item(r, v)
	if err != nil {
		return nil, err
	}
	arg := r.PathValue(param)
	if param != "n" {
		arg = r.URL.Query().Get(param)
	}
	n, err := strconv.Atoi(arg)
	if err != nil || n < 1 {
		return nil, parley.Errorf(parley.EINVALID, "%s must be a version number from 1", param)
	}
	ver := it.Version(n)
	if ver == nil {
		return nil, parley.Errorf(parley.ENOTFOUND, "item %q has no version %d", it.ID, n)
	}
	return ver, nil
}

func (s *Server) handleVersion(w http.ResponseWriter, r *http.Request) error {
	v, err := s.recordOf(r)
	if err != nil {
		return err
	}
	ver, err := version(r, v, "n")
	if err != nil {
		return err
	}
	out := VersionView{Version: ver}
	for _, p := range ver.Paragraphs {
		par, err := document.Parse(p)
		if err != nil {
			return err
		}
		out.Brackets += par.Brackets()
		out.Tokens = append(out.Tokens, par.Tokens())
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleDiff(w http.ResponseWriter, r *http.Request) error {
	v, err := s.recordOf(r)
	if err != nil {
		return err
	}
	a, err := version(r, v, "from")
	if err != nil {
		return err
	}
	b, err := version(r, v, "to")
	if err != nil {
		return err
	}
	d := document.Diff(a.Paragraphs, b.Paragraphs)
	for i := range d {
		if d[i].Words == nil {
			d[i].Words = []document.WordDiff{}
		}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"from": a.N, "to": b.N, "paragraphs": d})
}

// AgreementView is the agreement as one viewer may see it.
type AgreementView struct {
	*agreement.Result
	Size int64 `json:"size"`
	// Partial is set when some events of the log are hidden from the
	// viewer: the result is then computed from what it may see only.
	Partial bool  `json:"partial,omitempty"`
	Hidden  int64 `json:"hidden,omitempty"` // how many events are hidden from the viewer
}

func (s *Server) handleAgreement(w http.ResponseWriter, r *http.Request) error {
	v, err := s.viewOf(r)
	if err != nil {
		return err
	}
	out := AgreementView{Size: v.Size, Partial: v.Hidden > 0, Hidden: v.Hidden}
	if out.Result, err = v.Evaluate(); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleUnlock(w http.ResponseWriter, r *http.Request) error {
	v, err := s.viewOf(r)
	if err != nil {
		return err
	}
	it, err := item(r, v)
	if err != nil {
		return err
	}
	opts, err := agreement.Unlock(v.Inst, it.ID, agreement.UnlockLimits{})
	complete := true
	if err == agreement.ErrUnlockIncomplete {
		complete, err = false, nil
	}
	if err != nil {
		return err
	}
	if opts == nil {
		opts = []agreement.UnlockOption{}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"item": it.ID, "options": opts, "complete": complete})
}

func (s *Server) handleImpact(w http.ResponseWriter, r *http.Request) error {
	var change agreement.Position
	if err := s.decodeBody(w, r, &change, 16<<10); err != nil {
		return err
	}
	v, err := s.viewOf(r)
	if err != nil {
		return err
	}
	if v.Item(change.Item) == nil {
		return parley.Errorf(parley.ENOTFOUND, "field \"item\": talks %q has no item %q", v.ID, change.Item)
	}
	if !slices.Contains(v.Inst.Parties, change.Party) {
		return parley.Errorf(parley.EINVALID, "field \"party\": %q is not at the current round's table (%s)", change.Party, strings.Join(v.Inst.Parties, ", "))
	}
	res, err := agreement.Impact(v.Inst, change)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, res)
}

func (s *Server) handleStatements(w http.ResponseWriter, r *http.Request) error {
	v, err := s.recordOf(r)
	if err != nil {
		return err
	}
	out := v.Statements
	if out == nil {
		out = []*state.Statement{}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"statements": out})
}

func (s *Server) handleCaucus(w http.ResponseWriter, r *http.Request) error {
	v, err := s.recordOf(r)
	if err != nil {
		return err
	}
	party := r.PathValue("party")
	if !v.HasParty(party) {
		return parley.Errorf(parley.ENOTFOUND, "talks %q has no party %q", v.ID, party)
	}
	if !v.SeesCaucus(party) {
		return parley.Errorf(parley.EFORBIDDEN, "the caucus of %q is open to that party and the mediators only; sign in as one of them", party)
	}
	out, err := CaucusOf(r.Context(), s.l, v, party)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, out)
}

// CaucusOf returns the caucus of a party as view v sees it, reading the
// events of its messages and re-wraps from l's store. The caller has
// checked that v may see the caucus (view.Talks.SeesCaucus).
func CaucusOf(ctx context.Context, l *ledger.Ledger, v *view.Talks, party string) (*CaucusView, error) {
	out := &CaucusView{Party: party, Messages: []EventJSON{}, Rewraps: []RewrapJSON{}, Recipients: []state.Actor{}}
	rewraps := map[int64]*parley.Rewrap{} // the seal.rewrap events read so far
	for _, m := range v.CaucusOf(party) {
		en, e, err := event(ctx, l, v.ID, m.Index)
		if err != nil {
			return nil, err
		}
		out.Messages = append(out.Messages, eventJSON(en, e, v.VisibilityOf(m.Index)))
		for _, rw := range v.RewrapsOf(m.Index) {
			p := rewraps[rw.Index]
			if p == nil {
				_, e, err := event(ctx, l, v.ID, rw.Index)
				if err != nil {
					return nil, err
				}
				var ok bool
				if p, ok = e.Act.(*parley.Rewrap); !ok || rw.Entry >= len(p.Rewraps) {
					return nil, parley.Errorf(parley.EINTERNAL, "event %d of %s is not the re-wrap the state says", rw.Index, v.ID)
				}
				rewraps[rw.Index] = p
			}
			out.Rewraps = append(out.Rewraps, RewrapJSON{Of: rw.Of, Index: rw.Index, By: rw.By, Actor: rw.Actor, Key: rw.Key, Rewrap: p.Rewraps[rw.Entry].Rewrap})
		}
	}
	for _, a := range v.CaucusRecipients(party) {
		out.Recipients = append(out.Recipients, *a)
	}
	return out, nil
}

// CaucusView is a party's caucus with the mediators as one viewer may see
// it. The host cannot read a sealed message: its text is in the sealed
// payload of its event, which its recipients open on their devices.
type CaucusView struct {
	Party    string      `json:"party"`
	Messages []EventJSON `json:"messages"`
	// Rewraps are the content keys of sealed messages wrapped again for
	// later recipients (seal.rewrap), in log order.
	Rewraps []RewrapJSON `json:"rewraps"`
	// Recipients are whom a new message is sealed to now: the party's
	// actors and the mediators, not revoked, each with its current
	// encryption key (none when it has published none yet).
	Recipients []state.Actor `json:"recipients"`
}

// RewrapJSON is one content key wrapped again for a later recipient.
type RewrapJSON struct {
	Of     int64           `json:"of"`    // the log index of the sealed message
	Index  int64           `json:"index"` // the log index of the seal.rewrap event
	By     string          `json:"by"`
	Actor  string          `json:"actor"` // the later recipient
	Key    string          `json:"key"`   // its encryption key the content key is wrapped to
	Rewrap json.RawMessage `json:"rewrap"`
}

// event reads and decodes the event at a log index.
func event(ctx context.Context, l *ledger.Ledger, talks string, index int64) (parley.Entry, *parley.Event, error) {
	entries, events, err := l.Read(ctx, talks, index, index+1)
	if err != nil {
		return parley.Entry{}, nil, err
	}
	if len(entries) != 1 {
		return parley.Entry{}, nil, parley.Errorf(parley.EINTERNAL, "the store has no event %d of %s", index, talks)
	}
	return entries[0], events[0], nil
}

func (s *Server) handleBriefing(w http.ResponseWriter, r *http.Request) error {
	// The briefing is in the language the request asks for (lang=ar), else
	// the best of Accept-Language, else English.
	p := i18n.For(i18n.Match(r.URL.Query().Get("lang"), r.Header.Get("Accept-Language")))
	md, err := briefing.Load(r.Context(), p, s.l, &s.histories, r.PathValue("id"), viewerKey(r), r.URL.Query().Get("round"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/markdown; charset=utf-8")
	_, err = io.WriteString(w, md)
	return err
}

func (s *Server) handleCheckpoint(w http.ResponseWriter, r *http.Request) error {
	size, err := s.l.Store().Size(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	at, err := queryIndex(r, "size", 0, 0, size)
	if err != nil {
		return err
	}
	if at == 0 {
		at = -1
	}
	// Checkpoints are public: they reveal only the log's size and root.
	cp, ws, err := s.l.Checkpoint(r.Context(), r.PathValue("id"), at)
	if err != nil {
		return err
	}
	out := checkpointJSON(cp)
	out.Witnesses = ws
	return writeJSON(w, http.StatusOK, out)
}

// receipt returns the receipt of the event at the index in the path, if
// the viewer may see it.
func (s *Server) receipt(r *http.Request) (*record.Receipt, error) {
	v, err := s.recordOf(r)
	if err != nil {
		return nil, err
	}
	index, err := strconv.ParseInt(r.PathValue("index"), 10, 64)
	if err != nil || index < 0 || index >= v.Size {
		return nil, parley.Errorf(parley.EINVALID, "the index must be a log index from 0 to %d", v.Size-1)
	}
	if !v.Visible(index) {
		return nil, parley.Errorf(parley.ENOTFOUND, "no event %d that you may see", index)
	}
	return s.l.Receipt(r.Context(), v.ID, index)
}

func (s *Server) handleReceipt(w http.ResponseWriter, r *http.Request) error {
	rec, err := s.receipt(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rec)
}

func (s *Server) handleTLogProof(w http.ResponseWriter, r *http.Request) error {
	rec, err := s.receipt(r)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, err = w.Write(rec.MarshalProof())
	return err
}

func (s *Server) handleConsistency(w http.ResponseWriter, r *http.Request) error {
	size, err := s.l.Store().Size(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	from, err := queryIndex(r, "from", 0, 1, size)
	if err != nil {
		return err
	}
	to, err := queryIndex(r, "to", 0, from, size)
	if err != nil {
		return err
	}
	proof, err := s.l.Consistency(r.Context(), r.PathValue("id"), from, to)
	if err != nil {
		return err
	}
	hashes := make([]string, len(proof))
	for i, h := range proof {
		hashes[i] = base64.StdEncoding.EncodeToString(h[:])
	}
	return writeJSON(w, http.StatusOK, map[string]any{"from": from, "to": to, "proof": hashes})
}

func (s *Server) handleBundle(w http.ResponseWriter, r *http.Request) error {
	v, err := s.recordOf(r)
	if err != nil {
		return err
	}
	b, err := s.l.BundleFor(r.Context(), v.ID, v.Size, v.Visible)
	if err != nil {
		return err
	}
	data, err := b.Marshal()
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", `attachment; filename="`+v.ID+`.bundle"`)
	_, err = w.Write(data)
	return err
}
