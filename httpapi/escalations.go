package httpapi

import (
	"net/http"
	"strings"
	"time"

	"tsunagu"
)

// Escalations (エスカレ): an operator on a live call asks the leader for an
// exception; the leader approves or declines with a note; the answer reaches
// the operator's desk through the event stream (escalation:approved and
// escalation:declined carry the asking agent).

// EscalationView is an escalation as the leader's inbox shows it: who asks,
// for which caller (masked), and since when the caller has been on the line.
type EscalationView struct {
	tsunagu.Escalation
	AgentName     string               `json:"agent_name"`
	DecidedByName string               `json:"decided_by_name,omitempty"`
	CustomerName  string               `json:"customer_name,omitempty"` // masked: family name only
	ContactState  tsunagu.ContactState `json:"contact_state,omitempty"`
	CallStartedAt *time.Time           `json:"call_started_at,omitempty"` // when the caller got through
	QueueID       tsunagu.QueueID      `json:"queue_id,omitempty"`
}

// EscalationInput is what the operator sends.
type EscalationInput struct {
	ContactID tsunagu.ContactID `json:"contact_id"`
	Reason    string            `json:"reason"`
	Urgency   tsunagu.Urgency   `json:"urgency"`
	Note      string            `json:"note"`
}

// createEscalation: the agent asks about their own live contact, one that is
// offered to them or connected to them. The check lives here, not in the
// store, with the other call-control rules of the desk.
func (s *Server) createEscalation(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	var req EscalationInput
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	e := &tsunagu.Escalation{TenantID: p.TenantID, ContactID: req.ContactID, AgentID: p.AgentID, Reason: req.Reason, Urgency: req.Urgency, Note: req.Note}
	if err := e.Validate(); err != nil {
		if p.AgentID == "" && tsunagu.ErrorField(err) == "agent_id" {
			return tsunagu.Errorf(tsunagu.EFORBIDDEN, "Only the agent on the call can ask the leader.")
		}
		return err
	}
	c, err := s.store.FindContact(r.Context(), p.TenantID, req.ContactID)
	if tsunagu.ErrorCode(err) == tsunagu.ENOTFOUND {
		return &tsunagu.Error{Code: tsunagu.ENOTFOUND, Field: "contact_id", Message: "No such call."}
	} else if err != nil {
		return err
	}
	if c.AgentID != p.AgentID {
		return &tsunagu.Error{Code: tsunagu.EFORBIDDEN, Field: "contact_id", Message: "This call is not yours."}
	}
	if c.State != tsunagu.ContactOffered && c.State != tsunagu.ContactConnected {
		return &tsunagu.Error{Code: tsunagu.ECONFLICT, Field: "contact_id", Message: "The call has ended: escalate while the caller is on the line."}
	}
	if err := s.store.CreateEscalation(r.Context(), e); err != nil {
		return err
	}
	return created(w, e)
}

// listEscalations is the leader's inbox (?status=pending, the default) or
// the record of exceptions granted (?status=approved), oldest first.
func (s *Server) listEscalations(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	status := tsunagu.EscalationStatus(r.URL.Query().Get("status"))
	switch status {
	case "":
		status = tsunagu.EscalationPending
	case "all":
		status = ""
	case tsunagu.EscalationPending, tsunagu.EscalationApproved, tsunagu.EscalationDeclined, tsunagu.EscalationCancelled:
	default:
		return tsunagu.FieldError("status", "status is pending, approved, declined, cancelled or all.")
	}
	es, err := s.store.ListEscalations(r.Context(), p.TenantID, status)
	if err != nil {
		return err
	}
	agents, err := s.store.ListAgents(r.Context(), p.TenantID)
	if err != nil {
		return err
	}
	names := make(map[tsunagu.AgentID]string, len(agents))
	for _, a := range agents {
		names[a.ID] = a.Name
	}
	out := make([]EscalationView, len(es))
	for i, e := range es {
		v := EscalationView{Escalation: e, AgentName: names[e.AgentID]}
		// The inbox is a handful of open questions, so one lookup each is
		// cheaper than a join the store would have to grow for it.
		if c, err := s.store.FindContact(r.Context(), p.TenantID, e.ContactID); err == nil {
			v.ContactState, v.QueueID = c.State, c.QueueID
			v.CallStartedAt = &c.ArrivedAt
			if c.CustomerID != "" {
				if cu, err := s.store.FindCustomer(r.Context(), p.TenantID, c.CustomerID); err == nil {
					v.CustomerName = cu.Masked().Name
				}
			}
		}
		if e.DecidedBy != "" {
			if u, err := s.store.FindUser(r.Context(), p.TenantID, e.DecidedBy); err == nil {
				v.DecidedByName = u.DisplayName
			}
		}
		out[i] = v
	}
	return reply(w, http.StatusOK, List[EscalationView]{Items: out})
}

// DecisionInput is the leader's note on an approval or a decline.
type DecisionInput struct {
	Note string `json:"note"`
}

func (s *Server) approveEscalation(w http.ResponseWriter, r *http.Request) error {
	return s.decideEscalation(w, r, true)
}

func (s *Server) declineEscalation(w http.ResponseWriter, r *http.Request) error {
	return s.decideEscalation(w, r, false)
}

// decideEscalation answers a pending escalation; a second answer (another
// leader was faster) is a conflict.
func (s *Server) decideEscalation(w http.ResponseWriter, r *http.Request, approve bool) error {
	var req DecisionInput
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	e, err := s.store.DecideEscalation(r.Context(), principal(r).TenantID, tsunagu.EscalationID(r.PathValue("id")), approve, strings.TrimSpace(req.Note))
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, e)
}
