package httpapi_test

import (
	"context"
	"strings"
	"testing"

	"tsunagu"
)

// TestAdmin_Edits: an admin edits a queue, a user and a trunk; each edit is
// one audited event naming the fields; bad input names its field and
// writes nothing; another tenant's entity is not found.
func TestAdmin_Edits(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	admin := e.login("a-admin")
	if res := admin.do("POST", "/api/v1/queues", map[string]any{"id": "general", "name": "一般", "sl_percent": 80, "sl_seconds": 20}); res.StatusCode != 201 {
		t.Fatalf("create queue: %d %s", res.StatusCode, res.body)
	}
	lastType := func() tsunagu.EventType {
		evs, err := e.db.ListEvents(ctx, "a", 0, 10000)
		if err != nil {
			t.Fatal(err)
		}
		return evs[len(evs)-1].Type
	}
	seq := func() int64 { s, _ := e.db.LastSeq(ctx); return s }

	res := admin.do("PUT", "/api/v1/queues/general", map[string]any{"name": "一般", "sl_percent": 90, "sl_seconds": 15,
		"verification": []string{"氏名", "生年月日", "ご登録電話番号"}, "verification_required": true, "hold_callback_seconds": 60})
	var q tsunagu.Queue
	res.json(&q)
	if res.StatusCode != 200 || q.SLPercent != 90 || len(q.Verification) != 3 || lastType() != tsunagu.EventQueueUpdated {
		t.Fatalf("update queue: %d %s, last event %s", res.StatusCode, res.body, lastType())
	}

	bad := []struct {
		name, method, path string
		body               any
		status             int
		field              string
	}{
		{"QueueSL", "PUT", "/api/v1/queues/general", map[string]any{"name": "一般", "sl_percent": 140}, 400, "sl_percent"},
		{"QueueNoName", "PUT", "/api/v1/queues/general", map[string]any{"name": " "}, 400, "name"},
		{"QueueUnknownField", "PUT", "/api/v1/queues/general", `{"name":"一般","colour":"red"}`, 400, "colour"},
		{"QueueOtherTenant", "PUT", "/api/v1/queues/general", map[string]any{"name": "x"}, 404, ""},
		{"UserRole", "PUT", "/api/v1/users/" + string(e.users["a-agent"].ID), map[string]any{"role": "boss"}, 400, "role"},
		{"UserTeam", "PUT", "/api/v1/users/" + string(e.users["a-agent"].ID), map[string]any{"team_id": "nope"}, 400, "team_id"},
		{"UserSelfDisable", "PUT", "/api/v1/users/" + string(e.users["a-admin"].ID), map[string]any{"disabled": true}, 409, "role"},
		{"UserSelfDemote", "PUT", "/api/v1/users/" + string(e.users["a-admin"].ID), map[string]any{"role": "agent"}, 409, "role"},
		{"UserOtherTenant", "PUT", "/api/v1/users/" + string(e.users["b-agent"].ID), map[string]any{"display_name": "x"}, 404, ""},
		{"TrunkUnknown", "PUT", "/api/v1/trunks/trk_nope", map[string]any{"name": "x", "allowed_nets": []string{"127.0.0.1"},
			"numbers": []any{map[string]any{"number": "0312345678", "default_queue": "general"}}}, 404, ""},
		{"TrunkBadHours", "PUT", "/api/v1/trunks/trk_nope", map[string]any{"name": "x", "allowed_nets": []string{"127.0.0.1"},
			"numbers": []any{map[string]any{"number": "0312345678", "default_queue": "general", "hours": map[string]any{"closed": []string{"12/29"}}}}}, 400,
			"numbers[0].hours.closed[0]"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			c := admin
			if tc.name == "QueueOtherTenant" {
				c = e.login("b-admin")
			}
			before := seq()
			res := c.do(tc.method, tc.path, tc.body)
			if res.StatusCode != tc.status {
				t.Fatalf("status %d, want %d (%s)", res.StatusCode, tc.status, res.body)
			}
			if p := res.problem(); p.Field != tc.field {
				t.Fatalf("problem %+v, want field %q", p, tc.field)
			}
			if seq() != before {
				t.Fatal("bad input wrote an event")
			}
		})
	}

	// A disabled user is logged out at once and cannot log in again.
	op := e.login("a-agent")
	res = admin.do("PUT", "/api/v1/users/"+string(e.users["a-agent"].ID), map[string]any{"disabled": true})
	if res.StatusCode != 200 || lastType() != tsunagu.EventUserUpdated {
		t.Fatalf("disable: %d %s", res.StatusCode, res.body)
	}
	if res := op.do("GET", "/api/v1/me", nil); res.StatusCode != 401 {
		t.Errorf("a disabled user's session still works: %d", res.StatusCode)
	}
	if res := e.anon().do("POST", "/api/v1/auth/login", map[string]string{"username": "a-agent", "password": testPassword}); res.StatusCode != 401 {
		t.Errorf("a disabled user logged in: %d", res.StatusCode)
	}
}

// TestAdmin_ReferenceData: the lists the admin keeps (skills, teams, contact
// reasons, dispositions) refuse a blank or oversized name, an unknown field
// and a duplicate ID, each naming the problem and writing nothing.
func TestAdmin_ReferenceData(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	admin := e.login("a-admin")
	long := strings.Repeat("名", 101)
	for _, path := range []string{"/api/v1/skills", "/api/v1/teams", "/api/v1/reasons", "/api/v1/dispositions"} {
		if res := admin.do("POST", path, map[string]any{"id": "x1", "name": "一般"}); res.StatusCode != 201 {
			t.Fatalf("%s: %d %s", path, res.StatusCode, res.body)
		}
		for _, tc := range []struct {
			body   any
			status int
			field  string
		}{
			{map[string]any{"name": "  "}, 400, "name"},
			{map[string]any{"name": long}, 400, "name"},
			{`{"name":"x","colour":"red"}`, 400, "colour"},
			{map[string]any{"id": "x1", "name": "again"}, 409, ""},
		} {
			before, _ := e.db.LastSeq(ctx)
			res := admin.do("POST", path, tc.body)
			if res.StatusCode != tc.status {
				t.Fatalf("%s %v: %d, want %d (%s)", path, tc.body, res.StatusCode, tc.status, res.body)
			}
			if p := res.problem(); p.Field != tc.field {
				t.Errorf("%s %v: field %q, want %q", path, tc.body, p.Field, tc.field)
			}
			if after, _ := e.db.LastSeq(ctx); after != before {
				t.Errorf("%s %v: refused input wrote %d events", path, tc.body, after-before)
			}
		}
	}
}
