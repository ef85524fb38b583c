package httpapi_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"tsunagu"
	"tsunagu/dispatch"
	"tsunagu/httpapi"
	"tsunagu/sqlite"
)

// recordingDialer is the outbound phone for the API tests: it records
// whose call was placed, sends nothing.
type recordingDialer struct {
	db     *sqlite.DB
	mu     sync.Mutex
	dialed []*tsunagu.Contact
}

func (r *recordingDialer) OutboundTrunk(ctx context.Context, t tsunagu.TenantID) (*tsunagu.Trunk, error) {
	return r.db.OutboundTrunk(ctx, t)
}

func (r *recordingDialer) Dial(_ context.Context, c *tsunagu.Contact, _ string, route tsunagu.TrunkOutbound) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.dialed = append(r.dialed, c)
	return nil
}

// TestOutbound_API: the admin sets a trunk's outbound side (the secret is
// write-only); an agent calls as themself only (no agent field), an
// international number is refused on field "number" with nothing dialled,
// and the reply masks the number.
func TestOutbound_API(t *testing.T) {
	dialer := &recordingDialer{}
	e := newEnv(t, func(c *httpapi.Config) {
		db := c.Store.(*sqlite.DB)
		dialer.db = db
		d := &dispatch.Dispatcher{Store: db, Outbound: dialer}
		ctx, stop := context.WithCancel(context.Background())
		if err := d.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { stop(); d.Wait() })
		c.Dispatch = d
	})
	ctx := context.Background()
	if err := e.db.CreateTrunk(ctx, &tsunagu.Trunk{TenantID: "a", ID: "tr", Name: "carrier", AllowedNets: []string{"192.0.2.1"},
		Numbers: []tsunagu.DID{{Number: "0312345678", DefaultQueue: "q"}}}); err != nil {
		t.Fatal(err)
	}
	admin, op := e.login("a-admin"), e.login("a-agent")
	const secret = "carrier-secret-9f2"
	path := "/api/v1/trunks/tr/outbound"
	for _, bad := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"target": "no port"}, "target"},
		{map[string]any{"target": "192.0.2.1:5060", "transport": "sctp"}, "transport"},
		{map[string]any{"target": "192.0.2.1:5060", "allowed_prefixes": []string{"81"}}, "allowed_prefixes[0]"},
		{map[string]any{"target": "192.0.2.1:5060", "caller_id": "0399999999"}, "caller_id"},
	} {
		if res := admin.do("PUT", path, bad.body); res.StatusCode != 400 || res.problem().Field != bad.field {
			t.Errorf("outbound %v: %d %s, want 400 field %s", bad.body, res.StatusCode, res.body, bad.field)
		}
	}
	if res := op.do("PUT", path, map[string]any{"target": "192.0.2.1:5060"}); res.StatusCode != 403 {
		t.Fatalf("an agent setting the trunk: %d", res.StatusCode)
	}
	if res := e.login("b-admin").do("PUT", path, map[string]any{"target": "192.0.2.1:5060"}); res.StatusCode != 404 {
		t.Fatalf("tenant b setting a's trunk: %d %s", res.StatusCode, res.body)
	}
	res := admin.do("PUT", path, map[string]any{"target": "192.0.2.1:5060", "username": "acct", "password": secret})
	if res.StatusCode != 200 || strings.Contains(string(res.body), secret) || !strings.Contains(string(res.body), `"has_password":true`) {
		t.Fatalf("set outbound: %d %s", res.StatusCode, res.body)
	}
	if res := admin.do("GET", "/api/v1/trunks", nil); strings.Contains(string(res.body), secret) || !strings.Contains(string(res.body), `"allowed_prefixes":["+81"]`) {
		t.Fatalf("trunk list: %s", res.body)
	}
	evs, err := e.db.ListEvents(ctx, "a", 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	set := false
	for _, ev := range evs {
		if strings.Contains(string(ev.Payload), secret) {
			t.Fatalf("the secret is in the event log: %s %s", ev.Type, ev.Payload)
		}
		set = set || ev.Type == tsunagu.EventTrunkOutboundSet
	}
	if !set {
		t.Fatal("no trunk:outbound_set event")
	}
	tr, err := e.db.OutboundTrunk(ctx, "a")
	if err != nil || tr.Outbound.Password != secret {
		t.Fatalf("the SIP edge's view lost the secret: %v", err)
	}

	// The agent is logged in (not ready) and calls.
	if res := op.do("PUT", "/api/v1/me/state", map[string]any{"state": "not_ready", "reason": "break"}); res.StatusCode != 200 {
		t.Fatalf("state: %d %s", res.StatusCode, res.body)
	}
	res = op.do("POST", "/api/v1/calls", map[string]any{"number": "+1 212 555 0100"})
	if res.StatusCode != 403 || res.problem().Field != "number" {
		t.Fatalf("an international number: %d %s", res.StatusCode, res.body)
	}
	if res := op.do("POST", "/api/v1/calls", map[string]any{"number": "09011112222", "agent_id": e.users["a-supervisor"].AgentID}); res.StatusCode != 400 {
		t.Fatalf("a call in another agent's name: %d %s", res.StatusCode, res.body)
	}
	if len(dialer.dialed) != 0 {
		t.Fatal("a refused call was dialled")
	}
	res = op.do("POST", "/api/v1/calls", map[string]any{"number": "090-1111-2222"})
	if res.StatusCode != 201 {
		t.Fatalf("call: %d %s", res.StatusCode, res.body)
	}
	var c tsunagu.Contact
	res.json(&c)
	if c.Direction != tsunagu.Outbound || c.Number == "+819011112222" || c.AgentID != e.users["a-agent"].AgentID {
		t.Fatalf("reply %+v", c)
	}
	if len(dialer.dialed) != 1 || dialer.dialed[0].AgentID != e.users["a-agent"].AgentID || dialer.dialed[0].Number != "+819011112222" {
		t.Fatalf("dialled %+v", dialer.dialed)
	}
	// On the call: a second is refused.
	if res := op.do("POST", "/api/v1/calls", map[string]any{"number": "090-1111-3333"}); res.StatusCode != 409 {
		t.Fatalf("a second call: %d %s", res.StatusCode, res.body)
	}
}
