package telephony_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"tsunagu"
	"tsunagu/media"
	"tsunagu/telephony"
)

// Attended transfer from a desk phone (deskconsult.go). sipp cannot hold
// two dialogs with different Call-IDs in one scenario, so the transferring
// agent's phone is a small SIP phone on sipgo (goPhone); the caller and
// the consulted agent's phone are sipp.

// The desk tests' handler consults as serve's deskHandler does.
func (h deskActions) DeskConsult(ctx context.Context, t tsunagu.TenantID, id tsunagu.ContactID, a tsunagu.AgentID, to tsunagu.TransferTarget) error {
	p := &tsunagu.Principal{TenantID: t, AgentID: a, Role: tsunagu.RoleAgent}
	_, err := h.d.Consult(ctx, p, id, to)
	return err
}

func (h deskActions) DeskConsultEnd(ctx context.Context, t tsunagu.TenantID, id tsunagu.ContactID, a tsunagu.AgentID, complete bool) error {
	p := &tsunagu.Principal{TenantID: t, AgentID: a, Role: tsunagu.RoleAgent}
	var err error
	if complete {
		_, err = h.d.CompleteConsult(ctx, p, id)
	} else {
		_, err = h.d.CancelConsult(ctx, p, id)
	}
	return err
}

// goPhone is an agent's desk phone doing what RFC 5589 §7 has a
// transferor do: answer, hold, place a consult call, REFER with Replaces.
type goPhone struct {
	t          *testing.T
	user, pass string
	port       int
	server     string // the center's SIP address
	dua        *sipgo.DialogUA
	rtp1, rtp2 net.PacketConn  // where the center's RTP to each line goes
	voiced     [2]atomic.Int64 // RTP packets with sound in them, by line

	mu       sync.Mutex
	first    *sipgo.DialogServerSession // the caller's line (the center called us)
	consult  *sipgo.DialogClientSession // our consult call
	answered chan struct{}
	notifies chan string // NOTIFY bodies
	byes     chan string // "first" or "consult": the center hung up that line
}

func newGoPhone(t *testing.T, srv *telephony.Server, user string) *goPhone {
	t.Helper()
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("go-phone"), sipgo.WithUserAgentHostname("127.0.0.1"))
	must(t, err)
	t.Cleanup(func() { ua.Close() })
	ss, err := sipgo.NewServer(ua)
	must(t, err)
	client, err := sipgo.NewClient(ua, sipgo.WithClientHostname("127.0.0.1"))
	must(t, err)
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	must(t, err)
	port := conn.LocalAddr().(*net.UDPAddr).Port
	p := &goPhone{t: t, user: user, pass: deskPassword, port: port, server: srv.Addr().String(),
		answered: make(chan struct{}), notifies: make(chan string, 8), byes: make(chan string, 4)}
	p.dua = &sipgo.DialogUA{Client: client, ContactHDR: sip.ContactHeader{
		Address: sip.Uri{Scheme: "sip", User: user, Host: "127.0.0.1", Port: port}}}
	for i, c := range []*net.PacketConn{&p.rtp1, &p.rtp2} {
		*c, err = net.ListenPacket("udp", "127.0.0.1:0")
		must(t, err)
		go func(c net.PacketConn) { // a phone that only listens
			buf := make([]byte, 1500)
			for {
				n, _, err := c.ReadFrom(buf)
				if err != nil {
					return
				}
				if n > 12 && buf[1]&0x7f == 0 && voicedULaw(buf[12:n]) {
					p.voiced[i].Add(1)
				}
			}
		}(*c)
		t.Cleanup(func() { (*c).Close() })
	}
	ss.OnInvite(func(req *sip.Request, tx sip.ServerTransaction) {
		d, err := p.dua.ReadInvite(req, tx)
		if err != nil {
			return
		}
		p.mu.Lock()
		p.first = d
		p.mu.Unlock()
		_ = d.Respond(180, "Ringing", nil)
		if err := d.RespondSDP(phoneSDP(p.rtp1, "sendrecv")); err == nil {
			close(p.answered)
		}
	})
	ss.OnAck(func(req *sip.Request, tx sip.ServerTransaction) {
		p.mu.Lock()
		d := p.first
		p.mu.Unlock()
		if d != nil {
			_ = d.ReadAck(req, tx)
		}
	})
	ss.OnNotify(func(req *sip.Request, tx sip.ServerTransaction) {
		_ = tx.Respond(sip.NewResponseFromRequest(req, 200, "OK", nil))
		p.notifies <- string(req.Body())
	})
	ss.OnBye(func(req *sip.Request, tx sip.ServerTransaction) {
		p.mu.Lock()
		first, consult := p.first, p.consult
		p.mu.Unlock()
		switch {
		case first != nil && req.CallID().Value() == first.InviteRequest.CallID().Value():
			_ = first.ReadBye(req, tx)
			p.byes <- "first"
		case consult != nil && req.CallID().Value() == consult.InviteRequest.CallID().Value():
			_ = consult.ReadBye(req, tx)
			p.byes <- "consult"
		default:
			_ = tx.Respond(sip.NewResponseFromRequest(req, 481, "Call/Transaction Does Not Exist", nil))
		}
	})
	go func() { _ = ss.ServeUDP(conn) }()
	return p
}

// voicedULaw reports whether a µ-law payload is more than near silence.
func voicedULaw(b []byte) bool {
	for _, v := range b {
		if v&0x7f < 0x70 { // |sample| well above the quietest steps
			return true
		}
	}
	return false
}

// waitVoiced waits until line (0 the caller's, 1 the consult call) has
// had n packets with sound in them.
func (p *goPhone) waitVoiced(line int, n int64) {
	p.t.Helper()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(10 * time.Second)
	for p.voiced[line].Load() < n {
		select {
		case <-tick.C:
		case <-deadline:
			p.t.Fatalf("line %d heard %d voiced packets, want %d", line, p.voiced[line].Load(), n)
		}
	}
}

// phoneSDP is the phone's offer or answer: PCMU on rtp, in direction dir.
func phoneSDP(rtp net.PacketConn, dir string) []byte {
	port := rtp.LocalAddr().(*net.UDPAddr).Port
	return fmt.Appendf(nil, "v=0\r\no=phone 1 %d IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"+
		"m=audio %d RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=%s\r\n", time.Now().UnixNano()%1e6, port, dir)
}

func (p *goPhone) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(p.t.Context(), 10*time.Second)
}

// waitAnswered waits until the phone has answered the caller's line.
func (p *goPhone) waitAnswered() {
	p.t.Helper()
	select {
	case <-p.answered:
	case <-time.After(20 * time.Second):
		p.t.Fatal("the phone was not rung")
	}
}

// hold re-INVITEs the caller's line: "sendonly" holds, "sendrecv" resumes.
func (p *goPhone) hold(dir string) {
	p.t.Helper()
	ctx, cancel := p.ctx()
	defer cancel()
	req := sip.NewRequest(sip.INVITE, p.first.InviteRequest.Contact().Address)
	req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	req.SetBody(phoneSDP(p.rtp1, dir))
	res, err := p.first.Do(ctx, req)
	if err != nil || res.StatusCode != 200 {
		p.t.Fatalf("re-INVITE %s: %v %v", dir, res, err)
	}
	ack := sip.NewRequest(sip.ACK, p.first.InviteRequest.Contact().Address)
	must(p.t, p.first.WriteRequest(ack))
}

// holdConsult re-INVITEs the consult call (a phone swapping lines).
func (p *goPhone) holdConsult(d *sipgo.DialogClientSession, dir string) {
	p.t.Helper()
	ctx, cancel := p.ctx()
	defer cancel()
	target := d.InviteResponse.Contact().Address
	req := sip.NewRequest(sip.INVITE, target)
	req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	req.SetBody(phoneSDP(p.rtp2, dir))
	res, err := d.Do(ctx, req)
	if err != nil || res.StatusCode != 200 {
		p.t.Fatalf("consult re-INVITE %s: %v %v", dir, res, err)
	}
	must(p.t, d.WriteRequest(sip.NewRequest(sip.ACK, target)))
}

// call places a consult call to user with password pass; it returns the
// final status (200 once the target has answered).
func (p *goPhone) call(user, pass string) (int, *sipgo.DialogClientSession) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.t.Context(), 25*time.Second)
	defer cancel()
	host, port, _ := net.SplitHostPort(p.server)
	var n int
	fmt.Sscan(port, &n)
	d, err := p.dua.Invite(ctx, sip.Uri{Scheme: "sip", User: user, Host: host, Port: n}, phoneSDP(p.rtp2, "sendrecv"),
		sip.NewHeader("Content-Type", "application/sdp"))
	must(p.t, err)
	err = d.WaitAnswer(ctx, sipgo.AnswerOptions{Username: p.user, Password: pass})
	if res, ok := errors.AsType[*sipgo.ErrDialogResponse](err); ok {
		d.Close()
		return res.Res.StatusCode, nil
	}
	must(p.t, err)
	must(p.t, d.Ack(ctx))
	p.mu.Lock()
	p.consult = d
	p.mu.Unlock()
	return 200, d
}

// replaces names the consult dialog as RFC 5589 §7's Refer-To does: the
// target's tag (ours in the answer) as to-tag, the transferor's as from-tag.
func replacesOf(d *sipgo.DialogClientSession) string {
	from, _ := d.InviteRequest.From().Params.Get("tag")
	to, _ := d.InviteResponse.To().Params.Get("tag")
	return d.InviteRequest.CallID().Value() + ";to-tag=" + to + ";from-tag=" + from
}

// refer sends REFER on the caller's line to target with Replaces.
func (p *goPhone) refer(target, replaces string) int {
	p.t.Helper()
	ctx, cancel := p.ctx()
	defer cancel()
	req := sip.NewRequest(sip.REFER, p.first.InviteRequest.Contact().Address)
	req.AppendHeader(sip.NewHeader("Refer-To", fmt.Sprintf("<sip:%s@%s?Replaces=%s>", target, p.server, url.QueryEscape(replaces))))
	req.AppendHeader(sip.NewHeader("Referred-By", fmt.Sprintf("<sip:%s@127.0.0.1:%d>", p.user, p.port)))
	res, err := p.first.Do(ctx, req)
	must(p.t, err)
	return res.StatusCode
}

func (p *goPhone) notify() string {
	p.t.Helper()
	select {
	case b := <-p.notifies:
		return b
	case <-time.After(15 * time.Second):
		p.t.Fatal("no NOTIFY")
		return ""
	}
}

// newConsultCenter: a center with two agents, the first's calls on a Go
// phone (registered, available), the second's SIP account registered at
// uas2 for a sipp phone the test starts (not yet available).
func newConsultCenter(t *testing.T, first1, second string) (c *deskCenter, phone *goPhone, uas2 int) {
	t.Helper()
	c = newDeskCenter(t, 10*time.Second, first1, second)
	phone = newGoPhone(t, c.srv, first1)
	uas2 = freePort(t, "udp", false)
	must(t, first(register(t, c.srv, "agent_register.xml", first1, deskPassword, phone.port, "3600")))
	must(t, first(register(t, c.srv, "agent_register.xml", second, deskPassword, uas2, "3600")))
	_, err := c.d.SetAgentState(t.Context(), tenant, c.agents[first1], tsunagu.StateChange{State: tsunagu.AgentAvailable})
	must(t, err)
	return c, phone, uas2
}

// TestDeskPhone_AttendedTransfer: the first agent's phone answers a trunk
// caller, holds, calls the second agent by their SIP username (digest as
// its own account), talks with them, and sends REFER with Replaces naming
// that consult call. Routing records the warm transfer as the desk's
// consult and complete do, the phone gets 202, NOTIFY 100 and NOTIFY 200
// and both its lines are hung up, and the caller's audio reaches the
// second agent's sipp phone (which echoes it back).
func TestDeskPhone_AttendedTransfer(t *testing.T) {
	t.Parallel()
	c, phone, uas2 := newConsultCenter(t, "desk-701", "desk-702")
	a1, a2 := c.agents["desk-701"], c.agents["desk-702"]
	var err error

	var wg sync.WaitGroup
	var e2, callerErr error
	wg.Go(func() {
		e2, _ = sippPhone(t, c.srv, "agent_bench_answer.xml", "desk-702", uas2, nil, "-d", "6000", "-rtp_echo")
	})
	wg.Go(func() { callerErr, _ = sipp(t, c.srv, "uac_transfer.xml", dialled, "-rtp_echo") })

	phone.waitAnswered()
	id := c.waitEvent(t, tsunagu.EventContactConnected, "").ContactID
	_, err = c.d.SetAgentState(t.Context(), tenant, a2, tsunagu.StateChange{State: tsunagu.AgentAvailable})
	must(t, err)
	phone.hold("sendonly")
	c.waitEvent(t, tsunagu.EventContactHeld, id)

	code, consult := phone.call("desk-702", deskPassword)
	if code != 200 {
		t.Fatalf("consult call: %d, want 200 once the second agent answered", code)
	}
	if p := payload(t, c.waitEvent(t, tsunagu.EventContactConsultStarted, id)); p["from_agent"] != string(a1) {
		t.Errorf("consult_started %v", p)
	}
	c.waitEvent(t, tsunagu.EventContactConsultJoined, id)
	// The agent talks with the second agent on the consult call.
	phone.waitVoiced(1, 25)

	if got := phone.refer("desk-702", replacesOf(consult)); got != 202 {
		t.Fatalf("REFER with Replaces: %d, want 202", got)
	}
	if b := phone.notify(); !strings.HasPrefix(b, "SIP/2.0 100") {
		t.Errorf("first NOTIFY %q", b)
	}
	if b := phone.notify(); !strings.HasPrefix(b, "SIP/2.0 200") {
		t.Errorf("final NOTIFY %q", b)
	}
	if p := payload(t, c.waitEvent(t, tsunagu.EventContactConsultEnded, id)); p["outcome"] != "completed" {
		t.Errorf("consult_ended %v", p)
	}
	xfer := payload(t, c.waitEvent(t, tsunagu.EventContactTransferred, id))
	if xfer["kind"] != "warm" || xfer["from_agent"] != string(a1) || xfer["agent_id"] != string(a2) {
		t.Errorf("transferred %v", xfer)
	}
	// Both of the phone's lines are let go.
	got := map[string]bool{}
	for range 2 {
		select {
		case l := <-phone.byes:
			got[l] = true
		case <-time.After(10 * time.Second):
			t.Fatalf("the phone's lines hung up: %v, want both", got)
		}
	}

	// The caller's audio reaches the second agent's phone, which echoes it.
	st, ds := waitMedia(c.srv, id, 10*time.Second, func(st telephony.CallStats, ds media.Stats) bool {
		return st.Bridge.ToLegVoiced >= 50 && ds.Looped >= 20
	})
	looped := ds.Looped
	t.Logf("caller->second agent: bridge %d voiced, the phone echoed %d", st.Bridge.ToLegVoiced, looped)
	if st.Bridge.ToLegVoiced < 50 || looped < 20 {
		t.Errorf("the caller's audio did not reach the second agent")
	}
	if p := payload(t, c.waitEvent(t, tsunagu.EventContactEnded, id)); p["by"] != "agent" {
		t.Errorf("ended %v, want by agent (the second phone's BYE)", p)
	}
	wg.Wait()
	if e2 != nil || callerErr != nil {
		t.Fatalf("second phone: %v\ncaller: %v", e2, callerErr)
	}
	ct, err := c.db.FindContact(t.Context(), tenant, id)
	must(t, err)
	if ct.AgentID != a2 {
		t.Errorf("contact's agent %s, want %s", ct.AgentID, a2)
	}
}

// TestDeskPhone_AttendedTransferCancelled: INVITEs from the phone that are
// no consultation are refused (a wrong password 403, an unknown target
// 404, a number that is none of ours 404); the consult call survives a
// hold and resume (swapping lines); a REFER whose Replaces names no dialog
// of the phone's is 481; hanging up the consult call cancels the
// consultation: the second agent's phone is hung up, and the caller, on
// hold until the phone resumes, is back with the first agent.
func TestDeskPhone_AttendedTransferCancelled(t *testing.T) {
	t.Parallel()
	c, phone, uas2 := newConsultCenter(t, "desk-801", "desk-802")
	a1, a2 := c.agents["desk-801"], c.agents["desk-802"]
	var err error

	// No call yet: nothing to consult about.
	if code, _ := phone.call("desk-802", deskPassword); code != 403 {
		t.Errorf("consult without a call: %d, want 403", code)
	}

	var wg sync.WaitGroup
	var e2, callerErr error
	var trace2 string
	wg.Go(func() { e2, trace2 = sippPhone(t, c.srv, "out_answer.xml", "desk-802", uas2, nil, "-rtp_echo") })
	wg.Go(func() { callerErr, _ = sipp(t, c.srv, "uac_transfer.xml", dialled, "-rtp_echo") })

	phone.waitAnswered()
	id := c.waitEvent(t, tsunagu.EventContactConnected, "").ContactID
	_, err = c.d.SetAgentState(t.Context(), tenant, a2, tsunagu.StateChange{State: tsunagu.AgentAvailable})
	must(t, err)
	phone.hold("sendonly")
	c.waitEvent(t, tsunagu.EventContactHeld, id)

	for _, tc := range []struct {
		to, pass string
		want     int
	}{
		{"desk-802", "wrong password here", 403},
		{"nobody", deskPassword, 404},
		{"0399990001", deskPassword, 404},
	} {
		if code, _ := phone.call(tc.to, tc.pass); code != tc.want {
			t.Errorf("INVITE to %s: %d, want %d", tc.to, code, tc.want)
		}
	}

	code, consult := phone.call("desk-802", deskPassword)
	if code != 200 {
		t.Fatalf("consult call: %d, want 200", code)
	}
	c.waitEvent(t, tsunagu.EventContactConsultJoined, id)
	phone.waitVoiced(1, 25) // the second agent speaks on the consult call
	// Swapping lines holds and resumes the consult call: it goes on.
	phone.holdConsult(consult, "sendonly")
	phone.holdConsult(consult, "sendrecv")
	if got := phone.refer("desk-802", "no-such-call;to-tag=1;from-tag=2"); got != 481 {
		t.Errorf("REFER with an unknown Replaces: %d, want 481", got)
	}

	ctx, cancel := phone.ctx()
	must(t, consult.Bye(ctx))
	cancel()
	if p := payload(t, c.waitEvent(t, tsunagu.EventContactConsultEnded, id)); p["outcome"] != "cancelled" {
		t.Errorf("consult_ended %v, want cancelled", p)
	}
	phone.hold("sendrecv")
	c.waitEvent(t, tsunagu.EventContactResumed, id)

	// The caller is back with the first agent: their audio reaches the
	// phone's first line again.
	var voiced int64
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(10 * time.Second)
poll:
	for voiced < 50 {
		select {
		case <-tick.C:
		case <-deadline:
			break poll
		}
		s, ok := c.srv.Stats(id)
		if !ok {
			break
		}
		voiced = s.Bridge.ToLegVoiced
	}
	if voiced < 50 {
		t.Errorf("the caller's audio reached the first agent %d times after the cancel, want 50", voiced)
	}
	ctx, cancel = phone.ctx()
	must(t, phone.first.Bye(ctx))
	cancel()
	if p := payload(t, c.waitEvent(t, tsunagu.EventContactEnded, id)); p["by"] != "agent" {
		t.Errorf("ended %v, want by agent", p)
	}
	wg.Wait()
	if e2 != nil || callerErr != nil {
		t.Fatalf("second phone: %v\ncaller: %v", e2, callerErr)
	}
	if !strings.Contains(trace2, "BYE sip:") {
		t.Errorf("the second agent's phone was not hung up:\n%s", tail(trace2, 2000))
	}
	ct, err := c.db.FindContact(t.Context(), tenant, id)
	must(t, err)
	if ct.AgentID != a1 {
		t.Errorf("contact's agent %s, want %s", ct.AgentID, a1)
	}
}
