package httpapi

import (
	"encoding/json"
	"sync"

	"tsunagu"
)

// streamQueue caps each event stream's queue of frames. A frame is a
// pointer, so a stream's queue costs 2 KB however many events it could
// hold; a stream further behind than this catches up from the store.
const streamQueue = 256

// frame is one event as every stream sends it: encoded once, shared.
type frame struct {
	seq  int64
	data []byte
	err  error // the event could not be encoded: streams that see it stop
}

// hub is the server's one subscription to the bus, fanned out to the event
// streams. It encodes each event once and hands the bytes only to the
// streams whose caller may see it, so an event costs one JSON encoding and
// wakes only its readers, and a stream's queue holds pointers, not events
// (5,000 desks each holding a 4,096-event bus buffer would need 3 GB;
// docs/benchmarks.md, "Desk"). It runs while any stream is subscribed.
//
// Delivery follows the bus's rule: a stream whose queue is full is closed
// and catches up from the store. When the bus drops the hub itself for
// lagging, every stream is closed and catches up the same way.
type hub struct {
	bus       tsunagu.Bus
	busBuffer int // the hub's bus subscription buffer
	queue     int // each stream's queue

	mu   sync.Mutex
	subs map[*hubSub]struct{}
	cur  *hubRun // the running fan-out, nil when none
}

type hubSub struct {
	p  *tsunagu.Principal
	ch chan *frame
}

// hubRun is one bus subscription and the goroutine fanning it out.
type hubRun struct{ cancel func() }

func newHub(bus tsunagu.Bus, buffer int) *hub {
	return &hub{bus: bus, busBuffer: buffer, queue: min(buffer, streamQueue), subs: map[*hubSub]struct{}{}}
}

// subscribe returns the frames of events p may see, published from now on,
// in sequence order, and a cancel function. The channel is closed when the
// stream fell behind (or the hub did): read the store, then subscribe again.
func (h *hub) subscribe(p *tsunagu.Principal) (<-chan *frame, func()) {
	s := &hubSub{p: p, ch: make(chan *frame, h.queue)}
	h.mu.Lock()
	h.subs[s] = struct{}{}
	if h.cur == nil {
		// Subscribed to the bus before the caller reads the store, so no
		// event falls between the two.
		live, cancel := h.bus.Subscribe(h.busBuffer)
		r := &hubRun{cancel: cancel}
		h.cur = r
		go h.run(r, live)
	}
	h.mu.Unlock()
	return s.ch, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		if _, ok := h.subs[s]; ok {
			delete(h.subs, s)
			close(s.ch)
		}
		if len(h.subs) == 0 && h.cur != nil {
			h.cur.cancel()
			h.cur = nil
		}
	}
}

// run fans out the bus's events while r is the current run. Only the
// current run delivers (checked under the lock with each event), so a
// stream never receives one run's events after a later run's.
func (h *hub) run(r *hubRun, live <-chan tsunagu.Event) {
	for e := range live {
		f := &frame{seq: e.Seq}
		f.data, f.err = json.Marshal(e)
		h.mu.Lock()
		if h.cur != r {
			h.mu.Unlock()
			return
		}
		for s := range h.subs {
			if !e.Visible(s.p) {
				continue
			}
			select {
			case s.ch <- f:
			default: // lagging: it catches up from the store
				delete(h.subs, s)
				close(s.ch)
			}
		}
		h.mu.Unlock()
	}
	// The bus closed the subscription: either cancelled (no streams left,
	// another run may have started since) or dropped for lagging, when
	// every stream may have missed events.
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.cur != r {
		return
	}
	for s := range h.subs {
		delete(h.subs, s)
		close(s.ch)
	}
	h.cur = nil
}

// count returns the subscribed streams.
func (h *hub) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}
