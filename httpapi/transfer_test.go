package httpapi_test

import (
	"context"
	"testing"
	"time"

	"tsunagu"
	"tsunagu/dispatch"
	"tsunagu/httpapi"
	"tsunagu/sqlite"
)

// TestTransfer_API drives blind and warm transfer through the API with
// routing running (no telephony): who may transfer, what bad input gets,
// the picker's targets, and each step's effect on the contact.
func TestTransfer_API(t *testing.T) {
	var d *dispatch.Dispatcher
	e := newEnv(t, func(c *httpapi.Config) {
		withDispatch(t)(c)
		d = c.Dispatch.(*dispatch.Dispatcher)
	})
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(e.db.CreateQueue(ctx, &tsunagu.Queue{TenantID: "a", ID: "q", Name: "一般", ACWSeconds: 60}))
	must(e.db.CreateDisposition(ctx, &tsunagu.Disposition{TenantID: "a", ID: "resolved", Name: "解決"}))
	hash, err := httpapi.HashPassword(testPassword)
	must(err)
	must(e.db.CreateUser(ctx, &tsunagu.User{TenantID: "a", Username: "a-agent2", DisplayName: "佐藤", Role: tsunagu.RoleAgent}, hash))
	op, op2, sv := e.login("a-agent"), e.login("a-agent2"), e.login("a-supervisor")
	for _, c := range []*client{op, op2} {
		if res := c.do("PUT", "/api/v1/me/state", map[string]string{"state": "available"}); res.StatusCode != 200 {
			t.Fatalf("available: %d %s", res.StatusCode, res.body)
		}
	}
	// A caller queues; op (idle the longest) answers.
	now := time.Now()
	call := &tsunagu.Contact{TenantID: "a", Direction: tsunagu.Inbound, Number: "09012345678", ArrivedAt: now}
	must(e.db.CreateContact(ctx, call))
	call, err = e.db.UpdateContact(ctx, "a", call.ID, tsunagu.EventContactQueued, nil, func(c *tsunagu.Contact) error {
		c.State, c.QueueID, c.QueuedAt = tsunagu.ContactQueued, "q", &now
		return nil
	})
	must(err)
	must(d.Enqueue(ctx, call))
	path := "/api/v1/contacts/" + string(call.ID)
	if res := op.do("POST", path+"/answer", nil); res.StatusCode != 200 {
		t.Fatalf("answer: %d %s", res.StatusCode, res.body)
	}

	var targets httpapi.TransferTargets
	op.do("GET", "/api/v1/transfer/targets", nil).json(&targets)
	if len(targets.Queues) != 1 || len(targets.Agents) != 1 || targets.Agents[0].Name != "佐藤" ||
		targets.Agents[0].State != tsunagu.AgentAvailable || targets.Leader {
		t.Fatalf("targets = %+v", targets)
	}
	to2 := map[string]any{"to": map[string]any{"agent_id": op2.me.Agent.ID}}
	if res := e.login("b-agent").do("POST", path+"/transfer", to2); res.StatusCode != 404 {
		t.Fatalf("tenant b transferring a's call: %d %s", res.StatusCode, res.body)
	}
	if res := op2.do("POST", path+"/transfer", to2); res.StatusCode != 403 {
		t.Fatalf("a colleague transferring someone else's call: %d %s", res.StatusCode, res.body)
	}
	for _, bad := range []struct {
		body  any
		field string
	}{
		{map[string]any{"to": map[string]any{}}, "to"},
		{map[string]any{"to": map[string]any{"queue_id": "nope"}}, "to.queue_id"},
		{map[string]any{"to": map[string]any{"leader": true}}, "to.leader"},
		{map[string]any{"to": map[string]any{"queue_id": "q"}, "tenant_id": "b"}, "tenant_id"},
	} {
		res := sv.do("POST", path+"/transfer", bad.body)
		if res.StatusCode/100 != 4 || res.problem().Field != bad.field {
			t.Errorf("transfer %v: %d %s, want field %q", bad.body, res.StatusCode, res.body, bad.field)
		}
	}
	res := op.do("POST", path+"/transfer", to2)
	if res.StatusCode != 200 {
		t.Fatalf("transfer: %d %s", res.StatusCode, res.body)
	}
	var c tsunagu.Contact
	res.json(&c)
	if c.State != tsunagu.ContactQueued || c.Number == "+819012345678" {
		t.Fatalf("after transfer: %+v (number must be masked)", c)
	}
	if res := op2.do("POST", path+"/answer", nil); res.StatusCode != 200 {
		t.Fatalf("colleague answers the transfer: %d %s", res.StatusCode, res.body)
	}
	if res := op.do("POST", path+"/wrapup", map[string]any{"disposition_id": "resolved"}); res.StatusCode != 200 {
		t.Fatalf("first operator's part: %d %s", res.StatusCode, res.body)
	}

	// Warm: op2 consults op, who answers; then op2 completes.
	if res := op2.do("POST", path+"/consult/complete", nil); res.StatusCode != 409 {
		t.Fatalf("complete without a consultation: %d %s", res.StatusCode, res.body)
	}
	res = op2.do("POST", path+"/consult", map[string]any{"to": map[string]any{"agent_id": op.me.Agent.ID}})
	var cr httpapi.ConsultReply
	if res.json(&cr); res.StatusCode != 200 || cr.AgentID != op.me.Agent.ID {
		t.Fatalf("consult: %d %s", res.StatusCode, res.body)
	}
	if res := op.do("POST", path+"/answer", nil); res.StatusCode != 200 {
		t.Fatalf("consulted operator answers: %d %s", res.StatusCode, res.body)
	}
	if res := op.do("POST", path+"/consult/complete", nil); res.StatusCode != 403 {
		t.Fatalf("the consulted operator completing: %d %s", res.StatusCode, res.body)
	}
	res = op2.do("POST", path+"/consult/complete", nil)
	if res.json(&c); res.StatusCode != 200 || c.AgentID != op.me.Agent.ID {
		t.Fatalf("complete: %d %s", res.StatusCode, res.body)
	}
	var detail httpapi.ContactDetail
	sv.do("GET", path, nil).json(&detail)
	n := 0
	for _, ev := range detail.Events {
		if ev.Type == tsunagu.EventContactTransferred {
			n++
		}
	}
	if n != 2 {
		t.Fatalf("%d transfers in the history, want 2", n)
	}
}

// TestTransfer_APINumber: a blind transfer to an outside number goes
// through the same endpoint ({"to":{"number":…}}) and the outbound trunk's
// policy: a number the trunk does not allow is 403 problem+json with code
// "forbidden" on field "to.number", one that is not a number 400 "invalid"
// on the same field, a number beside another target 400 on "to", and a
// consultation cannot go to a number. Nothing changes on an error: the
// operator still has the caller. (Placing the call needs telephony: here,
// without a phone, an allowed number is 501; the call itself is tested in
// telephony/transferout_test.go with sipp peers.)
func TestTransfer_APINumber(t *testing.T) {
	dialer := &recordingDialer{}
	var d *dispatch.Dispatcher
	e := newEnv(t, func(c *httpapi.Config) {
		db := c.Store.(*sqlite.DB)
		dialer.db = db
		withDispatch(t)(c)
		d = c.Dispatch.(*dispatch.Dispatcher)
		d.Outbound = dialer
	})
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(e.db.CreateQueue(ctx, &tsunagu.Queue{TenantID: "a", ID: "q", Name: "一般"}))
	must(e.db.CreateTrunk(ctx, &tsunagu.Trunk{TenantID: "a", ID: "tr", Name: "carrier", AllowedNets: []string{"192.0.2.1"},
		Numbers: []tsunagu.DID{{Number: "0312345678", DefaultQueue: "q"}}}))
	if res := e.login("a-admin").do("PUT", "/api/v1/trunks/tr/outbound", map[string]any{"target": "192.0.2.1:5060"}); res.StatusCode != 200 {
		t.Fatalf("set outbound: %d %s", res.StatusCode, res.body)
	}
	op := e.login("a-agent")
	if res := op.do("PUT", "/api/v1/me/state", map[string]string{"state": "available"}); res.StatusCode != 200 {
		t.Fatalf("available: %d %s", res.StatusCode, res.body)
	}
	now := time.Now()
	call := &tsunagu.Contact{TenantID: "a", Direction: tsunagu.Inbound, Number: "09012345678", ArrivedAt: now}
	must(e.db.CreateContact(ctx, call))
	call, err := e.db.UpdateContact(ctx, "a", call.ID, tsunagu.EventContactQueued, nil, func(c *tsunagu.Contact) error {
		c.State, c.QueueID, c.QueuedAt = tsunagu.ContactQueued, "q", &now
		return nil
	})
	must(err)
	must(d.Enqueue(ctx, call))
	path := "/api/v1/contacts/" + string(call.ID)
	if res := op.do("POST", path+"/answer", nil); res.StatusCode != 200 {
		t.Fatalf("answer: %d %s", res.StatusCode, res.body)
	}
	number := func(n string) map[string]any { return map[string]any{"to": map[string]any{"number": n}} }
	for _, bad := range []struct {
		path   string
		body   any
		status int
		code   string
		field  string
	}{
		{"/transfer", number("+1 212 555 0100"), 403, tsunagu.EFORBIDDEN, "to.number"},
		{"/transfer", number("call me"), 400, tsunagu.EINVALID, "to.number"},
		{"/transfer", map[string]any{"to": map[string]any{"number": "0399990001", "queue_id": "q"}}, 400, tsunagu.EINVALID, "to"},
		{"/consult", number("0399990001"), 400, tsunagu.EINVALID, "to.number"},
		{"/transfer", number("0399990001"), 501, tsunagu.ENOTIMPLEMENTED, ""},
	} {
		res := op.do("POST", path+bad.path, bad.body)
		if p := res.problem(); res.StatusCode != bad.status || p.Code != bad.code || p.Field != bad.field {
			t.Errorf("%s %v: %d %s, want %d %s on %q", bad.path, bad.body, res.StatusCode, res.body, bad.status, bad.code, bad.field)
		}
	}
	if res := e.login("b-agent").do("POST", path+"/transfer", number("0399990001")); res.StatusCode != 404 {
		t.Errorf("tenant b transferring a's call to a number: %d %s", res.StatusCode, res.body)
	}
	var c tsunagu.Contact
	op.do("GET", path, nil).json(&c)
	if c.State != tsunagu.ContactConnected || c.AgentID != op.me.Agent.ID || len(dialer.dialed) != 0 {
		t.Fatalf("after refused transfers: %+v, %d dialled", c, len(dialer.dialed))
	}
}
