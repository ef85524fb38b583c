package storetest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"tsunagu"
)

// testTargets checks targets, the day's counts, achievements that fire once
// per agent, metric and day, kudos, the praise history, protection settings,
// an agent kept from calls, and a flagged caller — each tenant-isolated.
func testTargets(t *testing.T, s tsunagu.Store) {
	agent, sv := newTenant(t, s, "t1")
	newTenant(t, s, "t2")
	must(t, s.CreateTeam(ctx, &tsunagu.Team{TenantID: "t1", ID: "team-a", Name: "A班"}))
	svCtx := tsunagu.NewContext(ctx, &tsunagu.Principal{TenantID: "t1", UserID: sv.ID, Role: tsunagu.RoleSupervisor})

	t.Run("Targets", func(t *testing.T) {
		for _, tg := range []tsunagu.Target{
			{TenantID: "t1", Scope: tsunagu.ScopeEveryone, Metric: tsunagu.MetricConversions, Daily: 10},
			{TenantID: "t1", Scope: tsunagu.ScopeAgent, ScopeID: string(agent.AgentID), Metric: tsunagu.MetricConversions, Daily: 3},
			{TenantID: "t1", Scope: tsunagu.ScopeEveryone, Metric: tsunagu.MetricThankYous, Daily: 20},
			{TenantID: "t1", Scope: tsunagu.ScopeTeam, ScopeID: "team-a", Metric: tsunagu.MetricInbound, Daily: 300},
			{TenantID: "t1", Scope: tsunagu.ScopeEveryone, Metric: tsunagu.MetricInbound, Daily: 50},
		} {
			must(t, s.SetTarget(svCtx, &tg))
		}
		// Setting again replaces; 0 removes.
		must(t, s.SetTarget(svCtx, &tsunagu.Target{TenantID: "t1", Scope: tsunagu.ScopeEveryone, Metric: tsunagu.MetricInbound, Daily: 60}))
		must(t, s.SetTarget(svCtx, &tsunagu.Target{TenantID: "t1", Scope: tsunagu.ScopeEveryone, Metric: tsunagu.MetricThankYous, Daily: 0}))
		ts, err := s.ListTargets(ctx, "t1")
		must(t, err)
		if len(ts) != 4 || ts[0].Scope != tsunagu.ScopeEveryone || ts[len(ts)-1].Scope != tsunagu.ScopeTeam {
			t.Fatalf("targets = %+v", ts)
		}
		eff := tsunagu.EffectiveTargets(ts, agent.AgentID)
		if eff[tsunagu.MetricConversions] != 3 || eff[tsunagu.MetricInbound] != 60 || eff[tsunagu.MetricThankYous] != 0 {
			t.Fatalf("effective = %v", eff)
		}
		for _, bad := range []tsunagu.Target{
			{TenantID: "t1", Scope: "room", Metric: tsunagu.MetricInbound, Daily: 1},
			{TenantID: "t1", Scope: tsunagu.ScopeEveryone, Metric: "smiles", Daily: 1},
			{TenantID: "t1", Scope: tsunagu.ScopeEveryone, Metric: tsunagu.MetricInbound, Daily: -1},
			{TenantID: "t1", Scope: tsunagu.ScopeAgent, Metric: tsunagu.MetricInbound, Daily: 1},
		} {
			mustCode(t, s.SetTarget(ctx, &bad), tsunagu.EINVALID)
		}
		mustCode(t, s.SetTarget(ctx, &tsunagu.Target{TenantID: "t1", Scope: tsunagu.ScopeAgent, ScopeID: "agt_nope", Metric: tsunagu.MetricInbound, Daily: 1}), tsunagu.ENOTFOUND)
		// Tenant t2 can neither set a target for t1's agent nor list t1's.
		mustCode(t, s.SetTarget(ctx, &tsunagu.Target{TenantID: "t2", Scope: tsunagu.ScopeAgent, ScopeID: string(agent.AgentID), Metric: tsunagu.MetricInbound, Daily: 1}), tsunagu.ENOTFOUND)
		if ts, _ := s.ListTargets(ctx, "t2"); len(ts) != 0 {
			t.Fatalf("t2 lists t1's targets: %+v", ts)
		}
	})

	t.Run("Counts", func(t *testing.T) {
		must(t, s.CreateDisposition(ctx, &tsunagu.Disposition{TenantID: "t1", ID: "sale", Name: "成約", Conversion: true}))
		must(t, s.CreateDisposition(ctx, &tsunagu.Disposition{TenantID: "t1", ID: "solved", Name: "解決"}))
		loc, _ := time.LoadLocation("Asia/Tokyo")
		now := time.Now()
		since := tsunagu.DayStart(now, loc)
		at := func(d time.Duration) *time.Time { x := since.Add(d); return &x }
		mk := func(dir tsunagu.Direction, arrived, connected, wrapped *time.Time, disp tsunagu.DispositionID, thanks bool, abusive tsunagu.Severity) {
			t.Helper()
			c := &tsunagu.Contact{TenantID: "t1", Direction: dir, AgentID: agent.AgentID, State: tsunagu.ContactWrapped, ArrivedAt: *arrived,
				ConnectedAt: connected, WrappedAt: wrapped, DispositionID: disp, ThankYou: thanks, Abusive: abusive}
			must(t, s.CreateContact(ctx, c))
		}
		// Yesterday's call counts nothing today.
		mk(tsunagu.Inbound, at(-3*time.Hour), at(-3*time.Hour), at(-2*time.Hour), "sale", true, "")
		// A call across midnight counts on the day it was answered.
		mk(tsunagu.Inbound, at(-time.Minute), at(time.Minute), at(2*time.Minute), "sale", true, "")
		mk(tsunagu.Inbound, at(time.Minute), at(time.Minute), at(2*time.Minute), "solved", true, "")
		mk(tsunagu.Inbound, at(time.Minute), at(time.Minute), at(3*time.Minute), "solved", false, tsunagu.SeverityHigh)
		mk(tsunagu.Outbound, at(time.Minute), at(time.Minute), at(3*time.Minute), "sale", false, "")
		mk(tsunagu.Outbound, at(time.Minute), nil, nil, "", false, "") // not answered
		// Another tenant's contacts never count here.
		must(t, s.CreateContact(ctx, &tsunagu.Contact{TenantID: "t2", Direction: tsunagu.Inbound, AgentID: agent.AgentID, ArrivedAt: *at(time.Minute), ConnectedAt: at(time.Minute)}))

		want := tsunagu.Counts{Inbound: 3, Outbound: 1, Conversions: 2, ThankYous: 2, HardCalls: 1}
		cs, err := s.CountsSince(ctx, "t1", since, agent.AgentID)
		must(t, err)
		if len(cs) != 1 || cs[0].AgentID != agent.AgentID || cs[0].Counts != want {
			t.Fatalf("counts = %+v, want %+v", cs, want)
		}
		all, err := s.CountsSince(ctx, "t1", since, "")
		must(t, err)
		if len(all) != 1 || all[0].Counts != want {
			t.Fatalf("all counts = %+v", all)
		}
		if cs, _ := s.CountsSince(ctx, "t1", since, "agt_other"); len(cs) != 0 {
			t.Fatalf("another agent's counts = %+v", cs)
		}
	})

	t.Run("Achievement", func(t *testing.T) {
		ja, en := tsunagu.AchievementMessage("佐藤 花子", tsunagu.MetricConversions, 10)
		if ja != "佐藤さん、本日10件成約!" || !strings.Contains(en, "10 conversions") {
			t.Fatalf("message = %q / %q", ja, en)
		}
		p := tsunagu.Praise{TenantID: "t1", AgentID: agent.AgentID, AgentName: "佐藤 花子", Message: ja, MessageEn: en,
			Metric: tsunagu.MetricConversions, Target: 10, Count: 10, Day: "2026-11-25"}
		first := p
		fired, err := s.RecordAchievement(ctx, &first)
		must(t, err)
		again := p
		again.Count = 11
		fired2, err := s.RecordAchievement(ctx, &again)
		must(t, err)
		if !fired || fired2 {
			t.Fatalf("fired = %v then %v, want true then false", fired, fired2)
		}
		nextDay := p
		nextDay.Day = "2026-11-26"
		if ok, err := s.RecordAchievement(ctx, &nextDay); err != nil || !ok {
			t.Fatalf("next day = %v, %v", ok, err)
		}
		bad := p
		bad.Metric = "smiles"
		_, err = s.RecordAchievement(ctx, &bad)
		mustCode(t, err, tsunagu.EINVALID)
		other := p
		other.TenantID = "t2"
		_, err = s.RecordAchievement(ctx, &other)
		mustCode(t, err, tsunagu.ENOTFOUND)

		evs := eventsOf(t, s, "t1", tsunagu.EventPraiseAchieved)
		if len(evs) != 2 || evs[0].AgentID != agent.AgentID || evs[0].Subject != string(first.ID) ||
			!strings.Contains(string(evs[0].Payload), `"agent_name":"佐藤 花子"`) || !strings.Contains(string(evs[0].Payload), "本日10件成約") {
			t.Fatalf("praise events = %+v", evs)
		}
		own := &tsunagu.Principal{TenantID: "t1", UserID: agent.ID, AgentID: agent.AgentID, Role: tsunagu.RoleAgent}
		stranger := &tsunagu.Principal{TenantID: "t1", UserID: "usr_x", AgentID: "agt_x", Role: tsunagu.RoleAgent}
		if !evs[0].Visible(own) || evs[0].Visible(stranger) {
			t.Fatal("praise:achieved must reach the praised agent's desk, and not another agent's")
		}
	})

	t.Run("Kudos", func(t *testing.T) {
		k := &tsunagu.Praise{TenantID: "t1", AgentID: agent.AgentID, Message: " 丁寧な対応でした ", FromID: sv.ID, FromName: sv.DisplayName}
		must(t, s.CreateKudos(svCtx, k))
		if k.ID == "" || k.AgentName != "佐藤 花子" || k.Message != "丁寧な対応でした" || k.Kind != tsunagu.PraiseKudos {
			t.Fatalf("kudos = %+v", k)
		}
		mustCode(t, s.CreateKudos(ctx, &tsunagu.Praise{TenantID: "t1", AgentID: agent.AgentID, Message: "  "}), tsunagu.EINVALID)
		mustCode(t, s.CreateKudos(ctx, &tsunagu.Praise{TenantID: "t1", AgentID: agent.AgentID, Message: strings.Repeat("す", tsunagu.MaxKudosMessage+1)}), tsunagu.EINVALID)
		mustCode(t, s.CreateKudos(ctx, &tsunagu.Praise{TenantID: "t1", AgentID: "agt_nope", Message: "x"}), tsunagu.ENOTFOUND)
		mustCode(t, s.CreateKudos(ctx, &tsunagu.Praise{TenantID: "t2", AgentID: agent.AgentID, Message: "x"}), tsunagu.ENOTFOUND)
		evs := eventsOf(t, s, "t1", tsunagu.EventPraiseKudos)
		if len(evs) != 1 || evs[0].ActorID != sv.ID || evs[0].AgentID != agent.AgentID || !strings.Contains(string(evs[0].Payload), "丁寧な対応でした") {
			t.Fatalf("kudos events = %+v", evs)
		}

		ps, err := s.ListPraise(ctx, "t1", tsunagu.PraiseFilter{AgentID: agent.AgentID})
		must(t, err)
		if len(ps) != 3 || ps[0].ID != k.ID || ps[0].FromName != sv.DisplayName {
			t.Fatalf("praise = %+v", ps)
		}
		if ps, _ := s.ListPraise(ctx, "t1", tsunagu.PraiseFilter{Since: k.At.Add(time.Second)}); len(ps) != 0 {
			t.Fatalf("praise since later = %+v", ps)
		}
		if ps, _ := s.ListPraise(ctx, "t1", tsunagu.PraiseFilter{AgentID: "agt_other"}); len(ps) != 0 {
			t.Fatalf("another agent's praise = %+v", ps)
		}
		if ps, _ := s.ListPraise(ctx, "t2", tsunagu.PraiseFilter{}); len(ps) != 0 {
			t.Fatalf("t2 lists t1's praise: %+v", ps)
		}
	})

	t.Run("Protection", func(t *testing.T) {
		p, err := s.FindProtection(ctx, "t1")
		must(t, err)
		if *p != tsunagu.DefaultProtection("t1") {
			t.Fatalf("default = %+v", p)
		}
		mustCode(t, s.SetProtection(ctx, &tsunagu.Protection{TenantID: "t1", RecoveryMode: "nap", RecoveryMinutes: 5}), tsunagu.EINVALID)
		mustCode(t, s.SetProtection(ctx, &tsunagu.Protection{TenantID: "t1", RecoveryMode: tsunagu.RecoveryEnforce, RecoveryMinutes: 500}), tsunagu.EINVALID)
		err = s.SetProtection(ctx, &tsunagu.Protection{TenantID: "t1", RecoveryMode: tsunagu.RecoveryEnforce, RecoveryMinutes: 10, FlaggedQueueID: "nope"})
		if tsunagu.ErrorCode(err) != tsunagu.EINVALID || tsunagu.ErrorField(err) != "flagged_queue_id" {
			t.Fatalf("unknown queue: %v", err)
		}
		must(t, s.CreateQueue(ctx, &tsunagu.Queue{TenantID: "t1", ID: "senior", Name: "シニア対応", SLPercent: 80, SLSeconds: 20}))
		must(t, s.SetProtection(svCtx, &tsunagu.Protection{TenantID: "t1", RecoveryMode: tsunagu.RecoveryEnforce, RecoveryMinutes: 10, FlaggedQueueID: "senior"}))
		p, err = s.FindProtection(ctx, "t1")
		must(t, err)
		if p.RecoveryMode != tsunagu.RecoveryEnforce || p.RecoveryMinutes != 10 || p.FlaggedQueueID != "senior" {
			t.Fatalf("protection = %+v", p)
		}
		if p2, _ := s.FindProtection(ctx, "t2"); p2.FlaggedQueueID != "" || p2.RecoveryMode != tsunagu.RecoveryOffer {
			t.Fatalf("t2 sees t1's protection: %+v", p2)
		}

		until := time.Now().Add(30 * time.Minute).Truncate(time.Millisecond)
		must(t, s.ProtectAgent(svCtx, &tsunagu.AgentProtection{TenantID: "t1", AgentID: agent.AgentID, Until: until}))
		ap, err := s.FindAgentProtection(ctx, "t1", agent.AgentID)
		must(t, err)
		if !ap.Until.Equal(until) || ap.Reason != "supervisor" || ap.SetBy != sv.ID {
			t.Fatalf("agent protection = %+v", ap)
		}
		mustCode(t, s.ProtectAgent(ctx, &tsunagu.AgentProtection{TenantID: "t2", AgentID: agent.AgentID, Until: until}), tsunagu.ENOTFOUND)
		_, err = s.FindAgentProtection(ctx, "t2", agent.AgentID)
		mustCode(t, err, tsunagu.ENOTFOUND)
		must(t, s.ProtectAgent(svCtx, &tsunagu.AgentProtection{TenantID: "t1", AgentID: agent.AgentID}))
		_, err = s.FindAgentProtection(ctx, "t1", agent.AgentID)
		mustCode(t, err, tsunagu.ENOTFOUND)
		evs := eventsOf(t, s, "t1", tsunagu.EventAgentProtected)
		if len(evs) != 2 || evs[0].AgentID != agent.AgentID || !strings.Contains(string(evs[1].Payload), `"until":null`) {
			t.Fatalf("protected events = %+v", evs)
		}
	})

	t.Run("FlagCaller", func(t *testing.T) {
		cust := &tsunagu.Customer{TenantID: "t1", Name: "山田 太郎", Phones: []tsunagu.Phone{{Number: "090-1234-5678"}}}
		must(t, s.CreateCustomer(ctx, cust))
		con := &tsunagu.Contact{TenantID: "t1", Direction: tsunagu.Inbound, Number: "09012345678", CustomerID: cust.ID, AgentID: agent.AgentID, ArrivedAt: time.Now()}
		must(t, s.CreateContact(ctx, con))
		_, err := s.FlagCaller(ctx, "t1", con.ID, "furious")
		mustCode(t, err, tsunagu.EINVALID)
		_, err = s.FlagCaller(ctx, "t2", con.ID, tsunagu.SeverityHigh)
		mustCode(t, err, tsunagu.ENOTFOUND)
		c, err := s.FlagCaller(ctx, "t1", con.ID, tsunagu.SeverityHigh)
		must(t, err)
		if !c.KeepRecording || c.CallerFlag != tsunagu.SeverityHigh {
			t.Fatalf("flagged contact = %+v", c)
		}
		// The caller's next call warns; another number's does not.
		next := &tsunagu.Contact{TenantID: "t1", Direction: tsunagu.Inbound, Number: "+819012345678", ArrivedAt: time.Now()}
		must(t, s.CreateContact(ctx, next))
		other := &tsunagu.Contact{TenantID: "t1", Direction: tsunagu.Inbound, Number: "0312345678", ArrivedAt: time.Now()}
		must(t, s.CreateContact(ctx, other))
		if f, _ := s.FindContact(ctx, "t1", next.ID); f.CallerFlag != tsunagu.SeverityHigh || f.KeepRecording {
			t.Fatalf("next call = %+v", f)
		}
		if f, _ := s.FindContact(ctx, "t1", other.ID); f.CallerFlag != "" {
			t.Fatalf("other caller = %+v", f)
		}
		// The same number calling tenant t2 is not flagged there.
		t2c := &tsunagu.Contact{TenantID: "t2", Direction: tsunagu.Inbound, Number: "09012345678", ArrivedAt: time.Now()}
		must(t, s.CreateContact(ctx, t2c))
		if f, _ := s.FindContact(ctx, "t2", t2c.ID); f.CallerFlag != "" {
			t.Fatalf("t2 sees t1's flag: %+v", f)
		}
		if cu, _ := s.FindCustomer(ctx, "t1", cust.ID); !slices.Contains(cu.Flags, "abusive") {
			t.Fatalf("customer flags = %v", cu.Flags)
		}
		evs, err := s.ContactEvents(ctx, "t1", con.ID)
		must(t, err)
		if last := evs[len(evs)-1]; last.Type != tsunagu.EventCallerFlagged || last.AgentID != agent.AgentID || strings.Contains(string(last.Payload), "+819012345678") {
			t.Fatalf("flag event = %+v", last)
		}
	})
}

// eventsOf returns the tenant's events of one type, in order.
func eventsOf(t *testing.T, s tsunagu.Store, tenant tsunagu.TenantID, typ tsunagu.EventType) []tsunagu.Event {
	t.Helper()
	all, err := s.ListEvents(ctx, tenant, 0, 10000)
	must(t, err)
	var out []tsunagu.Event
	for _, e := range all {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}
