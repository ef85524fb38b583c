package tsunagu

import "time"

// AgentState is an agent's routing state. The ACD owns transitions between the
// routed states (reserved, on_contact, after_call_work); an agent chooses only
// between available and not_ready.
type AgentState string

// Agent states.
const (
	AgentOffline       AgentState = "offline"
	AgentAvailable     AgentState = "available"       // 受付可
	AgentReserved      AgentState = "reserved"        // an offer is ringing
	AgentOnContact     AgentState = "on_contact"      // 通話中
	AgentAfterCallWork AgentState = "after_call_work" // 後処理
	AgentNotReady      AgentState = "not_ready"       // 離席 / 休憩, with a reason
)

// NotReadyReasons are the reason codes an agent or supervisor may give for
// not_ready. The system also sets "missed" (an unanswered offer), "recovery"
// (after an abusive call), "login" (just logged in, not yet ready),
// "disconnected" (the softphone went away) and "protected" (a leader keeps
// calls away from the agent for a while).
var NotReadyReasons = []string{"break", "lunch", "training", "meeting", "recovery", "missed", "login", "disconnected", "protected", "other"}

// ValidNotReadyReason reports whether r is a known not-ready reason.
func ValidNotReadyReason(r string) bool {
	for _, x := range NotReadyReasons {
		if x == r {
			return true
		}
	}
	return false
}

// SkillLevel is a skill an agent has, from 1 (basic) to 10 (expert).
type SkillLevel struct {
	SkillID SkillID `json:"skill_id"`
	Level   int     `json:"level"`
}

// Agent is the routing identity of a user who takes contacts.
type Agent struct {
	ID          AgentID      `json:"id"`
	TenantID    TenantID     `json:"tenant_id"`
	UserID      UserID       `json:"user_id"`
	Name        string       `json:"name"`
	Kana        string       `json:"kana,omitempty"`
	TeamID      TeamID       `json:"team_id,omitempty"`
	Skills      []SkillLevel `json:"skills"`
	State       AgentState   `json:"state"`
	StateReason string       `json:"state_reason,omitempty"`
	StateSince  time.Time    `json:"state_since"`
}

// StateChange is an agent's request to change their own state.
type StateChange struct {
	State  AgentState `json:"state"`
	Reason string     `json:"reason,omitempty"`
}

// Validate accepts only the states an agent may choose themselves.
func (s *StateChange) Validate() error {
	switch s.State {
	case AgentAvailable, AgentOffline:
		if s.Reason != "" {
			return FieldError("reason", "A reason is only given for not_ready.")
		}
	case AgentNotReady:
		if s.Reason == "" {
			s.Reason = "other"
		}
		if !ValidNotReadyReason(s.Reason) {
			return FieldError("reason", "Unknown not-ready reason %q.", s.Reason)
		}
	default:
		return FieldError("state", "State must be available, not_ready or offline.")
	}
	return nil
}
