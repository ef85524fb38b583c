package acd

import (
	"slices"
	"time"

	"tsunagu"
)

// Config configures an Engine.
type Config struct {
	// PriorityBoost is the waiting time one priority point is worth; 0 means
	// 60 s. A priority-2 contact is scored as if it had waited 2 minutes more.
	PriorityBoost time.Duration
	// Location defines "today" for the fewest-contacts strategy; nil is UTC.
	Location *time.Location
	// ExplainRunnersUp is how many eligible agents after the winner an
	// explanation lists; 0 means 2, negative means none.
	ExplainRunnersUp int
}

// Engine is the routing engine. Create it with New; it is not safe for
// concurrent use (see Runner). Methods that return []Decision return a slice
// owned by the engine, valid until the next call.
type Engine struct {
	cfg     Config
	now     time.Time
	nextDay time.Time // next local midnight: the day counters reset then
	seq     uint64    // enqueue order of contacts: the global tie-break
	offers  uint64    // offer counter, for round robin

	queues    map[tsunagu.QueueID]*queue
	queueList []*queue // in SetQueue order, for deterministic iteration
	agents    map[tsunagu.AgentID]*agent
	agentList []*agent // login order; logged-out agents are removed
	contacts  map[tsunagu.ContactID]*contact
	skills    map[tsunagu.SkillID]int32
	skillName []tsunagu.SkillID // by interned index, for explanations

	timers timerHeap
	out    []Decision
	walk   []int // scratch for best-first heap walks
}

// New returns an empty engine.
func New(cfg Config) *Engine {
	if cfg.PriorityBoost == 0 {
		cfg.PriorityBoost = time.Minute
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.ExplainRunnersUp == 0 {
		cfg.ExplainRunnersUp = 2
	}
	return &Engine{
		cfg:      cfg,
		queues:   make(map[tsunagu.QueueID]*queue),
		agents:   make(map[tsunagu.AgentID]*agent),
		contacts: make(map[tsunagu.ContactID]*contact),
		skills:   make(map[tsunagu.SkillID]int32),
	}
}

// skillReq is a required skill, interned, with its minimum level.
type skillReq struct {
	skill int32
	min   int
}

// skillLevel is one skill an agent has.
type skillLevel struct {
	skill int32
	level int
}

// intern maps a skill name to a small integer so that agents' skills are a
// short slice scanned without hashing strings on the hot path.
func (e *Engine) intern(s tsunagu.SkillID) int32 {
	if i, ok := e.skills[s]; ok {
		return i
	}
	i := int32(len(e.skills))
	e.skills[s] = i
	e.skillName = append(e.skillName, s)
	return i
}

func (e *Engine) reqs(m map[tsunagu.SkillID]int) []skillReq {
	if len(m) == 0 {
		return nil
	}
	r := make([]skillReq, 0, len(m))
	for s, l := range m {
		r = append(r, skillReq{e.intern(s), max(l, 1)})
	}
	slices.SortFunc(r, func(a, b skillReq) int { return int(a.skill - b.skill) })
	return r
}

// advance moves the engine clock. Time never goes backwards: an input
// stamped earlier than the last one is treated as happening now, so that
// inputs from several goroutines (see Runner) cannot reorder the timers.
func (e *Engine) advance(now time.Time) {
	if now.After(e.now) {
		e.now = now
	}
	// Comparing with a cached midnight keeps time zone arithmetic off the
	// per-input path.
	if !e.now.Before(e.nextDay) {
		if !e.nextDay.IsZero() {
			e.newDay()
		}
		y, m, d := e.now.In(e.cfg.Location).Date()
		e.nextDay = time.Date(y, m, d+1, 0, 0, 0, 0, e.cfg.Location)
	}
	e.out = e.out[:0]
}

// newDay resets the per-day counters and re-sorts the queues whose order
// depends on them.
func (e *Engine) newDay() {
	for _, a := range e.agentList {
		a.contactsToday = 0
	}
	for _, q := range e.queueList {
		if q.cfg.Strategy == FewestContacts {
			q.heapify()
		}
	}
}

// Now returns the engine's clock: the latest time it was given.
func (e *Engine) Now() time.Time { return e.now }

func (e *Engine) emit(d Decision) {
	d.At = e.now
	e.out = append(e.out, d)
}

func notFound(what string, id any) error {
	return tsunagu.Errorf(tsunagu.ENOTFOUND, "%s %v not found", what, id)
}

func conflict(format string, args ...any) error {
	return tsunagu.Errorf(tsunagu.ECONFLICT, format, args...)
}

// SetQueue adds or replaces a queue's configuration. Agents' memberships are
// recomputed, which costs O(agents); do it at configuration time, not per call.
func (e *Engine) SetQueue(now time.Time, cfg QueueConfig) ([]Decision, error) {
	if cfg.ID == "" {
		return nil, tsunagu.FieldError("id", "queue id is required")
	}
	if cfg.Weight < 0 {
		return nil, tsunagu.FieldError("weight", "weight must be >= 0")
	}
	if cfg.Strategy > RoundRobin {
		return nil, tsunagu.FieldError("strategy", "unknown strategy")
	}
	for i := 1; i < len(cfg.Widening); i++ {
		if cfg.Widening[i].After < cfg.Widening[i-1].After {
			return nil, tsunagu.FieldError("widening", "steps must be in increasing order")
		}
	}
	e.advance(now)
	if cfg.Weight == 0 {
		cfg.Weight = 1
	}
	q, ok := e.queues[cfg.ID]
	if !ok {
		q = &queue{id: cfg.ID}
		e.queues[cfg.ID] = q
		e.queueList = append(e.queueList, q)
	}
	q.configure(e, cfg)
	// Rebuild memberships for this queue.
	for _, m := range q.members {
		m.a.members = slices.DeleteFunc(m.a.members, func(x *member) bool { return x.q == q })
	}
	q.members, q.avail = q.members[:0], q.avail[:0]
	for _, a := range e.agentList {
		if m := q.join(a); m != nil && a.state == Available {
			q.push(m)
		}
	}
	// Contacts' order depends on weight and priority, their step on the
	// widening rules, their timers on both.
	for _, c := range e.contacts { // order does not matter: each is updated alone
		if c.q == q && c.state != scheduled {
			c.eff = c.effTime(e, q)
			c.step = q.stepAt(e.now.Sub(c.queuedAt))
		}
	}
	slices.SortFunc(q.waiting, cmpContacts)
	for _, c := range q.waiting {
		e.schedContact(c)
	}
	// New eligibility may match waiting contacts with free agents.
	for _, c := range slices.Clone(q.waiting) {
		e.routeContact(c, "config")
	}
	return e.out, nil
}
