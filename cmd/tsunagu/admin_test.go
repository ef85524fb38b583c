package main

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"tsunagu"
)

// TestBrowser_Admin: the admin edits the demo center in Chromium
// (web/e2e/admin.mjs); the API then shows what was saved and the event log
// who changed it.
func TestBrowser_Admin(t *testing.T) {
	chromium := browserTools(t)
	s := startServe(t, "--data", t.TempDir(), "--demo")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	browser := startBrowser(t, ctx, chromium, "admin.mjs", s.url)
	browser.waitLine("admin e2e: ok")
	browser.wait()

	admin := login(t, s.url, "admin", demoPassword)
	var queues struct{ Items []tsunagu.Queue }
	admin.call("GET", "/api/v1/queues", "", &queues)
	i := slices.IndexFunc(queues.Items, func(q tsunagu.Queue) bool { return q.ID == "general" })
	if i < 0 {
		t.Fatal("no general queue")
	}
	if q := queues.Items[i]; q.SLSeconds != 15 || !q.VerificationRequired || !slices.Equal(q.Verification, []string{"氏名", "生年月日", "ご登録電話番号"}) ||
		q.MaxWaitSeconds != 120 || q.OverflowQueue != "billing" {
		t.Errorf("general after the admin's edit = %+v", q)
	}
	var trunks struct{ Items []tsunagu.Trunk }
	admin.call("GET", "/api/v1/trunks", "", &trunks)
	if h := trunks.Items[0].Numbers[0].Hours; h == nil || h.Week["sat"][0] != "10:00-15:00" || !h.ClosedOnHolidays {
		t.Errorf("hours after the admin's edit = %+v", h)
	}
	if v := trunks.Items[0].Numbers[0].Voicemail; v == nil || !v.WhenClosed || v.MaxSeconds != 60 {
		t.Errorf("voicemail after the admin's edit = %+v", v)
	}
	if d := trunks.Items[0].Numbers[0]; d.GreetingPrompt == "" || d.MenuPrompt != d.GreetingPrompt || d.ClosedPrompt != d.GreetingPrompt {
		t.Errorf("uploaded prompts of the number after the admin's edit: greeting %q, menu %q, closed %q", d.GreetingPrompt, d.MenuPrompt, d.ClosedPrompt)
	}
	var ann struct {
		Announcements map[tsunagu.Announcement]tsunagu.PromptID
	}
	admin.call("GET", "/api/v1/announcements", "", &ann)
	if id := ann.Announcements[tsunagu.AnnouncementInvalid]; id == "" || id != trunks.Items[0].Numbers[0].GreetingPrompt || len(ann.Announcements) != 1 {
		t.Errorf("announcements after the admin's edit = %v", ann.Announcements)
	}
	var teams struct{ Items []tsunagu.Team }
	admin.call("GET", "/api/v1/teams", "", &teams)
	night := slices.IndexFunc(teams.Items, func(x tsunagu.Team) bool { return x.Name == "夜間チーム" })
	var users struct{ Items []tsunagu.User }
	admin.call("GET", "/api/v1/users?limit=200", "", &users)
	op19 := slices.IndexFunc(users.Items, func(u tsunagu.User) bool { return u.Username == "op19" })
	if night < 0 || op19 < 0 || users.Items[op19].TeamID != teams.Items[night].ID {
		t.Errorf("op19's team after the admin's edit: teams %+v", teams.Items)
	}
	var agents struct{ Items []tsunagu.Agent }
	admin.call("GET", "/api/v1/agents", "", &agents)
	english := 0
	for _, a := range agents.Items {
		for _, s := range a.Skills {
			if a.Name == "佐藤 蓮" && s.SkillID == "english" {
				english = s.Level
			}
		}
	}
	if english != 7 {
		t.Errorf("佐藤 蓮's English level after the admin's edit: %d", english)
	}
	var targets struct{ Items []tsunagu.Target }
	admin.call("GET", "/api/v1/targets", "", &targets)
	if !slices.ContainsFunc(targets.Items, func(x tsunagu.Target) bool {
		return x.Scope == tsunagu.ScopeEveryone && x.Metric == tsunagu.MetricConversions && x.Daily == 10
	}) {
		t.Errorf("targets after the admin's edit: %+v", targets.Items)
	}
	var prompts struct{ Items []tsunagu.Prompt }
	admin.call("GET", "/api/v1/prompts", "", &prompts)
	if len(prompts.Items) != 1 || prompts.Items[0].Name != "年末年始のご案内" || trunks.Items[0].Numbers[0].GreetingPrompt != prompts.Items[0].ID {
		t.Errorf("prompts %+v; the number's greeting %q", prompts.Items, trunks.Items[0].Numbers[0].GreetingPrompt)
	}
	// Each save is in the log with the admin as its actor.
	var me struct{ User tsunagu.User }
	admin.call("GET", "/api/v1/me", "", &me)
	seen := map[tsunagu.EventType]bool{}
	for since := int64(0); ; {
		var page struct {
			Events  []tsunagu.Event `json:"events"`
			LastSeq int64           `json:"last_seq"`
		}
		admin.call("GET", "/api/v1/events?limit=5000&since="+strconv.FormatInt(since, 10), "", &page)
		for _, e := range page.Events {
			if e.ActorID == me.User.ID {
				seen[e.Type] = true
			}
		}
		if page.LastSeq == since {
			break
		}
		since = page.LastSeq
	}
	for _, typ := range []tsunagu.EventType{tsunagu.EventUserUpdated, tsunagu.EventQueueUpdated, tsunagu.EventTrunkUpdated, tsunagu.EventPromptUploaded} {
		if !seen[typ] {
			t.Errorf("no %s by the admin in the log", typ)
		}
	}
}
