package main

import (
	"context"

	"tsunagu"
	"tsunagu/dispatch"
)

var _ dispatch.Voicemailer = voice{}

// VoicemailReady reports whether telephony can record messages (it needs
// the recordings directory: recording on).
func (v voice) VoicemailReady() bool { return v.tel.VoicemailReady() }

// Voicemail sends a queued caller to voicemail: their queue overflowed.
func (v voice) Voicemail(ctx context.Context, id tsunagu.ContactID, queue tsunagu.QueueID, reason string) error {
	return v.tel.Voicemail(ctx, id, queue, reason)
}
