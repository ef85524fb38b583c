package media

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// The RTP senders of every session share a few clocks instead of running a
// ticker goroutine each. A bridged call has two sessions (the caller and the
// agent's phone), each sending 50 packets a second: with a goroutine and a
// ticker per session, the Go scheduler and timer heap woke 100 times a second
// per call, and in the SIP load benchmark (docs/benchmarks.md) that wake-up
// work — not the audio — was about a fifth of the server's CPU. A pacer
// wakes once per 20 ms and sends the next packet of each of its sessions in
// turn. There is one pacer per CPU (sessions are dealt round-robin), so the
// sending still spreads over the cores.
//
// Each tick first reads what every session's remote sent since the last one
// (Session.poll: one recvmmsg per session, no goroutine waiting on any
// socket; see rtpsock_linux.go), then sends. Reading first lets the
// caller's audio that arrived in the last 20 ms go out to the agent in the
// same tick.
//
// A session's packet is built and sent under nothing but its own lock, and a
// Source's Read never blocks (see Source), so one busy session delays the
// others of its pacer by microseconds, not by a frame. Packets keep the
// wall clock's schedule (a ticker, not a sleep loop) because the receiver's
// jitter buffer would slowly drain if they drifted.
type pacer struct {
	mu       sync.Mutex
	sessions map[*Session]struct{}
	running  bool
}

var (
	pacersOnce sync.Once
	pacers     []*pacer
	pacerNext  atomic.Uint32
)

// pacerFor deals a new session to one of the pacers.
func pacerFor() *pacer {
	pacersOnce.Do(func() {
		n := max(1, runtime.GOMAXPROCS(0))
		pacers = make([]*pacer, n)
		for i := range pacers {
			pacers[i] = &pacer{sessions: map[*Session]struct{}{}}
		}
	})
	return pacers[int(pacerNext.Add(1))%len(pacers)]
}

// add starts pacing s; the pacer's goroutine starts with its first session.
func (p *pacer) add(s *Session) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sessions[s] = struct{}{}
	if !p.running {
		p.running = true
		go p.run()
	}
}

// remove stops pacing s. A tick already under way may still send s's packet
// once; Session.tick checks its own stopped flag for that.
func (p *pacer) remove(s *Session) {
	p.mu.Lock()
	delete(p.sessions, s)
	p.mu.Unlock()
}

// run ticks until the pacer has no session left, so an idle server (and
// every test that ends its calls) keeps no goroutine or timer for media.
//
// The frames due are counted from the pacer's start, not from the ticks:
// a time.Ticker drops ticks that its reader was too late for, and on a
// loaded machine (a GC pause, the cores busy) that stretched every prompt
// and slowed every stream below real time — in the SIP benchmark at 100
// calls a second, a 2.4 s greeting took 9.8 s. A late wake-up now sends the
// frames that fell due meanwhile back to back (the receivers' jitter buffers
// take a burst), at most maxCatchUp of them; frames further behind than
// that are skipped, counted in Skipped, so an overloaded machine does not
// fall further behind trying to catch up.
func (p *pacer) run() {
	start := time.Now() // before the ticker: its ticks never come before their frame is due
	t := time.NewTicker(frameDuration)
	defer t.Stop()
	var done int64
	var batch []*Session
	rx := newRxBatch()
	for range t.C {
		p.mu.Lock()
		if len(p.sessions) == 0 {
			p.running = false
			p.mu.Unlock()
			return
		}
		batch = batch[:0]
		for s := range p.sessions {
			batch = append(batch, s)
		}
		p.mu.Unlock()
		due := int64(time.Since(start) / frameDuration)
		done = p.step(batch, rx, due, done)
		clear(batch) // let ended sessions go
	}
}

// step reads every session, then sends the frames due since done (at
// least one, at most maxCatchUp), and returns the new count of frames done.
func (p *pacer) step(batch []*Session, rx *rxBatch, due, done int64) int64 {
	n := max(1, due-done)
	if n > maxCatchUp {
		skippedFrames.Add(n - maxCatchUp)
		n = maxCatchUp
	}
	for _, s := range batch {
		s.poll(rx)
	}
	for range n {
		for _, s := range batch {
			s.tick()
		}
	}
	return max(due, done+1)
}

// maxCatchUp is the most frames a session sends in one wake-up (60 ms).
const maxCatchUp = 3

// skippedFrames counts the frames pacers gave up on (see run).
var skippedFrames atomic.Int64

// Skipped returns how many 20 ms frames the process's RTP senders skipped
// because they woke up more than maxCatchUp frames late: zero unless the
// machine was overloaded.
func Skipped() int64 { return skippedFrames.Load() }

// frameDuration is one packet's worth of audio (frameSamples at 8 kHz).
const frameDuration = 20 * time.Millisecond
