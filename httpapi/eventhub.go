package httpapi

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"time"

	"tsunagu"
)

// streamQueue caps each event stream's queue of frames. A frame is a
// pointer, so a stream's queue costs 2 KB however many events it could
// hold; a stream further behind than this catches up from the store.
const streamQueue = 256

// frame is one event as every stream sends it: encoded once, shared.
type frame struct {
	seq  int64 // 0: not from the log (queue tiles), never resumed from
	data []byte
	err  error // the event could not be encoded: streams that see it stop
}

// TileType is the type of the frame carrying the desks' queue tiles. It is
// not in the event log: it is today's figures at one moment, pushed to every
// desk of a tenant at most every TilesEvery while the floor changes, so a
// desk no longer needs every colleague's state change (which, with 5,000
// desks, made each change 5,000 deliveries and 5,000 statistics queries).
const TileType = "queue:stats"

// defaultTilesEvery is how often tiles are pushed while the floor changes.
const defaultTilesEvery = 2 * time.Second

// tileFrame is the JSON of a tiles frame: shaped like an event (seq 0) so a
// desk reads every frame the same way.
type tileFrame struct {
	Seq      int64                `json:"seq"`
	Type     string               `json:"type"`
	TenantID tsunagu.TenantID     `json:"tenant_id"`
	Time     time.Time            `json:"time"`
	Items    []tsunagu.QueueStats `json:"items"`
}

// changesTiles reports whether an event can change the queue tiles.
func changesTiles(t tsunagu.EventType) bool {
	return t == tsunagu.EventAgentStateChanged || strings.HasPrefix(string(t), "contact:") || strings.HasPrefix(string(t), "queue:")
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

	// tiles computes a tenant's queue tiles (nil: none are pushed).
	tiles      func(ctx context.Context, tenant tsunagu.TenantID) ([]tsunagu.QueueStats, error)
	tilesEvery time.Duration

	mu    sync.Mutex
	subs  map[*hubSub]struct{}
	cur   *hubRun                   // the running fan-out, nil when none
	dirty map[tsunagu.TenantID]bool // tenants whose tiles changed since the last push
}

type hubSub struct {
	p  *tsunagu.Principal
	ch chan *frame
}

// hubRun is one bus subscription and the goroutines fanning it out and
// pushing tiles; stop ends the latter.
type hubRun struct {
	cancel func()
	stop   chan struct{}
}

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
		r := &hubRun{cancel: cancel, stop: make(chan struct{})}
		h.cur = r
		go h.run(r, live)
		if h.tiles != nil {
			go h.pushTiles(r)
		}
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
			close(h.cur.stop)
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
		if h.tiles != nil && changesTiles(e.Type) {
			if h.dirty == nil {
				h.dirty = map[tsunagu.TenantID]bool{}
			}
			h.dirty[e.TenantID] = true
		}
		for s := range h.subs {
			if !e.Visible(s.p) {
				continue
			}
			h.deliver(s, f)
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
	close(r.stop)
	h.cur = nil
}

// pushTiles sends each changed tenant's queue tiles to its streams, at most
// every tilesEvery, while r is the current run. The figures are read outside
// the lock (a store query), so the fan-out of events never waits for them,
// and the push is spread over half the interval in tileSlices slices: 5,000
// desks' tiles at once would take the CPU for a quarter of a second and
// hold up the offers and answers behind them (docs/benchmarks.md, "Event
// stream"); a tile a few hundred milliseconds later costs nothing.
func (h *hub) pushTiles(r *hubRun) {
	every := h.tilesEvery
	if every <= 0 {
		every = defaultTilesEvery
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-r.stop:
			return
		case <-tick.C:
		}
		h.mu.Lock()
		dirty := h.dirty
		h.dirty = nil
		h.mu.Unlock()
		for tid := range dirty {
			ctx, cancel := context.WithTimeout(context.Background(), every)
			items, err := h.tiles(ctx, tid)
			cancel()
			if err != nil {
				continue // the next change tries again; the desks keep their last tiles
			}
			data, err := json.Marshal(tileFrame{Type: TileType, TenantID: tid, Time: time.Now(), Items: items})
			if err != nil {
				continue
			}
			if !h.spreadTiles(r, tid, &frame{data: data}, every/(2*tileSlices)) {
				return
			}
		}
	}
}

// tileSlices is how many slices one tiles push is spread over.
const tileSlices = 10

// spreadTiles hands f to the tenant's streams a slice at a time, gap
// apart. It reports false when r stopped being the current run.
func (h *hub) spreadTiles(r *hubRun, tid tsunagu.TenantID, f *frame, gap time.Duration) bool {
	h.mu.Lock()
	var to []*hubSub
	for s := range h.subs {
		if s.p.TenantID == tid {
			to = append(to, s)
		}
	}
	h.mu.Unlock()
	per := (len(to) + tileSlices - 1) / tileSlices
	for len(to) > 0 {
		n := min(per, len(to))
		h.mu.Lock()
		if h.cur != r {
			h.mu.Unlock()
			return false
		}
		for _, s := range to[:n] {
			if _, ok := h.subs[s]; !ok {
				continue // gone since
			}
			h.deliver(s, f) // tiles too: a lagging stream's come with the next push
		}
		h.mu.Unlock()
		to = to[n:]
		if len(to) > 0 {
			select {
			case <-r.stop:
				return false
			case <-time.After(gap):
			}
		}
	}
	return true
}

// deliver queues f for s, or, when s's queue is full, drops s: a lagging
// stream catches up from the store. h.mu is held.
func (h *hub) deliver(s *hubSub, f *frame) {
	select {
	case s.ch <- f:
	default:
		delete(h.subs, s)
		close(s.ch)
	}
}

// count returns the subscribed streams.
func (h *hub) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}
