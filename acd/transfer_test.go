package acd

import (
	"testing"
	"time"

	"tsunagu"
)

// transferEnv: queue q (ACW 30 s, offer timeout 20 s) and queue vip (which
// needs skill "vip"); agents a, b, c available in that order of idleness.
func transferEnv(t *testing.T) (*Engine, func([]Decision, error) []Decision) {
	t.Helper()
	e := New(Config{})
	must := func(ds []Decision, err error) []Decision {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		if err := e.check(); err != nil {
			t.Fatal(err)
		}
		return ds
	}
	must(e.SetQueue(base, QueueConfig{ID: "q", ACW: 30 * time.Second, OfferTimeout: 20 * time.Second, SLThreshold: 20 * time.Second}))
	must(e.SetQueue(base, QueueConfig{ID: "vip", Skills: map[tsunagu.SkillID]int{"vip": 1}, SLThreshold: 20 * time.Second}))
	for i, id := range []tsunagu.AgentID{"a", "b", "c"} {
		at := base.Add(time.Duration(i) * time.Second)
		must(e.Login(at, AgentSpec{ID: id}))
		must(e.Ready(at, id))
	}
	return e, must
}

func offers(ds []Decision) map[tsunagu.ContactID]tsunagu.AgentID {
	m := map[tsunagu.ContactID]tsunagu.AgentID{}
	for _, d := range ds {
		if d.Kind == DecisionOffer {
			m[d.Contact] = d.Agent
		}
	}
	return m
}

func state(t *testing.T, e *Engine, id tsunagu.AgentID) AgentState {
	t.Helper()
	st, err := e.Agent(id)
	if err != nil {
		t.Fatal(err)
	}
	return st.State
}

// TestEngine_TransferToQueue: the transferred caller goes ahead of everyone
// waiting, the first agent goes to after-call work and never gets the
// caller back, and the target queue's SL counts from the transfer.
func TestEngine_TransferToQueue(t *testing.T) {
	e, must := transferEnv(t)
	t1 := base.Add(time.Minute)
	must(e.Queue(t1, ContactSpec{ID: "x", Queue: "q"})) // to a: longest idle
	must(e.Accept(t1, "x", "a"))
	// b and c get busy; two callers then wait in q.
	must(e.Queue(t1, ContactSpec{ID: "y1", Queue: "q"}))
	must(e.Accept(t1, "y1", "b"))
	must(e.Queue(t1, ContactSpec{ID: "y2", Queue: "q"}))
	must(e.Accept(t1, "y2", "c"))
	t2 := t1.Add(time.Minute)
	must(e.Queue(t2, ContactSpec{ID: "w1", Queue: "q"}))
	must(e.Queue(t2.Add(time.Second), ContactSpec{ID: "w2", Queue: "q"}))

	t3 := t2.Add(5 * time.Minute) // x has talked to a for six minutes
	must(e.Transfer(t3, TransferSpec{Contact: "x"}))
	if s := state(t, e, "a"); s != ACW {
		t.Fatalf("the transferring agent is %s, want after_call_work", s)
	}
	if pos, of, _ := e.Position("x"); pos != 1 || of != 3 {
		t.Fatalf("transferred caller at %d of %d, want 1 of 3", pos, of)
	}
	// The next free agent takes x, not the callers who waited before.
	must(e.End(t3.Add(time.Second), "y1"))
	must(e.Ready(t3.Add(2*time.Second), "b"))
	st, _ := e.Agent("b")
	if st.Contact != "x" {
		t.Fatalf("b was offered %q, want the transferred caller x", st.Contact)
	}
	must(e.Accept(t3.Add(5*time.Second), "x", "b"))
	qs, _ := e.Stats(t3, "q")
	// y1, y2 within SL; x's second answer 5 s after the transfer also is.
	if qs.AnsweredInSL != qs.Answered {
		t.Fatalf("SL: %d of %d answered in SL, want all (counted from the transfer)", qs.AnsweredInSL, qs.Answered)
	}
	// a, back from ACW, never gets x again; the ACW timer makes a ready.
	ds := e.Tick(t3.Add(31 * time.Second))
	if err := e.check(); err != nil {
		t.Fatal(err)
	}
	if offers(ds)["x"] == "a" {
		t.Fatal("the caller went back to the agent who transferred them")
	}
}

// TestEngine_TransferToAgent: a named agent gets the caller even without the
// queue's skill; one who is busy is waited for until the window ends, then
// anyone in the queue may take the caller.
func TestEngine_TransferToAgent(t *testing.T) {
	e, must := transferEnv(t)
	t1 := base.Add(time.Minute)
	must(e.Queue(t1, ContactSpec{ID: "x", Queue: "vip"})) // nobody has "vip": waits
	must(e.Queue(t1, ContactSpec{ID: "z", Queue: "q"}))
	must(e.Accept(t1, "z", "a"))
	// z goes to b by name, though b serves q only like everyone.
	ds := must(e.Transfer(t1.Add(time.Minute), TransferSpec{Contact: "z", Agent: "b"}))
	if got := offers(ds)["z"]; got != "b" {
		t.Fatalf("named transfer offered to %q, want b (%v)", got, ds)
	}
	must(e.Accept(t1.Add(time.Minute), "z", "b"))
	// To c, who is busy: nobody else gets it within the window.
	must(e.Queue(t1.Add(time.Minute), ContactSpec{ID: "busy", Queue: "q"}))
	if st, _ := e.Agent("c"); st.Contact != "busy" {
		t.Fatalf("c has %q", st.Contact)
	}
	must(e.Accept(t1.Add(time.Minute), "busy", "c"))
	t2 := t1.Add(2 * time.Minute)
	must(e.Transfer(t2, TransferSpec{Contact: "z", Agent: "c", AgentFor: 30 * time.Second}))
	if s := state(t, e, "b"); s != ACW {
		t.Fatalf("b is %s", s)
	}
	must(e.End(t2.Add(time.Second), "busy")) // c: ACW, then ready early
	ds = must(e.Ready(t2.Add(2*time.Second), "c"))
	if got := offers(ds)["z"]; got != "c" {
		t.Fatalf("c, free again, was offered %v; want z waiting for c", ds)
	}
	must(e.Refuse(t2.Add(3*time.Second), "z", "c")) // declines: the name lapses
	must(e.Ready(t2.Add(4*time.Second), "a"))       // a ends ACW early: takes z
	if st, _ := e.Agent("a"); st.Contact != "z" {
		t.Fatalf("after c declined, a (free) has %q; want z", st.Contact)
	}
	// Errors.
	for name, tc := range map[string]struct {
		err  error
		code string
	}{
		"NotConnected": {second(e.Transfer(t2, TransferSpec{Contact: "x"})), tsunagu.ECONFLICT},
		"Unknown":      {second(e.Transfer(t2, TransferSpec{Contact: "nope"})), tsunagu.ENOTFOUND},
	} {
		if got := tsunagu.ErrorCode(tc.err); got != tc.code {
			t.Errorf("%s: %q (%v), want %q", name, got, tc.err, tc.code)
		}
	}
}

// TestEngine_Consult: the consulted agent leaves routing; cancelling frees
// them, completing gives them the contact and the first agent ACW; a
// contact that ends mid-consultation frees them too.
func TestEngine_Consult(t *testing.T) {
	e, must := transferEnv(t)
	t1 := base.Add(time.Minute)
	must(e.Queue(t1, ContactSpec{ID: "x", Queue: "q"}))
	must(e.Accept(t1, "x", "a"))
	b, ds, err := e.Consult(t1, ConsultSpec{Contact: "x", Queue: "q"})
	must(ds, err)
	if b != "b" || state(t, e, "b") != OnContact {
		t.Fatalf("consulted %q (%s), want b on_contact", b, state(t, e, "b"))
	}
	if _, _, err := e.Consult(t1, ConsultSpec{Contact: "x", Agent: "c"}); tsunagu.ErrorCode(err) != tsunagu.ECONFLICT {
		t.Fatalf("second consultation: %v", err)
	}
	if _, err := e.Transfer(t1, TransferSpec{Contact: "x"}); tsunagu.ErrorCode(err) != tsunagu.ECONFLICT {
		t.Fatalf("blind transfer during a consultation: %v", err)
	}
	// A new caller goes to c: b is busy consulting.
	if got := offers(must(e.Queue(t1, ContactSpec{ID: "y", Queue: "q"})))["y"]; got != "c" {
		t.Fatalf("new caller offered to %q, want c", got)
	}
	must(e.EndConsult(t1.Add(time.Second), "x", false))
	if state(t, e, "b") != Available || state(t, e, "a") != OnContact {
		t.Fatalf("after cancel: a %s, b %s", state(t, e, "a"), state(t, e, "b"))
	}
	_, ds, err = e.Consult(t1.Add(2*time.Second), ConsultSpec{Contact: "x", Agent: "b"})
	must(ds, err)
	must(e.EndConsult(t1.Add(3*time.Second), "x", true))
	if st, _ := e.Agent("b"); st.State != OnContact || st.Contact != "x" {
		t.Fatalf("after complete b = %+v", st)
	}
	if state(t, e, "a") != ACW {
		t.Fatalf("a is %s after completing, want after_call_work", state(t, e, "a"))
	}
	// b consults a (ready again) and the caller hangs up meanwhile.
	must(e.Ready(t1.Add(4*time.Second), "a"))
	_, ds, err = e.Consult(t1.Add(5*time.Second), ConsultSpec{Contact: "x", Agent: "a"})
	must(ds, err)
	must(e.End(t1.Add(6*time.Second), "x"))
	if state(t, e, "a") != Available {
		t.Fatalf("consulted a is %s after the caller hung up", state(t, e, "a"))
	}
	if _, err := e.EndConsult(t1, "y", false); tsunagu.ErrorCode(err) != tsunagu.ECONFLICT {
		t.Fatalf("ending a consultation that is not: %v", err)
	}
}

// TestEngine_LongestIdle picks the leader available the longest.
func TestEngine_LongestIdle(t *testing.T) {
	e, _ := transferEnv(t)
	if id, ok := e.LongestIdle([]tsunagu.AgentID{"c", "b", "nobody"}); !ok || id != "b" {
		t.Fatalf("LongestIdle = %q %v, want b", id, ok)
	}
	if _, ok := e.LongestIdle([]tsunagu.AgentID{"nobody"}); ok {
		t.Fatal("found an unknown leader")
	}
}
