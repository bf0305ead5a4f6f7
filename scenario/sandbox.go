package scenario

import (
	"context"
	"encoding/json"
	"time"

	"github.com/parleyhq/parley"
)

// SandboxRound is the id of the round a demo opens after its replay.
const SandboxRound = "sandbox"

// Sandbox returns the steps that open a sandbox round after the script:
// its mediator plans a round marked as a sandbox (parley.PlanRound), from
// the day of at for a week, invites the parties that sat at the table of
// the script's last round (invited, and not declined), and opens it, each
// act dated at. The record of the script is left as it was before them,
// and a briefing of its rounds does not count the sandbox as a later round;
// a visitor acting as a delegation can take a stance or propose an
// amendment at once.
func (s *Script) Sandbox(at time.Time) []Step {
	var mediator string
	for _, m := range s.Cast {
		if m.Role == parley.RoleMediator && mediator == "" {
			mediator = m.ID
		}
	}
	// The parties at the table of the last round planned.
	var last string
	var parties []string
	declined := map[string]bool{}
	for _, st := range s.Steps {
		var p struct {
			Round string `json:"round"`
			Party string `json:"party"`
		}
		if st.Kind == "" || json.Unmarshal(st.Payload, &p) != nil {
			continue
		}
		switch st.Kind {
		case parley.KindPlanRound:
			last, parties, declined = p.Round, nil, map[string]bool{}
		case parley.KindInvite:
			if p.Round == last {
				parties = append(parties, p.Party)
			}
		case parley.KindDeclineInvitation:
			if p.Round == last {
				declined[p.Party] = true
			}
		case parley.KindAcceptInvitation:
			if p.Round == last {
				declined[p.Party] = false
			}
		}
	}
	if mediator == "" {
		return nil
	}
	at = at.UTC().Truncate(time.Second)
	when := at.Format(time.RFC3339)
	step := func(kind string, payload any) Step {
		b, _ := json.Marshal(payload)
		return Step{At: when, By: mediator, Kind: kind, Payload: b}
	}
	steps := []Step{
		{Note: "After the record: a sandbox round, for a visitor to act in at once. It is marked as a sandbox in the record, and is not part of the talks it follows."},
		step(parley.KindPlanRound, parley.PlanRound{Round: SandboxRound, Title: "Sandbox: a practice round after the record, not part of the talks",
			Starts: at.Format(time.DateOnly), Ends: at.AddDate(0, 0, 6).Format(time.DateOnly), Sandbox: true}),
	}
	for _, p := range parties {
		if !declined[p] {
			steps = append(steps, step(parley.KindInvite, parley.Invitation{Round: SandboxRound, Party: p}))
		}
	}
	return append(steps, step(parley.KindOpenRound, parley.RoundRef{Round: SandboxRound}))
}

// ReplaySandbox signs and appends the steps of Sandbox(at), after the
// script has been replayed with the same keys.
func (s *Script) ReplaySandbox(ctx context.Context, app Appender, ks Keys, origin string, at time.Time) error {
	sb := *s
	sb.Steps = s.Sandbox(at)
	return sb.Replay(ctx, app, ks, origin, nil)
}
