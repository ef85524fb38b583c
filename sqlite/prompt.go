package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"strings"

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

// DeletePrompt removes a prompt that no number and no announcement plays.
// In use, nothing changes and the error names every use: silently going
// back to the built-in voice on a live number is not the admin's call to
// miss.
func (db *DB) DeletePrompt(ctx context.Context, tenant tsunagu.TenantID, id tsunagu.PromptID) error {
	return db.write(ctx, func(tx *tx) error {
		var name string
		err := tx.QueryRowContext(ctx, `SELECT name FROM prompts WHERE tenant_id = ? AND id = ?`, tenant, id).Scan(&name)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("Prompt")
		} else if err != nil {
			return fmt.Errorf("delete prompt: %w", err)
		}
		rows, err := tx.QueryContext(ctx, `SELECT what FROM (
			SELECT 'number ' || number || ' (greeting)' AS what, 1 AS g, number AS n, 1 AS k FROM trunk_numbers WHERE tenant_id = ?1 AND greeting_prompt = ?2
			UNION ALL SELECT 'number ' || number || ' (menu)', 1, number, 2 FROM trunk_numbers WHERE tenant_id = ?1 AND menu_prompt = ?2
			UNION ALL SELECT 'number ' || number || ' (closed)', 1, number, 3 FROM trunk_numbers WHERE tenant_id = ?1 AND closed_prompt = ?2
			UNION ALL SELECT 'announcement ' || name, 2, name, 0 FROM announcements WHERE tenant_id = ?1 AND prompt_id = ?2)
			ORDER BY g, n, k`, tenant, id)
		if err != nil {
			return fmt.Errorf("delete prompt: %w", err)
		}
		var uses []string
		for rows.Next() {
			var u string
			if err := rows.Scan(&u); err != nil {
				rows.Close()
				return fmt.Errorf("delete prompt: %w", err)
			}
			uses = append(uses, u)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("delete prompt: %w", err)
		}
		if len(uses) > 0 {
			return &tsunagu.Error{Code: tsunagu.ECONFLICT, Field: "id",
				Message: fmt.Sprintf("The prompt %q is in use: %s. Choose another prompt there first.", name, strings.Join(uses, ", "))}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM prompts WHERE tenant_id = ? AND id = ?`, tenant, id); err != nil {
			return fmt.Errorf("delete prompt: %w", err)
		}
		e := tsunagu.NewEvent(tenant, tsunagu.EventPromptDeleted, tx.now, map[string]any{"name": name})
		e.Subject = string(id)
		return tx.appendEvent(e)
	})
}

// promptExists checks that the tenant has the prompt id (empty: nothing to
// check); otherwise EINVALID on field.
func promptExists(ctx context.Context, tx *tx, tenant tsunagu.TenantID, id tsunagu.PromptID, field string) error {
	if id == "" {
		return nil
	}
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM prompts WHERE tenant_id = ? AND id = ?`, tenant, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return tsunagu.FieldError(field, "No uploaded prompt %q.", id)
	} else if err != nil {
		return fmt.Errorf("find prompt: %w", err)
	}
	return nil
}

// ListAnnouncements returns which uploaded prompts replace the tenant's
// fixed announcements.
func (db *DB) ListAnnouncements(ctx context.Context, tenant tsunagu.TenantID) (map[tsunagu.Announcement]tsunagu.PromptID, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT name, prompt_id FROM announcements WHERE tenant_id = ?`, tenant)
	if err != nil {
		return nil, fmt.Errorf("list announcements: %w", err)
	}
	defer rows.Close()
	out := map[tsunagu.Announcement]tsunagu.PromptID{}
	for rows.Next() {
		var a tsunagu.Announcement
		var id tsunagu.PromptID
		if err := rows.Scan(&a, &id); err != nil {
			return nil, fmt.Errorf("list announcements: %w", err)
		}
		out[a] = id
	}
	return out, rows.Err()
}

// SetAnnouncements replaces the tenant's announcement prompts in one
// transaction: every prompt is checked before anything is written.
func (db *DB) SetAnnouncements(ctx context.Context, tenant tsunagu.TenantID, m map[tsunagu.Announcement]tsunagu.PromptID) error {
	m = maps.Clone(m)
	if m == nil {
		m = map[tsunagu.Announcement]tsunagu.PromptID{}
	}
	if err := tsunagu.ValidateAnnouncements(m); err != nil {
		return err
	}
	return db.write(ctx, func(tx *tx) error {
		// In the order of tsunagu.Announcements, so the error names the
		// same field every time.
		for _, a := range tsunagu.Announcements {
			if err := promptExists(ctx, tx, tenant, m[a], "announcements."+string(a)); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM announcements WHERE tenant_id = ?`, tenant); err != nil {
			return fmt.Errorf("set announcements: %w", err)
		}
		for _, a := range tsunagu.Announcements {
			if m[a] == "" {
				continue
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO announcements(tenant_id, name, prompt_id, updated_at) VALUES (?, ?, ?, ?)`,
				tenant, a, m[a], ms(tx.now))
			if isForeignKey(err) {
				return tsunagu.FieldError("tenant_id", "Unknown tenant.")
			} else if err != nil {
				return fmt.Errorf("set announcements: %w", err)
			}
		}
		return tx.appendEvent(tsunagu.NewEvent(tenant, tsunagu.EventAnnouncementsChanged, tx.now, map[string]any{"announcements": m}))
	})
}
