package acd

import (
	"fmt"
	"slices"
)

// check verifies the engine's internal consistency. The last rule is the
// one that matters most to callers: no agent sits available while a contact
// they are eligible for waits.
func (e *Engine) check() error {
	for id, c := range e.contacts {
		if c.id != id {
			return fmt.Errorf("contact %s stored as %s", c.id, id)
		}
		inQ := 0
		for _, q := range e.queueList {
			for _, w := range q.waiting {
				if w == c {
					inQ++
					if q != c.q {
						return fmt.Errorf("contact %s waits in %s but belongs to %s", id, q.id, c.q.id)
					}
				}
			}
		}
		switch c.state {
		case waiting:
			if inQ != 1 || c.agent != nil {
				return fmt.Errorf("waiting contact %s in %d queues, agent %v", id, inQ, c.agent)
			}
		case offered, connected:
			want := map[contactState]AgentState{offered: Reserved, connected: OnContact}[c.state]
			if inQ != 0 || c.agent == nil || c.agent.contact != c || c.agent.state != want {
				return fmt.Errorf("contact %s state %d: inQ=%d agent=%v", id, c.state, inQ, c.agent)
			}
			if e.agents[c.agent.id] != c.agent {
				return fmt.Errorf("contact %s held by a logged-out agent", id)
			}
		case scheduled:
			if inQ != 0 {
				return fmt.Errorf("scheduled contact %s is waiting", id)
			}
		}
	}
	for _, q := range e.queueList {
		for i, c := range q.waiting {
			if e.contacts[c.id] != c || c.state != waiting {
				return fmt.Errorf("queue %s holds stale contact %s", q.id, c.id)
			}
			if i > 0 && cmpContacts(q.waiting[i-1], c) >= 0 {
				return fmt.Errorf("queue %s out of order at %d", q.id, i)
			}
		}
		for i, sl := range q.avail {
			m := sl.m
			if m.idx != i || m.q != q || m.a.state != Available || e.agents[m.a.id] != m.a {
				return fmt.Errorf("queue %s heap entry %d is wrong (%s %s)", q.id, i, m.a.id, m.a.state)
			}
			if k1, k2 := q.keys(m); k1 != sl.k1 || k2 != sl.k2 {
				return fmt.Errorf("queue %s heap entry %d has stale keys", q.id, i)
			}
			if i > 0 && q.lessAt(i, (i-1)/2) {
				return fmt.Errorf("queue %s heap order broken at %d", q.id, i)
			}
		}
	}
	if len(e.agentList) != len(e.agents) {
		return fmt.Errorf("%d agents listed, %d mapped", len(e.agentList), len(e.agents))
	}
	for _, a := range e.agentList {
		switch a.state {
		case Reserved, OnContact:
			if a.state == OnContact && a.contact == nil && a.consult != nil && a.consult.consult == a {
				break // consulted about another agent's contact (transfer.go)
			}
			if a.contact == nil || a.contact.agent != a {
				return fmt.Errorf("agent %s %s without its contact", a.id, a.state)
			}
		default:
			if a.contact != nil {
				return fmt.Errorf("agent %s %s holds contact %s", a.id, a.state, a.contact.id)
			}
		}
		for _, m := range a.members {
			if (a.state == Available) != (m.idx >= 0) || !slices.Contains(m.q.members, m) {
				return fmt.Errorf("agent %s (%s) membership of %s inconsistent", a.id, a.state, m.q.id)
			}
			if a.state != Available {
				continue
			}
			for _, c := range m.q.waiting {
				if why, _ := e.eligible(c, a); why == okEligible {
					return fmt.Errorf("agent %s is available while eligible contact %s waits in %s", a.id, c.id, m.q.id)
				}
			}
		}
	}
	return nil
}
