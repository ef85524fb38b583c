package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"tsunagu"
	"tsunagu/dispatch"
	"tsunagu/floor"
	"tsunagu/httpapi"
	"tsunagu/inmem"
	"tsunagu/kb"
	"tsunagu/media"
	"tsunagu/softphone"
	"tsunagu/sqlite"
	"tsunagu/telephony"
	"tsunagu/web"
)

// newIndexer wires the knowledge-base indexer to per-tenant index files
// under <data>/kb/.
func newIndexer(db *sqlite.DB, bus tsunagu.Bus, data string, log *slog.Logger) *kb.Indexer {
	dir := filepath.Join(data, "kb")
	return &kb.Indexer{Store: db, Bus: bus, Log: log,
		Open: func(ctx context.Context, tenant tsunagu.TenantID) (kb.TenantIndex, error) {
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return nil, err
			}
			return sqlite.OpenKBIndex(ctx, filepath.Join(dir, string(tenant)+".db"))
		}}
}

// runServe runs the center until ctx is cancelled (Ctrl-C), then drains:
// readiness fails at once, HTTP requests in flight finish up to the shutdown
// timeout, event streams are closed, and the database is checkpointed and
// closed. ready, when set, receives the HTTP address once listening (tests
// use --http 127.0.0.1:0).
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer, ready func(addr string)) error {
	cfg, err := serveFlags(args, stderr)
	if err != nil {
		return err
	}
	log := newLogger(stderr, cfg)
	if err := os.MkdirAll(cfg.Data, 0o750); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	dbPath := filepath.Join(cfg.Data, "tsunagu.db")
	db, err := sqlite.Open(ctx, dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	// Single node: SQLite and the in-process bus. Scaled-out mode will swap
	// these for postgres and natsbus behind the same interfaces.
	bus := &inmem.Bus{}
	db.SetPublish(bus.Publish)
	log.Info("store opened", "mode", "single-node", "store", "sqlite", "bus", "inmem", "path", dbPath)

	var demo *demoInfo
	if cfg.Demo {
		if demo, err = seedDemo(ctx, db, log); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	}

	// The knowledge base's search index: one node-local file per tenant,
	// built from the store and kept in step through the event log.
	indexer := newIndexer(db, bus, cfg.Data, log)
	var bg sync.WaitGroup
	bgCtx, stopBG := context.WithCancel(context.WithoutCancel(ctx))
	defer func() {
		stopBG()
		bg.Wait()
	}()
	bg.Go(func() {
		kb.Warm() // the Japanese dictionary (~1 s) loads now, not on the first search
		if err := indexer.Run(bgCtx); err != nil && !errors.Is(err, context.Canceled) {
			log.Error("kb indexer stopped", "err", err)
		}
	})
	// The floor: queue, agent and alert figures folded from the event log
	// (replayed now, then followed live) for the console and the wallboard.
	board := &floor.Board{Store: db, Bus: bus, Log: log}
	bg.Go(func() {
		if err := board.Run(bgCtx); err != nil && !errors.Is(err, context.Canceled) {
			log.Error("floor board stopped", "err", err)
		}
	})

	// Voice: the operators' browser softphones (WebRTC on one UDP port at
	// the media address), the SIP edge for trunk calls, and routing between
	// them: telephony hands queued callers to the dispatcher, whose offers
	// ring the desk; answering bridges the caller with the softphone.
	mediaIP, err := mediaAddr(cfg, log)
	if err != nil {
		return err
	}
	disp := &dispatch.Dispatcher{Store: db, Log: log}
	soft, err := softphone.New(softphone.Config{ListenAddr: netip.AddrPortFrom(mediaIP, uint16(cfg.WebRTCPort)), Logger: log,
		OnLost: browserLost(db, disp)})
	if err != nil {
		return fmt.Errorf("softphone: %w", err)
	}
	defer soft.Close(context.WithoutCancel(ctx))
	sipTLS, err := sipTLSConfig(cfg) // siptls.go: nil without sip_tls_listen
	if err != nil {
		return err
	}
	tel, err := telephony.New(telephony.Config{
		Addr: sipListenAddr(cfg.SIP), MediaIP: mediaIP, RTPPortMin: cfg.RTPPortMin, RTPPortMax: cfg.RTPPortMax,
		TLSAddr: sipTLSAddr(cfg), TLSConfig: sipTLS,
		Store: db, Router: disp, Language: "ja", DrainTimeout: cfg.ShutdownTimeout.Duration, Logger: log,
		PositionEvery: cfg.PositionEvery.Duration,
		Recordings:    db, RecordDir: recordDir(cfg),
		Phones: db, Desk: deskHandler{disp: disp}, Guard: sipGuard(cfg), OnRegistered: phoneUnregistered(db, disp),
	})
	if err != nil {
		return fmt.Errorf("sip: %w", err)
	}
	disp.Phone = voice{tel: tel, soft: soft, db: db}
	disp.Outbound = voice{tel: tel, soft: soft, db: db} // outbound.go: click-to-call
	if err := disp.Start(bgCtx); err != nil {
		return fmt.Errorf("routing: %w", err)
	}
	defer func() {
		stopBG()
		disp.Wait()
	}()

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "tsunagu_bus_subscribers", Help: "In-process event bus subscribers."},
		func() float64 { return float64(bus.Subscribers()) }))
	reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "tsunagu_rtp_frames_skipped_total",
		Help: "20 ms RTP frames the senders skipped because they woke up too late (the machine was overloaded)."},
		func() float64 { return float64(media.Skipped()) }))
	reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "tsunagu_rtp_packets_lost_total",
		Help: "RTP packets the remotes of ended calls sent that never arrived (by sequence number, RFC 3550)."},
		func() float64 { return float64(media.Lost()) }))
	api := httpapi.New(httpapi.Config{
		Store: db, Bus: bus, Log: log, Registry: reg, Version: versionString(),
		SecureCookies: cfg.TLSCert != "", BodyLimit: cfg.BodyLimitBytes, SessionTTL: cfg.SessionTTL.Duration,
		UI: web.Handler(), KB: indexer, Dispatch: disp, Softphone: soft,
		Floor: board, LiveCalls: liveCalls{tel: tel, soft: soft},
	})

	telDone := make(chan error, 1)
	telCtx, stopTel := context.WithCancel(context.WithoutCancel(ctx))
	defer stopTel()
	go func() { telDone <- tel.Run(telCtx) }()

	ln, err := net.Listen("tcp", cfg.HTTP)
	if err != nil {
		stopTel()
		<-telDone
		return fmt.Errorf("listen %s: %w", cfg.HTTP, err)
	}
	// Handlers' contexts derive from base, so cancelling it ends the
	// long-lived event streams that http.Server.Shutdown does not wait for.
	base, cancelBase := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelBase()
	srv := &http.Server{
		Handler:           api,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		BaseContext:       func(net.Listener) context.Context { return base },
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	serveErr := make(chan error, 1)
	go func() {
		if cfg.TLSCert != "" {
			serveErr <- srv.ServeTLS(ln, cfg.TLSCert, cfg.TLSKey)
		} else {
			serveErr <- srv.Serve(ln)
		}
	}()
	addr := ln.Addr().String()
	scheme := "http"
	if cfg.TLSCert != "" {
		scheme = "https"
	}
	url := scheme + "://" + displayAddr(addr)
	log.Info("serving", "http", addr, "sip", tel.Addr().String(), "media_ip", mediaIP.String(), "version", versionString())
	startPprof(log)
	fmt.Fprintf(stdout, "Tsunagu つなぐ %s\n  URL:  %s\n  API:  %s/api/v1/openapi.json\n  SIP:  %s (UDP and TCP)\n  Data: %s\n",
		versionString(), url, url, tel.Addr(), dbPath)
	if demo != nil {
		demo.print(stdout)
	}
	fmt.Fprintln(stdout, "Press Ctrl-C to stop.")
	if ready != nil {
		ready(addr)
	}

	select {
	case err := <-serveErr:
		stopTel()
		<-telDone
		return fmt.Errorf("http: %w", err)
	case err := <-telDone:
		srv.Close()
		return fmt.Errorf("sip: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down", "timeout", cfg.ShutdownTimeout.Duration)
	api.Drain()
	stopTel() // new INVITEs get 503 + Retry-After; live calls run until the drain ends
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout.Duration)
	defer cancel()
	err = srv.Shutdown(sctx)
	cancelBase()
	api.Wait()
	if err := <-telDone; err != nil {
		log.Warn("sip shutdown", "err", err)
	}
	stopBG()
	bg.Wait()
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Warn("shutdown: requests cut off at the deadline", "err", err)
	}
	if err := db.Close(); err != nil {
		return fmt.Errorf("close store: %w", err)
	}
	log.Info("stopped")
	return nil
}

// voice is routing's view of the phones: the caller's SIP leg in telephony,
// the operator's browser leg in softphone.
type voice struct {
	tel  *telephony.Server
	soft *softphone.Server
	db   *sqlite.DB // each agent's phone choice (deskphone.go)
}

// Connect bridges the caller with the answering agent's softphone.
func (v voice) Connect(ctx context.Context, c *tsunagu.Contact) error {
	if leg, ok := v.tel.DeskLeg(c.ID); ok { // answered on the desk phone (deskphone.go)
		return v.tel.Connect(ctx, c.ID, leg)
	}
	leg, ok := v.soft.Leg(c.AgentID)
	if !ok {
		return tsunagu.Errorf(tsunagu.ECONFLICT, "Agent %s has no softphone connected.", c.AgentID)
	}
	return v.tel.Connect(ctx, c.ID, leg)
}

// Hangup ends the caller's leg; telephony records contact:ended.
func (v voice) Hangup(ctx context.Context, id tsunagu.ContactID) error { return v.tel.Hangup(ctx, id) }

// Hold plays the hold music to the caller; Resume bridges them back.
func (v voice) Hold(ctx context.Context, id tsunagu.ContactID) error { return v.tel.Hold(ctx, id) }

// Resume bridges the held caller with the operator again.
func (v voice) Resume(ctx context.Context, id tsunagu.ContactID) error { return v.tel.Resume(ctx, id) }

// Reachable reports whether the agent's phone (softphone or registered
// desk phone) can take a call.
func (v voice) Reachable(agent tsunagu.AgentID) bool { return v.reachable(agent) }

// mediaAddr is where RTP is bound and announced: media_ip when set, else the
// SIP address's host, else (SIP on every interface) loopback, which serves a
// demo on this machine; calls from elsewhere need media_ip.
func mediaAddr(cfg Config, log *slog.Logger) (netip.Addr, error) {
	if cfg.MediaIP != "" {
		return netip.ParseAddr(cfg.MediaIP)
	}
	host, _, err := net.SplitHostPort(cfg.SIP)
	if err != nil {
		return netip.Addr{}, err
	}
	if a, err := netip.ParseAddr(host); err == nil && !a.IsUnspecified() {
		return a, nil
	}
	log.Warn("SIP listens on every interface and media_ip is not set: RTP uses 127.0.0.1, so only calls from this machine have audio", "sip", cfg.SIP)
	return netip.MustParseAddr("127.0.0.1"), nil
}

// sipListenAddr makes ":5060" (every interface, as for HTTP) explicit for the
// SIP server, which binds UDP and TCP to one concrete address.
func sipListenAddr(addr string) string {
	if host, port, err := net.SplitHostPort(addr); err == nil && host == "" {
		return net.JoinHostPort("0.0.0.0", port)
	}
	return addr
}

// displayAddr turns ":8080" into "localhost:8080" for the printed URL.
func displayAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if host == "" || host == "::" || host == "0.0.0.0" {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}
