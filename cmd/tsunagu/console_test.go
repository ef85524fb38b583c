package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"tsunagu"
	"tsunagu/floor"
	"tsunagu/httpapi"
)

// TestBrowser_Console: sv01 watches the floor in Chromium (web/e2e/
// console.mjs) while sipp callers wait in 技術サポート — one hangs up, one is
// answered by op01 in a second browser context — and the console's numbers
// change within a second of the events; the console and the wall display
// are photographed (TSUNAGU_SCREENSHOTS=DIR keeps them). Then the figures
// the server serves must equal a fold of the whole event log read back
// through the API: no drift.
func TestBrowser_Console(t *testing.T) {
	chromium := browserTools(t)
	sipp := needSipp(t)
	s := startServe(t, "--data", t.TempDir(), "--demo")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	browser := startBrowser(t, ctx, chromium, "console.mjs", s.url)
	sipAddr := sipAddrFromOutput(t, s.out.String())
	browser.waitLine("READY")
	if out, err := sippCall(t, ctx, sipp, "uac_dtmf2.xml", sipAddr).CombinedOutput(); err != nil {
		t.Fatalf("sipp (a caller who hangs up in the queue): %v\n%s", err, out)
	}
	t.Log(browser.waitLine("LATENCY"))
	browser.waitLine("NEXT")
	// This caller stays on the line until the operator's BYE.
	call := sippCall(t, ctx, sipp, "uac_bridge_agent_bye.xml", sipAddr, "-rtp_echo")
	var sippOut strings.Builder
	call.Stdout, call.Stderr = &sippOut, &sippOut
	if err := call.Start(); err != nil {
		t.Fatal(err)
	}
	browser.waitLine("DONE")
	if err := call.Wait(); err != nil {
		t.Fatalf("sipp (the caller must get the operator's BYE): %v\n%s\nbrowser:\n%s", err, sippOut.String(), browser.stderr.String())
	}
	browser.wait()

	sv := login(t, s.url, "sv01", demoPassword)
	// The leader listened in, whispered and stopped: the answered call's
	// own events say so, in that order.
	var contacts struct{ Items []tsunagu.Contact }
	sv.call("GET", "/api/v1/contacts?queue_id=tech&limit=50", "", &contacts)
	var monitored []string
	for _, c := range contacts.Items {
		if c.ConnectedAt == nil {
			continue
		}
		var detail struct {
			Events []tsunagu.Event `json:"events"`
		}
		sv.call("GET", "/api/v1/contacts/"+string(c.ID), "", &detail)
		for _, e := range detail.Events {
			if strings.HasPrefix(string(e.Type), "contact:monitor_") {
				var p struct{ Mode string }
				json.Unmarshal(e.Payload, &p)
				monitored = append(monitored, string(e.Type)+":"+p.Mode)
			}
		}
	}
	if got, want := strings.Join(monitored, " "), "contact:monitor_started:listen contact:monitor_changed:whisper contact:monitor_stopped:"; got != want {
		t.Errorf("monitoring events:\n got %s\nwant %s", got, want)
	}
	served, recomputed := floorAndLog(t, sv)
	var tech *floor.QueueFigures
	for i := range served.Queues {
		if served.Queues[i].ID == "tech" {
			tech = &served.Queues[i]
		}
	}
	if tech == nil || tech.Offered != 2 || tech.Answered != 1 || tech.Abandoned != 1 || tech.Waiting != 0 {
		t.Fatalf("tech on the floor = %+v", tech)
	}
	a, _ := json.Marshal(served)
	b, _ := json.Marshal(recomputed)
	if string(a) != string(b) {
		t.Fatalf("the served floor differs from the event log's fold:\nserved    %s\nrecomputed %s", a, b)
	}
}

// floorAndLog reads the served floor and, at the same seq and moment, folds
// every event of the tenant read through GET /api/v1/events.
func floorAndLog(t *testing.T, sv *httpClient) (served, recomputed floor.Snapshot) {
	t.Helper()
	var queues httpapi.List[tsunagu.Queue]
	var agents httpapi.List[tsunagu.Agent]
	sv.call("GET", "/api/v1/queues", "", &queues)
	sv.call("GET", "/api/v1/agents", "", &agents)
	tokyo, err := time.LoadLocation("Asia/Tokyo") // the demo center's zone
	if err != nil {
		t.Fatal(err)
	}
	// Logins append events too: read the log, then the floor at least that
	// far; if the floor went further, read the log again.
	var evs []tsunagu.Event
	var last int64
	for round := 0; round < 5; round++ {
		for {
			var page httpapi.EventPage
			if code := sv.call("GET", fmt.Sprintf("/api/v1/events?since=%d&limit=5000", last), "", &page); code != 200 {
				t.Fatalf("events: %d", code)
			}
			evs = append(evs, page.Events...)
			if page.LastSeq == last {
				break
			}
			last = page.LastSeq
		}
		if code := sv.call("GET", fmt.Sprintf("/api/v1/floor?after=%d", last), "", &served); code != 200 {
			t.Fatalf("floor: %d", code)
		}
		if served.Seq == last {
			break
		}
	}
	if served.Seq != last {
		t.Fatalf("the floor is at seq %d, the log at %d", served.Seq, last)
	}
	f := floor.New(floor.Config{Location: tokyo, Queues: queues.Items, Agents: agents.Items})
	for _, e := range evs {
		f.Apply(e)
	}
	return served, f.Snapshot(served.At)
}
