package httpapi

import (
	"context"
	"net/http"

	"tsunagu"
)

// Caller is routing's outbound side (dispatch.Dispatcher): an agent's
// click-to-call or callback.
type Caller interface {
	Call(ctx context.Context, tenant tsunagu.TenantID, agent tsunagu.AgentID, req tsunagu.CallRequest) (*tsunagu.Contact, error)
}

// OutboundTrunks sets a trunk's outbound settings (sqlite.DB).
type OutboundTrunks interface {
	SetTrunkOutbound(ctx context.Context, tenant tsunagu.TenantID, id tsunagu.TrunkID, o *tsunagu.TrunkOutbound) (*tsunagu.Trunk, error)
}

// placeCall is POST /api/v1/calls: the caller dials as themself — the body
// has no agent field (unknown fields are refused), the agent is the
// principal's, so nobody can place a call in another agent's name.
func (s *Server) placeCall(w http.ResponseWriter, r *http.Request) error {
	agent, err := s.callAgent(r)
	if err != nil {
		return err
	}
	caller, ok := s.dispatch.(Caller)
	if !ok {
		return tsunagu.Errorf(tsunagu.ENOTIMPLEMENTED, "Outbound calls are not available on this server.")
	}
	var req tsunagu.CallRequest
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	c, err := caller.Call(r.Context(), principal(r).TenantID, agent, req)
	if err != nil {
		return err
	}
	out := *c // the call goroutine keeps c: mask a copy
	out.Number = tsunagu.MaskPhone(out.Number)
	return created(w, out)
}

// setTrunkOutbound is PUT /api/v1/trunks/{id}/outbound: where the trunk
// sends agents' calls, the carrier's digest account (the password is
// write-only; empty keeps the stored one), the allowed prefixes and the
// caller IDs. The reply never has the password.
func (s *Server) setTrunkOutbound(w http.ResponseWriter, r *http.Request) error {
	st, ok := s.store.(OutboundTrunks)
	if !ok {
		return tsunagu.Errorf(tsunagu.ENOTIMPLEMENTED, "Outbound trunks are not available with this store.")
	}
	var o tsunagu.TrunkOutbound
	if err := s.decode(w, r, &o); err != nil {
		return err
	}
	o.HasPassword = false
	t, err := st.SetTrunkOutbound(r.Context(), principal(r).TenantID, tsunagu.TrunkID(r.PathValue("id")), &o)
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, t)
}
