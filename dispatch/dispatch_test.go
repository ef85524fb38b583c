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

// fakePhone stands in for telephony + softphone, the true edge here: it
// records what routing asked of the voice side and, like telephony, records
// the contact's end when the agent hangs up.
type fakePhone struct {
	mu        sync.Mutex
	store     *sqlite.DB
	reachable map[tsunagu.AgentID]bool
	router    *dispatch.Dispatcher
	connected []tsunagu.ContactID
	hungUp    []tsunagu.ContactID
	// gone: agents whose phone is gone by the time a call is bridged
	// (Connect fails as the desk phone's or softphone's absence does).
	gone map[tsunagu.AgentID]bool
}

func (p *fakePhone) Connect(ctx context.Context, c *tsunagu.Contact) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.gone[c.AgentID] {
		return tsunagu.Errorf(tsunagu.ECONFLICT, "Agent %s has no softphone connected.", c.AgentID)
	}
	p.connected = append(p.connected, c.ID)
	return nil
}

func (p *fakePhone) Hangup(ctx context.Context, id tsunagu.ContactID) error {
	p.mu.Lock()
	p.hungUp = append(p.hungUp, id)
	p.mu.Unlock()
	now := time.Now()
	c, err := p.store.FindContact(ctx, "t", id)
	if err != nil {
		return err
	}
	_, err = p.store.UpdateContact(ctx, c.TenantID, id, tsunagu.EventContactEnded, map[string]any{"by": "agent"}, func(c *tsunagu.Contact) error {
		c.State, c.EndedAt = tsunagu.ContactEnded, &now
		return nil
	})
	if err == nil {
		p.router.Ended(ctx, c.TenantID, id) // as telephony does
	}
	return err
}

func (p *fakePhone) Hold(ctx context.Context, id tsunagu.ContactID) error   { return nil }
func (p *fakePhone) Resume(ctx context.Context, id tsunagu.ContactID) error { return nil }

func (p *fakePhone) Reachable(a tsunagu.AgentID) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.reachable[a]
}

type env struct {
	t      *testing.T
	db     *sqlite.DB
	d      *dispatch.Dispatcher
	phone  *fakePhone
	events <-chan tsunagu.Event
	agents []tsunagu.AgentID
}

func newEnv(t *testing.T) *env {
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
	must(t, db.CreateDisposition(ctx, &tsunagu.Disposition{TenantID: "t", ID: "resolved", Name: "解決"}))
	e := &env{t: t, db: db, events: events}
	for _, name := range []string{"op1", "op2"} {
		u := &tsunagu.User{TenantID: "t", Username: name, DisplayName: name, Role: tsunagu.RoleAgent}
		must(t, db.CreateUser(ctx, u, "h"))
		e.agents = append(e.agents, u.AgentID)
	}
	e.phone = &fakePhone{store: db, reachable: map[tsunagu.AgentID]bool{e.agents[0]: true, e.agents[1]: true}}
	e.d = &dispatch.Dispatcher{Store: db, Phone: e.phone, OfferTimeout: 300 * time.Millisecond}
	e.phone.router = e.d
	rctx, stop := context.WithCancel(ctx)
	must(t, e.d.Start(rctx))
	t.Cleanup(func() {
		stop()
		e.d.Wait()
	})
	return e
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// queued creates a caller who has chosen queue q, as telephony does, and
// hands them to routing.
func (e *env) queued() *tsunagu.Contact {
	e.t.Helper()
	ctx := context.Background()
	now := time.Now()
	c := &tsunagu.Contact{TenantID: "t", Direction: tsunagu.Inbound, Number: "09012345678", ArrivedAt: now}
	must(e.t, e.db.CreateContact(ctx, c))
	c, err := e.db.UpdateContact(ctx, "t", c.ID, tsunagu.EventContactQueued, map[string]any{"queue_id": "q"}, func(c *tsunagu.Contact) error {
		c.State, c.QueueID, c.QueuedAt = tsunagu.ContactQueued, "q", &now
		return nil
	})
	must(e.t, err)
	must(e.t, e.d.Enqueue(ctx, c))
	return c
}

// wait returns the next event of the given type about the contact.
func (e *env) wait(typ tsunagu.EventType, contact tsunagu.ContactID) tsunagu.Event {
	e.t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case ev := <-e.events:
			if ev.Type == typ && ev.ContactID == contact {
				return ev
			}
		case <-deadline:
			e.t.Fatalf("no %s for %s within 10 s", typ, contact)
		}
	}
}

func (e *env) agentState(id tsunagu.AgentID) (tsunagu.AgentState, string) {
	a, err := e.db.FindAgent(context.Background(), "t", id)
	must(e.t, err)
	return a.State, a.StateReason
}

// TestDispatch_CallLifecycle follows one caller from the queue to the wrap-up:
// offered to the available agent, answered (audio connected), hung up by the
// agent (after-call work), wrapped up (available again) — each step an event.
func TestDispatch_CallLifecycle(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	op := e.agents[0]
	if _, err := e.d.SetAgentState(ctx, "t", op, tsunagu.StateChange{State: tsunagu.AgentAvailable}); err != nil {
		t.Fatal(err)
	}
	c := e.queued()
	offered := e.wait(tsunagu.EventContactOffered, c.ID)
	if offered.AgentID != op {
		t.Fatalf("offered to %s, want %s", offered.AgentID, op)
	}
	var why struct{ Why string }
	json.Unmarshal(offered.Payload, &why)
	if why.Why == "" {
		t.Fatal("the offer carries no explanation")
	}
	if s, _ := e.agentState(op); s != tsunagu.AgentReserved {
		t.Fatalf("agent %s while ringing", s)
	}
	// Only the offered agent can answer.
	if _, err := e.d.Answer(ctx, "t", c.ID, e.agents[1]); err == nil {
		t.Fatal("another agent answered the offer")
	}
	got, err := e.d.Answer(ctx, "t", c.ID, op)
	must(t, err)
	if got.State != tsunagu.ContactConnected || got.ConnectedAt == nil || len(e.phone.connected) != 1 {
		t.Fatalf("after answer: %+v, phone connected %v", got, e.phone.connected)
	}
	if s, _ := e.agentState(op); s != tsunagu.AgentOnContact {
		t.Fatalf("agent %s on the call", s)
	}
	// Hold and resume while the agent looks something up.
	if _, err := e.d.Hold(ctx, "t", c.ID, e.agents[1]); tsunagu.ErrorCode(err) != tsunagu.ECONFLICT {
		t.Fatalf("another agent holding the call: %v", err)
	}
	_, err = e.d.Hold(ctx, "t", c.ID, op)
	must(t, err)
	_, err = e.d.Resume(ctx, "t", c.ID, op)
	must(t, err)
	// Wrap-up before the end is refused.
	if _, err := e.d.Wrap(ctx, "t", c.ID, op, tsunagu.WrapUp{DispositionID: "resolved"}); tsunagu.ErrorCode(err) != tsunagu.ECONFLICT {
		t.Fatalf("wrap-up while connected: %v", err)
	}
	must(t, e.d.Hangup(ctx, "t", c.ID, op))
	if len(e.phone.hungUp) != 1 {
		t.Fatal("the caller got no hang-up")
	}
	if s, _ := e.agentState(op); s != tsunagu.AgentAfterCallWork {
		t.Fatalf("agent %s after the call, want after_call_work", s)
	}
	if _, err := e.d.Wrap(ctx, "t", c.ID, op, tsunagu.WrapUp{DispositionID: "nope"}); tsunagu.ErrorField(err) != "disposition_id" {
		t.Fatalf("unknown disposition: %v", err)
	}
	w, err := e.d.Wrap(ctx, "t", c.ID, op, tsunagu.WrapUp{DispositionID: "resolved", Notes: " パスワード再設定を案内 ", ThankYou: true})
	must(t, err)
	if w.State != tsunagu.ContactWrapped || !w.ThankYou || w.Notes != "パスワード再設定を案内" {
		t.Fatalf("wrapped = %+v", w)
	}
	if s, _ := e.agentState(op); s != tsunagu.AgentAvailable {
		t.Fatalf("agent %s after wrap-up, want available", s)
	}
	evs, err := e.db.ContactEvents(ctx, "t", c.ID)
	must(t, err)
	var types []tsunagu.EventType
	for _, ev := range evs {
		types = append(types, ev.Type)
	}
	want := []tsunagu.EventType{tsunagu.EventContactArrived, tsunagu.EventContactQueued, tsunagu.EventContactOffered,
		tsunagu.EventContactConnected, tsunagu.EventContactHeld, tsunagu.EventContactResumed, tsunagu.EventContactEnded, tsunagu.EventContactWrapped}
	if len(types) != len(want) {
		t.Fatalf("events %v, want %v", types, want)
	}
	for i := range want {
		if types[i] != want[i] {
			t.Fatalf("events %v, want %v", types, want)
		}
	}
}

// TestDispatch_MissedOffer: an agent who does not answer is made not-ready
// ("missed") and the caller goes to the next available agent.
func TestDispatch_MissedOffer(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	first, second := e.agents[0], e.agents[1]
	_, err := e.d.SetAgentState(ctx, "t", first, tsunagu.StateChange{State: tsunagu.AgentAvailable})
	must(t, err)
	c := e.queued()
	if ev := e.wait(tsunagu.EventContactOffered, c.ID); ev.AgentID != first {
		t.Fatalf("first offer to %s", ev.AgentID)
	}
	requeued := e.wait(tsunagu.EventContactQueued, c.ID)
	var p struct{ Requeued, MissedBy string }
	json.Unmarshal(requeued.Payload, &p)
	if p.Requeued != "offer_missed" {
		t.Fatalf("requeue payload %s", requeued.Payload)
	}
	if s, r := e.agentState(first); s != tsunagu.AgentNotReady || r != "missed" {
		t.Fatalf("agent who missed: %s (%s)", s, r)
	}
	_, err = e.d.SetAgentState(ctx, "t", second, tsunagu.StateChange{State: tsunagu.AgentAvailable})
	must(t, err)
	if ev := e.wait(tsunagu.EventContactOffered, c.ID); ev.AgentID != second {
		t.Fatalf("second offer to %s", ev.AgentID)
	}
}

// TestDispatch_PhoneGoneAtAnswer: the operator answered, but by the time
// the call was to be bridged their phone was gone (under heavy load the
// desk phone had already hung up). The caller must not stay connected to
// nobody: they go back to their queue and the next operator gets them.
func TestDispatch_PhoneGoneAtAnswer(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	first, second := e.agents[0], e.agents[1]
	_, err := e.d.SetAgentState(ctx, "t", first, tsunagu.StateChange{State: tsunagu.AgentAvailable})
	must(t, err)
	c := e.queued()
	e.wait(tsunagu.EventContactOffered, c.ID)
	e.phone.mu.Lock()
	e.phone.gone = map[tsunagu.AgentID]bool{first: true}
	e.phone.mu.Unlock()
	_, err = e.d.Answer(ctx, "t", c.ID, first)
	must(t, err)
	ev := e.wait(tsunagu.EventContactTransferred, c.ID)
	var p struct {
		Reason    string          `json:"reason"`
		FromAgent tsunagu.AgentID `json:"from_agent"`
		QueueID   tsunagu.QueueID `json:"queue_id"`
	}
	must(t, json.Unmarshal(ev.Payload, &p))
	if p.Reason != "agent_phone_lost" || p.FromAgent != first || p.QueueID != "q" {
		t.Fatalf("transferred %s", ev.Payload)
	}
	_, err = e.d.SetAgentState(ctx, "t", second, tsunagu.StateChange{State: tsunagu.AgentAvailable})
	must(t, err)
	if ev := e.wait(tsunagu.EventContactOffered, c.ID); ev.AgentID != second {
		t.Fatalf("offered again to %s, want %s", ev.AgentID, second)
	}
	if got, err := e.db.FindContact(ctx, "t", c.ID); err != nil || got.State != tsunagu.ContactOffered {
		t.Fatalf("contact %+v, %v", got, err)
	}
}

// TestDispatch_UnreachablePhone: no caller is offered to a closed softphone.
func TestDispatch_UnreachablePhone(t *testing.T) {
	e := newEnv(t)
	e.phone.mu.Lock()
	e.phone.reachable[e.agents[0]] = false
	e.phone.mu.Unlock()
	_, err := e.d.SetAgentState(context.Background(), "t", e.agents[0], tsunagu.StateChange{State: tsunagu.AgentAvailable})
	if tsunagu.ErrorCode(err) != tsunagu.ECONFLICT || tsunagu.ErrorField(err) != "state" {
		t.Fatalf("available without a phone: %v", err)
	}
	if s, _ := e.agentState(e.agents[0]); s != tsunagu.AgentOffline {
		t.Fatalf("state %s", s)
	}
	// Breaks need no phone.
	a, err := e.d.SetAgentState(context.Background(), "t", e.agents[0], tsunagu.StateChange{State: tsunagu.AgentNotReady, Reason: "break"})
	must(t, err)
	if a.State != tsunagu.AgentNotReady || a.StateReason != "break" {
		t.Fatalf("agent = %+v", a)
	}
}

// TestDispatch_CallerHangsUp: a caller who hangs up while ringing frees the
// agent; one who hangs up while connected sends the agent to wrap-up.
func TestDispatch_CallerHangsUp(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	op := e.agents[0]
	_, err := e.d.SetAgentState(ctx, "t", op, tsunagu.StateChange{State: tsunagu.AgentAvailable})
	must(t, err)
	c := e.queued()
	e.wait(tsunagu.EventContactOffered, c.ID)
	e.d.Abandoned(ctx, "t", c.ID)
	if s, _ := e.agentState(op); s != tsunagu.AgentAvailable {
		t.Fatalf("agent %s after the ringing caller hung up", s)
	}
	c2 := e.queued()
	e.wait(tsunagu.EventContactOffered, c2.ID)
	_, err = e.d.Answer(ctx, "t", c2.ID, op)
	must(t, err)
	e.d.Ended(ctx, "t", c2.ID)
	if s, _ := e.agentState(op); s != tsunagu.AgentAfterCallWork {
		t.Fatalf("agent %s after the caller hung up", s)
	}
}

// TestDispatch_PhoneLost: an available agent whose softphone goes away is
// made not-ready, and the next caller is not offered to them.
func TestDispatch_PhoneLost(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	op := e.agents[0]
	_, err := e.d.SetAgentState(ctx, "t", op, tsunagu.StateChange{State: tsunagu.AgentAvailable})
	must(t, err)
	e.phone.mu.Lock()
	e.phone.reachable[op] = false
	e.phone.mu.Unlock()
	e.d.PhoneLost(op)
	if s, r := e.agentState(op); s != tsunagu.AgentNotReady || r != "disconnected" {
		t.Fatalf("agent %s (%s) after losing the phone", s, r)
	}
	// A caller now waits for an agent with a phone, and gets the second one.
	c := e.queued()
	_, err = e.d.SetAgentState(ctx, "t", e.agents[1], tsunagu.StateChange{State: tsunagu.AgentAvailable})
	must(t, err)
	if ev := e.wait(tsunagu.EventContactOffered, c.ID); ev.AgentID != e.agents[1] {
		t.Fatalf("offered to %s", ev.AgentID)
	}
}

// TestDispatch_ClosesOrphans: contacts a crashed run left waiting or
// connected are closed at start, so they stop counting as waiting.
func TestDispatch_ClosesOrphans(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "o.db"))
	must(t, err)
	defer db.Close()
	must(t, db.CreateTenant(ctx, &tsunagu.Tenant{ID: "t", Name: "x"}))
	must(t, db.CreateQueue(ctx, &tsunagu.Queue{TenantID: "t", ID: "q", Name: "q", SLPercent: 80, SLSeconds: 20}))
	past := time.Now().Add(-time.Minute)
	waiting := &tsunagu.Contact{TenantID: "t", Direction: tsunagu.Inbound, State: tsunagu.ContactQueued, QueueID: "q", ArrivedAt: past, QueuedAt: &past}
	talking := &tsunagu.Contact{TenantID: "t", Direction: tsunagu.Inbound, State: tsunagu.ContactConnected, QueueID: "q", ArrivedAt: past, QueuedAt: &past, ConnectedAt: &past}
	done := &tsunagu.Contact{TenantID: "t", Direction: tsunagu.Inbound, State: tsunagu.ContactWrapped, QueueID: "q", ArrivedAt: past}
	for _, c := range []*tsunagu.Contact{waiting, talking, done} {
		must(t, db.CreateContact(ctx, c))
	}
	d := &dispatch.Dispatcher{Store: db}
	rctx, stop := context.WithCancel(ctx)
	must(t, d.Start(rctx))
	stop()
	d.Wait()
	for c, want := range map[*tsunagu.Contact]tsunagu.ContactState{waiting: tsunagu.ContactAbandoned, talking: tsunagu.ContactEnded, done: tsunagu.ContactWrapped} {
		got, err := db.FindContact(ctx, "t", c.ID)
		must(t, err)
		if got.State != want {
			t.Errorf("%s: %s, want %s", c.ID, got.State, want)
		}
	}
	stats, err := db.QueueStats(ctx, "t", past.Add(-time.Hour), time.Now())
	must(t, err)
	if stats[0].Waiting != 0 || stats[0].AbandonedToday != 1 {
		t.Fatalf("stats after restart = %+v", stats[0])
	}
}
