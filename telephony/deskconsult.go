package telephony

import (
	"context"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"tsunagu"
	"tsunagu/media"
)

// Attended (warm) transfer from an agent's desk phone (RFC 5589 §7). The
// agent presses transfer: the phone holds the caller (re-INVITE sendonly,
// deskphone.go) and places a second call — an INVITE from the phone,
// digest-authenticated as the agent's SIP account — to the target, named
// as a REFER's Refer-To names it (refer.go: a queue, a queue's digit, the
// leader, an agent's SIP username). That INVITE is the desk's "consult":
// routing reserves and rings the target exactly as POST …/consult does
// (DeskConsulter → dispatch.Consult, contact:consult_started), and the
// phone hears 180 Ringing. When the target answers, routing joins the
// consultation (ConsultJoin) and we answer the phone's INVITE: the agent's
// second line and the target's leg are bridged (media.LegBridge, as for the
// desk's consult) while the caller hears the hold music.
//
// Then, on the phone:
//
//   - transfer again: REFER in the original dialog, Refer-To
//     <sip:target@us?Replaces=<consult call-id>;to-tag=…;from-tag=…>. A
//     Replaces naming the phone's consult dialog completes the warm
//     transfer (DeskConsultEnd complete → dispatch.CompleteConsult:
//     contact:transferred {"kind":"warm"}, the caller bridged with the
//     target, the agent to after-call work); 202, NOTIFY 100 Trying, NOTIFY
//     200 OK, and we release both of the phone's dialogs (BYE) as after a
//     blind REFER. A Replaces naming any other dialog gets 481.
//   - hang up the second line (BYE, or CANCEL while it rings): the
//     consultation is cancelled (dispatch.CancelConsult); the target's
//     phone is released and the caller stays on hold until the phone
//     resumes the first line (re-INVITE sendrecv).
//
// The target ringing out, refusing, or the consultation cancelled at the
// desk ends the phone's INVITE with 480 (or its dialog with BYE).
//
// An INVITE from a phone is never a way out: it must authenticate as an
// agent (401 challenge, the same 403 for an unknown user and a wrong
// password, as REGISTER), the agent must have a call on their desk phone
// (else 403), the target must resolve (404) and must not be a telephone
// number (403), and an offer we cannot take is 488.

// DeskConsulter is implemented by a DeskHandler that can consult from the
// desk phone: DeskConsult starts a consultation about contact (the agent's
// connected call) with to, as the desk's consult does; DeskConsultEnd
// completes it (the caller goes to the consulted agent) or cancels it.
// Errors are routing's (dispatch.Consult, CompleteConsult, CancelConsult).
type DeskConsulter interface {
	DeskConsult(ctx context.Context, tenant tsunagu.TenantID, contact tsunagu.ContactID, agent tsunagu.AgentID, to tsunagu.TransferTarget) error
	DeskConsultEnd(ctx context.Context, tenant tsunagu.TenantID, contact tsunagu.ContactID, agent tsunagu.AgentID, complete bool) error
}

// consultRingTimeout bounds how long the phone's consult INVITE waits for
// the target to answer before the consultation is cancelled.
const consultRingTimeout = 60 * time.Second

// phoneConsult is the phone's second line: the consult call it placed to
// us about the caller of desk d.
type phoneConsult struct {
	d      *desk // the phone's first line, the caller's
	dialog *sipgo.DialogServerSession
	sess   *media.Session
	conn   *media.Conn
	leg    *deskLeg

	joinOnce sync.Once
	joined   chan struct{} // closed by the call's goroutine when the target answered
	overOnce sync.Once
	over     chan struct{} // closed when the consultation has ended, however
	done     chan struct{} // closed when this line has been torn down
	// completed is set (under d.referring) once a REFER with Replaces
	// completed the transfer: the phone's BYE after that cancels nothing.
	completed bool
}

func (pc *phoneConsult) join()   { pc.joinOnce.Do(func() { close(pc.joined) }) }
func (pc *phoneConsult) finish() { pc.overOnce.Do(func() { close(pc.over) }) }

// isDeskInvite tells a desk phone's new INVITE from a trunk's: it carries
// credentials for our realm, or it names no telephone number (a trunk
// always dials one of our numbers).
func (s *Server) isDeskInvite(req *sip.Request) bool {
	if s.cfg.Phones == nil {
		return false
	}
	if credentials(req) != nil {
		return true
	}
	user := req.Recipient.User
	if user == "" {
		return false
	}
	_, err := tsunagu.NormalizePhone(user)
	return err != nil
}

// deskInvite serves a desk phone's INVITE (the consult call above).
func (s *Server) deskInvite(req *sip.Request, tx sip.ServerTransaction) {
	if req.From() == nil || req.To() == nil || req.CallID() == nil || req.CSeq() == nil || req.Contact() == nil {
		s.reject(req, tx, tsunagu.Errorf(tsunagu.EINVALID, "missing header"))
		return
	}
	ph := s.authenticate(req, tx) // as REGISTER (registrar.go)
	if ph == nil {
		return
	}
	log := s.log.With("agent_id", string(ph.AgentID), "sip_call_id", callID(req))
	h, ok := s.cfg.Desk.(DeskConsulter)
	if !ok {
		s.respond(req, tx, 501, "Not Implemented")
		return
	}
	d := s.deskOfAgent(ph.AgentID)
	if d == nil {
		log.Info("sip desk invite refused", "reason", "no call to consult about")
		s.respond(req, tx, 403, "Forbidden")
		return
	}
	log = log.With("contact_id", string(d.contact))
	if ct := req.ContentType(); ct == nil || !strings.EqualFold(strings.TrimSpace(strings.Split(ct.Value(), ";")[0]), "application/sdp") {
		s.reject(req, tx, errNotAcceptable)
		return
	}
	offer, err := media.ParseOffer(req.Body())
	if err != nil {
		s.reject(req, tx, errNotAcceptable)
		return
	}
	params, err := media.Negotiate(offer)
	if err != nil {
		s.reject(req, tx, err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	to, err := s.referTarget(ctx, d.tenant, req.Recipient.User)
	cancel()
	if err == nil && to.Number != "" {
		// A consultation is between operators: never an outside call.
		err = tsunagu.Errorf(tsunagu.EFORBIDDEN, "An outside number cannot be consulted.")
	}
	if err != nil {
		log.Info("sip desk invite refused", "reason", tsunagu.ErrorCode(err))
		s.reject(req, tx, err)
		return
	}
	if !s.enter() {
		s.reject(req, tx, tsunagu.Errorf(tsunagu.EUNAVAILABLE, "draining"))
		return
	}
	defer s.calls.Done()
	conn, err := media.Listen(s.cfg.MediaIP, s.cfg.RTPPortMin, s.cfg.RTPPortMax)
	if err != nil {
		s.reject(req, tx, tsunagu.Errorf(tsunagu.EUNAVAILABLE, "no RTP port"))
		return
	}
	dialog, err := s.dialogUA(req).ReadInvite(req, tx)
	if err != nil {
		conn.Close()
		s.reject(req, tx, tsunagu.Errorf(tsunagu.EINVALID, "bad INVITE"))
		return
	}
	defer dialog.Close()
	pc := &phoneConsult{d: d, dialog: dialog, sess: media.NewSession(conn, params), conn: conn,
		joined: make(chan struct{}), over: make(chan struct{}), done: make(chan struct{})}
	pc.leg = newDeskLeg(pc.sess, pc.done)
	pc.leg.hungup = dialog.Context().Done()
	defer close(pc.done)
	if !s.addPhoneConsult(pc) {
		conn.Close()
		_ = dialog.Respond(486, "Busy Here", nil) // a consultation is under way already
		return
	}
	defer s.removePhoneConsult(pc)
	_ = dialog.Respond(180, "Ringing", nil)

	// Routing reserves and rings the target; ConsultJoin, once they
	// answer, joins this line (transfer.go, consult).
	cctx, ccancel := context.WithTimeout(context.Background(), 10*time.Second)
	err = h.DeskConsult(cctx, d.tenant, d.contact, d.agent, to)
	ccancel()
	if err != nil {
		conn.Close()
		code, reason := referStatus(err)
		log.Info("desk phone consultation refused", "sip_status", code, "reason", tsunagu.ErrorCode(err))
		_ = dialog.Respond(code, reason, nil)
		return
	}
	log.Info("desk phone consultation started", "queue_id", string(to.QueueID), "to_agent_id", string(to.AgentID), "leader", to.Leader)
	cancelConsult := func(why string) {
		ectx, ecancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer ecancel()
		if err := h.DeskConsultEnd(ectx, d.tenant, d.contact, d.agent, false); err != nil {
			log.Info("desk phone consultation cancel", "reason", why, "error", err)
		}
	}
	timer := time.NewTimer(consultRingTimeout)
	defer timer.Stop()
	select {
	case <-pc.joined:
	case <-pc.over: // refused, not answered, cancelled at the desk, the caller gone
		conn.Close()
		_ = dialog.Respond(480, "Temporarily Unavailable", nil)
		return
	case <-dialog.Context().Done(): // CANCEL
		conn.Close()
		log.Info("desk phone consultation cancelled before the answer")
		cancelConsult("cancel")
		return
	case <-timer.C:
		conn.Close()
		cancelConsult("timeout")
		_ = dialog.Respond(480, "Temporarily Unavailable", nil)
		return
	case <-s.callsCtx.Done():
		conn.Close()
		cancelConsult("shutdown")
		_ = dialog.Respond(503, "Service Unavailable", nil)
		return
	}
	rctx, rcancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer func() {
		rcancel()
		wg.Wait()
		st := pc.sess.Stats()
		log.Info("desk phone consultation media", "rtp_sent", st.Sent, "rtp_received", st.Received)
	}()
	if err := dialog.RespondSDP(media.Answer(offer, params, conn.LocalAddr(), sessionID())); err != nil {
		conn.Close()
		log.Info("desk phone consultation answer", "error", err)
		cancelConsult("no ack")
		return
	}
	wg.Go(func() { _ = pc.sess.Run(rctx) })
	log.Info("desk phone consultation answered")
	byPhone := false
	select {
	case <-dialog.Context().Done():
		byPhone = true
	case <-pc.over:
	case <-s.callsCtx.Done():
	}
	// A REFER with Replaces under way decides first (deskReplaces).
	d.referring.Lock()
	completed := pc.completed
	d.referring.Unlock()
	switch {
	case byPhone && !completed:
		log.Info("desk phone hung up the consultation")
		cancelConsult("bye")
	case !byPhone:
		s.byeConsult(dialog)
	}
}

// byeConsult hangs up the phone's consult line.
func (s *Server) byeConsult(d *sipgo.DialogServerSession) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Second)
	defer cancel()
	_ = d.Bye(ctx)
}

// deskOfAgent is the call on agent's desk phone, if any.
func (s *Server) deskOfAgent(agent tsunagu.AgentID) *desk {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range s.desks {
		if d.agent == agent && !d.transferred.Load() {
			return d
		}
	}
	return nil
}

func (s *Server) addPhoneConsult(pc *phoneConsult) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.phoneConsults == nil {
		s.phoneConsults = map[tsunagu.ContactID]*phoneConsult{}
		s.consultCalls = map[string]*phoneConsult{}
	}
	if s.phoneConsults[pc.d.contact] != nil {
		return false
	}
	s.phoneConsults[pc.d.contact] = pc
	s.consultCalls[pc.dialog.InviteRequest.CallID().Value()] = pc
	return true
}

func (s *Server) removePhoneConsult(pc *phoneConsult) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.phoneConsults[pc.d.contact] == pc {
		delete(s.phoneConsults, pc.d.contact)
	}
	delete(s.consultCalls, pc.dialog.InviteRequest.CallID().Value())
}

// phoneConsultOf is the phone's consult line about contact, if any.
func (s *Server) phoneConsultOf(contact tsunagu.ContactID) *phoneConsult {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.phoneConsults[contact]
}

// consultInDialog finds the consult line of an in-dialog request.
func (s *Server) consultInDialog(req *sip.Request) *phoneConsult {
	id := req.CallID()
	if id == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.consultCalls[id.Value()]
}

// consultAck and consultBye serve the consult line's ACK and BYE; false
// when the request is not for one.
func (s *Server) consultAck(req *sip.Request, tx sip.ServerTransaction) bool {
	pc := s.consultInDialog(req)
	if pc == nil {
		return false
	}
	_ = pc.dialog.ReadAck(req, tx)
	return true
}

func (s *Server) consultBye(req *sip.Request, tx sip.ServerTransaction) bool {
	pc := s.consultInDialog(req)
	if pc == nil {
		return false
	}
	if err := pc.dialog.ReadBye(req, tx); err != nil {
		s.reject(req, tx, errNoDialog)
	}
	return true
}

// consultReinvite answers a re-INVITE on the consult line (a phone that
// holds it while the agent swaps back to the caller, then resumes): 200
// with the same codec, the audio unchanged. False when not one.
func (s *Server) consultReinvite(req *sip.Request, tx sip.ServerTransaction) bool {
	pc := s.consultInDialog(req)
	if pc == nil {
		return false
	}
	s.answerReinvite(req, tx, pc.sess, pc.conn)
	return true
}

// ConsultLeg returns the desk phone of the agent consulted about contact,
// once it has answered (Ring for a consultation), to pass to ConsultJoin.
func (s *Server) ConsultLeg(contact tsunagu.ContactID) (media.Leg, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.consultDesks[contact]
	if d == nil {
		return nil, false
	}
	return d.leg, true
}

// DropConsultDesk hangs up the desk phone answered for a consultation
// about contact that has ended meanwhile (routing could not join it).
func (s *Server) DropConsultDesk(contact tsunagu.ContactID) {
	s.mu.Lock()
	d := s.consultDesks[contact]
	delete(s.consultDesks, contact)
	s.mu.Unlock()
	if d != nil {
		d.once.Do(func() { close(d.stop) })
	}
}

// replaces is a parsed Replaces (RFC 3891 §6.1) from a Refer-To URI's
// headers: "call-id;to-tag=…;from-tag=…", URI-escaped.
type replaces struct{ callID, toTag, fromTag string }

func parseReplaces(u sip.Uri) (replaces, bool) {
	if u.Headers == nil {
		return replaces{}, false
	}
	for k, v := range u.Headers.Items() {
		if !strings.EqualFold(k, "Replaces") {
			continue
		}
		if un, err := url.QueryUnescape(v); err == nil {
			v = un
		}
		parts := strings.Split(v, ";")
		r := replaces{callID: strings.TrimSpace(parts[0])}
		for _, p := range parts[1:] {
			name, val, _ := strings.Cut(strings.TrimSpace(p), "=")
			switch strings.ToLower(name) {
			case "to-tag":
				r.toTag = val
			case "from-tag":
				r.fromTag = val
			}
		}
		return r, true
	}
	return replaces{}, false
}

// matches reports whether r names pc's dialog. The tags are taken in
// either order: RFC 3891 reads them from the side that receives the
// Replaces, and phones differ on whose that is in a REFER.
func (pc *phoneConsult) matches(r replaces) bool {
	req := pc.dialog.InviteRequest
	if req.CallID() == nil || r.callID != req.CallID().Value() || req.From() == nil || req.To() == nil {
		return false
	}
	phone, _ := req.From().Params.Get("tag")
	ours, _ := req.To().Params.Get("tag")
	return (r.toTag == ours && r.fromTag == phone) || (r.toTag == phone && r.fromTag == ours)
}

// deskReplaces serves a REFER with Replaces from d's phone: the attended
// transfer's completion (see the top of this file).
func (s *Server) deskReplaces(d *desk, req *sip.Request, tx sip.ServerTransaction, r replaces) {
	pc := s.phoneConsultOf(d.contact)
	if pc == nil || !pc.matches(r) {
		d.log.Info("desk phone transfer refused", "sip_status", 481, "reason", "replaces")
		s.reject(req, tx, errNoDialog)
		return
	}
	h, ok := s.cfg.Desk.(DeskConsulter)
	if !ok {
		s.respond(req, tx, 501, "Not Implemented")
		return
	}
	d.referring.Lock()
	defer d.referring.Unlock()
	sub, id := s.acceptRefer(req, tx)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if sub {
		d.notify(ctx, id, 100, "Trying", false)
	}
	d.replacing.Store(true) // ConsultEnd leaves the first line to us
	err := h.DeskConsultEnd(ctx, d.tenant, d.contact, d.agent, true)
	code, reason := 200, "OK"
	if err != nil {
		d.replacing.Store(false)
		code, reason = referStatus(err)
		d.log.Info("desk phone transfer refused", "sip_status", code, "reason", tsunagu.ErrorCode(err))
	} else {
		pc.completed = true
		d.transferred.Store(true)
		d.log.Info("desk phone completed the attended transfer")
	}
	if sub {
		d.notify(ctx, id, code, reason, true)
	}
	if err == nil {
		d.once.Do(func() { close(d.stop) }) // run sends the first line its BYE
		pc.finish()                         // and deskInvite the second's
	}
}

// consultEnded is the call's goroutine ending a consultation about contact
// (transfer.go): completed, the consulted agent's desk phone, if any,
// becomes the contact's and the first agent's is let go (by the REFER that
// completed it, when it came from the phone); cancelled, the consulted
// agent's phone is hung up. The phone's consult line, if any, ends either
// way. It returns whether the caller should stay on hold: a cancel while
// the first agent's desk phone holds the call (the agent resumes on the
// phone).
func (s *Server) consultEnded(contact tsunagu.ContactID, complete bool) (stayHeld bool) {
	s.mu.Lock()
	cd := s.consultDesks[contact]
	delete(s.consultDesks, contact)
	old := s.desks[contact]
	pc := s.phoneConsults[contact]
	if complete {
		if cd != nil {
			s.desks[contact] = cd
		} else if old != nil {
			delete(s.desks, contact)
		}
		if old != nil {
			old.transferred.Store(true)
		}
	} else {
		stayHeld = old != nil && old.held
	}
	s.mu.Unlock()
	if !complete && cd != nil {
		cd.once.Do(func() { close(cd.stop) })
	}
	byRefer := complete && old != nil && old.replacing.Load()
	if complete && old != nil && !byRefer {
		old.once.Do(func() { close(old.stop) })
	}
	if pc != nil && !byRefer {
		pc.finish()
	}
	return stayHeld
}
