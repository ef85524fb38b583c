package telephony_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"tsunagu"
	"tsunagu/media"
	"tsunagu/softphone"
	"tsunagu/softphone/softphonetest"
	"tsunagu/telephony"
)

// The transfer tests are the bridge tests with two operators: sipp as the
// caller (PCMA speech, echoing what it hears), two pion "browsers" on one
// softphone server, each speaking a tone. Audio is counted where it
// arrives: at each browser, and at the server for what sipp echoed back.

// twoPhones starts a softphone server with connected browsers for agents
// a1 and a2 that speak until the test ends.
func twoPhones(t *testing.T) (a, b media.Leg, ba, bb *softphonetest.Browser) {
	t.Helper()
	sp, err := softphone.New(softphone.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := sp.Close(ctx); err != nil {
			t.Error(err)
		}
	})
	var legs [2]media.Leg
	var browsers [2]*softphonetest.Browser
	for i, agent := range []tsunagu.AgentID{"a1", "a2"} {
		br := connectBrowser(t, sp, agent, 1<<40) // counts; Heard is not used
		ctx, stop := context.WithCancel(context.Background())
		t.Cleanup(stop)
		br.Speak(ctx)
		legs[i], _ = sp.Leg(agent)
		browsers[i] = br
	}
	return legs[0], legs[1], browsers[0], browsers[1]
}

// eventually polls cond until it holds, failing the test after 15 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		<-tick.C
	}
}

func stats(t *testing.T, c *center, id tsunagu.ContactID) telephony.CallStats {
	t.Helper()
	st, ok := c.srv.Stats(id)
	if !ok {
		t.Fatal("no live call")
	}
	return st
}

// TestServer_BlindTransfer: the caller talks to a1, is requeued (a1 hears
// nothing more, the caller keeps hearing us: the hold music), then talks to
// a2 both ways; a2 hangs up.
func TestServer_BlindTransfer(t *testing.T) {
	t.Parallel()
	r := newRouter()
	c := newCenter(t, "127.0.0.1/32", func(cfg *telephony.Config) { cfg.Router = r })
	legA, legB, ba, bb := twoPhones(t)
	ctx := t.Context()
	var sippErr error
	var wg sync.WaitGroup
	wg.Go(func() { sippErr, _ = sipp(t, c.srv, "uac_transfer.xml", dialled, "-rtp_echo") })
	id := c.until(t, tsunagu.EventContactQueued)[0].ContactID
	<-r.enqueued
	if err := c.srv.Requeue(ctx, id); tsunagu.ErrorCode(err) != tsunagu.ECONFLICT {
		t.Errorf("Requeue while queued: %v, want conflict", err)
	}
	must(t, c.srv.Connect(ctx, id, legA))
	eventually(t, "a1 to hear the caller", func() bool { return ba.Voiced.Load() >= 50 })

	must(t, c.srv.Requeue(ctx, id))
	if err := c.srv.Hold(ctx, id); tsunagu.ErrorCode(err) != tsunagu.ECONFLICT {
		t.Errorf("Hold while requeued: %v, want conflict", err)
	}
	if err := c.srv.ConsultJoin(ctx, id, legB); tsunagu.ErrorCode(err) != tsunagu.ECONFLICT {
		t.Errorf("ConsultJoin while requeued: %v, want conflict", err)
	}
	heardA := ba.Voiced.Load()
	// While waiting the caller keeps receiving our audio (the music): sipp
	// echoes it back.
	before := stats(t, c, id).RTP.Looped
	eventually(t, "the requeued caller to receive audio", func() bool { return stats(t, c, id).RTP.Looped-before >= 25 })

	must(t, c.srv.Connect(ctx, id, legB))
	heardB := bb.Voiced.Load()
	loopedB := stats(t, c, id).RTP.Looped
	eventually(t, "a2 to hear the caller and the caller a2", func() bool {
		st := stats(t, c, id)
		return bb.Voiced.Load()-heardB >= 50 && st.Bridge.FromLegVoiced >= 50 && st.RTP.Looped-loopedB >= 50
	})
	st := stats(t, c, id)
	t.Logf("a2 heard %d voiced frames; bridge %+v; sipp echoed %d; a1 heard %d after the transfer",
		bb.Voiced.Load()-heardB, st.Bridge, st.RTP.Looped-loopedB, ba.Voiced.Load()-heardA)
	// A frame or two may have been on its way to a1 at the transfer.
	if n := ba.Voiced.Load() - heardA; n > 10 {
		t.Errorf("a1 heard %d voiced frames after transferring the caller", n)
	}
	must(t, c.srv.Hangup(ctx, id))
	got := c.until(t, tsunagu.EventContactEnded)
	wg.Wait()
	if sippErr != nil {
		t.Fatal(sippErr)
	}
	if p := payload(t, got[len(got)-1]); p["by"] != "agent" {
		t.Errorf("ended %v", p)
	}
	select {
	case e := <-r.ended:
		if e != id {
			t.Errorf("Router.Ended(%s)", e)
		}
	case <-time.After(5 * time.Second):
		t.Error("Router.Ended not called")
	}
}

// TestServer_WarmTransfer: a1 consults a2 while the caller hears music (the
// two operators hear each other), cancels (back to the caller), consults
// again and completes: the caller talks with a2 both ways.
func TestServer_WarmTransfer(t *testing.T) {
	t.Parallel()
	r := newRouter()
	c := newCenter(t, "127.0.0.1/32", func(cfg *telephony.Config) { cfg.Router = r })
	legA, legB, ba, bb := twoPhones(t)
	ctx := t.Context()
	var sippErr error
	var wg sync.WaitGroup
	wg.Go(func() { sippErr, _ = sipp(t, c.srv, "uac_transfer.xml", dialled, "-rtp_echo") })
	id := c.until(t, tsunagu.EventContactQueued)[0].ContactID
	<-r.enqueued
	must(t, c.srv.Connect(ctx, id, legA))
	if err := c.srv.ConsultEnd(ctx, id, true); tsunagu.ErrorCode(err) != tsunagu.ECONFLICT {
		t.Errorf("complete without a consultation: %v, want conflict", err)
	}
	eventually(t, "a1 to hear the caller", func() bool { return ba.Voiced.Load() >= 25 })

	consult := func() {
		t.Helper()
		must(t, c.srv.ConsultJoin(ctx, id, legB))
		a, b := ba.Voiced.Load(), bb.Voiced.Load()
		eventually(t, "a1 and a2 to hear each other", func() bool { return ba.Voiced.Load()-a >= 50 && bb.Voiced.Load()-b >= 50 })
	}
	consult()
	for name, err := range map[string]error{
		"Hold":        c.srv.Hold(ctx, id),
		"Requeue":     c.srv.Requeue(ctx, id),
		"ConsultJoin": c.srv.ConsultJoin(ctx, id, legB),
		"Connect":     c.srv.Connect(ctx, id, legB),
	} {
		if tsunagu.ErrorCode(err) != tsunagu.ECONFLICT {
			t.Errorf("%s during a consultation: %v, want conflict", name, err)
		}
	}
	must(t, c.srv.ConsultEnd(ctx, id, false)) // back to a1
	eventually(t, "the caller and a1 to talk again", func() bool {
		st := stats(t, c, id).Bridge
		return st.ToLegVoiced >= 25 && st.FromLegVoiced >= 25
	})
	consult()
	must(t, c.srv.ConsultEnd(ctx, id, true)) // the caller goes to a2
	heardA, heardB := ba.Voiced.Load(), bb.Voiced.Load()
	loopedB := stats(t, c, id).RTP.Looped
	eventually(t, "a2 and the caller to talk", func() bool {
		st := stats(t, c, id)
		return bb.Voiced.Load()-heardB >= 50 && st.Bridge.ToLegVoiced >= 50 && st.Bridge.FromLegVoiced >= 50 && st.RTP.Looped-loopedB >= 50
	})
	if n := ba.Voiced.Load() - heardA; n > 10 {
		t.Errorf("a1 heard %d voiced frames after completing the transfer", n)
	}
	t.Logf("after complete: bridge %+v", stats(t, c, id).Bridge)
	must(t, c.srv.Hangup(ctx, id))
	c.until(t, tsunagu.EventContactEnded)
	wg.Wait()
	if sippErr != nil {
		t.Fatal(sippErr)
	}
}
