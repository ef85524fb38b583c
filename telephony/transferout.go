package telephony

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo"

	"tsunagu"
	"tsunagu/media"
)

// Blind transfer of a connected caller to an outside number (issue #4;
// the choices are in docs/telephony.md, "Transfer to an outside number").
// Routing has checked the number against the trunk's policy; telephony
// places the call as an agent's outbound call is placed (inviteTrunk,
// waitTrunk: the same INVITE, caller ID and digest), from the caller's own
// goroutine:
//
//   - while the number rings, the operator's leg is let go and hears the
//     ringback tone; the caller hears the hold music;
//   - answered: the caller is bridged with the outside party through the
//     same mixer (the outside party is a leg, as a desk phone is), the
//     recording and any supervisor's monitoring stop — the center's part
//     of the call is over — and the call goes on until either side hangs
//     up ({"by":"outside"} when the outside party does);
//   - not answered (a final error, no answer within the ring timeout): the
//     operator's leg is bridged with the caller again when it is still
//     there (Returned), otherwise the caller keeps the music for routing
//     to queue them again.
//
// The caller or the operator hanging up while the number rings sends
// CANCEL and ends the call as usual.

// DefaultTransferRingTimeout is how long an outside number rings before
// the transfer is given up as unanswered (CANCEL): shorter than a
// click-to-call's, since a caller is waiting.
const DefaultTransferRingTimeout = 30 * time.Second

// NumberTransfer is a connected caller's blind transfer to an outside
// number over the trunk.
type NumberTransfer struct {
	// Number is the E.164 number to dial.
	Number string
	// CallerID is what the outside party sees (the caller's queue's number,
	// as a click-to-call for that queue shows).
	CallerID string
	// Route is the trunk's outbound settings.
	Route tsunagu.TrunkOutbound
	// RingTimeout overrides DefaultTransferRingTimeout.
	RingTimeout time.Duration
	// Done is told the outcome once, from the call's goroutine, if the
	// caller is still there when it is known (recording it is the
	// caller's job). It must return quickly and not call the Server back
	// for this contact.
	Done func(tsunagu.TransferOutcome)
}

// errNoAudio: the outside party answered without audio we can use.
var errNoAudio = errors.New("no usable audio in the answer")

var errTransferring = tsunagu.Errorf(tsunagu.ECONFLICT, "The call is being transferred to an outside number.")

// TransferOut dials nt.Number for the connected caller of contact id and
// returns once the INVITE is sent (see the top of this file).
// Errors: EINVALID for a number or route that is not one; ENOTFOUND when
// no live call; ECONFLICT when not connected, on a consultation or
// already transferring; EUNAVAILABLE without an RTP port or trunk.
func (s *Server) TransferOut(ctx context.Context, id tsunagu.ContactID, nt NumberTransfer) error {
	number, err := tsunagu.NormalizePhone(nt.Number)
	if err != nil || !strings.HasPrefix(number, "+") {
		return tsunagu.FieldError("number", "Not a phone number.")
	}
	nt.Number = number
	if _, _, err := splitTarget(nt.Route.Target); err != nil {
		return err
	}
	result := make(chan tsunagu.TransferOutcome, 1)
	s.mu.Lock()
	if s.transfersOut == nil {
		s.transfersOut = map[tsunagu.ContactID]chan tsunagu.TransferOutcome{}
	}
	s.transfersOut[id] = result
	s.mu.Unlock()
	err = s.request(ctx, id, request{xfer: &xferOp{kind: xferNumber, out: &nt, result: result}, reply: make(chan error, 1)})
	if err != nil {
		s.mu.Lock()
		if s.transfersOut[id] == result {
			delete(s.transfersOut, id)
		}
		s.mu.Unlock()
	}
	return err
}

// awaitTransferOut waits for the outcome of the transfer of contact id to
// an outside number that TransferOut started; false when the call ended
// first or ctx did.
func (s *Server) awaitTransferOut(ctx context.Context, id tsunagu.ContactID) (tsunagu.TransferOutcome, bool) {
	s.mu.Lock()
	ch := s.transfersOut[id]
	s.mu.Unlock()
	if ch == nil {
		return tsunagu.TransferOutcome{}, false
	}
	select {
	case o, ok := <-ch:
		return o, ok
	case <-ctx.Done():
		return tsunagu.TransferOutcome{}, false
	}
}

// farEnd is the outside party of a caller transferred to a number: its
// dialog (a client session, registered by Call-ID so its BYE is read) and
// its RTP session seen as a leg.
type farEnd struct {
	id     string // SIP Call-ID
	dialog *sipgo.DialogClientSession
	sess   *media.Session
	leg    *deskLeg
	closed chan struct{}
	cancel context.CancelFunc
	wg     sync.WaitGroup
	log    *slog.Logger
}

// farGone is closed when the outside party hangs up; nil without one.
func (c *call) farGone() <-chan struct{} {
	if c.far == nil {
		return nil
	}
	return c.far.dialog.Context().Done()
}

// dropFar hangs up the outside party, if any, and stops its media.
func (c *call) dropFar() {
	f := c.far
	if f == nil {
		return
	}
	c.far = nil
	if f.dialog.Context().Err() == nil {
		c.s.byePhone(f.dialog) // bounded; closes the dialog
	} else {
		f.dialog.Close()
	}
	close(f.closed)
	f.cancel()
	f.wg.Wait()
	c.s.unregister(f.id)
	st := f.sess.Stats()
	f.log.Info("outside party media", "rtp_sent", st.Sent, "rtp_received", st.Received)
}

// legGone reports whether an operator's leg has hung up (a desk phone that
// sent BYE): a failed transfer cannot give the caller back to it.
func legGone(l media.Leg) bool {
	g, ok := l.(interface{ gone() bool })
	return ok && g.gone()
}

// transferOut serves TransferOut in the connected call (transfer). It
// returns true when the call has ended.
func (c *call) transferOut(ctx context.Context, q request, a callAudio) bool {
	nt, result := q.xfer.out, q.xfer.result
	host, port, _ := splitTarget(nt.Route.Target) // checked by TransferOut
	d, conn, err := c.s.inviteTrunk(ctx, nt.Number, host, port, nt.CallerID, nt.Route)
	if err != nil {
		q.reply <- err
		return false
	}
	farID := d.InviteRequest.CallID().Value()
	log := c.log.With("far_sip_call_id", farID)
	// The outside party's BYE and in-dialog requests find their dialog.
	c.s.register(farID, &call{s: c.s, dialog: d, contact: c.contact, log: log})
	release := func() {
		conn.Close()
		c.s.unregister(farID)
		d.Close()
	}
	bye := func() { // bounded, as hangup
		bctx, cancel := context.WithTimeout(context.Background(), 4*time.Second)
		defer cancel()
		_ = d.Bye(bctx)
	}
	a.hold()
	ring := newRingback(a.leg)
	log.Info("call transfer to an outside number: dialling", "transport", d.InviteRequest.Transport())
	q.reply <- nil

	timeout := nt.RingTimeout
	if timeout <= 0 {
		timeout = DefaultTransferRingTimeout
	}
	wctx, wcancel := context.WithTimeout(ctx, timeout)
	defer wcancel()
	answered := waitTrunk(wctx, d, nt.Route, func(status int) { log.Info("outside number ringing", "sip_status", status) })
	var (
		ended  string // the call ended while the number rang: by whom
		hangup *request
	)
wait:
	for {
		select {
		case err = <-answered:
			if err != nil && ctx.Err() != nil {
				ended = "system"
			}
			break wait
		case <-c.dialog.Context().Done():
			ended = "caller"
			break wait
		case <-ctx.Done():
			ended = "system"
			break wait
		case r := <-c.ctl:
			if r.leg == nil && r.hold == nil && r.xfer == nil {
				ended, hangup = "agent", &r
				break wait
			}
			r.reply <- errTransferring
		}
	}
	ring.stop()
	if ended != "" {
		// The call is over: recorded at once, then CANCEL (RFC 3261 §9.1),
		// which may wait for the carrier's provisional answer.
		if ended != "caller" {
			c.hangup()
		}
		c.end(ctx, ended)
		c.ended(ctx)
		if hangup != nil {
			hangup.reply <- nil
		}
		close(result)
		if err == nil { // still waiting for the answer
			wcancel()
			if err = <-answered; err == nil {
				_ = d.Ack(context.Background()) // the 200 crossed our CANCEL
				bye()
			}
		}
		release()
		log.Info("call ended while transferring to an outside number", "by", ended)
		return true
	}
	var params media.Params
	if err == nil {
		if aerr := d.Ack(context.WithoutCancel(ctx)); aerr != nil {
			log.Info("sip ack", "error", aerr)
		}
		if params, err = answerParams(d.InviteResponse); err != nil {
			log.Info("outside party's answer has no usable audio", "error", err)
			bye()
			err = errNoAudio
		}
	}
	if err != nil {
		release()
		o := tsunagu.TransferOutcome{Reason: "failed"}
		var dr *sipgo.ErrDialogResponse
		switch {
		case errors.As(err, &dr) && dr.Res != nil:
			o.Status = dr.Res.StatusCode
			o.Reason = failReason(o.Status)
		case errors.Is(err, errNoAudio):
			o.Status = 488
		case wctx.Err() != nil:
			o.Reason = "no_answer"
		}
		if !legGone(a.leg) {
			a.attach(a.leg) // back to the operator
			o.Returned = true
		}
		log.Info("call transfer to an outside number not answered", "reason", o.Reason, "sip_status", o.Status, "returned", o.Returned)
		c.outcome(nt, result, o)
		return false
	}
	f := &farEnd{id: farID, dialog: d, sess: media.NewSession(conn, params), closed: make(chan struct{}), log: log}
	fctx, fcancel := context.WithCancel(ctx)
	f.cancel = fcancel
	f.wg.Go(func() { _ = f.sess.Run(fctx) })
	f.leg = newDeskLeg(f.sess, f.closed)
	c.far = f
	// The center's part of the call is over: the recording and a
	// supervisor listening stop before the caller meets the outside party.
	c.endMonitor(ctx)
	c.stopRecording(ctx)
	a.attach(f.leg)
	log.Info("call transferred to an outside number", "codec", params.Codec.String())
	c.outcome(nt, result, tsunagu.TransferOutcome{Answered: true})
	return false
}

// outcome tells routing (Done) and a desk phone's REFER waiting for it.
func (c *call) outcome(nt *NumberTransfer, result chan tsunagu.TransferOutcome, o tsunagu.TransferOutcome) {
	if nt.Done != nil {
		nt.Done(o)
	}
	result <- o
}
