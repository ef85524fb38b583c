package dispatch

import (
	"context"

	"tsunagu"
)

// DTMFPhone is the voice side of the desk's keypad (telephony). A Phone
// without it cannot send digits (ENOTIMPLEMENTED).
type DTMFPhone interface {
	// SendDTMF queues digits toward the other party of the connected
	// contact c and returns; see telephony.Server.SendDTMF.
	SendDTMF(ctx context.Context, c *tsunagu.Contact, digits string) error
}

// SendDTMF sends digits from the agent's keypad to the other party of
// their connected contact (a remote IVR, a code the caller's system asks
// for) and records contact:dtmf_sent {"count"}: how many, never which,
// since the digits may be a PIN. Only the agent on the call, while they talk
// with the caller: not on hold or during a consultation, when the digits
// would reach nobody who asked for them.
func (d *Dispatcher) SendDTMF(ctx context.Context, tid tsunagu.TenantID, id tsunagu.ContactID, agent tsunagu.AgentID, digits string) (*tsunagu.Contact, error) {
	if err := tsunagu.CheckDTMF(digits); err != nil {
		return nil, err
	}
	c, err := d.Store.FindContact(ctx, tid, id)
	if err != nil {
		return nil, err
	}
	if c.AgentID != agent {
		return nil, tsunagu.Errorf(tsunagu.EFORBIDDEN, "Only the operator on the call can use its keypad.")
	}
	if c.State != tsunagu.ContactConnected {
		return nil, tsunagu.Errorf(tsunagu.ECONFLICT, "Contact %s is not connected.", id)
	}
	if _, busy := d.xfer.get(id); busy {
		return nil, errInConsult
	}
	if err := d.xfer.outsideBusy(id); err != nil {
		return nil, err // ringing or talking to an outside number (transfernumber.go)
	}
	if held, err := d.onHold(ctx, tid, id); err != nil {
		return nil, err
	} else if held {
		return nil, tsunagu.Errorf(tsunagu.ECONFLICT, "The caller is on hold: resume the call first.")
	}
	if d.Phone != nil {
		p, ok := d.Phone.(DTMFPhone)
		if !ok {
			return nil, tsunagu.Errorf(tsunagu.ENOTIMPLEMENTED, "This phone cannot send digits.")
		}
		if err := p.SendDTMF(ctx, c, digits); err != nil {
			return nil, err
		}
	}
	return d.Store.UpdateContact(ctx, tid, id, tsunagu.EventContactDTMFSent, map[string]any{"count": len(digits)},
		func(*tsunagu.Contact) error { return nil })
}

// onHold reports whether the contact's last hold event put it on hold.
func (d *Dispatcher) onHold(ctx context.Context, tid tsunagu.TenantID, id tsunagu.ContactID) (bool, error) {
	evs, err := d.Store.ContactEvents(ctx, tid, id)
	if err != nil {
		return false, err
	}
	for i := len(evs) - 1; i >= 0; i-- {
		switch evs[i].Type {
		case tsunagu.EventContactHeld:
			return true, nil
		case tsunagu.EventContactResumed, tsunagu.EventContactTransferred, tsunagu.EventContactConnected:
			return false, nil
		}
	}
	return false, nil
}
