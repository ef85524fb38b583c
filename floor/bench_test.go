package floor_test

import (
	"fmt"
	"testing"
	"time"

	"tsunagu"
	"tsunagu/floor"
)

// BenchmarkFold_Replay measures what a start costs: the board replays the
// whole log through the fold. Each iteration applies one day of a 100-agent
// center's call events (10,000 calls, ~12 events each: queue, offer, answer,
// hold, end, wrap and the agents' state changes) to a fresh fold; the
// events/s figure is what docs/benchmarks.md quotes.
func BenchmarkFold_Replay(b *testing.B) {
	var s script
	for i := 0; i < 10000; i++ {
		agent := fmt.Sprintf("op%d", i%100)
		base := float64(i) * 3
		c := fmt.Sprintf("c%d", i)
		s.call(c, "general", agent, base, base+1, base+2, base+120, base+150)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		f := floor.New(config())
		for _, e := range s.evs {
			f.Apply(e)
		}
	}
	b.ReportMetric(float64(len(s.evs)*b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkFold_Snapshot is one GET /floor: a 100-agent floor, three
// queues, twenty callers waiting.
func BenchmarkFold_Snapshot(b *testing.B) {
	var s script
	for i := 0; i < 100; i++ {
		s.state(0, fmt.Sprintf("op%d", i), tsunagu.AgentAvailable, "")
	}
	for i := 0; i < 20; i++ {
		s.at(float64(i), tsunagu.EventContactQueued, "", fmt.Sprintf("w%d", i), map[string]any{"queue_id": "general"})
	}
	f := s.fold()
	now := t0.Add(time.Minute)
	b.ReportAllocs()
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		_ = f.Snapshot(now)
	}
}
