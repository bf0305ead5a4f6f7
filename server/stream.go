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
)

// Live updates: one server-sent event stream per talks and viewer. Each
// message's id is a log index: "event" messages carry the event at that
// index, "checkpoint" and "agreement" messages the state after it. A client
// that reconnects with Last-Event-ID N receives every event after N that it
// may see, then the live ones, with no loss and no duplicates. A client
// that cannot keep up is dropped rather than slowing the others.

// message is one server-sent event.
type message struct {
	id    int64
	event string // event, checkpoint, agreement
	data  []byte
	vis   string // who may see it
	frame []byte // the whole event as the stream writes it
}

// framed returns m with its frame rendered once, for every stream.
func (m message) framed() message {
	m.frame = fmt.Appendf(nil, "id: %d\nevent: %s\ndata: %s\n\n", m.id, m.event, m.data)
	return m
}

type sub struct {
	talks  string
	id     string // what stream limits count against
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
	rebuild                 bool               // rebuild the engine from the state
	touched                 map[[2]string]bool // party, item of the stances since
	engine                  *agreement.Engine  // owned by the running evaluation
	agreed                  map[string]bool    // what the streams were last told
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
	for i, en := range a.Entries {
		b, _ := json.Marshal(eventJSON(en, a.Events[i], a.Vis[i]))
		msgs = append(msgs, message{id: en.Index, event: "event", data: b, vis: a.Vis[i]}.framed())
	}
	b, _ := json.Marshal(checkpointJSON(a.Checkpoint))
	msgs = append(msgs, message{id: a.Checkpoint.Size - 1, event: "checkpoint", data: b, vis: parley.VisPublic}.framed())
	h.send(a.Talks, msgs)
	if a.Agreement {
		h.agreementChanged(a.Talks, a)
	}
}

// send delivers messages to the streams of a talks that may see them,
// dropping any stream whose buffer is full.
func (h *hub) send(talks string, msgs []message) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for sb := range h.subs[talks] {
		for _, m := range msgs {
			if !sb.viewer.Sees(m.vis) {
				continue
			}
			select {
			case sb.ch <- m:
			default:
				h.drop(sb, "slow")
			}
			if !h.subs[talks][sb] {
				break
			}
		}
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
		as = &agreeState{rebuild: true, touched: map[[2]string]bool{}}
		h.agree[talks] = as
	}
	for _, e := range a.Events {
		switch {
		case e.Kind == parley.KindSetStance:
			var p struct{ Party, Item string }
			if json.Unmarshal(e.Payload, &p) == nil {
				as.touched[[2]string{p.Party, p.Item}] = true
			}
		case state.AffectsAgreement(e.Kind):
			as.rebuild = true // the table, versions or rules changed
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

// evaluate brings the talks' agreement engine up to date and sends the
// items whose agreement changed to the streams that may see the agreement.
// The engine follows stance changes incrementally and is rebuilt only when
// the table, the versions or the rules change; the streams get what is
// agreed, and GET .../agreement the explanations.
func (h *hub) evaluate(talks string) {
	h.mu.Lock()
	as := h.agree[talks]
	as.pending, as.running = false, true
	touched, rebuild, eng := as.touched, as.rebuild || as.engine == nil, as.engine
	as.touched, as.rebuild = map[[2]string]bool{}, false
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

	var inst *agreement.Instance
	var changes []agreement.Position // Stance "" withdraws
	var size int64
	vis := parley.VisParticipants
	itemVis := map[string]string{}
	err := h.s.l.View(context.Background(), talks, func(st *state.Talks, _ parley.Checkpoint) error {
		size = st.Size
		switch {
		case st.Proximity:
			vis = parley.VisMediators
		case st.Visibility == parley.VisPublic:
			vis = parley.VisPublic
		}
		for _, it := range st.Items {
			itemVis[it.ID] = st.VisibilityAt(it.Added)
		}
		if rebuild {
			inst = st.Instance()
			return nil
		}
		for k := range touched {
			changes = append(changes, st.Position(k[0], k[1]))
		}
		return nil
	})
	if err == nil {
		if rebuild {
			eng, err = agreement.NewEngine(inst)
		} else {
			for _, p := range changes {
				if p.Stance != "" {
					err = eng.SetPosition(p)
				} else if _, had := eng.Position(p.Party, p.Item); had {
					err = eng.RemovePosition(p.Party, p.Item)
				}
				if err != nil {
					break
				}
			}
		}
	}
	var agreedNow []string
	if err == nil {
		agreedNow, err = eng.Agreed()
	}
	if err != nil {
		h.mu.Lock()
		as.engine, as.rebuild = nil, true
		h.mu.Unlock()
		h.s.log.Warn("evaluating the agreement for live streams", "talks", talks, "err", err)
		return
	}
	// now holds every item: a new item is news even while not agreed.
	now := make(map[string]bool, len(itemVis))
	for id := range itemVis {
		now[id] = false
	}
	for _, id := range agreedNow {
		now[id] = true
	}
	h.mu.Lock()
	prev := as.agreed
	as.engine, as.agreed = eng, now
	h.mu.Unlock()
	// Those who see the message must see every item it names.
	changed := map[string]string{}
	agreed := []string{}
	for id, v := range itemVis {
		if !covers(v, vis) {
			continue
		}
		if now[id] {
			agreed = append(agreed, id)
		}
		if was, known := prev[id]; !known || was != now[id] {
			changed[id] = agreement.StatusNotAgreed
			if now[id] {
				changed[id] = agreement.StatusAgreed
			}
		}
	}
	if len(changed) == 0 {
		return
	}
	slices.Sort(agreed)
	b, _ := json.Marshal(map[string]any{"size": size, "changed": changed, "agreed": agreed})
	h.send(talks, []message{message{id: size - 1, event: "agreement", data: b, vis: vis}.framed()})
}

// covers reports whether everyone who sees messages of visibility msg may
// see an item of visibility item.
func covers(item, msg string) bool {
	switch item {
	case parley.VisPublic:
		return true
	case parley.VisParticipants:
		return msg != parley.VisPublic
	}
	return msg == parley.VisMediators
}

// handleStream serves GET /api/v1/talks/{id}/stream.
func (s *Server) handleStream(w http.ResponseWriter, r *http.Request) error {
	talks := r.PathValue("id")
	key := viewerKey(r)
	var viewer state.Viewer
	err := s.l.View(r.Context(), talks, func(st *state.Talks, _ parley.Checkpoint) error {
		viewer = st.ViewerOf(key)
		return nil
	})
	if err != nil {
		return err
	}
	last := int64(-1)
	if v := r.Header.Get("Last-Event-ID"); v != "" {
		if last, err = strconv.ParseInt(v, 10, 64); err != nil || last < -1 {
			return parley.Errorf(parley.EINVALID, "Last-Event-ID must be a log index")
		}
	} else if v := r.URL.Query().Get("after"); v != "" {
		if last, err = strconv.ParseInt(v, 10, 64); err != nil || last < -1 {
			return parley.Errorf(parley.EINVALID, "query parameter \"after\" must be a log index, or -1 for the whole log")
		}
	} else {
		last = -2 // live only
	}
	perID := s.cfg.StreamsPerID
	if key == "" {
		perID = 0 // the public counts against the global limit only
	}
	sb := &sub{talks: talks, id: s.limitID(r, key), viewer: viewer, ch: make(chan message, s.cfg.StreamBuffer)}
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
				return nil // dropped: too slow, or shutting down
			}
			if m.event == "event" && m.id <= sent {
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
					if m.event == "event" && m.id <= sent {
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

// backlog writes the events after last that the viewer may see, up to the
// log's current size, and returns the last index written (or checked).
func (s *Server) backlog(ctx context.Context, talks string, v state.Viewer, last int64, write func(message) error) (int64, error) {
	var size int64
	var vis []string
	var visible []bool
	err := s.l.View(ctx, talks, func(st *state.Talks, _ parley.Checkpoint) error {
		size = st.Size
		for i := last + 1; i < size; i++ {
			visible = append(visible, st.VisibleAt(v, i))
			vis = append(vis, st.VisibilityAt(i))
		}
		return nil
	})
	if err != nil {
		return last, err
	}
	for from := last + 1; from < size; from += 1000 {
		to := min(from+1000, size)
		entries, err := s.l.Store().Entries(ctx, talks, from, to)
		if err != nil {
			return last, err
		}
		for _, en := range entries {
			k := en.Index - (last + 1)
			if !visible[k] {
				continue
			}
			e, err := parley.DecodeEvent(en.Event)
			if err != nil {
				return last, err
			}
			b, _ := json.Marshal(eventJSON(en, e, vis[k]))
			if err := write(message{id: en.Index, event: "event", data: b}); err != nil {
				return last, err
			}
		}
	}
	return size - 1, nil
}
