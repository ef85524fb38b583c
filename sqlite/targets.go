package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"tsunagu"
)

var _ tsunagu.TargetStore = (*DB)(nil)

// callerFlagColumn reads a contact's caller flag from flagged_callers as
// the contact is read, so every contact of a flagged number — the next
// call's screen pop included — carries the warning without a write to each.
const callerFlagColumn = `COALESCE((SELECT f.severity FROM flagged_callers f
	WHERE f.tenant_id = contacts.tenant_id AND f.number = contacts.number AND contacts.number <> ''), '')`

// SetTarget stores (or, with Daily 0, removes) a daily target and appends
// target:set. An agent's target event carries the agent, so their desk
// sees the new goal.
func (db *DB) SetTarget(ctx context.Context, t *tsunagu.Target) error {
	if err := t.Validate(); err != nil {
		return err
	}
	return db.write(ctx, func(tx *tx) error {
		switch t.Scope {
		case tsunagu.ScopeAgent, tsunagu.ScopeTeam:
			table := map[tsunagu.TargetScope]string{tsunagu.ScopeAgent: "agents", tsunagu.ScopeTeam: "teams"}[t.Scope]
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM `+table+` WHERE tenant_id = ? AND id = ?`, t.TenantID, t.ScopeID).Scan(&n); err != nil {
				return fmt.Errorf("set target: %w", err)
			}
			if n == 0 {
				return &tsunagu.Error{Code: tsunagu.ENOTFOUND, Field: "scope_id", Message: fmt.Sprintf("No %s %q here.", t.Scope, t.ScopeID)}
			}
		}
		t.UpdatedAt = fromMS(ms(tx.now))
		var err error
		if t.Daily == 0 {
			_, err = tx.ExecContext(ctx, `DELETE FROM targets WHERE tenant_id = ? AND scope = ? AND scope_id = ? AND metric = ?`,
				t.TenantID, t.Scope, t.ScopeID, t.Metric)
		} else {
			_, err = tx.ExecContext(ctx, `INSERT INTO targets(tenant_id, scope, scope_id, metric, daily, updated_at) VALUES (?, ?, ?, ?, ?, ?)
				ON CONFLICT(tenant_id, scope, scope_id, metric) DO UPDATE SET daily = excluded.daily, updated_at = excluded.updated_at`,
				t.TenantID, t.Scope, t.ScopeID, t.Metric, t.Daily, ms(t.UpdatedAt))
		}
		if isForeignKey(err) {
			return tsunagu.FieldError("tenant_id", "Unknown tenant.")
		} else if err != nil {
			return fmt.Errorf("set target: %w", err)
		}
		e := tsunagu.NewEvent(t.TenantID, tsunagu.EventTargetSet, tx.now,
			map[string]any{"scope": t.Scope, "scope_id": t.ScopeID, "metric": t.Metric, "daily": t.Daily})
		e.Subject = t.ScopeID
		if t.Scope == tsunagu.ScopeAgent {
			e.AgentID = tsunagu.AgentID(t.ScopeID)
		}
		return tx.appendEvent(e)
	})
}

// ListTargets lists the tenant's targets: everyone's first, then agents',
// then teams'.
func (db *DB) ListTargets(ctx context.Context, tenant tsunagu.TenantID) ([]tsunagu.Target, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT tenant_id, scope, scope_id, metric, daily, updated_at FROM targets WHERE tenant_id = ?
		ORDER BY CASE scope WHEN 'everyone' THEN 0 WHEN 'agent' THEN 1 ELSE 2 END, scope_id, metric`, tenant)
	if err != nil {
		return nil, fmt.Errorf("list targets: %w", err)
	}
	defer rows.Close()
	out := []tsunagu.Target{}
	for rows.Next() {
		var t tsunagu.Target
		var updated int64
		if err := rows.Scan(&t.TenantID, &t.Scope, &t.ScopeID, &t.Metric, &t.Daily, &updated); err != nil {
			return nil, fmt.Errorf("list targets: %w", err)
		}
		t.UpdatedAt = fromMS(updated)
		out = append(out, t)
	}
	return out, rows.Err()
}

// countsLookback bounds how long before the day a contact may have arrived
// and still count today (answered or wrapped today): a day, so the scan
// stays on the arrival index and a call that spans midnight still counts.
const countsLookback = 24 * time.Hour

// CountsSince counts each agent's day: answered inbound and outbound
// contacts (connected since), and wrap-ups since with a conversion
// disposition, with a thank-you, or flagged abusive.
func (db *DB) CountsSince(ctx context.Context, tenant tsunagu.TenantID, since time.Time, agent tsunagu.AgentID) ([]tsunagu.AgentCounts, error) {
	s := ms(since)
	// Two shapes, so each range scan has its index: one agent's day on
	// (tenant, agent, arrived_at), the floor's on (tenant, arrived_at).
	// The conversion dispositions are an uncorrelated list, read once per
	// query rather than once per contact.
	args := []any{s, s, s, tenant, s, s, tenant}
	where := `c.tenant_id = ? AND c.arrived_at >= ? AND c.agent_id <> ''`
	if agent != "" {
		where = `c.tenant_id = ? AND c.agent_id = ? AND c.arrived_at >= ?`
		args = append(args, agent)
	}
	args = append(args, ms(since.Add(-countsLookback)))
	rows, err := db.r.QueryContext(ctx, `SELECT c.agent_id,
			coalesce(sum(c.direction = 'inbound' AND c.connected_at >= ?), 0),
			coalesce(sum(c.direction = 'outbound' AND c.connected_at >= ?), 0),
			coalesce(sum(c.wrapped_at >= ? AND c.disposition_id IN
				(SELECT d.id FROM dispositions d WHERE d.tenant_id = ? AND d.conversion = 1)), 0),
			coalesce(sum(c.wrapped_at >= ? AND c.thank_you = 1), 0),
			coalesce(sum(c.wrapped_at >= ? AND c.abusive <> ''), 0)
		FROM contacts c WHERE `+where+`
		GROUP BY c.agent_id ORDER BY c.agent_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("counts: %w", err)
	}
	defer rows.Close()
	out := []tsunagu.AgentCounts{}
	for rows.Next() {
		var a tsunagu.AgentCounts
		if err := rows.Scan(&a.AgentID, &a.Inbound, &a.Outbound, &a.Conversions, &a.ThankYous, &a.HardCalls); err != nil {
			return nil, fmt.Errorf("counts: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

const praiseColumns = `tenant_id, id, kind, agent_id, agent_name, message, message_en, metric, target, count, day, from_id, from_name, at`

func scanPraise(s interface{ Scan(...any) error }) (*tsunagu.Praise, error) {
	var p tsunagu.Praise
	var at int64
	if err := s.Scan(&p.TenantID, &p.ID, &p.Kind, &p.AgentID, &p.AgentName, &p.Message, &p.MessageEn, &p.Metric, &p.Target, &p.Count,
		&p.Day, &p.FromID, &p.FromName, &at); err != nil {
		return nil, err
	}
	p.At = fromMS(at)
	return &p, nil
}

// insertPraise stores p; it reports false when an achievement for the same
// agent, metric and day exists (the partial unique index).
func (tx *tx) insertPraise(p *tsunagu.Praise) (bool, error) {
	p.ID = tsunagu.PraiseID(newID("prz_", tx.now))
	p.At = fromMS(ms(tx.now))
	res, err := tx.ExecContext(tx.ctx, `INSERT INTO praise(`+praiseColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT DO NOTHING`, p.TenantID, p.ID, p.Kind, p.AgentID, p.AgentName, p.Message, p.MessageEn, p.Metric, p.Target, p.Count,
		p.Day, p.FromID, p.FromName, ms(p.At))
	if isForeignKey(err) {
		return false, &tsunagu.Error{Code: tsunagu.ENOTFOUND, Field: "agent_id", Message: "No such agent here."}
	} else if err != nil {
		return false, fmt.Errorf("insert praise: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("insert praise: %w", err)
	}
	return n == 1, nil
}

func (tx *tx) praiseEvent(p *tsunagu.Praise, typ tsunagu.EventType, payload map[string]any) error {
	payload["agent_name"], payload["message"] = p.AgentName, p.Message
	e := tsunagu.NewEvent(p.TenantID, typ, tx.now, payload)
	e.AgentID, e.Subject = p.AgentID, string(p.ID)
	return tx.appendEvent(e)
}

// RecordAchievement stores an achievement once per agent, metric and day
// and appends praise:achieved when it is new.
func (db *DB) RecordAchievement(ctx context.Context, p *tsunagu.Praise) (bool, error) {
	p.Kind = tsunagu.PraiseAchieved
	if err := p.Validate(); err != nil {
		return false, err
	}
	var fired bool
	err := db.write(ctx, func(tx *tx) error {
		ok, err := tx.insertPraise(p)
		if err != nil || !ok {
			return err
		}
		fired = true
		return tx.praiseEvent(p, tsunagu.EventPraiseAchieved, map[string]any{
			"message_en": p.MessageEn, "metric": p.Metric, "target": p.Target, "count": p.Count, "day": p.Day})
	})
	return fired, err
}

// CreateKudos stores a leader's kudos and appends praise:kudos. The agent's
// name is read here, so the banner names the person the kudos is for.
func (db *DB) CreateKudos(ctx context.Context, p *tsunagu.Praise) error {
	p.Kind = tsunagu.PraiseKudos
	if err := p.Validate(); err != nil {
		return err
	}
	return db.write(ctx, func(tx *tx) error {
		err := tx.QueryRowContext(ctx, `SELECT name FROM agents WHERE tenant_id = ? AND id = ?`, p.TenantID, p.AgentID).Scan(&p.AgentName)
		if errors.Is(err, sql.ErrNoRows) {
			return &tsunagu.Error{Code: tsunagu.ENOTFOUND, Field: "agent_id", Message: "No such agent here."}
		} else if err != nil {
			return fmt.Errorf("kudos: %w", err)
		}
		if _, err := tx.insertPraise(p); err != nil {
			return err
		}
		return tx.praiseEvent(p, tsunagu.EventPraiseKudos, map[string]any{"from_name": p.FromName})
	})
}

// ListPraise lists praise newest first; praise of the same millisecond in
// the order it was written (rowid), since IDs are random within a
// millisecond.
func (db *DB) ListPraise(ctx context.Context, tenant tsunagu.TenantID, f tsunagu.PraiseFilter) ([]tsunagu.Praise, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 1000)
	var since int64
	if !f.Since.IsZero() {
		since = ms(f.Since)
	}
	rows, err := db.r.QueryContext(ctx, `SELECT `+praiseColumns+` FROM praise
		WHERE tenant_id = ? AND (? = '' OR agent_id = ?) AND at >= ? ORDER BY at DESC, rowid DESC LIMIT ?`,
		tenant, f.AgentID, f.AgentID, since, limit)
	if err != nil {
		return nil, fmt.Errorf("list praise: %w", err)
	}
	defer rows.Close()
	out := []tsunagu.Praise{}
	for rows.Next() {
		p, err := scanPraise(rows)
		if err != nil {
			return nil, fmt.Errorf("list praise: %w", err)
		}
		out = append(out, *p)
	}
	return out, rows.Err()
}

// FindProtection returns the tenant's protection settings, or the defaults.
func (db *DB) FindProtection(ctx context.Context, tenant tsunagu.TenantID) (*tsunagu.Protection, error) {
	p := tsunagu.DefaultProtection(tenant)
	var updated int64
	err := db.r.QueryRowContext(ctx, `SELECT recovery_mode, recovery_minutes, flagged_queue_id, updated_at FROM protection WHERE tenant_id = ?`, tenant).
		Scan(&p.RecoveryMode, &p.RecoveryMinutes, &p.FlaggedQueueID, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return &p, nil
	} else if err != nil {
		return nil, fmt.Errorf("find protection: %w", err)
	}
	p.UpdatedAt = fromMS(updated)
	return &p, nil
}

// SetProtection stores the tenant's settings and appends protection:changed.
func (db *DB) SetProtection(ctx context.Context, p *tsunagu.Protection) error {
	if err := p.Validate(); err != nil {
		return err
	}
	return db.write(ctx, func(tx *tx) error {
		if p.FlaggedQueueID != "" {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM queues WHERE tenant_id = ? AND id = ?`, p.TenantID, p.FlaggedQueueID).Scan(&n); err != nil {
				return fmt.Errorf("set protection: %w", err)
			}
			if n == 0 {
				return tsunagu.FieldError("flagged_queue_id", "No queue %q here.", p.FlaggedQueueID)
			}
		}
		p.UpdatedAt = fromMS(ms(tx.now))
		_, err := tx.ExecContext(ctx, `INSERT INTO protection(tenant_id, recovery_mode, recovery_minutes, flagged_queue_id, updated_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT(tenant_id) DO UPDATE SET recovery_mode = excluded.recovery_mode, recovery_minutes = excluded.recovery_minutes,
			flagged_queue_id = excluded.flagged_queue_id, updated_at = excluded.updated_at`,
			p.TenantID, p.RecoveryMode, p.RecoveryMinutes, p.FlaggedQueueID, ms(p.UpdatedAt))
		if isForeignKey(err) {
			return tsunagu.FieldError("tenant_id", "Unknown tenant.")
		} else if err != nil {
			return fmt.Errorf("set protection: %w", err)
		}
		return tx.appendEvent(tsunagu.NewEvent(p.TenantID, tsunagu.EventProtectionChanged, tx.now, map[string]any{
			"recovery_mode": p.RecoveryMode, "recovery_minutes": p.RecoveryMinutes, "flagged_queue_id": p.FlaggedQueueID}))
	})
}

// ProtectAgent keeps calls away from an agent until p.Until (zero clears)
// and appends agent:protected for that agent.
func (db *DB) ProtectAgent(ctx context.Context, p *tsunagu.AgentProtection) error {
	if p.Reason == "" {
		p.Reason = "supervisor"
	}
	return db.write(ctx, func(tx *tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM agents WHERE tenant_id = ? AND id = ?`, p.TenantID, p.AgentID).Scan(&n); err != nil {
			return fmt.Errorf("protect agent: %w", err)
		}
		if n == 0 {
			return notFound("Agent")
		}
		if by := tsunagu.FromContext(ctx); by != nil && p.SetBy == "" {
			p.SetBy = by.UserID
		}
		var err error
		var until any
		if p.Until.IsZero() {
			_, err = tx.ExecContext(ctx, `DELETE FROM agent_protection WHERE tenant_id = ? AND agent_id = ?`, p.TenantID, p.AgentID)
		} else {
			p.Until = fromMS(ms(p.Until))
			until = p.Until
			_, err = tx.ExecContext(ctx, `INSERT INTO agent_protection(tenant_id, agent_id, until, reason, set_by) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT(tenant_id, agent_id) DO UPDATE SET until = excluded.until, reason = excluded.reason, set_by = excluded.set_by`,
				p.TenantID, p.AgentID, ms(p.Until), p.Reason, p.SetBy)
		}
		if err != nil {
			return fmt.Errorf("protect agent: %w", err)
		}
		e := tsunagu.NewEvent(p.TenantID, tsunagu.EventAgentProtected, tx.now, map[string]any{"until": until, "reason": p.Reason})
		e.AgentID = p.AgentID
		return tx.appendEvent(e)
	})
}

// FindAgentProtection returns the agent's protection row.
func (db *DB) FindAgentProtection(ctx context.Context, tenant tsunagu.TenantID, agent tsunagu.AgentID) (*tsunagu.AgentProtection, error) {
	p := tsunagu.AgentProtection{TenantID: tenant, AgentID: agent}
	var until int64
	err := db.r.QueryRowContext(ctx, `SELECT until, reason, set_by FROM agent_protection WHERE tenant_id = ? AND agent_id = ?`, tenant, agent).
		Scan(&until, &p.Reason, &p.SetBy)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("Protection")
	} else if err != nil {
		return nil, fmt.Errorf("find protection: %w", err)
	}
	p.Until = fromMS(until)
	return &p, nil
}

// FlagCaller marks the contact's recording to be kept, flags its number and
// its customer ("abusive"), and appends caller:flagged, in one transaction.
func (db *DB) FlagCaller(ctx context.Context, tenant tsunagu.TenantID, id tsunagu.ContactID, severity tsunagu.Severity) (*tsunagu.Contact, error) {
	switch severity {
	case tsunagu.SeverityLow, tsunagu.SeverityMedium, tsunagu.SeverityHigh:
	default:
		return nil, tsunagu.FieldError("severity", "Severity is low, medium or high.")
	}
	var out *tsunagu.Contact
	err := db.write(ctx, func(tx *tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE contacts SET keep_recording = 1 WHERE tenant_id = ? AND id = ?`, tenant, id)
		if err != nil {
			return fmt.Errorf("flag caller: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("Contact")
		}
		c, err := scanContact(tx.QueryRowContext(ctx, `SELECT `+contactColumns+` FROM contacts WHERE tenant_id = ? AND id = ?`, tenant, id))
		if err != nil {
			return fmt.Errorf("flag caller: %w", err)
		}
		if c.Number != "" {
			if _, err := tx.ExecContext(ctx, `INSERT INTO flagged_callers(tenant_id, number, severity, contact_id, flagged_at) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT(tenant_id, number) DO UPDATE SET severity = excluded.severity, contact_id = excluded.contact_id, flagged_at = excluded.flagged_at`,
				tenant, c.Number, severity, id, ms(tx.now)); err != nil {
				return fmt.Errorf("flag caller: %w", err)
			}
			c.CallerFlag = severity
		}
		customerFlagged := false
		if c.CustomerID != "" {
			var raw string
			err := tx.QueryRowContext(ctx, `SELECT flags FROM customers WHERE tenant_id = ? AND id = ?`, tenant, c.CustomerID).Scan(&raw)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("flag caller: %w", err)
			}
			var flags []string
			if err == nil && json.Unmarshal([]byte(raw), &flags) == nil && !slices.Contains(flags, "abusive") {
				b, _ := json.Marshal(append(flags, "abusive"))
				if _, err := tx.ExecContext(ctx, `UPDATE customers SET flags = ?, updated_at = ? WHERE tenant_id = ? AND id = ?`,
					string(b), ms(tx.now), tenant, c.CustomerID); err != nil {
					return fmt.Errorf("flag caller: %w", err)
				}
				customerFlagged = true
			}
		}
		out = c
		e := tsunagu.NewEvent(tenant, tsunagu.EventCallerFlagged, tx.now, map[string]any{
			"severity": severity, "number_masked": tsunagu.MaskPhone(c.Number), "keep_recording": true, "customer_flagged": customerFlagged})
		e.ContactID, e.AgentID, e.Subject = id, c.AgentID, string(c.CustomerID)
		return tx.appendEvent(e)
	})
	return out, err
}
