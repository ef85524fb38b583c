package storetest

import (
	"bytes"
	"strings"
	"testing"

	"tsunagu"
)

func testPrompt(t *testing.T, s tsunagu.Store) {
	_, sv := newTenant(t, s, "a")
	newTenant(t, s, "b")
	svCtx := tsunagu.NewContext(ctx, &tsunagu.Principal{TenantID: "a", UserID: sv.ID, Role: tsunagu.RoleSupervisor})
	audio := bytes.Repeat([]byte{0xff, 0x7e, 0x80}, 8000) // 3 s
	p := &tsunagu.Prompt{TenantID: "a", Name: " 年末年始のご案内 ", Seconds: 3}
	must(t, s.CreatePrompt(svCtx, p, audio))
	if p.ID == "" || p.Name != "年末年始のご案内" || p.CreatedBy != sv.ID {
		t.Fatalf("created = %+v", p)
	}
	got, err := s.PromptAudio(ctx, "a", p.ID)
	must(t, err)
	if !bytes.Equal(got, audio) {
		t.Fatalf("audio: %d bytes back, %d stored", len(got), len(audio))
	}
	_, err = s.PromptAudio(ctx, "b", p.ID)
	mustCode(t, err, tsunagu.ENOTFOUND)
	ps, err := s.ListPrompts(ctx, "a")
	must(t, err)
	if len(ps) != 1 || ps[0].Seconds != 3 || ps[0].Name != "年末年始のご案内" {
		t.Fatalf("list = %+v", ps)
	}
	if ps, _ := s.ListPrompts(ctx, "b"); len(ps) != 0 {
		t.Fatalf("tenant b sees %+v", ps)
	}
	mustCode(t, s.CreatePrompt(ctx, &tsunagu.Prompt{TenantID: "a", Name: "長すぎ", Seconds: 61}, audio), tsunagu.EINVALID)
	mustCode(t, s.CreatePrompt(ctx, &tsunagu.Prompt{TenantID: "a", Name: " ", Seconds: 1}, audio), tsunagu.EINVALID)

	// A number's greeting may name only a prompt of its own tenant.
	tr := &tsunagu.Trunk{TenantID: "b", Name: "B", AllowedNets: []string{"127.0.0.1"}, Numbers: []tsunagu.DID{
		{Number: "03-5555-0000", DefaultQueue: "q", GreetingPrompt: p.ID}}}
	err = s.CreateTrunk(ctx, tr)
	mustCode(t, err, tsunagu.EINVALID)
	if tsunagu.ErrorField(err) != "numbers[0].greeting_prompt" {
		t.Fatalf("field = %q", tsunagu.ErrorField(err))
	}
	tr.TenantID = "a"
	must(t, s.CreateTrunk(ctx, tr))
	_, did, err := s.FindTrunkByNumber(ctx, "+81355550000")
	must(t, err)
	if did.GreetingPrompt != p.ID {
		t.Fatalf("did = %+v", did)
	}

	// Deleting: refused while a number or an announcement plays it (each
	// use named, nothing removed), then gone, with its event.
	must(t, s.SetAnnouncements(ctx, "a", map[tsunagu.Announcement]tsunagu.PromptID{tsunagu.AnnouncementWait: p.ID}))
	err = s.DeletePrompt(ctx, "a", p.ID)
	mustCode(t, err, tsunagu.ECONFLICT)
	if msg := err.Error(); !strings.Contains(msg, "number +81355550000 (greeting)") || !strings.Contains(msg, "announcement wait") {
		t.Fatalf("in use: %v", err)
	}
	if _, err := s.PromptAudio(ctx, "a", p.ID); err != nil {
		t.Fatalf("refused delete removed the prompt: %v", err)
	}
	mustCode(t, s.DeletePrompt(ctx, "b", p.ID), tsunagu.ENOTFOUND) // another tenant's
	must(t, s.SetAnnouncements(ctx, "a", nil))
	tr.Numbers[0].GreetingPrompt = ""
	must(t, s.UpdateTrunk(ctx, tr))
	must(t, s.DeletePrompt(ctx, "a", p.ID))
	_, err = s.PromptAudio(ctx, "a", p.ID)
	mustCode(t, err, tsunagu.ENOTFOUND)
	if e := lastEvent(t, s, "a"); e.Type != tsunagu.EventPromptDeleted || e.Subject != string(p.ID) {
		t.Fatalf("last event = %+v", e)
	}
	mustCode(t, s.DeletePrompt(ctx, "a", p.ID), tsunagu.ENOTFOUND)
}

// testAnnouncements: uploaded prompts replace a number's menu and closed
// message and the tenant's other fixed announcements by name; only the
// tenant's own prompts and known names are taken, and a refused change
// writes nothing.
func testAnnouncements(t *testing.T, s tsunagu.Store) {
	newTenant(t, s, "a")
	newTenant(t, s, "b")
	audio := bytes.Repeat([]byte{0xff, 0x7e}, 4000) // 1 s
	mine := &tsunagu.Prompt{TenantID: "a", Name: "ただいま混み合っております", Seconds: 1}
	must(t, s.CreatePrompt(ctx, mine, audio))
	theirs := &tsunagu.Prompt{TenantID: "b", Name: "B", Seconds: 1}
	must(t, s.CreatePrompt(ctx, theirs, audio))

	t.Run("Number", func(t *testing.T) {
		hours := &tsunagu.BusinessHours{Week: map[string][]string{"mon": {"09:00-18:00"}}}
		tr := &tsunagu.Trunk{TenantID: "a", Name: "A", AllowedNets: []string{"127.0.0.1"}, Numbers: []tsunagu.DID{
			{Number: "03-5555-1000", DefaultQueue: "q", Menu: []tsunagu.MenuOption{{Digit: "1", QueueID: "q"}}, Hours: hours,
				MenuPrompt: mine.ID, ClosedPrompt: theirs.ID}}}
		err := s.CreateTrunk(ctx, tr)
		mustCode(t, err, tsunagu.EINVALID)
		if tsunagu.ErrorField(err) != "numbers[0].closed_prompt" {
			t.Fatalf("field = %q", tsunagu.ErrorField(err))
		}
		if ts, _ := s.ListTrunks(ctx, "a"); len(ts) != 0 {
			t.Fatalf("refused trunk stored: %+v", ts)
		}
		tr.Numbers[0].ClosedPrompt = mine.ID
		must(t, s.CreateTrunk(ctx, tr))
		_, did, err := s.FindTrunkByNumber(ctx, "+81355551000")
		must(t, err)
		if did.MenuPrompt != mine.ID || did.ClosedPrompt != mine.ID {
			t.Fatalf("did = %+v", did)
		}
		// Neither may name a prompt that would never play.
		tr.Numbers[0].Menu, tr.Numbers[0].Hours = nil, nil
		err = s.UpdateTrunk(ctx, tr)
		mustCode(t, err, tsunagu.EINVALID)
		if f := tsunagu.ErrorField(err); f != "numbers[0].menu_prompt" {
			t.Fatalf("field = %q", f)
		}
		tr.Numbers[0].MenuPrompt = ""
		err = s.UpdateTrunk(ctx, tr)
		if f := tsunagu.ErrorField(err); f != "numbers[0].closed_prompt" {
			t.Fatalf("field = %q (%v)", f, err)
		}
		tr.Numbers[0].ClosedPrompt = ""
		must(t, s.UpdateTrunk(ctx, tr))
		if _, did, _ := s.FindTrunkByNumber(ctx, "+81355551000"); did.MenuPrompt != "" || did.ClosedPrompt != "" {
			t.Fatalf("cleared did = %+v", did)
		}
	})

	t.Run("Tenant", func(t *testing.T) {
		m, err := s.ListAnnouncements(ctx, "a")
		must(t, err)
		if len(m) != 0 {
			t.Fatalf("new tenant's announcements: %v", m)
		}
		set := map[tsunagu.Announcement]tsunagu.PromptID{tsunagu.AnnouncementWait: mine.ID, tsunagu.AnnouncementInvalid: mine.ID,
			tsunagu.AnnouncementVoicemailThanks: ""}
		must(t, s.SetAnnouncements(ctx, "a", set))
		if e := lastEvent(t, s, "a"); e.Type != tsunagu.EventAnnouncementsChanged ||
			string(e.Payload) != `{"announcements":{"invalid":"`+string(mine.ID)+`","wait":"`+string(mine.ID)+`"}}` {
			t.Fatalf("event %s %s", e.Type, e.Payload)
		}
		m, err = s.ListAnnouncements(ctx, "a")
		must(t, err)
		if len(m) != 2 || m[tsunagu.AnnouncementWait] != mine.ID || m[tsunagu.AnnouncementInvalid] != mine.ID {
			t.Fatalf("announcements = %v", m)
		}
		for _, tc := range []struct {
			name  string
			set   map[tsunagu.Announcement]tsunagu.PromptID
			field string
		}{
			{"UnknownName", map[tsunagu.Announcement]tsunagu.PromptID{"recording_notice": mine.ID}, "announcements.recording_notice"},
			{"OtherTenantsPrompt", map[tsunagu.Announcement]tsunagu.PromptID{tsunagu.AnnouncementWait: "", tsunagu.AnnouncementCallbackOffer: theirs.ID}, "announcements.callback_offer"},
			{"NoSuchPrompt", map[tsunagu.Announcement]tsunagu.PromptID{tsunagu.AnnouncementVoicemailGreeting: "prm_nope"}, "announcements.voicemail_greeting"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				err := s.SetAnnouncements(ctx, "a", tc.set)
				mustCode(t, err, tsunagu.EINVALID)
				if f := tsunagu.ErrorField(err); f != tc.field {
					t.Fatalf("field = %q, want %q", f, tc.field)
				}
				if got, _ := s.ListAnnouncements(ctx, "a"); len(got) != 2 {
					t.Fatalf("refused change wrote: %v", got)
				}
			})
		}
		if got, _ := s.ListAnnouncements(ctx, "b"); len(got) != 0 {
			t.Fatalf("tenant b sees %v", got)
		}
		must(t, s.SetAnnouncements(ctx, "a", nil)) // all built-in again
		if got, _ := s.ListAnnouncements(ctx, "a"); len(got) != 0 {
			t.Fatalf("after clearing: %v", got)
		}
	})
}
