package storetest

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"tsunagu"
)

// testDesk checks what the desk records around a call: the identity check
// kept on the contact, the wrap-up written in one transaction with its
// feedback, promised callback and abusive flag (each its own event), the
// callback as a task done once, note templates, and tenant isolation.
func testDesk(t *testing.T, s tsunagu.Store) {
	agent, sv := newTenant(t, s, "t1")
	newTenant(t, s, "t2")
	now := time.Now()
	c := &tsunagu.Contact{TenantID: "t1", Direction: tsunagu.Inbound, Number: "090-1111-2222", ArrivedAt: now}
	must(t, s.CreateContact(ctx, c))
	_, err := s.UpdateContact(ctx, "t1", c.ID, tsunagu.EventContactVerified, map[string]any{"outcome": "verified"}, func(c *tsunagu.Contact) error {
		c.State, c.AgentID = tsunagu.ContactConnected, agent.AgentID
		c.Verification, c.VerifiedItems = tsunagu.Verified, []string{"氏名", "生年月日"}
		return nil
	})
	must(t, err)
	got, err := s.FindContact(ctx, "t1", c.ID)
	must(t, err)
	if got.Verification != tsunagu.Verified || !slices.Equal(got.VerifiedItems, []string{"氏名", "生年月日"}) {
		t.Fatalf("verification not kept: %+v", got)
	}
	due := now.Add(time.Hour)
	w := &tsunagu.WrapUp{ReasonID: "r", DispositionID: "d", Notes: "ご案内済み", ThankYou: true,
		Feedback: &tsunagu.Feedback{Category: "product", Text: "アプリの文字が小さい"},
		Callback: &tsunagu.PromisedCallback{DueAt: due, Owner: tsunagu.OwnerMe, Number: "+819011112222"},
		Abusive:  tsunagu.SeverityMedium}

	t.Run("ErrConflict", func(t *testing.T) {
		_, err := s.WrapContact(ctx, "t1", c.ID, agent.AgentID, w)
		mustCode(t, err, tsunagu.ECONFLICT) // still connected
	})
	_, err = s.UpdateContact(ctx, "t1", c.ID, tsunagu.EventContactEnded, nil, func(c *tsunagu.Contact) error {
		c.State = tsunagu.ContactEnded
		return nil
	})
	must(t, err)
	t.Run("ErrForbidden", func(t *testing.T) {
		_, err := s.WrapContact(ctx, "t1", c.ID, "agt_other", w)
		mustCode(t, err, tsunagu.EFORBIDDEN)
	})
	t.Run("TenantIsolation", func(t *testing.T) {
		_, err := s.WrapContact(ctx, "t2", c.ID, agent.AgentID, w)
		mustCode(t, err, tsunagu.ENOTFOUND)
	})
	wrapped, err := s.WrapContact(ctx, "t1", c.ID, agent.AgentID, w)
	must(t, err)
	if wrapped.State != tsunagu.ContactWrapped || wrapped.Abusive != tsunagu.SeverityMedium || !wrapped.ThankYou || wrapped.Verification != tsunagu.Verified {
		t.Fatalf("wrapped = %+v", wrapped)
	}
	evs, err := s.ContactEvents(ctx, "t1", c.ID)
	must(t, err)
	var types []tsunagu.EventType
	var cbID string
	for _, e := range evs {
		types = append(types, e.Type)
		if e.Type == tsunagu.EventContactFlagged {
			var p struct{ Severity string }
			must(t, json.Unmarshal(e.Payload, &p))
			if p.Severity != "medium" || e.AgentID != agent.AgentID {
				t.Fatalf("contact:flagged = %+v", e)
			}
		}
		if e.Type == tsunagu.EventCallbackScheduled {
			cbID = e.Subject
		}
	}
	want := []tsunagu.EventType{tsunagu.EventContactArrived, tsunagu.EventContactVerified, tsunagu.EventContactEnded, tsunagu.EventContactWrapped,
		tsunagu.EventContactFeedback, tsunagu.EventCallbackScheduled, tsunagu.EventContactFlagged}
	if !slices.Equal(types, want) {
		t.Fatalf("events %v, want %v", types, want)
	}
	t.Run("WrapOnce", func(t *testing.T) {
		_, err := s.WrapContact(ctx, "t1", c.ID, agent.AgentID, w)
		mustCode(t, err, tsunagu.ECONFLICT)
	})

	t.Run("Callbacks", func(t *testing.T) {
		mine, err := s.ListCallbacks(ctx, "t1", tsunagu.CallbackFilter{Owner: agent.AgentID, Status: tsunagu.CallbackOpen})
		must(t, err)
		if len(mine) != 1 || string(mine[0].ID) != cbID || mine[0].ContactID != c.ID || mine[0].Number != "+819011112222" ||
			!mine[0].DueAt.Equal(due.Truncate(time.Millisecond)) {
			t.Fatalf("my callbacks = %+v (event subject %s)", mine, cbID)
		}
		anyone := &tsunagu.Callback{TenantID: "t1", Number: "+81311112222", DueAt: due.Add(time.Hour), CreatedBy: agent.AgentID}
		must(t, s.CreateCallback(ctx, anyone))
		both, err := s.ListCallbacks(ctx, "t1", tsunagu.CallbackFilter{Owner: agent.AgentID, Anyone: true})
		must(t, err)
		if len(both) != 2 || both[0].ID != mine[0].ID || both[1].ID != anyone.ID {
			t.Fatalf("mine and anyone's, soonest first = %+v", both)
		}
		mustCode(t, s.CreateCallback(ctx, &tsunagu.Callback{TenantID: "t1", ContactID: "con_nope", Number: "+81311112222", DueAt: due}), tsunagu.ENOTFOUND)
		svCtx := tsunagu.NewContext(ctx, &tsunagu.Principal{TenantID: "t1", UserID: sv.ID, Role: tsunagu.RoleSupervisor})
		_, err = s.CompleteCallback(svCtx, "t2", mine[0].ID)
		mustCode(t, err, tsunagu.ENOTFOUND)
		if l, _ := s.ListCallbacks(ctx, "t2", tsunagu.CallbackFilter{}); len(l) != 0 {
			t.Fatal("tenant t2 lists t1's callbacks")
		}
		done, err := s.CompleteCallback(svCtx, "t1", mine[0].ID)
		must(t, err)
		if done.Status != tsunagu.CallbackDone || done.DoneAt == nil || done.DoneBy != sv.ID {
			t.Fatalf("done = %+v", done)
		}
		_, err = s.CompleteCallback(svCtx, "t1", mine[0].ID)
		mustCode(t, err, tsunagu.ECONFLICT)
		open, err := s.ListCallbacks(ctx, "t1", tsunagu.CallbackFilter{Owner: agent.AgentID, Status: tsunagu.CallbackOpen})
		must(t, err)
		if len(open) != 0 {
			t.Fatalf("done callback still open: %+v", open)
		}
	})

	t.Run("NoteTemplates", func(t *testing.T) {
		must(t, s.SetNoteTemplates(ctx, "t1", []string{" 手順をご案内。 ", "後日折り返し。"}))
		ts, err := s.NoteTemplates(ctx, "t1")
		must(t, err)
		if !slices.Equal(ts, []string{"手順をご案内。", "後日折り返し。"}) {
			t.Fatalf("templates = %q", ts)
		}
		mustCode(t, s.SetNoteTemplates(ctx, "t1", []string{""}), tsunagu.EINVALID)
		if ts, _ := s.NoteTemplates(ctx, "t2"); len(ts) != 0 {
			t.Fatal("tenant t2 reads t1's templates")
		}
	})
}
