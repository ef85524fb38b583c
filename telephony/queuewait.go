package telephony

import (
	"context"
	"strconv"
	"time"

	"tsunagu"
	"tsunagu/ivr"
)

// QueueWaiter is the optional part of a Router that tells a waiting caller
// more than their place (docs/telephony.md, "Waiting in the queue"): how
// long the wait should be, and the callback that keeps their place. Both
// ride on the position announcements, so they need a Positioner too.
type QueueWaiter interface {
	// QueueWait returns contact id's expected wait, or 0 when there is
	// no basis for one (nothing handled recently, nobody serving the
	// queue): the caller then hears no number rather than a made-up one.
	// callback says whether the queue offers "press 1 to be called back
	// and keep your place" to this caller now.
	QueueWait(ctx context.Context, tenant tsunagu.TenantID, id tsunagu.ContactID) (expected time.Duration, callback bool, err error)
	// RequestCallback turns the waiting caller into a callback task that
	// keeps their place and records contact:callback_requested. The call
	// then belongs to nobody: no Abandoned follows its hang-up, and the
	// callback is a new outbound call. Errors (the caller is being offered
	// to an operator, has no number, …) leave the caller waiting.
	RequestCallback(ctx context.Context, tenant tsunagu.TenantID, id tsunagu.ContactID) error
}

// The prompts of the queue-wait offers (prompts/generate.sh):
// "おおよその待ち時間は" + "N分" + "です", N up to maxSpokenWait minutes as
// whole words, one sentence past it; the callback offer and its
// confirmation.
const (
	promptExpWait       ivr.Prompt = "expwait"
	promptExpWaitEnd    ivr.Prompt = "expwait_end"
	promptExpWaitLong   ivr.Prompt = "expwait_long"
	promptCallbackOffer ivr.Prompt = "qcb_offer"
	promptCallbackDone  ivr.Prompt = "qcb_done"
	maxSpokenWait                  = 20 // minutes
)

func minutesPrompt(n int) ivr.Prompt { return ivr.Prompt("min" + strconv.Itoa(n)) }

// queueWaitPrompts are the prompts loadPrompts must find for this file.
func queueWaitPrompts() []ivr.Prompt {
	ids := []ivr.Prompt{promptExpWait, promptExpWaitEnd, promptExpWaitLong, promptCallbackOffer, promptCallbackDone}
	for n := 1; n <= maxSpokenWait; n++ {
		ids = append(ids, minutesPrompt(n))
	}
	return ids
}

// waitMinutes rounds an expected wait up to whole minutes (a promise of
// "about 3 minutes" should not be broken by 2:40 turning into 3:10), 0 for
// no basis.
func waitMinutes(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	return int((d + time.Minute - 1) / time.Minute)
}

// waitPrompts is what a caller expecting to wait d hears: nothing without a
// basis, "about N minutes" up to maxSpokenWait, "more than 20 minutes" past
// it.
func waitPrompts(d time.Duration) []ivr.Prompt {
	switch m := waitMinutes(d); {
	case m == 0:
		return nil
	case m > maxSpokenWait:
		return []ivr.Prompt{promptExpWaitLong}
	default:
		return []ivr.Prompt{promptExpWait, minutesPrompt(m), promptExpWaitEnd}
	}
}

// offers adds the expected wait and, where the queue allows it, the
// callback offer to an announcement. A caller without a number cannot be
// called back and is not offered it.
func (q *queueAudio) offers(ctx context.Context, ids []ivr.Prompt) []ivr.Prompt {
	w, ok := q.c.s.cfg.Router.(QueueWaiter)
	if !ok {
		return ids
	}
	ct := q.c.contact
	expected, callback, err := w.QueueWait(ctx, ct.TenantID, ct.ID)
	if err != nil {
		return ids // being offered or gone: the position alone, as before
	}
	ids = append(ids, waitPrompts(expected)...)
	// The offer is played on its own after the announcement (promptEnded),
	// so that "1" counts from its first word and not before.
	q.offerNext = callback && ct.Number != ""
	return ids
}

// offer plays the callback offer after an announcement; from now on "1"
// asks for the callback. False when none is due.
func (q *queueAudio) offer() bool {
	if !q.offerNext {
		return false
	}
	q.offerNext, q.offered = false, true
	q.playing = q.c.sess.Play(q.c.say(promptCallbackOffer))
	return true
}

// pressed reports whether digit d asks for the callback: "1" once the
// offer has begun (barge-in), and from then on. Digits before any offer,
// left over from the menu or pressed at random, are ignored.
func (q *queueAudio) pressed(d rune) bool { return q.offered && d == '1' }

// keepPlace asks the router for the callback the caller pressed 1 for.
// When it is granted the caller hears the confirmation and is hung up, and
// keepPlace returns true: the contact lives on as a callback task, so the
// call records no end of its own. Refused (the caller is being offered to
// an operator at this moment), it returns false and the caller waits on.
func (c *call) keepPlace(ctx context.Context, q *queueAudio) bool {
	w := c.s.cfg.Router.(QueueWaiter) // q.offered implies it
	if err := w.RequestCallback(ctx, c.contact.TenantID, c.contact.ID); err != nil {
		c.log.Info("queue callback refused", "reason", tsunagu.ErrorCode(err), "error", err)
		return false
	}
	// Routing reaches the callback through its own outbound call, not
	// through this one.
	c.s.unregisterContact(c)
	q.stop()
	c.log.Info("call became a queue callback")
	done := c.sess.Play(c.say(promptCallbackDone)).Done()
	for {
		select {
		case <-done:
			c.hangup()
			return true
		case <-c.dialog.Context().Done():
			return true // the caller did not wait for the end: nothing more to say
		case <-ctx.Done():
			c.hangup()
			return true
		case r := <-c.ctl:
			r.reply <- errNotQueued
		}
	}
}
