package media

import (
	"encoding/binary"
	"errors"
	"math"
	"net/netip"
	"sync"
	"sync/atomic"

	"github.com/pion/rtp"
)

// Sending DTMF to the remote party (the operator's keypad driving a remote
// IVR, or entering a code). When the remote negotiated telephone-event the
// digits go as RFC 4733 events; otherwise as dual tones in the audio (in
// band). Either way they leave through the session's one sender (tick), so
// they share its SSRC, sequence numbers and clock: no second stream to
// confuse the receiver, and the audio's timestamps run on through a digit.

// Timing of one digit. In band: 100 ms of tone, then 70 ms of silence
// (ITU-T Q.24 asks receivers to accept 40 ms tones and 40 ms pauses; 100/70
// is what many phones send). As events: five 20 ms packets (duration 800,
// the last with the E bit), the end sent twice more (RFC 4733 §2.5.1),
// then two packets of audio before the next event: 180 ms a digit.
const (
	dtmfToneSamples = 800 // 100 ms
	dtmfGapSamples  = 560 // 70 ms
	eventTicks      = 5   // packets while the key is down
	eventEndRepeats = 2   // further copies of the end packet
	eventGapTicks   = 2   // audio packets between two events
	eventVolume     = 10  // -dBm0 (RFC 4733 §2.3.4)
	// MaxPendingDTMF caps the digits waiting to be sent on one session: a
	// few long codes, not a flood (64 digits take about 12 s).
	MaxPendingDTMF = 64
	// toneAmplitude is each of the two tones' peak, about -10 dBm0 on
	// G.711 (full scale is +3.17 dBm0): within Q.23's -3 to -12 dBm0 range
	// at any gain the network applies later.
	toneAmplitude = 7200
)

// Errors of SendDTMF.
var (
	ErrBadDigit  = errors.New("media: not a DTMF digit (0-9, *, #, A-D)")
	ErrDTMFBusy  = errors.New("media: too many DTMF digits waiting")
	dtmfLowFreq  = [4]float64{697, 770, 852, 941}
	dtmfHighFreq = [4]float64{1209, 1336, 1477, 1633}
	dtmfKeys     = [4]string{"123A", "456B", "789C", "*0#D"}
)

// EventCode returns the RFC 4733 event code of a DTMF key (§3.2: 0–9, * 10,
// # 11, A–D 12–15), or false for anything else. Lower-case a–d are keys too.
func EventCode(d rune) (uint8, bool) {
	switch {
	case d >= '0' && d <= '9':
		return uint8(d - '0'), true
	case d == '*':
		return 10, true
	case d == '#':
		return 11, true
	case d >= 'A' && d <= 'D':
		return uint8(d-'A') + 12, true
	case d >= 'a' && d <= 'd':
		return uint8(d-'a') + 12, true
	}
	return 0, false
}

// dtmfFreqs returns a key's low and high tone (the keypad's row and column).
func dtmfFreqs(code uint8) (lo, hi float64) {
	for r, row := range dtmfKeys {
		for c, k := range row {
			if kc, _ := EventCode(k); kc == code {
				return dtmfLowFreq[r], dtmfHighFreq[c]
			}
		}
	}
	return 0, 0
}

// dtmfSender is a session's digits waiting and the one going out. busy is
// read by every tick without the lock, so a session that sends no digit —
// nearly all of them — pays one atomic load per packet.
type dtmfSender struct {
	busy atomic.Bool

	mu      sync.Mutex
	pending []uint8 // event codes, in order
	active  bool    // a digit is going out
	code    uint8
	pos     int    // samples (in band) or packets (events) since it began
	start   uint32 // events: the RTP timestamp of the event's start (RFC 4733 §2.5.1)
	lo, hi  float64
}

// SendDTMF queues digits (0–9, *, #, A–D) to send to the remote party, after
// any still going out, and returns at once; each takes about 180 ms. They go
// as RFC 4733 telephone-events when the remote offered them, else as tones
// in the audio. Nothing is queued when a digit is invalid (ErrBadDigit) or
// more than MaxPendingDTMF would wait (ErrDTMFBusy).
func (s *Session) SendDTMF(digits string) error {
	codes := make([]uint8, 0, len(digits))
	for _, d := range digits {
		c, ok := EventCode(d)
		if !ok {
			return ErrBadDigit
		}
		codes = append(codes, c)
	}
	o := &s.dtmfOut
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.pending)+len(codes) > MaxPendingDTMF {
		return ErrDTMFBusy
	}
	o.pending = append(o.pending, codes...)
	if len(o.pending) > 0 {
		o.busy.Store(true)
	}
	return nil
}

// InBandDTMF reports whether digits go as tones in the audio: the remote
// negotiated no telephone-event.
func (s *Session) InBandDTMF() bool { return s.params.DTMFPayloadType < 0 }

// next starts the next waiting digit; false when there is none (busy is
// cleared). Called under mu.
func (o *dtmfSender) next() bool {
	if len(o.pending) == 0 {
		o.active = false
		o.busy.Store(false)
		return false
	}
	o.code, o.pending = o.pending[0], o.pending[1:]
	o.lo, o.hi = dtmfFreqs(o.code)
	o.active, o.pos = true, 0
	return true
}

// inBand writes the digits' tones and pauses over pcm, sample by sample, so
// a digit may start or end inside a frame; samples after the last digit
// keep the audio that was there.
func (o *dtmfSender) inBand(pcm []int16) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for i := range pcm {
		if !o.active && !o.next() {
			return
		}
		if o.pos < dtmfToneSamples {
			t := float64(o.pos) / SampleRate
			pcm[i] = int16(toneAmplitude * (math.Sin(2*math.Pi*o.lo*t) + math.Sin(2*math.Pi*o.hi*t)))
		} else {
			pcm[i] = 0
		}
		o.pos++
		if o.pos == dtmfToneSamples+dtmfGapSamples {
			o.active = false
		}
	}
}

// event returns the telephone-event payload to send in this packet's place,
// with the event's timestamp and whether it is the event's first packet; ok
// is false when this packet is audio (no digit, or the gap after one). now
// is the timestamp this packet's audio would have.
func (o *dtmfSender) event(now uint32) (payload [4]byte, ts uint32, first, ok bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.active {
		if !o.next() {
			return payload, 0, false, false
		}
		o.start = now
	}
	n := o.pos
	o.pos++
	if o.pos == eventTicks+eventEndRepeats+eventGapTicks {
		o.active = false
	}
	if n >= eventTicks+eventEndRepeats {
		return payload, 0, false, false // the gap: audio
	}
	flags := byte(eventVolume)
	if n >= eventTicks-1 {
		flags |= 0x80 // E: the key is up (§2.3.2)
	}
	payload[0], payload[1] = o.code, flags
	binary.BigEndian.PutUint16(payload[2:], uint16(min(n+1, eventTicks)*frameSamples))
	return payload, o.start, n == 0, true
}

// dtmfTick runs inside tick (under sendMu) once this packet's audio is in
// st.pcm. In band it writes the tones over the audio and reports false: the
// audio packet goes as usual. With telephone-events it sends the event
// packet itself in the audio's place, moves the sender's sequence number and
// clock on as an audio packet would (the audio's clock keeps running
// through an event; every packet of the event carries its start, RFC 4733
// §2.5.1), and reports true.
func (s *Session) dtmfTick(st *sendState, to netip.AddrPort) bool {
	o := &s.dtmfOut
	if !o.busy.Load() {
		return false
	}
	if s.params.DTMFPayloadType < 0 {
		o.inBand(st.pcm)
		return false
	}
	payload, ts, first, ok := o.event(st.h.Timestamp)
	if !ok {
		return false
	}
	h := st.h
	h.PayloadType, h.Timestamp, h.Marker = uint8(s.params.DTMFPayloadType), ts, first // M: an event's first packet
	pkt := rtp.Packet{Header: h, Payload: payload[:]}
	if m, err := pkt.MarshalTo(st.buf); err == nil && to.IsValid() && to.Port() != 0 {
		if s.conn.s.send(&st.to, st.buf[:m], to) == nil {
			s.sent.Add(1)
		}
	}
	st.h.Marker = false
	st.h.SequenceNumber++
	st.h.Timestamp += frameSamples
	return true
}
