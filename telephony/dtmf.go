package telephony

import (
	"context"
	"errors"

	"tsunagu"
	"tsunagu/media"
)

// SendDTMF sends digits from the operator's keypad to the other party of
// the connected call of contact id — a remote IVR on an outbound or
// transferred call, a code the caller's system asks for. They go on the
// call's own RTP: as RFC 4733 telephone-events when the party negotiated
// them, else as dual tones in the audio (100 ms each, 70 ms apart; see
// media/dtmfsend.go). It returns once they are queued; each takes about
// 180 ms to go out. The digits themselves are never logged: they may be a
// PIN or a card number. The recording keeps what the operator and the
// caller said, not the tones.
//
// Errors: EINVALID on field digits for anything but 0–9, *, #, A–D, or
// more than the session queues; ENOTFOUND when no connected call; ECONFLICT
// while the call is between operators (a consultation, a transfer under
// way) or still holds too many digits.
func (s *Server) SendDTMF(ctx context.Context, tenant tsunagu.TenantID, id tsunagu.ContactID, digits string) error {
	if err := tsunagu.CheckDTMF(digits); err != nil {
		return err
	}
	c, err := s.liveCall(tenant, id)
	if err != nil {
		return err
	}
	if c.live.mixer() == nil {
		return tsunagu.Errorf(tsunagu.ECONFLICT, "The call is between operators: the keypad works once you are back with the caller.")
	}
	switch err := c.sess.SendDTMF(digits); {
	case errors.Is(err, media.ErrDTMFBusy):
		return &tsunagu.Error{Code: tsunagu.ECONFLICT, Field: "digits", Message: "Digits are still being sent: wait a moment and try again."}
	case err != nil:
		return &tsunagu.Error{Code: tsunagu.EINVALID, Field: "digits", Message: "Digits are 0–9, *, #, A–D.", Err: err}
	}
	// How many, and how: never which.
	c.log.Info("call dtmf sent", "count", len(digits), "in_band", c.sess.InBandDTMF())
	return nil
}
