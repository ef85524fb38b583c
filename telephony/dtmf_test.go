package telephony_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"math"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"

	"tsunagu"
	"tsunagu/media"
	"tsunagu/telephony"
)

// TestServer_SendDTMF is the operator's keypad on a real call: sipp places
// the call, but its SDP names a port this test reads, so every packet the
// server sends toward the caller is checked here. A caller who offered
// telephone-event (as payload type 96, not the usual 101) gets the digits
// as RFC 4733 events; one who offered none gets them as tones in the
// audio, which a Goertzel detector reads back as a remote IVR would. The
// log says how many digits went, never which.
func TestServer_SendDTMF(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, formats string
		inBand        bool
	}{
		{"Events", "0 96", false},
		{"InBand", "0", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newRouter()
			var logs syncBuf
			c := newCenter(t, "127.0.0.1/32", func(cfg *telephony.Config) {
				cfg.Router = r
				cfg.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			})
			sp, _ := agentPhone(t, 1)
			leg, _ := sp.Leg("a1")
			peer, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
			if err != nil {
				t.Fatal(err)
			}
			defer peer.Close()
			var sippErr error
			var wg sync.WaitGroup
			wg.Go(func() {
				sippErr, _ = sipp(t, c.srv, "uac_keypad.xml", dialled,
					"-key", "rtpport", fmt.Sprint(peer.LocalAddr().(*net.UDPAddr).Port), "-key", "formats", tc.formats)
			})
			id := c.until(t, tsunagu.EventContactQueued)[0].ContactID
			ctx := t.Context()
			if err := c.srv.SendDTMF(ctx, tenant, id, "1"); tsunagu.ErrorCode(err) != tsunagu.ENOTFOUND {
				t.Errorf("SendDTMF while queued: %v, want not_found", err)
			}
			if err := c.srv.Connect(ctx, id, leg); err != nil {
				t.Fatal(err)
			}
			for _, bad := range []string{"", "12x", "1234567890123456789012345678901234"} {
				if err := c.srv.SendDTMF(ctx, tenant, id, bad); tsunagu.ErrorCode(err) != tsunagu.EINVALID || tsunagu.ErrorField(err) != "digits" {
					t.Errorf("SendDTMF(%q): %v, want invalid on digits", bad, err)
				}
			}
			if err := c.srv.SendDTMF(ctx, "other", id, "1"); tsunagu.ErrorCode(err) != tsunagu.ENOTFOUND {
				t.Errorf("SendDTMF from another tenant: %v, want not_found", err)
			}
			const code = "7319#"
			if err := c.srv.SendDTMF(ctx, tenant, id, code[:2]); err != nil {
				t.Fatal(err)
			}
			if err := c.srv.SendDTMF(ctx, tenant, id, code[2:]); err != nil { // queued after the first two
				t.Fatal(err)
			}
			got := readDigits(t, peer, len(code), tc.inBand)
			if got != code {
				t.Errorf("the caller received %q, want %q", got, code)
			}
			if err := c.srv.Hangup(ctx, id); err != nil {
				t.Fatal(err)
			}
			wg.Wait()
			if sippErr != nil {
				t.Fatal(sippErr)
			}
			log := logs.String()
			if !strings.Contains(log, "call dtmf sent") || !strings.Contains(log, fmt.Sprintf("in_band=%v", tc.inBand)) {
				t.Errorf("no count of the digits in the log:\n%s", log)
			}
			if strings.Contains(log, "19#") || strings.Contains(log, "digits=") { // "#" is in no ID
				t.Errorf("the digits are in the log:\n%s", log)
			}
		})
	}
}

// readDigits reads the server's RTP toward the caller until want digits
// have arrived: as RFC 4733 events (one digit per event timestamp, at its
// first end packet), or in band, as tones found 20 ms at a time.
func readDigits(t *testing.T, c *net.UDPConn, want int, inBand bool) string {
	t.Helper()
	var out strings.Builder
	var pkt rtp.Packet
	buf := make([]byte, 1500)
	ended := map[uint32]bool{}
	var pcm []int16
	last := rune(0)
	deadline := time.Now().Add(15 * time.Second)
	for n := 0; n < want; {
		c.SetReadDeadline(deadline)
		k, err := c.Read(buf)
		if err != nil {
			t.Fatalf("after %q: %v", out.String(), err)
		}
		if pkt.Unmarshal(buf[:k]) != nil {
			continue
		}
		switch {
		case !inBand && pkt.PayloadType == 96:
			e, err := media.DecodeEvent(pkt.Payload)
			if err != nil {
				t.Fatal(err)
			}
			if e.End && !ended[pkt.Timestamp] {
				ended[pkt.Timestamp] = true
				out.WriteRune(e.Digit())
				n++
			}
		case pkt.PayloadType == 0:
			if !inBand {
				continue
			}
			pcm = append(pcm, media.PCMU.Decode(make([]int16, len(pkt.Payload)), pkt.Payload)...)
			for len(pcm) >= 160 {
				d := toneDigit(pcm[:160])
				if d != 0 && d != last {
					out.WriteRune(d)
					n++
				}
				last, pcm = d, pcm[160:]
			}
		default:
			t.Fatalf("payload type %d toward a caller who offered %v", pkt.PayloadType, map[bool]string{true: "PCMU only", false: "PCMU and 96"}[inBand])
		}
	}
	return out.String()
}

// toneDigit is a Goertzel DTMF detector over one 20 ms window: the key
// whose row and column tones stand well above the others and carry most
// of the window's energy, or 0 (silence, the operator's voice, the gap).
func toneDigit(w []int16) rune {
	power := func(f float64) float64 {
		k := 2 * math.Cos(2*math.Pi*f/8000)
		var s1, s2 float64
		for _, x := range w {
			s1, s2 = float64(x)+k*s1-s2, s1
		}
		return s1*s1 + s2*s2 - k*s1*s2
	}
	best := func(fs []float64) (int, float64, float64) {
		bi, bp, second := 0, 0.0, 0.0
		for i, f := range fs {
			if p := power(f); p > bp {
				bi, bp, second = i, p, bp
			} else if p > second {
				second = p
			}
		}
		return bi, bp, second
	}
	r, rp, r2 := best([]float64{697, 770, 852, 941})
	col, cp, c2 := best([]float64{1209, 1336, 1477, 1633})
	var energy float64
	for _, x := range w {
		energy += float64(x) * float64(x)
	}
	if energy < float64(len(w))*100 || rp < 10*r2 || cp < 10*c2 || (rp+cp)*2/float64(len(w)) < 0.5*energy {
		return 0
	}
	return rune([]string{"123A", "456B", "789C", "*0#D"}[r][col])
}

// syncBuf is a log sink the server's goroutines write while the test reads.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
