package web

import (
	"net/http"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/i18n"
)

// langCookie remembers the language a reader chose with the switch.
const langCookie = "parley_lang"

// varyLanguage is the Vary of a response in the reader's language: the
// session (a cookie or a bearer token) decides what it shows, and the
// language cookie or Accept-Language the language it says it in.
const varyLanguage = "Cookie, Authorization, Accept-Language"

// printer returns the printer of a request's language: the one the switch
// remembered, else the best match of Accept-Language, else English.
func (h *handler) printer(r *http.Request) *i18n.Printer {
	choice := ""
	if c, err := r.Cookie(langCookie); err == nil {
		choice = c.Value
	}
	return i18n.For(i18n.Match(choice, r.Header.Get("Accept-Language")))
}

// switchLanguage remembers a reader's language for a year and sends them
// back to the page they were on: GET /lang/ar?next=/talks/x.
func (h *handler) switchLanguage(w http.ResponseWriter, r *http.Request) {
	code := r.PathValue("code")
	var tag string
	for _, t := range i18n.Tags {
		if i18n.Code(t) == code {
			tag = code
		}
	}
	if tag == "" {
		p := h.printer(r)
		h.render(w, r, &page{Name: "error", Title: p.T("Error"), Status: http.StatusNotFound,
			Data: p.Error(parley.Errorf(parley.ENOTFOUND, "the interface is not written in %q; choose English, Arabic or Russian", code))})
		return
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: tag, Path: "/", MaxAge: 365 * 24 * 3600, HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, localPath(r.URL.Query().Get("next")), http.StatusSeeOther)
}
