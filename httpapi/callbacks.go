package httpapi

import (
	"net/http"
	"strings"
	"time"

	"tsunagu"
)

// CallbackInput schedules a callback. With a contact the number defaults
// to the caller's, which the desk never sees unmasked: the one-click offer
// from a long hold sends only the contact.
type CallbackInput struct {
	ContactID tsunagu.ContactID `json:"contact_id,omitempty"`
	Number    string            `json:"number,omitempty"`
	DueAt     time.Time         `json:"due_at"`
	Owner     string            `json:"owner,omitempty"` // me (default) or anyone
	Note      string            `json:"note,omitempty"`
}

// createCallback schedules a callback as the agent (owner me or anyone).
func (s *Server) createCallback(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	var req CallbackInput
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	if p.AgentID == "" && req.Owner != tsunagu.OwnerAnyone {
		return tsunagu.FieldError("owner", "Only agents own callbacks; schedule it for anyone.")
	}
	c := &tsunagu.Contact{}
	if req.ContactID != "" {
		found, err := s.store.FindContact(r.Context(), p.TenantID, req.ContactID)
		if tsunagu.ErrorCode(err) == tsunagu.ENOTFOUND {
			return tsunagu.FieldError("contact_id", "Unknown contact %q.", req.ContactID)
		} else if err != nil {
			return err
		}
		if !p.Role.AtLeast(tsunagu.RoleSupervisor) && found.AgentID != p.AgentID {
			return &tsunagu.Error{Code: tsunagu.EFORBIDDEN, Field: "contact_id", Message: "You can schedule callbacks for your own calls."}
		}
		c = found
	} else if strings.TrimSpace(req.Number) == "" {
		return tsunagu.FieldError("number", "Give the number to call, or the contact it was promised on.")
	}
	// The promise's rules (owner, time window, number) are the wrap-up's.
	pc := tsunagu.PromisedCallback{DueAt: req.DueAt, Owner: req.Owner, Number: req.Number, Note: req.Note}
	if err := (&tsunagu.WrapUp{Callback: &pc}).Check(c, nil, s.now()); err != nil {
		if e, ok := err.(*tsunagu.Error); ok {
			e.Field = strings.TrimPrefix(e.Field, "callback.")
		}
		return err
	}
	cb := &tsunagu.Callback{TenantID: p.TenantID, ContactID: c.ID, CustomerID: c.CustomerID, Number: pc.Number, DueAt: pc.DueAt,
		CreatedBy: p.AgentID, Note: pc.Note}
	if pc.Owner == tsunagu.OwnerMe {
		cb.OwnerID = p.AgentID
	}
	if err := s.store.CreateCallback(r.Context(), cb); err != nil {
		return err
	}
	return created(w, cb)
}

// listCallbacks lists callbacks: ?owner=me (the caller's own), anyone (the
// unowned), mine (both: "My callbacks"), all (supervisors; the default for
// them); ?status=open (default), done or all. Open callbacks carry the
// full number: calling it is the task. Done ones are masked.
func (s *Server) listCallbacks(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	q := r.URL.Query()
	f := tsunagu.CallbackFilter{Status: tsunagu.CallbackOpen}
	switch q.Get("status") {
	case "", "open":
	case "done":
		f.Status = tsunagu.CallbackDone
	case "all":
		f.Status = ""
	default:
		return tsunagu.FieldError("status", "Status is open, done or all.")
	}
	owner := q.Get("owner")
	if owner == "" {
		owner = "mine"
		if p.Role.AtLeast(tsunagu.RoleSupervisor) {
			owner = "all"
		}
	}
	switch owner {
	case "me":
		f.Owner = p.AgentID
	case "anyone":
		f.Anyone = true
	case "mine":
		f.Owner, f.Anyone = p.AgentID, true
	case "all":
		if !p.Role.AtLeast(tsunagu.RoleSupervisor) {
			return &tsunagu.Error{Code: tsunagu.EFORBIDDEN, Field: "owner", Message: "Only supervisors list everyone's callbacks."}
		}
	default:
		return tsunagu.FieldError("owner", "Owner is me, anyone, mine or all.")
	}
	if (owner == "me" || owner == "mine") && p.AgentID == "" {
		f.Owner = "-" // a user with no agent owns none
	}
	cbs, err := s.store.ListCallbacks(r.Context(), p.TenantID, f)
	if err != nil {
		return err
	}
	if cbs, err = s.queueCallbacks(r.Context(), p, cbs, tsunagu.QueueID(q.Get("queue"))); err != nil { // voicemail.go
		return err
	}
	for i := range cbs {
		if cbs[i].Status != tsunagu.CallbackOpen {
			cbs[i].Number = tsunagu.MaskPhone(cbs[i].Number)
		}
	}
	return reply(w, http.StatusOK, List[tsunagu.Callback]{Items: cbs})
}

// completeCallback marks a callback done: its owner, anyone for an unowned
// one, or a supervisor.
func (s *Server) completeCallback(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	id := tsunagu.CallbackID(r.PathValue("id"))
	cb, err := s.store.FindCallback(r.Context(), p.TenantID, id)
	if err != nil {
		return err
	}
	if cb.OwnerID != "" && cb.OwnerID != p.AgentID && !p.Role.AtLeast(tsunagu.RoleSupervisor) {
		return tsunagu.Errorf(tsunagu.EFORBIDDEN, "This callback belongs to another operator.")
	}
	cb, err = s.store.CompleteCallback(r.Context(), p.TenantID, id)
	if err != nil {
		return err
	}
	cb.Number = tsunagu.MaskPhone(cb.Number)
	return reply(w, http.StatusOK, cb)
}
