package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"tsunagu"
)

// The admin's edits of reference data. Each replaces the whole entity, and
// its event names the fields that changed (the audit trail of who changed
// what; the actor comes from the Principal in ctx like every event).

// UpdateQueue replaces a queue's settings (its ID and tenant stay).
func (db *DB) UpdateQueue(ctx context.Context, q *tsunagu.Queue) error {
	skills, verification, err := queueColumns(q)
	if err != nil {
		return err
	}
	return db.write(ctx, func(tx *tx) error {
		old, err := db.findQueue(ctx, tx, q.TenantID, q.ID)
		if err != nil {
			return err
		}
		fields := changed(old, q)
		if len(fields) == 0 {
			return nil
		}
		if err := checkOverflow(ctx, tx, q); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE queues SET name = ?, name_en = ?, priority = ?, sl_percent = ?, sl_seconds = ?, acw_seconds = ?,
			hold_callback_seconds = ?, verification = ?, verification_required = ?, dtmf = ?, skills = ?,
			strategy = ?, offer_timeout_seconds = ?, max_wait_seconds = ?, max_length = ?, overflow_queue = ?,
			callback_offer = ?, callback_offer_after_seconds = ? WHERE tenant_id = ? AND id = ?`,
			q.Name, q.NameEn, q.Priority, q.SLPercent, q.SLSeconds, q.ACWSeconds, q.HoldCallbackSeconds,
			string(verification), q.VerificationRequired, q.DTMF, string(skills),
			q.Strategy, q.OfferTimeoutSeconds, q.MaxWaitSeconds, q.MaxLength, q.OverflowQueue, q.CallbackOffer, q.CallbackOfferAfterSeconds, q.TenantID, q.ID); err != nil {
			return fmt.Errorf("update queue: %w", err)
		}
		e := tsunagu.NewEvent(q.TenantID, tsunagu.EventQueueUpdated, tx.now, map[string]any{"fields": fields})
		e.Subject = string(q.ID)
		return tx.appendEvent(e)
	})
}

// findQueue reads one queue inside a write (the writer sees its own tx).
func (db *DB) findQueue(ctx context.Context, tx *tx, tenant tsunagu.TenantID, id tsunagu.QueueID) (*tsunagu.Queue, error) {
	var q tsunagu.Queue
	var verification, skills string
	err := tx.QueryRowContext(ctx, `SELECT tenant_id, id, name, name_en, priority, sl_percent, sl_seconds, acw_seconds,
		hold_callback_seconds, verification, verification_required, dtmf, skills,
		strategy, offer_timeout_seconds, max_wait_seconds, max_length, overflow_queue, callback_offer, callback_offer_after_seconds FROM queues WHERE tenant_id = ? AND id = ?`, tenant, id).
		Scan(&q.TenantID, &q.ID, &q.Name, &q.NameEn, &q.Priority, &q.SLPercent, &q.SLSeconds, &q.ACWSeconds,
			&q.HoldCallbackSeconds, &verification, &q.VerificationRequired, &q.DTMF, &skills,
			&q.Strategy, &q.OfferTimeoutSeconds, &q.MaxWaitSeconds, &q.MaxLength, &q.OverflowQueue, &q.CallbackOffer, &q.CallbackOfferAfterSeconds)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("Queue")
	} else if err != nil {
		return nil, fmt.Errorf("find queue: %w", err)
	}
	if err := json.Unmarshal([]byte(verification), &q.Verification); err != nil {
		return nil, err
	}
	return &q, json.Unmarshal([]byte(skills), &q.Skills)
}

// UpdateUser changes a user's display name, kana, role, team or disabled
// flag through fn (username, ID and tenant stay). A user who becomes an
// agent gets an agent row; a disabled user's sessions end at once.
func (db *DB) UpdateUser(ctx context.Context, tenant tsunagu.TenantID, id tsunagu.UserID, fn func(*tsunagu.User) error) (*tsunagu.User, error) {
	var out *tsunagu.User
	err := db.write(ctx, func(tx *tx) error {
		old, err := scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE tenant_id = ? AND id = ?`, tenant, id))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("User")
		} else if err != nil {
			return fmt.Errorf("find user: %w", err)
		}
		u := *old
		if err := fn(&u); err != nil {
			return err
		}
		u.ID, u.TenantID, u.Username, u.CreatedAt, u.AgentID = old.ID, old.TenantID, old.Username, old.CreatedAt, old.AgentID
		if err := u.Validate(); err != nil {
			return err
		}
		fields := changed(old, &u)
		out = &u
		if len(fields) == 0 {
			return nil
		}
		if u.TeamID != "" && u.TeamID != old.TeamID {
			var one int
			if err := tx.QueryRowContext(ctx, `SELECT 1 FROM teams WHERE tenant_id = ? AND id = ?`, tenant, u.TeamID).Scan(&one); errors.Is(err, sql.ErrNoRows) {
				return tsunagu.FieldError("team_id", "Unknown team.")
			} else if err != nil {
				return fmt.Errorf("find team: %w", err)
			}
		}
		if u.Role == tsunagu.RoleAgent && u.AgentID == "" {
			u.AgentID = tsunagu.AgentID(newID("agt_", tx.now))
			if _, err := tx.ExecContext(ctx, `INSERT INTO agents(tenant_id, id, user_id, name, kana, team_id, state, state_since)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, u.TenantID, u.AgentID, u.ID, u.DisplayName, u.Kana, u.TeamID, tsunagu.AgentOffline, ms(tx.now)); err != nil {
				return fmt.Errorf("create agent: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET display_name = ?, kana = ?, role = ?, agent_id = ?, team_id = ?, disabled = ?
			WHERE tenant_id = ? AND id = ?`, u.DisplayName, u.Kana, u.Role, u.AgentID, u.TeamID, u.Disabled, tenant, id); err != nil {
			return fmt.Errorf("update user: %w", err)
		}
		if u.AgentID != "" {
			if _, err := tx.ExecContext(ctx, `UPDATE agents SET name = ?, kana = ?, team_id = ? WHERE tenant_id = ? AND id = ?`,
				u.DisplayName, u.Kana, u.TeamID, tenant, u.AgentID); err != nil {
				return fmt.Errorf("update agent: %w", err)
			}
		}
		if u.Disabled {
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE tenant_id = ? AND user_id = ?`, tenant, id); err != nil {
				return fmt.Errorf("end sessions: %w", err)
			}
		}
		e := tsunagu.NewEvent(tenant, tsunagu.EventUserUpdated, tx.now, map[string]any{"fields": fields})
		e.Subject, e.AgentID = string(u.ID), u.AgentID
		return tx.appendEvent(e)
	})
	return out, err
}

// UpdateTrunk replaces a trunk's name, networks and numbers (with their
// menus and hours). A number that belongs to another trunk is a conflict
// naming it; nothing is half-replaced.
func (db *DB) UpdateTrunk(ctx context.Context, t *tsunagu.Trunk) error {
	if err := t.Normalize(); err != nil {
		return err
	}
	nets, _ := json.Marshal(t.AllowedNets)
	return db.write(ctx, func(tx *tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE trunks SET name = ?, allowed_nets = ? WHERE tenant_id = ? AND id = ?`, t.Name, string(nets), t.TenantID, t.ID)
		if err != nil {
			return fmt.Errorf("update trunk: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("Trunk")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM trunk_numbers WHERE tenant_id = ? AND trunk_id = ?`, t.TenantID, t.ID); err != nil {
			return fmt.Errorf("update trunk numbers: %w", err)
		}
		numbers, err := insertNumbers(ctx, tx, t)
		if err != nil {
			return err
		}
		e := tsunagu.NewEvent(t.TenantID, tsunagu.EventTrunkUpdated, tx.now, map[string]any{"name": t.Name, "numbers": numbers})
		e.Subject = string(t.ID)
		return tx.appendEvent(e)
	})
}

// changed names the JSON fields whose values differ between a and b (two
// values of one struct type), sorted.
func changed(a, b any) []string {
	var ma, mb map[string]json.RawMessage
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	_ = json.Unmarshal(ja, &ma)
	_ = json.Unmarshal(jb, &mb)
	var out []string
	for k, v := range mb {
		if string(ma[k]) != string(v) {
			out = append(out, k)
		}
	}
	for k := range ma {
		if _, ok := mb[k]; !ok {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}
