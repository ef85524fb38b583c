package dispatch

import (
	"context"
	"strings"
	"sync"
	"time"

	"tsunagu"
	"tsunagu/acd"
)

// Outbound calls (click-to-call, callbacks).
//
// While an agent dials out and talks, the routing engine holds them
// not-ready with the reason "outbound": that takes them out of routing at
// once (an offer ringing is withdrawn, the caller keeps their place) and is
// what the engine really knows — it routes inbound contacts and has no
// outbound contact to hold the agent against. The store, which the desk and
// the floor read, shows the truth of the agent's day instead: on_contact
// ("outbound") while dialling and talking, after_call_work ("outbound")
// after a connected call until the wrap-up. The wrap-up, or a call that
// never connected (busy, no answer, cancelled), puts the agent back as they
// were before dialling: available, or not-ready with their earlier reason.

// ReasonOutbound is the engine's not-ready reason during an outbound call.
const ReasonOutbound acd.Reason = "outbound"

// OutboundPhone places agents' calls: the tenant's outbound trunk (with its
// secret, for the SIP edge only) and the call itself, which starts with the
// agent's own audio leg. Dial returns once the call is under way; the phone
// records the contact's ringing, connection and end and reports the end
// through Dispatcher.Ended, connected or not. An error from Dial means
// nothing was sent and nothing recorded.
type OutboundPhone interface {
	OutboundTrunk(ctx context.Context, tenant tsunagu.TenantID) (*tsunagu.Trunk, error)
	Dial(ctx context.Context, c *tsunagu.Contact, callerID string, route tsunagu.TrunkOutbound) error
}

// CallRequest is an agent's click-to-call: a number, or an open callback
// (whose number is used when Number is empty), and optionally the queue the
// call is made for (its caller ID, its wrap-up lists).
type CallRequest = tsunagu.CallRequest

// outbounds are the agents on an outbound call, by agent.
type outbounds struct {
	mu sync.Mutex
	m  map[tsunagu.AgentID]*outCall
}

// outCall is one agent's outbound call and how to put them back after it.
type outCall struct {
	contact    tsunagu.ContactID
	callback   tsunagu.CallbackID
	prev       acd.AgentState
	prevReason acd.Reason
	connected  bool // the customer answered: after-call work follows
}

func (o *outbounds) get(agent tsunagu.AgentID) *outCall {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.m[agent]
}

// byContact finds the agent of an outbound contact.
func (o *outbounds) byContact(id tsunagu.ContactID) (tsunagu.AgentID, *outCall) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for a, x := range o.m {
		if x.contact == id {
			return a, x
		}
	}
	return "", nil
}

func (o *outbounds) put(agent tsunagu.AgentID, x *outCall) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.m == nil {
		o.m = map[tsunagu.AgentID]*outCall{}
	}
	if o.m[agent] != nil {
		return false
	}
	o.m[agent] = x
	return true
}

func (o *outbounds) drop(agent tsunagu.AgentID) {
	o.mu.Lock()
	delete(o.m, agent)
	o.mu.Unlock()
}

// errOnCall refuses a second call, or a state change, during an outbound call.
var errOnCall = tsunagu.Errorf(tsunagu.ECONFLICT, "You are on an outbound call; finish it and its wrap-up first.")

// Call places agent's outbound call (see the comment at the top of this
// file). The agent must be logged in, available or not-ready, and not on
// or wrapping up a call. It returns the contact, dialling.
//
// Errors: EINVALID (field "number") for a number that is not one;
// EFORBIDDEN (field "number") for a number outside the trunk's allowed
// prefixes — Japanese numbers only unless an admin allowed more;
// ECONFLICT when the agent is busy, has no phone connected or no trunk is
// set up for outbound calls; ENOTFOUND / ECONFLICT for an unknown or
// finished callback; EFORBIDDEN for another agent's callback.
func (d *Dispatcher) Call(ctx context.Context, tid tsunagu.TenantID, agent tsunagu.AgentID, req CallRequest) (*tsunagu.Contact, error) {
	if d.Outbound == nil {
		return nil, tsunagu.Errorf(tsunagu.ENOTIMPLEMENTED, "Outbound calls are not available on this server.")
	}
	var cb *tsunagu.Callback
	if req.CallbackID != "" {
		cbs, ok := d.Store.(tsunagu.CallbackStore)
		if !ok {
			return nil, tsunagu.Errorf(tsunagu.ENOTIMPLEMENTED, "Callbacks are not available on this server.")
		}
		var err error
		if cb, err = cbs.FindCallback(ctx, tid, req.CallbackID); err != nil {
			return nil, err
		}
		if cb.Status != tsunagu.CallbackOpen {
			return nil, &tsunagu.Error{Code: tsunagu.ECONFLICT, Field: "callback_id", Message: "This callback is already done."}
		}
		if cb.OwnerID != "" && cb.OwnerID != agent {
			return nil, &tsunagu.Error{Code: tsunagu.EFORBIDDEN, Field: "callback_id", Message: "This callback belongs to another agent."}
		}
		if strings.TrimSpace(req.Number) == "" {
			req.Number = cb.Number
		}
	}
	number, trunk, err := d.outboundNumber(ctx, tid, req.Number, "number")
	if err != nil {
		return nil, err
	}
	if req.QueueID != "" {
		qs, err := d.Store.ListQueues(ctx, tid)
		if err != nil {
			return nil, err
		}
		if !containsID(qs, func(q tsunagu.Queue) bool { return q.ID == req.QueueID }) {
			return nil, tsunagu.FieldError("queue_id", "Unknown queue %q.", req.QueueID)
		}
	}
	if d.Phone != nil && !d.Phone.Reachable(agent) {
		return nil, tsunagu.Errorf(tsunagu.ECONFLICT, "Your phone is not connected: allow the microphone and wait for the softphone to connect.")
	}

	// Out of routing first, so no caller is offered to an agent who is
	// dialling.
	x := &outCall{}
	if cb != nil {
		x.callback = cb.ID
	}
	if !d.out.put(agent, x) {
		return nil, errOnCall
	}
	err = d.do(ctx, tid, func(e *acd.Engine, now time.Time) ([]acd.Decision, error) {
		st, err := e.Agent(agent)
		if err != nil {
			return nil, tsunagu.Errorf(tsunagu.ECONFLICT, "Log in before you make a call.")
		}
		if st.State != acd.Available && st.State != acd.NotReady {
			return nil, tsunagu.Errorf(tsunagu.ECONFLICT, "You are busy (%s): finish the contact first.", st.State.Root())
		}
		x.prev, x.prevReason = st.State, st.Reason
		return e.NotReady(now, agent, ReasonOutbound)
	}, nil)
	if err != nil {
		d.out.drop(agent)
		return nil, err
	}
	callerID := trunk.Outbound.CallerIDFor(trunk, req.QueueID)
	now := d.now()
	c := &tsunagu.Contact{TenantID: tid, Direction: tsunagu.Outbound, State: tsunagu.ContactArrived, QueueID: req.QueueID,
		AgentID: agent, Number: number, ArrivedAt: now}
	if cb != nil {
		c.CustomerID = cb.CustomerID
	}
	if err := d.Store.CreateContact(ctx, c); err != nil {
		d.restore(ctx, tid, agent, x)
		return nil, err
	}
	x.contact = c.ID
	payload := map[string]any{"agent_id": agent, "queue_id": req.QueueID, "caller_id": callerID, "number_masked": tsunagu.MaskPhone(number)}
	if cb != nil {
		payload["callback_id"] = cb.ID
	}
	if c2, err := d.Store.UpdateContact(ctx, tid, c.ID, tsunagu.EventContactDialing, payload, func(*tsunagu.Contact) error { return nil }); err == nil {
		c = c2
	}
	d.storeAgent(ctx, tid, agent, tsunagu.AgentOnContact)
	if err := d.Outbound.Dial(ctx, c, callerID, *trunk.Outbound); err != nil {
		d.log().Info("dispatch: dial failed", "contact_id", c.ID, "agent_id", agent, "err", err)
		end := d.now()
		if _, uerr := d.Store.UpdateContact(context.WithoutCancel(ctx), tid, c.ID, tsunagu.EventContactEnded,
			map[string]any{"by": "system", "reason": "failed"}, func(c *tsunagu.Contact) error {
				c.State, c.EndedAt = tsunagu.ContactEnded, &end
				return nil
			}); uerr != nil {
			d.log().Error("dispatch: record failed dial", "contact_id", c.ID, "err", uerr)
		}
		d.restore(context.WithoutCancel(ctx), tid, agent, x)
		return nil, err
	}
	return c, nil
}

// outboundNumber checks a number the center is to dial over the tenant's
// outbound trunk (a click-to-call, a transfer to an outside number) and
// returns it in E.164 with the trunk. Errors name field: EINVALID for a
// missing number or one that is not a number; EFORBIDDEN for a number
// outside the trunk's allowed prefixes (Japanese numbers only unless an
// admin allowed more). ECONFLICT when no trunk is set up for outbound
// calls; ENOTIMPLEMENTED without an OutboundPhone.
func (d *Dispatcher) outboundNumber(ctx context.Context, tid tsunagu.TenantID, raw, field string) (string, *tsunagu.Trunk, error) {
	if d.Outbound == nil {
		return "", nil, tsunagu.Errorf(tsunagu.ENOTIMPLEMENTED, "Outbound calls are not available on this server.")
	}
	if strings.TrimSpace(raw) == "" {
		return "", nil, tsunagu.FieldError(field, "Enter the number to call.")
	}
	number, err := tsunagu.NormalizePhone(raw)
	if err != nil {
		return "", nil, tsunagu.FieldError(field, "%s", tsunagu.ErrorMessage(err))
	}
	trunk, err := d.Outbound.OutboundTrunk(ctx, tid)
	if tsunagu.ErrorCode(err) == tsunagu.ENOTFOUND {
		return "", nil, tsunagu.Errorf(tsunagu.ECONFLICT, "No trunk is set up for outbound calls: ask an admin.")
	} else if err != nil {
		return "", nil, err
	}
	if !trunk.Outbound.Allows(number) {
		return "", nil, &tsunagu.Error{Code: tsunagu.EFORBIDDEN, Field: field,
			Message: "Calls to this country are not allowed (allowed: " + strings.Join(allowed(trunk.Outbound), ", ") + "). An admin can allow more."}
	}
	return number, trunk, nil
}

func allowed(o *tsunagu.TrunkOutbound) []string {
	if len(o.AllowedPrefixes) == 0 {
		return tsunagu.DefaultOutboundPrefixes
	}
	return o.AllowedPrefixes
}

// storeAgent writes the agent's outbound state to the store (the engine
// keeps them not-ready "outbound").
func (d *Dispatcher) storeAgent(ctx context.Context, tid tsunagu.TenantID, agent tsunagu.AgentID, state tsunagu.AgentState) {
	if _, err := d.Store.SetAgentState(ctx, tid, agent, state, string(ReasonOutbound), d.now()); err != nil && ctx.Err() == nil {
		d.log().Error("dispatch: store outbound agent state", "agent_id", agent, "state", state, "err", err)
	}
}

// restore puts the agent back as they were before dialling.
func (d *Dispatcher) restore(ctx context.Context, tid tsunagu.TenantID, agent tsunagu.AgentID, x *outCall) {
	d.out.drop(agent)
	d.restoreState(ctx, tid, agent, x.prev, x.prevReason)
}

func (d *Dispatcher) restoreState(ctx context.Context, tid tsunagu.TenantID, agent tsunagu.AgentID, prev acd.AgentState, reason acd.Reason) {
	err := d.do(ctx, tid, func(e *acd.Engine, now time.Time) ([]acd.Decision, error) {
		st, err := e.Agent(agent)
		if err != nil || st.State != acd.NotReady || st.Reason != ReasonOutbound {
			return nil, nil // logged out meanwhile, or already moved on
		}
		if prev == acd.Available && (d.Phone == nil || d.Phone.Reachable(agent)) {
			return e.Ready(now, agent)
		}
		if reason == "" || prev == acd.Available {
			reason = "disconnected" // was available, but the phone has gone
		}
		return e.NotReady(now, agent, reason)
	}, func(ctx context.Context, t *tenant) error {
		d.syncAgent(ctx, t, agent)
		return nil
	})
	if err != nil && ctx.Err() == nil {
		d.log().Warn("dispatch: restore after outbound call", "agent_id", agent, "err", err)
	}
}

// outboundEnded is the phone's report that an outbound call is over (a
// hook in Ended); false when id is not an outbound call of this run. A
// connected call leaves the agent in after-call work and completes its
// callback; one that never connected puts the agent straight back.
func (d *Dispatcher) outboundEnded(ctx context.Context, tid tsunagu.TenantID, id tsunagu.ContactID) bool {
	agent, x := d.out.byContact(id)
	if x == nil {
		return false
	}
	c, err := d.Store.FindContact(ctx, tid, id)
	if err != nil || c.ConnectedAt == nil {
		d.restore(ctx, tid, agent, x)
		return true
	}
	d.out.mu.Lock()
	x.connected = true
	d.out.mu.Unlock()
	if x.callback != "" {
		if cbs, ok := d.Store.(tsunagu.CallbackStore); ok {
			// Done by the agent who talked to the customer; the call's
			// contact:dialing names the callback.
			actx := tsunagu.NewContext(ctx, &tsunagu.Principal{TenantID: tid, AgentID: agent, UserID: d.agentUser(ctx, tid, agent)})
			if _, err := cbs.CompleteCallback(actx, tid, x.callback); err != nil && tsunagu.ErrorCode(err) != tsunagu.ECONFLICT {
				d.log().Warn("dispatch: complete callback", "callback_id", x.callback, "contact_id", id, "err", err)
			}
		}
	}
	d.storeAgent(ctx, tid, agent, tsunagu.AgentAfterCallWork)
	return true
}

func (d *Dispatcher) agentUser(ctx context.Context, tid tsunagu.TenantID, agent tsunagu.AgentID) tsunagu.UserID {
	if a, err := d.Store.FindAgent(ctx, tid, agent); err == nil {
		return a.UserID
	}
	return ""
}

// wrapOutbound ends the after-call work of an outbound call (a hook in
// Wrap): the agent goes back to their state before dialling, or to next
// (a recovery break) when set. False when c is not one.
func (d *Dispatcher) wrapOutbound(ctx context.Context, tid tsunagu.TenantID, c *tsunagu.Contact, agent tsunagu.AgentID, next acd.Reason) bool {
	if c.Direction != tsunagu.Outbound {
		return false
	}
	x := d.out.get(agent)
	if x == nil || x.contact != c.ID {
		return false
	}
	d.out.drop(agent)
	prev, reason := x.prev, x.prevReason
	if next != "" {
		prev, reason = acd.NotReady, next
	}
	d.restoreState(ctx, tid, agent, prev, reason)
	return true
}

// busyOutbound refuses an agent's own state change during an outbound
// call (a hook in SetAgentState): going available would route a caller
// to someone already talking. Logging off is refused too; the call ends
// first.
func (d *Dispatcher) busyOutbound(agent tsunagu.AgentID) error {
	if d.out.get(agent) != nil {
		return errOnCall
	}
	return nil
}

// cancelDial is the agent hanging up an outbound call before the customer
// answered (a hook in Hangup): CANCEL to the trunk. False when c is not one.
func (d *Dispatcher) cancelDial(ctx context.Context, c *tsunagu.Contact, agent tsunagu.AgentID) (bool, error) {
	if c.Direction != tsunagu.Outbound || c.State != tsunagu.ContactArrived || c.AgentID != agent || d.Phone == nil {
		return false, nil
	}
	if err := d.Phone.Hangup(ctx, c.ID); err != nil && tsunagu.ErrorCode(err) != tsunagu.ENOTFOUND {
		return true, err
	}
	return true, nil
}
