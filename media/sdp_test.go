package media

import (
	"net/netip"
	"strings"
	"testing"
)

const sippOffer = "v=0\r\no=user1 53655765 2353687637 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" +
	"m=audio 6000 RTP/AVP 8 0 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-11,16\r\n"

func TestNegotiate(t *testing.T) {
	tests := []struct {
		name, sdp string
		codec     Codec
		dtmf      int
		err       bool
	}{
		{"CallerOrderPCMA", sippOffer, PCMA, 101, false},
		{"StaticWithoutRTPMap", "v=0\nc=IN IP4 10.0.0.1\nm=audio 4000 RTP/AVP 0\n", PCMU, -1, false},
		{"SkipsUnknownFirst", "v=0\nc=IN IP4 10.0.0.1\nm=audio 4000 RTP/AVP 9 18 8 96\na=rtpmap:96 telephone-event/8000\n", PCMA, 96, false},
		{"MediaLevelAddr", "v=0\nm=video 5000 RTP/AVP 96\nc=IN IP4 10.0.0.2\nm=audio 4000 RTP/AVP 0\nc=IN IP6 ::1\n", PCMU, -1, false},
		{"NoCommonCodec", "v=0\nc=IN IP4 10.0.0.1\nm=audio 4000 RTP/AVP 9 18\n", 0, 0, true},
		{"DisabledAudio", "v=0\nc=IN IP4 10.0.0.1\nm=audio 0 RTP/AVP 0\n", 0, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := ParseOffer([]byte(tt.sdp))
			if err != nil {
				t.Fatal(err)
			}
			p, err := Negotiate(o)
			if tt.err {
				if err != ErrNoCommonCodec {
					t.Fatalf("err %v, want ErrNoCommonCodec", err)
				}
				return
			}
			if err != nil || p.Codec != tt.codec || p.DTMFPayloadType != tt.dtmf {
				t.Fatalf("got %+v, %v", p, err)
			}
		})
	}
}

func TestParseOffer_Invalid(t *testing.T) {
	for _, s := range []string{
		"", "hello", "v=1\n", "v=0\n", "v=0\nc=IN IP4 nohost\nm=audio 4000 RTP/AVP 0\n",
		"v=0\nm=audio 4000 RTP/AVP 0\n", "v=0\nc=IN IP4 1.2.3.4\nm=audio 70000 RTP/AVP 0\n",
		"v=0\nc=IN IP4 1.2.3.4\nm=audio 4000 RTP/AVP 0\na=rtpmap:x PCMU/8000\n",
		"v=0\n" + strings.Repeat("a=x\n", 5000),
	} {
		if _, err := ParseOffer([]byte(s)); err == nil {
			t.Errorf("ParseOffer(%q) succeeded", truncate(s))
		}
	}
}

func TestAnswer(t *testing.T) {
	o, err := ParseOffer([]byte("v=0\r\nc=IN IP4 192.0.2.1\r\nm=audio 4000 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\nm=video 5000 RTP/AVP 96\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := Negotiate(o)
	if err != nil {
		t.Fatal(err)
	}
	if p.Remote != netip.MustParseAddrPort("192.0.2.1:4000") {
		t.Errorf("remote %v", p.Remote)
	}
	got := string(Answer(o, p, netip.MustParseAddrPort("127.0.0.1:20000"), 42))
	for _, want := range []string{"c=IN IP4 127.0.0.1\r\n", "m=audio 20000 RTP/AVP 0 101\r\n", "a=rtpmap:0 PCMU/8000\r\n",
		"a=rtpmap:101 telephone-event/8000\r\n", "a=sendrecv\r\n", "m=video 0 RTP/AVP 96\r\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("answer lacks %q:\n%s", want, got)
		}
	}
	// Our answer is itself a valid offer with the same choice.
	o2, err := ParseOffer([]byte(got))
	if err != nil {
		t.Fatal(err)
	}
	if p2, err := Negotiate(o2); err != nil || p2.Codec != PCMU || p2.DTMFPayloadType != 101 {
		t.Errorf("re-negotiated %+v, %v", p2, err)
	}
}

// FuzzParseOffer: no input may panic, and whatever parses negotiates and
// answers without panicking. Seeds are in testdata/fuzz/FuzzParseOffer.
func FuzzParseOffer(f *testing.F) {
	f.Add([]byte(sippOffer))
	f.Fuzz(func(t *testing.T, b []byte) {
		o, err := ParseOffer(b)
		if err != nil {
			return
		}
		if p, err := Negotiate(o); err == nil {
			Answer(o, p, netip.MustParseAddrPort("127.0.0.1:20000"), 1)
		}
	})
}
