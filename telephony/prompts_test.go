package telephony

import (
	"math"
	"testing"

	"tsunagu"
	"tsunagu/ivr"
	"tsunagu/media"
)

// The embedded prompts exist in every language, are speech-length and are
// not silent (a broken espeak-ng run writes tiny or empty files).
func TestPrompts(t *testing.T) {
	for _, lang := range Languages {
		p, err := loadPrompts(lang)
		if err != nil {
			t.Fatal(err)
		}
		for id, clip := range p {
			sec := float64(len(clip)) / media.SampleRate
			var sum float64
			for _, v := range clip {
				sum += float64(v) * float64(v)
			}
			rms := math.Sqrt(sum / math.Max(1, float64(len(clip))))
			if sec < 0.8 || sec > 10 || rms < 500 {
				t.Errorf("%s/%s: %.1f s, rms %.0f", lang, id, sec, rms)
			}
		}
		if _, ok := p[ivr.PromptMenu]; !ok {
			t.Errorf("%s: no menu prompt", lang)
		}
	}
	if _, err := loadPrompts("fr"); err == nil {
		t.Error("a language without prompts loaded")
	}
}

// Every announcement a tenant may replace stands for a built-in prompt.
func TestAnnouncementPrompts(t *testing.T) {
	p, err := loadPrompts("ja")
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range tsunagu.Announcements {
		if _, ok := p[announcementPrompts[a]]; !ok {
			t.Errorf("announcement %s: no built-in prompt %q", a, announcementPrompts[a])
		}
	}
	if len(announcementPrompts) != len(tsunagu.Announcements) {
		t.Errorf("%d prompts for %d announcements", len(announcementPrompts), len(tsunagu.Announcements))
	}
}
