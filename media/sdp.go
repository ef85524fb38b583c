package media

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// SDP offer/answer (RFC 3264) over the session description format (RFC 4566),
// only as much of it as a G.711 voice leg needs. The parser is deliberately
// lenient about lines it does not use (a trunk's SBC adds many) and strict
// about the ones it does: a bad connection address or port is an error, not a
// guess.

// ErrNoCommonCodec means the offer has no audio format this package speaks
// (SIP answers it with 488 Not Acceptable Here, RFC 3261 §21.4.26).
var ErrNoCommonCodec = errors.New("media: no common codec")

// maxSDP bounds what ParseOffer reads: a real offer is well under 4 KB.
const maxSDP = 16 << 10

// Offer is the part of a remote SDP offer that matters to a G.711 leg.
type Offer struct {
	// Media lists every m= line in order; RFC 3264 §6 requires the answer
	// to have as many, rejecting the ones it does not take with port 0.
	Media []MediaDesc
}

// MediaDesc is one m= line with its connection address and formats.
type MediaDesc struct {
	Kind    string         // "audio", "video", …
	Proto   string         // "RTP/AVP", …
	Formats []string       // the payload types, in the offerer's order of preference
	Addr    netip.AddrPort // c= (media or session level) and the m= port; port 0 = disabled
	RTPMap  map[int]string // payload type -> "encoding/clock", lower-cased ("telephone-event/8000")
	// Dir is the media's direction attribute (RFC 4566 §6): sendrecv when absent.
	Dir string
}

// ParseOffer parses an SDP body.
func ParseOffer(b []byte) (*Offer, error) {
	if len(b) > maxSDP {
		return nil, fmt.Errorf("media: sdp: %d bytes is too long", len(b))
	}
	o := &Offer{}
	var sessionAddr netip.Addr
	var cur *MediaDesc
	var curAddr netip.Addr
	finish := func() error {
		if cur == nil {
			return nil
		}
		a := curAddr
		if !a.IsValid() {
			a = sessionAddr
		}
		if !a.IsValid() && cur.Addr.Port() != 0 {
			return errors.New("media: sdp: media without a connection address")
		}
		cur.Addr = netip.AddrPortFrom(a, cur.Addr.Port())
		o.Media = append(o.Media, *cur)
		return nil
	}
	sawVersion := false
	for line := range strings.Lines(string(b)) {
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			continue
		}
		if len(line) < 2 || line[1] != '=' {
			return nil, fmt.Errorf("media: sdp: malformed line %q", truncate(line))
		}
		k, v := line[0], line[2:]
		switch k {
		case 'v':
			if v != "0" {
				return nil, fmt.Errorf("media: sdp: version %q", truncate(v))
			}
			sawVersion = true
		case 'c':
			a, err := parseConnection(v)
			if err != nil {
				return nil, err
			}
			if cur == nil {
				sessionAddr = a
			} else {
				curAddr = a
			}
		case 'm':
			if err := finish(); err != nil {
				return nil, err
			}
			f := strings.Fields(v)
			if len(f) < 3 {
				return nil, fmt.Errorf("media: sdp: malformed m= line %q", truncate(v))
			}
			portStr, _, _ := strings.Cut(f[1], "/") // port/number-of-ports
			port, err := strconv.ParseUint(portStr, 10, 16)
			if err != nil {
				return nil, fmt.Errorf("media: sdp: bad port %q", truncate(f[1]))
			}
			cur = &MediaDesc{Kind: f[0], Proto: f[2], Formats: f[3:], RTPMap: map[int]string{}, Dir: "sendrecv",
				Addr: netip.AddrPortFrom(netip.Addr{}, uint16(port))}
			curAddr = netip.Addr{}
			if len(o.Media) >= 16 {
				return nil, errors.New("media: sdp: too many media lines")
			}
		case 'a':
			if cur == nil {
				continue // session-level attributes: nothing we need
			}
			name, val, _ := strings.Cut(v, ":")
			switch name {
			case "rtpmap":
				pt, enc, ok := strings.Cut(val, " ")
				n, err := strconv.Atoi(pt)
				if !ok || err != nil || n < 0 || n > 127 {
					return nil, fmt.Errorf("media: sdp: malformed rtpmap %q", truncate(val))
				}
				cur.RTPMap[n] = strings.ToLower(strings.TrimSpace(enc))
			case "sendrecv", "sendonly", "recvonly", "inactive":
				cur.Dir = name
			}
		}
	}
	if !sawVersion {
		return nil, errors.New("media: sdp: no v= line")
	}
	if err := finish(); err != nil {
		return nil, err
	}
	if len(o.Media) == 0 {
		return nil, errors.New("media: sdp: no media")
	}
	return o, nil
}

func parseConnection(v string) (netip.Addr, error) {
	f := strings.Fields(v)
	if len(f) != 3 || f[0] != "IN" || (f[1] != "IP4" && f[1] != "IP6") {
		return netip.Addr{}, fmt.Errorf("media: sdp: malformed c= line %q", truncate(v))
	}
	host, _, _ := strings.Cut(f[2], "/") // multicast TTL suffix
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("media: sdp: connection address %q is not an IP address", truncate(host))
	}
	return a, nil
}

func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// Params are the negotiated parameters of an audio leg.
type Params struct {
	Remote      netip.AddrPort // where the offer asked us to send (until the caller's RTP is seen)
	Codec       Codec
	PayloadType uint8 // the codec's payload type (static, so equal to Codec)
	// DTMFPayloadType is the payload type of RFC 4733 telephone-event, or -1
	// when the offer has none (digits then cannot be received in band).
	DTMFPayloadType int
	index           int // which m= line is the audio one
}

// Negotiate chooses, for the first usable audio m= line of o, the first format
// in the offerer's order that is PCMU or PCMA (RFC 3264 §6.1: the answerer
// should prefer the offerer's order), and telephone-event/8000 if offered.
func Negotiate(o *Offer) (Params, error) {
	for i, m := range o.Media {
		if m.Kind != "audio" || m.Addr.Port() == 0 || !strings.HasPrefix(m.Proto, "RTP/AVP") {
			continue
		}
		p := Params{Remote: m.Addr, DTMFPayloadType: -1, index: i}
		chosen := false
		for _, f := range m.Formats {
			pt, err := strconv.Atoi(f)
			if err != nil || pt < 0 || pt > 127 {
				continue
			}
			enc, mapped := m.RTPMap[pt]
			switch {
			case !chosen && ((pt == 0 && !mapped) || enc == "pcmu/8000" || enc == "pcmu/8000/1"):
				p.Codec, p.PayloadType, chosen = PCMU, uint8(pt), true
			case !chosen && ((pt == 8 && !mapped) || enc == "pcma/8000" || enc == "pcma/8000/1"):
				p.Codec, p.PayloadType, chosen = PCMA, uint8(pt), true
			case p.DTMFPayloadType < 0 && enc == "telephone-event/8000":
				p.DTMFPayloadType = pt
			}
		}
		if chosen {
			return p, nil
		}
	}
	return Params{}, ErrNoCommonCodec
}

// Answer renders the SDP answer to o for p, with our media at local. sessID
// should be unique per call (RFC 4566 §5.2, o= sess-id).
func Answer(o *Offer, p Params, local netip.AddrPort, sessID uint64) []byte {
	ipv := "IP4"
	if local.Addr().Is6() && !local.Addr().Is4In6() {
		ipv = "IP6"
	}
	ip := local.Addr().Unmap().String()
	var b strings.Builder
	fmt.Fprintf(&b, "v=0\r\no=tsunagu %d %d IN %s %s\r\ns=tsunagu\r\nc=IN %s %s\r\nt=0 0\r\n", sessID, sessID, ipv, ip, ipv, ip)
	for i, m := range o.Media {
		if i != p.index {
			// Rejected stream: port 0 and the offered formats (RFC 3264 §6).
			fmt.Fprintf(&b, "m=%s 0 %s %s\r\n", m.Kind, m.Proto, strings.Join(m.Formats, " "))
			continue
		}
		if p.DTMFPayloadType >= 0 {
			fmt.Fprintf(&b, "m=audio %d %s %d %d\r\n", local.Port(), m.Proto, p.PayloadType, p.DTMFPayloadType)
		} else {
			fmt.Fprintf(&b, "m=audio %d %s %d\r\n", local.Port(), m.Proto, p.PayloadType)
		}
		fmt.Fprintf(&b, "a=rtpmap:%d %s/8000\r\n", p.PayloadType, p.Codec)
		if p.DTMFPayloadType >= 0 {
			fmt.Fprintf(&b, "a=rtpmap:%d telephone-event/8000\r\na=fmtp:%d 0-16\r\n", p.DTMFPayloadType, p.DTMFPayloadType)
		}
		b.WriteString("a=ptime:20\r\n")
		b.WriteString("a=" + answerDir(m.Dir) + "\r\n")
	}
	return []byte(b.String())
}

// answerDir mirrors the offered direction (RFC 3264 §6.1).
func answerDir(offer string) string {
	switch offer {
	case "sendonly":
		return "recvonly"
	case "recvonly":
		return "sendonly"
	case "inactive":
		return "inactive"
	}
	return "sendrecv"
}
