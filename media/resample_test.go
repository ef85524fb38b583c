package media

import (
	"bytes"
	"math"
	"slices"
	"testing"
)

// TestTelephone: a 1 kHz tone recorded in stereo at 48 kHz comes out as
// the same tone at 8 kHz, at the same level and length; a 6 kHz tone (above
// the telephone band, which would alias to 2 kHz) is filtered away.
func TestTelephone(t *testing.T) {
	tone := func(freq float64, rate int) *WAV {
		n := rate // one second
		l, r := make([]int16, n), make([]int16, n)
		for i := range n {
			v := int16(10000 * math.Sin(2*math.Pi*freq*float64(i)/float64(rate)))
			l[i], r[i] = v, v
		}
		return &WAV{SampleRate: rate, Channels: [][]int16{l, r}}
	}
	rms := func(c Clip) float64 {
		var s float64
		for _, v := range c[800 : len(c)-800] { // away from the edges
			s += float64(v) * float64(v)
		}
		return math.Sqrt(s / float64(len(c)-1600))
	}
	c := Telephone(tone(1000, 48000))
	if len(c) != 8000 {
		t.Fatalf("one second became %d samples", len(c))
	}
	if got, want := rms(c), 10000/math.Sqrt2; math.Abs(got-want)/want > 0.05 {
		t.Errorf("1 kHz level %.0f, want about %.0f", got, want)
	}
	// The tone's period at 8 kHz is 8 samples: the signal correlates with
	// itself 8 samples later.
	var corr, energy float64
	for i := 800; i < 7000; i++ {
		corr += float64(c[i]) * float64(c[i+8])
		energy += float64(c[i]) * float64(c[i])
	}
	if corr/energy < 0.95 {
		t.Errorf("not a 1 kHz tone any more (self-correlation %.2f)", corr/energy)
	}
	if got := rms(Telephone(tone(6000, 48000))); got > 300 {
		t.Errorf("a 6 kHz tone leaked into the call at rms %.0f", got)
	}
	same := Telephone(&WAV{SampleRate: 8000, Channels: [][]int16{{1, 2, 3}}})
	if len(same) != 3 || same[2] != 3 {
		t.Errorf("8 kHz mono changed: %v", same)
	}
	if Telephone(&WAV{}) != nil {
		t.Error("an empty file made audio")
	}
}

// TestClip_WAV: a clip written as WAV reads back the same.
func TestClip_WAV(t *testing.T) {
	c := Clip{0, 1000, -1000, 32767, -32768}
	w, err := ReadWAV(bytes.NewReader(c.WAV()), 1<<20)
	if err != nil || w.SampleRate != 8000 || len(w.Channels) != 1 || !slices.Equal(w.Channels[0], []int16(c)) {
		t.Fatalf("read back %+v, %v", w, err)
	}
}
