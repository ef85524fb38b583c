package httpapi

import (
	"net/http"

	"tsunagu"
)

// customerRequest is what a client may set on a customer; IDs, tenant and
// times are the server's.
type customerRequest struct {
	Name   string          `json:"name"`
	Kana   string          `json:"kana"`
	Email  string          `json:"email"`
	Phones []tsunagu.Phone `json:"phones"`
	Notes  string          `json:"notes"`
	Flags  []string        `json:"flags"`
}

func (req customerRequest) customer(tenant tsunagu.TenantID, id tsunagu.CustomerID) *tsunagu.Customer {
	return &tsunagu.Customer{ID: id, TenantID: tenant, Name: req.Name, Kana: req.Kana, Email: req.Email, Phones: req.Phones, Notes: req.Notes, Flags: req.Flags}
}

// listCustomers finds customers by caller ID (?phone= in any form people
// write) or pages through them. Personal data is masked: the screen pop shows
// enough to greet the caller; the rest is one audited reveal away.
func (s *Server) listCustomers(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if raw, ok := r.URL.Query()["phone"]; ok {
		n, err := tsunagu.NormalizePhone(raw[0])
		if err != nil {
			return err
		}
		cs, err := s.store.FindCustomersByPhone(r.Context(), p.TenantID, n)
		if err != nil {
			return err
		}
		return reply(w, http.StatusOK, List[tsunagu.Customer]{Items: maskAll(cs)})
	}
	pg, err := page(r)
	if err != nil {
		return err
	}
	cs, next, err := s.store.ListCustomers(r.Context(), p.TenantID, pg)
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, List[tsunagu.Customer]{Items: maskAll(cs), NextCursor: next})
}

func maskAll(cs []tsunagu.Customer) []tsunagu.Customer {
	for i := range cs {
		cs[i] = cs[i].Masked()
	}
	return cs
}

func (s *Server) createCustomer(w http.ResponseWriter, r *http.Request) error {
	var req customerRequest
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	c := req.customer(principal(r).TenantID, "")
	if err := s.store.CreateCustomer(r.Context(), c); err != nil {
		return err
	}
	// The creator typed these details in; echoing them back reveals nothing new.
	return created(w, c)
}

func (s *Server) getCustomer(w http.ResponseWriter, r *http.Request) error {
	c, err := s.store.FindCustomer(r.Context(), principal(r).TenantID, tsunagu.CustomerID(r.PathValue("id")))
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, c.Masked())
}

func (s *Server) updateCustomer(w http.ResponseWriter, r *http.Request) error {
	var req customerRequest
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	c := req.customer(principal(r).TenantID, tsunagu.CustomerID(r.PathValue("id")))
	if err := s.store.UpdateCustomer(r.Context(), c); err != nil {
		return err
	}
	return reply(w, http.StatusOK, c)
}

func (s *Server) deleteCustomer(w http.ResponseWriter, r *http.Request) error {
	if err := s.store.DeleteCustomer(r.Context(), principal(r).TenantID, tsunagu.CustomerID(r.PathValue("id"))); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// revealCustomer returns the unmasked customer and writes the audit event
// first: no reveal without its record.
func (s *Server) revealCustomer(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	id := tsunagu.CustomerID(r.PathValue("id"))
	c, err := s.store.FindCustomer(r.Context(), p.TenantID, id)
	if err != nil {
		return err
	}
	if err := s.store.RecordReveal(r.Context(), p.TenantID, id, s.now()); err != nil {
		return err
	}
	return reply(w, http.StatusOK, c)
}

// ContactDetail is a contact with its history.
type ContactDetail struct {
	tsunagu.Contact
	Events []tsunagu.Event `json:"events"`
}

// listContacts lists contacts. An agent sees their own contacts, or one
// customer's history (the screen pop needs what colleagues did before).
func (s *Server) listContacts(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	q := r.URL.Query()
	pg, err := page(r)
	if err != nil {
		return err
	}
	f := tsunagu.ContactFilter{
		CustomerID: tsunagu.CustomerID(q.Get("customer_id")), AgentID: tsunagu.AgentID(q.Get("agent_id")),
		QueueID: tsunagu.QueueID(q.Get("queue_id")), State: tsunagu.ContactState(q.Get("state")), Page: pg,
	}
	if !p.Role.AtLeast(tsunagu.RoleSupervisor) && f.CustomerID == "" {
		if f.AgentID != "" && f.AgentID != p.AgentID {
			return &tsunagu.Error{Code: tsunagu.EFORBIDDEN, Field: "agent_id", Message: "Agents list their own contacts or one customer's."}
		}
		if p.AgentID == "" {
			return tsunagu.Errorf(tsunagu.EFORBIDDEN, "Name a customer_id.")
		}
		f.AgentID = p.AgentID
	}
	cs, next, err := s.store.ListContacts(r.Context(), p.TenantID, f)
	if err != nil {
		return err
	}
	for i := range cs {
		cs[i].Number = tsunagu.MaskPhone(cs[i].Number)
	}
	return reply(w, http.StatusOK, List[tsunagu.Contact]{Items: cs, NextCursor: next})
}

func (s *Server) getContact(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	id := tsunagu.ContactID(r.PathValue("id"))
	c, err := s.store.FindContact(r.Context(), p.TenantID, id)
	if err != nil {
		return err
	}
	evs, err := s.store.ContactEvents(r.Context(), p.TenantID, id)
	if err != nil {
		return err
	}
	if evs == nil {
		evs = []tsunagu.Event{}
	}
	c.Number = tsunagu.MaskPhone(c.Number)
	return reply(w, http.StatusOK, ContactDetail{Contact: *c, Events: evs})
}
