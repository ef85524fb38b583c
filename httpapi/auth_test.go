package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"tsunagu"
	"tsunagu/httpapi"
)

// TestRoutes_Roles calls every API route as nobody, agent, supervisor and
// admin, and checks the server's answer against the role the route needs.
func TestRoutes_Roles(t *testing.T) {
	e := newEnv(t)
	clients := map[tsunagu.Role]*client{
		tsunagu.RoleAgent:      e.login("a-agent"),
		tsunagu.RoleSupervisor: e.login("a-supervisor"),
		tsunagu.RoleAdmin:      e.login("a-admin"),
	}
	anon := e.anon()
	for _, rt := range e.api.Routes() {
		min, _ := e.api.RouteRole(rt)
		method, pattern, _ := strings.Cut(rt, " ")
		path := strings.ReplaceAll(pattern, "{id}", "zzz")
		if pattern == "/api/v1/auth/logout" || pattern == "/api/v1/auth/login" {
			continue // they change the client's own login; TestLogin covers them
		}
		t.Run(rt, func(t *testing.T) {
			var body any
			if method != "GET" && method != "DELETE" {
				body = "{}"
			}
			res := anon.do(method, path, body)
			if min == "" {
				if res.StatusCode == 401 || res.StatusCode == 403 {
					t.Fatalf("public route: anonymous got %d", res.StatusCode)
				}
				return
			}
			if res.StatusCode != 401 || res.problem().Code != tsunagu.EUNAUTHORIZED {
				t.Fatalf("anonymous got %d, want 401", res.StatusCode)
			}
			for role, c := range clients {
				res := c.do(method, path, body)
				allowed := role.AtLeast(min)
				if allowed && (res.StatusCode == 401 || res.StatusCode == 403) {
					t.Errorf("%s got %d (%s), route needs %s", role, res.StatusCode, res.body, min)
				}
				if !allowed && (res.StatusCode != 403 || res.problem().Code != tsunagu.EFORBIDDEN) {
					t.Errorf("%s got %d, want 403 (route needs %s)", role, res.StatusCode, min)
				}
			}
		})
	}
}

func TestLogin(t *testing.T) {
	e := newEnv(t)
	t.Run("OK", func(t *testing.T) {
		c := e.login("a-agent")
		if c.me.User.Username != "a-agent" || c.me.Agent == nil || c.me.Agent.State != tsunagu.AgentOffline || c.csrf == "" {
			t.Fatalf("me = %+v", c.me)
		}
		res := c.do("GET", "/api/v1/me", nil)
		if res.StatusCode != 200 {
			t.Fatalf("me: %d", res.StatusCode)
		}
		// The cookie is HttpOnly and SameSite.
		anon := e.anon()
		res = anon.do("POST", "/api/v1/auth/login", `{"username":"a-agent","password":"`+testPassword+`"}`)
		ck := res.Header.Get("Set-Cookie")
		if !strings.Contains(ck, "HttpOnly") || !strings.Contains(ck, "SameSite=Lax") {
			t.Fatalf("cookie %q", ck)
		}
	})
	t.Run("ErrUnauthorized", func(t *testing.T) {
		anon := e.anon()
		wrong := anon.do("POST", "/api/v1/auth/login", `{"username":"a-agent","password":"nope-nope"}`)
		ghost := anon.do("POST", "/api/v1/auth/login", `{"username":"ghost","password":"nope-nope"}`)
		if wrong.StatusCode != 401 || ghost.StatusCode != 401 {
			t.Fatalf("got %d and %d, want 401", wrong.StatusCode, ghost.StatusCode)
		}
		// Same answer whether or not the user exists.
		if wrong.problem().Detail != ghost.problem().Detail {
			t.Fatalf("answers differ: %s vs %s", wrong.body, ghost.body)
		}
	})
	t.Run("CSRF", func(t *testing.T) {
		c := e.login("a-agent")
		csrf := c.csrf
		c.csrf = ""
		res := c.do("PUT", "/api/v1/me/state", `{"state":"available"}`)
		if res.StatusCode != 403 || res.problem().Field != "X-CSRF-Token" {
			t.Fatalf("write without CSRF token: %d %s", res.StatusCode, res.body)
		}
		c.csrf = csrf
		res = c.do("PUT", "/api/v1/me/state", `{"state":"available"}`)
		if res.StatusCode != 200 {
			t.Fatalf("with token: %d %s", res.StatusCode, res.body)
		}
		var a tsunagu.Agent
		res.json(&a)
		if a.State != tsunagu.AgentAvailable {
			t.Fatalf("state = %s", a.State)
		}
		// A form post (no JSON content type) is refused before it reads anything.
		res = c.do("PUT", "/api/v1/me/state", nil, "Content-Type", "application/x-www-form-urlencoded")
		if res.StatusCode != 400 {
			t.Fatalf("form post: %d", res.StatusCode)
		}
	})
	t.Run("Lockout", func(t *testing.T) {
		anon := e.anon()
		for i := 0; i < 5; i++ {
			if res := anon.do("POST", "/api/v1/auth/login", `{"username":"b-agent","password":"wrong-wrong"}`); res.StatusCode != 401 {
				t.Fatalf("attempt %d: %d", i, res.StatusCode)
			}
		}
		res := anon.do("POST", "/api/v1/auth/login", `{"username":"b-agent","password":"`+testPassword+`"}`)
		if res.StatusCode != 429 || res.Header.Get("Retry-After") == "" || res.problem().Code != tsunagu.ERATELIMITED {
			t.Fatalf("after 5 failures the right password got %d %s, want 429 with Retry-After", res.StatusCode, res.body)
		}
	})
	t.Run("Logout", func(t *testing.T) {
		c := e.login("a-supervisor")
		if res := c.do("POST", "/api/v1/auth/logout", nil); res.StatusCode != 204 {
			t.Fatalf("logout: %d", res.StatusCode)
		}
		if res := c.do("GET", "/api/v1/me", nil); res.StatusCode != 401 {
			t.Fatalf("after logout: %d", res.StatusCode)
		}
	})
	t.Run("Password", func(t *testing.T) {
		c := e.login("b-supervisor")
		res := c.do("PUT", "/api/v1/me/password", `{"current_password":"wrong","new_password":"a new long one"}`)
		if res.StatusCode != 400 || res.problem().Field != "current_password" {
			t.Fatalf("wrong current: %d %s", res.StatusCode, res.body)
		}
		res = c.do("PUT", "/api/v1/me/password", `{"current_password":"`+testPassword+`","new_password":"short"}`)
		if res.StatusCode != 400 || res.problem().Field != "new_password" {
			t.Fatalf("short: %d %s", res.StatusCode, res.body)
		}
	})
}

func TestTokens(t *testing.T) {
	e := newEnv(t)
	admin := e.login("a-admin")
	res := admin.do("POST", "/api/v1/tokens", `{"name":"crm","role":"supervisor"}`)
	if res.StatusCode != 201 {
		t.Fatalf("create: %d %s", res.StatusCode, res.body)
	}
	var tok httpapi.TokenCreated
	res.json(&tok)
	bearer := e.anon()
	// A token needs no CSRF header and acts with its role.
	res = bearer.do("GET", "/api/v1/agents", nil, "Authorization", "Bearer "+tok.Secret)
	if res.StatusCode != 200 {
		t.Fatalf("supervisor route with token: %d", res.StatusCode)
	}
	res = bearer.do("GET", "/api/v1/users", nil, "Authorization", "Bearer "+tok.Secret)
	if res.StatusCode != 403 {
		t.Fatalf("admin route with supervisor token: %d", res.StatusCode)
	}
	// The secret is shown once; listing does not reveal it.
	res = admin.do("GET", "/api/v1/tokens", nil)
	if strings.Contains(string(res.body), tok.Secret) || strings.Contains(string(res.body), `"hash"`) {
		t.Fatalf("token list leaks the secret: %s", res.body)
	}
	if res := admin.do("DELETE", "/api/v1/tokens/"+string(tok.ID), nil); res.StatusCode != 204 {
		t.Fatalf("revoke: %d", res.StatusCode)
	}
	res = bearer.do("GET", "/api/v1/agents", nil, "Authorization", "Bearer "+tok.Secret)
	if res.StatusCode != 401 {
		t.Fatalf("revoked token: %d", res.StatusCode)
	}
	// Tokens of tenant a cannot be revoked from tenant b.
	res = admin.do("POST", "/api/v1/tokens", `{"name":"other","role":"agent"}`)
	res.json(&tok)
	if res := e.login("b-admin").do("DELETE", "/api/v1/tokens/"+string(tok.ID), nil); res.StatusCode != 404 {
		t.Fatalf("cross-tenant revoke: %d", res.StatusCode)
	}
	_ = http.StatusOK
}
