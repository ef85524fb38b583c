package httpapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"tsunagu"
	"tsunagu/httpapi"
)

// TestTargets_TodayAndTargets: a leader sets targets, an agent's day shows
// the counts against them, the floor shows every agent and team, and bad
// input is refused with the field at fault.
func TestTargets_TodayAndTargets(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	op, sv := e.login("a-agent"), e.login("a-supervisor")
	agentID := e.users["a-agent"].AgentID
	mustNil(t, e.db.CreateDisposition(ctx, &tsunagu.Disposition{TenantID: "a", ID: "sale", Name: "成約", Conversion: true}))
	mustNil(t, e.db.CreateTeam(ctx, &tsunagu.Team{TenantID: "a", ID: "other-team", Name: "B班"}))

	if res := sv.do("GET", "/api/v1/me/today", nil); res.StatusCode != 404 {
		t.Fatalf("a leader's own day: %d %s", res.StatusCode, res.body)
	}
	for _, tg := range []httpapi.TargetInput{
		{Scope: tsunagu.ScopeEveryone, Metric: tsunagu.MetricConversions, Daily: 10},
		{Scope: tsunagu.ScopeEveryone, Metric: tsunagu.MetricThankYous, Daily: 20},
		{Scope: tsunagu.ScopeAgent, ScopeID: string(agentID), Metric: tsunagu.MetricInbound, Daily: 50},
		{Scope: tsunagu.ScopeTeam, ScopeID: "other-team", Metric: tsunagu.MetricInbound, Daily: 300},
	} {
		if res := sv.do("PUT", "/api/v1/targets", tg); res.StatusCode != 200 {
			t.Fatalf("set target %+v: %d %s", tg, res.StatusCode, res.body)
		}
	}
	for _, c := range []struct {
		body  any
		code  int
		field string
	}{
		{map[string]any{"scope": "everyone", "metric": "smiles", "daily": 1}, 400, "metric"},
		{map[string]any{"scope": "everyone", "metric": "inbound", "daily": -3}, 400, "daily"},
		{map[string]any{"scope": "room", "metric": "inbound", "daily": 1}, 400, "scope"},
		{map[string]any{"scope": "everyone", "metric": "inbound", "daily": "ten"}, 400, "daily"},
		{map[string]any{"scope": "everyone", "metric": "inbound", "daily": 1, "tenant_id": "b"}, 400, "tenant_id"},
		{map[string]any{"scope": "agent", "scope_id": "agt_nope", "metric": "inbound", "daily": 1}, 404, "scope_id"},
	} {
		res := sv.do("PUT", "/api/v1/targets", c.body)
		if res.StatusCode != c.code || res.problem().Field != c.field {
			t.Errorf("PUT %v: %d %s, want %d field %s", c.body, res.StatusCode, res.body, c.code, c.field)
		}
	}
	// The agent sees the targets that apply to them, not another team's.
	var mine httpapi.List[tsunagu.Target]
	op.do("GET", "/api/v1/targets", nil).json(&mine)
	if len(mine.Items) != 3 {
		t.Fatalf("agent's targets = %+v", mine.Items)
	}
	for _, tg := range mine.Items {
		if tg.Scope == tsunagu.ScopeTeam {
			t.Fatalf("agent sees another team's target: %+v", tg)
		}
	}

	// Two answered calls today, one a conversion with a thank-you.
	now := time.Now()
	for _, disp := range []tsunagu.DispositionID{"sale", ""} {
		c := &tsunagu.Contact{TenantID: "a", Direction: tsunagu.Inbound, AgentID: agentID, State: tsunagu.ContactWrapped, ArrivedAt: now,
			ConnectedAt: &now, WrappedAt: &now, DispositionID: disp, ThankYou: disp == "sale"}
		mustNil(t, e.db.CreateContact(ctx, c))
	}
	var day httpapi.Today
	res := op.do("GET", "/api/v1/me/today", nil)
	res.json(&day)
	want := tsunagu.Counts{Inbound: 2, Conversions: 1, ThankYous: 1}
	if res.StatusCode != 200 || day.Counts != want || day.Targets[tsunagu.MetricConversions] != 10 || day.Targets[tsunagu.MetricInbound] != 50 ||
		day.Day != now.In(tokyo(t)).Format("2006-01-02") || day.Protected != nil {
		t.Fatalf("my day = %d %s", res.StatusCode, res.body)
	}

	var floor httpapi.DayFloor
	sv.do("GET", "/api/v1/today", nil).json(&floor)
	if len(floor.Agents) != 1 || floor.Agents[0].AgentID != agentID || floor.Agents[0].Counts != want || len(floor.Teams) != 1 ||
		floor.Teams[0].Targets[tsunagu.MetricInbound] != 300 {
		t.Fatalf("floor = %+v", floor)
	}
	if res := sv.do("GET", "/api/v1/today?team_id=nope", nil); res.StatusCode != 404 || res.problem().Field != "team_id" {
		t.Fatalf("unknown team: %d %s", res.StatusCode, res.body)
	}
	// Tenant b's leader sees none of tenant a's day.
	var bFloor httpapi.DayFloor
	e.login("b-supervisor").do("GET", "/api/v1/today", nil).json(&bFloor)
	for _, a := range bFloor.Agents {
		if a.AgentID == agentID || a.Counts != (tsunagu.Counts{}) {
			t.Fatalf("tenant b's floor = %+v", bFloor)
		}
	}
}

func tokyo(t *testing.T) *time.Location {
	loc, err := time.LoadLocation("Asia/Tokyo")
	mustNil(t, err)
	return loc
}

func mustNil(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestTargets_Kudos: a leader praises an agent; the agent's own stream
// brings praise:kudos with the names; the history lists it, for the agent
// only their own.
func TestTargets_Kudos(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	op, sv := e.login("a-agent"), e.login("a-supervisor")
	agentID := e.users["a-agent"].AgentID
	conn, err := op.dialEvents(ctx, mustLast(t, e))
	mustNil(t, err)
	defer conn.CloseNow()

	res := sv.do("POST", "/api/v1/kudos", map[string]any{"agent_id": agentID, "message": "お客様から感謝のお電話がありました!"})
	if res.StatusCode != 201 {
		t.Fatalf("kudos: %d %s", res.StatusCode, res.body)
	}
	var k tsunagu.Praise
	res.json(&k)
	if k.AgentName != "User agent" || k.FromName != "User supervisor" || k.Kind != tsunagu.PraiseKudos {
		t.Fatalf("kudos = %+v", k)
	}
	ev := readEvent(ctx, t, conn)
	if ev.Type != tsunagu.EventPraiseKudos || ev.AgentID != agentID || !strings.Contains(string(ev.Payload), "感謝のお電話") ||
		!strings.Contains(string(ev.Payload), `"agent_name":"User agent"`) {
		t.Fatalf("agent's stream: %+v", ev)
	}

	for _, c := range []struct {
		who   *client
		body  any
		code  int
		field string
	}{
		{sv, map[string]any{"agent_id": agentID, "message": "  "}, 400, "message"},
		{sv, map[string]any{"agent_id": agentID, "message": strings.Repeat("良", tsunagu.MaxKudosMessage+1)}, 400, "message"},
		{sv, map[string]any{"message": "x"}, 400, "agent_id"},
		{sv, map[string]any{"agent_id": "agt_nope", "message": "x"}, 404, "agent_id"},
		{e.login("b-supervisor"), map[string]any{"agent_id": agentID, "message": "x"}, 404, "agent_id"},
	} {
		res := c.who.do("POST", "/api/v1/kudos", c.body)
		if res.StatusCode != c.code || res.problem().Field != c.field {
			t.Errorf("POST %v: %d %s, want %d field %s", c.body, res.StatusCode, res.body, c.code, c.field)
		}
	}

	var hist httpapi.List[tsunagu.Praise]
	op.do("GET", "/api/v1/praise", nil).json(&hist)
	if len(hist.Items) != 1 || hist.Items[0].ID != k.ID {
		t.Fatalf("agent's praise = %+v", hist.Items)
	}
	if res := op.do("GET", "/api/v1/praise?agent_id=agt_someone", nil); res.StatusCode != 403 || res.problem().Field != "agent_id" {
		t.Fatalf("agent reading another's praise: %d %s", res.StatusCode, res.body)
	}
	sv.do("GET", "/api/v1/praise?agent_id="+string(agentID)+"&since="+time.Now().In(tokyo(t)).Format("2006-01-02"), nil).json(&hist)
	if len(hist.Items) != 1 {
		t.Fatalf("today's praise = %+v", hist.Items)
	}
	sv.do("GET", "/api/v1/praise?since="+time.Now().Add(time.Hour).Format(time.RFC3339), nil).json(&hist)
	if len(hist.Items) != 0 {
		t.Fatalf("praise since an hour ahead = %+v", hist.Items)
	}
	for _, q := range []string{"since=yesterday", "limit=0"} {
		if res := sv.do("GET", "/api/v1/praise?"+q, nil); res.StatusCode != 400 || res.problem().Field != strings.Split(q, "=")[0] {
			t.Errorf("?%s: %d %s", q, res.StatusCode, res.body)
		}
	}
	e.login("b-supervisor").do("GET", "/api/v1/praise", nil).json(&hist)
	if len(hist.Items) != 0 {
		t.Fatalf("tenant b reads tenant a's praise: %+v", hist.Items)
	}
}

// TestTargets_Protection: admins set the recovery rules; a leader keeps
// calls away from an agent until a time, which the agent's day shows.
func TestTargets_Protection(t *testing.T) {
	e := newEnv(t)
	op, sv, ad := e.login("a-agent"), e.login("a-supervisor"), e.login("a-admin")
	agentID := e.users["a-agent"].AgentID

	var p tsunagu.Protection
	sv.do("GET", "/api/v1/protection", nil).json(&p)
	if p.RecoveryMode != tsunagu.RecoveryOffer || p.RecoveryMinutes != 5 {
		t.Fatalf("default protection = %+v", p)
	}
	for _, c := range []struct {
		body  any
		code  int
		field string
	}{
		{map[string]any{"recovery_mode": "nap", "recovery_minutes": 5}, 400, "recovery_mode"},
		{map[string]any{"recovery_mode": "enforce", "recovery_minutes": 0}, 400, "recovery_minutes"},
		{map[string]any{"recovery_mode": "enforce", "recovery_minutes": 10, "flagged_queue_id": "nope"}, 400, "flagged_queue_id"},
	} {
		res := ad.do("PUT", "/api/v1/protection", c.body)
		if res.StatusCode != c.code || res.problem().Field != c.field {
			t.Errorf("PUT %v: %d %s, want %d field %s", c.body, res.StatusCode, res.body, c.code, c.field)
		}
	}
	if res := ad.do("PUT", "/api/v1/protection", map[string]any{"recovery_mode": "enforce", "recovery_minutes": 10}); res.StatusCode != 200 {
		t.Fatalf("set protection: %d %s", res.StatusCode, res.body)
	}
	sv.do("GET", "/api/v1/protection", nil).json(&p)
	if p.RecoveryMode != tsunagu.RecoveryEnforce || p.RecoveryMinutes != 10 {
		t.Fatalf("protection = %+v", p)
	}

	path := "/api/v1/agents/" + string(agentID) + "/protect"
	for _, body := range []any{
		map[string]any{"until": time.Now().Add(-time.Minute)},
		map[string]any{"until": time.Now().Add(13 * time.Hour)},
		map[string]any{"until": "soon"},
	} {
		if res := sv.do("PUT", path, body); res.StatusCode != 400 || res.problem().Field != "until" {
			t.Errorf("PUT %v: %d %s", body, res.StatusCode, res.body)
		}
	}
	if res := e.login("b-supervisor").do("PUT", path, map[string]any{"until": time.Now().Add(time.Hour)}); res.StatusCode != 404 {
		t.Fatalf("tenant b protecting a's agent: %d %s", res.StatusCode, res.body)
	}
	if res := op.do("PUT", "/api/v1/me/state", map[string]any{"state": "available"}); res.StatusCode != 200 {
		t.Fatalf("available: %d %s", res.StatusCode, res.body)
	}
	until := time.Now().Add(30 * time.Minute).Truncate(time.Second)
	res := sv.do("PUT", path, map[string]any{"until": until})
	var a tsunagu.Agent
	res.json(&a)
	if res.StatusCode != http.StatusOK || a.State != tsunagu.AgentNotReady || a.StateReason != "protected" {
		t.Fatalf("protect: %d %s", res.StatusCode, res.body)
	}
	var day httpapi.Today
	op.do("GET", "/api/v1/me/today", nil).json(&day)
	if day.Protected == nil || !day.Protected.Until.Equal(until) || day.Protected.Reason != "supervisor" {
		t.Fatalf("agent's day while protected = %+v", day.Protected)
	}
	if res := sv.do("PUT", path, map[string]any{"until": nil}); res.StatusCode != 200 {
		t.Fatalf("clear: %d %s", res.StatusCode, res.body)
	}
	var after httpapi.Today // a fresh value: decoding leaves absent fields as they were
	op.do("GET", "/api/v1/me/today", nil).json(&after)
	if after.Protected != nil {
		t.Fatalf("still protected: %+v", after.Protected)
	}
}
