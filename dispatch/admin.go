package dispatch

import (
	"context"

	"tsunagu"
)

// QueueChanged applies a queue's stored settings to live routing: callers
// already waiting keep their place, the new SL threshold, ACW, skills and
// priority apply from now on.
func (d *Dispatcher) QueueChanged(ctx context.Context, tid tsunagu.TenantID, id tsunagu.QueueID) error {
	return d.loadQueue(ctx, tid, id)
}
