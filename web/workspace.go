package web

import (
	"context"
	"net/http"
	"strconv"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/server"
	"github.com/parleyhq/parley/state"
)

// maxCaucusMessages is how many of the latest caucus messages the
// workspace shows.
const maxCaucusMessages = 200

// workspaceData is an actor's workspace.
type workspaceData struct {
	Party      string // the party the viewer acts for, or ""
	PartyName  string
	Round      *roundView
	Invitation *invitationView
	CanAct     bool   // the party may take stances and propose amendments now
	Why        string // why it may not
	Items      []workspaceItem
	Pages      pageOf[*itemView] // the page of items shown
	AllItems   []string          // every item's id, for the condition builder

	Chair       bool
	Channels    []partyView // the caucus channels a chair may open
	CaucusParty string      // the caucus shown
	Caucus      []caucusMessage
	Rounds      []roundView
}

type workspaceItem struct {
	Item     *itemView
	Latest   *state.Version
	Mine     *state.Stance
	Outdated bool
	Status   string
	Others   []string // the other items, as buttons of the condition builder when they are few
}

// workspacePage is how many items the workspace shows at once; quickItems
// how many other items the condition builder offers as buttons.
const (
	workspacePage = 25
	quickItems    = 8
)

type caucusMessage struct {
	Index        int64
	Time, By     string
	FromMediator bool
	Text         string
}

func (h *handler) workspace(r *http.Request) (*page, error) {
	ctx := r.Context()
	key := server.ViewerKey(r)
	s, err := h.load(ctx, r.PathValue("id"), key, -1)
	if err != nil {
		return nil, err
	}
	p := &page{Name: "workspace", Title: "Workspace · " + s.Title, S: s, Tab: "workspace", Live: true}
	if s.Viewer.Actor == nil {
		return p, nil
	}
	d := &workspaceData{Party: s.Delegation(), Chair: s.Chair(), Rounds: s.Rounds}
	p.Data = d
	v, err := s.verdict()
	if err != nil {
		return nil, err
	}
	if d.Party != "" {
		d.PartyName = s.PartyName(d.Party)
		d.Round = s.OpenRound()
		switch {
		case d.Round == nil:
			d.Why = "No round is open: stances and amendments are recorded only while a round is open. A mediator opens the next round."
		default:
			for i := range d.Round.Invitations {
				if d.Round.Invitations[i].Party == d.Party {
					d.Invitation = &d.Round.Invitations[i]
				}
			}
			switch {
			case d.Invitation == nil:
				d.Why = "Your party is not invited to round " + d.Round.ID + "."
			case d.Invitation.Status == state.Declined:
				d.Why = "Your party declined round " + d.Round.ID + "; accept the invitation on the overview to take part."
			default:
				d.CanAct = true
			}
		}
		pg, _ := strconv.Atoi(r.URL.Query().Get("page"))
		d.Pages = paginate(s.Items, pg, workspacePage)
		for _, it := range s.Items {
			d.AllItems = append(d.AllItems, it.ID)
		}
		for _, it := range d.Pages.List {
			wi := workspaceItem{Item: it, Latest: it.Latest(), Mine: it.Stances[d.Party]}
			wi.Status = v.Status[it.ID]
			wi.Outdated = wi.Mine != nil && wi.Mine.Version != it.LatestN
			if len(s.Items) <= quickItems+1 {
				for _, o := range s.Items {
					if o.ID != it.ID {
						wi.Others = append(wi.Others, o.ID)
					}
				}
			}
			d.Items = append(d.Items, wi)
		}
	}
	switch {
	case d.Party != "":
		d.CaucusParty = d.Party
	case d.Chair:
		for _, pv := range s.Parties {
			d.Channels = append(d.Channels, pv)
		}
		d.CaucusParty = r.URL.Query().Get("party")
		if d.CaucusParty == "" && len(s.Parties) > 0 {
			d.CaucusParty = s.Parties[0].ID
		}
		if _, ok := s.partyNames[d.CaucusParty]; !ok {
			return nil, parley.Errorf(parley.ENOTFOUND, "party=%q is not a party of the talks", d.CaucusParty)
		}
	}
	if d.CaucusParty != "" {
		if d.Caucus, err = h.caucus(ctx, s, key, d.CaucusParty); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// caucus returns the latest messages of a party's caucus with the
// mediators, if the viewer may read them: that party's actors and the
// mediators.
func (h *handler) caucus(ctx context.Context, s *snap, key, party string) ([]caucusMessage, error) {
	var indexes []int64
	err := h.l.View(ctx, s.ID, func(st *state.Talks, _ parley.Checkpoint) error {
		v := st.ViewerOf(key)
		vis := parley.VisParty(party)
		if !v.Sees(vis) {
			return parley.Errorf(parley.EFORBIDDEN, "the caucus of %q is open to that party and the mediators only", party)
		}
		for i := st.Size - 1; i >= 0 && len(indexes) < maxCaucusMessages*4; i-- {
			if st.VisibilityAt(i) == vis && st.VisibleAt(v, i) {
				indexes = append(indexes, i)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var out []caucusMessage
	for k := len(indexes) - 1; k >= 0; k-- {
		i := indexes[k]
		entries, err := h.l.Store().Entries(ctx, s.ID, i, i+1)
		if err != nil {
			return nil, err
		}
		if len(entries) != 1 {
			continue
		}
		e, err := parley.DecodeEvent(entries[0].Event)
		if err != nil {
			return nil, err
		}
		if e.Kind != parley.KindCaucus {
			continue
		}
		var c parley.Caucus
		if parley.DecodePayload(e, &c) != nil || c.Party != party {
			continue
		}
		m := caucusMessage{Index: i, Time: formatTime(e.At()), By: s.ActorName(e.Actor), Text: c.Text}
		if a := s.Actor(e.Actor); a != nil && (a.Role == parley.RoleMediator || a.Role == parley.RoleConvener) {
			m.FromMediator = true
		}
		out = append(out, m)
	}
	if len(out) > maxCaucusMessages {
		out = out[len(out)-maxCaucusMessages:]
	}
	return out, nil
}
