package media

import (
	"math"
	"sync"
)

// Music on hold is synthesised here rather than recorded, so that the
// project owns every sample it ships: a slow arpeggio over I–vi–IV–V in C
// major (C, Am, F, G), soft sine tones with a little second harmonic, each
// note with a short attack and an exponential decay so that notes never
// click and the loop joins seamlessly. Levels stay near -20 dBFS: G.711 at
// this level is clean, and a waiting caller should not be shouted at.

var (
	musicOnce sync.Once
	musicClip Clip
)

// HoldMusic returns the project's music-on-hold loop (16 s, generated once).
func HoldMusic() Clip {
	musicOnce.Do(func() { musicClip = synthMusic() })
	return musicClip
}

func synthMusic() Clip {
	// MIDI note numbers: each chord is arpeggiated root-third-fifth-octave
	// twice, over a held bass an octave below the root.
	chords := [][4]int{
		{60, 64, 67, 72}, // C
		{57, 60, 64, 69}, // Am
		{53, 57, 60, 65}, // F
		{55, 59, 62, 67}, // G
	}
	const (
		noteSec  = 0.5
		perChord = 8
		amp      = 3000.0 // about -20 dBFS per voice
	)
	noteLen := int(noteSec * SampleRate)
	chordLen := noteLen * perChord
	out := make([]float64, chordLen*len(chords))
	freq := func(n int) float64 { return 440 * math.Pow(2, float64(n-69)/12) }
	tone := func(start, length int, f, a, decay float64) {
		for i := range length {
			t := float64(i) / SampleRate
			env := math.Exp(-t * decay)
			if i < 80 { // 10 ms attack
				env *= float64(i) / 80
			}
			if r := length - i; r < 400 { // 50 ms release to silence
				env *= float64(r) / 400
			}
			w := math.Sin(2*math.Pi*f*t) + 0.2*math.Sin(4*math.Pi*f*t)
			out[start+i] += a * env * w
		}
	}
	for ci, ch := range chords {
		base := ci * chordLen
		tone(base, chordLen, freq(ch[0]-12), amp*0.6, 0.6) // bass
		for k := range perChord {
			n := ch[[]int{0, 1, 2, 3, 2, 1, 2, 1}[k]]
			tone(base+k*noteLen, noteLen, freq(n), amp, 3.5)
		}
	}
	c := make(Clip, len(out))
	for i, v := range out {
		c[i] = int16(max(-32767, min(32767, v)))
	}
	return c
}
