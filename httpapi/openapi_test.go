package httpapi_test

import (
	"encoding/json"
	"net/url"
	"sort"
	"strings"
	"testing"

	"tsunagu/httpapi"
)

// TestOpenAPI_MatchesRoutes keeps openapi.json and the route table in step:
// the same paths and methods, and the same least role for each.
func TestOpenAPI_MatchesRoutes(t *testing.T) {
	var doc struct {
		OpenAPI string `json:"openapi"`
		Paths   map[string]map[string]struct {
			Role string `json:"x-tsunagu-role"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(httpapi.OpenAPI(), &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi = %q", doc.OpenAPI)
	}
	api := httpapi.New(httpapi.Config{})
	var documented, served []string
	for path, ops := range doc.Paths {
		for method, op := range ops {
			key := strings.ToUpper(method) + " " + path
			documented = append(documented, key)
			role, ok := api.RouteRole(key)
			if !ok {
				continue
			}
			want := string(role)
			if want == "" {
				want = "public"
			}
			if op.Role != want {
				t.Errorf("%s: documented role %q, served %q", key, op.Role, want)
			}
		}
	}
	served = api.Routes()
	sort.Strings(documented)
	sort.Strings(served)
	if strings.Join(documented, "\n") != strings.Join(served, "\n") {
		t.Fatalf("openapi.json and routes differ:\ndocumented:\n%s\n\nserved:\n%s", strings.Join(documented, "\n"), strings.Join(served, "\n"))
	}
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}
