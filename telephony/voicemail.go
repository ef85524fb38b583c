package telephony

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"tsunagu"
	"tsunagu/ivr"
	"tsunagu/media"
)

// Voicemail (留守番電話). A caller reaches it three ways: the number is
// closed and takes messages (ivr's Closed+Voicemail), a menu option's
// target is tsunagu.QueueVoicemail, or the queue they wait in overflows to
// voicemail (routing calls Server.Voicemail). They hear "please leave a
// message after the tone, then hang up", a 1 kHz tone, and their words go
// to a mono WAV next to the call recordings until they hang up, press #,
// or the number's limit passes. A message with at least a second of voice
// becomes the contact's recording, a callback task for the queue, and the
// contact's last event, contact:voicemail; anything shorter is deleted and
// the contact counted as abandoned.

// The voicemail prompts (prompts/generate.sh).
const (
	promptVoicemail       ivr.Prompt = "voicemail" // "Please leave a message after the tone, then hang up."
	promptVoicemailThanks ivr.Prompt = "vmthanks"  // "Your message has been recorded. Thank you."
)

// voicemailPrompts are loaded with the others (prompts.go).
var voicemailPrompts = []ivr.Prompt{ivr.PromptVoicemailClosed, promptVoicemail, promptVoicemailThanks}

// vmVoicedLevel is about −36 dBFS, the bridge's threshold for a voiced frame
// (media/bridge.go): above a quiet line's noise, below soft speech.
const vmVoicedLevel = 512

// vmBeep is the tone before recording: 1 kHz for 0.4 s at about −10 dBFS,
// with 10 ms ramps so that it starts and stops without a click.
var vmBeep = func() media.Clip {
	const n, ramp = media.SampleRate * 4 / 10, media.SampleRate / 100
	c := make(media.Clip, n)
	for i := range c {
		g := 1.0
		if i < ramp {
			g = float64(i) / ramp
		} else if n-i < ramp {
			g = float64(n-i) / ramp
		}
		c[i] = int16(10000 * g * math.Sin(2*math.Pi*1000*float64(i)/media.SampleRate))
	}
	return c
}()

// voicemailRequest is routing sending a queued caller to voicemail.
type voicemailRequest struct {
	queue  tsunagu.QueueID
	reason string // "max_wait", "max_length", "closed" (the queue's)
}

// VoicemailReady reports whether messages can be kept: the server has a
// recording store and directory. Without them routing keeps callers
// waiting instead, a closed number hangs up as before and a voicemail menu
// choice goes to the number's queue.
func (s *Server) VoicemailReady() bool {
	return s.cfg.Recordings != nil && s.cfg.RecordDir != ""
}

// Voicemail sends the queued caller of contact id to voicemail: queue's
// overflow (reason "max_wait", "max_length"). It returns once the call has
// taken the request; the message is recorded on the call's goroutine.
// Errors: EUNAVAILABLE when voicemail is not ready; ENOTFOUND when the
// call has ended. It waits while the caller is still being queued (an
// overflow decided inside Router.Enqueue), so call it from a goroutine of
// your own, never from inside a Router method.
func (s *Server) Voicemail(ctx context.Context, id tsunagu.ContactID, queue tsunagu.QueueID, reason string) error {
	if !s.VoicemailReady() {
		return tsunagu.Errorf(tsunagu.EUNAVAILABLE, "Voicemail needs call recording on.")
	}
	s.mu.Lock()
	c := s.contacts[id]
	s.mu.Unlock()
	if c == nil || c.vm == nil {
		return tsunagu.Errorf(tsunagu.ENOTFOUND, "No live call for contact %s.", id)
	}
	select {
	case c.vm <- voicemailRequest{queue: queue, reason: reason}:
		return nil
	case <-c.gone:
	case <-c.dialog.Context().Done():
	case <-ctx.Done():
		return ctx.Err()
	}
	return tsunagu.Errorf(tsunagu.ENOTFOUND, "No live call for contact %s.", id)
}

// menuVoicemail takes a caller whose menu choice (or default) is voicemail:
// contact:ivr_done names the choice, then the message. It reports false
// when voicemail is not ready: the caller then goes to queue instead.
func (c *call) menuVoicemail(ctx context.Context, choice string, queue tsunagu.QueueID) bool {
	if !c.s.VoicemailReady() {
		c.log.Warn("voicemail chosen but recording is off: queued instead")
		return false
	}
	_, err := c.s.cfg.Store.UpdateContact(ctx, c.contact.TenantID, c.contact.ID, tsunagu.EventContactIVRDone,
		map[string]any{"choice": choice, "queue_id": queue, "voicemail": true}, func(*tsunagu.Contact) error { return nil })
	if err != nil {
		c.log.Error("record menu choice", "error", err)
	}
	c.voicemail(ctx, queue, "menu")
	return true
}

// voicemail runs the message from the prompt to the caller's goodbye, and
// records how the contact ended. reason is "closed", "menu", "max_wait" or
// "max_length"; queue is whose operators call back (may be empty).
func (c *call) voicemail(ctx context.Context, queue tsunagu.QueueID, reason string) {
	switch c.vmPlay(ctx, media.Sequence(c.clip(promptVoicemail), vmBeep)) {
	case outcomeHangup:
		c.noMessage(ctx, queue, reason)
		return
	case outcomeShutdown:
		c.hangup()
		c.end(ctx, "system")
		return
	}
	rel := c.recordPath()
	path := filepath.Join(c.s.cfg.RecordDir, rel)
	start := c.s.cfg.Now()
	w, err := createMonoWAV(path)
	if err != nil {
		// The caller cannot leave a message after all: say nothing more.
		c.log.Error("voicemail file", "error", err)
		c.hangup()
		c.end(ctx, "system")
		return
	}
	m := c.recordMessage(ctx, w, time.Duration(c.did.Voicemail.Limit())*time.Second)
	if err := w.close(); err != nil {
		c.log.Error("voicemail file", "error", err)
	}
	voice := float64(m.voiced) / media.SampleRate
	c.log.Info("voicemail recorded", "reason", reason, "queue_id", string(queue), "seconds", w.seconds(),
		"voice_seconds", math.Round(voice*10)/10, "ended_by", m.end, "dropped_packets", m.dropped)
	if voice < tsunagu.MinVoicemailVoiceSeconds {
		_ = os.Remove(path)
		if m.end == "system" {
			c.hangup()
			c.end(ctx, "system")
			return
		}
		if m.end != "caller" {
			c.hangup()
		}
		c.noMessage(ctx, queue, reason)
		return
	}
	c.keepMessage(ctx, queue, reason, rel, start, w.seconds(), m)
	switch m.end {
	case "system":
		c.hangup()
	case "key", "limit":
		// Still on the line: thank them, then hang up.
		if c.vmPlay(ctx, c.say(promptVoicemailThanks)) == outcomeDone {
			c.hangup()
		} else if ctx.Err() != nil {
			c.hangup()
		}
	}
}

// vmPlay plays src to its end, ignoring digits; it reports the caller
// hanging up or the server ending the call first. Requests for a queued
// or connected call are refused meanwhile.
func (c *call) vmPlay(ctx context.Context, src media.Source) outcome {
	p := c.sess.Play(src)
	defer c.sess.Stop(p)
	for {
		select {
		case <-p.Done():
			return outcomeDone
		case <-c.sess.DTMF():
			// Ignored: a menu digit still arriving, or an early #.
		case <-c.info:
		case <-c.dialog.Context().Done():
			return outcomeHangup
		case <-ctx.Done():
			return outcomeShutdown
		case r := <-c.ctl:
			r.reply <- errNotQueued
		}
	}
}

// vmMessage is what recordMessage heard.
type vmMessage struct {
	voiced  int64  // samples in voiced packets
	dropped int64  // packets that found the queue full
	end     string // "key" (#), "limit", "caller" (hung up), "system"
}

// recordMessage writes the caller's audio to w until #, the limit, the
// caller's BYE or the server's end. The session's receiver hands payloads
// over through a two-second queue and never waits for the disk.
func (c *call) recordMessage(ctx context.Context, w *monoWAV, limit time.Duration) vmMessage {
	audio := make(chan []byte, 100)
	var dropped atomic.Int64
	c.sess.OnAudio(func(p []byte) {
		select {
		case audio <- bytes.Clone(p):
		default:
			dropped.Add(1)
		}
	})
	codec := c.sess.Params().Codec
	var m vmMessage
	pcm := make([]int16, 0, 480)
	maxSamples := int64(limit.Seconds() * media.SampleRate)
	write := func(p []byte) {
		if w.samples >= maxSamples {
			return
		}
		if len(p) > cap(pcm) {
			pcm = make([]int16, 0, len(p)) // a long ptime
		}
		pcm = codec.Decode(pcm[:0], p)
		if int64(len(pcm)) > maxSamples-w.samples {
			pcm = pcm[:maxSamples-w.samples]
		}
		w.write(pcm)
		for _, s := range pcm {
			if s > vmVoicedLevel || s < -vmVoicedLevel {
				m.voiced += int64(len(pcm))
				break
			}
		}
	}
	timer := time.NewTimer(limit)
	defer timer.Stop()
loop:
	for {
		select {
		case p := <-audio:
			write(p)
		case d := <-c.sess.DTMF():
			if d == '#' {
				m.end = "key"
				break loop
			}
		case d := <-c.info: // # sent by SIP INFO (info.go)
			if d == '#' {
				m.end = "key"
				break loop
			}
		case <-timer.C:
			m.end = "limit"
			break loop
		case <-c.dialog.Context().Done():
			m.end = "caller"
			break loop
		case <-ctx.Done():
			m.end = "system"
			break loop
		case r := <-c.ctl:
			r.reply <- errNotQueued
		}
	}
	c.sess.OnAudio(nil)
	for {
		select {
		case p := <-audio:
			write(p)
			continue
		default:
		}
		break
	}
	m.dropped = dropped.Load()
	return m
}

// noMessage records a caller who left no message (hung up before or at the
// tone, or said nothing) as abandoned, with their wait if they had queued.
func (c *call) noMessage(ctx context.Context, queue tsunagu.QueueID, reason string) {
	ctx, cancel := finalContext(ctx)
	defer cancel()
	now := c.s.cfg.Now()
	wait := c.waitSeconds(now)
	_, err := c.s.cfg.Store.UpdateContact(ctx, c.contact.TenantID, c.contact.ID, tsunagu.EventContactAbandoned,
		map[string]any{"wait_seconds": wait, "queue_id": queue, "voicemail": "empty", "reason": reason}, func(x *tsunagu.Contact) error {
			x.State, x.EndedAt = tsunagu.ContactAbandoned, &now
			if queue != "" {
				x.QueueID = queue
			}
			return nil
		})
	if err != nil {
		c.log.Error("record abandon", "error", err)
	}
	c.log.Info("call abandoned", "wait_seconds", wait, "voicemail", "empty")
}

// keepMessage stores the message as the contact's recording, asks the
// queue for a callback (when the caller's number is known) and ends the
// contact with contact:voicemail.
func (c *call) keepMessage(ctx context.Context, queue tsunagu.QueueID, reason, rel string, start time.Time, seconds float64, m vmMessage) {
	ctx, cancel := finalContext(ctx)
	defer cancel()
	t, id := c.contact.TenantID, c.contact.ID
	now := c.s.cfg.Now()
	rs := c.s.cfg.Recordings
	if err := rs.StartRecording(ctx, &tsunagu.Recording{TenantID: t, ContactID: id, Path: filepath.ToSlash(rel), StartedAt: start}); err != nil {
		c.log.Error("voicemail: store recording", "error", err)
	} else if _, err := rs.StopRecording(ctx, t, id, now, seconds, m.dropped); err != nil {
		c.log.Error("voicemail: store recording", "error", err)
	}
	var cbID tsunagu.CallbackID
	if cs, ok := c.s.cfg.Store.(tsunagu.CallbackStore); ok && c.contact.Number != "" {
		// Owned by nobody: the first free operator of the queue calls
		// back — now, or when the number next opens for a message left
		// after hours (calendar.NextOpen).
		cb := &tsunagu.Callback{TenantID: t, ContactID: id, CustomerID: c.contact.CustomerID, Number: c.contact.Number,
			DueAt: c.nextOpen(ctx), QueueID: queue, VoicemailSeconds: seconds}
		if err := cs.CreateCallback(ctx, cb); err != nil {
			c.log.Error("voicemail: callback", "error", err)
		} else {
			cbID = cb.ID
		}
	}
	_, err := c.s.cfg.Store.UpdateContact(ctx, t, id, tsunagu.EventContactVoicemail,
		map[string]any{"queue_id": queue, "reason": reason, "duration_seconds": seconds, "recording_id": string(id),
			"callback_id": cbID, "ended_by": m.end},
		func(x *tsunagu.Contact) error {
			x.State, x.EndedAt = tsunagu.ContactEnded, &now
			if queue != "" {
				x.QueueID = queue
			}
			return nil
		})
	if err != nil {
		c.log.Error("record voicemail", "error", err)
	}
}

// monoWAV writes a voicemail: RIFF WAVE, 8 kHz, 16-bit PCM, one channel.
// Like the call recordings (media.Recorder) its header's sizes say
// "unknown" until close, so a file cut short by a crash still plays.
type monoWAV struct {
	f       *os.File
	w       *bufio.Writer
	samples int64
	err     error
}

func createMonoWAV(path string) (*monoWAV, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return nil, err
	}
	w := &monoWAV{f: f, w: bufio.NewWriterSize(f, 16<<10)}
	if _, err := w.w.Write(media.WAVHeader(1, 0xFFFFFFFF)); err != nil {
		f.Close()
		os.Remove(path)
		return nil, err
	}
	return w, nil
}

func (w *monoWAV) write(pcm []int16) {
	if w.err != nil {
		return
	}
	var b [2]byte
	for _, s := range pcm {
		binary.LittleEndian.PutUint16(b[:], uint16(s))
		if _, err := w.w.Write(b[:]); err != nil {
			w.err = err
			return
		}
	}
	w.samples += int64(len(pcm))
}

func (w *monoWAV) seconds() float64 {
	return math.Round(float64(w.samples)/media.SampleRate*10) / 10
}

// close flushes, writes the real sizes into the header, syncs and closes.
func (w *monoWAV) close() error {
	err := w.err
	if err == nil {
		err = w.w.Flush()
	}
	if err == nil {
		_, err = w.f.WriteAt(media.WAVHeader(1, uint32(w.samples*2)), 0)
	}
	if err == nil {
		err = w.f.Sync()
	}
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("voicemail: %w", err)
	}
	return nil
}
