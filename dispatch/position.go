package dispatch

import (
	"context"
	"time"

	"tsunagu"
	"tsunagu/acd"
)

// Position returns a waiting contact's 1-based place in its queue, for the
// phone's "you are number N in line" (telephony.Positioner). A contact
// being offered or gone is ECONFLICT or ENOTFOUND.
func (d *Dispatcher) Position(ctx context.Context, tid tsunagu.TenantID, id tsunagu.ContactID) (int, error) {
	t, err := d.tenant(tid)
	if err != nil {
		return 0, err
	}
	var pos int
	err = t.runner.Do(ctx, func(e *acd.Engine, _ time.Time) ([]acd.Decision, error) {
		p, _, err := e.Position(id)
		pos = p
		return nil, err
	})
	return pos, err
}
