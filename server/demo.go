package server

import (
	"crypto/ed25519"
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/seal"
)

// Demo is demo mode: the server holds the demo actors' private keys, so
// that a visitor can act as each of them. This is the one exception to
// "the server never signs for an actor", and every page says so; it
// holds their encryption keys too, and opens what is sealed to the demo
// actor a visitor acts as, which every page says as well.
type Demo struct {
	Talks  string
	Notice string // what is reported and what is reconstructed
	Actors []DemoActor
	// Quotations are the demo's statements whose words a press report
	// quoted, so that the pages can mark them as quoted in the press.
	Quotations []DemoQuotation

	// Hosts are the Host header values (host, or host:port) the demo's
	// API answers to; with none, localhost, 127.0.0.1 and [::1] on any
	// port. A page served from another name, such as one that rebinds its
	// DNS name to this machine, cannot act as a demo actor.
	Hosts []string
}

// allowsHost reports whether a request's Host is one of the demo's.
func (d *Demo) allowsHost(host string) bool {
	host = strings.ToLower(host)
	if len(d.Hosts) == 0 {
		name, _, err := net.SplitHostPort(host)
		if err != nil {
			name = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
		}
		return name == "localhost" || name == "127.0.0.1" || name == "::1"
	}
	for _, h := range d.Hosts {
		if strings.ToLower(h) == host {
			return true
		}
	}
	return false
}

// checkDemoHost refuses a request to the demo's API that names a host
// other than the demo's own: a DNS-rebinding page could otherwise make a
// visitor's browser act as the demo actors.
func (s *Server) checkDemoHost(r *http.Request) error {
	d := s.cfg.Demo
	if d == nil || d.allowsHost(r.Host) {
		return nil
	}
	names := "localhost, 127.0.0.1 or [::1]"
	if len(d.Hosts) > 0 {
		names = strings.Join(d.Hosts, ", ")
	}
	return parley.Errorf(parley.EFORBIDDEN, "the demo answers only at its own addresses (%s), not at %q: open it at one of them", names, r.Host)
}

// A DemoQuotation is a statement of the demo that quotes a real person as
// the press reported them.
type DemoQuotation struct {
	Actor  string // the demo actor's id
	Text   string // the statement's text, word for word
	Source string // where and when the press reported it
}

// Quoted returns the source of a statement by the actor holding key, if
// the demo's script has it quoted from the press.
func (d *Demo) Quoted(key, text string) (string, bool) {
	if d == nil {
		return "", false
	}
	for _, q := range d.Quotations {
		if q.Text != text {
			continue
		}
		if a, err := d.actor(q.Actor); err == nil && a.PublicKey() == key {
			return q.Source, true
		}
	}
	return "", false
}

// A DemoActor is one demo identity.
type DemoActor struct {
	ID    string             `json:"id"`
	Name  string             `json:"name"`
	Role  string             `json:"role"`
	Party string             `json:"party,omitempty"`
	Key   ed25519.PrivateKey `json:"-"`
	// Encryption is the actor's private encryption key, nil if it has
	// none: with it the demo server opens what is sealed to the actor.
	Encryption *seal.PrivateKey `json:"-"`
}

// ActorByKey returns the demo actor holding a public signing key.
func (d *Demo) ActorByKey(key string) (DemoActor, bool) {
	if d == nil {
		return DemoActor{}, false
	}
	for _, a := range d.Actors {
		if a.PublicKey() == key {
			return a, true
		}
	}
	return DemoActor{}, false
}

// PublicKey returns the actor's public key as events write it.
func (a DemoActor) PublicKey() string { return parley.KeyString(a.Key.Public().(ed25519.PublicKey)) }

func (d *Demo) actor(id string) (DemoActor, error) {
	for _, a := range d.Actors {
		if a.ID == id {
			return a, nil
		}
	}
	return DemoActor{}, parley.Errorf(parley.ENOTFOUND, "no demo actor %q", id)
}

func (s *Server) handleDemoInfo(w http.ResponseWriter, r *http.Request) error {
	type actor struct {
		DemoActor
		PublicKey string `json:"key"`
	}
	out := []actor{}
	for _, a := range s.cfg.Demo.Actors {
		out = append(out, actor{a, a.PublicKey()})
	}
	return writeJSON(w, http.StatusOK, map[string]any{
		"talks": s.cfg.Demo.Talks, "notice": s.cfg.Demo.Notice, "actors": out,
		"warning": DemoWarning,
	})
}

// DemoWarning is what the demo says on every page and in its API of the
// keys it holds.
const DemoWarning = "Demo mode: this server holds the demo actors' keys: it signs for them, and opens what is sealed to them (caucus messages, the parties' preferences on the packages page), which a real host cannot read. In real use every act is signed, and everything sealed is opened, on the actor's own device."

func (s *Server) handleDemoSession(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		As string `json:"as"`
	}
	if err := s.decodeBody(w, r, &req, 1<<10); err != nil {
		return err
	}
	a, err := s.cfg.Demo.actor(req.As)
	if err != nil {
		return err
	}
	return s.startSession(w, r, a.PublicKey())
}

// DemoSignRequest asks the demo server to sign and append an act as a demo
// actor.
type DemoSignRequest struct {
	As      string          `json:"as"`
	Talks   string          `json:"talks"`
	Kind    string          `json:"kind"`
	Vis     string          `json:"vis,omitempty"`
	Payload json.RawMessage `json:"payload"`
}

func (s *Server) handleDemoSign(w http.ResponseWriter, r *http.Request) error {
	var req DemoSignRequest
	if err := s.decodeBody(w, r, &req, 1<<20); err != nil {
		return err
	}
	a, err := s.cfg.Demo.actor(req.As)
	if err != nil {
		return err
	}
	e, err := parley.NewEvent(req.Talks, req.Kind, a.Key.Public().(ed25519.PublicKey), time.Now(), req.Payload)
	if err != nil {
		return err
	}
	e.Vis = req.Vis
	se, err := parley.Sign(s.l.Origin(req.Talks), e, a.Key)
	if err != nil {
		return err
	}
	rec, err := s.l.Append(r.Context(), se)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, rec)
}
