package main

import (
	"context"
	"time"

	"tsunagu"
	"tsunagu/dispatch"
	"tsunagu/telephony"
)

// Agents' SIP desk phones: routing rings them (dispatch.Ringer), and what
// the agent does on the phone (hang up, hold) is routed as if done at the
// desk. Which phone an agent uses is their setting (PUT /api/v1/me/phone).

var _ dispatch.Ringer = voice{}

// Ring rings the agent's desk phone when they chose it; the browser agent's
// offer only shows on the desk.
func (v voice) Ring(ctx context.Context, c *tsunagu.Contact) (bool, error) {
	kind, err := v.db.PhoneKindOf(ctx, c.AgentID)
	if err != nil {
		return false, err // the offer is treated as not answered, not as a browser's
	}
	if kind != tsunagu.PhoneSIP {
		return false, nil
	}
	if err := v.tel.Ring(ctx, c.ID, c.AgentID); err != nil {
		return false, err
	}
	return true, nil
}

// Release hangs up a desk phone that answered an offer that had ended.
func (v voice) Release(id tsunagu.ContactID) { v.tel.DropDesk(id) }

// reachable: a desk-phone agent can take calls while the phone has a live
// registration; a browser agent while the softphone is connected.
func (v voice) reachable(agent tsunagu.AgentID) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	switch kind, err := v.db.PhoneKindOf(ctx, agent); {
	case err != nil: // unknown for now: either phone will do
		return v.tel.Registered(agent) || v.soft.Connected(agent)
	case kind == tsunagu.PhoneSIP:
		return v.tel.Registered(agent)
	default:
		return v.soft.Connected(agent)
	}
}

// deskHandler routes what agents do on their desk phones.
type deskHandler struct{ disp *dispatch.Dispatcher }

// DeskHangup: the agent put the handset down.
func (h deskHandler) DeskHangup(ctx context.Context, tenant tsunagu.TenantID, contact tsunagu.ContactID, agent tsunagu.AgentID) {
	if err := h.disp.Hangup(ctx, tenant, contact, agent); err != nil {
		h.disp.Log.Info("desk phone hang-up", "contact_id", contact, "agent_id", agent, "err", err)
	}
}

// DeskHold: the phone's hold key (re-INVITE sendonly) and back.
func (h deskHandler) DeskHold(ctx context.Context, tenant tsunagu.TenantID, contact tsunagu.ContactID, agent tsunagu.AgentID, on bool) {
	var err error
	if on {
		_, err = h.disp.Hold(ctx, tenant, contact, agent)
	} else {
		_, err = h.disp.Resume(ctx, tenant, contact, agent)
	}
	if err != nil {
		h.disp.Log.Info("desk phone hold", "contact_id", contact, "agent_id", agent, "on", on, "err", err)
	}
}

// sipGuard is the flood limit from the configuration (0: off).
func sipGuard(cfg Config) telephony.GuardConfig {
	g := telephony.GuardConfig{Limit: cfg.SIPFloodLimit, Window: cfg.SIPFloodWindow.Duration, Block: cfg.SIPFloodBlock.Duration}
	if g.Limit == 0 {
		g.Limit = -1
	}
	return g
}

// phoneUnregistered makes a desk-phone agent not-ready when their last
// registration is removed (the phone un-registered), as a closed browser
// tab does for a softphone agent.
func phoneUnregistered(db interface {
	PhoneKindOf(context.Context, tsunagu.AgentID) (tsunagu.PhoneKind, error)
}, disp *dispatch.Dispatcher) func(tsunagu.TenantID, tsunagu.AgentID, bool) {
	return func(_ tsunagu.TenantID, agent tsunagu.AgentID, registered bool) {
		if registered {
			return
		}
		if kind, err := db.PhoneKindOf(context.Background(), agent); err != nil || kind != tsunagu.PhoneSIP {
			return // not their phone, or unknown: the agent is left as they are
		}
		go disp.PhoneLost(agent) // not on the SIP handler's goroutine
	}
}

// browserLost is the softphone going away: it makes the agent not-ready
// only when the browser is their phone — a desk-phone agent closing a tab
// still has a phone that rings.
func browserLost(db interface {
	PhoneKindOf(context.Context, tsunagu.AgentID) (tsunagu.PhoneKind, error)
}, disp *dispatch.Dispatcher) func(tsunagu.AgentID) {
	return func(agent tsunagu.AgentID) {
		if kind, err := db.PhoneKindOf(context.Background(), agent); err != nil || kind == tsunagu.PhoneSIP {
			return // the desk phone still rings, or unknown: the agent is left as they are
		}
		disp.PhoneLost(agent)
	}
}
