package main

import (
	"log/slog"
	"net/http"
	"net/http/pprof"
	"os"
	"time"
)

// startPprof serves Go's profiler on the address in TSUNAGU_PPROF (for
// example 127.0.0.1:6060) when it is set, and does nothing otherwise. It is
// for load benchmarks (scripts/bench-sip.sh PROFILE=1): off by default, on
// its own listener so the profiles are never reachable through the API's
// address, and an environment variable rather than a config key because it
// is an operator's debugging switch, not a setting.
func startPprof(log *slog.Logger) {
	addr := os.Getenv("TSUNAGU_PPROF")
	if addr == "" {
		return
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		log.Warn("pprof listening (TSUNAGU_PPROF)", "addr", addr)
		if err := srv.ListenAndServe(); err != nil {
			log.Warn("pprof stopped", "err", err)
		}
	}()
}
