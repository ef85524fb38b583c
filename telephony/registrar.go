package telephony

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo/sip"

	"tsunagu"
)

// PhoneStore finds agents' SIP accounts (sqlite.DB implements it).
type PhoneStore interface {
	FindSIPUser(ctx context.Context, username string) (*tsunagu.SIPPhone, error)
}

// Registration limits (RFC 3261 §10.2.1.1 and §10.3): a phone asking for
// less than the minimum gets 423 with Min-Expires; more than the maximum is
// cut to it; none asked gets the default.
const (
	DefaultMinExpires = 60 * time.Second
	DefaultMaxExpires = time.Hour
	defaultExpires    = time.Hour
	// maxBindings bounds the contacts of one agent (desk phone, soft
	// phone, mobile…): a phone that re-registers from ever-new ports must
	// not grow the table forever, so the oldest binding gives way.
	maxBindings = 8
)

// Binding is one registered contact of an agent's phone.
type Binding struct {
	Contact   sip.Uri
	Expires   time.Time
	Source    string // where the REGISTER came from (host:port)
	Transport string // "udp" or "tcp"
	callID    string
	cseq      uint32
}

// registrar keeps the agents' registrations in memory only: a restart
// forgets them and phones register again within their re-registration
// interval (at most MaxExpires; most phones re-register at half of it).
// Keeping them in the database would buy little: the calls they serve do
// not survive a restart either.
type registrar struct {
	min, max time.Duration
	now      func() time.Time

	mu      sync.Mutex
	byAgent map[tsunagu.AgentID][]Binding
}

func newRegistrar(min, max time.Duration, now func() time.Time) *registrar {
	if min <= 0 {
		min = DefaultMinExpires
	}
	if max < min {
		max = DefaultMaxExpires
		if max < min {
			max = min
		}
	}
	return &registrar{min: min, max: max, now: now, byAgent: map[tsunagu.AgentID][]Binding{}}
}

// bindings returns the agent's live bindings, newest first.
func (r *registrar) bindings(agent tsunagu.AgentID) []Binding {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.live(agent)
}

// live drops expired bindings of agent; under mu.
func (r *registrar) live(agent tsunagu.AgentID) []Binding {
	now := r.now()
	bs := slices.DeleteFunc(r.byAgent[agent], func(b Binding) bool { return !now.Before(b.Expires) })
	if len(bs) == 0 {
		delete(r.byAgent, agent)
		return nil
	}
	r.byAgent[agent] = bs
	return slices.Clone(bs)
}

// Registered reports whether the agent has a live registration: their desk
// phone can ring.
func (s *Server) Registered(agent tsunagu.AgentID) bool {
	return len(s.reg.bindings(agent)) > 0
}

// Bindings returns the agent's live registrations (tests, the admin view).
func (s *Server) Bindings(agent tsunagu.AgentID) []Binding { return s.reg.bindings(agent) }

var errBadRegister = tsunagu.Errorf(tsunagu.EINVALID, "bad REGISTER")

// onRegister serves REGISTER (RFC 3261 §10.3): authenticate with digest,
// then add, refresh or remove the To AOR's bindings, answering with the
// full list. Unknown users and wrong passwords get the same 403.
func (s *Server) onRegister(req *sip.Request, tx sip.ServerTransaction) {
	if s.cfg.Phones == nil {
		s.respond(req, tx, 403, "Forbidden")
		return
	}
	to, cseq, cid := req.To(), req.CSeq(), req.CallID()
	if to == nil || cseq == nil || cid == nil || req.From() == nil {
		s.reject(req, tx, errBadRegister)
		return
	}
	ph := s.authenticate(req, tx)
	if ph == nil {
		return
	}
	if a, ok := sourceAddr(req); ok {
		s.guard.trust(a) // a phone that knows its password is no flood
	}
	// One account registers its own AOR only.
	if to.Address.User != ph.Username {
		s.log.Info("sip register refused", "reason", "aor", "source", req.Source())
		s.respond(req, tx, 403, "Forbidden")
		return
	}
	bs, code, err := s.reg.update(ph.AgentID, req)
	if err != nil {
		s.reject(req, tx, err)
		return
	}
	if code == 423 {
		res := sip.NewResponseFromRequest(req, 423, "Interval Too Brief", nil)
		res.AppendHeader(sip.NewHeader("Min-Expires", strconv.Itoa(int(s.reg.min/time.Second))))
		_ = tx.Respond(res)
		return
	}
	res := sip.NewResponseFromRequest(req, 200, "OK", nil)
	now := s.cfg.Now()
	for _, b := range bs {
		h := &sip.ContactHeader{Address: b.Contact, Params: sip.NewParams()}
		h.Params.Add("expires", strconv.Itoa(int(b.Expires.Sub(now).Round(time.Second)/time.Second)))
		res.AppendHeader(h)
	}
	res.AppendHeader(sip.NewHeader("Date", now.UTC().Format(time.RFC1123)))
	_ = tx.Respond(res)
	s.log.Info("sip registered", "agent_id", string(ph.AgentID), "bindings", len(bs))
	if s.cfg.OnRegistered != nil {
		s.cfg.OnRegistered(ph.TenantID, ph.AgentID, len(bs) > 0)
	}
}

// authenticate checks a phone's request with digest (REGISTER, and the
// desk phone's INVITE, deskconsult.go) and returns the SIP account it
// proved; nil when it has answered the request instead: 401 with a
// challenge, or 403 for a wrong password and an unknown user alike.
func (s *Server) authenticate(req *sip.Request, tx sip.ServerTransaction) *tsunagu.SIPPhone {
	cred := credentials(req)
	var ph *tsunagu.SIPPhone
	if cred != nil && cred.Username != "" {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		p, err := s.cfg.Phones.FindSIPUser(ctx, cred.Username)
		cancel()
		if err == nil {
			ph = p
		} else if tsunagu.ErrorCode(err) != tsunagu.ENOTFOUND {
			s.log.Error("sip phone lookup", "method", string(req.Method), "error", err)
			s.reject(req, tx, tsunagu.Errorf(tsunagu.EUNAVAILABLE, "store"))
			return nil
		}
	}
	switch s.auth.verify(string(req.Method), cred, ph) {
	case authChallenge:
		s.respond(req, tx, 401, "Unauthorized", s.auth.challenges(false)...)
		return nil
	case authStale:
		s.respond(req, tx, 401, "Unauthorized", s.auth.challenges(true)...)
		return nil
	case authFailed:
		s.log.Info("sip "+strings.ToLower(string(req.Method))+" refused", "reason", "credentials", "source", req.Source())
		s.respond(req, tx, 403, "Forbidden")
		return nil
	}
	return ph
}

// update applies a REGISTER's contacts to the agent's bindings; it returns
// the bindings after, or code 423 when a contact asked for too short an
// interval (nothing is changed then).
func (r *registrar) update(agent tsunagu.AgentID, req *sip.Request) ([]Binding, int, error) {
	defExp := time.Duration(-1)
	if h := req.GetHeader("Expires"); h != nil {
		n, err := strconv.ParseUint(strings.TrimSpace(h.Value()), 10, 32)
		if err != nil {
			return nil, 0, errBadRegister
		}
		defExp = time.Duration(n) * time.Second
	}
	type change struct {
		uri sip.Uri
		exp time.Duration
	}
	var changes []change
	wildcard := false
	for _, h := range req.GetHeaders("Contact") {
		c, ok := h.(*sip.ContactHeader)
		if !ok {
			return nil, 0, errBadRegister
		}
		if c.Address.Wildcard {
			wildcard = true
			continue
		}
		exp := defExp
		if c.Params != nil {
			if v, ok := c.Params.Get("expires"); ok {
				n, err := strconv.ParseUint(v, 10, 32)
				if err != nil {
					return nil, 0, errBadRegister
				}
				exp = time.Duration(n) * time.Second
			}
		}
		if exp < 0 {
			exp = defExp
			if exp < 0 {
				exp = defaultExpires
			}
		}
		if c.Address.Host == "" || (c.Address.Scheme != "sip" && c.Address.Scheme != "sips" && c.Address.Scheme != "") {
			return nil, 0, errBadRegister
		}
		changes = append(changes, change{uri: c.Address, exp: exp})
	}
	// "Contact: *" with Expires: 0 removes everything, and may stand alone
	// (RFC 3261 §10.2.2).
	if wildcard && (len(changes) > 0 || defExp != 0) {
		return nil, 0, errBadRegister
	}
	for _, c := range changes {
		if c.exp > 0 && c.exp < r.min {
			return nil, 423, nil
		}
	}
	callID, seq := req.CallID().Value(), req.CSeq().SeqNo
	transport := strings.ToLower(req.Transport())
	r.mu.Lock()
	defer r.mu.Unlock()
	bs := r.live(agent)
	if wildcard {
		delete(r.byAgent, agent)
		return nil, 200, nil
	}
	now := r.now()
	for _, c := range changes {
		key := contactKey(c.uri)
		i := slices.IndexFunc(bs, func(b Binding) bool { return contactKey(b.Contact) == key })
		if i >= 0 && bs[i].callID == callID && seq <= bs[i].cseq {
			continue // an old or repeated REGISTER must not undo a newer one (§10.3 step 7)
		}
		if i >= 0 {
			bs = slices.Delete(bs, i, i+1)
		}
		if c.exp == 0 {
			continue
		}
		exp := min(c.exp, r.max)
		b := Binding{Contact: c.uri, Expires: now.Add(exp), Source: req.Source(), Transport: transport, callID: callID, cseq: seq}
		bs = append([]Binding{b}, bs...)
	}
	if len(bs) > maxBindings {
		bs = bs[:maxBindings]
	}
	if len(bs) == 0 {
		delete(r.byAgent, agent)
	} else {
		r.byAgent[agent] = bs
	}
	return slices.Clone(bs), 200, nil
}

// contactKey compares contacts by scheme, user, host and port (RFC 3261
// §19.1.4 in short: parameters other than transport rarely differ).
func contactKey(u sip.Uri) string {
	return fmt.Sprintf("%s:%s@%s:%d", u.Scheme, u.User, strings.ToLower(u.Host), u.Port)
}

// respond sends a plain response with extra headers.
func (s *Server) respond(req *sip.Request, tx sip.ServerTransaction, code int, reason string, headers ...sip.Header) {
	res := sip.NewResponseFromRequest(req, code, reason, nil)
	for _, h := range headers {
		res.AppendHeader(h)
	}
	if err := tx.Respond(res); err != nil {
		s.log.Debug("sip respond", "status", code, "error", err)
	}
}

// sourceAddr is the request's source address, unmapped.
func sourceAddr(req *sip.Request) (netip.Addr, bool) {
	ap, err := netip.ParseAddrPort(req.Source())
	if err != nil {
		return netip.Addr{}, false
	}
	return ap.Addr().Unmap(), true
}
