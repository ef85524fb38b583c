package telephony

import (
	"context"
	"os"
	"path/filepath"
	"sync"

	"tsunagu"
	"tsunagu/media"
)

// liveMedia is what a connected call's audio has beyond the two parties:
// the running mixer, the recording and the monitoring supervisor. The
// call's goroutine sets mix (join, part); API requests (pause, monitor)
// reach the rest under mu from their own goroutines.
type liveMedia struct {
	mu     sync.Mutex
	tenant tsunagu.TenantID // set at the first connection, for the API's checks
	mix    *media.Mixer     // nil while parted (on a consultation, requeued)
	rec    *media.Recorder
	mon    *monitor
	// entered is set by the first connection: the outermost bridged owns
	// the recording and the monitor's end.
	entered bool
}

// leave marks the call over for the API (liveCall finds it no more).
func (l *liveMedia) leave() {
	l.mu.Lock()
	l.tenant = ""
	l.mu.Unlock()
}

// enter reports whether this is the call's first connection.
func (l *liveMedia) enter() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	first := !l.entered
	l.entered = true
	return first
}

// setMixer installs (or, with nil, removes) the running mixer and hands it
// the recording and the supervisor, so that they carry on across a
// transfer's change of operator.
func (l *liveMedia) setMixer(tenant tsunagu.TenantID, m *media.Mixer) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.tenant, l.mix = tenant, m
	if m == nil {
		return
	}
	m.SetRecorder(l.rec)
	if l.mon != nil {
		if _, err := m.Monitor(l.mon.leg, l.mon.mode); err != nil {
			l.mon = nil // cannot happen with a new mixer; never keep a stale one
		}
	}
}

func (l *liveMedia) mixer() *media.Mixer {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.mix
}

// recordPath is where a contact's recording goes, relative to RecordDir:
// <tenant>/<yyyy-mm-dd>/<contact>.wav, the date in the server's zone. IDs
// are plain ([A-Za-z0-9_-]), so the path has no separators of theirs.
func (c *call) recordPath() string {
	return filepath.Join(string(c.contact.TenantID), c.s.cfg.Now().Format("2006-01-02"), string(c.contact.ID)+".wav")
}

// startRecording opens the call's recording at its first connection, when
// recording is configured. It reports whether this call started it (and
// must stop it). Failing to record never fails the call: it is logged.
func (c *call) startRecording(ctx context.Context) bool {
	st, dir := c.s.cfg.Recordings, c.s.cfg.RecordDir
	if st == nil || dir == "" {
		return false
	}
	c.live.mu.Lock()
	started := c.live.rec != nil
	c.live.mu.Unlock()
	if started {
		return false // connected again after a transfer: the same file goes on
	}
	rel := c.recordPath()
	path := filepath.Join(dir, rel)
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		c.log.Error("recording", "error", err)
		return false
	}
	// The file's clock starts at the stored start: paused spans stored by
	// time fall on the same samples.
	r := &tsunagu.Recording{TenantID: c.contact.TenantID, ContactID: c.contact.ID, Path: filepath.ToSlash(rel), StartedAt: c.s.cfg.Now()}
	rec, err := media.CreateRecorder(path, r.StartedAt)
	if err != nil {
		c.log.Error("recording", "error", err)
		return false
	}
	sctx, cancel := finalContext(ctx)
	defer cancel()
	if err := st.StartRecording(sctx, r); err != nil {
		c.log.Error("recording: store", "error", err)
		_ = rec.Close()
		_ = os.Remove(path)
		return false
	}
	c.live.mu.Lock()
	c.live.rec = rec
	c.live.mu.Unlock()
	c.log.Info("recording started")
	return true
}

// stopRecording closes the file (fixing its header) and records its
// length; a pause still open is closed by the store.
func (c *call) stopRecording(ctx context.Context) {
	c.live.mu.Lock()
	rec := c.live.rec
	c.live.rec = nil
	if c.live.mix != nil {
		c.live.mix.SetRecorder(nil)
	}
	c.live.mu.Unlock()
	if rec == nil {
		return
	}
	err := rec.Close()
	st := rec.Stats()
	if err != nil {
		c.log.Error("recording: close", "error", err)
	}
	sctx, cancel := finalContext(ctx)
	defer cancel()
	if _, err := c.s.cfg.Recordings.StopRecording(sctx, c.contact.TenantID, c.contact.ID, c.s.cfg.Now(),
		rec.Duration().Seconds(), st.Dropped); err != nil {
		c.log.Error("recording: store", "error", err)
	}
	c.log.Info("recording stopped", "seconds", int(rec.Duration().Seconds()), "dropped_frames", st.Dropped)
}

// liveCall finds the call of contact id in tenant, once it has been
// connected (the tenant is read from the call's own record of it, never
// from the request).
func (s *Server) liveCall(tenant tsunagu.TenantID, id tsunagu.ContactID) (*call, error) {
	s.mu.Lock()
	c := s.contacts[id]
	s.mu.Unlock()
	if c != nil {
		c.live.mu.Lock()
		t := c.live.tenant
		c.live.mu.Unlock()
		if t == tenant {
			return c, nil
		}
	}
	return nil, tsunagu.Errorf(tsunagu.ENOTFOUND, "No connected call for contact %s.", id)
}

// PauseRecording makes the recording of contact id's live call silence
// from now on (on) or audio again (off), for card numbers and the like;
// the span is stored with the recording (contact:recording_paused and
// contact:recording_resumed). The actor is the principal in ctx.
//
// Errors: ENOTFOUND when no live call; ECONFLICT when the call is not being
// recorded or is already paused (resumed).
func (s *Server) PauseRecording(ctx context.Context, tenant tsunagu.TenantID, id tsunagu.ContactID, on bool) error {
	c, err := s.liveCall(tenant, id)
	if err != nil {
		return err
	}
	// Holding mu across the store write orders concurrent pauses and the
	// end of the call (stopRecording takes mu before closing).
	c.live.mu.Lock()
	defer c.live.mu.Unlock()
	rec := c.live.rec
	if rec == nil {
		return tsunagu.Errorf(tsunagu.ECONFLICT, "This call is not being recorded.")
	}
	if rec.Paused() == on {
		if on {
			return tsunagu.Errorf(tsunagu.ECONFLICT, "The recording is already paused.")
		}
		return tsunagu.Errorf(tsunagu.ECONFLICT, "The recording is not paused.")
	}
	op := s.cfg.Recordings.ResumeRecording
	if on {
		op = s.cfg.Recordings.PauseRecording
	}
	// The file changes at the instant stored, and a pause takes effect
	// before the write: the caller may already be reading the number.
	at := s.cfg.Now()
	rec.SetPaused(on)
	if _, err := op(ctx, tenant, id, at); err != nil {
		rec.SetPaused(!on)
		return err
	}
	c.log.Info("recording paused", "paused", on)
	return nil
}

// OpenRecording opens a stored recording's file by its stored path, which
// must stay inside RecordDir.
func (s *Server) OpenRecording(rel string) (*os.File, error) {
	if s.cfg.RecordDir == "" || !filepath.IsLocal(filepath.FromSlash(rel)) {
		return nil, tsunagu.Errorf(tsunagu.ENOTFOUND, "No recording file.")
	}
	f, err := os.Open(filepath.Join(s.cfg.RecordDir, filepath.FromSlash(rel)))
	if os.IsNotExist(err) {
		return nil, tsunagu.Errorf(tsunagu.ENOTFOUND, "The recording file is missing.")
	}
	return f, err
}
