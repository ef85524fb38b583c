package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"tsunagu"
)

// CreateSession stores a session (only the hash of its secret). Expired
// sessions are swept on the way, so the table stays small without a timer.
func (db *DB) CreateSession(ctx context.Context, s *tsunagu.Session) error {
	return db.write(ctx, func(tx *tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at < ?`, ms(tx.now)); err != nil {
			return fmt.Errorf("sweep sessions: %w", err)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions(token_hash, csrf_token, tenant_id, user_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
			s.TokenHash, s.CSRFToken, s.TenantID, s.UserID, ms(s.CreatedAt), ms(s.ExpiresAt))
		if err != nil {
			return fmt.Errorf("create session: %w", err)
		}
		return nil
	})
}

// FindSession returns an unexpired session.
func (db *DB) FindSession(ctx context.Context, tokenHash string, now time.Time) (*tsunagu.Session, error) {
	var s tsunagu.Session
	var created, expires int64
	err := db.r.QueryRowContext(ctx, `SELECT token_hash, csrf_token, tenant_id, user_id, created_at, expires_at
		FROM sessions WHERE token_hash = ? AND expires_at > ?`, tokenHash, ms(now)).
		Scan(&s.TokenHash, &s.CSRFToken, &s.TenantID, &s.UserID, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("Session")
	} else if err != nil {
		return nil, fmt.Errorf("find session: %w", err)
	}
	s.CreatedAt, s.ExpiresAt = fromMS(created), fromMS(expires)
	return &s, nil
}

// DeleteSession ends a session and logs the logout.
func (db *DB) DeleteSession(ctx context.Context, tokenHash string) error {
	return db.write(ctx, func(tx *tx) error {
		var tenant tsunagu.TenantID
		var user tsunagu.UserID
		err := tx.QueryRowContext(ctx, `DELETE FROM sessions WHERE token_hash = ? RETURNING tenant_id, user_id`, tokenHash).Scan(&tenant, &user)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("Session")
		} else if err != nil {
			return fmt.Errorf("delete session: %w", err)
		}
		e := tsunagu.NewEvent(tenant, tsunagu.EventUserLoggedOut, tx.now, nil)
		e.Subject, e.ActorID = string(user), user
		return tx.appendEvent(e)
	})
}

// CreateToken stores an API token (its hash only).
func (db *DB) CreateToken(ctx context.Context, t *tsunagu.Token) error {
	if t.Name == "" || len(t.Name) > 100 {
		return tsunagu.FieldError("name", "Token name is required (at most 100 characters).")
	}
	if !t.Role.Valid() {
		return tsunagu.FieldError("role", "Role must be agent, supervisor or admin.")
	}
	return db.write(ctx, func(tx *tx) error {
		t.ID = tsunagu.TokenID(newID("tok_", tx.now))
		t.CreatedAt = fromMS(ms(tx.now))
		if _, err := tx.ExecContext(ctx, `INSERT INTO api_tokens(id, tenant_id, user_id, name, role, hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			t.ID, t.TenantID, t.UserID, t.Name, t.Role, t.Hash, ms(t.CreatedAt)); err != nil {
			return fmt.Errorf("create token: %w", err)
		}
		e := tsunagu.NewEvent(t.TenantID, tsunagu.EventTokenCreated, tx.now, map[string]any{"name": t.Name, "role": t.Role})
		e.Subject = string(t.ID)
		return tx.appendEvent(e)
	})
}

const tokenColumns = `id, tenant_id, user_id, name, role, hash, created_at, revoked`

func scanToken(s interface{ Scan(...any) error }) (*tsunagu.Token, error) {
	var t tsunagu.Token
	var created int64
	if err := s.Scan(&t.ID, &t.TenantID, &t.UserID, &t.Name, &t.Role, &t.Hash, &created, &t.Revoked); err != nil {
		return nil, err
	}
	t.CreatedAt = fromMS(created)
	return &t, nil
}

// FindToken returns an unrevoked token by its hash.
func (db *DB) FindToken(ctx context.Context, hash string) (*tsunagu.Token, error) {
	t, err := scanToken(db.r.QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE hash = ? AND revoked = 0`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("Token")
	} else if err != nil {
		return nil, fmt.Errorf("find token: %w", err)
	}
	return t, nil
}

// ListTokens lists a tenant's tokens, newest first.
func (db *DB) ListTokens(ctx context.Context, tenant tsunagu.TenantID) ([]tsunagu.Token, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE tenant_id = ? ORDER BY id DESC`, tenant)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	out := []tsunagu.Token{}
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("list tokens: %w", err)
		}
		out = append(out, *t)
	}
	return out, rows.Err()
}

// RevokeToken revokes a token of the tenant.
func (db *DB) RevokeToken(ctx context.Context, tenant tsunagu.TenantID, id tsunagu.TokenID) error {
	return db.write(ctx, func(tx *tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked = 1 WHERE tenant_id = ? AND id = ? AND revoked = 0`, tenant, id)
		if err != nil {
			return fmt.Errorf("revoke token: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("Token")
		}
		e := tsunagu.NewEvent(tenant, tsunagu.EventTokenRevoked, tx.now, nil)
		e.Subject = string(id)
		return tx.appendEvent(e)
	})
}
