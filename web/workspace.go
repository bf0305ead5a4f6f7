package web

import (
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
	CanAct     bool   // the party may take stances (and, in an open round, propose amendments) now
	Between    bool   // no round is open: Round is the last one held, and stances are recorded as between rounds
	Why        string // why it may not
	Items      []workspaceItem
	Pages      pageOf[*itemView] // the page of items shown
	AllItems   []string          // every item's id, for the condition builder

	Chair       bool
	Channels    []partyView // the caucus channels a chair may open
	CaucusParty string      // the caucus shown
	Caucus      []caucusMessage
	Sealing     *sealingView // whom a new message of the caucus shown is sealed to (caucus.go)
	MyKey       keyView      // the viewer's published encryption key
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
	Sealed       bool   // the text is sealed: the page opens it with the viewer's key
	Opened       bool   // a sealed text the demo server opened for the demo actor acting
	NotOpened    string // why the demo server could not open it
}

func (h *handler) workspace(r *http.Request) (*page, error) {
	ctx := r.Context()
	key := server.ViewerKey(r)
	s, err := h.load(ctx, h.printer(r), r.PathValue("id"), key, -1)
	if err != nil {
		return nil, err
	}
	p := &page{Name: "workspace", Title: s.P.T("Workspace · %s", s.Title), S: s, Tab: "workspace", Live: true}
	if s.Viewer.Actor == nil {
		return p, nil
	}
	d := &workspaceData{Party: s.Delegation(), Chair: s.Chair(), Rounds: s.Rounds, MyKey: s.myKey()}
	p.Data = d
	v, err := s.verdict()
	if err != nil {
		return nil, err
	}
	if d.Party != "" {
		d.PartyName = s.PartyName(d.Party)
		d.Round = s.OpenRound()
		if d.Round == nil {
			// Between rounds a party that sat at the last round's table
			// may still change its stances: its capital's answer.
			if cur := s.CurrentRound(); cur != nil {
				d.Round, d.Between = cur, true
			}
		}
		if d.Round != nil {
			for i := range d.Round.Invitations {
				if d.Round.Invitations[i].Party == d.Party {
					d.Invitation = &d.Round.Invitations[i]
				}
			}
		}
		switch {
		case d.Round == nil:
			d.Why = s.P.T("No round has been held yet: stances and amendments are recorded once a round is open. A mediator opens the first round.")
		case d.Invitation == nil:
			d.Why = s.P.T("Your party is not invited to round %s.", d.Round.ID)
		case d.Invitation.Status == state.Declined && d.Between:
			d.Why = s.P.T("Your party declined round %s, the last round held; it takes stances again once it sits at a round's table.", d.Round.ID)
		case d.Invitation.Status == state.Declined:
			d.Why = s.P.T("Your party declined round %s; accept the invitation on the overview to take part.", d.Round.ID)
		default:
			d.CanAct = true
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
		if !s.HasParty(d.CaucusParty) {
			return nil, parley.Errorf(parley.ENOTFOUND, "party=%q is not a party of the talks", d.CaucusParty)
		}
	}
	if d.CaucusParty != "" {
		if d.Caucus, err = caucus(s, d.CaucusParty); err != nil {
			return nil, err
		}
		if d.Sealing, err = h.sealing(ctx, s, d.CaucusParty, d.Caucus); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// caucus returns the latest messages of a party's caucus with the
// mediators, if the viewer may read them: that party's actors and the
// mediators.
func caucus(s *snap, party string) ([]caucusMessage, error) {
	if !s.SeesCaucus(party) {
		return nil, parley.Errorf(parley.EFORBIDDEN, "the caucus of %q is open to that party and the mediators only", party)
	}
	msgs := s.CaucusOf(party)
	if len(msgs) > maxCaucusMessages {
		msgs = msgs[len(msgs)-maxCaucusMessages:]
	}
	var out []caucusMessage
	for _, m := range msgs {
		cm := caucusMessage{Index: m.Index, Time: formatTime(s.P, m.At), By: s.ActorName(m.By), Text: m.Text}
		if a := s.Actor(m.By); a != nil && (a.Role == parley.RoleMediator || a.Role == parley.RoleConvener) {
			cm.FromMediator = true
		}
		out = append(out, cm)
	}
	return out, nil
}
