package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"tsunagu"
)

var _ tsunagu.CallbackStore = (*DB)(nil)

// CreateCallback stores an open callback and appends callback:scheduled.
func (db *DB) CreateCallback(ctx context.Context, cb *tsunagu.Callback) error {
	return db.write(ctx, func(tx *tx) error {
		if cb.ContactID != "" {
			var customer tsunagu.CustomerID
			err := tx.QueryRowContext(ctx, `SELECT customer_id FROM contacts WHERE tenant_id = ? AND id = ?`, cb.TenantID, cb.ContactID).Scan(&customer)
			if errors.Is(err, sql.ErrNoRows) {
				return notFound("Contact")
			} else if err != nil {
				return fmt.Errorf("create callback: %w", err)
			}
			if cb.CustomerID == "" {
				cb.CustomerID = customer
			}
		}
		return tx.insertCallback(cb)
	})
}

// insertCallback writes cb as open with its event, inside a transaction
// that may hold other changes (the wrap-up).
func (tx *tx) insertCallback(cb *tsunagu.Callback) error {
	cb.ID = tsunagu.CallbackID(newID("cb_", tx.now))
	cb.Status, cb.CreatedAt, cb.DoneAt, cb.DoneBy = tsunagu.CallbackOpen, fromMS(ms(tx.now)), nil, ""
	cb.DueAt = fromMS(ms(cb.DueAt))
	if _, err := tx.ExecContext(tx.ctx, `INSERT INTO callbacks(tenant_id, id, contact_id, customer_id, number, due_at, owner_id, created_by, note, status, created_at,
		queue_id, voicemail_ms)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, cb.TenantID, cb.ID, cb.ContactID, cb.CustomerID, cb.Number, ms(cb.DueAt), cb.OwnerID,
		cb.CreatedBy, cb.Note, cb.Status, ms(cb.CreatedAt), cb.QueueID, int64(cb.VoicemailSeconds*1000)); err != nil {
		if isForeignKey(err) {
			return tsunagu.FieldError("tenant_id", "Unknown tenant.")
		}
		return fmt.Errorf("insert callback: %w", err)
	}
	ev := tsunagu.NewEvent(cb.TenantID, tsunagu.EventCallbackScheduled, tx.now, map[string]any{
		"due_at": cb.DueAt, "owner_id": cb.OwnerID, "number_masked": tsunagu.MaskPhone(cb.Number),
	})
	ev.Subject, ev.ContactID, ev.AgentID = string(cb.ID), cb.ContactID, callbackAgent(cb)
	return tx.appendEvent(ev)
}

// callbackAgent is the agent whose stream hears of the callback: the owner,
// or for an unowned one the agent who promised it.
func callbackAgent(cb *tsunagu.Callback) tsunagu.AgentID {
	if cb.OwnerID != "" {
		return cb.OwnerID
	}
	return cb.CreatedBy
}

const callbackColumns = `tenant_id, id, contact_id, customer_id, number, due_at, owner_id, created_by, note, status, created_at, done_at, done_by,
	queue_id, voicemail_ms`

func scanCallback(s interface{ Scan(...any) error }) (*tsunagu.Callback, error) {
	var cb tsunagu.Callback
	var due, created int64
	var done sql.NullInt64
	var voicemail int64
	if err := s.Scan(&cb.TenantID, &cb.ID, &cb.ContactID, &cb.CustomerID, &cb.Number, &due, &cb.OwnerID, &cb.CreatedBy, &cb.Note,
		&cb.Status, &created, &done, &cb.DoneBy, &cb.QueueID, &voicemail); err != nil {
		return nil, err
	}
	cb.VoicemailSeconds = float64(voicemail) / 1000
	cb.DueAt, cb.CreatedAt, cb.DoneAt = fromMS(due), fromMS(created), ptrMS(done)
	return &cb, nil
}

// FindCallback returns one callback of the tenant.
func (db *DB) FindCallback(ctx context.Context, tenant tsunagu.TenantID, id tsunagu.CallbackID) (*tsunagu.Callback, error) {
	cb, err := scanCallback(db.r.QueryRowContext(ctx, `SELECT `+callbackColumns+` FROM callbacks WHERE tenant_id = ? AND id = ?`, tenant, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("Callback")
	} else if err != nil {
		return nil, fmt.Errorf("find callback: %w", err)
	}
	return cb, nil
}

// ListCallbacks lists callbacks soonest due first.
func (db *DB) ListCallbacks(ctx context.Context, tenant tsunagu.TenantID, f tsunagu.CallbackFilter) ([]tsunagu.Callback, error) {
	q := `SELECT ` + callbackColumns + ` FROM callbacks WHERE tenant_id = ? AND (? = '' OR status = ?)`
	args := []any{tenant, f.Status, f.Status}
	switch {
	case f.Owner != "" && f.Anyone:
		q += ` AND owner_id IN (?, '')`
		args = append(args, f.Owner)
	case f.Owner != "":
		q += ` AND owner_id = ?`
		args = append(args, f.Owner)
	case f.Anyone:
		q += ` AND owner_id = ''`
	}
	rows, err := db.r.QueryContext(ctx, q+` ORDER BY due_at, id LIMIT 500`, args...)
	if err != nil {
		return nil, fmt.Errorf("list callbacks: %w", err)
	}
	defer rows.Close()
	out := []tsunagu.Callback{}
	for rows.Next() {
		cb, err := scanCallback(rows)
		if err != nil {
			return nil, fmt.Errorf("list callbacks: %w", err)
		}
		out = append(out, *cb)
	}
	return out, rows.Err()
}

// CompleteCallback marks an open callback done and appends callback:done.
func (db *DB) CompleteCallback(ctx context.Context, tenant tsunagu.TenantID, id tsunagu.CallbackID) (*tsunagu.Callback, error) {
	var out *tsunagu.Callback
	err := db.write(ctx, func(tx *tx) error {
		var by tsunagu.UserID
		if p := tsunagu.FromContext(ctx); p != nil {
			by = p.UserID
		}
		cb, err := scanCallback(tx.QueryRowContext(ctx, `UPDATE callbacks SET status = 'done', done_at = ?, done_by = ?
			WHERE tenant_id = ? AND id = ? AND status = 'open' RETURNING `+callbackColumns, ms(tx.now), by, tenant, id))
		if errors.Is(err, sql.ErrNoRows) {
			var cur string
			err := tx.QueryRowContext(ctx, `SELECT status FROM callbacks WHERE tenant_id = ? AND id = ?`, tenant, id).Scan(&cur)
			if errors.Is(err, sql.ErrNoRows) {
				return notFound("Callback")
			} else if err != nil {
				return fmt.Errorf("complete callback: %w", err)
			}
			return tsunagu.Errorf(tsunagu.ECONFLICT, "This callback is already %s.", cur)
		} else if err != nil {
			return fmt.Errorf("complete callback: %w", err)
		}
		out = cb
		ev := tsunagu.NewEvent(tenant, tsunagu.EventCallbackDone, tx.now, nil)
		ev.Subject, ev.ContactID, ev.AgentID = string(cb.ID), cb.ContactID, callbackAgent(cb)
		return tx.appendEvent(ev)
	})
	return out, err
}
