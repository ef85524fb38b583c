package tsunagu

import (
	"context"
	"time"
)

// Recording is a connected call's audio file: stereo WAV, the caller on the
// left channel and what the caller hears (the operator, the music on hold,
// a barging leader) on the right, 8 kHz 16-bit PCM. There is at most one per
// contact. Path is relative to the server's recordings directory and never
// leaves the server.
type Recording struct {
	TenantID  TenantID   `json:"tenant_id"`
	ContactID ContactID  `json:"contact_id"`
	AgentID   AgentID    `json:"agent_id,omitempty"`
	Path      string     `json:"-"`
	StartedAt time.Time  `json:"started_at"`
	EndedAt   *time.Time `json:"ended_at,omitempty"`
	// Duration is the length of the file in seconds (set when it ends).
	Duration float64 `json:"duration_seconds"`
	// Paused lists the spans written as silence (card numbers and the
	// like); the last one is open while the recording is paused.
	Paused []PausedSpan `json:"paused"`
	// Dropped counts 20 ms frames the disk could not take in time; they
	// are silence in the file, so the channels stay in step.
	Dropped int64 `json:"dropped_frames"`
}

// PausedSpan is one pause of a recording; To is nil while it lasts.
type PausedSpan struct {
	From time.Time  `json:"from"`
	To   *time.Time `json:"to,omitempty"`
}

// IsPaused reports whether the recording is paused now.
func (r *Recording) IsPaused() bool {
	return len(r.Paused) > 0 && r.Paused[len(r.Paused)-1].To == nil
}

// MonitorMode is how a supervisor joins a live call.
type MonitorMode string

// Monitor modes: the supervisor always hears both parties.
const (
	MonitorListen  MonitorMode = "listen"  // モニター: nobody hears the supervisor
	MonitorWhisper MonitorMode = "whisper" // ウィスパー: only the operator hears the supervisor
	MonitorBarge   MonitorMode = "barge"   // 割り込み: a three-way call, all hear all
)

// Valid reports whether m is one of the modes.
func (m MonitorMode) Valid() bool {
	return m == MonitorListen || m == MonitorWhisper || m == MonitorBarge
}

// RecordingStore keeps recordings and the log of what happened to a live
// call's audio. Each method appends its event in the same transaction.
//
// Errors: ENOTFOUND when the contact (or its recording) does not exist in
// the tenant; ECONFLICT when the recording already exists, has ended, or is
// already in the state asked for.
type RecordingStore interface {
	// StartRecording stores r and appends contact:recording_started.
	StartRecording(ctx context.Context, r *Recording) error
	// PauseRecording opens a paused span (contact:recording_paused);
	// ResumeRecording closes it (contact:recording_resumed).
	PauseRecording(ctx context.Context, tenant TenantID, contact ContactID, at time.Time) (*Recording, error)
	ResumeRecording(ctx context.Context, tenant TenantID, contact ContactID, at time.Time) (*Recording, error)
	// StopRecording closes the recording with the file's duration and the
	// frames dropped, closing an open pause (contact:recording_stopped).
	StopRecording(ctx context.Context, tenant TenantID, contact ContactID, at time.Time, duration float64, dropped int64) (*Recording, error)
	FindRecording(ctx context.Context, tenant TenantID, contact ContactID) (*Recording, error)
	// RecordRecordingRead appends contact:recording_downloaded: an audited
	// read of a call's audio.
	RecordRecordingRead(ctx context.Context, tenant TenantID, contact ContactID, at time.Time) error
	// RecordMonitor appends a contact:monitor_* event (typ) for the
	// supervisor's user; it concerns no agent, so only supervisors see it.
	RecordMonitor(ctx context.Context, tenant TenantID, contact ContactID, supervisor UserID, typ EventType, payload any) error
}
