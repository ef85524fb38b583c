package httpapi_test

import (
	"strings"
	"testing"

	"tsunagu"
	"tsunagu/httpapi"
)

// TestAnnouncements: an admin replaces fixed announcements with uploaded
// prompts, for the tenant by name and per number for the menu and the
// closed message. Unknown names are refused listing the valid ones, another
// tenant's prompt is refused naming the field, and a refused change writes
// nothing; leaders cannot change them.
func TestAnnouncements(t *testing.T) {
	e := newEnv(t)
	admin := e.login("a-admin")
	upload := func(c *client) tsunagu.PromptID {
		t.Helper()
		var p tsunagu.Prompt
		res := c.do("POST", "/api/v1/prompts?name=自前の声", wav(8000, 1, 1), "Content-Type", "audio/wav")
		res.json(&p)
		if res.StatusCode != 201 {
			t.Fatalf("upload: %d %s", res.StatusCode, res.body)
		}
		return p.ID
	}
	mine, theirs := upload(admin), upload(e.login("b-admin"))

	var got httpapi.Announcements
	admin.do("GET", "/api/v1/announcements", nil).json(&got)
	if len(got.Announcements) != 0 || len(got.Names) != len(tsunagu.Announcements) || got.Names[0] != tsunagu.AnnouncementInvalid {
		t.Fatalf("before: %+v", got)
	}
	res := admin.do("PUT", "/api/v1/announcements", map[string]any{"announcements": map[string]string{"wait": string(mine), "callback_offer": string(mine)}})
	res.json(&got)
	if res.StatusCode != 200 || got.Announcements[tsunagu.AnnouncementWait] != mine || len(got.Announcements) != 2 {
		t.Fatalf("put: %d %s", res.StatusCode, res.body)
	}
	if ev := lastEventOf(t, e, "a"); ev.Type != tsunagu.EventAnnouncementsChanged || ev.ActorID != e.users["a-admin"].ID {
		t.Fatalf("event %+v", ev)
	}

	for _, tc := range []struct {
		name, body, field, detail string
	}{
		{"UnknownName", `{"announcements":{"wait":"` + string(mine) + `","recording_notice":"` + string(mine) + `"}}`,
			"announcements.recording_notice", "invalid, wait, callback_offer, callback_confirmed, voicemail_greeting, voicemail_thanks"},
		{"OtherTenantsPrompt", `{"announcements":{"voicemail_thanks":"` + string(theirs) + `"}}`, "announcements.voicemail_thanks", "No uploaded prompt"},
		{"UnknownField", `{"announcements":{},"tenant_id":"b"}`, "tenant_id", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := admin.do("PUT", "/api/v1/announcements", tc.body).problem()
			if p.Status != 400 || p.Code != tsunagu.EINVALID || p.Field != tc.field || !strings.Contains(p.Detail, tc.detail) {
				t.Errorf("problem %+v, want field %s", p, tc.field)
			}
		})
	}
	admin.do("GET", "/api/v1/announcements", nil).json(&got)
	if len(got.Announcements) != 2 || got.Announcements[tsunagu.AnnouncementCallbackOffer] != mine {
		t.Errorf("after refused changes: %+v", got.Announcements)
	}
	sv := e.login("a-supervisor")
	for _, m := range []string{"GET", "PUT"} {
		if res := sv.do(m, "/api/v1/announcements", `{"announcements":{}}`); res.StatusCode != 403 {
			t.Errorf("supervisor %s: %d", m, res.StatusCode)
		}
	}
	var other httpapi.Announcements
	e.login("b-admin").do("GET", "/api/v1/announcements", nil).json(&other)
	if len(other.Announcements) != 0 {
		t.Errorf("tenant b sees %+v", other.Announcements)
	}

	// Per number: the menu announcement and the closed message.
	ctx := t.Context()
	if err := e.db.CreateTrunk(ctx, &tsunagu.Trunk{TenantID: "a", ID: "main", Name: "代表", AllowedNets: []string{"127.0.0.1"},
		Numbers: []tsunagu.DID{{Number: "0312345678", DefaultQueue: "q"}}}); err != nil {
		t.Fatal(err)
	}
	did := map[string]any{"number": "0312345678", "default_queue": "q", "menu": []map[string]string{{"digit": "1", "queue_id": "q"}},
		"hours": map[string]any{"week": map[string][]string{"mon": {"09:00-18:00"}}}, "menu_prompt": mine, "closed_prompt": theirs}
	trunk := map[string]any{"name": "代表", "allowed_nets": []string{"127.0.0.1"}, "numbers": []any{did}}
	if p := admin.do("PUT", "/api/v1/trunks/main", trunk).problem(); p.Field != "numbers[0].closed_prompt" || p.Code != tsunagu.EINVALID {
		t.Errorf("another tenant's closed prompt: %+v", p)
	}
	did["closed_prompt"] = mine
	var tr tsunagu.Trunk
	res = admin.do("PUT", "/api/v1/trunks/main", trunk)
	res.json(&tr)
	if res.StatusCode != 200 || tr.Numbers[0].MenuPrompt != mine || tr.Numbers[0].ClosedPrompt != mine {
		t.Fatalf("trunk: %d %s", res.StatusCode, res.body)
	}
	delete(did, "menu")
	if p := admin.do("PUT", "/api/v1/trunks/main", trunk).problem(); p.Field != "numbers[0].menu_prompt" {
		t.Errorf("menu prompt without a menu: %+v", p)
	}
}

// lastEventOf is the tenant's latest event in the store.
func lastEventOf(t *testing.T, e *env, tenant tsunagu.TenantID) tsunagu.Event {
	t.Helper()
	evs, err := e.db.ListEvents(t.Context(), tenant, 0, 100000)
	if err != nil || len(evs) == 0 {
		t.Fatalf("events: %v %d", err, len(evs))
	}
	return evs[len(evs)-1]
}
