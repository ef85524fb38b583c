package media

import (
	"context"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"
)

func listenPeer(t *testing.T) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.MustParseAddrPort("127.0.0.1:0")))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func addrOf(c *net.UDPConn) netip.AddrPort { return c.LocalAddr().(*net.UDPAddr).AddrPort() }

func readPacket(t *testing.T, c *net.UDPConn) rtp.Packet {
	t.Helper()
	buf := make([]byte, 1500)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, err := c.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	var p rtp.Packet
	if err := p.Unmarshal(buf[:n]); err != nil {
		t.Fatal(err)
	}
	return p
}

func startSession(t *testing.T, p Params) (*Session, netip.AddrPort) {
	t.Helper()
	conn, err := Listen(netip.MustParseAddr("127.0.0.1"), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	s := NewSession(conn, p)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := s.Run(ctx); err != nil {
			t.Error(err)
		}
	})
	t.Cleanup(func() { cancel(); wg.Wait() })
	return s, conn.LocalAddr()
}

func TestSession(t *testing.T) {
	sdpPeer := listenPeer(t) // where the SDP said to send
	natPeer := listenPeer(t) // where the caller's RTP really comes from
	s, local := startSession(t, Params{Remote: addrOf(sdpPeer), Codec: PCMU, PayloadType: 0, DTMFPayloadType: 101})

	// Before the caller's first packet, media goes to the SDP address.
	first := readPacket(t, sdpPeer)
	if first.PayloadType != 0 || len(first.Payload) != frameSamples || !first.Marker {
		t.Errorf("first packet %v", first.Header)
	}

	send := func(from *net.UDPConn, h rtp.Header, payload []byte) {
		b, err := (&rtp.Packet{Header: h, Payload: payload}).Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := from.WriteToUDPAddrPort(b, local); err != nil {
			t.Fatal(err)
		}
	}
	// RTCP on the RTP port is tolerated (a receiver report, RFC 3550 §6.4.2).
	if _, err := natPeer.WriteToUDPAddrPort([]byte{0x80, 201, 0, 1, 0, 0, 0, 1}, local); err != nil {
		t.Fatal(err)
	}
	// The caller's audio latches the session to its source (symmetric RTP).
	send(natPeer, rtp.Header{Version: 2, PayloadType: 0, SequenceNumber: 1, Timestamp: 160, SSRC: 1}, make([]byte, 160))
	// DTMF '2' on its own SSRC: start, then the end packet three times.
	for i, end := range []bool{false, false, true, true, true} {
		flags := byte(10)
		if end {
			flags |= 0x80
		}
		send(natPeer, rtp.Header{Version: 2, PayloadType: 101, SequenceNumber: uint16(10 + i), Timestamp: 8000, SSRC: 2, Marker: i == 0},
			[]byte{2, flags, 0, byte(160 * (i + 1))})
	}
	// Someone else's packets, after the latch, are ignored: no hijack.
	stranger := listenPeer(t)
	send(stranger, rtp.Header{Version: 2, PayloadType: 101, SequenceNumber: 1, Timestamp: 9, SSRC: 3}, []byte{7, 0x80, 0, 160})

	select {
	case d := <-s.DTMF():
		if d != '2' {
			t.Fatalf("digit %q", d)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no digit")
	}

	// Media now goes to the latched source. Play a short clip, then music:
	// one SSRC, sequence +1 and timestamp +160 on every packet throughout.
	pb := s.Play(Sequence(make(Clip, 3*frameSamples)))
	var prev *rtp.Header
	switched := false
	for range 12 {
		p := readPacket(t, natPeer)
		if prev != nil {
			if p.SSRC != prev.SSRC || p.SequenceNumber != prev.SequenceNumber+1 || p.Timestamp != prev.Timestamp+frameSamples {
				t.Fatalf("discontinuity: %v after %v", p.Header, *prev)
			}
		}
		prev = &p.Header
		select {
		case <-pb.Done():
			if !switched {
				s.Play(Loop(HoldMusic()))
				switched = true
			}
		default:
		}
	}
	if !switched {
		t.Error("the 60 ms clip did not finish within 12 packets")
	}
	select {
	case d := <-s.DTMF():
		t.Errorf("digit %q reported twice or the stranger's was accepted", d)
	default:
	}
	st := s.Stats()
	if st.Received != 1 || st.DTMF != 5 || st.Ignored < 2 || st.Lost != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestListen_Range(t *testing.T) {
	ip := netip.MustParseAddr("127.0.0.1")
	var conns []*Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	// Find a free even pair in the dynamic range, then allocate all of it.
	for base := 40000; base < 60000; base += 100 {
		c1, err1 := Listen(ip, base, base+3)
		if err1 != nil {
			continue
		}
		conns = append(conns, c1)
		c2, err2 := Listen(ip, base, base+3)
		if err2 != nil {
			continue
		}
		conns = append(conns, c2)
		for _, c := range []*Conn{c1, c2} {
			if p := c.LocalAddr().Port(); p%2 != 0 || p < uint16(base) || p > uint16(base+3) {
				t.Errorf("port %d outside even ports of %d-%d", p, base, base+3)
			}
		}
		if _, err := Listen(ip, base, base+3); err == nil {
			t.Error("a third port from a range of two")
		}
		return
	}
	t.Skip("no free port range")
}
