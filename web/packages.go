package web

import (
	"encoding/json"
	"net/http"

	"github.com/parleyhq/parley"
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
}

// packagesPage is a mediator's page of the packages of an item (issue
// 20, docs/PACKAGES.md): the exact Pareto frontier, the Nash,
// Kalai–Smorodinsky and maximin packages, the current package's
// improvements and a proposal's distance from each party's best. They are
// computed in the mediator's browser, by the Go of package bargain compiled
// to WebAssembly (cmd/parley-wasm), from preferences that the page opens
// with the mediator's key or that the mediator gives it: the server sends
// the page nothing of them and receives nothing.
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
	return &page{Name: "packages", Title: p.T("Packages of %[1]s · %[2]s", it.ID, s.Title), S: s, Tab: "overview", Data: &packagesData{Item: it, Names: string(b)}}, nil
}
