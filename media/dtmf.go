package media

import (
	"encoding/binary"
	"errors"
)

// RFC 4733 telephone-event payloads. A key press is one "event": every packet
// of it carries the same RTP timestamp (the event's start, §2.5.1.1) and a
// growing duration; the last packet has the E bit and is sent three times
// (§2.5.1.4) so that one survives loss. A receiver therefore reports a digit
// once per (SSRC, timestamp), not once per packet.

// Event is one decoded telephone-event payload (RFC 4733 §2.3).
type Event struct {
	Code     uint8  // 0–9, 10 = *, 11 = #, 12–15 = A–D, 16 = flash
	End      bool   // the E bit: this packet ends the event
	Volume   uint8  // power level in -dBm0, 0–63
	Duration uint16 // in timestamp units (1/8000 s) since the event began
}

// ErrShortEvent means a telephone-event payload is shorter than 4 bytes.
var ErrShortEvent = errors.New("media: telephone-event payload shorter than 4 bytes")

// DecodeEvent decodes the first event of a telephone-event payload. Any
// further 4-byte blocks are redundant copies of earlier events (§2.5.1.3)
// and are ignored.
func DecodeEvent(p []byte) (Event, error) {
	if len(p) < 4 {
		return Event{}, ErrShortEvent
	}
	return Event{
		Code:     p[0],
		End:      p[1]&0x80 != 0,
		Volume:   p[1] & 0x3F,
		Duration: binary.BigEndian.Uint16(p[2:4]),
	}, nil
}

// Digit returns the DTMF character of the event, or 0 for events that are
// not DTMF keys (flash, tones of RFC 4734).
func (e Event) Digit() rune {
	switch {
	case e.Code <= 9:
		return rune('0' + e.Code)
	case e.Code == 10:
		return '*'
	case e.Code == 11:
		return '#'
	case e.Code <= 15:
		return rune('A' + e.Code - 12)
	}
	return 0
}

// dtmfDetector turns a stream of telephone-event packets into digits, each
// reported once.
type dtmfDetector struct {
	have      bool
	ssrc, ts  uint32
	reported  bool
	lastDigit rune
}

// packet takes one telephone-event packet and returns the digit to report,
// or 0. A digit is reported on its first end packet; if the end packets are
// all lost, the start of the next event reports the previous one (§2.5.2.2
// lets a receiver end an event on the next one's arrival).
func (d *dtmfDetector) packet(ssrc, ts uint32, e Event) (prev, now rune) {
	if !d.have || ssrc != d.ssrc || ts != d.ts {
		if d.have && !d.reported {
			prev = d.lastDigit
		}
		d.have, d.ssrc, d.ts, d.reported = true, ssrc, ts, false
	}
	d.lastDigit = e.Digit()
	if e.End && !d.reported {
		d.reported = true
		now = e.Digit()
	}
	return prev, now
}
