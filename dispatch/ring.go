package dispatch

import (
	"context"
	"errors"
	"sync"
	"time"

	"tsunagu"
	"tsunagu/acd"
)

// Ringer is a Phone whose offers ring by themselves: an agent's SIP desk
// phone. The browser softphone does not ring (the desk shows the offer and
// the agent answers there), so a Phone without Ringer never rings.
type Ringer interface {
	// Ring rings the phone of c.AgentID for the offered contact c and
	// returns once the agent answers (true, nil): the answered phone is
	// then what Connect bridges. (false, nil) means this agent takes calls
	// in the browser. Cancelling ctx stops the ringing (SIP CANCEL).
	Ring(ctx context.Context, c *tsunagu.Contact) (bool, error)
	// Release hangs up a phone that answered but could not be connected
	// (the offer ended as it answered).
	Release(id tsunagu.ContactID)
}

// Refusal is implemented by a Ringer's error when the phone refused the
// call with a final answer (SIP 486 Busy Here, 480 Temporarily
// Unavailable, 603 Decline: telephony.PhoneRefused). Routing cannot import
// telephony, so it recognises the error by this method (errors.As).
type Refusal interface {
	Refused() bool
}

// rings are the offers ringing a phone now, by contact.
type rings struct {
	mu sync.Mutex
	m  map[tsunagu.ContactID]*ringing
}

type ringing struct{ cancel context.CancelFunc }

func (r *rings) add(id tsunagu.ContactID, x *ringing) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		r.m = map[tsunagu.ContactID]*ringing{}
	}
	if old := r.m[id]; old != nil {
		old.cancel()
	}
	r.m[id] = x
}

func (r *rings) remove(id tsunagu.ContactID, x *ringing) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m[id] == x {
		delete(r.m, id)
	}
}

// stop stops the ringing for contact id, if any.
func (r *rings) stop(id tsunagu.ContactID) {
	r.mu.Lock()
	x := r.m[id]
	delete(r.m, id)
	r.mu.Unlock()
	if x != nil {
		x.cancel()
	}
}

// ring starts ringing the agent's phone for an offer just recorded (c is
// the offered contact). The offer's own timeout still rules: when the
// engine times the offer out, stopRing cancels the ringing (CANCEL), the
// agent is made not-ready ("missed") and the caller keeps their place.
// An answer is the agent accepting the offer (Answer), exactly as from the
// desk. A phone that refuses (busy, declined: a Refusal) ends the offer at
// once as a missed one (acd.Engine.Missed): the agent goes not-ready
// ("missed") and the caller is offered again right away, keeping their
// place, rather than waiting out the timeout for a phone that said no.
func (d *Dispatcher) ring(ctx context.Context, t *tenant, c *tsunagu.Contact) {
	d.ringPhone(ctx, c, func(r Ringer, rctx context.Context, answered bool, err error) {
		if err != nil {
			if rctx.Err() != nil {
				return // the offer ended (answered at the desk, timed out, cancelled)
			}
			var refused Refusal
			if errors.As(err, &refused) && refused.Refused() {
				d.refused(ctx, t, c, err)
				return
			}
			d.log().Info("dispatch: desk phone did not answer", "contact_id", c.ID, "agent_id", c.AgentID, "err", err)
			return
		}
		if !answered {
			return
		}
		actx, acancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer acancel()
		if _, err := d.Answer(actx, t.id, c.ID, c.AgentID); err != nil {
			d.log().Info("dispatch: desk phone answered too late", "contact_id", c.ID, "agent_id", c.AgentID, "err", err)
			r.Release(c.ID)
		}
	})
}

// ringPhone rings c.AgentID's phone in the background when the Phone is a
// Ringer — registered in d.rings so that stopRing cancels it, counted in
// d.wg — and hands the outcome to then on that goroutine. An offer
// (ring) and a consultation (ringConsult) differ only in what follows.
func (d *Dispatcher) ringPhone(ctx context.Context, c *tsunagu.Contact, then func(r Ringer, rctx context.Context, answered bool, err error)) {
	r, ok := d.Phone.(Ringer)
	if !ok || c == nil {
		return
	}
	rctx, cancel := context.WithCancel(ctx)
	x := &ringing{cancel: cancel}
	d.rings.add(c.ID, x)
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		defer cancel()
		defer d.rings.remove(c.ID, x)
		answered, err := r.Ring(rctx, c)
		then(r, rctx, answered, err)
	}()
}

// refused ends an offer whose phone refused it, as the offer timeout would
// (DecisionOfferTimedOut: agent not-ready "missed", the caller requeued at
// the head as "offer_missed" and routed again), but now. An offer that ended
// meanwhile (the engine no longer has it) is left alone.
func (d *Dispatcher) refused(ctx context.Context, t *tenant, c *tsunagu.Contact, why error) {
	mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	err := d.do(mctx, t.id, func(e *acd.Engine, now time.Time) ([]acd.Decision, error) {
		return e.Missed(now, c.ID, c.AgentID)
	}, nil)
	if err != nil {
		d.log().Debug("dispatch: refused offer already ended", "contact_id", c.ID, "agent_id", c.AgentID, "err", err)
		return
	}
	d.log().Info("dispatch: desk phone refused the offer", "contact_id", c.ID, "agent_id", c.AgentID, "err", why)
}

// stopRing is called for every decision that ends an offer.
func (d *Dispatcher) stopRing(dec acd.Decision) {
	switch dec.Kind {
	case acd.DecisionOfferTimedOut, acd.DecisionOfferCancelled:
		d.rings.stop(dec.Contact)
	}
}
