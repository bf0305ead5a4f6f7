package web

import (
	"context"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/agreement"
	"github.com/parleyhq/parley/i18n"
	"github.com/parleyhq/parley/state"
	"github.com/parleyhq/parley/view"
	"github.com/parleyhq/parley/words"
)

// The pages show a talks through its viewer's view (package view): what
// a page holds is already filtered for the viewer.
type (
	itemView       = view.Item
	roundView      = view.Round
	invitationView = view.Invitation
	partyView      = view.Party
)

// A snap is the view a page renders, with the agreement computed once for
// it (and shared, through the handler's cache, with every page of every
// viewer who sees the same instance).
type snap struct {
	*view.Talks
	P      *i18n.Printer // the reader's language
	cache  *resultCache
	res    *agreement.Result
	resErr error
	ver    *verdict
}

// result evaluates the viewer's agreement instance with explanations.
func (s *snap) result() (*agreement.Result, error) {
	if s.res == nil && s.resErr == nil {
		if s.cache != nil {
			s.res, s.resErr = s.cache.evaluate(s.Inst)
		} else {
			s.res, s.resErr = agreement.Evaluate(s.Inst)
		}
	}
	return s.res, s.resErr
}

// verdict returns each item's status and who blocks it, the cheap way when
// the instance allows it.
func (s *snap) verdict() (*verdict, error) {
	if s.ver != nil {
		return s.ver, nil
	}
	var err error
	if s.cache != nil {
		s.ver, err = s.cache.verdict(s.Inst)
		return s.ver, err
	}
	v, ok, err := lightVerdict(s.Inst)
	if err != nil {
		return nil, err
	}
	if !ok {
		res, err := s.result()
		if err != nil {
			return nil, err
		}
		v = verdictOf(res)
	}
	s.ver = v
	return v, nil
}

// ActorName describes the holder of a key: "Name, head of the delegation
// of X (x)".
func (s *snap) ActorName(key string) string {
	a := s.Actor(key)
	if a == nil {
		return s.P.T("unknown key %s", shortKey(key))
	}
	return words.Actor(s.P, a, s.PartyName(a.Party))
}

// T says a message in the reader's language, for the descriptions of
// acts (parley.Namer).
func (s *snap) T(key string, args ...any) string { return s.P.T(key, args...) }

// roleText describes an actor's role: "head of oppA", "mediator".
func roleText(p *i18n.Printer, a *state.Actor) string {
	role := words.RoleName(p, a.Role)
	if a.Party != "" {
		role = p.T("%[1]s of %[2]s", role, a.Party)
	}
	if a.Revoked {
		return p.T("revoked: %s", role)
	}
	return role
}

func shortKey(k string) string {
	if len(k) > 10 {
		return k[:10] + "…"
	}
	return k
}

// load returns the snap of a talks for the viewer holding key: of now, or,
// when at ≥ 0, of the log's first at+1 events.
func (h *handler) load(ctx context.Context, p *i18n.Printer, id, key string, at int64) (*snap, error) {
	t, err := view.Load(ctx, h.l, id, key, at)
	if err != nil {
		return nil, notFound(err, id)
	}
	t.Localize(p.Code())
	return &snap{Talks: t, P: p, cache: &h.results}, nil
}

// notFound turns the store's answer for an unknown talks into a message
// for people.
func notFound(err error, id string) error {
	if parley.ErrorCode(err) == parley.ENOTFOUND {
		return parley.Errorf(parley.ENOTFOUND, "there is no talks %q on this server; see the list of talks", id)
	}
	return err
}

// stanceWords describes a stance for people: "support", "conditional: M1a
// or M1b is agreed".
func stanceWords(p *i18n.Printer, x *state.Stance) string {
	if x == nil {
		return words.StanceName(p, "")
	}
	if x.Stance == parley.StanceConditional {
		return p.T("conditional: %s", words.ConditionText(p, x.Condition))
	}
	return words.StanceName(p, x.Stance)
}
