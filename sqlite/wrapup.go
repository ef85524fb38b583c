package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"tsunagu"
)

var _ tsunagu.DeskStore = (*DB)(nil)

// WrapContact writes the wrap-up and everything that follows from it in one
// transaction, so a refused part (say, a callback for an unknown tenant)
// leaves no half-written record.
func (db *DB) WrapContact(ctx context.Context, tenant tsunagu.TenantID, id tsunagu.ContactID, agent tsunagu.AgentID, w *tsunagu.WrapUp) (*tsunagu.Contact, error) {
	var out *tsunagu.Contact
	err := db.write(ctx, func(tx *tx) error {
		c, err := scanContact(tx.QueryRowContext(ctx, `SELECT `+contactColumns+` FROM contacts WHERE tenant_id = ? AND id = ?`, tenant, id))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("Contact")
		} else if err != nil {
			return fmt.Errorf("wrap contact: %w", err)
		}
		if c.AgentID != agent {
			return tsunagu.Errorf(tsunagu.EFORBIDDEN, "Contact %s is not yours to wrap up.", id)
		}
		if c.State != tsunagu.ContactEnded {
			return tsunagu.Errorf(tsunagu.ECONFLICT, "Contact %s has not ended (it is %s).", id, c.State)
		}
		now := fromMS(ms(tx.now))
		c.State, c.ReasonID, c.DispositionID, c.Notes, c.ThankYou, c.WrappedAt = tsunagu.ContactWrapped, w.ReasonID, w.DispositionID, w.Notes, w.ThankYou, &now
		c.Abusive = tsunagu.StrongerSeverity(c.Abusive, w.Abusive) // an earlier operator's part may have flagged it (wrappart.go)
		if err := tx.putContact(c, false); err != nil {
			return err
		}
		event := func(typ tsunagu.EventType, payload any) error {
			e := tsunagu.NewEvent(tenant, typ, tx.now, payload)
			e.ContactID, e.AgentID = c.ID, c.AgentID
			return tx.appendEvent(e)
		}
		if err := event(tsunagu.EventContactWrapped, map[string]any{"disposition_id": w.DispositionID, "reason_id": w.ReasonID, "thank_you": w.ThankYou}); err != nil {
			return err
		}
		if err := tx.wrapExtras(ctx, tenant, c, agent, w, event); err != nil {
			return err
		}
		out = c
		return nil
	})
	return out, err
}

// NoteTemplates returns the tenant's wrap-up note templates in order.
func (db *DB) NoteTemplates(ctx context.Context, tenant tsunagu.TenantID) ([]string, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT text FROM note_templates WHERE tenant_id = ? ORDER BY position`, tenant)
	if err != nil {
		return nil, fmt.Errorf("note templates: %w", err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, fmt.Errorf("note templates: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// SetNoteTemplates replaces the tenant's templates.
func (db *DB) SetNoteTemplates(ctx context.Context, tenant tsunagu.TenantID, ts []string) error {
	ts, err := tsunagu.ValidNoteTemplates(ts)
	if err != nil {
		return err
	}
	return db.write(ctx, func(tx *tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM note_templates WHERE tenant_id = ?`, tenant); err != nil {
			return fmt.Errorf("set note templates: %w", err)
		}
		for i, t := range ts {
			if _, err := tx.ExecContext(ctx, `INSERT INTO note_templates(tenant_id, position, text) VALUES (?, ?, ?)`, tenant, i, t); err != nil {
				if isForeignKey(err) {
					return notFound("Tenant")
				}
				return fmt.Errorf("set note templates: %w", err)
			}
		}
		return tx.appendEvent(tsunagu.NewEvent(tenant, tsunagu.EventNoteTemplatesChanged, tx.now, map[string]any{"count": len(ts)}))
	})
}

// wrapExtras writes what a wrap-up adds besides the contact itself — the
// product feedback row, the promised callback and the abusive flag, with
// their events (through event, which stamps the contact and the agent) — for
// a whole contact (WrapContact) and a transferred part (WrapPart) alike.
func (tx *tx) wrapExtras(ctx context.Context, tenant tsunagu.TenantID, c *tsunagu.Contact, agent tsunagu.AgentID, w *tsunagu.WrapUp, event func(tsunagu.EventType, any) error) error {
	if f := w.Feedback; f != nil {
		if _, err := tx.ExecContext(ctx, `INSERT INTO voc(tenant_id, id, contact_id, agent_id, category, text, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			tenant, newID("voc_", tx.now), c.ID, agent, f.Category, f.Text, ms(tx.now)); err != nil {
			return fmt.Errorf("insert feedback: %w", err)
		}
		if err := event(tsunagu.EventContactFeedback, map[string]any{"category": f.Category, "text": f.Text}); err != nil {
			return err
		}
	}
	if p := w.Callback; p != nil {
		cb := &tsunagu.Callback{TenantID: tenant, ContactID: c.ID, CustomerID: c.CustomerID, Number: p.Number, DueAt: p.DueAt,
			CreatedBy: agent, Note: p.Note}
		if p.Owner != tsunagu.OwnerAnyone {
			cb.OwnerID = agent
		}
		if err := tx.insertCallback(cb); err != nil {
			return err
		}
	}
	if w.Abusive != "" {
		if err := event(tsunagu.EventContactFlagged, map[string]any{"severity": w.Abusive}); err != nil {
			return err
		}
	}
	return nil
}
