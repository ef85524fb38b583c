package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"tsunagu"
)

// CreatePrompt stores an uploaded prompt and its 8 kHz µ-law audio.
func (db *DB) CreatePrompt(ctx context.Context, p *tsunagu.Prompt, ulaw []byte) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if pr := tsunagu.FromContext(ctx); pr != nil && p.CreatedBy == "" {
		p.CreatedBy = pr.UserID
	}
	return db.write(ctx, func(tx *tx) error {
		if p.ID == "" {
			p.ID = tsunagu.PromptID(newID("prm_", tx.now))
		}
		p.CreatedAt = fromMS(ms(tx.now))
		_, err := tx.ExecContext(ctx, `INSERT INTO prompts(tenant_id, id, name, seconds, audio, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			p.TenantID, p.ID, p.Name, p.Seconds, ulaw, ms(p.CreatedAt), p.CreatedBy)
		if isUnique(err) {
			return tsunagu.Errorf(tsunagu.ECONFLICT, "Prompt %s exists.", p.ID)
		} else if isForeignKey(err) {
			return tsunagu.FieldError("tenant_id", "Unknown tenant.")
		} else if err != nil {
			return fmt.Errorf("create prompt: %w", err)
		}
		e := tsunagu.NewEvent(p.TenantID, tsunagu.EventPromptUploaded, tx.now, map[string]any{"name": p.Name, "seconds": p.Seconds})
		e.Subject = string(p.ID)
		return tx.appendEvent(e)
	})
}

// ListPrompts lists a tenant's prompts, newest first, without their audio.
func (db *DB) ListPrompts(ctx context.Context, tenant tsunagu.TenantID) ([]tsunagu.Prompt, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT tenant_id, id, name, seconds, created_at, created_by FROM prompts
		WHERE tenant_id = ? ORDER BY created_at DESC, id`, tenant)
	if err != nil {
		return nil, fmt.Errorf("list prompts: %w", err)
	}
	defer rows.Close()
	out := []tsunagu.Prompt{}
	for rows.Next() {
		var p tsunagu.Prompt
		var created int64
		if err := rows.Scan(&p.TenantID, &p.ID, &p.Name, &p.Seconds, &created, &p.CreatedBy); err != nil {
			return nil, fmt.Errorf("list prompts: %w", err)
		}
		p.CreatedAt = fromMS(created)
		out = append(out, p)
	}
	return out, rows.Err()
}

// PromptAudio returns a prompt's audio.
func (db *DB) PromptAudio(ctx context.Context, tenant tsunagu.TenantID, id tsunagu.PromptID) ([]byte, error) {
	var audio []byte
	err := db.r.QueryRowContext(ctx, `SELECT audio FROM prompts WHERE tenant_id = ? AND id = ?`, tenant, id).Scan(&audio)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("Prompt")
	} else if err != nil {
		return nil, fmt.Errorf("prompt audio: %w", err)
	}
	return audio, nil
}
