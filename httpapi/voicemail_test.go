package httpapi_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"tsunagu"
	"tsunagu/httpapi"
)

// TestVoicemail_API: a voicemail is the contact's recording and an unowned
// callback for its queue. The operators who serve the queue see it in "My
// callbacks" and play it through the audited recording download; an
// operator who does not serve the queue sees neither; supervisors see and
// play every one; nobody in another tenant does.
func TestVoicemail_API(t *testing.T) {
	live := &fakeLive{dir: t.TempDir()}
	e := newEnv(t, func(c *httpapi.Config) { c.LiveCalls = live })
	live.db = e.db
	ctx := context.Background()
	sk := &tsunagu.Skill{TenantID: "a", Name: "英語"}
	mustNil(t, e.db.CreateSkill(ctx, sk))
	mustNil(t, e.db.CreateQueue(ctx, &tsunagu.Queue{ID: "q_open", TenantID: "a", Name: "総合", SLPercent: 80, SLSeconds: 20}))
	mustNil(t, e.db.CreateQueue(ctx, &tsunagu.Queue{ID: "q_expert", TenantID: "a", Name: "英語窓口", SLPercent: 80, SLSeconds: 20,
		Skills: []tsunagu.SkillLevel{{SkillID: sk.ID, Level: 5}}}))
	if err := e.db.CreateQueue(ctx, &tsunagu.Queue{ID: tsunagu.QueueVoicemail, TenantID: "a", Name: "x"}); tsunagu.ErrorCode(err) != tsunagu.EINVALID {
		t.Errorf("a queue named voicemail: %v", err)
	}

	wav := []byte("RIFF....WAVEfmt a message")
	voicemail := func(queue tsunagu.QueueID) (*tsunagu.Contact, *tsunagu.Callback) {
		t.Helper()
		c := &tsunagu.Contact{TenantID: "a", Direction: tsunagu.Inbound, Number: "09012345678", ArrivedAt: time.Now()}
		mustNil(t, e.db.CreateContact(ctx, c))
		rec := &tsunagu.Recording{TenantID: "a", ContactID: c.ID, Path: "a/" + string(c.ID) + ".wav", StartedAt: time.Now()}
		mustNil(t, e.db.StartRecording(ctx, rec))
		if _, err := e.db.StopRecording(ctx, "a", c.ID, time.Now(), 4.2, 0); err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(filepath.Join(live.dir, "a"), 0o750)
		mustNil(t, os.WriteFile(filepath.Join(live.dir, rec.Path), wav, 0o640))
		cb := &tsunagu.Callback{TenantID: "a", ContactID: c.ID, Number: c.Number, DueAt: time.Now(), QueueID: queue, VoicemailSeconds: 4.2}
		mustNil(t, e.db.CreateCallback(ctx, cb))
		now := time.Now()
		c, err := e.db.UpdateContact(ctx, "a", c.ID, tsunagu.EventContactVoicemail, map[string]any{"queue_id": queue, "callback_id": cb.ID},
			func(x *tsunagu.Contact) error {
				x.State, x.EndedAt, x.QueueID = tsunagu.ContactEnded, &now, queue
				return nil
			})
		mustNil(t, err)
		return c, cb
	}
	open, openCB := voicemail("q_open")
	expert, expertCB := voicemail("q_expert")
	agent, sv, other := e.login("a-agent"), e.login("a-supervisor"), e.login("b-supervisor")

	t.Run("Play", func(t *testing.T) {
		res := agent.do("GET", "/api/v1/contacts/"+string(open.ID)+"/recording", nil)
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != "audio/wav" || string(res.body) != string(wav) {
			t.Fatalf("agent plays their queue's voicemail: %d %s", res.StatusCode, res.body)
		}
		if res := agent.do("GET", "/api/v1/contacts/"+string(expert.ID)+"/recording", nil); res.StatusCode != 403 || res.problem().Code != tsunagu.EFORBIDDEN {
			t.Errorf("agent plays another queue's voicemail: %d %s", res.StatusCode, res.body)
		}
		if res := sv.do("GET", "/api/v1/contacts/"+string(expert.ID)+"/recording", nil); res.StatusCode != 200 {
			t.Errorf("supervisor: %d %s", res.StatusCode, res.body)
		}
		if res := other.do("GET", "/api/v1/contacts/"+string(open.ID)+"/recording", nil); res.StatusCode != 404 {
			t.Errorf("another tenant: %d %s", res.StatusCode, res.body)
		}
		// Each play is an audited read.
		es, err := e.db.ContactEvents(ctx, "a", open.ID)
		mustNil(t, err)
		reads := 0
		for _, ev := range es {
			if ev.Type == tsunagu.EventRecordingDownloaded {
				reads++
			}
		}
		if reads != 1 {
			t.Errorf("%d audited reads of the agent's play, want 1", reads)
		}
	})
	t.Run("SkilledAgentPlays", func(t *testing.T) {
		mustNil(t, e.db.SetAgentSkills(ctx, "a", e.users["a-agent"].AgentID, []tsunagu.SkillLevel{{SkillID: sk.ID, Level: 6}}))
		t.Cleanup(func() { mustNil(t, e.db.SetAgentSkills(ctx, "a", e.users["a-agent"].AgentID, nil)) })
		if res := agent.do("GET", "/api/v1/contacts/"+string(expert.ID)+"/recording", nil); res.StatusCode != 200 {
			t.Errorf("an agent with the skill: %d %s", res.StatusCode, res.body)
		}
	})
	t.Run("List", func(t *testing.T) {
		var got struct{ Items []tsunagu.Callback }
		res := agent.do("GET", "/api/v1/callbacks?owner=mine", nil)
		res.json(&got)
		if res.StatusCode != 200 || len(got.Items) != 1 || got.Items[0].ID != openCB.ID || got.Items[0].VoicemailSeconds != 4.2 ||
			got.Items[0].QueueID != "q_open" || got.Items[0].Number != "+819012345678" {
			t.Fatalf("agent's callbacks: %d %s", res.StatusCode, res.body)
		}
		res = sv.do("GET", "/api/v1/callbacks?queue=q_expert", nil)
		got.Items = nil
		res.json(&got)
		if res.StatusCode != 200 || len(got.Items) != 1 || got.Items[0].ID != expertCB.ID {
			t.Fatalf("supervisor, one queue: %d %s", res.StatusCode, res.body)
		}
	})
}
