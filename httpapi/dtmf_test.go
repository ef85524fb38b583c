package httpapi_test

import (
	"context"
	"strings"
	"testing"

	"tsunagu"
	"tsunagu/httpapi"
)

// TestDTMF_API: the keypad of the operator's connected call. Only that
// operator; only 1–32 of 0–9 * # A–D, each refusal problem+json on field
// "digits"; not while the caller is on hold or after the call; and the
// contact records how many digits went, never which.
func TestDTMF_API(t *testing.T) {
	e := newEnv(t, withDispatch(t))
	call := e.liveCall("a-agent")
	op, sv, other := e.login("a-agent"), e.login("a-supervisor"), e.login("b-agent")
	path := "/api/v1/contacts/" + string(call.ID)

	for _, bad := range []struct {
		body  any
		field string
	}{
		{map[string]any{"digits": ""}, "digits"},
		{map[string]any{"digits": "12x"}, "digits"},
		{map[string]any{"digits": "1 2"}, "digits"},
		{map[string]any{"digits": "a"}, "digits"}, // A–D are upper case on the wire
		{map[string]any{"digits": strings.Repeat("1", 33)}, "digits"},
		{map[string]any{"digits": 12}, "digits"},
		{map[string]any{"digits": "1", "tenant_id": "b"}, "tenant_id"},
	} {
		res := op.do("POST", path+"/dtmf", bad.body)
		if p := res.problem(); res.StatusCode != 400 || p.Code != "invalid" || p.Field != bad.field {
			t.Errorf("dtmf %v: %d %s, want 400 on %q", bad.body, res.StatusCode, res.body, bad.field)
		}
		if strings.Contains(string(res.body), "12x") {
			t.Errorf("the refusal repeats the digits: %s", res.body)
		}
	}
	if res := e.anon().do("POST", path+"/dtmf", map[string]any{"digits": "1"}); res.StatusCode != 401 {
		t.Errorf("no login: %d", res.StatusCode)
	}
	if res := other.do("POST", path+"/dtmf", map[string]any{"digits": "1"}); res.StatusCode != 404 {
		t.Errorf("tenant b on a's call: %d %s", res.StatusCode, res.body)
	}
	if res := sv.do("POST", path+"/dtmf", map[string]any{"digits": "1"}); res.StatusCode != 403 {
		t.Errorf("a supervisor (not on the call): %d %s", res.StatusCode, res.body)
	}

	res := op.do("POST", path+"/dtmf", map[string]any{"digits": "0120#*AD"})
	var r httpapi.DTMFReply
	if res.json(&r); res.StatusCode != 202 || r.Count != 8 {
		t.Fatalf("dtmf: %d %s", res.StatusCode, res.body)
	}
	if res := op.do("POST", path+"/hold", nil); res.StatusCode != 200 {
		t.Fatalf("hold: %d %s", res.StatusCode, res.body)
	}
	if res := op.do("POST", path+"/dtmf", map[string]any{"digits": "1"}); res.StatusCode != 409 {
		t.Errorf("dtmf on hold: %d %s", res.StatusCode, res.body)
	}
	if res := op.do("POST", path+"/resume", nil); res.StatusCode != 200 {
		t.Fatalf("resume: %d %s", res.StatusCode, res.body)
	}
	if res := op.do("POST", path+"/dtmf", map[string]any{"digits": "9"}); res.StatusCode != 202 {
		t.Errorf("dtmf after resume: %d %s", res.StatusCode, res.body)
	}
	// The call ends (routing has no engine entry for this stand-in call).
	if _, err := e.db.UpdateContact(context.Background(), "a", call.ID, tsunagu.EventContactEnded, nil, func(c *tsunagu.Contact) error {
		c.State = tsunagu.ContactEnded
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if res := op.do("POST", path+"/dtmf", map[string]any{"digits": "1"}); res.StatusCode != 409 {
		t.Errorf("dtmf after the call: %d %s", res.StatusCode, res.body)
	}

	evs, err := e.db.ContactEvents(context.Background(), "a", call.ID)
	if err != nil {
		t.Fatal(err)
	}
	var counts []string
	for _, ev := range evs {
		if strings.Contains(string(ev.Payload), "0120") || strings.Contains(string(ev.Payload), "digits") {
			t.Errorf("event %s carries the digits: %s", ev.Type, ev.Payload)
		}
		if ev.Type == tsunagu.EventContactDTMFSent {
			counts = append(counts, string(ev.Payload))
			if ev.AgentID != call.AgentID {
				t.Errorf("dtmf_sent for agent %q, want the operator's", ev.AgentID)
			}
		}
	}
	if strings.Join(counts, " ") != `{"count":8} {"count":1}` {
		t.Errorf("dtmf_sent events %v", counts)
	}
}

// TestQueueDispositions_API: an admin chooses which dispositions a queue's
// wrap-up offers (audited as queue:updated); agents read the list for
// their call's queue; the wrap-up refuses a disposition the queue does not
// offer (field disposition_id); an empty choice offers all again.
func TestQueueDispositions_API(t *testing.T) {
	e := newEnv(t, withDispatch(t))
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(e.db.CreateQueue(ctx, &tsunagu.Queue{TenantID: "a", ID: "q", Name: "一般"}))
	must(e.db.CreateQueue(ctx, &tsunagu.Queue{TenantID: "b", ID: "q", Name: "b's"}))
	for _, d := range []tsunagu.Disposition{{ID: "resolved", Name: "解決"}, {ID: "sale", Name: "成約"}, {ID: "lost", Name: "失注"}} {
		d.TenantID = "a"
		must(e.db.CreateDisposition(ctx, &d))
	}
	must(e.db.CreateDisposition(ctx, &tsunagu.Disposition{TenantID: "b", ID: "bonly", Name: "b"}))
	op, admin, sv := e.login("a-agent"), e.login("a-admin"), e.login("a-supervisor")
	path := "/api/v1/queues/q/dispositions"

	var qd httpapi.QueueDispositions
	get := func(c *client) *response {
		t.Helper()
		qd = httpapi.QueueDispositions{}
		res := c.do("GET", path, nil)
		if res.StatusCode == 200 {
			res.json(&qd)
		}
		return res
	}
	if res := get(op); res.StatusCode != 200 || !qd.All || len(qd.Items) != 3 {
		t.Fatalf("default: %d %s", res.StatusCode, res.body)
	}
	for _, bad := range []struct {
		ids   []string
		field string
	}{
		{[]string{"resolved", "resolved"}, "disposition_ids"},
		{[]string{"nope"}, "disposition_ids"},
		{[]string{"bonly"}, "disposition_ids"}, // tenant b's
		{[]string{""}, "disposition_ids"},
	} {
		res := admin.do("PUT", path, map[string]any{"disposition_ids": bad.ids})
		if p := res.problem(); res.StatusCode != 400 || p.Field != bad.field {
			t.Errorf("PUT %v: %d %s", bad.ids, res.StatusCode, res.body)
		}
	}
	if res := sv.do("PUT", path, map[string]any{"disposition_ids": []string{"sale"}}); res.StatusCode != 403 {
		t.Errorf("a supervisor choosing: %d", res.StatusCode)
	}
	if res := admin.do("PUT", "/api/v1/queues/nope/dispositions", map[string]any{"disposition_ids": []string{"sale"}}); res.StatusCode != 404 {
		t.Errorf("unknown queue: %d", res.StatusCode)
	}
	res := admin.do("PUT", path, map[string]any{"disposition_ids": []string{"sale", "resolved"}})
	if res.json(&qd); res.StatusCode != 200 || qd.All || len(qd.Items) != 2 || qd.Items[0].ID != "sale" || qd.Items[1].ID != "resolved" {
		t.Fatalf("PUT: %d %s", res.StatusCode, res.body)
	}
	if res := get(e.login("b-agent")); res.StatusCode != 200 || !qd.All || len(qd.Items) != 1 || qd.Items[0].ID != "bonly" {
		t.Errorf("tenant b's queue q: %d %s", res.StatusCode, res.body)
	}
	evs, err := e.db.ListEvents(ctx, "a", 0, 1000)
	must(err)
	last := evs[len(evs)-1]
	if last.Type != tsunagu.EventQueueUpdated || last.Subject != "q" || string(last.Payload) != `{"fields":["dispositions"]}` || last.ActorID != e.users["a-admin"].ID {
		t.Errorf("audit event %+v %s", last, last.Payload)
	}

	// The wrap-up of a call in q offers sale and resolved only.
	call := e.liveCall("a-agent")
	_, err = e.db.UpdateContact(ctx, "a", call.ID, tsunagu.EventContactQueued, nil, func(c *tsunagu.Contact) error {
		c.QueueID = "q"
		return nil
	})
	must(err)
	cpath := "/api/v1/contacts/" + string(call.ID)
	_, err = e.db.UpdateContact(ctx, "a", call.ID, tsunagu.EventContactEnded, nil, func(c *tsunagu.Contact) error {
		c.State = tsunagu.ContactEnded
		return nil
	})
	must(err)
	res = op.do("POST", cpath+"/wrapup", map[string]any{"disposition_id": "lost"})
	if p := res.problem(); res.StatusCode != 400 || p.Field != "disposition_id" || !strings.Contains(p.Detail, "一般") {
		t.Fatalf("a disposition the queue does not offer: %d %s", res.StatusCode, res.body)
	}
	if res := op.do("POST", cpath+"/wrapup", map[string]any{"disposition_id": "sale"}); res.StatusCode != 200 {
		t.Fatalf("an offered disposition: %d %s", res.StatusCode, res.body)
	}
	// Empty: all again.
	if res := admin.do("PUT", path, map[string]any{"disposition_ids": []string{}}); res.StatusCode != 200 {
		t.Fatalf("back to all: %d %s", res.StatusCode, res.body)
	}
	if get(op); !qd.All || len(qd.Items) != 3 {
		t.Fatalf("back to all: %+v", qd)
	}
}
