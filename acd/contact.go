package acd

import (
	"time"

	"tsunagu"
)

type contactState uint8

const (
	scheduled contactState = iota // a callback not yet due
	waiting                       // in a queue's waiting list
	offered                       // ringing an agent
	connected                     // answered; until End
)

// contact is a contact's runtime state.
type contact struct {
	id         tsunagu.ContactID
	q          *queue
	state      contactState
	seq        uint64    // global enqueue order; kept for life: the caller's place
	enqueuedAt time.Time // start of the wait; kept across overflow, offers and callbacks
	queuedAt   time.Time // entered the current queue; widening and max wait count from here
	eff        int64     // enqueuedAt minus priority boost, unix ns: the in-queue order key
	priority   int
	reqs       []skillReq

	preferred   tsunagu.AgentID
	prefUntil   time.Time
	prefForever bool
	ownerFor    time.Duration // scheduled callbacks: how long the owner has it alone

	callback     bool // a callback task: nobody is on the line
	due          time.Time
	step         int // widening step reached in the current queue
	overflowDone bool
	hops         int
	refused      []tsunagu.AgentID
	agent        *agent
	timer        timerRef
	why          *Explanation

	// Transfers (transfer.go): SL counts from slSince when set; headEff, when
	// set, puts the contact at the head of its queue; direct marks a
	// transfer to the preferred agent by name; consult is the agent
	// consulted while connected.
	slSince time.Time
	headEff int64
	direct  bool
	consult *agent
}

func (c *contact) effTime(e *Engine, q *queue) int64 {
	eff := c.enqueuedAt.UnixNano() - int64(q.cfg.Priority+c.priority)*int64(e.cfg.PriorityBoost)
	if c.headEff != 0 && c.headEff < eff {
		return c.headEff // transferred: at the head of the line (transfer.go)
	}
	return eff
}

// score is the contact's place in the global order at now.
func (c *contact) score(now time.Time) float64 {
	return c.q.cfg.Weight * float64(now.UnixNano()-c.eff) / 1e9
}

func (c *contact) prefActive(now time.Time) bool {
	return c.preferred != "" && (c.prefForever || now.Before(c.prefUntil))
}

func (e *Engine) contact(id tsunagu.ContactID) (*contact, error) {
	c, ok := e.contacts[id]
	if !ok {
		return nil, notFound("contact", id)
	}
	return c, nil
}

// Queue puts a new contact in a queue. It is offered at once if an eligible
// agent is free, overflows if the queue is closed or full, or waits.
func (e *Engine) Queue(now time.Time, spec ContactSpec) ([]Decision, error) {
	if spec.ID == "" {
		return nil, tsunagu.FieldError("id", "contact id is required")
	}
	if _, ok := e.contacts[spec.ID]; ok {
		return nil, conflict("contact %s is already in the engine", spec.ID)
	}
	q, ok := e.queues[spec.Queue]
	if !ok {
		return nil, notFound("queue", spec.Queue)
	}
	e.advance(now)
	e.seq++
	c := &contact{id: spec.ID, seq: e.seq, enqueuedAt: e.now, priority: spec.Priority,
		reqs: e.reqs(spec.Skills), callback: spec.Callback, state: waiting}
	switch {
	case spec.Preferred != "":
		c.preferred = spec.Preferred
		d := spec.PreferredFor
		if d == 0 {
			d = q.cfg.PreferredFor
		}
		c.prefUntil = e.now.Add(d)
	case spec.LastAgent != "" && q.cfg.LastAgentFor > 0:
		c.preferred, c.prefUntil = spec.LastAgent, e.now.Add(q.cfg.LastAgentFor)
	}
	e.contacts[c.id] = c
	e.enter(c, q, "contact_queued")
	return e.out, nil
}

// enter puts c into q (arrival, overflow or due callback): closed and full
// queues overflow at once; otherwise c takes its place and is routed.
func (e *Engine) enter(c *contact, q *queue, trigger string) {
	c.q, c.queuedAt, c.step, c.overflowDone = q, e.now, q.stepAt(0), false
	c.eff = c.effTime(e, q)
	q.offered++
	if !q.isOpen(e.now) {
		t := q.cfg.Closed
		if t.Kind == OverflowNone {
			t = q.cfg.Overflow
		}
		e.overflow(c, "closed", t)
		return
	}
	if q.cfg.MaxLength > 0 && len(q.waiting) >= q.cfg.MaxLength {
		e.overflow(c, "max_length", q.cfg.Overflow)
		return
	}
	q.insert(c)
	c.state = waiting
	if !e.routeContact(c, trigger) {
		e.schedContact(c)
	}
}

// overflow sends c to target. c is either waiting in c.q or (on arrival) not
// yet inserted.
func (e *Engine) overflow(c *contact, reason string, t Overflow) {
	q := c.q
	inQueue := c.state == waiting && q.contains(c)
	if t.Kind == OverflowQueue {
		if nq, ok := e.queues[t.Queue]; !ok || nq == q || c.hops >= 8 {
			t.Kind = OverflowNone // misconfigured or looping: behave as if no target
		}
	}
	switch t.Kind {
	case OverflowNone:
		if inQueue { // max wait without a target: keep waiting
			c.overflowDone = true
			return
		}
		q.overflowed++
		e.emit(Decision{Kind: DecisionRejected, Contact: c.id, Queue: q.id, Reason: reason})
		e.forget(c)
	case OverflowCallback:
		e.emit(Decision{Kind: DecisionOverflow, Contact: c.id, Queue: q.id, Overflow: t, Reason: reason})
		if inQueue { // the caller is offered a callback and keeps waiting meanwhile
			c.overflowDone = true
			return
		}
		q.overflowed++
		e.forget(c)
	case OverflowVoicemail:
		q.overflowed++
		e.emit(Decision{Kind: DecisionOverflow, Contact: c.id, Queue: q.id, Overflow: t, Reason: reason})
		if inQueue {
			q.remove(c)
		}
		e.forget(c)
	case OverflowQueue:
		q.overflowed++
		e.emit(Decision{Kind: DecisionOverflow, Contact: c.id, Queue: q.id, Overflow: t, Reason: reason})
		if inQueue {
			q.remove(c)
		}
		c.timer.cancel()
		c.hops++
		e.enter(c, e.queues[t.Queue], "overflow")
	}
}

func (e *Engine) forget(c *contact) {
	c.timer.cancel()
	delete(e.contacts, c.id)
}

// Abandon removes a contact whose caller hung up (or a callback that was
// cancelled). A ringing offer is cancelled and the agent is available again
// without losing their idle time.
func (e *Engine) Abandon(now time.Time, id tsunagu.ContactID) ([]Decision, error) {
	c, err := e.contact(id)
	if err != nil {
		return nil, err
	}
	if c.state == connected {
		return nil, conflict("contact %s is connected; end it instead", id)
	}
	e.advance(now)
	switch c.state {
	case waiting:
		c.q.remove(c)
		c.q.abandoned++
	case offered:
		a := c.agent
		e.emit(Decision{Kind: DecisionOfferCancelled, Contact: c.id, Agent: a.id, Queue: c.q.id, Reason: "abandoned"})
		c.q.abandoned++
		a.contact, c.agent = nil, nil
		a.timer.cancel()
		e.setState(a, Available, "") // idleSince is kept: the agent did nothing wrong
		e.forget(c)
		e.release(a, "agent_available")
		return e.out, nil
	}
	e.forget(c)
	return e.out, nil
}

// ConvertToCallback turns a waiting caller into a callback task that keeps
// the caller's place; max wait no longer applies.
func (e *Engine) ConvertToCallback(now time.Time, id tsunagu.ContactID) ([]Decision, error) {
	c, err := e.contact(id)
	if err != nil {
		return nil, err
	}
	if c.state != waiting {
		return nil, conflict("contact %s is not waiting", id)
	}
	e.advance(now)
	c.callback, c.overflowDone = true, true
	e.schedContact(c)
	return e.out, nil
}

// ScheduleCallback registers a callback that becomes a contact in Queue when
// Due; with an Owner only that agent gets it (for OwnerFor, 0 = for ever).
func (e *Engine) ScheduleCallback(now time.Time, spec CallbackSpec) ([]Decision, error) {
	if spec.ID == "" {
		return nil, tsunagu.FieldError("id", "contact id is required")
	}
	if _, ok := e.contacts[spec.ID]; ok {
		return nil, conflict("contact %s is already in the engine", spec.ID)
	}
	q, ok := e.queues[spec.Queue]
	if !ok {
		return nil, notFound("queue", spec.Queue)
	}
	e.advance(now)
	c := &contact{id: spec.ID, q: q, state: scheduled, callback: true, due: spec.Due,
		priority: spec.Priority, reqs: e.reqs(spec.Skills), preferred: spec.Owner,
		prefForever: spec.Owner != "" && spec.OwnerFor == 0, ownerFor: spec.OwnerFor}
	e.contacts[c.id] = c
	if !spec.Due.After(e.now) {
		e.callbackDue(c)
	} else {
		e.schedAt(&c.timer, spec.Due, nil, c)
	}
	return e.out, nil
}

func (e *Engine) callbackDue(c *contact) {
	e.seq++
	c.seq = e.seq
	c.enqueuedAt = e.now
	if c.preferred != "" && !c.prefForever {
		c.prefUntil = e.now.Add(c.ownerFor)
	}
	e.emit(Decision{Kind: DecisionCallbackDue, Contact: c.id, Queue: c.q.id, Agent: c.preferred, Callback: true})
	e.enter(c, c.q, "callback_due")
}
