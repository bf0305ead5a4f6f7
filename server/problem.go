package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/parleyhq/parley"
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

// titleOf gives each error code's problem title (RFC 9457 §3.1.3).
var titleOf = map[string]string{
	parley.EINVALID:      "The request is malformed or breaks a rule",
	parley.EUNAUTHORIZED: "No valid signature or session",
	parley.EFORBIDDEN:    "The signer or viewer may not do this",
	parley.ENOTFOUND:     "Not found",
	parley.ECONFLICT:     "The act conflicts with the record",
	parley.ETOOLARGE:     "A size limit was exceeded",
	parley.ERATELIMIT:    "Too many requests",
	parley.EUNAVAILABLE:  "A dependency is unavailable; retry later",
	parley.EINTERNAL:     "Internal error",
	parley.ECORRUPT:      "The stored record of this talks fails its checks",
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

// problemOf returns the problem for an error.
func problemOf(err error, instance string) Problem {
	code := parley.ErrorCode(err)
	return Problem{
		Type:     ProblemTypeBase + code,
		Title:    titleOf[code],
		Status:   statusOf[code],
		Detail:   parley.ErrorMessage(err),
		Instance: instance,
		Code:     code,
	}
}

// writeProblem answers with the problem for err as application/problem+json.
func (s *Server) writeProblem(w http.ResponseWriter, r *http.Request, err error) {
	p := problemOf(err, r.URL.Path)
	var pe *parley.Error
	if !errors.As(err, &pe) {
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	} else if p.Status >= 500 {
		s.log.Warn("request failed", "method", r.Method, "path", r.URL.Path, "code", p.Code, "err", err)
	}
	if p.Status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", strconv.Itoa(retrySeconds(err)))
	}
	if p.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="parley"`)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
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
	return writeJSON(w, http.StatusOK, map[string]any{"type": ProblemTypeBase + code, "code": code, "title": title, "status": statusOf[code]})
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
