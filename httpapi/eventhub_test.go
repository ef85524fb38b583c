package httpapi

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"tsunagu"
	"tsunagu/inmem"
)

// recv takes the next frame, failing after a deadline.
func recv(t *testing.T, ch <-chan *frame) (*frame, bool) {
	t.Helper()
	select {
	case f, ok := <-ch:
		return f, ok
	case <-time.After(5 * time.Second):
		t.Fatal("no frame within 5 s")
		return nil, false
	}
}

func hubEvent(seq int64, tenant tsunagu.TenantID, typ tsunagu.EventType, agent tsunagu.AgentID) tsunagu.Event {
	e := tsunagu.NewEvent(tenant, typ, time.Unix(1700000000, 0), nil)
	e.Seq, e.AgentID = seq, agent
	return e
}

// TestHub_VisibleAndEncodedOnce: each stream gets only what its caller may
// see, in order, and streams share one encoding of each event.
func TestHub_VisibleAndEncodedOnce(t *testing.T) {
	bus := &inmem.Bus{}
	h := newHub(bus, 64)
	agent := &tsunagu.Principal{TenantID: "a", AgentID: "agt_1", Role: tsunagu.RoleAgent}
	sup := &tsunagu.Principal{TenantID: "a", Role: tsunagu.RoleSupervisor}
	other := &tsunagu.Principal{TenantID: "b", Role: tsunagu.RoleSupervisor}
	chA, cancelA := h.subscribe(agent)
	defer cancelA()
	chS, cancelS := h.subscribe(sup)
	defer cancelS()
	chO, cancelO := h.subscribe(other)
	defer cancelO()
	if bus.Subscribers() != 1 {
		t.Fatalf("bus subscribers = %d, want the hub's one", bus.Subscribers())
	}
	offered := hubEvent(1, "a", tsunagu.EventContactOffered, "agt_1")
	bus.Publish(
		offered,
		hubEvent(2, "a", tsunagu.EventContactOffered, "agt_2"),   // another agent's
		hubEvent(3, "a", tsunagu.EventCustomerRevealed, "agt_1"), // audit: supervisors only
		hubEvent(4, "a", tsunagu.EventQueueUpdated, ""),          // floor-wide
		hubEvent(5, "b", tsunagu.EventAgentStateChanged, "agt_9"),
		hubEvent(6, "a", tsunagu.EventAgentStateChanged, "agt_2"), // a colleague's: supervisors only
	)
	var gotA, gotS []*frame
	for _, want := range []int64{1, 4} {
		f, _ := recv(t, chA)
		if f.seq != want {
			t.Fatalf("agent got seq %d, want %d", f.seq, want)
		}
		gotA = append(gotA, f)
	}
	for _, want := range []int64{1, 2, 3, 4, 6} {
		f, _ := recv(t, chS)
		if f.seq != want {
			t.Fatalf("supervisor got seq %d, want %d", f.seq, want)
		}
		gotS = append(gotS, f)
	}
	if f, _ := recv(t, chO); f.seq != 5 {
		t.Fatalf("tenant b got seq %d, want only its own 5", f.seq)
	}
	if gotA[0] != gotS[0] {
		t.Fatal("the agent and the supervisor got separate encodings of one event")
	}
	want, _ := json.Marshal(offered)
	if string(gotA[0].data) != string(want) {
		t.Fatalf("frame = %s, want %s", gotA[0].data, want)
	}
	if len(chA) != 0 || len(chO) != 0 {
		t.Fatalf("extra frames: agent %d, tenant b %d", len(chA), len(chO))
	}
}

// TestHub_LaggingStreamClosed: a stream whose queue is full is closed (it
// catches up from the store) and the others go on.
func TestHub_LaggingStreamClosed(t *testing.T) {
	bus := &inmem.Bus{}
	h := newHub(bus, 4) // queues of 4
	sup := &tsunagu.Principal{TenantID: "a", Role: tsunagu.RoleSupervisor}
	slow, cancelSlow := h.subscribe(sup)
	defer cancelSlow()
	fast, cancelFast := h.subscribe(sup)
	defer cancelFast()
	for seq := int64(1); seq <= 6; seq++ {
		bus.Publish(hubEvent(seq, "a", tsunagu.EventAgentStateChanged, ""))
		if f, _ := recv(t, fast); f.seq != seq {
			t.Fatalf("fast stream got %d, want %d", f.seq, seq)
		}
	}
	var got []int64
	for {
		f, ok := recv(t, slow)
		if !ok {
			break
		}
		got = append(got, f.seq)
	}
	if len(got) != 4 || got[0] != 1 || got[3] != 4 {
		t.Fatalf("slow stream got %v before being closed, want [1 2 3 4]", got)
	}
	if h.count() != 1 {
		t.Fatalf("subscribed streams = %d, want 1", h.count())
	}
}

// TestHub_DroppedByBus: when the bus drops the hub for lagging, every
// stream is closed so that each catches up from the store; the next
// subscription starts a new run.
func TestHub_DroppedByBus(t *testing.T) {
	bus := &inmem.Bus{}
	h := newHub(bus, 4)
	sup := &tsunagu.Principal{TenantID: "a", Role: tsunagu.RoleSupervisor}
	ch1, cancel1 := h.subscribe(sup)
	defer cancel1()
	ch2, cancel2 := h.subscribe(sup)
	defer cancel2()
	h.mu.Lock() // the hub cannot deliver: its bus buffer (4) overflows
	for seq := int64(1); seq <= 6; seq++ {
		bus.Publish(hubEvent(seq, "a", tsunagu.EventAgentStateChanged, ""))
	}
	subscribers := bus.Subscribers()
	h.mu.Unlock()
	if subscribers != 0 {
		t.Fatalf("the bus kept the lagging hub (%d subscribers)", subscribers)
	}
	for _, ch := range []<-chan *frame{ch1, ch2} {
		for {
			if _, ok := recv(t, ch); !ok {
				break
			}
		}
	}
	ch3, cancel3 := h.subscribe(sup)
	defer cancel3()
	bus.Publish(hubEvent(7, "a", tsunagu.EventAgentStateChanged, ""))
	if f, ok := recv(t, ch3); !ok || f.seq != 7 {
		t.Fatalf("after the drop a new stream got %v, %v", f, ok)
	}
}

// TestHub_StopsWhenIdle: the last stream's cancel ends the bus
// subscription, and a later stream starts it again.
func TestHub_StopsWhenIdle(t *testing.T) {
	bus := &inmem.Bus{}
	h := newHub(bus, 8)
	p := &tsunagu.Principal{TenantID: "a", Role: tsunagu.RoleSupervisor}
	_, c1 := h.subscribe(p)
	_, c2 := h.subscribe(p)
	c1()
	if bus.Subscribers() != 1 {
		t.Fatalf("bus subscribers = %d with one stream left", bus.Subscribers())
	}
	c2()
	c2() // idempotent
	if bus.Subscribers() != 0 || h.count() != 0 {
		t.Fatalf("after the last stream: bus %d, hub %d", bus.Subscribers(), h.count())
	}
	ch, c3 := h.subscribe(p)
	defer c3()
	bus.Publish(hubEvent(1, "a", tsunagu.EventAgentStateChanged, ""))
	if f, ok := recv(t, ch); !ok || f.seq != 1 {
		t.Fatalf("restarted hub delivered %v, %v", f, ok)
	}
}

// TestHub_Tiles: after the floor changes, each stream of that tenant gets
// the queue tiles (seq 0, type queue:stats) within a push interval, and a
// tenant whose floor did not change gets none.
func TestHub_Tiles(t *testing.T) {
	bus := &inmem.Bus{}
	h := newHub(bus, 64)
	calls := make(chan tsunagu.TenantID, 16)
	h.tilesEvery = 10 * time.Millisecond
	h.tiles = func(_ context.Context, tid tsunagu.TenantID) ([]tsunagu.QueueStats, error) {
		calls <- tid
		return []tsunagu.QueueStats{{QueueID: "tech", Name: "Tech " + string(tid), Waiting: 3}}, nil
	}
	agent := &tsunagu.Principal{TenantID: "a", AgentID: "agt_1", Role: tsunagu.RoleAgent}
	other := &tsunagu.Principal{TenantID: "b", Role: tsunagu.RoleSupervisor}
	chA, cancelA := h.subscribe(agent)
	defer cancelA()
	chO, cancelO := h.subscribe(other)
	defer cancelO()
	bus.Publish(hubEvent(1, "a", tsunagu.EventContactQueued, ""), hubEvent(2, "a", tsunagu.EventAgentStateChanged, "agt_2"))
	f, _ := recv(t, chA)
	var got tileFrame
	if err := json.Unmarshal(f.data, &got); err != nil || f.seq != 0 {
		t.Fatalf("agent got seq %d %s (%v), want a tiles frame", f.seq, f.data, err)
	}
	if got.Type != TileType || got.TenantID != "a" || len(got.Items) != 1 || got.Items[0].Waiting != 3 || got.Items[0].Name != "Tech a" {
		t.Fatalf("tiles = %+v", got)
	}
	if tid := <-calls; tid != "a" {
		t.Fatalf("tiles computed for %s, want a", tid)
	}
	// Tenant b's stream sees its own event next, then its own tiles — never a's.
	bus.Publish(hubEvent(3, "b", tsunagu.EventContactQueued, ""))
	if f, _ := recv(t, chO); f.seq != 3 {
		t.Fatalf("tenant b got seq %d first (%s), want its event 3", f.seq, f.data)
	}
	f, _ = recv(t, chO)
	if err := json.Unmarshal(f.data, &got); err != nil || got.TenantID != "b" {
		t.Fatalf("tenant b got %s, want its tiles", f.data)
	}
}
