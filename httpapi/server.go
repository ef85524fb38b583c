// Package httpapi serves the JSON API under /api/v1, the WebSocket event
// stream, health and metrics endpoints, and the embedded web UI. Every route
// declares the least role it needs; the check happens here, on the server,
// before any handler runs.
package httpapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"tsunagu"
)

// Config is what the server needs from its wiring.
type Config struct {
	Store tsunagu.Store
	Bus   tsunagu.Bus
	Log   *slog.Logger
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// SecureCookies marks the session cookie Secure (set when serving TLS).
	SecureCookies bool
	// BodyLimit caps request bodies (1 MiB when zero).
	BodyLimit int64
	// SessionTTL is how long a login lasts (12 h, a long shift, when zero).
	SessionTTL time.Duration
	// Registry receives the server's metrics; /metrics serves it.
	Registry *prometheus.Registry
	// UI, when set, serves the web app at /.
	UI http.Handler
	// Version is reported by /healthz.
	Version string
	// KB answers knowledge searches; nil disables them (501).
	KB KnowledgeBase
	// Dispatch is routing; nil: agent states go to the store alone and call
	// control answers 501.
	Dispatch Dispatcher
	// Softphone answers browsers' WebRTC offers; nil answers 501.
	Softphone Softphone
	// LiveCalls pauses recordings, serves them and joins supervisors to
	// calls (recording.go, monitor.go); nil answers 501.
	LiveCalls LiveCalls
	// Floor serves the supervisors' live figures (GET /floor); nil answers 501.
	Floor FloorBoard
	// StreamBuffer is the event streams' bus buffer (4096 when zero; one
	// subscription serves every stream) and caps each stream's own queue
	// (256 frames); a stream that falls further behind catches up from the
	// store.
	StreamBuffer int
	// TilesEvery is how often the desks' queue tiles are pushed while the
	// floor changes (2 s when zero; eventhub.go).
	TilesEvery time.Duration
}

// Login protection: after loginFailureLimit failures an account is locked
// for loginLockout; one address may try loginPerIPPerMinute times a minute.
const (
	loginFailureLimit   = 5
	loginLockout        = 15 * time.Minute
	loginPerIPPerMinute = 30
)

// Server is the HTTP side of Tsunagu.
type Server struct {
	store      tsunagu.Store
	bus        tsunagu.Bus
	log        *slog.Logger
	now        func() time.Time
	secure     bool
	bodyLimit  int64
	sessionTTL time.Duration
	version    string
	mux        *http.ServeMux
	routes     []route
	draining   atomic.Bool
	ipLimiter  *windowLimiter
	metrics    *metrics
	// streamBuffer is the event streams' bus subscription buffer.
	streamBuffer int
	kb           KnowledgeBase
	dispatch     Dispatcher
	softphone    Softphone
	liveCalls    LiveCalls
	floorBoard   FloorBoard
	// streams counts running event streams so shutdown can wait for them.
	streams sync.WaitGroup
	// hub fans the bus out to the event streams (eventhub.go).
	hub *hub
}

// route is one API endpoint and the least role that may call it ("" = public).
type route struct {
	method, pattern string
	min             tsunagu.Role
	summary         string
	h               func(w http.ResponseWriter, r *http.Request) error
}

// New builds the server and its routes.
func New(cfg Config) *Server {
	s := &Server{
		store:        cfg.Store,
		bus:          cfg.Bus,
		log:          cfg.Log,
		now:          cfg.Now,
		secure:       cfg.SecureCookies,
		bodyLimit:    cfg.BodyLimit,
		sessionTTL:   cfg.SessionTTL,
		version:      cfg.Version,
		mux:          http.NewServeMux(),
		ipLimiter:    newWindowLimiter(loginPerIPPerMinute, time.Minute),
		streamBuffer: cfg.StreamBuffer,
		kb:           cfg.KB,
		dispatch:     cfg.Dispatch,
		softphone:    cfg.Softphone,
		liveCalls:    cfg.LiveCalls,
		floorBoard:   cfg.Floor,
	}
	if s.streamBuffer <= 0 {
		s.streamBuffer = 4096
	}
	s.hub = newHub(s.bus, s.streamBuffer)
	s.hub.tiles, s.hub.tilesEvery = s.queueTiles, cfg.TilesEvery
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.bodyLimit <= 0 {
		s.bodyLimit = 1 << 20
	}
	if s.sessionTTL <= 0 {
		s.sessionTTL = 12 * time.Hour
	}
	reg := cfg.Registry
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	s.metrics = newMetrics(reg)
	s.routes = s.apiRoutes()
	for _, rt := range s.routes {
		s.mux.Handle(rt.method+" "+rt.pattern, s.guard(rt))
	}
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.HandleFunc("GET /readyz", s.readyz)
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	s.mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, tsunagu.Errorf(tsunagu.ENOTFOUND, "No such API route: %s %s.", r.Method, r.URL.Path))
	})
	if cfg.UI != nil {
		s.mux.Handle("/", cfg.UI)
	}
	return s
}

// ServeHTTP serves a request with panic recovery, security headers, metrics
// and an access log line.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.Error("panic in handler", "method", r.Method, "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
			if !rw.wrote {
				s.writeError(rw, r, errors.New("panic"))
			}
		}
		pattern := r.Pattern
		if pattern == "" {
			pattern = "unmatched"
		}
		s.metrics.requests.WithLabelValues(pattern, strconv.Itoa(rw.status)).Inc()
		s.metrics.duration.WithLabelValues(pattern).Observe(time.Since(start).Seconds())
		s.log.Debug("http", "method", r.Method, "path", r.URL.Path, "status", rw.status, "ms", time.Since(start).Milliseconds())
	}()
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	s.mux.ServeHTTP(rw, r)
}

// Drain makes /readyz fail so a load balancer stops sending new work.
func (s *Server) Drain() { s.draining.Store(true) }

// Wait waits for running event streams to end. They end when their request
// context (the http.Server's BaseContext) is cancelled.
func (s *Server) Wait() { s.streams.Wait() }

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	reply(w, http.StatusOK, map[string]string{"status": "ok", "version": s.version})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if s.draining.Load() {
		s.writeError(w, r, &retryAfterError{tsunagu.Errorf(tsunagu.EUNAVAILABLE, "Shutting down."), "5"})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		s.log.Error("readiness: store", "err", err)
		s.writeError(w, r, tsunagu.Errorf(tsunagu.EUNAVAILABLE, "The store is not answering."))
		return
	}
	reply(w, http.StatusOK, map[string]string{"status": "ready"})
}

// guard authenticates the request, checks the route's role and CSRF, then
// runs the handler and writes its error as problem+json.
func (s *Server) guard(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rt.min != "" {
			p, viaCookie, csrf, err := s.authenticate(r)
			if err != nil {
				s.writeError(w, r, err)
				return
			}
			if !p.Role.AtLeast(rt.min) {
				s.writeError(w, r, tsunagu.Errorf(tsunagu.EFORBIDDEN, "This needs the %s role.", rt.min))
				return
			}
			if viaCookie && !safeMethod(r.Method) && !constantEqual(r.Header.Get("X-CSRF-Token"), csrf) {
				s.writeError(w, r, &tsunagu.Error{Code: tsunagu.EFORBIDDEN, Field: "X-CSRF-Token", Message: "Missing or wrong CSRF token."})
				return
			}
			r = r.WithContext(tsunagu.NewContext(r.Context(), p))
		}
		if err := rt.h(w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
}

// sessionCookie is the name of the login cookie.
const sessionCookie = "tsunagu_session"

// authenticate finds the principal from a Bearer token or the session cookie.
func (s *Server) authenticate(r *http.Request) (p *tsunagu.Principal, viaCookie bool, csrf string, err error) {
	ctx := r.Context()
	if h := r.Header.Get("Authorization"); h != "" {
		secret, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || secret == "" {
			return nil, false, "", tsunagu.Errorf(tsunagu.EUNAUTHORIZED, "Use Authorization: Bearer <token>.")
		}
		tok, err := s.store.FindToken(ctx, hashSecret(secret))
		if tsunagu.ErrorCode(err) == tsunagu.ENOTFOUND {
			return nil, false, "", tsunagu.Errorf(tsunagu.EUNAUTHORIZED, "The API token is not valid.")
		} else if err != nil {
			return nil, false, "", err
		}
		return &tsunagu.Principal{TenantID: tok.TenantID, UserID: tok.UserID, Role: tok.Role, TokenID: tok.ID, Username: "token:" + tok.Name}, false, "", nil
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil, false, "", tsunagu.Errorf(tsunagu.EUNAUTHORIZED, "Please log in.")
	}
	sess, err := s.store.FindSession(ctx, hashSecret(c.Value), s.now())
	if tsunagu.ErrorCode(err) == tsunagu.ENOTFOUND {
		return nil, true, "", tsunagu.Errorf(tsunagu.EUNAUTHORIZED, "Your session has ended; please log in again.")
	} else if err != nil {
		return nil, true, "", err
	}
	u, err := s.store.FindUser(ctx, sess.TenantID, sess.UserID)
	if err != nil {
		return nil, true, "", tsunagu.Errorf(tsunagu.EUNAUTHORIZED, "Please log in.")
	}
	if u.Disabled {
		return nil, true, "", tsunagu.Errorf(tsunagu.EUNAUTHORIZED, "This account is disabled.")
	}
	return &tsunagu.Principal{TenantID: u.TenantID, UserID: u.ID, AgentID: u.AgentID, Username: u.Username, Role: u.Role}, true, sess.CSRFToken, nil
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// hashSecret stores only a digest of session and API token secrets: a leaked
// database does not yield working credentials. SHA-256 suffices because the
// secrets are 256 random bits, not passwords.
func hashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// principal returns the authenticated principal of a guarded request.
func principal(r *http.Request) *tsunagu.Principal { return tsunagu.FromContext(r.Context()) }

// statusWriter records the status for logs and metrics.
type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController (and the WebSocket upgrade) reach the
// underlying writer's Hijacker and Flusher.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
