package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"tsunagu"
)

// CreateTenant creates a tenant; ECONFLICT if the ID exists.
func (db *DB) CreateTenant(ctx context.Context, t *tsunagu.Tenant) error {
	if t.TimeZone == "" {
		t.TimeZone = "Asia/Tokyo"
	}
	if err := t.Validate(); err != nil {
		return err
	}
	return db.write(ctx, func(tx *tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO tenants(id, name, time_zone, created_at) VALUES (?, ?, ?, ?)`,
			t.ID, t.Name, t.TimeZone, ms(tx.now))
		if isUnique(err) {
			return tsunagu.Errorf(tsunagu.ECONFLICT, "Tenant %s exists.", t.ID)
		} else if err != nil {
			return fmt.Errorf("create tenant: %w", err)
		}
		return tx.appendEvent(tsunagu.NewEvent(t.ID, tsunagu.EventTenantCreated, tx.now, map[string]string{"name": t.Name}))
	})
}

// FindTenant returns a tenant.
func (db *DB) FindTenant(ctx context.Context, id tsunagu.TenantID) (*tsunagu.Tenant, error) {
	var t tsunagu.Tenant
	err := db.r.QueryRowContext(ctx, `SELECT id, name, time_zone FROM tenants WHERE id = ?`, id).Scan(&t.ID, &t.Name, &t.TimeZone)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("Tenant")
	} else if err != nil {
		return nil, fmt.Errorf("find tenant: %w", err)
	}
	return &t, nil
}

const userColumns = `id, tenant_id, username, display_name, kana, role, agent_id, team_id, disabled, created_at`

func scanUser(s interface{ Scan(...any) error }, extra ...any) (*tsunagu.User, error) {
	var u tsunagu.User
	var created int64
	dest := append([]any{&u.ID, &u.TenantID, &u.Username, &u.DisplayName, &u.Kana, &u.Role, &u.AgentID, &u.TeamID, &u.Disabled, &created}, extra...)
	if err := s.Scan(dest...); err != nil {
		return nil, err
	}
	u.CreatedAt = fromMS(created)
	return &u, nil
}

// CreateUser creates a login, and its agent row when the role is agent.
// Supervisors take no contacts by default (they may be given an agent later).
func (db *DB) CreateUser(ctx context.Context, u *tsunagu.User, passwordHash string) error {
	if err := u.Validate(); err != nil {
		return err
	}
	if passwordHash == "" {
		return tsunagu.FieldError("password", "Password is required.")
	}
	return db.write(ctx, func(tx *tx) error {
		if u.ID == "" {
			u.ID = tsunagu.UserID(newID("usr_", tx.now))
		}
		u.CreatedAt = fromMS(ms(tx.now))
		if u.Role == tsunagu.RoleAgent && u.AgentID == "" {
			u.AgentID = tsunagu.AgentID(newID("agt_", tx.now))
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO users(id, tenant_id, username, display_name, kana, role, agent_id, team_id, disabled, password_hash, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			u.ID, u.TenantID, u.Username, u.DisplayName, u.Kana, u.Role, u.AgentID, u.TeamID, u.Disabled, passwordHash, ms(u.CreatedAt))
		if isUnique(err) {
			return &tsunagu.Error{Code: tsunagu.ECONFLICT, Field: "username", Message: "That username is taken."}
		} else if err != nil {
			if isForeignKey(err) {
				return tsunagu.FieldError("tenant_id", "Unknown tenant.")
			}
			return fmt.Errorf("create user: %w", err)
		}
		if u.AgentID != "" {
			if _, err := tx.ExecContext(ctx, `INSERT INTO agents(tenant_id, id, user_id, name, kana, team_id, state, state_since)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, u.TenantID, u.AgentID, u.ID, u.DisplayName, u.Kana, u.TeamID, tsunagu.AgentOffline, ms(tx.now)); err != nil {
				return fmt.Errorf("create agent: %w", err)
			}
		}
		e := tsunagu.NewEvent(u.TenantID, tsunagu.EventUserCreated, tx.now, map[string]any{"username": u.Username, "role": u.Role})
		e.Subject, e.AgentID = string(u.ID), u.AgentID
		return tx.appendEvent(e)
	})
}

// FindUser returns a user of the tenant.
func (db *DB) FindUser(ctx context.Context, tenant tsunagu.TenantID, id tsunagu.UserID) (*tsunagu.User, error) {
	u, err := scanUser(db.r.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE tenant_id = ? AND id = ?`, tenant, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("User")
	} else if err != nil {
		return nil, fmt.Errorf("find user: %w", err)
	}
	return u, nil
}

// FindLogin returns what login needs, across tenants (usernames are unique).
func (db *DB) FindLogin(ctx context.Context, username string) (*tsunagu.Login, error) {
	var l tsunagu.Login
	var locked int64
	u, err := scanUser(db.r.QueryRowContext(ctx, `SELECT `+userColumns+`, password_hash, failed_logins, locked_until FROM users WHERE username = ?`, username),
		&l.PasswordHash, &l.Failures, &locked)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("User")
	} else if err != nil {
		return nil, fmt.Errorf("find login: %w", err)
	}
	l.User = *u
	if locked > 0 {
		l.LockedUntil = fromMS(locked)
	}
	return &l, nil
}

// ListUsers lists a tenant's users by ID.
func (db *DB) ListUsers(ctx context.Context, tenant tsunagu.TenantID, p tsunagu.Page) ([]tsunagu.User, string, error) {
	p = p.Clamp()
	rows, err := db.r.QueryContext(ctx, `SELECT `+userColumns+` FROM users WHERE tenant_id = ? AND id > ? ORDER BY id LIMIT ?`,
		tenant, p.Cursor, p.Limit+1)
	if err != nil {
		return nil, "", fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var out []tsunagu.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, "", fmt.Errorf("list users: %w", err)
		}
		out = append(out, *u)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	out, next := trimPage(out, p.Limit, func(u tsunagu.User) string { return string(u.ID) })
	return out, next, nil
}

// SetPassword replaces a user's password hash, ends their sessions and
// clears a lockout.
func (db *DB) SetPassword(ctx context.Context, tenant tsunagu.TenantID, id tsunagu.UserID, passwordHash string) error {
	return db.write(ctx, func(tx *tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = ?, failed_logins = 0, locked_until = 0 WHERE tenant_id = ? AND id = ?`,
			passwordHash, tenant, id)
		if err != nil {
			return fmt.Errorf("set password: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("User")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, id); err != nil {
			return fmt.Errorf("set password: %w", err)
		}
		e := tsunagu.NewEvent(tenant, tsunagu.EventUserPasswordSet, tx.now, nil)
		e.Subject = string(id)
		return tx.appendEvent(e)
	})
}

// RecordLoginFailure counts a failed login; at limit failures the account is
// locked until lockUntil. The audit event carries no password.
func (db *DB) RecordLoginFailure(ctx context.Context, id tsunagu.UserID, at time.Time, limit int, lockUntil time.Time) (int, error) {
	var n int
	err := db.write(ctx, func(tx *tx) error {
		var tenant tsunagu.TenantID
		var username string
		if err := tx.QueryRowContext(ctx, `UPDATE users SET failed_logins = failed_logins + 1 WHERE id = ?
			RETURNING failed_logins, tenant_id, username`, id).Scan(&n, &tenant, &username); err != nil {
			return fmt.Errorf("record login failure: %w", err)
		}
		locked := n >= limit
		if locked {
			if _, err := tx.ExecContext(ctx, `UPDATE users SET locked_until = ?, failed_logins = 0 WHERE id = ?`, ms(lockUntil), id); err != nil {
				return fmt.Errorf("lock user: %w", err)
			}
		}
		e := tsunagu.NewEvent(tenant, tsunagu.EventUserLoginFailed, at, map[string]any{"username": username, "locked": locked})
		e.Subject = string(id)
		return tx.appendEvent(e)
	})
	return n, err
}

// RecordLogin clears failures and logs the login.
func (db *DB) RecordLogin(ctx context.Context, id tsunagu.UserID, at time.Time) error {
	return db.write(ctx, func(tx *tx) error {
		var tenant tsunagu.TenantID
		var username string
		var agent tsunagu.AgentID
		if err := tx.QueryRowContext(ctx, `UPDATE users SET failed_logins = 0, locked_until = 0 WHERE id = ?
			RETURNING tenant_id, username, agent_id`, id).Scan(&tenant, &username, &agent); err != nil {
			return fmt.Errorf("record login: %w", err)
		}
		e := tsunagu.NewEvent(tenant, tsunagu.EventUserLoggedIn, at, map[string]any{"username": username})
		e.Subject, e.AgentID, e.ActorID = string(id), agent, id
		return tx.appendEvent(e)
	})
}

func isForeignKey(err error) bool {
	return err != nil && containsAny(err.Error(), "FOREIGN KEY constraint failed")
}
