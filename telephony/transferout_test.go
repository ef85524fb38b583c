package telephony_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"tsunagu"
	"tsunagu/dispatch"
	"tsunagu/sqlite"
	"tsunagu/telephony"
)

// Blind transfers to an outside number against real sipp peers: a trunk
// caller (uac_transfer.xml, echoing what it hears) answered by the agent's
// stand-in browser (newOutCenter) or desk phone (newDeskCenter), and a
// sipp on the trunk's outbound target as the outside party — the same
// peer scenarios as the agents' outbound calls. The real dispatcher and
// SQLite store decide and record.

// The outbound tests' routing phone can transfer, as serve's voice does:
// Requeue for a caller whose transfer failed after the agent went, and
// TransferOut over the trunk.
func (v *outVoice) Requeue(ctx context.Context, id tsunagu.ContactID) error {
	return v.srv.Requeue(ctx, id)
}
func (v *outVoice) ConsultJoin(context.Context, tsunagu.ContactID, tsunagu.AgentID) error {
	return tsunagu.Errorf(tsunagu.ENOTIMPLEMENTED, "no consultations in these tests")
}
func (v *outVoice) ConsultEnd(ctx context.Context, id tsunagu.ContactID, complete bool) error {
	return v.srv.ConsultEnd(ctx, id, complete)
}
func (v *outVoice) TransferOut(ctx context.Context, id tsunagu.ContactID, number, callerID string, route tsunagu.TrunkOutbound, done func(tsunagu.TransferOutcome)) error {
	return v.srv.TransferOut(ctx, id, telephony.NumberTransfer{Number: number, CallerID: callerID, Route: route, RingTimeout: 10 * time.Second, Done: done})
}

// The desk tests' routing phone too, for the desk phone's REFER.
func (v *deskVoice) TransferOut(ctx context.Context, id tsunagu.ContactID, number, callerID string, route tsunagu.TrunkOutbound, done func(tsunagu.TransferOutcome)) error {
	return v.srv.TransferOut(ctx, id, telephony.NumberTransfer{Number: number, CallerID: callerID, Route: route, RingTimeout: 10 * time.Second, Done: done})
}

// deskTrunk is the desk tests' outbound side: the trunk only (no agent
// dials out).
type deskTrunk struct{ db *sqlite.DB }

func (d deskTrunk) OutboundTrunk(ctx context.Context, t tsunagu.TenantID) (*tsunagu.Trunk, error) {
	return d.db.OutboundTrunk(ctx, t)
}
func (deskTrunk) Dial(context.Context, *tsunagu.Contact, string, tsunagu.TrunkOutbound) error {
	return tsunagu.Errorf(tsunagu.ENOTIMPLEMENTED, "no outbound calls in these tests")
}

// answerCaller starts a trunk caller who presses 2 (tech), lets the agent
// answer at the desk and waits until they hear each other. wait returns
// the caller's sipp error once it ends.
func (oc *outCenter) answerCaller(t *testing.T) (id tsunagu.ContactID, wait func() error) {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		err, _ := sipp(t, oc.srv, "uac_transfer.xml", dialled, "-rtp_echo")
		done <- err
	}()
	id = oc.waitEvent(t, tsunagu.EventContactOffered, "").ContactID
	if _, err := oc.d.Answer(t.Context(), tenant, id, oc.agent); err != nil {
		t.Fatal(err)
	}
	heard := oc.browser.Voiced.Load()
	eventually(t, "the agent and the caller to hear each other", func() bool {
		st, ok := oc.srv.Stats(id)
		return ok && oc.browser.Voiced.Load()-heard >= 25 && st.Bridge.FromLegVoiced >= 25
	})
	return id, func() error {
		select {
		case err := <-done:
			return err
		case <-time.After(45 * time.Second):
			t.Fatal("the caller's sipp did not end")
			return nil
		}
	}
}

func (oc *outCenter) agentPrincipal() *tsunagu.Principal {
	return &tsunagu.Principal{TenantID: tenant, AgentID: oc.agent, Role: tsunagu.RoleAgent}
}

// TestTransferOut_Answered: the agent transfers the caller to an allowed
// number; the outside party (sipp) gets the INVITE with the caller's
// queue's caller ID, answers, and the caller and the outside party hear
// each other (sipp echoes on both sides, so the mixer counts voiced frames
// both ways and the caller's RTP session sees its own packets come back).
// The agent is released to after-call work, can no longer hang up the
// call, and wraps up their part while the call goes on.
func TestTransferOut_Answered(t *testing.T) {
	t.Parallel()
	oc := newOutCenter(t)
	ctx := t.Context()
	_, err := oc.db.SetTrunkOutbound(ctx, tenant, "trunk", &tsunagu.TrunkOutbound{Target: fmt.Sprintf("127.0.0.1:%d", oc.port),
		QueueCallerIDs: map[tsunagu.QueueID]string{"tech": "03-1234-5679"}})
	must(t, err)
	id, callerDone := oc.answerCaller(t)
	outside := oc.customer(t, "out_answer.xml", "-rtp_echo")

	c, err := oc.d.Transfer(ctx, oc.agentPrincipal(), id, tsunagu.TransferTarget{Number: "03-9999-0001"})
	must(t, err)
	if c.State != tsunagu.ContactConnected || c.AgentID != oc.agent {
		t.Fatalf("contact while the number rings: %+v", c)
	}
	// Once under way, a second transfer is refused.
	if _, err := oc.d.Transfer(ctx, oc.agentPrincipal(), id, tsunagu.TransferTarget{QueueID: "general"}); tsunagu.ErrorCode(err) != tsunagu.ECONFLICT {
		t.Errorf("a second transfer while the number rings: %v, want conflict", err)
	}
	xfer := payload(t, oc.waitEvent(t, tsunagu.EventContactTransferred, id))
	to, _ := xfer["to"].(map[string]any)
	if xfer["kind"] != "blind" || xfer["from_agent"] != string(oc.agent) || to["number"] != tsunagu.MaskPhone("+81399990001") ||
		xfer["caller_id"] != queueCallerID {
		t.Errorf("contact:transferred %v", xfer)
	}
	// Released (these queues have no after-call work time: available).
	eventually(t, "the agent to be released", func() bool {
		st, _ := oc.agentState(t)
		return st == tsunagu.AgentAfterCallWork || st == tsunagu.AgentAvailable
	})

	// The caller and the outside party talk: the mixer's counts are the
	// new bridge's (the outside party's leg), and sipp the caller echoes
	// what it hears from the outside party.
	looped := stats(t, oc.center, id).RTP.Looped
	heard := oc.browser.Voiced.Load()
	eventually(t, "the caller and the outside party to hear each other", func() bool {
		st := stats(t, oc.center, id)
		return st.Bridge.ToLegVoiced >= 50 && st.Bridge.FromLegVoiced >= 50 && st.RTP.Looped-looped >= 50
	})
	st := stats(t, oc.center, id)
	t.Logf("caller->outside %d voiced frames, outside->caller %d voiced, caller echoed %d; the agent heard %d after the transfer",
		st.Bridge.ToLegVoiced, st.Bridge.FromLegVoiced, st.RTP.Looped-looped, oc.browser.Voiced.Load()-heard)
	if n := oc.browser.Voiced.Load() - heard; n > 10 {
		t.Errorf("the agent heard %d voiced frames after the transfer", n)
	}

	// The call is not the agent's any more; their part's wrap-up is.
	if err := oc.d.Hangup(ctx, tenant, id, oc.agent); tsunagu.ErrorCode(err) != tsunagu.ECONFLICT {
		t.Errorf("the agent hanging up a call transferred out: %v, want conflict", err)
	}
	if _, err := oc.d.Wrap(ctx, tenant, id, oc.agent, tsunagu.WrapUp{DispositionID: "resolved"}); err != nil {
		t.Fatal(err)
	}
	oc.waitAgent(t, tsunagu.AgentAvailable)

	// The call ends (here from the server's side): BYE to both.
	must(t, oc.srv.Hangup(ctx, id))
	oc.waitEvent(t, tsunagu.EventContactEnded, id)
	must(t, callerDone())
	err, trace := outside()
	must(t, err)
	for _, want := range []string{
		fmt.Sprintf("INVITE sip:+81399990001@127.0.0.1:%d", oc.port),
		"From: <sip:" + queueCallerID + "@",
		"P-Asserted-Identity: <sip:" + queueCallerID + "@",
		"BYE sip:",
	} {
		if !strings.Contains(trace, want) {
			t.Fatalf("the outside party did not receive %q:\n%s", want, tail(trace, 4000))
		}
	}
}

// TestTransferOut_BusyAndRefused: numbers the trunk's policy refuses
// change nothing; an allowed number that is busy (486) gives the caller
// back to the agent (contact:transfer_failed "returned"), and they talk
// again until the agent hangs up.
func TestTransferOut_BusyAndRefused(t *testing.T) {
	t.Parallel()
	oc := newOutCenter(t)
	ctx := t.Context()
	id, callerDone := oc.answerCaller(t)

	for _, bad := range []struct {
		number string
		code   string
	}{{"+1 212 555 0100", tsunagu.EFORBIDDEN}, {"call me", tsunagu.EINVALID}} {
		_, err := oc.d.Transfer(ctx, oc.agentPrincipal(), id, tsunagu.TransferTarget{Number: bad.number})
		if tsunagu.ErrorCode(err) != bad.code || tsunagu.ErrorField(err) != "to.number" {
			t.Errorf("transfer to %q: %v, want %s on to.number", bad.number, err, bad.code)
		}
	}
	if _, err := oc.d.Consult(ctx, oc.agentPrincipal(), id, tsunagu.TransferTarget{Number: "03-9999-0002"}); tsunagu.ErrorField(err) != "to.number" {
		t.Errorf("consulting a number: %v, want refused on to.number", err)
	}
	if st, _ := oc.agentState(t); st != tsunagu.AgentOnContact {
		t.Fatalf("agent after refused transfers: %s", st)
	}

	outside := oc.customer(t, "out_busy.xml")
	_, err := oc.d.Transfer(ctx, oc.agentPrincipal(), id, tsunagu.TransferTarget{Number: "03-9999-0002"})
	must(t, err)
	f := payload(t, oc.waitEvent(t, tsunagu.EventContactTransferFailed, id))
	if f["outcome"] != "returned" || f["reason"] != "busy" || f["sip_status"] != float64(486) || f["from_agent"] != string(oc.agent) {
		t.Errorf("contact:transfer_failed %v", f)
	}
	must(t, first(outside()))
	// Back with the agent, both ways.
	heard := oc.browser.Voiced.Load()
	eventually(t, "the agent and the caller to talk again", func() bool {
		st := stats(t, oc.center, id)
		return oc.browser.Voiced.Load()-heard >= 50 && st.Bridge.FromLegVoiced >= 50
	})
	if st, _ := oc.agentState(t); st != tsunagu.AgentOnContact {
		t.Errorf("agent after the busy number: %s", st)
	}
	must(t, oc.d.Hangup(ctx, tenant, id, oc.agent))
	if p := payload(t, oc.waitEvent(t, tsunagu.EventContactEnded, id)); p["by"] != "agent" {
		t.Errorf("contact:ended %v", p)
	}
	must(t, callerDone())
}

// TestDeskPhone_ReferNumber: the agent's desk phone transfers by REFER,
// first to a number the trunk does not allow (NOTIFY 403, the call goes
// on), then to an allowed one: the outside party (sipp) answers, the
// phone gets NOTIFY 200 and BYE, the caller talks with the outside party,
// who hangs up: the caller gets BYE and the contact ends "by":"outside".
func TestDeskPhone_ReferNumber(t *testing.T) {
	t.Parallel()
	c, agent, port, uas := newReferOutCenter(t, "desk-701")
	ctx := t.Context()

	var wg sync.WaitGroup
	var phoneErr, outErr, callerErr error
	var phoneTrace, outTrace string
	wg.Go(func() {
		phoneErr, phoneTrace = sippPhone(t, c.srv, "agent_refer.xml", "desk-701", uas,
			map[string]string{"refused": "+12125550100", "transfer_to": "0399990003"})
	})
	wg.Go(func() {
		outErr, outTrace = sippPhone(t, c.srv, "out_answer_hangup.xml", "outside", port, nil, "-rtp_echo")
	})
	wg.Go(func() { callerErr, _ = sipp(t, c.srv, "uac_transfer.xml", dialled, "-rtp_echo") })

	id := c.waitEvent(t, tsunagu.EventContactConnected, "").ContactID
	xfer := payload(t, c.waitEvent(t, tsunagu.EventContactTransferred, id))
	if to, _ := xfer["to"].(map[string]any); to["number"] != tsunagu.MaskPhone("+81399990003") || xfer["from_agent"] != string(agent) {
		t.Errorf("contact:transferred %v", xfer)
	}
	if p := payload(t, c.waitEvent(t, tsunagu.EventContactEnded, id)); p["by"] != "outside" {
		t.Errorf("contact:ended %v, want by the outside party", p)
	}
	wg.Wait()
	if phoneErr != nil || outErr != nil || callerErr != nil {
		t.Fatalf("phone: %v\noutside: %v\ncaller: %v", phoneErr, outErr, callerErr)
	}
	for _, s := range []string{"SIP/2.0 403 Forbidden", "SIP/2.0 200 OK", "message/sipfrag"} {
		if !strings.Contains(phoneTrace, s) {
			t.Errorf("no %q in the phone's trace:\n%s", s, tail(phoneTrace, 4000))
		}
	}
	if !strings.Contains(outTrace, "INVITE sip:+81399990003@") || strings.Contains(outTrace, "+12125550100") {
		t.Errorf("the outside party's trace:\n%s", tail(outTrace, 3000))
	}
	if a, err := c.db.FindAgent(ctx, tenant, agent); err != nil || a.State == tsunagu.AgentOnContact {
		t.Errorf("agent after the transfer: %+v %v", a, err)
	}
}

// TestDeskPhone_ReferNumberPhoneGone: the desk phone transfers to an
// outside number and hangs up at once; the number is not answered (sipp
// rings until our CANCEL). The agent is not there to take the caller
// back, so routing queues the caller again at the head of their queue
// (contact:transfer_failed "requeued", then contact:transferred to the
// queue): the caller is not lost, and hears us until the end.
func TestDeskPhone_ReferNumberPhoneGone(t *testing.T) {
	t.Parallel()
	c, agent, port, uas := newReferOutCenter(t, "desk-702")
	ctx := t.Context()

	var wg sync.WaitGroup
	var phoneErr, outErr, callerErr error
	var outTrace string
	wg.Go(func() {
		phoneErr, _ = sippPhone(t, c.srv, "agent_refer_bye.xml", "desk-702", uas, map[string]string{"transfer_to": "0399990004"})
	})
	wg.Go(func() { outErr, outTrace = sippPhone(t, c.srv, "out_cancel.xml", "outside", port, nil) })
	wg.Go(func() { callerErr, _ = sipp(t, c.srv, "uac_transfer.xml", dialled, "-rtp_echo") })

	id := c.waitEvent(t, tsunagu.EventContactConnected, "").ContactID
	f := payload(t, c.waitEvent(t, tsunagu.EventContactTransferFailed, id))
	if f["outcome"] != "requeued" || f["reason"] != "no_answer" {
		t.Errorf("contact:transfer_failed %v", f)
	}
	xfer := payload(t, c.waitEvent(t, tsunagu.EventContactTransferred, id))
	if to, _ := xfer["to"].(map[string]any); to["queue_id"] != "tech" || xfer["reason"] != "number_no_answer" || xfer["from_agent"] != string(agent) {
		t.Errorf("contact:transferred %v, want to the caller's queue", xfer)
	}
	// The caller waits with the music: sipp echoes what it receives.
	looped := stats(t, c.center, id).RTP.Looped
	eventually(t, "the requeued caller to hear us", func() bool { return stats(t, c.center, id).RTP.Looped-looped >= 25 })
	must(t, c.srv.Hangup(ctx, id))
	wg.Wait()
	if phoneErr != nil || outErr != nil || callerErr != nil {
		t.Fatalf("phone: %v\noutside: %v\ncaller: %v", phoneErr, outErr, callerErr)
	}
	if !strings.Contains(outTrace, "CANCEL sip:+81399990004@") {
		t.Errorf("no CANCEL to the outside number:\n%s", tail(outTrace, 3000))
	}
}

// newReferOutCenter is a desk-phone center whose trunk dials out to a
// port the test's outside party (sipp) will take, with name's desk phone
// registered (on uas) and its agent available.
func newReferOutCenter(t *testing.T, name string) (c *deskCenter, agent tsunagu.AgentID, port, uas int) {
	t.Helper()
	c = newDeskCenterWith(t, 10*time.Second, func(cfg *telephony.Config) {
		cfg.Router.(*dispatch.Dispatcher).Outbound = deskTrunk{cfg.Store.(*sqlite.DB)}
	}, name)
	ctx := t.Context()
	agent = c.agents[name]
	port, uas = freePort(t, "udp", false), freePort(t, "udp", false)
	_, err := c.db.SetTrunkOutbound(ctx, tenant, "trunk", &tsunagu.TrunkOutbound{Target: fmt.Sprintf("127.0.0.1:%d", port)})
	must(t, err)
	must(t, first(register(t, c.srv, "agent_register.xml", name, deskPassword, uas, "3600")))
	_, err = c.d.SetAgentState(ctx, tenant, agent, tsunagu.StateChange{State: tsunagu.AgentAvailable})
	must(t, err)
	return c, agent, port, uas
}
