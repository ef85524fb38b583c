package media

import "sync/atomic"

// seqCount counts the packets a remote's streams should have delivered,
// from their sequence numbers (RFC 3550 A.3): for each stream, the
// highest sequence number seen (extended past 65535) minus the first plus
// one. Loss is that minus what arrived. A new SSRC (the remote switched
// sources) or a jump of more than maxDropout starts a new count, as A.1
// does for a restarted sender, so a restart is not counted as 60,000 lost
// packets. Late and duplicate packets change nothing. It runs on the
// session's pacer only; expected is read by Stats from anywhere.
type seqCount struct {
	started  bool
	ssrc     uint32
	base     uint32 // extended sequence number of the stream's first packet
	max      uint32 // highest extended sequence number so far
	earlier  int64  // expected of the streams before this one
	expected atomic.Int64
}

// maxDropout is the largest forward jump still taken as loss (RFC 3550 A.1).
const maxDropout = 3000

func (c *seqCount) add(ssrc uint32, seq uint16) {
	if !c.started || ssrc != c.ssrc {
		c.restart(ssrc, seq)
		return
	}
	delta := seq - uint16(c.max)
	switch {
	case delta == 0 || delta >= 0x8000: // a duplicate or a late packet
		return
	case delta > maxDropout:
		c.restart(ssrc, seq)
		return
	}
	c.max += uint32(delta)
	c.expected.Store(c.earlier + int64(c.max-c.base) + 1)
}

func (c *seqCount) restart(ssrc uint32, seq uint16) {
	if c.started {
		c.earlier += int64(c.max-c.base) + 1
	}
	c.started, c.ssrc = true, ssrc
	c.base, c.max = uint32(seq), uint32(seq)
	c.expected.Store(c.earlier + 1)
}

// lostPackets sums the Lost of every ended session.
var lostPackets atomic.Int64

// Lost returns how many RTP packets the remotes of the process's ended
// sessions sent that never arrived (see Stats.Lost).
func Lost() int64 { return lostPackets.Load() }
