package softphone_test

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/webrtc/v4"

	"tsunagu"
	"tsunagu/media"
	"tsunagu/softphone"
	"tsunagu/softphone/softphonetest"
)

func newServer(t *testing.T) *softphone.Server {
	t.Helper()
	s, err := softphone.New(softphone.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Close(ctx); err != nil {
			t.Error(err)
		}
	})
	return s
}

// waitConnected waits for ICE on the server side, by the browser's own
// connection state event.
func waitConnected(t *testing.T, b *softphonetest.Browser) {
	t.Helper()
	up := make(chan struct{})
	var once sync.Once
	b.PC.OnICEConnectionStateChange(func(st webrtc.ICEConnectionState) {
		if st == webrtc.ICEConnectionStateConnected {
			once.Do(func() { close(up) })
		}
	})
	if b.PC.ICEConnectionState() == webrtc.ICEConnectionStateConnected {
		return
	}
	select {
	case <-up:
	case <-time.After(10 * time.Second):
		t.Fatal("ICE did not connect")
	}
}

// readVoiced reads frames from leg until n voiced ones have arrived.
func readVoiced(t *testing.T, leg media.Leg, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	got := 0
	for got < n {
		f, err := leg.ReadFrame(ctx)
		if err != nil {
			t.Fatalf("after %d voiced frames: %v", got, err)
		}
		for _, v := range f {
			if s := media.ULawToLinear(v); s > 512 || s < -512 {
				got++
				break
			}
		}
	}
}

func TestServer_Answer(t *testing.T) {
	s := newServer(t)
	ctx := t.Context()
	b := softphonetest.NewBrowser(t, 50)
	start := time.Now()
	answer, err := s.Answer(ctx, "a1", b.Offer(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("answer in %v", time.Since(start))
	if !strings.Contains(answer, "PCMU/8000") || strings.Contains(answer, ".local") || !strings.Contains(answer, "127.0.0.1") {
		t.Fatalf("answer:\n%s", answer)
	}
	b.Accept(t, answer)
	waitConnected(t, b)
	leg, ok := s.Leg("a1")
	if !ok {
		t.Fatal("no leg")
	}
	if _, ok := s.Leg("nobody"); ok || s.Connected("nobody") {
		t.Error("a leg for an agent who never connected")
	}

	speakCtx, stop := context.WithCancel(ctx)
	defer stop()
	b.Speak(speakCtx)
	// Browser -> server.
	readVoiced(t, leg, 50)
	// Server -> browser: a tone through WriteFrame.
	writeCtx, stopWrite := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		f := make([]byte, 160)
		for n := 0; ; n++ {
			select {
			case <-writeCtx.Done():
				return
			case <-tick.C:
			}
			for i := range f {
				f[i] = media.LinearToULaw(int16(8000 * math.Sin(2*math.Pi*1000*float64(n*160+i)/8000)))
			}
			_ = leg.WriteFrame(f)
		}
	})
	select {
	case <-b.Heard:
	case <-time.After(10 * time.Second):
		t.Fatalf("browser heard %d voiced frames", b.Voiced.Load())
	}
	stopWrite()
	wg.Wait()
	if !s.Connected("a1") {
		t.Error("not connected")
	}

	t.Run("ReconnectKeepsLeg", func(t *testing.T) {
		b2 := softphonetest.NewBrowser(t, 1)
		answer, err := s.Answer(ctx, "a1", b2.Offer(t))
		if err != nil {
			t.Fatal(err)
		}
		b2.Accept(t, answer)
		waitConnected(t, b2)
		leg2, _ := s.Leg("a1")
		if leg2 != leg {
			t.Fatal("a new offer made a new leg")
		}
		ctx2, stop2 := context.WithCancel(ctx)
		t.Cleanup(stop2) // before b2's cleanup, which waits for speak
		b2.Speak(ctx2)
		// The same leg carries the new connection's audio: more voiced
		// frames than the leg's 25-frame queue could hold from before.
		readVoiced(t, leg, 60)
	})
	t.Run("Drop", func(t *testing.T) {
		s.Drop("a1")
		if _, err := leg.ReadFrame(ctx); !errors.Is(err, media.ErrLegClosed) {
			t.Fatalf("read after drop: %v", err)
		}
		if s.Connected("a1") {
			t.Error("connected after drop")
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		if _, err := s.Answer(ctx, "a2", "v=0\r\nnonsense"); tsunagu.ErrorCode(err) != tsunagu.EINVALID {
			t.Fatalf("bad SDP: %v", err)
		}
		// A browser offering Opus only: nothing we can bridge without
		// transcoding.
		m := &webrtc.MediaEngine{}
		if err := m.RegisterCodec(webrtc.RTPCodecParameters{
			RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, PayloadType: 111,
		}, webrtc.RTPCodecTypeAudio); err != nil {
			t.Fatal(err)
		}
		var se webrtc.SettingEngine
		se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
		pc, err := webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithSettingEngine(se)).NewPeerConnection(webrtc.Configuration{})
		if err != nil {
			t.Fatal(err)
		}
		defer pc.Close()
		if _, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeAudio); err != nil {
			t.Fatal(err)
		}
		o, err := pc.CreateOffer(nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Answer(ctx, "a2", o.SDP); tsunagu.ErrorCode(err) != tsunagu.EINVALID {
			t.Fatalf("Opus-only offer: %v", err)
		}
		if _, ok := s.Leg("a2"); ok {
			t.Error("a refused offer left a leg")
		}
	})
}

// TestServer_OnLost: when a connected browser goes away (here: it closes its
// PeerConnection, as a closing tab does), the server says so, so that
// routing stops offering calls to that agent.
func TestServer_OnLost(t *testing.T) {
	lost := make(chan tsunagu.AgentID, 1)
	s, err := softphone.New(softphone.Config{Logger: slog.New(slog.DiscardHandler), OnLost: func(a tsunagu.AgentID) { lost <- a }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	b := softphonetest.NewBrowser(t, 1)
	answer, err := s.Answer(t.Context(), "a1", b.Offer(t))
	if err != nil {
		t.Fatal(err)
	}
	b.Accept(t, answer)
	waitConnected(t, b)
	// The browser's audio reaching the server's leg means the server's
	// side is connected too.
	leg, _ := s.Leg("a1")
	speakCtx, stop := context.WithCancel(t.Context())
	b.Speak(speakCtx)
	readVoiced(t, leg, 1)
	if !s.Connected("a1") {
		t.Fatal("audio flows but the server does not call it connected")
	}
	stop()
	b.Wait()
	b.PC.Close()
	select {
	case a := <-lost:
		if a != "a1" {
			t.Fatalf("lost %s", a)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the server did not notice the browser leaving within 30 s")
	}
	if s.Connected("a1") {
		t.Fatal("still connected after loss")
	}
}

// iceLog is a slog handler passing the server's view of each ICE state
// change ("softphone ice") to the test as it happens, so a test waits for
// the server's own event rather than guessing how long it takes.
type iceLog struct{ states chan string }

func (h iceLog) Enabled(context.Context, slog.Level) bool { return true }
func (h iceLog) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h iceLog) WithGroup(string) slog.Handler            { return h }
func (h iceLog) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "softphone ice" {
		return nil
	}
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "state" {
			send(h.states, a.Value.String())
		}
		return true
	})
	return nil
}

// send never blocks pion's callbacks (nor Close, waiting for OnLost): a
// test reads far fewer events than the buffer holds.
func send(events chan string, e string) {
	select {
	case events <- e:
	default:
	}
}

// healthServer is a server whose ICE states and losses ("lost") arrive in
// order on the returned channel.
func healthServer(t *testing.T) (*softphone.Server, chan string) {
	t.Helper()
	events := make(chan string, 256)
	s, err := softphone.New(softphone.Config{Logger: slog.New(iceLog{events}), OnLost: func(tsunagu.AgentID) { send(events, "lost") }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Close(ctx); err != nil {
			t.Error(err)
		}
	})
	return s, events
}

// waitFor reads events until want, failing on any of never before it,
// and returns what it read.
func waitFor(t *testing.T, events chan string, want string, timeout time.Duration, never ...string) []string {
	t.Helper()
	var seen []string
	deadline := time.After(timeout)
	for {
		select {
		case e := <-events:
			seen = append(seen, e)
			if e == want {
				return seen
			}
			if slices.Contains(never, e) {
				t.Fatalf("%s before %s: %v", e, want, seen)
			}
		case <-deadline:
			t.Fatalf("no %s within %v: %v", want, timeout, seen)
		}
	}
}

// toneTo writes a 1 kHz tone to leg every 20 ms, as a caller's bridge
// does, until the test ends.
func toneTo(t *testing.T, leg media.Leg) {
	ctx, stop := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	t.Cleanup(func() { stop(); wg.Wait() })
	wg.Go(func() {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		f := make([]byte, 160)
		for n := 0; ; n++ {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			for i := range f {
				f[i] = media.LinearToULaw(int16(8000 * math.Sin(2*math.Pi*1000*float64(n*160+i)/8000)))
			}
			_ = leg.WriteFrame(f)
		}
	})
}

// sdpAttr returns the value of the first a=name: line.
func sdpAttr(sdp, name string) string {
	for line := range strings.Lines(sdp) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "a="+name+":"); ok {
			return v
		}
	}
	return ""
}

// connectCall connects a cuttable browser as agent a1 with audio flowing
// both ways (the browser speaking, the server writing a tone), as in a
// call, and returns it with the leg and the first answer.
func connectCall(t *testing.T, s *softphone.Server, events chan string) (*softphonetest.Browser, media.Leg, string) {
	t.Helper()
	b := softphonetest.NewCuttableBrowser(t, 25)
	answer, err := s.Answer(t.Context(), "a1", b.Offer(t))
	if err != nil {
		t.Fatal(err)
	}
	b.Accept(t, answer)
	waitFor(t, events, "connected", 10*time.Second)
	leg, _ := s.Leg("a1")
	speakCtx, stop := context.WithCancel(t.Context())
	t.Cleanup(stop) // before the browser's cleanup, which waits for Speak
	b.Speak(speakCtx)
	toneTo(t, leg)
	readVoiced(t, leg, 25)
	select {
	case <-b.Heard:
	case <-time.After(10 * time.Second):
		t.Fatalf("browser heard %d voiced frames", b.Voiced.Load())
	}
	return b, leg, answer
}

// TestServer_ICERestart: a call's audio path goes dead (the browser's
// packets stop both ways, as in a Wi-Fi blip) long enough for the server to
// call it disconnected; the agent is not reported lost. The browser then
// restarts ICE over the same signalling route; the server applies it to the
// same PeerConnection (same DTLS fingerprint, new ICE credentials), and the
// audio goes on both ways on the same leg.
func TestServer_ICERestart(t *testing.T) {
	s, events := healthServer(t)
	b, leg, first := connectCall(t, s, events)

	b.Cut(true)
	waitFor(t, events, "disconnected", 10*time.Second, "lost")
	if s.Connected("a1") {
		t.Fatal("a silent path still counts as connected: calls would be offered to it")
	}
	// The browser restarts ICE (while still cut: gathering and signalling
	// need no media path), then the network comes back.
	restarted, err := s.Answer(t.Context(), "a1", b.RestartOffer(t))
	if err != nil {
		t.Fatal(err)
	}
	if sdpAttr(restarted, "fingerprint") != sdpAttr(first, "fingerprint") {
		t.Fatal("the restart got a new DTLS certificate: a new connection, not a restart")
	}
	if u := sdpAttr(restarted, "ice-ufrag"); u == "" || u == sdpAttr(first, "ice-ufrag") {
		t.Fatalf("the answer kept the ICE credentials (%q): no restart", u)
	}
	b.Accept(t, restarted)
	heardBefore, voicedBefore := b.Received(), b.Voiced.Load()
	b.Cut(false)
	waitFor(t, events, "connected", 10*time.Second, "lost")
	if l, _ := s.Leg("a1"); l != leg {
		t.Fatal("the restart made a new leg")
	}
	// Browser -> server: more voiced frames than the leg's queue (25)
	// could have held from before the cut.
	readVoiced(t, leg, 60)
	// Server -> browser: a second of the tone, all of it after the cut.
	b.Samples(t, heardBefore, heardBefore+50*160, 10*time.Second)
	if v := b.Voiced.Load() - voicedBefore; v < 40 {
		t.Fatalf("the browser heard %d voiced frames after the restart", v)
	}
	if !s.Connected("a1") {
		t.Fatal("not connected after the restart")
	}
	for {
		select {
		case e := <-events:
			if e == "lost" {
				t.Fatal("a blip the browser recovered from made the phone lost")
			}
			continue
		default:
		}
		break
	}
}

// TestServer_LostAfterGrace: a browser that goes silent for good (a
// sleeping laptop) is disconnected first, reported lost only when ICE
// fails 8 s after the last packet — not at the first "disconnected" —
// and may still come back afterwards by an ICE restart on the same leg.
func TestServer_LostAfterGrace(t *testing.T) {
	s, events := healthServer(t)
	b, leg, _ := connectCall(t, s, events)

	cut := time.Now()
	b.Cut(true)
	waitFor(t, events, "disconnected", 10*time.Second, "lost")
	disconnected := time.Since(cut)
	waitFor(t, events, "failed", 20*time.Second, "lost")
	waitFor(t, events, "lost", 5*time.Second)
	lost := time.Since(cut)
	t.Logf("silent path: disconnected after %v, lost after %v", disconnected.Round(time.Millisecond), lost.Round(time.Millisecond))
	if lost > 15*time.Second {
		t.Errorf("the phone was reported lost %v after it went silent", lost)
	}
	if s.Connected("a1") {
		t.Fatal("connected after the loss")
	}

	// The browser wakes up: its restart still lands on the failed
	// connection and the call's leg carries audio again.
	restarted, err := s.Answer(t.Context(), "a1", b.RestartOffer(t))
	if err != nil {
		t.Fatal(err)
	}
	b.Accept(t, restarted)
	b.Cut(false)
	waitFor(t, events, "connected", 10*time.Second)
	readVoiced(t, leg, 60)
}
