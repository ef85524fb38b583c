package httpapi_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"tsunagu"
	"tsunagu/floor"
	"tsunagu/httpapi"
)

// TestFloor_Snapshot: a supervisor reads the floor folded from the event
// log — a caller queued a moment ago is waiting in the queue, with the seq
// the figures include; ?after= a later event waits until it is in; tenant
// b's caller is not on tenant a's floor; bad input names the field.
func TestFloor_Snapshot(t *testing.T) {
	var board *floor.Board
	e := newEnv(t, func(c *httpapi.Config) {
		board = &floor.Board{Store: c.Store, Bus: c.Bus}
		c.Floor = board
	})
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- board.Run(ctx) }()
	defer func() {
		stop()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	queued := func(tenant tsunagu.TenantID) {
		t.Helper()
		now := time.Now()
		c := &tsunagu.Contact{TenantID: tenant, Direction: tsunagu.Inbound, Number: "09012345678", ArrivedAt: now}
		if err := e.db.CreateContact(context.Background(), c); err != nil {
			t.Fatal(err)
		}
		if _, err := e.db.UpdateContact(context.Background(), tenant, c.ID, tsunagu.EventContactQueued, map[string]any{"queue_id": "q"}, func(c *tsunagu.Contact) error {
			c.State, c.QueueID, c.QueuedAt = tsunagu.ContactQueued, "q", &now
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tenant := range []tsunagu.TenantID{"a", "b"} {
		if err := e.db.CreateQueue(context.Background(), &tsunagu.Queue{TenantID: tenant, ID: "q", Name: "一般", SLPercent: 80, SLSeconds: 20}); err != nil {
			t.Fatal(err)
		}
	}
	queued("a")
	queued("b")
	queued("b")
	last := mustLast(t, e)

	sv := e.login("a-supervisor")
	var snap floor.Snapshot
	res := sv.do("GET", "/api/v1/floor?after="+strconv.FormatInt(last, 10), nil)
	if res.StatusCode != 200 {
		t.Fatalf("floor: %d %s", res.StatusCode, res.body)
	}
	res.json(&snap)
	if snap.Seq < last || len(snap.Queues) != 1 || snap.Queues[0].ID != "q" || snap.Queues[0].Name != "一般" || snap.Queues[0].SLPercent != 80 || snap.Queues[0].Waiting != 1 || snap.Queues[0].Offered != 1 {
		t.Fatalf("tenant a's floor at seq %d (want ≥ %d): %+v", snap.Seq, last, snap.Queues)
	}
	var names []string
	for _, a := range snap.Agents {
		names = append(names, a.Name)
	}
	if len(snap.Agents) != 1 || snap.Agents[0].ID != e.users["a-agent"].AgentID || snap.Agents[0].State != tsunagu.AgentOffline || snap.Agents[0].Name != "User agent" {
		t.Fatalf("agents %v: %+v", names, snap.Agents)
	}
	if res := e.login("a-agent").do("GET", "/api/v1/floor", nil); res.StatusCode != 403 {
		t.Fatalf("an agent read the floor: %d", res.StatusCode)
	}
	for _, bad := range []string{"-1", "x", "1.5"} {
		if res := sv.do("GET", "/api/v1/floor?after="+bad, nil); res.StatusCode != 400 || res.problem().Field != "after" {
			t.Fatalf("after=%s: %d %s", bad, res.StatusCode, res.body)
		}
	}
	// A seq the log has not reached: the answer comes at the wait's limit,
	// with the figures as they stand and the seq they are at.
	res = sv.do("GET", "/api/v1/floor?after="+strconv.FormatInt(last+1000, 10), nil)
	res.json(&snap)
	if res.StatusCode != 200 || snap.Seq < last || snap.Seq >= last+1000 {
		t.Fatalf("after a future seq: %d seq %d", res.StatusCode, snap.Seq)
	}
}

// TestFloor_NotRunning: without a board the route answers 501.
func TestFloor_NotRunning(t *testing.T) {
	e := newEnv(t)
	if res := e.login("a-supervisor").do("GET", "/api/v1/floor", nil); res.StatusCode != 501 || res.problem().Code != tsunagu.ENOTIMPLEMENTED {
		t.Fatalf("floor without a board: %d %s", res.StatusCode, res.body)
	}
}
