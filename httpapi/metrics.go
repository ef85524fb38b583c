package httpapi

import (
	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the server's Prometheus series. Route labels are the mux
// patterns, never raw paths, so cardinality stays bounded.
type metrics struct {
	requests   *prometheus.CounterVec
	duration   *prometheus.HistogramVec
	streams    prometheus.Gauge
	logins     *prometheus.CounterVec
	eventsSent prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tsunagu_http_requests_total", Help: "HTTP requests by route pattern and status.",
		}, []string{"route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "tsunagu_http_request_duration_seconds", Help: "HTTP request latency by route pattern.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route"}),
		streams: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "tsunagu_event_streams", Help: "Open WebSocket event streams.",
		}),
		logins: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tsunagu_logins_total", Help: "Login attempts by result (ok, bad_credentials, locked, rate_limited).",
		}, []string{"result"}),
		eventsSent: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tsunagu_event_stream_events_total", Help: "Events sent to WebSocket subscribers.",
		}),
	}
	reg.MustRegister(m.requests, m.duration, m.streams, m.logins, m.eventsSent)
	return m
}
