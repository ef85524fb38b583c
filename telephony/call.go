package telephony

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"log/slog"
	"math"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo/sip"

	"tsunagu"
	"tsunagu/ivr"
	"tsunagu/media"
)

// call is one answered inbound call. Its goroutine (the INVITE handler's)
// owns it; the ACK and BYE handlers reach it only through its dialog, which
// is safe for concurrent use.
type call struct {
	s       *Server
	dialog  callDialog // the server session inbound; the client session outbound (outbound.go)
	sess    *media.Session
	contact *tsunagu.Contact
	did     tsunagu.DID
	log     *slog.Logger

	// ctl carries Connect and Hangup to the call's goroutine, which alone
	// changes the call; gone is closed when that goroutine is finished, so
	// a request never waits for a call that has ended.
	ctl  chan request
	gone chan struct{}
	// live is the connected call's mixer, recording and monitor (record.go).
	live liveMedia
	// info carries the caller's key presses sent by SIP INFO (info.go),
	// read beside sess.DTMF() (RFC 4733).
	info chan rune
	// vm carries routing's overflow to voicemail to the queued call
	// (voicemail.go); nil for outbound calls.
	vm chan voicemailRequest
	// far is the outside party the caller was transferred to
	// (transferout.go); nil otherwise. The call's goroutine alone uses it.
	far *farEnd
	// voice is what the call plays, uploaded prompts included (voice.go);
	// set when the menu starts, nil for outbound calls.
	voice *voice
}

// admitted is what an INVITE must have before it is answered.
type admitted struct {
	trunk  *tsunagu.Trunk
	did    *tsunagu.DID
	offer  *media.Offer
	params media.Params
	caller string // E.164, or "" when the caller ID is absent or not a number
}

// onInvite handles a new INVITE from first response to hang-up. sipgo runs
// each request in its own goroutine; the call is registered with the
// server's wait group for its whole life, so Run waits for it.
func (s *Server) onInvite(req *sip.Request, tx sip.ServerTransaction) {
	if req.To() != nil {
		if _, ok := req.To().Params.Get("tag"); ok {
			if s.deskReinvite(req, tx) || s.consultReinvite(req, tx) {
				return // hold or resume from an agent's desk phone
			}
			// A re-INVITE (hold, session refresh) is not supported yet:
			// 488 refuses it without ending the call (RFC 3261 §14.2).
			if s.lookup(req) == nil {
				s.reject(req, tx, errNoDialog)
			} else {
				s.reject(req, tx, errNotAcceptable)
			}
			return
		}
	}
	if s.isDeskInvite(req) {
		s.deskInvite(req, tx) // an agent's phone consults (deskconsult.go)
		return
	}
	if !s.enter() {
		s.reject(req, tx, tsunagu.Errorf(tsunagu.EUNAVAILABLE, "draining"))
		return
	}
	defer s.calls.Done()
	// sipgo leaves 100 Trying to the application; send it at once so the
	// trunk stops retransmitting while we look things up (RFC 3261 §8.2.6.1).
	if err := tx.Respond(sip.NewResponseFromRequest(req, 100, "Trying", nil)); err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(s.callsCtx, 5*time.Second)
	a, err := s.admit(ctx, req)
	cancel()
	if err != nil {
		s.log.Info("sip invite refused", "sip_call_id", callID(req), "reason", tsunagu.ErrorCode(err), "error", err)
		s.reject(req, tx, err)
		return
	}
	if src, ok := sourceAddr(req); ok {
		s.guard.trust(src) // a trunk's admitted call: its traffic is not a flood (guard.go)
	}
	conn, err := media.Listen(s.cfg.MediaIP, s.cfg.RTPPortMin, s.cfg.RTPPortMax)
	if err != nil {
		s.log.Error("rtp port", "error", err)
		s.reject(req, tx, tsunagu.Errorf(tsunagu.EUNAVAILABLE, "no RTP port"))
		return
	}
	dialog, err := s.dialogUA(req).ReadInvite(req, tx) // our TLS Contact for a TLS call (tls.go)
	if err != nil {
		conn.Close()
		s.reject(req, tx, tsunagu.Errorf(tsunagu.EINVALID, "bad INVITE"))
		return
	}
	defer dialog.Close()
	c := &call{s: s, dialog: dialog, sess: media.NewSession(conn, a.params), did: *a.did,
		ctl: make(chan request), gone: make(chan struct{}), info: make(chan rune, infoQueue),
		vm: make(chan voicemailRequest)}
	defer close(c.gone)
	// Registered before the 200 is sent, so that a BYE racing the ACK
	// finds its dialog.
	id := callID(req)
	if !s.register(id, c) {
		conn.Close()
		s.reject(req, tx, errMerged)
		return
	}
	defer s.unregister(id)
	// The session's context: the call's, so a drain's end reaches it.
	ctx, cancel = context.WithCancel(s.callsCtx)
	var mwg sync.WaitGroup
	defer mwg.Wait()
	defer cancel() // stops the RTP session before mwg.Wait
	if err := c.arrive(ctx, req, a); err != nil {
		conn.Close()
		s.reject(req, tx, err)
		return
	}
	c.log = s.log.With("contact_id", string(c.contact.ID), "sip_call_id", id)
	s.registerContact(c)
	defer s.unregisterContact(c)

	answer := media.Answer(a.offer, a.params, conn.LocalAddr(), sessionID())
	// RespondSDP retransmits the 200 until the ACK (RFC 3261 §13.3.1.4).
	if err := dialog.RespondSDP(answer); err != nil {
		conn.Close()
		if dialog.Context().Err() != nil {
			c.end(ctx, "caller") // BYE or CANCEL raced the ACK
			return
		}
		c.log.Info("sip answer failed", "error", err)
		c.hangup()
		c.end(ctx, "system")
		return
	}
	// Media starts with the confirmed dialog: nothing is sent before the
	// caller has our answer.
	mwg.Add(1)
	go func() { defer mwg.Done(); _ = c.sess.Run(ctx) }()
	c.log.Info("call answered", "codec", a.params.Codec.String(), "rtp", conn.LocalAddr().String())
	c.run(ctx)
	cancel()
	mwg.Wait()
	st := c.sess.Stats()
	c.log.Info("call media", "rtp_sent", st.Sent, "rtp_received", st.Received, "rtp_lost", st.Lost, "dtmf_packets", st.DTMF, "rtp_ignored", st.Ignored)
}

// admit checks an INVITE before anything is created: the dialled number
// must belong to a trunk, the source must be one of that trunk's networks
// (never an open relay) and the offer must have a codec we speak.
func (s *Server) admit(ctx context.Context, req *sip.Request) (*admitted, error) {
	if req.From() == nil || req.To() == nil || req.CallID() == nil || req.CSeq() == nil || req.Contact() == nil {
		return nil, tsunagu.Errorf(tsunagu.EINVALID, "missing header")
	}
	user := req.Recipient.User
	if user == "" {
		user = req.To().Address.User
	}
	dialled, err := tsunagu.NormalizePhone(user)
	if err != nil {
		// Not a number at all: no trunk can have it.
		return nil, tsunagu.Errorf(tsunagu.ENOTFOUND, "number")
	}
	trunk, did, err := s.cfg.Store.FindTrunkByNumber(ctx, dialled)
	if err != nil {
		return nil, err
	}
	src, err := netip.ParseAddrPort(req.Source())
	if err != nil || !trunk.Allows(src.Addr()) {
		return nil, tsunagu.Errorf(tsunagu.EFORBIDDEN, "source not allowed")
	}
	if ct := req.ContentType(); ct == nil || !strings.EqualFold(strings.TrimSpace(strings.Split(ct.Value(), ";")[0]), "application/sdp") {
		// No offer in the INVITE (late offer, RFC 3264 §5) is not supported.
		return nil, media.ErrNoCommonCodec
	}
	offer, err := media.ParseOffer(req.Body())
	if err != nil {
		return nil, &tsunagu.Error{Code: tsunagu.EINVALID, Message: "bad SDP", Err: err}
	}
	params, err := media.Negotiate(offer)
	if err != nil {
		return nil, err
	}
	caller, err := tsunagu.NormalizePhone(req.From().Address.User)
	if err != nil {
		caller = "" // anonymous or not a phone number: keep the call, not the number
	}
	return &admitted{trunk: trunk, did: did, offer: offer, params: params, caller: caller}, nil
}

// arrive stores the contact (contact:arrived) and links the caller's
// customer record when the number names exactly one.
func (c *call) arrive(ctx context.Context, req *sip.Request, a *admitted) error {
	s := c.s
	ct := &tsunagu.Contact{TenantID: a.trunk.TenantID, Direction: tsunagu.Inbound, State: tsunagu.ContactArrived,
		Number: a.caller, SIPCallID: callID(req), ArrivedAt: s.cfg.Now()}
	if a.caller != "" {
		// A number shared by several customers (a family landline) links
		// nobody: the operator asks, rather than the system guessing.
		if cs, err := s.cfg.Store.FindCustomersByPhone(ctx, ct.TenantID, a.caller); err == nil && len(cs) == 1 {
			ct.CustomerID = cs[0].ID
		} else if err != nil {
			s.log.Warn("customer lookup", "error", err)
		}
	}
	if err := s.cfg.Store.CreateContact(ctx, ct); err != nil {
		s.log.Error("create contact", "sip_call_id", ct.SIPCallID, "error", err)
		return err
	}
	c.contact = ct
	return nil
}

// outcome is how a phase of the call ended.
type outcome int

const (
	outcomeDone     outcome = iota // the phase finished normally
	outcomeHangup                  // the caller hung up (BYE or CANCEL)
	outcomeShutdown                // the server is ending the call
	outcomeClosed                  // outside business hours: told so, no queue
	outcomeAgent                   // Hangup was called
	outcomeMessage                 // the menu chose voicemail (voicemail.go)
	outcomeClosedVM                // closed, and the number takes messages
)

// run takes an answered call through the menu into the queue and waits
// there with music until Connect bridges it to an operator (see bridged),
// Hangup ends it, the caller hangs up or the server ends the call.
func (c *call) run(ctx context.Context) {
	res, choice, queue, req := c.menu(ctx)
	switch res {
	case outcomeHangup:
		c.end(ctx, "caller")
		return
	case outcomeShutdown:
		c.hangup()
		c.end(ctx, "system")
		return
	case outcomeClosed:
		c.hangup()
		c.end(ctx, "closed")
		return
	case outcomeAgent:
		c.hangup()
		c.end(ctx, "agent")
		req.reply <- nil
		return
	case outcomeClosedVM:
		c.voicemail(ctx, queue, "closed")
		return
	case outcomeMessage:
		if c.menuVoicemail(ctx, choice, queue) {
			return
		} // voicemail is off: the caller goes to the queue
	}
	if err := c.enqueue(ctx, choice, queue); err != nil {
		c.log.Error("enqueue", "error", err)
		c.hangup()
		c.end(ctx, "system")
		return
	}
	audio := c.startQueueAudio()
	defer audio.stop()
	for {
		select {
		case <-audio.done():
			audio.promptEnded()
		case <-audio.tick():
			audio.announce(ctx)
		case d := <-c.sess.DTMF():
			// queuewait.go: "1" after the callback offer keeps the
			// caller's place as a callback task; they are hung up.
			if audio.pressed(d) && c.keepPlace(ctx, audio) {
				return
			}
		case d := <-c.info: // the same key sent by SIP INFO (info.go)
			if audio.pressed(d) && c.keepPlace(ctx, audio) {
				return
			}
		case <-c.dialog.Context().Done():
			c.abandon(ctx)
			return
		case <-ctx.Done():
			c.hangup()
			c.end(ctx, "system")
			return
		case v := <-c.vm: // the queue overflowed to voicemail (voicemail.go)
			audio.stop()
			c.voicemail(ctx, v.queue, v.reason)
			return
		case r := <-c.ctl:
			if r.hold != nil || r.xfer != nil {
				r.reply <- errNotConnected // hold is for a connected call
				continue
			}
			if r.leg == nil {
				c.hangup()
				c.end(ctx, "agent")
				r.reply <- nil
				return
			}
			c.bridged(ctx, r)
			return
		}
	}
}

// menu drives the ivr state machine: it plays what the menu asks, feeds it
// digits (also while a prompt plays: barge-in), prompt ends and timeouts.
func (c *call) menu(ctx context.Context) (res outcome, choice string, queue tsunagu.QueueID, hangup request) {
	m := ivr.New(c.did, ivr.Config{Timeout: c.s.cfg.MenuTimeout, Closed: !c.open(ctx),
		Voicemail: c.did.Voicemail != nil && c.did.Voicemail.WhenClosed && c.s.VoicemailReady()})
	c.voice = c.newVoice(ctx)
	var (
		playing *media.Playback
		played  <-chan struct{}
		timer   *time.Timer
		expired <-chan time.Time
	)
	defer func() {
		if timer != nil {
			timer.Stop()
		}
		if playing != nil {
			c.sess.Stop(playing) // barge-in: the choice cuts the prompt
		}
	}()
	a := m.Start()
	for !a.Done {
		if a.Play != nil || a.Wait > 0 {
			if timer != nil {
				timer.Stop()
				timer, expired = nil, nil
			}
		}
		if a.Play != nil {
			playing = c.sess.Play(c.voice.source(a.Play))
			played = playing.Done()
		}
		if a.Wait > 0 {
			timer = time.NewTimer(a.Wait)
			expired = timer.C
		}
	wait:
		for {
			select {
			case <-played:
				played = nil
				a = m.PromptsDone()
			case d := <-c.sess.DTMF():
				a = m.Digit(d)
			case d := <-c.info: // SIP INFO, as an RFC 4733 digit (info.go)
				a = m.Digit(d)
			case <-expired:
				expired = nil
				a = m.Timeout()
			case <-c.dialog.Context().Done():
				return outcomeHangup, "", "", request{}
			case <-ctx.Done():
				return outcomeShutdown, "", "", request{}
			case r := <-c.ctl:
				if r.hold != nil || r.xfer != nil { // hold and transfers are for a connected call
					r.reply <- errNotConnected
					continue wait
				}
				if r.leg == nil {
					return outcomeAgent, "", "", r
				}
				// Routing offers only queued callers: refuse and keep
				// waiting for the menu's next event.
				r.reply <- errNotQueued
				continue wait
			}
			break
		}
	}
	if a.Voicemail && a.Closed {
		return outcomeClosedVM, "", a.Queue, request{}
	}
	if a.Voicemail {
		return outcomeMessage, a.Choice, a.Queue, request{}
	}
	if a.Closed {
		return outcomeClosed, "", "", request{}
	}
	return outcomeDone, a.Choice, a.Queue, request{}
}

// enqueue records the menu's choice and the caller's place in the queue,
// then tells the router.
func (c *call) enqueue(ctx context.Context, choice string, queue tsunagu.QueueID) error {
	st := c.s.cfg.Store
	t, id := c.contact.TenantID, c.contact.ID
	ct, err := st.UpdateContact(ctx, t, id, tsunagu.EventContactIVRDone,
		map[string]any{"choice": choice, "queue_id": queue}, func(*tsunagu.Contact) error { return nil })
	if err != nil {
		return err
	}
	now := c.s.cfg.Now()
	ct, err = st.UpdateContact(ctx, t, id, tsunagu.EventContactQueued, map[string]any{"queue_id": queue},
		func(x *tsunagu.Contact) error {
			x.State, x.QueueID, x.QueuedAt = tsunagu.ContactQueued, queue, &now
			return nil
		})
	if err != nil {
		return err
	}
	c.contact = ct
	c.log.Info("call queued", "queue_id", string(queue))
	if r := c.s.cfg.Router; r != nil {
		return r.Enqueue(ctx, ct)
	}
	return nil
}

// waitSeconds is how long the caller has waited in the queue at now, in
// whole seconds; 0 if they never queued.
func (c *call) waitSeconds(now time.Time) int {
	if q := c.contact.QueuedAt; q != nil {
		return int(math.Round(now.Sub(*q).Seconds()))
	}
	return 0
}

// abandon records a caller who hung up while queued, with the wait.
func (c *call) abandon(ctx context.Context) {
	ctx, cancel := finalContext(ctx)
	defer cancel()
	now := c.s.cfg.Now()
	wait := c.waitSeconds(now)
	_, err := c.s.cfg.Store.UpdateContact(ctx, c.contact.TenantID, c.contact.ID, tsunagu.EventContactAbandoned,
		map[string]any{"wait_seconds": wait}, func(x *tsunagu.Contact) error {
			x.State, x.EndedAt = tsunagu.ContactAbandoned, &now
			return nil
		})
	if err != nil {
		c.log.Error("record abandon", "error", err)
	}
	if r := c.s.cfg.Router; r != nil {
		r.Abandoned(ctx, c.contact.TenantID, c.contact.ID)
	}
	c.log.Info("call abandoned", "wait_seconds", wait)
}

// end records the end of a call that never reached an operator's queue
// (or was ended by the server), by "caller" or "system".
func (c *call) end(ctx context.Context, by string) {
	ctx, cancel := finalContext(ctx)
	defer cancel()
	now := c.s.cfg.Now()
	_, err := c.s.cfg.Store.UpdateContact(ctx, c.contact.TenantID, c.contact.ID, tsunagu.EventContactEnded,
		map[string]any{"by": by}, func(x *tsunagu.Contact) error {
			x.State, x.EndedAt = tsunagu.ContactEnded, &now
			return nil
		})
	if err != nil {
		c.log.Error("record end", "error", err)
	}
	if c.log != nil {
		c.log.Info("call ended", "by", by)
	}
}

// hangup sends BYE (RFC 3261 §15.1.1), bounded so a dead peer cannot hold
// the shutdown.
func (c *call) hangup() {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Second)
	defer cancel()
	if err := c.dialog.Bye(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		c.log.Info("sip bye", "error", err)
	}
}

// finalContext outlives the call's cancellation: the last event of a call
// must be written even while the server shuts down.
func finalContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
}

func callID(req *sip.Request) string {
	if h := req.CallID(); h != nil {
		return h.Value()
	}
	return ""
}

func sessionID() uint64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return binary.BigEndian.Uint64(b[:]) >> 1 // o= sess-id is a positive decimal (RFC 4566 §5.2)
}
