// Package softphonetest provides a stand-in for an operator's browser in
// tests: a pion PeerConnection that offers PCMU audio like Chromium does,
// speaks a tone and counts the voiced frames it hears. Tests of softphone
// and telephony share it; production code never imports it.
package softphonetest

import (
	"context"
	"math"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/webrtc/v4"
	pmedia "github.com/pion/webrtc/v4/pkg/media"

	"tsunagu/media"
)

// Browser is the test's browser: PC is its PeerConnection, Voiced counts
// the voiced frames it has heard, and Heard is closed once that count
// reaches the number asked of NewBrowser.
type Browser struct {
	PC     *webrtc.PeerConnection
	Voiced atomic.Int64
	Heard  chan struct{}

	track *webrtc.TrackLocalStaticSample
	want  int64
	once  sync.Once
	wg    sync.WaitGroup
	cut   *cutConn // NewCuttableBrowser's socket

	// Everything heard, decoded (up to a minute), for tests that tell
	// voices apart by their tones; changed is closed and replaced at each
	// frame, so a waiter waits for the event rather than polling.
	mu      sync.Mutex
	heard   []int16
	changed chan struct{}
}

// NewBrowser returns a browser on loopback that closes Heard after want
// voiced frames; the test's cleanup closes it.
func NewBrowser(t testing.TB, want int64) *Browser {
	t.Helper()
	return newBrowser(t, want, nil)
}

// NewCuttableBrowser is NewBrowser on a UDP socket of its own whose
// traffic Cut stops in both directions, as a pulled cable or a sleeping
// laptop does, without closing anything.
func NewCuttableBrowser(t testing.TB, want int64) *Browser {
	t.Helper()
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	return newBrowser(t, want, &cutConn{PacketConn: conn})
}

// Cut stops (on) or lets through (off) every packet of a browser made by
// NewCuttableBrowser.
func (b *Browser) Cut(on bool) { b.cut.on.Store(on) }

// cutConn is a UDP socket a test can cut: while on, what is read is
// discarded and what is written is dropped (reported as sent).
type cutConn struct {
	net.PacketConn
	on atomic.Bool
}

func (c *cutConn) ReadFrom(p []byte) (int, net.Addr, error) {
	for {
		n, addr, err := c.PacketConn.ReadFrom(p)
		if err != nil || !c.on.Load() {
			return n, addr, err
		}
	}
}

func (c *cutConn) WriteTo(p []byte, addr net.Addr) (int, error) {
	if c.on.Load() {
		return len(p), nil
	}
	return c.PacketConn.WriteTo(p, addr)
}

func newBrowser(t testing.TB, want int64, cut *cutConn) *Browser {
	t.Helper()
	m := &webrtc.MediaEngine{}
	if err := m.RegisterCodec(webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMU, ClockRate: 8000, Channels: 1}, PayloadType: 0,
	}, webrtc.RTPCodecTypeAudio); err != nil {
		t.Fatal(err)
	}
	var se webrtc.SettingEngine
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetIncludeLoopbackCandidate(true)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	var mux ice.UDPMux
	if cut != nil {
		// One socket for every candidate, so that Cut covers them all.
		mux = webrtc.NewICEUDPMux(nil, cut)
		se.SetICEUDPMux(mux)
	}
	pc, err := webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithSettingEngine(se)).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	b := &Browser{PC: pc, want: want, Heard: make(chan struct{}), changed: make(chan struct{}), cut: cut}
	b.track, err = webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMU, ClockRate: 8000, Channels: 1}, "mic", "browser")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pc.AddTrack(b.track); err != nil {
		t.Fatal(err)
	}
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		for {
			pkt, _, err := tr.ReadRTP()
			if err != nil {
				return
			}
			b.mu.Lock()
			if len(b.heard) < 60*8000 {
				for _, v := range pkt.Payload {
					b.heard = append(b.heard, media.ULawToLinear(v))
				}
			}
			close(b.changed)
			b.changed = make(chan struct{})
			b.mu.Unlock()
			for _, v := range pkt.Payload {
				if s := media.ULawToLinear(v); s > 512 || s < -512 {
					if b.Voiced.Add(1) >= b.want {
						b.once.Do(func() { close(b.Heard) })
					}
					break
				}
			}
		}
	})
	t.Cleanup(func() {
		pc.Close()
		b.wg.Wait()
		if mux != nil {
			_ = mux.Close() // closes the socket too
		}
	})
	return b
}

// Offer returns a complete offer (every candidate in it), as the desk sends.
func (b *Browser) Offer(t testing.TB) string {
	t.Helper()
	return b.offer(t, nil)
}

// RestartOffer returns a complete ICE-restart offer of the same
// PeerConnection (new ufrag and password, gathered again), as the desk
// sends when its connection went disconnected.
func (b *Browser) RestartOffer(t testing.TB) string {
	t.Helper()
	return b.offer(t, &webrtc.OfferOptions{ICERestart: true})
}

func (b *Browser) offer(t testing.TB, opts *webrtc.OfferOptions) string {
	t.Helper()
	// Restarting sets gathering going inside CreateOffer, so the promise
	// below waits for the new candidates.
	o, err := b.PC.CreateOffer(opts)
	if err != nil {
		t.Fatal(err)
	}
	g := webrtc.GatheringCompletePromise(b.PC)
	if err := b.PC.SetLocalDescription(o); err != nil {
		t.Fatal(err)
	}
	select {
	case <-g:
	case <-time.After(5 * time.Second):
		t.Fatal("browser: gathering timed out")
	}
	return b.PC.LocalDescription().SDP
}

// Accept applies the server's answer.
func (b *Browser) Accept(t testing.TB, answer string) {
	t.Helper()
	if err := b.PC.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer}); err != nil {
		t.Fatal(err)
	}
}

// Received returns how many samples the browser has heard so far.
func (b *Browser) Received() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.heard)
}

// Samples returns what the browser heard from sample from up to sample to
// (decoded PCM), waiting until it has heard that much; it fails the test
// after timeout.
func (b *Browser) Samples(t testing.TB, from, to int, timeout time.Duration) []int16 {
	t.Helper()
	deadline := time.After(timeout)
	for {
		b.mu.Lock()
		n, ch := len(b.heard), b.changed
		if n >= to {
			out := append([]int16(nil), b.heard[from:to]...)
			b.mu.Unlock()
			return out
		}
		b.mu.Unlock()
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("browser: heard %d samples, waited for %d", n, to)
			return nil
		}
	}
}

// Speak sends a 440 Hz tone in 20 ms frames until ctx ends.
func (b *Browser) Speak(ctx context.Context) { b.SpeakTone(ctx, 440) }

// SpeakTone sends a tone of hz (amplitude 8000) in 20 ms frames until ctx
// ends, so that a test can tell several speakers apart.
func (b *Browser) SpeakTone(ctx context.Context, hz float64) {
	b.wg.Go(func() {
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
				f[i] = media.LinearToULaw(int16(8000 * math.Sin(2*math.Pi*hz*float64(n*160+i)/8000)))
			}
			_ = b.track.WriteSample(pmedia.Sample{Data: f, Duration: 20 * time.Millisecond})
		}
	})
}

// Wait waits for Speak to stop (its ctx ended).
func (b *Browser) Wait() { b.wg.Wait() }
