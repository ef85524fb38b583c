package telephony_test

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"tsunagu"
	"tsunagu/media"
	"tsunagu/softphone"
	"tsunagu/softphone/softphonetest"
	"tsunagu/telephony"
)

// The recording and monitoring tests run real peers on loopback: sipp or a
// hand-made SIP caller, the softphone with pion "browsers" for the operator
// and the supervisor, each speaking its own tone, so that what each one
// hears tells the voices apart.

// recordingCenter is a center that records every connected call under dir.
func recordingCenter(t *testing.T) (*center, *router, string) {
	t.Helper()
	dir := t.TempDir()
	r := newRouter()
	c := newCenter(t, "127.0.0.1/32", func(cfg *telephony.Config) {
		cfg.Router = r
		cfg.Recordings = cfg.Store.(tsunagu.RecordingStore)
		cfg.RecordDir = dir
	})
	return c, r, dir
}

// browserOn connects another browser to sp as key (a supervisor's user ID)
// and has it speak a tone of hz until the test ends.
func browserOn(t *testing.T, sp *softphone.Server, key tsunagu.AgentID, hz float64) *softphonetest.Browser {
	t.Helper()
	b := connectBrowser(t, sp, key, 1)
	ctx, stop := context.WithCancel(context.Background())
	t.Cleanup(stop)
	b.SpeakTone(ctx, hz)
	return b
}

func rms(pcm []int16) float64 {
	if len(pcm) == 0 {
		return 0
	}
	var e float64
	for _, v := range pcm {
		e += float64(v) * float64(v)
	}
	return math.Sqrt(e / float64(len(pcm)))
}

// toneShare is the share of pcm's energy at hz (Goertzel): about 1 for a
// pure tone, a²/Σa² for a mix of tones, near 0 when the tone is absent.
func toneShare(pcm []int16, hz float64) float64 {
	w := 2 * math.Pi * hz / media.SampleRate
	coef := 2 * math.Cos(w)
	var s1, s2, e float64
	for _, v := range pcm {
		x := float64(v)
		s0 := x + coef*s1 - s2
		s2, s1 = s1, s0
		e += x * x
	}
	if e == 0 {
		return 0
	}
	power := s1*s1 + s2*s2 - coef*s1*s2
	return power / (float64(len(pcm)) / 2 * e)
}

// shortShare is toneShare averaged over 50 ms pieces: the operator's tone
// crosses a jitter buffer that may cut a frame, and a phase jump would
// lower the share of a long window without changing what one hears.
func shortShare(pcm []int16, hz float64) float64 {
	var sum float64
	n := 0
	for i := 0; i+400 <= len(pcm); i += 400 {
		sum += toneShare(pcm[i:i+400], hz)
		n++
	}
	return sum / float64(max(n, 1))
}

func TestServer_Recording(t *testing.T) {
	t.Parallel()
	c, r, dir := recordingCenter(t)
	sp, b := agentPhone(t, 100) // the operator says 440 Hz
	leg, _ := sp.Leg("a1")
	ctx := t.Context()
	var sippErr error
	var wg sync.WaitGroup
	wg.Go(func() { sippErr, _ = sipp(t, c.srv, "uac_bridge_agent_bye.xml", dialled, "-rtp_echo") })
	id := c.until(t, tsunagu.EventContactQueued)[0].ContactID
	<-r.enqueued
	if err := c.srv.PauseRecording(ctx, tenant, id, true); tsunagu.ErrorCode(err) != tsunagu.ENOTFOUND {
		t.Errorf("pause before the call is connected: %v", err)
	}
	if err := c.srv.Connect(ctx, id, leg); err != nil {
		t.Fatal(err)
	}
	// Two seconds of the caller's speech reach the operator, then the
	// operator pauses for a card number, for 0.8 s of audio, and resumes.
	select {
	case <-b.Heard:
	case <-time.After(15 * time.Second):
		t.Fatalf("the browser heard %d voiced frames", b.Voiced.Load())
	}
	if err := c.srv.PauseRecording(ctx, "other", id, true); tsunagu.ErrorCode(err) != tsunagu.ENOTFOUND {
		t.Errorf("pause from another tenant: %v", err)
	}
	if err := c.srv.PauseRecording(ctx, tenant, id, false); tsunagu.ErrorCode(err) != tsunagu.ECONFLICT {
		t.Errorf("resume while recording: %v", err)
	}
	if err := c.srv.PauseRecording(ctx, tenant, id, true); err != nil {
		t.Fatal(err)
	}
	if err := c.srv.PauseRecording(ctx, tenant, id, true); tsunagu.ErrorCode(err) != tsunagu.ECONFLICT {
		t.Errorf("second pause: %v", err)
	}
	n := b.Received()
	b.Samples(t, n, n+40*160, 10*time.Second)
	if err := c.srv.PauseRecording(ctx, tenant, id, false); err != nil {
		t.Fatal(err)
	}
	n = b.Received()
	b.Samples(t, n, n+40*160, 10*time.Second)
	st, _ := c.srv.Stats(id)
	if err := c.srv.Hangup(ctx, id); err != nil {
		t.Fatal(err)
	}
	got := c.until(t, tsunagu.EventRecordingStopped)
	wg.Wait()
	if sippErr != nil {
		t.Fatal(sippErr)
	}
	var seen []tsunagu.EventType
	for _, e := range got {
		switch e.Type {
		case tsunagu.EventRecordingStarted, tsunagu.EventRecordingPaused, tsunagu.EventRecordingResumed, tsunagu.EventRecordingStopped:
			seen = append(seen, e.Type)
		}
	}
	want := []tsunagu.EventType{tsunagu.EventRecordingStarted, tsunagu.EventRecordingPaused, tsunagu.EventRecordingResumed, tsunagu.EventRecordingStopped}
	if len(seen) != len(want) || seen[0] != want[0] || seen[1] != want[1] || seen[2] != want[2] || seen[3] != want[3] {
		t.Errorf("recording events %v, want %v", seen, want)
	}

	rec, err := c.db.FindRecording(ctx, tenant, id)
	if err != nil {
		t.Fatal(err)
	}
	wantPath := filepath.ToSlash(filepath.Join(string(tenant), time.Now().Format("2006-01-02"), string(id)+".wav"))
	if rec.Path != wantPath || rec.EndedAt == nil || len(rec.Paused) != 1 || rec.Paused[0].To == nil {
		t.Fatalf("recording %+v, want path %s and one closed pause", rec, wantPath)
	}
	f, err := os.Open(filepath.Join(dir, rec.Path))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := media.ReadWAV(f, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	left, right := w.Channels[0], w.Channels[1]
	secs := float64(len(left)) / media.SampleRate
	t.Logf("recording: %.2f s (stored %.2f s), rms left %.0f right %.0f, dropped %d, pause %v; mixer %+v",
		secs, rec.Duration, rms(left), rms(right), rec.Dropped, rec.Paused[0].To.Sub(rec.Paused[0].From), st.Mix)
	if w.SampleRate != 8000 || len(w.Channels) != 2 || math.Abs(secs-rec.Duration) > 0.05 || secs < 3 {
		t.Fatalf("%d Hz, %d channels, %.2f s (stored %.2f s)", w.SampleRate, len(w.Channels), secs, rec.Duration)
	}
	// Both parties are in the file: the caller's speech on the left, the
	// operator's tone on the right (and not on the left: no crosstalk).
	at := func(t time.Time) int { return int(t.Sub(rec.StartedAt).Seconds() * media.SampleRate) }
	from, to := at(rec.Paused[0].From), at(*rec.Paused[0].To)
	before := left[:from]
	if rms(before) < 200 || rms(right[:from]) < 3000 || shortShare(right[from-8000:from], 440) < 0.8 {
		t.Errorf("before the pause: caller rms %.0f, operator rms %.0f, 440 Hz share %.2f",
			rms(before), rms(right[:from]), shortShare(right[from-8000:from], 440))
	}
	if s := shortShare(left[from-8000:from], 440); s > 0.05 {
		t.Errorf("the operator's tone is on the caller's channel (share %.2f)", s)
	}
	// The pause is silence on both channels (with 100 ms for the clocks
	// of the store and the file).
	const margin = 800
	if to-from < 4000 || rms(left[from+margin:to-margin]) != 0 || rms(right[from+margin:to-margin]) != 0 {
		t.Errorf("paused span %d..%d: rms left %.0f right %.0f, want silence",
			from, to, rms(left[from+margin:to-margin]), rms(right[from+margin:to-margin]))
	}
	if after := right[to+margin:]; rms(after) < 3000 {
		t.Errorf("after the pause the operator is silent (rms %.0f)", rms(after))
	}
	if err := c.srv.PauseRecording(ctx, tenant, id, true); tsunagu.ErrorCode(err) != tsunagu.ENOTFOUND {
		t.Errorf("pause after the call: %v", err)
	}
}
