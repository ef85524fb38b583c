package tsunagu

import (
	"testing"
	"time"
)

func TestTarget_Validate(t *testing.T) {
	for _, c := range []struct {
		t     Target
		field string
	}{
		{Target{Scope: ScopeEveryone, Metric: MetricInbound, Daily: 50}, ""},
		{Target{Scope: ScopeAgent, ScopeID: "agt_1", Metric: MetricConversions, Daily: 10}, ""},
		{Target{Scope: ScopeTeam, ScopeID: "a", Metric: MetricThankYous, Daily: 0}, ""},
		{Target{Scope: ScopeEveryone, ScopeID: "agt_1", Metric: MetricInbound, Daily: 1}, "scope_id"},
		{Target{Scope: ScopeAgent, ScopeID: " ", Metric: MetricInbound, Daily: 1}, "scope_id"},
		{Target{Scope: "floor", Metric: MetricInbound, Daily: 1}, "scope"},
		{Target{Scope: ScopeEveryone, Metric: "calls", Daily: 1}, "metric"},
		{Target{Scope: ScopeEveryone, Metric: MetricInbound, Daily: MaxDailyTarget + 1}, "daily"},
	} {
		err := c.t.Validate()
		if got := ErrorField(err); got != c.field || (c.field == "") != (err == nil) {
			t.Errorf("%+v: %v, want field %q", c.t, err, c.field)
		}
	}
}

func TestEffectiveTargets(t *testing.T) {
	ts := []Target{
		{Scope: ScopeAgent, ScopeID: "a1", Metric: MetricConversions, Daily: 3},
		{Scope: ScopeEveryone, Metric: MetricConversions, Daily: 10},
		{Scope: ScopeEveryone, Metric: MetricThankYous, Daily: 20},
		{Scope: ScopeTeam, ScopeID: "a1", Metric: MetricInbound, Daily: 300}, // a team, even if named like the agent
		{Scope: ScopeAgent, ScopeID: "a2", Metric: MetricInbound, Daily: 70},
	}
	got := EffectiveTargets(ts, "a1")
	if len(got) != 2 || got[MetricConversions] != 3 || got[MetricThankYous] != 20 {
		t.Fatalf("a1 = %v", got)
	}
	if got := EffectiveTargets(ts, "a3"); len(got) != 2 || got[MetricConversions] != 10 {
		t.Fatalf("a3 = %v", got)
	}
}

func TestAchievementMessage(t *testing.T) {
	for _, c := range []struct {
		name string
		m    Metric
		n    int
		ja   string
	}{
		{"佐藤 花子", MetricConversions, 10, "佐藤さん、本日10件成約!"},
		{"佐藤　花子", MetricThankYous, 20, "佐藤さん、本日ありがとう20件!"}, // a full-width space
		{"鈴木", MetricInbound, 50, "鈴木さん、本日50件受電!"},
		{"", MetricOutbound, 5, "みなさん、本日5件発信!"},
	} {
		if ja, en := AchievementMessage(c.name, c.m, c.n); ja != c.ja || en == "" {
			t.Errorf("%q %s %d = %q / %q, want %q", c.name, c.m, c.n, ja, en, c.ja)
		}
	}
}

// TestDayStart: "today" is the tenant's day. 23:30 UTC is already the next
// morning in Tokyo.
func TestDayStart(t *testing.T) {
	tokyo := (&Tenant{}).Location()
	if tokyo.String() != "Asia/Tokyo" {
		t.Fatalf("default zone = %s", tokyo)
	}
	at := time.Date(2026, 4, 1, 23, 30, 0, 0, time.UTC)
	got := DayStart(at, tokyo)
	if want := time.Date(2026, 4, 2, 0, 0, 0, 0, tokyo); !got.Equal(want) || got.Format("2006-01-02") != "2026-04-02" {
		t.Fatalf("day start = %v, want %v", got, want)
	}
	if utc := DayStart(at, time.UTC); utc.Day() != 1 {
		t.Fatalf("UTC day = %v", utc)
	}
}

func TestProtection_Validate(t *testing.T) {
	def := DefaultProtection("t")
	if err := def.Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	for _, c := range []struct {
		p     Protection
		field string
	}{
		{Protection{RecoveryMode: RecoveryOff}, ""},
		{Protection{RecoveryMode: RecoveryEnforce, RecoveryMinutes: 10}, ""},
		{Protection{RecoveryMode: "nap", RecoveryMinutes: 5}, "recovery_mode"},
		{Protection{RecoveryMode: RecoveryOffer, RecoveryMinutes: 0}, "recovery_minutes"},
		{Protection{RecoveryMode: RecoveryOffer, RecoveryMinutes: 121}, "recovery_minutes"},
	} {
		err := c.p.Validate()
		if got := ErrorField(err); got != c.field || (c.field == "") != (err == nil) {
			t.Errorf("%+v: %v, want field %q", c.p, err, c.field)
		}
	}
}
