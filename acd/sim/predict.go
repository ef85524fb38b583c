package sim

import (
	"time"

	"tsunagu/erlang"
)

// Prediction is what queueing theory expects for one queue.
type Prediction struct {
	Model        string // "erlang_c" or "erlang_a"
	ServiceLevel float64
	ASA          time.Duration // math.MaxInt64 when unstable under Erlang C
	AbandonRate  float64
	Occupancy    float64
	PWait        float64
}

// Predict returns the Erlang C (no patience) or Erlang A (exponential
// patience) figures for q served by n dedicated agents. After-call work is
// added to the handle time, which makes service times no longer exponential
// when ACW > 0: the prediction is then the usual Erlang approximation. Breaks
// are not modelled.
func Predict(q QueueSpec, n int) Prediction {
	handle := q.AHT + q.ACW
	r := erlang.A(n, q.Rate, handle, q.Patience, q.SLThreshold)
	p := Prediction{Model: "erlang_a", ServiceLevel: r.ServiceLevel, ASA: r.ASA, AbandonRate: r.PAbandon,
		Occupancy: r.Occupancy, PWait: r.PWait}
	if q.Patience <= 0 {
		p.Model = "erlang_c"
	}
	return p
}
