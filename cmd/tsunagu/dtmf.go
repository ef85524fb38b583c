package main

import (
	"context"

	"tsunagu"
	"tsunagu/dispatch"
)

var _ dispatch.DTMFPhone = voice{}

// SendDTMF sends the operator's keypad digits to the other party of the
// call, on the caller's RTP leg in telephony.
func (v voice) SendDTMF(ctx context.Context, c *tsunagu.Contact, digits string) error {
	return v.tel.SendDTMF(ctx, c.TenantID, c.ID, digits)
}
