package web

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"net/http"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/seal"
	"github.com/parleyhq/parley/server"
)

// packagesCSP is the Content-Security-Policy of the packages page: the
// pages' own, with 'wasm-unsafe-eval', without which a browser refuses to
// compile the page's WebAssembly (docs/SECURITY.md says why that is safe
// here). Every other page keeps the policy of ServeHTTP.
const packagesCSP = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// packagesData is what the packages page needs besides the view: the
// item, and the parties' names for the picture, as JSON for the script.
type packagesData struct {
	Item  *itemView
	Names string // {"party ID": "name"}
	// Demo is, in demo mode for a demo actor who may open them, the
	// preferences the demo server opened with the key it holds for that
	// actor, as the JSON of a demoPreferences; "" anywhere else.
	Demo string
}

// demoPreferences is what the demo server opened of the preferences over
// an item's packages for the demo actor viewing the page: the instance in
// the interchange format of docs/PACKAGES.md, as the page computes it, and
// who gave what it holds.
type demoPreferences struct {
	Instance string            `json:"instance"` // "" when nothing opened
	Current  map[string]string `json:"current,omitempty"`
	Opened   []string          `json:"opened"` // the parties whose preferences opened
	Notes    []string          `json:"notes"`  // why others are left out
}

// packagesPage is a mediator's page of the packages of an item (issue
// 20, docs/PACKAGES.md): the exact Pareto frontier, the Nash,
// Kalai–Smorodinsky and maximin packages, the current package's
// improvements and a proposal's distance from each party's best. They are
// computed in the mediator's browser, by the Go of package bargain compiled
// to WebAssembly (cmd/parley-wasm), from preferences that the page opens
// with the mediator's key or that the mediator gives it: the server sends
// the page nothing of them and receives nothing. In demo mode alone, the
// server holds the demo actors' encryption keys, and opens for the demo
// actor viewing the page what that actor may open (openDemoPreferences).
func (h *handler) packagesPage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Security-Policy", packagesCSP)
	h.page(h.packages)(w, r)
}

func (h *handler) packages(r *http.Request) (*page, error) {
	p := h.printer(r)
	s, err := h.load(r.Context(), p, r.PathValue("id"), server.ViewerKey(r), -1)
	if err != nil {
		return nil, err
	}
	if a := s.Viewer.Actor; a == nil || a.Role != parley.RoleMediator || a.Revoked {
		return nil, parley.Errorf(parley.EFORBIDDEN, "only the mediators of talks %q compute its packages, from the preferences the parties seal to them; sign in with a mediator's key", s.ID)
	}
	id := r.URL.Query().Get("item")
	it := s.Item(id)
	if it == nil {
		return nil, parley.Errorf(parley.ENOTFOUND, "talks %q has no item %q that you may see; choose an item on the overview and follow its link to the packages", s.ID, id)
	}
	names := map[string]string{}
	for _, pt := range s.Parties {
		names[pt.ID] = pt.Name
	}
	b, err := json.Marshal(names)
	if err != nil {
		return nil, err
	}
	d := &packagesData{Item: it, Names: string(b)}
	if key := h.demoKey(s); key != nil {
		dp, err := h.openDemoPreferences(r.Context(), s, it.ID, key)
		if err != nil {
			return nil, err
		}
		b, err := json.Marshal(dp)
		if err != nil {
			return nil, err
		}
		d.Demo = string(b)
	}
	return &page{Name: "packages", Title: p.T("Packages of %[1]s · %[2]s", it.ID, s.Title), S: s, Tab: "overview", Data: d}, nil
}

// openDemoPreferences opens, with key, the encryption key the demo server
// holds for the demo actor viewing s, the preferences over an item that
// the viewer's filtered view holds (a mediator's, every party's; a
// party's actor's, its own party's; anyone else's, none), directly or
// through a re-wrap of their key for the actor, and puts those that
// answer the current definition of the issues in one instance of the
// interchange format, each party's entry as it was sealed. Only the demo
// may do this: a real host holds no one's key.
func (h *handler) openDemoPreferences(ctx context.Context, s *snap, item string, key *seal.PrivateKey) (*demoPreferences, error) {
	out := &demoPreferences{Opened: []string{}, Notes: []string{}}
	pv, err := server.PreferencesOf(ctx, h.l, s.Talks, item)
	if err != nil {
		return nil, err
	}
	if pv.Definition == nil {
		return out, nil
	}
	actor, err := parley.ParseKey(s.viewerKey())
	if err != nil {
		return nil, err
	}
	var texts [][]byte
	for _, pp := range pv.Parties {
		if !pp.Current {
			out.Notes = append(out.Notes, s.P.T("%s gave its preferences over an earlier definition of the issues: they are left out until it gives them again.", pp.Party))
			continue
		}
		text, err := h.openPreferences(ctx, s, actor, pp, pv.Rewraps, key)
		if err != nil {
			out.Notes = append(out.Notes, s.P.T("The preferences of %[1]s do not open here: %[2]s", pp.Party, s.P.Error(err)))
			continue
		}
		texts = append(texts, text)
		out.Opened = append(out.Opened, pp.Party)
	}
	if len(texts) == 0 {
		return out, nil
	}
	issues, err := json.Marshal(pv.Definition.Issues)
	if err != nil {
		return nil, err
	}
	out.Instance = `{"issues": ` + string(issues) + ",\n \"parties\": [\n" + string(bytes.Join(texts, []byte(",\n"))) + "]}"
	out.Current = pv.Definition.Current
	return out, nil
}

// openPreferences opens one party's sealed preferences as actor, with key,
// and returns their JSON as sealed, once it has checked that they are the
// preferences of that party.
func (h *handler) openPreferences(ctx context.Context, s *snap, actor ed25519.PublicKey, pp server.PartyPreferencesJSON, rws []server.RewrapJSON, key *seal.PrivateKey) ([]byte, error) {
	e, err := h.event(ctx, s.ID, pp.Index)
	if err != nil {
		return nil, err
	}
	var rewraps []*seal.Rewrap
	for _, rw := range rws {
		if rw.Of != pp.Index || rw.Actor != s.viewerKey() {
			continue
		}
		if x, err := seal.ParseRewrap(rw.Rewrap); err == nil {
			rewraps = append(rewraps, x)
		}
	}
	pt, err := seal.OpenAct(s.Origin, e, ed25519.PublicKey(actor), []*seal.PrivateKey{key}, rewraps)
	if err != nil {
		return nil, err
	}
	var o struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(pt, &o); err != nil || o.ID != pp.Party {
		return nil, parley.Errorf(parley.EINVALID, "they open, but are not the preferences of %s.", pp.Party)
	}
	return pt, nil
}
