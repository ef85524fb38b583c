package dispatch

import (
	"context"
	"encoding/json"
	"slices"
	"sync"
	"time"

	"tsunagu"
	"tsunagu/acd"
)

// Transfers (issue #4; choices in docs/acd.md, "Transfers").
//
// Blind: the caller hears the hold music, the transferring agent goes to
// after-call work for their part, and the engine puts the contact at the
// head of the target queue (acd.Engine.Transfer) or offers it to the named
// agent first. Warm: the caller is held, the consulted agent's desk rings
// (contact:consult_started), answering joins the two operators, and the
// first agent completes (the caller is bridged to the consulted agent) or
// cancels (back to the caller).

// TransferPhone is the voice side of transfers (telephony + softphone). A
// Phone without it cannot transfer (ENOTIMPLEMENTED).
type TransferPhone interface {
	// Requeue lets the operator go; the caller hears music until the next
	// Connect.
	Requeue(ctx context.Context, id tsunagu.ContactID) error
	// ConsultJoin joins the operator's phone with agent's while the caller
	// is on hold.
	ConsultJoin(ctx context.Context, id tsunagu.ContactID, agent tsunagu.AgentID) error
	// ConsultEnd bridges the caller with the consulted agent (complete) or
	// with the first agent again.
	ConsultEnd(ctx context.Context, id tsunagu.ContactID, complete bool) error
}

// consult is a consultation in progress.
type consult struct {
	from, to tsunagu.AgentID
	joined   bool
}

// transfers is the dispatcher's record of consultations in progress and
// of transfers to outside numbers (transfernumber.go).
type transfers struct {
	mu       sync.Mutex
	consults map[tsunagu.ContactID]*consult
	outside  map[tsunagu.ContactID]*outside
}

func (x *transfers) get(id tsunagu.ContactID) (consult, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	c, ok := x.consults[id]
	if !ok {
		return consult{}, false
	}
	return *c, true
}

func (x *transfers) put(id tsunagu.ContactID, c *consult) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.consults == nil {
		x.consults = map[tsunagu.ContactID]*consult{}
	}
	if c == nil {
		delete(x.consults, id)
	} else {
		x.consults[id] = c
	}
}

var errInConsult = tsunagu.Errorf(tsunagu.ECONFLICT, "The call is in a consultation: complete or cancel it first.")

// liveContact returns the connected contact that p may transfer: the agent
// on it, or a supervisor (for whom the agent on it is the one transferring).
func (d *Dispatcher) liveContact(ctx context.Context, p *tsunagu.Principal, id tsunagu.ContactID) (*tsunagu.Contact, error) {
	c, err := d.Store.FindContact(ctx, p.TenantID, id)
	if err != nil {
		return nil, err
	}
	if err := d.xfer.outsideBusy(id); err != nil {
		return nil, err
	}
	if c.AgentID != p.AgentID && !p.Role.AtLeast(tsunagu.RoleSupervisor) {
		return nil, tsunagu.Errorf(tsunagu.EFORBIDDEN, "Only the operator on the call or a supervisor can transfer it.")
	}
	if c.State != tsunagu.ContactConnected || c.AgentID == "" {
		return nil, tsunagu.Errorf(tsunagu.ECONFLICT, "Contact %s is not connected to an operator.", id)
	}
	return c, nil
}

// onContact checks that the engine has agent talking with contact id.
func onContact(e *acd.Engine, agent tsunagu.AgentID, id tsunagu.ContactID) error {
	st, err := e.Agent(agent)
	if err != nil || st.Contact != id || st.State != acd.OnContact {
		return tsunagu.Errorf(tsunagu.ECONFLICT, "Contact %s is not connected to an operator.", id)
	}
	return nil
}

func (d *Dispatcher) transferPhone() (TransferPhone, error) {
	if d.Phone == nil {
		return nil, nil
	}
	tp, ok := d.Phone.(TransferPhone)
	if !ok {
		return nil, tsunagu.Errorf(tsunagu.ENOTIMPLEMENTED, "This phone cannot transfer calls.")
	}
	return tp, nil
}

// resolve checks the target against the store and the engine and returns
// the agent it names ("" for a queue). The leader is whichever supervisor
// or admin with an agent (one who takes calls) has been available longest.
func (d *Dispatcher) resolve(ctx context.Context, tid tsunagu.TenantID, from tsunagu.AgentID, to tsunagu.TransferTarget) (tsunagu.AgentID, error) {
	if err := to.Validate(); err != nil {
		return "", err
	}
	switch {
	case to.Number != "":
		// A consultation is between operators; an outside number is
		// only a blind transfer's target (transfernumber.go).
		return "", tsunagu.FieldError("to.number", "An outside number can only be transferred to blind.")
	case to.QueueID != "":
		err := d.do(ctx, tid, func(e *acd.Engine, now time.Time) ([]acd.Decision, error) {
			_, err := e.Stats(now, to.QueueID)
			return nil, err
		}, nil)
		if tsunagu.ErrorCode(err) == tsunagu.ENOTFOUND {
			err = d.loadQueue(ctx, tid, to.QueueID) // created since the engine started
		}
		if tsunagu.ErrorCode(err) == tsunagu.ENOTFOUND {
			return "", tsunagu.FieldError("to.queue_id", "Unknown queue %q.", to.QueueID)
		}
		return "", err
	case to.AgentID != "":
		if to.AgentID == from {
			return "", tsunagu.FieldError("to.agent_id", "You already have this call.")
		}
		if _, err := d.Store.FindAgent(ctx, tid, to.AgentID); tsunagu.ErrorCode(err) == tsunagu.ENOTFOUND {
			return "", tsunagu.FieldError("to.agent_id", "Unknown agent %q.", to.AgentID)
		} else if err != nil {
			return "", err
		}
		return to.AgentID, nil
	}
	var leaders []tsunagu.AgentID
	for p := (tsunagu.Page{Limit: tsunagu.MaxPageLimit}); ; {
		us, next, err := d.Store.ListUsers(ctx, tid, p)
		if err != nil {
			return "", err
		}
		for _, u := range us {
			if u.Role.AtLeast(tsunagu.RoleSupervisor) && u.AgentID != "" && u.AgentID != from && !u.Disabled {
				leaders = append(leaders, u.AgentID)
			}
		}
		if next == "" || len(us) == 0 {
			break
		}
		p.Cursor = next
	}
	var leader tsunagu.AgentID
	found := false
	err := d.do(ctx, tid, func(e *acd.Engine, _ time.Time) ([]acd.Decision, error) {
		leader, found = e.LongestIdle(leaders)
		return nil, nil
	}, nil)
	if err != nil {
		return "", err
	}
	if !found {
		return "", &tsunagu.Error{Code: tsunagu.ECONFLICT, Field: "to.leader", Message: "No leader is available to take the call now."}
	}
	return leader, nil
}

// Transfer is a blind transfer of the connected contact id by p (the agent
// on it, or a supervisor) to a queue, an agent, the leader or an outside
// number. It returns the contact as recorded after the transfer (queued,
// waiting for its next operator; for a number, still connected while the
// number rings: see transfernumber.go).
func (d *Dispatcher) Transfer(ctx context.Context, p *tsunagu.Principal, id tsunagu.ContactID, to tsunagu.TransferTarget) (*tsunagu.Contact, error) {
	if to.Number != "" {
		return d.transferNumber(ctx, p, id, to)
	}
	return d.transfer(ctx, p, id, to, nil)
}

// transfer is Transfer to a queue, an agent or the leader; extra is added
// to the contact:transferred payload.
func (d *Dispatcher) transfer(ctx context.Context, p *tsunagu.Principal, id tsunagu.ContactID, to tsunagu.TransferTarget, extra map[string]any) (*tsunagu.Contact, error) {
	tid := p.TenantID
	c, err := d.liveContact(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if _, busy := d.xfer.get(id); busy {
		return nil, errInConsult
	}
	from := c.AgentID
	target, err := d.resolve(ctx, tid, from, to)
	if err != nil {
		return nil, err
	}
	queue := to.QueueID
	if queue == "" {
		queue = c.QueueID
	}
	// The engine must agree before anything changes: the caller is
	// connected to from there too, and a named agent is logged in.
	if err := d.do(ctx, tid, func(e *acd.Engine, _ time.Time) ([]acd.Decision, error) {
		if err := onContact(e, from, id); err != nil {
			return nil, err
		}
		if target != "" {
			if _, err := e.Agent(target); err != nil {
				return nil, &tsunagu.Error{Code: tsunagu.ECONFLICT, Field: "to.agent_id", Message: "That operator is not logged in."}
			}
		}
		return nil, nil
	}, nil); err != nil {
		return nil, err
	}
	tp, err := d.transferPhone()
	if err != nil {
		return nil, err
	}
	if tp != nil {
		if err := tp.Requeue(ctx, id); err != nil {
			return nil, err
		}
	}
	return d.requeue(ctx, tid, id, from, to, queue, target, extra)
}

// requeue records a blind transfer of contact id from agent from to queue
// (and the resolved target agent when one was named) and has the engine
// route it: the voice side
// already has the caller waiting (music). Recorded before the engine acts,
// so contact:transferred comes before the offer it leads to. The contact
// keeps the first agent until it is offered: this event is theirs (their
// desk goes to wrap-up). extra goes into the event's payload.
func (d *Dispatcher) requeue(ctx context.Context, tid tsunagu.TenantID, id tsunagu.ContactID, from tsunagu.AgentID,
	to tsunagu.TransferTarget, queue tsunagu.QueueID, target tsunagu.AgentID, extra map[string]any) (*tsunagu.Contact, error) {
	payload := map[string]any{"kind": "blind", "from_agent": from, "to": to, "queue_id": queue}
	if target != "" {
		payload["agent_id"] = target
	}
	for k, v := range extra {
		payload[k] = v
	}
	out, err := d.Store.UpdateContact(ctx, tid, id, tsunagu.EventContactTransferred, payload, func(x *tsunagu.Contact) error {
		x.State, x.QueueID = tsunagu.ContactQueued, queue
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = d.do(ctx, tid, func(e *acd.Engine, now time.Time) ([]acd.Decision, error) {
		return e.Transfer(now, acd.TransferSpec{Contact: id, Queue: to.QueueID, Agent: target})
	}, func(ctx context.Context, t *tenant) error {
		d.syncAgent(ctx, t, from)
		return nil
	})
	if err != nil {
		d.log().Error("dispatch: transfer in the engine after the caller was requeued", "contact_id", id, "err", err)
		return nil, err
	}
	d.log().Info("dispatch: transferred", "contact_id", id, "from_agent", from, "queue_id", queue, "agent_id", target)
	return out, nil
}

// Consult starts a warm transfer: p's caller goes on hold (music) and the
// consulted agent — named, the best available agent of a queue, or the
// leader — is reserved and their desk rings (contact:consult_started). The
// consulted agent answers with Answer.
func (d *Dispatcher) Consult(ctx context.Context, p *tsunagu.Principal, id tsunagu.ContactID, to tsunagu.TransferTarget) (tsunagu.AgentID, error) {
	tid := p.TenantID
	c, err := d.liveContact(ctx, p, id)
	if err != nil {
		return "", err
	}
	if _, busy := d.xfer.get(id); busy {
		return "", tsunagu.Errorf(tsunagu.ECONFLICT, "The call is already in a consultation.")
	}
	from := c.AgentID
	target, err := d.resolve(ctx, tid, from, to)
	if err != nil {
		return "", err
	}
	if _, err := d.transferPhone(); err != nil {
		return "", err
	}
	if target != "" && d.Phone != nil && !d.Phone.Reachable(target) {
		return "", &tsunagu.Error{Code: tsunagu.ECONFLICT, Field: "to", Message: "That operator's phone is not connected."}
	}
	var consulted tsunagu.AgentID
	err = d.do(ctx, tid, func(e *acd.Engine, now time.Time) ([]acd.Decision, error) {
		a, ds, err := e.Consult(now, acd.ConsultSpec{Contact: id, Agent: target, Queue: to.QueueID})
		consulted = a
		if code := tsunagu.ErrorCode(err); err != nil && target != "" && (code == tsunagu.ECONFLICT || code == tsunagu.ENOTFOUND) {
			err = &tsunagu.Error{Code: tsunagu.ECONFLICT, Field: "to", Message: "That operator is not available now.", Err: err}
		} else if err != nil && tsunagu.ErrorCode(err) == tsunagu.ECONFLICT {
			err = &tsunagu.Error{Code: tsunagu.ECONFLICT, Field: "to.queue_id", Message: "Nobody in that queue is available now.", Err: err}
		}
		return ds, err
	}, func(ctx context.Context, t *tenant) error {
		d.syncAgent(ctx, t, consulted)
		return nil
	})
	if err != nil {
		return "", err
	}
	d.xfer.put(id, &consult{from: from, to: consulted})
	if d.Phone != nil {
		// The caller hears the music while the two operators talk.
		if err := d.Phone.Hold(ctx, id); err != nil && tsunagu.ErrorCode(err) != tsunagu.ECONFLICT { // ECONFLICT: already on hold
			d.undoConsult(ctx, tid, id)
			return "", err
		}
	}
	d.consultEvent(ctx, tid, id, consulted, tsunagu.EventContactConsultStarted, map[string]any{"from_agent": from, "queue_id": c.QueueID})
	rc := *c
	rc.AgentID = consulted
	d.ringConsult(tid, &rc)
	return consulted, nil
}

// ringConsult rings the consulted agent's desk phone, when that is their
// phone (Ringer, as ring.go does for an offer; c.AgentID is the consulted
// agent): their answer is Answer, which joins the consultation; a phone
// that refuses or does not answer cancels it, as Decline at the desk
// would. The ringing ends with the consultation (finishConsult, consultGone
// stop it) or with the dispatcher.
func (d *Dispatcher) ringConsult(tid tsunagu.TenantID, c *tsunagu.Contact) {
	d.mu.Lock()
	base := d.ctx
	d.mu.Unlock()
	if base == nil {
		return
	}
	d.ringPhone(base, c, func(_ Ringer, rctx context.Context, answered bool, err error) {
		if (err == nil && !answered) || (err != nil && rctx.Err() != nil) {
			return // the agent answers at the desk, or the consultation ended
		}
		actx, acancel := context.WithTimeout(context.WithoutCancel(base), 10*time.Second)
		defer acancel()
		if err == nil {
			if _, err = d.Answer(actx, tid, c.ID, c.AgentID); err == nil {
				return
			}
		}
		d.log().Info("dispatch: consulted desk phone did not take the consultation", "contact_id", c.ID, "agent_id", c.AgentID, "err", err)
		ok, derr := d.declineConsult(actx, tid, c.ID, c.AgentID)
		if derr != nil {
			d.log().Info("dispatch: cancel consultation", "contact_id", c.ID, "err", derr)
		}
		if cr, can := d.Phone.(ConsultReleaser); answered && !ok && can {
			cr.ReleaseConsult(c.ID) // answered as the consultation ended
		}
	})
}

// ConsultReleaser is a Ringer that can hang up a desk phone answered for a
// consultation that had ended meanwhile.
type ConsultReleaser interface {
	ReleaseConsult(id tsunagu.ContactID)
}

// hangupConsult is the consulted agent hanging up during a consultation
// (their desk phone's BYE, through Hangup): it is cancelled, as Decline
// would. ok is false when agent is not consulted about id.
func (d *Dispatcher) hangupConsult(ctx context.Context, tid tsunagu.TenantID, id tsunagu.ContactID, agent tsunagu.AgentID) (bool, error) {
	x, ok := d.xfer.get(id)
	if !ok || x.to != agent {
		return false, nil
	}
	_, err := d.finishConsult(ctx, tid, id, x, false)
	return true, err
}

// undoConsult frees a consulted agent when the consultation could not start.
func (d *Dispatcher) undoConsult(ctx context.Context, tid tsunagu.TenantID, id tsunagu.ContactID) {
	x, ok := d.xfer.get(id)
	if !ok {
		return
	}
	d.xfer.put(id, nil)
	_ = d.do(ctx, tid, func(e *acd.Engine, now time.Time) ([]acd.Decision, error) {
		return e.EndConsult(now, id, false)
	}, func(ctx context.Context, t *tenant) error {
		d.syncAgent(ctx, t, x.to)
		return nil
	})
}

// consultEvent appends an event about the contact for one agent's desk.
func (d *Dispatcher) consultEvent(ctx context.Context, tid tsunagu.TenantID, id tsunagu.ContactID, agent tsunagu.AgentID, typ tsunagu.EventType, payload map[string]any) {
	e := tsunagu.NewEvent(tid, typ, d.now(), payload)
	e.ContactID, e.AgentID = id, agent
	if p := tsunagu.FromContext(ctx); p != nil {
		e.ActorID = p.UserID
	}
	if err := d.Store.AppendEvents(ctx, e); err != nil {
		d.log().Error("dispatch: record consultation", "contact_id", id, "type", typ, "err", err)
	}
}

// answerConsult is the consulted agent answering (through Answer): their
// phone is joined with the first agent's. ok is false when agent is not
// being consulted about id (an ordinary answer).
func (d *Dispatcher) answerConsult(ctx context.Context, tid tsunagu.TenantID, id tsunagu.ContactID, agent tsunagu.AgentID) (*tsunagu.Contact, bool, error) {
	x, ok := d.xfer.get(id)
	if !ok || x.to != agent {
		return nil, false, nil
	}
	if x.joined {
		return nil, true, tsunagu.Errorf(tsunagu.ECONFLICT, "You have already answered this consultation.")
	}
	tp, err := d.transferPhone()
	if err != nil {
		return nil, true, err
	}
	if tp != nil {
		if err := tp.ConsultJoin(ctx, id, agent); err != nil {
			return nil, true, err
		}
	}
	d.xfer.put(id, &consult{from: x.from, to: x.to, joined: true})
	// The asking agent's desk learns that the colleague picked up.
	d.consultEvent(ctx, tid, id, x.from, tsunagu.EventContactConsultJoined, map[string]any{"from_agent": x.from, "to_agent": agent})
	c, err := d.Store.FindContact(ctx, tid, id)
	return c, true, err
}

// CompleteConsult completes a warm transfer: the caller is bridged with the
// consulted agent, who now has the contact, and the first agent goes to
// after-call work for their part.
func (d *Dispatcher) CompleteConsult(ctx context.Context, p *tsunagu.Principal, id tsunagu.ContactID) (*tsunagu.Contact, error) {
	return d.endConsult(ctx, p, id, true)
}

// CancelConsult ends a consultation: the consulted agent is available again
// and the first agent goes on with the caller.
func (d *Dispatcher) CancelConsult(ctx context.Context, p *tsunagu.Principal, id tsunagu.ContactID) (*tsunagu.Contact, error) {
	return d.endConsult(ctx, p, id, false)
}

func (d *Dispatcher) endConsult(ctx context.Context, p *tsunagu.Principal, id tsunagu.ContactID, complete bool) (*tsunagu.Contact, error) {
	tid := p.TenantID
	if _, err := d.liveContact(ctx, p, id); err != nil {
		return nil, err
	}
	x, ok := d.xfer.get(id)
	if !ok {
		return nil, tsunagu.Errorf(tsunagu.ECONFLICT, "The call is not in a consultation.")
	}
	if complete && !x.joined {
		return nil, tsunagu.Errorf(tsunagu.ECONFLICT, "The consulted operator has not answered yet.")
	}
	return d.finishConsult(ctx, tid, id, x, complete)
}

// declineConsult is the consulted agent declining (through Decline): the
// consultation is cancelled. ok is false for an ordinary decline.
func (d *Dispatcher) declineConsult(ctx context.Context, tid tsunagu.TenantID, id tsunagu.ContactID, agent tsunagu.AgentID) (bool, error) {
	x, ok := d.xfer.get(id)
	if !ok || x.to != agent {
		return false, nil
	}
	_, err := d.finishConsult(ctx, tid, id, x, false)
	return true, err
}

func (d *Dispatcher) finishConsult(ctx context.Context, tid tsunagu.TenantID, id tsunagu.ContactID, x consult, complete bool) (*tsunagu.Contact, error) {
	if !x.joined {
		d.rings.stop(id) // the consulted desk phone rings no more
	}
	tp, err := d.transferPhone()
	if err != nil {
		return nil, err
	}
	if tp != nil {
		if err := tp.ConsultEnd(ctx, id, complete); err != nil {
			return nil, err
		}
	}
	d.xfer.put(id, nil)
	err = d.do(ctx, tid, func(e *acd.Engine, now time.Time) ([]acd.Decision, error) {
		return e.EndConsult(now, id, complete)
	}, func(ctx context.Context, t *tenant) error {
		d.syncAgent(ctx, t, x.from)
		d.syncAgent(ctx, t, x.to)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !complete {
		d.consultEvent(ctx, tid, id, x.to, tsunagu.EventContactConsultEnded, map[string]any{"outcome": "cancelled", "from_agent": x.from, "to_agent": x.to})
		return d.Store.FindContact(ctx, tid, id)
	}
	d.consultEvent(ctx, tid, id, x.from, tsunagu.EventContactConsultEnded, map[string]any{"outcome": "completed", "from_agent": x.from, "to_agent": x.to})
	return d.Store.UpdateContact(ctx, tid, id, tsunagu.EventContactTransferred,
		map[string]any{"kind": "warm", "from_agent": x.from, "to": tsunagu.TransferTarget{AgentID: x.to}, "agent_id": x.to},
		func(c *tsunagu.Contact) error {
			c.AgentID = x.to
			return nil
		})
}

// consultGone is the contact ending during a consultation (the caller hung
// up): the engine has freed the consulted agent; their desk is told.
func (d *Dispatcher) consultGone(ctx context.Context, t *tenant, id tsunagu.ContactID) {
	x, ok := d.xfer.get(id)
	if !ok {
		return
	}
	d.xfer.put(id, nil)
	if !x.joined {
		d.rings.stop(id)
	}
	d.syncAgent(ctx, t, x.to)
	d.consultEvent(ctx, t.id, id, x.to, tsunagu.EventContactConsultEnded, map[string]any{"outcome": "caller_hung_up", "from_agent": x.from, "to_agent": x.to})
}

// wrapTransferred records the wrap-up of the part of a transferred contact
// that agent handled before passing it on, and makes them ready (or sends
// them to a recovery break, as after any wrap-up flagged abusive). ok is
// false when agent did not transfer the contact away, or has already
// wrapped up their part since they last did: an ordinary wrap-up.
//
// The part's wrap-up is the whole wrap-up (issue #5): reason and
// disposition from the list of the queue they had the caller in, notes,
// thank-you, feedback for the product team, a promised callback and the
// abusive flag, all against the contact (DeskStore.WrapPart). The
// contact's own reason, disposition and notes stay the last operator's;
// this part's are in its contact:wrapped {"part_of"}. The identity check
// is not required of a part: the operator who finishes the call does it.
func (d *Dispatcher) wrapTransferred(ctx context.Context, tid tsunagu.TenantID, c *tsunagu.Contact, agent tsunagu.AgentID, w tsunagu.WrapUp) (*tsunagu.Contact, bool, error) {
	if c.AgentID == agent && c.State == tsunagu.ContactEnded {
		return nil, false, nil
	}
	evs, err := d.Store.ContactEvents(ctx, tid, c.ID)
	if err != nil {
		return nil, true, err
	}
	// Their last transfer: a caller passed back to them and on again is a
	// second part.
	mine := -1
	for i, e := range evs {
		if e.Type == tsunagu.EventContactTransferred && payloadField(e, "from_agent") == string(agent) {
			mine = i
		}
	}
	if mine < 0 || slices.ContainsFunc(evs[mine:], func(e tsunagu.Event) bool {
		return e.Type == tsunagu.EventContactWrapped && payloadField(e, "part_of") == string(agent)
	}) {
		return nil, false, nil
	}
	if err := validateWrapUp(ctx, &w, d.Store, c, partQueue(evs[:mine+1]), true, d.now()); err != nil {
		return nil, true, err
	}
	out, err := d.Store.WrapPart(ctx, tid, c.ID, agent, &w)
	if err != nil {
		return nil, true, err
	}
	// Achievements and the abusive flag's consequences are this agent's.
	part := *out
	part.AgentID, part.Abusive = agent, w.Abusive
	next := d.afterWrap(ctx, tid, &part)
	return out, true, d.readyAfterWrap(ctx, tid, agent, next)
}

// partQueue is the queue a contact was in when its part ended: the last
// queue named by the events up to and including the transfer (where it was
// offered or queued; a warm transfer keeps the queue).
func partQueue(evs []tsunagu.Event) tsunagu.QueueID {
	for i := len(evs) - 1; i >= 0; i-- {
		switch evs[i].Type {
		case tsunagu.EventContactTransferred:
			if i < len(evs)-1 {
				// An earlier transfer: where it sent the caller.
				if q := payloadField(evs[i], "queue_id"); q != "" {
					return tsunagu.QueueID(q)
				}
			}
		case tsunagu.EventContactOffered, tsunagu.EventContactQueued, tsunagu.EventContactDialing:
			if q := payloadField(evs[i], "queue_id"); q != "" {
				return tsunagu.QueueID(q)
			}
		}
	}
	return ""
}

func payloadField(e tsunagu.Event, key string) string {
	var m map[string]any
	if err := json.Unmarshal(e.Payload, &m); err != nil {
		return ""
	}
	s, _ := m[key].(string)
	return s
}
