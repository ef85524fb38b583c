package tsunagu

import "time"

// Direction says who started a contact.
type Direction string

// Directions.
const (
	Inbound  Direction = "inbound"  // 受電
	Outbound Direction = "outbound" // 発信
)

// ContactState is where a contact is in its life.
type ContactState string

// Contact states, in the order a typical inbound call passes them.
const (
	ContactArrived   ContactState = "arrived"   // signalling accepted, in the phone menu
	ContactQueued    ContactState = "queued"    // waiting for an agent
	ContactOffered   ContactState = "offered"   // ringing an agent
	ContactConnected ContactState = "connected" // talking (or on hold)
	ContactEnded     ContactState = "ended"     // hung up; after-call work may follow
	ContactWrapped   ContactState = "wrapped"   // the record is written
	ContactAbandoned ContactState = "abandoned" // the caller hung up before an agent answered
	ContactScheduled ContactState = "scheduled" // a callback waiting for its time
)

// Contact is one call or callback, inbound or outbound.
type Contact struct {
	ID            ContactID     `json:"id"`
	TenantID      TenantID      `json:"tenant_id"`
	Direction     Direction     `json:"direction"`
	State         ContactState  `json:"state"`
	QueueID       QueueID       `json:"queue_id,omitempty"`
	AgentID       AgentID       `json:"agent_id,omitempty"`
	CustomerID    CustomerID    `json:"customer_id,omitempty"`
	Number        string        `json:"number"` // the customer's number, E.164 (caller ID or dialled)
	SIPCallID     string        `json:"sip_call_id,omitempty"`
	ReasonID      ReasonID      `json:"reason_id,omitempty"`
	DispositionID DispositionID `json:"disposition_id,omitempty"`
	Notes         string        `json:"notes,omitempty"`
	ThankYou      bool          `json:"thank_you"` // the customer said ありがとう
	// Verification is the identity check's outcome (本人確認), empty until
	// the operator records one; VerifiedItems are the checklist items the
	// caller confirmed.
	Verification  VerificationOutcome `json:"verification,omitempty"`
	VerifiedItems []string            `json:"verified_items,omitempty"`
	// Abusive is the severity the operator gave an abusive call, empty
	// for an ordinary one.
	Abusive     Severity   `json:"abusive,omitempty"`
	ArrivedAt   time.Time  `json:"arrived_at"`
	QueuedAt    *time.Time `json:"queued_at,omitempty"`
	ConnectedAt *time.Time `json:"connected_at,omitempty"`
	EndedAt     *time.Time `json:"ended_at,omitempty"`
	WrappedAt   *time.Time `json:"wrapped_at,omitempty"`
	// CallerFlag is the severity of the abusive-call flag on this number
	// (caller:flagged), read when the contact is: the screen pop warns.
	CallerFlag Severity `json:"caller_flag,omitempty"`
	// KeepRecording keeps the call's recording past normal retention (a
	// flagged call is evidence).
	KeepRecording bool `json:"keep_recording,omitempty"`
}

// Validate checks a new contact.
func (c *Contact) Validate() error {
	switch c.Direction {
	case Inbound, Outbound:
	default:
		return FieldError("direction", "Direction must be inbound or outbound.")
	}
	if c.Number != "" {
		n, err := NormalizePhone(c.Number)
		if err != nil {
			return FieldError("number", "%s", ErrorMessage(err))
		}
		c.Number = n
	}
	if c.ArrivedAt.IsZero() {
		return FieldError("arrived_at", "Arrival time is required.")
	}
	return nil
}

// ContactFilter selects contacts in a list.
type ContactFilter struct {
	CustomerID CustomerID
	AgentID    AgentID
	QueueID    QueueID
	State      ContactState
	Page
}
