package media

// SampleRate is the G.711 sample rate; every Source produces 8 kHz mono.
const SampleRate = 8000

// frameSamples is one 20 ms packet at 8 kHz (RFC 3551 §4.5: G.711's default
// packetisation interval is 20 ms).
const frameSamples = SampleRate / 50

// Source produces linear 16-bit 8 kHz mono audio for playback.
type Source interface {
	// Read fills p and returns the number of samples written; fewer than
	// len(p) means the source has ended.
	Read(p []int16) int
}

// Clip is a finite piece of audio (a prompt). Sources made from it share the
// samples, which are never written after creation.
type Clip []int16

// DecodeClip expands a companded recording (a .ul or .al file's bytes).
func DecodeClip(c Codec, b []byte) Clip {
	return Clip(c.Decode(make([]int16, len(b)), b))
}

// Len returns the clip's length in samples.
func (c Clip) Len() int { return len(c) }

// Sequence returns a Source that plays the clips one after another, once.
func Sequence(clips ...Clip) Source { return &sequence{clips: clips} }

type sequence struct {
	clips []Clip
	pos   int
}

func (s *sequence) Read(p []int16) int {
	n := 0
	for n < len(p) && len(s.clips) > 0 {
		c := s.clips[0][s.pos:]
		k := copy(p[n:], c)
		n += k
		s.pos += k
		if s.pos == len(s.clips[0]) {
			s.clips, s.pos = s.clips[1:], 0
		}
	}
	return n
}

// Loop returns a Source that repeats c forever (music on hold).
func Loop(c Clip) Source { return &loop{clip: c} }

type loop struct {
	clip Clip
	pos  int
}

func (l *loop) Read(p []int16) int {
	if len(l.clip) == 0 {
		clear(p)
		return len(p)
	}
	n := 0
	for n < len(p) {
		k := copy(p[n:], l.clip[l.pos:])
		n += k
		l.pos = (l.pos + k) % len(l.clip)
	}
	return n
}

// Concat returns a Source that plays each source to its end, in order (a
// "please hold" prompt, then the music loop).
func Concat(srcs ...Source) Source { return &concat{srcs: srcs} }

type concat struct{ srcs []Source }

func (c *concat) Read(p []int16) int {
	n := 0
	for n < len(p) && len(c.srcs) > 0 {
		k := c.srcs[0].Read(p[n:])
		n += k
		if n < len(p) {
			c.srcs = c.srcs[1:]
		}
	}
	return n
}
