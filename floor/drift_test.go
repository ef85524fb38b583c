package floor_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"tsunagu"
	"tsunagu/dispatch"
	"tsunagu/floor"
	"tsunagu/inmem"
	"tsunagu/sqlite"
)

// center is the real routing and store, driven without telephony: the test
// writes what telephony would (callers queued, hanging up) and calls the
// dispatcher as the desk does.
type center struct {
	t      *testing.T
	db     *sqlite.DB
	bus    *inmem.Bus
	d      *dispatch.Dispatcher
	events <-chan tsunagu.Event
	op1    tsunagu.AgentID
	op2    tsunagu.AgentID
}

func newCenter(t *testing.T) *center {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "floor.db"))
	must(t, err)
	t.Cleanup(func() { db.Close() })
	c := &center{t: t, db: db, bus: &inmem.Bus{}}
	db.SetPublish(c.bus.Publish)
	events, cancel := c.bus.Subscribe(10000)
	t.Cleanup(cancel)
	c.events = events
	must(t, db.CreateTenant(ctx, &tsunagu.Tenant{ID: "t", Name: "x", TimeZone: "Asia/Tokyo"}))
	must(t, db.CreateQueue(ctx, &tsunagu.Queue{TenantID: "t", ID: "q", Name: "一般", SLPercent: 80, SLSeconds: 20, ACWSeconds: 600}))
	must(t, db.CreateQueue(ctx, &tsunagu.Queue{TenantID: "t", ID: "q2", Name: "技術", SLPercent: 80, SLSeconds: 30, ACWSeconds: 600}))
	must(t, db.CreateDisposition(ctx, &tsunagu.Disposition{TenantID: "t", ID: "resolved", Name: "解決"}))
	for i, name := range []string{"op1", "op2"} {
		u := &tsunagu.User{TenantID: "t", Username: name, DisplayName: name, Role: tsunagu.RoleAgent}
		must(t, db.CreateUser(ctx, u, "h"))
		if i == 0 {
			c.op1 = u.AgentID
		} else {
			c.op2 = u.AgentID
		}
	}
	c.d = &dispatch.Dispatcher{Store: db, OfferTimeout: 3 * time.Second} // long enough to answer on a busy machine; c2 rings out
	rctx, stop := context.WithCancel(ctx)
	must(t, c.d.Start(rctx))
	t.Cleanup(func() {
		stop()
		c.d.Wait()
	})
	return c
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// queued creates a caller who chose queue q, as telephony does.
func (c *center) queued(q tsunagu.QueueID) tsunagu.ContactID {
	c.t.Helper()
	ctx := context.Background()
	now := time.Now()
	ct := &tsunagu.Contact{TenantID: "t", Direction: tsunagu.Inbound, Number: "09012345678", ArrivedAt: now}
	must(c.t, c.db.CreateContact(ctx, ct))
	ct, err := c.db.UpdateContact(ctx, "t", ct.ID, tsunagu.EventContactQueued, map[string]any{"queue_id": q}, func(x *tsunagu.Contact) error {
		x.State, x.QueueID, x.QueuedAt = tsunagu.ContactQueued, q, &now
		return nil
	})
	must(c.t, err)
	must(c.t, c.d.Enqueue(ctx, ct))
	return ct.ID
}

// hangsUp is the caller hanging up before an answer, as telephony records it.
func (c *center) hangsUp(id tsunagu.ContactID) {
	c.t.Helper()
	ctx := context.Background()
	now := time.Now()
	_, err := c.db.UpdateContact(ctx, "t", id, tsunagu.EventContactAbandoned, map[string]any{"wait_seconds": 1}, func(x *tsunagu.Contact) error {
		x.State, x.EndedAt = tsunagu.ContactAbandoned, &now
		return nil
	})
	must(c.t, err)
	c.d.Abandoned(ctx, "t", id)
}

// wait returns the next event of the given type about the contact.
func (c *center) wait(typ tsunagu.EventType, contact tsunagu.ContactID) tsunagu.Event {
	c.t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case e := <-c.events:
			if e.Type == typ && e.ContactID == contact {
				return e
			}
		case <-deadline:
			c.t.Fatalf("no %s for %s within 10 s", typ, contact)
		}
	}
}

func (c *center) available(a tsunagu.AgentID) {
	c.t.Helper()
	_, err := c.d.SetAgentState(context.Background(), "t", a, tsunagu.StateChange{State: tsunagu.AgentAvailable})
	must(c.t, err)
}

// recompute folds the whole event log read back from the store.
func recompute(t *testing.T, db *sqlite.DB, now time.Time) floor.Snapshot {
	t.Helper()
	ctx := context.Background()
	cfg, err := floor.LoadConfig(ctx, db, "t", floor.Thresholds{})
	must(t, err)
	f := floor.New(cfg)
	var after int64
	for {
		evs, err := db.ListEvents(ctx, "t", after, 1000)
		must(t, err)
		for _, e := range evs {
			f.Apply(e)
			after = e.Seq
		}
		if len(evs) < 1000 {
			break
		}
	}
	return f.Snapshot(now)
}

// TestBoard_NoDrift drives a scripted scenario through the real dispatcher
// and SQLite store — an answered call with a hold that is transferred and
// answered again, an offer that rings out and a caller who then hangs up,
// a caller who hangs up in the queue, an overflow and an abandon after it,
// an abusive-call flag, a caller still waiting — while a Board follows the
// bus live. The board's figures must equal the fold of the whole log read
// back from the store, and a board started afterwards (a restart: replay
// only) must agree too.
func TestBoard_NoDrift(t *testing.T) {
	c := newCenter(t)
	ctx := context.Background()
	board := &floor.Board{Store: c.db, Bus: c.bus}
	bctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- board.Run(bctx) }()
	defer func() {
		stop()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()

	// c1: answered by op1, held and resumed, then transferred to q2 (the
	// event the transfer feature writes), where op2 answers and wraps up.
	c.available(c.op1)
	c1 := c.queued("q")
	c.wait(tsunagu.EventContactOffered, c1)
	_, err := c.d.Answer(ctx, "t", c1, c.op1)
	must(t, err)
	_, err = c.d.Hold(ctx, "t", c1, c.op1)
	must(t, err)
	_, err = c.d.Resume(ctx, "t", c1, c.op1)
	must(t, err)
	must(t, c.db.AppendEvents(ctx, func() tsunagu.Event {
		e := tsunagu.NewEvent("t", tsunagu.EventContactFlagged, time.Now(), map[string]any{"severity": "high"})
		e.ContactID, e.AgentID = c1, c.op1
		return e
	}()))
	c.d.Ended(ctx, "t", c1) // op1's leg ends: after-call work
	ct, err := c.db.UpdateContact(ctx, "t", c1, tsunagu.EventContactTransferred, map[string]any{"kind": "blind", "from_agent": c.op1, "to": map[string]any{"queue_id": "q2"}, "queue_id": "q2"}, func(x *tsunagu.Contact) error {
		x.State, x.QueueID, x.AgentID = tsunagu.ContactQueued, "q2", ""
		return nil
	})
	must(t, err)
	c.available(c.op2)
	must(t, c.d.Enqueue(ctx, ct))
	if e := c.wait(tsunagu.EventContactOffered, c1); e.AgentID != c.op2 {
		t.Fatalf("transferred call offered to %s", e.AgentID)
	}
	_, err = c.d.Answer(ctx, "t", c1, c.op2)
	must(t, err)
	must(t, c.d.Hangup(ctx, "t", c1, c.op2))
	_, err = c.d.Wrap(ctx, "t", c1, c.op2, tsunagu.WrapUp{DispositionID: "resolved", ThankYou: true})
	must(t, err)

	// c2: offered to op2, who misses it; the caller hangs up waiting again.
	c2 := c.queued("q")
	c.wait(tsunagu.EventContactOffered, c2)
	if e := c.wait(tsunagu.EventContactQueued, c2); !json.Valid(e.Payload) {
		t.Fatal(e)
	}
	c.hangsUp(c2)
	// c3: nobody free; the caller hangs up in the queue.
	c3 := c.queued("q")
	c.hangsUp(c3)
	// c4: overflows to q2 (as dispatch records it), then hangs up there.
	c4 := c.queued("q")
	_, err = c.db.UpdateContact(ctx, "t", c4, tsunagu.EventContactQueued, map[string]any{"queue_id": "q2", "overflow_from": "q", "reason": "timeout"},
		func(x *tsunagu.Contact) error { x.QueueID = "q2"; return nil })
	must(t, err)
	c.hangsUp(c4)
	// c5 is still waiting.
	c5 := c.queued("q")

	last, err := c.db.LastSeq(ctx)
	must(t, err)
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	now := time.Now()
	live, err := board.Snapshot(wctx, "t", last, now)
	must(t, err)
	want := recompute(t, c.db, now)

	// First, that the figures are the scenario's, so equality means something.
	q, q2 := queueOf(t, live, "q"), queueOf(t, live, "q2")
	if got, w := countsOf(q), (counts{Waiting: 1, Offered: 5, Answered: 1, Abandoned: 2, Overflowed: 1, AnsweredInSL: 1}); got != w {
		t.Fatalf("q = %+v, want %+v", got, w)
	}
	if got, w := countsOf(q2), (counts{Offered: 2, Answered: 1, Abandoned: 1, TransferredIn: 1, AnsweredInSL: 1}); got != w {
		t.Fatalf("q2 = %+v, want %+v", got, w)
	}
	op1, op2 := agentOf(t, live, c.op1), agentOf(t, live, c.op2)
	if op1.Handled != 1 || op1.Holds != 1 || op1.Flagged != 1 || op1.State != tsunagu.AgentAfterCallWork {
		t.Fatalf("op1 = %+v", op1)
	}
	if op2.Handled != 1 || op2.Missed != 1 || op2.ThankYous != 1 || op2.State != tsunagu.AgentNotReady || op2.Reason != "missed" {
		t.Fatalf("op2 = %+v", op2)
	}
	if q.OldestWaitingSince == nil || len(alertsOf(live, floor.AlertAbusive)) != 1 {
		t.Fatalf("live figures miss c5 (%s) or the flag: %+v", c5, live.Alerts)
	}

	// Then: no drift between the live board and the log.
	if want.Seq != live.Seq {
		t.Fatalf("board at seq %d, log at %d", live.Seq, want.Seq)
	}
	if !reflect.DeepEqual(live, want) {
		a, _ := json.MarshalIndent(live, "", " ")
		b, _ := json.MarshalIndent(want, "", " ")
		t.Fatalf("live board differs from the log's fold:\nlive %s\nlog %s", a, b)
	}

	// A restart: a new board replays the log and agrees.
	again := &floor.Board{Store: c.db, Bus: c.bus}
	actx, astop := context.WithCancel(ctx)
	adone := make(chan error, 1)
	go func() { adone <- again.Run(actx) }()
	replayed, err := again.Snapshot(wctx, "t", last, now)
	astop()
	must(t, <-adone)
	must(t, err)
	if !reflect.DeepEqual(replayed, want) {
		t.Fatalf("replayed board differs from the log's fold")
	}
}
