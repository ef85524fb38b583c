package dispatch

import (
	"context"
	"time"

	"tsunagu"
	"tsunagu/acd"
)

// Blind transfer to an outside number (docs/telephony.md, "Transfer to an
// outside number").
//
// The number is checked as a click-to-call's is (outboundNumber: a number,
// allowed by the trunk's prefixes), and dialled over the same outbound
// trunk with the caller ID of the caller's queue. While it rings the
// operator stays on the contact (the engine is not told anything) and
// hears the ringback; the caller hears the hold music. Then:
//
//   - answered: the caller is bridged with the outside party,
//     contact:transferred {"to":{"number"}} is recorded and the engine ends
//     the contact for the operator, who goes to after-call work and wraps
//     up their part, as after any blind transfer. The contact stays
//     connected (and keeps the operator's ID: the last one who handled it)
//     until the caller or the outside party hangs up; the operator can no
//     longer hold, hang up or transfer it.
//   - not answered (busy, no answer, rejected, failed): the caller must not
//     be lost. Back to the operator when their phone is still there
//     (contact:transfer_failed {"outcome":"returned"}) — what a PBX's
//     "transfer recall" does, and the operator can tell the caller and try
//     something else; otherwise queued again at the head of their queue
//     ({"outcome":"requeued"}, then contact:transferred to the queue with
//     the reason), as a blind transfer to the queue would.

// NumberPhone is the voice side of a transfer to an outside number
// (telephony over the outbound trunk). A Phone without it cannot transfer
// to a number (ENOTIMPLEMENTED).
type NumberPhone interface {
	// TransferOut dials number (E.164) for the connected caller of id and
	// returns once the call is under way (nothing was sent when it
	// fails). done is called exactly once with the outcome if the caller
	// is still there when it is known — from the call's own goroutine, so
	// it must return quickly and must not call the phone back for id. A
	// caller who hangs up meanwhile ends the contact as usual (Ended).
	TransferOut(ctx context.Context, id tsunagu.ContactID, number, callerID string, route tsunagu.TrunkOutbound,
		done func(tsunagu.TransferOutcome)) error
}

// outside is a contact being transferred to, or talking with, an outside
// number.
type outside struct {
	from     tsunagu.AgentID
	answered bool
}

var errOutside = tsunagu.Errorf(tsunagu.ECONFLICT, "The call is being transferred to an outside number.")

// outsideBusy refuses another transfer or consultation of a contact that
// is ringing or talking to an outside number.
func (x *transfers) outsideBusy(id tsunagu.ContactID) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.outside[id] != nil {
		return errOutside
	}
	return nil
}

// gone reports whether agent let contact id go to an outside number that
// answered: the call is no longer theirs to hold or hang up.
func (x *transfers) gone(id tsunagu.ContactID, agent tsunagu.AgentID) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	o := x.outside[id]
	return o != nil && o.answered && o.from == agent
}

func (x *transfers) putOutside(id tsunagu.ContactID, o *outside) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.outside == nil {
		x.outside = map[tsunagu.ContactID]*outside{}
	}
	if o == nil {
		delete(x.outside, id)
		return true
	}
	if x.outside[id] != nil {
		return false
	}
	x.outside[id] = o
	return true
}

func (x *transfers) answeredOutside(id tsunagu.ContactID) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if o := x.outside[id]; o != nil {
		o.answered = true
	}
}

// transferNumber is Transfer to an outside number (see the top of this
// file). Errors: those of liveContact; EINVALID (field "to.number") for a
// missing number or one that is not a number, EFORBIDDEN (field
// "to.number") for a number the trunk's policy does not allow; ECONFLICT
// when no trunk is set up for outbound calls or the call is already being
// transferred; ENOTIMPLEMENTED without outbound calls. Nothing changes on
// an error.
func (d *Dispatcher) transferNumber(ctx context.Context, p *tsunagu.Principal, id tsunagu.ContactID, to tsunagu.TransferTarget) (*tsunagu.Contact, error) {
	tid := p.TenantID
	c, err := d.liveContact(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if err := to.Validate(); err != nil {
		return nil, err
	}
	if _, busy := d.xfer.get(id); busy {
		return nil, errInConsult
	}
	number, trunk, err := d.outboundNumber(ctx, tid, to.Number, "to.number")
	if err != nil {
		return nil, err
	}
	np, ok := d.Phone.(NumberPhone)
	if !ok {
		return nil, tsunagu.Errorf(tsunagu.ENOTIMPLEMENTED, "This phone cannot transfer calls to outside numbers.")
	}
	from := c.AgentID
	if err := d.do(ctx, tid, func(e *acd.Engine, _ time.Time) ([]acd.Decision, error) {
		return nil, onContact(e, from, id)
	}, nil); err != nil {
		return nil, err
	}
	if !d.xfer.putOutside(id, &outside{from: from}) {
		return nil, errOutside
	}
	callerID := trunk.Outbound.CallerIDFor(trunk, c.QueueID)
	// The outcome is recorded in the transferring user's name, after the
	// request has returned.
	base := context.WithoutCancel(ctx)
	done := func(o tsunagu.TransferOutcome) { d.numberOutcome(base, p, c, number, callerID, o) }
	if err := np.TransferOut(ctx, id, number, callerID, *trunk.Outbound, done); err != nil {
		d.xfer.putOutside(id, nil)
		return nil, err
	}
	d.log().Info("dispatch: transferring to an outside number", "contact_id", id, "from_agent", from, "number_masked", tsunagu.MaskPhone(number))
	return c, nil
}

// numberOutcome records how the transfer of c to number ended (the phone's
// done, from the call's goroutine).
func (d *Dispatcher) numberOutcome(base context.Context, p *tsunagu.Principal, c *tsunagu.Contact, number, callerID string, o tsunagu.TransferOutcome) {
	ctx, cancel := context.WithTimeout(base, 10*time.Second)
	defer cancel()
	tid, id, from := c.TenantID, c.ID, c.AgentID
	masked := tsunagu.MaskPhone(number)
	// The event keeps the number masked, as contact:dialing does.
	target := tsunagu.TransferTarget{Number: masked}
	if o.Answered {
		d.xfer.answeredOutside(id)
		payload := map[string]any{"kind": "blind", "from_agent": from, "to": target, "number_masked": masked, "caller_id": callerID}
		if _, err := d.Store.UpdateContact(ctx, tid, id, tsunagu.EventContactTransferred, payload,
			func(*tsunagu.Contact) error { return nil }); err != nil {
			d.log().Error("dispatch: record transfer to a number", "contact_id", id, "err", err)
		}
		// The operator's part is over: after-call work, as when a call ends.
		err := d.do(ctx, tid, func(e *acd.Engine, now time.Time) ([]acd.Decision, error) {
			return e.End(now, id)
		}, func(ctx context.Context, t *tenant) error {
			d.syncAgent(ctx, t, from)
			return nil
		})
		if err != nil {
			d.log().Error("dispatch: release the operator after a transfer to a number", "contact_id", id, "err", err)
		}
		d.log().Info("dispatch: transferred to an outside number", "contact_id", id, "from_agent", from)
		return
	}
	d.xfer.putOutside(id, nil)
	back := o.Returned && (d.Phone == nil || d.Phone.Reachable(from))
	if back {
		back = d.do(ctx, tid, func(e *acd.Engine, _ time.Time) ([]acd.Decision, error) {
			return nil, onContact(e, from, id)
		}, nil) == nil
	}
	payload := map[string]any{"to": target, "number_masked": masked, "reason": o.Reason, "from_agent": from, "outcome": "returned"}
	if o.Status != 0 {
		payload["sip_status"] = o.Status
	}
	if !back {
		payload["outcome"] = "requeued"
	}
	if _, err := d.Store.UpdateContact(ctx, tid, id, tsunagu.EventContactTransferFailed, payload,
		func(*tsunagu.Contact) error { return nil }); err != nil {
		d.log().Error("dispatch: record failed transfer to a number", "contact_id", id, "err", err)
	}
	d.log().Info("dispatch: transfer to an outside number not answered", "contact_id", id, "reason", o.Reason, "outcome", payload["outcome"])
	if back {
		return
	}
	// The operator has gone: the caller waits at the head of their queue.
	// Not from the call's goroutine, which Requeue needs.
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		ctx, cancel := context.WithTimeout(base, 10*time.Second)
		defer cancel()
		ap := &tsunagu.Principal{TenantID: tid, UserID: p.UserID, AgentID: from, Role: tsunagu.RoleAgent}
		_, err := d.transfer(tsunagu.NewContext(ctx, ap), ap, id, tsunagu.TransferTarget{QueueID: c.QueueID},
			map[string]any{"reason": "number_" + o.Reason})
		if err != nil {
			d.log().Error("dispatch: requeue after a failed transfer to a number", "contact_id", id, "err", err)
		}
	}()
}

// outsideEnded forgets a contact transferred to an outside number once it
// has ended (a hook in Ended).
func (d *Dispatcher) outsideEnded(id tsunagu.ContactID) {
	d.xfer.putOutside(id, nil)
}
