package telephony_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"tsunagu"
	"tsunagu/dispatch"
	"tsunagu/softphone"
	"tsunagu/softphone/softphonetest"
	"tsunagu/sqlite"
	"tsunagu/telephony"
)

// Agents' outbound calls against real sipp as the carrier and customer
// (UAS), with the softphonetest stand-in browser as the agent's audio and
// the real dispatcher and SQLite store: what reaches the carrier (Request-
// URI, caller ID), audio both ways, hang-up from either side, the busy
// customer, the blocked international number, the callback made.

// outVoice is routing's phone for these tests, as serve's voice is: the
// browser softphone for the agent's audio, telephony for the trunk.
type outVoice struct {
	srv *telephony.Server
	sp  *softphone.Server
	db  *sqlite.DB
}

// Connect bridges an inbound caller with the agent's browser, as serve's
// voice does (the transfers to an outside number, transferout_test.go).
func (v *outVoice) Connect(ctx context.Context, c *tsunagu.Contact) error {
	leg, ok := v.sp.Leg(c.AgentID)
	if !ok {
		return tsunagu.Errorf(tsunagu.ECONFLICT, "no softphone")
	}
	return v.srv.Connect(ctx, c.ID, leg)
}
func (v *outVoice) Hangup(ctx context.Context, id tsunagu.ContactID) error {
	return v.srv.Hangup(ctx, id)
}
func (v *outVoice) Hold(ctx context.Context, id tsunagu.ContactID) error { return v.srv.Hold(ctx, id) }
func (v *outVoice) Resume(ctx context.Context, id tsunagu.ContactID) error {
	return v.srv.Resume(ctx, id)
}
func (v *outVoice) Reachable(a tsunagu.AgentID) bool { return v.sp.Connected(a) }
func (v *outVoice) OutboundTrunk(ctx context.Context, t tsunagu.TenantID) (*tsunagu.Trunk, error) {
	return v.db.OutboundTrunk(ctx, t)
}
func (v *outVoice) Dial(ctx context.Context, c *tsunagu.Contact, callerID string, route tsunagu.TrunkOutbound) error {
	leg, ok := v.sp.Leg(c.AgentID)
	if !ok {
		return tsunagu.Errorf(tsunagu.ECONFLICT, "no softphone")
	}
	return v.srv.Dial(ctx, telephony.OutboundCall{Contact: c, CallerID: callerID, Route: route, Leg: leg, RingTimeout: 10 * time.Second})
}

type outCenter struct {
	*center
	d       *dispatch.Dispatcher
	agent   tsunagu.AgentID
	browser *softphonetest.Browser
	port    int // where the sipp customer listens
}

// queueCallerID is the general queue's caller ID; the trunk's own DID
// (dialled) is the default.
const queueCallerID = "+81312345679"

// newOutCenter starts a center whose trunk sends outbound calls to a sipp
// on a free port, an agent with a connected browser softphone (speaking a
// 440 Hz tone), available.
func newOutCenter(t *testing.T) *outCenter {
	t.Helper()
	v := &outVoice{}
	oc := &outCenter{}
	c := newCenter(t, "127.0.0.1/32", func(cfg *telephony.Config) {
		db := cfg.Store.(*sqlite.DB)
		oc.d = &dispatch.Dispatcher{Store: db, Phone: v, Outbound: v, Log: cfg.Logger}
		cfg.Router = oc.d
	})
	ctx := t.Context()
	oc.center, v.srv, v.db = c, c.srv, c.db
	// A second number on the trunk for the general queue's caller ID.
	trunks, err := c.db.ListTrunks(ctx, tenant)
	must(t, err)
	tr := trunks[0]
	tr.Numbers = append(tr.Numbers, tsunagu.DID{Number: queueCallerID, DefaultQueue: "general"})
	must(t, c.db.UpdateTrunk(ctx, &tr))
	oc.port = freePort(t, "udp", false)
	_, err = c.db.SetTrunkOutbound(ctx, tenant, "trunk", &tsunagu.TrunkOutbound{Target: fmt.Sprintf("127.0.0.1:%d", oc.port),
		Username: "carrier-user", Password: "carrier secret", QueueCallerIDs: map[tsunagu.QueueID]string{"general": "03-1234-5679"}})
	must(t, err)
	usr := &tsunagu.User{TenantID: tenant, Username: "op-out", DisplayName: "発信 太郎", Role: tsunagu.RoleAgent}
	must(t, c.db.CreateUser(ctx, usr, "x"))
	oc.agent = usr.AgentID
	must(t, c.db.CreateDisposition(ctx, &tsunagu.Disposition{TenantID: tenant, ID: "resolved", Name: "解決"}))

	v.sp, oc.browser = browserFor(t, oc.agent)
	dctx, stop := context.WithCancel(context.Background())
	must(t, oc.d.Start(dctx))
	t.Cleanup(func() { stop(); oc.d.Wait() })
	_, err = oc.d.SetAgentState(ctx, tenant, oc.agent, tsunagu.StateChange{State: tsunagu.AgentAvailable})
	must(t, err)
	return oc
}

// browserFor starts a softphone server and a connected stand-in browser
// for agent that speaks until the test ends.
func browserFor(t *testing.T, agent tsunagu.AgentID) (*softphone.Server, *softphonetest.Browser) {
	t.Helper()
	sp, err := softphone.New(softphone.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := sp.Close(ctx); err != nil {
			t.Error(err)
		}
	})
	b := connectBrowser(t, sp, agent, 1<<30)
	ctx, stop := context.WithCancel(context.Background())
	t.Cleanup(stop)
	b.Speak(ctx)
	return sp, b
}

// customer runs the sipp customer scenario in the background; wait returns
// its error and message trace.
func (oc *outCenter) customer(t *testing.T, scenario string, extra ...string) (wait func() (error, string)) {
	var err error
	var trace string
	done := make(chan struct{})
	go func() {
		defer close(done)
		err, trace = sippPhone(t, oc.srv, scenario, "customer", oc.port, nil, extra...)
	}()
	return func() (error, string) {
		select {
		case <-done:
		case <-time.After(45 * time.Second):
			t.Fatal("sipp did not end")
		}
		return err, trace
	}
}

func (oc *outCenter) agentState(t *testing.T) (tsunagu.AgentState, string) {
	t.Helper()
	a, err := oc.db.FindAgent(t.Context(), tenant, oc.agent)
	must(t, err)
	return a.State, a.StateReason
}

// waitAgent waits until the stored agent state is want.
func (oc *outCenter) waitAgent(t *testing.T, want tsunagu.AgentState) {
	t.Helper()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(10 * time.Second)
	for {
		if st, _ := oc.agentState(t); st == want {
			return
		}
		select {
		case <-tick.C:
		case <-deadline:
			st, r := oc.agentState(t)
			t.Fatalf("agent is %s (%s), want %s", st, r, want)
		}
	}
}

func TestOutbound_ClickToCall(t *testing.T) {
	t.Parallel()
	oc := newOutCenter(t)
	ctx := t.Context()
	wait := oc.customer(t, "out_answer.xml", "-rtp_echo")

	c, err := oc.d.Call(ctx, tenant, oc.agent, tsunagu.CallRequest{Number: "090-1111-2222", QueueID: "general"})
	must(t, err)
	if c.Direction != tsunagu.Outbound || c.AgentID != oc.agent || c.Number != "+819011112222" {
		t.Fatalf("contact %+v", c)
	}
	// While dialling the agent is out of routing and shown on a contact;
	// a second call is refused.
	if st, r := oc.agentState(t); st != tsunagu.AgentOnContact || r != "outbound" {
		t.Errorf("agent while dialling: %s (%s)", st, r)
	}
	if _, err := oc.d.Call(ctx, tenant, oc.agent, tsunagu.CallRequest{Number: "090-1111-3333"}); tsunagu.ErrorCode(err) != tsunagu.ECONFLICT {
		t.Errorf("a second call while dialling: %v, want conflict", err)
	}
	if _, err := oc.d.SetAgentState(ctx, tenant, oc.agent, tsunagu.StateChange{State: tsunagu.AgentAvailable}); tsunagu.ErrorCode(err) != tsunagu.ECONFLICT {
		t.Errorf("going available during an outbound call: %v, want conflict", err)
	}
	got := oc.until(t, tsunagu.EventContactConnected)
	if want := []tsunagu.EventType{tsunagu.EventContactArrived, tsunagu.EventContactDialing, tsunagu.EventContactRinging, tsunagu.EventContactConnected}; fmt.Sprint(types(got)) != fmt.Sprint(want) {
		t.Fatalf("events %v, want %v", types(got), want)
	}
	if p := payload(t, got[1]); p["caller_id"] != queueCallerID || p["number_masked"] == "+819011112222" {
		t.Errorf("contact:dialing %v", p)
	}

	// Audio both ways: the customer's speech reaches the agent's leg
	// through the bridge, the agent's tone reaches sipp (which echoes our
	// packets back: Looped).
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(15 * time.Second)
	var st telephony.CallStats
	for {
		st, _ = oc.srv.Stats(c.ID)
		if st.Bridge.ToLegVoiced >= 50 && st.Bridge.FromLegVoiced >= 50 && st.RTP.Looped >= 50 {
			break
		}
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("audio did not pass both ways: %+v", st)
		}
	}
	t.Logf("customer->agent %d voiced frames, agent->customer %d voiced, sipp echoed %d, browser heard %d",
		st.Bridge.ToLegVoiced, st.Bridge.FromLegVoiced, st.RTP.Looped, oc.browser.Voiced.Load())

	// Hold and resume as inbound.
	if _, err := oc.d.Hold(ctx, tenant, c.ID, oc.agent); err != nil {
		t.Fatal(err)
	}
	if _, err := oc.d.Resume(ctx, tenant, c.ID, oc.agent); err != nil {
		t.Fatal(err)
	}
	// The agent hangs up: BYE to the customer.
	must(t, oc.d.Hangup(ctx, tenant, c.ID, oc.agent))
	err, trace := wait()
	must(t, err)
	for _, want := range []string{
		fmt.Sprintf("INVITE sip:+819011112222@127.0.0.1:%d", oc.port), // the Request-URI: the customer at the trunk
		"From: <sip:" + queueCallerID + "@",                           // the queue's caller ID
		"P-Asserted-Identity: <sip:" + queueCallerID + "@",
		"BYE sip:",
	} {
		if !strings.Contains(trace, want) {
			t.Fatalf("sipp did not receive %q:\n%s", want, tail(trace, 4000))
		}
	}
	if strings.Contains(trace, "carrier secret") {
		t.Fatal("the carrier's password went over the wire")
	}
	got = oc.until(t, tsunagu.EventContactEnded)
	if want := []tsunagu.EventType{tsunagu.EventContactHeld, tsunagu.EventContactResumed, tsunagu.EventContactEnded}; fmt.Sprint(types(got)) != fmt.Sprint(want) {
		t.Fatalf("events after connect %v, want %v", types(got), want)
	}
	if p := payload(t, got[len(got)-1]); p["by"] != "agent" {
		t.Errorf("contact:ended %v", p)
	}
	oc.waitAgent(t, tsunagu.AgentAfterCallWork)
	if _, err := oc.d.Wrap(ctx, tenant, c.ID, oc.agent, tsunagu.WrapUp{DispositionID: "resolved"}); err != nil {
		t.Fatal(err)
	}
	oc.waitAgent(t, tsunagu.AgentAvailable)
}

func TestOutbound_Busy(t *testing.T) {
	t.Parallel()
	oc := newOutCenter(t)
	ctx := t.Context()
	// A break before the call: the agent goes back to it, not available.
	_, err := oc.d.SetAgentState(ctx, tenant, oc.agent, tsunagu.StateChange{State: tsunagu.AgentNotReady, Reason: "break"})
	must(t, err)
	wait := oc.customer(t, "out_busy.xml")
	c, err := oc.d.Call(ctx, tenant, oc.agent, tsunagu.CallRequest{Number: "+81 3 9999 0000"})
	must(t, err)
	got := oc.until(t, tsunagu.EventContactEnded)
	if want := []tsunagu.EventType{tsunagu.EventContactArrived, tsunagu.EventContactDialing, tsunagu.EventContactEnded}; fmt.Sprint(types(got)) != fmt.Sprint(want) {
		t.Fatalf("events %v, want %v", types(got), want)
	}
	if p := payload(t, got[2]); p["reason"] != "busy" || p["sip_status"] != float64(486) {
		t.Errorf("contact:ended %v", p)
	}
	// No caller ID for a queue: the trunk's first number.
	if p := payload(t, got[1]); p["caller_id"] != "+81312345678" {
		t.Errorf("contact:dialing %v", p)
	}
	must(t, first(wait()))
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(10 * time.Second)
	for {
		st, r := oc.agentState(t)
		if st == tsunagu.AgentNotReady && r == "break" {
			break
		}
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("agent after a busy call: %s (%s), want not_ready (break)", st, r)
		}
	}
	stored, err := oc.db.FindContact(ctx, tenant, c.ID)
	must(t, err)
	if stored.State != tsunagu.ContactEnded || stored.ConnectedAt != nil {
		t.Errorf("contact %+v", stored)
	}
}

func TestOutbound_InternationalRefused(t *testing.T) {
	t.Parallel()
	oc := newOutCenter(t)
	ctx := t.Context()
	_, err := oc.d.Call(ctx, tenant, oc.agent, tsunagu.CallRequest{Number: "+1 212 555 0100"})
	if tsunagu.ErrorCode(err) != tsunagu.EFORBIDDEN || tsunagu.ErrorField(err) != "number" {
		t.Fatalf("an international number: %v, want forbidden on number", err)
	}
	_, err = oc.d.Call(ctx, tenant, oc.agent, tsunagu.CallRequest{Number: "not a number"})
	if tsunagu.ErrorCode(err) != tsunagu.EINVALID || tsunagu.ErrorField(err) != "number" {
		t.Fatalf("not a number: %v, want invalid on number", err)
	}
	cs, _, err := oc.db.ListContacts(ctx, tenant, tsunagu.ContactFilter{})
	must(t, err)
	if len(cs) != 0 {
		t.Fatalf("a refused call left contacts: %+v", cs)
	}
	if st, _ := oc.agentState(t); st != tsunagu.AgentAvailable {
		t.Errorf("agent after a refused call: %s", st)
	}
	// An admin allows the United States: now it is dialled (and the
	// customer is busy).
	_, err = oc.db.SetTrunkOutbound(ctx, tenant, "trunk", &tsunagu.TrunkOutbound{Target: fmt.Sprintf("127.0.0.1:%d", oc.port),
		AllowedPrefixes: []string{"+81", "+1"}})
	must(t, err)
	wait := oc.customer(t, "out_busy.xml")
	_, err = oc.d.Call(ctx, tenant, oc.agent, tsunagu.CallRequest{Number: "+1 212 555 0100"})
	must(t, err)
	err, trace := wait()
	must(t, err)
	if !strings.Contains(trace, "INVITE sip:+12125550100@") {
		t.Fatalf("the allowed number was not dialled:\n%s", tail(trace, 2000))
	}
	oc.waitAgent(t, tsunagu.AgentAvailable)
}

func TestOutbound_Callback(t *testing.T) {
	t.Parallel()
	oc := newOutCenter(t)
	ctx := t.Context()
	cb := &tsunagu.Callback{TenantID: tenant, Number: "080-2222-3333", DueAt: time.Now(), OwnerID: oc.agent}
	must(t, oc.db.CreateCallback(ctx, cb))
	wait := oc.customer(t, "out_answer_hangup.xml", "-rtp_echo")
	c, err := oc.d.Call(ctx, tenant, oc.agent, tsunagu.CallRequest{CallbackID: cb.ID})
	must(t, err)
	if c.Number != "+818022223333" {
		t.Fatalf("dialled %s, want the callback's number", c.Number)
	}
	// The customer hangs up (BYE from the trunk).
	got := oc.until(t, tsunagu.EventContactEnded)
	if p := payload(t, got[len(got)-1]); p["by"] != "caller" {
		t.Errorf("contact:ended %v", p)
	}
	if p := payload(t, got[1]); p["callback_id"] != string(cb.ID) {
		t.Errorf("contact:dialing does not name the callback: %v", p)
	}
	must(t, first(wait()))
	oc.waitAgent(t, tsunagu.AgentAfterCallWork)
	done, err := oc.db.FindCallback(ctx, tenant, cb.ID)
	must(t, err)
	if done.Status != tsunagu.CallbackDone {
		t.Fatalf("callback after the call: %+v", done)
	}
	// A done callback is not called again.
	if _, err := oc.d.Call(ctx, tenant, oc.agent, tsunagu.CallRequest{CallbackID: cb.ID}); tsunagu.ErrorCode(err) != tsunagu.ECONFLICT {
		t.Errorf("calling a done callback: %v, want conflict", err)
	}
}

// TestOutbound_CarrierDigest: the carrier challenges the INVITE (401) and
// the trunk's credentials answer it; sipp checks the digest (486 when
// right, 403 when wrong) and the password itself never goes on the wire.
func TestOutbound_CarrierDigest(t *testing.T) {
	t.Parallel()
	oc := newOutCenter(t)
	wait := oc.customer(t, "out_auth.xml")
	_, err := oc.d.Call(t.Context(), tenant, oc.agent, tsunagu.CallRequest{Number: "03-9999-0001"})
	must(t, err)
	got := oc.until(t, tsunagu.EventContactEnded)
	if p := payload(t, got[len(got)-1]); p["sip_status"] != float64(486) {
		t.Fatalf("contact:ended %v: the carrier did not accept our digest", p)
	}
	err, trace := wait()
	must(t, err)
	if !strings.Contains(trace, `username="carrier-user"`) || strings.Contains(trace, "carrier secret") {
		t.Fatalf("digest answer:\n%s", tail(trace, 4000))
	}
	oc.waitAgent(t, tsunagu.AgentAvailable)
}

// TestOutbound_AgentStopsCalling: the agent hangs up while the customer's
// phone rings: CANCEL to the carrier, contact:ended "cancelled" by the
// agent, and the agent is available again.
func TestOutbound_AgentStopsCalling(t *testing.T) {
	t.Parallel()
	oc := newOutCenter(t)
	ctx := t.Context()
	wait := oc.customer(t, "out_cancel.xml")
	c, err := oc.d.Call(ctx, tenant, oc.agent, tsunagu.CallRequest{Number: "03-9999-0002"})
	must(t, err)
	oc.until(t, tsunagu.EventContactRinging)
	must(t, oc.d.Hangup(ctx, tenant, c.ID, oc.agent))
	got := oc.until(t, tsunagu.EventContactEnded)
	if p := payload(t, got[len(got)-1]); p["reason"] != "cancelled" || p["by"] != "agent" {
		t.Fatalf("contact:ended %v", p)
	}
	err, trace := wait()
	must(t, err)
	if !strings.Contains(trace, "CANCEL sip:+81399990002@") {
		t.Fatalf("no CANCEL:\n%s", tail(trace, 3000))
	}
	oc.waitAgent(t, tsunagu.AgentAvailable)
}
