package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"tsunagu"
)

// FindAgent returns an agent with skills.
func (db *DB) FindAgent(ctx context.Context, tenant tsunagu.TenantID, id tsunagu.AgentID) (*tsunagu.Agent, error) {
	as, err := db.listAgents(ctx, tenant, id)
	if err != nil {
		return nil, err
	}
	if len(as) == 0 {
		return nil, notFound("Agent")
	}
	return &as[0], nil
}

// ListAgents returns a tenant's agents ordered by name reading.
func (db *DB) ListAgents(ctx context.Context, tenant tsunagu.TenantID) ([]tsunagu.Agent, error) {
	return db.listAgents(ctx, tenant, "")
}

func (db *DB) listAgents(ctx context.Context, tenant tsunagu.TenantID, id tsunagu.AgentID) ([]tsunagu.Agent, error) {
	// One agent (FindAgent, on every state change) is looked up by its key:
	// with "(? = '' OR id = ?)" SQLite planned a scan and sort of all the
	// tenant's agents, which showed in the SIP load benchmark's profile.
	filter, sfilter, args := "", "", []any{tenant}
	if id != "" {
		filter, sfilter, args = ` AND id = ?`, ` AND agent_id = ?`, append(args, id)
	}
	rows, err := db.r.QueryContext(ctx, `SELECT id, tenant_id, user_id, name, kana, team_id, state, state_reason, state_since
		FROM agents WHERE tenant_id = ?`+filter+` ORDER BY kana, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("list agents: %w", err)
	}
	out := []tsunagu.Agent{}
	idx := map[tsunagu.AgentID]int{}
	for rows.Next() {
		var a tsunagu.Agent
		var since int64
		if err := rows.Scan(&a.ID, &a.TenantID, &a.UserID, &a.Name, &a.Kana, &a.TeamID, &a.State, &a.StateReason, &since); err != nil {
			rows.Close()
			return nil, fmt.Errorf("list agents: %w", err)
		}
		a.StateSince = fromMS(since)
		a.Skills = []tsunagu.SkillLevel{}
		idx[a.ID] = len(out)
		out = append(out, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	srows, err := db.r.QueryContext(ctx, `SELECT agent_id, skill_id, level FROM agent_skills WHERE tenant_id = ?`+sfilter+` ORDER BY agent_id, skill_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("list agent skills: %w", err)
	}
	defer srows.Close()
	for srows.Next() {
		var aid tsunagu.AgentID
		var s tsunagu.SkillLevel
		if err := srows.Scan(&aid, &s.SkillID, &s.Level); err != nil {
			return nil, fmt.Errorf("list agent skills: %w", err)
		}
		if i, ok := idx[aid]; ok {
			out[i].Skills = append(out[i].Skills, s)
		}
	}
	return out, srows.Err()
}

// SetAgentSkills replaces an agent's skills.
func (db *DB) SetAgentSkills(ctx context.Context, tenant tsunagu.TenantID, id tsunagu.AgentID, skills []tsunagu.SkillLevel) error {
	for _, s := range skills {
		if s.Level < 1 || s.Level > 10 {
			return tsunagu.FieldError("skills", "Skill levels are 1–10.")
		}
	}
	return db.write(ctx, func(tx *tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM agents WHERE tenant_id = ? AND id = ?`, tenant, id).Scan(&n); err != nil {
			return fmt.Errorf("set skills: %w", err)
		}
		if n == 0 {
			return notFound("Agent")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM agent_skills WHERE tenant_id = ? AND agent_id = ?`, tenant, id); err != nil {
			return fmt.Errorf("set skills: %w", err)
		}
		for _, s := range skills {
			var known int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM skills WHERE tenant_id = ? AND id = ?`, tenant, s.SkillID).Scan(&known); err != nil {
				return fmt.Errorf("set skills: %w", err)
			}
			if known == 0 {
				return tsunagu.FieldError("skills", "Unknown skill %q.", s.SkillID)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO agent_skills(tenant_id, agent_id, skill_id, level) VALUES (?, ?, ?, ?)`,
				tenant, id, s.SkillID, s.Level); err != nil {
				return fmt.Errorf("set skills: %w", err)
			}
		}
		e := tsunagu.NewEvent(tenant, tsunagu.EventUserUpdated, tx.now, map[string]any{"fields": []string{"skills"}})
		e.AgentID = id
		return tx.appendEvent(e)
	})
}

// SetAgentState records a state change and appends agent:state_changed with
// the previous state and how long the agent spent in it.
func (db *DB) SetAgentState(ctx context.Context, tenant tsunagu.TenantID, id tsunagu.AgentID, state tsunagu.AgentState, reason string, at time.Time) (*tsunagu.Agent, error) {
	err := db.write(ctx, func(tx *tx) error {
		var from tsunagu.AgentState
		var fromReason string
		var since int64
		err := tx.QueryRowContext(ctx, `SELECT state, state_reason, state_since FROM agents WHERE tenant_id = ? AND id = ?`, tenant, id).
			Scan(&from, &fromReason, &since)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("Agent")
		} else if err != nil {
			return fmt.Errorf("set agent state: %w", err)
		}
		if from == state && fromReason == reason {
			return nil // idempotent: no event for a non-change
		}
		if _, err := tx.ExecContext(ctx, `UPDATE agents SET state = ?, state_reason = ?, state_since = ? WHERE tenant_id = ? AND id = ?`,
			state, reason, ms(at), tenant, id); err != nil {
			return fmt.Errorf("set agent state: %w", err)
		}
		e := tsunagu.NewEvent(tenant, tsunagu.EventAgentStateChanged, at, map[string]any{
			"from": from, "to": state, "reason": reason, "seconds_in_previous": max(0, (ms(at)-since)/1000),
		})
		e.AgentID = id
		return tx.appendEvent(e)
	})
	if err != nil {
		return nil, err
	}
	return db.FindAgent(ctx, tenant, id)
}
