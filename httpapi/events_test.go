package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"tsunagu"
	"tsunagu/httpapi"
)

// dialEvents opens the event stream as the logged-in client.
func (c *client) dialEvents(ctx context.Context, since int64) (*websocket.Conn, error) {
	u := strings.Replace(c.e.srv.URL, "http://", "ws://", 1) + fmt.Sprintf("/api/v1/events?since=%d", since)
	h := http.Header{}
	for _, ck := range c.http.Jar.Cookies(mustURL(c.e.srv.URL)) {
		h.Add("Cookie", ck.Name+"="+ck.Value)
	}
	conn, _, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPHeader: h})
	if conn != nil {
		conn.SetReadLimit(1 << 20)
	}
	return conn, err
}

func readEvent(ctx context.Context, t *testing.T, conn *websocket.Conn) tsunagu.Event {
	t.Helper()
	_, b, err := conn.Read(ctx)
	if err != nil {
		t.Fatalf("read event: %v", err)
	}
	var e tsunagu.Event
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	return e
}

// TestEvents_ResumeLosesNothing writes 10,000 events while a supervisor's
// stream reads them, cuts the connection part way, resumes with ?since= and
// checks every event arrived exactly once, in order. The stream's bus buffer
// is tiny, so it is also dropped by the bus for lagging, again and again, and
// must catch up from the store each time.
func TestEvents_ResumeLosesNothing(t *testing.T) {
	const total = 10000
	e := newEnv(t, func(c *httpapi.Config) { c.StreamBuffer = 8 })
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	sv := e.login("a-supervisor")
	start, _ := e.db.LastSeq(ctx)

	var wg sync.WaitGroup
	wg.Add(1)
	writeErr := make(chan error, 1)
	go func() {
		defer wg.Done()
		for i := 0; i < total; i += 100 {
			var batch []tsunagu.Event
			for j := i; j < i+100; j++ {
				batch = append(batch, tsunagu.NewEvent("a", "test:written", time.Now(), map[string]int{"n": j}))
				// Another tenant's events interleave; they must never show.
				if j%10 == 0 {
					batch = append(batch, tsunagu.NewEvent("b", "test:written", time.Now(), map[string]int{"n": -1}))
				}
			}
			if err := e.db.AppendEvents(ctx, batch...); err != nil {
				writeErr <- err
				return
			}
		}
	}()

	seen := make([]bool, total)
	last := start
	got := 0
	read := func(conn *websocket.Conn, until int) {
		for got < until {
			ev := readEvent(ctx, t, conn)
			if ev.TenantID != "a" {
				t.Fatalf("tenant a's stream delivered %+v", ev)
			}
			if ev.Seq <= last {
				t.Fatalf("seq %d after %d: duplicate or out of order", ev.Seq, last)
			}
			last = ev.Seq
			var p struct{ N int }
			json.Unmarshal(ev.Payload, &p)
			if seen[p.N] {
				t.Fatalf("event %d delivered twice", p.N)
			}
			seen[p.N] = true
			got++
		}
	}
	conn, err := sv.dialEvents(ctx, start)
	if err != nil {
		t.Fatal(err)
	}
	read(conn, 3000)
	conn.CloseNow() // the network drops: no close handshake

	conn, err = sv.dialEvents(ctx, last)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	read(conn, total)
	wg.Wait()
	select {
	case err := <-writeErr:
		t.Fatal(err)
	default:
	}
	for n, ok := range seen {
		if !ok {
			t.Fatalf("event %d never delivered", n)
		}
	}
}

// TestEvents_Visibility checks an agent sees their own and floor events but
// not another agent's private ones, nor audit entries.
func TestEvents_Visibility(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	op := e.login("a-agent")
	since, _ := e.db.LastSeq(ctx)
	conn, err := op.dialEvents(ctx, since)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	me := e.users["a-agent"].AgentID
	mk := func(typ tsunagu.EventType, agent tsunagu.AgentID, subject string) tsunagu.Event {
		ev := tsunagu.NewEvent("a", typ, time.Now(), nil)
		ev.AgentID, ev.Subject = agent, subject
		return ev
	}
	if err := e.db.AppendEvents(ctx,
		mk(tsunagu.EventContactOffered, "agt_other", "hidden-1"),
		mk(tsunagu.EventCustomerRevealed, me, "hidden-2"),
		mk(tsunagu.EventContactOffered, me, "mine"),
		mk(tsunagu.EventAgentStateChanged, "agt_other", "hidden-3"), // a colleague's state: supervisors' floor only
		mk(tsunagu.EventQueueUpdated, "", "floor"),
	); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"mine", "floor"} {
		if ev := readEvent(ctx, t, conn); ev.Subject != want {
			t.Fatalf("got %s (%s), want %s", ev.Subject, ev.Type, want)
		}
	}
	// The JSON page form says where to continue even past hidden events.
	var page httpapi.EventPage
	op.do("GET", fmt.Sprintf("/api/v1/events?since=%d", since), nil).json(&page)
	if len(page.Events) != 2 || page.LastSeq != since+5 {
		t.Fatalf("page = %d events, last_seq %d (want 2, %d)", len(page.Events), page.LastSeq, since+5)
	}
}

// TestEvents_LiveAfterCommit checks a state change reaches a supervisor's
// stream through the bus.
func TestEvents_LiveAfterCommit(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sv := e.login("a-supervisor")
	conn, err := sv.dialEvents(ctx, mustLast(t, e))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	op := e.login("a-agent")
	if res := op.do("PUT", "/api/v1/me/state", `{"state":"not_ready","reason":"break"}`); res.StatusCode != 200 {
		t.Fatalf("state: %d", res.StatusCode)
	}
	for {
		ev := readEvent(ctx, t, conn)
		if ev.Type != tsunagu.EventAgentStateChanged {
			continue // the agent's login event comes first
		}
		var p map[string]any
		json.Unmarshal(ev.Payload, &p)
		if p["to"] != "not_ready" || p["reason"] != "break" || ev.AgentID != e.users["a-agent"].AgentID {
			t.Fatalf("event = %+v %v", ev, p)
		}
		return
	}
}

func mustLast(t *testing.T, e *env) int64 {
	n, err := e.db.LastSeq(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}
