package web

import (
	"bytes"
	"context"
	"encoding/base64"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/agreement"
	"github.com/parleyhq/parley/document"
	"github.com/parleyhq/parley/i18n"
	"github.com/parleyhq/parley/server"
	"github.com/parleyhq/parley/state"
	"github.com/parleyhq/parley/words"
)

// A page is what a template renders: the layout's fields and the page's
// own data.
type page struct {
	Name   string // the template
	Title  string
	Status int
	S      *snap  // the talks the page is about, or nil
	Tab    string // the talks tab it shows
	Live   bool   // the page follows live updates
	Data   any

	Viewer viewerInfo
	Demo   *demoInfo
	Lang   *i18n.Printer // the reader's language
	Here   string        // the page's path and query, where the language switch returns
}

// viewerInfo is who is looking, for the page header and the scripts.
type viewerInfo struct {
	Key      string
	Name     string
	Role     string
	DemoID   string // the demo actor holding Key, in demo mode
	OnRoster bool   // the key is on the roster of the page's talks
}

type demoInfo struct {
	Talks   string
	Notice  string
	Actors  []demoActor
	Current string
}

type demoActor struct {
	ID, Name, Role, Party, Key string
	RoleText                   string // the role, with the party, in the reader's language
}

// page adapts a page function to a handler: it renders the page it
// returns, or an error page.
func (h *handler) page(f func(r *http.Request) (*page, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, err := f(r)
		if err != nil {
			switch statusOf(err) {
			case http.StatusServiceUnavailable:
				w.Header().Set("Retry-After", "5") // a few seconds, as the messages say
				h.log.Warn("serving a page", "path", r.URL.Path, "err", err)
			case http.StatusInternalServerError:
				h.log.Error("serving a page", "path", r.URL.Path, "err", err)
			}
			p = &page{Name: "error", Title: h.printer(r).T("Error"), Status: statusOf(err), Data: h.printer(r).Error(err)}
		}
		h.render(w, r, p)
	}
}

func (h *handler) render(w http.ResponseWriter, r *http.Request, p *page) {
	key := server.ViewerKey(r)
	lang := h.printer(r)
	p.Lang = lang
	p.Here = localPath(r.URL.RequestURI())
	p.Viewer = viewerInfo{Key: key}
	if key != "" {
		p.Viewer.Name = lang.T("key %s", shortKey(key))
	}
	if d := h.cfg.Demo; d != nil {
		p.Demo = &demoInfo{Talks: d.Talks, Notice: d.Notice}
		for _, a := range d.Actors {
			da := demoActor{ID: a.ID, Name: a.Name, Role: a.Role, Party: a.Party, Key: a.PublicKey(), RoleText: words.RoleName(lang, a.Role)}
			if a.Party != "" {
				da.RoleText = lang.T("%[1]s of %[2]s", words.RoleName(lang, a.Role), a.Party)
			}
			p.Demo.Actors = append(p.Demo.Actors, da)
			if key != "" && da.Key == key {
				p.Demo.Current = a.ID
				p.Viewer.DemoID = a.ID
				p.Viewer.Name = a.Name
				p.Viewer.Role = da.RoleText
			}
		}
	}
	if p.S != nil && p.S.Viewer.Actor != nil {
		a := p.S.Viewer.Actor
		p.Viewer.Name, p.Viewer.Role, p.Viewer.OnRoster = a.Name, roleText(lang, a), true
	}
	var buf bytes.Buffer
	if err := h.pages[lang.Code()+"/"+p.Name].ExecuteTemplate(&buf, "layout", p); err != nil {
		h.log.Error("rendering a page", "page", p.Name, "err", err)
		w.Header().Set("Vary", varyLanguage)
		http.Error(w, lang.T("The page could not be rendered. Reload it; if it fails again, the server's log says why."), http.StatusInternalServerError)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Content-Language", lang.Code())
	hd.Set("Cache-Control", "no-store")
	hd.Set("Vary", varyLanguage)
	if p.Status != 0 {
		w.WriteHeader(p.Status)
	}
	_, _ = w.Write(buf.Bytes())
}

func (h *handler) funcs(p *i18n.Printer) template.FuncMap {
	return template.FuncMap{
		"t":           htmlPrinter{p}.T,
		"lang":        func() *i18n.Printer { return p },
		"static":      h.staticURL,
		"text":        func(s string) template.HTML { return textHTML(p, s) },
		"plain":       document.ShowBidi,
		"para":        func(s string) template.HTML { return paragraphHTML(p, s) },
		"a":           linkHTML,
		"xa":          explainLinkHTML,
		"ia":          func(talks string, index int64) template.HTML { return indexLinkHTML(p, talks, index) },
		"user":        func(s string) template.HTML { return userHTML(p, "span", s) },
		"userStrong":  func(s string) template.HTML { return userHTML(p, "strong", s) },
		"strong":      func(v any) template.HTML { return wrapHTML("strong", v) },
		"code":        func(v any) template.HTML { return wrapHTML("code", v) },
		"q":           func(s string) template.HTML { return quoteHTML(p, s) },
		"badgeOf":     func(st string) template.HTML { return badgeHTML(p, st) },
		"digits":      func(v any) string { return digits(p, v) },
		"arrow":       func(way string) string { return arrow(p, way) },
		"langName":    func(tag string) string { return langName(p, tag) },
		"langNames":   func(tags []string) string { return langNames(p, tags) },
		"langSelf":    langSelf,
		"languages":   interfaceLanguages,
		"list":        p.List,
		"wrapClass":   wrapClassHTML,
		"party":       func(name, id string) template.HTML { return partyHTML(p, name, id) },
		"absentHTML":  func(a []partyView, d []invitationView) template.HTML { return absentHTML(p, a, d) },
		"partiesHTML": func(ps []partyView) template.HTML { return partiesHTML(p, ps) },
		"kind":        func(k string) string { return kindName(p, k) },
		"roundStatus": func(st string) string { return words.RoundStatus(p, st) },
		"visibility":  func(v string) string { return visibilityName(p, v) },
		"download":    downloadHTML,
		"recordLines": func(talks string, lines []recordLine, agreed bool) template.HTML {
			return recordLinesHTML(p, talks, lines, agreed)
		},
		"wrap": wrapHTML,
		"wrapCurrent": func(v any) template.HTML {
			return template.HTML(`<strong aria-current="true">` + htmlOf(v) + `</strong>`)
		},
		"bracketed": bracketedHTML,
		"ptext": func(s string) template.HTML {
			return template.HTML(`<span dir="auto" class="ptext">` + string(paragraphHTML(p, s)) + `</span>`)
		},
		"digitList":          func(ns []int) string { return digitList(p, ns) },
		"actorNames":         func(as []*state.Actor) template.HTML { return actorNamesHTML(p, as) },
		"statementLanguages": statementLanguages,
		"listHTML":           func(items []template.HTML) template.HTML { return listHTML(p, items) },
		"scriptCatalog":      func() string { return h.staticURL(catalogScript(p)) },
		"hasBidi":            hasBidi,
		"dirOf":              dirOf,
		"status":             func(s string) string { return words.Status(p, s) },
		"time":               func(t time.Time) string { return formatTime(p, t) },
		"date":               func(v any) string { return formatDate(p, v) },
		"num":                func(v any) string { return number(p, v) },
		"condText":           func(s string) string { return words.ConditionText(p, s) },
		"rootHTML":           func(r rootView, item template.HTML) template.HTML { return rootHTML(p, r, item) },
		"short":              shortKey,
		"rule":               func(r parley.Rule) string { return words.Rule(p, r) },
		"stance":             func(x *state.Stance) string { return stanceWords(p, x) },
		"stanceName":         func(s string) string { return words.StanceName(p, s) },
		"add":                func(a, b int64) int64 { return a + b },
		"addi":               func(a, b int) int { return a + b },
		"join":               strings.Join,
		"role":               func(a *state.Actor) string { return roleText(p, a) },
		"eventLink":          eventLink,
		"explainLink":        explainLink,
		"impactLink":         impactLink,
		"blockerHTML":        func(b blockerView) template.HTML { return blockerHTML(p, b) },
		"statusOrder": func() []string {
			return []string{agreement.StatusAgreed, agreement.StatusAgreedAdReferendum, agreement.StatusContested, agreement.StatusNotAgreed, agreement.StatusOscillating}
		},
		"stances": func() []string {
			return []string{parley.StanceSupport, parley.StanceAdReferendum, parley.StanceAbstain, parley.StanceReserve, parley.StanceOppose, parley.StanceConditional}
		},
		"b64": func(b []byte) string { return base64.StdEncoding.EncodeToString(b) },
		"contains": func(list []string, s string) bool {
			for _, x := range list {
				if x == s {
					return true
				}
			}
			return false
		},
	}
}

// queryIndex reads a log index from the query, or -1 when it is absent.
func queryIndex(r *http.Request, name string) (int64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return -1, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, parley.Errorf(parley.EINVALID, "%s=%q is not a log index; give a whole number from 0", name, v)
	}
	return n, nil
}

// homeData is the list of talks, a page at a time.
type homeData struct {
	Talks []server.TalksSummary
	Next  string // the "after" of the next page, or ""
}

func (h *handler) home(r *http.Request) (*page, error) {
	after := r.URL.Query().Get("after")
	if after != "" && !parley.ValidTalksID(after) {
		return nil, parley.Errorf(parley.EINVALID, "after=%q is not a talks id; follow the link to the next page", after)
	}
	tp, err := server.ListTalks(r.Context(), h.l.Store(), after, server.DefaultTalksPage)
	if err != nil {
		return nil, err
	}
	return &page{Name: "home", Title: h.printer(r).T("Talks"), Data: &homeData{Talks: tp.Talks, Next: tp.Next}}, nil
}

func (h *handler) signin(r *http.Request) (*page, error) {
	return &page{Name: "signin", Title: h.printer(r).T("Sign in"), Data: localPath(r.URL.Query().Get("next"))}, nil
}

// localPath returns next if it is a path on this site, else "/": a
// sign-in link can send people back where they were, never elsewhere.
// It must be a rooted path that a browser resolves on this origin: not
// "//host", nor "/\host", nor one that hides a scheme or a host behind
// tabs, newlines or backslashes, which browsers skip or read as slashes.
func localPath(next string) string {
	if next == "" || next[0] != '/' || len(next) > 2048 {
		return "/"
	}
	for _, c := range next {
		if c < 0x20 || c == 0x7f || c == '\\' {
			return "/"
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || strings.HasPrefix(next, "//") {
		return "/"
	}
	return next
}

// overviewData is the talks overview.
type overviewData struct {
	Statuses map[string]string
	Badges   map[string]itemBadge // the statuses told apart by the history (pictures.go)
	History  *history
	Recent   []transition // the latest changes of the agreement
	Earlier  int          // how many came before them
	Items    pageOf[*itemView]
	Actors   pageOf[state.Actor]
}

// overviewPage is how many items, or actors, the overview lists at once.
const overviewPage = 100

// A pageOf is one page of a long list, numbered from 1.
type pageOf[T any] struct {
	List        []T
	Page, Pages int
	Links       []int // the pages, when there are several
}

func paginate[T any](all []T, page, per int) pageOf[T] {
	p := pageOf[T]{Pages: max(1, (len(all)+per-1)/per)}
	p.Page = min(max(1, page), p.Pages)
	p.List = all[(p.Page-1)*per : min(len(all), p.Page*per)]
	if p.Pages > 1 {
		for i := 1; i <= p.Pages; i++ {
			p.Links = append(p.Links, i)
		}
	}
	return p
}

// overviewChanges is how many changes of the agreement the overview lists.
const overviewChanges = 100

func (h *handler) overview(r *http.Request) (*page, error) {
	key := server.ViewerKey(r)
	s, err := h.load(r.Context(), h.printer(r), r.PathValue("id"), key, -1)
	if err != nil {
		return nil, err
	}
	v, err := s.verdict()
	if err != nil {
		return nil, err
	}
	d := &overviewData{Statuses: v.Status}
	if d.History, err = h.history(r.Context(), s); err != nil {
		return nil, err
	}
	d.Badges = s.itemBadges(d.History, v)
	ip, _ := strconv.Atoi(r.URL.Query().Get("items"))
	ap, _ := strconv.Atoi(r.URL.Query().Get("actors"))
	d.Items = paginate(s.Items, ip, overviewPage)
	d.Actors = paginate(s.Actors, ap, overviewPage)
	d.Recent = d.History.Transitions
	if n := len(d.Recent); n > overviewChanges {
		d.Recent, d.Earlier = d.Recent[n-overviewChanges:], n-overviewChanges
	}
	return &page{Name: "overview", Title: s.Title, S: s, Tab: "overview", Live: true, Data: d}, nil
}

// verifyData is what the verification page shows.
type verifyData struct {
	LogKey     string
	Checkpoint *checkpointView
	Witnesses  []string
	Host       string
	Base       string // the URL of this server, as the browser reached it
}

// witnesses returns the names of the keys other than the log's that
// signed a checkpoint.
func (h *handler) witnesses(ctx context.Context, id string, cp parley.Checkpoint) (string, []string, error) {
	vkey, err := h.l.VerifierKey(ctx, id)
	if err != nil {
		return "", nil, err
	}
	return vkey, cosigners(cp.Note, vkey), nil
}

// cosigners lists the names on the signature lines of a checkpoint note
// other than the log's own.
func cosigners(note []byte, vkey string) []string {
	logName, _, _ := strings.Cut(vkey, "+")
	_, sigs, ok := strings.Cut(string(note), "\n\n")
	if !ok {
		return nil
	}
	var out []string
	for _, line := range strings.Split(sigs, "\n") {
		rest, ok := strings.CutPrefix(line, "— ")
		if !ok {
			continue
		}
		name, _, _ := strings.Cut(rest, " ")
		if name != logName {
			out = append(out, name)
		}
	}
	return out
}

func (h *handler) verify(r *http.Request) (*page, error) {
	s, err := h.load(r.Context(), h.printer(r), r.PathValue("id"), server.ViewerKey(r), -1)
	if err != nil {
		return nil, err
	}
	vkey, wit, err := h.witnesses(r.Context(), s.ID, s.Checkpoint)
	if err != nil {
		return nil, err
	}
	host := h.cfg.Host
	if host == "" {
		host, _, _ = strings.Cut(s.Origin, "/talks/")
	}
	return &page{Name: "verify", Title: s.P.T("Verify · %s", s.Title), S: s, Tab: "verify", Data: &verifyData{LogKey: vkey, Checkpoint: newCheckpointView(s.Checkpoint), Witnesses: wit, Host: host, Base: baseURL(r)}}, nil
}

// baseURL is the URL of this server as the request reached it, for
// commands a reader copies.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// stanceAt returns the stance on an item recorded by the event at a log
// index, if the view holds it.
func stanceAt(s *snap, item string, index int64) *state.Stance {
	it := s.Item(item)
	if it == nil {
		return nil
	}
	for _, x := range it.History {
		if x.Index == index {
			return x
		}
	}
	return nil
}
