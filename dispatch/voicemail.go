package dispatch

import (
	"context"
	"time"

	"tsunagu"
	"tsunagu/acd"
)

// Voicemailer is the optional part of the Phone that takes messages
// (telephony.Server through serve's voice adapter): a queue whose
// OverflowQueue is tsunagu.QueueVoicemail sends callers past its maximum
// wait or length there.
type Voicemailer interface {
	// VoicemailReady reports whether messages can be recorded now.
	VoicemailReady() bool
	// Voicemail sends the queued caller of contact id to voicemail for
	// queue; reason is the engine's ("max_wait", "max_length", "closed").
	// It returns once the call took the request (ENOTFOUND: the call has
	// ended).
	Voicemail(ctx context.Context, id tsunagu.ContactID, queue tsunagu.QueueID, reason string) error
}

// voicemailOverflow is the engine's overflow target for q: voicemail when
// q overflows there and the phone can record, otherwise cur. acd.QueueFrom
// reads "voicemail" as a queue the engine does not know, which it treats
// as no target; a phone without voicemail leaves it so (callers keep
// waiting past the maximum wait).
func (d *Dispatcher) voicemailOverflow(q *tsunagu.Queue, cur acd.Overflow) acd.Overflow {
	if q.OverflowQueue != tsunagu.QueueVoicemail {
		return cur
	}
	if vm, ok := d.Phone.(Voicemailer); ok && vm.VoicemailReady() {
		return acd.Overflow{Kind: acd.OverflowVoicemail}
	}
	d.log().Warn("dispatch: queue overflows to voicemail but the phone takes no messages", "queue_id", q.ID)
	return acd.Overflow{}
}

// overflowVoicemail hands a caller the engine sent to voicemail (it has
// left the engine) to the phone. From a goroutine of its own: the decision
// may come while the call's goroutine is itself waiting on routing
// (inside Enqueue, or asking for its place in line), and the phone
// serves the request on that goroutine.
func (d *Dispatcher) overflowVoicemail(dec acd.Decision) {
	vm, ok := d.Phone.(Voicemailer)
	if !ok {
		d.log().Warn("dispatch: voicemail overflow without a phone that takes messages", "contact_id", dec.Contact)
		return
	}
	d.mu.Lock()
	ctx := d.ctx
	d.mu.Unlock()
	if ctx == nil {
		return
	}
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		err := vm.Voicemail(ctx, dec.Contact, dec.Queue, dec.Reason)
		if err != nil && tsunagu.ErrorCode(err) != tsunagu.ENOTFOUND && ctx.Err() == nil {
			d.log().Error("dispatch: overflow to voicemail", "contact_id", dec.Contact, "queue_id", dec.Queue, "err", err)
		}
	}()
}
