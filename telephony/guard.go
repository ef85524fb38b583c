package telephony

import (
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// GuardConfig is the flood limit for SIP requests, per source address.
type GuardConfig struct {
	// Requests more than Limit within Window block the source for Block.
	// Zero values take the defaults (16 in 2 s, blocked 5 minutes); a
	// negative Limit turns the limit off (benchmarks from one address).
	Limit  int
	Window time.Duration
	Block  time.Duration
}

// Defaults of GuardConfig: a phone sends a handful of requests per call; a
// scanner sends hundreds a second.
const (
	DefaultFloodLimit  = 16
	DefaultFloodWindow = 2 * time.Second
	DefaultFloodBlock  = 5 * time.Minute
)

// scannerAgents are User-Agent fragments of SIP scanners and toll-fraud
// tools (lower case). Their requests are dropped without an answer: a 403
// would tell them a server is here.
var scannerAgents = []string{"friendly-scanner", "sipvicious", "sipcli", "vaxsipuseragent", "sip-scan", "sipsak",
	"sundayddr", "iwar", "smap", "pplsip", "sipptk", "sip hacker", "voipbuster"}

func isScanner(ua string) bool {
	ua = strings.ToLower(ua)
	for _, s := range scannerAgents {
		if strings.Contains(ua, s) {
			return true
		}
	}
	return false
}

// guard drops requests from scanners and from sources that flood. It sits
// in front of every handler: a dropped request gets no response at all.
// Sources are counted in fixed windows, which is cheap and good enough to
// tell a phone from a flood.
type guard struct {
	cfg GuardConfig
	now func() time.Time
	log func(msg string, args ...any)

	mu      sync.Mutex
	sources map[netip.Addr]*source
	swept   time.Time
}

type source struct {
	start   time.Time // of the current window
	count   int
	blocked time.Time // until
	trusted time.Time // until: a trunk or a registered phone, not limited
}

// trustFor is how long an address that proved itself (a trunk's admitted
// INVITE, a phone's authenticated REGISTER) is exempt from the limit: a
// carrier delivering 100 calls a second from one address, or an office
// router in front of many phones, must not be blocked as a flood.
const trustFor = time.Hour

func newGuard(cfg GuardConfig, now func() time.Time, log func(string, ...any)) *guard {
	if cfg.Limit == 0 {
		cfg.Limit = DefaultFloodLimit
	}
	if cfg.Window <= 0 {
		cfg.Window = DefaultFloodWindow
	}
	if cfg.Block <= 0 {
		cfg.Block = DefaultFloodBlock
	}
	return &guard{cfg: cfg, now: now, log: log, sources: map[netip.Addr]*source{}}
}

// allow counts one request from addr and reports whether it may be served.
func (g *guard) allow(addr netip.Addr) bool {
	if g.cfg.Limit < 0 {
		return true
	}
	now := g.now()
	g.mu.Lock()
	defer g.mu.Unlock()
	g.sweep(now)
	s := g.sources[addr]
	if s == nil {
		s = &source{start: now}
		g.sources[addr] = s
	}
	if now.Before(s.trusted) {
		return true
	}
	if now.Before(s.blocked) {
		return false
	}
	if now.Sub(s.start) >= g.cfg.Window {
		s.start, s.count = now, 0
	}
	s.count++
	if s.count > g.cfg.Limit {
		s.blocked = now.Add(g.cfg.Block)
		g.log("sip source blocked: flood", "source", addr.String(), "requests", s.count, "window", g.cfg.Window.String(), "for", g.cfg.Block.String())
		return false
	}
	return true
}

// trust exempts addr from the limit for trustFor (and lifts a block).
func (g *guard) trust(addr netip.Addr) {
	now := g.now()
	g.mu.Lock()
	defer g.mu.Unlock()
	s := g.sources[addr]
	if s == nil {
		s = &source{start: now}
		g.sources[addr] = s
	}
	s.trusted, s.blocked = now.Add(trustFor), time.Time{}
}

// blocked reports whether addr is blocked now (tests, metrics).
func (g *guard) blocked(addr netip.Addr) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	s := g.sources[addr]
	return s != nil && g.now().Before(s.blocked)
}

// sweep forgets idle sources once a window, so a scan from many addresses
// cannot grow the table without bound.
func (g *guard) sweep(now time.Time) {
	if now.Sub(g.swept) < g.cfg.Window {
		return
	}
	g.swept = now
	for a, s := range g.sources {
		if now.Sub(s.start) >= g.cfg.Window && !now.Before(s.blocked) && !now.Before(s.trusted) {
			delete(g.sources, a)
		}
	}
}

// wrap returns h behind the guard.
func (g *guard) wrap(h sipgo.RequestHandler) sipgo.RequestHandler {
	return func(req *sip.Request, tx sip.ServerTransaction) {
		if !g.admit(req) {
			return // sipgo terminates the transaction; nothing is sent
		}
		h(req, tx)
	}
}

func (g *guard) admit(req *sip.Request) bool {
	if ua := req.GetHeader("User-Agent"); ua != nil && isScanner(ua.Value()) {
		return false
	}
	src, err := netip.ParseAddrPort(req.Source())
	if err != nil {
		return false
	}
	return g.allow(src.Addr().Unmap())
}
