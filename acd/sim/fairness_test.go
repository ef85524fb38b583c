package sim

import (
	"math"
	"testing"
	"time"

	"tsunagu"
)

// TestSimulator_FairAcrossQueues: two queues served by the same pooled
// agents must see the same waits when their weights are equal (one global
// FIFO order, not "whichever queue the agent checks first"), and the queue
// with twice the weight must wait clearly less.
func TestSimulator_FairAcrossQueues(t *testing.T) {
	run := func(weight float64) (a, b Figures) {
		hours := 600.0
		if testing.Short() {
			hours = 150
		}
		qs := []QueueSpec{
			{ID: "a", Skill: "a", Rate: 50.0 / 1800, AHT: 180 * time.Second, SLThreshold: 20 * time.Second},
			{ID: "b", Skill: "b", Rate: 50.0 / 1800, AHT: 180 * time.Second, SLThreshold: 20 * time.Second, Weight: weight},
		}
		r, err := Run(Config{Queues: qs, Agents: []AgentGroup{{Count: 12, Skills: []tsunagu.SkillID{"a", "b"}}},
			Duration: time.Duration(hours * float64(time.Hour)), Warmup: time.Hour, Seed: 11})
		if err != nil {
			t.Fatal(err)
		}
		return r.PerQueue["a"], r.PerQueue["b"]
	}
	a, b := run(1)
	// Pooled, the two queues are one M/M/12 with a load of 10: their ASA
	// must match each other (and Erlang C) closely.
	want := Predict(QueueSpec{Rate: 100.0 / 1800, AHT: 180 * time.Second, SLThreshold: 20 * time.Second}, 12).ASA.Seconds()
	t.Logf("equal weights: ASA a=%.1fs b=%.1fs (Erlang C pooled %.1fs)", a.ASA().Seconds(), b.ASA().Seconds(), want)
	if d := math.Abs(a.ASA().Seconds() - b.ASA().Seconds()); d > 0.15*want {
		t.Errorf("equal weights but ASA differs by %.1fs", d)
	}
	a, b = run(2)
	t.Logf("b weighted 2: ASA a=%.1fs b=%.1fs", a.ASA().Seconds(), b.ASA().Seconds())
	if b.ASA() >= a.ASA()*2/3 {
		t.Errorf("weight 2 should shorten b's wait clearly: a=%v b=%v", a.ASA(), b.ASA())
	}
}
