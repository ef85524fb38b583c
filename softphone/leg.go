package softphone

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/pion/webrtc/v4"
	pmedia "github.com/pion/webrtc/v4/pkg/media"

	"tsunagu"
	"tsunagu/media"
)

// connection is one browser PeerConnection and the track we send on.
type connection struct {
	pc    *webrtc.PeerConnection
	track *webrtc.TrackLocalStaticSample
	// session is the browser's SDP sess-id: a later offer with the same
	// one comes from this PeerConnection (an ICE restart).
	session uint64
}

// Leg is one agent's audio endpoint, a media.Leg. It outlives the
// PeerConnections under it: Answer swaps in a new one when the browser
// reconnects, so a bridge holding the Leg keeps working.
type Leg struct {
	s     *Server
	agent tsunagu.AgentID
	// in carries the browser's frames to ReadFrame: 25 frames (500 ms),
	// the oldest dropped when nobody reads (no call bridged), so a call
	// never starts with stale audio.
	in     chan []byte
	closed chan struct{}
	once   sync.Once

	// negotiating is held by Answer for the whole offer/answer.
	negotiating sync.Mutex

	mu        sync.Mutex
	cur       *connection
	connected bool
	// live is set when a connection of the leg connects and cleared when
	// its loss is reported: one OnLost per loss, whichever connection (the
	// one that went silent, or a new one that never connected) fails.
	live bool
	// retired holds the SDP sessions of the last connections replaced.
	retired  [8]uint64
	nretired int
	// changed is closed and replaced whenever connected changes, so a
	// waiter can wait for the event instead of polling.
	changed chan struct{}
}

var _ media.Leg = (*Leg)(nil)

func newLeg(s *Server, agent tsunagu.AgentID) *Leg {
	return &Leg{s: s, agent: agent, in: make(chan []byte, 25), closed: make(chan struct{}), changed: make(chan struct{})}
}

// swap makes c the current connection and returns the previous one.
func (l *Leg) swap(c *connection) *connection {
	l.mu.Lock()
	defer l.mu.Unlock()
	old := l.cur
	if old != nil && old.session != 0 {
		l.retired[l.nretired%len(l.retired)] = old.session
		l.nretired++
	}
	if l.connected {
		close(l.changed)
		l.changed = make(chan struct{})
	}
	l.cur, l.connected = c, false
	return old
}

// replaced reports whether session is that of a connection the leg
// replaced (one of the last 8).
func (l *Leg) replaced(session uint64) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return session != 0 && slices.Contains(l.retired[:], session)
}

// current returns the connection in use, nil before the first answer.
func (l *Leg) current() *connection {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.cur
}

// stateChanged follows the current connection's ICE state. "disconnected"
// (3 s of silence) and "checking" (an ICE restart) make the leg not
// connected, so no call waits on it, but are not a loss: the browser is
// restarting ICE or reconnecting and gets the grace until "failed" (8 s)
// — or at once "closed", when the browser closed the connection (DTLS
// close_notify: the tab closed or was reloaded).
func (l *Leg) stateChanged(c *connection, st webrtc.ICEConnectionState) {
	l.mu.Lock()
	if l.cur != c {
		l.mu.Unlock()
		return // a replaced connection closing
	}
	was := l.connected
	l.connected = st == webrtc.ICEConnectionStateConnected || st == webrtc.ICEConnectionStateCompleted
	if l.connected != was {
		close(l.changed)
		l.changed = make(chan struct{})
	}
	lost := false
	if l.connected {
		l.live = true
	} else if l.live && (st == webrtc.ICEConnectionStateFailed || st == webrtc.ICEConnectionStateClosed) {
		l.live, lost = false, true
	}
	l.mu.Unlock()
	l.s.log.Info("softphone ice", "agent_id", string(l.agent), "state", st.String())
	// OnLost is called outside l.mu: the server's lock is taken to start it.
	if lost && l.s.cfg.OnLost != nil && l.s.enter() {
		go func() {
			defer l.s.wg.Done()
			l.s.cfg.OnLost(l.agent)
		}()
	}
}

// waitConnected blocks until the leg's connection is up or ctx ends.
func (l *Leg) waitConnected(ctx context.Context) error {
	for {
		l.mu.Lock()
		up, ch := l.connected, l.changed
		l.mu.Unlock()
		if up {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Connected reports whether the current connection's ICE is connected.
func (l *Leg) Connected() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.connected
}

// receive reads the browser's RTP until its connection closes.
func (l *Leg) receive(tr *webrtc.TrackRemote) {
	if tr.Kind() != webrtc.RTPCodecTypeAudio {
		return
	}
	for {
		pkt, _, err := tr.ReadRTP()
		if err != nil {
			return
		}
		if pkt.PayloadType != 0 || len(pkt.Payload) == 0 {
			continue // only PCMU was negotiated; anything else is not audio for us
		}
		f := append([]byte(nil), pkt.Payload...)
		for {
			select {
			case l.in <- f:
			default:
				select {
				case <-l.in: // drop the oldest
				default:
				}
				continue
			}
			break
		}
	}
}

// ReadFrame returns the next PCMU frame from the browser.
func (l *Leg) ReadFrame(ctx context.Context) ([]byte, error) {
	select {
	case <-l.closed: // before any queued frame: closed means closed
		return nil, media.ErrLegClosed
	default:
	}
	select {
	case f := <-l.in:
		return f, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-l.closed:
		return nil, media.ErrLegClosed
	}
}

// WriteFrame sends one PCMU frame to the browser. With no connection (the
// browser is reconnecting) the frame is dropped: the caller's audio is
// live, there is no point in keeping it.
func (l *Leg) WriteFrame(frame []byte) error {
	select {
	case <-l.closed:
		return media.ErrLegClosed
	default:
	}
	l.mu.Lock()
	c := l.cur
	l.mu.Unlock()
	if c == nil {
		return nil
	}
	// The sample's duration advances the RTP timestamp: 8 samples per ms.
	return c.track.WriteSample(pmedia.Sample{Data: frame, Duration: time.Duration(len(frame)) * time.Second / media.SampleRate})
}

func (l *Leg) close() {
	l.once.Do(func() { close(l.closed) })
	l.mu.Lock()
	c := l.cur
	l.cur, l.connected = nil, false
	l.mu.Unlock()
	if c != nil {
		_ = c.pc.Close()
	}
}
