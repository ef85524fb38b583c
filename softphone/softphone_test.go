package softphone_test

import (
	"context"
	"errors"
	"log/slog"
	"math"
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
