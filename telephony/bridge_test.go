package telephony_test

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"tsunagu"
	"tsunagu/softphone"
	"tsunagu/softphone/softphonetest"
	"tsunagu/telephony"
)

// The bridge tests put every real part together on loopback: sipp as a
// PCMA trunk caller playing recorded speech, telephony taking it through
// the menu into the queue, the softphone answering a pion PeerConnection
// that plays the agent's browser (PCMU, a 440 Hz tone), and Connect
// joining them. Audio is counted where it arrives.

// router records what telephony tells the ACD.
type router struct {
	enqueued chan tsunagu.ContactID
	ended    chan tsunagu.ContactID
}

func newRouter() *router {
	return &router{enqueued: make(chan tsunagu.ContactID, 4), ended: make(chan tsunagu.ContactID, 4)}
}

func (r *router) Enqueue(_ context.Context, c *tsunagu.Contact) error {
	r.enqueued <- c.ID
	return nil
}
func (r *router) Abandoned(context.Context, tsunagu.TenantID, tsunagu.ContactID) {}
func (r *router) Ended(_ context.Context, _ tsunagu.TenantID, id tsunagu.ContactID) {
	r.ended <- id
}

// connectBrowser connects a stand-in browser (counting want frames) as
// key's softphone and returns once both sides see ICE connected: the
// browser can see it a moment before the server does.
func connectBrowser(t *testing.T, sp *softphone.Server, key tsunagu.AgentID, want int64) *softphonetest.Browser {
	t.Helper()
	b := softphonetest.NewBrowser(t, want)
	up := make(chan struct{})
	var once sync.Once
	b.PC.OnICEConnectionStateChange(func(st webrtc.ICEConnectionState) {
		if st == webrtc.ICEConnectionStateConnected {
			once.Do(func() { close(up) })
		}
	})
	answer, err := sp.Answer(t.Context(), key, b.Offer(t))
	if err != nil {
		t.Fatal(err)
	}
	b.Accept(t, answer)
	select {
	case <-up:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: the browser's ICE did not connect", key)
	}
	wctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := sp.WaitConnected(wctx, key); err != nil {
		t.Fatalf("%s: the server's side did not connect: %v", key, err)
	}
	return b
}

// agentPhone starts a softphone server and a connected "browser" for
// agent a1 that speaks until the test ends.
func agentPhone(t *testing.T, want int64) (*softphone.Server, *softphonetest.Browser) {
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
	b := connectBrowser(t, sp, "a1", want)
	ctx, stop := context.WithCancel(context.Background())
	t.Cleanup(stop) // runs before the browser's cleanup, which waits for speak
	b.Speak(ctx)
	return sp, b
}

func TestServer_Connect(t *testing.T) {
	t.Parallel()
	t.Run("AgentHangsUp", func(t *testing.T) {
		t.Parallel()
		r := newRouter()
		c := newCenter(t, "127.0.0.1/32", func(cfg *telephony.Config) { cfg.Router = r })
		// 100 voiced frames: two seconds of the caller's speech.
		sp, b := agentPhone(t, 100)
		ctx := t.Context()
		if !sp.Connected("a1") {
			t.Fatal("softphone not connected")
		}
		if err := c.srv.Connect(ctx, "nosuchcontact", nil); err == nil {
			t.Error("Connect without a leg")
		}
		leg, _ := sp.Leg("a1")
		if err := c.srv.Connect(ctx, "nosuchcontact", leg); tsunagu.ErrorCode(err) != tsunagu.ENOTFOUND {
			t.Errorf("Connect to no call: %v, want not_found", err)
		}

		var sippErr error
		var trace string
		var wg sync.WaitGroup
		start := time.Now()
		wg.Go(func() { sippErr, trace = sipp(t, c.srv, "uac_bridge_agent_bye.xml", dialled, "-rtp_echo") })
		got := c.until(t, tsunagu.EventContactQueued)
		id := got[0].ContactID
		<-r.enqueued
		before, _ := c.srv.Stats(id)
		if err := c.srv.Connect(ctx, id, leg); err != nil {
			t.Fatal(err)
		}
		if err := c.srv.Connect(ctx, id, leg); tsunagu.ErrorCode(err) != tsunagu.ECONFLICT {
			t.Errorf("second Connect: %v, want conflict", err)
		}
		connected := time.Now()
		select {
		case <-b.Heard:
		case <-time.After(15 * time.Second):
			st, _ := c.srv.Stats(id)
			t.Fatalf("the browser heard %d voiced frames; call %+v", b.Voiced.Load(), st)
		}
		heardIn := time.Since(connected)
		st, ok := c.srv.Stats(id)
		if !ok {
			t.Fatal("no live call")
		}
		looped := st.RTP.Looped - before.RTP.Looped
		t.Logf("caller->agent: browser heard %d voiced frames (bridge: %d frames, %d voiced, %d dropped); "+
			"agent->caller: bridge sent %d frames, %d voiced, sipp echoed %d of our packets; heard in %v",
			b.Voiced.Load(), st.Bridge.ToLeg, st.Bridge.ToLegVoiced, st.Bridge.Dropped,
			st.Bridge.FromLeg, st.Bridge.FromLegVoiced, looped, heardIn)
		// The bridge counts a frame after WriteFrame returns, so it may
		// trail the browser's count by a frame or two.
		if st.Bridge.ToLegVoiced < 95 || st.Bridge.FromLegVoiced < 50 || looped < 50 {
			t.Errorf("audio did not flow both ways: %+v, looped %d", st, looped)
		}

		// Hold and resume: the caller goes to the music and comes back to
		// the operator; each is refused when it makes no sense.
		if err := c.srv.Hold(ctx, id); err != nil {
			t.Fatalf("hold: %v", err)
		}
		if err := c.srv.Hold(ctx, id); tsunagu.ErrorCode(err) != tsunagu.ECONFLICT {
			t.Errorf("second Hold: %v, want conflict", err)
		}
		if err := c.srv.Resume(ctx, id); err != nil {
			t.Fatalf("resume: %v", err)
		}
		if err := c.srv.Resume(ctx, id); tsunagu.ErrorCode(err) != tsunagu.ECONFLICT {
			t.Errorf("second Resume: %v, want conflict", err)
		}

		if err := c.srv.Hangup(ctx, id); err != nil {
			t.Fatal(err)
		}
		if err := c.srv.Hangup(ctx, id); tsunagu.ErrorCode(err) != tsunagu.ENOTFOUND {
			t.Errorf("second Hangup: %v, want not_found", err)
		}
		got = c.until(t, tsunagu.EventContactEnded)
		wg.Wait()
		if sippErr != nil {
			t.Fatal(sippErr)
		}
		t.Logf("sipp call took %v", time.Since(start))
		if p := payload(t, got[len(got)-1]); p["by"] != "agent" {
			t.Errorf("ended payload %v, want by agent", p)
		}
		for _, e := range got {
			if e.Type == tsunagu.EventContactAbandoned {
				t.Errorf("a connected call recorded as abandoned")
			}
		}
		if !strings.Contains(trace, "RTP/AVP 8 101") {
			t.Errorf("the answer did not choose PCMA (no transcoding tested):\n%s", tail(trace, 2000))
		}
		ct, err := c.db.FindContact(ctx, tenant, id)
		must(t, err)
		if ct.State != tsunagu.ContactEnded || ct.EndedAt == nil {
			t.Errorf("contact %+v", ct)
		}
		select {
		case e := <-r.ended:
			if e != id {
				t.Errorf("Router.Ended(%s), want %s", e, id)
			}
		default:
			t.Error("Router.Ended not called")
		}
	})
	t.Run("CallerHangsUp", func(t *testing.T) {
		t.Parallel()
		r := newRouter()
		c := newCenter(t, "127.0.0.1/32", func(cfg *telephony.Config) { cfg.Router = r })
		sp, _ := agentPhone(t, 1)
		leg, _ := sp.Leg("a1")
		var sippErr error
		var wg sync.WaitGroup
		wg.Go(func() { sippErr, _ = sipp(t, c.srv, "uac_bridge_caller_bye.xml", dialled) })
		id := c.until(t, tsunagu.EventContactQueued)[0].ContactID
		if err := c.srv.Hold(t.Context(), id); tsunagu.ErrorCode(err) != tsunagu.ECONFLICT {
			t.Errorf("Hold while queued: %v, want conflict", err)
		}
		if err := c.srv.Connect(t.Context(), id, leg); err != nil {
			t.Fatal(err)
		}
		got := c.until(t, tsunagu.EventContactEnded)
		wg.Wait()
		if sippErr != nil {
			t.Fatal(sippErr)
		}
		if p := payload(t, got[len(got)-1]); p["by"] != "caller" {
			t.Errorf("ended payload %v, want by caller", p)
		}
		select {
		case e := <-r.ended:
			if e != id {
				t.Errorf("Router.Ended(%s), want %s", e, id)
			}
		case <-time.After(5 * time.Second):
			t.Error("Router.Ended not called")
		}
		if err := c.srv.Hangup(t.Context(), id); tsunagu.ErrorCode(err) != tsunagu.ENOTFOUND {
			t.Errorf("Hangup after the caller left: %v, want not_found", err)
		}
	})
}
