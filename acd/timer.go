package acd

import (
	"container/heap"
	"time"
)

// timerRef is an owner's handle on its one pending timer. Cancelling bumps
// the generation so the heap entry is skipped when it surfaces (lazy
// deletion keeps cancel O(1)).
type timerRef struct {
	gen uint64
	set bool
}

func (t *timerRef) cancel() { t.gen++; t.set = false }

type timerEntry struct {
	at  time.Time
	seq uint64
	gen uint64
	ref *timerRef
	a   *agent
	c   *contact
}

func (t timerEntry) valid() bool { return t.ref.set && t.ref.gen == t.gen }

type timerHeap struct {
	h   []timerEntry
	seq uint64
}

func (h *timerHeap) Len() int { return len(h.h) }
func (h *timerHeap) Less(i, j int) bool {
	if !h.h[i].at.Equal(h.h[j].at) {
		return h.h[i].at.Before(h.h[j].at)
	}
	return h.h[i].seq < h.h[j].seq
}
func (h *timerHeap) Swap(i, j int) { h.h[i], h.h[j] = h.h[j], h.h[i] }
func (h *timerHeap) Push(x any)    { h.h = append(h.h, x.(timerEntry)) }
func (h *timerHeap) Pop() any {
	n := len(h.h) - 1
	x := h.h[n]
	h.h[n] = timerEntry{}
	h.h = h.h[:n]
	return x
}

// schedAt sets ref's one timer to at, replacing any earlier one.
func (e *Engine) schedAt(ref *timerRef, at time.Time, a *agent, c *contact) {
	ref.cancel()
	ref.set = true
	e.timers.seq++
	heap.Push(&e.timers, timerEntry{at: at, seq: e.timers.seq, gen: ref.gen, ref: ref, a: a, c: c})
}

// schedContact arms c's timer for the next moment its situation changes on
// its own: the next widening step, the end of its preferred-agent window or
// its max wait.
func (e *Engine) schedContact(c *contact) {
	if c.state != waiting {
		c.timer.cancel()
		return
	}
	q := c.q
	var next time.Time
	consider := func(t time.Time) {
		if t.After(e.now) && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	if c.step+1 < len(q.steps) {
		consider(c.queuedAt.Add(q.steps[c.step+1].after))
	}
	if c.preferred != "" && !c.prefForever {
		consider(c.prefUntil)
	}
	if q.cfg.MaxWait > 0 && !c.overflowDone && !c.callback {
		consider(c.queuedAt.Add(q.cfg.MaxWait))
	}
	if next.IsZero() {
		c.timer.cancel()
		return
	}
	e.schedAt(&c.timer, next, nil, c)
}

// NextDeadline returns when the engine next needs a Tick, if ever. A driver
// (Runner, the simulator) calls Tick at that time.
func (e *Engine) NextDeadline() (time.Time, bool) {
	for e.timers.Len() > 0 {
		if t := e.timers.h[0]; t.valid() {
			return t.at, true
		}
		heap.Pop(&e.timers)
	}
	return time.Time{}, false
}

// Tick advances the clock to now and fires every timer due by then, in time
// order: offer timeouts, ACW ends, widening steps, preferred-agent windows,
// max waits and scheduled callbacks.
func (e *Engine) Tick(now time.Time) []Decision {
	e.advance(now)
	for e.timers.Len() > 0 {
		t := e.timers.h[0]
		if !t.valid() {
			heap.Pop(&e.timers)
			continue
		}
		if t.at.After(e.now) {
			break
		}
		heap.Pop(&e.timers)
		t.ref.set = false
		if t.a != nil {
			e.agentTimer(t.a)
		} else {
			e.contactTimer(t.c)
		}
	}
	return e.out
}

func (e *Engine) agentTimer(a *agent) {
	switch a.state {
	case Reserved:
		e.missed(a.contact)
	case ACW:
		e.emit(Decision{Kind: DecisionACWEnded, Agent: a.id, Reason: "acw_timeout"})
		e.afterWork(a)
	}
}

func (e *Engine) contactTimer(c *contact) {
	switch c.state {
	case scheduled:
		e.callbackDue(c)
		return
	case waiting:
	default:
		return
	}
	q := c.q
	w := e.now.Sub(c.queuedAt)
	c.step = q.stepAt(w)
	if q.cfg.MaxWait > 0 && !c.overflowDone && !c.callback && w >= q.cfg.MaxWait {
		e.overflow(c, "max_wait", q.cfg.Overflow)
		if c.state != waiting || c.q != q {
			return
		}
	}
	if !e.routeContact(c, "timer") {
		e.schedContact(c)
	}
}
