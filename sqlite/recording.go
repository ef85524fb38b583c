package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"tsunagu"
)

var _ tsunagu.RecordingStore = (*DB)(nil)

// Recording events carry the contact's current agent (read in the same
// transaction), so the operator's desk sees its own call's recording state;
// monitoring events carry no agent, so only supervisors see them.

// contactAgent returns the contact's agent, or ENOTFOUND.
func (t *tx) contactAgent(ctx context.Context, tenant tsunagu.TenantID, contact tsunagu.ContactID) (tsunagu.AgentID, error) {
	var agent tsunagu.AgentID
	err := t.QueryRowContext(ctx, `SELECT agent_id FROM contacts WHERE tenant_id = ? AND id = ?`, tenant, contact).Scan(&agent)
	if errors.Is(err, sql.ErrNoRows) {
		return "", notFound("Contact")
	}
	return agent, err
}

// StartRecording stores a new recording and appends
// contact:recording_started.
func (db *DB) StartRecording(ctx context.Context, r *tsunagu.Recording) error {
	if r.Path == "" {
		return tsunagu.FieldError("path", "A recording needs its file.")
	}
	return db.write(ctx, func(tx *tx) error {
		agent, err := tx.contactAgent(ctx, r.TenantID, r.ContactID)
		if err != nil {
			return err
		}
		if r.StartedAt.IsZero() {
			r.StartedAt = tx.now
		}
		r.StartedAt = fromMS(ms(r.StartedAt))
		r.AgentID, r.EndedAt, r.Duration, r.Paused, r.Dropped = agent, nil, 0, []tsunagu.PausedSpan{}, 0
		if _, err := tx.ExecContext(ctx, `INSERT INTO recordings(tenant_id, contact_id, path, started_at) VALUES (?, ?, ?, ?)`,
			r.TenantID, r.ContactID, r.Path, ms(r.StartedAt)); err != nil {
			if isUnique(err) {
				return tsunagu.Errorf(tsunagu.ECONFLICT, "This call is already recorded.")
			}
			return fmt.Errorf("start recording: %w", err)
		}
		e := tsunagu.NewEvent(r.TenantID, tsunagu.EventRecordingStarted, tx.now, nil)
		e.ContactID, e.AgentID = r.ContactID, agent
		return tx.appendEvent(e)
	})
}

const recordingColumns = `tenant_id, contact_id, path, started_at, ended_at, duration_ms, paused, dropped`

func scanRecording(s interface{ Scan(...any) error }) (*tsunagu.Recording, error) {
	var r tsunagu.Recording
	var started, duration int64
	var ended sql.NullInt64
	var paused string
	if err := s.Scan(&r.TenantID, &r.ContactID, &r.Path, &started, &ended, &duration, &paused, &r.Dropped); err != nil {
		return nil, err
	}
	r.StartedAt, r.EndedAt, r.Duration = fromMS(started), ptrMS(ended), float64(duration)/1000
	if err := json.Unmarshal([]byte(paused), &r.Paused); err != nil {
		return nil, fmt.Errorf("recording paused spans: %w", err)
	}
	if r.Paused == nil {
		r.Paused = []tsunagu.PausedSpan{}
	}
	return &r, nil
}

// FindRecording returns the contact's recording with its current agent.
func (db *DB) FindRecording(ctx context.Context, tenant tsunagu.TenantID, contact tsunagu.ContactID) (*tsunagu.Recording, error) {
	r, err := scanRecording(db.r.QueryRowContext(ctx, `SELECT `+recordingColumns+` FROM recordings WHERE tenant_id = ? AND contact_id = ?`, tenant, contact))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("Recording")
	} else if err != nil {
		return nil, fmt.Errorf("find recording: %w", err)
	}
	if err := db.r.QueryRowContext(ctx, `SELECT agent_id FROM contacts WHERE tenant_id = ? AND id = ?`, tenant, contact).Scan(&r.AgentID); err != nil {
		return nil, fmt.Errorf("find recording: %w", err)
	}
	return r, nil
}

// updateRecording applies fn to the live recording and appends typ with
// the payload fn returns.
func (db *DB) updateRecording(ctx context.Context, tenant tsunagu.TenantID, contact tsunagu.ContactID, typ tsunagu.EventType,
	fn func(r *tsunagu.Recording, now time.Time) (any, error)) (*tsunagu.Recording, error) {
	var out *tsunagu.Recording
	err := db.write(ctx, func(tx *tx) error {
		agent, err := tx.contactAgent(ctx, tenant, contact)
		if err != nil {
			return err
		}
		r, err := scanRecording(tx.QueryRowContext(ctx, `SELECT `+recordingColumns+` FROM recordings WHERE tenant_id = ? AND contact_id = ?`, tenant, contact))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("Recording")
		} else if err != nil {
			return fmt.Errorf("update recording: %w", err)
		}
		if r.EndedAt != nil {
			return tsunagu.Errorf(tsunagu.ECONFLICT, "The recording has ended.")
		}
		payload, err := fn(r, tx.now)
		if err != nil {
			return err
		}
		paused, err := json.Marshal(r.Paused)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE recordings SET ended_at = ?, duration_ms = ?, paused = ?, dropped = ? WHERE tenant_id = ? AND contact_id = ?`,
			nullMS(r.EndedAt), int64(math.Round(r.Duration*1000)), string(paused), r.Dropped, tenant, contact); err != nil {
			return fmt.Errorf("update recording: %w", err)
		}
		r.AgentID = agent
		out = r
		e := tsunagu.NewEvent(tenant, typ, tx.now, payload)
		e.ContactID, e.AgentID = contact, agent
		return tx.appendEvent(e)
	})
	return out, err
}

// PauseRecording opens a paused span at at.
func (db *DB) PauseRecording(ctx context.Context, tenant tsunagu.TenantID, contact tsunagu.ContactID, at time.Time) (*tsunagu.Recording, error) {
	return db.updateRecording(ctx, tenant, contact, tsunagu.EventRecordingPaused, func(r *tsunagu.Recording, _ time.Time) (any, error) {
		if r.IsPaused() {
			return nil, tsunagu.Errorf(tsunagu.ECONFLICT, "The recording is already paused.")
		}
		r.Paused = append(r.Paused, tsunagu.PausedSpan{From: fromMS(ms(at))})
		return nil, nil
	})
}

// ResumeRecording closes the open paused span at at.
func (db *DB) ResumeRecording(ctx context.Context, tenant tsunagu.TenantID, contact tsunagu.ContactID, at time.Time) (*tsunagu.Recording, error) {
	return db.updateRecording(ctx, tenant, contact, tsunagu.EventRecordingResumed, func(r *tsunagu.Recording, _ time.Time) (any, error) {
		if !r.IsPaused() {
			return nil, tsunagu.Errorf(tsunagu.ECONFLICT, "The recording is not paused.")
		}
		return map[string]any{"paused_seconds": closeSpan(r, at)}, nil
	})
}

// closeSpan ends the open paused span at at and returns its length.
func closeSpan(r *tsunagu.Recording, at time.Time) float64 {
	last := &r.Paused[len(r.Paused)-1]
	to := fromMS(ms(at))
	last.To = &to
	return math.Round(to.Sub(last.From).Seconds()*10) / 10
}

// StopRecording ends the recording with the file's length and the frames
// it lost, closing a pause left open.
func (db *DB) StopRecording(ctx context.Context, tenant tsunagu.TenantID, contact tsunagu.ContactID, at time.Time, duration float64, dropped int64) (*tsunagu.Recording, error) {
	return db.updateRecording(ctx, tenant, contact, tsunagu.EventRecordingStopped, func(r *tsunagu.Recording, _ time.Time) (any, error) {
		if r.IsPaused() {
			closeSpan(r, at)
		}
		end := fromMS(ms(at))
		r.EndedAt, r.Duration, r.Dropped = &end, math.Round(duration*1000)/1000, dropped
		return map[string]any{"duration_seconds": r.Duration, "dropped_frames": dropped}, nil
	})
}

// RecordRecordingRead appends contact:recording_downloaded, the audit of a
// read of a call's audio (no agent: supervisors see it).
func (db *DB) RecordRecordingRead(ctx context.Context, tenant tsunagu.TenantID, contact tsunagu.ContactID, at time.Time) error {
	return db.write(ctx, func(tx *tx) error {
		if _, err := tx.contactAgent(ctx, tenant, contact); err != nil {
			return err
		}
		e := tsunagu.NewEvent(tenant, tsunagu.EventRecordingDownloaded, at, nil)
		e.ContactID = contact
		return tx.appendEvent(e)
	})
}

// RecordMonitor appends a contact:monitor_* event; Subject is the
// supervisor's user.
func (db *DB) RecordMonitor(ctx context.Context, tenant tsunagu.TenantID, contact tsunagu.ContactID, supervisor tsunagu.UserID, typ tsunagu.EventType, payload any) error {
	switch typ {
	case tsunagu.EventMonitorStarted, tsunagu.EventMonitorChanged, tsunagu.EventMonitorStopped:
	default:
		return tsunagu.Errorf(tsunagu.EINVALID, "Not a monitoring event: %s.", typ)
	}
	return db.write(ctx, func(tx *tx) error {
		if _, err := tx.contactAgent(ctx, tenant, contact); err != nil {
			return err
		}
		e := tsunagu.NewEvent(tenant, typ, tx.now, payload)
		e.ContactID, e.Subject = contact, string(supervisor)
		return tx.appendEvent(e)
	})
}
