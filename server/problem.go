package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/i18n"
)

// statusOf maps error codes to HTTP statuses: the one table of them.
var statusOf = map[string]int{
	parley.EINVALID:      http.StatusBadRequest,
	parley.EUNAUTHORIZED: http.StatusUnauthorized,
	parley.EFORBIDDEN:    http.StatusForbidden,
	parley.ENOTFOUND:     http.StatusNotFound,
	parley.ECONFLICT:     http.StatusConflict,
	parley.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	parley.ERATELIMIT:    http.StatusTooManyRequests,
	parley.EUNAVAILABLE:  http.StatusServiceUnavailable,
	parley.EINTERNAL:     http.StatusInternalServerError,
	parley.ECORRUPT:      http.StatusInternalServerError,
}

// titleOf gives each error code's problem title (RFC 9457 §3.1.3), in
// English: a key of the catalogs, said in the request's language.
var titleOf = map[string]string{
	parley.EINVALID:      i18n.Key("The request is malformed or breaks a rule"),
	parley.EUNAUTHORIZED: i18n.Key("No valid signature or session"),
	parley.EFORBIDDEN:    i18n.Key("The signer or viewer may not do this"),
	parley.ENOTFOUND:     i18n.Key("Not found"),
	parley.ECONFLICT:     i18n.Key("The act conflicts with the record"),
	parley.ETOOLARGE:     i18n.Key("A size limit was exceeded"),
	parley.ERATELIMIT:    i18n.Key("Too many requests"),
	parley.EUNAVAILABLE:  i18n.Key("A dependency is unavailable; retry later"),
	parley.EINTERNAL:     i18n.Key("Internal error"),
	parley.ECORRUPT:      i18n.Key("The stored record of this talks fails its checks"),
}

// printerOf returns the printer of a request's language, by its
// Accept-Language: English when it names none of the interface's
// languages, or is absent.
func printerOf(r *http.Request) *i18n.Printer {
	return i18n.For(i18n.Match("", r.Header.Get("Accept-Language")))
}

// speak sets the headers of a response said in p's language.
func speak(w http.ResponseWriter, p *i18n.Printer) {
	w.Header().Set("Content-Language", p.Code())
	w.Header().Add("Vary", "Accept-Language")
}

// ProblemTypeBase prefixes the stable problem type of each error code:
// "/api/problems/conflict". The server describes each type at that path.
const ProblemTypeBase = "/api/problems/"

// A Problem is an RFC 9457 problem details object.
type Problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail"`
	Instance string `json:"instance,omitempty"`
	Code     string `json:"code"`
}

// problemOf returns the problem for an error, its title and detail said
// by lang; its type and code are the same in every language.
func problemOf(err error, instance string, lang *i18n.Printer) Problem {
	code := parley.ErrorCode(err)
	return Problem{
		Type:     ProblemTypeBase + code,
		Title:    lang.T(titleOf[code]),
		Status:   statusOf[code],
		Detail:   lang.Error(err),
		Instance: instance,
		Code:     code,
	}
}

// writeProblem answers with the problem for err as application/problem+json,
// in the language of the request's Accept-Language.
func (s *Server) writeProblem(w http.ResponseWriter, r *http.Request, err error) {
	lang := printerOf(r)
	p := problemOf(err, r.URL.Path, lang)
	var pe *parley.Error
	if !errors.As(err, &pe) {
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	} else if p.Status >= 500 {
		s.log.Warn("request failed", "method", r.Method, "path", r.URL.Path, "code", p.Code, "err", err)
	}
	switch p.Status {
	case http.StatusTooManyRequests:
		w.Header().Set("Retry-After", strconv.Itoa(retrySeconds(err)))
	case http.StatusServiceUnavailable:
		w.Header().Set("Retry-After", "5") // a few seconds, as the problems say
	}
	if p.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="parley"`)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	speak(w, lang)
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// handleProblemType describes a problem type, so that its URI dereferences.
func (s *Server) handleProblemType(w http.ResponseWriter, r *http.Request) error {
	code := r.PathValue("code")
	title, ok := titleOf[code]
	if !ok {
		return parley.Errorf(parley.ENOTFOUND, "no problem type %q", code)
	}
	lang := printerOf(r)
	speak(w, lang)
	return writeJSON(w, http.StatusOK, map[string]any{"type": ProblemTypeBase + code, "code": code, "title": lang.T(title), "status": statusOf[code]})
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, err = w.Write(append(b, '\n'))
	return err
}
