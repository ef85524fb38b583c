package httpapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

func TestHealth_DrainAndMetrics(t *testing.T) {
	e := newEnv(t)
	anon := e.anon()
	if res := anon.do("GET", "/healthz", nil); res.StatusCode != 200 {
		t.Fatalf("healthz: %d", res.StatusCode)
	}
	if res := anon.do("GET", "/readyz", nil); res.StatusCode != 200 {
		t.Fatalf("readyz: %d", res.StatusCode)
	}
	e.login("a-agent").do("GET", "/api/v1/queues", nil)
	res := anon.do("GET", "/metrics", nil)
	for _, want := range []string{`tsunagu_http_requests_total{route="GET /api/v1/queues",status="200"} 1`, `tsunagu_logins_total{result="ok"} 1`} {
		if !strings.Contains(string(res.body), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	e.api.Drain()
	res = anon.do("GET", "/readyz", nil)
	if res.StatusCode != 503 || res.Header.Get("Retry-After") == "" || res.problem().Code != "unavailable" {
		t.Fatalf("readyz while draining: %d %s", res.StatusCode, res.body)
	}
}

// TestEvents_CrossOriginRefused: another site's page cannot open a stream
// with the user's cookie.
func TestEvents_CrossOriginRefused(t *testing.T) {
	e := newEnv(t)
	sv := e.login("a-supervisor")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	h := http.Header{"Origin": {"https://evil.example"}}
	for _, ck := range sv.http.Jar.Cookies(mustURL(e.srv.URL)) {
		h.Add("Cookie", ck.Name+"="+ck.Value)
	}
	u := strings.Replace(e.srv.URL, "http://", "ws://", 1) + "/api/v1/events"
	conn, res, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPHeader: h})
	if err == nil {
		conn.CloseNow()
		t.Fatal("cross-origin stream accepted")
	}
	if res == nil || res.StatusCode != 403 {
		t.Fatalf("cross-origin: %v %v", res, err)
	}
}

// TestEvents_NoStreamAfterLogout: a logged-out cookie opens no stream. (An
// open stream re-checks its login every streamPing and closes then.)
func TestEvents_NoStreamAfterLogout(t *testing.T) {
	e := newEnv(t)
	sv := e.login("a-supervisor")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if res := sv.do("POST", "/api/v1/auth/logout", nil); res.StatusCode != 204 {
		t.Fatal(res.StatusCode)
	}
	if c2, err := sv.dialEvents(ctx, 0); err == nil {
		c2.CloseNow()
		t.Fatal("stream opened after logout")
	}
}
