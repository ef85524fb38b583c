package tsunagu

import (
	"context"
	"time"
)

// CallbackID identifies a callback task.
type CallbackID string

// CallbackStatus is open until someone calls the customer back.
type CallbackStatus string

// Callback statuses.
const (
	CallbackOpen CallbackStatus = "open"
	CallbackDone CallbackStatus = "done"
)

// Callback is a promise to call a customer back (折り返し): a task with a
// time, an owner (an agent, or anyone when OwnerID is empty) and the
// number. It is made in one click from a long hold or from the wrap-up.
type Callback struct {
	ID         CallbackID     `json:"id"`
	TenantID   TenantID       `json:"tenant_id"`
	ContactID  ContactID      `json:"contact_id,omitempty"` // the call it was promised on
	CustomerID CustomerID     `json:"customer_id,omitempty"`
	Number     string         `json:"number"`             // E.164
	DueAt      time.Time      `json:"due_at"`             // when the customer expects the call
	OwnerID    AgentID        `json:"owner_id,omitempty"` // empty: anyone
	CreatedBy  AgentID        `json:"created_by,omitempty"`
	Note       string         `json:"note,omitempty"`
	Status     CallbackStatus `json:"status"`
	CreatedAt  time.Time      `json:"created_at"`
	DoneAt     *time.Time     `json:"done_at,omitempty"`
	DoneBy     UserID         `json:"done_by,omitempty"`
	// QueueID is the queue whose operators the callback is for (a
	// voicemail's); empty for one promised by an agent.
	QueueID QueueID `json:"queue_id,omitempty"`
	// VoicemailSeconds, when positive, says the caller left a message of
	// that length: the contact's recording (voicemail.go).
	VoicemailSeconds float64 `json:"voicemail_seconds,omitempty"`
}

// CallbackFilter selects callbacks. Owner and Anyone combine with OR, so
// "my callbacks" can include the ones anyone may take.
type CallbackFilter struct {
	Owner  AgentID        // the agent's own
	Anyone bool           // the unowned ones
	Status CallbackStatus // empty: every status
}

// CallbackStore keeps callback tasks. Every write appends its event with
// the owner as the event's agent (the creator when anyone may call), so
// the owner's desk hears of it.
type CallbackStore interface {
	// CreateCallback stores cb as open and appends callback:scheduled.
	// ENOTFOUND when cb.ContactID is set and not in the tenant.
	CreateCallback(ctx context.Context, cb *Callback) error
	// FindCallback returns one; ENOTFOUND when not in the tenant.
	FindCallback(ctx context.Context, tenant TenantID, id CallbackID) (*Callback, error)
	// ListCallbacks lists the tenant's callbacks matching f, soonest due
	// first (at most 500: a to-do list, not a report).
	ListCallbacks(ctx context.Context, tenant TenantID, f CallbackFilter) ([]Callback, error)
	// CompleteCallback marks an open callback done by the principal in ctx
	// and appends callback:done. ECONFLICT when it is done already.
	CompleteCallback(ctx context.Context, tenant TenantID, id CallbackID) (*Callback, error)
}
