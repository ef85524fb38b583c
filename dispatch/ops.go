package dispatch

import (
	"context"
	"fmt"
	"time"

	"tsunagu"
	"tsunagu/acd"
)

// apply turns a batch of engine decisions into store changes, on the
// tenant's worker goroutine.
func (d *Dispatcher) apply(ctx context.Context, t *tenant, ds []acd.Decision) {
	for _, dec := range ds {
		var err error
		d.stopRing(dec) // ring.go: an offer that ended stops ringing (CANCEL)
		switch dec.Kind {
		case acd.DecisionOffer:
			// The agent is reserved before the offer is announced, so a
			// desk that sees contact:offered already reads "ringing".
			d.syncAgent(ctx, t, dec.Agent)
			payload := map[string]any{"agent_id": dec.Agent, "queue_id": dec.Queue}
			if dec.Callback {
				payload["callback"] = true // queuecallback.go: answering calls the customer back
			}
			if dec.Why != nil {
				payload["why"] = dec.Why.String()
			}
			var offered *tsunagu.Contact
			offered, err = d.Store.UpdateContact(ctx, t.id, dec.Contact, tsunagu.EventContactOffered, payload, func(c *tsunagu.Contact) error {
				c.State, c.AgentID = tsunagu.ContactOffered, dec.Agent
				return nil
			})
			if err == nil && !dec.Callback { // a callback is dialled from the desk, not rung
				d.ring(ctx, t, offered) // ring.go: a desk phone rings by itself
			}
		case acd.DecisionOfferTimedOut:
			// The agent missed it; the caller keeps their place at the head.
			d.syncAgent(ctx, t, dec.Agent)
			_, err = d.Store.UpdateContact(ctx, t.id, dec.Contact, tsunagu.EventContactQueued,
				map[string]any{"queue_id": dec.Queue, "requeued": "offer_missed", "missed_by": dec.Agent}, func(c *tsunagu.Contact) error {
					c.State, c.AgentID = tsunagu.ContactQueued, ""
					return nil
				})
		case acd.DecisionOfferCancelled, acd.DecisionACWEnded:
			d.syncAgent(ctx, t, dec.Agent)
		case acd.DecisionOverflow:
			if dec.Overflow.Kind == acd.OverflowQueue {
				_, err = d.Store.UpdateContact(ctx, t.id, dec.Contact, tsunagu.EventContactQueued,
					map[string]any{"queue_id": dec.Overflow.Queue, "overflow_from": dec.Queue, "reason": dec.Reason}, func(c *tsunagu.Contact) error {
						c.QueueID = dec.Overflow.Queue
						return nil
					})
			} else if dec.Overflow.Kind == acd.OverflowVoicemail {
				d.overflowVoicemail(dec) // voicemail.go
			} else {
				d.log().Warn("dispatch: overflow target not supported yet; the caller keeps waiting", "contact_id", dec.Contact, "overflow", dec.Overflow.Kind.String())
			}
		default:
			d.log().Info("dispatch: decision", "decision", dec.String())
		}
		if err != nil && ctx.Err() == nil {
			d.log().Error("dispatch: apply decision", "decision", dec.Kind.String(), "contact_id", dec.Contact, "err", err)
		}
	}
}

// Enqueue takes a caller who chose a queue (telephony.Router).
func (d *Dispatcher) Enqueue(ctx context.Context, c *tsunagu.Contact) error {
	c = d.routeFlagged(ctx, c) // protect.go: a flagged caller may go to another queue
	spec := acd.ContactSpec{ID: c.ID, Queue: c.QueueID}
	err := d.do(ctx, c.TenantID, func(e *acd.Engine, now time.Time) ([]acd.Decision, error) {
		return e.Queue(now, spec)
	}, nil)
	if tsunagu.ErrorCode(err) == tsunagu.ENOTFOUND {
		// A queue created since the engine started: load it and retry.
		if err := d.loadQueue(ctx, c.TenantID, c.QueueID); err != nil {
			return err
		}
		return d.do(ctx, c.TenantID, func(e *acd.Engine, now time.Time) ([]acd.Decision, error) {
			return e.Queue(now, spec)
		}, nil)
	}
	return err
}

func (d *Dispatcher) loadQueue(ctx context.Context, tid tsunagu.TenantID, id tsunagu.QueueID) error {
	qs, err := d.Store.ListQueues(ctx, tid)
	if err != nil {
		return err
	}
	byID := map[tsunagu.QueueID]*tsunagu.Queue{}
	for i := range qs {
		byID[qs[i].ID] = &qs[i]
	}
	q := byID[id]
	if q == nil {
		return tsunagu.Errorf(tsunagu.ENOTFOUND, "Queue %s not found.", id)
	}
	// The overflow target first: the engine treats an overflow into a
	// queue it does not know as no overflow at all.
	var cfgs []acd.QueueConfig
	if target := byID[q.OverflowQueue]; target != nil {
		cfgs = append(cfgs, d.queueConfig(target))
	}
	cfgs = append(cfgs, d.queueConfig(q))
	for _, cfg := range cfgs {
		if err := d.do(ctx, tid, func(e *acd.Engine, now time.Time) ([]acd.Decision, error) { return e.SetQueue(now, cfg) }, nil); err != nil {
			return err
		}
	}
	return nil
}

// Abandoned tells the engine a waiting or ringing caller hung up
// (telephony.Router); telephony has recorded contact:abandoned.
func (d *Dispatcher) Abandoned(ctx context.Context, tid tsunagu.TenantID, id tsunagu.ContactID) {
	var agent tsunagu.AgentID
	err := d.do(ctx, tid, func(e *acd.Engine, now time.Time) ([]acd.Decision, error) {
		return e.Abandon(now, id)
	}, func(ctx context.Context, t *tenant) error {
		if c, err := d.Store.FindContact(ctx, tid, id); err == nil {
			agent = c.AgentID
		}
		if agent != "" {
			d.syncAgent(ctx, t, agent)
		}
		return nil
	})
	if err != nil && tsunagu.ErrorCode(err) != tsunagu.ENOTFOUND {
		d.log().Warn("dispatch: abandon", "contact_id", id, "err", err)
	}
}

// Ended tells the engine a connected caller hung up (telephony.Router): the
// agent goes to after-call work.
func (d *Dispatcher) Ended(ctx context.Context, tid tsunagu.TenantID, id tsunagu.ContactID) {
	// Transferred to an outside number (transfernumber.go).
	d.outsideEnded(id)
	if d.outboundEnded(ctx, tid, id) { // an agent's outbound call (outbound.go)
		return
	}
	if d.queueCallbackEnded(ctx, tid, id) { // a callback that did not connect (queuecallback.go)
		return
	}
	if err := d.end(ctx, tid, id); err != nil && tsunagu.ErrorCode(err) != tsunagu.ENOTFOUND {
		d.log().Warn("dispatch: end", "contact_id", id, "err", err)
	}
}

func (d *Dispatcher) end(ctx context.Context, tid tsunagu.TenantID, id tsunagu.ContactID) error {
	c, err := d.Store.FindContact(ctx, tid, id)
	if err != nil {
		return err
	}
	return d.do(ctx, tid, func(e *acd.Engine, now time.Time) ([]acd.Decision, error) {
		return e.End(now, id)
	}, func(ctx context.Context, t *tenant) error {
		d.syncAgent(ctx, t, c.AgentID)
		d.consultGone(ctx, t, id) // ended mid-consultation (transfer.go)
		return nil
	})
}

// SetAgentState is an agent (or a supervisor for them) choosing available,
// not_ready with a reason, or offline. Going available needs a reachable
// phone, so no caller is offered to a closed browser tab.
func (d *Dispatcher) SetAgentState(ctx context.Context, tid tsunagu.TenantID, id tsunagu.AgentID, ch tsunagu.StateChange) (*tsunagu.Agent, error) {
	stored, err := d.Store.FindAgent(ctx, tid, id)
	if err != nil {
		return nil, err
	}
	if err := d.checkProtected(ctx, tid, id, ch); err != nil {
		return nil, err // protect.go: a recovery break or a leader keeps calls away
	}
	if err := d.busyOutbound(id); err != nil {
		return nil, err // outbound.go: on an outbound call or its wrap-up
	}
	if ch.State == tsunagu.AgentAvailable && d.Phone != nil && !d.Phone.Reachable(id) {
		return nil, &tsunagu.Error{Code: tsunagu.ECONFLICT, Field: "state",
			Message: "Your phone is not connected: allow the microphone and wait for the softphone to connect, then try again."}
	}
	spec := acd.AgentFrom(stored)
	err = d.do(ctx, tid, func(e *acd.Engine, now time.Time) ([]acd.Decision, error) {
		_, unknown := e.Agent(id)
		if unknown != nil && ch.State != tsunagu.AgentOffline {
			if _, err := e.Login(now, spec); err != nil {
				return nil, err
			}
		}
		switch ch.State {
		case tsunagu.AgentAvailable:
			return e.Ready(now, id)
		case tsunagu.AgentNotReady:
			return e.NotReady(now, id, acd.Reason(ch.Reason))
		default:
			if unknown != nil {
				return nil, nil // already offline
			}
			return e.Logout(now, id)
		}
	}, func(ctx context.Context, t *tenant) error {
		d.syncAgent(ctx, t, id)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return d.Store.FindAgent(ctx, tid, id)
}

// PhoneLost is the agent's softphone going away (a closed or sleeping tab, a
// dropped network): an available or ringing agent is made not-ready
// ("disconnected") so no caller is offered to a phone that cannot ring; a
// ringing offer goes back to the queue. An agent on a call is left alone —
// the browser may reconnect under the same audio leg — and one on a break
// keeps their reason.
func (d *Dispatcher) PhoneLost(agent tsunagu.AgentID) {
	d.mu.Lock()
	ctx := d.ctx
	ts := make([]*tenant, 0, len(d.tenants))
	for _, t := range d.tenants {
		ts = append(ts, t)
	}
	d.mu.Unlock()
	if ctx == nil {
		return
	}
	for _, t := range ts {
		err := d.do(ctx, t.id, func(e *acd.Engine, now time.Time) ([]acd.Decision, error) {
			st, err := e.Agent(agent)
			if err != nil || (st.State != acd.Available && st.State != acd.Reserved) {
				return nil, nil
			}
			return e.NotReady(now, agent, "disconnected")
		}, func(ctx context.Context, t *tenant) error {
			d.syncAgent(ctx, t, agent)
			return nil
		})
		if err != nil && ctx.Err() == nil {
			d.log().Warn("dispatch: phone lost", "agent_id", agent, "err", err)
		}
	}
}

// Answer is the agent taking the contact offered to them: the caller is
// bridged to the agent's phone and the contact is connected.
func (d *Dispatcher) Answer(ctx context.Context, tid tsunagu.TenantID, id tsunagu.ContactID, agent tsunagu.AgentID) (*tsunagu.Contact, error) {
	// ring.go: answered (at the desk or on the phone): the phone stops ringing.
	d.rings.stop(id)
	if c, ok, err := d.answerConsult(ctx, tid, id, agent); ok { // a consultation rang (transfer.go)
		return c, err
	}
	if c, ok, err := d.answerQueueCallback(ctx, tid, id, agent); ok { // a caller to call back (queuecallback.go)
		return c, err
	}
	var out *tsunagu.Contact
	err := d.do(ctx, tid, func(e *acd.Engine, now time.Time) ([]acd.Decision, error) {
		return e.Accept(now, id, agent)
	}, func(ctx context.Context, t *tenant) error {
		now := d.now()
		c, err := d.Store.UpdateContact(ctx, tid, id, tsunagu.EventContactConnected, map[string]any{"agent_id": agent}, func(c *tsunagu.Contact) error {
			c.State, c.AgentID, c.ConnectedAt = tsunagu.ContactConnected, agent, &now
			return nil
		})
		d.syncAgent(ctx, t, agent)
		if err != nil {
			return err
		}
		out = c
		if d.Phone != nil {
			if err := d.Phone.Connect(ctx, c); err != nil {
				d.log().Warn("dispatch: connect audio", "contact_id", id, "agent_id", agent, "err", err)
				if tsunagu.ErrorCode(err) != tsunagu.ENOTFOUND { // not the caller gone: telephony records that
					d.requeueLost(tid, c, agent)
				}
			}
		}
		return nil
	})
	return out, err
}

// requeueLost puts back at the head of their queue a caller whose
// operator answered but whose phone was gone by the time the call was to
// be bridged (the desk phone hung up, the softphone dropped: seen at 100
// calls a second, when the answer was handled after the agent's phone had
// already given up). Without it the caller stayed connected to nobody,
// with no BYE, until they hung up. Telephony never got the connect, so
// the caller is still hearing the queue's music; the contact is recorded
// as transferred back to its queue (reason "agent_phone_lost") and the
// engine offers it again. Not from the tenant's worker, which it needs.
func (d *Dispatcher) requeueLost(tid tsunagu.TenantID, c *tsunagu.Contact, agent tsunagu.AgentID) {
	d.mu.Lock()
	base := d.ctx
	d.mu.Unlock()
	if base == nil || c.QueueID == "" {
		return
	}
	id, queue := c.ID, c.QueueID
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		ctx, cancel := context.WithTimeout(base, 10*time.Second)
		defer cancel()
		_, err := d.requeue(ctx, tid, id, agent, tsunagu.TransferTarget{QueueID: queue}, queue, "", map[string]any{"reason": "agent_phone_lost"})
		if err != nil {
			d.log().Error("dispatch: requeue a caller whose operator's phone was gone", "contact_id", id, "err", err)
			return
		}
		d.log().Info("dispatch: caller requeued, the operator's phone was gone", "contact_id", id, "agent_id", agent)
	}()
}

// Decline is the agent refusing an offer: they stay available and the
// caller keeps their place.
func (d *Dispatcher) Decline(ctx context.Context, tid tsunagu.TenantID, id tsunagu.ContactID, agent tsunagu.AgentID) error {
	// ring.go: a declined offer stops ringing the phone.
	d.rings.stop(id)
	if ok, err := d.declineConsult(ctx, tid, id, agent); ok { // a consultation rang (transfer.go)
		return err
	}
	return d.do(ctx, tid, func(e *acd.Engine, now time.Time) ([]acd.Decision, error) {
		return e.Refuse(now, id, agent)
	}, func(ctx context.Context, t *tenant) error {
		_, err := d.Store.UpdateContact(ctx, tid, id, tsunagu.EventContactQueued, map[string]any{"requeued": "offer_declined", "declined_by": agent},
			func(c *tsunagu.Contact) error {
				if c.State == tsunagu.ContactOffered {
					c.State, c.AgentID = tsunagu.ContactQueued, ""
				}
				return nil
			})
		d.syncAgent(ctx, t, agent)
		return err
	})
}

// Hangup is the agent ending a connected contact: the caller gets a BYE
// and the agent goes to after-call work. With a Phone, the phone reports the
// end back through Ended (Phone.Hangup must do so before it returns).
func (d *Dispatcher) Hangup(ctx context.Context, tid tsunagu.TenantID, id tsunagu.ContactID, agent tsunagu.AgentID) error {
	c, err := d.Store.FindContact(ctx, tid, id)
	if err != nil {
		return err
	}
	if ok, err := d.cancelDial(ctx, c, agent); ok { // an outbound call still ringing (outbound.go)
		return err
	}
	if ok, err := d.cancelQueueCallback(ctx, c, agent); ok { // a callback still ringing (queuecallback.go)
		return err
	}
	if ok, err := d.hangupConsult(ctx, tid, id, agent); ok { // the consulted agent's phone (transfer.go)
		return err
	}
	if c.AgentID != agent || c.State != tsunagu.ContactConnected || d.xfer.gone(id, agent) {
		return tsunagu.Errorf(tsunagu.ECONFLICT, "Contact %s is not connected to you.", id)
	}
	if d.Phone != nil {
		// Telephony sends the BYE, records contact:ended and tells routing
		// through Ended, as when the caller hangs up. ENOTFOUND: the caller
		// hung up first, and that path has done the same.
		if err := d.Phone.Hangup(ctx, id); err != nil && tsunagu.ErrorCode(err) != tsunagu.ENOTFOUND {
			return err
		}
		return nil
	} else {
		now := d.now()
		if _, err := d.Store.UpdateContact(ctx, tid, id, tsunagu.EventContactEnded, map[string]any{"by": "agent"}, func(c *tsunagu.Contact) error {
			c.State, c.EndedAt = tsunagu.ContactEnded, &now
			return nil
		}); err != nil {
			return err
		}
	}
	return d.end(ctx, tid, id)
}

// Hold puts the agent's connected caller on hold (music) while the agent
// searches or asks a leader; Resume brings them back. Both are recorded,
// so hold time is visible on the contact and in reports.
func (d *Dispatcher) Hold(ctx context.Context, tid tsunagu.TenantID, id tsunagu.ContactID, agent tsunagu.AgentID) (*tsunagu.Contact, error) {
	return d.hold(ctx, tid, id, agent, true)
}

// Resume takes the agent's caller off hold.
func (d *Dispatcher) Resume(ctx context.Context, tid tsunagu.TenantID, id tsunagu.ContactID, agent tsunagu.AgentID) (*tsunagu.Contact, error) {
	return d.hold(ctx, tid, id, agent, false)
}

func (d *Dispatcher) hold(ctx context.Context, tid tsunagu.TenantID, id tsunagu.ContactID, agent tsunagu.AgentID, on bool) (*tsunagu.Contact, error) {
	c, err := d.Store.FindContact(ctx, tid, id)
	if err != nil {
		return nil, err
	}
	if c.AgentID != agent || c.State != tsunagu.ContactConnected || d.xfer.gone(id, agent) {
		return nil, tsunagu.Errorf(tsunagu.ECONFLICT, "Contact %s is not connected to you.", id)
	}
	if d.Phone != nil {
		op := d.Phone.Resume
		if on {
			op = d.Phone.Hold
		}
		if err := op(ctx, id); err != nil {
			return nil, err
		}
	}
	typ, payload := tsunagu.EventContactHeld, map[string]any{}
	if !on {
		typ = tsunagu.EventContactResumed
		if evs, err := d.Store.ContactEvents(ctx, tid, id); err == nil {
			for i := len(evs) - 1; i >= 0; i-- {
				if evs[i].Type == tsunagu.EventContactHeld {
					payload["held_seconds"] = int(d.now().Sub(evs[i].Time).Seconds())
					break
				}
			}
		}
	}
	return d.Store.UpdateContact(ctx, tid, id, typ, payload, func(*tsunagu.Contact) error { return nil })
}

// validateWrapUp checks a wrap-up of c, handled in queue (the contact's
// queue when this agent had it; "" for none), against that queue
// (verification required? which dispositions does it offer?) and the
// tenant's reasons and dispositions. A reason is required once the tenant
// has defined any: an unexplained contact is a gap in every report that
// groups by reason. A transferred part (part) skips the identity check: an
// operator often passes a caller on before verifying them, precisely
// because they are in the wrong queue; the operator who finishes the call
// does the check.
func validateWrapUp(ctx context.Context, w *tsunagu.WrapUp, s Store, c *tsunagu.Contact, queue tsunagu.QueueID, part bool, now time.Time) error {
	var q *tsunagu.Queue
	if queue != "" {
		qs, err := s.ListQueues(ctx, c.TenantID)
		if err != nil {
			return err
		}
		for i := range qs {
			if qs[i].ID == queue {
				q = &qs[i]
			}
		}
	}
	checkQ := q
	if part {
		checkQ = nil // Check uses the queue for its identity check only
	}
	if err := w.Check(c, checkQ, now); err != nil {
		return err
	}
	rs, err := s.ListReasons(ctx, c.TenantID)
	if err != nil {
		return err
	}
	if w.ReasonID == "" && len(rs) > 0 {
		return tsunagu.FieldError("reason_id", "Choose why the customer called.")
	}
	if w.ReasonID != "" && !containsID(rs, func(x tsunagu.ContactReason) bool { return x.ID == w.ReasonID }) {
		return tsunagu.FieldError("reason_id", "Unknown contact reason %q.", w.ReasonID)
	}
	if w.DispositionID == "" {
		return tsunagu.FieldError("disposition_id", "Choose how the contact ended.")
	}
	ds, err := s.ListDispositions(ctx, c.TenantID)
	if err != nil {
		return err
	}
	if !containsID(ds, func(x tsunagu.Disposition) bool { return x.ID == w.DispositionID }) {
		return tsunagu.FieldError("disposition_id", "Unknown disposition %q.", w.DispositionID)
	}
	if q != nil {
		// The queue's own list (admin: Reasons tab); none chosen offers all.
		offered, err := s.QueueDispositions(ctx, c.TenantID, q.ID)
		if err != nil {
			return err
		}
		if !tsunagu.Offers(offered, w.DispositionID) {
			return tsunagu.FieldError("disposition_id", "The queue %s does not offer the disposition %q: choose one of its list.", q.Name, w.DispositionID)
		}
	}
	return nil
}

func containsID[T any](xs []T, match func(T) bool) bool {
	for _, x := range xs {
		if match(x) {
			return true
		}
	}
	return false
}

// Wrap records the wrap-up of an ended contact, with the feedback, promised
// callback and abusive flag it carries, and makes the agent ready.
func (d *Dispatcher) Wrap(ctx context.Context, tid tsunagu.TenantID, id tsunagu.ContactID, agent tsunagu.AgentID, w tsunagu.WrapUp) (*tsunagu.Contact, error) {
	cur, err := d.Store.FindContact(ctx, tid, id)
	if err != nil {
		return nil, err
	}
	if c, ok, err := d.wrapTransferred(ctx, tid, cur, agent, w); ok { // their part of a transfer (transfer.go)
		return c, err
	}
	if cur.AgentID != agent {
		return nil, tsunagu.Errorf(tsunagu.EFORBIDDEN, "Contact %s is not yours to wrap up.", id)
	}
	if cur.State != tsunagu.ContactEnded {
		return nil, tsunagu.Errorf(tsunagu.ECONFLICT, "Contact %s has not ended (it is %s).", id, cur.State)
	}
	if err := validateWrapUp(ctx, &w, d.Store, cur, cur.QueueID, false, d.now()); err != nil {
		return nil, err
	}
	c, err := d.Store.WrapContact(ctx, tid, id, agent, &w)
	if err != nil {
		return nil, err
	}
	d.handled(c) // queuecallback.go: a handle time for expected waits
	// protect.go: achievements, the abusive flag's recovery — for this
	// operator's own flag; the contact's may be an earlier part's (transfer.go).
	mine := *c
	mine.Abusive = w.Abusive
	next := d.afterWrap(ctx, tid, &mine)
	// outbound.go: back to the state before dialling.
	if d.wrapOutbound(ctx, tid, c, agent, next) {
		return c, nil
	}
	if err := d.readyAfterWrap(ctx, tid, agent, next); err != nil {
		return nil, err
	}
	return c, nil
}

// readyAfterWrap makes the agent available after their wrap-up, or
// not-ready with next ("" none) when afterWrap says so.
func (d *Dispatcher) readyAfterWrap(ctx context.Context, tid tsunagu.TenantID, agent tsunagu.AgentID, next acd.Reason) error {
	err := d.do(ctx, tid, func(e *acd.Engine, now time.Time) ([]acd.Decision, error) {
		st, err := e.Agent(agent)
		if next != "" && err == nil && st.State != acd.NotReady {
			return e.NotReady(now, agent, next) // after the call in progress, if already on the next one
		}
		if err != nil || st.State != acd.ACW {
			return nil, nil // ACW already timed out, or the agent logged out
		}
		return e.Ready(now, agent)
	}, func(ctx context.Context, t *tenant) error {
		d.syncAgent(ctx, t, agent)
		return nil
	})
	if err != nil {
		return fmt.Errorf("ready after wrap-up: %w", err)
	}
	return nil
}
