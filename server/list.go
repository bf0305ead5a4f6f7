package server

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/parleyhq/parley"
)

// The list of talks is read a page at a time from the store, and what it
// says of each talks comes from the talks' first entry, its founding event
// (always public): listing never loads or replays a talks, so its cost is
// that of the page, however many talks the server holds.

// Bounds of a page of the list of talks.
const (
	DefaultTalksPage = 50
	MaxTalksList     = 200
)

// TalksSummary is one talks in the list, as its founding event describes
// it.
type TalksSummary struct {
	ID          string    `json:"id"`
	Title       string    `json:"title"`
	Description string    `json:"description,omitempty"`
	Visibility  string    `json:"visibility"` // the default visibility of its events
	Proximity   bool      `json:"proximity,omitempty"`
	Founded     time.Time `json:"founded"` // the time of the founding event, as its signer's clock saw it
	Size        int64     `json:"size"`    // events in its log
}

// TalksPage is a page of the list of talks, in order of id.
type TalksPage struct {
	Talks []TalksSummary `json:"talks"`
	// Next, when there may be more, is the "after" of the next page: the
	// id of the last talks of this one.
	Next string `json:"next,omitempty"`
}

// ListTalks returns the talks whose ids come after after ("" for the
// first page), at most limit of them (1 to MaxTalksList), each described
// by its founding event. It reads the page's ids, and each talks' size and
// first entry, from the store, and never loads a talks; the web UI and
// the API list talks with it.
func ListTalks(ctx context.Context, store parley.Store, after string, limit int) (TalksPage, error) {
	if limit < 1 || limit > MaxTalksList {
		return TalksPage{}, parley.Errorf(parley.EINVALID, "cannot list %d talks at once: ask for 1 to %d", limit, MaxTalksList)
	}
	// One more than asked, to tell whether there is a next page.
	ids, err := store.ListTalksPage(ctx, after, limit+1)
	if err != nil {
		return TalksPage{}, err
	}
	out := TalksPage{Talks: []TalksSummary{}}
	if len(ids) > limit {
		ids = ids[:limit]
		out.Next = ids[limit-1]
	}
	for _, id := range ids {
		ts, err := summarize(ctx, store, id)
		if err != nil {
			return TalksPage{}, err
		}
		out.Talks = append(out.Talks, ts)
	}
	return out, nil
}

// summarize describes a talks from its size and founding event.
func summarize(ctx context.Context, store parley.Store, id string) (TalksSummary, error) {
	size, err := store.Size(ctx, id)
	if err != nil {
		return TalksSummary{}, err
	}
	first, err := store.Entries(ctx, id, 0, 1)
	if err != nil {
		return TalksSummary{}, err
	}
	if len(first) != 1 {
		return TalksSummary{}, parley.Errorf(parley.EINTERNAL, "talks %q has no first entry", id)
	}
	e, err := parley.DecodeEvent(first[0].Event)
	if err != nil {
		return TalksSummary{}, parley.Wrapf(parley.EINTERNAL, "the founding event of talks %q does not decode: %s", err, id)
	}
	p, ok := e.Act.(*parley.FoundTalks)
	if !ok {
		return TalksSummary{}, parley.Errorf(parley.EINTERNAL, "the first entry of talks %q is not its founding event", id)
	}
	vis := p.Visibility
	if vis == "" {
		vis = parley.VisParticipants
	}
	return TalksSummary{
		ID: id, Title: p.Title, Description: p.Description, Visibility: vis, Proximity: p.Proximity,
		Founded: e.At().UTC(), Size: size,
	}, nil
}

// handleTalksList serves GET /api/v1/talks?limit=N&after=ID: a page of the
// list of talks.
func (s *Server) handleTalksList(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit := DefaultTalksPage
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxTalksList {
			return parley.Errorf(parley.EINVALID, "query parameter \"limit\" must be 1 to %d", MaxTalksList)
		}
		limit = n
	}
	after := q.Get("after")
	if after != "" && !parley.ValidTalksID(after) {
		return parley.Errorf(parley.EINVALID, "query parameter \"after\" must be a talks id: the \"next\" of the page before")
	}
	page, err := ListTalks(r.Context(), s.l.Store(), after, limit)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, page)
}

// checkFounding applies the operator's policy on who may found a talks
// through the API: with Founders set, only the keys it lists may;
// otherwise anyone may, TalksPerHour per client address. It is the host's
// choice, not a rule of the record, so the ledger does not check it, and
// the demo, which appends through the ledger, is not held to it.
func (s *Server) checkFounding(r *http.Request, e *parley.Event) error {
	if e.Kind != parley.KindFoundTalks {
		return nil
	}
	if s.cfg.Founders == nil {
		return s.allowFounding(s.clientAddr(r))
	}
	if !s.cfg.Founders[e.Actor] {
		return parley.Errorf(parley.EFORBIDDEN, "this server lets only the keys its operator lists found a talks, and %s is not one of them: ask the operator to add it to the founders file", e.Actor)
	}
	return nil
}
