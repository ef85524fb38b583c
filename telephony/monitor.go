package telephony

import (
	"context"
	"errors"

	"tsunagu"
	"tsunagu/media"
)

// monitor is the supervisor on a call: whose leg, in which mode.
type monitor struct {
	leg  media.Leg
	mode tsunagu.MonitorMode
	by   tsunagu.UserID
}

// Monitor joins a supervisor's audio leg (their browser softphone) to the
// connected call of contact id, or changes the mode of the supervisor
// already on it: listen (モニター), whisper (only the operator hears the
// supervisor) or barge (three-way). The supervisor always hears both
// parties. It records contact:monitor_started or contact:monitor_changed
// (nothing when the mode is unchanged). A leg monitors one call at a time.
//
// Errors: EINVALID for an unknown mode; ENOTFOUND when no connected call;
// ECONFLICT when the call is on a consultation or between operators,
// another supervisor is on it, or the leg is monitoring another call.
func (s *Server) Monitor(ctx context.Context, tenant tsunagu.TenantID, id tsunagu.ContactID, by tsunagu.UserID, leg media.Leg, mode tsunagu.MonitorMode) error {
	if !mode.Valid() {
		return tsunagu.FieldError("mode", "Mode must be listen, whisper or barge.")
	}
	if leg == nil {
		return tsunagu.Errorf(tsunagu.ECONFLICT, "Connect your softphone first.")
	}
	c, err := s.liveCall(tenant, id)
	if err != nil {
		return err
	}
	if other := s.monitoring(leg); other != nil && other != c {
		return tsunagu.Errorf(tsunagu.ECONFLICT, "You are listening to another call: stop it first.")
	}
	c.live.mu.Lock()
	defer c.live.mu.Unlock()
	if c.live.mix == nil {
		return tsunagu.Errorf(tsunagu.ECONFLICT, "The call is between operators: try again in a moment.")
	}
	prev, err := c.live.mix.Monitor(leg, mode)
	if errors.Is(err, media.ErrMonitorBusy) {
		return tsunagu.Errorf(tsunagu.ECONFLICT, "Another supervisor is on this call.")
	} else if err != nil {
		return tsunagu.Errorf(tsunagu.ECONFLICT, "The call is not connected.")
	}
	c.live.mon = &monitor{leg: leg, mode: mode, by: by}
	if prev == mode {
		return nil
	}
	typ, payload := tsunagu.EventMonitorStarted, map[string]any{"mode": mode}
	if prev != "" {
		typ, payload = tsunagu.EventMonitorChanged, map[string]any{"mode": mode, "from": prev}
	}
	c.log.Info("call monitor", "mode", string(mode), "from", string(prev))
	return s.recordMonitor(ctx, c, by, typ, payload)
}

// StopMonitor takes the supervisor off the call of contact id
// (contact:monitor_stopped {"reason":"stopped"}); it returns once the
// supervisor's leg is free.
//
// Errors: ENOTFOUND when no connected call; ECONFLICT when nobody monitors it.
func (s *Server) StopMonitor(ctx context.Context, tenant tsunagu.TenantID, id tsunagu.ContactID, by tsunagu.UserID) error {
	c, err := s.liveCall(tenant, id)
	if err != nil {
		return err
	}
	c.live.mu.Lock()
	defer c.live.mu.Unlock()
	mon := c.live.mon
	if mon == nil {
		return tsunagu.Errorf(tsunagu.ECONFLICT, "Nobody is listening to this call.")
	}
	c.live.mon = nil
	if c.live.mix != nil {
		c.live.mix.Unmonitor(mon.leg)
	}
	c.log.Info("call monitor stopped")
	return s.recordMonitor(ctx, c, by, tsunagu.EventMonitorStopped, map[string]any{"reason": "stopped"})
}

// MonitorMode returns the mode of the supervisor on the call ("" if none).
func (s *Server) MonitorMode(tenant tsunagu.TenantID, id tsunagu.ContactID) tsunagu.MonitorMode {
	c, err := s.liveCall(tenant, id)
	if err != nil {
		return ""
	}
	c.live.mu.Lock()
	defer c.live.mu.Unlock()
	if c.live.mon == nil {
		return ""
	}
	return c.live.mon.mode
}

// monitoring returns the call the leg is monitoring, if any.
func (s *Server) monitoring(leg media.Leg) *call {
	s.mu.Lock()
	calls := make([]*call, 0, len(s.contacts))
	for _, c := range s.contacts {
		calls = append(calls, c)
	}
	s.mu.Unlock()
	for _, c := range calls {
		c.live.mu.Lock()
		on := c.live.mon != nil && c.live.mon.leg == leg
		c.live.mu.Unlock()
		if on {
			return c
		}
	}
	return nil
}

// endMonitor records that the call ended under the supervisor's ears; the
// mixer has stopped, so the leg is free already.
func (c *call) endMonitor(ctx context.Context) {
	c.live.mu.Lock()
	mon := c.live.mon
	c.live.mon = nil
	c.live.mu.Unlock()
	if mon == nil {
		return
	}
	ctx, cancel := finalContext(ctx)
	defer cancel()
	if err := c.s.recordMonitor(ctx, c, mon.by, tsunagu.EventMonitorStopped, map[string]any{"reason": "call_ended"}); err != nil {
		c.log.Error("record monitor", "error", err)
	}
}

func (s *Server) recordMonitor(ctx context.Context, c *call, by tsunagu.UserID, typ tsunagu.EventType, payload any) error {
	if s.cfg.Recordings == nil {
		return nil
	}
	return s.cfg.Recordings.RecordMonitor(ctx, c.contact.TenantID, c.contact.ID, by, typ, payload)
}
