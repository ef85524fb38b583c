package telephony

import (
	"context"

	"tsunagu"
	"tsunagu/ivr"
	"tsunagu/media"
)

// PromptSource is the optional part of the Store that keeps prompts admins
// uploaded and the announcements they replace (sqlite.DB has it).
type PromptSource interface {
	PromptAudio(ctx context.Context, tenant tsunagu.TenantID, id tsunagu.PromptID) ([]byte, error)
	ListAnnouncements(ctx context.Context, tenant tsunagu.TenantID) (map[tsunagu.Announcement]tsunagu.PromptID, error)
}

// announcementPrompts are the built-in prompts each of a tenant's
// replaceable announcements stands for (tsunagu.Announcements).
var announcementPrompts = map[tsunagu.Announcement]ivr.Prompt{
	tsunagu.AnnouncementInvalid:           ivr.PromptInvalid,
	tsunagu.AnnouncementWait:              ivr.PromptWait,
	tsunagu.AnnouncementCallbackOffer:     promptCallbackOffer,
	tsunagu.AnnouncementCallbackConfirmed: promptCallbackDone,
	tsunagu.AnnouncementVoicemailGreeting: promptVoicemail,
	tsunagu.AnnouncementVoicemailThanks:   promptVoicemailThanks,
}

// voice is what one call plays: the built-in prompts, with the uploaded
// ones that replace some of them. Which prompts are replaced is read once,
// when the call is answered (the number's greeting, menu and closed
// prompts, the tenant's announcements), so an admin's change reaches the
// next call, not the middle of this one. Each uploaded prompt's audio is
// read the first time it plays and kept for the call: a call that never
// reaches voicemail never reads its prompts. A prompt that cannot be read
// plays the built-in one (with a warning): the caller is answered either
// way. The call's goroutine alone uses it.
type voice struct {
	ctx      context.Context // the call's: a read ends with the call
	c        *call
	src      PromptSource // nil: the store keeps no prompts
	uploaded map[ivr.Prompt]tsunagu.PromptID
	clips    map[tsunagu.PromptID]media.Clip // read so far; nil: unreadable
}

// newVoice finds which of the call's prompts are uploaded ones.
func (c *call) newVoice(ctx context.Context) *voice {
	v := &voice{ctx: ctx, c: c, uploaded: map[ivr.Prompt]tsunagu.PromptID{}, clips: map[tsunagu.PromptID]media.Clip{}}
	src, ok := c.s.cfg.Store.(PromptSource)
	if !ok {
		return v
	}
	v.src = src
	set := func(id tsunagu.PromptID, ps ...ivr.Prompt) {
		for _, p := range ps {
			if id != "" {
				v.uploaded[p] = id
			}
		}
	}
	if m, err := src.ListAnnouncements(ctx, c.contact.TenantID); err != nil {
		c.log.Warn("uploaded announcements unavailable, playing the built-in ones", "error", err)
	} else {
		for a, id := range m {
			if p, ok := announcementPrompts[a]; ok {
				set(id, p)
			}
		}
	}
	set(c.did.GreetingPrompt, ivr.PromptGreeting)
	set(c.did.MenuPrompt, ivr.PromptMenu)
	// A number that takes messages when closed says so with vmclosed;
	// the number's own closed message replaces either.
	set(c.did.ClosedPrompt, ivr.PromptClosed, ivr.PromptVoicemailClosed)
	return v
}

// clip returns prompt p as this call plays it.
func (v *voice) clip(p ivr.Prompt) media.Clip {
	builtin := v.c.s.prompts[p]
	id, ok := v.uploaded[p]
	if !ok {
		return builtin
	}
	clip, read := v.clips[id]
	if !read {
		audio, err := v.src.PromptAudio(v.ctx, v.c.contact.TenantID, id)
		if err != nil || len(audio) == 0 {
			v.c.log.Warn("uploaded prompt unavailable, playing the built-in one", "prompt", string(p), "prompt_id", string(id), "error", err)
		} else {
			clip = media.DecodeClip(media.PCMU, audio)
		}
		v.clips[id] = clip
	}
	if clip == nil {
		return builtin
	}
	return clip
}

// source returns the prompts to play one after another.
func (v *voice) source(ids []ivr.Prompt) media.Source {
	clips := make([]media.Clip, 0, len(ids))
	for _, id := range ids {
		clips = append(clips, v.clip(id))
	}
	return media.Sequence(clips...)
}

// say returns the call's prompts ids, one after another: uploaded ones
// where the admin chose them, once the menu has begun (newVoice).
func (c *call) say(ids ...ivr.Prompt) media.Source {
	if c.voice == nil {
		return c.s.prompts.source(ids)
	}
	return c.voice.source(ids)
}

// clip is the call's prompt p (see say).
func (c *call) clip(p ivr.Prompt) media.Clip {
	if c.voice == nil {
		return c.s.prompts[p]
	}
	return c.voice.clip(p)
}
