// Package web is Parley's user interface in the browser: server-rendered
// pages (html/template, embedded with the static files) that show the
// talks as each viewer may see them, and small JavaScript modules that sign
// acts in the page with the actor's own Ed25519 key and follow the live
// updates of the record.
//
// The pages read without JavaScript. Acting needs it, because every act is
// signed in the browser: the server never sees a private key, except in demo
// mode, where it holds the demo actors' keys and every page says so.
//
// docs/UI.md describes the pages and the signing model.
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/i18n"
	"github.com/parleyhq/parley/ledger"
	"github.com/parleyhq/parley/server"
	"github.com/parleyhq/parley/view"
)

// The vendored modules hold files whose names start with "_", which only
// "all:" embeds.
//
//go:embed templates all:static
var files embed.FS

// Config configures the web UI.
type Config struct {
	// Host is the host part of the log origins, shown where the pages
	// explain how to verify the record. The ledger's origins are used for
	// signing.
	Host string
	// Demo, if set, is the server's demo mode: the server holds these
	// actors' keys, the pages offer to act as each of them, and every page
	// says so.
	Demo *server.Demo
	// Logger receives errors that the pages cannot show; nil discards them.
	Logger *slog.Logger
}

// handler serves the pages of one ledger.
type handler struct {
	l       *ledger.Ledger
	cfg     Config
	log     *slog.Logger
	mux     *http.ServeMux
	pages   map[string]*template.Template // by language and name: "ar/dashboard"
	static  map[string]staticFile         // by path under /static/
	results resultCache
	replays view.Histories
}

type staticFile struct {
	body    []byte
	ctype   string
	version string // a hash of the content, for cache busting
}

// pageNames are the templates of whole pages; each is parsed with the
// layout and the partials.
var pageNames = []string{
	"home", "signin", "overview", "dashboard", "document", "workspace",
	"timeline", "public", "verify", "error", "measure", "packages", "history",
}

// New returns the web UI over a ledger: a handler for every path outside
// /api/, to be given to the server as server.Config.UI, which resolves the
// session before the UI sees a request (server.ViewerKey).
func New(l *ledger.Ledger, cfg Config) (http.Handler, error) {
	if l == nil {
		return nil, errors.New("web.New: the ledger is nil; open the record first")
	}
	h := &handler{l: l, cfg: cfg, log: cfg.Logger, mux: http.NewServeMux(), pages: map[string]*template.Template{}, static: map[string]staticFile{}}
	if h.log == nil {
		h.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if err := h.loadStatic(); err != nil {
		return nil, err
	}
	keys, err := scriptKeys(files)
	if err != nil {
		return nil, err
	}
	for _, tag := range i18n.Tags {
		p := i18n.For(tag)
		// The catalog entries the scripts say, as a script of their own,
		// which browsers cache for good by its version, instead of in
		// every page.
		entries, err := scriptCatalog(p, keys)
		if err != nil {
			return nil, err
		}
		body := []byte("globalThis.parleyCatalog = " + string(entries) + ";\n")
		sum := sha256.Sum256(body)
		h.static[catalogScript(p)] = staticFile{body: body, ctype: "text/javascript; charset=utf-8", version: hex.EncodeToString(sum[:6])}
		funcs := h.funcs(p)
		for k, f := range pictureFuncs(p) {
			funcs[k] = f
		}
		for _, name := range pageNames {
			t, err := template.New(name).Funcs(funcs).ParseFS(files, "templates/layout.html", "templates/partials.html", "templates/pictures.html", "templates/acting.html", "templates/"+name+".html")
			if err != nil {
				return nil, err
			}
			h.pages[p.Code()+"/"+name] = t
		}
	}
	h.routes()
	return h, nil
}

// A route is a pattern of the pages' mux and its handler.
type route struct {
	pattern string
	handler http.HandlerFunc
}

// table lists the routes of the pages.
func (h *handler) table() []route {
	return []route{
		{"GET /{$}", h.page(h.home)},
		{"GET /signin", h.page(h.signin)},
		{"GET /talks/{id}", h.page(h.overview)},
		{"GET /talks/{id}/dashboard", h.page(h.dashboard)},
		{"GET /talks/{id}/dashboard/data", h.dashboardData},
		{"GET /talks/{id}/items/{item}", h.page(h.document)},
		{"GET /talks/{id}/measures/{item}", h.page(h.measure)},
		{"GET /talks/{id}/workspace", h.page(h.workspace)},
		{"GET /talks/{id}/packages", h.packagesPage},
		{"GET /talks/{id}/timeline", h.page(h.timeline)},
		{"GET /talks/{id}/history", h.page(h.historyPage)},
		{"GET /talks/{id}/public", h.page(h.public)},
		{"GET /talks/{id}/verify", h.page(h.verify)},
		{"GET /talks/{id}/condition", h.condition},
		{"GET /lang/{code}", h.switchLanguage},
		{"GET /static/{path...}", h.serveStatic},
		{"GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
			// The pages name no icon; answer browsers that ask anyway.
			w.Header().Set("Cache-Control", "public, max-age=86400")
			w.WriteHeader(http.StatusNoContent)
		}},
		{"/", h.page(func(r *http.Request) (*page, error) {
			return nil, parley.Errorf(parley.ENOTFOUND, "there is no page at %s; start from the list of talks", r.URL.Path)
		})},
	}
}

func (h *handler) routes() {
	for _, rt := range h.table() {
		h.mux.HandleFunc(rt.pattern, rt.handler)
	}
}

// Routes returns the patterns of the pages' routes, so that a test can
// cover every one of them.
func Routes() []string {
	var out []string
	for _, rt := range (&handler{}).table() {
		out = append(out, rt.pattern)
	}
	return out
}

// ServeHTTP sets the headers every response shares and routes the request.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "same-origin")
	hd.Set("X-Frame-Options", "DENY")
	h.mux.ServeHTTP(w, r)
}

// loadStatic reads the embedded static files and hashes each.
func (h *handler) loadStatic() error {
	return fs.WalkDir(files, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := files.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		ctype := "application/octet-stream"
		switch path.Ext(p) {
		case ".css":
			ctype = "text/css; charset=utf-8"
		case ".js":
			ctype = "text/javascript; charset=utf-8"
		case ".svg":
			ctype = "image/svg+xml"
		case ".png":
			ctype = "image/png"
		case ".wasm":
			ctype = "application/wasm"
		}
		h.static[strings.TrimPrefix(p, "static/")] = staticFile{body: b, ctype: ctype, version: hex.EncodeToString(sum[:6])}
		return nil
	})
}

// catalogScript is the path under /static/ of the script that holds the
// entries of p's catalog that the page's scripts say.
func catalogScript(p *i18n.Printer) string { return "i18n/" + p.Code() + ".js" }

// staticURL returns the URL of a static file with its version, so that
// browsers may cache it for good.
func (h *handler) staticURL(p string) string {
	f, ok := h.static[p]
	if !ok {
		h.log.Error("template names a static file that does not exist", "path", p)
		return "/static/" + p
	}
	return "/static/" + p + "?v=" + f.version
}

func (h *handler) serveStatic(w http.ResponseWriter, r *http.Request) {
	f, ok := h.static[r.PathValue("path")]
	if !ok {
		http.Error(w, "no such static file", http.StatusNotFound)
		return
	}
	etag := `"` + f.version + `"`
	w.Header().Set("Content-Type", f.ctype)
	w.Header().Set("ETag", etag)
	if r.URL.Query().Get("v") == f.version {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.body))
}

// statusOf maps error codes to HTTP statuses.
func statusOf(err error) int {
	switch parley.ErrorCode(err) {
	case parley.EINVALID:
		return http.StatusBadRequest
	case parley.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case parley.EFORBIDDEN:
		return http.StatusForbidden
	case parley.ENOTFOUND:
		return http.StatusNotFound
	case parley.ECONFLICT:
		return http.StatusConflict
	case parley.ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case parley.ERATELIMIT:
		return http.StatusTooManyRequests
	case parley.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}
