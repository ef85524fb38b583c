package dispatch_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"tsunagu"
	"tsunagu/dispatch"
)

// ringPhone is a fakePhone whose first agent has a desk phone: Ring reports
// each ring on rang and then does what answer says (nil: ring until
// cancelled, as an unanswered phone does).
type ringPhone struct {
	*fakePhone
	desk     tsunagu.AgentID
	rang     chan tsunagu.AgentID
	answer   chan bool
	canceled chan tsunagu.ContactID
	released chan tsunagu.ContactID
	connects chan tsunagu.ContactID
}

func (p *ringPhone) Connect(ctx context.Context, c *tsunagu.Contact) error {
	p.connects <- c.ID
	return p.fakePhone.Connect(ctx, c)
}

var _ dispatch.Ringer = (*ringPhone)(nil)

func (p *ringPhone) Ring(ctx context.Context, c *tsunagu.Contact) (bool, error) {
	if c.AgentID != p.desk {
		return false, nil // this agent answers in the browser
	}
	p.rang <- c.AgentID
	select {
	case a := <-p.answer:
		return a, nil
	case <-ctx.Done():
		p.canceled <- c.ID
		return false, ctx.Err()
	}
}

func (p *ringPhone) Release(id tsunagu.ContactID) { p.released <- id }

func newRingEnv(t *testing.T, timeout time.Duration) (*env, *ringPhone) {
	e := newEnv(t)
	rp := &ringPhone{fakePhone: e.phone, desk: e.agents[0], rang: make(chan tsunagu.AgentID, 4),
		answer: make(chan bool, 1), canceled: make(chan tsunagu.ContactID, 4), released: make(chan tsunagu.ContactID, 4), connects: make(chan tsunagu.ContactID, 4)}
	e.d.Phone = rp
	e.d.OfferTimeout = timeout
	return e, rp
}

func recv[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("no %s within 10 s", what)
	}
	var zero T
	return zero
}

// TestRing_AnswerConnects: an offer rings the desk phone, and picking it up
// is the agent answering: the contact is connected without the desk.
func TestRing_AnswerConnects(t *testing.T) {
	e, rp := newRingEnv(t, 5*time.Second)
	ctx := context.Background()
	op := e.agents[0]
	_, err := e.d.SetAgentState(ctx, "t", op, tsunagu.StateChange{State: tsunagu.AgentAvailable})
	must(t, err)
	c := e.queued()
	e.wait(tsunagu.EventContactOffered, c.ID)
	if got := recv(t, rp.rang, "ring"); got != op {
		t.Fatalf("rang %s, want %s", got, op)
	}
	rp.answer <- true
	ev := e.wait(tsunagu.EventContactConnected, c.ID)
	if ev.AgentID != op && ev.ContactID != c.ID {
		t.Fatalf("connected event %+v", ev)
	}
	// The agent's state is written just after the contact's.
	for {
		ev := e.wait(tsunagu.EventAgentStateChanged, "")
		if ev.AgentID == op && strings.Contains(string(ev.Payload), `"to":"on_contact"`) {
			break
		}
	}
	if got := recv(t, rp.connects, "audio connected"); got != c.ID {
		t.Fatalf("audio connected for %s, want %s", got, c.ID)
	}
}

// TestRing_TimeoutCancelsAndReoffers: an unanswered desk phone stops
// ringing at the offer timeout (CANCEL), its agent goes not-ready
// ("missed") and the caller is offered to the next agent, who has the
// browser (no ring).
func TestRing_TimeoutCancelsAndReoffers(t *testing.T) {
	e, rp := newRingEnv(t, 300*time.Millisecond)
	ctx := context.Background()
	desk, browser := e.agents[0], e.agents[1]
	_, err := e.d.SetAgentState(ctx, "t", desk, tsunagu.StateChange{State: tsunagu.AgentAvailable})
	must(t, err)
	c := e.queued()
	recv(t, rp.rang, "ring")
	// The second agent becomes available while the first phone rings.
	_, err = e.d.SetAgentState(ctx, "t", browser, tsunagu.StateChange{State: tsunagu.AgentAvailable})
	must(t, err)
	if got := recv(t, rp.canceled, "CANCEL"); got != c.ID {
		t.Fatalf("cancelled %s, want %s", got, c.ID)
	}
	for {
		ev := e.wait(tsunagu.EventContactOffered, c.ID)
		if ev.AgentID == browser {
			break
		}
	}
	if s, r := e.agentState(desk); s != tsunagu.AgentNotReady || r != "missed" {
		t.Fatalf("desk agent %s/%s after the missed ring, want not_ready/missed", s, r)
	}
	select {
	case a := <-rp.rang:
		t.Fatalf("rang %s again; the browser agent has no desk phone", a)
	default:
	}
}

// TestRing_AnsweredAtTheDeskStopsRinging: an agent who takes the offer in
// the browser while the desk phone rings stops the ringing (CANCEL).
func TestRing_AnsweredAtTheDeskStopsRinging(t *testing.T) {
	e, rp := newRingEnv(t, 5*time.Second)
	ctx := context.Background()
	op := e.agents[0]
	_, err := e.d.SetAgentState(ctx, "t", op, tsunagu.StateChange{State: tsunagu.AgentAvailable})
	must(t, err)
	c := e.queued()
	recv(t, rp.rang, "ring")
	_, err = e.d.Answer(ctx, "t", c.ID, op)
	must(t, err)
	if got := recv(t, rp.canceled, "CANCEL"); got != c.ID {
		t.Fatalf("cancelled %s, want %s", got, c.ID)
	}
}
