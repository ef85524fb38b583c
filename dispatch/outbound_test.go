package dispatch_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"tsunagu"
)

// fakeDialer stands in for telephony's outbound side: it records what was
// dialled and, when the test says so, answers and ends the call as
// telephony does (contact events, then Dispatcher.Ended).
type fakeDialer struct {
	e      *env
	mu     sync.Mutex
	dialed []*tsunagu.Contact
	ids    []string // caller IDs
	fail   error
}

func (f *fakeDialer) OutboundTrunk(ctx context.Context, t tsunagu.TenantID) (*tsunagu.Trunk, error) {
	return f.e.db.OutboundTrunk(ctx, t)
}

func (f *fakeDialer) Dial(ctx context.Context, c *tsunagu.Contact, callerID string, _ tsunagu.TrunkOutbound) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return f.fail
	}
	f.dialed = append(f.dialed, c)
	f.ids = append(f.ids, callerID)
	return nil
}

// finish ends the outbound contact as telephony would: answered first or not.
func (f *fakeDialer) finish(id tsunagu.ContactID, answered bool) {
	t := f.e.t
	ctx := context.Background()
	now := time.Now()
	if answered {
		_, err := f.e.db.UpdateContact(ctx, "t", id, tsunagu.EventContactConnected, map[string]any{}, func(c *tsunagu.Contact) error {
			c.State, c.ConnectedAt = tsunagu.ContactConnected, &now
			return nil
		})
		must(t, err)
	}
	_, err := f.e.db.UpdateContact(ctx, "t", id, tsunagu.EventContactEnded, map[string]any{"by": "caller"}, func(c *tsunagu.Contact) error {
		c.State, c.EndedAt = tsunagu.ContactEnded, &now
		return nil
	})
	must(t, err)
	f.e.d.Ended(ctx, "t", id)
}

func outboundEnv(t *testing.T) (*env, *fakeDialer) {
	e := newEnv(t)
	f := &fakeDialer{e: e}
	e.d.Outbound = f
	ctx := context.Background()
	must(t, e.db.CreateTrunk(ctx, &tsunagu.Trunk{TenantID: "t", ID: "tr", Name: "carrier", AllowedNets: []string{"192.0.2.1"},
		Numbers: []tsunagu.DID{{Number: "0312345678", DefaultQueue: "q"}, {Number: "0312345679", DefaultQueue: "q"}}}))
	return e, f
}

// TestOutbound_TakesTheAgentOutOfRouting: an agent dialling out is not
// offered an inbound caller; after the connected call they are in
// after-call work, and the wrap-up makes them available again.
func TestOutbound_TakesTheAgentOutOfRouting(t *testing.T) {
	e, f := outboundEnv(t)
	ctx := context.Background()
	op1, op2 := e.agents[0], e.agents[1]
	// No trunk for outbound calls yet.
	if _, err := e.d.Call(ctx, "t", op1, tsunagu.CallRequest{Number: "09011112222"}); tsunagu.ErrorCode(err) != tsunagu.ECONFLICT {
		t.Fatalf("a call without an outbound trunk: %v, want conflict", err)
	}
	_, err := e.db.SetTrunkOutbound(ctx, "t", "tr", &tsunagu.TrunkOutbound{Target: "192.0.2.1:5060",
		QueueCallerIDs: map[tsunagu.QueueID]string{"q": "03-1234-5679"}})
	must(t, err)
	// Offline agents cannot call.
	if _, err := e.d.Call(ctx, "t", op1, tsunagu.CallRequest{Number: "09011112222"}); tsunagu.ErrorCode(err) != tsunagu.ECONFLICT {
		t.Fatalf("an offline agent's call: %v, want conflict", err)
	}
	_, err = e.d.SetAgentState(ctx, "t", op1, tsunagu.StateChange{State: tsunagu.AgentAvailable})
	must(t, err)
	c, err := e.d.Call(ctx, "t", op1, tsunagu.CallRequest{Number: "09011112222", QueueID: "q"})
	must(t, err)
	if len(f.dialed) != 1 || f.ids[0] != "+81312345679" {
		t.Fatalf("dialled %v with caller IDs %v", f.dialed, f.ids)
	}
	if s, r := e.agentState(op1); s != tsunagu.AgentOnContact || r != "outbound" {
		t.Fatalf("agent while dialling: %s (%s)", s, r)
	}
	// An inbound caller waits for op2, although op1 was available first.
	in := e.queued()
	_, err = e.d.SetAgentState(ctx, "t", op2, tsunagu.StateChange{State: tsunagu.AgentAvailable})
	must(t, err)
	if offered := e.wait(tsunagu.EventContactOffered, in.ID); offered.AgentID != op2 {
		t.Fatalf("inbound caller offered to %s during op1's outbound call", offered.AgentID)
	}
	// op2 takes the caller, so an unanswered offer (300 ms in this test)
	// cannot come back to op1 once they are free again.
	if _, err := e.d.Answer(ctx, "t", in.ID, op2); err != nil {
		t.Fatal(err)
	}
	f.finish(c.ID, true)
	if s, r := e.agentState(op1); s != tsunagu.AgentAfterCallWork || r != "outbound" {
		t.Fatalf("agent after the call: %s (%s)", s, r)
	}
	if _, err := e.d.Wrap(ctx, "t", c.ID, op1, tsunagu.WrapUp{DispositionID: "resolved"}); err != nil {
		t.Fatal(err)
	}
	if s, _ := e.agentState(op1); s != tsunagu.AgentAvailable {
		t.Fatalf("agent after the wrap-up: %s", s)
	}
}

// TestOutbound_NotConnected: a call that fails to connect, or cannot be
// sent, puts the agent straight back where they were.
func TestOutbound_NotConnected(t *testing.T) {
	e, f := outboundEnv(t)
	ctx := context.Background()
	op := e.agents[0]
	_, err := e.db.SetTrunkOutbound(ctx, "t", "tr", &tsunagu.TrunkOutbound{Target: "192.0.2.1:5060"})
	must(t, err)
	_, err = e.d.SetAgentState(ctx, "t", op, tsunagu.StateChange{State: tsunagu.AgentNotReady, Reason: "break"})
	must(t, err)
	c, err := e.d.Call(ctx, "t", op, tsunagu.CallRequest{Number: "0312340000"})
	must(t, err)
	if f.ids[0] != "+81312345678" {
		t.Errorf("caller ID %s, want the trunk's first number", f.ids[0])
	}
	f.finish(c.ID, false)
	if s, r := e.agentState(op); s != tsunagu.AgentNotReady || r != "break" {
		t.Fatalf("agent after an unanswered call: %s (%s), want not_ready (break)", s, r)
	}
	// The trunk cannot be reached: the contact ends "failed", the agent
	// is back.
	f.fail = tsunagu.Errorf(tsunagu.EUNAVAILABLE, "unreachable")
	if _, err := e.d.Call(ctx, "t", op, tsunagu.CallRequest{Number: "0312340000"}); tsunagu.ErrorCode(err) != tsunagu.EUNAVAILABLE {
		t.Fatalf("a call that could not be sent: %v", err)
	}
	if s, r := e.agentState(op); s != tsunagu.AgentNotReady || r != "break" {
		t.Fatalf("agent after a failed call: %s (%s)", s, r)
	}
	// International numbers are refused before anything is created.
	before, _, err := e.db.ListContacts(ctx, "t", tsunagu.ContactFilter{})
	must(t, err)
	_, err = e.d.Call(ctx, "t", op, tsunagu.CallRequest{Number: "+44 20 7946 0000"})
	if tsunagu.ErrorCode(err) != tsunagu.EFORBIDDEN || tsunagu.ErrorField(err) != "number" {
		t.Fatalf("an international number: %v", err)
	}
	after, _, err := e.db.ListContacts(ctx, "t", tsunagu.ContactFilter{})
	must(t, err)
	if len(after) != len(before) {
		t.Fatal("a refused number created a contact")
	}
}
