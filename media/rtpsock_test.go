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

// The pacer reads each port at its tick (rtpsock_linux.go): a burst that
// arrived between two ticks is all taken, in order, and an IPv6 caller is
// latched and answered like an IPv4 one.
func TestSession_BurstAndIPv6(t *testing.T) {
	for _, ip := range []string{"127.0.0.1", "::1"} {
		t.Run(ip, func(t *testing.T) {
			peer, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(netip.MustParseAddr(ip), 0)))
			if err != nil {
				t.Skipf("no %s here: %v", ip, err)
			}
			defer peer.Close()
			conn, err := Listen(netip.MustParseAddr(ip), 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			s := NewSession(conn, Params{Codec: PCMU, PayloadType: 0, DTMFPayloadType: 101}) // no SDP address: silent until latched
			got := make(chan uint16, 64)
			s.OnAudio(func(p []byte) { got <- uint16(p[0])<<8 | uint16(p[1]) })
			ctx, cancel := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			wg.Go(func() { _ = s.Run(ctx) })
			defer func() { cancel(); wg.Wait() }()

			const burst = 20 // more than one recvmmsg takes
			for i := range burst {
				b, _ := (&rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: uint16(i), SSRC: 7},
					Payload: append([]byte{byte(i >> 8), byte(i)}, make([]byte, frameSamples-2)...)}).Marshal()
				if _, err := peer.WriteToUDPAddrPort(b, conn.LocalAddr()); err != nil {
					t.Fatal(err)
				}
			}
			for i := range burst {
				select {
				case n := <-got:
					if int(n) != i {
						t.Fatalf("packet %d arrived as %d", i, n)
					}
				case <-time.After(5 * time.Second):
					t.Fatalf("%d of %d packets delivered", i, burst)
				}
			}
			// Latched: our packets now go to the peer.
			if p := readPacket(t, peer); p.PayloadType != 0 || p.SSRC == 7 {
				t.Errorf("our packet %v", p.Header)
			}
			if st := s.Stats(); st.Received != burst || st.Ignored != 0 {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

// A pacer that wakes up late sends the frames that fell due meanwhile, back
// to back and in sequence, up to maxCatchUp; beyond that it skips and
// counts them rather than falling further behind.
func TestPacer_CatchesUp(t *testing.T) {
	peer := listenPeer(t)
	conn, err := Listen(netip.MustParseAddr("127.0.0.1"), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	s := NewSession(conn, Params{Remote: addrOf(peer), Codec: PCMU, PayloadType: 0})
	s.initSend(func() {}) // driven by this test's steps, not a running pacer
	var p pacer
	rx := newRxBatch()
	batch := []*Session{s}

	done := p.step(batch, rx, 1, 0)        // on time: one frame
	done = p.step(batch, rx, done+3, done) // 60 ms late: three
	skipped := Skipped()
	done = p.step(batch, rx, done+10, done) // 200 ms late: three, seven skipped
	if done != 14 {
		t.Errorf("frames done %d, want 14", done)
	}
	if got := Skipped() - skipped; got != 10-maxCatchUp {
		t.Errorf("skipped %d, want %d", got, 10-maxCatchUp)
	}
	want := 1 + 3 + maxCatchUp
	first := readPacket(t, peer)
	for i := 1; i < want; i++ {
		p := readPacket(t, peer)
		if p.SequenceNumber != first.SequenceNumber+uint16(i) || p.Timestamp != first.Timestamp+uint32(i*frameSamples) {
			t.Fatalf("packet %d: seq %d ts %d after seq %d ts %d", i, p.SequenceNumber, p.Timestamp, first.SequenceNumber, first.Timestamp)
		}
	}
	if st := s.Stats(); st.Sent != int64(want) {
		t.Errorf("sent %d, want %d", st.Sent, want)
	}
}
