package telephony

import (
	"context"
	"maps"

	"tsunagu"
	"tsunagu/ivr"
	"tsunagu/media"
)

// PromptSource is the optional part of the Store that keeps prompts admins
// uploaded (sqlite.DB has it).
type PromptSource interface {
	PromptAudio(ctx context.Context, tenant tsunagu.TenantID, id tsunagu.PromptID) ([]byte, error)
}

// callPrompts are the prompts this call plays: the built-in ones, with the
// number's uploaded greeting in place of the synthetic one when it has
// one. A prompt that cannot be read falls back to the built-in greeting:
// the caller is answered either way.
func (c *call) callPrompts(ctx context.Context) prompts {
	id := c.did.GreetingPrompt
	src, ok := c.s.cfg.Store.(PromptSource)
	if id == "" || !ok {
		return c.s.prompts
	}
	audio, err := src.PromptAudio(ctx, c.contact.TenantID, id)
	if err != nil || len(audio) == 0 {
		c.log.Warn("uploaded greeting unavailable, playing the built-in one", "prompt_id", string(id), "error", err)
		return c.s.prompts
	}
	p := maps.Clone(c.s.prompts)
	p[ivr.PromptGreeting] = media.DecodeClip(media.PCMU, audio)
	return p
}
