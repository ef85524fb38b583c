package telephony_test

import (
	"context"
	"math"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"

	"tsunagu"
	"tsunagu/media"
)

// Tones that tell the voices apart in what each party hears.
const (
	callerHz     = 1000
	agentHz      = 440 // softphonetest's default
	supervisorHz = 1500
)

// rawEar is the hand-made caller's side of the audio: it speaks a tone to
// wherever the server's RTP comes from (symmetric RTP) and keeps what it
// hears, decoded.
type rawEar struct {
	mu      sync.Mutex
	heard   []int16
	changed chan struct{}
}

func newRawEar(t *testing.T, conn *net.UDPConn) *rawEar {
	e := &rawEar{changed: make(chan struct{})}
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { stop(); conn.Close(); wg.Wait() })
	from := make(chan netip.AddrPort, 1)
	wg.Go(func() {
		buf := make([]byte, 1500)
		var pkt rtp.Packet
		for {
			n, src, err := conn.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			if pkt.Unmarshal(buf[:n]) != nil || pkt.PayloadType != 0 {
				continue
			}
			select {
			case from <- src:
			default:
			}
			e.mu.Lock()
			for _, v := range pkt.Payload {
				e.heard = append(e.heard, media.ULawToLinear(v))
			}
			close(e.changed)
			e.changed = make(chan struct{})
			e.mu.Unlock()
		}
	})
	wg.Go(func() {
		var to netip.AddrPort
		select {
		case to = <-from:
		case <-ctx.Done():
			return
		}
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		payload := make([]byte, 160)
		for i := 0; ; i++ {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			for j := range payload {
				payload[j] = media.LinearToULaw(int16(8000 * math.Sin(2*math.Pi*callerHz*float64(i*160+j)/media.SampleRate)))
			}
			raw, _ := (&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 0, SequenceNumber: uint16(i),
				Timestamp: uint32(i * 160), SSRC: 0xCA11E4}, Payload: payload}).Marshal()
			if _, err := conn.WriteToUDPAddrPort(raw, to); err != nil {
				return
			}
		}
	})
	return e
}

func (e *rawEar) Received() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.heard)
}

func (e *rawEar) Samples(t testing.TB, from, to int, timeout time.Duration) []int16 {
	t.Helper()
	deadline := time.After(timeout)
	for {
		e.mu.Lock()
		n, ch := len(e.heard), e.changed
		if n >= to {
			out := append([]int16(nil), e.heard[from:to]...)
			e.mu.Unlock()
			return out
		}
		e.mu.Unlock()
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("caller: heard %d samples, waited for %d", n, to)
			return nil
		}
	}
}

// ear is what a party heard: the caller's socket or a browser.
type ear interface {
	Received() int
	Samples(t testing.TB, from, to int, timeout time.Duration) []int16
}

// next returns half a second of what e hears from now, after 200 ms for
// the change to reach it through the jitter buffers and queues.
func next(t *testing.T, e ear) []int16 {
	t.Helper()
	from := e.Received() + 1600
	return e.Samples(t, from, from+4000, 10*time.Second)
}

// TestServer_Monitor: a caller (1 kHz), an operator (440 Hz) and a
// supervisor (1.5 kHz) on one call. In each mode each party must hear
// exactly the voices the mode allows.
func TestServer_Monitor(t *testing.T) {
	t.Parallel()
	c, r, _ := recordingCenter(t)
	sp, agentB := agentPhone(t, 1)
	supB := browserOn(t, sp, "usr_sv", supervisorHz)
	agentLeg, _ := sp.Leg("a1")
	supLeg, _ := sp.Leg("usr_sv")
	ctx := t.Context()

	conn, bye := rawCall(t, c, "monitor-call", dialled)
	callerEar := newRawEar(t, conn)
	id := c.until(t, tsunagu.EventContactQueued)[0].ContactID
	<-r.enqueued
	if err := c.srv.Monitor(ctx, tenant, id, "usr_sv", supLeg, tsunagu.MonitorListen); tsunagu.ErrorCode(err) != tsunagu.ENOTFOUND {
		t.Errorf("monitor a queued call: %v", err)
	}
	if err := c.srv.Connect(ctx, id, agentLeg); err != nil {
		t.Fatal(err)
	}
	if err := c.srv.Monitor(ctx, tenant, id, "usr_sv", supLeg, "shout"); tsunagu.ErrorCode(err) != tsunagu.EINVALID {
		t.Errorf("unknown mode: %v", err)
	}
	if err := c.srv.Monitor(ctx, "other", id, "usr_sv", supLeg, tsunagu.MonitorListen); tsunagu.ErrorCode(err) != tsunagu.ENOTFOUND {
		t.Errorf("monitor from another tenant: %v", err)
	}
	if err := c.srv.StopMonitor(ctx, tenant, id, "usr_sv"); tsunagu.ErrorCode(err) != tsunagu.ECONFLICT {
		t.Errorf("stop with nobody on the call: %v", err)
	}

	type heard struct{ caller, agent, sup []int16 }
	listen := func(sup bool) heard {
		h := heard{caller: next(t, callerEar), agent: next(t, agentB)}
		if sup {
			h.sup = next(t, supB)
		}
		return h
	}
	check := func(mode string, who string, pcm []int16, hz float64, present bool) {
		t.Helper()
		share := toneShare(pcm, hz)
		if present && share < 0.1 || !present && share > 0.01 {
			t.Errorf("%s: the %s hears %.0f Hz at share %.3f (rms %.0f); want present=%v", mode, who, hz, share, rms(pcm), present)
		}
	}

	// Before anyone joins: the two parties hear each other only.
	h := listen(false)
	check("alone", "caller", h.caller, agentHz, true)
	check("alone", "operator", h.agent, callerHz, true)
	check("alone", "caller", h.caller, supervisorHz, false)

	for _, tc := range []struct {
		mode                  tsunagu.MonitorMode
		agentHears, callerHas bool // the supervisor's voice
	}{
		{tsunagu.MonitorListen, false, false},
		{tsunagu.MonitorWhisper, true, false},
		{tsunagu.MonitorBarge, true, true},
	} {
		if err := c.srv.Monitor(ctx, tenant, id, "usr_sv", supLeg, tc.mode); err != nil {
			t.Fatalf("%s: %v", tc.mode, err)
		}
		if got := c.srv.MonitorMode(tenant, id); got != tc.mode {
			t.Errorf("MonitorMode = %q, want %q", got, tc.mode)
		}
		h := listen(true)
		m := string(tc.mode)
		// The supervisor hears both parties, never themselves.
		check(m, "supervisor", h.sup, callerHz, true)
		check(m, "supervisor", h.sup, agentHz, true)
		check(m, "supervisor", h.sup, supervisorHz, false)
		check(m, "operator", h.agent, callerHz, true)
		check(m, "operator", h.agent, supervisorHz, tc.agentHears)
		check(m, "caller", h.caller, agentHz, true)
		check(m, "caller", h.caller, supervisorHz, tc.callerHas)
	}
	// Another supervisor's leg cannot join the same call.
	other := browserOn(t, sp, "usr_sv2", 2000)
	_ = other
	otherLeg, _ := sp.Leg("usr_sv2")
	if err := c.srv.Monitor(ctx, tenant, id, "usr_sv2", otherLeg, tsunagu.MonitorListen); tsunagu.ErrorCode(err) != tsunagu.ECONFLICT {
		t.Errorf("a second supervisor: %v", err)
	}
	if err := c.srv.StopMonitor(ctx, tenant, id, "usr_sv"); err != nil {
		t.Fatal(err)
	}
	h = listen(false)
	check("stopped", "caller", h.caller, supervisorHz, false)
	check("stopped", "operator", h.agent, supervisorHz, false)
	st, _ := c.srv.Stats(id)
	t.Logf("mixer %+v", st.Mix)

	// Listening again, then the caller hangs up under the supervisor's ears.
	if err := c.srv.Monitor(ctx, tenant, id, "usr_sv", supLeg, tsunagu.MonitorListen); err != nil {
		t.Fatal(err)
	}
	bye()
	got := c.until(t, tsunagu.EventRecordingStopped)
	var mon []string
	for _, e := range got {
		switch e.Type {
		case tsunagu.EventMonitorStarted, tsunagu.EventMonitorChanged, tsunagu.EventMonitorStopped:
			if e.Subject != "usr_sv" || e.AgentID != "" {
				t.Errorf("%s: subject %q agent %q", e.Type, e.Subject, e.AgentID)
			}
			p := payload(t, e)
			mon = append(mon, string(e.Type)+" "+fmtAny(p["mode"])+fmtAny(p["reason"]))
		}
	}
	want := []string{"contact:monitor_started listen", "contact:monitor_changed whisper", "contact:monitor_changed barge",
		"contact:monitor_stopped stopped", "contact:monitor_started listen", "contact:monitor_stopped call_ended"}
	if len(mon) != len(want) {
		t.Fatalf("monitor events %q, want %q", mon, want)
	}
	for i := range want {
		if mon[i] != want[i] {
			t.Fatalf("monitor events %q, want %q", mon, want)
		}
	}
	// The leg is free again: it can monitor the next call (none here, so
	// not found rather than "busy elsewhere").
	if err := c.srv.Monitor(ctx, tenant, id, "usr_sv", supLeg, tsunagu.MonitorListen); tsunagu.ErrorCode(err) != tsunagu.ENOTFOUND {
		t.Errorf("monitor after the call: %v", err)
	}
}

func fmtAny(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return ""
}
