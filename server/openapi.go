package server

import (
	_ "embed"
	"net/http"
)

// openapi is the OpenAPI 3.1 description of the API.
//
//go:embed openapi/openapi.json
var openapi []byte

func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json")
	_, err := w.Write(openapi)
	return err
}
