package dispatch_test

import (
	"context"
	"testing"

	"tsunagu"
)

// TestDispatch_QueueOverflow: a queue's routing settings, saved by the
// admin, reach live routing: with nobody free, a caller who waited past the
// queue's maximum wait moves to its overflow queue (contact:queued with
// overflow_from) and is offered to the agent who becomes free there.
func TestDispatch_QueueOverflow(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	must(t, e.db.CreateQueue(ctx, &tsunagu.Queue{TenantID: "t", ID: "backup", Name: "応援", SLPercent: 80, SLSeconds: 20}))
	qs, err := e.db.ListQueues(ctx, "t")
	must(t, err)
	var q tsunagu.Queue
	for _, x := range qs {
		if x.ID == "q" {
			q = x
		}
	}
	q.MaxWaitSeconds, q.OverflowQueue = 1, "backup"
	must(t, e.db.UpdateQueue(ctx, &q))
	must(t, e.d.QueueChanged(ctx, "t", "q"))

	c := e.queued()
	ev := e.wait(tsunagu.EventContactQueued, c.ID) // the caller's own queueing…
	for payloadOf(t, ev)["overflow_from"] == nil {
		ev = e.wait(tsunagu.EventContactQueued, c.ID) // …then the overflow
	}
	if p := payloadOf(t, ev); p["queue_id"] != "backup" || p["overflow_from"] != "q" || p["reason"] != "max_wait" {
		t.Fatalf("overflow event %v", p)
	}
	if _, err := e.d.SetAgentState(ctx, "t", e.agents[0], tsunagu.StateChange{State: tsunagu.AgentAvailable}); err != nil {
		t.Fatal(err)
	}
	e.wait(tsunagu.EventContactOffered, c.ID)
	got, err := e.db.FindContact(ctx, "t", c.ID)
	must(t, err)
	if got.QueueID != "backup" || got.AgentID != e.agents[0] {
		t.Fatalf("contact after overflow = queue %s agent %s", got.QueueID, got.AgentID)
	}
}
