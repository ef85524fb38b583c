package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"tsunagu"
)

// CreateCustomer normalises, validates and stores a customer with phones.
func (db *DB) CreateCustomer(ctx context.Context, c *tsunagu.Customer) error {
	if err := c.Normalize(); err != nil {
		return err
	}
	return db.write(ctx, func(tx *tx) error {
		if c.ID == "" {
			c.ID = tsunagu.CustomerID(newID("cus_", tx.now))
		}
		c.CreatedAt = fromMS(ms(tx.now))
		c.UpdatedAt = c.CreatedAt
		flags, _ := json.Marshal(nonNil(c.Flags))
		_, err := tx.ExecContext(ctx, `INSERT INTO customers(tenant_id, id, name, kana, email, notes, flags, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, c.TenantID, c.ID, c.Name, c.Kana, c.Email, c.Notes, string(flags), ms(c.CreatedAt), ms(c.UpdatedAt))
		if isUnique(err) {
			return tsunagu.Errorf(tsunagu.ECONFLICT, "Customer %s exists.", c.ID)
		} else if isForeignKey(err) {
			return tsunagu.FieldError("tenant_id", "Unknown tenant.")
		} else if err != nil {
			return fmt.Errorf("create customer: %w", err)
		}
		if err := tx.insertPhones(c); err != nil {
			return err
		}
		e := tsunagu.NewEvent(c.TenantID, tsunagu.EventCustomerCreated, tx.now, nil)
		e.Subject = string(c.ID)
		return tx.appendEvent(e)
	})
}

func (tx *tx) insertPhones(c *tsunagu.Customer) error {
	for i, p := range c.Phones {
		if _, err := tx.ExecContext(tx.ctx, `INSERT INTO customer_phones(tenant_id, customer_id, number, label, position) VALUES (?, ?, ?, ?, ?)`,
			c.TenantID, c.ID, p.Number, p.Label, i); err != nil {
			return fmt.Errorf("insert phone: %w", err)
		}
	}
	return nil
}

// FindCustomer returns one customer with phones.
func (db *DB) FindCustomer(ctx context.Context, tenant tsunagu.TenantID, id tsunagu.CustomerID) (*tsunagu.Customer, error) {
	cs, err := db.customers(ctx, tenant, "customers c", `c.id = ?`, []any{id}, "")
	if err != nil {
		return nil, err
	}
	if len(cs) == 0 {
		return nil, notFound("Customer")
	}
	return &cs[0], nil
}

// FindCustomersByPhone returns the customers with an E.164 number through the
// (tenant_id, number) index.
func (db *DB) FindCustomersByPhone(ctx context.Context, tenant tsunagu.TenantID, e164 string) ([]tsunagu.Customer, error) {
	return db.customers(ctx, tenant, callerIDFrom, `p.number = ?`, []any{e164}, "")
}

// ListCustomers pages through customers by ID.
func (db *DB) ListCustomers(ctx context.Context, tenant tsunagu.TenantID, p tsunagu.Page) ([]tsunagu.Customer, string, error) {
	p = p.Clamp()
	cs, err := db.customers(ctx, tenant, "customers c", `c.id > ?`, []any{p.Cursor}, fmt.Sprintf(" LIMIT %d", p.Limit+1))
	if err != nil {
		return nil, "", err
	}
	cs, next := trimPage(cs, p.Limit, func(c tsunagu.Customer) string { return string(c.ID) })
	return cs, next, nil
}

// callerIDFrom drives the caller-ID lookup from customer_phones' primary key
// (tenant_id, number, ...): SQLite's CROSS JOIN keeps customer_phones as the
// outer loop whatever the table statistics say. Left to itself, without
// ANALYZE data, the planner walked every customer of the tenant and probed
// their phones: a full scan per call (found by BenchmarkCallerIDLookup at
// 1,000,000 customers).
const callerIDFrom = `customer_phones p CROSS JOIN customers c ON c.tenant_id = p.tenant_id AND c.id = p.customer_id`

// customers selects customers of the tenant from the given FROM clause
// (aliasing customers as c) matching where, then their phones in one more
// query.
func (db *DB) customers(ctx context.Context, tenant tsunagu.TenantID, from, where string, args []any, limit string) ([]tsunagu.Customer, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT c.tenant_id, c.id, c.name, c.kana, c.email, c.notes, c.flags, c.created_at, c.updated_at
		FROM `+from+` WHERE c.tenant_id = ? AND `+where+` ORDER BY c.id`+limit, append([]any{tenant}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("find customers: %w", err)
	}
	out := []tsunagu.Customer{}
	idx := map[tsunagu.CustomerID]int{}
	for rows.Next() {
		var c tsunagu.Customer
		var flags string
		var created, updated int64
		if err := rows.Scan(&c.TenantID, &c.ID, &c.Name, &c.Kana, &c.Email, &c.Notes, &flags, &created, &updated); err != nil {
			rows.Close()
			return nil, fmt.Errorf("find customers: %w", err)
		}
		_ = json.Unmarshal([]byte(flags), &c.Flags)
		c.CreatedAt, c.UpdatedAt = fromMS(created), fromMS(updated)
		c.Phones = []tsunagu.Phone{}
		idx[c.ID] = len(out)
		out = append(out, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, err
	}
	ids := make([]any, 0, len(out)+1)
	ids = append(ids, tenant)
	for _, c := range out {
		ids = append(ids, c.ID)
	}
	prows, err := db.r.QueryContext(ctx, `SELECT customer_id, number, label FROM customer_phones WHERE tenant_id = ? AND customer_id IN (?`+
		strings.Repeat(",?", len(out)-1)+`) ORDER BY customer_id, position`, ids...)
	if err != nil {
		return nil, fmt.Errorf("find phones: %w", err)
	}
	defer prows.Close()
	for prows.Next() {
		var id tsunagu.CustomerID
		var p tsunagu.Phone
		if err := prows.Scan(&id, &p.Number, &p.Label); err != nil {
			return nil, fmt.Errorf("find phones: %w", err)
		}
		out[idx[id]].Phones = append(out[idx[id]].Phones, p)
	}
	return out, prows.Err()
}

// UpdateCustomer replaces a customer's fields and phones.
func (db *DB) UpdateCustomer(ctx context.Context, c *tsunagu.Customer) error {
	if err := c.Normalize(); err != nil {
		return err
	}
	return db.write(ctx, func(tx *tx) error {
		flags, _ := json.Marshal(nonNil(c.Flags))
		var created int64
		err := tx.QueryRowContext(ctx, `UPDATE customers SET name = ?, kana = ?, email = ?, notes = ?, flags = ?, updated_at = ?
			WHERE tenant_id = ? AND id = ? RETURNING created_at`, c.Name, c.Kana, c.Email, c.Notes, string(flags), ms(tx.now), c.TenantID, c.ID).Scan(&created)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("Customer")
		} else if err != nil {
			return fmt.Errorf("update customer: %w", err)
		}
		c.CreatedAt, c.UpdatedAt = fromMS(created), fromMS(ms(tx.now))
		if _, err := tx.ExecContext(ctx, `DELETE FROM customer_phones WHERE tenant_id = ? AND customer_id = ?`, c.TenantID, c.ID); err != nil {
			return fmt.Errorf("update customer: %w", err)
		}
		if err := tx.insertPhones(c); err != nil {
			return err
		}
		e := tsunagu.NewEvent(c.TenantID, tsunagu.EventCustomerUpdated, tx.now, nil)
		e.Subject = string(c.ID)
		return tx.appendEvent(e)
	})
}

// DeleteCustomer deletes a customer and their phones. Their contacts stay
// (the record of work done), with the link to the customer kept as an ID.
func (db *DB) DeleteCustomer(ctx context.Context, tenant tsunagu.TenantID, id tsunagu.CustomerID) error {
	return db.write(ctx, func(tx *tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM customers WHERE tenant_id = ? AND id = ?`, tenant, id)
		if err != nil {
			return fmt.Errorf("delete customer: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("Customer")
		}
		e := tsunagu.NewEvent(tenant, tsunagu.EventCustomerDeleted, tx.now, nil)
		e.Subject = string(id)
		return tx.appendEvent(e)
	})
}

// RecordReveal audits a read of a customer's unmasked personal data.
func (db *DB) RecordReveal(ctx context.Context, tenant tsunagu.TenantID, id tsunagu.CustomerID, at time.Time) error {
	return db.write(ctx, func(tx *tx) error {
		e := tsunagu.NewEvent(tenant, tsunagu.EventCustomerRevealed, at, nil)
		e.Subject = string(id)
		if p := tsunagu.FromContext(ctx); p != nil {
			e.AgentID = p.AgentID
		}
		return tx.appendEvent(e)
	})
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func containsAny(s string, subs ...string) bool {
	for _, x := range subs {
		if strings.Contains(s, x) {
			return true
		}
	}
	return false
}

// ExplainCallerID returns SQLite's query plan for the caller-ID lookup, so a
// test can check it starts from the phone index.
func (db *DB) ExplainCallerID(ctx context.Context) (string, error) {
	rows, err := db.r.QueryContext(ctx, `EXPLAIN QUERY PLAN SELECT c.id FROM `+callerIDFrom+`
		WHERE c.tenant_id = ? AND p.number = ? ORDER BY c.id`, "t", "+819012345678")
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			return "", err
		}
		b.WriteString(detail + "\n")
	}
	return b.String(), rows.Err()
}
