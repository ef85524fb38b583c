package main

import (
	"context"
	"os"
	"path/filepath"

	"tsunagu"
	"tsunagu/softphone"
	"tsunagu/telephony"
)

// recordDir is where call recordings go: <data>/recordings, or "" (no
// recording) when the center turned recording off.
func recordDir(cfg Config) string {
	if !cfg.Recording {
		return ""
	}
	return filepath.Join(cfg.Data, "recordings")
}

// liveCalls is the API's live call control beyond the two parties:
// recordings in telephony, and supervisors joining through their browser
// softphone (the leg the softphone keeps under their key).
type liveCalls struct {
	tel  *telephony.Server
	soft *softphone.Server
}

// PauseRecording pauses or resumes the live call's recording.
func (l liveCalls) PauseRecording(ctx context.Context, tenant tsunagu.TenantID, id tsunagu.ContactID, on bool) error {
	return l.tel.PauseRecording(ctx, tenant, id, on)
}

// OpenRecording opens a finished recording's file.
func (l liveCalls) OpenRecording(path string) (*os.File, error) { return l.tel.OpenRecording(path) }

// Monitor joins the supervisor's connected softphone to the call.
func (l liveCalls) Monitor(ctx context.Context, tenant tsunagu.TenantID, id tsunagu.ContactID, by tsunagu.UserID, phone tsunagu.AgentID, mode tsunagu.MonitorMode) error {
	if !l.soft.Connected(phone) {
		return tsunagu.Errorf(tsunagu.ECONFLICT, "Connect your softphone first.")
	}
	leg, ok := l.soft.Leg(phone)
	if !ok {
		return tsunagu.Errorf(tsunagu.ECONFLICT, "Connect your softphone first.")
	}
	return l.tel.Monitor(ctx, tenant, id, by, leg, mode)
}

// StopMonitor takes the supervisor off the call.
func (l liveCalls) StopMonitor(ctx context.Context, tenant tsunagu.TenantID, id tsunagu.ContactID, by tsunagu.UserID) error {
	return l.tel.StopMonitor(ctx, tenant, id, by)
}
