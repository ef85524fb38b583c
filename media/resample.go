package media

import "math"

// Telephone turns a decoded WAV into what a phone call plays: one channel
// at 8 kHz. Channels are averaged; other rates are resampled with a
// windowed-sinc low-pass (cut at 3.4 kHz, the telephone band) so that a
// 44.1 or 48 kHz studio recording does not alias into the call.
func Telephone(w *WAV) Clip {
	if w == nil || len(w.Channels) == 0 || w.SampleRate <= 0 {
		return nil
	}
	n := len(w.Channels[0])
	mono := make([]float64, n)
	for _, ch := range w.Channels {
		for i := 0; i < n && i < len(ch); i++ {
			mono[i] += float64(ch[i])
		}
	}
	for i := range mono {
		mono[i] /= float64(len(w.Channels))
	}
	if w.SampleRate == SampleRate {
		return toClip(mono)
	}
	ratio := float64(w.SampleRate) / SampleRate
	out := make([]float64, int(float64(n)/ratio))
	const taps = 16 // half-width of the kernel, in output samples
	cut := 3400.0 / float64(w.SampleRate)
	for j := range out {
		center := float64(j) * ratio
		lo, hi := int(center-taps*ratio), int(center+taps*ratio)
		var sum, norm float64
		for i := max(lo, 0); i <= hi && i < n; i++ {
			x := float64(i) - center
			k := 2 * cut * sinc(2*cut*x) * blackman(x, taps*ratio)
			sum += mono[i] * k
			norm += k
		}
		if norm != 0 {
			out[j] = sum / norm
		}
	}
	return toClip(out)
}

func sinc(x float64) float64 {
	if x == 0 {
		return 1
	}
	return math.Sin(math.Pi*x) / (math.Pi * x)
}

// blackman is the Blackman window over [-half, half].
func blackman(x, half float64) float64 {
	if x < -half || x > half {
		return 0
	}
	p := (x + half) / (2 * half)
	return 0.42 - 0.5*math.Cos(2*math.Pi*p) + 0.08*math.Cos(4*math.Pi*p)
}

func toClip(v []float64) Clip {
	c := make(Clip, len(v))
	for i, x := range v {
		c[i] = int16(max(-32768, min(32767, math.Round(x))))
	}
	return c
}

// WAV encodes the clip as an 8 kHz, 16-bit mono PCM WAV file (for a
// browser to preview a prompt).
func (c Clip) WAV() []byte {
	data := len(c) * 2
	b := make([]byte, 44+data)
	copy(b, "RIFF")
	le32(b[4:], uint32(36+data))
	copy(b[8:], "WAVEfmt ")
	le32(b[16:], 16)
	b[20], b[22] = 1, 1 // PCM, mono
	le32(b[24:], SampleRate)
	le32(b[28:], SampleRate*2)
	b[32], b[34] = 2, 16
	copy(b[36:], "data")
	le32(b[40:], uint32(data))
	for i, v := range c {
		b[44+2*i], b[45+2*i] = byte(v), byte(uint16(v)>>8)
	}
	return b
}

func le32(b []byte, v uint32) { b[0], b[1], b[2], b[3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24) }
