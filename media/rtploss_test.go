package media

import (
	"testing"
	"time"

	"github.com/pion/rtp"
)

func TestSeqCount(t *testing.T) {
	type pkt struct {
		ssrc uint32
		seq  uint16
	}
	run := func(ssrc uint32, from uint16, n int) []pkt {
		var p []pkt
		for i := range n {
			p = append(p, pkt{ssrc, from + uint16(i)})
		}
		return p
	}
	cat := func(parts ...[]pkt) []pkt {
		var p []pkt
		for _, x := range parts {
			p = append(p, x...)
		}
		return p
	}
	for _, tc := range []struct {
		name     string
		pkts     []pkt
		expected int64
	}{
		{"in order", run(7, 100, 50), 50},
		{"a gap of 3", cat(run(7, 100, 10), run(7, 113, 10)), 23},
		{"across 65535", run(7, 65530, 20), 20},
		{"a gap across 65535", cat(run(7, 65530, 3), run(7, 2, 3)), 11},
		{"duplicates and a late packet", cat(run(7, 100, 5), []pkt{{7, 104}, {7, 101}}, run(7, 105, 5)), 10},
		{"the first packet late", cat([]pkt{{7, 101}, {7, 100}}, run(7, 102, 3)), 4}, // 100 is not seen as sent
		{"a new SSRC", cat(run(7, 100, 10), run(8, 5000, 10)), 20},
		{"a restart far ahead", cat(run(7, 100, 10), run(7, 30000, 10)), 20},
		{"nothing", nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c seqCount
			for _, p := range tc.pkts {
				c.add(p.ssrc, p.seq)
			}
			if got := c.expected.Load(); got != tc.expected {
				t.Errorf("expected %d packets, counted %d", tc.expected, got)
			}
		})
	}
}

// A caller's packets that never arrive show in the session's Lost.
func TestSession_Lost(t *testing.T) {
	peer := listenPeer(t)
	s, local := startSession(t, Params{Remote: addrOf(peer), Codec: PCMA, PayloadType: 8, DTMFPayloadType: 101})
	got := make(chan struct{}, 8)
	s.OnAudio(func([]byte) { got <- struct{}{} })
	for _, seq := range []uint16{1, 2, 5, 6} { // 3 and 4 lost on the way
		b, err := (&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 8, SequenceNumber: seq, Timestamp: 160 * uint32(seq), SSRC: 9},
			Payload: make([]byte, 160)}).Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := peer.WriteToUDPAddrPort(b, local); err != nil {
			t.Fatal(err)
		}
	}
	for range 4 {
		select {
		case <-got:
		case <-time.After(5 * time.Second):
			t.Fatal("the packets did not arrive")
		}
	}
	if st := s.Stats(); st.Received != 4 || st.Lost != 2 {
		t.Errorf("received %d, lost %d; want 4 and 2", st.Received, st.Lost)
	}
}
