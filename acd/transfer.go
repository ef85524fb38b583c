package acd

import (
	"slices"
	"time"

	"tsunagu"
)

// Transfers and consultations (issue #4: blind and warm transfer).
//
// A blind transfer takes a connected contact from its agent and puts it back
// in a queue — its own or another — at the head of the line: the caller has
// already waited and talked once, so they go before everyone who is waiting
// there now. Their place in the global order across queues is the same: the
// contact scores as if it had waited as long as the head of the target queue.
// Optionally the contact is offered to one agent first (a transfer to a named
// agent, 指名): only that agent may take it for AgentFor, whether or not they
// serve the queue, and when the window ends (or they decline) any agent of the
// queue may. Service level restarts at the transfer: a queue's SL measures how
// fast it answers the callers given to it, and the first conversation was not
// waiting.
//
// A consultation reserves a second agent (OnContact, out of routing) while
// the first keeps the contact; EndConsult either hands the contact to the
// consulted agent (warm transfer completed) or frees them (cancelled).

// TransferSpec says where a connected contact goes when its agent transfers it.
type TransferSpec struct {
	Contact tsunagu.ContactID
	// Queue is where the contact waits; "" keeps its current queue.
	Queue tsunagu.QueueID
	// Agent, when set, is offered the contact first, whatever the queue.
	Agent tsunagu.AgentID
	// AgentFor is how long only Agent may take it; 0 means the target
	// queue's OfferTimeout, or 20 s when the queue has none.
	AgentFor time.Duration
}

// Transfer re-queues a connected contact (see the comment at the top of this
// file). The agent who had it goes to after-call work (or is made ready when
// the contact's queue has none) and is never offered it again.
//
// Errors: ENOTFOUND for an unknown contact, queue or agent; ECONFLICT when
// the contact is not connected, is in a consultation, or Agent is the agent
// who has it.
func (e *Engine) Transfer(now time.Time, spec TransferSpec) ([]Decision, error) {
	c, err := e.contact(spec.Contact)
	if err != nil {
		return nil, err
	}
	if c.state != connected {
		return nil, conflict("contact %s is not connected", spec.Contact)
	}
	if c.consult != nil {
		return nil, conflict("contact %s is in a consultation; complete or cancel it first", spec.Contact)
	}
	q := c.q
	if spec.Queue != "" {
		var ok bool
		if q, ok = e.queues[spec.Queue]; !ok {
			return nil, notFound("queue", spec.Queue)
		}
	}
	var target *agent
	if spec.Agent != "" {
		if target, err = e.agent(spec.Agent); err != nil {
			return nil, err
		}
		if target == c.agent {
			return nil, conflict("agent %s already has contact %s", spec.Agent, spec.Contact)
		}
	}
	e.advance(now)
	from, fromQ := c.agent, c.q
	from.contact, c.agent = nil, nil
	c.refused = append(c.refused[:0], from.id)
	c.slSince = e.now
	c.preferred, c.prefForever, c.direct = "", false, false
	if target != nil {
		wait := spec.AgentFor
		if wait <= 0 {
			wait = q.cfg.OfferTimeout
		}
		if wait <= 0 {
			wait = 20 * time.Second
		}
		c.preferred, c.prefUntil, c.direct = target.id, e.now.Add(wait), true
		target.direct = append(target.direct, c)
	}
	// The head of the line: one nanosecond ahead of whoever leads now.
	c.headEff = 0
	if len(q.waiting) > 0 {
		c.headEff = q.waiting[0].eff - 1
	}
	c.hops = 0
	e.enter(c, q, "transfer")
	e.leave(from, fromQ)
	return e.out, nil
}

// leave ends agent a's part in a contact of queue q as End does: after-call
// work for the queue's ACW, or ready at once.
func (e *Engine) leave(a *agent, q *queue) {
	if acw := q.cfg.ACW; acw > 0 {
		e.setState(a, ACW, "")
		a.contact = nil
		e.schedAt(&a.timer, e.now.Add(acw), a, nil)
		return
	}
	e.afterWork(a)
}

// routeDirect offers a just-available agent the oldest contact transferred
// to them by name that still waits for them.
func (e *Engine) routeDirect(a *agent, trigger string) bool {
	a.direct = slices.DeleteFunc(a.direct, func(c *contact) bool {
		return e.contacts[c.id] != c || c.state != waiting || !c.direct || c.preferred != a.id || !c.prefActive(e.now)
	})
	if len(a.direct) == 0 {
		return false
	}
	c := a.direct[0]
	x := &Explanation{Contact: c.id, Queue: c.q.id, At: e.now, Trigger: trigger, Strategy: c.q.cfg.Strategy, Step: c.step}
	return e.offerDirect(c, a, x)
}

// offerDirect offers c to the agent it was transferred to by name: skills
// and queue membership do not apply, the transferring agent chose them.
func (e *Engine) offerDirect(c *contact, a *agent, x *Explanation) bool {
	if a.state != Available {
		return false
	}
	x.Agents = append(x.Agents, AgentCandidate{Agent: a.id, Eligible: true, IdleFor: e.now.Sub(a.idleSince), ContactsToday: a.contactsToday})
	x.Reason = "transferred to this agent"
	e.offer(c, a, x)
	return true
}

// ConsultSpec names whom an agent consults about their connected contact:
// one agent, or the best available agent of a queue (its strategy's order).
type ConsultSpec struct {
	Contact tsunagu.ContactID
	Agent   tsunagu.AgentID
	Queue   tsunagu.QueueID
}

// Consult reserves an available agent for a consultation about a connected
// contact and returns who it is. The consulted agent is OnContact (out of
// routing) until EndConsult, or until the contact ends.
//
// Errors: ENOTFOUND for an unknown contact, agent or queue; ECONFLICT when
// the contact is not connected or already in a consultation, or nobody
// available fits.
func (e *Engine) Consult(now time.Time, spec ConsultSpec) (tsunagu.AgentID, []Decision, error) {
	c, err := e.contact(spec.Contact)
	if err != nil {
		return "", nil, err
	}
	if c.state != connected {
		return "", nil, conflict("contact %s is not connected", spec.Contact)
	}
	if c.consult != nil {
		return "", nil, conflict("contact %s is already in a consultation", spec.Contact)
	}
	var b *agent
	switch {
	case spec.Agent != "":
		if b, err = e.agent(spec.Agent); err != nil {
			return "", nil, err
		}
		if b.state != Available {
			return "", nil, conflict("agent %s is not available", spec.Agent)
		}
	case spec.Queue != "":
		q, ok := e.queues[spec.Queue]
		if !ok {
			return "", nil, notFound("queue", spec.Queue)
		}
		if len(q.avail) == 0 {
			return "", nil, conflict("nobody in queue %s is available", spec.Queue)
		}
		b = q.avail[0].m.a
	default:
		return "", nil, tsunagu.FieldError("to", "consult an agent or a queue")
	}
	e.advance(now)
	e.leaveHeaps(b)
	e.setState(b, OnContact, "")
	b.consult, c.consult = c, b
	return b.id, e.out, nil
}

// EndConsult ends the consultation about a connected contact. complete hands
// the contact to the consulted agent (the first goes to after-call work);
// otherwise the consulted agent is available again and the first agent goes
// on with the caller.
//
// Errors: ENOTFOUND for an unknown contact; ECONFLICT when there is no
// consultation.
func (e *Engine) EndConsult(now time.Time, cid tsunagu.ContactID, complete bool) ([]Decision, error) {
	c, err := e.contact(cid)
	if err != nil {
		return nil, err
	}
	b := c.consult
	if c.state != connected || b == nil {
		return nil, conflict("contact %s is not in a consultation", cid)
	}
	e.advance(now)
	c.consult, b.consult = nil, nil
	if !complete {
		e.makeAvailable(b, "agent_available")
		return e.out, nil
	}
	from := c.agent
	from.contact = nil
	c.agent, b.contact = b, c
	b.contactsToday++
	e.leave(from, c.q)
	return e.out, nil
}

// dropConsult frees the consulted agent when the contact ends mid-consultation.
func (e *Engine) dropConsult(c *contact) {
	if b := c.consult; b != nil {
		c.consult, b.consult = nil, nil
		e.makeAvailable(b, "agent_available")
	}
}

// Consulting returns the agent consulted about a contact, if any.
func (e *Engine) Consulting(cid tsunagu.ContactID) (tsunagu.AgentID, bool) {
	c, ok := e.contacts[cid]
	if !ok || c.consult == nil {
		return "", false
	}
	return c.consult.id, true
}

// LongestIdle returns, of the given agents, the one available the longest
// (ties by ID), or false when none is available: how a transfer to "the
// leader" picks among the leaders taking calls.
func (e *Engine) LongestIdle(ids []tsunagu.AgentID) (tsunagu.AgentID, bool) {
	var best *agent
	for _, id := range ids {
		a, ok := e.agents[id]
		if !ok || a.state != Available {
			continue
		}
		if best == nil || a.idleNs < best.idleNs || a.idleNs == best.idleNs && a.id < best.id {
			best = a
		}
	}
	if best == nil {
		return "", false
	}
	return best.id, true
}
