package httpapi

import (
	"net/http"

	"tsunagu"
)

// Agents' SIP desk phones. An admin sets an agent's SIP account (the
// password is hashed for digest authentication and never shown again); the
// agent chooses whether offers ring the browser or the desk phone.

// setAgentSIP is PUT /api/v1/agents/{id}/sip {"username","password"}.
func (s *Server) setAgentSIP(w http.ResponseWriter, r *http.Request) error {
	var req tsunagu.SIPCredentials
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	if err := req.Validate(); err != nil {
		return err
	}
	p := principal(r)
	ph, err := s.store.SetSIPCredentials(r.Context(), p.TenantID, tsunagu.AgentID(r.PathValue("id")), req)
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, ph)
}

// getAgentSIP is GET /api/v1/agents/{id}/sip: the username and phone
// choice, never the hashes.
func (s *Server) getAgentSIP(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	ph, err := s.store.FindSIPPhone(r.Context(), p.TenantID, tsunagu.AgentID(r.PathValue("id")))
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, ph)
}

// getMyPhone is GET /api/v1/me/phone.
func (s *Server) getMyPhone(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if p.AgentID == "" {
		return tsunagu.Errorf(tsunagu.ECONFLICT, "You have no agent profile, so you take no contacts.")
	}
	ph, err := s.store.FindSIPPhone(r.Context(), p.TenantID, p.AgentID)
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, ph)
}

// setMyPhone is PUT /api/v1/me/phone {"kind":"browser"|"sip"}. Choosing
// the desk phone needs SIP credentials first (an admin sets them), so an
// agent cannot switch to a phone that can never ring.
func (s *Server) setMyPhone(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Kind tsunagu.PhoneKind `json:"kind"`
	}
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	if err := req.Kind.Validate(); err != nil {
		return err
	}
	p := principal(r)
	if p.AgentID == "" {
		return tsunagu.Errorf(tsunagu.ECONFLICT, "You have no agent profile, so you take no contacts.")
	}
	if req.Kind == tsunagu.PhoneSIP {
		cur, err := s.store.FindSIPPhone(r.Context(), p.TenantID, p.AgentID)
		if err != nil {
			return err
		}
		if cur.Username == "" {
			return &tsunagu.Error{Code: tsunagu.ECONFLICT, Field: "kind", Message: "You have no SIP account yet: ask an administrator to set one."}
		}
	}
	ph, err := s.store.SetPhoneKind(r.Context(), p.TenantID, p.AgentID, req.Kind)
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, ph)
}

// setAgentPhone is PUT /api/v1/agents/{id}/phone {"kind"}: an admin sets
// up a new hire's desk phone (or a whole floor's, in a script) without
// logging in as each agent. The same rule as setMyPhone applies.
func (s *Server) setAgentPhone(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Kind tsunagu.PhoneKind `json:"kind"`
	}
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	if err := req.Kind.Validate(); err != nil {
		return err
	}
	p := principal(r)
	id := tsunagu.AgentID(r.PathValue("id"))
	if req.Kind == tsunagu.PhoneSIP {
		cur, err := s.store.FindSIPPhone(r.Context(), p.TenantID, id)
		if err != nil {
			return err
		}
		if cur.Username == "" {
			return &tsunagu.Error{Code: tsunagu.ECONFLICT, Field: "kind", Message: "The agent has no SIP account yet: set one first."}
		}
	}
	ph, err := s.store.SetPhoneKind(r.Context(), p.TenantID, id, req.Kind)
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, ph)
}
