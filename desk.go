package tsunagu

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// VerificationOutcome is how the identity check (本人確認) of a call ended.
type VerificationOutcome string

// Verification outcomes. A refusal is its own outcome, not a failure: the
// caller declined to answer, which the record must say as such.
const (
	Verified            VerificationOutcome = "verified" // every item checked
	VerificationRefused VerificationOutcome = "refused"  // the caller declined to answer
	VerificationFailed  VerificationOutcome = "failed"   // the answers did not match
)

// Verification is the operator's record of the queue's checklist
// (氏名・生年月日・ご登録電話番号 …) for one call.
type Verification struct {
	Outcome VerificationOutcome `json:"outcome"`
	Checked []string            `json:"checked"`
}

// Validate checks v against the queue's checklist: a known outcome, only
// items of the list, each once; "verified" needs every item checked, since
// that is what the word promises to whoever reads the record later.
func (v *Verification) Validate(q *Queue) error {
	switch v.Outcome {
	case Verified, VerificationRefused, VerificationFailed:
	default:
		return FieldError("outcome", "Outcome is verified, refused or failed.")
	}
	if v.Checked == nil {
		v.Checked = []string{}
	}
	seen := map[string]bool{}
	for _, c := range v.Checked {
		if seen[c] {
			return FieldError("checked", "%q is listed twice.", c)
		}
		seen[c] = true
		if q != nil && !slices.Contains(q.Verification, c) {
			return FieldError("checked", "%q is not on this queue's checklist.", c)
		}
	}
	if v.Outcome == Verified && q != nil && len(seen) != len(q.Verification) {
		return FieldError("checked", "Check every item of the list before recording the caller as verified.")
	}
	return nil
}

// Severity grades an abusive call (カスハラ): it decides how urgently the
// supervisor is alerted and whether a recovery break is offered.
type Severity string

// Severities.
const (
	SeverityLow    Severity = "low"
	SeverityMedium Severity = "medium"
	SeverityHigh   Severity = "high"
)

// FeedbackCategories are the kinds of voice-of-the-customer feedback the
// product team sorts by.
var FeedbackCategories = []string{"product", "service", "pricing", "website", "other"}

// Feedback is what the customer said that the product team should hear
// (お客様の声), recorded from the wrap-up.
type Feedback struct {
	Category string `json:"category"`
	Text     string `json:"text"`
}

// Callback owners in a promise: the operator who promised, or anyone.
const (
	OwnerMe     = "me"
	OwnerAnyone = "anyone"
)

// PromisedCallback is a callback the operator promised the caller: when,
// who calls (me or anyone), and the number (the caller's when empty).
type PromisedCallback struct {
	DueAt  time.Time `json:"due_at"`
	Owner  string    `json:"owner"`
	Number string    `json:"number,omitempty"`
	Note   string    `json:"note,omitempty"`
}

// WrapUp is the record an agent writes when a contact has ended (後処理):
// why the customer called, how it ended, notes, whether the customer said
// thank you (ありがとう), and what follows from the call — feedback for the
// product team, a promised callback, an abusive-call flag.
type WrapUp struct {
	ReasonID      ReasonID          `json:"reason_id"`
	DispositionID DispositionID     `json:"disposition_id"`
	Notes         string            `json:"notes"`
	ThankYou      bool              `json:"thank_you"`
	Feedback      *Feedback         `json:"feedback,omitempty"`
	Callback      *PromisedCallback `json:"callback,omitempty"`
	Abusive       Severity          `json:"abusive,omitempty"`
}

// Limits on wrap-up text.
const (
	MaxNotes        = 10000
	MaxFeedbackText = 2000
	MaxCallbackNote = 500
	// MaxCallbackAhead is how far ahead a callback may be promised.
	MaxCallbackAhead = 90 * 24 * time.Hour
)

// Check validates the wrap-up of c, a contact of queue q (nil when the
// queue is gone), at now. It checks the parts that need no reference data:
// verification where the queue requires it, text limits, the feedback, the
// callback and the severity. The callback's number defaults to the
// caller's.
func (w *WrapUp) Check(c *Contact, q *Queue, now time.Time) error {
	w.Notes = strings.TrimSpace(w.Notes)
	if utf8.RuneCountInString(w.Notes) > MaxNotes {
		return FieldError("notes", "Notes are at most 10,000 characters.")
	}
	if q != nil && q.VerificationRequired && c.Verification == "" {
		return FieldError("verification", "This queue requires the identity check: record verified, refused or failed first.")
	}
	if f := w.Feedback; f != nil {
		f.Text = strings.TrimSpace(f.Text)
		if f.Text == "" {
			w.Feedback = nil // an untouched feedback box is no feedback
		} else if !slices.Contains(FeedbackCategories, f.Category) {
			return FieldError("feedback.category", "Feedback category is one of %s.", strings.Join(FeedbackCategories, ", "))
		} else if utf8.RuneCountInString(f.Text) > MaxFeedbackText {
			return FieldError("feedback.text", "Feedback is at most %d characters.", MaxFeedbackText)
		}
	}
	if cb := w.Callback; cb != nil {
		if err := cb.check(c, now); err != nil {
			return err
		}
	}
	switch w.Abusive {
	case "", SeverityLow, SeverityMedium, SeverityHigh:
	default:
		return FieldError("abusive", "Severity is low, medium or high.")
	}
	return nil
}

// StrongerSeverity returns the graver of two severities ("" is none): a
// contact whose parts were flagged by two operators keeps the graver flag.
func StrongerSeverity(a, b Severity) Severity {
	rank := func(s Severity) int { return slices.Index([]Severity{SeverityLow, SeverityMedium, SeverityHigh}, s) }
	if rank(b) > rank(a) {
		return b
	}
	return a
}

func (cb *PromisedCallback) check(c *Contact, now time.Time) error {
	switch cb.Owner {
	case OwnerMe, OwnerAnyone:
	case "":
		cb.Owner = OwnerMe
	default:
		return FieldError("callback.owner", "Owner is me or anyone.")
	}
	if cb.DueAt.IsZero() {
		return FieldError("callback.due_at", "Say when to call back.")
	}
	// A minute's slack: the form's default time may be a little old by
	// the time the operator submits it.
	if cb.DueAt.Before(now.Add(-time.Minute)) || cb.DueAt.After(now.Add(MaxCallbackAhead)) {
		return FieldError("callback.due_at", "The callback time must be in the next 90 days.")
	}
	if strings.TrimSpace(cb.Number) == "" {
		cb.Number = c.Number
	}
	n, err := NormalizePhone(cb.Number)
	if err != nil {
		return FieldError("callback.number", "%s", ErrorMessage(err))
	}
	cb.Number = n
	cb.Note = strings.TrimSpace(cb.Note)
	if utf8.RuneCountInString(cb.Note) > MaxCallbackNote {
		return FieldError("callback.note", "The note is at most %d characters.", MaxCallbackNote)
	}
	return nil
}

// MaxNoteTemplates caps a tenant's wrap-up note templates: a short list the
// operator picks from at a glance, not a library.
const MaxNoteTemplates = 20

// ValidNoteTemplates trims the templates and checks there are few and short.
func ValidNoteTemplates(ts []string) ([]string, error) {
	if len(ts) > MaxNoteTemplates {
		return nil, FieldError("templates", "At most %d templates.", MaxNoteTemplates)
	}
	out := make([]string, 0, len(ts))
	for _, t := range ts {
		t = strings.TrimSpace(t)
		if t == "" || utf8.RuneCountInString(t) > 500 {
			return nil, FieldError("templates", "Each template is 1–500 characters.")
		}
		out = append(out, t)
	}
	return out, nil
}

// DeskStore keeps what the operator's desk records around a call beyond
// the contact's own life: the wrap-up with what follows from it, and the
// tenant's note templates.
type DeskStore interface {
	// WrapContact writes the wrap-up of an ended contact of agent in one
	// transaction: the contact (contact:wrapped), the feedback row
	// (contact:feedback), the promised callback (callback:scheduled) and
	// the abusive flag (contact:flagged). w must have passed Check.
	// ENOTFOUND, EFORBIDDEN when it is another agent's, ECONFLICT when the
	// contact has not ended or is wrapped already.
	WrapContact(ctx context.Context, tenant TenantID, id ContactID, agent AgentID, w *WrapUp) (*Contact, error)
	// WrapPart writes the wrap-up of agent's part of a contact they passed
	// on (a transfer) in one transaction: contact:wrapped {"part_of",
	// "reason_id","disposition_id","thank_you","notes"} and, as WrapContact
	// writes them, the feedback, the promised callback and the abusive
	// flag, every event carrying agent. The contact's own reason,
	// disposition, notes and state stay the last operator's; an abusive
	// severity raises the contact's, never lowers it. w must have passed
	// Check, and the caller has checked that agent handled a part not yet
	// wrapped up. ENOTFOUND.
	WrapPart(ctx context.Context, tenant TenantID, id ContactID, agent AgentID, w *WrapUp) (*Contact, error)
	// NoteTemplates returns the tenant's wrap-up note templates in order.
	NoteTemplates(ctx context.Context, tenant TenantID) ([]string, error)
	// SetNoteTemplates replaces them and appends wrapup:templates_changed.
	SetNoteTemplates(ctx context.Context, tenant TenantID, ts []string) error
}
