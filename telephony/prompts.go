package telephony

import (
	"embed"
	"fmt"

	"tsunagu/ivr"
	"tsunagu/media"
)

// The default prompts are made by the project with espeak-ng and shipped in
// the binary as 8 kHz µ-law, so a fresh install answers calls with no files
// to copy. prompts/generate.sh remakes them from their texts.
//
//go:generate sh prompts/generate.sh

//go:embed prompts/ja/*.ul prompts/en/*.ul
var promptFS embed.FS

// Languages are the languages the default prompts exist in.
var Languages = []string{"ja", "en"}

// prompts is one language's set of decoded prompts.
type prompts map[ivr.Prompt]media.Clip

func loadPrompts(lang string) (prompts, error) {
	p := prompts{}
	ids := []ivr.Prompt{ivr.PromptGreeting, ivr.PromptMenu, ivr.PromptInvalid, ivr.PromptWait, ivr.PromptClosed,
		promptPosition, promptInLine, promptMany}
	for n := 1; n <= maxSpokenPosition; n++ {
		ids = append(ids, positionPrompt(n))
	}
	ids = append(ids, voicemailPrompts...) // voicemail.go
	// queuewait.go: the expected wait and the callback offer.
	ids = append(ids, queueWaitPrompts()...)
	for _, id := range ids {
		b, err := promptFS.ReadFile("prompts/" + lang + "/" + string(id) + ".ul")
		if err != nil {
			return nil, fmt.Errorf("telephony: no %q prompt in language %q", id, lang)
		}
		p[id] = media.DecodeClip(media.PCMU, b)
	}
	return p, nil
}

// source returns the prompts to play one after another.
func (p prompts) source(ids []ivr.Prompt) media.Source {
	clips := make([]media.Clip, 0, len(ids))
	for _, id := range ids {
		clips = append(clips, p[id])
	}
	return media.Sequence(clips...)
}
