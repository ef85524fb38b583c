package telephony_test

import (
	"bytes"
	"context"
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
	rtpConn, bye := rawCall(t, c, "hear-position")
	defer bye()

	// µ-law has two codes for zero; the server re-encodes decoded samples,
	// so compare with 0x7f folded into 0xff.
	fold := func(b []byte) []byte {
		return bytes.ReplaceAll(bytes.Clone(b), []byte{0x7f}, []byte{0xff})
	}
	clip := func(name string) []byte {
		b, err := os.ReadFile("prompts/ja/" + name + ".ul")
		if err != nil {
			t.Fatal(err)
		}
		mid := len(b) / 2
		return fold(b[mid : mid+400]) // 50 ms from the middle of the word
	}
	three, four := clip("n3"), clip("n4")

	var heard []byte
	buf := make([]byte, 2048)
	deadline := time.Now().Add(30 * time.Second)
	for !bytes.Contains(heard, three) {
		if time.Now().After(deadline) {
			t.Fatalf("no 3番目 in %.1f s of what the caller heard", float64(len(heard))/8000)
		}
		rtpConn.SetReadDeadline(deadline)
		n, err := rtpConn.Read(buf)
		if err != nil {
			t.Fatal("RTP stopped: ", err)
		}
		if n > 12 {
			heard = append(heard, fold(buf[12:n])...)
		}
	}
	if bytes.Contains(heard, four) {
		t.Error("the caller also heard 4番目")
	}
	if got := c.until(t, tsunagu.EventContactQueued); len(got) == 0 {
		t.Error("no contact:queued")
	}
}
