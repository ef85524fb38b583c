package floor

import (
	"math"
	"sort"
	"time"

	"tsunagu"
)

// Snapshot is the floor at one moment: what GET /api/v1/floor returns. Seq
// is the last event it includes; durations are whole seconds at At, and the
// matching start times are given so a screen can keep its clocks running
// between snapshots.
type Snapshot struct {
	Seq    int64          `json:"seq"`
	At     time.Time      `json:"at"`
	Day    string         `json:"day"` // today in the tenant's time zone, 2006-01-02
	Queues []QueueFigures `json:"queues"`
	Agents []AgentFigures `json:"agents"`
	Alerts []Alert        `json:"alerts"`
	Praise []Praise       `json:"praise"`
}

// QueueFigures are one queue's live and today's figures. Today's counts are
// of events that happened today (tenant time). A visit is a stretch a
// contact spends in this queue: overflowing to another queue ends it there
// and starts one in the other; a missed or declined offer does not.
type QueueFigures struct {
	ID     tsunagu.QueueID `json:"id"`
	Name   string          `json:"name"`
	NameEn string          `json:"name_en,omitempty"`
	// The target: SLPercent of contacts answered within SLSeconds.
	SLPercent int `json:"sl_percent"`
	SLSeconds int `json:"sl_seconds"`

	Waiting            int        `json:"waiting"` // callers in the queue, ringing ones included
	Ringing            int        `json:"ringing"` // of them, being offered to an agent now
	LongestWaitSeconds int        `json:"longest_wait_seconds"`
	OldestWaitingSince *time.Time `json:"oldest_waiting_since,omitempty"`

	Offered       int `json:"offered"`        // visits started today
	Answered      int `json:"answered"`       // visits answered today
	Abandoned     int `json:"abandoned"`      // callers who hung up while waiting or ringing
	Overflowed    int `json:"overflowed"`     // visits moved on to another queue
	TransferredIn int `json:"transferred_in"` // of the offered, contacts transferred here
	AnsweredInSL  int `json:"answered_in_sl"` // answered within SLSeconds of entering the queue

	// ServiceLevel = AnsweredInSL / visits finished today (answered +
	// abandoned + overflowed); AbandonRate = abandoned / finished. Nil
	// before the first finished visit.
	ServiceLevel *float64 `json:"service_level"`
	AbandonRate  *float64 `json:"abandon_rate"`
	// ASASeconds is the mean wait of today's answered visits.
	ASASeconds *float64 `json:"asa_seconds"`
	// AHTSeconds is today's mean handle time (talk + wrap-up).
	AHTSeconds *float64 `json:"aht_seconds"`
	// ExpectedWaitSeconds is the wait a caller joining now can expect: a
	// simple rate estimate (see expectedWait). Nil when nobody who can
	// answer the queue is working or no call has been handled yet today.
	ExpectedWaitSeconds *int `json:"expected_wait_seconds"`
	// Staffed agents can answer the queue and are working (available, on a
	// call or wrapping up); Available of them are free now.
	Staffed   int `json:"staffed"`
	Available int `json:"available"`
}

// AgentFigures is one agent's live state and today's counts.
type AgentFigures struct {
	ID           tsunagu.AgentID    `json:"id"`
	Name         string             `json:"name"`
	TeamID       tsunagu.TeamID     `json:"team_id,omitempty"`
	State        tsunagu.AgentState `json:"state"`
	Reason       string             `json:"reason,omitempty"`
	Since        *time.Time         `json:"since,omitempty"`
	StateSeconds int                `json:"state_seconds"`
	Contact      *CurrentContact    `json:"contact,omitempty"`

	Handled      int `json:"handled"`       // calls answered today
	TalkSeconds  int `json:"talk_seconds"`  // connected time of today's ended calls (holds included)
	Holds        int `json:"holds"`         // times they put a caller on hold
	HoldSeconds  int `json:"hold_seconds"`  // total time callers spent on hold
	Missed       int `json:"missed"`        // offers that rang out
	Declined     int `json:"declined"`      // offers refused
	MissedStreak int `json:"missed_streak"` // missed in a row since the last answer
	Flagged      int `json:"flagged"`       // calls flagged abusive today ("hard calls")
	ThankYous    int `json:"thank_yous"`    // wrap-ups where the customer said ありがとう
}

// CurrentContact is the contact in an agent's hands.
type CurrentContact struct {
	ID tsunagu.ContactID `json:"id"`
	// Phase: ringing, talking, held or wrapup.
	Phase   string     `json:"phase"`
	Since   time.Time  `json:"since"` // start of the phase (offer, answer, end)
	Seconds int        `json:"seconds"`
	HeldAt  *time.Time `json:"held_at,omitempty"`
}

// Alert kinds.
const (
	AlertSLBreach     = "sl_breach"     // today's service level under the target
	AlertLongWait     = "long_wait"     // a caller waiting past the threshold
	AlertLongACW      = "long_acw"      // an agent in after-call work too long
	AlertLongHold     = "long_hold"     // a caller on hold too long
	AlertMissedStreak = "missed_streak" // offers missed in a row
	AlertAbusive      = "abusive_call"  // a call flagged abusive
)

// Alert is something a leader should look at now. Alerts are derived, not
// stored: each snapshot lists the conditions true at its moment.
type Alert struct {
	ID       string            `json:"id"` // stable while the condition lasts (kind + subject)
	Kind     string            `json:"kind"`
	Severity string            `json:"severity"` // warning or critical
	QueueID  tsunagu.QueueID   `json:"queue_id,omitempty"`
	AgentID  tsunagu.AgentID   `json:"agent_id,omitempty"`
	Contact  tsunagu.ContactID `json:"contact_id,omitempty"`
	Since    time.Time         `json:"since"`
	Seconds  int               `json:"seconds"`
	// Value: the service level (0–1) for sl_breach, the streak length for
	// missed_streak; Detail: the flag's severity for abusive_call.
	Value  float64 `json:"value"`
	Detail string  `json:"detail,omitempty"`
}

// Praise is a banner for the floor display: an achievement or a kudos.
type Praise struct {
	Seq       int64           `json:"seq"`
	Kind      string          `json:"kind"` // achieved or kudos
	AgentID   tsunagu.AgentID `json:"agent_id,omitempty"`
	AgentName string          `json:"agent_name"`
	Message   string          `json:"message"`
	MessageEn string          `json:"message_en,omitempty"`
	At        time.Time       `json:"at"`
}

func secs(d time.Duration) int { return int(max(0, d) / time.Second) }

func ptr[T any](v T) *T { return &v }

// round1 keeps one decimal, so snapshots compare equal however the sums
// were reached.
func round1(v float64) float64 { return math.Round(v*10) / 10 }

// Snapshot computes the figures at now. It starts a new day first if now is
// past midnight, so the morning's screen shows zeros, not yesterday.
func (f *Fold) Snapshot(now time.Time) Snapshot {
	f.roll(now)
	th := f.cfg.Thresholds
	s := Snapshot{Seq: f.seq, At: now.UTC(), Day: now.In(f.cfg.Location).Format("2006-01-02"),
		Queues: []QueueFigures{}, Agents: []AgentFigures{}, Alerts: []Alert{}, Praise: append([]Praise{}, f.praise...)}

	// Agents first: the queues' staffing reads their states.
	skills := map[tsunagu.AgentID][]tsunagu.SkillLevel{}
	info := map[tsunagu.AgentID]tsunagu.Agent{}
	for _, a := range f.cfg.Agents {
		skills[a.ID], info[a.ID] = a.Skills, a
	}
	for _, id := range f.sortedAgents() {
		a := f.agents[id]
		if a == nil {
			a = &agentDay{state: tsunagu.AgentOffline}
		}
		ag := AgentFigures{ID: id, Name: info[id].Name, TeamID: info[id].TeamID, State: a.state, Reason: a.reason,
			Handled: a.handled, TalkSeconds: secs(a.talk), Holds: a.holds, HoldSeconds: secs(a.hold), Missed: a.missed,
			Declined: a.declined, MissedStreak: a.streak, Flagged: a.flagged, ThankYous: a.thankYous}
		if ag.Name == "" {
			ag.Name = string(id)
		}
		if ag.State == "" {
			ag.State = tsunagu.AgentOffline
		}
		if !a.since.IsZero() {
			ag.Since, ag.StateSeconds = ptr(a.since), secs(now.Sub(a.since))
		}
		if c := f.contacts[a.contact]; c != nil && a.contact != "" {
			cc := &CurrentContact{ID: c.id, Since: c.since, Seconds: secs(now.Sub(c.since))}
			switch {
			case c.phase == ringing:
				cc.Phase = "ringing"
			case c.phase == talking && !c.heldAt.IsZero():
				cc.Phase, cc.HeldAt = "held", ptr(c.heldAt)
			case c.phase == talking:
				cc.Phase = "talking"
			default:
				cc.Phase = "wrapup"
			}
			ag.Contact = cc
		}
		s.Agents = append(s.Agents, ag)
		if ag.State == tsunagu.AgentAfterCallWork && ag.Since != nil {
			limit := or(th.LongACW, DefaultLongACW)
			if d := now.Sub(a.since); d > limit {
				s.Alerts = append(s.Alerts, Alert{ID: AlertLongACW + ":" + string(id), Kind: AlertLongACW, Severity: severity(d, limit),
					AgentID: id, Since: a.since, Seconds: secs(d)})
			}
		}
		if n := or(th.MissedStreak, DefaultMissedStreak); a.streak >= n {
			s.Alerts = append(s.Alerts, Alert{ID: AlertMissedStreak + ":" + string(id), Kind: AlertMissedStreak, Severity: "warning",
				AgentID: id, Since: a.streakAt, Seconds: secs(now.Sub(a.streakAt)), Value: float64(a.streak)})
		}
	}

	// Contacts: who waits where, who is held too long.
	type waiting struct {
		n, ringing int
		oldest     time.Time
	}
	waits := map[tsunagu.QueueID]*waiting{}
	queueCfg := map[tsunagu.QueueID]tsunagu.Queue{}
	for _, q := range f.cfg.Queues {
		queueCfg[q.ID] = q
	}
	ids := make([]tsunagu.ContactID, 0, len(f.contacts))
	for id := range f.contacts {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, id := range ids {
		c := f.contacts[id]
		switch c.phase {
		case queued, ringing:
			w := waits[c.queue]
			if w == nil {
				w = &waiting{}
				waits[c.queue] = w
			}
			w.n++
			if c.phase == ringing {
				w.ringing++
			}
			if w.oldest.IsZero() || c.waitAt.Before(w.oldest) {
				w.oldest = c.waitAt
			}
			limit := th.LongWait
			if limit == 0 {
				limit = time.Duration(queueCfg[c.queue].SLSeconds) * time.Second
			}
			limit = or(limit, DefaultLongWait)
			if d := now.Sub(c.waitAt); d > limit {
				s.Alerts = append(s.Alerts, Alert{ID: AlertLongWait + ":" + string(id), Kind: AlertLongWait, Severity: severity(d, limit),
					QueueID: c.queue, Contact: id, Since: c.waitAt, Seconds: secs(d)})
			}
		case talking:
			if c.heldAt.IsZero() {
				continue
			}
			limit := th.LongHold
			if limit == 0 {
				limit = time.Duration(queueCfg[c.handledIn].HoldCallbackSeconds) * time.Second
			}
			limit = or(limit, DefaultLongHold)
			if d := now.Sub(c.heldAt); d > limit {
				s.Alerts = append(s.Alerts, Alert{ID: AlertLongHold + ":" + string(id), Kind: AlertLongHold, Severity: severity(d, limit),
					AgentID: c.agent, QueueID: c.handledIn, Contact: id, Since: c.heldAt, Seconds: secs(d)})
			}
		}
	}

	// Queues: the configured ones in order, then any others events named.
	qids := make([]tsunagu.QueueID, 0, len(f.cfg.Queues))
	seen := map[tsunagu.QueueID]bool{}
	for _, q := range f.cfg.Queues {
		qids, seen[q.ID] = append(qids, q.ID), true
	}
	var extra []tsunagu.QueueID
	for id := range f.queues {
		if !seen[id] {
			extra, seen[id] = append(extra, id), true
		}
	}
	for id := range waits {
		if !seen[id] {
			extra, seen[id] = append(extra, id), true
		}
	}
	sort.Slice(extra, func(i, j int) bool { return extra[i] < extra[j] })
	for _, id := range append(qids, extra...) {
		if id == "" {
			continue
		}
		cfg, ok := queueCfg[id]
		if !ok {
			cfg = tsunagu.Queue{ID: id, Name: string(id)}
		}
		d := f.queues[id]
		if d == nil {
			d = &queueDay{}
		}
		q := QueueFigures{ID: id, Name: cfg.Name, NameEn: cfg.NameEn, SLPercent: cfg.SLPercent, SLSeconds: cfg.SLSeconds,
			Offered: d.offered, Answered: d.answered, Abandoned: d.abandoned, Overflowed: d.overflowed, TransferredIn: d.transferredIn}
		if w := waits[id]; w != nil {
			q.Waiting, q.Ringing = w.n, w.ringing
			q.LongestWaitSeconds, q.OldestWaitingSince = secs(now.Sub(w.oldest)), ptr(w.oldest)
		}
		var total time.Duration
		for _, w := range d.waits {
			total += w
			if w <= time.Duration(cfg.SLSeconds)*time.Second {
				q.AnsweredInSL++
			}
		}
		if n := d.answered + d.abandoned + d.overflowed; n > 0 {
			q.ServiceLevel = ptr(float64(q.AnsweredInSL) / float64(n))
			q.AbandonRate = ptr(float64(d.abandoned) / float64(n))
			if *q.ServiceLevel*100 < float64(cfg.SLPercent) {
				s.Alerts = append(s.Alerts, Alert{ID: AlertSLBreach + ":" + string(id), Kind: AlertSLBreach, Severity: "critical",
					QueueID: id, Since: now.UTC(), Value: *q.ServiceLevel})
			}
		}
		if len(d.waits) > 0 {
			q.ASASeconds = ptr(round1(total.Seconds() / float64(len(d.waits))))
		}
		if d.handled > 0 {
			q.AHTSeconds = ptr(round1(d.handle.Seconds() / float64(d.handled)))
		}
		for _, a := range s.Agents {
			if !eligible(skills[a.ID], cfg.Skills) {
				continue
			}
			switch a.State {
			case tsunagu.AgentAvailable:
				q.Available++
				q.Staffed++
			case tsunagu.AgentReserved, tsunagu.AgentOnContact, tsunagu.AgentAfterCallWork:
				q.Staffed++
			}
		}
		q.ExpectedWaitSeconds = expectedWait(q.Waiting, q.Available, q.Staffed, q.AHTSeconds)
		s.Queues = append(s.Queues, q)
	}

	// Abusive-call flags stay on the list for FlagFor.
	for _, fl := range f.flags {
		if d := now.Sub(fl.at); d <= or(th.FlagFor, DefaultFlagFor) {
			s.Alerts = append(s.Alerts, Alert{ID: AlertAbusive + ":" + string(fl.contact), Kind: AlertAbusive, Severity: "critical",
				AgentID: fl.agent, Contact: fl.contact, Since: fl.at, Seconds: secs(d), Detail: fl.severity})
		}
	}
	sort.SliceStable(s.Alerts, func(i, j int) bool {
		a, b := s.Alerts[i], s.Alerts[j]
		if a.Severity != b.Severity {
			return a.Severity == "critical"
		}
		return a.Since.Before(b.Since)
	})
	return s
}

// expectedWait estimates the wait of a caller joining now from the queue as
// it is: the callers ahead of them beyond the agents free now, each taking
// one average handle time, served by all the agents working the queue at
// once: (waiting + 1 − available) × AHT ÷ staffed. Erlang C was the other
// choice; its steady-state answer needs an arrival rate, which swings over a
// day, and says nothing about the line in front of this caller, so the
// floor uses the line. Nil when nobody can answer or no handle time is known.
func expectedWait(waiting, available, staffed int, aht *float64) *int {
	ahead := waiting + 1 - available
	if ahead <= 0 {
		return ptr(0)
	}
	if staffed == 0 || aht == nil {
		return nil
	}
	return ptr(int(math.Round(float64(ahead) * *aht / float64(staffed))))
}

// eligible reports whether an agent with skills can answer a queue needing
// need (each required skill at its level or above), as routing decides.
func eligible(skills, need []tsunagu.SkillLevel) bool {
	for _, n := range need {
		ok := false
		for _, s := range skills {
			if s.SkillID == n.SkillID && s.Level >= n.Level {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// severity is critical past twice the limit, else a warning.
func severity(d, limit time.Duration) string {
	if d > 2*limit {
		return "critical"
	}
	return "warning"
}

func or[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}
