package httpapi

import (
	"context"
	"net/http"
	"slices"

	"tsunagu"
)

// Dispatcher is routing as the desk drives it (dispatch.Dispatcher): agent
// states go through the engine, and the offered agent answers, declines,
// hangs up and wraps up.
type Dispatcher interface {
	SetAgentState(ctx context.Context, tenant tsunagu.TenantID, agent tsunagu.AgentID, ch tsunagu.StateChange) (*tsunagu.Agent, error)
	Answer(ctx context.Context, tenant tsunagu.TenantID, id tsunagu.ContactID, agent tsunagu.AgentID) (*tsunagu.Contact, error)
	Decline(ctx context.Context, tenant tsunagu.TenantID, id tsunagu.ContactID, agent tsunagu.AgentID) error
	Hangup(ctx context.Context, tenant tsunagu.TenantID, id tsunagu.ContactID, agent tsunagu.AgentID) error
	Wrap(ctx context.Context, tenant tsunagu.TenantID, id tsunagu.ContactID, agent tsunagu.AgentID, w tsunagu.WrapUp) (*tsunagu.Contact, error)
	Hold(ctx context.Context, tenant tsunagu.TenantID, id tsunagu.ContactID, agent tsunagu.AgentID) (*tsunagu.Contact, error)
	Resume(ctx context.Context, tenant tsunagu.TenantID, id tsunagu.ContactID, agent tsunagu.AgentID) (*tsunagu.Contact, error)
}

// setState changes an agent's state through routing when it runs, else in
// the store alone.
func (s *Server) setState(r *http.Request, agent tsunagu.AgentID, ch tsunagu.StateChange) (*tsunagu.Agent, error) {
	p := principal(r)
	if s.dispatch != nil {
		return s.dispatch.SetAgentState(r.Context(), p.TenantID, agent, ch)
	}
	return s.store.SetAgentState(r.Context(), p.TenantID, agent, ch.State, ch.Reason, s.now())
}

// callAgent returns the caller's agent for call control, or an error.
func (s *Server) callAgent(r *http.Request) (tsunagu.AgentID, error) {
	if s.dispatch == nil {
		return "", tsunagu.Errorf(tsunagu.ENOTIMPLEMENTED, "Routing is not running on this server.")
	}
	p := principal(r)
	if p.AgentID == "" {
		return "", tsunagu.Errorf(tsunagu.EFORBIDDEN, "Only agents take contacts.")
	}
	return p.AgentID, nil
}

func (s *Server) answerContact(w http.ResponseWriter, r *http.Request) error {
	agent, err := s.callAgent(r)
	if err != nil {
		return err
	}
	c, err := s.dispatch.Answer(r.Context(), principal(r).TenantID, tsunagu.ContactID(r.PathValue("id")), agent)
	if err != nil {
		return err
	}
	c.Number = tsunagu.MaskPhone(c.Number)
	return reply(w, http.StatusOK, c)
}

func (s *Server) declineContact(w http.ResponseWriter, r *http.Request) error {
	agent, err := s.callAgent(r)
	if err != nil {
		return err
	}
	if err := s.dispatch.Decline(r.Context(), principal(r).TenantID, tsunagu.ContactID(r.PathValue("id")), agent); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) hangupContact(w http.ResponseWriter, r *http.Request) error {
	agent, err := s.callAgent(r)
	if err != nil {
		return err
	}
	if err := s.dispatch.Hangup(r.Context(), principal(r).TenantID, tsunagu.ContactID(r.PathValue("id")), agent); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) holdContact(w http.ResponseWriter, r *http.Request) error {
	return s.holdOrResume(w, r, true)
}

func (s *Server) resumeContact(w http.ResponseWriter, r *http.Request) error {
	return s.holdOrResume(w, r, false)
}

func (s *Server) holdOrResume(w http.ResponseWriter, r *http.Request, on bool) error {
	agent, err := s.callAgent(r)
	if err != nil {
		return err
	}
	op := s.dispatch.Resume
	if on {
		op = s.dispatch.Hold
	}
	c, err := op(r.Context(), principal(r).TenantID, tsunagu.ContactID(r.PathValue("id")), agent)
	if err != nil {
		return err
	}
	c.Number = tsunagu.MaskPhone(c.Number)
	return reply(w, http.StatusOK, c)
}

func (s *Server) wrapContact(w http.ResponseWriter, r *http.Request) error {
	agent, err := s.callAgent(r)
	if err != nil {
		return err
	}
	var req tsunagu.WrapUp
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	c, err := s.dispatch.Wrap(r.Context(), principal(r).TenantID, tsunagu.ContactID(r.PathValue("id")), agent, req)
	if err != nil {
		return err
	}
	c.Number = tsunagu.MaskPhone(c.Number)
	return reply(w, http.StatusOK, c)
}

// Softphone answers the browser's WebRTC offer for the agent's audio leg
// (softphone.Server).
type Softphone interface {
	Answer(ctx context.Context, agent tsunagu.AgentID, offerSDP string) (string, error)
}

// SessionDescription is an SDP offer or answer.
type SessionDescription struct {
	Type string `json:"type"` // "offer" from the browser, "answer" back
	SDP  string `json:"sdp"`
}

// softphoneSession connects the agent's browser audio: the browser sends its
// offer with every ICE candidate gathered (no trickle), the answer comes back
// the same way. A new offer replaces the agent's previous connection; an
// offer from the current one (same SDP session) is its ICE restart
// (softphone.Server.Answer; docs/desk.md, "Softphone health").
func (s *Server) softphoneSession(w http.ResponseWriter, r *http.Request) error {
	if s.softphone == nil {
		return tsunagu.Errorf(tsunagu.ENOTIMPLEMENTED, "The browser softphone is not running on this server.")
	}
	p := principal(r)
	if p.AgentID == "" && !p.Role.AtLeast(tsunagu.RoleSupervisor) { // supervisors listen in (monitor.go)
		return tsunagu.Errorf(tsunagu.EFORBIDDEN, "Only agents have a softphone.")
	}
	var req SessionDescription
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	if req.Type != "offer" || req.SDP == "" || len(req.SDP) > 64<<10 {
		return tsunagu.FieldError("sdp", "Send the browser's SDP offer.")
	}
	answer, err := s.softphone.Answer(r.Context(), softphoneKey(p), req.SDP)
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, SessionDescription{Type: "answer", SDP: answer})
}

// verifyContact records the identity check (本人確認) of the caller's call:
// verified, refused or failed, with the checklist items confirmed. Only the
// agent on the call records it, while connected or in the wrap-up; a later
// record replaces an earlier one (a caller who refused may change their
// mind), and each is an event, so the history keeps both.
func (s *Server) verifyContact(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	var req tsunagu.Verification
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	id := tsunagu.ContactID(r.PathValue("id"))
	cur, err := s.store.FindContact(r.Context(), p.TenantID, id)
	if err != nil {
		return err
	}
	agent := p.AgentID
	if agent == "" || cur.AgentID != agent {
		return tsunagu.Errorf(tsunagu.EFORBIDDEN, "Only the agent on the call records the identity check.")
	}
	var queue *tsunagu.Queue
	qs, err := s.store.ListQueues(r.Context(), p.TenantID)
	if err != nil {
		return err
	}
	for i := range qs {
		if qs[i].ID == cur.QueueID {
			queue = &qs[i]
		}
	}
	if err := req.Validate(queue); err != nil {
		return err
	}
	c, err := s.store.UpdateContact(r.Context(), p.TenantID, id, tsunagu.EventContactVerified,
		map[string]any{"outcome": req.Outcome, "checked": req.Checked}, func(c *tsunagu.Contact) error {
			if c.AgentID != agent {
				return tsunagu.Errorf(tsunagu.EFORBIDDEN, "Contact %s is not your call.", id)
			}
			if c.State != tsunagu.ContactConnected && c.State != tsunagu.ContactEnded {
				return tsunagu.Errorf(tsunagu.ECONFLICT, "Contact %s is %s: verify during the call or its wrap-up.", id, c.State)
			}
			c.Verification, c.VerifiedItems = req.Outcome, req.Checked
			return nil
		})
	if err != nil {
		return err
	}
	c.Number = tsunagu.MaskPhone(c.Number)
	return reply(w, http.StatusOK, c)
}

// NoteTemplates are the tenant's wrap-up note templates.
type NoteTemplates struct {
	Templates []string `json:"templates"`
}

func (s *Server) getNoteTemplates(w http.ResponseWriter, r *http.Request) error {
	ts, err := s.store.NoteTemplates(r.Context(), principal(r).TenantID)
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, NoteTemplates{Templates: ts})
}

func (s *Server) setNoteTemplates(w http.ResponseWriter, r *http.Request) error {
	var req NoteTemplates
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	p := principal(r)
	if err := s.store.SetNoteTemplates(r.Context(), p.TenantID, req.Templates); err != nil {
		return err
	}
	return s.getNoteTemplates(w, r)
}

// CallerCustomer registers the caller of a contact as a new customer (name,
// kana) or links them to an existing one (customer_id).
type CallerCustomer struct {
	CustomerID tsunagu.CustomerID `json:"customer_id,omitempty"`
	Name       string             `json:"name,omitempty"`
	Kana       string             `json:"kana,omitempty"`
}

// linkCaller is the screen pop's "unknown caller" in two clicks: the
// caller's number, which the desk only sees masked, becomes a phone of the
// new or chosen customer, and the contact points at them. Only the agent
// on the call (or a supervisor) may do it.
func (s *Server) linkCaller(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	var req CallerCustomer
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	id := tsunagu.ContactID(r.PathValue("id"))
	c, err := s.store.FindContact(r.Context(), p.TenantID, id)
	if err != nil {
		return err
	}
	if c.AgentID != p.AgentID && !p.Role.AtLeast(tsunagu.RoleSupervisor) {
		return tsunagu.Errorf(tsunagu.EFORBIDDEN, "Contact %s is not your call.", id)
	}
	if c.CustomerID != "" {
		return &tsunagu.Error{Code: tsunagu.ECONFLICT, Field: "customer_id", Message: "This call is already linked to a customer."}
	}
	if c.Number == "" {
		return tsunagu.Errorf(tsunagu.ECONFLICT, "The caller withheld their number: create the customer from the customer list.")
	}
	var cu *tsunagu.Customer
	if req.CustomerID != "" {
		if cu, err = s.store.FindCustomer(r.Context(), p.TenantID, req.CustomerID); tsunagu.ErrorCode(err) == tsunagu.ENOTFOUND {
			return tsunagu.FieldError("customer_id", "Unknown customer %q.", req.CustomerID)
		} else if err != nil {
			return err
		}
		if !slices.ContainsFunc(cu.Phones, func(ph tsunagu.Phone) bool { return ph.Number == c.Number }) {
			cu.Phones = append(cu.Phones, tsunagu.Phone{Number: c.Number})
			if err := s.store.UpdateCustomer(r.Context(), cu); err != nil {
				return err
			}
		}
	} else {
		cu = &tsunagu.Customer{TenantID: p.TenantID, Name: req.Name, Kana: req.Kana, Phones: []tsunagu.Phone{{Number: c.Number}}}
		if err := s.store.CreateCustomer(r.Context(), cu); err != nil {
			return err
		}
	}
	c, err = s.store.UpdateContact(r.Context(), p.TenantID, id, tsunagu.EventContactCustomerLinked, map[string]any{"customer_id": cu.ID},
		func(c *tsunagu.Contact) error {
			c.CustomerID = cu.ID
			return nil
		})
	if err != nil {
		return err
	}
	c.Number = tsunagu.MaskPhone(c.Number)
	return reply(w, http.StatusOK, c)
}

// DTMFSender is the desk's keypad through routing (dispatch.Dispatcher):
// digits to the other party of the agent's connected call.
type DTMFSender interface {
	SendDTMF(ctx context.Context, tenant tsunagu.TenantID, id tsunagu.ContactID, agent tsunagu.AgentID, digits string) (*tsunagu.Contact, error)
}

// DTMFRequest is the keypad's body: the keys pressed, in order.
type DTMFRequest struct {
	Digits string `json:"digits"`
}

// DTMFReply says how many digits were queued; they go out over the next
// moments (about 180 ms each), so the answer is 202.
type DTMFReply struct {
	Count int `json:"count"`
}

// sendDTMF is the keypad: only the agent on the call, 1–32 of 0–9 * # A–D.
// The digits are not echoed back, logged or recorded in an event.
func (s *Server) sendDTMF(w http.ResponseWriter, r *http.Request) error {
	agent, err := s.callAgent(r)
	if err != nil {
		return err
	}
	d, ok := s.dispatch.(DTMFSender)
	if !ok {
		return tsunagu.Errorf(tsunagu.ENOTIMPLEMENTED, "The keypad is not available on this server.")
	}
	var req DTMFRequest
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	if err := tsunagu.CheckDTMF(req.Digits); err != nil {
		return err
	}
	if _, err := d.SendDTMF(r.Context(), principal(r).TenantID, tsunagu.ContactID(r.PathValue("id")), agent, req.Digits); err != nil {
		return err
	}
	return reply(w, http.StatusAccepted, DTMFReply{Count: len(req.Digits)})
}
