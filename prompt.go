package tsunagu

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// PromptID identifies an uploaded prompt.
type PromptID string

// Prompt is an announcement an admin uploaded (a WAV file, kept as 8 kHz
// µ-law, the phone's own format), for example a number's greeting in the
// center's own voice instead of the built-in synthetic one.
type Prompt struct {
	ID        PromptID  `json:"id"`
	TenantID  TenantID  `json:"tenant_id"`
	Name      string    `json:"name"`
	Seconds   float64   `json:"seconds"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy UserID    `json:"created_by,omitempty"`
}

// MaxPromptSeconds bounds an uploaded prompt: a greeting, not a podcast.
const MaxPromptSeconds = 60

// Validate checks the prompt's name and length.
func (p *Prompt) Validate() error {
	p.Name = strings.TrimSpace(p.Name)
	if p.Name == "" || utf8.RuneCountInString(p.Name) > 100 {
		return FieldError("name", "A prompt needs a name (at most 100 characters).")
	}
	if p.Seconds <= 0 || p.Seconds > MaxPromptSeconds {
		return FieldError("audio", "A prompt is at most %d seconds long.", MaxPromptSeconds)
	}
	return nil
}

// PromptStore keeps uploaded prompts with their audio (8 kHz µ-law).
type PromptStore interface {
	// CreatePrompt stores p and its audio; prompt:uploaded is its event.
	CreatePrompt(ctx context.Context, p *Prompt, ulaw []byte) error
	ListPrompts(ctx context.Context, tenant TenantID) ([]Prompt, error)
	// PromptAudio returns a prompt's 8 kHz µ-law samples; ENOTFOUND when
	// the tenant has no such prompt.
	PromptAudio(ctx context.Context, tenant TenantID, id PromptID) ([]byte, error)
	// DeletePrompt removes a prompt nothing uses; prompt:deleted is its
	// event. ENOTFOUND when the tenant has no such prompt; ECONFLICT,
	// naming each use, while a number or an announcement plays it.
	DeletePrompt(ctx context.Context, tenant TenantID, id PromptID) error
	AnnouncementStore
}

// Announcement names a fixed announcement that an admin may replace, for
// the whole tenant, with an uploaded prompt. The menu and the closed
// message belong to a number's menu and hours, so they are replaced per
// number (DID.MenuPrompt, DID.ClosedPrompt) like the greeting. Composed
// announcements ("you are number N in line", "about N minutes") stay
// built-in: they are assembled from many pieces at call time.
type Announcement string

// The announcements a tenant may replace, with the built-in words.
const (
	AnnouncementInvalid           Announcement = "invalid"            // "Sorry, that is not a valid choice."
	AnnouncementWait              Announcement = "wait"               // "Connecting you to an operator. Please hold."
	AnnouncementCallbackOffer     Announcement = "callback_offer"     // "To be called back and keep your place in line, press 1."
	AnnouncementCallbackConfirmed Announcement = "callback_confirmed" // "We will call you back, and you keep your place. You may hang up now."
	AnnouncementVoicemailGreeting Announcement = "voicemail_greeting" // "Please leave a message after the tone, then hang up." (the tone follows)
	AnnouncementVoicemailThanks   Announcement = "voicemail_thanks"   // "Your message has been recorded. Thank you."
)

// Announcements lists every announcement a tenant may replace, in the order
// a caller may hear them.
var Announcements = []Announcement{AnnouncementInvalid, AnnouncementWait, AnnouncementCallbackOffer,
	AnnouncementCallbackConfirmed, AnnouncementVoicemailGreeting, AnnouncementVoicemailThanks}

// Valid reports whether a is one of Announcements.
func (a Announcement) Valid() bool {
	for _, x := range Announcements {
		if a == x {
			return true
		}
	}
	return false
}

// ValidateAnnouncements checks a tenant's replacements: every name must be
// one of Announcements (the field is "announcements.NAME"). An empty prompt
// means the built-in one and is dropped from m.
func ValidateAnnouncements(m map[Announcement]PromptID) error {
	for a, id := range m {
		if !a.Valid() {
			names := make([]string, len(Announcements))
			for i, x := range Announcements {
				names[i] = string(x)
			}
			return FieldError("announcements."+string(a), "Unknown announcement %q: it is one of %s.", string(a), strings.Join(names, ", "))
		}
		if strings.TrimSpace(string(id)) == "" {
			delete(m, a)
		}
	}
	return nil
}

// AnnouncementStore keeps which uploaded prompts replace a tenant's fixed
// announcements.
type AnnouncementStore interface {
	// ListAnnouncements returns the tenant's replacements (none: empty).
	ListAnnouncements(ctx context.Context, tenant TenantID) (map[Announcement]PromptID, error)
	// SetAnnouncements replaces all of the tenant's replacements at once
	// (an announcement left out plays the built-in one again) and appends
	// prompt:announcements_changed. EINVALID on "announcements.NAME" for an
	// unknown name or a prompt the tenant does not have; then nothing
	// changes.
	SetAnnouncements(ctx context.Context, tenant TenantID, m map[Announcement]PromptID) error
}
