package acd

import (
	"fmt"
	"time"

	"tsunagu"
)

// AgentState is an agent's routing state.
type AgentState uint8

// Agent states. Offline agents are not known to the engine at all; the value
// exists so that callers can report it.
const (
	Offline   AgentState = iota // logged out
	Available                   // idle, can be offered a contact
	Reserved                    // a contact is being offered (ringing)
	OnContact                   // talking (or dialling a callback)
	ACW                         // after-call work (wrap-up)
	NotReady                    // logged in but not taking contacts; see Reason
	numStates
)

// stateNames match tsunagu.AgentState's values.
var stateNames = [...]string{"offline", "available", "reserved", "on_contact", "after_call_work", "not_ready"}

// String returns the snake_case name used in logs and the API; it is the
// value of the matching tsunagu.AgentState.
func (s AgentState) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return fmt.Sprintf("state(%d)", s)
}

// Reason is a not-ready reason code. Any string is accepted; these are the
// ones the engine itself uses or that the UI offers by default.
type Reason string

// Well-known not-ready reasons.
const (
	ReasonLogin    Reason = "login"    // just logged in, not yet ready
	ReasonBreak    Reason = "break"    // short break
	ReasonLunch    Reason = "lunch"    // meal break
	ReasonTraining Reason = "training" // training or coaching
	ReasonRecovery Reason = "recovery" // recovery time after an abusive call
	ReasonMissed   Reason = "missed"   // did not answer an offer in time
)

// Strategy chooses among several available agents for one contact.
type Strategy uint8

// Agent selection strategies. Every strategy breaks its remaining ties by
// longest idle and then by agent ID, so the choice is always deterministic.
const (
	LongestIdle    Strategy = iota // the agent available for the longest time
	SkillLevel                     // highest level in the queue's first skill, then longest idle
	FewestContacts                 // fewest contacts today (engine's Location), then longest idle
	RoundRobin                     // the agent offered a contact least recently, then agent ID
)

var strategyNames = [...]string{"longest_idle", "skill_level", "fewest_contacts", "round_robin"}

// String returns the snake_case name of the strategy.
func (s Strategy) String() string {
	if int(s) < len(strategyNames) {
		return strategyNames[s]
	}
	return fmt.Sprintf("strategy(%d)", s)
}

// ParseStrategy parses a snake_case strategy name.
func ParseStrategy(s string) (Strategy, error) {
	for i, n := range strategyNames {
		if n == s {
			return Strategy(i), nil
		}
	}
	return 0, tsunagu.Errorf(tsunagu.EINVALID, "unknown strategy %q", s)
}

// OverflowKind says where a contact goes when its queue cannot keep it.
type OverflowKind uint8

// Overflow kinds.
const (
	OverflowNone      OverflowKind = iota // keep waiting (max wait) or reject (max length, closed)
	OverflowQueue                         // move to another queue, keeping the time already waited
	OverflowCallback                      // offer the caller a callback; the contact keeps waiting until ConvertToCallback or Abandon
	OverflowVoicemail                     // leave the queue for voicemail
)

var overflowNames = [...]string{"none", "queue", "callback", "voicemail"}

// String returns the snake_case name of the kind.
func (k OverflowKind) String() string {
	if int(k) < len(overflowNames) {
		return overflowNames[k]
	}
	return fmt.Sprintf("overflow(%d)", k)
}

// Overflow is an overflow target.
type Overflow struct {
	Kind  OverflowKind
	Queue tsunagu.QueueID // for OverflowQueue
}

// WideningStep relaxes a queue's requirements for contacts that have waited
// After in the queue (bullseye routing). Steps must be in increasing After
// order; the latest step reached applies.
type WideningStep struct {
	After     time.Duration
	LevelDrop int              // subtract from every minimum skill level (never below 1); never less than an earlier step's
	Teams     []tsunagu.TeamID // backup teams whose members become eligible whatever their skills
}

// QueueConfig configures one queue.
type QueueConfig struct {
	ID       tsunagu.QueueID
	Skills   map[tsunagu.SkillID]int // required skills and minimum levels (1..)
	Priority int                     // added to every contact's priority
	Weight   float64                 // scales the score against other queues; 0 means 1
	Strategy Strategy

	SLThreshold time.Duration // service-level threshold, e.g. 20s
	SLTarget    float64       // e.g. 0.8; reported, not used for routing

	OfferTimeout time.Duration // unanswered offers time out after this; 0 = never
	ACW          time.Duration // maximum after-call work, then auto-ready; 0 = none

	MaxWait   time.Duration // overflow after waiting this long in the queue; 0 = no limit
	MaxLength int           // overflow arrivals when this many wait; 0 = no limit
	Overflow  Overflow      // target for max wait and max length
	Closed    Overflow      // target outside business hours; Kind none falls back to Overflow

	// Business hours: Open wins over Hours; with neither the queue is always open.
	Open  func(time.Time) bool
	Hours *WeeklySchedule

	Widening     []WideningStep
	PreferredFor time.Duration // default time a preferred agent is waited for
	LastAgentFor time.Duration // > 0 enables last-agent routing for that long
}

// AgentSpec describes an agent at login.
type AgentSpec struct {
	ID     tsunagu.AgentID
	Skills map[tsunagu.SkillID]int
	Team   tsunagu.TeamID
}

// ContactSpec describes a contact entering a queue.
type ContactSpec struct {
	ID           tsunagu.ContactID
	Queue        tsunagu.QueueID
	Priority     int
	Skills       map[tsunagu.SkillID]int // required on top of the queue's
	Preferred    tsunagu.AgentID         // 指名: wait for this agent first
	PreferredFor time.Duration           // 0 = the queue's PreferredFor
	LastAgent    tsunagu.AgentID         // the agent this caller spoke to last
	Callback     bool                    // a callback task, not a caller on the line
}

// CallbackSpec describes a scheduled callback.
type CallbackSpec struct {
	ID       tsunagu.ContactID
	Queue    tsunagu.QueueID
	Due      time.Time
	Owner    tsunagu.AgentID // only this agent, for OwnerFor (0 = for ever)
	OwnerFor time.Duration
	Priority int
	Skills   map[tsunagu.SkillID]int
}
