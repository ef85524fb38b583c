package telephony_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"tsunagu"
)

// The desk tests' routing phone can transfer (dispatch.TransferPhone), as
// serve's voice does.
func (v *deskVoice) Requeue(ctx context.Context, id tsunagu.ContactID) error {
	return v.srv.Requeue(ctx, id)
}
func (v *deskVoice) ConsultJoin(ctx context.Context, id tsunagu.ContactID, agent tsunagu.AgentID) error {
	leg, ok := v.srv.ConsultLeg(id) // the consulted agent's desk phone (deskconsult.go)
	if !ok {
		return tsunagu.Errorf(tsunagu.ECONFLICT, "the consulted desk phone has not answered")
	}
	return v.srv.ConsultJoin(ctx, id, leg)
}
func (v *deskVoice) ReleaseConsult(id tsunagu.ContactID) { v.srv.DropConsultDesk(id) }
func (v *deskVoice) ConsultEnd(ctx context.Context, id tsunagu.ContactID, complete bool) error {
	return v.srv.ConsultEnd(ctx, id, complete)
}

// DeskTransfer routes the phone's REFER as serve's deskHandler does.
func (h deskActions) DeskTransfer(ctx context.Context, t tsunagu.TenantID, id tsunagu.ContactID, a tsunagu.AgentID, to tsunagu.TransferTarget) error {
	p := &tsunagu.Principal{TenantID: t, AgentID: a, Role: tsunagu.RoleAgent}
	_, err := h.d.Transfer(ctx, p, id, to)
	return err
}

// TestDeskPhone_Refer: the first agent's desk phone answers a trunk caller
// and presses transfer. To "nobody": 202, NOTIFY 100 Trying, NOTIFY 404,
// and the call goes on. Then to the billing queue (by its ID) or to the
// second agent (by their SIP username): 202, NOTIFY 100, NOTIFY 200 OK,
// BYE to the first phone; routing records the blind transfer and the
// caller is offered to the second agent, whose phone answers.
func TestDeskPhone_Refer(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, to string }{{"Queue", "billing"}, {"Agent", "desk-602"}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newDeskCenter(t, 10*time.Second, "desk-601", "desk-602")
			a1, a2 := c.agents["desk-601"], c.agents["desk-602"]
			uas1, uas2 := freePort(t, "udp", false), freePort(t, "udp", false)
			must(t, first(register(t, c.srv, "agent_register.xml", "desk-601", deskPassword, uas1, "3600")))
			must(t, first(register(t, c.srv, "agent_register.xml", "desk-602", deskPassword, uas2, "3600")))
			_, err := c.d.SetAgentState(t.Context(), tenant, a1, tsunagu.StateChange{State: tsunagu.AgentAvailable})
			must(t, err)

			var wg sync.WaitGroup
			var e1, e2, callerErr error
			var trace1 string
			wg.Go(func() {
				e1, trace1 = sippPhone(t, c.srv, "agent_refer.xml", "desk-601", uas1, map[string]string{"refused": "nobody", "transfer_to": tc.to})
			})
			wg.Go(func() { e2, _ = sippPhone(t, c.srv, "agent_answer.xml", "desk-602", uas2, nil) })
			wg.Go(func() { callerErr, _ = sipp(t, c.srv, "uac_transfer.xml", dialled, "-rtp_echo") })

			conn := c.waitEvent(t, tsunagu.EventContactConnected, "")
			id := conn.ContactID
			if !strings.Contains(string(conn.Payload), string(a1)) && conn.AgentID != a1 {
				t.Fatalf("first connected %s, want %s", conn.Payload, a1)
			}
			// The second agent takes calls from now on (the first phone
			// waits 1.5 s before it transfers).
			_, err = c.d.SetAgentState(t.Context(), tenant, a2, tsunagu.StateChange{State: tsunagu.AgentAvailable})
			must(t, err)

			xfer := payload(t, c.waitEvent(t, tsunagu.EventContactTransferred, id))
			to, _ := xfer["to"].(map[string]any)
			if xfer["kind"] != "blind" || xfer["from_agent"] != string(a1) {
				t.Errorf("transferred %v", xfer)
			}
			switch tc.name {
			case "Queue":
				if to["queue_id"] != "billing" || xfer["queue_id"] != "billing" {
					t.Errorf("transferred to %v, want the billing queue", xfer)
				}
			case "Agent":
				if to["agent_id"] != string(a2) {
					t.Errorf("transferred to %v, want agent %s", xfer, a2)
				}
			}
			off := c.waitEvent(t, tsunagu.EventContactOffered, id)
			if !strings.Contains(string(off.Payload), string(a2)) {
				t.Fatalf("offered %s after the transfer, want %s", off.Payload, a2)
			}
			conn = c.waitEvent(t, tsunagu.EventContactConnected, id)
			if !strings.Contains(string(conn.Payload), string(a2)) && conn.AgentID != a2 {
				t.Fatalf("connected %s after the transfer, want %s", conn.Payload, a2)
			}
			if p := payload(t, c.waitEvent(t, tsunagu.EventContactEnded, id)); p["by"] != "agent" {
				t.Errorf("ended %v, want by agent (the second phone's BYE)", p)
			}
			wg.Wait()
			if e1 != nil || e2 != nil || callerErr != nil {
				t.Fatalf("phone 1: %v\nphone 2: %v\ncaller: %v", e1, e2, callerErr)
			}
			// The scenario checked each NOTIFY's sipfrag; the trace shows
			// the package as sent.
			for _, s := range []string{"Subscription-State: terminated", "message/sipfrag", "SIP/2.0 404 Not Found", "SIP/2.0 202 Accepted"} {
				if !strings.Contains(trace1, s) {
					t.Errorf("no %q in the first phone's trace:\n%s", s, tail(trace1, 4000))
				}
			}
		})
	}
}
