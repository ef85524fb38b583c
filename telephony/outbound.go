package telephony

import (
	"context"
	"errors"
	"math"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"tsunagu"
	"tsunagu/media"
)

// callDialog is a call's SIP dialog, whichever side began it: an inbound
// call's server session (call.go) or an agent's outbound call's client
// session (this file). The call itself — hold, hang-up, recording, the
// bridge — only needs these, so both directions run the same code.
type callDialog interface {
	// Context ends when the dialog does (a BYE either way).
	Context() context.Context
	Bye(ctx context.Context) error
	ReadBye(req *sip.Request, tx sip.ServerTransaction) error
}

// DefaultRingTimeout is how long an outbound call rings before it is given
// up as unanswered (CANCEL).
const DefaultRingTimeout = 45 * time.Second

// OutboundCall is an agent's call to a customer over a trunk.
type OutboundCall struct {
	// Contact is the stored outbound contact (Direction outbound, Number
	// the dialled E.164, AgentID the agent).
	Contact *tsunagu.Contact
	// CallerID is the E.164 number the customer sees (From and
	// P-Asserted-Identity).
	CallerID string
	// Route is the trunk's outbound settings (target, transport, digest).
	Route tsunagu.TrunkOutbound
	// Leg is the agent's audio, already connected: it hears the ringback
	// while the customer's phone rings, then the customer.
	Leg media.Leg
	// RingTimeout overrides DefaultRingTimeout.
	RingTimeout time.Duration
}

// Dial calls the customer of oc.Contact: the agent's leg is first (it
// hears a ringback tone), then the INVITE goes to the trunk. Dial returns
// once the INVITE is sent; the call goes on in its own goroutine, which
// records contact:ringing (the first 180/183), contact:connected (200, then
// the customer's RTP and the agent's leg are bridged as an inbound call is,
// with hold, recording and hang-up working the same way) and contact:ended
// with the reason ("busy", "no_answer", "rejected", "failed",
// "cancelled" before an answer; {"by":"caller"|"agent"|"system"} after),
// and tells the Router through Ended exactly once, connected or not.
// Hangup before the answer sends CANCEL and returns at once; the end is
// recorded when the carrier has answered the CANCEL.
//
// Errors (nothing recorded, nothing sent): EINVALID for a bad number or
// route; EUNAVAILABLE while draining or without an RTP port; the INVITE's
// transport error.
func (s *Server) Dial(ctx context.Context, oc OutboundCall) error {
	if oc.Contact == nil || oc.Leg == nil {
		return tsunagu.Errorf(tsunagu.EINVALID, "Nothing to dial.")
	}
	number, err := tsunagu.NormalizePhone(oc.Contact.Number)
	if err != nil || !strings.HasPrefix(number, "+") {
		return tsunagu.FieldError("number", "Not a phone number.")
	}
	host, port, err := splitTarget(oc.Route.Target)
	if err != nil {
		return err
	}
	if !s.enter() {
		return tsunagu.Errorf(tsunagu.EUNAVAILABLE, "The phone system is shutting down.")
	}
	d, conn, err := s.inviteTrunk(ctx, number, host, port, oc.CallerID, oc.Route)
	if err != nil {
		s.calls.Done()
		return err
	}
	id := d.InviteRequest.CallID().Value()
	c := &call{s: s, dialog: d, contact: oc.Contact, ctl: make(chan request), gone: make(chan struct{}),
		log: s.log.With("contact_id", string(oc.Contact.ID), "sip_call_id", id, "direction", "outbound")}
	s.register(id, c) // a BYE from the customer finds the call
	s.mu.Lock()
	if s.dialingOut == nil {
		s.dialingOut = map[tsunagu.ContactID]*call{}
	}
	s.dialingOut[oc.Contact.ID] = c
	s.mu.Unlock()
	c.log.Info("outbound call dialling", "transport", d.InviteRequest.Transport())
	go c.dialOut(oc, d, conn)
	return nil
}

// inviteTrunk sends the INVITE of a call to number (E.164) over the
// trunk at host:port, from callerID, with an offer on a new RTP port: an
// agent's outbound call (Dial) or a caller's transfer to an outside number
// (transferout.go). Errors (nothing sent): EUNAVAILABLE without an RTP
// port or when the trunk cannot be reached.
func (s *Server) inviteTrunk(ctx context.Context, number, host string, port int, callerID string, route tsunagu.TrunkOutbound) (*sipgo.DialogClientSession, *media.Conn, error) {
	conn, err := media.Listen(s.cfg.MediaIP, s.cfg.RTPPortMin, s.cfg.RTPPortMax)
	if err != nil {
		return nil, nil, tsunagu.Errorf(tsunagu.EUNAVAILABLE, "No RTP port.")
	}
	req := sip.NewRequest(sip.INVITE, sip.Uri{Scheme: "sip", User: number, Host: host, Port: port})
	if route.Transport != "" {
		req.SetTransport(strings.ToUpper(route.Transport))
	}
	me := s.cfg.MediaIP.String()
	from := &sip.FromHeader{Address: sip.Uri{Scheme: "sip", User: callerID, Host: me}, Params: sip.NewParams()}
	if callerID == "" {
		from.Address.User = "anonymous"
	}
	from.Params.Add("tag", sip.GenerateTagN(16))
	req.AppendHeader(from)
	req.AppendHeader(&sip.ToHeader{Address: sip.Uri{Scheme: "sip", User: number, Host: host, Port: port}, Params: sip.NewParams()})
	if callerID != "" {
		// The caller ID a trusted carrier passes on (RFC 3325), the
		// queue's number rather than whatever From says.
		req.AppendHeader(sip.NewHeader("P-Asserted-Identity", "<sip:"+callerID+"@"+me+">"))
	}
	req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	req.SetBody(deskOffer(conn.LocalAddr(), sessionID()))
	// The INVITE transaction outlives ctx (the API request): cancelling
	// the wait is how CANCEL is sent.
	d, err := s.dua.WriteInvite(context.WithoutCancel(ctx), req)
	if err != nil {
		conn.Close()
		return nil, nil, &tsunagu.Error{Code: tsunagu.EUNAVAILABLE, Message: "The trunk could not be reached.", Err: err}
	}
	return d, conn, nil
}

// waitTrunk waits in its own goroutine for the trunk's final answer to d's
// INVITE, with the route's digest credentials for a challenge; ringing is
// called once, at the first 180 or 183. Cancelling ctx sends CANCEL; the
// channel receives WaitAnswer's result once (nil: answered).
func waitTrunk(ctx context.Context, d *sipgo.DialogClientSession, route tsunagu.TrunkOutbound, ringing func(status int)) <-chan error {
	var once sync.Once
	answered := make(chan error, 1)
	go func() {
		answered <- d.WaitAnswer(ctx, sipgo.AnswerOptions{Username: route.Username, Password: route.Password,
			OnResponse: func(res *sip.Response) error {
				if res.StatusCode == 180 || res.StatusCode == 183 {
					once.Do(func() { ringing(res.StatusCode) })
				}
				return nil
			}})
	}()
	return answered
}

// splitTarget reads a trunk's host:port.
func splitTarget(t string) (string, int, error) {
	h, p, err := net.SplitHostPort(t)
	n, perr := strconv.Atoi(p)
	if err != nil || perr != nil || h == "" || n <= 0 || n > 65535 {
		return "", 0, tsunagu.FieldError("target", "The trunk's outbound target is not host:port.")
	}
	return h, n, nil
}

// dialOut waits for the customer's answer, then runs the call as an
// inbound one is run once connected (bridged).
func (c *call) dialOut(oc OutboundCall, d *sipgo.DialogClientSession, conn *media.Conn) {
	s := c.s
	defer s.calls.Done()
	defer close(c.gone)
	defer s.unregister(d.InviteRequest.CallID().Value())
	defer d.Close()
	ctx, cancel := context.WithCancel(s.callsCtx)
	defer cancel()
	undial := func() {
		s.mu.Lock()
		if s.dialingOut[c.contact.ID] == c {
			delete(s.dialingOut, c.contact.ID)
		}
		s.mu.Unlock()
	}
	defer undial()

	ring := newRingback(oc.Leg)
	timeout := oc.RingTimeout
	if timeout <= 0 {
		timeout = DefaultRingTimeout
	}
	wctx, wcancel := context.WithTimeout(ctx, timeout)
	answered := waitTrunk(wctx, d, oc.Route, func(status int) { c.ringing(ctx, status) })
	var err error
	cancelled := false
wait:
	for {
		select {
		case err = <-answered:
			break wait
		case r := <-c.ctl:
			if r.leg != nil || r.hold != nil || r.xfer != nil {
				r.reply <- errNotConnected
				continue
			}
			// CANCEL (RFC 3261 §9.1). It may only go once the carrier has
			// sent a provisional answer, which can take until the INVITE
			// times out; the agent is not kept waiting for it: the end is
			// recorded, and routing told, when it comes.
			cancelled = true
			wcancel()
			ring.stop()
			r.reply <- nil
		}
	}
	wcancel()
	ring.stop()
	if err == nil && cancelled {
		// The 200 crossed our CANCEL: the call is up, so end it properly.
		_ = d.Ack(context.Background())
		c.hangup()
		err = context.Canceled
	}
	if err != nil {
		conn.Close()
		reason, status := "failed", 0
		var dr *sipgo.ErrDialogResponse
		switch {
		case cancelled:
			reason = "cancelled"
		case errors.As(err, &dr):
			status = dr.Res.StatusCode
			reason = failReason(status)
		case wctx.Err() != nil && ctx.Err() == nil:
			reason = "no_answer"
		case ctx.Err() != nil:
			reason = "system"
		}
		c.failed(ctx, reason, status)
		c.ended(ctx)
		return
	}
	if err := d.Ack(context.WithoutCancel(ctx)); err != nil {
		c.log.Info("sip ack", "error", err)
	}
	params, err := answerParams(d.InviteResponse)
	if err != nil {
		conn.Close()
		c.log.Info("outbound answer has no usable audio", "error", err)
		c.hangup()
		c.failed(ctx, "failed", 488)
		c.ended(ctx)
		return
	}
	c.sess = media.NewSession(conn, params)
	var mwg sync.WaitGroup
	defer mwg.Wait()
	defer cancel()
	mwg.Go(func() { _ = c.sess.Run(ctx) })
	now := s.cfg.Now()
	ct, err := s.cfg.Store.UpdateContact(ctx, c.contact.TenantID, c.contact.ID, tsunagu.EventContactConnected,
		map[string]any{"agent_id": c.contact.AgentID, "sip_call_id": d.InviteRequest.CallID().Value()}, func(x *tsunagu.Contact) error {
			x.State, x.ConnectedAt = tsunagu.ContactConnected, &now
			return nil
		})
	if err == nil {
		c.contact = ct
	} else {
		c.log.Error("record connected", "error", err)
	}
	// From here the call is like an inbound one: found by its contact for
	// hold, hang-up, recording and monitoring (sess is set before).
	s.registerContact(c)
	defer s.unregisterContact(c)
	undial()
	c.log.Info("outbound call answered", "codec", params.Codec.String())
	c.bridged(ctx, request{leg: oc.Leg, reply: make(chan error, 1)})
	cancel()
	mwg.Wait()
	st := c.sess.Stats()
	c.log.Info("call media", "rtp_sent", st.Sent, "rtp_received", st.Received, "rtp_lost", st.Lost)
}

// failReason names a final non-2xx answer to an outbound INVITE.
func failReason(status int) string {
	switch status {
	case 486, 600:
		return "busy"
	case 408, 480, 487:
		return "no_answer"
	case 603:
		return "rejected"
	case 404, 484, 604:
		return "invalid_number"
	}
	return "failed"
}

// ringing records contact:ringing once: the customer's phone rings.
func (c *call) ringing(ctx context.Context, status int) {
	_, err := c.s.cfg.Store.UpdateContact(ctx, c.contact.TenantID, c.contact.ID, tsunagu.EventContactRinging,
		map[string]any{"status": status}, func(*tsunagu.Contact) error { return nil })
	if err != nil {
		c.log.Warn("record ringing", "error", err)
	}
}

// failed records an outbound call that never connected.
func (c *call) failed(ctx context.Context, reason string, status int) {
	ctx, cancel := finalContext(ctx)
	defer cancel()
	now := c.s.cfg.Now()
	payload := map[string]any{"by": "caller", "reason": reason}
	switch reason {
	case "cancelled":
		payload["by"] = "agent"
	case "failed", "system":
		payload["by"] = "system"
	}
	if status != 0 {
		payload["sip_status"] = status
	}
	ct, err := c.s.cfg.Store.UpdateContact(ctx, c.contact.TenantID, c.contact.ID, tsunagu.EventContactEnded, payload,
		func(x *tsunagu.Contact) error {
			x.State, x.EndedAt = tsunagu.ContactEnded, &now
			return nil
		})
	if err != nil {
		c.log.Error("record end", "error", err)
	} else {
		c.contact = ct
	}
	c.log.Info("outbound call not connected", "reason", reason, "sip_status", status)
}

// ringback plays Japan's ringback tone (呼出音: 400 Hz, 1 s on, 2 s off)
// to the agent's leg while the customer's phone rings, so the agent hears
// that something is happening (the carrier's early media is not relayed).
type ringback struct {
	done chan struct{}
	once sync.Once
	wg   sync.WaitGroup
}

func newRingback(leg media.Leg) *ringback {
	r := &ringback{done: make(chan struct{})}
	r.wg.Go(func() {
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		frame := make([]byte, 160)
		silence := make([]byte, 160)
		for i := range silence {
			silence[i] = media.LinearToULaw(0)
		}
		for n := 0; ; n++ {
			select {
			case <-r.done:
				return
			case <-t.C:
			}
			pos := n % 150 // 3 s of 20 ms frames
			if pos >= 50 {
				_ = leg.WriteFrame(silence)
				continue
			}
			for i := range frame {
				s := float64(pos*160+i) / 8000
				frame[i] = media.LinearToULaw(int16(6000 * math.Sin(2*math.Pi*400*s)))
			}
			_ = leg.WriteFrame(frame)
		}
	})
	return r
}

// stop ends the tone; it may be called more than once.
func (r *ringback) stop() {
	r.once.Do(func() { close(r.done) })
	r.wg.Wait()
}
