// Package erlang implements the queueing formulas a contact center plans with:
// Erlang B (blocking), Erlang C (M/M/c, callers wait forever), Erlang A
// (M/M/c+M, callers abandon after an exponential patience) and staffing for a
// service-level target with maximum occupancy and shrinkage.
//
// Everything is computed with recursions on ratios, never factorials or powers
// of the load, so loads of thousands of Erlangs do not overflow.
package erlang

import (
	"math"
	"time"
)

// B returns the Erlang B blocking probability for n servers offered a Erlangs.
// It uses the recursion B(0)=1, B(k)=a·B(k-1)/(k+a·B(k-1)), which stays in
// [0,1] at every step and therefore cannot overflow.
func B(n int, a float64) float64 {
	if a <= 0 {
		return 0
	}
	if n <= 0 {
		return 1
	}
	b := 1.0
	for k := 1; k <= n; k++ {
		b = a * b / (float64(k) + a*b)
	}
	return b
}

// C returns the Erlang C probability that a contact has to wait, for n agents
// offered a Erlangs. It is 1 when the system is unstable (n <= a).
// C = n·B / (n − a·(1−B)), from the Erlang B recursion.
func C(n int, a float64) float64 {
	if a <= 0 {
		return 0
	}
	if float64(n) <= a {
		return 1
	}
	b := B(n, a)
	return float64(n) * b / (float64(n) - a*(1-b))
}

// Load returns the offered load in Erlangs: contacts per interval times the
// average handle time, divided by the interval.
func Load(contacts float64, interval, aht time.Duration) float64 {
	if interval <= 0 {
		return 0
	}
	return contacts * aht.Seconds() / interval.Seconds()
}

// ServiceLevel returns the Erlang C fraction of contacts answered within
// threshold: 1 − C·exp(−(n−a)·t/AHT).
func ServiceLevel(n int, a float64, aht, threshold time.Duration) float64 {
	if a <= 0 {
		return 1
	}
	if float64(n) <= a {
		return 0
	}
	c := C(n, a)
	return 1 - c*math.Exp(-(float64(n)-a)*threshold.Seconds()/aht.Seconds())
}

// ASA returns the Erlang C average speed of answer (mean wait over all
// contacts, including those answered at once): C·AHT/(n−a). It is +Inf when
// the system is unstable.
func ASA(n int, a float64, aht time.Duration) time.Duration {
	if a <= 0 {
		return 0
	}
	if float64(n) <= a {
		return time.Duration(math.MaxInt64)
	}
	return time.Duration(C(n, a) * float64(aht) / (float64(n) - a))
}

// Occupancy returns the fraction of logged-in time agents spend handling
// contacts, a/n, capped at 1.
func Occupancy(n int, a float64) float64 {
	if a <= 0 {
		return 0
	}
	if n <= 0 {
		return 1
	}
	return math.Min(1, a/float64(n))
}
