package telephony

import (
	"context"
	"time"

	"tsunagu/calendar"
)

// open reports whether the dialled number is within its business hours now,
// in the tenant's time zone. A number without hours is always open; so is
// one whose tenant or zone cannot be read (a caller is better answered by
// the menu than turned away by a fault).
func (c *call) open(ctx context.Context) bool {
	if c.did.Hours == nil {
		return true
	}
	loc, ok := c.location(ctx)
	if !ok {
		return true
	}
	return calendar.Open(c.did.Hours, c.s.cfg.Now().In(loc))
}

// nextOpen is when the number next answers: now while it is open (or has no
// hours, or the tenant cannot be read), else the start of its next open span.
// A message left at night is due then, not at 3 a.m.
func (c *call) nextOpen(ctx context.Context) time.Time {
	now := c.s.cfg.Now()
	if c.did.Hours == nil {
		return now
	}
	loc, ok := c.location(ctx)
	if !ok {
		return now
	}
	return calendar.NextOpen(c.did.Hours, now.In(loc))
}

// location is the tenant's time zone (the server's when unset); false when
// the tenant cannot be read.
func (c *call) location(ctx context.Context) (*time.Location, bool) {
	t, err := c.s.cfg.Store.FindTenant(ctx, c.contact.TenantID)
	if err != nil {
		c.log.Warn("business hours: read tenant", "error", err)
		return nil, false
	}
	if l, err := time.LoadLocation(t.TimeZone); err == nil && t.TimeZone != "" {
		return l, true
	}
	return time.Local, true
}
