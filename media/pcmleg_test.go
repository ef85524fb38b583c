package media

import (
	"context"
	"net/netip"
	"sync"
	"testing"
)

// pcmLeg is a PCMLeg for tests: it records what the mixer writes and lets
// the test speak through the OnPCM receiver the mixer installs.
type pcmLeg struct {
	chanLeg
	mu      sync.Mutex
	written [][]int16
	fn      func([]int16)
}

func (l *pcmLeg) WritePCM(pcm []int16) error {
	l.mu.Lock()
	l.written = append(l.written, append([]int16(nil), pcm...))
	l.mu.Unlock()
	return nil
}

func (l *pcmLeg) OnPCM(fn func([]int16)) {
	l.mu.Lock()
	l.fn = fn
	l.mu.Unlock()
}

func (l *pcmLeg) say(pcm []int16) bool {
	l.mu.Lock()
	fn := l.fn
	l.mu.Unlock()
	if fn != nil {
		fn(pcm)
	}
	return fn != nil
}

// TestMixer_PCMLeg: with a leg that takes linear audio directly, the
// operator hears the caller exactly (no µ-law on the way), the caller hears
// the operator, the counts of BridgeStats hold, and Stop hands the leg's
// audio back (OnPCM(nil)).
func TestMixer_PCMLeg(t *testing.T) {
	const C, A = 1000, 3000
	conn, err := Listen(netip.MustParseAddr("127.0.0.1"), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	sess := NewSession(conn, Params{Codec: PCMU, PayloadType: 0})
	agent := &pcmLeg{}
	m := NewMixer(sess, agent, nil)
	m.Start(context.Background())
	for range 2 { // the jitter buffers' prefill
		m.caller.push(constant(C))
		if !agent.say(constant(A)) {
			t.Fatal("the mixer did not take the leg's audio (OnPCM)")
		}
	}
	p := make([]int16, frameSamples)
	m.Read(p)
	if p[0] != A || p[frameSamples-1] != A {
		t.Errorf("caller hears %d, want %d", p[0], A)
	}
	agent.mu.Lock()
	if len(agent.written) != 1 || len(agent.written[0]) != frameSamples || agent.written[0][0] != C {
		t.Errorf("operator got %v frames, want one frame at %d", len(agent.written), C)
	}
	agent.mu.Unlock()
	st := m.Stats()
	if st.ToLeg != 1 || st.ToLegVoiced != 1 || st.FromLeg != 2 || st.FromLegVoiced != 2 {
		t.Errorf("stats %+v, want 1 frame to the leg and 2 from it, all voiced", st.BridgeStats)
	}
	m.Stop()
	if agent.say(constant(A)) {
		t.Error("after Stop the mixer still takes the leg's audio")
	}
}
