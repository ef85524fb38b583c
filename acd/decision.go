package acd

import (
	"fmt"
	"strings"
	"time"

	"tsunagu"
)

// DecisionKind says what a Decision asks the rest of the system to do.
type DecisionKind uint8

// Decision kinds.
const (
	// DecisionOffer: ring Agent with Contact (for a callback: let Agent dial).
	DecisionOffer DecisionKind = iota + 1
	// DecisionOfferCancelled: stop ringing; the caller hung up or the agent left.
	DecisionOfferCancelled
	// DecisionOfferTimedOut: Agent did not answer in time and is now
	// not-ready (missed); Contact is back in its place in the queue.
	DecisionOfferTimedOut
	// DecisionOverflow: Contact leaves Queue for Overflow (see Reason).
	DecisionOverflow
	// DecisionRejected: the queue is full or closed and has no overflow
	// target; play the announcement and end the contact.
	DecisionRejected
	// DecisionACWEnded: Agent's wrap-up time ran out; the agent is now
	// available (or not-ready if a reason was pending).
	DecisionACWEnded
	// DecisionCallbackDue: a scheduled callback became a routable contact.
	DecisionCallbackDue
)

var decisionNames = [...]string{"", "offer", "offer_cancelled", "offer_timed_out", "overflow", "rejected", "acw_ended", "callback_due"}

// String returns the snake_case name of the kind.
func (k DecisionKind) String() string {
	if int(k) < len(decisionNames) && k > 0 {
		return decisionNames[k]
	}
	return fmt.Sprintf("decision(%d)", k)
}

// Decision is one output of the engine.
type Decision struct {
	Kind     DecisionKind
	At       time.Time
	Contact  tsunagu.ContactID
	Agent    tsunagu.AgentID
	Queue    tsunagu.QueueID
	Overflow Overflow // for DecisionOverflow
	Reason   string   // max_wait, max_length, closed, missed, abandoned, ...
	Callback bool     // the contact is a callback task: the agent dials out
	// Why explains an offer; nil for other kinds.
	Why *Explanation
}

// String renders the decision on one line, the format of the golden files.
func (d Decision) String() string {
	var b strings.Builder
	b.WriteString(d.Kind.String())
	if d.Contact != "" {
		fmt.Fprintf(&b, " contact=%s", d.Contact)
	}
	if d.Agent != "" {
		fmt.Fprintf(&b, " agent=%s", d.Agent)
	}
	if d.Queue != "" {
		fmt.Fprintf(&b, " queue=%s", d.Queue)
	}
	if d.Kind == DecisionOverflow {
		fmt.Fprintf(&b, " to=%s", d.Overflow.Kind)
		if d.Overflow.Queue != "" {
			fmt.Fprintf(&b, ":%s", d.Overflow.Queue)
		}
	}
	if d.Reason != "" {
		fmt.Fprintf(&b, " reason=%s", d.Reason)
	}
	if d.Callback {
		b.WriteString(" callback")
	}
	return b.String()
}

// Explanation records why an offer went where it went.
type Explanation struct {
	Contact  tsunagu.ContactID
	Agent    tsunagu.AgentID
	Queue    tsunagu.QueueID
	At       time.Time
	Trigger  string   // contact_queued, agent_available, timer, offer_returned
	Strategy Strategy // the queue's agent strategy
	Step     int      // widening step reached (0 = none)
	// Contacts are the best waiting contact of each queue the agent serves,
	// best first, when a free agent chose among contacts.
	Contacts []ContactCandidate
	// Agents are the available agents examined in strategy order, when a
	// contact chose among agents; ineligible ones say why.
	Agents []AgentCandidate
	Reason string // why the winner won, in words; the fields say with whom
}

// ContactCandidate is a contact considered for a free agent.
type ContactCandidate struct {
	Contact tsunagu.ContactID
	Queue   tsunagu.QueueID
	Score   float64 // weight × (seconds waited + priority boost)
	Seq     uint64  // global enqueue order, the tie-break
	Waited  time.Duration
}

// AgentCandidate is an agent considered for a contact.
type AgentCandidate struct {
	Agent         tsunagu.AgentID
	Eligible      bool
	Why           string // for ineligible agents: the missing skill, refused, preferred, ...
	IdleFor       time.Duration
	Level         int // level in the queue's first skill
	ContactsToday int
}

// String renders the explanation over several lines for logs and golden files.
func (x *Explanation) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "contact=%s agent=%s queue=%s trigger=%s strategy=%s step=%d\n", x.Contact, x.Agent, x.Queue, x.Trigger, x.Strategy, x.Step)
	for _, c := range x.Contacts {
		fmt.Fprintf(&b, "  contact %s queue=%s score=%.1f seq=%d waited=%s\n", c.Contact, c.Queue, c.Score, c.Seq, c.Waited)
	}
	for _, a := range x.Agents {
		if a.Eligible {
			fmt.Fprintf(&b, "  agent %s eligible idle=%s level=%d today=%d\n", a.Agent, a.IdleFor, a.Level, a.ContactsToday)
		} else {
			fmt.Fprintf(&b, "  agent %s not eligible: %s\n", a.Agent, a.Why)
		}
	}
	fmt.Fprintf(&b, "  => %s", x.Reason)
	return b.String()
}
