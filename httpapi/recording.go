package httpapi

import (
	"net/http"

	"tsunagu"
)

// Call recordings: every connected call is recorded (when the center has it
// on) to a stereo WAV file, the caller left and what the caller hears
// right. The operator on the call, or a supervisor, pauses it while the
// caller reads out a card number; supervisors download it, and each
// download is an audited read (contact:recording_downloaded).

// recordings returns the store's recording side (sqlite has it).
func (s *Server) recordings() (tsunagu.RecordingStore, error) {
	rs, ok := s.store.(tsunagu.RecordingStore)
	if !ok {
		return nil, tsunagu.Errorf(tsunagu.ENOTIMPLEMENTED, "This store keeps no recordings.")
	}
	return rs, nil
}

func (s *Server) pauseRecording(w http.ResponseWriter, r *http.Request) error {
	return s.setRecordingPaused(w, r, true)
}

func (s *Server) resumeRecording(w http.ResponseWriter, r *http.Request) error {
	return s.setRecordingPaused(w, r, false)
}

// setRecordingPaused: the agent connected to the call, or a supervisor of
// the tenant, pauses or resumes its recording; the reply is the recording
// with its paused spans.
func (s *Server) setRecordingPaused(w http.ResponseWriter, r *http.Request, on bool) error {
	lc, err := s.live()
	if err != nil {
		return err
	}
	rs, err := s.recordings()
	if err != nil {
		return err
	}
	p := principal(r)
	id := tsunagu.ContactID(r.PathValue("id"))
	c, err := s.store.FindContact(r.Context(), p.TenantID, id)
	if err != nil {
		return err
	}
	if !p.Role.AtLeast(tsunagu.RoleSupervisor) && (p.AgentID == "" || c.AgentID != p.AgentID) {
		return tsunagu.Errorf(tsunagu.EFORBIDDEN, "Contact %s is not your call.", id)
	}
	if c.State != tsunagu.ContactConnected {
		return tsunagu.Errorf(tsunagu.ECONFLICT, "Contact %s is %s: a recording is paused during the call.", id, c.State)
	}
	if err := lc.PauseRecording(r.Context(), p.TenantID, id, on); err != nil {
		return err
	}
	rec, err := rs.FindRecording(r.Context(), p.TenantID, id)
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, rec)
}

// downloadRecording serves a finished recording as audio/wav (with range
// requests, for players that seek) after recording the read.
func (s *Server) downloadRecording(w http.ResponseWriter, r *http.Request) error {
	lc, err := s.live()
	if err != nil {
		return err
	}
	rs, err := s.recordings()
	if err != nil {
		return err
	}
	p := principal(r)
	id := tsunagu.ContactID(r.PathValue("id"))
	if err := s.mayPlayVoicemail(r.Context(), p, id); err != nil { // voicemail.go: agents, their queues' messages only
		return err
	}
	rec, err := rs.FindRecording(r.Context(), p.TenantID, id)
	if err != nil {
		return err
	}
	if rec.EndedAt == nil {
		return tsunagu.Errorf(tsunagu.ECONFLICT, "The call is still being recorded: download it after the call.")
	}
	f, err := lc.OpenRecording(rec.Path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := rs.RecordRecordingRead(r.Context(), p.TenantID, id, s.now()); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "audio/wav")
	h.Set("Content-Disposition", `attachment; filename="`+string(id)+`.wav"`)
	h.Set("Cache-Control", "private, no-store")
	http.ServeContent(w, r, "", *rec.EndedAt, f)
	return nil
}
