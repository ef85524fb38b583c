package media

import (
	"context"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"
)

// chanLeg is a Leg over channels: what the test sends as the "browser" and
// what the bridge writes to it.
type chanLeg struct {
	from chan []byte // frames the endpoint says
	to   chan []byte // frames the endpoint hears
}

func (l *chanLeg) ReadFrame(ctx context.Context) ([]byte, error) {
	select {
	case f := <-l.from:
		return f, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (l *chanLeg) WriteFrame(f []byte) error {
	select {
	case l.to <- append([]byte(nil), f...):
	default: // the test stopped listening
	}
	return nil
}

func tone(n int, hz float64, start int) []int16 {
	pcm := make([]int16, n)
	for i := range pcm {
		pcm[i] = int16(8000 * math.Sin(2*math.Pi*hz*float64(start+i)/SampleRate))
	}
	return pcm
}

// TestBridge joins a PCMA caller (a UDP socket) with a PCMU leg: audio
// must arrive voiced both ways, transcoded, and the caller's stream must
// keep its SSRC, sequence and timestamp across the music → bridge switch.
func TestBridge(t *testing.T) {
	caller := listenPeer(t)
	s, local := startSession(t, Params{Remote: addrOf(caller), Codec: PCMA, PayloadType: 8, DTMFPayloadType: 101})
	// Silent "music", so that every voiced packet the caller gets is the
	// leg's; what matters is the switch between sources.
	s.Play(Loop(make(Clip, 800)))
	before := readPacket(t, caller)

	leg := &chanLeg{from: make(chan []byte, 64), to: make(chan []byte, 64)}
	b := NewBridge(s, leg)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = b.Run(ctx) })
	defer func() { cancel(); wg.Wait() }()

	// The "browser" speaks a 440 Hz tone in 20 ms frames at their real
	// pace (the bridge keeps at most 100 ms of it, so a burst would be cut).
	wg.Go(func() {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		var enc [frameSamples]byte
		for i := 0; ; i++ {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			select {
			case leg.from <- append([]byte(nil), PCMU.Encode(enc[:], tone(frameSamples, 440, i*frameSamples))...):
			case <-ctx.Done():
				return
			}
		}
	})
	// The caller speaks a 1 kHz tone in A-law, at the same pace.
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for i := range 50 {
		<-tick.C
		pkt := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 8, SequenceNumber: uint16(i), Timestamp: uint32(i * frameSamples), SSRC: 7},
			Payload: PCMA.Encode(make([]byte, frameSamples), tone(frameSamples, 1000, i*frameSamples))}
		raw, _ := pkt.Marshal()
		if _, err := caller.WriteToUDPAddrPort(raw, local); err != nil {
			t.Fatal(err)
		}
	}
	// The leg hears the caller's tone as µ-law.
	deadline := time.After(5 * time.Second)
	heard := 0
	for heard < 40 {
		select {
		case f := <-leg.to:
			if voicedULaw(f) {
				heard++
			}
		case <-deadline:
			t.Fatalf("leg heard %d voiced frames, stats %+v", heard, b.Stats())
		}
	}
	// The caller hears the leg's tone as A-law, on the same stream.
	voicedPackets, prev := 0, before
	for i := 0; voicedPackets < 40; i++ {
		if i > 200 {
			t.Fatalf("caller heard %d voiced packets in 200", voicedPackets)
		}
		p := readPacket(t, caller)
		if p.SSRC != before.SSRC || p.SequenceNumber != prev.SequenceNumber+1 || p.Timestamp != prev.Timestamp+frameSamples {
			t.Fatalf("stream broke: %v after %v", p.Header, prev.Header)
		}
		prev = p
		if p.PayloadType != 8 {
			t.Fatalf("payload type %d", p.PayloadType)
		}
		if voiced(PCMA.Decode(make([]int16, len(p.Payload)), p.Payload)) {
			voicedPackets++
		}
	}
	st := b.Stats()
	if st.ToLegVoiced < 38 || st.FromLegVoiced < 40 { // counted after WriteFrame: may trail the leg
		t.Errorf("stats %+v", st)
	}
}

// TestSession_LoopDropped: our own packets echoed back are not audio from
// the caller.
func TestSession_LoopDropped(t *testing.T) {
	caller := listenPeer(t)
	s, local := startSession(t, Params{Remote: addrOf(caller), Codec: PCMU, PayloadType: 0, DTMFPayloadType: 101})
	got := make(chan []byte, 8)
	s.OnAudio(func(p []byte) { got <- append([]byte(nil), p...) })
	buf := make([]byte, 1500)
	for range 3 {
		caller.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, err := caller.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := caller.WriteToUDPAddrPort(buf[:n], local); err != nil { // echo
			t.Fatal(err)
		}
	}
	// A real caller packet after the echoes is delivered, the echoes not.
	raw, _ := (&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 0, SSRC: 99}, Payload: []byte{1, 2, 3}}).Marshal()
	if _, err := caller.WriteToUDPAddrPort(raw, local); err != nil {
		t.Fatal(err)
	}
	select {
	case p := <-got:
		if len(p) != 3 {
			t.Fatalf("delivered %d bytes: an echo got through", len(p))
		}
	case <-time.After(5 * time.Second):
		t.Fatal("caller audio not delivered")
	}
	if st := s.Stats(); st.Looped != 3 {
		t.Errorf("looped %d, want 3", st.Looped)
	}
}

func TestALawToULaw(t *testing.T) {
	for a := range 256 {
		want := ALawToLinear(byte(a))
		got := ULawToLinear(alawToULaw[a])
		if d := int(want) - int(got); d > 1<<9 || d < -(1<<9) || (want > 0) != (got > 0) && want != 0 && got != 0 {
			t.Errorf("A-law %#x: %d, via µ-law %d", a, want, got)
		}
	}
}

// TestJitterBuffer: a backlog is cut to the prefill, so that it does not
// stay as delay; running dry refills before playing again.
func TestJitterBuffer(t *testing.T) {
	j := newJitterBuffer()
	p := make([]int16, frameSamples)
	frame := func(v int16) []int16 {
		f := make([]int16, frameSamples)
		for i := range f {
			f[i] = v
		}
		return f
	}
	j.push(frame(1))
	if j.Read(p); p[0] != 0 {
		t.Fatal("played before the prefill")
	}
	for v := range int16(8) { // 160 ms arrive at once
		j.push(frame(v + 10))
	}
	// Past 100 ms the backlog was cut to 40 ms (frames 13, 14), then three
	// more came: at most 100 ms of delay.
	for _, want := range []int16{13, 14, 15, 16, 17, 0, 0} {
		if n := j.Read(p); n != len(p) || p[0] != want || p[len(p)-1] != want {
			t.Fatalf("read %d, want %d", p[0], want)
		}
	}
}
