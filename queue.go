package tsunagu

import (
	"strings"
)

// Skill is something a contact can require and an agent can have.
type Skill struct {
	ID       SkillID  `json:"id"`
	TenantID TenantID `json:"tenant_id"`
	Name     string   `json:"name"`
}

// Team is a group of agents under a leader.
type Team struct {
	ID       TeamID   `json:"id"`
	TenantID TenantID `json:"tenant_id"`
	Name     string   `json:"name"`
	LeaderID UserID   `json:"leader_id,omitempty"`
}

// Queue is where contacts wait for an agent with the required skills.
type Queue struct {
	ID       QueueID  `json:"id"`
	TenantID TenantID `json:"tenant_id"`
	Name     string   `json:"name"`    // Japanese display name
	NameEn   string   `json:"name_en"` // English display name
	// Priority boosts every contact of the queue in the global order (higher first).
	Priority int `json:"priority"`
	// SLPercent of contacts should be answered within SLSeconds (80/20 by default).
	SLPercent int          `json:"sl_percent"`
	SLSeconds int          `json:"sl_seconds"`
	Skills    []SkillLevel `json:"skills"` // minimum skill levels a contact of this queue requires
	// ACWSeconds is the after-call work time before the agent is made ready again.
	ACWSeconds int `json:"acw_seconds"`
	// HoldCallbackSeconds: past this hold time the desk suggests a callback.
	HoldCallbackSeconds int `json:"hold_callback_seconds"`
	// Verification is the checklist the operator goes through (氏名・生年月日・…).
	Verification []string `json:"verification"`
	// VerificationRequired makes a verification outcome mandatory before wrap-up.
	VerificationRequired bool `json:"verification_required"`
	// DTMF is the menu digit that selects this queue in the main phone menu.
	DTMF string `json:"dtmf,omitempty"`
}

// Validate checks the queue.
func (q *Queue) Validate() error {
	if strings.TrimSpace(q.Name) == "" {
		return FieldError("name", "Queue name is required.")
	}
	if q.SLPercent < 0 || q.SLPercent > 100 {
		return FieldError("sl_percent", "Service level percent must be 0–100.")
	}
	if q.SLSeconds < 0 || q.SLSeconds > 3600 {
		return FieldError("sl_seconds", "Service level seconds must be 0–3600.")
	}
	if q.ACWSeconds < 0 || q.ACWSeconds > 3600 {
		return FieldError("acw_seconds", "After-call work must be 0–3600 seconds.")
	}
	for _, s := range q.Skills {
		if s.Level < 1 || s.Level > 10 {
			return FieldError("skills", "Skill levels are 1–10.")
		}
	}
	return nil
}

// QueueStats is the live picture of one queue.
type QueueStats struct {
	QueueID          QueueID            `json:"queue_id"`
	Name             string             `json:"name"`
	Waiting          int                `json:"waiting"`
	LongestWaitSec   int                `json:"longest_wait_seconds"`
	OfferedToday     int                `json:"offered_today"`
	AnsweredToday    int                `json:"answered_today"`
	AbandonedToday   int                `json:"abandoned_today"`
	AnsweredWithinSL int                `json:"answered_within_sl_today"`
	ServiceLevel     *float64           `json:"service_level"` // nil when nothing was offered yet
	AgentsByState    map[AgentState]int `json:"agents_by_state"`
}

// ContactReason is why a customer contacted the center (問い合わせ理由).
type ContactReason struct {
	ID       ReasonID `json:"id"`
	TenantID TenantID `json:"tenant_id"`
	Name     string   `json:"name"`
	NameEn   string   `json:"name_en"`
}

// Disposition is how a contact ended (解決, 折り返し約束, エスカレーション, 成約, ...).
type Disposition struct {
	ID       DispositionID `json:"id"`
	TenantID TenantID      `json:"tenant_id"`
	Name     string        `json:"name"`
	NameEn   string        `json:"name_en"`
	// Conversion marks dispositions that count as a sale (成約).
	Conversion bool `json:"conversion"`
}
