package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"tsunagu"
	"tsunagu/httpapi"
	"tsunagu/inmem"
	"tsunagu/sqlite"
)

const testPassword = "correct horse battery"

// env is a running API over a real SQLite store with two tenants, "a" and
// "b", each with an agent, a supervisor and an admin.
type env struct {
	t     *testing.T
	db    *sqlite.DB
	bus   *inmem.Bus
	api   *httpapi.Server
	srv   *httptest.Server
	users map[string]*tsunagu.User // by username: a-agent, a-supervisor, a-admin, b-...
}

func newEnv(t *testing.T, cfg ...func(*httpapi.Config)) *env {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	bus := &inmem.Bus{}
	db.SetPublish(bus.Publish)
	e := &env{t: t, db: db, bus: bus, users: map[string]*tsunagu.User{}}
	hash, err := httpapi.HashPassword(testPassword)
	if err != nil {
		t.Fatal(err)
	}
	for _, tenant := range []tsunagu.TenantID{"a", "b"} {
		if err := db.CreateTenant(ctx, &tsunagu.Tenant{ID: tenant, Name: "Center " + string(tenant)}); err != nil {
			t.Fatal(err)
		}
		for _, role := range []tsunagu.Role{tsunagu.RoleAgent, tsunagu.RoleSupervisor, tsunagu.RoleAdmin} {
			u := &tsunagu.User{TenantID: tenant, Username: string(tenant) + "-" + string(role), DisplayName: "User " + string(role), Role: role}
			if err := db.CreateUser(ctx, u, hash); err != nil {
				t.Fatal(err)
			}
			e.users[u.Username] = u
		}
	}
	c := httpapi.Config{Store: db, Bus: bus}
	for _, f := range cfg {
		f(&c)
	}
	e.api = httpapi.New(c)
	e.srv = httptest.NewServer(e.api)
	t.Cleanup(func() {
		e.srv.CloseClientConnections()
		e.srv.Close()
	})
	return e
}

// client is a logged-in browser: cookie jar plus the CSRF token.
type client struct {
	e    *env
	http *http.Client
	csrf string
	me   httpapi.Me
}

// login logs username in; it fails the test unless the login succeeds.
func (e *env) login(username string) *client {
	e.t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &client{e: e, http: &http.Client{Jar: jar}}
	res := c.do("POST", "/api/v1/auth/login", map[string]string{"username": username, "password": testPassword})
	if res.StatusCode != 200 {
		e.t.Fatalf("login %s: %d %s", username, res.StatusCode, res.body)
	}
	res.json(&c.me)
	c.csrf = c.me.CSRFToken
	return c
}

// anon is a client with no login.
func (e *env) anon() *client {
	jar, _ := cookiejar.New(nil)
	return &client{e: e, http: &http.Client{Jar: jar}}
}

type response struct {
	*http.Response
	body []byte
	t    *testing.T
}

func (r *response) json(v any) {
	r.t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		r.t.Fatalf("decode %s: %v", r.body, err)
	}
}

// problem decodes a problem+json answer, failing unless it is one.
func (r *response) problem() httpapi.Problem {
	r.t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		r.t.Fatalf("content type %q, want application/problem+json (body %s)", ct, r.body)
	}
	var p httpapi.Problem
	r.json(&p)
	return p
}

// do sends a request; body may be nil, a string (sent raw as JSON) or a
// value to marshal.
func (c *client) do(method, path string, body any, hdr ...string) *response {
	c.e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, c.e.srv.URL+path, rd)
	if err != nil {
		c.e.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.csrf != "" {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return &response{Response: res, body: b, t: c.e.t}
}
