package acd

import (
	"time"

	"tsunagu"
)

// offer reserves a for c and emits the offer.
func (e *Engine) offer(c *contact, a *agent, why *Explanation) {
	c.q.remove(c)
	c.timer.cancel()
	c.state, c.agent, c.why = offered, a, why
	why.Agent = a.id
	e.leaveHeaps(a)
	e.offers++
	a.lastOffer = e.offers
	a.contact = c
	e.setState(a, Reserved, "")
	if t := c.q.cfg.OfferTimeout; t > 0 {
		e.schedAt(&a.timer, e.now.Add(t), a, nil)
	}
	e.emit(Decision{Kind: DecisionOffer, Contact: c.id, Agent: a.id, Queue: c.q.id, Callback: c.callback, Why: why})
}

// unoffer puts an offered contact back at its place (same enqueue time and
// sequence, so it is ahead of everyone who came later). The agent's state is
// the caller's business.
func (e *Engine) unoffer(c *contact) {
	a := c.agent
	a.contact, c.agent = nil, nil
	a.timer.cancel()
	c.state = waiting
	c.step = c.q.stepAt(e.now.Sub(c.queuedAt)) // widening went on while it rang
	c.q.insert(c)
	e.schedContact(c)
}

// release routes an agent who is Available again without touching idleSince.
func (e *Engine) release(a *agent, trigger string) {
	if !e.routeAgent(a, trigger) {
		for _, m := range a.members {
			m.q.push(m)
		}
	}
}

func (e *Engine) offered(cid tsunagu.ContactID, aid tsunagu.AgentID) (*contact, *agent, error) {
	c, err := e.contact(cid)
	if err != nil {
		return nil, nil, err
	}
	if c.state != offered || c.agent.id != aid {
		return nil, nil, conflict("contact %s is not offered to agent %s", cid, aid)
	}
	return c, c.agent, nil
}

// Accept records that the agent answered the offer.
func (e *Engine) Accept(now time.Time, cid tsunagu.ContactID, aid tsunagu.AgentID) ([]Decision, error) {
	c, a, err := e.offered(cid, aid)
	if err != nil {
		return nil, err
	}
	e.advance(now)
	a.timer.cancel()
	e.setState(a, OnContact, "")
	a.contactsToday++
	c.state = connected
	q := c.q
	q.answered++
	slFrom := c.enqueuedAt
	if !c.slSince.IsZero() {
		slFrom = c.slSince // transferred: SL counts from the transfer (transfer.go)
	}
	if e.now.Sub(slFrom) <= q.cfg.SLThreshold {
		q.answeredInSL++
	}
	return e.out, nil
}

// Refuse records that the agent declined the offer. The contact keeps its
// place and is not offered to this agent again (a preference for this agent
// lapses); the agent stays available but goes to the back of the idle line.
func (e *Engine) Refuse(now time.Time, cid tsunagu.ContactID, aid tsunagu.AgentID) ([]Decision, error) {
	c, a, err := e.offered(cid, aid)
	if err != nil {
		return nil, err
	}
	e.advance(now)
	c.refused = append(c.refused, a.id)
	if c.preferred == a.id {
		c.preferred = ""
	}
	e.unoffer(c)
	e.setState(a, Available, "")
	a.setIdle(e.now)
	e.routeContact(c, "offer_returned")
	if a.state == Available {
		e.release(a, "agent_available")
	}
	return e.out, nil
}

// Missed records that the offer was not answered (the phone reported no
// answer or was unreachable). It is what the offer timeout does by itself.
func (e *Engine) Missed(now time.Time, cid tsunagu.ContactID, aid tsunagu.AgentID) ([]Decision, error) {
	c, _, err := e.offered(cid, aid)
	if err != nil {
		return nil, err
	}
	e.advance(now)
	e.missed(c)
	return e.out, nil
}

// missed: the agent goes not-ready (missed) and the contact goes back to its
// place at the head of the line, then is routed again.
func (e *Engine) missed(c *contact) {
	a := c.agent
	e.emit(Decision{Kind: DecisionOfferTimedOut, Contact: c.id, Agent: a.id, Queue: c.q.id, Reason: string(ReasonMissed)})
	e.unoffer(c)
	a.pending = ""
	e.setState(a, NotReady, ReasonMissed)
	e.routeContact(c, "offer_returned")
}

// End records that a connected contact ended. The agent enters after-call
// work for at most the queue's ACW, then is made ready automatically (or
// goes not-ready if a reason is pending).
func (e *Engine) End(now time.Time, cid tsunagu.ContactID) ([]Decision, error) {
	c, err := e.contact(cid)
	if err != nil {
		return nil, err
	}
	if c.state != connected {
		return nil, conflict("contact %s is not connected", cid)
	}
	e.advance(now)
	e.dropConsult(c)
	a := c.agent
	e.forget(c)
	c.agent = nil
	if acw := c.q.cfg.ACW; acw > 0 {
		e.setState(a, ACW, "")
		a.contact = nil
		e.schedAt(&a.timer, e.now.Add(acw), a, nil)
		return e.out, nil
	}
	e.afterWork(a)
	return e.out, nil
}
