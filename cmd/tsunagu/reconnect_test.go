package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"tsunagu"
)

// TestBrowser_SoftphoneReconnect is the browser softphone's health during a
// call, with real parts on both ends (web/e2e/reconnect.mjs): op01 in
// Chromium answers a sipp caller, then the softphone restarts ICE on the
// same connection and, when a restart's request is lost, reconnects in
// full; getStats' inbound packets keep growing after each and the call stays
// up — op01 hangs up and sipp gets the BYE. The server's record agrees: the
// contact was connected and ended by the agent, and op01 was never made
// not-ready for a lost phone. Then the server stops, and the desk shows
// that it is reconnecting and, once it gives up, a warning.
func TestBrowser_SoftphoneReconnect(t *testing.T) {
	chromium := browserTools(t)
	sipp := needSipp(t)
	s := startServe(t, "--data", t.TempDir(), "--demo")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	browser := startBrowser(t, ctx, chromium, "reconnect.mjs", s.url)
	browser.waitLine("READY")
	// -rtp_echo: sipp sends back what it hears, so the browser's inbound
	// audio after each reconnect has made the round trip through the call.
	call := sippCall(t, ctx, sipp, "uac_bridge_agent_bye.xml", sipAddrFromOutput(t, s.out.String()), "-rtp_echo")
	began := time.Now()
	if out, err := call.CombinedOutput(); err != nil {
		t.Fatalf("sipp (the caller must get the operator's BYE) after %v: %v\n%s\nbrowser:\n%s", time.Since(began), err, out, browser.stderr.String())
	}
	t.Logf("the call lasted %v", time.Since(began).Round(time.Millisecond))
	t.Log(browser.waitLine("RESTART"))
	t.Log(browser.waitLine("RECONNECT"))
	browser.waitLine("HUNGUP")

	sv := login(t, s.url, "sv01", demoPassword)
	var contacts struct{ Items []tsunagu.Contact }
	sv.call("GET", "/api/v1/contacts?queue_id=tech&limit=50", "", &contacts)
	var c *tsunagu.Contact
	for i := range contacts.Items {
		if contacts.Items[i].SIPCallID != "" {
			c = &contacts.Items[i]
		}
	}
	if c == nil {
		t.Fatal("the caller's contact is not in the tech queue")
	}
	var detail struct {
		Events []tsunagu.Event `json:"events"`
	}
	sv.call("GET", "/api/v1/contacts/"+string(c.ID), "", &detail)
	var types []string
	for _, e := range detail.Events {
		types = append(types, string(e.Type))
		if e.Type == tsunagu.EventContactEnded && !strings.Contains(string(e.Payload), `"by":"agent"`) {
			t.Errorf("the call ended %s: not by the operator's hang-up", e.Payload)
		}
	}
	if !inOrder(types, "contact:offered contact:connected contact:ended") || strings.Count(strings.Join(types, " "), "contact:connected") != 1 {
		t.Fatalf("the contact's events: %s", strings.Join(types, " "))
	}
	// op01's states: never not-ready for a lost phone during all this.
	for since := int64(0); ; {
		var page struct {
			Events  []tsunagu.Event `json:"events"`
			LastSeq int64           `json:"last_seq"`
		}
		sv.call("GET", fmt.Sprintf("/api/v1/events?since=%d&limit=5000", since), "", &page)
		if len(page.Events) == 0 {
			break
		}
		since = page.LastSeq
		for _, e := range page.Events {
			if e.Type != tsunagu.EventAgentStateChanged || e.AgentID != c.AgentID {
				continue
			}
			var p struct{ To, Reason string }
			if err := json.Unmarshal(e.Payload, &p); err != nil {
				t.Fatal(err)
			}
			if p.Reason == "disconnected" {
				t.Fatalf("op01 was made not-ready for a lost phone: %s at %s", e.Payload, e.Time)
			}
		}
	}

	// The server goes away: the desk notices by itself.
	stopping := time.Now()
	if err := s.stop(t); err != nil {
		t.Fatalf("serve: %v", err)
	}
	stopped := time.Now()
	browser.waitLine("GONE")
	t.Logf("serve stopped in %v; the desk showed 再接続中 %v later", stopped.Sub(stopping).Round(time.Millisecond), time.Since(stopped).Round(time.Millisecond))
	browser.waitLine("DONE")
	browser.wait()
}
