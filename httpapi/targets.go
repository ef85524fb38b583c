package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"tsunagu"
)

// Today's counts, targets, praise and protection (docs/floor-praise.md).
// "Today" starts at midnight in the tenant's time zone.

// Today is one agent's (or team's) day: the counts, the targets that apply
// (metric → daily number; absent when none), and for an agent the
// protection that keeps calls away, while it lasts.
type Today struct {
	Day       string                 `json:"day"` // YYYY-MM-DD in the tenant's time zone
	AgentID   tsunagu.AgentID        `json:"agent_id,omitempty"`
	TeamID    tsunagu.TeamID         `json:"team_id,omitempty"`
	Name      string                 `json:"name"`
	Counts    tsunagu.Counts         `json:"counts"`
	Targets   map[tsunagu.Metric]int `json:"targets"`
	Protected *ProtectedView         `json:"protected,omitempty"`
}

// ProtectedView is an agent's protection as the desk shows it.
type ProtectedView struct {
	Until  time.Time `json:"until"`
	Reason string    `json:"reason"` // recovery or supervisor
}

// DayFloor is the supervisors' view of the day: every agent and every team.
type DayFloor struct {
	Day    string  `json:"day"`
	Agents []Today `json:"agents"`
	Teams  []Today `json:"teams"`
}

// day returns the start of the tenant's day and its date.
func (s *Server) day(ctx context.Context, tid tsunagu.TenantID) (time.Time, string, error) {
	t, err := s.store.FindTenant(ctx, tid)
	if err != nil {
		return time.Time{}, "", err
	}
	start := tsunagu.DayStart(s.now(), t.Location())
	return start, start.Format("2006-01-02"), nil
}

// myToday is the desk's status bar: the agent's counts and targets.
func (s *Server) myToday(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if p.AgentID == "" {
		return tsunagu.Errorf(tsunagu.ENOTFOUND, "You take no contacts, so there is no day to show; leaders use /api/v1/today.")
	}
	f, err := s.dayFloor(r.Context(), p.TenantID, p.AgentID)
	if err != nil {
		return err
	}
	if len(f.Agents) == 0 {
		return tsunagu.Errorf(tsunagu.ENOTFOUND, "Agent not found.")
	}
	return reply(w, http.StatusOK, f.Agents[0])
}

// today is the floor's day: every agent's counts and targets and each
// team's totals against the team targets (?team_id= narrows to one team).
func (s *Server) today(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	f, err := s.dayFloor(r.Context(), p.TenantID, "")
	if err != nil {
		return err
	}
	if team := tsunagu.TeamID(r.URL.Query().Get("team_id")); team != "" {
		agents, teams := []Today{}, []Today{}
		for _, a := range f.Agents {
			if a.TeamID == team {
				agents = append(agents, a)
			}
		}
		for _, t := range f.Teams {
			if t.TeamID == team {
				teams = append(teams, t)
			}
		}
		if len(teams) == 0 {
			return &tsunagu.Error{Code: tsunagu.ENOTFOUND, Field: "team_id", Message: "No such team."}
		}
		f.Agents, f.Teams = agents, teams
	}
	return reply(w, http.StatusOK, f)
}

// dayFloor computes the day for one agent (only) or for everyone.
func (s *Server) dayFloor(ctx context.Context, tid tsunagu.TenantID, only tsunagu.AgentID) (*DayFloor, error) {
	since, day, err := s.day(ctx, tid)
	if err != nil {
		return nil, err
	}
	counts, err := s.store.CountsSince(ctx, tid, since, only)
	if err != nil {
		return nil, err
	}
	byAgent := make(map[tsunagu.AgentID]tsunagu.Counts, len(counts))
	for _, c := range counts {
		byAgent[c.AgentID] = c.Counts
	}
	targets, err := s.store.ListTargets(ctx, tid)
	if err != nil {
		return nil, err
	}
	var agents []tsunagu.Agent
	if only != "" {
		a, err := s.store.FindAgent(ctx, tid, only)
		if err != nil {
			return nil, err
		}
		agents = []tsunagu.Agent{*a}
	} else if agents, err = s.store.ListAgents(ctx, tid); err != nil {
		return nil, err
	}
	f := &DayFloor{Day: day, Agents: make([]Today, 0, len(agents)), Teams: []Today{}}
	teamTotals := map[tsunagu.TeamID]tsunagu.Counts{}
	for _, a := range agents {
		t := Today{Day: day, AgentID: a.ID, TeamID: a.TeamID, Name: a.Name, Counts: byAgent[a.ID], Targets: tsunagu.EffectiveTargets(targets, a.ID)}
		if ap, err := s.store.FindAgentProtection(ctx, tid, a.ID); err == nil && ap.Until.After(s.now()) {
			t.Protected = &ProtectedView{Until: ap.Until, Reason: ap.Reason}
		}
		f.Agents = append(f.Agents, t)
		if a.TeamID != "" {
			teamTotals[a.TeamID] = teamTotals[a.TeamID].Add(t.Counts)
		}
	}
	if only == "" {
		teams, err := s.store.ListTeams(ctx, tid)
		if err != nil {
			return nil, err
		}
		for _, tm := range teams {
			goals := map[tsunagu.Metric]int{}
			for _, tg := range targets {
				if tg.Scope == tsunagu.ScopeTeam && tg.ScopeID == string(tm.ID) {
					goals[tg.Metric] = tg.Daily
				}
			}
			f.Teams = append(f.Teams, Today{Day: day, TeamID: tm.ID, Name: tm.Name, Counts: teamTotals[tm.ID], Targets: goals})
		}
	}
	return f, nil
}

// listTargets: leaders see every target; an agent sees the ones that apply
// to them (everyone's, their own and their team's).
func (s *Server) listTargets(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	ts, err := s.store.ListTargets(r.Context(), p.TenantID)
	if err != nil {
		return err
	}
	if !p.Role.AtLeast(tsunagu.RoleSupervisor) {
		var team tsunagu.TeamID
		if p.AgentID != "" {
			if a, err := s.store.FindAgent(r.Context(), p.TenantID, p.AgentID); err == nil {
				team = a.TeamID
			}
		}
		mine := []tsunagu.Target{}
		for _, t := range ts {
			if t.Scope == tsunagu.ScopeEveryone || t.Scope == tsunagu.ScopeAgent && t.ScopeID == string(p.AgentID) && p.AgentID != "" ||
				t.Scope == tsunagu.ScopeTeam && team != "" && t.ScopeID == string(team) {
				mine = append(mine, t)
			}
		}
		ts = mine
	}
	return reply(w, http.StatusOK, List[tsunagu.Target]{Items: ts})
}

// TargetInput sets one daily target; daily 0 removes it.
type TargetInput struct {
	Scope   tsunagu.TargetScope `json:"scope"`
	ScopeID string              `json:"scope_id"`
	Metric  tsunagu.Metric      `json:"metric"`
	Daily   int                 `json:"daily"`
}

func (s *Server) setTarget(w http.ResponseWriter, r *http.Request) error {
	var req TargetInput
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	t := &tsunagu.Target{TenantID: principal(r).TenantID, Scope: req.Scope, ScopeID: strings.TrimSpace(req.ScopeID), Metric: req.Metric, Daily: req.Daily}
	if err := s.store.SetTarget(r.Context(), t); err != nil {
		return err
	}
	return reply(w, http.StatusOK, t)
}

// KudosInput is a leader's praise for an agent.
type KudosInput struct {
	AgentID tsunagu.AgentID `json:"agent_id"`
	Message string          `json:"message"`
}

// createKudos stores the kudos; praise:kudos carries the agent, so their
// desk shows it, and the floor display reads it out.
func (s *Server) createKudos(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	var req KudosInput
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	k := &tsunagu.Praise{TenantID: p.TenantID, Kind: tsunagu.PraiseKudos, AgentID: req.AgentID, Message: req.Message, FromID: p.UserID}
	if err := k.Validate(); err != nil {
		return err
	}
	if p.UserID != "" {
		if u, err := s.store.FindUser(r.Context(), p.TenantID, p.UserID); err == nil {
			k.FromName = u.DisplayName
		}
	}
	if err := s.store.CreateKudos(r.Context(), k); err != nil {
		return err
	}
	return created(w, k)
}

// listPraise is the praise history, newest first (?agent_id=&since=&limit=).
// An agent reads only their own.
func (s *Server) listPraise(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	q := r.URL.Query()
	f := tsunagu.PraiseFilter{AgentID: tsunagu.AgentID(q.Get("agent_id"))}
	if !p.Role.AtLeast(tsunagu.RoleSupervisor) {
		if f.AgentID != "" && f.AgentID != p.AgentID {
			return &tsunagu.Error{Code: tsunagu.EFORBIDDEN, Field: "agent_id", Message: "Agents read their own praise."}
		}
		if p.AgentID == "" {
			return reply(w, http.StatusOK, List[tsunagu.Praise]{Items: []tsunagu.Praise{}})
		}
		f.AgentID = p.AgentID
	}
	if v := q.Get("since"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			if d, derr := time.Parse("2006-01-02", v); derr == nil {
				t, err = d, nil
				if tn, terr := s.store.FindTenant(r.Context(), p.TenantID); terr == nil {
					t = time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, tn.Location())
				}
			}
		}
		if err != nil {
			return tsunagu.FieldError("since", "since is a date (2026-04-01) or an RFC 3339 time.")
		}
		f.Since = t
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return tsunagu.FieldError("limit", "limit must be 1–1000.")
		}
		f.Limit = n
	}
	ps, err := s.store.ListPraise(r.Context(), p.TenantID, f)
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, List[tsunagu.Praise]{Items: ps})
}

func (s *Server) getProtection(w http.ResponseWriter, r *http.Request) error {
	p, err := s.store.FindProtection(r.Context(), principal(r).TenantID)
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, p)
}

// ProtectionInput is the tenant's protection settings.
type ProtectionInput struct {
	RecoveryMode    tsunagu.RecoveryMode `json:"recovery_mode"`
	RecoveryMinutes int                  `json:"recovery_minutes"`
	FlaggedQueueID  tsunagu.QueueID      `json:"flagged_queue_id"`
}

func (s *Server) setProtection(w http.ResponseWriter, r *http.Request) error {
	var req ProtectionInput
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	p := &tsunagu.Protection{TenantID: principal(r).TenantID, RecoveryMode: req.RecoveryMode, RecoveryMinutes: req.RecoveryMinutes, FlaggedQueueID: req.FlaggedQueueID}
	if err := s.store.SetProtection(r.Context(), p); err != nil {
		return err
	}
	return reply(w, http.StatusOK, p)
}

// protector is routing's side of keeping calls away (dispatch.Dispatcher).
type protector interface {
	Protect(ctx context.Context, tenant tsunagu.TenantID, agent tsunagu.AgentID, until time.Time) (*tsunagu.Agent, error)
}

// ProtectInput keeps calls away from an agent until a time (RFC 3339);
// null clears. A string, so a bad time is refused with the field named.
type ProtectInput struct {
	Until *string `json:"until"`
}

// MaxProtect bounds a protection: the rest of a long shift at most.
const MaxProtect = 12 * time.Hour

// protectAgent is a leader keeping calls away from an agent for a while
// (after a hard call, a talk, a cry). Routing makes the agent not-ready
// "protected" at once or after the call in progress.
func (s *Server) protectAgent(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	var req ProtectInput
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	var until time.Time
	if req.Until != nil {
		t, err := time.Parse(time.RFC3339, *req.Until)
		if err != nil {
			return tsunagu.FieldError("until", "until is an RFC 3339 time, e.g. 2026-04-01T15:30:00+09:00.")
		}
		until = t
		now := s.now()
		if !until.After(now) || until.After(now.Add(MaxProtect)) {
			return tsunagu.FieldError("until", "until must be in the next 12 hours (null clears the protection).")
		}
	}
	id := tsunagu.AgentID(r.PathValue("id"))
	if pr, ok := s.dispatch.(protector); ok {
		a, err := pr.Protect(r.Context(), p.TenantID, id, until)
		if err != nil {
			return err
		}
		return reply(w, http.StatusOK, a)
	}
	// Without routing the protection is stored and the agent's state set
	// in the store alone.
	if err := s.store.ProtectAgent(r.Context(), &tsunagu.AgentProtection{TenantID: p.TenantID, AgentID: id, Until: until, Reason: "supervisor"}); err != nil {
		return err
	}
	if a, err := s.store.FindAgent(r.Context(), p.TenantID, id); err == nil && !until.IsZero() && a.State != tsunagu.AgentOffline {
		if _, err := s.store.SetAgentState(r.Context(), p.TenantID, id, tsunagu.AgentNotReady, "protected", s.now()); err != nil {
			return err
		}
	}
	a, err := s.store.FindAgent(r.Context(), p.TenantID, id)
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, a)
}
