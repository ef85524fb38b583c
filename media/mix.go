package media

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"tsunagu"
)

// Errors of the Mixer's supervisor controls.
var (
	ErrMixerStopped = errors.New("media: mixer not running")
	ErrMonitorBusy  = errors.New("media: another supervisor is on this call")
)

// Mixer runs a connected call's audio: the caller's Session, the operator's
// Leg, the music on hold, an optional supervisor's Leg and an optional
// Recorder. It replaces a two-party Bridge when a call may be recorded or
// monitored, which is every connected call.
//
// One clock drives everything: the caller's session asks the mixer (its
// Source) for the next 20 ms every 20 ms, and in that one step the mixer
// takes 20 ms from each input's jitter buffer (silence when one has
// nothing), and produces what each party hears and the recording's frame.
// So the recording's channels, and each listener's parties, stay aligned
// without timestamps, and a silent or lost input never stalls the others.
//
// Who hears whom:
//
//	                 caller hears        operator hears        supervisor hears
//	connected        operator            caller                caller + operator
//	  + whisper      operator            caller + supervisor   caller + operator
//	  + barge        operator + sup.     caller + supervisor   caller + operator
//	on hold          music               (whisper/barge) sup.  operator
//
// The recording's left channel is the caller; the right is what the caller
// hears (the operator, a barging supervisor, the music on hold), so a
// whisper is never in the recording.
type Mixer struct {
	sess  *Session
	codec Codec
	agent Leg
	music Source
	now   func() time.Time

	caller, fromAgent *jitterBuffer
	toAgent           *legWriter
	direct            PCMLeg  // the agent's leg when it takes linear audio directly (pcmleg.go)
	dec               []int16 // the receiver's scratch for the caller's frames

	// The tick's scratch: only the session's sender touches it.
	c, a, s, ta, ts []int16

	mu      sync.Mutex
	ctx     context.Context // Start's; nil before Start and after Stop
	cancel  context.CancelFunc
	held    bool
	rec     *Recorder
	sup     *supervisorLeg
	play    *Playback
	wg      sync.WaitGroup
	stopped bool

	fromLeg, fromLegVoiced atomic.Int64
	fromSup, fromSupVoiced atomic.Int64
	ticks                  atomic.Int64
}

// supervisorLeg is the supervisor's side of a monitored call.
type supervisorLeg struct {
	leg    Leg
	mode   tsunagu.MonitorMode
	jb     *jitterBuffer
	out    *legWriter
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// NewMixer prepares a mixer for the caller's session and the operator's leg;
// music is what the caller hears on hold. Nothing flows until Start.
func NewMixer(sess *Session, agent Leg, music Source) *Mixer {
	return &Mixer{sess: sess, codec: sess.Params().Codec, agent: agent, music: music, now: time.Now,
		caller: newJitterBuffer(), fromAgent: newJitterBuffer(), toAgent: newLegWriter(agent),
		dec: make([]int16, frameSamples),
		c:   make([]int16, frameSamples), a: make([]int16, frameSamples), s: make([]int16, frameSamples),
		ta: make([]int16, frameSamples), ts: make([]int16, frameSamples)}
}

// Start plays the mix to the caller and starts carrying audio until Stop or
// ctx's end. The session must be running (Session.Run).
func (m *Mixer) Start(ctx context.Context) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ctx != nil || m.stopped {
		return
	}
	m.ctx, m.cancel = context.WithCancel(ctx)
	ctx = m.ctx
	m.sess.OnAudio(m.onCallerAudio)
	if pl, ok := m.agent.(PCMLeg); ok {
		m.direct = pl
		pl.OnPCM(m.onAgentAudio)
	} else {
		m.wg.Go(func() { m.toAgent.run(ctx) })
		m.wg.Go(func() { readLeg(ctx, m.agent, m.fromAgent, &m.fromLeg, &m.fromLegVoiced) })
	}
	m.play = m.sess.Play(m)
}

// Stop ends the mix (the caller hears silence until something else plays),
// detaches the supervisor, and returns once every goroutine of the mixer
// has stopped. The recorder is left open: the call closes it.
func (m *Mixer) Stop() {
	m.mu.Lock()
	if m.stopped {
		m.mu.Unlock()
		return
	}
	m.stopped = true
	play, cancel := m.play, m.cancel
	m.sup = nil
	m.mu.Unlock()
	if cancel == nil {
		return // never started
	}
	m.sess.OnAudio(nil)
	m.sess.Stop(play)
	if m.direct != nil {
		m.direct.OnPCM(nil)
	}
	cancel()
	m.wg.Wait()
}

// SetHeld puts the caller on hold (music; the operator no longer hears the
// caller) or takes them off it.
func (m *Mixer) SetHeld(on bool) {
	m.mu.Lock()
	m.held = on
	m.mu.Unlock()
}

// SetRecorder makes the mixer write every frame to r (nil: none).
func (m *Mixer) SetRecorder(r *Recorder) {
	m.mu.Lock()
	m.rec = r
	m.mu.Unlock()
}

// Monitor joins the supervisor's leg to the call in mode, or changes the
// mode of the supervisor already on it (same leg). It returns the previous
// mode ("" when the supervisor just joined). ErrMonitorBusy when another
// leg is monitoring; ErrMixerStopped when the mix is not running.
func (m *Mixer) Monitor(leg Leg, mode tsunagu.MonitorMode) (tsunagu.MonitorMode, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ctx == nil || m.stopped {
		return "", ErrMixerStopped
	}
	if m.sup != nil {
		if m.sup.leg != leg {
			return "", ErrMonitorBusy
		}
		prev := m.sup.mode
		m.sup.mode = mode
		return prev, nil
	}
	ctx, cancel := context.WithCancel(m.ctx)
	s := &supervisorLeg{leg: leg, mode: mode, jb: newJitterBuffer(), out: newLegWriter(leg), cancel: cancel}
	// Each goroutine is in both wait groups: the supervisor's, so that
	// Unmonitor can hand the leg back free, and the mixer's, so that Stop
	// waits for everything.
	m.wg.Add(2)
	s.wg.Add(2)
	go func() { defer m.wg.Done(); defer s.wg.Done(); s.out.run(ctx) }()
	go func() {
		defer m.wg.Done()
		defer s.wg.Done()
		readLeg(ctx, leg, s.jb, &m.fromSup, &m.fromSupVoiced)
	}()
	m.sup = s
	return "", nil
}

// Unmonitor detaches the supervisor's leg, if it is the one on the call,
// and returns once the mixer no longer reads or writes it. It reports
// whether the leg was attached.
func (m *Mixer) Unmonitor(leg Leg) bool {
	m.mu.Lock()
	s := m.sup
	if s == nil || (leg != nil && s.leg != leg) {
		m.mu.Unlock()
		return false
	}
	m.sup = nil
	m.mu.Unlock()
	s.cancel()
	s.wg.Wait()
	return true
}

// Supervisor returns the monitoring leg and its mode (nil when none).
func (m *Mixer) Supervisor() (Leg, tsunagu.MonitorMode) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.sup == nil {
		return nil, ""
	}
	return m.sup.leg, m.sup.mode
}

// onCallerAudio receives the caller's packets on the session's pacer
// goroutine: decoded into the caller's jitter buffer, which copies.
func (m *Mixer) onCallerAudio(p []byte) {
	if len(p) > len(m.dec) {
		m.dec = make([]int16, len(p))
	}
	m.caller.push(m.codec.Decode(m.dec[:len(p)], p))
}

// onAgentAudio receives a PCMLeg's audio as its session receives it (pacer tick).
func (m *Mixer) onAgentAudio(pcm []int16) {
	m.fromAgent.push(pcm)
	m.fromLeg.Add(1)
	if voiced(pcm) {
		m.fromLegVoiced.Add(1)
	}
}

// Read is the mixer's tick: the session's sender takes the caller's next
// 20 ms from it, and the same step feeds the operator, the supervisor and
// the recording. It never blocks and never ends the playback.
func (m *Mixer) Read(p []int16) int {
	n := min(len(p), frameSamples)
	c, a, s := m.c[:n], m.a[:n], m.s[:n]
	m.caller.Read(c)
	m.fromAgent.Read(a)
	m.mu.Lock()
	held, rec, sup := m.held, m.rec, m.sup
	var mode tsunagu.MonitorMode
	if sup != nil {
		mode = sup.mode
	}
	m.mu.Unlock()
	if sup != nil {
		sup.jb.Read(s)
	}
	speaks := sup != nil && mode != tsunagu.MonitorListen // whisper or barge: the operator hears the supervisor

	// The caller.
	out := p[:n]
	if held {
		if m.music == nil || m.music.Read(out) < n {
			clear(out)
		}
	} else {
		copy(out, a)
		if sup != nil && mode == tsunagu.MonitorBarge {
			addSat(out, s)
		}
	}
	clear(p[n:])

	// The operator: the caller (not while held) and a speaking supervisor.
	ta := m.ta[:n]
	if held {
		clear(ta)
	} else {
		copy(ta, c)
	}
	if speaks {
		addSat(ta, s)
	}
	if m.direct != nil {
		if m.direct.WritePCM(ta) == nil {
			m.toAgent.sent.Add(1)
			if voiced(ta) {
				m.toAgent.voiced.Add(1)
			}
		}
	} else {
		m.toAgent.put(ta)
	}

	// The supervisor: both parties (the caller is private while held).
	if sup != nil {
		ts := m.ts[:n]
		copy(ts, a)
		if !held {
			addSat(ts, c)
		}
		sup.out.put(ts)
	}

	if rec != nil {
		rec.Write(m.now(), c, out)
	}
	m.ticks.Add(1)
	return len(p)
}

// addSat adds src into dst, clipping at the 16-bit limits rather than
// wrapping (a wrap is a loud click).
func addSat(dst, src []int16) {
	for i := range dst {
		if i >= len(src) {
			return
		}
		v := int32(dst[i]) + int32(src[i])
		dst[i] = int16(max(-32768, min(32767, v)))
	}
}

// readLeg decodes a leg's frames into jb until ctx ends or the leg closes.
func readLeg(ctx context.Context, leg Leg, jb *jitterBuffer, frames, voicedFrames *atomic.Int64) {
	pcm := make([]int16, frameSamples)
	for {
		f, err := leg.ReadFrame(ctx)
		if err != nil {
			return // ctx ended or the leg is gone: silence from it
		}
		if cap(pcm) < len(f) {
			pcm = make([]int16, len(f))
		}
		pcm = PCMU.Decode(pcm[:len(f)], f)
		jb.push(pcm)
		frames.Add(1)
		if voiced(pcm) {
			voicedFrames.Add(1)
		}
	}
}

// legWriter sends a listener's frames to its Leg from a goroutine of its
// own, so the tick never waits for a network write: up to 8 frames (160 ms)
// wait in preallocated buffers; beyond that the newest is dropped, because
// latency hurts a conversation more than a gap.
type legWriter struct {
	leg        Leg
	free, full chan *[frameSamples]byte
	sent       atomic.Int64
	voiced     atomic.Int64
	dropped    atomic.Int64
}

const legQueueFrames = 8

func newLegWriter(leg Leg) *legWriter {
	w := &legWriter{leg: leg, free: make(chan *[frameSamples]byte, legQueueFrames), full: make(chan *[frameSamples]byte, legQueueFrames)}
	for range legQueueFrames {
		w.free <- new([frameSamples]byte)
	}
	return w
}

// put encodes pcm (at most one frame) as µ-law and queues it.
func (w *legWriter) put(pcm []int16) {
	var b *[frameSamples]byte
	select {
	case b = <-w.free:
	default:
		w.dropped.Add(1)
		return
	}
	n := min(len(pcm), frameSamples)
	PCMU.Encode(b[:n], pcm[:n])
	if n < frameSamples {
		// A short tick: send what there is.
		for i := n; i < frameSamples; i++ {
			b[i] = 0xFF // µ-law silence
		}
	}
	w.full <- b
}

func (w *legWriter) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case b := <-w.full:
			if w.leg.WriteFrame(b[:]) == nil {
				w.sent.Add(1)
				if voicedULaw(b[:]) {
					w.voiced.Add(1)
				}
			}
			w.free <- b
		}
	}
}

// MixerStats count a mixer's frames. The embedded BridgeStats keep the
// meaning they have for a Bridge (the operator's leg; Dropped: frames for
// the operator dropped because the leg fell behind).
type MixerStats struct {
	BridgeStats
	ToSupervisor, ToSupervisorVoiced     int64
	FromSupervisor, FromSupervisorVoiced int64
	Ticks                                int64 // 20 ms steps mixed
}

// Stats returns the counts so far. FromSupervisor counts add up over every
// supervisor that joined; ToSupervisor counts are the current one's.
func (m *Mixer) Stats() MixerStats {
	st := MixerStats{BridgeStats: BridgeStats{ToLeg: m.toAgent.sent.Load(), ToLegVoiced: m.toAgent.voiced.Load(),
		FromLeg: m.fromLeg.Load(), FromLegVoiced: m.fromLegVoiced.Load(), Dropped: m.toAgent.dropped.Load()},
		FromSupervisor: m.fromSup.Load(), FromSupervisorVoiced: m.fromSupVoiced.Load(), Ticks: m.ticks.Load()}
	m.mu.Lock()
	if m.sup != nil {
		st.ToSupervisor, st.ToSupervisorVoiced = m.sup.out.sent.Load(), m.sup.out.voiced.Load()
	}
	m.mu.Unlock()
	return st
}
