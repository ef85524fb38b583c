package media

import (
	"math"
	"strings"
	"testing"
)

// TestSession_SendDTMF_Events sends digits to a peer that negotiated
// telephone-event and reads what a receiver gets: each digit one event (one
// timestamp) whose first packet has the marker, whose duration grows to
// 800 and whose end is sent three times, all in the audio's SSRC and
// sequence, with the audio's clock running on through the events.
func TestSession_SendDTMF_Events(t *testing.T) {
	peer := listenPeer(t)
	s, _ := startSession(t, Params{Remote: addrOf(peer), Codec: PCMU, PayloadType: 0, DTMFPayloadType: 101})
	first := readPacket(t, peer)
	if err := s.SendDTMF("1x"); err != ErrBadDigit {
		t.Fatalf("SendDTMF(1x) = %v, want ErrBadDigit", err)
	}
	if err := s.SendDTMF(strings.Repeat("1", MaxPendingDTMF+1)); err != ErrDTMFBusy {
		t.Fatalf("SendDTMF(65 digits) = %v, want ErrDTMFBusy", err)
	}
	if s.InBandDTMF() {
		t.Fatal("InBandDTMF with telephone-event negotiated")
	}
	const digits = "9*#D0"
	if err := s.SendDTMF(digits); err != nil {
		t.Fatal(err)
	}

	type event struct {
		ts        uint32
		packets   int
		ends      int
		marker    bool
		durations []uint16
	}
	var (
		events  []*event
		got     []rune
		prevSeq = first.SequenceNumber
		audioTS = first.Timestamp // the audio's clock: every packet advances it by 160
	)
	for len(got) < len(digits) || events[len(events)-1].ends < 3 {
		p := readPacket(t, peer)
		if p.SSRC != first.SSRC {
			t.Fatalf("SSRC changed: %x then %x", first.SSRC, p.SSRC)
		}
		if p.SequenceNumber != prevSeq+1 {
			t.Fatalf("sequence %d after %d", p.SequenceNumber, prevSeq)
		}
		prevSeq = p.SequenceNumber
		audioTS += frameSamples
		if p.PayloadType == 0 {
			if p.Timestamp != audioTS {
				t.Fatalf("audio timestamp %d, want %d: the clock must run on through events", p.Timestamp, audioTS)
			}
			continue
		}
		if p.PayloadType != 101 {
			t.Fatalf("payload type %d", p.PayloadType)
		}
		e, err := DecodeEvent(p.Payload)
		if err != nil {
			t.Fatal(err)
		}
		if len(events) == 0 || events[len(events)-1].ts != p.Timestamp {
			events = append(events, &event{ts: p.Timestamp, marker: p.Marker})
			if p.Timestamp != audioTS {
				t.Fatalf("event starts at %d, want the audio's clock %d", p.Timestamp, audioTS)
			}
		} else if p.Marker {
			t.Fatal("marker on a later packet of an event")
		}
		ev := events[len(events)-1]
		ev.packets++
		ev.durations = append(ev.durations, e.Duration)
		if e.Volume != eventVolume {
			t.Errorf("volume %d", e.Volume)
		}
		if e.End {
			ev.ends++
			if ev.ends == 1 {
				got = append(got, e.Digit())
			}
		} else if ev.ends > 0 {
			t.Fatal("a packet without E after the end")
		}
	}
	if string(got) != digits {
		t.Fatalf("digits %q, want %q", string(got), digits)
	}
	for i, ev := range events {
		if !ev.marker || ev.packets != 7 || ev.ends != 3 {
			t.Errorf("event %d: %+v", i, ev)
		}
		want := []uint16{160, 320, 480, 640, 800, 800, 800}
		for j := range want {
			if j >= len(ev.durations) || ev.durations[j] != want[j] {
				t.Errorf("event %d durations %v, want %v", i, ev.durations, want)
				break
			}
		}
		if i > 0 && ev.ts-events[i-1].ts < 800+560 {
			t.Errorf("event %d starts %d samples after the previous one: less than 100 ms + 70 ms", i, ev.ts-events[i-1].ts)
		}
	}
	// Nothing more is sent as an event: the next packets are audio again.
	for range 5 {
		if p := readPacket(t, peer); p.PayloadType != 0 {
			t.Fatalf("after the digits: payload type %d", p.PayloadType)
		}
	}
}

// TestSession_SendDTMF_InBand sends digits to a peer that offered no
// telephone-event: they arrive as tones in the audio, found by a Goertzel
// detector as a receiver's DSP would, each 100 ms long with 70 ms of
// silence after it.
func TestSession_SendDTMF_InBand(t *testing.T) {
	peer := listenPeer(t)
	s, _ := startSession(t, Params{Remote: addrOf(peer), Codec: PCMU, PayloadType: 0, DTMFPayloadType: -1})
	first := readPacket(t, peer)
	if !s.InBandDTMF() {
		t.Fatal("InBandDTMF without telephone-event")
	}
	const digits = "147*2580369#ABCD"
	if err := s.SendDTMF(digits); err != nil {
		t.Fatal(err)
	}
	// Collect the audio until the digits' time has passed, plus a margin.
	var pcm []int16
	want := len(digits) * (dtmfToneSamples + dtmfGapSamples)
	for len(pcm) < want+4*frameSamples {
		p := readPacket(t, peer)
		if p.PayloadType != 0 || p.SSRC != first.SSRC {
			t.Fatalf("packet %v", p.Header)
		}
		pcm = append(pcm, PCMU.Decode(make([]int16, len(p.Payload)), p.Payload)...)
	}
	got, runs := detectTones(pcm)
	if got != digits {
		t.Fatalf("tones %q, want %q", got, digits)
	}
	for i, n := range runs {
		// 100 ms a tone: 5 windows of 20 ms, give or take the edges.
		if n < 4 || n > 6 {
			t.Errorf("digit %d lasted %d windows of 20 ms", i, n)
		}
	}
}

// detectTones finds DTMF in 8 kHz audio, 20 ms at a time (Goertzel on the
// eight frequencies): a key is a window where one row and one column tone
// stand well above the others. It returns the keys in order (one per run
// of windows) and each run's length.
func detectTones(pcm []int16) (string, []int) {
	var out strings.Builder
	var runs []int
	last := rune(0)
	for off := 0; off+frameSamples <= len(pcm); off += frameSamples {
		k := toneKey(pcm[off : off+frameSamples])
		if k != 0 && k == last {
			runs[len(runs)-1]++
		} else if k != 0 {
			out.WriteRune(k)
			runs = append(runs, 1)
		}
		last = k
	}
	return out.String(), runs
}

func toneKey(w []int16) rune {
	power := func(f float64) float64 {
		c := 2 * math.Cos(2*math.Pi*f/SampleRate)
		var s1, s2 float64
		for _, x := range w {
			s := float64(x) + c*s1 - s2
			s2, s1 = s1, s
		}
		return s1*s1 + s2*s2 - c*s1*s2
	}
	best := func(fs [4]float64) (int, float64, float64) {
		bi, bp, second := 0, 0.0, 0.0
		for i, f := range fs {
			p := power(f)
			if p > bp {
				bi, bp, second = i, p, bp
			} else if p > second {
				second = p
			}
		}
		return bi, bp, second
	}
	r, rp, r2 := best(dtmfLowFreq)
	c, cp, c2 := best(dtmfHighFreq)
	var energy float64
	for _, x := range w {
		energy += float64(x) * float64(x)
	}
	// A window of silence or speech: no two clear peaks holding most of
	// the energy.
	if energy < float64(len(w))*100 || rp < 10*r2 || cp < 10*c2 || (rp+cp)*2/float64(len(w)) < 0.5*energy {
		return 0
	}
	return rune(dtmfKeys[r][c])
}
