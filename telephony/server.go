// Package telephony is Tsunagu's SIP edge, on github.com/emiago/sipgo: it
// takes calls from trunks, answers them with an RTP leg from package media,
// runs the dialled number's phone menu (package ivr), records each step as a
// contact event and hands the caller to the queue, with music, until an
// operator takes them or they hang up.
package telephony

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"tsunagu"
)

// Store is what the SIP edge needs from the store (sqlite.DB implements it).
type Store interface {
	FindTrunkByNumber(ctx context.Context, e164 string) (*tsunagu.Trunk, *tsunagu.DID, error)
	CreateContact(ctx context.Context, c *tsunagu.Contact) error
	UpdateContact(ctx context.Context, tenant tsunagu.TenantID, id tsunagu.ContactID, typ tsunagu.EventType, payload any, fn func(*tsunagu.Contact) error) (*tsunagu.Contact, error)
	FindCustomersByPhone(ctx context.Context, tenant tsunagu.TenantID, e164 string) ([]tsunagu.Customer, error)
	FindTenant(ctx context.Context, id tsunagu.TenantID) (*tsunagu.Tenant, error)
}

// Router takes queued callers (the ACD). Enqueue is called once the contact
// is stored as queued; Abandoned when the caller hangs up while waiting
// (queued or ringing an agent: before Connect). Ended is called exactly once
// for every call that was connected (Server.Connect), after contact:ended
// is stored, whoever ended it: the caller's BYE ({"by":"caller"}),
// Server.Hangup ({"by":"agent"}) or the shutdown ({"by":"system"}); the
// agent then goes to after-call work. All must return quickly: they are
// called from the call's goroutine.
type Router interface {
	Enqueue(ctx context.Context, c *tsunagu.Contact) error
	Abandoned(ctx context.Context, tenant tsunagu.TenantID, id tsunagu.ContactID)
	Ended(ctx context.Context, tenant tsunagu.TenantID, id tsunagu.ContactID)
}

// Config configures a Server.
type Config struct {
	// Addr is the SIP listen address for both UDP and TCP, e.g.
	// "0.0.0.0:5060". Port 0 picks a free port (the same for both).
	Addr string
	// TLSAddr, when set, is the SIP over TLS listen address (e.g.
	// "0.0.0.0:5061"; port 0 picks one) with TLSConfig's certificate
	// (LoadTLSConfig). Empty: no TLS (tls.go).
	TLSAddr   string
	TLSConfig *tls.Config
	// MediaIP is the address RTP is bound to and announced in SDP. Zero
	// means the host of Addr, which then must not be unspecified.
	MediaIP netip.Addr
	// RTPPortMin and RTPPortMax bound the RTP ports; zero lets the system
	// choose (tests).
	RTPPortMin, RTPPortMax int
	// Store is required; Router may be nil (callers then wait with music).
	Store  Store
	Router Router
	// Language of the default prompts: "ja" (default) or "en".
	Language string
	// MenuTimeout is how long the menu waits for a digit after its prompt
	// (default ivr.DefaultTimeout).
	MenuTimeout time.Duration
	// PositionEvery is how often a queued caller hears their place in
	// line (after the wait prompt, between music); 0 never. It needs a
	// Router that is also a Positioner.
	PositionEvery time.Duration
	// DrainTimeout is how long live calls may go on after Run's context
	// ends; then they get a BYE. Zero ends them at once.
	DrainTimeout time.Duration
	// RetryAfter is the Retry-After of the 503 sent while draining
	// (default 30 s, RFC 3261 §20.33).
	RetryAfter time.Duration
	Logger     *slog.Logger
	// Phones finds agents' SIP accounts for REGISTER; nil refuses every
	// REGISTER with 403 (registrar.go).
	Phones PhoneStore
	// MinExpires and MaxExpires bound registrations (defaults 60 s, 1 h).
	MinExpires, MaxExpires time.Duration
	// NonceTTL is how long a digest nonce is good (DefaultNonceTTL).
	NonceTTL time.Duration
	// Guard is the per-source flood limit (guard.go).
	Guard GuardConfig
	// Desk hears what agents do on their desk phones (deskphone.go); nil
	// makes a desk phone's BYE a plain Hangup.
	Desk DeskHandler
	// OnRegistered, when set, is told after each accepted REGISTER
	// whether the agent still has a live registration.
	OnRegistered func(tenant tsunagu.TenantID, agent tsunagu.AgentID, registered bool)
	// Recordings stores recordings and monitoring events (record.go,
	// monitor.go); with RecordDir set too, every connected call is
	// recorded to RecordDir/<tenant>/<yyyy-mm-dd>/<contact>.wav.
	Recordings tsunagu.RecordingStore
	RecordDir  string
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Server answers SIP calls. Create it with New, then call Run.
type Server struct {
	cfg     Config
	log     *slog.Logger
	prompts prompts
	udp     net.PacketConn
	tcp     net.Listener
	addr    netip.AddrPort
	tlsLn   net.Listener    // SIP over TLS, nil without (tls.go)
	tlsAddr netip.AddrPort  // its bound address
	duaTLS  *sipgo.DialogUA // the DialogUA with our TLS Contact
	// duaPhone and duaPhoneTLS ring desk phones: in-dialog requests go
	// where the phone answered from (deskphone.go, phoneUA).
	duaPhone, duaPhoneTLS *sipgo.DialogUA
	ua                    *sipgo.UserAgent
	srv                   *sipgo.Server
	dua                   *sipgo.DialogUA

	// callsCtx is every call's context: cancelled when the drain ends, which
	// makes the live calls send BYE.
	callsCtx    context.Context
	cancelCalls context.CancelFunc

	mu       sync.Mutex
	draining bool
	drainCh  chan struct{}  // closed when draining starts
	calls    sync.WaitGroup // one per INVITE being handled or call in progress
	dialogs  map[string]*call
	// contacts finds a live call by its contact for Connect and Hangup.
	contacts map[tsunagu.ContactID]*call
	// dialingOut finds an outbound call still ringing, for Hangup (CANCEL).
	dialingOut map[tsunagu.ContactID]*call
	// transfersOut hold the outcome of each caller's last transfer to an
	// outside number, for the desk phone's REFER (transferout.go).
	transfersOut map[tsunagu.ContactID]chan tsunagu.TransferOutcome

	// Agents' desk phones (registrar.go, digest.go, guard.go, deskphone.go).
	reg       *registrar
	auth      *digester
	guard     *guard
	desks     map[tsunagu.ContactID]*desk // under mu
	deskCalls map[string]*desk            // by SIP Call-ID, under mu
	// consultDesks are the desk phones answered for a consultation about
	// a contact (the consulted agent's), until it ends; phoneConsults and
	// consultCalls the phones' own consult lines (deskconsult.go).
	consultDesks  map[tsunagu.ContactID]*desk         // under mu
	phoneConsults map[tsunagu.ContactID]*phoneConsult // under mu
	consultCalls  map[string]*phoneConsult            // by SIP Call-ID, under mu
}

// New validates cfg, binds the SIP ports and prepares the server.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil {
		return nil, errors.New("telephony: Config.Store is required")
	}
	if cfg.Language == "" {
		cfg.Language = "ja"
	}
	if cfg.RetryAfter <= 0 {
		cfg.RetryAfter = 30 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	p, err := loadPrompts(cfg.Language)
	if err != nil {
		return nil, err
	}
	ap, err := netip.ParseAddrPort(cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("telephony: listen address %q: %w", cfg.Addr, err)
	}
	if !cfg.MediaIP.IsValid() {
		if ap.Addr().IsUnspecified() {
			return nil, errors.New("telephony: set MediaIP when listening on an unspecified address")
		}
		cfg.MediaIP = ap.Addr()
	}
	s := &Server{cfg: cfg, log: cfg.Logger.With("component", "telephony"), prompts: p, dialogs: map[string]*call{},
		contacts: map[tsunagu.ContactID]*call{},
		drainCh:  make(chan struct{})}
	if err := s.listen(ap); err != nil {
		return nil, err
	}
	if err := s.listenTLS(); err != nil {
		s.udp.Close()
		s.tcp.Close()
		return nil, err
	}
	host := cfg.MediaIP.String()
	s.ua, err = sipgo.NewUA(sipgo.WithUserAgent("tsunagu"), sipgo.WithUserAgentHostname(host))
	if err == nil {
		s.srv, err = sipgo.NewServer(s.ua, sipgo.WithServerLogger(s.log))
	}
	var client *sipgo.Client
	if err == nil {
		client, err = sipgo.NewClient(s.ua, sipgo.WithClientHostname(host), sipgo.WithClientLogger(s.log))
	}
	if err != nil {
		s.udp.Close()
		s.tcp.Close()
		if s.tlsLn != nil {
			s.tlsLn.Close()
		}
		return nil, fmt.Errorf("telephony: %w", err)
	}
	s.dua = &sipgo.DialogUA{Client: client, ContactHDR: sip.ContactHeader{
		Address: sip.Uri{Scheme: "sip", User: "tsunagu", Host: host, Port: int(s.addr.Port())}}}
	s.duaPhone = &sipgo.DialogUA{Client: client, ContactHDR: s.dua.ContactHDR, RewriteContact: true}
	s.newTLSDialogUA(host)
	if cfg.NonceTTL <= 0 {
		cfg.NonceTTL = DefaultNonceTTL
	}
	s.reg = newRegistrar(cfg.MinExpires, cfg.MaxExpires, cfg.Now)
	s.auth = newDigester(cfg.NonceTTL, cfg.Now)
	s.guard = newGuard(cfg.Guard, cfg.Now, s.log.Warn)
	// Every request passes the guard first (scanners, floods).
	g := s.guard.wrap
	s.srv.OnInvite(g(s.onInvite))
	s.srv.OnAck(g(s.onAck))
	s.srv.OnBye(g(s.onBye))
	s.srv.OnRegister(g(s.onRegister))
	s.srv.OnInfo(g(s.onInfo))   // DTMF by SIP INFO (info.go)
	s.srv.OnRefer(g(s.onRefer)) // transfer from a desk phone (refer.go)
	s.srv.OnNoRoute(g(func(req *sip.Request, tx sip.ServerTransaction) {
		s.respond(req, tx, 405, "Method Not Allowed", sip.NewHeader("Allow", "INVITE, ACK, BYE, CANCEL, OPTIONS, REGISTER, INFO, REFER"))
	}))
	s.srv.OnCancel(func(req *sip.Request, tx sip.ServerTransaction) {
		// A CANCEL matching a pending INVITE is handled by its transaction
		// (sipgo); one that reaches here matches nothing (RFC 3261 §9.2).
		s.reject(req, tx, errNoDialog)
	})
	s.srv.OnOptions(g(func(req *sip.Request, tx sip.ServerTransaction) {
		// Trunks ping with OPTIONS to see whether we are up.
		code, reason := 200, "OK"
		if s.isDraining() {
			code, reason = 503, "Service Unavailable"
		}
		tx.Respond(sip.NewResponseFromRequest(req, code, reason, nil))
	}))
	s.callsCtx, s.cancelCalls = context.WithCancel(context.Background())
	return s, nil
}

// listen binds UDP and TCP on one port. With port 0 the UDP port is chosen
// first and TCP tries to follow it; a few attempts cover the rare case where
// another process holds that TCP port.
func (s *Server) listen(ap netip.AddrPort) error {
	var lastErr error
	for range 10 {
		u, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(ap))
		if err != nil {
			return fmt.Errorf("telephony: listen udp: %w", err)
		}
		bound := u.LocalAddr().(*net.UDPAddr).AddrPort()
		t, err := net.ListenTCP("tcp", net.TCPAddrFromAddrPort(bound))
		if err == nil {
			s.udp, s.tcp = u, t
			s.addr = netip.AddrPortFrom(bound.Addr().Unmap(), bound.Port())
			return nil
		}
		u.Close()
		lastErr = err
		if ap.Port() != 0 {
			break
		}
	}
	return fmt.Errorf("telephony: listen tcp: %w", lastErr)
}

// Addr returns the bound SIP address (UDP and TCP).
func (s *Server) Addr() netip.AddrPort { return s.addr }

// Run serves until ctx ends, then drains: new INVITEs get 503 with
// Retry-After while live calls go on for up to DrainTimeout; then the rest
// get a BYE. Run returns when every call has ended and the listeners are
// closed.
func (s *Server) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	errc := make(chan error, 3)
	wg.Add(2)
	go func() { defer wg.Done(); errc <- s.srv.ServeUDP(s.udp) }()
	go func() { defer wg.Done(); errc <- s.srv.ServeTCP(s.tcp) }()
	if s.tlsLn != nil {
		wg.Add(1)
		go func() { defer wg.Done(); errc <- s.srv.ServeTLS(s.tlsLn) }()
		s.log.Info("sip listening", "addr", s.tlsAddr.String(), "transports", "tls")
	}
	s.log.Info("sip listening", "addr", s.addr.String(), "transports", "udp,tcp", "media_ip", s.cfg.MediaIP.String())

	var err error
	select {
	case <-ctx.Done():
	case err = <-errc: // a listener died: shut down too
	}

	s.mu.Lock()
	s.draining = true
	close(s.drainCh)
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.calls.Wait(); close(done) }()
	if s.cfg.DrainTimeout > 0 {
		s.log.Info("sip draining", "timeout", s.cfg.DrainTimeout.String())
		t := time.NewTimer(s.cfg.DrainTimeout)
		select {
		case <-done:
		case <-t.C:
		}
		t.Stop()
	}
	s.cancelCalls() // the remaining calls hang up (BYE)
	<-done

	s.udp.Close()
	s.tcp.Close()
	if s.tlsLn != nil {
		s.tlsLn.Close()
	}
	s.ua.Close()
	wg.Wait()
	s.log.Info("sip stopped")
	return err
}

func (s *Server) isDraining() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.draining
}

// enter registers a new INVITE unless the server is draining.
func (s *Server) enter() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.draining {
		return false
	}
	s.calls.Add(1)
	return true
}

func (s *Server) register(id string, c *call) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.dialogs[id]; dup {
		return false
	}
	s.dialogs[id] = c
	return true
}

func (s *Server) unregister(id string) {
	s.mu.Lock()
	delete(s.dialogs, id)
	s.mu.Unlock()
}

func (s *Server) lookup(req *sip.Request) *call {
	id := req.CallID()
	if id == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dialogs[id.Value()]
}

func (s *Server) onAck(req *sip.Request, tx sip.ServerTransaction) {
	if s.consultAck(req, tx) {
		return // a desk phone's consult line (deskconsult.go)
	}
	if c := s.lookup(req); c != nil {
		if d, ok := c.dialog.(*sipgo.DialogServerSession); ok { // an outbound call sends its ACK instead
			_ = d.ReadAck(req, tx)
		}
	}
	// An ACK for a non-2xx final response is absorbed by its transaction;
	// a stray one needs no answer (RFC 3261 §17.2.3).
}

func (s *Server) onBye(req *sip.Request, tx sip.ServerTransaction) {
	if s.deskBye(req, tx) || s.consultBye(req, tx) {
		return
	}
	c := s.lookup(req)
	if c == nil || c.dialog.ReadBye(req, tx) != nil {
		s.reject(req, tx, errNoDialog)
	}
}

// reject answers a request with the status for err.
func (s *Server) reject(req *sip.Request, tx sip.ServerTransaction, err error, headers ...sip.Header) {
	code, reason := status(err)
	res := sip.NewResponseFromRequest(req, code, reason, nil)
	for _, h := range headers {
		res.AppendHeader(h)
	}
	if code == 503 {
		res.AppendHeader(sip.NewHeader("Retry-After", strconv.Itoa(int(s.cfg.RetryAfter/time.Second))))
	}
	if err := tx.Respond(res); err != nil {
		s.log.Debug("sip respond", "status", code, "error", err)
	}
}

// Draining returns a channel closed once the server has begun to drain
// (Run's context ended): a readiness probe can report not-ready from then.
func (s *Server) Draining() <-chan struct{} { return s.drainCh }
