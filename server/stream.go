package server

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/agreement"
	"github.com/parleyhq/parley/ledger"
	"github.com/parleyhq/parley/record"
	"github.com/parleyhq/parley/state"
	"github.com/parleyhq/parley/view"
)

// Live updates: one server-sent event stream per talks and viewer. Each
// message's id is a log index: "event" messages carry the event at that
// index, "checkpoint" and "agreement" messages the state after it. A client
// that reconnects with Last-Event-ID N receives every event after N that it
// may see, then the live ones, with no loss and no duplicates. A client
// that cannot keep up is dropped rather than slowing the others.
//
// What a stream carries is what its viewer's view of the talks holds
// (package view): events by the same rule as the view, and the agreement
// as computed for the viewer's audience (view.AudienceOf), which is the
// agreement of the viewer's own view.

// message is one server-sent event.
type message struct {
	id    int64
	event string // event, checkpoint, agreement
	data  []byte
	vis   string // who may see it
	// releasedTo, for an event a mediator releases, is the party it is
	// released to: the message goes to that party's streams that did not
	// see the event when it was recorded, and to no other. It is sent
	// just before the release, whose index (release) places it in the
	// stream; its frame has no id, so that a client that resumes goes on
	// from the release, not from the event's own earlier index.
	releasedTo string
	release    int64
	frame      []byte // the whole event as the stream writes it
}

// framed returns m with its frame rendered once, for every stream.
func (m message) framed() message {
	if m.releasedTo != "" {
		m.frame = fmt.Appendf(nil, "event: %s\ndata: %s\n\n", m.event, m.data)
		return m
	}
	m.frame = fmt.Appendf(nil, "id: %d\nevent: %s\ndata: %s\n\n", m.id, m.event, m.data)
	return m
}

// at is the log index that places m in a stream.
func (m message) at() int64 {
	if m.releasedTo != "" {
		return m.release
	}
	return m.id
}

type sub struct {
	talks  string
	id     string // what stream limits count against
	key    string // the signed-in actor's key, or ""
	viewer state.Viewer
	ch     chan message
}

type hub struct {
	s      *Server
	mu     sync.Mutex
	subs   map[string]map[*sub]bool // by talks
	perID  map[string]int
	total  int
	agree  map[string]*agreeState // by talks
	closed bool
}

type agreeState struct {
	pending, running, again bool
	rebuild                 bool               // rebuild the engines from the state
	touched                 map[[2]string]bool // party, item of the stances since
	// By audience (view.AudienceOf), owned by the running evaluation.
	audiences map[string]*audienceAgreement
}

// audienceAgreement is the agreement as one audience sees it, and what
// its streams were last told.
type audienceAgreement struct {
	engine *agreement.Engine
	at     map[string]bool // the parties at the table when engine was built
	agreed map[string]bool // by visible item
}

func newHub(s *Server) *hub {
	return &hub{s: s, subs: map[string]map[*sub]bool{}, perID: map[string]int{}, agree: map[string]*agreeState{}}
}

// EventJSON is an event as the API and streams show it: the decoded fields
// beside the exact signed bytes.
type EventJSON struct {
	Index   int64           `json:"index"`
	Kind    string          `json:"kind"`
	Actor   string          `json:"actor"`
	Time    string          `json:"time"`
	Vis     string          `json:"vis"`
	Payload json.RawMessage `json:"payload"`
	Event   string          `json:"event"` // the signed bytes, standard base64
	Sig     string          `json:"sig"`
}

func eventJSON(en parley.Entry, e *parley.Event, vis string) EventJSON {
	return EventJSON{
		Index: en.Index, Kind: e.Kind, Actor: e.Actor, Time: e.Time, Vis: vis, Payload: e.Payload,
		Event: base64.StdEncoding.EncodeToString(en.Event), Sig: base64.StdEncoding.EncodeToString(en.Sig),
	}
}

// CheckpointJSON is a checkpoint as the API and streams show it.
type CheckpointJSON struct {
	Size      int64               `json:"size"`
	Root      string              `json:"root"` // standard base64
	Note      string              `json:"note"` // the signed note, with the cosignatures recorded for it
	Witnesses []record.WitnessKey `json:"witnesses,omitempty"`
}

func checkpointJSON(cp parley.Checkpoint) CheckpointJSON {
	return CheckpointJSON{Size: cp.Size, Root: base64.StdEncoding.EncodeToString(cp.Root[:]), Note: string(cp.Note)}
}

func (h *hub) publish(a ledger.Appended) {
	msgs := make([]message, 0, len(a.Entries)+1)
	var revoked []string
	for i, en := range a.Entries {
		for _, r := range a.Released {
			if r.Release == en.Index {
				b, _ := json.Marshal(eventJSON(r.Entry, r.Event, r.Vis))
				msgs = append(msgs, message{id: r.Entry.Index, event: "event", data: b, vis: r.Vis, releasedTo: r.Party, release: en.Index}.framed())
			}
		}
		b, _ := json.Marshal(eventJSON(en, a.Events[i], a.Vis[i]))
		msgs = append(msgs, message{id: en.Index, event: "event", data: b, vis: a.Vis[i]}.framed())
		if p, ok := a.Events[i].Act.(*parley.RevokeActor); ok {
			revoked = append(revoked, p.Key)
		}
	}
	b, _ := json.Marshal(checkpointJSON(a.Checkpoint))
	msgs = append(msgs, message{id: a.Checkpoint.Size - 1, event: "checkpoint", data: b, vis: parley.VisPublic}.framed())
	h.send(a.Talks, msgs, revoked)
	if a.Agreement {
		h.agreementChanged(a.Talks, a)
	}
}

// send delivers messages to the streams of a talks that may see them,
// dropping any stream whose buffer is full. The streams of revoked keys
// end first: a revoked actor receives nothing after its revocation.
func (h *hub) send(talks string, msgs []message, revoked []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for sb := range h.subs[talks] {
		if sb.key != "" && slices.Contains(revoked, sb.key) {
			h.drop(sb, "revoked")
			continue
		}
		for _, m := range msgs {
			if m.releasedTo != "" {
				if sb.viewer.Actor == nil || sb.viewer.Actor.Party != m.releasedTo || sb.viewer.Sees(m.vis) {
					continue
				}
			} else if !sb.viewer.Sees(m.vis) {
				continue
			}
			if !h.deliver(sb, m) {
				break
			}
		}
	}
}

// deliver queues m on a stream, or drops the stream if its buffer is
// full. Call with mu.
func (h *hub) deliver(sb *sub, m message) bool {
	select {
	case sb.ch <- m:
		return true
	default:
		h.drop(sb, "slow")
		return false
	}
}

// drop ends a stream; its handler sees the channel closed. Call with mu.
func (h *hub) drop(sb *sub, reason string) {
	if !h.subs[sb.talks][sb] {
		return
	}
	delete(h.subs[sb.talks], sb)
	h.perID[sb.id]--
	if h.perID[sb.id] == 0 {
		delete(h.perID, sb.id)
	}
	h.total--
	h.s.metrics.streams.Add(-1)
	if reason != "" {
		h.s.metrics.dropped.Inc(reason)
	}
	close(sb.ch)
}

func (h *hub) subscribe(sb *sub, perID int) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case h.closed:
		return parley.Errorf(parley.EUNAVAILABLE, "the server is shutting down; reconnect shortly")
	case h.total >= h.s.cfg.MaxStreams:
		return parley.Errorf(parley.EUNAVAILABLE, "the server has its maximum of %d live streams; retry later", h.s.cfg.MaxStreams)
	case perID > 0 && h.perID[sb.id] >= perID:
		return parley.Errorf(parley.ERATELIMIT, "this actor has %d live streams open, the most allowed; close one first", perID)
	}
	if h.subs[sb.talks] == nil {
		h.subs[sb.talks] = map[*sub]bool{}
	}
	h.subs[sb.talks][sb] = true
	h.perID[sb.id]++
	h.total++
	h.s.metrics.streams.Add(1)
	return nil
}

func (h *hub) unsubscribe(sb *sub) {
	h.mu.Lock()
	h.drop(sb, "")
	h.mu.Unlock()
}

func (h *hub) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for _, subs := range h.subs {
		for sb := range subs {
			h.drop(sb, "")
		}
	}
}

// agreementDebounce is how long the hub waits after a change before it
// evaluates the agreement and tells the streams, so that a burst of acts
// costs one evaluation.
const agreementDebounce = 150 * time.Millisecond

func (h *hub) agreementChanged(talks string, a ledger.Appended) {
	h.mu.Lock()
	defer h.mu.Unlock()
	as := h.agree[talks]
	if as == nil {
		as = &agreeState{rebuild: true, touched: map[[2]string]bool{}, audiences: map[string]*audienceAgreement{}}
		h.agree[talks] = as
	}
	for _, e := range a.Events {
		p, stance := e.Act.(*parley.SetStance)
		switch {
		case stance:
			as.touched[[2]string{p.Party, p.Item}] = true
		case state.AffectsAgreement(e.Kind), e.Kind == parley.KindRelease:
			as.rebuild = true // the table, versions, rules or what someone sees changed
		}
	}
	h.schedule(talks, as)
}

// schedule runs an evaluation after the debounce, unless one is pending;
// if one is running, it runs again when that one ends. Call with mu.
func (h *hub) schedule(talks string, as *agreeState) {
	switch {
	case as.running:
		as.again = true
	case !as.pending:
		as.pending = true
		time.AfterFunc(agreementDebounce, func() { h.evaluate(talks) })
	}
}

// audienceWork is what one audience's evaluation needs from the state.
type audienceWork struct {
	name    string
	subs    []*sub
	inst    *agreement.Instance  // when the engine is rebuilt
	changes []agreement.Position // otherwise: Stance "" withdraws
	items   []string             // the items the audience may see
	size    int64                // of the log the audience's agreement is of
}

// evaluate brings the agreement of each audience with streams on the talks
// up to date and sends each audience's streams the items whose agreement
// changed as that audience sees it. An audience's engine follows stance
// changes incrementally and is rebuilt when the table, the versions, the
// rules or what the audience sees change.
func (h *hub) evaluate(talks string) {
	h.mu.Lock()
	as := h.agree[talks]
	as.pending, as.running = false, true
	touched, rebuild := as.touched, as.rebuild
	as.touched, as.rebuild = map[[2]string]bool{}, false
	subs := make([]*sub, 0, len(h.subs[talks]))
	for sb := range h.subs[talks] {
		subs = append(subs, sb)
	}
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		as.running = false
		if as.again {
			as.again = false
			h.schedule(talks, as)
		}
		h.mu.Unlock()
	}()

	// Group the streams by audience under the talks' lock, then bring
	// each audience up to date under a lock of its own: building an
	// audience's instance takes milliseconds in a large talks, and with an
	// audience per party (proximity talks) one lock held for all of them
	// kept appends, and so every stream's events, waiting for seconds.
	work := map[string]*audienceWork{}
	err := h.s.l.View(context.Background(), talks, func(st *state.Talks, _ parley.Checkpoint) error {
		for _, sb := range subs {
			name := view.AudienceOf(st, sb.viewer)
			w := work[name]
			if w == nil {
				w = &audienceWork{name: name}
				work[name] = w
			}
			w.subs = append(w.subs, sb)
		}
		return nil
	})
	if err != nil {
		h.s.log.Warn("evaluating the agreement for live streams", "talks", talks, "err", err)
		return
	}
	for _, w := range work {
		aa := as.audiences[w.name]
		if aa == nil {
			aa = &audienceAgreement{}
			as.audiences[w.name] = aa
		}
		err := h.s.l.View(context.Background(), talks, func(st *state.Talks, _ parley.Checkpoint) error {
			w.size = st.Size
			v, err := view.Audience(w.name)
			if err != nil {
				return err
			}
			seen := st.Seen(func(i int64) bool { return st.VisibleAt(v, i) })
			for _, it := range st.Items {
				if seen.Item(it) {
					w.items = append(w.items, it.ID)
				}
			}
			if rebuild || aa.engine == nil {
				w.inst = seen.Instance()
				return nil
			}
			for k := range touched {
				if pos, ok := view.Position(seen, k[0], k[1], aa.at); ok {
					w.changes = append(w.changes, pos)
				}
			}
			return nil
		})
		if err != nil {
			aa.engine = nil // rebuild next time: the changes touched are lost
			h.s.log.Warn("evaluating the agreement for live streams", "talks", talks, "audience", w.name, "err", err)
			continue
		}
		agreed, err := aa.update(w)
		if err != nil {
			aa.engine = nil // rebuild next time
			h.s.log.Warn("evaluating the agreement for live streams", "talks", talks, "audience", w.name, "err", err)
			continue
		}
		// Every item the audience sees is news the first time, even while
		// it is not agreed.
		changed := map[string]string{}
		for _, id := range w.items {
			if was, known := aa.agreed[id]; !known || was != agreed[id] {
				changed[id] = agreement.StatusNotAgreed
				if agreed[id] {
					changed[id] = agreement.StatusAgreed
				}
			}
		}
		now := make(map[string]bool, len(w.items))
		list := []string{}
		for _, id := range w.items {
			now[id] = agreed[id]
			if agreed[id] {
				list = append(list, id)
			}
		}
		aa.agreed = now
		if len(changed) == 0 {
			continue
		}
		slices.Sort(list)
		b, _ := json.Marshal(map[string]any{"size": w.size, "changed": changed, "agreed": list})
		m := message{id: w.size - 1, event: "agreement", data: b}.framed()
		h.mu.Lock()
		for _, sb := range w.subs {
			if h.subs[talks][sb] {
				h.deliver(sb, m)
			}
		}
		h.mu.Unlock()
	}
	// Forget the audiences no stream belongs to any more.
	for name := range as.audiences {
		if work[name] == nil {
			delete(as.audiences, name)
		}
	}
}

// update brings an audience's engine up to date with its work and returns
// what is agreed.
func (aa *audienceAgreement) update(w *audienceWork) (map[string]bool, error) {
	var err error
	if w.inst != nil {
		if aa.engine, err = agreement.NewEngine(w.inst); err != nil {
			return nil, err
		}
		aa.at = map[string]bool{}
		for _, p := range w.inst.Parties {
			aa.at[p] = true
		}
	} else {
		for _, p := range w.changes {
			if p.Stance != "" {
				err = aa.engine.SetPosition(p)
			} else if _, had := aa.engine.Position(p.Party, p.Item); had {
				err = aa.engine.RemovePosition(p.Party, p.Item)
			}
			if err != nil {
				return nil, err
			}
		}
	}
	list, err := aa.engine.Agreed()
	if err != nil {
		return nil, err
	}
	agreed := make(map[string]bool, len(list))
	for _, id := range list {
		agreed[id] = true
	}
	return agreed, nil
}

// lastIndex reads the index a client says it has seen, from Last-Event-ID
// or the "after" query parameter: -1 for the whole log, up to the log's
// size. Anything else is refused before it costs anything. -2 means live
// only.
func lastIndex(r *http.Request, size int64) (int64, error) {
	v, what := r.Header.Get("Last-Event-ID"), "Last-Event-ID"
	if v == "" {
		v, what = r.URL.Query().Get("after"), "query parameter \"after\""
	}
	if v == "" {
		return -2, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < -1 || n > size {
		return 0, parley.Errorf(parley.EINVALID, "%s must be a log index from -1 (the whole log) to %d (the log's size)", what, size)
	}
	return n, nil
}

// handleStream serves GET /api/v1/talks/{id}/stream.
func (s *Server) handleStream(w http.ResponseWriter, r *http.Request) error {
	talks := r.PathValue("id")
	key := viewerKey(r)
	var viewer state.Viewer
	var size int64
	err := s.l.View(r.Context(), talks, func(st *state.Talks, _ parley.Checkpoint) error {
		viewer, size = st.ViewerOf(key), st.Size
		return nil
	})
	if err != nil {
		return err
	}
	last, err := lastIndex(r, size)
	if err != nil {
		return err
	}
	perID := s.cfg.StreamsPerID
	if key == "" {
		perID = 0 // the public counts against the global and per-address limits
	}
	sb := &sub{talks: talks, id: s.limitID(r, key), key: key, viewer: viewer, ch: make(chan message, s.cfg.StreamBuffer)}
	if viewer.Actor == nil {
		sb.key = "" // a key not on the roster reads as the public
	}
	if err := s.hub.subscribe(sb, perID); err != nil {
		return err
	}
	defer s.hub.unsubscribe(sb)

	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Time{})
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	write := func(m message) error {
		_ = rc.SetWriteDeadline(time.Now().Add(10 * time.Second))
		if m.frame == nil {
			m = m.framed()
		}
		_, err := w.Write(m.frame)
		return err
	}
	if _, err := fmt.Fprintf(w, "retry: 2000\n: talks %s\n\n", talks); err != nil {
		return nil
	}
	sent := last
	if last >= -1 {
		if sent, err = s.backlog(r.Context(), talks, viewer, last, write); err != nil {
			s.log.Info("stream backlog ended", "talks", talks, "err", err)
			return nil
		}
	}
	if err := rc.Flush(); err != nil {
		return nil
	}
	ping := time.NewTicker(20 * time.Second)
	defer ping.Stop()
	for {
		select {
		case <-r.Context().Done():
			return nil
		case <-ping.C:
			if _, err := fmt.Fprint(w, ": ping\n\n"); err != nil || rc.Flush() != nil {
				return nil
			}
		case m, ok := <-sb.ch:
			if !ok {
				return nil // dropped: too slow, revoked, or shutting down
			}
			if m.event == "event" && m.at() <= sent {
				continue // already sent from the backlog
			}
			if err := write(m); err != nil {
				return nil
			}
			// Write what is queued before flushing once.
			for more := true; more; {
				select {
				case m, ok := <-sb.ch:
					if !ok {
						_ = rc.Flush()
						return nil
					}
					if m.event == "event" && m.at() <= sent {
						continue
					}
					if err := write(m); err != nil {
						return nil
					}
				default:
					more = false
				}
			}
			if err := rc.Flush(); err != nil {
				return nil
			}
		}
	}
}

// writeReleased writes the event a release at index rel shows the
// viewer's party, unless the viewer saw it when it was recorded.
func (s *Server) writeReleased(ctx context.Context, talks string, v state.Viewer, p *parley.Release, rel int64, write func(message) error) error {
	var vis string
	err := s.l.View(ctx, talks, func(st *state.Talks, _ parley.Checkpoint) error {
		vis = st.VisibilityAt(p.Index)
		return nil
	})
	if err != nil || v.Sees(vis) {
		return err
	}
	entries, events, err := s.l.Read(ctx, talks, p.Index, p.Index+1)
	if err != nil || len(entries) != 1 {
		return err
	}
	b, _ := json.Marshal(eventJSON(entries[0], events[0], vis))
	return write(message{id: p.Index, event: "event", data: b, releasedTo: p.Party, release: rel})
}

// backlogPage is how many events of the log the backlog filters under the
// talks' lock at a time, and reads from the store at once.
const backlogPage = 1000

// backlog writes the events after last that the viewer may see, up to the
// log's size when it starts, and returns the last index written (or
// checked). It holds the talks' lock for one page at a time, so that its
// cost under the lock never grows with what a client asks.
func (s *Server) backlog(ctx context.Context, talks string, v state.Viewer, last int64, write func(message) error) (int64, error) {
	var size int64
	err := s.l.View(ctx, talks, func(st *state.Talks, _ parley.Checkpoint) error {
		size = st.Size
		return nil
	})
	if err != nil {
		return last, err
	}
	for from := last + 1; from < size; from += backlogPage {
		if err := ctx.Err(); err != nil {
			return last, err
		}
		to := min(from+backlogPage, size)
		var vis []string
		err := s.l.View(ctx, talks, func(st *state.Talks, _ parley.Checkpoint) error {
			vis = view.Window(st, v, from, to)
			return nil
		})
		if err != nil {
			return last, err
		}
		entries, events, err := s.l.Read(ctx, talks, from, to)
		if err != nil {
			return last, err
		}
		for i, en := range entries {
			k := en.Index - from
			// A release of an event the client passed before it was
			// released: the event first, as the live stream sends it,
			// even when the release itself is narrowed away from the
			// party (the event is then the party's all the same).
			if p, ok := events[i].Act.(*parley.Release); ok && p.Index <= last && v.Actor != nil && v.Actor.Party == p.Party {
				if err := s.writeReleased(ctx, talks, v, p, en.Index, write); err != nil {
					return last, err
				}
			}
			if k < 0 || k >= int64(len(vis)) || vis[k] == "" {
				continue
			}
			b, _ := json.Marshal(eventJSON(en, events[i], vis[k]))
			if err := write(message{id: en.Index, event: "event", data: b}); err != nil {
				return last, err
			}
		}
	}
	return size - 1, nil
}
