package media

import (
	"math"
	"testing"
)

func TestCodec_RoundTrip(t *testing.T) {
	for _, c := range []Codec{PCMU, PCMA} {
		t.Run(c.String(), func(t *testing.T) {
			// Every code decodes to a value that encodes back to itself
			// (µ-law's two zeros, 0x7F and 0xFF, both decode to 0).
			for i := range 256 {
				b := byte(i)
				v := c.Decode(make([]int16, 1), []byte{b})[0]
				got := c.Encode(make([]byte, 1), []int16{v})[0]
				if got != b && !(c == PCMU && v == 0) {
					t.Errorf("code %#02x -> %d -> %#02x", b, v, got)
				}
			}
			// Companding error stays within G.711's step size: about 1/16
			// of the magnitude for loud samples, a few units for quiet ones.
			for s := -32768; s <= 32767; s += 7 {
				v := c.Decode(make([]int16, 1), c.Encode(make([]byte, 1), []int16{int16(s)}))[0]
				if d := math.Abs(float64(int(v) - s)); d > math.Max(16, math.Abs(float64(s))/16+16) {
					t.Fatalf("%d -> %d: error %v", s, v, d)
				}
			}
		})
	}
	if LinearToULaw(0) != 0xFF || LinearToALaw(0) != 0xD5 {
		t.Errorf("silence: µ-law %#x, A-law %#x; want 0xff, 0xd5", LinearToULaw(0), LinearToALaw(0))
	}
}

func TestHoldMusic(t *testing.T) {
	m := HoldMusic()
	if len(m) != 16*SampleRate {
		t.Fatalf("loop is %d samples, want 16 s", len(m))
	}
	var sum, peak float64
	for _, v := range m {
		sum += float64(v) * float64(v)
		peak = math.Max(peak, math.Abs(float64(v)))
	}
	rms := math.Sqrt(sum / float64(len(m)))
	// Audible but soft: not silence, never clipping.
	if rms < 300 || peak > 20000 {
		t.Errorf("rms %.0f peak %.0f", rms, peak)
	}
	// The loop joins without a click: both ends are near silence.
	if math.Abs(float64(m[0])) > 200 || math.Abs(float64(m[len(m)-1])) > 200 {
		t.Errorf("ends %d, %d", m[0], m[len(m)-1])
	}
}

func BenchmarkEncodePCMU(b *testing.B) {
	pcm := HoldMusic()[:frameSamples]
	out := make([]byte, frameSamples)
	for b.Loop() {
		PCMU.Encode(out, pcm)
	}
}

// The bit-length segment (g711.go) must agree with the reference's search
// over the segment ends for every 16-bit sample.
func TestG711_SegmentMatchesReference(t *testing.T) {
	search := func(v int, ends [8]int) int {
		for i, e := range ends {
			if v <= e {
				return i
			}
		}
		return 8
	}
	ulawEnds := [8]int{0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF}
	alawEnds := [8]int{0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF}
	for v := 0; v <= 1<<15; v++ {
		if got, want := ulawSegment(v), search(v, ulawEnds); got != want {
			t.Fatalf("ulawSegment(%#x) = %d, want %d", v, got, want)
		}
		if got, want := alawSegment(v), search(v, alawEnds); got != want {
			t.Fatalf("alawSegment(%#x) = %d, want %d", v, got, want)
		}
	}
}

// Encode's tables give what the functions compute, for every 16-bit sample.
func TestG711_EncodeTablesMatchFunctions(t *testing.T) {
	pcm := make([]int16, 1<<16)
	for i := range pcm {
		pcm[i] = int16(uint16(i))
	}
	for _, c := range []Codec{PCMA, PCMU} {
		out := c.Encode(make([]byte, len(pcm)), pcm)
		for i, s := range pcm {
			want := LinearToULaw(s)
			if c == PCMA {
				want = LinearToALaw(s)
			}
			if out[i] != want {
				t.Fatalf("%v: Encode(%d) = %#x, want %#x", c, s, out[i], want)
			}
		}
	}
}

func BenchmarkEncodePCMA(b *testing.B) {
	pcm := HoldMusic()[:frameSamples]
	out := make([]byte, frameSamples)
	for b.Loop() {
		PCMA.Encode(out, pcm)
	}
}
