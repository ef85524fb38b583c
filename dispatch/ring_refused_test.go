package dispatch_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"tsunagu"
	"tsunagu/dispatch"
)

// refusal is a phone's final "no" (as telephony.PhoneRefused is).
type refusal struct{ status int }

func (r refusal) Error() string  { return fmt.Sprintf("desk phone refused: %d", r.status) }
func (r refusal) Refused() bool  { return true }
func (r refusal) SIPStatus() int { return r.status }

var _ dispatch.Refusal = refusal{}

// refusingPhone is a ringPhone whose desk phone can also refuse: an error
// sent on refuse is what Ring returns.
type refusingPhone struct {
	*ringPhone
	refuse chan error
}

func (p *refusingPhone) Ring(ctx context.Context, c *tsunagu.Contact) (bool, error) {
	if c.AgentID != p.desk {
		return false, nil
	}
	p.rang <- c.AgentID
	select {
	case err := <-p.refuse:
		return false, err
	case a := <-p.answer:
		return a, nil
	case <-ctx.Done():
		p.canceled <- c.ID
		return false, ctx.Err()
	}
}

// queuedSlow queues a caller in a queue whose offers ring for a minute
// (newEnv's queue times out in 300 ms, which would hide what these tests
// look for).
func queuedSlow(e *env) *tsunagu.Contact {
	e.t.Helper()
	ctx := context.Background()
	qs, err := e.db.ListQueues(ctx, "t")
	must(e.t, err)
	if !slices.ContainsFunc(qs, func(q tsunagu.Queue) bool { return q.ID == "slow" }) {
		must(e.t, e.db.CreateQueue(ctx, &tsunagu.Queue{TenantID: "t", ID: "slow", Name: "長い呼出", SLPercent: 80, SLSeconds: 20, OfferTimeoutSeconds: 60}))
	}
	now := time.Now()
	c := &tsunagu.Contact{TenantID: "t", Direction: tsunagu.Inbound, Number: "09012345678", ArrivedAt: now}
	must(e.t, e.db.CreateContact(ctx, c))
	c, err = e.db.UpdateContact(ctx, "t", c.ID, tsunagu.EventContactQueued, map[string]any{"queue_id": "slow"}, func(c *tsunagu.Contact) error {
		c.State, c.QueueID, c.QueuedAt = tsunagu.ContactQueued, "slow", &now
		return nil
	})
	must(e.t, err)
	must(e.t, e.d.Enqueue(ctx, c))
	return c
}

// TestRing_RefusedReoffersAtOnce: a desk phone that answers 486 / 603 ends
// the offer at once, long before the offer timeout (a minute here): the
// agent goes not-ready ("missed") and the caller, requeued at the head, is
// offered to the next agent.
func TestRing_RefusedReoffersAtOnce(t *testing.T) {
	for _, status := range []int{486, 603} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			e, rp := newRingEnv(t, time.Minute) // the queue's minute rules (queuedSlow)
			p := &refusingPhone{ringPhone: rp, refuse: make(chan error, 1)}
			e.d.Phone = p
			ctx := context.Background()
			desk, browser := e.agents[0], e.agents[1]
			_, err := e.d.SetAgentState(ctx, "t", desk, tsunagu.StateChange{State: tsunagu.AgentAvailable})
			must(t, err)
			c := queuedSlow(e)
			e.wait(tsunagu.EventContactOffered, c.ID) // past the first contact:queued
			recv(t, p.rang, "ring")
			_, err = e.d.SetAgentState(ctx, "t", browser, tsunagu.StateChange{State: tsunagu.AgentAvailable})
			must(t, err)
			p.refuse <- refusal{status}

			q := e.wait(tsunagu.EventContactQueued, c.ID)
			var pl map[string]any
			must(t, json.Unmarshal(q.Payload, &pl))
			if pl["requeued"] != "offer_missed" || pl["missed_by"] != string(desk) {
				t.Fatalf("requeued %v, want offer_missed by %s", pl, desk)
			}
			// wait's 10 s deadline is far below the queue's minute: only the
			// refusal can have moved the caller on.
			if ev := e.wait(tsunagu.EventContactOffered, c.ID); ev.AgentID != browser && !strings.Contains(string(ev.Payload), string(browser)) {
				t.Fatalf("re-offered %s, want %s", ev.Payload, browser)
			}
			if s, r := e.agentState(desk); s != tsunagu.AgentNotReady || r != "missed" {
				t.Fatalf("desk agent %s/%s after refusing, want not_ready/missed", s, r)
			}
		})
	}
}

// ringLog passes the dispatcher's log records about a failed ring to a
// channel: the test's signal that routing has dealt with it.
type ringLog struct{ msgs chan string }

func (h ringLog) Enabled(context.Context, slog.Level) bool { return true }
func (h ringLog) Handle(_ context.Context, r slog.Record) error {
	if strings.Contains(r.Message, "desk phone") {
		select {
		case h.msgs <- r.Message:
		default: // never block routing on the test
		}
	}
	return nil
}
func (h ringLog) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h ringLog) WithGroup(string) slog.Handler      { return h }

// TestRing_OtherErrorKeepsTheOffer: a ring that fails without a refusal
// (the phone unreachable, a transport error) does not end the offer: it is
// left to the offer timeout (a minute here), so the agent can still take
// the call at the desk.
func TestRing_OtherErrorKeepsTheOffer(t *testing.T) {
	e, rp := newRingEnv(t, time.Minute)
	p := &refusingPhone{ringPhone: rp, refuse: make(chan error)}
	logged := make(chan string, 4)
	e.d.Phone, e.d.Log = p, slog.New(ringLog{logged})
	ctx := context.Background()
	desk := e.agents[0]
	_, err := e.d.SetAgentState(ctx, "t", desk, tsunagu.StateChange{State: tsunagu.AgentAvailable})
	must(t, err)
	c := queuedSlow(e)
	e.wait(tsunagu.EventContactOffered, c.ID)
	recv(t, p.rang, "ring")
	p.refuse <- fmt.Errorf("transport: connection refused")
	if msg := recv(t, logged, "routing's word on the failed ring"); msg != "dispatch: desk phone did not answer" {
		t.Fatalf("routing logged %q for a transport error", msg)
	}
	if _, err := e.d.Answer(ctx, "t", c.ID, desk); err != nil {
		t.Fatalf("answer at the desk after a failed ring: %v (the offer must stand)", err)
	}
	e.wait(tsunagu.EventContactConnected, c.ID)
}
