package server

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/agreement"
	"github.com/parleyhq/parley/briefing"
	"github.com/parleyhq/parley/document"
	"github.com/parleyhq/parley/record"
	"github.com/parleyhq/parley/state"
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
	s.handle("GET /api/v1/talks/{id}/agreement", read, s.handleAgreement)
	s.handle("GET /api/v1/talks/{id}/agreement/unlock/{item}", read, s.handleUnlock)
	s.handle("POST /api/v1/talks/{id}/agreement/impact", read, s.handleImpact)
	s.handle("GET /api/v1/talks/{id}/statements", read, s.handleStatements)
	s.handle("GET /api/v1/talks/{id}/caucus/{party}", read, s.handleCaucus)
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
	if _, err := s.l.Store().ListTalks(ctx); err != nil {
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

// view runs f with the state of the talks named in the path and the
// request's viewer, under the talks' lock.
func (s *Server) view(r *http.Request, f func(st *state.Talks, v state.Viewer, cp parley.Checkpoint) error) error {
	key := viewerKey(r)
	return s.l.View(r.Context(), r.PathValue("id"), func(st *state.Talks, cp parley.Checkpoint) error {
		return f(st, st.ViewerOf(key), cp)
	})
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
	Description string              `json:"description,omitempty"`
	Rule        parley.Rule         `json:"rule"`
	Visibility  string              `json:"visibility"`
	Proximity   bool                `json:"proximity"`
	Founded     time.Time           `json:"founded"`
	Checkpoint  CheckpointJSON      `json:"checkpoint"`
	Parties     []PartyView         `json:"parties"`
	Roster      []*state.Actor      `json:"roster"`
	Rounds      []*state.Round      `json:"rounds"`
	Items       []ItemSummary       `json:"items"`
	Packages    map[string][]string `json:"packages"`
	Viewer      *state.Actor        `json:"viewer,omitempty"`
}

// PartyView is a party and whether it sits at the current round's table.
type PartyView struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Participant bool   `json:"participant"`
}

// ItemSummary is an item in the overview.
type ItemSummary struct {
	ID       string       `json:"id"`
	Title    string       `json:"title"`
	Kind     string       `json:"kind"`
	Rule     *parley.Rule `json:"rule,omitempty"`
	Versions int          `json:"versions"`
}

func (s *Server) handleTalks(w http.ResponseWriter, r *http.Request) error {
	vkey, err := s.l.VerifierKey(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	key := viewerKey(r)
	var body []byte
	err = s.view(r, func(st *state.Talks, v state.Viewer, cp parley.Checkpoint) error {
		if body = s.overviews.get(st.ID, key, st.Size); body != nil {
			return nil
		}
		// Encode under the lock: the view shares the state's values.
		if body, err = json.Marshal(s.overview(st, v, cp, vkey)); err != nil {
			return err
		}
		s.overviews.put(st.ID, key, st.Size, body)
		return nil
	})
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	_, err = w.Write(append(body, '\n'))
	return err
}

// overview builds the talks overview for a viewer. Call it under the
// talks' lock: it shares the state's values.
func (s *Server) overview(st *state.Talks, v state.Viewer, cp parley.Checkpoint, vkey string) TalksView {
	out := TalksView{
		ID: st.ID, Origin: s.l.Origin(st.ID), LogKey: vkey, Title: st.Title, Description: st.Description, Rule: st.Rule,
		Visibility: st.Visibility, Proximity: st.Proximity, Founded: st.Founded, Checkpoint: checkpointJSON(cp),
		Rounds: []*state.Round{}, Packages: st.Packages, Viewer: v.Actor,
		Parties: []PartyView{}, Items: []ItemSummary{},
	}
	for _, r := range st.Rounds {
		if !st.VisibleAt(v, r.Planned) {
			continue
		}
		rc := *r
		rc.Invitations = []*state.Invitation{}
		for _, inv := range r.Invitations {
			if st.VisibleAt(v, inv.Index) {
				rc.Invitations = append(rc.Invitations, inv)
			}
		}
		out.Rounds = append(out.Rounds, &rc)
	}
	at := map[string]bool{}
	for _, p := range st.Participants() {
		at[p] = true
	}
	for _, p := range st.PartyOrder {
		out.Parties = append(out.Parties, PartyView{ID: p, Name: st.Roster.Parties[p], Participant: at[p]})
	}
	for _, a := range st.Roster.Actors {
		out.Roster = append(out.Roster, a)
	}
	sort.Slice(out.Roster, func(i, j int) bool { return out.Roster[i].Since < out.Roster[j].Since })
	for _, it := range st.Items {
		if !st.VisibleAt(v, it.Added) {
			continue
		}
		n := 0
		for _, ver := range it.Versions {
			if st.VisibleAt(v, ver.Index) {
				n++
			}
		}
		out.Items = append(out.Items, ItemSummary{ID: it.ID, Title: it.Title, Kind: it.Kind, Rule: it.Rule, Versions: n})
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

func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) error {
	from, err := queryInt(r, "from", 0)
	if err != nil {
		return err
	}
	limit, err := queryInt(r, "limit", 500)
	if err != nil || limit < 1 || limit > 5000 {
		return parley.Errorf(parley.EINVALID, "query parameter \"limit\" must be 1 to 5000")
	}
	var size int64
	var visible []bool
	var vis []string
	err = s.view(r, func(st *state.Talks, v state.Viewer, _ parley.Checkpoint) error {
		size = st.Size
		for i := from; i < min(size, from+limit); i++ {
			visible = append(visible, st.VisibleAt(v, i))
			vis = append(vis, st.VisibilityAt(i))
		}
		return nil
	})
	if err != nil {
		return err
	}
	page := EventsPage{Size: size, Entries: []EventOrLeaf{}}
	if from < size {
		to := min(size, from+limit)
		entries, err := s.l.Store().Entries(r.Context(), r.PathValue("id"), from, to)
		if err != nil {
			return err
		}
		for k, en := range entries {
			if !visible[k] {
				page.Entries = append(page.Entries, EventOrLeaf{Hidden: true, Leaf: base64.StdEncoding.EncodeToString(en.Leaf[:])})
				continue
			}
			e, err := parley.DecodeEvent(en.Event)
			if err != nil {
				return err
			}
			ej := eventJSON(en, e, vis[k])
			page.Entries = append(page.Entries, EventOrLeaf{EventJSON: &ej})
		}
		if to < size {
			page.Next = &to
		}
	}
	return writeJSON(w, http.StatusOK, page)
}

func queryInt(r *http.Request, name string, def int64) (int64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, parley.Errorf(parley.EINVALID, "query parameter %q must be a whole number", name)
	}
	return n, nil
}

// ItemView is an item with what the viewer may see of its history.
type ItemView struct {
	ID         string                   `json:"id"`
	Title      string                   `json:"title"`
	Kind       string                   `json:"kind"`
	Rule       parley.Rule              `json:"rule"`
	Versions   []*state.Version         `json:"versions"`
	Amendments []*state.Amendment       `json:"amendments"`
	Stances    map[string]*state.Stance `json:"stances"`
	History    []*state.Stance          `json:"history"`
}

// item finds the item named in the path, if the viewer may see it.
func item(r *http.Request, st *state.Talks, v state.Viewer) (*state.Item, error) {
	it := st.Item(r.PathValue("item"))
	if it == nil || !st.VisibleAt(v, it.Added) {
		return nil, parley.Errorf(parley.ENOTFOUND, "talks %q has no item %q", st.ID, r.PathValue("item"))
	}
	return it, nil
}

func (s *Server) handleItem(w http.ResponseWriter, r *http.Request) error {
	var out ItemView
	err := s.view(r, func(st *state.Talks, v state.Viewer, _ parley.Checkpoint) error {
		it, err := item(r, st, v)
		if err != nil {
			return err
		}
		rule := st.Rule
		if it.Rule != nil {
			rule = *it.Rule
		}
		out = ItemView{ID: it.ID, Title: it.Title, Kind: it.Kind, Rule: rule, Versions: []*state.Version{}, Amendments: []*state.Amendment{}, Stances: map[string]*state.Stance{}, History: []*state.Stance{}}
		for _, ver := range it.Versions {
			if st.VisibleAt(v, ver.Index) {
				out.Versions = append(out.Versions, ver)
			}
		}
		for _, a := range it.Amendments {
			if st.VisibleAt(v, a.Index) {
				out.Amendments = append(out.Amendments, a)
			}
		}
		for p, s := range it.Stances {
			if st.VisibleAt(v, s.Index) {
				out.Stances[p] = s
			}
		}
		for _, s := range it.History {
			if st.VisibleAt(v, s.Index) {
				out.History = append(out.History, s)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, out)
}

// VersionView is one version's text, parsed for display.
type VersionView struct {
	*state.Version
	Brackets int                `json:"brackets"`
	Tokens   [][]document.Token `json:"tokens"` // per paragraph
}

func (s *Server) version(r *http.Request, param string) (*state.Version, error) {
	n, err := strconv.Atoi(r.PathValue(param))
	if param != "n" {
		n, err = strconv.Atoi(r.URL.Query().Get(param))
	}
	if err != nil {
		return nil, parley.Errorf(parley.EINVALID, "%s must be a version number", param)
	}
	var out *state.Version
	err = s.view(r, func(st *state.Talks, v state.Viewer, _ parley.Checkpoint) error {
		it, err := item(r, st, v)
		if err != nil {
			return err
		}
		if n < 1 || n > len(it.Versions) || !st.VisibleAt(v, it.Versions[n-1].Index) {
			return parley.Errorf(parley.ENOTFOUND, "item %q has no version %d", it.ID, n)
		}
		out = it.Versions[n-1]
		return nil
	})
	return out, err
}

func (s *Server) handleVersion(w http.ResponseWriter, r *http.Request) error {
	ver, err := s.version(r, "n")
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
	a, err := s.version(r, "from")
	if err != nil {
		return err
	}
	b, err := s.version(r, "to")
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
	// Partial is set when some stances are hidden from the viewer: the
	// result is then computed from the visible stances only.
	Partial bool `json:"partial,omitempty"`
	Hidden  int  `json:"hidden,omitempty"`
}

// hiddenItems returns the items the viewer may not see.
func hiddenItems(st *state.Talks, v state.Viewer) map[string]bool {
	h := map[string]bool{}
	for _, it := range st.Items {
		if !st.VisibleAt(v, it.Added) {
			h[it.ID] = true
		}
	}
	return h
}

// redact removes from a result the items the viewer may not see, wherever
// they appear.
func redact(res *agreement.Result, hidden map[string]bool) {
	if len(hidden) == 0 {
		return
	}
	keep := func(ids []string) []string {
		out := ids[:0:0]
		for _, id := range ids {
			if !hidden[id] {
				out = append(out, id)
			}
		}
		return out
	}
	for i, o := range res.Outcomes {
		res.Outcomes[i] = keep(o)
	}
	res.AgreedInAll, res.AgreedInSome = keep(res.AgreedInAll), keep(res.AgreedInSome)
	for id, ir := range res.Items {
		if hidden[id] {
			delete(res.Items, id)
			continue
		}
		ir.Package, ir.PackageBlockedBy, ir.DependsOn = keep(ir.Package), keep(ir.PackageBlockedBy), keep(ir.DependsOn)
		for i := range ir.Blockers {
			ir.Blockers[i].WaitsOn, ir.Blockers[i].ExcludedBy = keep(ir.Blockers[i].WaitsOn), keep(ir.Blockers[i].ExcludedBy)
		}
		rbs := ir.RootBlockers[:0:0]
		for _, rb := range ir.RootBlockers {
			if !hidden[rb.Item] {
				rbs = append(rbs, rb)
			}
		}
		ir.RootBlockers = rbs
	}
	osc := res.Oscillating[:0:0]
	for _, p := range res.Oscillating {
		if !hidden[p.Item] {
			osc = append(osc, p)
		}
	}
	res.Oscillating = osc
}

// instanceFor returns the agreement instance of the talks as the viewer
// may see it: stances the viewer may not see are left out.
func instanceFor(st *state.Talks, v state.Viewer) (*agreement.Instance, int) {
	inst := st.Instance()
	kept := inst.Positions[:0]
	hidden := 0
	for _, p := range inst.Positions {
		if s := st.Item(p.Item).Stances[p.Party]; s != nil && !st.VisibleAt(v, s.Index) {
			hidden++
			continue
		}
		kept = append(kept, p)
	}
	inst.Positions = kept
	return inst, hidden
}

func (s *Server) handleAgreement(w http.ResponseWriter, r *http.Request) error {
	var inst *agreement.Instance
	var out AgreementView
	var hidden map[string]bool
	err := s.view(r, func(st *state.Talks, v state.Viewer, _ parley.Checkpoint) error {
		inst, out.Hidden = instanceFor(st, v)
		hidden = hiddenItems(st, v)
		out.Size, out.Partial = st.Size, out.Hidden > 0
		return nil
	})
	if err != nil {
		return err
	}
	if out.Result, err = agreement.Evaluate(inst); err != nil {
		return err
	}
	redact(out.Result, hidden)
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleUnlock(w http.ResponseWriter, r *http.Request) error {
	var inst *agreement.Instance
	err := s.view(r, func(st *state.Talks, v state.Viewer, _ parley.Checkpoint) error {
		if _, err := item(r, st, v); err != nil {
			return err
		}
		inst, _ = instanceFor(st, v)
		return nil
	})
	if err != nil {
		return err
	}
	opts, err := agreement.Unlock(inst, r.PathValue("item"), agreement.UnlockLimits{})
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
	return writeJSON(w, http.StatusOK, map[string]any{"item": r.PathValue("item"), "options": opts, "complete": complete})
}

func (s *Server) handleImpact(w http.ResponseWriter, r *http.Request) error {
	var change agreement.Position
	if err := s.decodeBody(w, r, &change, 16<<10); err != nil {
		return err
	}
	var inst *agreement.Instance
	var hidden map[string]bool
	err := s.view(r, func(st *state.Talks, v state.Viewer, _ parley.Checkpoint) error {
		it := st.Item(change.Item)
		if it == nil || !st.VisibleAt(v, it.Added) {
			return parley.Errorf(parley.ENOTFOUND, "field \"item\": talks %q has no item %q", st.ID, change.Item)
		}
		inst, _ = instanceFor(st, v)
		hidden = hiddenItems(st, v)
		if !slices.Contains(inst.Parties, change.Party) {
			return parley.Errorf(parley.EINVALID, "field \"party\": %q is not at the current round's table (%s)", change.Party, strings.Join(inst.Parties, ", "))
		}
		return nil
	})
	if err != nil {
		return err
	}
	res, err := agreement.Impact(inst, change)
	if err != nil {
		return err
	}
	keep := func(ids []string) []string {
		return slices.DeleteFunc(ids, func(id string) bool { return hidden[id] })
	}
	res.Pass, res.Fall = keep(res.Pass), keep(res.Fall)
	res.Changed = slices.DeleteFunc(res.Changed, func(c agreement.StatusChange) bool { return hidden[c.Item] })
	return writeJSON(w, http.StatusOK, res)
}

func (s *Server) handleStatements(w http.ResponseWriter, r *http.Request) error {
	out := []*state.Statement{}
	err := s.view(r, func(st *state.Talks, v state.Viewer, _ parley.Checkpoint) error {
		for _, m := range st.Statements {
			if st.VisibleAt(v, m.Index) {
				out = append(out, m)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"statements": out})
}

func (s *Server) handleCaucus(w http.ResponseWriter, r *http.Request) error {
	party := r.PathValue("party")
	var indexes []int64
	err := s.view(r, func(st *state.Talks, v state.Viewer, _ parley.Checkpoint) error {
		if !v.Sees(parley.VisParty(party)) {
			return parley.Errorf(parley.EFORBIDDEN, "the caucus of %q is open to that party and the mediators only; sign in as one of them", party)
		}
		for i := int64(0); i < st.Size; i++ {
			if st.VisibilityAt(i) == parley.VisParty(party) {
				indexes = append(indexes, i)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	out := []EventJSON{}
	for _, i := range indexes {
		entries, err := s.l.Store().Entries(r.Context(), r.PathValue("id"), i, i+1)
		if err != nil {
			return err
		}
		e, err := parley.DecodeEvent(entries[0].Event)
		if err != nil {
			return err
		}
		if e.Kind == parley.KindCaucus {
			out = append(out, eventJSON(entries[0], e, parley.VisParty(party)))
		}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"party": party, "messages": out})
}

func (s *Server) handleBriefing(w http.ResponseWriter, r *http.Request) error {
	talks := r.PathValue("id")
	round := r.URL.Query().Get("round")
	err := s.view(r, func(st *state.Talks, v state.Viewer, _ parley.Checkpoint) error {
		// The briefing draws on every item and stance; it is for those who
		// see them all.
		for _, it := range st.Items {
			if !st.VisibleAt(v, it.Added) {
				return parley.Errorf(parley.EFORBIDDEN, "the briefing draws on items that %s may not see; sign in as a mediator", v.Name())
			}
			for _, h := range it.History {
				if !st.VisibleAt(v, h.Index) {
					return parley.Errorf(parley.EFORBIDDEN, "the briefing draws on stances that %s may not see; sign in as a participant or mediator", v.Name())
				}
			}
		}
		if v.Actor == nil && st.Visibility != parley.VisPublic {
			return parley.Errorf(parley.EFORBIDDEN, "the briefing of a talks that is not public is for its participants; sign in")
		}
		if round == "" {
			if cur := st.CurrentRound(); cur != nil {
				round = cur.ID
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	_, events, err := s.l.Entries(r.Context(), talks)
	if err != nil {
		return err
	}
	md, err := briefing.Round(talks, events, round)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/markdown; charset=utf-8")
	_, err = io.WriteString(w, md)
	return err
}

func (s *Server) handleCheckpoint(w http.ResponseWriter, r *http.Request) error {
	size, err := queryInt(r, "size", 0)
	if err != nil {
		return err
	}
	if size == 0 {
		size = -1
	}
	// Checkpoints are public: they reveal only the log's size and root.
	cp, ws, err := s.l.Checkpoint(r.Context(), r.PathValue("id"), size)
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
	index, err := strconv.ParseInt(r.PathValue("index"), 10, 64)
	if err != nil {
		return nil, parley.Errorf(parley.EINVALID, "the index must be a log index")
	}
	err = s.view(r, func(st *state.Talks, v state.Viewer, _ parley.Checkpoint) error {
		if index < 0 || index >= st.Size || !st.VisibleAt(v, index) {
			return parley.Errorf(parley.ENOTFOUND, "no event %d that you may see", index)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.l.Receipt(r.Context(), r.PathValue("id"), index)
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
	from, err := queryInt(r, "from", 0)
	if err != nil {
		return err
	}
	to, err := queryInt(r, "to", 0)
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
	b, err := s.l.Bundle(r.Context(), r.PathValue("id"), viewerKey(r))
	if err != nil {
		return err
	}
	data, err := b.Marshal()
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", `attachment; filename="`+r.PathValue("id")+`.bundle"`)
	_, err = w.Write(data)
	return err
}
