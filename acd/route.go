package acd

import (
	"fmt"
	"slices"

	"tsunagu"
)

// Reasons an agent is not eligible for a contact.
const (
	okEligible = iota
	whyRefused
	whyPreferred
	whySkill
)

// eligible reports whether a may be offered c now. It assumes a is
// Available and serves c's queue at its widest step.
func (e *Engine) eligible(c *contact, a *agent) (int, int) {
	if c.prefActive(e.now) && a.id != c.preferred {
		return whyPreferred, 0
	}
	if len(c.refused) > 0 && slices.Contains(c.refused, a.id) {
		return whyRefused, 0
	}
	st := c.q.steps[c.step]
	if a.team != "" && len(st.teams) > 0 && slices.Contains(st.teams, a.team) {
		return okEligible, 0
	}
	if i := a.missing(c.q.reqs, st.drop); i >= 0 {
		return whySkill, i
	}
	if i := a.missing(c.reqs, st.drop); i >= 0 {
		return whySkill, len(c.q.reqs) + i
	}
	return okEligible, 0
}

func (e *Engine) whyText(c *contact, why, i int) string {
	switch why {
	case whyRefused:
		return "refused this contact"
	case whyPreferred:
		if c.prefForever {
			return fmt.Sprintf("a callback owned by %s", c.preferred)
		}
		return fmt.Sprintf("reserved for preferred agent %s until %s", c.preferred, c.prefUntil.In(e.cfg.Location).Format("15:04:05"))
	case whySkill:
		r := c.reqs
		if i < len(c.q.reqs) {
			r = c.q.reqs
		} else {
			i -= len(c.q.reqs)
		}
		return fmt.Sprintf("needs %s level %d", e.skillNameOf(r[i].skill), max(r[i].min-c.q.steps[c.step].drop, 1))
	}
	return ""
}

func (e *Engine) skillNameOf(i int32) tsunagu.SkillID { return e.skillName[i] }

// maxExplained bounds the candidates an explanation records, so that a
// decision over thousands of agents stays cheap.
const maxExplained = 8

func (e *Engine) candidate(c *contact, m *member, why, i int) AgentCandidate {
	a := m.a
	ac := AgentCandidate{Agent: a.id, Eligible: why == okEligible, IdleFor: e.now.Sub(a.idleSince),
		Level: m.level, ContactsToday: a.contactsToday}
	if why != okEligible {
		ac.Why = e.whyText(c, why, i)
	}
	return ac
}

// routeContact finds the best available agent for waiting contact c and
// offers it. Agents are visited in the queue's strategy order by a
// best-first walk of the heap (a small side heap of indices), so the cost is
// proportional to the agents examined, not to the agents available.
func (e *Engine) routeContact(c *contact, trigger string) bool {
	if c.state != waiting {
		return false
	}
	q := c.q
	x := &Explanation{Contact: c.id, Queue: q.id, At: e.now, Trigger: trigger, Strategy: q.cfg.Strategy, Step: c.step}
	var win *member
	if c.prefActive(e.now) {
		a := e.agents[c.preferred]
		if a == nil || a.state != Available {
			return false
		}
		if c.direct {
			return e.offerDirect(c, a, x)
		}
		for _, m := range a.members {
			if m.q == q {
				if why, i := e.eligible(c, a); why == okEligible {
					win = m
				} else {
					x.Agents = append(x.Agents, e.candidate(c, m, why, i))
				}
				break
			}
		}
		if win == nil {
			return false
		}
		x.Agents = append(x.Agents, e.candidate(c, win, okEligible, 0))
		x.Reason = "the preferred agent is available"
		e.offer(c, win.a, x)
		return true
	}
	runnersUp := 0
	walk := e.walk[:0]
	if len(q.avail) > 0 {
		walk = append(walk, 0)
	}
	less := func(i, j int) bool { return q.lessAt(walk[i], walk[j]) }
	for len(walk) > 0 {
		// pop the best index from the side heap
		top := walk[0]
		n := len(walk) - 1
		walk[0] = walk[n]
		walk = walk[:n]
		siftDown(walk, 0, less)
		m := q.avail[top].m
		why, i := e.eligible(c, m.a)
		if why == okEligible {
			if win == nil {
				win = m
			} else {
				runnersUp++
			}
		}
		if len(x.Agents) < maxExplained || why == okEligible && win == m {
			x.Agents = append(x.Agents, e.candidate(c, m, why, i))
		}
		if win != nil && runnersUp >= e.cfg.ExplainRunnersUp {
			break
		}
		for _, ch := range [2]int{2*top + 1, 2*top + 2} {
			if ch < len(q.avail) {
				walk = append(walk, ch)
				siftUp(walk, len(walk)-1, less)
			}
		}
	}
	e.walk = walk[:0]
	if win == nil {
		return false
	}
	x.Reason = "first eligible agent in strategy order"
	e.offer(c, win.a, x)
	return true
}

func siftUp(h []int, j int, less func(i, j int) bool) {
	for j > 0 {
		i := (j - 1) / 2
		if !less(j, i) {
			return
		}
		h[i], h[j] = h[j], h[i]
		j = i
	}
}

func siftDown(h []int, i int, less func(i, j int) bool) {
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		j := l
		if r := l + 1; r < len(h) && less(r, l) {
			j = r
		}
		if !less(j, i) {
			return
		}
		h[i], h[j] = h[j], h[i]
		i = j
	}
}

// routeAgent gives available agent a the best-scored waiting contact among
// all the queues a serves: the global order across queues. Within a queue
// the waiting list is already in score order, so only the first contact a is
// eligible for matters; across queues scores are compared at now, ties going
// to the lower enqueue sequence.
func (e *Engine) routeAgent(a *agent, trigger string) bool {
	if a.state != Available {
		return false
	}
	if len(a.direct) > 0 && e.routeDirect(a, trigger) {
		return true
	}
	var best *contact
	var bestScore float64
	var cands []ContactCandidate
	for _, m := range a.members {
		for _, c := range m.q.waiting {
			if why, _ := e.eligible(c, a); why != okEligible {
				continue
			}
			s := c.score(e.now)
			if best == nil || s > bestScore || s == bestScore && c.seq < best.seq {
				best, bestScore = c, s
			}
			if len(cands) < maxExplained {
				cands = append(cands, ContactCandidate{Contact: c.id, Queue: m.q.id, Score: s, Seq: c.seq, Waited: e.now.Sub(c.enqueuedAt)})
			}
			break
		}
	}
	if best == nil {
		return false
	}
	slices.SortFunc(cands, func(x, y ContactCandidate) int {
		if x.Score != y.Score {
			if x.Score > y.Score {
				return -1
			}
			return 1
		}
		return int(x.Seq) - int(y.Seq)
	})
	x := &Explanation{Contact: best.id, Agent: a.id, Queue: best.q.id, At: e.now, Trigger: trigger,
		Strategy: best.q.cfg.Strategy, Step: best.step, Contacts: cands,
		Reason: "best score among the contacts the agent can take"}
	var bm *member
	for _, m := range a.members {
		if m.q == best.q {
			bm = m
		}
	}
	x.Agents = []AgentCandidate{e.candidate(best, bm, okEligible, 0)}
	e.offer(best, a, x)
	return true
}
