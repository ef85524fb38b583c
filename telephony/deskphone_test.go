package telephony_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"tsunagu"
	"tsunagu/dispatch"
	"tsunagu/media"
	"tsunagu/sqlite"
	"tsunagu/telephony"
)

// Agents' SIP desk phones against real sipp phones: registration with
// digest, the ACD's offer ringing the phone, the answer bridging the caller,
// hold and hang-up from the phone, and the unanswered phone.

// deskVoice is routing's phone for these tests: every agent uses the desk
// phone (as serve's voice does for agents who chose it).
type deskVoice struct{ srv *telephony.Server }

func (v *deskVoice) Connect(ctx context.Context, c *tsunagu.Contact) error {
	leg, ok := v.srv.DeskLeg(c.ID)
	if !ok {
		return tsunagu.Errorf(tsunagu.ECONFLICT, "no desk phone answered")
	}
	return v.srv.Connect(ctx, c.ID, leg)
}
func (v *deskVoice) Hangup(ctx context.Context, id tsunagu.ContactID) error {
	return v.srv.Hangup(ctx, id)
}
func (v *deskVoice) Hold(ctx context.Context, id tsunagu.ContactID) error { return v.srv.Hold(ctx, id) }
func (v *deskVoice) Resume(ctx context.Context, id tsunagu.ContactID) error {
	return v.srv.Resume(ctx, id)
}
func (v *deskVoice) Reachable(a tsunagu.AgentID) bool { return v.srv.Registered(a) }
func (v *deskVoice) Ring(ctx context.Context, c *tsunagu.Contact) (bool, error) {
	return true, v.srv.Ring(ctx, c.ID, c.AgentID)
}
func (v *deskVoice) Release(id tsunagu.ContactID) { v.srv.DropDesk(id) }

// deskActions routes what the phone does, as serve's deskHandler does.
type deskActions struct{ d *dispatch.Dispatcher }

func (h deskActions) DeskHangup(ctx context.Context, t tsunagu.TenantID, id tsunagu.ContactID, a tsunagu.AgentID) {
	_ = h.d.Hangup(ctx, t, id, a)
}
func (h deskActions) DeskHold(ctx context.Context, t tsunagu.TenantID, id tsunagu.ContactID, a tsunagu.AgentID, on bool) {
	if on {
		_, _ = h.d.Hold(ctx, t, id, a)
	} else {
		_, _ = h.d.Resume(ctx, t, id, a)
	}
}

type deskCenter struct {
	*center
	d      *dispatch.Dispatcher
	agents map[string]tsunagu.AgentID // by SIP username
}

const deskPassword = "correct horse battery"

// waitMedia polls a bridged call's media counts and its desk leg's until
// enough has passed (done) or within, or until the call is gone, and
// returns the last counts seen.
func waitMedia(srv *telephony.Server, id tsunagu.ContactID, within time.Duration, done func(telephony.CallStats, media.Stats) bool) (telephony.CallStats, media.Stats) {
	var st telephony.CallStats
	var ds media.Stats
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(within)
	for {
		select {
		case <-tick.C:
		case <-deadline:
			return st, ds
		}
		s, ok := srv.Stats(id)
		d, dok := srv.DeskStats(id)
		if !ok || !dok {
			return st, ds
		}
		st, ds = s, d
		if done(st, ds) {
			return st, ds
		}
	}
}

// newDeskCenter is newCenter with routing, and one agent per username with
// SIP credentials (password deskPassword).
func newDeskCenter(t *testing.T, offerTimeout time.Duration, usernames ...string) *deskCenter {
	t.Helper()
	return newDeskCenterWith(t, offerTimeout, nil, usernames...)
}

// newDeskCenterWith is newDeskCenter with a change to the server's
// configuration (TLS, say).
func newDeskCenterWith(t *testing.T, offerTimeout time.Duration, tweak func(*telephony.Config), usernames ...string) *deskCenter {
	t.Helper()
	v := &deskVoice{}
	dc := &deskCenter{agents: map[string]tsunagu.AgentID{}}
	c := newCenter(t, "127.0.0.1/32", func(cfg *telephony.Config) {
		db := cfg.Store.(*sqlite.DB)
		dc.d = &dispatch.Dispatcher{Store: db, Phone: v, OfferTimeout: offerTimeout, Log: cfg.Logger}
		cfg.Router, cfg.Phones, cfg.Desk = dc.d, db, deskActions{dc.d}
		if tweak != nil {
			tweak(cfg)
		}
	})
	dc.center, v.srv = c, c.srv
	for _, u := range usernames {
		usr := &tsunagu.User{TenantID: tenant, Username: "op-" + u, DisplayName: u, Role: tsunagu.RoleAgent}
		must(t, c.db.CreateUser(t.Context(), usr, "x"))
		_, err := c.db.SetSIPCredentials(t.Context(), tenant, usr.AgentID, tsunagu.SIPCredentials{Username: u, Password: deskPassword})
		must(t, err)
		dc.agents[u] = usr.AgentID
	}
	ctx, stop := context.WithCancel(context.Background())
	must(t, dc.d.Start(ctx))
	t.Cleanup(func() { stop(); dc.d.Wait() })
	return dc
}

// sippPhone runs one sipp as an agent's phone: the scenario under
// testdata/sipp on port (0: any), with -key name value pairs in keys, and
// returns its error and message trace once it ends.
func sippPhone(t *testing.T, srv *telephony.Server, scenario, user string, port int, keys map[string]string, extra ...string) (error, string) {
	t.Helper()
	bin, err := exec.LookPath("sipp")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("sipp is missing (scripts/test installs sip-tester)")
		}
		t.Skip("sipp not installed (Debian package sip-tester)")
	}
	dir := t.TempDir()
	if err := os.Symlink("/usr/share/sip-tester", filepath.Join(dir, "pcap")); err != nil {
		t.Fatal(err)
	}
	sf, err := filepath.Abs(filepath.Join("testdata", "sipp", scenario))
	if err != nil {
		t.Fatal(err)
	}
	if port == 0 {
		port = freePort(t, "udp", false)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 40*time.Second)
	defer cancel()
	msgs := filepath.Join(dir, "messages.log")
	args := []string{"-sf", sf, "-s", user, "-i", "127.0.0.1", "-p", fmt.Sprint(port), "-mp", fmt.Sprint(freePort(t, "udp", true)),
		"-nostdin", "-m", "1", "-timeout", "30s", "-timeout_error", "-trace_msg", "-message_file", msgs,
		"-trace_err", "-error_file", filepath.Join(dir, "errors.log")}
	for k, v := range keys {
		args = append(args, "-key", k, v)
	}
	args = append(append(args, extra...), srv.Addr().String())
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	trace, _ := os.ReadFile(msgs)
	if err != nil {
		errs, _ := os.ReadFile(filepath.Join(dir, "errors.log"))
		err = fmt.Errorf("sipp %s: %w\n%s", scenario, err, tail(string(out)+string(errs), 2000))
	}
	return err, string(trace)
}

// register registers user's phone whose ringing side listens on uasPort.
func register(t *testing.T, srv *telephony.Server, scenario, user, password string, uasPort int, expires string) (error, string) {
	t.Helper()
	return sippPhone(t, srv, scenario, user, 0, map[string]string{"uas_port": fmt.Sprint(uasPort), "expires": expires},
		"-au", user, "-ap", password)
}

func TestDeskPhone_Register(t *testing.T) {
	t.Parallel()
	c := newDeskCenter(t, time.Second, "desk-101")
	agent := c.agents["desk-101"]

	// A wrong password and an unknown user get the same 403, and nothing
	// is bound.
	err, wrong := register(t, c.srv, "agent_register_refused.xml", "desk-101", "wrong password here", 5070, "3600")
	must(t, err)
	err, unknown := register(t, c.srv, "agent_register_refused.xml", "desk-999", deskPassword, 5070, "3600")
	must(t, err)
	for _, tr := range []string{wrong, unknown} {
		if !strings.Contains(tr, "SIP/2.0 401 Unauthorized") || !strings.Contains(tr, `realm="tsunagu"`) || !strings.Contains(tr, "SIP/2.0 403 Forbidden") {
			t.Fatalf("want 401 with our realm, then 403:\n%s", tail(tr, 3000))
		}
	}
	if c.srv.Registered(agent) {
		t.Fatal("a refused REGISTER left a binding")
	}

	// The right password binds the contact, with the interval asked for.
	err, tr := register(t, c.srv, "agent_register.xml", "desk-101", deskPassword, 5070, "600")
	must(t, err)
	bs := c.srv.Bindings(agent)
	if len(bs) != 1 || bs[0].Contact.Port != 5070 || time.Until(bs[0].Expires) > 600*time.Second || time.Until(bs[0].Expires) < 500*time.Second {
		t.Fatalf("bindings %+v", bs)
	}
	if !strings.Contains(tr, "SIP/2.0 200 OK") || !strings.Contains(tr, "expires=600") {
		t.Fatalf("200 without the binding:\n%s", tail(tr, 2000))
	}
	// A second phone of the same agent: two contacts; more than the
	// maximum interval is cut to it.
	must(t, first(register(t, c.srv, "agent_register.xml", "desk-101", deskPassword, 5072, "999999")))
	bs = c.srv.Bindings(agent)
	if len(bs) != 2 || time.Until(bs[0].Expires) > telephony.DefaultMaxExpires {
		t.Fatalf("bindings after the second phone %+v", bs)
	}
	// Expires: 0 removes that contact only.
	must(t, first(register(t, c.srv, "agent_register.xml", "desk-101", deskPassword, 5070, "0")))
	bs = c.srv.Bindings(agent)
	if len(bs) != 1 || bs[0].Contact.Port != 5072 {
		t.Fatalf("bindings after un-registering one %+v", bs)
	}
}

func first(err error, _ string) error { return err }

// waitEvent returns the next event of typ about contact (any contact when
// contact is ""), failing after a deadline.
func (c *center) waitEvent(t *testing.T, typ tsunagu.EventType, contact tsunagu.ContactID) tsunagu.Event {
	t.Helper()
	deadline := time.After(25 * time.Second)
	for {
		select {
		case e := <-c.events:
			if e.Type == typ && (contact == "" || e.ContactID == contact) {
				return e
			}
		case <-deadline:
			t.Fatalf("no %s within 25 s", typ)
		}
	}
}

// TestDeskPhone_Call: a trunk caller reaches the queue, the agent's desk
// phone rings and answers, audio passes both ways (counted at both
// receivers: sipp echoes what it hears, so each side sees its own packets
// come back), the phone holds and resumes, and its BYE is the agent
// hanging up. The caller (uac_transfer.xml) speaks until that BYE: a
// recording that ended during a slow menu would leave nothing to count.
func TestDeskPhone_Call(t *testing.T) {
	t.Parallel()
	c := newDeskCenter(t, 10*time.Second, "desk-101")
	agent := c.agents["desk-101"]
	uas := freePort(t, "udp", false)
	must(t, first(register(t, c.srv, "agent_register.xml", "desk-101", deskPassword, uas, "3600")))
	_, err := c.d.SetAgentState(t.Context(), tenant, agent, tsunagu.StateChange{State: tsunagu.AgentAvailable})
	must(t, err)

	var wg sync.WaitGroup
	var phoneErr, callerErr error
	wg.Go(func() {
		phoneErr, _ = sippPhone(t, c.srv, "agent_answer.xml", "desk-101", uas, nil, "-rtp_echo")
	})
	wg.Go(func() { callerErr, _ = sipp(t, c.srv, "uac_transfer.xml", dialled, "-rtp_echo") })

	conn := c.waitEvent(t, tsunagu.EventContactConnected, "")
	id := conn.ContactID
	if conn.AgentID != agent && !strings.Contains(string(conn.Payload), string(agent)) {
		t.Fatalf("connected %+v, want agent %s", conn, agent)
	}
	// Count until both directions have passed enough audio, or the call
	// ends. The receivers: the phone's echo of our packets (desk Looped),
	// the phone's own audio (desk Received, bridged voiced to the caller),
	// the caller's echo of the phone's audio (caller Looped).
	callSt, ds := waitMedia(c.srv, id, 20*time.Second, func(st telephony.CallStats, ds media.Stats) bool {
		return st.Bridge.ToLegVoiced >= 50 && st.Bridge.FromLegVoiced >= 50 && st.RTP.Looped >= 20 && ds.Received >= 50 && ds.Looped >= 20
	})
	deskRecv, deskLooped := ds.Received, ds.Looped
	t.Logf("caller->phone: bridge %d voiced, phone echoed %d of ours; phone->caller: desk received %d, bridge %d voiced, caller echoed %d",
		callSt.Bridge.ToLegVoiced, deskLooped, deskRecv, callSt.Bridge.FromLegVoiced, callSt.RTP.Looped)
	if callSt.Bridge.ToLegVoiced < 50 || deskLooped < 20 || deskRecv < 50 || callSt.Bridge.FromLegVoiced < 50 || callSt.RTP.Looped < 20 {
		t.Errorf("audio did not pass both ways")
	}
	c.waitEvent(t, tsunagu.EventContactHeld, id)
	if p := payload(t, c.waitEvent(t, tsunagu.EventContactResumed, id)); p["held_seconds"] == nil {
		t.Errorf("resumed without held_seconds: %v", p)
	}
	if p := payload(t, c.waitEvent(t, tsunagu.EventContactEnded, id)); p["by"] != "agent" {
		t.Errorf("ended %v, want by agent (the phone's BYE)", p)
	}
	wg.Wait()
	if phoneErr != nil || callerErr != nil {
		t.Fatalf("phone: %v\ncaller: %v", phoneErr, callerErr)
	}
	// Routing takes the agent off the call just after the contact ends.
	// (The test queues have no after-call work time, so the agent may be
	// available again at once; what matters is that the call is over.)
	for {
		ev := c.waitEvent(t, tsunagu.EventAgentStateChanged, "")
		if p := payload(t, ev); ev.AgentID == agent && p["from"] == "on_contact" {
			if p["to"] != "after_call_work" && p["to"] != "available" {
				t.Errorf("agent %v after hanging up, want after_call_work or available", p["to"])
			}
			break
		}
	}
}

// TestDeskPhone_NotAnswered: the first agent's phone rings out; at the
// offer timeout it gets CANCEL, the agent goes not-ready ("missed") and the
// caller, still in their place, is offered to the second agent, whose phone
// answers.
func TestDeskPhone_NotAnswered(t *testing.T) {
	t.Parallel()
	c := newDeskCenter(t, 1500*time.Millisecond, "desk-201", "desk-202")
	a1, a2 := c.agents["desk-201"], c.agents["desk-202"]
	uas1, uas2 := freePort(t, "udp", false), freePort(t, "udp", false)
	must(t, first(register(t, c.srv, "agent_register.xml", "desk-201", deskPassword, uas1, "3600")))
	must(t, first(register(t, c.srv, "agent_register.xml", "desk-202", deskPassword, uas2, "3600")))
	_, err := c.d.SetAgentState(t.Context(), tenant, a1, tsunagu.StateChange{State: tsunagu.AgentAvailable})
	must(t, err)

	var wg sync.WaitGroup
	var e1, e2, callerErr error
	var trace1 string
	wg.Go(func() { e1, trace1 = sippPhone(t, c.srv, "agent_noanswer.xml", "desk-201", uas1, nil) })
	wg.Go(func() {
		e2, _ = sippPhone(t, c.srv, "agent_answer.xml", "desk-202", uas2, nil)
	})
	wg.Go(func() { callerErr, _ = sipp(t, c.srv, "uac_bridge_agent_bye.xml", dialled) })

	off := c.waitEvent(t, tsunagu.EventContactOffered, "")
	id := off.ContactID
	if off.AgentID != a1 && !strings.Contains(string(off.Payload), string(a1)) {
		t.Fatalf("first offer %+v, want %s", off, a1)
	}
	_, err = c.d.SetAgentState(t.Context(), tenant, a2, tsunagu.StateChange{State: tsunagu.AgentAvailable})
	must(t, err)
	requeued := payload(t, c.waitEvent(t, tsunagu.EventContactQueued, id))
	if requeued["requeued"] != "offer_missed" {
		t.Fatalf("requeued %v", requeued)
	}
	off = c.waitEvent(t, tsunagu.EventContactOffered, id)
	if !strings.Contains(string(off.Payload), string(a2)) {
		t.Fatalf("second offer %s, want %s", off.Payload, a2)
	}
	c.waitEvent(t, tsunagu.EventContactConnected, id)
	c.waitEvent(t, tsunagu.EventContactEnded, id)
	wg.Wait()
	if e1 != nil || e2 != nil || callerErr != nil {
		t.Fatalf("phone 1: %v\nphone 2: %v\ncaller: %v", e1, e2, callerErr)
	}
	if !strings.Contains(trace1, "CANCEL sip:") || !strings.Contains(trace1, "SIP/2.0 487") {
		t.Errorf("the unanswered phone saw no CANCEL:\n%s", tail(trace1, 2000))
	}
	a, err := c.db.FindAgent(t.Context(), tenant, a1)
	must(t, err)
	if a.State != tsunagu.AgentNotReady || a.StateReason != "missed" {
		t.Errorf("first agent %s/%s, want not_ready/missed", a.State, a.StateReason)
	}
}

// TestGuard_FloodAndScanners: more than 16 requests in 2 s from one source
// block it (no answers at all), and a scanner's User-Agent is never
// answered, while an ordinary request is.
func TestGuard_FloodAndScanners(t *testing.T) {
	t.Parallel()
	c := newCenter(t, "127.0.0.1/32", func(cfg *telephony.Config) { cfg.Guard = telephony.GuardConfig{Window: time.Minute} })
	addr := c.srv.Addr().String()
	options := func(i int, ua string) string {
		return "OPTIONS sip:" + addr + " SIP/2.0\nVia: SIP/2.0/UDP LOCAL;branch=z9hG4bK-fl" + fmt.Sprint(i) + "\nFrom: <sip:a@LOCAL>;tag=1\n" +
			"To: <sip:" + addr + ">\nCall-ID: flood-" + fmt.Sprint(i) + "\nCSeq: 1 OPTIONS\nMax-Forwards: 70\n" + ua + "Content-Length: 0\n\n"
	}
	if got := exchange(t, addr, options(0, "User-Agent: friendly-scanner\n"), 500*time.Millisecond); got != "" {
		t.Fatalf("scanner answered: %q", firstLine(got))
	}
	if got := exchange(t, addr, options(1, "User-Agent: sipvicious\n"), 500*time.Millisecond); got != "" {
		t.Fatalf("scanner answered: %q", firstLine(got))
	}
	// Scanners were not counted: 16 ordinary requests pass. (The window
	// is a minute here so that a slow machine still sends 17 within it.)
	for i := range 16 {
		if got := exchange(t, addr, options(10+i, "User-Agent: Yealink SIP-T46S\n"), 5*time.Second); !strings.HasPrefix(got, "SIP/2.0 200 ") {
			t.Fatalf("request %d: %q", i+1, firstLine(got))
		}
	}
	for i := 16; i < 18; i++ {
		if got := exchange(t, addr, options(10+i, ""), 500*time.Millisecond); got != "" {
			t.Fatalf("request %d answered during the flood: %q", i+1, firstLine(got))
		}
	}
}

// TestDeskPhone_Refused: the first agent's phone answers the offer's INVITE
// with 486 Busy Here (or 603 Decline). The offer ends at once — the offer
// timeout is a minute here, longer than waitEvent's deadline, so only the
// refusal can move the caller — the agent goes not-ready ("missed") and
// the caller, keeping their place, is offered to the second agent, whose
// phone answers.
func TestDeskPhone_Refused(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ status, scenario string }{{"486", "agent_busy.xml"}, {"603", "agent_decline.xml"}} {
		t.Run(tc.status, func(t *testing.T) {
			t.Parallel()
			c := newDeskCenter(t, time.Minute, "desk-401", "desk-402")
			a1, a2 := c.agents["desk-401"], c.agents["desk-402"]
			uas1, uas2 := freePort(t, "udp", false), freePort(t, "udp", false)
			must(t, first(register(t, c.srv, "agent_register.xml", "desk-401", deskPassword, uas1, "3600")))
			must(t, first(register(t, c.srv, "agent_register.xml", "desk-402", deskPassword, uas2, "3600")))
			_, err := c.d.SetAgentState(t.Context(), tenant, a1, tsunagu.StateChange{State: tsunagu.AgentAvailable})
			must(t, err)

			var wg sync.WaitGroup
			var e1, e2, callerErr error
			var trace1 string
			wg.Go(func() {
				e1, trace1 = sippPhone(t, c.srv, tc.scenario, "desk-401", uas1, nil)
			})
			wg.Go(func() { e2, _ = sippPhone(t, c.srv, "agent_answer.xml", "desk-402", uas2, nil) })
			wg.Go(func() { callerErr, _ = sipp(t, c.srv, "uac_bridge_agent_bye.xml", dialled) })

			off := c.waitEvent(t, tsunagu.EventContactOffered, "")
			id := off.ContactID
			if off.AgentID != a1 && !strings.Contains(string(off.Payload), string(a1)) {
				t.Fatalf("first offer %+v, want %s", off, a1)
			}
			_, err = c.d.SetAgentState(t.Context(), tenant, a2, tsunagu.StateChange{State: tsunagu.AgentAvailable})
			must(t, err)
			requeued := c.waitEvent(t, tsunagu.EventContactQueued, id)
			if p := payload(t, requeued); p["requeued"] != "offer_missed" || p["missed_by"] != string(a1) {
				t.Fatalf("requeued %v", p)
			}
			if d := requeued.Time.Sub(off.Time); d > 20*time.Second {
				t.Errorf("requeued %s after the offer: the refusal should end it at once", d)
			}
			off = c.waitEvent(t, tsunagu.EventContactOffered, id)
			if !strings.Contains(string(off.Payload), string(a2)) {
				t.Fatalf("second offer %s, want %s", off.Payload, a2)
			}
			c.waitEvent(t, tsunagu.EventContactConnected, id)
			c.waitEvent(t, tsunagu.EventContactEnded, id)
			wg.Wait()
			if e1 != nil || e2 != nil || callerErr != nil {
				t.Fatalf("phone 1: %v\nphone 2: %v\ncaller: %v", e1, e2, callerErr)
			}
			if strings.Contains(trace1, "CANCEL sip:") {
				t.Errorf("the refusing phone got a CANCEL:\n%s", tail(trace1, 2000))
			}
			a, err := c.db.FindAgent(t.Context(), tenant, a1)
			must(t, err)
			if a.State != tsunagu.AgentNotReady || a.StateReason != "missed" {
				t.Errorf("first agent %s/%s, want not_ready/missed", a.State, a.StateReason)
			}
		})
	}
}
