package acd

import (
	"slices"
	"time"

	"tsunagu"
)

// queue is a queue's runtime state: its waiting contacts in score order and a
// heap of its available member agents in strategy order.
type queue struct {
	id    tsunagu.QueueID
	cfg   QueueConfig
	reqs  []skillReq
	steps []step // cumulative widening; steps[0] is "not widened"

	waiting []*contact // sorted by cmpContacts; typical inserts append at the end
	members []*member  // agents who could serve the queue at its widest step
	avail   []slot     // heap of available members, best first

	offered, answered, answeredInSL, abandoned, overflowed int
}

// step is the effective requirement after a widening step.
type step struct {
	after time.Duration
	drop  int
	teams []tsunagu.TeamID // cumulative
}

// member links an agent to a queue it can serve. idx is its position in the
// queue's avail heap, -1 when not there.
type member struct {
	a     *agent
	q     *queue
	idx   int
	level int // the agent's level in the queue's first skill
}

func (q *queue) configure(e *Engine, cfg QueueConfig) {
	q.cfg = cfg
	q.reqs = e.reqs(cfg.Skills)
	q.steps = []step{{}}
	// Steps only ever widen: a step's drop is at least the previous one's
	// and teams accumulate, so membership at the last step is the widest.
	var teams []tsunagu.TeamID
	drop := 0
	for _, w := range cfg.Widening {
		teams = append(slices.Clone(teams), w.Teams...)
		drop = max(drop, w.LevelDrop)
		q.steps = append(q.steps, step{after: w.After, drop: drop, teams: teams})
	}
}

func (q *queue) widest() step { return q.steps[len(q.steps)-1] }

// stepAt returns the widening step reached after waiting w in the queue.
func (q *queue) stepAt(w time.Duration) int {
	i := 0
	for i+1 < len(q.steps) && w >= q.steps[i+1].after {
		i++
	}
	return i
}

// join makes a a member of q if a meets q's requirements at the widest step.
func (q *queue) join(a *agent) *member {
	if !a.meets(q.reqs, q.widest()) {
		return nil
	}
	m := &member{a: a, q: q, idx: -1}
	if len(q.reqs) > 0 {
		m.level = a.level(q.reqs[0].skill)
	}
	q.members = append(q.members, m)
	a.members = append(a.members, m)
	return m
}

// isOpen reports whether the queue takes contacts at t.
func (q *queue) isOpen(t time.Time) bool {
	switch {
	case q.cfg.Open != nil:
		return q.cfg.Open(t)
	case q.cfg.Hours != nil:
		return q.cfg.Hours.Open(t)
	}
	return true
}

// cmpContacts orders contacts within a queue: earliest effective enqueue time
// (enqueue time minus priority boost) first, then enqueue sequence.
func cmpContacts(x, y *contact) int {
	if x.eff != y.eff {
		if x.eff < y.eff {
			return -1
		}
		return 1
	}
	if x.seq < y.seq {
		return -1
	} else if x.seq > y.seq {
		return 1
	}
	return 0
}

// insert puts c at its place. Most contacts are newer than all others, so
// the binary search usually lands at the end and nothing moves.
func (q *queue) insert(c *contact) {
	i, _ := slices.BinarySearchFunc(q.waiting, c, cmpContacts)
	q.waiting = slices.Insert(q.waiting, i, c)
	c.q = q
}

func (q *queue) contains(c *contact) bool {
	i, ok := slices.BinarySearchFunc(q.waiting, c, cmpContacts)
	return ok && q.waiting[i] == c
}

func (q *queue) remove(c *contact) {
	i, ok := slices.BinarySearchFunc(q.waiting, c, cmpContacts)
	if ok && q.waiting[i] == c {
		q.waiting = slices.Delete(q.waiting, i, i+1)
	}
}

// slot is a heap entry. The strategy's sort keys are copied in so that
// comparisons touch only the heap's own memory: with 10,000 agents in
// hundreds of heaps, chasing each agent pointer was most of a decision's cost.
// Keys are stable while an agent is available, so the copy never goes stale
// (newDay recomputes them for the one strategy whose key can change).
type slot struct {
	k1, k2 int64
	m      *member
}

// keys returns m's sort keys under the queue's strategy: lower is better.
// All strategies end with longest idle, then agent ID, so the order is total.
func (q *queue) keys(m *member) (int64, int64) {
	a := m.a
	switch q.cfg.Strategy {
	case SkillLevel:
		return -int64(m.level), a.idleNs
	case FewestContacts:
		return int64(a.contactsToday), a.idleNs
	case RoundRobin:
		return int64(a.lastOffer), 0
	}
	return a.idleNs, 0
}

func (q *queue) lessAt(i, j int) bool {
	x, y := &q.avail[i], &q.avail[j]
	if x.k1 != y.k1 {
		return x.k1 < y.k1
	}
	if x.k2 != y.k2 {
		return x.k2 < y.k2
	}
	return x.m.a.id < y.m.a.id
}

func (q *queue) swap(i, j int) {
	h := q.avail
	h[i], h[j] = h[j], h[i]
	h[i].m.idx, h[j].m.idx = i, j
}

func (q *queue) up(j int) {
	for j > 0 {
		i := (j - 1) / 2
		if !q.lessAt(j, i) {
			break
		}
		q.swap(i, j)
		j = i
	}
}

func (q *queue) down(i int) {
	n := len(q.avail)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		j := l
		if r := l + 1; r < n && q.lessAt(r, l) {
			j = r
		}
		if !q.lessAt(j, i) {
			return
		}
		q.swap(i, j)
		i = j
	}
}

func (q *queue) push(m *member) {
	if m.idx >= 0 {
		return
	}
	k1, k2 := q.keys(m)
	m.idx = len(q.avail)
	q.avail = append(q.avail, slot{k1, k2, m})
	q.up(m.idx)
}

func (q *queue) pop(m *member) {
	i := m.idx
	if i < 0 {
		return
	}
	n := len(q.avail) - 1
	if i != n {
		q.swap(i, n)
	}
	q.avail[n] = slot{}
	q.avail = q.avail[:n]
	m.idx = -1
	if i != n {
		q.down(i)
		q.up(i)
	}
}

// heapify recomputes every key and restores the heap order.
func (q *queue) heapify() {
	for i := range q.avail {
		q.avail[i].k1, q.avail[i].k2 = q.keys(q.avail[i].m)
	}
	for i := len(q.avail)/2 - 1; i >= 0; i-- {
		q.down(i)
	}
}
