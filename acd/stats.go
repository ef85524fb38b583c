package acd

import (
	"time"

	"tsunagu"
)

// QueueStats are a queue's real-time figures since the engine started.
type QueueStats struct {
	Queue        tsunagu.QueueID
	Waiting      int           // contacts waiting now, callbacks included
	Callbacks    int           // of which callback tasks
	LongestWait  time.Duration // the longest current wait
	Offered      int           // contacts that entered the queue (arrivals, overflow in, due callbacks)
	Answered     int
	AnsweredInSL int // answered within the SL threshold, counted from the first enqueue
	Abandoned    int
	Overflowed   int // left for another target, or rejected (closed, full)
	Agents       AgentCounts
}

// ServiceLevel returns answered within threshold over answered plus
// abandoned, or 1 when nothing was handled yet.
func (s QueueStats) ServiceLevel() float64 {
	if d := s.Answered + s.Abandoned; d > 0 {
		return float64(s.AnsweredInSL) / float64(d)
	}
	return 1
}

// AgentCounts counts a queue's member agents by state.
type AgentCounts struct {
	Available, Reserved, OnContact, ACW, NotReady int
}

// Stats returns the queue's figures at now (or the engine's clock if later).
// It costs O(waiting + members); call it for wallboards, not per contact.
func (e *Engine) Stats(now time.Time, id tsunagu.QueueID) (QueueStats, error) {
	if now.Before(e.now) {
		now = e.now
	}
	q, ok := e.queues[id]
	if !ok {
		return QueueStats{}, notFound("queue", id)
	}
	s := QueueStats{Queue: id, Waiting: len(q.waiting), Offered: q.offered, Answered: q.answered,
		AnsweredInSL: q.answeredInSL, Abandoned: q.abandoned, Overflowed: q.overflowed}
	for _, c := range q.waiting {
		if c.callback {
			s.Callbacks++
		}
		s.LongestWait = max(s.LongestWait, now.Sub(c.enqueuedAt))
	}
	for _, m := range q.members {
		switch m.a.state {
		case Available:
			s.Agents.Available++
		case Reserved:
			s.Agents.Reserved++
		case OnContact:
			s.Agents.OnContact++
		case ACW:
			s.Agents.ACW++
		case NotReady:
			s.Agents.NotReady++
		}
	}
	return s, nil
}

// AgentStatus is an agent's routing state as the engine sees it.
type AgentStatus struct {
	Agent         tsunagu.AgentID
	State         AgentState
	Reason        Reason // for NotReady
	Pending       Reason // not-ready requested while busy
	Since         time.Time
	Contact       tsunagu.ContactID // offered, connected (ACW has none)
	ContactsToday int
}

// Agent returns an agent's status; time in state is Now() − Since.
func (e *Engine) Agent(id tsunagu.AgentID) (AgentStatus, error) {
	a, err := e.agent(id)
	if err != nil {
		return AgentStatus{}, err
	}
	s := AgentStatus{Agent: a.id, State: a.state, Reason: a.reason, Pending: a.pending, Since: a.since, ContactsToday: a.contactsToday}
	if a.contact != nil {
		s.Contact = a.contact.id
	}
	return s, nil
}

// Explain returns the explanation of the latest offer of a contact still
// known to the engine (waiting, offered or connected). Offers also carry
// their explanation in Decision.Why, for logging after the contact ends.
func (e *Engine) Explain(id tsunagu.ContactID) (*Explanation, error) {
	c, err := e.contact(id)
	if err != nil {
		return nil, err
	}
	if c.why == nil {
		return nil, tsunagu.Errorf(tsunagu.ENOTFOUND, "contact %s has not been offered yet", id)
	}
	return c.why, nil
}

// Waiting returns the number of contacts waiting in all queues.
func (e *Engine) Waiting() int {
	n := 0
	for _, q := range e.queueList {
		n += len(q.waiting)
	}
	return n
}
