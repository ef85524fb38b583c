package erlang

import (
	"errors"
	"math"
	"time"
)

// Target describes a staffing goal for one interval.
type Target struct {
	Contacts     float64       // contacts offered in the interval
	Interval     time.Duration // length of the interval, e.g. 30m
	AHT          time.Duration // average handle time (talk + hold + wrap-up)
	ServiceLevel float64       // fraction to answer within Threshold, e.g. 0.8
	Threshold    time.Duration // service-level threshold, e.g. 20s
	MaxOccupancy float64       // upper bound on a/n; 0 means no bound
	Shrinkage    float64       // fraction of paid time not on the phones, in [0,1)
}

// Staffing is the answer for one interval.
type Staffing struct {
	Load            float64       // offered load in Erlangs
	Agents          int           // agents on the phones
	ScheduledAgents int           // agents to schedule once shrinkage is added
	ServiceLevel    float64       // predicted fraction answered within the threshold
	ASA             time.Duration // predicted average speed of answer
	Occupancy       float64       // predicted occupancy
	PWait           float64       // Erlang C probability of waiting
}

// maxAgents bounds the search so that a nonsensical target cannot loop for long.
const maxAgents = 1_000_000

// ErrUnreachable is returned when no staffing up to maxAgents meets the target.
var ErrUnreachable = errors.New("erlang: service-level target unreachable")

// Validate reports the first invalid field of t.
func (t Target) Validate() error {
	switch {
	case t.Contacts < 0 || math.IsNaN(t.Contacts) || math.IsInf(t.Contacts, 0):
		return errors.New("erlang: contacts must be a finite number >= 0")
	case t.Interval <= 0:
		return errors.New("erlang: interval must be > 0")
	case t.AHT <= 0:
		return errors.New("erlang: aht must be > 0")
	case !(t.ServiceLevel >= 0 && t.ServiceLevel < 1):
		return errors.New("erlang: service level must be in [0,1)")
	case t.Threshold < 0:
		return errors.New("erlang: threshold must be >= 0")
	case !(t.MaxOccupancy >= 0 && t.MaxOccupancy <= 1):
		return errors.New("erlang: max occupancy must be in [0,1]")
	case !(t.Shrinkage >= 0 && t.Shrinkage < 1):
		return errors.New("erlang: shrinkage must be in [0,1)")
	}
	return nil
}

// Solve returns the smallest number of agents that meets the service level
// and the occupancy bound, and the schedule that covers shrinkage.
func Solve(t Target) (Staffing, error) {
	if err := t.Validate(); err != nil {
		return Staffing{}, err
	}
	a := Load(t.Contacts, t.Interval, t.AHT)
	if a == 0 {
		return Evaluate(t, 0), nil
	}
	// Start at the first stable staffing and walk up: SL grows with n. The
	// Erlang B value is carried from one n to the next (one step of its
	// recursion), so the walk costs O(n) in all, not O(n²).
	n := int(math.Floor(a)) + 1
	if n > maxAgents {
		return Staffing{}, ErrUnreachable
	}
	b := B(n, a)
	for ; n <= maxAgents; n++ {
		if n > int(math.Floor(a))+1 {
			b = a * b / (float64(n) + a*b)
		}
		if t.MaxOccupancy > 0 && a/float64(n) > t.MaxOccupancy {
			continue
		}
		c := float64(n) * b / (float64(n) - a*(1-b))
		sl := 1 - c*math.Exp(-(float64(n)-a)*t.Threshold.Seconds()/t.AHT.Seconds())
		if sl >= t.ServiceLevel {
			return Evaluate(t, n), nil
		}
	}
	return Staffing{}, ErrUnreachable
}

// Evaluate returns the predicted figures for n agents.
func Evaluate(t Target, n int) Staffing {
	a := Load(t.Contacts, t.Interval, t.AHT)
	return Staffing{
		Load:            a,
		Agents:          n,
		ScheduledAgents: Scheduled(n, t.Shrinkage),
		ServiceLevel:    ServiceLevel(n, a, t.AHT, t.Threshold),
		ASA:             ASA(n, a, t.AHT),
		Occupancy:       Occupancy(n, a),
		PWait:           C(n, a),
	}
}

// Scheduled returns the agents to schedule so that n remain on the phones
// after shrinkage: ceil(n/(1−shrinkage)). A tiny epsilon keeps 14/0.7 at 20
// instead of rounding 20.000000000000004 up to 21.
func Scheduled(n int, shrinkage float64) int {
	if shrinkage <= 0 {
		return n
	}
	return int(math.Ceil(float64(n)/(1-shrinkage) - 1e-9))
}

// SolveA is Solve under Erlang A: callers hang up after an exponential
// patience with the given mean, and the service level counts them in the
// denominator (answered within the threshold / all contacts). Abandonment
// shortens the queue, so it never asks for more agents than Solve.
func SolveA(t Target, patience time.Duration) (Staffing, AResult, error) {
	if err := t.Validate(); err != nil {
		return Staffing{}, AResult{}, err
	}
	if patience <= 0 {
		s, err := Solve(t)
		return s, A(s.Agents, t.Contacts/t.Interval.Seconds(), t.AHT, 0, t.Threshold), err
	}
	lambda := t.Contacts / t.Interval.Seconds()
	a := lambda * t.AHT.Seconds()
	// n agents answer at most n/a of the contacts, so the SL cannot reach the
	// target below n = target·a: start there and walk up, one Erlang A
	// evaluation per step.
	for n := max(1, int(a*t.ServiceLevel)); n <= maxAgents; n++ {
		r := A(n, lambda, t.AHT, patience, t.Threshold)
		if t.MaxOccupancy > 0 && r.Occupancy > t.MaxOccupancy {
			continue
		}
		if r.ServiceLevel >= t.ServiceLevel {
			return Staffing{Load: a, Agents: n, ScheduledAgents: Scheduled(n, t.Shrinkage), ServiceLevel: r.ServiceLevel,
				ASA: r.ASA, Occupancy: r.Occupancy, PWait: r.PWait}, r, nil
		}
	}
	return Staffing{}, AResult{}, ErrUnreachable
}
