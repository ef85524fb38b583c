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
}
