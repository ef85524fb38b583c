package telephony_test

import (
	"bytes"
	"context"
	"net"
	"os"
	"testing"
	"time"

	"tsunagu"
	"tsunagu/telephony"
)

// posRouter queues every call and says it is at place pos.
type posRouter struct{ pos int }

func (r posRouter) Enqueue(context.Context, *tsunagu.Contact) error                { return nil }
func (r posRouter) Abandoned(context.Context, tsunagu.TenantID, tsunagu.ContactID) {}
func (r posRouter) Ended(context.Context, tsunagu.TenantID, tsunagu.ContactID)     {}
func (r posRouter) Position(context.Context, tsunagu.TenantID, tsunagu.ContactID) (int, error) {
	return r.pos, nil
}

// TestServer_QueuePositionAnnounced: a caller waiting in the queue hears
// "ただいまお待ちの順番は 3番目 です" after the wait prompt — the very
// samples of the 3番目 prompt arrive in their RTP, and no other number's.
func TestServer_QueuePositionAnnounced(t *testing.T) {
	t.Parallel()
	c := newCenter(t, "127.0.0.1/32", func(cfg *telephony.Config) {
		cfg.Router = posRouter{pos: 3}
		cfg.PositionEvery = 100 * time.Millisecond
	})
	rtpConn, bye := rawCall(t, c, "hear-position", "0312345678")
	defer bye()

	heard := listenFor(t, rtpConn, "ja/n3")
	if bytes.Contains(heard, promptSample(t, "ja/n4")) {
		t.Error("the caller also heard 4番目")
	}
	if got := c.until(t, tsunagu.EventContactQueued); len(got) == 0 {
		t.Error("no contact:queued")
	}
}

// fold maps µ-law's second code for zero (0x7f) onto the first (0xff): the
// server re-encodes decoded samples, so a prompt arrives with one of them.
func fold(b []byte) []byte { return bytes.ReplaceAll(bytes.Clone(b), []byte{0x7f}, []byte{0xff}) }

// promptSample is 50 ms from the middle of an embedded prompt ("ja/n3").
func promptSample(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("prompts/" + name + ".ul")
	if err != nil {
		t.Fatal(err)
	}
	mid := len(b) / 2
	return fold(b[mid : mid+400])
}

// listenFor reads what the caller hears until the prompt's samples arrive,
// failing after 30 s, and returns all of it.
func listenFor(t *testing.T, rtpConn *net.UDPConn, prompt string) []byte {
	t.Helper()
	want := promptSample(t, prompt)
	var heard []byte
	buf := make([]byte, 2048)
	deadline := time.Now().Add(30 * time.Second)
	for !bytes.Contains(heard, want) {
		rtpConn.SetReadDeadline(deadline)
		n, err := rtpConn.Read(buf)
		if err != nil {
			t.Fatalf("%s not heard in %.1f s of audio: %v", prompt, float64(len(heard))/8000, err)
		}
		if n > 12 {
			heard = append(heard, fold(buf[12:n])...)
		}
	}
	return heard
}
