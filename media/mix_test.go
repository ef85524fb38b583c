package media

import (
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"tsunagu"
)

// constant returns one frame of a constant level: distinct levels per
// party make every sum in the mix readable (µ-law keeps them within 3 %).
func constant(v int16) []int16 {
	f := make([]int16, frameSamples)
	for i := range f {
		f[i] = v
	}
	return f
}

// newTestMixer returns a mixer on a session that is never run, so that the
// test alone calls Read (the tick) and every output is deterministic.
func newTestMixer(t *testing.T, music Source) (*Mixer, *chanLeg) {
	t.Helper()
	conn, err := Listen(netip.MustParseAddr("127.0.0.1"), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	sess := NewSession(conn, Params{Codec: PCMU, PayloadType: 0})
	agent := &chanLeg{from: make(chan []byte), to: make(chan []byte, 64)}
	return NewMixer(sess, agent, music), agent
}

func level(t *testing.T, ch chan []byte) int {
	t.Helper()
	select {
	case f := <-ch:
		return int(ULawToLinear(f[0]))
	case <-time.After(5 * time.Second):
		t.Fatal("no frame")
		return 0
	}
}

func near(got, want int) bool {
	d := got - want
	return d >= -want/30-8 && d <= want/30+8
}

// TestMixer_WhoHearsWhom checks the table in Mixer's doc: for each mode and
// hold state, what the caller, the operator, the supervisor and the
// recording get when the caller, operator and supervisor each say a
// different level.
func TestMixer_WhoHearsWhom(t *testing.T) {
	const C, A, S, M = 1000, 3000, 9000, 500 // caller, agent (operator), supervisor, music
	for _, tc := range []struct {
		name                   string
		mode                   tsunagu.MonitorMode
		held                   bool
		caller, agent, sup, rr int // what each hears; rr is the recording's right channel
	}{
		{"NoSupervisor", "", false, A, C, -1, A},
		{"Listen", tsunagu.MonitorListen, false, A, C, A + C, A},
		{"Whisper", tsunagu.MonitorWhisper, false, A, C + S, A + C, A},
		{"Barge", tsunagu.MonitorBarge, false, A + S, C + S, A + C, A + S},
		{"HeldListen", tsunagu.MonitorListen, true, M, 0, A, M},
		{"HeldWhisper", tsunagu.MonitorWhisper, true, M, S, A, M},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, agent := newTestMixer(t, Loop(Clip(constant(M))))
			rec, err := CreateRecorder(filepath.Join(t.TempDir(), "r.wav"), time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			m.SetRecorder(rec)
			m.Start(context.Background())
			defer m.Stop()
			sup := &chanLeg{from: make(chan []byte), to: make(chan []byte, 64)}
			if tc.mode != "" {
				if prev, err := m.Monitor(sup, tc.mode); err != nil || prev != "" {
					t.Fatalf("Monitor: %q, %v", prev, err)
				}
				if _, err := m.Monitor(&chanLeg{}, tc.mode); err != ErrMonitorBusy {
					t.Errorf("a second supervisor: %v, want busy", err)
				}
				m.sup.jb.push(constant(S))
				m.sup.jb.push(constant(S))
			}
			m.SetHeld(tc.held)
			for range 2 { // the jitter buffers' prefill
				m.caller.push(constant(C))
				m.fromAgent.push(constant(A))
			}
			p := make([]int16, frameSamples)
			m.Read(p)
			if int(p[0]) != tc.caller || int(p[frameSamples-1]) != tc.caller {
				t.Errorf("caller hears %d, want %d", p[0], tc.caller)
			}
			if got := level(t, agent.to); !near(got, tc.agent) {
				t.Errorf("operator hears %d, want %d", got, tc.agent)
			}
			if tc.sup >= 0 {
				if got := level(t, sup.to); !near(got, tc.sup) {
					t.Errorf("supervisor hears %d, want %d", got, tc.sup)
				}
			}
			m.Stop()
			if err := rec.Close(); err != nil {
				t.Fatal(err)
			}
			w := readWAVFile(t, rec.f.Name())
			if len(w.Channels[0]) != frameSamples || w.Channels[0][0] != C || int(w.Channels[1][0]) != tc.rr {
				t.Errorf("recording: %d samples, left %d right %d; want %d, %d, %d",
					len(w.Channels[0]), w.Channels[0][0], w.Channels[1][0], frameSamples, C, tc.rr)
			}
		})
	}
}

func TestMixer_MonitorLifecycle(t *testing.T) {
	m, _ := newTestMixer(t, nil)
	sup := &chanLeg{from: make(chan []byte), to: make(chan []byte, 64)}
	if _, err := m.Monitor(sup, tsunagu.MonitorListen); err != ErrMixerStopped {
		t.Errorf("Monitor before Start: %v", err)
	}
	m.Start(context.Background())
	if _, err := m.Monitor(sup, tsunagu.MonitorListen); err != nil {
		t.Fatal(err)
	}
	if prev, err := m.Monitor(sup, tsunagu.MonitorBarge); err != nil || prev != tsunagu.MonitorListen {
		t.Errorf("change mode: %q, %v", prev, err)
	}
	if leg, mode := m.Supervisor(); leg != sup || mode != tsunagu.MonitorBarge {
		t.Errorf("Supervisor() = %v, %q", leg, mode)
	}
	if m.Unmonitor(&chanLeg{}) {
		t.Error("Unmonitor of a leg that is not on the call")
	}
	if !m.Unmonitor(sup) || m.Unmonitor(sup) {
		t.Error("Unmonitor twice")
	}
	if _, err := m.Monitor(sup, tsunagu.MonitorWhisper); err != nil {
		t.Fatal(err)
	}
	m.Stop() // with a supervisor on: everything stops
	m.Stop()
	if _, err := m.Monitor(sup, tsunagu.MonitorListen); err != ErrMixerStopped {
		t.Errorf("Monitor after Stop: %v", err)
	}
}

func TestAddSat(t *testing.T) {
	d := []int16{30000, -30000, 5, 1}
	addSat(d, []int16{30000, -30000, -10})
	if d[0] != 32767 || d[1] != -32768 || d[2] != -5 || d[3] != 1 {
		t.Errorf("addSat = %v", d)
	}
}

func readWAVFile(t *testing.T, path string) *WAV {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := ReadWAV(f, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// discardLeg takes frames and says nothing (the benchmark's listeners).
type discardLeg struct{}

func (discardLeg) ReadFrame(ctx context.Context) ([]byte, error) { <-ctx.Done(); return nil, ctx.Err() }
func (discardLeg) WriteFrame([]byte) error                       { return nil }

// BenchmarkMixer_Frame measures the CPU cost of one 20 ms step of a
// recorded, monitored (barge) call, all on one goroutine: the caller's
// packet decoded into the mix, the operator's and the supervisor's frames
// into it, the tick that mixes for three listeners and queues the
// recording's stereo frame, then the consumers' steps run in place: the
// two leg writers (µ-law frames to a leg that discards them) and the
// recorder's write to a temp file. Compare with a call's budget: one frame
// every 20,000,000 ns.
func BenchmarkMixer_Frame(b *testing.B) {
	conn, err := Listen(netip.MustParseAddr("127.0.0.1"), 0, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	m := NewMixer(NewSession(conn, Params{Codec: PCMA, PayloadType: 8}), discardLeg{}, Loop(HoldMusic()))
	rec, err := openRecorder(filepath.Join(b.TempDir(), "b.wav"), time.Time{})
	if err != nil {
		b.Fatal(err)
	}
	m.SetRecorder(rec)
	// Started without goroutines: the benchmark is the only reader.
	m.ctx, m.cancel = context.WithCancel(context.Background())
	sup := &supervisorLeg{leg: discardLeg{}, mode: tsunagu.MonitorBarge, jb: newJitterBuffer(), out: newLegWriter(discardLeg{})}
	m.sup = sup
	callerPkt := PCMA.Encode(make([]byte, frameSamples), tone(frameSamples, 1000, 0))
	agentPCM := tone(frameSamples, 440, 0)
	supPCM := tone(frameSamples, 700, 0)
	p := make([]int16, frameSamples)
	now := time.Now()
	m.now = func() time.Time { return now }
	drain := func(w *legWriter) {
		f := <-w.full
		if w.leg.WriteFrame(f[:]) == nil {
			w.sent.Add(1)
			if voicedULaw(f[:]) {
				w.voiced.Add(1)
			}
		}
		w.free <- f
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu := processCPU()
	for b.Loop() {
		m.onCallerAudio(callerPkt)
		m.fromAgent.push(agentPCM)
		sup.jb.push(supPCM)
		m.Read(p)
		drain(m.toAgent)
		drain(sup.out)
		select {
		case f := <-rec.full: // a batch every recBatchFrames frames
			rec.step(f)
		default:
		}
		now = now.Add(20 * time.Millisecond)
	}
	b.StopTimer()
	b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/frame")
	rec.handOver()
	close(rec.full)
	for f := range rec.full {
		rec.step(f)
	}
	if err := rec.w.Flush(); err != nil {
		b.Fatal(err)
	}
	if st := rec.Stats(); st.Dropped != 0 || st.Samples != int64(b.N)*frameSamples {
		b.Fatalf("recorder: %+v after %d frames", st, b.N)
	}
	rec.f.Close()
}

// BenchmarkMixer_FrameConcurrent is the same step with the mixer's own
// goroutines (two leg writers, the recorder's writer), waiting for them
// to keep up before each frame as they must in real time: the figure adds
// the hand-offs between goroutines, and so depends on the machine's load.
func BenchmarkMixer_FrameConcurrent(b *testing.B) {
	conn, err := Listen(netip.MustParseAddr("127.0.0.1"), 0, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	m := NewMixer(NewSession(conn, Params{Codec: PCMA, PayloadType: 8}), discardLeg{}, Loop(HoldMusic()))
	rec, err := CreateRecorder(filepath.Join(b.TempDir(), "b.wav"), time.Time{})
	if err != nil {
		b.Fatal(err)
	}
	m.SetRecorder(rec)
	m.Start(context.Background())
	if _, err := m.Monitor(discardLeg{}, tsunagu.MonitorBarge); err != nil {
		b.Fatal(err)
	}
	callerPkt := PCMA.Encode(make([]byte, frameSamples), tone(frameSamples, 1000, 0))
	agentPCM := tone(frameSamples, 440, 0)
	supPCM := tone(frameSamples, 700, 0)
	p := make([]int16, frameSamples)
	now := time.Now()
	m.now = func() time.Time { return now }
	b.ReportAllocs()
	b.ResetTimer()
	cpu := processCPU()
	for b.Loop() {
		for len(rec.free) == 0 || len(m.toAgent.free) == 0 || len(m.sup.out.free) == 0 {
			runtime.Gosched()
		}
		m.onCallerAudio(callerPkt)
		m.fromAgent.push(agentPCM)
		m.sup.jb.push(supPCM)
		m.Read(p)
		now = now.Add(20 * time.Millisecond)
	}
	b.StopTimer()
	b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/frame")
	m.Stop()
	if err := rec.Close(); err != nil {
		b.Fatal(err)
	}
	if st := rec.Stats(); st.Dropped != 0 {
		b.Fatalf("the recorder dropped %d frames", st.Dropped)
	}
}
