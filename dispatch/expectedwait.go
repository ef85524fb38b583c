package dispatch

import (
	"context"
	"time"

	"tsunagu"
)

// Expected waits ("おおよその待ち時間は3分です").
//
// The estimate is the caller's place times the queue's recent average
// handle time, divided by the agents serving the queue (logged in and not
// on a break: available, ringing, talking or wrapping up). With n agents
// each freeing up on average every AHT, one frees up every AHT/n, and the
// caller at place p is served after p of those; for exponential handle
// times (the Erlang C assumption) this is exact, since an agent's remaining
// time does not depend on how long the call has run.
//
// The handle time of a contact is connected → wrapped (talk, hold and
// wrap-up: the time the agent was taken), from the queue's last
// handleSamples wrap-ups within handleWindow. Fewer than minHandleSamples
// of them, or nobody serving the queue, is no basis: the caller hears no
// number rather than a made-up one. The samples are kept in memory as
// wrap-ups happen, after one read of the store per queue at first use (so
// a restart does not forget the day).

const (
	handleSamples    = 20
	minHandleSamples = 3
	handleWindow     = 8 * time.Hour
)

// ExpectedWait estimates the wait of the caller at place pos (1-based)
// with serving agents whose average handle time is aht; 0 means no basis.
func ExpectedWait(pos, serving int, aht time.Duration) time.Duration {
	if pos < 1 || serving < 1 || aht <= 0 {
		return 0
	}
	return time.Duration(pos) * aht / time.Duration(serving)
}

// handleTimes are a queue's recent handle times, newest last.
type handleTimes struct {
	seeded  bool
	samples []handleSample
}

type handleSample struct {
	id tsunagu.ContactID
	at time.Time // wrapped
	d  time.Duration
}

// add keeps the newest handleSamples.
func (h *handleTimes) add(s handleSample) {
	h.samples = append(h.samples, s)
	if n := len(h.samples); n > handleSamples {
		h.samples = append(h.samples[:0], h.samples[n-handleSamples:]...)
	}
}

// average is the mean of the samples within handleWindow of now, 0 when
// fewer than minHandleSamples are.
func (h *handleTimes) average(now time.Time) time.Duration {
	var sum time.Duration
	n := 0
	for _, s := range h.samples {
		if now.Sub(s.at) <= handleWindow {
			sum += s.d
			n++
		}
	}
	if n < minHandleSamples {
		return 0
	}
	return sum / time.Duration(n)
}

// sampleOf is the handle time of a wrapped contact, false when it has none
// (never connected, an outbound call, no queue).
func sampleOf(c *tsunagu.Contact) (handleSample, bool) {
	if c.QueueID == "" || c.Direction != tsunagu.Inbound || c.ConnectedAt == nil || c.WrappedAt == nil {
		return handleSample{}, false
	}
	d := c.WrappedAt.Sub(*c.ConnectedAt)
	if d <= 0 {
		return handleSample{}, false
	}
	return handleSample{id: c.ID, at: *c.WrappedAt, d: d}, true
}

// handled records the handle time of a contact just wrapped up (a hook in
// Wrap).
func (d *Dispatcher) handled(c *tsunagu.Contact) {
	s, ok := sampleOf(c)
	if !ok {
		return
	}
	x := &d.qcb
	x.mu.Lock()
	defer x.mu.Unlock()
	h := x.handleTimes(queueKey{c.TenantID, c.QueueID})
	h.add(s)
}

// handleTimes returns the queue's record, creating it; x.mu is held.
func (x *queueCallbacks) handleTimes(k queueKey) *handleTimes {
	if x.handle == nil {
		x.handle = map[queueKey]*handleTimes{}
	}
	h := x.handle[k]
	if h == nil {
		h = &handleTimes{}
		x.handle[k] = h
	}
	return h
}

// handleTime is the queue's recent average handle time, 0 without a basis.
// The first call for a queue reads its latest wrap-ups from the store.
func (d *Dispatcher) handleTime(ctx context.Context, tid tsunagu.TenantID, q tsunagu.QueueID, now time.Time) time.Duration {
	k := queueKey{tid, q}
	x := &d.qcb
	x.mu.Lock()
	seeded := x.handleTimes(k).seeded
	x.mu.Unlock()
	if !seeded {
		var seed []handleSample
		cs, _, err := d.Store.ListContacts(ctx, tid, tsunagu.ContactFilter{QueueID: q, State: tsunagu.ContactWrapped,
			Page: tsunagu.Page{Limit: 2 * handleSamples}})
		if err != nil {
			d.log().Warn("dispatch: read handle times", "queue_id", q, "err", err)
		}
		for i := len(cs) - 1; i >= 0; i-- { // oldest first: add keeps the newest
			if s, ok := sampleOf(&cs[i]); ok {
				seed = append(seed, s)
			}
		}
		x.mu.Lock()
		h := x.handleTimes(k)
		if !h.seeded && err == nil {
			// Wrap-ups recorded meanwhile are newer than the store's,
			// and may be among them.
			live := h.samples
			h.samples = nil
			seen := map[tsunagu.ContactID]bool{}
			for _, s := range live {
				seen[s.id] = true
			}
			for _, s := range seed {
				if !seen[s.id] {
					h.add(s)
				}
			}
			for _, s := range live {
				h.add(s)
			}
			h.seeded = true
		}
		x.mu.Unlock()
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.handleTimes(k).average(now)
}
