package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"tsunagu"
)

// QueueDispositions returns the dispositions queue offers in the wrap-up,
// in the admin's order; empty: every disposition of the tenant.
func (db *DB) QueueDispositions(ctx context.Context, tenant tsunagu.TenantID, queue tsunagu.QueueID) ([]tsunagu.DispositionID, error) {
	var one int
	err := db.r.QueryRowContext(ctx, `SELECT 1 FROM queues WHERE tenant_id = ? AND id = ?`, tenant, queue).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("Queue")
	} else if err != nil {
		return nil, fmt.Errorf("queue dispositions: %w", err)
	}
	rows, err := db.r.QueryContext(ctx, `SELECT disposition_id FROM queue_dispositions WHERE tenant_id = ? AND queue_id = ? ORDER BY position`, tenant, queue)
	if err != nil {
		return nil, fmt.Errorf("queue dispositions: %w", err)
	}
	defer rows.Close()
	out := []tsunagu.DispositionID{}
	for rows.Next() {
		var id tsunagu.DispositionID
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("queue dispositions: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// SetQueueDispositions replaces the dispositions queue offers (empty: all)
// and appends queue:updated {"fields":["dispositions"]}, the admin's audit
// trail like every queue change; an unchanged list writes nothing.
func (db *DB) SetQueueDispositions(ctx context.Context, tenant tsunagu.TenantID, queue tsunagu.QueueID, ids []tsunagu.DispositionID) error {
	if err := tsunagu.CheckQueueDispositions(ids); err != nil {
		return err
	}
	return db.write(ctx, func(tx *tx) error {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM queues WHERE tenant_id = ? AND id = ?`, tenant, queue).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("Queue")
		} else if err != nil {
			return fmt.Errorf("set queue dispositions: %w", err)
		}
		rows, err := tx.QueryContext(ctx, `SELECT disposition_id FROM queue_dispositions WHERE tenant_id = ? AND queue_id = ? ORDER BY position`, tenant, queue)
		if err != nil {
			return fmt.Errorf("set queue dispositions: %w", err)
		}
		var old []tsunagu.DispositionID
		for rows.Next() {
			var id tsunagu.DispositionID
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return fmt.Errorf("set queue dispositions: %w", err)
			}
			old = append(old, id)
		}
		rows.Close()
		if slices.Equal(old, ids) {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM queue_dispositions WHERE tenant_id = ? AND queue_id = ?`, tenant, queue); err != nil {
			return fmt.Errorf("set queue dispositions: %w", err)
		}
		for i, id := range ids {
			if _, err := tx.ExecContext(ctx, `INSERT INTO queue_dispositions(tenant_id, queue_id, disposition_id, position) VALUES (?, ?, ?, ?)`,
				tenant, queue, id, i); isForeignKey(err) {
				return tsunagu.FieldError("disposition_ids", "Unknown disposition %q.", id)
			} else if err != nil {
				return fmt.Errorf("set queue dispositions: %w", err)
			}
		}
		e := tsunagu.NewEvent(tenant, tsunagu.EventQueueUpdated, tx.now, map[string]any{"fields": []string{"dispositions"}})
		e.Subject = string(queue)
		return tx.appendEvent(e)
	})
}
