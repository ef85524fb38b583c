package httpapi_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"tsunagu"
	"tsunagu/httpapi"
)

// liveCall stores a contact connected to the agent user, as dispatch would,
// for a customer whose name the leader's inbox must mask.
func (e *env) liveCall(agentUser string) *tsunagu.Contact {
	e.t.Helper()
	ctx := context.Background()
	u := e.users[agentUser]
	cu := &tsunagu.Customer{TenantID: u.TenantID, Name: "山田 太郎", Phones: []tsunagu.Phone{{Number: "09012345678"}}}
	if err := e.db.CreateCustomer(ctx, cu); err != nil {
		e.t.Fatal(err)
	}
	c := &tsunagu.Contact{TenantID: u.TenantID, Direction: tsunagu.Inbound, Number: "09012345678", CustomerID: cu.ID, ArrivedAt: time.Now()}
	if err := e.db.CreateContact(ctx, c); err != nil {
		e.t.Fatal(err)
	}
	c, err := e.db.UpdateContact(ctx, u.TenantID, c.ID, tsunagu.EventContactConnected, nil, func(c *tsunagu.Contact) error {
		now := time.Now()
		c.State, c.AgentID, c.ConnectedAt = tsunagu.ContactConnected, u.AgentID, &now
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// TestEscalation_Flow: the operator asks about their live call, the leader
// sees it in the inbox (customer masked, agent named), approves with a note,
// and the operator's own event stream brings the answer. Then every bad
// input is refused with the field at fault.
func TestEscalation_Flow(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	op, sv := e.login("a-agent"), e.login("a-supervisor")
	call := e.liveCall("a-agent")
	conn, err := op.dialEvents(ctx, mustLast(t, e))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()

	res := op.do("POST", "/api/v1/escalations", map[string]any{"contact_id": call.ID, "reason": "解約金の免除", "urgency": "high", "note": "10年来のお客様、強いご希望"})
	if res.StatusCode != 201 {
		t.Fatalf("create: %d %s", res.StatusCode, res.body)
	}
	var esc tsunagu.Escalation
	res.json(&esc)
	if esc.Status != tsunagu.EscalationPending || esc.AgentID != e.users["a-agent"].AgentID || esc.Urgency != tsunagu.UrgencyHigh {
		t.Fatalf("created = %+v", esc)
	}
	if ev := readEvent(ctx, t, conn); ev.Type != tsunagu.EventEscalationRequested || ev.Subject != string(esc.ID) {
		t.Fatalf("agent's stream: %+v", ev)
	}
	if res := op.do("POST", "/api/v1/escalations", map[string]any{"contact_id": call.ID, "reason": "もう一度"}); res.StatusCode != 409 || res.problem().Field != "contact_id" {
		t.Fatalf("second pending: %d %s", res.StatusCode, res.body)
	}

	var inbox httpapi.List[httpapi.EscalationView]
	sv.do("GET", "/api/v1/escalations?status=pending", nil).json(&inbox)
	if len(inbox.Items) != 1 {
		t.Fatalf("inbox = %+v", inbox)
	}
	v := inbox.Items[0]
	if v.ID != esc.ID || v.AgentName != "User agent" || !strings.HasPrefix(v.CustomerName, "山田") || strings.Contains(v.CustomerName, "太郎") ||
		v.ContactState != tsunagu.ContactConnected || v.CallStartedAt == nil {
		t.Fatalf("inbox item = %+v", v)
	}
	// Tenant b's leader sees none of it and cannot answer it.
	b := e.login("b-supervisor")
	var other httpapi.List[httpapi.EscalationView]
	b.do("GET", "/api/v1/escalations?status=all", nil).json(&other)
	if len(other.Items) != 0 {
		t.Fatalf("tenant b's inbox = %+v", other)
	}
	if res := b.do("POST", "/api/v1/escalations/"+string(esc.ID)+"/approve", map[string]string{}); res.StatusCode != 404 {
		t.Fatalf("tenant b approves: %d", res.StatusCode)
	}

	res = sv.do("POST", "/api/v1/escalations/"+string(esc.ID)+"/approve", map[string]string{"note": "Go! 今回限り"})
	if res.StatusCode != 200 {
		t.Fatalf("approve: %d %s", res.StatusCode, res.body)
	}
	ev := readEvent(ctx, t, conn)
	if ev.Type != tsunagu.EventEscalationApproved || ev.Subject != string(esc.ID) || ev.ContactID != call.ID || !strings.Contains(string(ev.Payload), "今回限り") {
		t.Fatalf("the answer on the agent's stream: %+v %s", ev, ev.Payload)
	}
	if res := sv.do("POST", "/api/v1/escalations/"+string(esc.ID)+"/decline", map[string]string{}); res.StatusCode != 409 || res.problem().Code != tsunagu.ECONFLICT {
		t.Fatalf("decided twice: %d %s", res.StatusCode, res.body)
	}
	// The exception granted is listed, and the contact's events show it.
	var granted httpapi.List[httpapi.EscalationView]
	sv.do("GET", "/api/v1/escalations?status=approved", nil).json(&granted)
	if len(granted.Items) != 1 || granted.Items[0].DecidedBy != e.users["a-supervisor"].ID || granted.Items[0].DecisionNote != "Go! 今回限り" || granted.Items[0].DecidedByName != "User supervisor" {
		t.Fatalf("granted = %+v", granted)
	}
	var detail httpapi.ContactDetail
	op.do("GET", "/api/v1/contacts/"+string(call.ID), nil).json(&detail)
	var types []string
	for _, ev := range detail.Events {
		types = append(types, string(ev.Type))
	}
	if got := strings.Join(types, " "); got != "contact:arrived contact:connected escalation:requested escalation:approved" {
		t.Fatalf("contact events: %s", got)
	}

	t.Run("BadInput", func(t *testing.T) {
		other := e.liveCall("a-agent")
		if _, err := e.db.UpdateContact(ctx, "a", other.ID, tsunagu.EventContactEnded, nil, func(c *tsunagu.Contact) error {
			c.State = tsunagu.ContactEnded
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			who    *client
			body   any
			status int
			field  string
		}{
			{op, map[string]any{"reason": "x"}, 400, "contact_id"},
			{op, map[string]any{"contact_id": call.ID}, 400, "reason"},
			{op, map[string]any{"contact_id": call.ID, "reason": "x", "urgency": "panic"}, 400, "urgency"},
			{op, map[string]any{"contact_id": call.ID, "reason": strings.Repeat("長", 201)}, 400, "reason"},
			{op, map[string]any{"contact_id": call.ID, "reason": "x", "tenant_id": "b"}, 400, "tenant_id"},
			{op, map[string]any{"contact_id": "con_nope", "reason": "x"}, 404, "contact_id"},
			{op, map[string]any{"contact_id": other.ID, "reason": "x"}, 409, "contact_id"},
			{sv, map[string]any{"contact_id": call.ID, "reason": "x"}, 403, ""},
		} {
			res := tc.who.do("POST", "/api/v1/escalations", tc.body)
			if res.StatusCode != tc.status || res.problem().Field != tc.field {
				t.Errorf("%v: %d %s, want %d on %q", tc.body, res.StatusCode, res.body, tc.status, tc.field)
			}
		}
		// Someone else's call.
		e2 := e.liveCall("a-agent")
		if _, err := e.db.UpdateContact(ctx, "a", e2.ID, tsunagu.EventContactConnected, nil, func(c *tsunagu.Contact) error {
			c.AgentID = "agt_someone_else"
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if res := op.do("POST", "/api/v1/escalations", map[string]any{"contact_id": e2.ID, "reason": "x"}); res.StatusCode != 403 || res.problem().Field != "contact_id" {
			t.Errorf("someone else's call: %d %s", res.StatusCode, res.body)
		}
		if res := sv.do("GET", "/api/v1/escalations?status=maybe", nil); res.StatusCode != 400 || res.problem().Field != "status" {
			t.Errorf("bad status: %d %s", res.StatusCode, res.body)
		}
		if res := sv.do("POST", "/api/v1/escalations/"+string(esc.ID)+"/approve", map[string]string{"note": strings.Repeat("x", 2001)}); res.StatusCode != 400 || res.problem().Field != "note" {
			t.Errorf("long note: %d %s", res.StatusCode, res.body)
		}
		if res := sv.do("POST", "/api/v1/escalations/"+string(esc.ID)+"/approve", map[string]any{"note": 5}); res.StatusCode != 400 || res.problem().Field != "note" {
			t.Errorf("note not a string: %d %s", res.StatusCode, res.body)
		}
	})
}
