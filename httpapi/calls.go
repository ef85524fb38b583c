package httpapi

import (
	"context"
	"net/http"

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
// the same way. A new offer replaces the agent's previous connection.
func (s *Server) softphoneSession(w http.ResponseWriter, r *http.Request) error {
	if s.softphone == nil {
		return tsunagu.Errorf(tsunagu.ENOTIMPLEMENTED, "The browser softphone is not running on this server.")
	}
	p := principal(r)
	if p.AgentID == "" {
		return tsunagu.Errorf(tsunagu.EFORBIDDEN, "Only agents have a softphone.")
	}
	var req SessionDescription
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	if req.Type != "offer" || req.SDP == "" || len(req.SDP) > 64<<10 {
		return tsunagu.FieldError("sdp", "Send the browser's SDP offer.")
	}
	answer, err := s.softphone.Answer(r.Context(), p.AgentID, req.SDP)
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, SessionDescription{Type: "answer", SDP: answer})
}
