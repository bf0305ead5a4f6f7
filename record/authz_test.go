package record

import (
	"fmt"
	"strings"

	"github.com/parleyhq/parley"
)

// rosterAuth is a small Authorizer for tests: talks.found makes its signer
// the convener; roster events may be signed by the convener or a mediator
// and change the roster; any other event may be signed by anyone on the
// roster.
type rosterAuth struct {
	convener  string
	mediators map[string]bool
	roster    map[string]bool
}

func newRosterAuth() *rosterAuth {
	return &rosterAuth{mediators: map[string]bool{}, roster: map[string]bool{}}
}

func (a *rosterAuth) Authorize(e *parley.Event, _ int64) error {
	switch {
	case e.Kind == parley.KindFoundTalks:
		if a.convener != "" {
			return fmt.Errorf("the talks was already founded by %s", a.convener)
		}
		a.convener = e.Actor
		a.roster[e.Actor] = true
		return nil
	case a.convener == "":
		return fmt.Errorf("the talks is not founded yet")
	case strings.HasPrefix(e.Kind, "roster."):
		if e.Actor != a.convener && !a.mediators[e.Actor] {
			return fmt.Errorf("%s may be signed by the convener or a mediator only", e.Kind)
		}
		switch e.Kind {
		case parley.KindAddMediator:
			var p parley.AddMediator
			if err := parley.DecodePayload(e, &p); err != nil {
				return err
			}
			a.mediators[p.Key], a.roster[p.Key] = true, true
		case parley.KindAddActor:
			var p parley.AddActor
			if err := parley.DecodePayload(e, &p); err != nil {
				return err
			}
			a.roster[p.Key] = true
		case parley.KindRevokeActor:
			var p parley.RevokeActor
			if err := parley.DecodePayload(e, &p); err != nil {
				return err
			}
			delete(a.roster, p.Key)
			delete(a.mediators, p.Key)
		}
		return nil
	case !a.roster[e.Actor]:
		return fmt.Errorf("the signer is not on the roster")
	}
	return nil
}
