package dispatch_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"tsunagu"
)

// call takes one caller from the queue to the wrap-up with agent op, and
// returns the wrapped contact.
func (e *env) call(op tsunagu.AgentID, w tsunagu.WrapUp) *tsunagu.Contact {
	e.t.Helper()
	ctx := context.Background()
	c := e.queued()
	if ev := e.wait(tsunagu.EventContactOffered, c.ID); ev.AgentID != op {
		e.t.Fatalf("offered to %s, want %s", ev.AgentID, op)
	}
	_, err := e.d.Answer(ctx, "t", c.ID, op)
	must(e.t, err)
	must(e.t, e.d.Hangup(ctx, "t", c.ID, op))
	got, err := e.d.Wrap(ctx, "t", c.ID, op, w)
	must(e.t, err)
	return got
}

func (e *env) eventsOf(typ tsunagu.EventType) []tsunagu.Event {
	e.t.Helper()
	all, err := e.db.ListEvents(context.Background(), "t", 0, 100000)
	must(e.t, err)
	var out []tsunagu.Event
	for _, ev := range all {
		if ev.Type == typ {
			out = append(out, ev)
		}
	}
	return out
}

// TestDispatch_AchievementFiresOnce: the wrap-up that makes the day's
// conversions reach the target fires praise:achieved for that agent, with
// their name and the banner; later wrap-ups the same day do not fire again.
func TestDispatch_AchievementFiresOnce(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	op := e.agents[0]
	must(t, e.db.CreateDisposition(ctx, &tsunagu.Disposition{TenantID: "t", ID: "sale", Name: "成約", Conversion: true}))
	must(t, e.db.SetTarget(ctx, &tsunagu.Target{TenantID: "t", Scope: tsunagu.ScopeEveryone, Metric: tsunagu.MetricConversions, Daily: 2}))
	must(t, e.db.SetTarget(ctx, &tsunagu.Target{TenantID: "t", Scope: tsunagu.ScopeEveryone, Metric: tsunagu.MetricThankYous, Daily: 5}))
	_, err := e.d.SetAgentState(ctx, "t", op, tsunagu.StateChange{State: tsunagu.AgentAvailable})
	must(t, err)

	e.call(op, tsunagu.WrapUp{DispositionID: "sale", ThankYou: true})
	if evs := e.eventsOf(tsunagu.EventPraiseAchieved); len(evs) != 0 {
		t.Fatalf("praised after one conversion of two: %+v", evs)
	}
	e.call(op, tsunagu.WrapUp{DispositionID: "resolved"}) // not a conversion
	if evs := e.eventsOf(tsunagu.EventPraiseAchieved); len(evs) != 0 {
		t.Fatalf("a non-conversion fired praise: %+v", evs)
	}
	e.call(op, tsunagu.WrapUp{DispositionID: "sale"})
	evs := e.eventsOf(tsunagu.EventPraiseAchieved)
	if len(evs) != 1 || evs[0].AgentID != op {
		t.Fatalf("praise after reaching the target: %+v", evs)
	}
	var p struct {
		AgentName string `json:"agent_name"`
		Message   string `json:"message"`
		Metric    string `json:"metric"`
	}
	must(t, json.Unmarshal(evs[0].Payload, &p))
	if p.AgentName != "op1" || p.Metric != "conversions" || !strings.Contains(p.Message, "本日2件成約") {
		t.Fatalf("praise payload = %s", evs[0].Payload)
	}
	// A fourth conversion the same day: no second banner.
	e.call(op, tsunagu.WrapUp{DispositionID: "sale"})
	if evs := e.eventsOf(tsunagu.EventPraiseAchieved); len(evs) != 1 {
		t.Fatalf("praise fired %d times for one target", len(evs))
	}
	ps, err := e.db.ListPraise(ctx, "t", tsunagu.PraiseFilter{AgentID: op})
	must(t, err)
	if len(ps) != 1 || ps[0].Count != 2 || ps[0].Target != 2 {
		t.Fatalf("praise history = %+v", ps)
	}
}

// TestDispatch_AbusiveRecovery: a wrap-up flagged abusive puts the agent on
// a recovery break instead of the phones (enforced: no early return), keeps
// the recording, and the caller's next call warns and goes to the chosen
// queue.
func TestDispatch_AbusiveRecovery(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	op, other := e.agents[0], e.agents[1]
	must(t, e.db.CreateQueue(ctx, &tsunagu.Queue{TenantID: "t", ID: "care", Name: "専任対応", SLPercent: 80, SLSeconds: 20}))
	must(t, e.db.SetProtection(ctx, &tsunagu.Protection{TenantID: "t", RecoveryMode: tsunagu.RecoveryEnforce, RecoveryMinutes: 10, FlaggedQueueID: "care"}))
	_, err := e.d.SetAgentState(ctx, "t", op, tsunagu.StateChange{State: tsunagu.AgentAvailable})
	must(t, err)

	c := e.call(op, tsunagu.WrapUp{DispositionID: "resolved", Abusive: tsunagu.SeverityHigh})
	if s, r := e.agentState(op); s != tsunagu.AgentNotReady || r != "recovery" {
		t.Fatalf("agent %s (%s) after an abusive call, want not_ready (recovery)", s, r)
	}
	_, err = e.d.SetAgentState(ctx, "t", op, tsunagu.StateChange{State: tsunagu.AgentAvailable})
	if tsunagu.ErrorCode(err) != tsunagu.ECONFLICT || tsunagu.ErrorField(err) != "state" || !strings.Contains(tsunagu.ErrorMessage(err), "recovery") {
		t.Fatalf("available during an enforced recovery break: %v", err)
	}
	if got, _ := e.db.FindContact(ctx, "t", c.ID); !got.KeepRecording || got.CallerFlag != tsunagu.SeverityHigh {
		t.Fatalf("flagged contact = %+v", got)
	}

	// The same number calls again: the contact warns, and the other agent
	// gets it from the chosen queue.
	_, err = e.d.SetAgentState(ctx, "t", other, tsunagu.StateChange{State: tsunagu.AgentAvailable})
	must(t, err)
	next := e.queued()
	if ev := e.wait(tsunagu.EventContactOffered, next.ID); ev.AgentID != other {
		t.Fatalf("next call offered to %s", ev.AgentID)
	}
	got, err := e.db.FindContact(ctx, "t", next.ID)
	must(t, err)
	if got.CallerFlag != tsunagu.SeverityHigh || got.QueueID != "care" {
		t.Fatalf("next call = queue %q flag %q, want care / high", got.QueueID, got.CallerFlag)
	}
}

// TestDispatch_RecoveryOffered: in "offer" mode the break is given but the
// agent may come back when ready.
func TestDispatch_RecoveryOffered(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	op := e.agents[0]
	_, err := e.d.SetAgentState(ctx, "t", op, tsunagu.StateChange{State: tsunagu.AgentAvailable})
	must(t, err)
	e.call(op, tsunagu.WrapUp{DispositionID: "resolved", Abusive: tsunagu.SeverityLow})
	if s, r := e.agentState(op); s != tsunagu.AgentNotReady || r != "recovery" {
		t.Fatalf("agent %s (%s), want not_ready (recovery)", s, r)
	}
	a, err := e.d.SetAgentState(ctx, "t", op, tsunagu.StateChange{State: tsunagu.AgentAvailable})
	must(t, err)
	if a.State != tsunagu.AgentAvailable {
		t.Fatalf("agent %s after choosing to come back", a.State)
	}
}

// TestDispatch_ProtectedAgentGetsNoOffer: a leader keeps calls away from an
// available agent; a caller waits for someone else; the agent cannot make
// themselves available until the leader clears it; an agent protected
// during a call is not made available by the wrap-up.
func TestDispatch_ProtectedAgentGetsNoOffer(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	op, other := e.agents[0], e.agents[1]
	_, err := e.d.SetAgentState(ctx, "t", op, tsunagu.StateChange{State: tsunagu.AgentAvailable})
	must(t, err)
	a, err := e.d.Protect(ctx, "t", op, time.Now().Add(30*time.Minute))
	must(t, err)
	if a.State != tsunagu.AgentNotReady || a.StateReason != "protected" {
		t.Fatalf("protected agent = %s (%s)", a.State, a.StateReason)
	}
	// op was the only agent available: had they been eligible the caller
	// would have been offered to them at once. The first offer goes to the
	// agent who becomes available afterwards.
	c := e.queued()
	_, err = e.d.SetAgentState(ctx, "t", other, tsunagu.StateChange{State: tsunagu.AgentAvailable})
	must(t, err)
	if ev := e.wait(tsunagu.EventContactOffered, c.ID); ev.AgentID != other {
		t.Fatalf("offered to %s, want %s", ev.AgentID, other)
	}
	_, err = e.d.SetAgentState(ctx, "t", op, tsunagu.StateChange{State: tsunagu.AgentAvailable})
	if tsunagu.ErrorCode(err) != tsunagu.ECONFLICT || tsunagu.ErrorField(err) != "state" {
		t.Fatalf("available while protected: %v", err)
	}
	_, err = e.d.Protect(ctx, "t", op, time.Time{})
	must(t, err)
	_, err = e.d.SetAgentState(ctx, "t", op, tsunagu.StateChange{State: tsunagu.AgentAvailable})
	must(t, err)

	// Protected while on a call: the call goes on, and the wrap-up leaves
	// the agent kept away instead of available.
	_, err = e.d.Answer(ctx, "t", c.ID, other)
	must(t, err)
	_, err = e.d.Protect(ctx, "t", other, time.Now().Add(time.Hour))
	must(t, err)
	if s, _ := e.agentState(other); s != tsunagu.AgentOnContact {
		t.Fatalf("agent %s: protection must not cut the call", s)
	}
	must(t, e.d.Hangup(ctx, "t", c.ID, other))
	_, err = e.d.Wrap(ctx, "t", c.ID, other, tsunagu.WrapUp{DispositionID: "resolved"})
	must(t, err)
	if s, r := e.agentState(other); s != tsunagu.AgentNotReady || r != "protected" {
		t.Fatalf("agent %s (%s) after the wrap-up, want not_ready (protected)", s, r)
	}
}
