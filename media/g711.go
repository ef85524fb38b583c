package media

import "math/bits"

// G.711 (ITU-T G.711, 1988) companding, after the public-domain Sun
// Microsystems reference (g711.c) that most implementations descend from.
// Decoding is a 256-entry table per law; encoding is a handful of shifts,
// which is cheaper than a 64 Ki-entry table in cache and fast enough for
// thousands of calls (160 samples every 20 ms each).

// Codec is an RTP audio payload format this package can speak.
type Codec uint8

// The G.711 codecs, by their static RTP payload types (RFC 3551 §6).
const (
	PCMU Codec = 0 // G.711 µ-law, used in Japan and North America
	PCMA Codec = 8 // G.711 A-law, used in most of the rest of the world
)

// String returns the codec's SDP encoding name.
func (c Codec) String() string {
	switch c {
	case PCMU:
		return "PCMU"
	case PCMA:
		return "PCMA"
	}
	return "unknown"
}

// Encode compands linear 16-bit samples into dst (one byte per sample) and
// returns dst[:len(pcm)]. dst must be at least len(pcm) long.
func (c Codec) Encode(dst []byte, pcm []int16) []byte {
	dst = dst[:len(pcm)]
	if c == PCMA {
		for i, s := range pcm {
			dst[i] = alawEnc[uint16(s)>>3]
		}
		return dst
	}
	for i, s := range pcm {
		dst[i] = ulawEnc[uint16(s)>>2]
	}
	return dst
}

// Decode expands companded bytes into dst and returns dst[:len(b)].
func (c Codec) Decode(dst []int16, b []byte) []int16 {
	dst = dst[:len(b)]
	t := &ulawTable
	if c == PCMA {
		t = &alawTable
	}
	for i, v := range b {
		dst[i] = t[v]
	}
	return dst
}

var ulawTable, alawTable [256]int16

// Encoding is a table lookup too. A-law reads 13 bits of a sample and
// µ-law 14 (see LinearToALaw, LinearToULaw), so the sample's top 13 or 14
// bits, sign included, index every distinct result: 8 KiB and 16 KiB that
// stay in the cache, where the arithmetic was a tenth of the pacer's work
// in the SIP benchmark (every packet to an agent or caller is encoded).
var (
	alawEnc [1 << 13]byte
	ulawEnc [1 << 14]byte
)

func init() {
	for i := range 256 {
		ulawTable[i] = ULawToLinear(byte(i))
		alawTable[i] = ALawToLinear(byte(i))
	}
	for i := range alawEnc {
		alawEnc[i] = LinearToALaw(int16(uint16(i << 3)))
	}
	for i := range ulawEnc {
		ulawEnc[i] = LinearToULaw(int16(uint16(i << 2)))
	}
}

const (
	ulawBias = 0x84
	ulawClip = 8159 // in 14-bit units
)

// The segment of a sample is the index of the first segment end not below
// it (8: beyond the last). The ends are 2^k−1 (µ-law 0x3F…0x1FFF, A-law
// 0x1F…0xFFF), so the segment is the sample's bit length past the first
// end's: one instruction instead of a search, which showed in the SIP load
// benchmark's profile (two encodes per packet per bridged call).
func ulawSegment(v int) int { return min(8, max(0, bits.Len(uint(v))-6)) }
func alawSegment(v int) int { return min(8, max(0, bits.Len(uint(v))-5)) }

// LinearToULaw compands one sample to µ-law.
func LinearToULaw(s int16) byte {
	v := int(s) >> 2 // µ-law works on 14 bits
	mask := 0xFF
	if v < 0 {
		v = -v
		mask = 0x7F
	}
	v = min(v, ulawClip) + ulawBias>>2
	seg := ulawSegment(v)
	if seg >= 8 {
		return byte(0x7F ^ mask)
	}
	return byte((seg<<4 | (v>>(seg+1))&0xF) ^ mask)
}

// ULawToLinear expands one µ-law byte.
func ULawToLinear(u byte) int16 {
	u = ^u
	t := (int(u&0x0F) << 3) + ulawBias
	t <<= (u & 0x70) >> 4
	if u&0x80 != 0 {
		return int16(ulawBias - t)
	}
	return int16(t - ulawBias)
}

// LinearToALaw compands one sample to A-law.
func LinearToALaw(s int16) byte {
	v := int(s) >> 3 // A-law works on 13 bits
	mask := 0xD5     // even bits inverted, sign bit set for positive (G.711 §A)
	if v < 0 {
		mask = 0x55
		v = -v - 1
	}
	seg := alawSegment(v)
	if seg >= 8 {
		return byte(0x7F ^ mask)
	}
	a := seg << 4
	if seg < 2 {
		a |= (v >> 1) & 0x0F
	} else {
		a |= (v >> seg) & 0x0F
	}
	return byte(a ^ mask)
}

// ALawToLinear expands one A-law byte.
func ALawToLinear(a byte) int16 {
	a ^= 0x55
	t := int(a&0x0F) << 4
	seg := (a & 0x70) >> 4
	switch seg {
	case 0:
		t += 8
	case 1:
		t += 0x108
	default:
		t += 0x108
		t <<= seg - 1
	}
	if a&0x80 != 0 {
		return int16(t)
	}
	return int16(-t)
}
