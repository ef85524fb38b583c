package httpapi

import (
	"context"
	"net/http"
	"time"

	"tsunagu"
)

type createUserRequest struct {
	Username    string         `json:"username"`
	DisplayName string         `json:"display_name"`
	Kana        string         `json:"kana"`
	Role        tsunagu.Role   `json:"role"`
	TeamID      tsunagu.TeamID `json:"team_id"`
	Password    string         `json:"password"`
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) error {
	pg, err := page(r)
	if err != nil {
		return err
	}
	us, next, err := s.store.ListUsers(r.Context(), principal(r).TenantID, pg)
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, List[tsunagu.User]{Items: us, NextCursor: next})
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request) error {
	var req createUserRequest
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	u := &tsunagu.User{TenantID: principal(r).TenantID, Username: req.Username, DisplayName: req.DisplayName, Kana: req.Kana, Role: req.Role, TeamID: req.TeamID}
	if err := u.Validate(); err != nil {
		return err
	}
	if err := tsunagu.ValidatePassword(req.Password); err != nil {
		return err
	}
	hash, err := HashPassword(req.Password)
	if err != nil {
		return err
	}
	if err := s.store.CreateUser(r.Context(), u, hash); err != nil {
		return err
	}
	return created(w, u)
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request) error {
	u, err := s.store.FindUser(r.Context(), principal(r).TenantID, tsunagu.UserID(r.PathValue("id")))
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, u)
}

func (s *Server) resetPassword(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Password string `json:"password"`
	}
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	if err := tsunagu.ValidatePassword(req.Password); err != nil {
		return err
	}
	hash, err := HashPassword(req.Password)
	if err != nil {
		return err
	}
	if err := s.store.SetPassword(r.Context(), principal(r).TenantID, tsunagu.UserID(r.PathValue("id")), hash); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// TokenCreated is the one response that carries an API token's secret.
type TokenCreated struct {
	tsunagu.Token
	Secret string `json:"secret"`
}

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request) error {
	ts, err := s.store.ListTokens(r.Context(), principal(r).TenantID)
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, List[tsunagu.Token]{Items: ts})
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Name string       `json:"name"`
		Role tsunagu.Role `json:"role"`
	}
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	p := principal(r)
	if !req.Role.Valid() {
		return tsunagu.FieldError("role", "Role must be agent, supervisor or admin.")
	}
	if !p.Role.AtLeast(req.Role) {
		return &tsunagu.Error{Code: tsunagu.EFORBIDDEN, Field: "role", Message: "A token cannot have more rights than its creator."}
	}
	secret := "tsu_" + newSecret()
	t := &tsunagu.Token{TenantID: p.TenantID, UserID: p.UserID, Name: req.Name, Role: req.Role, Hash: hashSecret(secret)}
	if err := s.store.CreateToken(r.Context(), t); err != nil {
		return err
	}
	return created(w, TokenCreated{Token: *t, Secret: secret})
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) error {
	if err := s.store.RevokeToken(r.Context(), principal(r).TenantID, tsunagu.TokenID(r.PathValue("id"))); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// setAgentState is a supervisor changing an agent's state (e.g. making an
// agent not_ready for recovery after an abusive call, or logging them out).
func (s *Server) setAgentState(w http.ResponseWriter, r *http.Request) error {
	var req tsunagu.StateChange
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	if err := req.Validate(); err != nil {
		return err
	}
	a, err := s.setState(r, tsunagu.AgentID(r.PathValue("id")), req)
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, a)
}

func (s *Server) setAgentSkills(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Skills []tsunagu.SkillLevel `json:"skills"`
	}
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	p := principal(r)
	id := tsunagu.AgentID(r.PathValue("id"))
	if err := s.store.SetAgentSkills(r.Context(), p.TenantID, id, req.Skills); err != nil {
		return err
	}
	a, err := s.store.FindAgent(r.Context(), p.TenantID, id)
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, a)
}

func (s *Server) createQueue(w http.ResponseWriter, r *http.Request) error {
	var q tsunagu.Queue
	if err := s.decode(w, r, &q); err != nil {
		return err
	}
	q.TenantID = principal(r).TenantID
	if err := s.store.CreateQueue(r.Context(), &q); err != nil {
		return err
	}
	return created(w, q)
}

// queueStats reports today's figures; "today" starts at midnight in the
// tenant's time zone (Asia/Tokyo by default), not the server's.
func (s *Server) queueStats(w http.ResponseWriter, r *http.Request) error {
	st, err := s.queueTiles(r.Context(), principal(r).TenantID)
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, List[tsunagu.QueueStats]{Items: st})
}

// queueTiles returns today's figures per queue in the tenant's time zone:
// GET /queues/stats, and the tiles pushed to the desks (eventhub.go).
func (s *Server) queueTiles(ctx context.Context, tid tsunagu.TenantID) ([]tsunagu.QueueStats, error) {
	t, err := s.store.FindTenant(ctx, tid)
	if err != nil {
		return nil, err
	}
	loc, err := time.LoadLocation(t.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	now := s.now().In(loc)
	midnight := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	return s.store.QueueStats(ctx, tid, midnight, now)
}

// listIn serves a tenant's list of reference data (skills, teams, reasons,
// dispositions): the same shape for each.
// The store methods are given as method expressions (tsunagu.Store.ListSkills),
// bound to the server's store when a request comes.
func listIn[T any](s *Server, list func(tsunagu.Store, context.Context, tsunagu.TenantID) ([]T, error)) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		v, err := list(s.store, r.Context(), principal(r).TenantID)
		if err != nil {
			return err
		}
		return reply(w, http.StatusOK, List[T]{Items: v})
	}
}

// createIn creates one row of reference data in the caller's tenant; the
// tenant always comes from the login, never from the body.
func createIn[T any](s *Server, setTenant func(*T, tsunagu.TenantID), create func(tsunagu.Store, context.Context, *T) error) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		var v T
		if err := s.decode(w, r, &v); err != nil {
			return err
		}
		setTenant(&v, principal(r).TenantID)
		if err := create(s.store, r.Context(), &v); err != nil {
			return err
		}
		return created(w, v)
	}
}

func (s *Server) createTrunk(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Name        string        `json:"name"`
		AllowedNets []string      `json:"allowed_nets"`
		Numbers     []tsunagu.DID `json:"numbers"`
	}
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	t := &tsunagu.Trunk{TenantID: principal(r).TenantID, Name: req.Name, AllowedNets: req.AllowedNets, Numbers: req.Numbers}
	if err := s.store.CreateTrunk(r.Context(), t); err != nil {
		return err
	}
	return created(w, t)
}
