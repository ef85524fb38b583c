package media

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
)

// ErrLegClosed is returned by a Leg whose endpoint is gone for good (the
// agent logged out, the server is closing).
var ErrLegClosed = errors.New("media: leg closed")

// Leg is an audio endpoint that is not an RTP Session of this package, such
// as an operator's browser (package softphone). It speaks G.711 µ-law
// (PCMU) only, so that a browser leg never needs transcoding; a frame is
// one RTP payload, nominally 20 ms (160 bytes), but any length is accepted.
//
// A Leg is bridged to at most one Session at a time: two readers would
// split its frames between them.
type Leg interface {
	// ReadFrame returns the next frame the endpoint sent, blocking until
	// one arrives, ctx ends (ctx.Err()) or the leg is closed (ErrLegClosed).
	// The caller may keep the slice.
	ReadFrame(ctx context.Context) ([]byte, error)
	// WriteFrame sends one frame to the endpoint without blocking for long
	// (it is called at the caller's packet rate). The leg does not keep
	// frame after returning. An endpoint that is not connected at the
	// moment drops the frame and returns nil: the call goes on.
	WriteFrame(frame []byte) error
}

// Bridge joins a caller's Session with a Leg in both directions. The
// caller hears the leg through the session's own sender (Play), so SSRC,
// sequence number and timestamp run on unbroken from the music before it
// (RFC 3550 §5.1). A PCMA caller is transcoded through the G.711 tables.
type Bridge struct {
	sess *Session
	leg  Leg
	jb   *jitterBuffer

	toLeg, toLegVoiced, fromLeg, fromLegVoiced, dropped atomic.Int64
}

// NewBridge prepares a bridge; nothing flows until Run.
func NewBridge(sess *Session, leg Leg) *Bridge {
	return &Bridge{sess: sess, leg: leg, jb: newJitterBuffer()}
}

// BridgeStats count frames through a bridge. "Voiced" frames are those
// louder than silence: a bridge whose voiced count stays at zero in one
// direction is one-way audio, the classic complaint.
type BridgeStats struct {
	ToLeg, ToLegVoiced     int64 // caller -> leg
	FromLeg, FromLegVoiced int64 // leg -> caller
	Dropped                int64 // caller frames dropped because the leg fell behind
}

// Stats returns the counts so far.
func (b *Bridge) Stats() BridgeStats {
	return BridgeStats{ToLeg: b.toLeg.Load(), ToLegVoiced: b.toLegVoiced.Load(), FromLeg: b.fromLeg.Load(),
		FromLegVoiced: b.fromLegVoiced.Load(), Dropped: b.dropped.Load()}
}

// Run carries audio until ctx ends and returns once its goroutines have
// stopped. The session must be running (Session.Run); afterwards it plays
// silence until something else is played.
func (b *Bridge) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Caller -> leg. The session's receiver must not block, so frames go
	// through a short queue (about 320 ms) to a writer goroutine; when the
	// leg falls behind, newer audio is dropped rather than queued, because
	// latency hurts a conversation more than a gap.
	frames := make(chan []byte, 16)
	codec := b.sess.Params().Codec
	b.sess.OnAudio(func(p []byte) {
		f := make([]byte, len(p))
		if codec == PCMA {
			for i, v := range p {
				f[i] = alawToULaw[v]
			}
		} else {
			copy(f, p)
		}
		select {
		case frames <- f:
		default:
			b.dropped.Add(1)
		}
	})
	play := b.sess.Play(b.jb)

	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-ctx.Done():
				return
			case f := <-frames:
				if b.leg.WriteFrame(f) == nil {
					b.toLeg.Add(1)
					if voicedULaw(f) {
						b.toLegVoiced.Add(1)
					}
				}
			}
		}
	})
	// Leg -> caller: frames are decoded into the jitter buffer that the
	// session's sender reads every 20 ms.
	wg.Go(func() {
		pcm := make([]int16, 0, frameSamples)
		for {
			f, err := b.leg.ReadFrame(ctx)
			if err != nil {
				return // ctx ended or the leg is gone: the caller hears silence
			}
			if cap(pcm) < len(f) {
				pcm = make([]int16, len(f))
			}
			pcm = PCMU.Decode(pcm[:cap(pcm)], f)
			b.jb.push(pcm) // copies
			b.fromLeg.Add(1)
			if voiced(pcm) {
				b.fromLegVoiced.Add(1)
			}
		}
	})
	<-ctx.Done()
	b.sess.OnAudio(nil)
	b.sess.Stop(play)
	wg.Wait()
	return nil
}

// voicedLevel is about −36 dBFS: above the noise floor of a quiet line,
// below any speech.
const voicedLevel = 512

func voiced(pcm []int16) bool {
	for _, s := range pcm {
		if s > voicedLevel || s < -voicedLevel {
			return true
		}
	}
	return false
}

func voicedULaw(f []byte) bool {
	for _, v := range f {
		if s := ulawTable[v]; s > voicedLevel || s < -voicedLevel {
			return true
		}
	}
	return false
}

// alawToULaw converts A-law to µ-law in one lookup (G.711 Table 3 does the
// same); it is built from the decode table and the encoder so that it agrees
// with them exactly.
var alawToULaw [256]byte

func init() {
	for i := range 256 {
		alawToULaw[i] = LinearToULaw(ALawToLinear(byte(i))) // not alawTable: g711.go's init may run later
	}
}

// jitterBuffer is the Source that plays a leg's frames to the caller. The
// leg's packets arrive with jitter while the session's sender takes exactly
// 20 ms every 20 ms, so it waits for two frames before it starts (and again
// after running dry). Producer and consumer run at the same rate, so audio
// that piles up (a burst, or the leg's queue at the start of the bridge)
// would stay as delay for the rest of the call: beyond maxJitter the oldest
// audio is dropped down to the prefill.
type jitterBuffer struct {
	mu     sync.Mutex
	buf    []int16
	primed bool
}

const (
	prefillSamples = 2 * frameSamples // 40 ms
	maxJitter      = 5 * frameSamples // 100 ms
)

func newJitterBuffer() *jitterBuffer {
	return &jitterBuffer{buf: make([]int16, 0, maxJitter+frameSamples)}
}

func (j *jitterBuffer) push(pcm []int16) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.buf = append(j.buf, pcm...)
	if len(j.buf) > maxJitter {
		j.buf = append(j.buf[:0], j.buf[len(j.buf)-prefillSamples:]...)
	}
}

// Read never ends the playback: with nothing buffered it gives silence.
func (j *jitterBuffer) Read(p []int16) int {
	j.mu.Lock()
	defer j.mu.Unlock()
	if !j.primed && len(j.buf) >= prefillSamples {
		j.primed = true
	}
	n := 0
	if j.primed {
		n = copy(p, j.buf)
		j.buf = append(j.buf[:0], j.buf[n:]...)
		if n < len(p) {
			j.primed = false // ran dry: refill before playing again
		}
	}
	clear(p[n:])
	return len(p)
}
