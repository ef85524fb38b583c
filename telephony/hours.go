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
	loc := time.Local
	if t, err := c.s.cfg.Store.FindTenant(ctx, c.contact.TenantID); err != nil {
		c.log.Warn("business hours: read tenant", "error", err)
		return true
	} else if l, err := time.LoadLocation(t.TimeZone); err == nil && t.TimeZone != "" {
		loc = l
	}
	return calendar.Open(c.did.Hours, c.s.cfg.Now().In(loc))
}
