// Package softphone is the operator's phone in the browser: one WebRTC
// PeerConnection (github.com/pion/webrtc/v4) per agent, audio only, G.711
// µ-law (PCMU) only so that the browser's audio joins a call without
// transcoding. Each agent has one stable media.Leg that survives the browser
// reconnecting; package telephony bridges it to a caller.
//
// Signalling is plain offer/answer without trickle ICE: Answer waits until
// ICE gathering is complete, so one HTTP request (or WebSocket message) in
// each direction sets the call path up.
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
	// connected softphone went away: the tab closed or slept, the network
	// dropped. Routing then stops offering calls to a phone that cannot ring.
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
	s.api = webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithSettingEngine(se))
	return s, nil
}

// Addr returns the bound UDP address.
func (s *Server) Addr() netip.AddrPort { return s.conn.LocalAddr().(*net.UDPAddr).AddrPort() }

// Answer takes an agent browser's SDP offer and returns the answer, with
// every ICE candidate in it (no trickle). A new offer from the same agent
// replaces the previous connection (a reload, or a reconnect after the
// network changed); the agent's Leg stays the same, so a call in progress
// continues on the new connection.
//
// Errors: EINVALID for an offer without a PCMU audio section or one pion
// cannot parse; EUNAVAILABLE after Close.
func (s *Server) Answer(ctx context.Context, agent tsunagu.AgentID, offerSDP string) (string, error) {
	leg, err := s.leg(agent)
	if err != nil {
		return "", err
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
	conn := &connection{pc: pc, track: track}
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
	sdp := pc.LocalDescription().SDP
	if old := leg.swap(conn); old != nil {
		_ = old.pc.Close()
	}
	ok = true
	s.log.Info("softphone answered", "agent_id", string(agent))
	return sdp, nil
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
