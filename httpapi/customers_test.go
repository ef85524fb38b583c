package httpapi_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"tsunagu"
	"tsunagu/httpapi"
)

func TestCustomers(t *testing.T) {
	e := newEnv(t)
	op := e.login("a-agent")
	res := op.do("POST", "/api/v1/customers", `{"name":"佐藤 花子","kana":"さとう はなこ","phones":[{"number":"０９０－１２３４－５６７８","label":"携帯"}]}`)
	if res.StatusCode != 201 {
		t.Fatalf("create: %d %s", res.StatusCode, res.body)
	}
	var c tsunagu.Customer
	res.json(&c)
	if c.Phones[0].Number != "+819012345678" {
		t.Fatalf("phone = %s", c.Phones[0].Number)
	}

	t.Run("ScreenPopByCallerID", func(t *testing.T) {
		for _, form := range []string{"090-1234-5678", "+81 90 1234 5678", "09012345678", "+819012345678"} {
			res := op.do("GET", "/api/v1/customers?phone="+urlQuery(form), nil)
			var l httpapi.List[tsunagu.Customer]
			res.json(&l)
			if len(l.Items) != 1 || l.Items[0].ID != c.ID {
				t.Fatalf("%q: %s", form, res.body)
			}
			// Masked: family name kept, given name and digits hidden.
			if l.Items[0].Name != "佐藤 **" || strings.Contains(l.Items[0].Phones[0].Number, "1234") {
				t.Fatalf("%q: not masked: %+v", form, l.Items[0])
			}
		}
		res := op.do("GET", "/api/v1/customers?phone=12-34", nil)
		if res.StatusCode != 400 || res.problem().Field != "phone" {
			t.Fatalf("bad phone query: %d %s", res.StatusCode, res.body)
		}
	})
	t.Run("RevealIsAudited", func(t *testing.T) {
		before, _ := e.db.LastSeq(context.Background())
		res := op.do("POST", "/api/v1/customers/"+string(c.ID)+"/reveal", nil)
		var full tsunagu.Customer
		res.json(&full)
		if full.Name != "佐藤 花子" || full.Phones[0].Number != "+819012345678" {
			t.Fatalf("reveal = %+v", full)
		}
		evs, _ := e.db.ListEvents(context.Background(), "a", before, 10)
		if len(evs) != 1 || evs[0].Type != tsunagu.EventCustomerRevealed || evs[0].ActorID != e.users["a-agent"].ID || evs[0].Subject != string(c.ID) {
			t.Fatalf("audit events = %+v", evs)
		}
	})
	t.Run("TenantIsolation", func(t *testing.T) {
		other := e.login("b-admin")
		for _, path := range []string{"/api/v1/customers/" + string(c.ID), "/api/v1/customers?phone=09012345678"} {
			res := other.do("GET", path, nil)
			if res.StatusCode == 200 && !strings.Contains(string(res.body), `"items":[]`) {
				t.Fatalf("tenant b sees tenant a's customer at %s: %s", path, res.body)
			}
		}
		if res := other.do("POST", "/api/v1/customers/"+string(c.ID)+"/reveal", nil); res.StatusCode != 404 {
			t.Fatalf("cross-tenant reveal: %d", res.StatusCode)
		}
		if res := other.do("DELETE", "/api/v1/customers/"+string(c.ID), nil); res.StatusCode != 404 {
			t.Fatalf("cross-tenant delete: %d", res.StatusCode)
		}
		if res := other.do("PUT", "/api/v1/customers/"+string(c.ID), `{"name":"乗っ取り"}`); res.StatusCode != 404 {
			t.Fatalf("cross-tenant update: %d", res.StatusCode)
		}
	})
}

// TestBadInput sends the kinds of bad input a client sends and checks each
// gets problem+json with a stable code and the field at fault, and that
// nothing was written.
func TestBadInput(t *testing.T) {
	e := newEnv(t, func(c *httpapi.Config) { c.BodyLimit = 4096 })
	op := e.login("a-agent")
	ctx := context.Background()
	cases := []struct {
		name, method, path, body string
		status                   int
		code, field              string
	}{
		{"BadJSON", "POST", "/api/v1/customers", `{"name": "x",`, 400, tsunagu.EINVALID, ""},
		{"NotJSON", "POST", "/api/v1/customers", `name=x`, 400, tsunagu.EINVALID, ""},
		{"UnknownField", "POST", "/api/v1/customers", `{"name":"x","tenant_id":"b"}`, 400, tsunagu.EINVALID, "tenant_id"},
		{"WrongType", "POST", "/api/v1/customers", `{"name":42}`, 400, tsunagu.EINVALID, "name"},
		{"TwoValues", "POST", "/api/v1/customers", `{"name":"x"}{"name":"y"}`, 400, tsunagu.EINVALID, ""},
		{"Empty", "POST", "/api/v1/customers", ``, 400, tsunagu.EINVALID, ""},
		{"TooLarge", "POST", "/api/v1/customers", `{"name":"` + strings.Repeat("あ", 3000) + `"}`, 413, tsunagu.ETOOLARGE, ""},
		{"BadPhone", "POST", "/api/v1/customers", `{"name":"x","phones":[{"number":"090-1234-567"}]}`, 400, tsunagu.EINVALID, "phones[0].number"},
		{"PhoneLetters", "POST", "/api/v1/customers", `{"name":"x","phones":[{"number":"03-ABCD-5678"}]}`, 400, tsunagu.EINVALID, "phones[0].number"},
		{"SecondPhoneBad", "POST", "/api/v1/customers", `{"name":"x","phones":[{"number":"0312345678"},{"number":"+81 0 3"}]}`, 400, tsunagu.EINVALID, "phones[1].number"},
		{"NoName", "POST", "/api/v1/customers", `{"phones":[{"number":"0312345678"}]}`, 400, tsunagu.EINVALID, "name"},
		{"BadState", "PUT", "/api/v1/me/state", `{"state":"sleeping"}`, 400, tsunagu.EINVALID, "state"},
		{"BadReason", "PUT", "/api/v1/me/state", `{"state":"not_ready","reason":"nap"}`, 400, tsunagu.EINVALID, "reason"},
		{"BadLimit", "GET", "/api/v1/contacts?limit=0", ``, 400, tsunagu.EINVALID, "limit"},
		{"BadSince", "GET", "/api/v1/events?since=-1", ``, 400, tsunagu.EINVALID, "since"},
		{"UnknownRoute", "GET", "/api/v1/nope", ``, 404, tsunagu.ENOTFOUND, ""},
		{"UnknownCustomer", "GET", "/api/v1/customers/cus_nope", ``, 404, tsunagu.ENOTFOUND, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := e.db.LastSeq(ctx)
			var body any
			if tc.body != "" || tc.method != "GET" {
				body = tc.body
			}
			res := op.do(tc.method, tc.path, body)
			if res.StatusCode != tc.status {
				t.Fatalf("status %d, want %d (%s)", res.StatusCode, tc.status, res.body)
			}
			p := res.problem()
			if p.Code != tc.code || p.Field != tc.field || p.Status != tc.status || p.Detail == "" {
				t.Fatalf("problem = %+v, want code %s field %q", p, tc.code, tc.field)
			}
			after, _ := e.db.LastSeq(ctx)
			if after != before {
				t.Fatalf("bad input wrote %d events", after-before)
			}
			if cs, _, _ := e.db.ListCustomers(ctx, "a", tsunagu.Page{}); len(cs) != 0 {
				t.Fatalf("bad input wrote a customer: %+v", cs)
			}
		})
	}
}

func TestContacts(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	agentA := e.users["a-agent"]
	cust := &tsunagu.Customer{TenantID: "a", Name: "田中 一郎", Phones: []tsunagu.Phone{{Number: "08011112222"}}}
	if err := e.db.CreateCustomer(ctx, cust); err != nil {
		t.Fatal(err)
	}
	mine := &tsunagu.Contact{TenantID: "a", Direction: tsunagu.Inbound, AgentID: agentA.AgentID, CustomerID: cust.ID, Number: "08011112222", ArrivedAt: time.Now()}
	other := &tsunagu.Contact{TenantID: "a", Direction: tsunagu.Inbound, AgentID: "agt_someone", Number: "0311112222", ArrivedAt: time.Now()}
	for _, c := range []*tsunagu.Contact{mine, other} {
		if err := e.db.CreateContact(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	op := e.login("a-agent")
	var l httpapi.List[tsunagu.Contact]
	op.do("GET", "/api/v1/contacts", nil).json(&l)
	if len(l.Items) != 1 || l.Items[0].ID != mine.ID || strings.Contains(l.Items[0].Number, "1111") {
		t.Fatalf("agent's own contacts (masked) = %+v", l.Items)
	}
	if res := op.do("GET", "/api/v1/contacts?agent_id=agt_someone", nil); res.StatusCode != 403 {
		t.Fatalf("agent listing another agent's contacts: %d", res.StatusCode)
	}
	op.do("GET", "/api/v1/contacts?customer_id="+string(cust.ID), nil).json(&l)
	if len(l.Items) != 1 {
		t.Fatalf("customer history = %+v", l.Items)
	}
	var d httpapi.ContactDetail
	op.do("GET", "/api/v1/contacts/"+string(mine.ID), nil).json(&d)
	if d.ID != mine.ID || len(d.Events) != 1 || d.Events[0].Type != tsunagu.EventContactArrived {
		t.Fatalf("detail = %+v", d)
	}
	sv := e.login("a-supervisor")
	sv.do("GET", "/api/v1/contacts", nil).json(&l)
	if len(l.Items) != 2 {
		t.Fatalf("supervisor sees %d contacts, want 2", len(l.Items))
	}
	if res := e.login("b-supervisor").do("GET", "/api/v1/contacts/"+string(mine.ID), nil); res.StatusCode != 404 {
		t.Fatalf("cross-tenant contact: %d", res.StatusCode)
	}
}

func urlQuery(s string) string {
	return strings.NewReplacer("+", "%2B", " ", "%20").Replace(s)
}
