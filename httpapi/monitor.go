package httpapi

import (
	"context"
	"net/http"
	"os"

	"tsunagu"
)

// LiveCalls is a connected call's audio as the API drives it beyond the
// two parties (telephony with the softphones, wired in serve): pausing the
// recording, opening a finished one, and a supervisor's monitor, whisper
// and barge.
type LiveCalls interface {
	// PauseRecording silences (on) or resumes the live call's recording.
	PauseRecording(ctx context.Context, tenant tsunagu.TenantID, id tsunagu.ContactID, on bool) error
	// OpenRecording opens a recording file by its stored path.
	OpenRecording(path string) (*os.File, error)
	// Monitor joins the softphone named phone (see softphoneKey) to the
	// call in mode, or changes the mode; StopMonitor takes it off.
	Monitor(ctx context.Context, tenant tsunagu.TenantID, id tsunagu.ContactID, by tsunagu.UserID, phone tsunagu.AgentID, mode tsunagu.MonitorMode) error
	StopMonitor(ctx context.Context, tenant tsunagu.TenantID, id tsunagu.ContactID, by tsunagu.UserID) error
}

// softphoneKey names the caller's browser softphone: their agent, or for a
// supervisor without an agent row their user ID. The two never collide:
// IDs carry their kind's prefix (agt_, usr_).
func softphoneKey(p *tsunagu.Principal) tsunagu.AgentID {
	if p.AgentID != "" {
		return p.AgentID
	}
	return tsunagu.AgentID(p.UserID)
}

// MonitorRequest chooses how the supervisor joins the call.
type MonitorRequest struct {
	Mode tsunagu.MonitorMode `json:"mode"`
}

// MonitorState is the supervisor's mode on the call after the change.
type MonitorState struct {
	ContactID tsunagu.ContactID   `json:"contact_id"`
	Mode      tsunagu.MonitorMode `json:"mode"`
}

func (s *Server) live() (LiveCalls, error) {
	if s.liveCalls == nil {
		return nil, tsunagu.Errorf(tsunagu.ENOTIMPLEMENTED, "Live call control is not running on this server.")
	}
	return s.liveCalls, nil
}

// monitorContact joins the supervisor to a connected call through their
// browser softphone, connected first (POST /softphone/session), or changes
// the mode: listen, whisper (only the operator hears) or barge.
func (s *Server) monitorContact(w http.ResponseWriter, r *http.Request) error {
	lc, err := s.live()
	if err != nil {
		return err
	}
	var req MonitorRequest
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	if !req.Mode.Valid() {
		return tsunagu.FieldError("mode", "Mode must be listen, whisper or barge.")
	}
	p := principal(r)
	id := tsunagu.ContactID(r.PathValue("id"))
	if err := lc.Monitor(r.Context(), p.TenantID, id, p.UserID, softphoneKey(p), req.Mode); err != nil {
		return err
	}
	return reply(w, http.StatusOK, MonitorState{ContactID: id, Mode: req.Mode})
}

// stopMonitor takes the supervisor off the call.
func (s *Server) stopMonitor(w http.ResponseWriter, r *http.Request) error {
	lc, err := s.live()
	if err != nil {
		return err
	}
	p := principal(r)
	if err := lc.StopMonitor(r.Context(), p.TenantID, tsunagu.ContactID(r.PathValue("id")), p.UserID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
