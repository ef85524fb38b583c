package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"tsunagu"
	"tsunagu/softphone/softphonetest"
)

// TestServe_Transfer is a whole blind and warm transfer through the real
// program: sipp calls the demo number and presses 2 (技術サポート), two demo
// operators' "browsers" (pion, as in the softphone tests) connect their
// softphones over the API and go available; the first answers, transfers
// the caller to the queue, the second is offered the call, answers and
// talks with the caller both ways (sipp echoes what it hears, so the
// second browser hearing voiced audio after the transfer proves caller ->
// operator and operator -> caller); then the second consults the first,
// who answers, and completes: the first has the caller again. The
// contact's history shows every step in order.
func TestServe_Transfer(t *testing.T) {
	sipp := needSipp(t)
	logs := &syncBuffer{}
	s := startServeLogged(t, logs, "--data", t.TempDir(), "--demo", "--log-level", "info")
	defer func() {
		if t.Failed() {
			for _, l := range strings.Split(logs.String(), "\n") {
				if strings.Contains(l, "call ") || strings.Contains(l, "consult") || strings.Contains(l, "softphone") || strings.Contains(l, "level=WARN") || strings.Contains(l, "level=ERROR") {
					t.Log(l)
				}
			}
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()

	// Two operators who serve 技術サポート.
	admin, sv := login(t, s.url, "admin", demoPassword), login(t, s.url, "sv01", demoPassword)
	var users struct{ Items []tsunagu.User }
	admin.call("GET", "/api/v1/users?limit=200", "", &users)
	var agents struct{ Items []tsunagu.Agent }
	sv.call("GET", "/api/v1/agents", "", &agents)
	tech := map[tsunagu.AgentID]bool{}
	for _, a := range agents.Items {
		for _, sk := range a.Skills {
			if sk.SkillID == "tech" && sk.Level >= 3 {
				tech[a.ID] = true
			}
		}
	}
	type op struct {
		name  string
		agent tsunagu.AgentID
		http  *httpClient
		b     *softphonetest.Browser
	}
	var ops []*op
	for _, u := range users.Items {
		if u.Role == tsunagu.RoleAgent && tech[u.AgentID] && len(ops) < 2 {
			ops = append(ops, &op{name: u.Username, agent: u.AgentID, http: login(t, s.url, u.Username, demoPassword)})
		}
	}
	if len(ops) != 2 {
		t.Fatalf("found %d technical operators in the demo", len(ops))
	}
	for _, o := range ops {
		o.b = softphonetest.NewBrowser(t, 1<<40)
		up := make(chan struct{})
		var once sync.Once
		o.b.PC.OnICEConnectionStateChange(func(st webrtc.ICEConnectionState) {
			if st == webrtc.ICEConnectionStateConnected {
				once.Do(func() { close(up) })
			}
		})
		body, _ := json.Marshal(map[string]string{"type": "offer", "sdp": o.b.Offer(t)})
		var ans struct{ SDP string }
		if code := o.http.call("POST", "/api/v1/softphone/session", string(body), &ans); code != 200 {
			t.Fatalf("%s softphone: %d", o.name, code)
		}
		o.b.Accept(t, ans.SDP)
		select {
		case <-up:
		case <-time.After(15 * time.Second):
			t.Fatalf("%s: ICE did not connect", o.name)
		}
		speak, stop := context.WithCancel(context.Background())
		t.Cleanup(stop)
		o.b.Speak(speak)
		// Available once the server sees the softphone connected too.
		poll(t, o.name+" available", func() bool {
			return o.http.call("PUT", "/api/v1/me/state", `{"state":"available"}`, nil) == 200
		})
	}

	cmd := sippCall(t, ctx, sipp, "uac_transfer.xml", sipAddrFromOutput(t, s.out.String()), "-rtp_echo")
	sippDone := make(chan error, 1)
	var sippOut []byte
	go func() {
		var err error
		sippOut, err = cmd.CombinedOutput()
		sippDone <- err
	}()
	next := eventsOf(t, sv)
	byAgent := func(id tsunagu.AgentID) *op {
		for _, o := range ops {
			if o.agent == id {
				return o
			}
		}
		t.Fatalf("offered to %s, not one of our operators", id)
		return nil
	}

	offer := next(tsunagu.EventContactOffered, "")
	id := offer.ContactID
	first := byAgent(offer.AgentID)
	second := ops[0]
	if second == first {
		second = ops[1]
	}
	path := "/api/v1/contacts/" + string(id)
	if code := first.http.call("POST", path+"/answer", "", nil); code != 200 {
		t.Fatalf("answer: %d", code)
	}
	heard := first.b.Voiced.Load()
	poll(t, "the first operator to hear the caller", func() bool { return first.b.Voiced.Load()-heard >= 50 })
	if code := second.http.call("POST", path+"/transfer", `{"to":{"queue_id":"tech"}}`, nil); code != 403 {
		t.Fatalf("a colleague transferring the call: %d, want 403", code)
	}
	if code := first.http.call("POST", path+"/transfer", `{"to":{"queue_id":"tech"}}`, nil); code != 200 {
		t.Fatalf("transfer: %d", code)
	}
	if o := next(tsunagu.EventContactOffered, id); o.AgentID != second.agent {
		t.Fatalf("after the transfer offered to %s, want %s", o.AgentID, second.agent)
	}
	if code := second.http.call("POST", path+"/answer", "", nil); code != 200 {
		t.Fatalf("second answer: %d", code)
	}
	heard = second.b.Voiced.Load()
	poll(t, "the second operator to hear the caller", func() bool { return second.b.Voiced.Load()-heard >= 50 })
	if code := first.http.call("POST", path+"/wrapup", `{"disposition_id":"transferred","reason_id":"other"}`, nil); code != 200 {
		// The demo's reasons and dispositions: take whatever exists.
		var ds, rs struct{ Items []tsunagu.Disposition }
		first.http.call("GET", "/api/v1/dispositions", "", &ds)
		first.http.call("GET", "/api/v1/reasons", "", &rs)
		body := fmt.Sprintf(`{"disposition_id":%q,"reason_id":%q}`, ds.Items[0].ID, rs.Items[0].ID)
		if code := first.http.call("POST", path+"/wrapup", body, nil); code != 200 {
			t.Fatalf("first operator's wrap-up of their part: %d", code)
		}
	}
	poll(t, "the first operator available again", func() bool {
		return first.http.call("PUT", "/api/v1/me/state", `{"state":"available"}`, nil) == 200
	})

	// Warm: the second consults the first, who answers; complete.
	var cr struct {
		AgentID tsunagu.AgentID `json:"agent_id"`
	}
	if code := second.http.call("POST", path+"/consult", fmt.Sprintf(`{"to":{"agent_id":%q}}`, first.agent), &cr); code != 200 || cr.AgentID != first.agent {
		t.Fatalf("consult: %d %+v", code, cr)
	}
	if code := first.http.call("POST", path+"/answer", "", nil); code != 200 {
		t.Fatalf("consulted operator answers: %d", code)
	}
	a, b := first.b.Voiced.Load(), second.b.Voiced.Load()
	poll(t, "the two operators to hear each other", func() bool { return first.b.Voiced.Load()-a >= 50 && second.b.Voiced.Load()-b >= 50 })
	if code := second.http.call("POST", path+"/consult/complete", "", nil); code != 200 {
		t.Fatalf("complete: %d", code)
	}
	heard = first.b.Voiced.Load()
	poll(t, "the first operator to hear the caller again", func() bool { return first.b.Voiced.Load()-heard >= 50 })
	if code := first.http.call("POST", path+"/hangup", "", nil); code != 204 {
		t.Fatalf("hang up: %d", code)
	}
	select {
	case err := <-sippDone:
		if err != nil {
			t.Fatalf("sipp: %v\n%s", err, sippOut)
		}
	case <-ctx.Done():
		t.Fatal("sipp did not finish")
	}

	var detail struct {
		Events []tsunagu.Event `json:"events"`
	}
	sv.call("GET", "/api/v1/contacts/"+string(id), "", &detail)
	var steps []string
	for _, e := range detail.Events {
		steps = append(steps, string(e.Type))
	}
	want := []string{"contact:arrived", "contact:ivr_done", "contact:queued", "contact:offered", "contact:connected",
		"contact:transferred", "contact:offered", "contact:connected", "contact:wrapped",
		"contact:consult_started", "contact:consult_joined", "contact:consult_ended", "contact:transferred", "contact:ended"}
	var got []string
	for _, s := range steps {
		if slices.Contains(want, s) {
			got = append(got, s)
		}
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("history:\n%s\nwant:\n%s", strings.Join(steps, " "), strings.Join(want, " "))
	}
}

// eventsOf follows the tenant's event log through the API from its start:
// each call returns the next event of typ (about contact, when given),
// failing the test if none comes in time.
func eventsOf(t *testing.T, c *httpClient) func(typ tsunagu.EventType, contact tsunagu.ContactID) tsunagu.Event {
	var since int64
	return func(typ tsunagu.EventType, contact tsunagu.ContactID) tsunagu.Event {
		t.Helper()
		var got tsunagu.Event
		poll(t, string(typ), func() bool {
			var page struct {
				Events  []tsunagu.Event `json:"events"`
				LastSeq int64           `json:"last_seq"`
			}
			c.call("GET", fmt.Sprintf("/api/v1/events?since=%d", since), "", &page)
			for _, e := range page.Events {
				since = e.Seq
				if e.Type == typ && (contact == "" || e.ContactID == contact) {
					got = e
					return true
				}
			}
			since = max(since, page.LastSeq)
			return false
		})
		return got
	}
}

// poll waits for cond, checking every 50 ms, failing after 30 s.
func poll(t *testing.T, what string, cond func() bool) {
	t.Helper()
	start := time.Now()
	defer func() { t.Logf("%s: %v", what, time.Since(start).Round(time.Millisecond)) }()
	deadline := time.Now().Add(30 * time.Second)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		<-tick.C
	}
}
