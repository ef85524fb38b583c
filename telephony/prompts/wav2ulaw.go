//go:build ignore

// wav2ulaw converts espeak-ng's 16-bit mono WAV (22050 Hz) into headerless
// 8 kHz G.711 µ-law, the form the prompts are embedded in. It resamples with
// a Hann-windowed sinc low-pass at 3.6 kHz, under the 4 kHz Nyquist limit of
// telephone audio, so that espeak's sibilants do not alias into hiss.
//
// Usage: go run wav2ulaw.go in.wav out.ul
package main

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"

	"tsunagu/media"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: go run wav2ulaw.go in.wav out.ul")
		os.Exit(2)
	}
	in, rate, err := readWAV(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	out := resample(in, rate, media.SampleRate)
	// Normalise to a -3 dBFS peak: espeak-ng's level varies by voice.
	peak := 1.0
	for _, v := range out {
		peak = math.Max(peak, math.Abs(v))
	}
	pcm := make([]int16, len(out))
	for i, v := range out {
		pcm[i] = int16(v / peak * 23000)
	}
	if err := os.WriteFile(os.Args[2], media.PCMU.Encode(make([]byte, len(pcm)), pcm), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func readWAV(path string) ([]float64, int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, 0, err
	}
	if len(b) < 12 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return nil, 0, fmt.Errorf("%s: not a WAV file", path)
	}
	rate := 0
	for p := 12; p+8 <= len(b); {
		id, n := string(b[p:p+4]), int(binary.LittleEndian.Uint32(b[p+4:p+8]))
		body := b[p+8 : min(len(b), p+8+n)]
		switch id {
		case "fmt ":
			if binary.LittleEndian.Uint16(body[0:2]) != 1 || binary.LittleEndian.Uint16(body[2:4]) != 1 || binary.LittleEndian.Uint16(body[14:16]) != 16 {
				return nil, 0, fmt.Errorf("%s: want 16-bit mono PCM", path)
			}
			rate = int(binary.LittleEndian.Uint32(body[4:8]))
		case "data":
			if rate == 0 {
				return nil, 0, fmt.Errorf("%s: data before fmt", path)
			}
			s := make([]float64, len(body)/2)
			for i := range s {
				s[i] = float64(int16(binary.LittleEndian.Uint16(body[2*i:])))
			}
			return s, rate, nil
		}
		p += 8 + n + n%2
	}
	return nil, 0, fmt.Errorf("%s: no data chunk", path)
}

func resample(in []float64, from, to int) []float64 {
	const taps = 32
	fc := 3600.0 / float64(from) // cutoff in cycles per input sample
	n := len(in) * to / from
	out := make([]float64, n)
	for i := range out {
		x := float64(i) * float64(from) / float64(to)
		c := int(x)
		var acc float64
		for k := c - taps; k <= c+taps; k++ {
			if k < 0 || k >= len(in) {
				continue
			}
			d := x - float64(k)
			h := 2 * fc
			if d != 0 {
				h = math.Sin(2*math.Pi*fc*d) / (math.Pi * d)
			}
			w := 0.5 + 0.5*math.Cos(math.Pi*d/float64(taps+1))
			acc += in[k] * h * w
		}
		out[i] = acc
	}
	return out
}
