package telephony_test

import (
	"testing"
	"time"

	"tsunagu"
)

// TestServer_ClosedNumber: a number outside its business hours tells the
// caller so, hangs up and queues nobody: the contact ends {"by":"closed"}.
func TestServer_ClosedNumber(t *testing.T) {
	t.Parallel()
	c := newCenter(t, "127.0.0.1/32", nil)
	never := &tsunagu.BusinessHours{Week: map[string][]string{}} // no open day at all
	must(t, c.db.CreateTrunk(t.Context(), &tsunagu.Trunk{TenantID: tenant, ID: "night", Name: "夜間", AllowedNets: []string{"127.0.0.1/32"},
		Numbers: []tsunagu.DID{{Number: "0312340000", DefaultQueue: "general", Hours: never}}}))
	rtpConn, _ := rawCall(t, c, "closed-number", "0312340000")
	listenFor(t, rtpConn, "ja/closed")
	got := c.until(t, tsunagu.EventContactEnded)
	if p := payload(t, got[len(got)-1]); p["by"] != "closed" {
		t.Errorf("ended %v, want by closed", p)
	}
	for _, e := range got {
		if e.Type == tsunagu.EventContactQueued || e.Type == tsunagu.EventContactIVRDone {
			t.Errorf("a closed number queued the caller: %v", types(got))
		}
	}
}

// TestServer_DirectNumber: a direct number queues the caller without the
// greeting. The built-in greeting lasts over two seconds, so a caller
// queued sooner than that after arriving did not hear it.
func TestServer_DirectNumber(t *testing.T) {
	t.Parallel()
	c := newCenter(t, "127.0.0.1/32", nil)
	must(t, c.db.CreateTrunk(t.Context(), &tsunagu.Trunk{TenantID: tenant, ID: "direct", Name: "直通", AllowedNets: []string{"127.0.0.1/32"},
		Numbers: []tsunagu.DID{{Number: "0312349999", DefaultQueue: "general", Direct: true}}}))
	rawCall(t, c, "direct-number", "0312349999")
	got := c.until(t, tsunagu.EventContactQueued)
	arrived, queued := got[0], got[len(got)-1]
	if p := payload(t, queued); arrived.Type != tsunagu.EventContactArrived || p["queue_id"] != "general" {
		t.Fatalf("events %v, queued %v", types(got), p)
	}
	if d := queued.Time.Sub(arrived.Time); d >= 2*time.Second {
		t.Fatalf("queued %v after arriving: the greeting played", d)
	}
}
