package dispatch_test

import (
	"context"
	"testing"
	"time"

	"tsunagu"
	"tsunagu/dispatch"
)

func TestExpectedWait(t *testing.T) {
	for _, tc := range []struct {
		pos, serving int
		aht, want    time.Duration
	}{
		{1, 1, 3 * time.Minute, 3 * time.Minute},
		{3, 2, 2 * time.Minute, 3 * time.Minute}, // an agent frees up every minute; the third is served after three
		{1, 4, 4 * time.Minute, time.Minute},
		{2, 1, 0, 0},               // nothing handled: no basis
		{2, 0, 3 * time.Minute, 0}, // nobody serving the queue: no basis
		{0, 2, 3 * time.Minute, 0}, // not waiting
	} {
		if got := dispatch.ExpectedWait(tc.pos, tc.serving, tc.aht); got != tc.want {
			t.Errorf("ExpectedWait(%d, %d, %v) = %v, want %v", tc.pos, tc.serving, tc.aht, got, tc.want)
		}
	}
}

// callbackEnv is outboundEnv with an outbound trunk and queue q offering
// the callback.
func callbackEnv(t *testing.T) (*env, *fakeDialer) {
	e, f := outboundEnv(t)
	ctx := context.Background()
	_, err := e.db.SetTrunkOutbound(ctx, "t", "tr", &tsunagu.TrunkOutbound{Target: "192.0.2.1:5060"})
	must(t, err)
	qs, err := e.db.ListQueues(ctx, "t")
	must(t, err)
	q := qs[0]
	q.CallbackOffer = true
	must(t, e.db.UpdateQueue(ctx, &q))
	must(t, e.d.QueueChanged(ctx, "t", q.ID))
	return e, f
}

// TestDispatch_QueueCallback: a waiting caller who asks for a callback
// keeps their place as a callback task: recorded, not abandoned, offered
// ahead of callers who came later, dialled when the agent answers; a
// callback that does not connect puts the agent back and leaves an open
// callback for a person.
func TestDispatch_QueueCallback(t *testing.T) {
	e, f := callbackEnv(t)
	ctx := context.Background()
	op := e.agents[0]
	first, second := e.queued(), e.queued()
	if exp, cb, err := e.d.QueueWait(ctx, "t", first.ID); err != nil || exp != 0 || !cb {
		t.Fatalf("QueueWait = %v, %v, %v; want no estimate (nothing handled) and the offer", exp, cb, err)
	}
	must(t, e.d.RequestCallback(ctx, "t", first.ID))
	p := payloadOf(t, e.wait(tsunagu.EventContactCallbackRequested, first.ID))
	if p["queue_id"] != "q" || p["number_masked"] == first.Number || p["wait_seconds"] == nil {
		t.Errorf("contact:callback_requested %v", p)
	}
	if err := e.d.RequestCallback(ctx, "t", first.ID); tsunagu.ErrorCode(err) != tsunagu.ECONFLICT {
		t.Errorf("a second request: %v, want conflict", err)
	}
	third := e.queued()
	if pos, err := e.d.Position(ctx, "t", third.ID); err != nil || pos != 3 {
		t.Errorf("the later caller is at %d (%v), want 3", pos, err)
	}

	_, err := e.d.SetAgentState(ctx, "t", op, tsunagu.StateChange{State: tsunagu.AgentAvailable})
	must(t, err)
	offered := e.wait(tsunagu.EventContactOffered, first.ID)
	if p := payloadOf(t, offered); p["callback"] != true || offered.AgentID != op {
		t.Errorf("contact:offered %v to %s", p, offered.AgentID)
	}
	c, err := e.d.Answer(ctx, "t", first.ID, op)
	must(t, err)
	if len(f.dialed) != 1 || f.dialed[0].ID != first.ID || f.dialed[0].Number != "+819012345678" || f.dialed[0].AgentID != op {
		t.Fatalf("dialled %+v", f.dialed)
	}
	if c.AgentID != op || len(e.phone.connected) != 0 {
		t.Errorf("answer: %+v; the phone was asked to connect %v", c, e.phone.connected)
	}
	if p := payloadOf(t, e.wait(tsunagu.EventContactDialing, first.ID)); p["callback"] != "queue" || p["agent_id"] != string(op) {
		t.Errorf("contact:dialing %v", p)
	}
	if s, _ := e.agentState(op); s != tsunagu.AgentOnContact {
		t.Errorf("agent %s while calling back", s)
	}

	// Busy: the agent is available at once (and takes the next caller),
	// the promise is an open callback.
	f.finish(first.ID, false)
	if next := e.wait(tsunagu.EventContactOffered, second.ID); next.AgentID != op {
		t.Errorf("the second caller went to %s", next.AgentID)
	}
	if err := e.d.RequestCallback(ctx, "t", second.ID); tsunagu.ErrorCode(err) != tsunagu.ECONFLICT {
		t.Errorf("a request while being offered: %v, want conflict", err)
	}
	cbs, err := e.db.ListCallbacks(ctx, "t", tsunagu.CallbackFilter{Anyone: true, Status: tsunagu.CallbackOpen})
	must(t, err)
	if len(cbs) != 1 || cbs[0].ContactID != first.ID || cbs[0].Number != "+819012345678" {
		t.Errorf("open callbacks %+v", cbs)
	}
	evs, err := e.db.ContactEvents(ctx, "t", first.ID)
	must(t, err)
	for _, ev := range evs {
		if ev.Type == tsunagu.EventContactAbandoned {
			t.Error("the callback was counted as abandoned")
		}
	}

	// A caller without a number is never offered a callback.
	anon := &tsunagu.Contact{TenantID: "t", Direction: tsunagu.Inbound, ArrivedAt: time.Now()}
	must(t, e.db.CreateContact(ctx, anon))
	now := time.Now()
	anon, err = e.db.UpdateContact(ctx, "t", anon.ID, tsunagu.EventContactQueued, map[string]any{"queue_id": "q"}, func(c *tsunagu.Contact) error {
		c.State, c.QueueID, c.QueuedAt = tsunagu.ContactQueued, "q", &now
		return nil
	})
	must(t, err)
	must(t, e.d.Enqueue(ctx, anon))
	if _, cb, err := e.d.QueueWait(ctx, "t", anon.ID); err != nil || cb {
		t.Errorf("anonymous caller: offer %v, %v", cb, err)
	}
	if err := e.d.RequestCallback(ctx, "t", anon.ID); tsunagu.ErrorCode(err) != tsunagu.EINVALID {
		t.Errorf("anonymous caller's request: %v, want invalid", err)
	}
}

// TestDispatch_QueueCallbackAnswered: a callback that connects is an
// ordinary call of the queue: after-call work, then the wrap-up.
func TestDispatch_QueueCallbackAnswered(t *testing.T) {
	e, f := callbackEnv(t)
	ctx := context.Background()
	op := e.agents[0]
	c := e.queued()
	must(t, e.d.RequestCallback(ctx, "t", c.ID))
	_, err := e.d.SetAgentState(ctx, "t", op, tsunagu.StateChange{State: tsunagu.AgentAvailable})
	must(t, err)
	e.wait(tsunagu.EventContactOffered, c.ID)
	_, err = e.d.Answer(ctx, "t", c.ID, op)
	must(t, err)
	f.finish(c.ID, true)
	if s, _ := e.agentState(op); s != tsunagu.AgentAfterCallWork {
		t.Fatalf("agent %s after the callback", s)
	}
	_, err = e.d.Wrap(ctx, "t", c.ID, op, tsunagu.WrapUp{DispositionID: "resolved"})
	must(t, err)
	if s, _ := e.agentState(op); s != tsunagu.AgentAvailable {
		t.Errorf("agent %s after the wrap-up", s)
	}
	cbs, err := e.db.ListCallbacks(ctx, "t", tsunagu.CallbackFilter{Anyone: true})
	must(t, err)
	if len(cbs) != 0 {
		t.Errorf("a connected callback left callbacks %+v", cbs)
	}
}

// TestDispatch_QueueWaitEstimate: the expected wait is the place times the
// queue's recent average handle time over the agents serving it; without
// handled calls there is none.
func TestDispatch_QueueWaitEstimate(t *testing.T) {
	t.Run("NoBasis", func(t *testing.T) {
		e := newEnv(t)
		ctx := context.Background()
		serving(t, e)
		c := e.queued()
		if exp, cb, err := e.d.QueueWait(ctx, "t", c.ID); err != nil || exp != 0 || cb {
			t.Errorf("QueueWait = %v, %v, %v; want nothing", exp, cb, err)
		}
	})
	t.Run("FromHandledCalls", func(t *testing.T) {
		e := newEnv(t)
		ctx := context.Background()
		now := time.Now()
		// Three calls of 2 minutes from connection to wrap-up, one of an
		// hour yesterday (too old to count) and an outbound call (not the
		// queue's waiting line).
		for _, h := range []struct {
			ago, took time.Duration
			dir       tsunagu.Direction
		}{{time.Hour, 2 * time.Minute, tsunagu.Inbound}, {50 * time.Minute, 2 * time.Minute, tsunagu.Inbound},
			{40 * time.Minute, 2 * time.Minute, tsunagu.Inbound}, {20 * time.Hour, time.Hour, tsunagu.Inbound},
			{30 * time.Minute, 30 * time.Minute, tsunagu.Outbound}} {
			handledCall(t, e, now.Add(-h.ago), h.took, h.dir)
		}
		serving(t, e)
		c2, c3 := e.queued(), e.queued()
		for c, want := range map[*tsunagu.Contact]time.Duration{c2: 2 * time.Minute, c3: 4 * time.Minute} {
			if exp, _, err := e.d.QueueWait(ctx, "t", c.ID); err != nil || exp != want {
				t.Errorf("expected wait %v (%v), want %v", exp, err, want)
			}
		}
	})
}

// serving puts the first agent on a call: one agent serves the queue and
// nobody is free.
func serving(t *testing.T, e *env) {
	t.Helper()
	ctx := context.Background()
	op := e.agents[0]
	_, err := e.d.SetAgentState(ctx, "t", op, tsunagu.StateChange{State: tsunagu.AgentAvailable})
	must(t, err)
	c := e.queued()
	e.wait(tsunagu.EventContactOffered, c.ID)
	_, err = e.d.Answer(ctx, "t", c.ID, op)
	must(t, err)
}

// handledCall stores a wrapped-up contact of queue q connected at and
// wrapped took later.
func handledCall(t *testing.T, e *env, at time.Time, took time.Duration, dir tsunagu.Direction) {
	t.Helper()
	ctx := context.Background()
	c := &tsunagu.Contact{TenantID: "t", Direction: dir, Number: "09011112222", ArrivedAt: at}
	must(t, e.db.CreateContact(ctx, c))
	wrapped := at.Add(took)
	_, err := e.db.UpdateContact(ctx, "t", c.ID, tsunagu.EventContactWrapped, map[string]any{}, func(c *tsunagu.Contact) error {
		c.State, c.QueueID, c.ConnectedAt, c.WrappedAt = tsunagu.ContactWrapped, "q", &at, &wrapped
		return nil
	})
	must(t, err)
}

// TestDispatch_QueueCallbackAfterRestart: the engine's tasks do not
// survive a restart; a callback still waiting is ended by the system and
// becomes an open callback for a person, while a caller merely waiting is
// closed as abandoned, as before.
func TestDispatch_QueueCallbackAfterRestart(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	asked, waiting := e.queued(), e.queued()
	must(t, e.d.RequestCallback(ctx, "t", asked.ID))
	e.wait(tsunagu.EventContactCallbackRequested, asked.ID)

	next := &dispatch.Dispatcher{Store: e.db}
	rctx, stop := context.WithCancel(ctx)
	must(t, next.Start(rctx))
	t.Cleanup(func() { stop(); next.Wait() })

	c, err := e.db.FindContact(ctx, "t", asked.ID)
	must(t, err)
	if c.State != tsunagu.ContactEnded {
		t.Errorf("the callback's contact is %s after the restart, want ended", c.State)
	}
	if p := payloadOf(t, e.wait(tsunagu.EventContactEnded, asked.ID)); p["by"] != "system" || p["reason"] != "restart" {
		t.Errorf("contact:ended %v", p)
	}
	cbs, err := e.db.ListCallbacks(ctx, "t", tsunagu.CallbackFilter{Anyone: true, Status: tsunagu.CallbackOpen})
	must(t, err)
	if len(cbs) != 1 || cbs[0].ContactID != asked.ID {
		t.Errorf("open callbacks %+v", cbs)
	}
	w, err := e.db.FindContact(ctx, "t", waiting.ID)
	must(t, err)
	if w.State != tsunagu.ContactAbandoned {
		t.Errorf("the waiting caller is %s, want abandoned", w.State)
	}
}
