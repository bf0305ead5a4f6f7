package server

import (
	"net/http"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/state"
)

// TalksSummary is one talks in the list.
type TalksSummary struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Size  int64  `json:"size"`
}

func (s *Server) handleTalksList(w http.ResponseWriter, r *http.Request) error {
	ids, err := s.l.Store().ListTalks(r.Context())
	if err != nil {
		return err
	}
	out := []TalksSummary{}
	for _, id := range ids {
		err := s.l.View(r.Context(), id, func(st *state.Talks, _ parley.Checkpoint) error {
			out = append(out, TalksSummary{ID: id, Title: st.Title, Size: st.Size})
			return nil
		})
		if err != nil {
			return err
		}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"talks": out})
}

// checkFounding applies the operator's policy on who may found a talks
// through the API: with Founders set, only the keys it lists may. It is
// the host's choice, not a rule of the record, so the ledger does not
// check it.
func (s *Server) checkFounding(r *http.Request, e *parley.Event) error {
	if e.Kind != parley.KindFoundTalks || s.cfg.Founders == nil {
		return nil
	}
	if !s.cfg.Founders[e.Actor] {
		return parley.Errorf(parley.EFORBIDDEN, "this server lets only the keys its operator lists found a talks, and %s is not one of them: ask the operator to add it to the founders file", e.Actor)
	}
	return nil
}
