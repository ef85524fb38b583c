package tsunagu

import (
	"slices"
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

	// Routing. Strategy picks among several available agents (one of
	// Strategies; empty is longest_idle). OfferTimeoutSeconds is how long
	// an offer rings (0: the center's default, 20 s). A caller who has
	// waited MaxWaitSeconds, or arrives when MaxLength already wait, goes
	// to OverflowQueue keeping their wait; 0 is no limit.
	Strategy            string  `json:"strategy,omitempty"`
	OfferTimeoutSeconds int     `json:"offer_timeout_seconds,omitempty"`
	MaxWaitSeconds      int     `json:"max_wait_seconds,omitempty"`
	MaxLength           int     `json:"max_length,omitempty"`
	OverflowQueue       QueueID `json:"overflow_queue,omitempty"`

	// CallbackOffer adds "press 1 to be called back and keep your place"
	// to a waiting caller's announcements once they have waited
	// CallbackOfferAfterSeconds (0: from the first announcement).
	CallbackOffer             bool `json:"callback_offer,omitempty"`
	CallbackOfferAfterSeconds int  `json:"callback_offer_after_seconds,omitempty"`
}

// Strategies are the agent-selection strategies a queue may use (the
// routing engine's names).
var Strategies = []string{"longest_idle", "skill_level", "fewest_contacts", "round_robin"}

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
	if q.Strategy != "" && !slices.Contains(Strategies, q.Strategy) {
		return FieldError("strategy", "Strategy must be one of %s.", strings.Join(Strategies, ", "))
	}
	if q.OfferTimeoutSeconds != 0 && (q.OfferTimeoutSeconds < 5 || q.OfferTimeoutSeconds > 120) {
		return FieldError("offer_timeout_seconds", "An offer rings 5–120 seconds (0: the default).")
	}
	if q.MaxWaitSeconds < 0 || q.MaxWaitSeconds > 24*3600 {
		return FieldError("max_wait_seconds", "Maximum wait must be 0 (no limit) to 86,400 seconds.")
	}
	if q.MaxLength < 0 || q.MaxLength > 100000 {
		return FieldError("max_length", "Maximum length must be 0 (no limit) to 100,000.")
	}
	if (q.MaxWaitSeconds > 0 || q.MaxLength > 0) && q.OverflowQueue == "" {
		return FieldError("overflow_queue", "Choose where callers go when the limit is reached.")
	}
	if q.OverflowQueue != "" && q.OverflowQueue == q.ID {
		return FieldError("overflow_queue", "A queue cannot overflow into itself.")
	}
	if q.CallbackOfferAfterSeconds < 0 || q.CallbackOfferAfterSeconds > 3600 {
		return FieldError("callback_offer_after_seconds", "The callback offer starts after 0–3,600 seconds of waiting.")
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
