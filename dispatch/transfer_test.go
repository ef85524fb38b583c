package dispatch_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"tsunagu"
	"tsunagu/dispatch"
	"tsunagu/inmem"
	"tsunagu/sqlite"
)

// xferPhone is fakePhone plus the voice side of transfers: it records what
// routing asked (the real one is tested in telephony and cmd/tsunagu).
type xferPhone struct {
	*fakePhone
	mu       sync.Mutex
	requeued []tsunagu.ContactID
	joined   []tsunagu.AgentID
	ends     []bool
}

func (p *xferPhone) Requeue(_ context.Context, id tsunagu.ContactID) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.requeued = append(p.requeued, id)
	return nil
}

func (p *xferPhone) ConsultJoin(_ context.Context, _ tsunagu.ContactID, a tsunagu.AgentID) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.joined = append(p.joined, a)
	return nil
}

func (p *xferPhone) ConsultEnd(_ context.Context, _ tsunagu.ContactID, complete bool) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ends = append(p.ends, complete)
	return nil
}

var _ dispatch.TransferPhone = (*xferPhone)(nil)

// newXferEnv is newEnv with a second queue, a leader who takes calls (a
// supervisor with an agent, "lead") and a phone that can transfer.
func newXferEnv(t *testing.T) (*env, *xferPhone) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "d.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	bus := &inmem.Bus{}
	db.SetPublish(bus.Publish)
	events, cancel := bus.Subscribe(10000)
	t.Cleanup(cancel)
	must(t, db.CreateTenant(ctx, &tsunagu.Tenant{ID: "t", Name: "x"}))
	must(t, db.CreateQueue(ctx, &tsunagu.Queue{TenantID: "t", ID: "q", Name: "一般", SLPercent: 80, SLSeconds: 20, ACWSeconds: 60}))
	must(t, db.CreateQueue(ctx, &tsunagu.Queue{TenantID: "t", ID: "q2", Name: "解約", SLPercent: 80, SLSeconds: 20, ACWSeconds: 60}))
	must(t, db.CreateDisposition(ctx, &tsunagu.Disposition{TenantID: "t", ID: "resolved", Name: "解決"}))
	e := &env{t: t, db: db, events: events}
	for _, name := range []string{"op1", "op2", "lead"} {
		u := &tsunagu.User{TenantID: "t", Username: name, DisplayName: name, Role: tsunagu.RoleAgent}
		if name == "lead" {
			u.Role, u.AgentID = tsunagu.RoleSupervisor, "lead"
		}
		must(t, db.CreateUser(ctx, u, "h"))
		e.agents = append(e.agents, u.AgentID)
	}
	e.phone = &fakePhone{store: db, reachable: map[tsunagu.AgentID]bool{}}
	for _, a := range e.agents {
		e.phone.reachable[a] = true
	}
	xp := &xferPhone{fakePhone: e.phone}
	e.d = &dispatch.Dispatcher{Store: db, Phone: xp, OfferTimeout: 2 * time.Second}
	e.phone.router = e.d
	rctx, stop := context.WithCancel(ctx)
	must(t, e.d.Start(rctx))
	t.Cleanup(func() {
		stop()
		e.d.Wait()
	})
	return e, xp
}

func (e *env) ready(ids ...tsunagu.AgentID) {
	e.t.Helper()
	for _, id := range ids {
		if _, err := e.d.SetAgentState(context.Background(), "t", id, tsunagu.StateChange{State: tsunagu.AgentAvailable}); err != nil {
			e.t.Fatal(err)
		}
	}
}

// answered queues a caller and has agent answer them.
func (e *env) answered(agent tsunagu.AgentID) *tsunagu.Contact {
	e.t.Helper()
	c := e.queued()
	if ev := e.wait(tsunagu.EventContactOffered, c.ID); ev.AgentID != agent {
		e.t.Fatalf("offered to %s, want %s", ev.AgentID, agent)
	}
	c, err := e.d.Answer(context.Background(), "t", c.ID, agent)
	must(e.t, err)
	return c
}

func agentP(a tsunagu.AgentID) *tsunagu.Principal {
	return &tsunagu.Principal{TenantID: "t", AgentID: a, Role: tsunagu.RoleAgent}
}

func payloadOf(t *testing.T, ev tsunagu.Event) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(ev.Payload, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestDispatch_BlindTransfer: the operator sends the caller to another
// queue; the caller is requeued on the phone, the operator goes to
// after-call work, the transfer is recorded before the new offer, the
// colleague answers, and both wrap-ups are on the contact.
func TestDispatch_BlindTransfer(t *testing.T) {
	e, xp := newXferEnv(t)
	ctx := context.Background()
	op1, op2 := e.agents[0], e.agents[1]
	e.ready(op1)
	c := e.answered(op1)
	e.ready(op2)

	if _, err := e.d.Transfer(ctx, agentP(op2), c.ID, tsunagu.TransferTarget{QueueID: "q2"}); tsunagu.ErrorCode(err) != tsunagu.EFORBIDDEN {
		t.Fatalf("another agent transferring: %v, want forbidden", err)
	}
	for _, bad := range []struct {
		to    tsunagu.TransferTarget
		field string
	}{
		{tsunagu.TransferTarget{}, "to"},
		{tsunagu.TransferTarget{QueueID: "q2", Leader: true}, "to"},
		{tsunagu.TransferTarget{QueueID: "nope"}, "to.queue_id"},
		{tsunagu.TransferTarget{AgentID: "nobody"}, "to.agent_id"},
		{tsunagu.TransferTarget{AgentID: op1}, "to.agent_id"},
	} {
		if _, err := e.d.Transfer(ctx, agentP(op1), c.ID, bad.to); tsunagu.ErrorField(err) != bad.field {
			t.Errorf("transfer to %+v: %v, want field %s", bad.to, err, bad.field)
		}
	}
	got, err := e.d.Transfer(ctx, agentP(op1), c.ID, tsunagu.TransferTarget{QueueID: "q2"})
	must(t, err)
	if got.State != tsunagu.ContactQueued || got.QueueID != "q2" || len(xp.requeued) != 1 {
		t.Fatalf("after transfer: %+v, requeued %v", got, xp.requeued)
	}
	tr := e.wait(tsunagu.EventContactTransferred, c.ID)
	if p := payloadOf(t, tr); tr.AgentID != op1 || p["kind"] != "blind" || p["from_agent"] != string(op1) {
		t.Fatalf("transferred event %+v %s", tr, tr.Payload)
	}
	if ev := e.wait(tsunagu.EventContactOffered, c.ID); ev.AgentID != op2 || ev.Seq < tr.Seq {
		t.Fatalf("offer after transfer: %+v", ev)
	}
	if s, _ := e.agentState(op1); s != tsunagu.AgentAfterCallWork {
		t.Fatalf("transferring agent is %s, want after_call_work", s)
	}
	_, err = e.d.Answer(ctx, "t", c.ID, op2)
	must(t, err)

	// op1 wraps up their part while op2 talks; the contact stays op2's.
	if _, err := e.d.Wrap(ctx, "t", c.ID, op1, tsunagu.WrapUp{}); tsunagu.ErrorField(err) != "disposition_id" {
		t.Fatalf("part wrap-up without disposition: %v", err)
	}
	part, err := e.d.Wrap(ctx, "t", c.ID, op1, tsunagu.WrapUp{DispositionID: "resolved", Notes: "解約窓口へ転送"})
	must(t, err)
	if part.State != tsunagu.ContactConnected || part.AgentID != op2 {
		t.Fatalf("after op1's part: %+v", part)
	}
	if s, _ := e.agentState(op1); s != tsunagu.AgentAvailable {
		t.Fatalf("op1 after their wrap-up: %s", s)
	}
	if _, err := e.d.Wrap(ctx, "t", c.ID, op1, tsunagu.WrapUp{DispositionID: "resolved"}); tsunagu.ErrorCode(err) != tsunagu.EFORBIDDEN {
		t.Fatalf("op1 wrapping up twice: %v", err)
	}
	must(t, e.d.Hangup(ctx, "t", c.ID, op2))
	_, err = e.d.Wrap(ctx, "t", c.ID, op2, tsunagu.WrapUp{DispositionID: "resolved"})
	must(t, err)
	evs, err := e.db.ContactEvents(ctx, "t", c.ID)
	must(t, err)
	var seen []string
	for _, ev := range evs {
		s := string(ev.Type)
		if a := payloadOf(t, ev)["agent_id"]; a != nil && ev.Type != tsunagu.EventContactTransferred {
			s += ":" + a.(string)
		}
		if a := payloadOf(t, ev)["part_of"]; a != nil {
			s += ":part_of:" + a.(string)
		}
		seen = append(seen, s)
	}
	want := []string{"contact:arrived", "contact:queued", "contact:offered:" + string(op1), "contact:connected:" + string(op1),
		"contact:transferred", "contact:offered:" + string(op2), "contact:connected:" + string(op2),
		"contact:wrapped:part_of:" + string(op1), "contact:ended", "contact:wrapped"}
	if len(seen) != len(want) {
		t.Fatalf("history %v\nwant    %v", seen, want)
	}
	for i := range want {
		if seen[i] != want[i] {
			t.Fatalf("history %v\nwant    %v", seen, want)
		}
	}
}

// TestDispatch_TransferToAgentAndLeader: a named colleague is offered the
// caller; "the leader" is the supervisor taking calls who is available, and
// none available is a clear refusal.
func TestDispatch_TransferToAgentAndLeader(t *testing.T) {
	e, _ := newXferEnv(t)
	ctx := context.Background()
	op1, op2, lead := e.agents[0], e.agents[1], e.agents[2]
	e.ready(op1)
	c := e.answered(op1)
	if _, err := e.d.Transfer(ctx, agentP(op1), c.ID, tsunagu.TransferTarget{Leader: true}); tsunagu.ErrorField(err) != "to.leader" ||
		tsunagu.ErrorCode(err) != tsunagu.ECONFLICT {
		t.Fatalf("no leader available: %v", err)
	}
	e.ready(op2, lead)
	// A supervisor may transfer on the operator's behalf.
	sv := &tsunagu.Principal{TenantID: "t", Role: tsunagu.RoleSupervisor}
	_, err := e.d.Transfer(ctx, sv, c.ID, tsunagu.TransferTarget{Leader: true})
	must(t, err)
	if ev := e.wait(tsunagu.EventContactOffered, c.ID); ev.AgentID != lead {
		t.Fatalf("leader transfer offered to %s, want %s", ev.AgentID, lead)
	}
	_, err = e.d.Answer(ctx, "t", c.ID, lead)
	must(t, err)
	_, err = e.d.Transfer(ctx, agentP(lead), c.ID, tsunagu.TransferTarget{AgentID: op2})
	must(t, err)
	if ev := e.wait(tsunagu.EventContactOffered, c.ID); ev.AgentID != op2 {
		t.Fatalf("named transfer offered to %s, want %s", ev.AgentID, op2)
	}
	// op2 lets it ring out: the caller goes to the queue (op1, wrapped up
	// and ready, takes it) rather than waiting for op2 for ever.
	_, err = e.d.Wrap(ctx, "t", c.ID, op1, tsunagu.WrapUp{DispositionID: "resolved"})
	must(t, err)
	if ev := e.wait(tsunagu.EventContactOffered, c.ID); ev.AgentID != op1 {
		t.Fatalf("after the named agent missed it, offered to %s, want %s", ev.AgentID, op1)
	}
}

// TestDispatch_WarmTransfer: consult a colleague while the caller holds,
// cancel, consult again, complete; and a caller who hangs up mid-consultation
// frees the consulted colleague.
func TestDispatch_WarmTransfer(t *testing.T) {
	e, xp := newXferEnv(t)
	ctx := context.Background()
	op1, op2 := e.agents[0], e.agents[1]
	e.ready(op1)
	c := e.answered(op1)
	if _, err := e.d.Consult(ctx, agentP(op1), c.ID, tsunagu.TransferTarget{AgentID: op2}); tsunagu.ErrorCode(err) != tsunagu.ECONFLICT {
		t.Fatalf("consulting a not-ready colleague: %v", err)
	}
	e.ready(op2)
	b, err := e.d.Consult(ctx, agentP(op1), c.ID, tsunagu.TransferTarget{QueueID: "q"})
	must(t, err)
	if b != op2 {
		t.Fatalf("consulted %s, want %s", b, op2)
	}
	if ev := e.wait(tsunagu.EventContactConsultStarted, c.ID); ev.AgentID != op2 {
		t.Fatalf("consult_started for %s", ev.AgentID)
	}
	if s, _ := e.agentState(op2); s != tsunagu.AgentOnContact {
		t.Fatalf("consulted agent is %s", s)
	}
	if _, err := e.d.CompleteConsult(ctx, agentP(op1), c.ID); tsunagu.ErrorCode(err) != tsunagu.ECONFLICT {
		t.Fatalf("complete before the colleague answered: %v", err)
	}
	if _, err := e.d.Transfer(ctx, agentP(op1), c.ID, tsunagu.TransferTarget{QueueID: "q2"}); tsunagu.ErrorCode(err) != tsunagu.ECONFLICT {
		t.Fatalf("blind transfer during a consultation: %v", err)
	}
	_, err = e.d.Answer(ctx, "t", c.ID, op2)
	must(t, err)
	e.wait(tsunagu.EventContactConsultJoined, c.ID)
	_, err = e.d.CancelConsult(ctx, agentP(op1), c.ID)
	must(t, err)
	if ev := e.wait(tsunagu.EventContactConsultEnded, c.ID); ev.AgentID != op2 || payloadOf(t, ev)["outcome"] != "cancelled" {
		t.Fatalf("consult_ended %+v %s", ev, ev.Payload)
	}
	if s, _ := e.agentState(op2); s != tsunagu.AgentAvailable {
		t.Fatalf("after cancel the colleague is %s", s)
	}

	_, err = e.d.Consult(ctx, agentP(op1), c.ID, tsunagu.TransferTarget{AgentID: op2})
	must(t, err)
	_, err = e.d.Answer(ctx, "t", c.ID, op2)
	must(t, err)
	done, err := e.d.CompleteConsult(ctx, agentP(op1), c.ID)
	must(t, err)
	if done.AgentID != op2 || done.State != tsunagu.ContactConnected {
		t.Fatalf("after complete: %+v", done)
	}
	if ev := e.wait(tsunagu.EventContactTransferred, c.ID); ev.AgentID != op2 || payloadOf(t, ev)["kind"] != "warm" {
		t.Fatalf("transferred %+v %s", ev, ev.Payload)
	}
	if s, _ := e.agentState(op1); s != tsunagu.AgentAfterCallWork {
		t.Fatalf("op1 after completing: %s", s)
	}
	xp.mu.Lock()
	if len(xp.joined) != 2 || len(xp.ends) != 2 || xp.ends[0] || !xp.ends[1] {
		t.Fatalf("phone: joined %v ends %v", xp.joined, xp.ends)
	}
	xp.mu.Unlock()
	// op2 now owns the call: they hold it, and consult op1 in turn.
	_, err = e.d.Hold(ctx, "t", c.ID, op2)
	must(t, err)
	_, err = e.d.Wrap(ctx, "t", c.ID, op1, tsunagu.WrapUp{DispositionID: "resolved"})
	must(t, err)
	_, err = e.d.Consult(ctx, agentP(op2), c.ID, tsunagu.TransferTarget{AgentID: op1})
	must(t, err)
	must(t, e.phone.Hangup(ctx, c.ID)) // the caller hangs up (telephony reports the end)
	if ev := e.wait(tsunagu.EventContactConsultEnded, c.ID); ev.AgentID != op1 || payloadOf(t, ev)["outcome"] != "caller_hung_up" {
		t.Fatalf("consult_ended %+v %s", ev, ev.Payload)
	}
	if s, _ := e.agentState(op1); s != tsunagu.AgentAvailable {
		t.Fatalf("consulted op1 after the caller hung up: %s", s)
	}
}
