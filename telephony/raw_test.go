package telephony_test

import (
	"math"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"tsunagu"
	"tsunagu/media"
)

// exchange sends one raw SIP datagram and returns the first final response
// (provisional ones skipped), or "" when none comes.
func exchange(t *testing.T, to, msg string, wait time.Duration) string {
	t.Helper()
	c, err := net.Dial("udp", to)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	local := c.LocalAddr().String()
	msg = strings.ReplaceAll(strings.ReplaceAll(msg, "LOCAL", local), "\n", "\r\n")
	if _, err := c.Write([]byte(msg)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	for {
		c.SetReadDeadline(time.Now().Add(wait))
		n, err := c.Read(buf)
		if err != nil {
			return ""
		}
		if r := string(buf[:n]); !strings.HasPrefix(r, "SIP/2.0 1") {
			return r
		}
	}
}

func TestServer_BadRequests(t *testing.T) {
	t.Parallel()
	c := newCenter(t, "127.0.0.1/32", nil)
	addr := c.srv.Addr().String()
	invite := func(body string, extra string) string {
		return "INVITE sip:0312345678@" + addr + " SIP/2.0\n" +
			"Via: SIP/2.0/UDP LOCAL;branch=z9hG4bK-" + time.Now().Format("150405.000000000") + "\n" +
			"From: <sip:09012345678@LOCAL>;tag=1\nTo: <sip:0312345678@" + addr + ">\n" +
			"Call-ID: raw-" + time.Now().Format("150405.000000000") + "\nCSeq: 1 INVITE\nMax-Forwards: 70\n" + extra +
			"Content-Type: application/sdp\nContent-Length: " + strconv.Itoa(len(body)) + "\n\n" + body
	}
	tests := []struct {
		name, msg, want string
	}{
		{"NoContact", invite("v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 4000 RTP/AVP 0\r\n", ""), "SIP/2.0 400 "},
		{"BadSDP", invite("v=0\r\nc=IN IP4 nohost\r\nm=audio 4000 RTP/AVP 0\r\n", "Contact: <sip:a@LOCAL>\n"), "SIP/2.0 400 "},
		{"NoCommonCodec", invite("v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 4000 RTP/AVP 9 18\r\n", "Contact: <sip:a@LOCAL>\n"), "SIP/2.0 488 "},
		{"ByeOutsideDialog", "BYE sip:x@" + addr + " SIP/2.0\nVia: SIP/2.0/UDP LOCAL;branch=z9hG4bK-bye1\nFrom: <sip:a@LOCAL>;tag=1\n" +
			"To: <sip:b@" + addr + ">;tag=2\nCall-ID: nothing\nCSeq: 2 BYE\nMax-Forwards: 70\nContent-Length: 0\n\n", "SIP/2.0 481 "},
		{"Options", "OPTIONS sip:" + addr + " SIP/2.0\nVia: SIP/2.0/UDP LOCAL;branch=z9hG4bK-opt1\nFrom: <sip:a@LOCAL>;tag=1\n" +
			"To: <sip:" + addr + ">\nCall-ID: opt\nCSeq: 1 OPTIONS\nMax-Forwards: 70\nContent-Length: 0\n\n", "SIP/2.0 200 "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := exchange(t, addr, tt.msg, 5*time.Second); !strings.HasPrefix(got, tt.want) {
				t.Errorf("got %q, want %q", firstLine(got), tt.want)
			}
		})
	}
	// Garbage over UDP is dropped, and the server still answers afterwards.
	if got := exchange(t, addr, "\x00\x01garbage\n\n", 300*time.Millisecond); got != "" {
		t.Errorf("garbage answered with %q", firstLine(got))
	}
	if got := exchange(t, addr, tests[4].msg, 5*time.Second); !strings.HasPrefix(got, "SIP/2.0 200 ") {
		t.Errorf("after garbage: %q", firstLine(got))
	}
}

func firstLine(s string) string { l, _, _ := strings.Cut(s, "\r\n"); return l }

// rawCall places a hand-made call whose SDP points at a socket of the test
// and returns that socket (what the caller hears) and a hang-up.
func rawCall(t *testing.T, c *center, callID, dialled string) (*net.UDPConn, func()) {
	t.Helper()
	addr := c.srv.Addr().String()
	rtpConn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rtpConn.Close() })
	sipConn, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sipConn.Close() })
	local := sipConn.LocalAddr().String()
	body := "v=0\r\no=t 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio " +
		strconv.Itoa(rtpConn.LocalAddr().(*net.UDPAddr).Port) + " RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n"
	head := func(method, cseq, toTag string) string {
		return method + " sip:" + dialled + "@" + addr + " SIP/2.0\r\nVia: SIP/2.0/UDP " + local + ";branch=z9hG4bK-" + method + "\r\n" +
			"From: <sip:09012345678@" + local + ">;tag=caller\r\nTo: <sip:" + dialled + "@" + addr + ">" + toTag + "\r\n" +
			"Call-ID: " + callID + "\r\nCSeq: " + cseq + "\r\nContact: <sip:09012345678@" + local + ">\r\nMax-Forwards: 70\r\n"
	}
	send := func(s string) {
		if _, err := sipConn.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	send(head("INVITE", "1 INVITE", "") + "Content-Type: application/sdp\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body)
	buf := make([]byte, 4096)
	var ok string
	for ok == "" {
		sipConn.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, err := sipConn.Read(buf)
		if err != nil {
			t.Fatal("no 200 OK: ", err)
		}
		if r := string(buf[:n]); strings.HasPrefix(r, "SIP/2.0 200 ") {
			ok = r
		}
	}
	_, to, _ := strings.Cut(ok, "\r\nTo: ")
	to, _, _ = strings.Cut(to, "\r\n")
	_, tag, _ := strings.Cut(to, ">")
	send(head("ACK", "1 ACK", tag) + "Content-Length: 0\r\n\r\n")
	return rtpConn, func() { send(head("BYE", "2 BYE", tag) + "Content-Length: 0\r\n\r\n") }
}

// TestServer_CallerHearsGreeting checks what the caller hears: 20 ms PCMU
// packets from one SSRC carrying speech (the greeting), not silence.
func TestServer_CallerHearsGreeting(t *testing.T) {
	t.Parallel()
	c := newCenter(t, "127.0.0.1/32", nil)
	rtpConn, bye := rawCall(t, c, "hear-greeting", "0312345678")
	buf := make([]byte, 4096)

	// One second of what the caller hears.
	var ssrc uint32
	var seq uint16
	var energy float64
	for i := range 50 {
		rtpConn.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, err := rtpConn.Read(buf)
		if err != nil {
			t.Fatal("no RTP: ", err)
		}
		if n != 12+160 || buf[1]&0x7f != 0 {
			t.Fatalf("packet %d: %d bytes, payload type %d; want 20 ms of PCMU", i, n, buf[1]&0x7f)
		}
		s, q := uint32(buf[8])<<24|uint32(buf[9])<<16|uint32(buf[10])<<8|uint32(buf[11]), uint16(buf[2])<<8|uint16(buf[3])
		if i > 0 && (s != ssrc || q != seq+1) {
			t.Fatalf("packet %d: ssrc %x seq %d after %x %d", i, s, q, ssrc, seq)
		}
		ssrc, seq = s, q
		for _, b := range buf[12:n] {
			v := float64(media.ULawToLinear(b))
			energy += v * v
		}
	}
	if rms := math.Sqrt(energy / (50 * 160)); rms < 300 {
		t.Errorf("the first second is silent (rms %.0f)", rms)
	}
	bye()
	got := c.until(t, tsunagu.EventContactEnded)
	if p := payload(t, got[len(got)-1]); p["by"] != "caller" || len(got) != 2 {
		t.Errorf("events %v, ended %v", types(got), p)
	}
}
