package telephony

import (
	"context"
	"math"
	"sync"
	"time"

	"tsunagu"
	"tsunagu/media"
)

// Transfers (issue #4). Routing decides who takes a transferred caller;
// telephony only moves the audio, always from the call's own goroutine:
//
//   - Requeue (blind transfer): the operator's leg is let go, the caller
//     hears the hold music and waits, as in the queue, for the next Connect.
//   - ConsultJoin (warm transfer): the caller is on hold with music while
//     the operator's leg is joined with the consulted operator's leg
//     (media.LegBridge). ConsultEnd then either bridges the caller with the
//     consulted operator (complete) or with the first one again (cancel).

type xferKind int

const (
	xferRequeue xferKind = iota + 1
	xferConsultJoin
	xferConsultEnd
	xferNumber // to an outside number (transferout.go)
)

// xferOp is a transfer request to a connected call (request.xfer).
type xferOp struct {
	kind     xferKind
	leg      media.Leg // ConsultJoin: the consulted operator's leg
	complete bool      // ConsultEnd
	// TransferOut: the number to call, and where its outcome goes.
	out    *NumberTransfer
	result chan tsunagu.TransferOutcome
}

// callAudio is what the connected call's loop (bridged) lends to a transfer:
// hold lets the operator's leg go and plays the hold music to the caller
// (nothing when already on hold); attach bridges the caller with a leg
// (stopping the music); leg is the operator's leg now.
type callAudio struct {
	hold   func()
	attach func(media.Leg)
	leg    media.Leg
}

var (
	errInConsult  = tsunagu.Errorf(tsunagu.ECONFLICT, "The call is in a consultation: complete or cancel it first.")
	errNoConsult  = tsunagu.Errorf(tsunagu.ECONFLICT, "The call is not in a consultation.")
	errNotJoined  = tsunagu.Errorf(tsunagu.ECONFLICT, "The consulted operator has not answered yet.")
	errTransfered = tsunagu.Errorf(tsunagu.ECONFLICT, "The call has been transferred and waits for its next operator.")
)

// Requeue lets the operator of contact id go and gives the caller the hold
// music until the next Connect (a blind transfer: routing offers the caller
// again). Recording the transfer is the caller's job.
// Errors: ENOTFOUND when no live call; ECONFLICT when not connected or in a
// consultation.
func (s *Server) Requeue(ctx context.Context, id tsunagu.ContactID) error {
	return s.request(ctx, id, request{xfer: &xferOp{kind: xferRequeue}, reply: make(chan error, 1)})
}

// ConsultJoin joins the operator of contact id with leg (the consulted
// operator) while the caller hears the hold music.
// Errors: ENOTFOUND when no live call; ECONFLICT when not connected or
// already in a consultation; EINVALID without a leg.
func (s *Server) ConsultJoin(ctx context.Context, id tsunagu.ContactID, leg media.Leg) error {
	if leg == nil {
		return tsunagu.Errorf(tsunagu.EINVALID, "No leg to consult.")
	}
	return s.request(ctx, id, request{xfer: &xferOp{kind: xferConsultJoin, leg: leg}, reply: make(chan error, 1)})
}

// ConsultEnd ends the consultation about contact id: complete bridges the
// caller with the consulted operator (the first one's leg is let go);
// otherwise the caller is bridged with the first operator again. Cancelling
// before the consulted operator answered only takes the caller off hold.
// Errors: ENOTFOUND when no live call; ECONFLICT when completing a
// consultation that was never joined.
func (s *Server) ConsultEnd(ctx context.Context, id tsunagu.ContactID, complete bool) error {
	return s.request(ctx, id, request{xfer: &xferOp{kind: xferConsultEnd, complete: complete}, reply: make(chan error, 1)})
}

// transfer serves a transfer request in a connected call (called by
// bridged). It returns true when the call has ended or moved on (requeued),
// so bridged must return.
func (c *call) transfer(ctx context.Context, q request, a callAudio) bool {
	switch q.xfer.kind {
	case xferRequeue:
		a.hold()
		c.log.Info("call transferred: requeued")
		q.reply <- nil
		c.requeued(ctx)
		return true
	case xferConsultJoin:
		a.hold()
		return c.consult(ctx, q, a)
	case xferNumber:
		if c.far != nil {
			q.reply <- errTransferring // already with an outside party
			return false
		}
		return c.transferOut(ctx, q, a)
	default:
		// A cancel before the consulted operator answered: the caller
		// comes back to the operator (attach is idempotent on hold).
		if q.xfer.complete {
			q.reply <- errNotJoined
			return false
		}
		a.attach(a.leg)
		if c.s.consultEnded(c.contact.ID, false) {
			a.hold() // the desk phone still holds the call (deskconsult.go)
		}
		q.reply <- nil
		return false
	}
}

// consult runs the consultation: the two operators' legs are joined while
// the caller hears music, until ConsultEnd, a hang-up or the end of the call.
func (c *call) consult(ctx context.Context, q request, a callAudio) bool {
	other := q.xfer.leg
	// The operator's side: their desk phone's own consult line when the
	// phone placed the consultation (deskconsult.go), else their leg.
	mine := a.leg
	pc := c.s.phoneConsultOf(c.contact.ID)
	if pc != nil {
		mine = pc.leg
	}
	lb := media.NewLegBridge(mine, other)
	lctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { _ = lb.Run(lctx) })
	halt := func() {
		stop()
		wg.Wait()
		st := lb.Stats()
		c.log.Info("consult bridge", "to_consulted", st.AToB, "to_consulted_voiced", st.AToBVoiced,
			"from_consulted", st.BToA, "from_consulted_voiced", st.BToAVoiced)
	}
	c.log.Info("call consult joined", "phone_line", pc != nil)
	if pc != nil {
		pc.join() // the phone's consult INVITE is answered
		defer pc.finish()
	}
	q.reply <- nil
	for {
		select {
		case <-c.dialog.Context().Done():
			halt()
			c.end(ctx, "caller")
			c.ended(ctx)
			return true
		case <-ctx.Done():
			halt()
			c.hangup()
			c.end(ctx, "system")
			c.ended(ctx)
			return true
		case r := <-c.ctl:
			switch {
			case r.xfer != nil && r.xfer.kind == xferConsultEnd:
				halt()
				leg := a.leg
				if r.xfer.complete {
					leg = other
				}
				a.attach(leg)
				if c.s.consultEnded(c.contact.ID, r.xfer.complete) {
					a.hold() // the desk phone still holds the call (deskconsult.go)
				}
				c.log.Info("call consult ended", "completed", r.xfer.complete)
				r.reply <- nil
				return false
			case r.leg != nil:
				r.reply <- tsunagu.Errorf(tsunagu.ECONFLICT, "The call is already connected.")
			case r.hold != nil || r.xfer != nil:
				r.reply <- errInConsult
			default:
				halt()
				c.hangup()
				c.end(ctx, "agent")
				c.ended(ctx)
				r.reply <- nil
				return true
			}
		}
	}
}

// requeued waits, with the hold music, for the next operator of a call that
// was transferred blind, as run does in the queue: Connect bridges the next
// operator, a hang-up by the caller is an abandon of the transfer.
func (c *call) requeued(ctx context.Context) {
	c.sess.Play(media.Loop(media.HoldMusic()))
	since := c.s.cfg.Now()
	for {
		select {
		case <-c.dialog.Context().Done():
			c.abandonTransfer(ctx, since)
			return
		case <-ctx.Done():
			c.hangup()
			c.end(ctx, "system")
			return
		case r := <-c.ctl:
			switch {
			case r.leg != nil:
				c.bridged(ctx, r)
				return
			case r.hold != nil:
				r.reply <- errNotConnected
			case r.xfer != nil:
				r.reply <- errTransfered
			default:
				c.hangup()
				c.end(ctx, "agent")
				r.reply <- nil
				return
			}
		}
	}
}

// abandonTransfer records a caller who hung up while waiting for the
// operator they were transferred to; the wait counts from the transfer.
func (c *call) abandonTransfer(ctx context.Context, since time.Time) {
	ctx, cancel := finalContext(ctx)
	defer cancel()
	now := c.s.cfg.Now()
	wait := int(math.Round(now.Sub(since).Seconds()))
	_, err := c.s.cfg.Store.UpdateContact(ctx, c.contact.TenantID, c.contact.ID, tsunagu.EventContactAbandoned,
		map[string]any{"wait_seconds": wait, "after_transfer": true}, func(x *tsunagu.Contact) error {
			x.State, x.EndedAt = tsunagu.ContactAbandoned, &now
			return nil
		})
	if err != nil {
		c.log.Error("record abandon", "error", err)
	}
	if r := c.s.cfg.Router; r != nil {
		r.Abandoned(ctx, c.contact.TenantID, c.contact.ID)
	}
	c.log.Info("call abandoned after transfer", "wait_seconds", wait)
}
