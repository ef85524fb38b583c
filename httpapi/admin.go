package httpapi

import (
	"context"
	"net/http"

	"tsunagu"
)

// The admin's edits of the center's set-up (users, queues, trunks and their
// numbers, menus and hours). Each replaces the whole entity; the store
// appends an event naming the changed fields, the audit trail of who
// changed what (the actor is the signed-in admin).

// queueReloader is the optional part of the Dispatcher that applies a
// queue's new settings to live routing (dispatch.Dispatcher has it).
type queueReloader interface {
	QueueChanged(ctx context.Context, tenant tsunagu.TenantID, id tsunagu.QueueID) error
}

// updateQueue replaces a queue's settings and tells routing.
func (s *Server) updateQueue(w http.ResponseWriter, r *http.Request) error {
	var q tsunagu.Queue
	if err := s.decode(w, r, &q); err != nil {
		return err
	}
	p := principal(r)
	q.TenantID, q.ID = p.TenantID, tsunagu.QueueID(r.PathValue("id"))
	if err := s.store.UpdateQueue(r.Context(), &q); err != nil {
		return err
	}
	if qr, ok := s.dispatch.(queueReloader); ok {
		if err := qr.QueueChanged(r.Context(), p.TenantID, q.ID); err != nil {
			return err
		}
	}
	return reply(w, http.StatusOK, q)
}

// UserUpdate is what an admin may change about a user. Absent fields keep
// their values; username and password have their own routes.
type UserUpdate struct {
	DisplayName *string         `json:"display_name"`
	Kana        *string         `json:"kana"`
	Role        *tsunagu.Role   `json:"role"`
	TeamID      *tsunagu.TeamID `json:"team_id"`
	Disabled    *bool           `json:"disabled"`
}

// updateUser changes a user; an admin cannot disable or demote themself
// (a center must not lose its last way in by one click).
func (s *Server) updateUser(w http.ResponseWriter, r *http.Request) error {
	var req UserUpdate
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	p := principal(r)
	id := tsunagu.UserID(r.PathValue("id"))
	if id == p.UserID && ((req.Disabled != nil && *req.Disabled) || (req.Role != nil && *req.Role != tsunagu.RoleAdmin)) {
		return &tsunagu.Error{Code: tsunagu.ECONFLICT, Field: "role", Message: "You cannot disable yourself or take away your own admin role."}
	}
	u, err := s.store.UpdateUser(r.Context(), p.TenantID, id, func(u *tsunagu.User) error {
		set(&u.DisplayName, req.DisplayName)
		set(&u.Kana, req.Kana)
		set(&u.Role, req.Role)
		set(&u.TeamID, req.TeamID)
		set(&u.Disabled, req.Disabled)
		return nil
	})
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, u)
}

// updateTrunk replaces a trunk's name, networks and numbers.
func (s *Server) updateTrunk(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Name        string        `json:"name"`
		AllowedNets []string      `json:"allowed_nets"`
		Numbers     []tsunagu.DID `json:"numbers"`
	}
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	t := &tsunagu.Trunk{TenantID: principal(r).TenantID, ID: tsunagu.TrunkID(r.PathValue("id")), Name: req.Name, AllowedNets: req.AllowedNets, Numbers: req.Numbers}
	if err := s.store.UpdateTrunk(r.Context(), t); err != nil {
		return err
	}
	return reply(w, http.StatusOK, t)
}

// set copies *v into dst when v is given.
func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}
