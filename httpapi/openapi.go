package httpapi

import (
	_ "embed"
	"net/http"
)

// openapiDoc is the hand-maintained OpenAPI 3.1 description of the routes in
// routes.go; TestOpenAPI_MatchesRoutes fails when the two disagree.
//
//go:embed openapi.json
var openapiDoc []byte

// OpenAPI returns the OpenAPI document.
func OpenAPI() []byte { return openapiDoc }

func (s *Server) openapi(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json")
	_, err := w.Write(openapiDoc)
	return err
}
