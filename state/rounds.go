package state

import (
	"slices"
	"time"

	"github.com/parleyhq/parley"
)

// Round statuses.
const (
	RoundPlanned = "planned"
	RoundOpen    = "open"
	RoundClosed  = "closed"
)

// Invitation statuses.
const (
	Invited  = "invited"
	Accepted = "accepted"
	Declined = "declined"
)

// A Round is a meeting of the talks.
type Round struct {
	ID          string        `json:"id"`
	Title       string        `json:"title"`
	Starts      string        `json:"starts"`
	Ends        string        `json:"ends"`
	Venue       string        `json:"venue"`
	Status      string        `json:"status"`
	Planned     int64         `json:"planned"` // log index of the event that planned it
	Opened      time.Time     `json:"opened,omitzero"`
	Closed      time.Time     `json:"closed,omitzero"`
	OpenedAt    int64         `json:"opened_index,omitempty"` // log index of the event that opened it, 0 if none
	ClosedAt    int64         `json:"closed_index,omitempty"` // log index of the event that closed it (and its note), 0 if none
	Note        string        `json:"note,omitempty"`
	Invitations []*Invitation `json:"invitations"`
	Sandbox     bool          `json:"sandbox,omitempty"` // a round for practice (parley.PlanRound)
}

// Invitation returns the invitation of a party to the round, or nil.
func (r *Round) Invitation(party string) *Invitation {
	for _, inv := range r.Invitations {
		if inv.Party == party {
			return inv
		}
	}
	return nil
}

// An Invitation is a party asked to a round and its answer.
type Invitation struct {
	Party    string    `json:"party"`
	Status   string    `json:"status"`
	Reason   string    `json:"reason,omitempty"`
	Answered time.Time `json:"answered,omitzero"`
	Index    int64     `json:"index"` // of the latest event about it
	// History holds every event about the invitation in log order: the
	// invitation itself (status invited), then each answer.
	History []InvitationEvent `json:"history"`
}

// An InvitationEvent is the invitation of a party to a round, or an answer
// to it.
type InvitationEvent struct {
	Status string    `json:"status"`
	Reason string    `json:"reason,omitempty"`
	At     time.Time `json:"at"`
	Index  int64     `json:"index"`
}

// Round returns the round with the given id, or nil.
func (t *Talks) Round(id string) *Round { return t.rounds[id] }

// OpenRound returns the round that is open, or nil.
func (t *Talks) OpenRound() *Round {
	for _, r := range t.Rounds {
		if r.Status == RoundOpen {
			return r
		}
	}
	return nil
}

// CurrentRound returns the open round, else the latest round that was
// opened, else nil.
func (t *Talks) CurrentRound() *Round {
	var cur *Round
	for _, r := range t.Rounds {
		if r.Status == RoundOpen {
			return r
		}
		if r.Status == RoundClosed && (cur == nil || r.Opened.After(cur.Opened)) {
			cur = r
		}
	}
	return cur
}

// Participants returns the parties taking part in the current round:
// invited and not declined. Before any round, every party takes part.
func (t *Talks) Participants() []string {
	r := t.CurrentRound()
	if r == nil {
		return slices.Clone(t.PartyOrder)
	}
	var ps []string
	for _, inv := range r.Invitations {
		if inv.Status != Declined {
			ps = append(ps, inv.Party)
		}
	}
	return ps
}

func init() {
	on(parley.KindPlanRound, (*Talks).planRound)
	on(parley.KindOpenRound, (*Talks).openRound)
	on(parley.KindCloseRound, (*Talks).closeRound)
	on(parley.KindInvite, (*Talks).invite)
	on(parley.KindAcceptInvitation, (*Talks).answer)
	on(parley.KindDeclineInvitation, (*Talks).answer)
}

func (t *Talks) planRound(c act, p *parley.PlanRound) (func(), error) {
	if err := checkID("round", p.Round); err != nil {
		return nil, err
	}
	if t.rounds[p.Round] != nil {
		return nil, parley.Errorf(parley.ECONFLICT, "round %q is already planned; pick another round id", p.Round)
	}
	if err := checkName("title", p.Title); err != nil {
		return nil, err
	}
	if err := checkText("venue", p.Venue, false); err != nil {
		return nil, err
	}
	s, err1 := time.Parse(time.DateOnly, p.Starts)
	f, err2 := time.Parse(time.DateOnly, p.Ends)
	if err1 != nil || err2 != nil {
		return nil, parley.Errorf(parley.EINVALID, "payload fields \"starts\" and \"ends\": want dates as YYYY-MM-DD")
	}
	if f.Before(s) {
		return nil, parley.Errorf(parley.EINVALID, "payload field \"ends\": the round ends (%s) before it starts (%s)", p.Ends, p.Starts)
	}
	return func() {
		r := &Round{ID: p.Round, Title: p.Title, Starts: p.Starts, Ends: p.Ends, Venue: p.Venue, Status: RoundPlanned, Planned: c.index, Sandbox: p.Sandbox}
		t.Rounds = append(t.Rounds, r)
		t.rounds[r.ID] = r
	}, nil
}

func (t *Talks) openRound(c act, p *parley.RoundRef) (func(), error) {
	r, err := t.roundOf(c, p.Round)
	if err != nil {
		return nil, err
	}
	switch r.Status {
	case RoundOpen:
		return nil, parley.Errorf(parley.ECONFLICT, "round %q is open already; only a planned round can be opened", r.ID)
	case RoundClosed:
		return nil, parley.Errorf(parley.ECONFLICT, "round %q is closed; only a planned round can be opened", r.ID)
	}
	if o := t.OpenRound(); o != nil {
		return nil, parley.Errorf(parley.ECONFLICT, "round %q is still open; close it before opening %q", o.ID, r.ID)
	}
	return func() { r.Status, r.Opened, r.OpenedAt = RoundOpen, c.at, c.index }, nil
}

func (t *Talks) closeRound(c act, p *parley.CloseRound) (func(), error) {
	r, err := t.roundOf(c, p.Round)
	if err != nil {
		return nil, err
	}
	switch r.Status {
	case RoundPlanned:
		return nil, parley.Errorf(parley.ECONFLICT, "round %q is planned, not open; only an open round can be closed", r.ID)
	case RoundClosed:
		return nil, parley.Errorf(parley.ECONFLICT, "round %q is closed already; only an open round can be closed", r.ID)
	}
	if err := checkText("note", p.Note, false); err != nil {
		return nil, err
	}
	return func() { r.Status, r.Closed, r.ClosedAt, r.Note = RoundClosed, c.at, c.index, p.Note }, nil
}

func (t *Talks) invite(c act, p *parley.Invitation) (func(), error) {
	r, err := t.roundOf(c, p.Round)
	if err != nil {
		return nil, err
	}
	if err := t.checkParty(p.Party); err != nil {
		return nil, err
	}
	if r.Invitation(p.Party) != nil {
		return nil, parley.Errorf(parley.ECONFLICT, "party %q is already invited to round %q", p.Party, r.ID)
	}
	if p.Reason != "" {
		return nil, parley.Errorf(parley.EINVALID, "payload field \"reason\": an invitation carries no reason")
	}
	return func() {
		r.Invitations = append(r.Invitations, &Invitation{Party: p.Party, Status: Invited, Index: c.index,
			History: []InvitationEvent{{Status: Invited, At: c.at, Index: c.index}}})
	}, nil
}

// answer checks an acceptance or a refusal of an invitation.
func (t *Talks) answer(c act, p *parley.Invitation) (func(), error) {
	r, err := t.roundOf(c, p.Round)
	if err != nil {
		return nil, err
	}
	inv := r.Invitation(p.Party)
	if inv == nil || !t.VisibleAt(t.signer(c.e), inv.History[0].Index) {
		return nil, parley.Errorf(parley.ENOTFOUND, "party %q is not invited to round %q", p.Party, r.ID)
	}
	status := Accepted
	if c.e.Kind == parley.KindDeclineInvitation {
		status = Declined
		if err := checkText("reason", p.Reason, true); err != nil {
			return nil, parley.Errorf(parley.EINVALID, "%v: a party that declines states its reason", err)
		}
	} else if err := checkText("reason", p.Reason, false); err != nil {
		return nil, err
	}
	switch {
	case inv.Status == status && status == Accepted:
		return nil, parley.Errorf(parley.ECONFLICT, "party %q has already accepted the invitation to round %q", p.Party, r.ID)
	case inv.Status == status:
		return nil, parley.Errorf(parley.ECONFLICT, "party %q has already declined the invitation to round %q", p.Party, r.ID)
	}
	return func() {
		inv.Status, inv.Reason, inv.Answered, inv.Index = status, p.Reason, c.at, c.index
		inv.History = append(inv.History, InvitationEvent{Status: status, Reason: p.Reason, At: c.at, Index: c.index})
	}, nil
}

// roundOf returns the round an act names, which must not be closed unless
// the act opens or closes it. A round whose planning the signer may not
// see is refused as one that does not exist.
func (t *Talks) roundOf(c act, id string) (*Round, error) {
	r := t.rounds[id]
	if r == nil || !t.VisibleAt(t.signer(c.e), r.Planned) {
		return nil, parley.Errorf(parley.ENOTFOUND, "payload field \"round\": no round %q; plan it first", id)
	}
	if r.Status == RoundClosed && c.e.Kind != parley.KindOpenRound && c.e.Kind != parley.KindCloseRound {
		return nil, parley.Errorf(parley.ECONFLICT, "round %q is closed; no more acts can be recorded in it", r.ID)
	}
	return r, nil
}

// An activity is what a party does only at a round's table, with the
// messages that refuse it: whole sentences, each a key of the catalogs,
// formatted with the party and the round where they name them.
type activity struct {
	noRoundYet   parley.Phrase // no round was held yet
	noneOpen     parley.Phrase // no round is open
	notInvited   parley.Phrase // party, round: not invited to the round
	declinedLast parley.Phrase // party, round: declined the last round held
	declined     parley.Phrase // party, round: declined the open round
}

var (
	takeStances = activity{
		noRoundYet:   parley.Key("no round has been held yet; parties take stances once a round is open"),
		noneOpen:     parley.Key("no round is open; parties take stances only while a round is open"),
		notInvited:   parley.Key("party %q is not invited to round %q and cannot take stances in it"),
		declinedLast: parley.Key("party %q declined round %q, the last round held, and cannot take stances until it sits at a round's table"),
		declined:     parley.Key("party %q declined round %q and cannot take stances in it; accept the invitation first"),
	}
	flagDivergences = activity{
		noRoundYet:   parley.Key("no round has been held yet; parties flag divergences once a round is open"),
		noneOpen:     parley.Key("no round is open; parties flag divergences only while a round is open"),
		notInvited:   parley.Key("party %q is not invited to round %q and cannot flag divergences in it"),
		declinedLast: parley.Key("party %q declined round %q, the last round held, and cannot flag divergences until it sits at a round's table"),
		declined:     parley.Key("party %q declined round %q and cannot flag divergences in it; accept the invitation first"),
	}
	proposeAmendments = activity{
		noRoundYet:   parley.Key("no round has been held yet; parties propose amendments once a round is open"),
		noneOpen:     parley.Key("no round is open; parties propose amendments only while a round is open"),
		notInvited:   parley.Key("party %q is not invited to round %q and cannot propose amendments in it"),
		declinedLast: parley.Key("party %q declined round %q, the last round held, and cannot propose amendments until it sits at a round's table"),
		declined:     parley.Key("party %q declined round %q and cannot propose amendments in it; accept the invitation first"),
	}
)

// refuse returns the error of a code that says a message of an activity.
func refuse(code string, msg parley.Phrase, args ...any) *parley.Error {
	return parley.Errorf(code, msg.Format, args...)
}

// checkAtTable checks that party sits at the open round's table, and
// returns that round. With between set, a party may also act while no
// round is open if it sat at the table of the round that closed last:
// a capital's answer after the round (confirming or withdrawing support)
// is recorded between rounds.
func (t *Talks) checkAtTable(party string, what activity, between bool) (*Round, error) {
	r := t.OpenRound()
	if r == nil && between {
		r = t.CurrentRound()
	}
	if r == nil {
		if between {
			return nil, refuse(parley.ECONFLICT, what.noRoundYet)
		}
		return nil, refuse(parley.ECONFLICT, what.noneOpen)
	}
	inv := r.Invitation(party)
	switch {
	case inv == nil:
		return nil, refuse(parley.EFORBIDDEN, what.notInvited, party, r.ID)
	case inv.Status == Declined:
		if r.Status != RoundOpen {
			return nil, refuse(parley.EFORBIDDEN, what.declinedLast, party, r.ID)
		}
		return nil, refuse(parley.EFORBIDDEN, what.declined, party, r.ID)
	}
	return r, nil
}
