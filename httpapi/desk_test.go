package httpapi_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"tsunagu"
	"tsunagu/dispatch"
	"tsunagu/httpapi"
	"tsunagu/sqlite"
)

// withDispatch runs routing (no telephony) so call control answers.
func withDispatch(t *testing.T) func(*httpapi.Config) {
	return func(c *httpapi.Config) {
		d := &dispatch.Dispatcher{Store: c.Store.(*sqlite.DB)}
		ctx, stop := context.WithCancel(context.Background())
		if err := d.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			stop()
			d.Wait()
		})
		c.Dispatch = d
	}
}

// TestDesk_VerificationAndWrapUp: the queue requires the identity check, so
// the wrap-up is refused (field "verification") until the operator records
// one; a refusal counts as recorded and says so. Then the wrap-up's
// required fields, its feedback, callback and abusive flag, each bad input
// refused with its field, and the callback in "My callbacks".
func TestDesk_VerificationAndWrapUp(t *testing.T) {
	e := newEnv(t, withDispatch(t))
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(e.db.CreateQueue(ctx, &tsunagu.Queue{TenantID: "a", ID: "q", Name: "一般", Verification: []string{"氏名", "生年月日"}, VerificationRequired: true}))
	must(e.db.CreateReason(ctx, &tsunagu.ContactReason{TenantID: "a", ID: "password", Name: "パスワード"}))
	must(e.db.CreateDisposition(ctx, &tsunagu.Disposition{TenantID: "a", ID: "resolved", Name: "解決"}))
	call := e.liveCall("a-agent")
	_, err := e.db.UpdateContact(ctx, "a", call.ID, tsunagu.EventContactQueued, nil, func(c *tsunagu.Contact) error {
		c.QueueID = "q"
		return nil
	})
	must(err)
	op, sv := e.login("a-agent"), e.login("a-supervisor")
	verify := "/api/v1/contacts/" + string(call.ID) + "/verification"
	wrap := "/api/v1/contacts/" + string(call.ID) + "/wrapup"

	for _, bad := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"outcome": "maybe"}, "outcome"},
		{map[string]any{"outcome": "failed", "checked": []string{"血液型"}}, "checked"},
		{map[string]any{"outcome": "verified", "checked": []string{"氏名"}}, "checked"}, // not every item
		{map[string]any{"outcome": "verified", "checked": []string{"氏名", "氏名"}}, "checked"},
	} {
		res := op.do("POST", verify, bad.body)
		if res.StatusCode != 400 || res.problem().Field != bad.field {
			t.Errorf("verification %v: %d %s, want 400 field %s", bad.body, res.StatusCode, res.body, bad.field)
		}
	}
	if res := sv.do("POST", verify, map[string]any{"outcome": "refused"}); res.StatusCode != 403 {
		t.Fatalf("a supervisor (no call) verifying: %d %s", res.StatusCode, res.body)
	}
	if res := e.login("b-agent").do("POST", verify, map[string]any{"outcome": "refused"}); res.StatusCode != 404 {
		t.Fatalf("tenant b verifying a's call: %d %s", res.StatusCode, res.body)
	}

	_, err = e.db.UpdateContact(ctx, "a", call.ID, tsunagu.EventContactEnded, nil, func(c *tsunagu.Contact) error {
		c.State = tsunagu.ContactEnded
		return nil
	})
	must(err)
	full := map[string]any{"reason_id": "password", "disposition_id": "resolved", "notes": "手順をご案内", "thank_you": true}
	if res := op.do("POST", wrap, full); res.StatusCode != 400 || res.problem().Field != "verification" {
		t.Fatalf("wrap-up without verification: %d %s", res.StatusCode, res.body)
	}
	res := op.do("POST", verify, map[string]any{"outcome": "refused", "checked": []string{}})
	if res.StatusCode != 200 {
		t.Fatalf("refusal: %d %s", res.StatusCode, res.body)
	}
	var c tsunagu.Contact
	res.json(&c)
	if c.Verification != tsunagu.VerificationRefused {
		t.Fatalf("after refusal: %+v", c)
	}

	soon := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	for _, bad := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"disposition_id": "resolved"}, "reason_id"},
		{map[string]any{"reason_id": "password"}, "disposition_id"},
		{map[string]any{"reason_id": "nope", "disposition_id": "resolved"}, "reason_id"},
		{with(full, "feedback", map[string]any{"category": "gossip", "text": "x"}), "feedback.category"},
		{with(full, "callback", map[string]any{"due_at": "2001-01-01T00:00:00Z"}), "callback.due_at"},
		{with(full, "callback", map[string]any{"due_at": soon, "owner": "boss"}), "callback.owner"},
		{with(full, "callback", map[string]any{"due_at": soon, "number": "12"}), "callback.number"},
		{with(full, "abusive", "extreme"), "abusive"},
	} {
		res := op.do("POST", wrap, bad.body)
		if res.StatusCode != 400 || res.problem().Field != bad.field {
			t.Errorf("wrap-up %v: %d %s, want 400 field %s", bad.body, res.StatusCode, res.body, bad.field)
		}
	}
	good := with(with(with(full, "feedback", map[string]any{"category": "product", "text": "アプリの文字が小さい"}),
		"callback", map[string]any{"due_at": soon, "owner": "me"}), "abusive", "high")
	if res := op.do("POST", wrap, good); res.StatusCode != 200 {
		t.Fatalf("wrap-up: %d %s", res.StatusCode, res.body)
	}
	var detail httpapi.ContactDetail
	sv.do("GET", "/api/v1/contacts/"+string(call.ID), nil).json(&detail)
	seen := map[tsunagu.EventType]json.RawMessage{}
	for _, ev := range detail.Events {
		seen[ev.Type] = ev.Payload
	}
	if detail.State != tsunagu.ContactWrapped || detail.Abusive != tsunagu.SeverityHigh || detail.Verification != tsunagu.VerificationRefused ||
		string(seen[tsunagu.EventContactFlagged]) != `{"severity":"high"}` || seen[tsunagu.EventContactFeedback] == nil || seen[tsunagu.EventCallbackScheduled] == nil {
		t.Fatalf("contact after wrap-up: %+v", detail)
	}

	// The promised callback is in "My callbacks", with the caller's number.
	var list httpapi.List[tsunagu.Callback]
	op.do("GET", "/api/v1/callbacks?owner=me&status=open", nil).json(&list)
	if len(list.Items) != 1 || list.Items[0].Number != "+819012345678" || list.Items[0].ContactID != call.ID {
		t.Fatalf("my callbacks = %+v", list.Items)
	}
	cb := list.Items[0]
	if res := e.login("b-agent").do("GET", "/api/v1/callbacks?owner=me", nil); res.StatusCode != 200 || string(res.body) != "{\"items\":[]}\n" {
		t.Fatalf("tenant b's callbacks: %d %s", res.StatusCode, res.body)
	}
	if res := op.do("GET", "/api/v1/callbacks?owner=all", nil); res.StatusCode != 403 || res.problem().Field != "owner" {
		t.Fatalf("agent listing everyone's: %d %s", res.StatusCode, res.body)
	}
	if res := op.do("GET", "/api/v1/callbacks?status=soon", nil); res.StatusCode != 400 || res.problem().Field != "status" {
		t.Fatalf("bad status: %d %s", res.StatusCode, res.body)
	}

	// One click from a long hold: the contact alone, the number is the caller's.
	res = op.do("POST", "/api/v1/callbacks", map[string]any{"contact_id": call.ID, "due_at": soon})
	if res.StatusCode != 201 {
		t.Fatalf("schedule from the call: %d %s", res.StatusCode, res.body)
	}
	var made tsunagu.Callback
	res.json(&made)
	if made.Number != "+819012345678" || made.OwnerID != e.users["a-agent"].AgentID || made.CustomerID != call.CustomerID {
		t.Fatalf("scheduled = %+v", made)
	}
	for _, bad := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"due_at": soon}, "number"},
		{map[string]any{"contact_id": "con_nope", "due_at": soon}, "contact_id"},
		{map[string]any{"number": "0312345678"}, "due_at"},
		{map[string]any{"number": "0312345678", "due_at": soon, "owner": "boss"}, "owner"},
	} {
		res := op.do("POST", "/api/v1/callbacks", bad.body)
		if res.StatusCode != 400 || res.problem().Field != bad.field {
			t.Errorf("callback %v: %d %s, want 400 field %s", bad.body, res.StatusCode, res.body, bad.field)
		}
	}
	if res := e.login("a-supervisor").do("POST", "/api/v1/callbacks", map[string]any{"number": "0312345678", "due_at": soon}); res.StatusCode != 400 {
		t.Fatalf("a supervisor owning a callback: %d %s", res.StatusCode, res.body)
	}
	if res := e.login("b-supervisor").do("POST", "/api/v1/callbacks/"+string(cb.ID)+"/done", nil); res.StatusCode != 404 {
		t.Fatalf("tenant b completing a's callback: %d %s", res.StatusCode, res.body)
	}
	if res := op.do("POST", "/api/v1/callbacks/"+string(cb.ID)+"/done", nil); res.StatusCode != 200 {
		t.Fatalf("done: %d %s", res.StatusCode, res.body)
	}
	if res := op.do("POST", "/api/v1/callbacks/"+string(cb.ID)+"/done", nil); res.StatusCode != 409 {
		t.Fatalf("done twice: %d %s", res.StatusCode, res.body)
	}

	// Note templates: the admin writes them, every operator reads them.
	if res := op.do("PUT", "/api/v1/note-templates", map[string]any{"templates": []string{"x"}}); res.StatusCode != 403 {
		t.Fatalf("agent writing templates: %d", res.StatusCode)
	}
	if res := e.login("a-admin").do("PUT", "/api/v1/note-templates", map[string]any{"templates": []string{"手順をご案内。", ""}}); res.StatusCode != 400 || res.problem().Field != "templates" {
		t.Fatalf("empty template: %d %s", res.StatusCode, res.body)
	}
	if res := e.login("a-admin").do("PUT", "/api/v1/note-templates", map[string]any{"templates": []string{"手順をご案内。"}}); res.StatusCode != 200 {
		t.Fatalf("templates: %d %s", res.StatusCode, res.body)
	}
	var nt httpapi.NoteTemplates
	op.do("GET", "/api/v1/note-templates", nil).json(&nt)
	if len(nt.Templates) != 1 || nt.Templates[0] != "手順をご案内。" {
		t.Fatalf("templates = %+v", nt)
	}
}

// with returns a copy of m with k set.
func with(m map[string]any, k string, v any) map[string]any {
	out := map[string]any{}
	for a, b := range m {
		out[a] = b
	}
	out[k] = v
	return out
}

// TestDesk_UnknownCaller: the screen pop registers an unknown caller, whose
// number the desk only sees masked, or links them to an existing customer;
// the number joins the customer's phones and the contact points at them.
func TestDesk_UnknownCaller(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	u := e.users["a-agent"]
	call := func(number string) *tsunagu.Contact {
		c := &tsunagu.Contact{TenantID: "a", Direction: tsunagu.Inbound, Number: number, ArrivedAt: time.Now()}
		if err := e.db.CreateContact(ctx, c); err != nil {
			t.Fatal(err)
		}
		c, err := e.db.UpdateContact(ctx, "a", c.ID, tsunagu.EventContactConnected, nil, func(c *tsunagu.Contact) error {
			c.State, c.AgentID = tsunagu.ContactConnected, u.AgentID
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	op := e.login("a-agent")
	first := call("08011112222")
	path := "/api/v1/contacts/" + string(first.ID) + "/customer"
	if res := op.do("POST", path, map[string]any{"name": ""}); res.StatusCode != 400 || res.problem().Field != "name" {
		t.Fatalf("no name: %d %s", res.StatusCode, res.body)
	}
	if res := e.login("b-agent").do("POST", path, map[string]any{"name": "鈴木 次郎"}); res.StatusCode != 404 {
		t.Fatalf("tenant b: %d %s", res.StatusCode, res.body)
	}
	res := op.do("POST", path, map[string]any{"name": "鈴木 次郎", "kana": "すずき じろう"})
	if res.StatusCode != 200 {
		t.Fatalf("register: %d %s", res.StatusCode, res.body)
	}
	var linked tsunagu.Contact
	res.json(&linked)
	cu, err := e.db.FindCustomer(ctx, "a", linked.CustomerID)
	if err != nil || cu.Name != "鈴木 次郎" || len(cu.Phones) != 1 || cu.Phones[0].Number != "+818011112222" {
		t.Fatalf("registered customer = %+v, %v", cu, err)
	}
	if res := op.do("POST", path, map[string]any{"name": "again"}); res.StatusCode != 409 {
		t.Fatalf("linking twice: %d %s", res.StatusCode, res.body)
	}
	// The same person calls from another number: link, and the number is added.
	second := call("0312345678")
	path = "/api/v1/contacts/" + string(second.ID) + "/customer"
	if res := op.do("POST", path, map[string]any{"customer_id": "cus_nope"}); res.StatusCode != 400 || res.problem().Field != "customer_id" {
		t.Fatalf("unknown customer: %d %s", res.StatusCode, res.body)
	}
	// A leader may fix the record too; then the call is linked already.
	if res := e.login("a-supervisor").do("POST", path, map[string]any{"customer_id": cu.ID}); res.StatusCode != 200 {
		t.Fatalf("link: %d %s", res.StatusCode, res.body)
	}
	if res := op.do("POST", path, map[string]any{"customer_id": cu.ID}); res.StatusCode != 409 || res.problem().Field != "customer_id" {
		t.Fatalf("linked already: %d %s", res.StatusCode, res.body)
	}
	cu, _ = e.db.FindCustomer(ctx, "a", cu.ID)
	if len(cu.Phones) != 2 || cu.Phones[1].Number != "+81312345678" {
		t.Fatalf("phones after link = %+v", cu.Phones)
	}
	evs, _ := e.db.ContactEvents(ctx, "a", second.ID)
	if last := evs[len(evs)-1]; last.Type != tsunagu.EventContactCustomerLinked {
		t.Fatalf("last event = %+v", last)
	}
}
