package dispatch_test

import (
	"context"
	"testing"
	"time"

	"tsunagu"
	"tsunagu/dispatch"
)

// TestDispatch_WrapTransferredPart: the operator who transferred a caller
// writes the full wrap-up of their part — feedback, a promised callback,
// the abusive flag — while the colleague still talks; it is all recorded
// against the contact as theirs, checked against the list of the queue
// they had the caller in, and the colleague's own wrap-up neither loses
// the flag nor inherits its recovery break.
func TestDispatch_WrapTransferredPart(t *testing.T) {
	e, _ := newXferEnv(t)
	ctx := context.Background()
	op1, op2 := e.agents[0], e.agents[1]
	must(t, e.db.CreateDisposition(ctx, &tsunagu.Disposition{TenantID: "t", ID: "transferred", Name: "転送"}))
	must(t, e.db.CreateDisposition(ctx, &tsunagu.Disposition{TenantID: "t", ID: "cancelled", Name: "解約"}))
	// q (op1's) offers "transferred" and "resolved"; q2 only "cancelled".
	must(t, e.db.SetQueueDispositions(ctx, "t", "q", []tsunagu.DispositionID{"transferred", "resolved"}))
	must(t, e.db.SetQueueDispositions(ctx, "t", "q2", []tsunagu.DispositionID{"cancelled"}))
	e.ready(op1)
	c := e.answered(op1)
	e.ready(op2)
	_, err := e.d.Transfer(ctx, agentP(op1), c.ID, tsunagu.TransferTarget{QueueID: "q2"})
	must(t, err)
	if ev := e.wait(tsunagu.EventContactOffered, c.ID); ev.AgentID != op2 {
		t.Fatalf("offered to %s", ev.AgentID)
	}
	_, err = e.d.Answer(ctx, "t", c.ID, op2)
	must(t, err)

	soon := time.Now().Add(2 * time.Hour)
	full := tsunagu.WrapUp{DispositionID: "transferred", Notes: "解約のご希望、解約窓口へ", ThankYou: true,
		Feedback: &tsunagu.Feedback{Category: "pricing", Text: "解約金が高い"},
		Callback: &tsunagu.PromisedCallback{DueAt: soon, Owner: tsunagu.OwnerMe},
		Abusive:  tsunagu.SeverityHigh}
	for _, bad := range []struct {
		edit  func(w *tsunagu.WrapUp)
		field string
	}{
		{func(w *tsunagu.WrapUp) { w.DispositionID = "cancelled" }, "disposition_id"}, // q2's, not the part's queue's
		{func(w *tsunagu.WrapUp) { w.Feedback = &tsunagu.Feedback{Category: "gossip", Text: "x"} }, "feedback.category"},
		{func(w *tsunagu.WrapUp) { w.Callback = &tsunagu.PromisedCallback{DueAt: soon.Add(-72 * time.Hour)} }, "callback.due_at"},
		{func(w *tsunagu.WrapUp) { w.Abusive = "extreme" }, "abusive"},
	} {
		w := full
		bad.edit(&w)
		if _, err := e.d.Wrap(ctx, "t", c.ID, op1, w); tsunagu.ErrorField(err) != bad.field {
			t.Errorf("part wrap-up with a bad %s: %v", bad.field, err)
		}
	}
	part, err := e.d.Wrap(ctx, "t", c.ID, op1, full)
	must(t, err)
	if part.State != tsunagu.ContactConnected || part.AgentID != op2 || part.DispositionID != "" || part.Abusive != tsunagu.SeverityHigh {
		t.Fatalf("contact after op1's part: %+v", part)
	}
	// op1 goes to the recovery break offered after an abusive call; op2
	// talks on.
	if s, reason := e.agentState(op1); s != tsunagu.AgentNotReady || reason != "recovery" {
		t.Errorf("op1 after flagging their part: %s %s", s, reason)
	}
	if s, _ := e.agentState(op2); s != tsunagu.AgentOnContact {
		t.Errorf("op2 during op1's wrap-up: %s", s)
	}
	cbs, err := e.db.ListCallbacks(ctx, "t", tsunagu.CallbackFilter{Owner: op1, Status: tsunagu.CallbackOpen})
	must(t, err)
	if len(cbs) != 1 || cbs[0].ContactID != c.ID || cbs[0].Number != "+819012345678" || cbs[0].CreatedBy != op1 {
		t.Errorf("op1's promised callback: %+v", cbs)
	}

	// op2 finishes the call with q2's disposition and no flag.
	must(t, e.d.Hangup(ctx, "t", c.ID, op2))
	if _, err := e.d.Wrap(ctx, "t", c.ID, op2, tsunagu.WrapUp{DispositionID: "transferred"}); tsunagu.ErrorField(err) != "disposition_id" {
		t.Errorf("op2 with q's disposition in q2: %v", err)
	}
	final, err := e.d.Wrap(ctx, "t", c.ID, op2, tsunagu.WrapUp{DispositionID: "cancelled", Notes: "解約手続き完了"})
	must(t, err)
	if final.State != tsunagu.ContactWrapped || final.DispositionID != "cancelled" || final.Notes != "解約手続き完了" ||
		final.Abusive != tsunagu.SeverityHigh || final.ThankYou {
		t.Errorf("contact after op2's wrap-up: %+v", final)
	}
	if s, _ := e.agentState(op2); s != tsunagu.AgentAvailable {
		t.Errorf("op2 after an unflagged wrap-up: %s (the recovery break is op1's)", s)
	}

	// Each event names the operator whose it is.
	evs, err := e.db.ContactEvents(ctx, "t", c.ID)
	must(t, err)
	byAgent := map[tsunagu.EventType][]tsunagu.AgentID{}
	for _, ev := range evs {
		byAgent[ev.Type] = append(byAgent[ev.Type], ev.AgentID)
	}
	for typ, want := range map[tsunagu.EventType][]tsunagu.AgentID{
		tsunagu.EventContactWrapped:    {op1, op2},
		tsunagu.EventContactFeedback:   {op1},
		tsunagu.EventCallbackScheduled: {op1},
		tsunagu.EventContactFlagged:    {op1},
	} {
		if got := byAgent[typ]; len(got) != len(want) || got[0] != want[0] || got[len(got)-1] != want[len(want)-1] {
			t.Errorf("%s events for %v, want %v", typ, got, want)
		}
	}
	for _, ev := range evs {
		if ev.Type == tsunagu.EventContactWrapped && ev.AgentID == op1 {
			if p := payloadOf(t, ev); p["part_of"] != string(op1) || p["disposition_id"] != "transferred" || p["thank_you"] != true {
				t.Errorf("op1's part: %s", ev.Payload)
			}
		}
	}
}

// dtmfPhone is xferPhone that also takes the keypad's digits.
type dtmfPhone struct {
	*xferPhone
	sent []string
}

func (p *dtmfPhone) SendDTMF(_ context.Context, _ *tsunagu.Contact, digits string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sent = append(p.sent, digits)
	return nil
}

var _ dispatch.DTMFPhone = (*dtmfPhone)(nil)

// TestDispatch_SendDTMF: the keypad reaches the phone only from the
// operator on the call, while they talk to the caller (not on hold, not
// during a consultation), and the contact records the count.
func TestDispatch_SendDTMF(t *testing.T) {
	e, xp := newXferEnv(t)
	dp := &dtmfPhone{xferPhone: xp}
	e.d.Phone = dp
	ctx := context.Background()
	op1, op2 := e.agents[0], e.agents[1]
	e.ready(op1)
	c := e.answered(op1)
	e.ready(op2)

	if _, err := e.d.SendDTMF(ctx, "t", c.ID, op2, "1"); tsunagu.ErrorCode(err) != tsunagu.EFORBIDDEN {
		t.Errorf("another operator's keypad: %v", err)
	}
	if _, err := e.d.SendDTMF(ctx, "t", c.ID, op1, "1-2"); tsunagu.ErrorField(err) != "digits" {
		t.Errorf("bad digits: %v", err)
	}
	_, err := e.d.SendDTMF(ctx, "t", c.ID, op1, "4321#")
	must(t, err)
	ev := e.wait(tsunagu.EventContactDTMFSent, c.ID)
	if string(ev.Payload) != `{"count":5}` || ev.AgentID != op1 {
		t.Errorf("dtmf_sent %+v %s", ev, ev.Payload)
	}
	_, err = e.d.Hold(ctx, "t", c.ID, op1)
	must(t, err)
	if _, err := e.d.SendDTMF(ctx, "t", c.ID, op1, "1"); tsunagu.ErrorCode(err) != tsunagu.ECONFLICT {
		t.Errorf("on hold: %v", err)
	}
	_, err = e.d.Resume(ctx, "t", c.ID, op1)
	must(t, err)
	_, err = e.d.Consult(ctx, agentP(op1), c.ID, tsunagu.TransferTarget{AgentID: op2})
	must(t, err)
	if _, err := e.d.SendDTMF(ctx, "t", c.ID, op1, "1"); tsunagu.ErrorCode(err) != tsunagu.ECONFLICT {
		t.Errorf("during a consultation: %v", err)
	}
	_, err = e.d.CancelConsult(ctx, agentP(op1), c.ID)
	must(t, err)
	_, err = e.d.SendDTMF(ctx, "t", c.ID, op1, "9")
	must(t, err)
	must(t, e.d.Hangup(ctx, "t", c.ID, op1))
	if _, err := e.d.SendDTMF(ctx, "t", c.ID, op1, "1"); tsunagu.ErrorCode(err) != tsunagu.ECONFLICT {
		t.Errorf("after the call: %v", err)
	}
	dp.mu.Lock()
	defer dp.mu.Unlock()
	if len(dp.sent) != 2 || dp.sent[0] != "4321#" || dp.sent[1] != "9" {
		t.Errorf("the phone was asked to send %q", dp.sent)
	}
}
