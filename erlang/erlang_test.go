package erlang

import (
	"math"
	"testing"
	"time"
)

func near(t *testing.T, name string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol || math.IsNaN(got) {
		t.Errorf("%s = %.6f, want %.6f ± %g", name, got, want, tol)
	}
}

// TestSolve_WorkedExample reproduces the worked example published by Call
// Centre Helper ("Erlang C formula – made simple"): 100 calls in 30 minutes,
// AHT 180 s, 80 % in 20 s -> 10 Erlangs, 14 agents, P(wait) 0.1741,
// SL 88.84 %, occupancy 71.4 %, 30 % shrinkage -> 20 agents scheduled.
func TestSolve_WorkedExample(t *testing.T) {
	s, err := Solve(Target{Contacts: 100, Interval: 30 * time.Minute, AHT: 180 * time.Second,
		ServiceLevel: 0.8, Threshold: 20 * time.Second, Shrinkage: 0.3})
	if err != nil {
		t.Fatal(err)
	}
	near(t, "load", s.Load, 10, 1e-12)
	if s.Agents != 14 || s.ScheduledAgents != 20 {
		t.Errorf("agents=%d scheduled=%d, want 14 and 20", s.Agents, s.ScheduledAgents)
	}
	near(t, "P(wait)", s.PWait, 0.1741, 5e-5)
	near(t, "SL", s.ServiceLevel, 0.8884, 5e-5) // 1 − 0.1741·e^(−4·20/180); often quoted as 88.8 %
	near(t, "occupancy", s.Occupancy, 0.7143, 5e-5)
	near(t, "ASA", s.ASA.Seconds(), 7.83, 0.01)
	// 13 agents fall short: the answer is the minimum.
	if sl := ServiceLevel(13, 10, 180*time.Second, 20*time.Second); sl >= 0.8 {
		t.Errorf("13 agents SL = %.4f, want < 0.8", sl)
	}
}

func TestB_Table(t *testing.T) {
	// Small cases by hand, larger ones against the direct formula
	// (a^n/n!)/Σ a^k/k! evaluated in log space with Lgamma.
	near(t, "B(1,1)", B(1, 1), 0.5, 1e-12)
	near(t, "B(2,1)", B(2, 1), 0.2, 1e-12)
	for _, tc := range []struct {
		n int
		a float64
	}{{10, 5}, {30, 20}, {200, 180}} {
		near(t, "B", B(tc.n, tc.a), directB(tc.n, tc.a), 1e-9)
	}
}

func TestC_LargeLoad(t *testing.T) {
	// 1,000 and 5,000 Erlangs: a factorial implementation overflows here.
	for _, a := range []float64{1000, 5000} {
		n := int(a + 3*math.Sqrt(a))
		c := C(n, a)
		if c <= 0 || c >= 1 || math.IsNaN(c) {
			t.Fatalf("C(%d,%g) = %g", n, a, c)
		}
		// Halfin–Whitt: with n = a + β√a, C → 1/(1+β·Φ(β)/φ(β)) ≈ 0.00148
		// for β=3, approached from above as a grows.
		near(t, "C halfin-whitt", c, 0.00148, 0.0006)
	}
	if C(10, 10) != 1 || ServiceLevel(9, 10, time.Minute, time.Second) != 0 {
		t.Error("unstable system must wait always")
	}
}

func TestOccupancyBound(t *testing.T) {
	s, err := Solve(Target{Contacts: 100, Interval: 30 * time.Minute, AHT: 180 * time.Second,
		ServiceLevel: 0.8, Threshold: 20 * time.Second, MaxOccupancy: 0.65})
	if err != nil {
		t.Fatal(err)
	}
	if s.Agents != 16 { // 10/15 = 0.667 > 0.65; 10/16 = 0.625
		t.Errorf("agents = %d, want 16", s.Agents)
	}
}

func TestTarget_Validate(t *testing.T) {
	ok := Target{Contacts: 1, Interval: time.Minute, AHT: time.Second, ServiceLevel: 0.8}
	for name, tg := range map[string]Target{
		"interval": {Contacts: 1, AHT: time.Second},
		"aht":      {Contacts: 1, Interval: time.Minute},
		"sl":       {Contacts: 1, Interval: time.Minute, AHT: time.Second, ServiceLevel: 1.5},
		"shrink":   {Contacts: 1, Interval: time.Minute, AHT: time.Second, Shrinkage: 1},
		"contacts": {Contacts: -1, Interval: time.Minute, AHT: time.Second},
	} {
		if tg.Validate() == nil {
			t.Errorf("%s: want error", name)
		}
	}
	if err := ok.Validate(); err != nil {
		t.Error(err)
	}
}

func TestA_ReducesToC(t *testing.T) {
	// With a patience far longer than any wait, Erlang A must agree with Erlang C.
	lambda := 100.0 / 1800
	r := A(14, lambda, 180*time.Second, 1e7*time.Second, 20*time.Second)
	near(t, "P(wait)", r.PWait, C(14, 10), 1e-4)
	near(t, "SL", r.ServiceLevel, ServiceLevel(14, 10, 180*time.Second, 20*time.Second), 1e-4)
	near(t, "ASA", r.ASA.Seconds(), ASA(14, 10, 180*time.Second).Seconds(), 0.01)
	near(t, "P(abandon)", r.PAbandon, 0, 1e-4)
}

func TestA_Consistency(t *testing.T) {
	// Little's law for abandonment: P(ab) = θ·E[Q]/λ = E[W]/patience, which
	// the code computes by two independent routes.
	lambda := 12.0 / 60
	patience := 60 * time.Second
	r := A(10, lambda, 60*time.Second, patience, 20*time.Second)
	near(t, "P(ab) vs E[W]/patience", r.PAbandon, r.MeanWait.Seconds()/patience.Seconds(), 1e-4)
	if r.PAbandon <= 0.01 || r.PAbandon >= 0.5 || r.ServiceLevel <= 0 || r.ServiceLevel >= 1 {
		t.Errorf("implausible %+v", r)
	}
	// Overloaded but stable thanks to abandonment: load 15 on 10 agents.
	o := A(10, 15.0/60, 60*time.Second, patience, 20*time.Second)
	// In overload roughly the excess abandons: 1 − n/a = 1/3.
	near(t, "P(ab) overload", o.PAbandon, 1.0/3, 0.06)
	near(t, "P(ab) vs E[W]/patience overload", o.PAbandon, o.MeanWait.Seconds()/patience.Seconds(), 1e-4)
}

func directB(n int, a float64) float64 {
	term := func(k int) float64 {
		lg, _ := math.Lgamma(float64(k + 1))
		return float64(k)*math.Log(a) - lg
	}
	top := term(n)
	sum := 0.0
	for k := 0; k <= n; k++ {
		sum += math.Exp(term(k) - top)
	}
	return 1 / sum
}

func TestSolve_Large(t *testing.T) {
	// 200,000 Erlangs: the walk must stay linear, and agree with ServiceLevel.
	tg := Target{Contacts: 2e6, Interval: 30 * time.Minute, AHT: 180 * time.Second, ServiceLevel: 0.8, Threshold: 20 * time.Second}
	s, err := Solve(tg)
	if err != nil {
		t.Fatal(err)
	}
	if s.ServiceLevel < 0.8 || ServiceLevel(s.Agents-1, s.Load, tg.AHT, tg.Threshold) >= 0.8 {
		t.Errorf("agents %d SL %.4f; one fewer gives %.4f", s.Agents, s.ServiceLevel, ServiceLevel(s.Agents-1, s.Load, tg.AHT, tg.Threshold))
	}
	if s.Agents <= 200000 || s.Agents > 200000+2000 {
		t.Errorf("agents = %d, want a little over 200,000 (square-root staffing)", s.Agents)
	}
	if _, err := Solve(Target{Contacts: 1e10, Interval: time.Second, AHT: time.Second, ServiceLevel: 0.8}); err != ErrUnreachable {
		t.Errorf("err = %v, want ErrUnreachable", err)
	}
	if s, err := Solve(Target{Interval: time.Minute, AHT: time.Second, ServiceLevel: 0.8}); err != nil || s.Agents != 0 {
		t.Errorf("no traffic: %+v %v", s, err)
	}
}

func TestSolveA(t *testing.T) {
	tg := Target{Contacts: 100, Interval: 30 * time.Minute, AHT: 180 * time.Second, ServiceLevel: 0.8, Threshold: 20 * time.Second, Shrinkage: 0.3}
	// Patient callers: the same answer as Erlang C.
	s, _, err := SolveA(tg, 1e7*time.Second)
	if err != nil || s.Agents != 14 || s.ScheduledAgents != 20 {
		t.Errorf("very patient: %+v %v, want 14 agents", s, err)
	}
	// Impatient callers: abandonment relieves the queue, fewer agents reach
	// 80/20 (counting abandons as misses), never more.
	s, r, err := SolveA(tg, 30*time.Second)
	if err != nil || s.Agents > 14 || s.ServiceLevel < 0.8 || r.PAbandon <= 0 {
		t.Errorf("impatient: %+v %+v %v", s, r, err)
	}
	if fewer := A(s.Agents-1, 100.0/1800, 180*time.Second, 30*time.Second, 20*time.Second); fewer.ServiceLevel >= 0.8 {
		t.Errorf("%d agents already meet the target (SL %.4f)", s.Agents-1, fewer.ServiceLevel)
	}
}
