package httpapi

import (
	"errors"
	"net/http"

	"tsunagu"
	"tsunagu/media"
)

// maxPromptUpload bounds an uploaded WAV: a minute of 48 kHz stereo is
// 11 MB; larger files are refused before they are read.
const maxPromptUpload = 12 << 20

// uploadPrompt takes a WAV file as the request body (?name= names it),
// turns it into the phone's 8 kHz µ-law and stores it. Anything but 16-bit
// PCM WAV, or longer than a minute, is refused naming "audio".
func (s *Server) uploadPrompt(w http.ResponseWriter, r *http.Request) error {
	p := &tsunagu.Prompt{TenantID: principal(r).TenantID, Name: r.URL.Query().Get("name")}
	if err := (&tsunagu.Prompt{Name: p.Name, Seconds: 1}).Validate(); err != nil {
		return err // the name, before reading any audio
	}
	body := http.MaxBytesReader(w, r.Body, maxPromptUpload)
	wav, err := media.ReadWAV(body, maxPromptUpload)
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return &tsunagu.Error{Code: tsunagu.ETOOLARGE, Field: "audio", Message: "The file is larger than 12 MB."}
	case err != nil:
		return tsunagu.FieldError("audio", "Upload a WAV file with 16-bit PCM audio (any sample rate, mono or stereo).")
	}
	clip := media.Telephone(wav)
	p.Seconds = float64(len(clip)) / media.SampleRate
	if err := p.Validate(); err != nil {
		return err
	}
	if err := s.store.CreatePrompt(r.Context(), p, media.PCMU.Encode(make([]byte, len(clip)), clip)); err != nil {
		return err
	}
	return created(w, p)
}

// listPrompts lists the tenant's uploaded prompts.
func (s *Server) listPrompts(w http.ResponseWriter, r *http.Request) error {
	ps, err := s.store.ListPrompts(r.Context(), principal(r).TenantID)
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, List[tsunagu.Prompt]{Items: ps})
}

// deletePrompt removes a prompt nothing plays any more (409 naming each
// use otherwise); the event log keeps who did it.
func (s *Server) deletePrompt(w http.ResponseWriter, r *http.Request) error {
	if err := s.store.DeletePrompt(r.Context(), principal(r).TenantID, tsunagu.PromptID(r.PathValue("id"))); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// promptAudio serves a prompt as the caller will hear it (8 kHz), as WAV
// for the browser's audio element.
func (s *Server) promptAudio(w http.ResponseWriter, r *http.Request) error {
	ulaw, err := s.store.PromptAudio(r.Context(), principal(r).TenantID, tsunagu.PromptID(r.PathValue("id")))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "audio/wav")
	w.Header().Set("Cache-Control", "private, max-age=3600")
	_, err = w.Write(media.Clip(media.PCMU.Decode(make([]int16, len(ulaw)), ulaw)).WAV())
	return err
}

// Announcements are the tenant's fixed announcements and the uploaded
// prompts that replace them: Names lists every announcement that may be
// replaced, Announcements the ones that are (absent: the built-in voice).
type Announcements struct {
	Announcements map[tsunagu.Announcement]tsunagu.PromptID `json:"announcements"`
	Names         []tsunagu.Announcement                    `json:"names"`
}

// AnnouncementsInput replaces all of the tenant's announcement prompts.
type AnnouncementsInput struct {
	Announcements map[tsunagu.Announcement]tsunagu.PromptID `json:"announcements"`
}

// getAnnouncements shows which fixed announcements play an uploaded prompt.
func (s *Server) getAnnouncements(w http.ResponseWriter, r *http.Request) error {
	m, err := s.store.ListAnnouncements(r.Context(), principal(r).TenantID)
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, Announcements{Announcements: m, Names: tsunagu.Announcements})
}

// setAnnouncements replaces them at once: an announcement left out, or
// given "", plays the built-in voice again.
func (s *Server) setAnnouncements(w http.ResponseWriter, r *http.Request) error {
	var req AnnouncementsInput
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	if err := s.store.SetAnnouncements(r.Context(), principal(r).TenantID, req.Announcements); err != nil {
		return err
	}
	return s.getAnnouncements(w, r)
}
