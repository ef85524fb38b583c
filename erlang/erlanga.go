package erlang

import (
	"math"
	"time"
)

// AResult holds the steady-state figures of the Erlang A (M/M/n+M) model:
// Poisson arrivals, exponential handle times, n agents and callers who hang up
// after an exponentially distributed patience.
type AResult struct {
	PWait        float64       // probability an arriving contact finds all agents busy
	PAbandon     float64       // probability a contact abandons before being answered
	MeanWait     time.Duration // mean time in queue over all contacts (answered or not)
	ASA          time.Duration // mean wait of answered contacts
	ServiceLevel float64       // answered within the threshold / all contacts
	Occupancy    float64       // agent busy fraction: answered load / n
}

// maxQueueStates caps the truncated birth-death chain; with any patience the
// tail decays geometrically well before this.
const maxQueueStates = 1 << 20

// A evaluates the Erlang A model with arrival rate lambda (per second), mean
// handle time aht, mean patience and n agents. threshold is the service-level
// threshold. A patience <= 0 is treated as infinite (Erlang C, needs n > load).
//
// The number in system is a birth-death chain with birth rate λ and death rate
// min(j,n)·μ + max(j−n,0)·θ. Its distribution is built with ratios relative to
// π(n) (no factorials) and truncated once the tail is negligible. A tagged
// arrival that finds m callers queued ahead waits through m+1 phases; in
// phase k (k ahead) it advances at rate nμ+kθ and abandons at rate θ, which
// gives P(answered) and E[wait; answered] by a simple recursion and the
// service level by integrating the phase ODE with RK4.
func A(n int, lambda float64, aht, patience, threshold time.Duration) AResult {
	if patience <= 0 {
		a := lambda * aht.Seconds()
		if float64(n) <= a {
			return AResult{PWait: 1, PAbandon: 0, MeanWait: time.Duration(math.MaxInt64), ASA: time.Duration(math.MaxInt64), Occupancy: 1}
		}
		asa := ASA(n, a, aht)
		return AResult{PWait: C(n, a), MeanWait: asa, ASA: asa, ServiceLevel: ServiceLevel(n, a, aht, threshold), Occupancy: Occupancy(n, a)}
	}
	if lambda <= 0 || n <= 0 {
		if lambda <= 0 {
			return AResult{ServiceLevel: 1}
		}
		return AResult{PWait: 1, PAbandon: 1}
	}
	mu := 1 / aht.Seconds()
	theta := 1 / patience.Seconds()
	nmu := float64(n) * mu

	// below[j] = π(j)/π(n) for j < n, computed downward: π(j−1)/π(j) = jμ/λ.
	below := 0.0
	r := 1.0
	for j := n; j >= 1; j-- {
		r *= float64(j) * mu / lambda
		below += r
		if r < 1e-300 {
			break
		}
	}
	// above[m] = π(n+m)/π(n), m >= 0, upward: ratio λ/(nμ+mθ).
	above := []float64{1}
	sumAbove := 1.0
	for m := 1; m < maxQueueStates; m++ {
		next := above[m-1] * lambda / (nmu + float64(m)*theta)
		above = append(above, next)
		sumAbove += next
		// Once the ratio r = λ/(nμ+mθ) is below 1 the terms fall at least
		// geometrically, so the rest of the tail is at most next·r/(1−r).
		if r := lambda / (nmu + float64(m)*theta); r < 1 && next*r/(1-r) < 1e-15*sumAbove {
			break
		}
	}
	norm := below + sumAbove
	pWait := sumAbove / norm

	// Tagged-customer recursions over the number ahead m (state m means m
	// callers are ahead; state 0 advances to service at rate nμ).
	var pServed, waitServed, meanQ float64
	s, w := 1.0, 0.0 // for "m = -1": already served, no more wait
	for m := range above {
		adv := nmu + float64(m)*theta
		tot := adv + theta
		sNew := adv / tot * s
		wNew := sNew/tot + adv/tot*w
		s, w = sNew, wNew
		p := above[m] / norm
		pServed += p * s
		waitServed += p * w
		meanQ += p * float64(m)
	}
	pServed += below / norm
	res := AResult{
		PWait:     pWait,
		PAbandon:  1 - pServed,
		MeanWait:  time.Duration(meanQ / lambda * float64(time.Second)),
		Occupancy: math.Min(1, lambda*pServed/nmu),
	}
	if pServed > 0 {
		res.ASA = time.Duration(waitServed / pServed * float64(time.Second))
	}
	res.ServiceLevel = below/norm + servedWithin(above, norm, nmu, theta, threshold.Seconds())
	return res
}

// servedWithin integrates the tagged-customer phase chain up to t seconds and
// returns the probability mass answered by then. p[m] is the probability of
// being m places from the head; mass leaves to "answered" from p[0] at rate nμ.
func servedWithin(above []float64, norm, nmu, theta, t float64) float64 {
	if t <= 0 {
		return 0
	}
	// A caller m places back needs m+1 phase completions, each at rate at most
	// r(m) = nμ+(m+1)θ, within t; that takes at least m+1 events of a Poisson
	// process of rate r(m), whose chance is ≤ (e·r(m)·t/(m+1))^(m+1) ≤ 2^−(m+1)
	// once m+1 ≥ 2e·r(m)·t. Past such an m (and 50 more places) the states
	// cannot contribute, so the integration stops there: without this, a
	// nearly unstable queue with very patient callers has a million states.
	k := len(above)
	for m := range above {
		if float64(m+1) >= 2*math.E*(nmu+float64(m+1)*theta)*t && m >= 50 {
			k = m + 1
			break
		}
	}
	p := make([]float64, k)
	for m := range p {
		p[m] = above[m] / norm
	}
	maxRate := nmu + float64(k)*theta + theta
	steps := int(math.Ceil(t*maxRate*4)) + 16
	h := t / float64(steps)
	deriv := func(p, d []float64) float64 {
		for m := range p {
			d[m] = -(nmu + float64(m)*theta + theta) * p[m]
			if m+1 < len(p) {
				d[m] += (nmu + float64(m+1)*theta) * p[m+1]
			}
		}
		return nmu * p[0]
	}
	k1, k2, k3, k4, tmp := make([]float64, k), make([]float64, k), make([]float64, k), make([]float64, k), make([]float64, k)
	served := 0.0
	for range steps {
		s1 := deriv(p, k1)
		for i := range p {
			tmp[i] = p[i] + h/2*k1[i]
		}
		s2 := deriv(tmp, k2)
		for i := range p {
			tmp[i] = p[i] + h/2*k2[i]
		}
		s3 := deriv(tmp, k3)
		for i := range p {
			tmp[i] = p[i] + h*k3[i]
		}
		s4 := deriv(tmp, k4)
		for i := range p {
			p[i] += h / 6 * (k1[i] + 2*k2[i] + 2*k3[i] + k4[i])
		}
		served += h / 6 * (s1 + 2*s2 + 2*s3 + s4)
	}
	return served
}
