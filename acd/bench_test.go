package acd

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"tsunagu"
)

// floor is a large synthetic center: agents with 4 skills each (levels
// 1..5) out of nSkills, queues each requiring one skill at level 1..3.
type floor struct {
	e      *Engine
	now    time.Time
	rng    *rand.Rand
	queues []tsunagu.QueueID
	busy   []tsunagu.ContactID // connected contacts
	next   int
}

func newFloor(tb testing.TB, agents, queues, skills int) *floor {
	f := &floor{e: New(Config{}), now: base, rng: rand.New(rand.NewPCG(1, 2))}
	for i := range queues {
		id := tsunagu.QueueID("q" + strconv.Itoa(i))
		f.queues = append(f.queues, id)
		cfg := QueueConfig{ID: id, Skills: map[tsunagu.SkillID]int{tsunagu.SkillID("s" + strconv.Itoa(i%skills)): 1 + i/skills%3},
			Strategy: Strategy(i % 4), SLThreshold: 20 * time.Second}
		if _, err := f.e.SetQueue(f.now, cfg); err != nil {
			tb.Fatal(err)
		}
	}
	for i := range agents {
		sk := map[tsunagu.SkillID]int{}
		for len(sk) < 4 {
			sk[tsunagu.SkillID("s"+strconv.Itoa(f.rng.IntN(skills)))] = 1 + f.rng.IntN(5)
		}
		id := tsunagu.AgentID("a" + strconv.Itoa(i))
		if _, err := f.e.Login(f.now, AgentSpec{ID: id, Skills: sk}); err != nil {
			tb.Fatal(err)
		}
		f.now = f.now.Add(time.Millisecond)
		if _, err := f.e.Ready(f.now, id); err != nil {
			tb.Fatal(err)
		}
	}
	return f
}

// arrive queues a contact in a random queue and answers the offer, if any.
// It returns the routing time alone.
func (f *floor) arrive(tb testing.TB) time.Duration {
	f.next++
	f.now = f.now.Add(time.Millisecond)
	id := tsunagu.ContactID("c" + strconv.Itoa(f.next))
	q := f.queues[f.rng.IntN(len(f.queues))]
	t0 := time.Now()
	ds, err := f.e.Queue(f.now, ContactSpec{ID: id, Queue: q})
	d := time.Since(t0)
	if err != nil {
		tb.Fatal(err)
	}
	f.answer(tb, ds)
	return d
}

func (f *floor) answer(tb testing.TB, ds []Decision) {
	var offers []Decision
	for _, x := range ds {
		if x.Kind == DecisionOffer {
			offers = append(offers, x)
		}
	}
	for _, o := range offers {
		if _, err := f.e.Accept(f.now, o.Contact, o.Agent); err != nil {
			tb.Fatal(err)
		}
		f.busy = append(f.busy, o.Contact)
	}
}

// finish ends a random connected contact; the freed agent is routed at once
// (to a waiting contact or back to the idle heaps). Returns the routing time.
func (f *floor) finish(tb testing.TB) time.Duration {
	i := f.rng.IntN(len(f.busy))
	id := f.busy[i]
	f.busy[i] = f.busy[len(f.busy)-1]
	f.busy = f.busy[:len(f.busy)-1]
	f.now = f.now.Add(time.Millisecond)
	t0 := time.Now()
	ds, err := f.e.End(f.now, id)
	d := time.Since(t0)
	if err != nil {
		tb.Fatal(err)
	}
	f.answer(tb, ds)
	return d
}

func reportLatency(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	q := func(p float64) float64 { return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Nanoseconds()) }
	b.ReportMetric(q(0.50), "p50-ns")
	b.ReportMetric(q(0.99), "p99-ns")
	b.ReportMetric(q(0.999), "p99.9-ns")
}

// BenchmarkRoute measures one routing decision with 10,000 agents, 500
// queues and 100 skills, half the agents busy: a contact arrives and is
// offered to the best free agent (contact path), then a busy agent finishes
// and is routed (agent path). Both are timed one by one; p99 is reported.
func BenchmarkRoute(b *testing.B) {
	f := newFloor(b, 10_000, 500, 100)
	for len(f.busy) < 5_000 {
		f.arrive(b)
	}
	lat := make([]time.Duration, 0, 2*b.N)
	b.ResetTimer()
	for range b.N {
		lat = append(lat, f.arrive(b), f.finish(b))
	}
	b.StopTimer()
	reportLatency(b, lat)
}

// BenchmarkRouteBacklog measures the agent path under a backlog: every
// agent busy and about 10,000 contacts waiting across 500 queues, so each
// freed agent compares the heads of all the queues it serves.
func BenchmarkRouteBacklog(b *testing.B) {
	f := newFloor(b, 10_000, 500, 100)
	for f.e.Waiting() < 10_000 {
		f.arrive(b)
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		lat = append(lat, f.finish(b))
		f.arrive(b)
	}
	b.StopTimer()
	reportLatency(b, lat)
}
