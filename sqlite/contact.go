package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"tsunagu"
)

const contactColumns = `tenant_id, id, direction, state, queue_id, agent_id, customer_id, number, sip_call_id, reason_id,
	disposition_id, notes, thank_you, arrived_at, queued_at, connected_at, ended_at, wrapped_at, verification, verified_items, abusive,
	keep_recording, ` + callerFlagColumn

func scanContact(s interface{ Scan(...any) error }) (*tsunagu.Contact, error) {
	var c tsunagu.Contact
	var arrived int64
	var queued, connected, ended, wrapped sql.NullInt64
	var verified string
	if err := s.Scan(&c.TenantID, &c.ID, &c.Direction, &c.State, &c.QueueID, &c.AgentID, &c.CustomerID, &c.Number, &c.SIPCallID,
		&c.ReasonID, &c.DispositionID, &c.Notes, &c.ThankYou, &arrived, &queued, &connected, &ended, &wrapped,
		&c.Verification, &verified, &c.Abusive, &c.KeepRecording, &c.CallerFlag); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(verified), &c.VerifiedItems); err != nil {
		return nil, fmt.Errorf("contact %s verified_items: %w", c.ID, err)
	}
	c.ArrivedAt = fromMS(arrived)
	c.QueuedAt, c.ConnectedAt, c.EndedAt, c.WrappedAt = ptrMS(queued), ptrMS(connected), ptrMS(ended), ptrMS(wrapped)
	return &c, nil
}

// CreateContact stores a new contact and appends contact:arrived.
func (db *DB) CreateContact(ctx context.Context, c *tsunagu.Contact) error {
	if c.State == "" {
		c.State = tsunagu.ContactArrived
	}
	if err := c.Validate(); err != nil {
		return err
	}
	return db.write(ctx, func(tx *tx) error {
		if c.ID == "" {
			c.ID = tsunagu.ContactID(newID("con_", tx.now))
		}
		if err := tx.putContact(c, true); err != nil {
			return err
		}
		e := tsunagu.NewEvent(c.TenantID, tsunagu.EventContactArrived, c.ArrivedAt, map[string]any{
			"direction": c.Direction, "number_masked": tsunagu.MaskPhone(c.Number), "sip_call_id": c.SIPCallID,
		})
		e.ContactID, e.AgentID = c.ID, c.AgentID
		return tx.appendEvent(e)
	})
}

func (tx *tx) putContact(c *tsunagu.Contact, insert bool) error {
	verified := []byte("[]")
	if len(c.VerifiedItems) > 0 {
		verified, _ = json.Marshal(c.VerifiedItems)
	}
	args := []any{c.Direction, c.State, c.QueueID, c.AgentID, c.CustomerID, c.Number, c.SIPCallID, c.ReasonID, c.DispositionID,
		c.Notes, c.ThankYou, ms(c.ArrivedAt), nullMS(c.QueuedAt), nullMS(c.ConnectedAt), nullMS(c.EndedAt), nullMS(c.WrappedAt),
		c.Verification, string(verified), c.Abusive, c.TenantID, c.ID}
	var err error
	if insert {
		_, err = tx.ExecContext(tx.ctx, `INSERT INTO contacts(direction, state, queue_id, agent_id, customer_id, number, sip_call_id, reason_id,
			disposition_id, notes, thank_you, arrived_at, queued_at, connected_at, ended_at, wrapped_at, verification, verified_items, abusive,
			tenant_id, id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, args...)
	} else {
		_, err = tx.ExecContext(tx.ctx, `UPDATE contacts SET direction = ?, state = ?, queue_id = ?, agent_id = ?, customer_id = ?, number = ?,
			sip_call_id = ?, reason_id = ?, disposition_id = ?, notes = ?, thank_you = ?, arrived_at = ?, queued_at = ?, connected_at = ?,
			ended_at = ?, wrapped_at = ?, verification = ?, verified_items = ?, abusive = ? WHERE tenant_id = ? AND id = ?`, args...)
	}
	if isUnique(err) {
		return tsunagu.Errorf(tsunagu.ECONFLICT, "Contact %s exists.", c.ID)
	} else if isForeignKey(err) {
		return tsunagu.FieldError("tenant_id", "Unknown tenant.")
	} else if err != nil {
		return fmt.Errorf("put contact: %w", err)
	}
	return nil
}

// FindContact returns one contact.
func (db *DB) FindContact(ctx context.Context, tenant tsunagu.TenantID, id tsunagu.ContactID) (*tsunagu.Contact, error) {
	c, err := scanContact(db.r.QueryRowContext(ctx, `SELECT `+contactColumns+` FROM contacts WHERE tenant_id = ? AND id = ?`, tenant, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("Contact")
	} else if err != nil {
		return nil, fmt.Errorf("find contact: %w", err)
	}
	return c, nil
}

// ListContacts lists contacts newest first (IDs sort by creation time).
func (db *DB) ListContacts(ctx context.Context, tenant tsunagu.TenantID, f tsunagu.ContactFilter) ([]tsunagu.Contact, string, error) {
	p := f.Page.Clamp()
	q := `SELECT ` + contactColumns + ` FROM contacts WHERE tenant_id = ?`
	args := []any{tenant}
	if f.CustomerID != "" {
		q += ` AND customer_id = ?`
		args = append(args, f.CustomerID)
	}
	if f.AgentID != "" {
		q += ` AND agent_id = ?`
		args = append(args, f.AgentID)
	}
	if f.QueueID != "" {
		q += ` AND queue_id = ?`
		args = append(args, f.QueueID)
	}
	if f.State != "" {
		q += ` AND state = ?`
		args = append(args, f.State)
	}
	if p.Cursor != "" {
		q += ` AND id < ?`
		args = append(args, p.Cursor)
	}
	q += ` ORDER BY id DESC LIMIT ?`
	args = append(args, p.Limit+1)
	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, "", fmt.Errorf("list contacts: %w", err)
	}
	defer rows.Close()
	out := []tsunagu.Contact{}
	for rows.Next() {
		c, err := scanContact(rows)
		if err != nil {
			return nil, "", fmt.Errorf("list contacts: %w", err)
		}
		out = append(out, *c)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	out, next := trimPage(out, p.Limit, func(c tsunagu.Contact) string { return string(c.ID) })
	return out, next, nil
}

// UpdateContact applies fn and appends one event, in one transaction.
func (db *DB) UpdateContact(ctx context.Context, tenant tsunagu.TenantID, id tsunagu.ContactID, typ tsunagu.EventType, payload any, fn func(*tsunagu.Contact) error) (*tsunagu.Contact, error) {
	var out *tsunagu.Contact
	err := db.write(ctx, func(tx *tx) error {
		c, err := scanContact(tx.QueryRowContext(ctx, `SELECT `+contactColumns+` FROM contacts WHERE tenant_id = ? AND id = ?`, tenant, id))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("Contact")
		} else if err != nil {
			return fmt.Errorf("update contact: %w", err)
		}
		if err := fn(c); err != nil {
			return err
		}
		c.TenantID, c.ID = tenant, id // fn may not move a contact
		if err := tx.putContact(c, false); err != nil {
			return err
		}
		e := tsunagu.NewEvent(tenant, typ, tx.now, payload)
		e.ContactID, e.AgentID = c.ID, c.AgentID
		out = c
		return tx.appendEvent(e)
	})
	return out, err
}
