package sim

import (
	"fmt"
	"math"
	"testing"
	"time"

	"tsunagu"
)

// batchCI returns the overall value and the batch-means standard error of
// metric over the batches of r.
//
// Why batch means: successive waits in a queue are correlated, so the
// contacts are not independent samples and the naive binomial error would be
// too small. Cutting the run into k long batches (≥ 1,000 contacts each, far
// longer than the few-minute correlation time of these queues) gives k
// nearly independent, nearly normal batch averages; their standard deviation
// over √k is an honest standard error. With k = 30 batches the two-sided
// 99.99 % Student-t quantile (29 df) is about 4.5, so the ±4.5·SE band makes
// a false failure roughly a 1-in-10,000 event per check — and the runs use
// fixed seeds, so the outcome is in any case reproducible.
func batchCI(r Result, metric func(Figures) float64) (mean, se float64) {
	k := float64(len(r.Batches))
	var s, s2 float64
	for _, b := range r.Batches {
		v := metric(b)
		s += v
		s2 += v * v
	}
	m := s / k
	sd := math.Sqrt(math.Max(s2/k-m*m, 0) * k / (k - 1))
	return metric(r.Total), sd / math.Sqrt(k)
}

const tQuantile = 4.5

type load struct {
	name     string
	agents   int
	rate     float64 // per second
	aht      time.Duration
	patience time.Duration
	sl       time.Duration
	hours    float64
}

func runLoad(t *testing.T, l load) (Result, QueueSpec) {
	t.Helper()
	hours := l.hours
	if testing.Short() {
		hours /= 4
	}
	q := QueueSpec{ID: "q", Skill: "s", Rate: l.rate, AHT: l.aht, Patience: l.patience, SLThreshold: l.sl}
	d := time.Duration(hours * float64(time.Hour))
	r, err := Run(Config{Queues: []QueueSpec{q}, Agents: []AgentGroup{{Count: l.agents, Skills: []tsunagu.SkillID{"s"}}},
		Duration: d, Warmup: 2 * time.Hour, Batch: d / 30, Seed: uint64(l.agents)*1000 + uint64(l.rate*1e4)})
	if err != nil {
		t.Fatal(err)
	}
	return r, q
}

func within(t *testing.T, what string, got, se, want float64) {
	t.Helper()
	tol := tQuantile*se + 1e-9
	t.Logf("%-12s measured %.4f ± %.4f (4.5 SE), predicted %.4f", what, got, tol, want)
	if math.Abs(got-want) > tol {
		t.Errorf("%s: measured %.4f, predicted %.4f, outside ±%.4f", what, got, want, tol)
	}
}

// TestSimulator_ErlangC checks, for single-skill M/M/c setups, that the
// real engine driven by the simulator gives the service level and ASA
// Erlang C predicts, and that the test has the power to tell one agent less.
func TestSimulator_ErlangC(t *testing.T) {
	for _, l := range []load{
		{name: "10E_14agents", agents: 14, rate: 100.0 / 1800, aht: 180 * time.Second, sl: 20 * time.Second, hours: 600},
		{name: "20E_23agents", agents: 23, rate: 200.0 / 1800, aht: 180 * time.Second, sl: 20 * time.Second, hours: 1200},
		{name: "2E_3agents", agents: 3, rate: 2.0 / 60, aht: 60 * time.Second, sl: 10 * time.Second, hours: 600},
		{name: "50E_57agents", agents: 57, rate: 50.0 / 300, aht: 300 * time.Second, sl: 30 * time.Second, hours: 400},
	} {
		t.Run(l.name, func(t *testing.T) {
			r, q := runLoad(t, l)
			p := Predict(q, l.agents)
			sl, slSE := batchCI(r, Figures.ServiceLevel)
			asa, asaSE := batchCI(r, func(f Figures) float64 { return f.ASA().Seconds() })
			within(t, "SL", sl, slSE, p.ServiceLevel)
			within(t, "ASA (s)", asa, asaSE, p.ASA.Seconds())
			// Occupancy is a time average over the whole run; its error is far
			// smaller than SL's, a 1 % band is generous.
			if math.Abs(r.Occupancy-p.Occupancy) > 0.01 {
				t.Errorf("occupancy measured %.4f, predicted %.4f", r.Occupancy, p.Occupancy)
			}
			// Power: the same measurement must reject the staffing one agent
			// smaller, or the band above proves nothing.
			if n := l.agents - 1; float64(n) > q.Rate*q.AHT.Seconds() {
				other := Predict(q, n)
				if math.Abs(sl-other.ServiceLevel) <= tQuantile*slSE && math.Abs(asa-other.ASA.Seconds()) <= tQuantile*asaSE {
					t.Errorf("measurement cannot tell %d agents from %d", l.agents, n)
				}
			}
		})
	}
}

// TestSimulator_ErlangA checks abandonment, SL and ASA against Erlang A
// with exponential patience, including an overloaded queue that is only
// stable because callers give up.
func TestSimulator_ErlangA(t *testing.T) {
	for _, l := range []load{
		{name: "10E_12agents_p120", agents: 12, rate: 100.0 / 1800, aht: 180 * time.Second, patience: 120 * time.Second, sl: 20 * time.Second, hours: 300},
		{name: "10E_10agents_p60", agents: 10, rate: 100.0 / 1800, aht: 180 * time.Second, patience: 60 * time.Second, sl: 20 * time.Second, hours: 300},
		{name: "12E_10agents_p30", agents: 10, rate: 4.0 / 60, aht: 180 * time.Second, patience: 30 * time.Second, sl: 20 * time.Second, hours: 200},
	} {
		t.Run(l.name, func(t *testing.T) {
			r, q := runLoad(t, l)
			p := Predict(q, l.agents)
			ab, abSE := batchCI(r, Figures.AbandonRate)
			sl, slSE := batchCI(r, Figures.ServiceLevel)
			asa, asaSE := batchCI(r, func(f Figures) float64 { return f.ASA().Seconds() })
			within(t, "abandon", ab, abSE, p.AbandonRate)
			within(t, "SL", sl, slSE, p.ServiceLevel)
			within(t, "ASA (s)", asa, asaSE, p.ASA.Seconds())
			if other := Predict(q, l.agents-1); math.Abs(ab-other.AbandonRate) <= tQuantile*abSE {
				t.Errorf("measurement cannot tell %d agents from %d", l.agents, l.agents-1)
			}
		})
	}
}

func TestRun_Deterministic(t *testing.T) {
	cfg := Config{Agents: []AgentGroup{{Count: 5, Skills: []tsunagu.SkillID{"s"}}}, Duration: 20 * time.Hour, Seed: 3,
		Queues:     []QueueSpec{{ID: "q", Skill: "s", Rate: 4.0 / 300, AHT: 300 * time.Second, Patience: time.Minute, ACW: 10 * time.Second}},
		BreakEvery: 2 * time.Hour, BreakLength: 10 * time.Minute}
	a, err := Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Run(cfg)
	if fmt.Sprint(a) != fmt.Sprint(b) || a.Total.Contacts == 0 {
		t.Errorf("runs differ or are empty:\n%v\n%v", a, b)
	}
}
