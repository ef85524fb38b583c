// Package softphone is the operator's phone in the browser: one WebRTC
// PeerConnection (github.com/pion/webrtc/v4) per agent, audio only, G.711
// µ-law (PCMU) only so that the browser's audio joins a call without
// transcoding. Each agent has one stable media.Leg that survives the browser
// reconnecting; package telephony bridges it to a caller.
//
// Signalling is plain offer/answer without trickle ICE: Answer waits until
// ICE gathering is complete, so one HTTP request (or WebSocket message) in
// each direction sets the call path up. The same route carries the
// browser's ICE restart when its path goes quiet (Answer applies it to the
// same PeerConnection) and, failing that, a new connection under the same
// Leg; docs/desk.md, "Softphone health", has the timings.
package softphone

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/webrtc/v4"

	"tsunagu"
	"tsunagu/media"
)

// The softphone's ICE timeouts, counted from the last packet received
// from the browser: past iceDisconnectedAfter the leg is not connected
// (Connected reports false), past iceFailedAfter the phone is lost
// (Config.OnLost).
const (
	iceDisconnectedAfter = 3 * time.Second
	iceFailedAfter       = 8 * time.Second
)

// Config configures a Server.
type Config struct {
	// ListenAddr is the one UDP address every agent's ICE traffic shares
	// (a single-port mux: one firewall rule, one candidate per browser).
	// It must name an interface address, not 0.0.0.0; the default is
	// 127.0.0.1:0 (a free loopback port: tests and a laptop demo).
	ListenAddr netip.AddrPort
	// GatherTimeout bounds Answer's wait for ICE gathering (default 5 s).
	// With one host candidate from the mux gathering takes milliseconds.
	GatherTimeout time.Duration
	Logger        *slog.Logger
	// OnLost, when set, is told (on a goroutine of its own) that an agent's
	// connected softphone went away: the tab closed (at once, by DTLS
	// close_notify) or slept, the network dropped (8 s without a packet,
	// and no ICE restart or new connection in that time). A blip shorter
	// than that is not reported. Routing then stops offering calls to a
	// phone that cannot ring.
	OnLost func(agent tsunagu.AgentID)
}

// Server holds the agents' browser connections. Create it with New and
// release it with Close.
type Server struct {
	cfg  Config
	log  *slog.Logger
	api  *webrtc.API
	conn net.PacketConn
	mux  ice.UDPMux

	done chan struct{} // closed by Close: legs stop reading
	wg   sync.WaitGroup

	mu     sync.Mutex
	closed bool
	legs   map[tsunagu.AgentID]*Leg
}

// New binds the UDP port and prepares the WebRTC engine.
func New(cfg Config) (*Server, error) {
	if !cfg.ListenAddr.IsValid() {
		cfg.ListenAddr = netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), 0)
	}
	if cfg.ListenAddr.Addr().IsUnspecified() {
		return nil, tsunagu.Errorf(tsunagu.EINVALID, "softphone: listen address %s must name an interface address", cfg.ListenAddr)
	}
	if cfg.GatherTimeout <= 0 {
		cfg.GatherTimeout = 5 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	// PCMU only: the codec every browser has, the one Japanese trunks use,
	// and what media.Leg speaks, so a bridged call is never transcoded on
	// the browser side (RFC 7874 §3 makes G.711 mandatory for WebRTC).
	m := &webrtc.MediaEngine{}
	if err := m.RegisterCodec(webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMU, ClockRate: media.SampleRate, Channels: 1},
		PayloadType:        0,
	}, webrtc.RTPCodecTypeAudio); err != nil {
		return nil, fmt.Errorf("softphone: %w", err)
	}
	conn, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(cfg.ListenAddr))
	if err != nil {
		return nil, fmt.Errorf("softphone: listen: %w", err)
	}
	s := &Server{cfg: cfg, log: cfg.Logger.With("component", "softphone"), conn: conn,
		done: make(chan struct{}), legs: map[tsunagu.AgentID]*Leg{}}
	s.mux = webrtc.NewICEUDPMux(nil, conn)
	var se webrtc.SettingEngine
	se.SetICEUDPMux(s.mux)
	// mDNS candidates would make pion open 0.0.0.0:5353 and hide the
	// address we mean to announce; a contact center's browsers reach the
	// server by its address.
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4, webrtc.NetworkTypeUDP6})
	// The mux's address is the only candidate; pion drops loopback ones
	// unless told, and loopback is what tests and demos use.
	se.SetIncludeLoopbackCandidate(cfg.ListenAddr.Addr().IsLoopback())
	// Connection health (docs/desk.md, "Softphone health"): a binding
	// request every second when nothing else is sent (RFC 7675 consent, so
	// the browser hears from us even with no call), the path called
	// disconnected after 3 s without a packet from the browser — no offer
	// should wait on it — and failed 5 s later, 8 s in all: the grace in
	// which the browser's ICE restart can bring it back before the agent
	// is made not-ready. pion's defaults (5 s, then 25 s more, keepalive
	// 2 s) would leave a slept tab "available" for half a minute.
	se.SetICETimeouts(iceDisconnectedAfter, iceFailedAfter-iceDisconnectedAfter, time.Second)
	s.api = webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithSettingEngine(se))
	return s, nil
}

// Addr returns the bound UDP address.
func (s *Server) Addr() netip.AddrPort { return s.conn.LocalAddr().(*net.UDPAddr).AddrPort() }

// Answer takes an agent browser's SDP offer and returns the answer, with
// every ICE candidate in it (no trickle).
//
// An offer from the browser's current PeerConnection (the same SDP session,
// RFC 3264 §8: the o= line's sess-id) is a renegotiation of that
// connection: the browser's ICE restart after its path went disconnected
// (a Wi-Fi blip, a new network). It is applied to the same PeerConnection,
// so the DTLS association and the tracks stay and a call goes on. Any
// other offer is a new connection and replaces the previous one (a reload,
// or the browser's full reconnect when a restart did not work); the
// agent's Leg stays the same, so a call in progress continues on the new
// connection.
//
// Errors: EINVALID for an offer without a PCMU audio section or one pion
// cannot parse; ECONFLICT for a restart offer the connection cannot take
// (it was closed: the browser then reconnects in full); EUNAVAILABLE
// after Close.
func (s *Server) Answer(ctx context.Context, agent tsunagu.AgentID, offerSDP string) (string, error) {
	leg, err := s.leg(agent)
	if err != nil {
		return "", err
	}
	// One negotiation per agent at a time: a restart and a full reconnect
	// racing each other must not both swap.
	leg.negotiating.Lock()
	defer leg.negotiating.Unlock()
	session := sessionID(offerSDP)
	if c := leg.current(); c != nil && session != 0 && c.session == session {
		return s.restart(ctx, leg, c, offerSDP)
	}
	if leg.replaced(session) {
		// A late request from a connection the browser already gave up
		// (its restart timed out, a new one took over): answering it
		// would swap the working connection out.
		return "", tsunagu.Errorf(tsunagu.ECONFLICT, "This softphone connection was replaced by a newer one.")
	}
	ok := false
	defer func() {
		if !ok {
			s.forget(leg) // a failed first offer leaves no leg behind
		}
	}()
	pc, err := s.api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return "", fmt.Errorf("softphone: peer connection: %w", err)
	}
	defer func() {
		if !ok {
			_ = pc.Close()
		}
	}()
	track, err := webrtc.NewTrackLocalStaticSample(
		webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMU, ClockRate: media.SampleRate, Channels: 1}, "audio", "tsunagu")
	if err != nil {
		return "", fmt.Errorf("softphone: track: %w", err)
	}
	if _, err := pc.AddTrack(track); err != nil {
		return "", fmt.Errorf("softphone: add track: %w", err)
	}
	conn := &connection{pc: pc, track: track, session: session}
	pc.OnICEConnectionStateChange(func(st webrtc.ICEConnectionState) {
		leg.stateChanged(conn, st)
	})
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		// pion calls OnTrack on a goroutine of its own; registering it
		// with the server's wait group makes Close wait for the reader.
		if !s.enter() {
			return
		}
		defer s.wg.Done()
		leg.receive(tr)
	})
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offerSDP}); err != nil {
		return "", &tsunagu.Error{Code: tsunagu.EINVALID, Message: "bad SDP offer", Err: err}
	}
	if !hasAudio(pc) {
		return "", tsunagu.Errorf(tsunagu.EINVALID, "the offer has no PCMU audio")
	}
	answer, err := pc.CreateAnswer(nil)
	if err != nil {
		return "", &tsunagu.Error{Code: tsunagu.EINVALID, Message: "cannot answer the offer", Err: err}
	}
	sdp, err := s.setAnswer(ctx, pc, answer)
	if err != nil {
		return "", err
	}
	if old := leg.swap(conn); old != nil {
		_ = old.pc.Close()
	}
	ok = true
	s.log.Info("softphone answered", "agent_id", string(agent))
	return sdp, nil
}

// restart applies the browser's ICE-restart offer to the connection it
// came from and returns the answer with the new local candidates. pion
// restarts its ICE agent (new ufrag and password, gathering again) inside
// SetRemoteDescription when the offer's credentials change; the DTLS
// association and the RTP senders and receivers are kept, so the Leg's
// readers and writers go on once the new path connects. pion takes a
// restart in any ICE state, failed included.
func (s *Server) restart(ctx context.Context, leg *Leg, c *connection, offerSDP string) (string, error) {
	pc := c.pc
	if pc.ConnectionState() == webrtc.PeerConnectionStateClosed {
		return "", tsunagu.Errorf(tsunagu.ECONFLICT, "The softphone connection is closed: connect again.")
	}
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offerSDP}); err != nil {
		return "", &tsunagu.Error{Code: tsunagu.ECONFLICT, Message: "The softphone connection cannot take this offer: connect again.", Err: err}
	}
	answer, err := pc.CreateAnswer(nil)
	if err != nil {
		return "", &tsunagu.Error{Code: tsunagu.ECONFLICT, Message: "The softphone connection cannot answer this offer: connect again.", Err: err}
	}
	// SetRemoteDescription has already set gathering going again, so
	// setAnswer waits for the new candidates, not the first gathering's.
	sdp, err := s.setAnswer(ctx, pc, answer)
	if err != nil {
		return "", err
	}
	s.log.Info("softphone ice restart", "agent_id", string(leg.agent))
	return sdp, nil
}

// setAnswer sets answer as pc's local description and waits for ICE
// gathering to complete (non-trickle: the browser gets every candidate in
// the one answer), returning the SDP with the candidates.
func (s *Server) setAnswer(ctx context.Context, pc *webrtc.PeerConnection, answer webrtc.SessionDescription) (string, error) {
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(answer); err != nil {
		return "", fmt.Errorf("softphone: local description: %w", err)
	}
	t := time.NewTimer(s.cfg.GatherTimeout)
	defer t.Stop()
	select {
	case <-gathered:
	case <-ctx.Done():
		return "", ctx.Err()
	case <-t.C:
		return "", tsunagu.Errorf(tsunagu.EUNAVAILABLE, "ICE gathering timed out")
	case <-s.done:
		return "", tsunagu.Errorf(tsunagu.EUNAVAILABLE, "softphone closed")
	}
	return pc.LocalDescription().SDP, nil
}

// sessionID returns the sess-id of an SDP's o= line (RFC 4566 §5.2), the
// same in every offer of one browser PeerConnection and random across
// them (RFC 3264 §5), or 0 when the SDP has none.
func sessionID(sdp string) uint64 {
	parsed, err := (&webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: sdp}).Unmarshal()
	if err != nil {
		return 0
	}
	return parsed.Origin.SessionID
}

// hasAudio reports whether the negotiation kept an audio transceiver
// with a codec, that is, the offer had PCMU.
func hasAudio(pc *webrtc.PeerConnection) bool {
	for _, tr := range pc.GetTransceivers() {
		if tr.Kind() == webrtc.RTPCodecTypeAudio && tr.Mid() != "" && tr.Receiver() != nil {
			if len(tr.Receiver().GetParameters().Codecs) > 0 {
				return true
			}
		}
	}
	return false
}

// leg returns the agent's leg, creating it on first use.
func (s *Server) leg(agent tsunagu.AgentID) (*Leg, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, tsunagu.Errorf(tsunagu.EUNAVAILABLE, "softphone closed")
	}
	l := s.legs[agent]
	if l == nil {
		l = newLeg(s, agent)
		s.legs[agent] = l
	}
	return l, nil
}

// forget removes leg if it never had a connection.
func (s *Server) forget(leg *Leg) {
	s.mu.Lock()
	defer s.mu.Unlock()
	leg.mu.Lock()
	unused := leg.cur == nil
	leg.mu.Unlock()
	if unused && s.legs[leg.agent] == leg {
		delete(s.legs, leg.agent)
	}
}

// Leg returns the agent's audio leg, if the agent's browser has ever
// connected (and the agent was not dropped). It is the same Leg across
// reconnects. Bridge it to one call at a time.
func (s *Server) Leg(agent tsunagu.AgentID) (media.Leg, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, ok := s.legs[agent]
	if !ok {
		return nil, false
	}
	return l, true
}

// Connected reports whether the agent's browser is reachable right now
// (ICE connected). Routing checks it before offering a call, so that a
// sleeping or closed tab is not offered one.
func (s *Server) Connected(agent tsunagu.AgentID) bool {
	s.mu.Lock()
	l := s.legs[agent]
	s.mu.Unlock()
	return l != nil && l.Connected()
}

// WaitConnected blocks until the agent's softphone is connected (ICE) or
// ctx ends: the browser's side can report connected a moment before ours.
func (s *Server) WaitConnected(ctx context.Context, agent tsunagu.AgentID) error {
	s.mu.Lock()
	l := s.legs[agent]
	s.mu.Unlock()
	if l == nil {
		return tsunagu.Errorf(tsunagu.ENOTFOUND, "Agent %s has no softphone.", agent)
	}
	return l.waitConnected(ctx)
}

// Drop closes the agent's connection and forgets the agent (logout). A
// bridge reading its Leg sees media.ErrLegClosed.
func (s *Server) Drop(agent tsunagu.AgentID) {
	s.mu.Lock()
	l := s.legs[agent]
	delete(s.legs, agent)
	s.mu.Unlock()
	if l != nil {
		l.close()
	}
}

// enter registers a goroutine with the server unless it is closed.
func (s *Server) enter() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.wg.Add(1)
	return true
}

// Close closes every connection and the UDP port, and waits (until ctx
// ends) for the server's goroutines.
func (s *Server) Close(ctx context.Context) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.done)
	legs := s.legs
	s.legs = map[tsunagu.AgentID]*Leg{}
	s.mu.Unlock()
	for _, l := range legs {
		l.close()
	}
	_ = s.mux.Close()
	_ = s.conn.Close()
	waited := make(chan struct{})
	go func() { s.wg.Wait(); close(waited) }()
	select {
	case <-waited:
		return nil
	case <-ctx.Done():
		return errors.Join(errors.New("softphone: close: goroutines still running"), ctx.Err())
	}
}
