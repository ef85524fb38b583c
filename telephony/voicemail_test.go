package telephony_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"tsunagu"
	"tsunagu/media"
	"tsunagu/telephony"
)

// The voicemail tests call with real sipp: a caller who speaks (sipp's
// recorded speech, PCMA) after the tone and presses #, and one who says
// nothing. They assert what a supervisor and an operator would find: the
// contact's events, the WAV under the recordings directory, the callback.

const (
	closedVM = "0312349999" // closed all week, voicemail on
	queueVM  = "0312348888" // open, no menu: straight to the default queue
)

// voicemailCenter is a center that records under dir, with a closed number
// taking messages and an open one without a menu.
func voicemailCenter(t *testing.T) (*center, string) {
	t.Helper()
	dir := t.TempDir()
	c := newCenter(t, "127.0.0.1/32", func(cfg *telephony.Config) {
		cfg.Recordings = cfg.Store.(tsunagu.RecordingStore)
		cfg.RecordDir = dir
	})
	never := &tsunagu.BusinessHours{Week: map[string][]string{}}
	must(t, c.db.CreateTrunk(t.Context(), &tsunagu.Trunk{TenantID: tenant, ID: "vm", Name: "留守電", AllowedNets: []string{"127.0.0.1/32"},
		Numbers: []tsunagu.DID{
			{Number: closedVM, DefaultQueue: "general", Hours: never, Voicemail: &tsunagu.Voicemail{WhenClosed: true, MaxSeconds: 30}},
			{Number: queueVM, DefaultQueue: "billing"},
		}}))
	return c, dir
}

// promptMS is how long the embedded prompts take to play, in ms.
func promptMS(t *testing.T, names ...string) int {
	t.Helper()
	n := 0
	for _, name := range names {
		st, err := os.Stat("prompts/ja/" + name + ".ul")
		if err != nil {
			t.Fatal(err)
		}
		n += int(st.Size()) / 8 // 8 kHz µ-law: 8 bytes a millisecond
	}
	return n
}

// beepMS is the tone before recording (voicemail.go).
const beepMS = 400

func TestVoicemail_ClosedNumber(t *testing.T) {
	t.Parallel()
	t.Run("MessageKept", func(t *testing.T) {
		t.Parallel()
		c, dir := voicemailCenter(t)
		// Speak 0.8 s after the tone has ended.
		pause := promptMS(t, "vmclosed", "voicemail") + beepMS + 800
		var sippErr error
		var wg sync.WaitGroup
		wg.Go(func() {
			sippErr, _ = sipp(t, c.srv, "uac_voicemail.xml", closedVM, "-d", fmt.Sprint(pause), "-timeout", "28s")
		})
		got := c.until(t, tsunagu.EventContactVoicemail)
		wg.Wait()
		if sippErr != nil {
			t.Fatal(sippErr) // the scenario waits for our BYE after the thanks
		}
		want := []tsunagu.EventType{tsunagu.EventContactArrived, tsunagu.EventRecordingStarted, tsunagu.EventRecordingStopped,
			tsunagu.EventCallbackScheduled, tsunagu.EventContactVoicemail}
		if fmt.Sprint(types(got)) != fmt.Sprint(want) {
			t.Fatalf("events %v, want %v", types(got), want)
		}
		id := got[0].ContactID
		p := payload(t, got[len(got)-1])
		secs, _ := p["duration_seconds"].(float64)
		if p["reason"] != "closed" || p["queue_id"] != "general" || p["recording_id"] != string(id) || p["ended_by"] != "key" ||
			secs < 1.5 || secs > 6 || p["callback_id"] == "" {
			t.Errorf("voicemail payload %v", p)
		}
		ct, err := c.db.FindContact(t.Context(), tenant, id)
		must(t, err)
		if ct.State != tsunagu.ContactEnded || ct.QueueID != "general" || ct.EndedAt == nil {
			t.Errorf("contact %+v", ct)
		}
		// The WAV: mono, as long as stored, the caller's speech and not
		// the tone (recording starts after it).
		rec, err := c.db.FindRecording(t.Context(), tenant, id)
		must(t, err)
		f, err := os.Open(filepath.Join(dir, rec.Path))
		must(t, err)
		defer f.Close()
		w, err := media.ReadWAV(f, 1<<24)
		must(t, err)
		if len(w.Channels) != 1 || w.SampleRate != 8000 {
			t.Fatalf("wav: %d channels at %d Hz", len(w.Channels), w.SampleRate)
		}
		pcm := w.Channels[0]
		if d := float64(len(pcm)) / 8000; d < rec.Duration-0.1 || d > rec.Duration+0.1 || rec.EndedAt == nil {
			t.Errorf("wav %.2f s, stored %+v", d, rec)
		}
		if r := rms(pcm); r < 300 {
			t.Errorf("message rms %.0f: no speech recorded", r)
		}
		if s := toneShare(pcm[:min(len(pcm), 4000)], 1000); s > 0.3 {
			t.Errorf("the tone is in the message (1 kHz share %.2f)", s)
		}
		// The callback task: the queue's, owned by nobody, due now.
		cb, err := c.db.FindCallback(t.Context(), tenant, tsunagu.CallbackID(p["callback_id"].(string)))
		must(t, err)
		if cb.ContactID != id || cb.Number != caller || cb.QueueID != "general" || cb.OwnerID != "" || cb.Status != tsunagu.CallbackOpen ||
			cb.VoicemailSeconds != rec.Duration || cb.CustomerID == "" {
			t.Errorf("callback %+v (recording %.1f s)", cb, rec.Duration)
		}
	})
	t.Run("SilentCallerAbandoned", func(t *testing.T) {
		t.Parallel()
		c, dir := voicemailCenter(t)
		pause := promptMS(t, "vmclosed", "voicemail") + beepMS + 1500
		var sippErr error
		var wg sync.WaitGroup
		wg.Go(func() {
			sippErr, _ = sipp(t, c.srv, "uac_voicemail_silent.xml", closedVM, "-d", fmt.Sprint(pause), "-timeout", "28s")
		})
		got := c.until(t, tsunagu.EventContactAbandoned)
		wg.Wait()
		if sippErr != nil {
			t.Fatal(sippErr)
		}
		want := []tsunagu.EventType{tsunagu.EventContactArrived, tsunagu.EventContactAbandoned}
		if fmt.Sprint(types(got)) != fmt.Sprint(want) {
			t.Fatalf("events %v, want %v", types(got), want)
		}
		if p := payload(t, got[1]); p["voicemail"] != "empty" || p["reason"] != "closed" {
			t.Errorf("abandoned payload %v", p)
		}
		if _, err := c.db.FindRecording(t.Context(), tenant, got[0].ContactID); tsunagu.ErrorCode(err) != tsunagu.ENOTFOUND {
			t.Errorf("a recording for no message: %v", err)
		}
		if cbs, err := c.db.ListCallbacks(t.Context(), tenant, tsunagu.CallbackFilter{}); err != nil || len(cbs) != 0 {
			t.Errorf("callbacks %v, %v", cbs, err)
		}
		var files []string
		filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err == nil && strings.HasSuffix(p, ".wav") {
				files = append(files, p)
			}
			return nil
		})
		if len(files) != 0 {
			t.Errorf("empty message kept on disk: %v", files)
		}
	})
}

// TestVoicemail_QueueOverflow: routing sends a waiting caller to voicemail
// (what dispatch does when a queue overflows there); the message is the
// queue's, with the caller's wait kept on the contact.
func TestVoicemail_QueueOverflow(t *testing.T) {
	t.Parallel()
	c, _ := voicemailCenter(t)
	pause := promptMS(t, "greeting", "voicemail") + beepMS + 1500
	var sippErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		sippErr, _ = sipp(t, c.srv, "uac_voicemail.xml", queueVM, "-d", fmt.Sprint(pause), "-timeout", "28s")
	})
	queued := c.until(t, tsunagu.EventContactQueued)
	id := queued[0].ContactID
	if err := c.srv.Voicemail(t.Context(), id, "billing", "max_wait"); err != nil {
		t.Fatal(err)
	}
	got := c.until(t, tsunagu.EventContactVoicemail)
	wg.Wait()
	if sippErr != nil {
		t.Fatal(sippErr)
	}
	p := payload(t, got[len(got)-1])
	if p["reason"] != "max_wait" || p["queue_id"] != "billing" || p["callback_id"] == "" {
		t.Errorf("voicemail payload %v", p)
	}
	for _, e := range got {
		if e.Type == tsunagu.EventContactAbandoned {
			t.Errorf("a message counted as abandoned: %v", types(got))
		}
	}
	// The call is gone: a second request finds nothing.
	if err := c.srv.Voicemail(t.Context(), id, "billing", "max_wait"); tsunagu.ErrorCode(err) != tsunagu.ENOTFOUND {
		t.Errorf("voicemail after the call: %v", err)
	}
}

// TestVoicemail_NotReady: without a recordings directory there is no
// voicemail: routing is told so and a closed number hangs up as before.
func TestVoicemail_NotReady(t *testing.T) {
	t.Parallel()
	c := newCenter(t, "127.0.0.1/32", nil)
	if c.srv.VoicemailReady() {
		t.Fatal("ready without a recordings directory")
	}
	if err := c.srv.Voicemail(t.Context(), "ct_x", "general", "max_wait"); tsunagu.ErrorCode(err) != tsunagu.EUNAVAILABLE {
		t.Errorf("Voicemail: %v", err)
	}
}
