//go:build !linux

package media

import (
	"errors"
	"net"
	"net/netip"
	"sync"
)

// Elsewhere than Linux an RTP port is a net.UDPConn with a goroutine that
// queues what arrives; the pacer drains the queue at its tick, as it drains
// the socket itself on Linux (rtpsock_linux.go).
type rtpSock struct {
	c     *net.UDPConn
	local netip.AddrPort
	start sync.Once
	q     chan rxPacket
	dead  chan struct{}
}

type rxPacket struct {
	b    []byte
	from netip.AddrPort
}

var errClosed = errors.New("media: connection closed")

func bindRTP(ip netip.Addr, port int) (*rtpSock, error) {
	c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip, uint16(port))))
	if err != nil {
		return nil, err
	}
	return &rtpSock{c: c, local: c.LocalAddr().(*net.UDPAddr).AddrPort(), q: make(chan rxPacket, 64), dead: make(chan struct{})}, nil
}

func (s *rtpSock) localAddr() netip.AddrPort { return s.local }

func (s *rtpSock) close() error { return s.c.Close() }

func (s *rtpSock) read() {
	defer close(s.dead)
	for {
		buf := make([]byte, 1500)
		n, from, err := s.c.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue // e.g. an ICMP report of an earlier send
		}
		select {
		case s.q <- rxPacket{buf[:n], netip.AddrPortFrom(from.Addr().Unmap(), from.Port())}:
		default: // the pacer is behind by more than a second: drop
		}
	}
}

type rxBatch struct{}

func newRxBatch() *rxBatch { return nil }

func (s *rtpSock) drain(_ *rxBatch, fn func(p []byte, from netip.AddrPort)) error {
	s.start.Do(func() { go s.read() })
	for {
		select {
		case p := <-s.q:
			fn(p.b, p.from)
		case <-s.dead:
			return errClosed
		default:
			return nil
		}
	}
}

type txAddr struct{}

func (s *rtpSock) send(_ *txAddr, p []byte, to netip.AddrPort) error {
	_, err := s.c.WriteToUDPAddrPort(p, to)
	return err
}
