package httpapi

import (
	"context"
	"net/http"
	"slices"

	"tsunagu"
)

// Transferrer is the transfer side of routing (dispatch.Dispatcher): blind
// transfer, and the consultation of a warm transfer. p is the caller: the
// agent on the call, or a supervisor acting for them.
type Transferrer interface {
	Transfer(ctx context.Context, p *tsunagu.Principal, id tsunagu.ContactID, to tsunagu.TransferTarget) (*tsunagu.Contact, error)
	Consult(ctx context.Context, p *tsunagu.Principal, id tsunagu.ContactID, to tsunagu.TransferTarget) (tsunagu.AgentID, error)
	CompleteConsult(ctx context.Context, p *tsunagu.Principal, id tsunagu.ContactID) (*tsunagu.Contact, error)
	CancelConsult(ctx context.Context, p *tsunagu.Principal, id tsunagu.ContactID) (*tsunagu.Contact, error)
}

// TransferRequest is the body of a transfer or a consultation.
type TransferRequest struct {
	To tsunagu.TransferTarget `json:"to"`
}

// ConsultReply names the agent being consulted.
type ConsultReply struct {
	AgentID tsunagu.AgentID `json:"agent_id"`
}

// TransferTargets is what the desk's transfer picker offers: the queues,
// the colleagues with their states (available ones can take a consultation
// at once) and whether a leader is available.
type TransferTargets struct {
	Queues []TransferQueue `json:"queues"`
	Agents []TransferAgent `json:"agents"`
	Leader bool            `json:"leader_available"`
}

// TransferQueue is a queue in the picker.
type TransferQueue struct {
	ID     tsunagu.QueueID `json:"id"`
	Name   string          `json:"name"`
	NameEn string          `json:"name_en,omitempty"`
}

// TransferAgent is a colleague in the picker.
type TransferAgent struct {
	ID    tsunagu.AgentID    `json:"id"`
	Name  string             `json:"name"`
	Kana  string             `json:"kana,omitempty"`
	State tsunagu.AgentState `json:"state"`
}

func (s *Server) transferrer(r *http.Request) (Transferrer, *tsunagu.Principal, error) {
	t, ok := s.dispatch.(Transferrer)
	if !ok || s.dispatch == nil {
		return nil, nil, tsunagu.Errorf(tsunagu.ENOTIMPLEMENTED, "Routing is not running on this server.")
	}
	return t, principal(r), nil
}

func (s *Server) transferContact(w http.ResponseWriter, r *http.Request) error {
	t, p, err := s.transferrer(r)
	if err != nil {
		return err
	}
	var req TransferRequest
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	c, err := t.Transfer(r.Context(), p, tsunagu.ContactID(r.PathValue("id")), req.To)
	if err != nil {
		return err
	}
	c.Number = tsunagu.MaskPhone(c.Number)
	return reply(w, http.StatusOK, c)
}

func (s *Server) consultContact(w http.ResponseWriter, r *http.Request) error {
	t, p, err := s.transferrer(r)
	if err != nil {
		return err
	}
	var req TransferRequest
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	a, err := t.Consult(r.Context(), p, tsunagu.ContactID(r.PathValue("id")), req.To)
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, ConsultReply{AgentID: a})
}

func (s *Server) completeConsult(w http.ResponseWriter, r *http.Request) error {
	return s.endConsult(w, r, true)
}

func (s *Server) cancelConsult(w http.ResponseWriter, r *http.Request) error {
	return s.endConsult(w, r, false)
}

func (s *Server) endConsult(w http.ResponseWriter, r *http.Request, complete bool) error {
	t, p, err := s.transferrer(r)
	if err != nil {
		return err
	}
	op := t.CancelConsult
	if complete {
		op = t.CompleteConsult
	}
	c, err := op(r.Context(), p, tsunagu.ContactID(r.PathValue("id")))
	if err != nil {
		return err
	}
	c.Number = tsunagu.MaskPhone(c.Number)
	return reply(w, http.StatusOK, c)
}

// transferTargets lists where the caller's contacts can go. Colleagues'
// names and states are what the floor view shows every agent anyway.
func (s *Server) transferTargets(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	qs, err := s.store.ListQueues(r.Context(), p.TenantID)
	if err != nil {
		return err
	}
	as, err := s.store.ListAgents(r.Context(), p.TenantID)
	if err != nil {
		return err
	}
	leaders := map[tsunagu.AgentID]bool{}
	for pg := (tsunagu.Page{Limit: tsunagu.MaxPageLimit}); ; {
		us, next, err := s.store.ListUsers(r.Context(), p.TenantID, pg)
		if err != nil {
			return err
		}
		for _, u := range us {
			if u.AgentID != "" && u.Role.AtLeast(tsunagu.RoleSupervisor) && !u.Disabled {
				leaders[u.AgentID] = true
			}
		}
		if next == "" || len(us) == 0 {
			break
		}
		pg.Cursor = next
	}
	out := TransferTargets{Queues: []TransferQueue{}, Agents: []TransferAgent{}}
	for _, q := range qs {
		out.Queues = append(out.Queues, TransferQueue{ID: q.ID, Name: q.Name, NameEn: q.NameEn})
	}
	for _, a := range as {
		if a.ID == p.AgentID || a.State == tsunagu.AgentOffline {
			continue
		}
		out.Agents = append(out.Agents, TransferAgent{ID: a.ID, Name: a.Name, Kana: a.Kana, State: a.State})
		if leaders[a.ID] && a.State == tsunagu.AgentAvailable {
			out.Leader = true
		}
	}
	// Available colleagues first, then by name: the picker's likely choice on top.
	slices.SortStableFunc(out.Agents, func(x, y TransferAgent) int {
		ax, ay := x.State == tsunagu.AgentAvailable, y.State == tsunagu.AgentAvailable
		switch {
		case ax && !ay:
			return -1
		case ay && !ax:
			return 1
		}
		if x.Name < y.Name {
			return -1
		} else if x.Name > y.Name {
			return 1
		}
		return 0
	})
	return reply(w, http.StatusOK, out)
}
