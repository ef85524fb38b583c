package dispatch

import (
	"context"
	"time"

	"tsunagu"
	"tsunagu/acd"
)

// Protection of operators from abusive callers (カスハラ対策), as routing
// applies it:
//
//   - after a wrap-up flagged abusive, the caller is flagged (the number and
//     the customer; the recording kept) and the agent goes not-ready
//     "recovery" instead of available, per the tenant's settings: "offer"
//     lets them come back when they choose, "enforce" refuses available
//     until the minutes have passed;
//   - a leader can keep calls away from an agent until a time (Protect);
//   - a flagged caller's next calls go to the tenant's chosen queue.
//
// Keeping calls away uses the engine's own not-ready state rather than a
// second eligibility rule inside the engine: not-ready already takes the
// agent out of every queue's heap, withdraws a ringing offer (the caller
// keeps their place), waits for the end of a call in progress (the pending
// reason applied after ACW), and shows on the floor with its reason. Going
// available again is what the protection refuses until its time.

// Not-ready reasons routing sets for protection.
const (
	reasonRecovery  = "recovery"  // after an abusive call
	reasonProtected = "protected" // a leader keeps calls away
)

// afterWrap runs once a wrap-up is committed: achievements, then the
// abusive flag. It returns the not-ready reason the agent takes instead of
// becoming available ("" = available).
func (d *Dispatcher) afterWrap(ctx context.Context, tid tsunagu.TenantID, c *tsunagu.Contact) acd.Reason {
	d.checkAchievements(ctx, tid, c.AgentID)
	now := d.now()
	if c.Abusive != "" {
		if _, err := d.Store.FlagCaller(ctx, tid, c.ID, c.Abusive); err != nil && ctx.Err() == nil {
			d.log().Error("dispatch: flag caller", "contact_id", c.ID, "err", err)
		}
		p, err := d.Store.FindProtection(ctx, tid)
		if err != nil {
			d.log().Error("dispatch: protection settings", "tenant_id", tid, "err", err)
			def := tsunagu.DefaultProtection(tid)
			p = &def
		}
		if p.RecoveryMode != tsunagu.RecoveryOff {
			if p.RecoveryMode == tsunagu.RecoveryEnforce {
				until := now.Add(time.Duration(p.RecoveryMinutes) * time.Minute)
				// A leader's longer protection is not shortened by the break.
				if cur, err := d.Store.FindAgentProtection(ctx, tid, c.AgentID); err != nil || cur.Until.Before(until) {
					if err := d.Store.ProtectAgent(ctx, &tsunagu.AgentProtection{TenantID: tid, AgentID: c.AgentID, Until: until, Reason: reasonRecovery}); err != nil {
						d.log().Error("dispatch: enforce recovery", "agent_id", c.AgentID, "err", err)
					}
				}
			}
			return reasonRecovery
		}
	}
	if ap := d.protection(ctx, tid, c.AgentID); ap != nil {
		return protectedReason(ap)
	}
	return ""
}

// protection returns the agent's protection while it lasts, else nil.
func (d *Dispatcher) protection(ctx context.Context, tid tsunagu.TenantID, agent tsunagu.AgentID) *tsunagu.AgentProtection {
	ap, err := d.Store.FindAgentProtection(ctx, tid, agent)
	if err != nil || !ap.Until.After(d.now()) {
		return nil
	}
	return ap
}

func protectedReason(ap *tsunagu.AgentProtection) acd.Reason {
	if ap.Reason == reasonRecovery {
		return reasonRecovery
	}
	return reasonProtected
}

// checkProtected refuses "available" while the agent's protection lasts.
func (d *Dispatcher) checkProtected(ctx context.Context, tid tsunagu.TenantID, agent tsunagu.AgentID, ch tsunagu.StateChange) error {
	if ch.State != tsunagu.AgentAvailable {
		return nil
	}
	ap := d.protection(ctx, tid, agent)
	if ap == nil {
		return nil
	}
	at := ap.Until.Format("15:04")
	if t, err := d.Store.FindTenant(ctx, tid); err == nil {
		at = ap.Until.In(t.Location()).Format("15:04")
	}
	msg := "Calls are kept away from you until " + at + " (your leader's decision)."
	if ap.Reason == reasonRecovery {
		msg = "Take your recovery break: calls resume at " + at + "."
	}
	return &tsunagu.Error{Code: tsunagu.ECONFLICT, Field: "state", Message: msg}
}

// Protect keeps calls away from an agent until the time (a zero time
// clears it): the protection is stored (agent:protected) and, while it
// lasts, the agent is not-ready "protected" — at once when available or
// ringing (the caller keeps their place), after the call in progress
// otherwise. When it ends the agent chooses available again; nobody is
// put back on the phones by a timer.
func (d *Dispatcher) Protect(ctx context.Context, tid tsunagu.TenantID, agent tsunagu.AgentID, until time.Time) (*tsunagu.Agent, error) {
	if err := d.Store.ProtectAgent(ctx, &tsunagu.AgentProtection{TenantID: tid, AgentID: agent, Until: until, Reason: "supervisor"}); err != nil {
		return nil, err
	}
	if until.After(d.now()) {
		err := d.do(ctx, tid, func(e *acd.Engine, now time.Time) ([]acd.Decision, error) {
			st, err := e.Agent(agent)
			if err != nil || st.State == acd.NotReady && st.Reason == reasonProtected {
				return nil, nil // logged out, or already kept away
			}
			return e.NotReady(now, agent, reasonProtected)
		}, func(ctx context.Context, t *tenant) error {
			d.syncAgent(ctx, t, agent)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return d.Store.FindAgent(ctx, tid, agent)
}

// routeFlagged sends a flagged caller to the tenant's chosen queue (a team
// prepared for such calls), recording the move as contact:queued with the
// reason. Unflagged callers, and tenants without a chosen queue, pass.
func (d *Dispatcher) routeFlagged(ctx context.Context, c *tsunagu.Contact) *tsunagu.Contact {
	if c.CallerFlag == "" {
		return c
	}
	p, err := d.Store.FindProtection(ctx, c.TenantID)
	if err != nil || p.FlaggedQueueID == "" || p.FlaggedQueueID == c.QueueID {
		return c
	}
	from := c.QueueID
	moved, err := d.Store.UpdateContact(ctx, c.TenantID, c.ID, tsunagu.EventContactQueued,
		map[string]any{"queue_id": p.FlaggedQueueID, "from_queue": from, "reason": "flagged_caller"}, func(x *tsunagu.Contact) error {
			x.QueueID = p.FlaggedQueueID
			return nil
		})
	if err != nil {
		d.log().Warn("dispatch: route flagged caller", "contact_id", c.ID, "err", err)
		return c
	}
	return moved
}
