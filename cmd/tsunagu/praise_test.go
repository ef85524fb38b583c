package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"tsunagu"
)

// TestBrowser_Praise: with a daily target of 50 answered calls set for
// everyone, op01's status bar shows 0 / 50; sv01 sends kudos from the care
// card and op01's desk shows it; sv01 pauses op01's calls and resumes them
// (web/e2e/praise.mjs). The praise history and the event log then hold
// exactly what the screens showed.
func TestBrowser_Praise(t *testing.T) {
	chromium := browserTools(t)
	s := startServe(t, "--data", t.TempDir(), "--demo")
	sv := login(t, s.url, "sv01", demoPassword)
	if code := sv.call("PUT", "/api/v1/targets", `{"scope":"everyone","metric":"inbound","daily":50}`, nil); code != 200 {
		t.Fatalf("set target: %d", code)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	browser := startBrowser(t, ctx, chromium, "praise.mjs", s.url)
	t.Log(browser.waitLine("praise e2e: ok"))
	browser.wait()

	var praise struct{ Items []tsunagu.Praise }
	sv.call("GET", "/api/v1/praise", "", &praise)
	if len(praise.Items) != 1 || praise.Items[0].Kind != tsunagu.PraiseKudos || !strings.Contains(praise.Items[0].Message, "感謝のお電話") ||
		praise.Items[0].FromName == "" {
		t.Fatalf("praise history = %+v", praise.Items)
	}
	var protected []string
	for since := int64(0); ; {
		var page struct {
			Events  []tsunagu.Event `json:"events"`
			LastSeq int64           `json:"last_seq"`
		}
		sv.call("GET", fmt.Sprintf("/api/v1/events?since=%d&limit=5000", since), "", &page)
		for _, e := range page.Events {
			if e.Type == tsunagu.EventAgentProtected && e.AgentID == praise.Items[0].AgentID {
				protected = append(protected, string(e.Payload))
			}
		}
		if page.LastSeq == since {
			break
		}
		since = page.LastSeq
	}
	if len(protected) != 2 || !strings.Contains(protected[1], `"until":null`) {
		t.Fatalf("agent:protected events = %v", protected)
	}
}

// TestBrowser_AchievementAndRecovery: with a target of one sale (成約) a day,
// a real call (sipp → op01 in Chromium, web/e2e/recovery.mjs) wrapped up as
// a sale and flagged abusive fires the achievement once, flags the caller
// (the recording kept, the number warned about next time) and puts op01 on
// a recovery break they may end themselves.
func TestBrowser_AchievementAndRecovery(t *testing.T) {
	chromium := browserTools(t)
	sipp := needSipp(t)
	s := startServe(t, "--data", t.TempDir(), "--demo")
	sv := login(t, s.url, "sv01", demoPassword)
	if code := sv.call("PUT", "/api/v1/targets", `{"scope":"everyone","metric":"conversions","daily":1}`, nil); code != 200 {
		t.Fatalf("set target: %d", code)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	browser := startBrowser(t, ctx, chromium, "recovery.mjs", s.url)
	browser.waitLine("READY")
	call := sippCall(t, ctx, sipp, "uac_bridge_agent_bye.xml", sipAddrFromOutput(t, s.out.String()), "-rtp_echo")
	if out, err := call.CombinedOutput(); err != nil {
		t.Fatalf("sipp (the caller must get the operator's BYE): %v\n%s\nbrowser:\n%s", err, out, browser.stderr.String())
	}
	browser.waitLine("DONE")
	browser.wait()

	var praise struct{ Items []tsunagu.Praise }
	sv.call("GET", "/api/v1/praise", "", &praise)
	if len(praise.Items) != 1 || praise.Items[0].Kind != tsunagu.PraiseAchieved || praise.Items[0].Metric != tsunagu.MetricConversions ||
		!strings.HasSuffix(praise.Items[0].Message, "本日1件成約!") {
		t.Fatalf("praise history = %+v", praise.Items)
	}
	var contacts struct{ Items []tsunagu.Contact }
	sv.call("GET", "/api/v1/contacts?state=wrapped&limit=50", "", &contacts)
	var c *tsunagu.Contact
	for i := range contacts.Items {
		if contacts.Items[i].SIPCallID != "" {
			c = &contacts.Items[i]
		}
	}
	if c == nil || c.Abusive != tsunagu.SeverityHigh || !c.KeepRecording || c.CallerFlag != tsunagu.SeverityHigh || c.DispositionID != "converted" {
		t.Fatalf("the flagged call = %+v", c)
	}
}
