package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"tsunagu"
)

const eventColumns = `seq, tenant_id, type, time, actor_id, agent_id, contact_id, subject, payload`

// ListEvents returns up to limit events with seq > after in order, for one
// tenant or (tenant == "") for all.
func (db *DB) ListEvents(ctx context.Context, tenant tsunagu.TenantID, after int64, limit int) ([]tsunagu.Event, error) {
	if limit <= 0 || limit > 10000 {
		limit = 1000
	}
	var rows *sql.Rows
	var err error
	if tenant == "" {
		rows, err = db.r.QueryContext(ctx, `SELECT `+eventColumns+` FROM events WHERE seq > ? ORDER BY seq LIMIT ?`, after, limit)
	} else {
		rows, err = db.r.QueryContext(ctx, `SELECT `+eventColumns+` FROM events WHERE tenant_id = ? AND seq > ? ORDER BY seq LIMIT ?`, tenant, after, limit)
	}
	if err != nil {
		return nil, fmt.Errorf("list events: %w", err)
	}
	return scanEvents(rows)
}

// LastSeq returns the highest sequence number written.
func (db *DB) LastSeq(ctx context.Context) (int64, error) {
	var seq sql.NullInt64
	if err := db.r.QueryRowContext(ctx, `SELECT max(seq) FROM events`).Scan(&seq); err != nil {
		return 0, fmt.Errorf("last seq: %w", err)
	}
	return seq.Int64, nil
}

// AppendEvents appends events that describe no row change of their own
// (audit entries, integrations' notes) in one transaction.
func (db *DB) AppendEvents(ctx context.Context, events ...tsunagu.Event) error {
	return db.write(ctx, func(t *tx) error {
		for _, e := range events {
			if e.TenantID == "" || e.Type == "" {
				return tsunagu.Errorf(tsunagu.EINVALID, "An event needs a tenant and a type.")
			}
			if err := t.appendEvent(e); err != nil {
				return err
			}
		}
		return nil
	})
}

// ContactEvents returns the events of one contact in order.
func (db *DB) ContactEvents(ctx context.Context, tenant tsunagu.TenantID, id tsunagu.ContactID) ([]tsunagu.Event, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+eventColumns+` FROM events
		WHERE tenant_id = ? AND contact_id = ? ORDER BY seq`, tenant, id)
	if err != nil {
		return nil, fmt.Errorf("contact events: %w", err)
	}
	return scanEvents(rows)
}

func scanEvents(rows *sql.Rows) ([]tsunagu.Event, error) {
	defer rows.Close()
	var out []tsunagu.Event
	for rows.Next() {
		var e tsunagu.Event
		var at int64
		var payload string
		if err := rows.Scan(&e.Seq, &e.TenantID, &e.Type, &at, &e.ActorID, &e.AgentID, &e.ContactID, &e.Subject, &payload); err != nil {
			return nil, fmt.Errorf("scan event: %w", err)
		}
		e.Time = fromMS(at)
		e.Payload = []byte(payload)
		out = append(out, e)
	}
	return out, rows.Err()
}
