package storetest

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"tsunagu"
)

// lastEvent returns the newest event of tenant.
func lastEvent(t *testing.T, s tsunagu.Store, tenant tsunagu.TenantID) tsunagu.Event {
	t.Helper()
	evs, err := s.ListEvents(ctx, tenant, 0, 100000)
	must(t, err)
	if len(evs) == 0 {
		t.Fatal("no events")
	}
	return evs[len(evs)-1]
}

func testAdmin(t *testing.T, s tsunagu.Store) {
	agent, sv := newTenant(t, s, "a")
	newTenant(t, s, "b")
	t.Run("UpdateQueue", func(t *testing.T) {
		q := &tsunagu.Queue{TenantID: "a", ID: "general", Name: "一般", SLPercent: 80, SLSeconds: 20}
		must(t, s.CreateQueue(ctx, q))
		edit := *q
		edit.SLSeconds, edit.ACWSeconds, edit.Verification, edit.VerificationRequired = 30, 90, []string{"氏名", "生年月日"}, true
		must(t, s.UpdateQueue(ctx, &edit))
		qs, err := s.ListQueues(ctx, "a")
		must(t, err)
		if got := qs[0]; got.SLSeconds != 30 || got.ACWSeconds != 90 || !slices.Equal(got.Verification, []string{"氏名", "生年月日"}) || !got.VerificationRequired {
			t.Fatalf("queue after update = %+v", got)
		}
		e := lastEvent(t, s, "a")
		var p struct{ Fields []string }
		mustJSON(t, e.Payload, &p)
		if e.Type != tsunagu.EventQueueUpdated || e.Subject != "general" ||
			!slices.Equal(p.Fields, []string{"acw_seconds", "sl_seconds", "verification", "verification_required"}) {
			t.Fatalf("event = %s %s %+v", e.Type, e.Subject, p)
		}
		// Saving the same settings again writes nothing.
		must(t, s.UpdateQueue(ctx, &edit))
		if again := lastEvent(t, s, "a"); again.Seq != e.Seq {
			t.Fatalf("an unchanged queue wrote %s", again.Type)
		}
		bad := edit
		bad.SLPercent = 140
		err = s.UpdateQueue(ctx, &bad)
		mustCode(t, err, tsunagu.EINVALID)
		if tsunagu.ErrorField(err) != "sl_percent" {
			t.Fatalf("field = %q", tsunagu.ErrorField(err))
		}
		other := edit
		other.TenantID = "b"
		mustCode(t, s.UpdateQueue(ctx, &other), tsunagu.ENOTFOUND)

		// Routing: past two minutes callers go to the backup queue.
		must(t, s.CreateQueue(ctx, &tsunagu.Queue{TenantID: "a", ID: "backup", Name: "応援", SLPercent: 80, SLSeconds: 20}))
		routing := edit
		routing.Strategy, routing.OfferTimeoutSeconds, routing.MaxWaitSeconds, routing.OverflowQueue = "skill_level", 15, 120, "backup"
		must(t, s.UpdateQueue(ctx, &routing))
		qs, err = s.ListQueues(ctx, "a")
		must(t, err)
		i := slices.IndexFunc(qs, func(q tsunagu.Queue) bool { return q.ID == "general" })
		if got := qs[i]; got.Strategy != "skill_level" || got.OfferTimeoutSeconds != 15 || got.MaxWaitSeconds != 120 || got.OverflowQueue != "backup" {
			t.Fatalf("routing after update = %+v", got)
		}
		for field, q := range map[string]tsunagu.Queue{
			"overflow_queue":        {TenantID: "a", ID: "general", Name: "一般", MaxWaitSeconds: 60, OverflowQueue: "nowhere"},
			"strategy":              {TenantID: "a", ID: "general", Name: "一般", Strategy: "random"},
			"offer_timeout_seconds": {TenantID: "a", ID: "general", Name: "一般", OfferTimeoutSeconds: 2},
		} {
			err := s.UpdateQueue(ctx, &q)
			mustCode(t, err, tsunagu.EINVALID)
			if tsunagu.ErrorField(err) != field {
				t.Fatalf("%+v: field %q, want %s", q, tsunagu.ErrorField(err), field)
			}
		}
	})
	t.Run("UpdateUser", func(t *testing.T) {
		team := &tsunagu.Team{TenantID: "a", Name: "Aチーム"}
		must(t, s.CreateTeam(ctx, team))
		u, err := s.UpdateUser(ctx, "a", sv.ID, func(u *tsunagu.User) error {
			u.Role, u.DisplayName, u.TeamID = tsunagu.RoleAgent, "鈴木 一郎(応援)", team.ID
			u.Username = "renamed" // not changeable: kept
			return nil
		})
		must(t, err)
		if u.Username != sv.Username || u.Role != tsunagu.RoleAgent || u.AgentID == "" {
			t.Fatalf("user = %+v", u)
		}
		a, err := s.FindAgent(ctx, "a", u.AgentID)
		must(t, err)
		if a.Name != "鈴木 一郎(応援)" || a.TeamID != team.ID {
			t.Fatalf("agent row = %+v", a)
		}
		_, err = s.UpdateUser(ctx, "a", agent.ID, func(u *tsunagu.User) error { u.TeamID = "no-such-team"; return nil })
		mustCode(t, err, tsunagu.EINVALID)
		if tsunagu.ErrorField(err) != "team_id" {
			t.Fatalf("field = %q", tsunagu.ErrorField(err))
		}
		_, err = s.UpdateUser(ctx, "a", agent.ID, func(u *tsunagu.User) error { u.Role = "boss"; return nil })
		mustCode(t, err, tsunagu.EINVALID)
		_, err = s.UpdateUser(ctx, "b", agent.ID, func(u *tsunagu.User) error { return nil })
		mustCode(t, err, tsunagu.ENOTFOUND)

		// Disabling ends the user's sessions at once.
		now := time.Now()
		must(t, s.CreateSession(ctx, &tsunagu.Session{TokenHash: "h-admin-test", CSRFToken: "c", TenantID: "a", UserID: agent.ID,
			CreatedAt: now, ExpiresAt: now.Add(time.Hour)}))
		_, err = s.UpdateUser(ctx, "a", agent.ID, func(u *tsunagu.User) error { u.Disabled = true; return nil })
		must(t, err)
		_, err = s.FindSession(ctx, "h-admin-test", now)
		mustCode(t, err, tsunagu.ENOTFOUND)
		e := lastEvent(t, s, "a")
		if e.Type != tsunagu.EventUserUpdated || e.Subject != string(agent.ID) {
			t.Fatalf("event = %+v", e)
		}
	})
	t.Run("UpdateTrunk", func(t *testing.T) {
		tr := &tsunagu.Trunk{TenantID: "a", Name: "本線", AllowedNets: []string{"127.0.0.1"}, Numbers: []tsunagu.DID{
			{Number: "03-1111-2222", DefaultQueue: "general"}}}
		must(t, s.CreateTrunk(ctx, tr))
		taken := &tsunagu.Trunk{TenantID: "b", Name: "他社", AllowedNets: []string{"10.0.0.1"}, Numbers: []tsunagu.DID{
			{Number: "03-3333-4444", DefaultQueue: "q"}}}
		must(t, s.CreateTrunk(ctx, taken))

		edit := *tr
		edit.Name = "本線(夜間あり)"
		edit.Numbers = []tsunagu.DID{{Number: "03-1111-2222", DefaultQueue: "general",
			Hours: &tsunagu.BusinessHours{Week: map[string][]string{"mon": {"09:00-18:00"}}, ClosedOnHolidays: true}},
			{Number: "0120-111-222", DefaultQueue: "general"}}
		must(t, s.UpdateTrunk(ctx, &edit))
		_, did, err := s.FindTrunkByNumber(ctx, "+81311112222")
		must(t, err)
		if did.Hours == nil || !did.Hours.ClosedOnHolidays || did.Hours.Week["mon"][0] != "09:00-18:00" {
			t.Fatalf("did after update = %+v", did)
		}
		if _, _, err := s.FindTrunkByNumber(ctx, "+81120111222"); err != nil {
			t.Fatalf("added number: %v", err)
		}

		// Taking another tenant's number fails as a whole.
		steal := edit
		steal.Numbers = []tsunagu.DID{{Number: "0120-999-000", DefaultQueue: "general"}, {Number: "03-3333-4444", DefaultQueue: "general"}}
		err = s.UpdateTrunk(ctx, &steal)
		mustCode(t, err, tsunagu.ECONFLICT)
		if tsunagu.ErrorField(err) != "numbers[1].number" {
			t.Fatalf("field = %q", tsunagu.ErrorField(err))
		}
		ts, err := s.ListTrunks(ctx, "a")
		must(t, err)
		if len(ts) != 1 || ts[0].Name != "本線(夜間あり)" || len(ts[0].Numbers) != 2 {
			t.Fatalf("a refused update was half-written: %+v", ts)
		}
		gone := edit
		gone.ID = "trk_nope"
		mustCode(t, s.UpdateTrunk(ctx, &gone), tsunagu.ENOTFOUND)
	})
}

func mustJSON(t *testing.T, raw []byte, v any) {
	t.Helper()
	must(t, json.Unmarshal(raw, v))
}
