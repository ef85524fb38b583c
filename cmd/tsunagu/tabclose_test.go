package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"tsunagu"
)

// TestBrowser_TabClosedNotOffered: an operator who closes the desk's tab
// while available (no logout) is made not-ready ("disconnected") once the
// softphone's connection is gone, so a caller who then arrives is not
// offered to a phone that cannot ring: the caller waits in the queue and
// hangs up unoffered.
func TestBrowser_TabClosedNotOffered(t *testing.T) {
	chromium := browserTools(t)
	sipp := needSipp(t)
	s := startServe(t, "--data", t.TempDir(), "--demo")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	browser := startBrowser(t, ctx, chromium, "tabclose.mjs", s.url)
	browser.waitLine("CLOSED")
	browser.wait()

	sv := login(t, s.url, "sv01", demoPassword)
	// The server notices the dead connection (ICE consent) within seconds;
	// watch the agent's state until it changes, bounded.
	deadline := time.Now().Add(60 * time.Second)
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		var agents struct{ Items []tsunagu.Agent }
		sv.call("GET", "/api/v1/agents", "", &agents)
		var op01 tsunagu.Agent
		for _, a := range agents.Items {
			if a.Name == "佐藤 蓮" {
				op01 = a
			}
		}
		if op01.State == tsunagu.AgentNotReady && op01.StateReason == "disconnected" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("op01 still %s (%s) 60 s after the tab closed", op01.State, op01.StateReason)
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			t.Fatal(ctx.Err())
		}
	}

	// A caller presses 2 and hangs up after waiting: never offered.
	if out, err := sippCall(t, ctx, sipp, "uac_dtmf2.xml", sipAddrFromOutput(t, s.out.String())).CombinedOutput(); err != nil {
		t.Fatalf("sipp: %v\n%s", err, out)
	}
	var contacts struct{ Items []tsunagu.Contact }
	sv.call("GET", "/api/v1/contacts?queue_id=tech&limit=50", "", &contacts)
	var live *tsunagu.Contact
	for i := range contacts.Items {
		if contacts.Items[i].SIPCallID != "" {
			live = &contacts.Items[i]
		}
	}
	if live == nil {
		t.Fatal("the caller's contact is not in the tech queue")
	}
	var detail struct {
		Events []tsunagu.Event `json:"events"`
	}
	sv.call("GET", "/api/v1/contacts/"+string(live.ID), "", &detail)
	var types []string
	for _, e := range detail.Events {
		types = append(types, string(e.Type))
	}
	if got := strings.Join(types, " "); !strings.Contains(got, "contact:queued") || !strings.HasSuffix(got, "contact:abandoned") || strings.Contains(got, "contact:offered") {
		t.Fatalf("the caller's events: %s", got)
	}
}
