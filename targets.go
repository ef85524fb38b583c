package tsunagu

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Metric is one of the day's counts that targets and achievements measure.
type Metric string

// Metrics. Each counts contacts of the agent's day in the tenant's time zone.
const (
	MetricInbound     Metric = "inbound"     // inbound contacts answered (受電)
	MetricOutbound    Metric = "outbound"    // outbound contacts connected (発信)
	MetricConversions Metric = "conversions" // wrap-ups with a conversion disposition (成約)
	MetricThankYous   Metric = "thank_yous"  // wrap-ups where the customer said ありがとう
)

// Metrics lists every metric, in the order the desk shows them.
var Metrics = []Metric{MetricInbound, MetricOutbound, MetricConversions, MetricThankYous}

// Valid reports whether m is a known metric.
func (m Metric) Valid() bool {
	for _, x := range Metrics {
		if x == m {
			return true
		}
	}
	return false
}

// TargetScope says whom a target is for.
type TargetScope string

// Target scopes. An agent's own target wins over the one for everyone; a
// team's target is the team's total, shown on the floor.
const (
	ScopeEveryone TargetScope = "everyone" // each agent who has no target of their own
	ScopeAgent    TargetScope = "agent"
	ScopeTeam     TargetScope = "team"
)

// MaxDailyTarget caps a target: more is a typing mistake, not a goal.
const MaxDailyTarget = 10000

// Target is a daily goal for one metric (e.g. 10 成約 a day). Reaching an
// agent's target fires an achievement (praise:achieved) once that day.
type Target struct {
	TenantID  TenantID    `json:"tenant_id"`
	Scope     TargetScope `json:"scope"`
	ScopeID   string      `json:"scope_id,omitempty"` // the agent or team; empty for everyone
	Metric    Metric      `json:"metric"`
	Daily     int         `json:"daily"` // 0 removes the target
	UpdatedAt time.Time   `json:"updated_at"`
}

// Validate checks the target's scope, metric and number.
func (t *Target) Validate() error {
	switch t.Scope {
	case ScopeEveryone:
		if t.ScopeID != "" {
			return FieldError("scope_id", "A target for everyone names no agent or team.")
		}
	case ScopeAgent, ScopeTeam:
		if strings.TrimSpace(t.ScopeID) == "" {
			return FieldError("scope_id", "Say which %s the target is for.", t.Scope)
		}
	default:
		return FieldError("scope", "Scope is everyone, agent or team.")
	}
	if !t.Metric.Valid() {
		return FieldError("metric", "Metric is inbound, outbound, conversions or thank_yous.")
	}
	if t.Daily < 0 || t.Daily > MaxDailyTarget {
		return FieldError("daily", "A daily target is 0–%d (0 removes it).", MaxDailyTarget)
	}
	return nil
}

// Counts are one agent's (or one team's) figures for the day.
type Counts struct {
	Inbound     int `json:"inbound"`
	Outbound    int `json:"outbound"`
	Conversions int `json:"conversions"`
	ThankYous   int `json:"thank_yous"`
	// HardCalls are the contacts flagged abusive (contact:flagged): a
	// leader reads it as "check on this person", never as a score.
	HardCalls int `json:"hard_calls"`
}

// Get returns the count for m.
func (c Counts) Get(m Metric) int {
	switch m {
	case MetricInbound:
		return c.Inbound
	case MetricOutbound:
		return c.Outbound
	case MetricConversions:
		return c.Conversions
	case MetricThankYous:
		return c.ThankYous
	}
	return 0
}

// Add returns the sum of two days' figures (a team's total).
func (c Counts) Add(o Counts) Counts {
	return Counts{c.Inbound + o.Inbound, c.Outbound + o.Outbound, c.Conversions + o.Conversions, c.ThankYous + o.ThankYous, c.HardCalls + o.HardCalls}
}

// AgentCounts are one agent's counts.
type AgentCounts struct {
	AgentID AgentID `json:"agent_id"`
	Counts
}

// EffectiveTargets picks, for each metric, the agent's own target or else
// the one for everyone. Metrics without a target are absent.
func EffectiveTargets(ts []Target, agent AgentID) map[Metric]int {
	out := map[Metric]int{}
	for _, t := range ts {
		if t.Scope == ScopeEveryone && t.Daily > 0 {
			if _, own := out[t.Metric]; !own {
				out[t.Metric] = t.Daily
			}
		}
	}
	for _, t := range ts {
		if t.Scope == ScopeAgent && t.ScopeID == string(agent) && t.Daily > 0 {
			out[t.Metric] = t.Daily
		}
	}
	return out
}

// DayStart is midnight of the day t falls on in loc: "today" for counts and
// achievements is the tenant's day (Asia/Tokyo by default), not the server's.
func DayStart(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
}

// Location returns the tenant's time zone (Asia/Tokyo when unset or unknown).
func (t *Tenant) Location() *time.Location {
	name := t.TimeZone
	if name == "" {
		name = "Asia/Tokyo"
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC
	}
	return loc
}

// PraiseID identifies an achievement or a kudos.
type PraiseID string

// PraiseKind tells an achievement from a leader's kudos.
type PraiseKind string

// Praise kinds; each is also the suffix of its event type.
const (
	PraiseAchieved PraiseKind = "achieved" // a count reached the target
	PraiseKudos    PraiseKind = "kudos"    // a leader's words
)

// MaxKudosMessage bounds a kudos: a banner line, not a letter.
const MaxKudosMessage = 200

// Praise is one achievement or kudos, kept as the praise history and read
// out on the floor display ("佐藤さん、本日10件成約!").
type Praise struct {
	ID        PraiseID   `json:"id"`
	TenantID  TenantID   `json:"tenant_id"`
	Kind      PraiseKind `json:"kind"`
	AgentID   AgentID    `json:"agent_id"`
	AgentName string     `json:"agent_name"`
	Message   string     `json:"message"`              // Japanese (the kudos as written)
	MessageEn string     `json:"message_en,omitempty"` // English, for achievements
	// Achievements: the metric, the target reached, the count and the day
	// (YYYY-MM-DD in the tenant's time zone): one per agent, metric and day.
	Metric Metric `json:"metric,omitempty"`
	Target int    `json:"target,omitempty"`
	Count  int    `json:"count,omitempty"`
	Day    string `json:"day,omitempty"`
	// Kudos: the leader who sent it.
	FromID   UserID    `json:"from_id,omitempty"`
	FromName string    `json:"from_name,omitempty"`
	At       time.Time `json:"at"`
}

// Validate checks a kudos before it is stored.
func (p *Praise) Validate() error {
	p.Message = strings.TrimSpace(p.Message)
	if p.AgentID == "" {
		return FieldError("agent_id", "Say whom the praise is for.")
	}
	switch p.Kind {
	case PraiseKudos:
		if p.Message == "" {
			return FieldError("message", "Write a few words of praise.")
		}
		if utf8.RuneCountInString(p.Message) > MaxKudosMessage {
			return FieldError("message", "A kudos is at most %d characters.", MaxKudosMessage)
		}
	case PraiseAchieved:
		if !p.Metric.Valid() || p.Day == "" || p.Target <= 0 {
			return FieldError("metric", "An achievement names its metric, target and day.")
		}
	default:
		return FieldError("kind", "Praise is achieved or kudos.")
	}
	return nil
}

// CallName is how the floor addresses an operator: the family name (the
// first word of the name) with さん — "佐藤 花子" → "佐藤さん".
func CallName(name string) string {
	f := strings.Fields(name)
	if len(f) == 0 {
		return ""
	}
	return f[0] + "さん"
}

// AchievementMessage returns the banner for reaching target n of m, in
// Japanese and English.
func AchievementMessage(name string, m Metric, n int) (ja, en string) {
	who := CallName(name)
	if who == "" {
		who = "みなさん"
	}
	en = name
	switch m {
	case MetricInbound:
		return fmt.Sprintf("%s、本日%d件受電!", who, n), fmt.Sprintf("%s: %d calls answered today!", en, n)
	case MetricOutbound:
		return fmt.Sprintf("%s、本日%d件発信!", who, n), fmt.Sprintf("%s: %d outbound calls today!", en, n)
	case MetricConversions:
		return fmt.Sprintf("%s、本日%d件成約!", who, n), fmt.Sprintf("%s: %d conversions today!", en, n)
	default:
		return fmt.Sprintf("%s、本日ありがとう%d件!", who, n), fmt.Sprintf("%s: %d thank-yous today!", en, n)
	}
}

// PraiseFilter selects praise history.
type PraiseFilter struct {
	AgentID AgentID
	Since   time.Time // zero: all
	Limit   int       // 0: 100; at most 1000
}

// RecoveryMode says what happens after a call flagged abusive.
type RecoveryMode string

// Recovery modes.
const (
	RecoveryOff     RecoveryMode = "off"     // nothing: the agent is ready after the wrap-up
	RecoveryOffer   RecoveryMode = "offer"   // not-ready "recovery"; the agent may come back early
	RecoveryEnforce RecoveryMode = "enforce" // not-ready "recovery"; available only after the minutes
)

// Protection is a tenant's settings for protecting operators from abusive
// callers (カスハラ対策).
type Protection struct {
	TenantID        TenantID     `json:"tenant_id"`
	RecoveryMode    RecoveryMode `json:"recovery_mode"`
	RecoveryMinutes int          `json:"recovery_minutes"`
	// FlaggedQueueID, when set, is where a flagged caller's next calls go
	// (a queue the chosen team serves) instead of the queue they chose.
	FlaggedQueueID QueueID   `json:"flagged_queue_id,omitempty"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// DefaultProtection is what a tenant has until an admin changes it: a
// five-minute recovery break, offered.
func DefaultProtection(tenant TenantID) Protection {
	return Protection{TenantID: tenant, RecoveryMode: RecoveryOffer, RecoveryMinutes: 5}
}

// Validate checks the settings.
func (p *Protection) Validate() error {
	switch p.RecoveryMode {
	case RecoveryOff, RecoveryOffer, RecoveryEnforce:
	default:
		return FieldError("recovery_mode", "Recovery is off, offer or enforce.")
	}
	if p.RecoveryMinutes < 0 || p.RecoveryMinutes > 120 {
		return FieldError("recovery_minutes", "A recovery break is 0–120 minutes.")
	}
	if p.RecoveryMode != RecoveryOff && p.RecoveryMinutes == 0 {
		return FieldError("recovery_minutes", "Give the recovery break some minutes, or turn it off.")
	}
	return nil
}

// AgentProtection keeps calls away from an agent until a time: a leader's
// decision (reason "supervisor") or an enforced recovery break ("recovery").
type AgentProtection struct {
	TenantID TenantID  `json:"tenant_id"`
	AgentID  AgentID   `json:"agent_id"`
	Until    time.Time `json:"until"`
	Reason   string    `json:"reason"`
	SetBy    UserID    `json:"set_by,omitempty"`
}

// TargetStore keeps targets, praise and protection. Every write appends its
// event in the same transaction.
type TargetStore interface {
	// SetTarget validates and stores t (Daily 0 removes it) and appends
	// target:set. ENOTFOUND when the agent or team is not in the tenant.
	SetTarget(ctx context.Context, t *Target) error
	ListTargets(ctx context.Context, tenant TenantID) ([]Target, error)
	// CountsSince counts each agent's contacts since the start of the day
	// (agent empty: every agent with something to count).
	CountsSince(ctx context.Context, tenant TenantID, since time.Time, agent AgentID) ([]AgentCounts, error)
	// RecordAchievement stores p (kind achieved) and appends praise:achieved
	// unless the agent already has that metric's achievement for p.Day: it
	// reports whether it fired. Idempotent, so a retry never praises twice.
	RecordAchievement(ctx context.Context, p *Praise) (bool, error)
	// CreateKudos stores p (kind kudos) and appends praise:kudos.
	// ENOTFOUND when the agent is not in the tenant.
	CreateKudos(ctx context.Context, p *Praise) error
	// ListPraise lists praise newest first.
	ListPraise(ctx context.Context, tenant TenantID, f PraiseFilter) ([]Praise, error)
	// FindProtection returns the tenant's settings (DefaultProtection when
	// never set).
	FindProtection(ctx context.Context, tenant TenantID) (*Protection, error)
	// SetProtection validates and stores p and appends protection:changed.
	SetProtection(ctx context.Context, p *Protection) error
	// ProtectAgent keeps calls away from the agent until the time (zero
	// clears it) and appends agent:protected. ENOTFOUND for an unknown agent.
	ProtectAgent(ctx context.Context, p *AgentProtection) error
	// FindAgentProtection returns the agent's protection; ENOTFOUND when
	// there is none.
	FindAgentProtection(ctx context.Context, tenant TenantID, agent AgentID) (*AgentProtection, error)
	// FlagCaller records that contact's caller was abusive: the contact's
	// recording is kept past retention, the number (and the customer, flag
	// "abusive") is flagged so later calls warn and can be routed apart, and
	// caller:flagged is appended. ENOTFOUND when the contact is not in the
	// tenant, EINVALID for an unknown severity.
	FlagCaller(ctx context.Context, tenant TenantID, contact ContactID, severity Severity) (*Contact, error)
}
