package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"tsunagu"
)

// WrapPart writes the wrap-up of agent's part of a transferred contact in
// one transaction: contact:wrapped {"part_of",…}, the feedback row, the
// promised callback and the abusive flag, each event carrying agent (so
// their desk sees it and the floor credits them, not the operator who has
// the caller now). The contact's own reason, disposition, notes and state
// are the last operator's and are not touched; its abusive flag only rises.
func (db *DB) WrapPart(ctx context.Context, tenant tsunagu.TenantID, id tsunagu.ContactID, agent tsunagu.AgentID, w *tsunagu.WrapUp) (*tsunagu.Contact, error) {
	var out *tsunagu.Contact
	err := db.write(ctx, func(tx *tx) error {
		c, err := scanContact(tx.QueryRowContext(ctx, `SELECT `+contactColumns+` FROM contacts WHERE tenant_id = ? AND id = ?`, tenant, id))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("Contact")
		} else if err != nil {
			return fmt.Errorf("wrap part: %w", err)
		}
		if sev := tsunagu.StrongerSeverity(c.Abusive, w.Abusive); sev != c.Abusive {
			c.Abusive = sev
			if err := tx.putContact(c, false); err != nil {
				return err
			}
		}
		event := func(typ tsunagu.EventType, payload any) error {
			e := tsunagu.NewEvent(tenant, typ, tx.now, payload)
			e.ContactID, e.AgentID = c.ID, agent
			return tx.appendEvent(e)
		}
		if err := event(tsunagu.EventContactWrapped, map[string]any{"part_of": agent, "disposition_id": w.DispositionID,
			"reason_id": w.ReasonID, "thank_you": w.ThankYou, "notes": w.Notes}); err != nil {
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
