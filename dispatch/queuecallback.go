package dispatch

import (
	"context"
	"errors"
	"math"
	"sync"
	"time"

	"tsunagu"
	"tsunagu/acd"
)

// Waiting callers: the expected wait and the callback that keeps their
// place (telephony.QueueWaiter; choices in docs/telephony.md, "Waiting in
// the queue").
//
// A caller who presses 1 stays the same contact and keeps their place in
// the engine (acd.Engine.ConvertToCallback): when it is their turn and an
// agent is free, the agent is offered a callback task (contact:offered
// {"callback": true}, no desk phone rings). Answering places the outbound
// call to the caller's number over the tenant's trunk with the agent's leg
// first, exactly as a click-to-call (outbound.go): contact:dialing, then
// telephony's contact:ringing, contact:connected and contact:ended. From
// the connection on it is an ordinary call of the queue: after-call work and
// wrap-up. A callback that does not connect (busy, no answer, cancelled)
// ends the contact, puts the agent straight back, and leaves an open
// callback in "My callbacks" so that the promise is kept by a person.

// queueCallbacks is the dispatcher's state for waiting callers: the
// queues' offer settings, the callback tasks, recent handle times.
type queueCallbacks struct {
	mu     sync.Mutex
	offers map[queueKey]callbackOffer
	tasks  map[tsunagu.ContactID]*queueCallback
	handle map[queueKey]*handleTimes
}

type queueKey struct {
	tenant tsunagu.TenantID
	queue  tsunagu.QueueID
}

// callbackOffer is a queue's setting (tsunagu.Queue.CallbackOffer).
type callbackOffer struct {
	on    bool
	after time.Duration
}

// queueCallback is one caller's callback task.
type queueCallback struct {
	agent   tsunagu.AgentID // the agent calling, once answered
	dialing bool
}

// note records a queue's callback setting when routing loads it (a hook
// in queueConfig).
func (x *queueCallbacks) note(q *tsunagu.Queue) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.offers == nil {
		x.offers = map[queueKey]callbackOffer{}
	}
	x.offers[queueKey{q.TenantID, q.ID}] = callbackOffer{on: q.CallbackOffer, after: time.Duration(q.CallbackOfferAfterSeconds) * time.Second}
}

func (x *queueCallbacks) offer(t tsunagu.TenantID, q tsunagu.QueueID) callbackOffer {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.offers[queueKey{t, q}]
}

func (x *queueCallbacks) task(id tsunagu.ContactID) (queueCallback, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if t := x.tasks[id]; t != nil {
		return *t, true
	}
	return queueCallback{}, false
}

func (x *queueCallbacks) put(id tsunagu.ContactID, t *queueCallback) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.tasks == nil {
		x.tasks = map[tsunagu.ContactID]*queueCallback{}
	}
	if t == nil {
		delete(x.tasks, id)
	} else {
		x.tasks[id] = t
	}
}

// QueueWait tells telephony what a waiting caller may hear besides their
// place (telephony.QueueWaiter): the expected wait, 0 without a basis, and
// whether the callback is offered — the queue allows it, the caller has
// waited long enough, has a number, and the tenant's trunk may call it.
func (d *Dispatcher) QueueWait(ctx context.Context, tid tsunagu.TenantID, id tsunagu.ContactID) (time.Duration, bool, error) {
	c, err := d.Store.FindContact(ctx, tid, id)
	if err != nil {
		return 0, false, err
	}
	t, err := d.tenant(tid)
	if err != nil {
		return 0, false, err
	}
	var pos, serving int
	err = t.runner.Do(ctx, func(e *acd.Engine, now time.Time) ([]acd.Decision, error) {
		p, _, err := e.Position(id)
		if err != nil {
			return nil, err
		}
		st, err := e.Stats(now, c.QueueID)
		if err != nil {
			return nil, err
		}
		pos = p
		serving = st.Agents.Available + st.Agents.Reserved + st.Agents.OnContact + st.Agents.ACW
		return nil, nil
	})
	if err != nil {
		return 0, false, err
	}
	now := d.now()
	aht := d.handleTime(ctx, tid, c.QueueID, now)
	return ExpectedWait(pos, serving, aht), d.offersCallback(ctx, c, now), nil
}

// offersCallback says whether waiting caller c may be offered the callback
// now. The trunk is checked before the offer, not after the caller pressed
// 1: a promise the center cannot dial is not made.
func (d *Dispatcher) offersCallback(ctx context.Context, c *tsunagu.Contact, now time.Time) bool {
	o := d.qcb.offer(c.TenantID, c.QueueID)
	if !o.on || c.Number == "" || d.Outbound == nil {
		return false
	}
	if o.after > 0 && (c.QueuedAt == nil || now.Sub(*c.QueuedAt) < o.after) {
		return false
	}
	trunk, err := d.Outbound.OutboundTrunk(ctx, c.TenantID)
	return err == nil && trunk.Outbound != nil && trunk.Outbound.Allows(c.Number)
}

// RequestCallback turns a waiting caller into a callback task that keeps
// their place (telephony.QueueWaiter) and records
// contact:callback_requested with the wait so far. The contact stays
// queued: it is not abandoned, and the engine offers it in its turn.
//
// Errors: ENOTFOUND for an unknown contact; EINVALID when the caller's
// number is unknown; ECONFLICT when the caller is not waiting (being
// offered to an agent at this moment) or already asked.
func (d *Dispatcher) RequestCallback(ctx context.Context, tid tsunagu.TenantID, id tsunagu.ContactID) error {
	c, err := d.Store.FindContact(ctx, tid, id)
	if err != nil {
		return err
	}
	if c.Number == "" {
		return tsunagu.Errorf(tsunagu.EINVALID, "The caller's number is unknown: they cannot be called back.")
	}
	if _, ok := d.qcb.task(id); ok {
		return tsunagu.Errorf(tsunagu.ECONFLICT, "The caller has already asked to be called back.")
	}
	t, err := d.tenant(tid)
	if err != nil {
		return err
	}
	done := make(chan struct{})
	record := func() {
		defer close(done)
		d.recordCallbackRequested(ctx, tid, c)
	}
	queued := false
	err = t.runner.Do(ctx, func(e *acd.Engine, now time.Time) ([]acd.Decision, error) {
		ds, err := e.ConvertToCallback(now, id)
		if err != nil {
			return nil, err
		}
		d.qcb.put(id, &queueCallback{})
		// Queued on the worker from the engine's goroutine, so that the
		// event comes before any later decision about this contact (its
		// offer) is written.
		select {
		case t.jobs <- record:
			queued = true
		default:
		}
		return ds, nil
	})
	if err != nil {
		if errors.Is(err, acd.ErrStopped) {
			return errNotRunning
		}
		return err
	}
	if !queued {
		record()
	}
	select {
	case <-done:
	case <-ctx.Done():
	}
	return nil
}

// recordCallbackRequested writes contact:callback_requested. The number is
// the contact's; the event carries it masked, as every event does. A store
// failure is logged: the engine already keeps the task, and the caller is
// called back either way.
func (d *Dispatcher) recordCallbackRequested(ctx context.Context, tid tsunagu.TenantID, c *tsunagu.Contact) {
	wait := 0
	if c.QueuedAt != nil {
		wait = int(math.Round(d.now().Sub(*c.QueuedAt).Seconds()))
	}
	_, err := d.Store.UpdateContact(context.WithoutCancel(ctx), tid, c.ID, tsunagu.EventContactCallbackRequested,
		map[string]any{"queue_id": c.QueueID, "wait_seconds": wait, "number_masked": tsunagu.MaskPhone(c.Number)},
		func(*tsunagu.Contact) error { return nil })
	if err != nil {
		d.log().Error("dispatch: record queue callback", "contact_id", c.ID, "err", err)
		return
	}
	d.log().Info("dispatch: queue callback requested", "contact_id", c.ID, "queue_id", c.QueueID, "wait_seconds", wait)
}

// answerQueueCallback is the agent taking a callback task (a hook in
// Answer): the outbound call to the caller's number goes out with the
// agent's leg first. False when id is not a callback task.
func (d *Dispatcher) answerQueueCallback(ctx context.Context, tid tsunagu.TenantID, id tsunagu.ContactID, agent tsunagu.AgentID) (*tsunagu.Contact, bool, error) {
	if _, ok := d.qcb.task(id); !ok {
		return nil, false, nil
	}
	if d.Outbound == nil {
		return nil, true, tsunagu.Errorf(tsunagu.ENOTIMPLEMENTED, "Outbound calls are not available on this server.")
	}
	cur, err := d.Store.FindContact(ctx, tid, id)
	if err != nil {
		return nil, true, err
	}
	trunk, err := d.Outbound.OutboundTrunk(ctx, tid)
	if tsunagu.ErrorCode(err) == tsunagu.ENOTFOUND || (err == nil && trunk.Outbound == nil) {
		return nil, true, tsunagu.Errorf(tsunagu.ECONFLICT, "No trunk is set up for outbound calls: ask an admin.")
	} else if err != nil {
		return nil, true, err
	}
	if !trunk.Outbound.Allows(cur.Number) {
		return nil, true, tsunagu.Errorf(tsunagu.EFORBIDDEN, "Calls to this country are not allowed. An admin can allow more.")
	}
	callerID := trunk.Outbound.CallerIDFor(trunk, cur.QueueID)
	var c *tsunagu.Contact
	err = d.do(ctx, tid, func(e *acd.Engine, now time.Time) ([]acd.Decision, error) {
		return e.Accept(now, id, agent)
	}, func(ctx context.Context, t *tenant) error {
		var err error
		c, err = d.Store.UpdateContact(ctx, tid, id, tsunagu.EventContactDialing,
			map[string]any{"agent_id": agent, "queue_id": cur.QueueID, "caller_id": callerID,
				"number_masked": tsunagu.MaskPhone(cur.Number), "callback": "queue"},
			func(x *tsunagu.Contact) error {
				x.AgentID = agent
				return nil
			})
		d.syncAgent(ctx, t, agent)
		return err
	})
	if err != nil {
		return nil, true, err
	}
	d.qcb.put(id, &queueCallback{agent: agent, dialing: true})
	if err := d.Outbound.Dial(ctx, c, callerID, *trunk.Outbound); err != nil {
		// Nothing was sent: the same as a call that did not connect.
		d.log().Info("dispatch: queue callback dial failed", "contact_id", id, "agent_id", agent, "err", err)
		end := d.now()
		if _, uerr := d.Store.UpdateContact(context.WithoutCancel(ctx), tid, id, tsunagu.EventContactEnded,
			map[string]any{"by": "system", "reason": "failed"}, func(c *tsunagu.Contact) error {
				c.State, c.EndedAt = tsunagu.ContactEnded, &end
				return nil
			}); uerr != nil {
			d.log().Error("dispatch: record failed queue callback", "contact_id", id, "err", uerr)
		}
		d.queueCallbackEnded(context.WithoutCancel(ctx), tid, id)
		return nil, true, err
	}
	return c, true, nil
}

// queueCallbackEnded is the phone's report that a callback's outbound call
// is over (a hook in Ended); false when id is not a callback being dialled.
// Connected, it was an ordinary call: the usual end (after-call work,
// wrap-up) follows. Not connected, the agent goes straight back to work
// and the promise becomes an open callback in "My callbacks".
func (d *Dispatcher) queueCallbackEnded(ctx context.Context, tid tsunagu.TenantID, id tsunagu.ContactID) bool {
	x, ok := d.qcb.task(id)
	if !ok || !x.dialing {
		return false
	}
	d.qcb.put(id, nil)
	c, err := d.Store.FindContact(ctx, tid, id)
	if err == nil && c.ConnectedAt != nil {
		return false
	}
	err = d.do(ctx, tid, func(e *acd.Engine, now time.Time) ([]acd.Decision, error) {
		if _, err := e.End(now, id); err != nil {
			return nil, err
		}
		// The agent did no call to wrap up: ready again, or the
		// not-ready they asked for meanwhile.
		if st, err := e.Agent(x.agent); err == nil && st.State == acd.ACW {
			if st.Pending != "" {
				return e.NotReady(now, x.agent, st.Pending)
			}
			return e.Ready(now, x.agent)
		}
		return nil, nil
	}, func(ctx context.Context, t *tenant) error {
		d.syncAgent(ctx, t, x.agent)
		return nil
	})
	if err != nil && ctx.Err() == nil {
		d.log().Warn("dispatch: end queue callback", "contact_id", id, "agent_id", x.agent, "err", err)
	}
	if c != nil {
		d.keepPromise(ctx, c)
	}
	return true
}

// keepPromise leaves an open callback, anyone's and due now, for a caller
// whose callback did not connect.
func (d *Dispatcher) keepPromise(ctx context.Context, c *tsunagu.Contact) {
	cbs, ok := d.Store.(tsunagu.CallbackStore)
	if !ok || c.Number == "" {
		return
	}
	cb := &tsunagu.Callback{TenantID: c.TenantID, ContactID: c.ID, CustomerID: c.CustomerID, Number: c.Number,
		DueAt: d.now(), CreatedBy: c.AgentID, Note: "順番待ちの折り返しがつながりませんでした / The queue callback did not connect"}
	if err := cbs.CreateCallback(ctx, cb); err != nil {
		d.log().Error("dispatch: keep queue callback", "contact_id", c.ID, "err", err)
	}
}

// cancelQueueCallback is the agent hanging up a callback still ringing (a
// hook in Hangup): CANCEL to the trunk. False when c is not one.
func (d *Dispatcher) cancelQueueCallback(ctx context.Context, c *tsunagu.Contact, agent tsunagu.AgentID) (bool, error) {
	x, ok := d.qcb.task(c.ID)
	if !ok || !x.dialing || x.agent != agent || c.State == tsunagu.ContactConnected || d.Phone == nil {
		return false, nil
	}
	if err := d.Phone.Hangup(ctx, c.ID); err != nil && tsunagu.ErrorCode(err) != tsunagu.ENOTFOUND {
		return true, err
	}
	return true, nil
}

// orphanCallback closes a callback task a previous run left waiting or
// ringing (a hook in closeOrphans): the engine's tasks do not survive a
// restart, so the promise becomes an open callback in "My callbacks" and
// the contact ends ({"by":"system","reason":"restart"}) instead of counting
// as abandoned. False for any other contact.
func (d *Dispatcher) orphanCallback(ctx context.Context, tid tsunagu.TenantID, c *tsunagu.Contact, now time.Time) bool {
	if c.State != tsunagu.ContactQueued && c.State != tsunagu.ContactOffered {
		return false
	}
	evs, err := d.Store.ContactEvents(ctx, tid, c.ID)
	if err != nil {
		return false
	}
	asked := false
	for _, e := range evs {
		asked = asked || e.Type == tsunagu.EventContactCallbackRequested
	}
	if !asked {
		return false
	}
	if _, err := d.Store.UpdateContact(ctx, tid, c.ID, tsunagu.EventContactEnded,
		map[string]any{"by": "system", "reason": "restart", "callback": "queue"}, func(x *tsunagu.Contact) error {
			x.State, x.EndedAt = tsunagu.ContactEnded, &now
			return nil
		}); err != nil {
		d.log().Error("dispatch: close queue callback", "contact_id", c.ID, "err", err)
		return false
	}
	d.keepPromise(ctx, c)
	return true
}
