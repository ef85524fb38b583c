// Package floor folds the event log into the supervisor's live picture of
// the floor: per queue, who waits and for how long, today's offered,
// answered and abandoned contacts, service level against the queue's target,
// ASA and expected wait; per agent, state, time in state, the contact in
// hand and today's counts; and the alerts a leader must see. It is pure: a
// Fold is a value fed events in sequence order, and the same events give the
// same figures whether they arrive live from the bus or are read back from
// the store — which is what lets a test prove the wallboard does not drift.
package floor

import (
	"encoding/json"
	"sort"
	"time"

	"tsunagu"
)

// Config is what the figures need besides events: the queues (names, the
// service-level target, thresholds), the agents (names, skills for who can
// answer which queue), the tenant's time zone (when "today" starts) and the
// alert thresholds. It changes rarely; a change does not alter any count
// already made, because counts keep raw waits and the target is applied when
// a snapshot is taken.
type Config struct {
	Location   *time.Location
	Queues     []tsunagu.Queue
	Agents     []tsunagu.Agent
	Thresholds Thresholds
}

// Thresholds say when something deserves a leader's attention. Zero values
// take the defaults below.
type Thresholds struct {
	// LongWait: a caller waiting longer is an alert (default: the queue's
	// service-level seconds, or 60 s without one).
	LongWait time.Duration
	// LongACW: an agent in after-call work longer (default 2 min).
	LongACW time.Duration
	// LongHold: a caller on hold longer (default: the queue's
	// hold-callback threshold, or 2 min).
	LongHold time.Duration
	// MissedStreak: this many offers missed in a row without an answer
	// between them (default 2).
	MissedStreak int
	// FlagFor: how long an abusive-call flag stays on the alert list
	// (default 15 min).
	FlagFor time.Duration
}

// Default thresholds.
const (
	DefaultLongWait     = 60 * time.Second
	DefaultLongACW      = 2 * time.Minute
	DefaultLongHold     = 2 * time.Minute
	DefaultMissedStreak = 2
	DefaultFlagFor      = 15 * time.Minute
	// praiseKept is how many praise banners of the day a snapshot carries.
	praiseKept = 10
)

// phase is where a contact is, as far as the floor is concerned.
type phase int

const (
	queued       phase = iota + 1 // waiting in a queue
	ringing                       // offered to an agent, still waiting
	talking                       // connected (or on hold)
	wrapping                      // ended, the agent writes the wrap-up
	transferring                  // transferred, not yet in a queue or with an agent
)

// contact is the floor's memory of one open contact.
type contact struct {
	id        tsunagu.ContactID
	phase     phase
	queue     tsunagu.QueueID // the queue of the current visit (queued, ringing)
	visitAt   time.Time       // when it entered that queue: SL and ASA count from here
	waitAt    time.Time       // when the caller started waiting: overflows keep it, a transfer restarts it
	agent     tsunagu.AgentID // ringing, talking or wrapping with
	since     time.Time       // start of the phase (offer, connect, end)
	heldAt    time.Time       // zero unless on hold
	handledIn tsunagu.QueueID // the queue whose visit was answered, for handle time
	callback  bool            // the caller asked to be called back keeping their place: not an abandon
}

// queueDay is one queue's counts since midnight.
type queueDay struct {
	offered, answered, abandoned, overflowed, transferredIn int
	waits                                                   []time.Duration // answered visits' waits, to apply the SL target when asked
	handled                                                 int             // calls ended, for the average handle time
	handle                                                  time.Duration   // their talk plus wrap-up time
}

// agentDay is one agent's state and counts since midnight.
type agentDay struct {
	state      tsunagu.AgentState
	reason     string
	since      time.Time
	contact    tsunagu.ContactID // in hand: ringing, talking or wrapping up
	handled    int
	talk       time.Duration
	holds      int
	hold       time.Duration
	missed     int
	declined   int
	streak     int // missed offers since the last answer
	streakAt   time.Time
	flagged    int
	thankYous  int
	lastFlagAt time.Time
}

// flag is an abusive-call flag, kept for FlagFor.
type flag struct {
	contact  tsunagu.ContactID
	agent    tsunagu.AgentID
	severity string
	at       time.Time
}

// Fold is the floor's state, built by applying events in sequence order. It
// is not safe for concurrent use; Board guards one per tenant.
type Fold struct {
	cfg      Config
	seq      int64
	day      int // year*1000 + day of year, in cfg.Location; 0 before any event
	queues   map[tsunagu.QueueID]*queueDay
	agents   map[tsunagu.AgentID]*agentDay
	contacts map[tsunagu.ContactID]*contact
	flags    []flag
	praise   []Praise
}

// New returns an empty fold.
func New(cfg Config) *Fold {
	f := &Fold{queues: map[tsunagu.QueueID]*queueDay{}, agents: map[tsunagu.AgentID]*agentDay{}, contacts: map[tsunagu.ContactID]*contact{}}
	f.SetConfig(cfg)
	return f
}

// SetConfig replaces the queues, agents and thresholds (a queue or an agent
// was added or changed). Counts are kept.
func (f *Fold) SetConfig(cfg Config) {
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	f.cfg = cfg
}

// Seq is the sequence number of the last event applied.
func (f *Fold) Seq() int64 { return f.seq }

// dayOf numbers t's calendar day in the tenant's time zone.
func (f *Fold) dayOf(t time.Time) int {
	t = t.In(f.cfg.Location)
	return t.Year()*1000 + t.YearDay()
}

// roll starts a new day when t is on a later day than the counts: today's
// counters restart at midnight (tenant time); callers still waiting, agents'
// states and calls in progress carry over. Only forwards: an event stamped a
// moment before midnight that commits after it does not undo the new day.
func (f *Fold) roll(t time.Time) {
	d := f.dayOf(t)
	if d <= f.day {
		return
	}
	f.day = d
	f.queues = map[tsunagu.QueueID]*queueDay{}
	for _, a := range f.agents {
		*a = agentDay{state: a.state, reason: a.reason, since: a.since, contact: a.contact}
	}
	for id, c := range f.contacts {
		if c.phase == wrapping || c.phase == transferring {
			// Left open by a wrap-up that never came (ACW timed out): by
			// tomorrow it is history, not something in hand.
			delete(f.contacts, id)
		}
	}
	f.flags, f.praise = nil, nil
}

func (f *Fold) queue(id tsunagu.QueueID) *queueDay {
	q, ok := f.queues[id]
	if !ok {
		q = &queueDay{}
		f.queues[id] = q
	}
	return q
}

func (f *Fold) agent(id tsunagu.AgentID) *agentDay {
	a, ok := f.agents[id]
	if !ok {
		a = &agentDay{state: tsunagu.AgentOffline}
		f.agents[id] = a
	}
	return a
}

// payload is the union of the payload fields the floor reads.
type payload struct {
	QueueID    tsunagu.QueueID `json:"queue_id"`
	ToQueue    tsunagu.QueueID `json:"to_queue"`
	AgentID    tsunagu.AgentID `json:"agent_id"`
	MissedBy   tsunagu.AgentID `json:"missed_by"`
	DeclinedBy tsunagu.AgentID `json:"declined_by"`
	Overflow   tsunagu.QueueID `json:"overflow_from"`
	To         json.RawMessage `json:"to"` // a state (agent:state_changed) or a target (contact:transferred)
	Kind       string          `json:"kind"`
	FromAgent  tsunagu.AgentID `json:"from_agent"`
	Reason     string          `json:"reason"`
	ThankYou   bool            `json:"thank_you"`
	Severity   string          `json:"severity"`
	AgentName  string          `json:"agent_name"`
	Message    string          `json:"message"`
	MessageEn  string          `json:"message_en"`
}

// state is the "to" of agent:state_changed.
func (p *payload) state() tsunagu.AgentState {
	var s tsunagu.AgentState
	_ = json.Unmarshal(p.To, &s)
	return s
}

// target is the "to" of contact:transferred.
func (p *payload) target() tsunagu.TransferTarget {
	var t tsunagu.TransferTarget
	_ = json.Unmarshal(p.To, &t)
	return t
}

// Apply folds one event in. Events must come in sequence order; one at or
// below the last applied is ignored, so a replay that overlaps the live
// stream is harmless.
func (f *Fold) Apply(e tsunagu.Event) {
	if e.Seq != 0 && e.Seq <= f.seq {
		return
	}
	if e.Seq != 0 {
		f.seq = e.Seq
	}
	switch e.Type {
	case tsunagu.EventAgentStateChanged, tsunagu.EventContactQueued, tsunagu.EventContactOffered, tsunagu.EventContactConnected,
		tsunagu.EventContactHeld, tsunagu.EventContactResumed, tsunagu.EventContactEnded, tsunagu.EventContactWrapped,
		tsunagu.EventContactAbandoned, tsunagu.EventContactTransferred, tsunagu.EventContactFlagged, tsunagu.EventPraiseAchieved, tsunagu.EventPraiseKudos,
		tsunagu.EventContactVoicemail, tsunagu.EventContactCallbackRequested:
	default:
		return // nothing the floor shows
	}
	f.roll(e.Time)
	var p payload
	c := f.contacts[e.ContactID]
	switch {
	case e.Type == tsunagu.EventContactHeld, e.Type == tsunagu.EventContactResumed, e.Type == tsunagu.EventContactEnded,
		e.Type == tsunagu.EventContactAbandoned, e.Type == tsunagu.EventContactConnected && e.AgentID != "",
		e.Type == tsunagu.EventContactOffered && e.AgentID != "" && c != nil:
		// Nothing to read in the payload: decoding is most of a replay's
		// cost, so these skip it.
	default:
		_ = json.Unmarshal(e.Payload, &p) // a malformed payload leaves fields empty; the event still counts
	}
	switch e.Type {
	case tsunagu.EventAgentStateChanged:
		a := f.agent(e.AgentID)
		a.state, a.reason, a.since = p.state(), p.Reason, e.Time
		switch a.state {
		case tsunagu.AgentAvailable, tsunagu.AgentNotReady, tsunagu.AgentOffline:
			// The wrap-up time is over (or the agent left): an ended
			// contact is no longer in their hands. A ringing one stays
			// until its contact:queued says the offer went back.
			if ac := f.contacts[a.contact]; ac == nil || ac.phase == wrapping || ac.agent != e.AgentID {
				a.contact = ""
			}
		}
	case tsunagu.EventContactQueued:
		f.queued(e, c, p)
	case tsunagu.EventContactOffered:
		if c == nil {
			c = f.enter(e.ContactID, p.QueueID, e.Time, false)
		}
		agent := p.AgentID
		if agent == "" {
			agent = e.AgentID
		}
		c.phase, c.agent, c.since = ringing, agent, e.Time
		f.agent(agent).contact = c.id
	case tsunagu.EventContactConnected:
		agent := p.AgentID
		if agent == "" {
			agent = e.AgentID
		}
		if c == nil {
			c = &contact{id: e.ContactID}
			f.contacts[c.id] = c
		}
		if c.phase == queued || c.phase == ringing {
			q := f.queue(c.queue)
			q.answered++
			q.waits = append(q.waits, e.Time.Sub(c.visitAt))
			c.handledIn = c.queue
		}
		if c.agent != "" && c.agent != agent {
			f.release(c.agent, c.id)
		}
		c.phase, c.queue, c.agent, c.since, c.heldAt = talking, "", agent, e.Time, time.Time{}
		a := f.agent(agent)
		a.contact, a.handled, a.streak = c.id, a.handled+1, 0
	case tsunagu.EventContactHeld:
		if c != nil && c.phase == talking && c.heldAt.IsZero() {
			c.heldAt = e.Time
			f.agent(c.agent).holds++
		}
	case tsunagu.EventContactResumed:
		if c != nil && !c.heldAt.IsZero() {
			f.agent(c.agent).hold += e.Time.Sub(c.heldAt)
			c.heldAt = time.Time{}
		}
	case tsunagu.EventContactEnded:
		if c == nil {
			return
		}
		switch c.phase {
		case talking:
			f.endTalk(c, e.Time)
			c.phase, c.since = wrapping, e.Time
		case queued, ringing:
			if c.callback {
				// A callback task that did not connect (or a restart):
				// the caller hung up by choice, with a callback promised.
				f.release(c.agent, c.id)
				delete(f.contacts, c.id)
				return
			}
			f.abandon(c)
		default:
			delete(f.contacts, c.id)
		}
	case tsunagu.EventContactCallbackRequested:
		if c != nil {
			c.callback = true // still waiting in the queue, as a callback task
		}
	case tsunagu.EventContactWrapped:
		if p.ThankYou && e.AgentID != "" {
			f.agent(e.AgentID).thankYous++
		}
		if c == nil || c.phase != wrapping {
			return // wrapped after a transfer: the contact lives on elsewhere
		}
		if c.handledIn != "" {
			f.queue(c.handledIn).handle += e.Time.Sub(c.since)
		}
		f.release(c.agent, c.id)
		delete(f.contacts, c.id)
	case tsunagu.EventContactAbandoned:
		if c != nil {
			f.abandon(c)
		}
	case tsunagu.EventContactVoicemail:
		// A waiting caller sent to voicemail left the queue for another
		// target (an overflow), not abandoned it.
		if c != nil {
			if c.phase == queued || c.phase == ringing {
				f.queue(c.queue).overflowed++
			}
			f.release(c.agent, c.id)
			delete(f.contacts, c.id)
		}
	case tsunagu.EventContactTransferred:
		f.transferred(e, c, p)
	case tsunagu.EventContactFlagged:
		agent := e.AgentID
		if agent == "" && c != nil {
			agent = c.agent
		}
		f.flags = append(f.flags, flag{contact: e.ContactID, agent: agent, severity: p.Severity, at: e.Time})
		if agent != "" {
			a := f.agent(agent)
			a.flagged++
			a.lastFlagAt = e.Time
		}
	case tsunagu.EventPraiseAchieved, tsunagu.EventPraiseKudos:
		kind := "achieved"
		if e.Type == tsunagu.EventPraiseKudos {
			kind = "kudos"
		}
		f.praise = append(f.praise, Praise{Seq: e.Seq, Kind: kind, AgentID: e.AgentID, AgentName: p.AgentName, Message: p.Message,
			MessageEn: p.MessageEn, At: e.Time})
		if len(f.praise) > praiseKept {
			f.praise = f.praise[len(f.praise)-praiseKept:]
		}
	}
}

// enter starts a visit of contact id to queue q: it is offered to that queue
// today. A caller who was not waiting before starts waiting now.
func (f *Fold) enter(id tsunagu.ContactID, q tsunagu.QueueID, at time.Time, wasWaiting bool) *contact {
	c := f.contacts[id]
	if c == nil {
		c = &contact{id: id}
		f.contacts[id] = c
	}
	if !wasWaiting {
		c.waitAt = at
	}
	c.phase, c.queue, c.visitAt, c.agent, c.since = queued, q, at, "", at
	f.queue(q).offered++
	return c
}

// queued is contact:queued in its four meanings: a new caller in a queue; a
// caller put back after an offer was missed or declined (the same visit,
// their place kept); an overflow to another queue (the visit ends there,
// a new one starts); a contact queued again after a transfer.
func (f *Fold) queued(e tsunagu.Event, c *contact, p payload) {
	if p.MissedBy != "" {
		a := f.agent(p.MissedBy)
		a.missed++
		a.streak++
		a.streakAt = e.Time
	}
	if p.DeclinedBy != "" {
		f.agent(p.DeclinedBy).declined++
	}
	if c == nil {
		if p.QueueID != "" {
			f.enter(e.ContactID, p.QueueID, e.Time, false)
		}
		return
	}
	switch c.phase {
	case queued, ringing:
		if c.phase == ringing {
			f.release(c.agent, c.id)
		}
		if p.QueueID == "" || p.QueueID == c.queue {
			c.phase, c.agent = queued, "" // back in line, same visit
			return
		}
		f.queue(c.queue).overflowed++
		f.enter(c.id, p.QueueID, e.Time, true)
	default:
		q := p.QueueID
		if q == "" {
			q = c.handledIn
		}
		if c.phase == talking {
			f.endTalk(c, e.Time)
		}
		f.release(c.agent, c.id)
		f.enter(c.id, q, e.Time, false)
		f.queue(q).transferredIn++
	}
}

// transferred is contact:transferred. Blind ("kind":"blind", the event
// on the operator who let the caller go): their part of the call ends (talk
// time counts, the contact leaves their hands) and the contact waits again —
// a new visit in the target queue, or, sent to an agent or the leader, until
// the offer that follows. Warm ("kind":"warm", the event on the operator who
// took the caller): the call passes from one operator to the other without
// waiting. Never an abandon.
func (f *Fold) transferred(e tsunagu.Event, c *contact, p payload) {
	if c == nil {
		c = &contact{id: e.ContactID, phase: transferring}
		f.contacts[c.id] = c
	}
	switch c.phase {
	case talking:
		f.endTalk(c, e.Time)
	case queued, ringing:
		f.queue(c.queue).overflowed++
	}
	f.release(c.agent, c.id)
	to := p.target()
	if p.Kind == "warm" {
		taker := e.AgentID
		if taker == "" || taker == p.FromAgent {
			taker = to.AgentID
		}
		if taker != "" {
			c.phase, c.queue, c.agent, c.since, c.heldAt = talking, "", taker, e.Time, time.Time{}
			a := f.agent(taker)
			a.contact, a.handled, a.streak = c.id, a.handled+1, 0
			return
		}
	}
	c.phase, c.agent, c.queue, c.since = transferring, "", "", e.Time
	q := to.QueueID
	if to == (tsunagu.TransferTarget{}) {
		q = p.QueueID
		if q == "" {
			q = p.ToQueue
		}
	}
	if q != "" {
		f.enter(c.id, q, e.Time, false)
		f.queue(q).transferredIn++
	}
}

// endTalk closes a connected contact's talk (and any hold) for its agent and
// counts it toward its queue's handle time.
func (f *Fold) endTalk(c *contact, at time.Time) {
	a := f.agent(c.agent)
	talk := at.Sub(c.since)
	a.talk += talk
	if !c.heldAt.IsZero() {
		a.hold += at.Sub(c.heldAt)
		c.heldAt = time.Time{}
	}
	if c.handledIn != "" {
		q := f.queue(c.handledIn)
		q.handled++
		q.handle += talk
	}
}

// abandon ends a waiting caller's visit: they hung up (or a restart closed
// the call) before an agent answered.
func (f *Fold) abandon(c *contact) {
	if c.phase == queued || c.phase == ringing {
		f.queue(c.queue).abandoned++
	}
	f.release(c.agent, c.id)
	delete(f.contacts, c.id)
}

// release takes contact id out of agent's hands, if it is there.
func (f *Fold) release(agent tsunagu.AgentID, id tsunagu.ContactID) {
	if agent == "" {
		return
	}
	if a := f.agents[agent]; a != nil && a.contact == id {
		a.contact = ""
	}
}

// sortedAgents lists agent IDs: the configured ones in their order, then any
// others the log named, by ID.
func (f *Fold) sortedAgents() []tsunagu.AgentID {
	seen := map[tsunagu.AgentID]bool{}
	var out []tsunagu.AgentID
	for _, a := range f.cfg.Agents {
		if !seen[a.ID] {
			seen[a.ID] = true
			out = append(out, a.ID)
		}
	}
	var rest []tsunagu.AgentID
	for id := range f.agents {
		if !seen[id] && id != "" {
			rest = append(rest, id)
		}
	}
	sort.Slice(rest, func(i, j int) bool { return rest[i] < rest[j] })
	return append(out, rest...)
}
