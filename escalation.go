package tsunagu

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// EscalationID identifies an escalation (エスカレ).
type EscalationID string

// Urgency is how urgent the operator judges the caller's request: the leader
// reads it before the reason, because the caller is waiting.
type Urgency string

// Urgencies.
const (
	UrgencyLow    Urgency = "low"
	UrgencyNormal Urgency = "normal"
	UrgencyHigh   Urgency = "high"
)

// EscalationStatus is where an escalation is in its short life.
type EscalationStatus string

// Escalation statuses. Pending is the only open one; the others are final.
const (
	EscalationPending   EscalationStatus = "pending"   // the caller waits, the leader has not answered
	EscalationApproved  EscalationStatus = "approved"  // the leader said "Go!": an exception granted
	EscalationDeclined  EscalationStatus = "declined"  // the leader said no, with a note for the operator
	EscalationCancelled EscalationStatus = "cancelled" // the question went away before an answer
)

// Escalation is an operator asking the leader for an exception while the
// caller waits on the line (seed 001: hold, エスカレ, explain how urgent the
// customer sounds, the leader says "Go!"). Every escalation is kept: an
// approved one is the record of an exception granted — who asked, who
// approved, when and why.
type Escalation struct {
	ID           EscalationID     `json:"id"`
	TenantID     TenantID         `json:"tenant_id"`
	ContactID    ContactID        `json:"contact_id"`
	AgentID      AgentID          `json:"agent_id"` // the operator who asked
	Reason       string           `json:"reason"`
	Urgency      Urgency          `json:"urgency"`
	Note         string           `json:"note"`
	Status       EscalationStatus `json:"status"`
	DecidedBy    UserID           `json:"decided_by,omitempty"`
	DecisionNote string           `json:"decision_note,omitempty"`
	CreatedAt    time.Time        `json:"created_at"`
	DecidedAt    *time.Time       `json:"decided_at,omitempty"`
}

// Limits on an escalation's text: a reason is a line, a note a short
// paragraph the leader can read at a glance.
const (
	MaxEscalationReason = 200
	MaxEscalationNote   = 2000
)

// Validate checks a new escalation: a contact, an agent, a reason, a known
// urgency (empty means normal), and text within the limits.
func (e *Escalation) Validate() error {
	e.Reason, e.Note = strings.TrimSpace(e.Reason), strings.TrimSpace(e.Note)
	if e.ContactID == "" {
		return FieldError("contact_id", "Say which call this is about.")
	}
	if e.AgentID == "" {
		return FieldError("agent_id", "Only an agent on a call can escalate.")
	}
	if e.Reason == "" {
		return FieldError("reason", "Tell the leader what the customer asks for.")
	}
	if utf8.RuneCountInString(e.Reason) > MaxEscalationReason {
		return FieldError("reason", "The reason is at most %d characters.", MaxEscalationReason)
	}
	switch e.Urgency {
	case "":
		e.Urgency = UrgencyNormal
	case UrgencyLow, UrgencyNormal, UrgencyHigh:
	default:
		return FieldError("urgency", "Urgency is low, normal or high.")
	}
	if utf8.RuneCountInString(e.Note) > MaxEscalationNote {
		return FieldError("note", "The note is at most %d characters.", MaxEscalationNote)
	}
	return nil
}

// ValidDecisionNote checks the leader's note on a decision.
func ValidDecisionNote(note string) error {
	if utf8.RuneCountInString(note) > MaxEscalationNote {
		return FieldError("note", "The note is at most %d characters.", MaxEscalationNote)
	}
	return nil
}

// EscalationStore keeps escalations. Each write appends its event with the
// contact and the asking agent set, so the agent's own stream carries the
// answer and the contact's event list shows the escalation.
type EscalationStore interface {
	// CreateEscalation validates and stores e as pending and appends
	// escalation:requested. ECONFLICT when the contact already has a pending
	// escalation; ENOTFOUND when the contact is not in the tenant.
	CreateEscalation(ctx context.Context, e *Escalation) error
	// FindEscalation returns one escalation; ENOTFOUND when not in the tenant.
	FindEscalation(ctx context.Context, tenant TenantID, id EscalationID) (*Escalation, error)
	// ListEscalations lists the tenant's escalations with the status (all
	// when empty), oldest first: the caller waiting longest comes first.
	ListEscalations(ctx context.Context, tenant TenantID, status EscalationStatus) ([]Escalation, error)
	// DecideEscalation approves or declines a pending escalation as the
	// principal in ctx and appends escalation:approved or
	// escalation:declined. ENOTFOUND when not in the tenant, ECONFLICT when
	// already decided, EINVALID when the note is too long.
	DecideEscalation(ctx context.Context, tenant TenantID, id EscalationID, approve bool, note string) (*Escalation, error)
}
