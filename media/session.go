package media

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	mrand "math/rand/v2"
	"net/netip"
	"sync"
	"sync/atomic"

	"github.com/pion/rtp"
)

// Conn is a bound RTP port, allocated before the SDP answer is written so
// that the answer can name it. Its session's pacer reads and writes it
// (rtpsock_linux.go).
type Conn struct {
	s *rtpSock
}

// Listen binds a UDP port for RTP on ip within [minPort, maxPort]. It tries
// even ports only (RFC 3550 §11: RTP on an even port, RTCP on the next odd
// one) starting at a random one so that concurrent calls rarely collide.
// A zero range lets the system choose.
func Listen(ip netip.Addr, minPort, maxPort int) (*Conn, error) {
	if minPort <= 0 || maxPort < minPort {
		s, err := bindRTP(ip, 0)
		if err != nil {
			return nil, fmt.Errorf("media: listen: %w", err)
		}
		return &Conn{s: s}, nil
	}
	first := minPort + minPort%2
	n := (maxPort-first)/2 + 1
	if n <= 0 {
		return nil, fmt.Errorf("media: port range %d-%d has no even port", minPort, maxPort)
	}
	start := mrand.IntN(n)
	for i := range n {
		port := first + 2*((start+i)%n)
		if s, err := bindRTP(ip, port); err == nil {
			return &Conn{s: s}, nil
		}
	}
	return nil, fmt.Errorf("media: no free RTP port in %d-%d", minPort, maxPort)
}

// LocalAddr returns the bound address.
func (c *Conn) LocalAddr() netip.AddrPort { return c.s.localAddr() }

// Close releases the port. A Session closes its Conn itself.
func (c *Conn) Close() error { return c.s.close() }

// Session is one RTP audio leg: it sends 20 ms packets of whatever is
// playing (silence when nothing is) and receives the caller's audio and DTMF.
// Because one sender (its pacer's tick, see pacer.go) sends every packet
// from one SSRC with one running sequence number and timestamp, switching between prompts and music never
// breaks RTP continuity (RFC 3550 §5.1) and needs no marker bit.
type Session struct {
	conn   *Conn
	params Params

	mu      sync.Mutex
	remote  netip.AddrPort // where packets go: the SDP address, then the latched source
	latched bool
	cur     *Playback

	digits chan rune
	// ssrc is chosen once per session, not per send loop, so that the
	// receiver can recognise our own packets coming back (see receive).
	ssrc  uint32
	audio func(payload []byte) // OnAudio's receiver, under mu

	sent, received, dtmfPackets, ignored, looped atomic.Int64
	seq                                          seqCount // the remote's sequence numbers, for Lost

	sendMu sync.Mutex
	send   sendState

	dtmfOut dtmfSender // digits to send to the remote (dtmfsend.go)
}

// NewSession prepares a session on conn with the negotiated params. Nothing
// is sent or received until Run.
func NewSession(conn *Conn, p Params) *Session {
	return &Session{conn: conn, params: p, remote: p.Remote, digits: make(chan rune, 32), ssrc: random32()}
}

// Params returns the negotiated parameters.
func (s *Session) Params() Params { return s.params }

// DTMF returns the digits received (RFC 4733), each key press once. Digits
// that arrive while the channel is full (nobody listening) are dropped.
func (s *Session) DTMF() <-chan rune { return s.digits }

// Stats are packet counts of a session.
type Stats struct {
	Sent, Received, DTMF, Ignored int64
	// Looped counts packets that came back carrying our own SSRC: the
	// remote echoes our media (a loop, RFC 3550 §8.2). They are dropped,
	// never played to the other party as if the caller had said them.
	Looped int64
	// Lost counts the remote's packets that never arrived (or arrived too
	// late to be told from a restart), by their sequence numbers (RFC 3550
	// A.3): what the remote sent minus what we received.
	Lost int64
}

// Stats returns the session's packet counts so far.
func (s *Session) Stats() Stats {
	st := Stats{Sent: s.sent.Load(), Received: s.received.Load(), DTMF: s.dtmfPackets.Load(),
		Ignored: s.ignored.Load(), Looped: s.looped.Load()}
	st.Lost = max(0, s.seq.expected.Load()-st.Received-st.DTMF) // duplicates make it negative
	return st
}

// OnAudio sets fn to receive the payload of every audio packet from the
// remote (after latching), in the session's codec, in arrival order. fn runs
// on the session's pacer (Session.poll): it must not block and must copy what it keeps.
// nil stops delivery. A Bridge uses it; DTMF still goes to DTMF().
func (s *Session) OnAudio(fn func(payload []byte)) {
	s.mu.Lock()
	s.audio = fn
	s.mu.Unlock()
}

// Remote returns where packets are being sent.
func (s *Session) Remote() netip.AddrPort {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.remote
}

// Playback is one Source being played.
type Playback struct {
	src  Source
	done chan struct{}
	once sync.Once
}

// Done is closed when the source has ended or was stopped or replaced.
func (p *Playback) Done() <-chan struct{} { return p.done }

func (p *Playback) finish() { p.once.Do(func() { close(p.done) }) }

// Play starts src, replacing (and finishing) whatever was playing.
func (s *Session) Play(src Source) *Playback {
	p := &Playback{src: src, done: make(chan struct{})}
	s.mu.Lock()
	old := s.cur
	s.cur = p
	s.mu.Unlock()
	if old != nil {
		old.finish()
	}
	return p
}

// Stop ends p if it is still playing; silence follows.
func (s *Session) Stop(p *Playback) {
	s.mu.Lock()
	if s.cur == p {
		s.cur = nil
	}
	s.mu.Unlock()
	p.finish()
}

// Run sends and receives until ctx ends, then closes the connection and
// returns once its pacer has stopped sending and receiving for it.
func (s *Session) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s.initSend(cancel) // a dead socket ends the session
	p := pacerFor()
	p.add(s)
	<-ctx.Done()
	p.remove(s)
	lostPackets.Add(s.Stats().Lost)
	s.sendMu.Lock()
	s.send.stopped = true // a tick of the pacer already under way sends and reads nothing more
	s.conn.Close()
	s.sendMu.Unlock()
	s.mu.Lock()
	if s.cur != nil {
		s.cur.finish()
		s.cur = nil
	}
	s.mu.Unlock()
	return nil
}

// initSend readies the sender: random initial sequence number and
// timestamp (RFC 3550 §5.1); fail is called if the socket dies.
func (s *Session) initSend(fail context.CancelFunc) {
	s.sendMu.Lock()
	defer s.sendMu.Unlock()
	s.send = sendState{
		h: rtp.Header{Version: 2, PayloadType: s.params.PayloadType, SequenceNumber: uint16(random32()),
			Timestamp: random32(), SSRC: s.ssrc, Marker: true},
		pcm: make([]int16, frameSamples), payload: make([]byte, frameSamples), buf: make([]byte, 12+frameSamples),
		fail: fail,
	}
}

func random32() uint32 {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return binary.BigEndian.Uint32(b[:])
}

// sendState is the sender's: the running RTP header and scratch buffers,
// used by one pacer tick at a time under sendMu.
type sendState struct {
	h            rtp.Header
	pcm          []int16
	payload, buf []byte
	stopped      bool
	fail         context.CancelFunc
	to           txAddr       // the remote in the kernel's form (rtpsock_linux.go)
	det          dtmfDetector // the remote's telephone-events so far
}

// tick sends the session's next 20 ms packet: what is playing, or silence.
// Its pacer calls it every 20 ms (see pacer).
func (s *Session) tick() {
	s.sendMu.Lock()
	defer s.sendMu.Unlock()
	st := &s.send
	if st.stopped || st.pcm == nil {
		return
	}
	s.mu.Lock()
	cur, to := s.cur, s.remote
	n := 0
	if cur != nil {
		n = cur.src.Read(st.pcm)
		if n < len(st.pcm) {
			s.cur = nil
		}
	}
	s.mu.Unlock()
	clear(st.pcm[n:])
	if cur != nil && n < len(st.pcm) {
		cur.finish()
	}
	if s.dtmfTick(st, to) { // dtmfsend.go: an event packet went in this one's place
		return
	}
	pkt := rtp.Packet{Header: st.h, Payload: s.params.Codec.Encode(st.payload, st.pcm)}
	m, err := pkt.MarshalTo(st.buf)
	if err == nil && to.IsValid() && to.Port() != 0 {
		if s.conn.s.send(&st.to, st.buf[:m], to) == nil {
			s.sent.Add(1)
		}
	}
	st.h.Marker = false
	st.h.SequenceNumber++
	st.h.Timestamp += frameSamples
}

// poll takes what the remote has sent since the last tick (its pacer calls
// it every 20 ms, before the ticks). An unusable socket ends the session.
func (s *Session) poll(b *rxBatch) {
	s.sendMu.Lock()
	defer s.sendMu.Unlock()
	st := &s.send
	if st.stopped || st.pcm == nil {
		return
	}
	if err := s.conn.s.drain(b, s.handle); err != nil {
		st.stopped = true
		st.fail()
	}
}

// handle takes one packet from the remote (under sendMu, on the pacer).
func (s *Session) handle(b []byte, from netip.AddrPort) {
	// RTCP on the RTP port (RFC 5761 §4: payload types 64–95 with the
	// marker bit are RTCP's 192–223) is tolerated and ignored.
	if len(b) < 12 || b[0]>>6 != 2 || (b[1] >= 192 && b[1] <= 223) {
		s.ignored.Add(1)
		return
	}
	var pkt rtp.Packet
	if pkt.Unmarshal(b) != nil {
		s.ignored.Add(1)
		return
	}
	pt := pkt.PayloadType
	if pt != s.params.PayloadType && int(pt) != s.params.DTMFPayloadType {
		s.ignored.Add(1)
		return
	}
	// Symmetric RTP (RFC 4961): latch to where the caller's first RTP
	// comes from, which behind NAT differs from the SDP; afterwards
	// accept only that source, so nobody else can inject or hijack.
	s.mu.Lock()
	if !s.latched {
		s.remote, s.latched = from, true
	}
	ok := s.remote == from
	fn := s.audio
	s.mu.Unlock()
	if !ok {
		s.ignored.Add(1)
		return
	}
	if pkt.SSRC == s.ssrc {
		// Our own stream coming back (an echoing peer or a media
		// loop): forwarding it would play the agent their own voice.
		s.looped.Add(1)
		return
	}
	s.seq.add(pkt.SSRC, pkt.SequenceNumber) // audio and DTMF share the numbering (RFC 4733 §2.1)
	if int(pt) != s.params.DTMFPayloadType {
		s.received.Add(1)
		if fn != nil {
			fn(pkt.Payload)
		}
		return
	}
	s.dtmfPackets.Add(1)
	e, err := DecodeEvent(pkt.Payload)
	if err != nil {
		return
	}
	prev, now := s.send.det.packet(pkt.SSRC, pkt.Timestamp, e)
	for _, d := range []rune{prev, now} {
		if d == 0 {
			continue
		}
		select {
		case s.digits <- d:
		default:
		}
	}
}
