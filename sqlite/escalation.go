package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"tsunagu"
)

var _ tsunagu.EscalationStore = (*DB)(nil)

// CreateEscalation stores a pending escalation and appends
// escalation:requested with the contact and the asking agent.
func (db *DB) CreateEscalation(ctx context.Context, e *tsunagu.Escalation) error {
	if err := e.Validate(); err != nil {
		return err
	}
	return db.write(ctx, func(tx *tx) error {
		e.ID = tsunagu.EscalationID(newID("esc_", tx.now))
		e.Status, e.CreatedAt = tsunagu.EscalationPending, fromMS(ms(tx.now))
		e.DecidedBy, e.DecisionNote, e.DecidedAt = "", "", nil
		if _, err := tx.ExecContext(ctx, `INSERT INTO escalations(tenant_id, id, contact_id, agent_id, reason, urgency, note, status, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, e.TenantID, e.ID, e.ContactID, e.AgentID, e.Reason, e.Urgency, e.Note, e.Status, ms(e.CreatedAt)); err != nil {
			switch {
			case isForeignKey(err):
				return notFound("Contact")
			case isUnique(err):
				return &tsunagu.Error{Code: tsunagu.ECONFLICT, Field: "contact_id", Message: "This call already has a question waiting for the leader."}
			}
			return fmt.Errorf("create escalation: %w", err)
		}
		ev := tsunagu.NewEvent(e.TenantID, tsunagu.EventEscalationRequested, tx.now,
			map[string]any{"reason": e.Reason, "urgency": e.Urgency, "note": e.Note})
		ev.Subject, ev.ContactID, ev.AgentID = string(e.ID), e.ContactID, e.AgentID
		return tx.appendEvent(ev)
	})
}

const escalationColumns = `tenant_id, id, contact_id, agent_id, reason, urgency, note, status, decided_by, decision_note, created_at, decided_at`

func scanEscalation(s interface{ Scan(...any) error }) (*tsunagu.Escalation, error) {
	var e tsunagu.Escalation
	var created int64
	var decided sql.NullInt64
	if err := s.Scan(&e.TenantID, &e.ID, &e.ContactID, &e.AgentID, &e.Reason, &e.Urgency, &e.Note, &e.Status,
		&e.DecidedBy, &e.DecisionNote, &created, &decided); err != nil {
		return nil, err
	}
	e.CreatedAt, e.DecidedAt = fromMS(created), ptrMS(decided)
	return &e, nil
}

// FindEscalation returns one escalation of the tenant.
func (db *DB) FindEscalation(ctx context.Context, tenant tsunagu.TenantID, id tsunagu.EscalationID) (*tsunagu.Escalation, error) {
	e, err := scanEscalation(db.r.QueryRowContext(ctx, `SELECT `+escalationColumns+` FROM escalations WHERE tenant_id = ? AND id = ?`, tenant, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("Escalation")
	}
	if err != nil {
		return nil, fmt.Errorf("find escalation: %w", err)
	}
	return e, nil
}

// ListEscalations lists the tenant's escalations with status (all when
// empty), oldest first. IDs sort by creation time, so the index gives the
// order.
func (db *DB) ListEscalations(ctx context.Context, tenant tsunagu.TenantID, status tsunagu.EscalationStatus) ([]tsunagu.Escalation, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+escalationColumns+` FROM escalations
		WHERE tenant_id = ? AND (? = '' OR status = ?) ORDER BY id LIMIT 1000`, tenant, status, status)
	if err != nil {
		return nil, fmt.Errorf("list escalations: %w", err)
	}
	defer rows.Close()
	out := []tsunagu.Escalation{}
	for rows.Next() {
		e, err := scanEscalation(rows)
		if err != nil {
			return nil, fmt.Errorf("list escalations: %w", err)
		}
		out = append(out, *e)
	}
	return out, rows.Err()
}

// DecideEscalation approves or declines a pending escalation and appends
// the answer's event for the asking agent.
func (db *DB) DecideEscalation(ctx context.Context, tenant tsunagu.TenantID, id tsunagu.EscalationID, approve bool, note string) (*tsunagu.Escalation, error) {
	if err := tsunagu.ValidDecisionNote(note); err != nil {
		return nil, err
	}
	status, typ := tsunagu.EscalationDeclined, tsunagu.EventEscalationDeclined
	if approve {
		status, typ = tsunagu.EscalationApproved, tsunagu.EventEscalationApproved
	}
	var out *tsunagu.Escalation
	err := db.write(ctx, func(tx *tx) error {
		var by tsunagu.UserID
		if p := tsunagu.FromContext(ctx); p != nil {
			by = p.UserID
		}
		e, err := scanEscalation(tx.QueryRowContext(ctx, `UPDATE escalations SET status = ?, decided_by = ?, decision_note = ?, decided_at = ?
			WHERE tenant_id = ? AND id = ? AND status = 'pending' RETURNING `+escalationColumns, status, by, note, ms(tx.now), tenant, id))
		if errors.Is(err, sql.ErrNoRows) {
			// Either no such escalation here or it was answered already:
			// tell the two apart for the leader who clicked second.
			var cur string
			err := tx.QueryRowContext(ctx, `SELECT status FROM escalations WHERE tenant_id = ? AND id = ?`, tenant, id).Scan(&cur)
			if errors.Is(err, sql.ErrNoRows) {
				return notFound("Escalation")
			} else if err != nil {
				return fmt.Errorf("decide escalation: %w", err)
			}
			return tsunagu.Errorf(tsunagu.ECONFLICT, "This escalation is already %s.", cur)
		} else if err != nil {
			return fmt.Errorf("decide escalation: %w", err)
		}
		out = e
		ev := tsunagu.NewEvent(tenant, typ, tx.now, map[string]any{"note": note})
		ev.Subject, ev.ContactID, ev.AgentID = string(e.ID), e.ContactID, e.AgentID
		return tx.appendEvent(ev)
	})
	return out, err
}
