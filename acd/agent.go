package acd

import (
	"slices"
	"time"

	"tsunagu"
)

// agent is an agent's runtime state.
type agent struct {
	id     tsunagu.AgentID
	team   tsunagu.TeamID
	skills []skillLevel // sorted by skill

	state     AgentState
	reason    Reason
	since     time.Time // entered state
	idleSince time.Time // became available; the longest-idle key
	idleNs    int64     // idleSince in unix ns: compared on the hot path without time.Time's cost
	pending   Reason    // not-ready requested while busy, applied after ACW

	contactsToday int
	lastOffer     uint64
	contact       *contact // offered, on-contact or in ACW for
	members       []*member
	timer         timerRef // offer timeout or ACW end

	direct  []*contact // transferred to this agent by name (transfer.go)
	consult *contact   // being consulted about (transfer.go)
}

func (a *agent) level(s int32) int {
	for _, sl := range a.skills {
		if sl.skill == s {
			return sl.level
		}
		if sl.skill > s {
			break
		}
	}
	return 0
}

// meets reports whether a satisfies reqs at step st: every skill at the
// lowered minimum (never below 1), or membership of a backup team.
func (a *agent) meets(reqs []skillReq, st step) bool {
	if a.team != "" && slices.Contains(st.teams, a.team) {
		return true
	}
	return a.missing(reqs, st.drop) < 0
}

// missing returns the index of the first requirement a fails, or -1.
func (a *agent) missing(reqs []skillReq, drop int) int {
	for i, r := range reqs {
		if a.level(r.skill) < max(r.min-drop, 1) {
			return i
		}
	}
	return -1
}

func (e *Engine) agent(id tsunagu.AgentID) (*agent, error) {
	a, ok := e.agents[id]
	if !ok {
		return nil, notFound("agent", id)
	}
	return a, nil
}

func (e *Engine) setState(a *agent, s AgentState, r Reason) {
	a.state, a.reason, a.since = s, r, e.now
}

// Login adds an agent, not ready with reason "login"; call Ready to take
// contacts. Logging in an agent who is logged in is a conflict.
func (e *Engine) Login(now time.Time, spec AgentSpec) ([]Decision, error) {
	if spec.ID == "" {
		return nil, tsunagu.FieldError("id", "agent id is required")
	}
	if _, ok := e.agents[spec.ID]; ok {
		return nil, conflict("agent %s is already logged in", spec.ID)
	}
	e.advance(now)
	a := &agent{id: spec.ID, team: spec.Team}
	for s, l := range spec.Skills {
		if l > 0 {
			a.skills = append(a.skills, skillLevel{e.intern(s), l})
		}
	}
	slices.SortFunc(a.skills, func(x, y skillLevel) int { return int(x.skill - y.skill) })
	e.setState(a, NotReady, ReasonLogin)
	e.agents[a.id] = a
	e.agentList = append(e.agentList, a)
	for _, q := range e.queueList {
		q.join(a)
	}
	return e.out, nil
}

// Logout removes an agent. A ringing offer is cancelled and the contact keeps
// its place; an agent on a contact cannot log out (end the contact first).
func (e *Engine) Logout(now time.Time, id tsunagu.AgentID) ([]Decision, error) {
	a, err := e.agent(id)
	if err != nil {
		return nil, err
	}
	if a.state == OnContact {
		return nil, conflict("agent %s is on a contact", id)
	}
	e.advance(now)
	var returned *contact
	if a.state == Reserved {
		c := a.contact
		e.emit(Decision{Kind: DecisionOfferCancelled, Contact: c.id, Agent: a.id, Queue: c.q.id, Reason: "logout"})
		e.unoffer(c)
		returned = c
	}
	a.timer.cancel()
	e.leaveHeaps(a)
	for _, m := range a.members {
		m.q.members = slices.DeleteFunc(m.q.members, func(x *member) bool { return x == m })
	}
	a.members = nil
	a.state = Offline
	delete(e.agents, id)
	e.agentList = slices.DeleteFunc(e.agentList, func(x *agent) bool { return x == a })
	if returned != nil {
		e.routeContact(returned, "offer_returned")
	}
	return e.out, nil
}

// Ready makes a not-ready agent available, or ends after-call work early
// (the wrap-up was submitted). It also clears a pending not-ready.
func (e *Engine) Ready(now time.Time, id tsunagu.AgentID) ([]Decision, error) {
	a, err := e.agent(id)
	if err != nil {
		return nil, err
	}
	switch a.state {
	case Available:
		e.advance(now)
		return e.out, nil
	case Reserved, OnContact:
		a.pending = ""
		e.advance(now)
		return e.out, nil
	}
	e.advance(now)
	a.pending = ""
	a.timer.cancel()
	a.contact = nil
	e.makeAvailable(a, "agent_available")
	return e.out, nil
}

// NotReady takes an agent out of routing with a reason. On a contact, the
// reason is applied when after-call work ends; while an offer rings, the
// offer is withdrawn and the contact keeps its place.
func (e *Engine) NotReady(now time.Time, id tsunagu.AgentID, reason Reason) ([]Decision, error) {
	a, err := e.agent(id)
	if err != nil {
		return nil, err
	}
	if reason == "" {
		return nil, tsunagu.FieldError("reason", "a not-ready reason is required")
	}
	e.advance(now)
	var returned *contact
	switch a.state {
	case OnContact:
		a.pending = reason
		return e.out, nil
	case Reserved:
		c := a.contact
		e.emit(Decision{Kind: DecisionOfferCancelled, Contact: c.id, Agent: a.id, Queue: c.q.id, Reason: "not_ready"})
		e.unoffer(c)
		returned = c
	}
	a.timer.cancel()
	a.contact = nil
	a.pending = ""
	e.leaveHeaps(a)
	e.setState(a, NotReady, reason)
	if returned != nil {
		e.routeContact(returned, "offer_returned")
	}
	return e.out, nil
}

// makeAvailable puts a into Available and routes it: it takes the best
// waiting contact it can serve, or joins its queues' heaps.
func (e *Engine) makeAvailable(a *agent, trigger string) {
	if a.state != Available {
		e.setState(a, Available, "")
		a.setIdle(e.now)
	}
	e.release(a, trigger)
}

func (e *Engine) leaveHeaps(a *agent) {
	for _, m := range a.members {
		m.q.pop(m)
	}
}

// afterWork ends a's contact work: pending not-ready, or available.
func (e *Engine) afterWork(a *agent) {
	a.contact = nil
	a.timer.cancel()
	if a.pending != "" {
		r := a.pending
		a.pending = ""
		e.setState(a, NotReady, r)
		return
	}
	e.makeAvailable(a, "agent_available")
}

func (a *agent) setIdle(t time.Time) {
	a.idleSince, a.idleNs = t, t.UnixNano()
}
