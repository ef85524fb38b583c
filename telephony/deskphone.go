package telephony

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"tsunagu"
	"tsunagu/media"
)

// DeskHandler is told what an agent does on their SIP desk phone once a call
// is connected to it, so that routing records it as if done at the desk.
// Both are called from their own goroutine and may call back into Server.
type DeskHandler interface {
	// DeskHangup: the agent hung up the desk phone (BYE).
	DeskHangup(ctx context.Context, tenant tsunagu.TenantID, contact tsunagu.ContactID, agent tsunagu.AgentID)
	// DeskHold: the phone put the call on hold (re-INVITE sendonly or
	// inactive, RFC 3264 §8.4) or took it off hold (sendrecv again).
	DeskHold(ctx context.Context, tenant tsunagu.TenantID, contact tsunagu.ContactID, agent tsunagu.AgentID, on bool)
}

// PhoneRefused is Ring's error (wrapped in an EUNAVAILABLE tsunagu.Error)
// when no phone answered and at least one refused with a final response
// (486 Busy Here, 480 Temporarily Unavailable, 603 Decline, …) while none
// is still ringing. Routing ends the offer at once on it (dispatch.Refusal)
// instead of waiting for the offer timeout.
type PhoneRefused struct {
	Status int // the SIP status of the refusal
}

func (e *PhoneRefused) Error() string {
	return fmt.Sprintf("the desk phone refused the call (%d)", e.Status)
}

// Refused reports that the phone said no (dispatch.Refusal).
func (e *PhoneRefused) Refused() bool { return true }

// errNoPhone refuses Ring for an agent without a live registration.
var errNoPhone = tsunagu.Errorf(tsunagu.ECONFLICT, "The agent's desk phone is not registered.")

// desk is one answered desk-phone call: the agent's end of a caller's call.
type desk struct {
	s       *Server
	tenant  tsunagu.TenantID
	contact tsunagu.ContactID
	agent   tsunagu.AgentID
	dialog  *sipgo.DialogClientSession
	sess    *media.Session
	leg     *deskLeg
	conn    *media.Conn
	log     *slog.Logger

	stop chan struct{} // closed by drop: the desk leg is not wanted
	once sync.Once
	done chan struct{} // closed when the desk call has been torn down
	held bool          // under s.mu
	// transferred is set once the phone's REFER moved the caller on
	// (refer.go): the phone's BYE after that is not the agent hanging up
	// the caller.
	transferred atomic.Bool
	// referring is held while a REFER is carried out, so a phone that
	// sends BYE right after the 202 is not taken for the agent hanging up
	// before we know whether the transfer worked.
	referring sync.Mutex
	// replacing is set while the phone's REFER with Replaces completes an
	// attended transfer (deskconsult.go): that REFER lets this line go
	// once the phone has its NOTIFY.
	replacing atomic.Bool
}

// Ring rings every registered contact of agent for the queued caller of
// contact (a fork, RFC 3261 §16.7 done by the UAC): the first 200 wins,
// the others get CANCEL, and a second 200 racing the first gets ACK and
// BYE. It returns once the agent has answered; the answered call waits for
// Connect (take it with DeskLeg) and ends with the caller. Cancelling ctx
// stops the ringing (CANCEL). Errors: ECONFLICT when the agent has no live
// registration, ENOTFOUND when the caller has gone, EUNAVAILABLE when no
// phone answered; ctx's error.
func (s *Server) Ring(ctx context.Context, contact tsunagu.ContactID, agent tsunagu.AgentID) error {
	bs := s.reg.bindings(agent)
	if len(bs) == 0 {
		return errNoPhone
	}
	s.mu.Lock()
	caller := s.contacts[contact]
	s.mu.Unlock()
	if caller == nil {
		return tsunagu.Errorf(tsunagu.ENOTFOUND, "No live call for contact %s.", contact)
	}
	conn, err := media.Listen(s.cfg.MediaIP, s.cfg.RTPPortMin, s.cfg.RTPPortMax)
	if err != nil {
		return tsunagu.Errorf(tsunagu.EUNAVAILABLE, "No RTP port.")
	}
	// The ringing ends with ctx, with the caller, or with the server.
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-caller.gone:
		case <-caller.dialog.Context().Done():
		case <-s.callsCtx.Done():
		case <-rctx.Done():
		}
		cancel()
	}()
	offer := deskOffer(conn.LocalAddr(), sessionID())
	type answer struct {
		d   *sipgo.DialogClientSession
		err error
	}
	answers := make(chan answer, len(bs))
	for _, b := range bs {
		go func() {
			d, err := s.invitePhone(rctx, b, offer, contact)
			answers <- answer{d, err}
		}()
	}
	var won *sipgo.DialogClientSession
	var lastErr error
	refused := 0 // the SIP status of a final refusal by one of the phones
	for range bs {
		a := <-answers
		switch {
		case a.err != nil:
			lastErr = a.err
			var res *sipgo.ErrDialogResponse
			if errors.As(a.err, &res) && res.Res != nil && res.Res.StatusCode >= 400 && res.Res.StatusCode != 487 {
				refused = res.Res.StatusCode // 487 only answers our own CANCEL
			}
			s.log.Debug("desk phone fork", "agent_id", string(agent), "error", a.err)
		case won == nil:
			won = a.d
			cancel() // CANCEL the other forks
		default:
			// A second phone answered too: it gets ACK (sent) and BYE.
			go s.byePhone(a.d)
		}
	}
	if won == nil {
		conn.Close()
		if err := ctx.Err(); err != nil {
			return err
		}
		if caller.dialog.Context().Err() != nil {
			return tsunagu.Errorf(tsunagu.ENOTFOUND, "The caller hung up.")
		}
		if refused != 0 && rctx.Err() == nil {
			s.log.Info("desk phone refused", "agent_id", string(agent), "contact_id", string(contact), "sip_status", refused)
			return &tsunagu.Error{Code: tsunagu.EUNAVAILABLE, Message: "The desk phone refused the call.", Err: &PhoneRefused{Status: refused}}
		}
		s.log.Info("desk phone not answered", "agent_id", string(agent), "contact_id", string(contact), "error", lastErr)
		return tsunagu.Errorf(tsunagu.EUNAVAILABLE, "The desk phone did not answer.")
	}
	params, err := answerParams(won.InviteResponse)
	if err != nil {
		conn.Close()
		go s.byePhone(won)
		return &tsunagu.Error{Code: tsunagu.EUNAVAILABLE, Message: "The desk phone's answer has no usable audio.", Err: err}
	}
	d := &desk{s: s, tenant: caller.contact.TenantID, contact: contact, agent: agent, dialog: won, conn: conn,
		sess: media.NewSession(conn, params), stop: make(chan struct{}), done: make(chan struct{}),
		log: s.log.With("contact_id", string(contact), "agent_id", string(agent), "sip_call_id", won.InviteRequest.CallID().Value())}
	d.leg = newDeskLeg(d.sess, d.done)
	d.leg.hungup = won.Context().Done()
	if !s.addDesk(d) {
		conn.Close()
		go s.byePhone(won)
		return tsunagu.Errorf(tsunagu.ECONFLICT, "Contact %s already has a desk phone.", contact)
	}
	s.calls.Add(1)
	go d.run(caller)
	d.log.Info("desk phone answered", "codec", params.Codec.String())
	return nil
}

// invitePhone sends one fork's INVITE and waits for its final answer.
func (s *Server) invitePhone(ctx context.Context, b Binding, offer []byte, contact tsunagu.ContactID) (*sipgo.DialogClientSession, error) {
	req := sip.NewRequest(sip.INVITE, b.Contact)
	req.SetBody(offer)
	req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	// Which contact rings, for a phone or tool that shows or logs it (an
	// opaque ID: no number, no name). Not "…-Contact": tools that look for
	// a header by suffix (sipp) would take it for the Contact.
	req.AppendHeader(sip.NewHeader("X-Tsunagu-Call", string(contact)))
	if b.Transport != "" {
		req.SetTransport(strings.ToUpper(b.Transport))
	}
	// Behind NAT the Contact names a private address the phone cannot be
	// reached at: then send where its REGISTER came from, through the
	// NAT binding the phone keeps open by re-registering (what Kamailio's
	// fix_nated_register does). Otherwise the Contact is where it listens.
	// Over TLS always through the connection the phone registered on
	// (connection reuse, RFC 5923 §2): a phone seldom accepts TLS
	// connections, and could not show us a certificate we would trust.
	if src, err := netip.ParseAddrPort(b.Source); err == nil {
		if host, err := netip.ParseAddr(b.Contact.Host); err != nil || host.Unmap() != src.Addr().Unmap() || strings.EqualFold(b.Transport, "tls") {
			req.SetDestination(b.Source)
		}
	}
	from := &sip.FromHeader{DisplayName: "Tsunagu", Address: sip.Uri{Scheme: "sip", User: "tsunagu", Host: s.cfg.MediaIP.String(), Port: int(s.addr.Port())},
		Params: sip.NewParams()}
	from.Params.Add("tag", sip.GenerateTagN(16))
	req.AppendHeader(from)
	// The INVITE transaction must outlive ctx: cancelling ctx is how
	// WaitAnswer sends CANCEL on it.
	d, err := s.phoneUA(b.Transport).WriteInvite(context.WithoutCancel(ctx), req)
	if err != nil {
		return nil, err
	}
	if err := d.WaitAnswer(ctx, sipgo.AnswerOptions{}); err != nil {
		d.Close()
		return nil, err
	}
	if err := d.Ack(context.WithoutCancel(ctx)); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// phoneUA is the DialogUA that rings a phone registered over transport.
// Its ACK, BYE and NOTIFY go where the phone answered from
// (RewriteContact): through the phone's NAT binding, and over TLS through
// the phone's own connection. Over TLS our Contact names the TLS listener,
// so the phone's BYE, re-INVITE and REFER come back over TLS (tls.go).
func (s *Server) phoneUA(transport string) *sipgo.DialogUA {
	if strings.EqualFold(transport, "tls") && s.duaPhoneTLS != nil {
		return s.duaPhoneTLS
	}
	return s.duaPhone
}

func (s *Server) byePhone(d *sipgo.DialogClientSession) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Second)
	defer cancel()
	_ = d.Bye(ctx)
	d.Close()
}

// deskOffer is our SDP offer to a desk phone: PCMU (the bridge's own codec,
// so no transcoding when the phone takes it), PCMA and telephone-event.
func deskOffer(local netip.AddrPort, sessID uint64) []byte {
	ipv := "IP4"
	if local.Addr().Is6() && !local.Addr().Is4In6() {
		ipv = "IP6"
	}
	ip := local.Addr().Unmap().String()
	return fmt.Appendf(nil, "v=0\r\no=tsunagu %d %d IN %s %s\r\ns=tsunagu\r\nc=IN %s %s\r\nt=0 0\r\n"+
		"m=audio %d RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"+
		"a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\na=sendrecv\r\n",
		sessID, sessID, ipv, ip, ipv, ip, local.Port())
}

// answerParams reads the phone's SDP answer.
func answerParams(res *sip.Response) (media.Params, error) {
	if res == nil || len(res.Body()) == 0 {
		return media.Params{}, errors.New("no SDP in the answer")
	}
	o, err := media.ParseOffer(res.Body())
	if err != nil {
		return media.Params{}, err
	}
	return media.Negotiate(o)
}

func (s *Server) addDesk(d *desk) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.desks == nil {
		s.desks = map[tsunagu.ContactID]*desk{}
		s.deskCalls = map[string]*desk{}
	}
	if cur := s.desks[d.contact]; cur != nil {
		// Another agent's phone already has the caller: this one rang
		// for a consultation about them (dispatch.Consult).
		if cur.agent == d.agent || s.consultDesks[d.contact] != nil {
			return false
		}
		if s.consultDesks == nil {
			s.consultDesks = map[tsunagu.ContactID]*desk{}
		}
		s.consultDesks[d.contact] = d
		s.deskCalls[d.dialog.InviteRequest.CallID().Value()] = d
		return true
	}
	s.desks[d.contact] = d
	s.deskCalls[d.dialog.InviteRequest.CallID().Value()] = d
	return true
}

func (s *Server) removeDesk(d *desk) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.desks[d.contact] == d {
		delete(s.desks, d.contact)
	}
	if s.consultDesks[d.contact] == d {
		delete(s.consultDesks, d.contact)
	}
	delete(s.deskCalls, d.dialog.InviteRequest.CallID().Value())
}

// DeskStats returns the packet counts of the desk phone's RTP session for
// contact, while it is up: Received is what the phone sent us, Sent what we
// sent it, Looped what it echoed back of ours.
func (s *Server) DeskStats(contact tsunagu.ContactID) (media.Stats, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.desks[contact]
	if d == nil {
		return media.Stats{}, false
	}
	return d.sess.Stats(), true
}

// DeskLeg returns the answered desk phone's audio for the caller of
// contact, to pass to Connect.
func (s *Server) DeskLeg(contact tsunagu.ContactID) (media.Leg, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.desks[contact]
	if d == nil {
		return nil, false
	}
	return d.leg, true
}

// DropDesk hangs up the desk phone answered for contact, if any (routing
// could not connect it, e.g. the offer timed out as the phone answered).
func (s *Server) DropDesk(contact tsunagu.ContactID) {
	s.mu.Lock()
	d := s.desks[contact]
	s.mu.Unlock()
	if d != nil {
		d.once.Do(func() { close(d.stop) })
		<-d.done
	}
}

// run carries the desk call's media until one side ends it: the phone's
// BYE is the agent hanging up; the caller's end, DropDesk or the server's
// end send BYE to the phone.
func (d *desk) run(caller *call) {
	s := d.s
	defer s.calls.Done()
	defer close(d.done)
	defer s.removeDesk(d)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = d.sess.Run(ctx) })
	byPhone := false
	select {
	case <-d.dialog.Context().Done():
		byPhone = true
	case <-caller.gone:
	case <-caller.dialog.Context().Done():
	case <-d.stop:
	case <-s.callsCtx.Done():
	}
	if byPhone {
		d.referring.Lock() // a transfer under way decides first (refer.go)
		d.referring.Unlock()
	}
	if byPhone && d.transferred.Load() {
		d.log.Info("desk phone hung up after its transfer")
	} else if byPhone {
		d.log.Info("desk phone hung up")
		if h := s.cfg.Desk; h != nil {
			hctx, hcancel := context.WithTimeout(context.Background(), 5*time.Second)
			h.DeskHangup(hctx, d.tenant, d.contact, d.agent)
			hcancel()
		} else {
			hctx, hcancel := context.WithTimeout(context.Background(), 5*time.Second)
			_ = s.Hangup(hctx, d.contact)
			hcancel()
		}
	} else {
		s.byePhone(d.dialog)
	}
	cancel()
	wg.Wait()
	d.dialog.Close()
	st := d.sess.Stats()
	d.log.Info("desk phone media", "rtp_sent", st.Sent, "rtp_received", st.Received, "rtp_lost", st.Lost)
}

// deskInDialog finds the desk call of an in-dialog request from a phone.
func (s *Server) deskInDialog(req *sip.Request) *desk {
	id := req.CallID()
	if id == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.deskCalls[id.Value()]
}

// fromPhone reports whether an in-dialog request comes from d's phone: its
// From tag is the To tag of the phone's answer (RFC 3261 §12.2.2), not only
// the Call-ID.
func (d *desk) fromPhone(req *sip.Request) bool {
	from, res := req.From(), d.dialog.InviteResponse
	if from == nil || res == nil || res.To() == nil {
		return false
	}
	tag, _ := from.Params.Get("tag")
	want, _ := res.To().Params.Get("tag")
	return tag != "" && tag == want
}

// deskBye serves a BYE from a desk phone; false when it is not one.
func (s *Server) deskBye(req *sip.Request, tx sip.ServerTransaction) bool {
	d := s.deskInDialog(req)
	if d == nil {
		return false
	}
	if err := d.dialog.ReadBye(req, tx); err != nil {
		d.log.Debug("desk bye", "error", err)
	}
	return true
}

// deskReinvite serves a re-INVITE from a desk phone (hold and resume, RFC
// 3264 §8.4); false when it is not one.
func (s *Server) deskReinvite(req *sip.Request, tx sip.ServerTransaction) bool {
	d := s.deskInDialog(req)
	if d == nil {
		return false
	}
	offer, ok := s.answerReinvite(req, tx, d.sess, d.conn)
	if !ok {
		return true
	}
	hold := false
	for _, m := range offer.Media {
		if m.Kind == "audio" && (m.Dir == "sendonly" || m.Dir == "inactive" || !m.Addr.Addr().IsValid() || m.Addr.Addr().IsUnspecified()) {
			hold = true
		}
	}
	s.mu.Lock()
	changed := d.held != hold
	d.held = hold
	s.mu.Unlock()
	if changed {
		d.log.Info("desk phone hold", "on", hold)
		if h := s.cfg.Desk; h != nil {
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				h.DeskHold(ctx, d.tenant, d.contact, d.agent, hold)
			}()
		}
	}
	return true
}

// deskLeg is a desk phone's RTP session seen as a media.Leg, so the
// caller's bridge treats it like a browser: frames are µ-law both ways and
// the session's own sender paces what the phone hears (unbroken SSRC,
// sequence and timestamp, RFC 3550 §5.1).
//
// It is also a media.PCMLeg: the caller's mixer takes the phone's audio
// decoded as the session receives it (its pacer's tick) and writes linear audio
// straight into what the phone hears, without goroutines in between.
type deskLeg struct {
	sess   *media.Session
	in     chan []byte
	out    *frameQueue
	closed <-chan struct{}
	pcm    atomic.Pointer[func([]int16)] // OnPCM's receiver
	// hungup is closed by the phone's BYE (nil for an outside party's
	// leg, transferout.go): a failed transfer cannot give the caller back.
	hungup <-chan struct{}
}

func (l *deskLeg) gone() bool {
	if l.hungup == nil {
		return false
	}
	select {
	case <-l.hungup:
		return true
	default:
		return false
	}
}

func newDeskLeg(sess *media.Session, closed <-chan struct{}) *deskLeg {
	l := &deskLeg{sess: sess, in: make(chan []byte, 16), out: &frameQueue{}, closed: closed}
	codec := sess.Params().Codec
	pcma := codec == media.PCMA
	var dec []int16 // the receiver's scratch (one pacer tick at a time)
	sess.OnAudio(func(p []byte) {
		if fn := l.pcm.Load(); fn != nil {
			if len(dec) < len(p) {
				dec = make([]int16, len(p))
			}
			(*fn)(codec.Decode(dec[:len(p)], p))
			return
		}
		f := make([]byte, len(p))
		for i, v := range p {
			if pcma {
				f[i] = media.LinearToULaw(media.ALawToLinear(v))
			} else {
				f[i] = v
			}
		}
		select {
		case l.in <- f:
		default: // the bridge fell behind: drop rather than delay
		}
	})
	sess.Play(l.out)
	return l
}

// ReadFrame returns the phone's next frame in µ-law.
func (l *deskLeg) ReadFrame(ctx context.Context) ([]byte, error) {
	select {
	case f := <-l.in:
		return f, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-l.closed:
		return nil, media.ErrLegClosed
	}
}

// WriteFrame queues a µ-law frame for the phone.
func (l *deskLeg) WriteFrame(f []byte) error {
	select {
	case <-l.closed:
		return media.ErrLegClosed
	default:
	}
	pcm := make([]int16, len(f))
	for i, v := range f {
		pcm[i] = media.ULawToLinear(v)
	}
	l.out.push(pcm)
	return nil
}

var _ media.PCMLeg = (*deskLeg)(nil)

// OnPCM implements media.PCMLeg.
func (l *deskLeg) OnPCM(fn func(pcm []int16)) {
	if fn == nil {
		l.pcm.Store(nil)
		return
	}
	l.pcm.Store(&fn)
}

// WritePCM implements media.PCMLeg: linear audio for the phone.
func (l *deskLeg) WritePCM(pcm []int16) error {
	select {
	case <-l.closed:
		return media.ErrLegClosed
	default:
	}
	l.out.push(pcm) // copies
	return nil
}

// frameQueue is the Source the desk phone hears: what the bridge writes,
// played at the session's 20 ms pace, silence when there is none. It keeps
// at most 100 ms so a burst does not become lasting delay.
type frameQueue struct {
	mu  sync.Mutex
	buf []int16
}

const maxQueued = 5 * 160

func (q *frameQueue) push(pcm []int16) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.buf = append(q.buf, pcm...)
	if len(q.buf) > maxQueued {
		q.buf = append(q.buf[:0], q.buf[len(q.buf)-2*160:]...)
	}
}

// Read never ends the playback.
func (q *frameQueue) Read(p []int16) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := copy(p, q.buf)
	q.buf = append(q.buf[:0], q.buf[n:]...)
	clear(p[n:])
	return len(p)
}

// answerReinvite answers a phone's re-INVITE in one of our dialogs with 200
// and our SDP, keeping the session as it is; a body that is not SDP, or one
// that changes the codec (which would need a new session), gets 488 and the
// call goes on unchanged (RFC 3261 §14.2). It returns the offer and whether
// 200 was sent.
func (s *Server) answerReinvite(req *sip.Request, tx sip.ServerTransaction, sess *media.Session, conn *media.Conn) (*media.Offer, bool) {
	offer, err := media.ParseOffer(req.Body())
	if err != nil || len(req.Body()) == 0 {
		s.reject(req, tx, errNotAcceptable)
		return nil, false
	}
	params, err := media.Negotiate(offer)
	if err != nil || params.Codec != sess.Params().Codec {
		s.reject(req, tx, errNotAcceptable)
		return nil, false
	}
	res := sip.NewResponseFromRequest(req, 200, "OK", media.Answer(offer, params, conn.LocalAddr(), sessionID()))
	res.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	res.AppendHeader(s.contactHeader(req.Transport()))
	return offer, tx.Respond(res) == nil
}
